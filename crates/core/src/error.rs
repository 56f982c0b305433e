//! The errors of the scorer contract: [`ScoreError`] when a batch cannot be
//! scored, [`ParamsError`] when a scorer refuses its parameters. Hand-written
//! `Display` and `Error` impls: this crate depends on nothing.

use crate::EntityId;
use std::fmt;

/// Why a batch could not be scored: what went wrong ([`ScoreErrorKind`]) and,
/// for a scorer behind the C ABI, which plugin it was.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreError {
    /// The plugin that failed (its label, e.g. the library's path); `None`
    /// for a scorer in this process.
    pub plugin: Option<String>,
    /// What went wrong.
    pub kind: ScoreErrorKind,
}

/// What went wrong while scoring a batch. `article` is the index in the
/// batch given to [`Scorer::score_batch`](crate::Scorer::score_batch).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ScoreErrorKind {
    /// The scorer reported a failure, in its own words.
    Failed(String),
    /// The scorer panicked (caught at the C ABI), with the panic's message.
    Panicked(String),
    /// A credit that is NaN, infinite or negative.
    BadCredit {
        /// The article, in the batch.
        article: usize,
        /// The credited entity.
        entity: EntityId,
        /// The credit.
        credit: f64,
    },
    /// A credit to an entity that is not among the article's resolved slots.
    NotOnArticle {
        /// The article, in the batch.
        article: usize,
        /// The credited entity.
        entity: EntityId,
        /// The article's resolved slots.
        resolved: Vec<EntityId>,
    },
    /// Output that does not fit the batch (article ends out of order, past
    /// the credits or too few, a credit count beyond the buffer...).
    BadOutput(String),
    /// A status code the ABI does not define.
    UnknownStatus(i32),
}

impl ScoreError {
    /// A failure in the scorer's own words, from a scorer in this process.
    pub fn failed(message: impl Into<String>) -> ScoreError {
        ScoreErrorKind::Failed(message.into()).into()
    }
}

impl From<ScoreErrorKind> for ScoreError {
    fn from(kind: ScoreErrorKind) -> ScoreError {
        ScoreError { plugin: None, kind }
    }
}

impl fmt::Display for ScoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.plugin {
            Some(p) => write!(f, "{p}: {}", self.kind),
            None => self.kind.fmt(f),
        }
    }
}

/// Lists at most this many entities in a message.
const LISTED: usize = 10;

impl fmt::Display for ScoreErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScoreErrorKind::Failed(m) => f.write_str(m),
            ScoreErrorKind::Panicked(m) => write!(f, "panicked: {m}"),
            ScoreErrorKind::BadCredit {
                article,
                entity,
                credit,
            } => write!(
                f,
                "returned credit {credit} for entity {entity} (article {article} of the batch): credits must be finite and non-negative"
            ),
            ScoreErrorKind::NotOnArticle {
                article,
                entity,
                resolved,
            } => {
                write!(
                    f,
                    "credited entity {entity}, which is not among the article's resolved entities {:?}",
                    &resolved[..resolved.len().min(LISTED)]
                )?;
                if resolved.len() > LISTED {
                    write!(f, " (the first {LISTED} of {})", resolved.len())?;
                }
                write!(f, " (article {article} of the batch)")
            }
            ScoreErrorKind::BadOutput(m) => f.write_str(m),
            ScoreErrorKind::UnknownStatus(s) => write!(
                f,
                "returned status {s}, which the scorer ABI does not define"
            ),
        }
    }
}

impl std::error::Error for ScoreError {}

/// Why a scorer refused its parameters: which key (if one is to blame) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamsError {
    /// The key that is wrong; `None` when the parameters as a whole are
    /// (not a JSON object, say).
    pub key: Option<String>,
    /// Why.
    pub message: String,
}

impl ParamsError {
    /// The parameters as a whole are wrong.
    pub fn new(message: impl Into<String>) -> ParamsError {
        ParamsError {
            key: None,
            message: without_position(message.into()),
        }
    }

    /// `key` is wrong.
    pub fn at(key: impl Into<String>, message: impl Into<String>) -> ParamsError {
        ParamsError {
            key: Some(key.into()),
            message: without_position(message.into()),
        }
    }
}

/// `message` without a JSON parser's ` at line L column C` ending: the
/// params a scorer gets are JSON that tally wrote from the config's table,
/// so a position in it means nothing to the user (the config's own place
/// is given with the error).
fn without_position(mut message: String) -> String {
    if let Some(i) = message.rfind(" at line ") {
        let tail = &message[i + " at line ".len()..];
        let ok = tail.split_once(" column ").is_some_and(|(l, c)| {
            !l.is_empty()
                && !c.is_empty()
                && l.bytes().all(|b| b.is_ascii_digit())
                && c.bytes().all(|b| b.is_ascii_digit())
        });
        if ok {
            message.truncate(i);
        }
    }
    message
}

impl fmt::Display for ParamsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(k) => write!(f, "bad param `{k}`: {}", self.message),
            None => write!(f, "bad params: {}", self.message),
        }
    }
}

impl std::error::Error for ParamsError {}

#[cfg(test)]
mod position_tests {
    use super::*;

    #[test]
    fn a_json_position_is_dropped_from_params_errors() {
        let e = ParamsError::at(
            "unassigned",
            "unknown field `unassigned`, expected `unaffiliated` at line 1 column 13",
        );
        assert_eq!(
            e.to_string(),
            "bad param `unassigned`: unknown field `unassigned`, expected `unaffiliated`"
        );
        // Anything else is kept as written.
        for kept in ["at line one", "no number at line 3 column x", "fine"] {
            assert_eq!(ParamsError::new(kept).message, kept);
        }
    }
}
