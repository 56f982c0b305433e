//! Readers for everything tally takes in, turned into one neutral shape.
//!
//! - [`files`]: which files a `--works` / `--institutions` argument names
//!   (files, directories, globs), opened plain or gzipped (detected from the
//!   content), with a SHA-256 digest of the bytes read.
//! - [`works`]: OpenAlex works (JSON Lines) and tidy CSV works, both streamed
//!   record by record into a borrowed [`Work`] without keeping them.
//! - [`institutions`]: OpenAlex institution entities, ROR records (v1 and v2,
//!   JSON Lines or the official JSON array) and institutions CSV, into one
//!   [`InstitutionTable`].
//! - [`journals`]: journal lists (OpenAlex source ids and/or ISSNs).
//!
//! Errors are values that name the file, the line and, where known, the field.

pub mod error;
pub mod fast;
pub mod files;
pub mod institutions;
pub mod journals;
pub mod record;
pub mod works;

pub use error::{InputError, Located};
pub use files::{expand_inputs, InputFile};
pub use institutions::{InstitutionRecord, InstitutionTable};
pub use journals::JournalList;
pub use record::{ArenaWork, Record};
pub use works::{Authorship, InstitutionRef, Work, WorkFormat};

/// Strips the `https://openalex.org/` prefix from an OpenAlex id.
pub fn openalex_short(id: &str) -> &str {
    id.strip_prefix("https://openalex.org/")
        .or_else(|| id.strip_prefix("http://openalex.org/"))
        .unwrap_or(id)
}

/// Normalizes a ROR id (`https://ror.org/03cve4549` or `03cve4549`) to its
/// 9-character suffix, lowercased.
pub fn ror_short(id: &str) -> String {
    // The last path segment: also mends a doubled prefix seen in real records
    // (`https://ror.org/https://ror.org/03cve4549`).
    let s = id.trim().trim_end_matches('/');
    s.rsplit('/').next().unwrap_or(s).to_ascii_lowercase()
}

/// True for an id that is a ROR id with its URL prefix.
pub fn is_ror_url(id: &str) -> bool {
    id.starts_with("https://ror.org/") || id.starts_with("http://ror.org/")
}
