//! Input errors: what went wrong, and where.

use std::fmt;
use std::path::PathBuf;

/// A place in an input: file, line (1-based) and, where known, a field path
/// such as `authorships[2].institutions[0].id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    /// The file.
    pub path: PathBuf,
    /// 1-based line number (0 when the problem concerns the whole file).
    pub line: u64,
    /// The field involved, if known.
    pub field: Option<String>,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong while reading inputs.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A file could not be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A path, directory or glob matched no input file.
    #[error("{pattern}: no such file, or no input files match")]
    NotFound {
        /// What was given.
        pattern: String,
    },
    /// A record could not be read; the run may go on (the ledger counts it).
    #[error(transparent)]
    Record(#[from] RecordError),
    /// A whole file is not in a format tally knows.
    #[error("{}: {message}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What was expected.
        message: String,
    },
}

impl InputError {
    /// Builds a record error.
    pub fn record(
        path: &std::path::Path,
        line: u64,
        field: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        InputError::Record(RecordError::new(path, line, field, message))
    }
}

/// One record that could not be read: where, and what is wrong. The run
/// goes on without it (the ledger counts it) unless it is strict.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {message}")]
pub struct RecordError {
    /// Where.
    pub at: Located,
    /// What is wrong and, where useful, what to do.
    pub message: String,
}

impl RecordError {
    /// A record error at `path:line`, about `field` if known.
    pub fn new(
        path: &std::path::Path,
        line: u64,
        field: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        RecordError {
            at: Located {
                path: path.to_path_buf(),
                line,
                field,
            },
            message: message.into(),
        }
    }
}

/// Turns a serde_json error (and the field path, when known) into a message
/// that says what was wrong without repeating the line number.
pub(crate) fn json_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    // serde_json appends " at line L column C"; keep the column only.
    match s.rfind(" at line ") {
        Some(i) => format!("{} (column {})", &s[..i], e.column()),
        None => s,
    }
}
