//! The heart of tally's plugin model: the view of one article that a counting
//! method sees, and the [`Scorer`] trait that every counting method implements.
//!
//! A scorer never sees names, files or levels. The engine hands it one article
//! as its ordered authorships, each with the *slots* its distinct affiliations
//! resolve to at the level being ranked ([`EntityId`]s, or [`UNRESOLVED`]), and
//! the scorer emits `(entity, credit)` pairs. The layout is flat (one `u32`
//! array of slots plus offsets per authorship) so that the same data can later
//! cross a C ABI unchanged.
//!
//! This crate depends on nothing: plugin authors depend on it alone.
//!
//! The contract is fallible in one place only: [`Scorer::score_batch`], the
//! one entry point the engine calls, returns a [`ScoreError`]. A scorer in
//! this process implements the infallible [`Scorer::score`] and keeps the
//! batch default; a scorer behind the C ABI ([`abi::Foreign`]) can panic or
//! break the rules, and its `score_batch` says so. [`Validator`] holds the
//! rules, for tally and for tests alike.
//!
//! ```
//! use tally_core::{Article, Credit, Scorer, ScorerInfo, ScoreKind};
//!
//! /// All credit to the first author's entities.
//! struct FirstAuthor;
//!
//! impl Scorer for FirstAuthor {
//!     fn info(&self) -> ScorerInfo {
//!         ScorerInfo::new("first-author", "0.1.0", "straight counting", ScoreKind::Fractional)
//!     }
//!     fn score(&self, article: &Article<'_>, out: &mut Vec<Credit>) {
//!         let Some(first) = article.authorship(0) else { return };
//!         let resolved: Vec<_> = first.iter().filter(|e| **e != tally_core::UNRESOLVED).collect();
//!         for &&entity in &resolved {
//!             out.push(Credit { entity, credit: article.weight / first.len() as f64 });
//!         }
//!     }
//! }
//!
//! // W1 of the worked example at city level: Beijing=0, Hefei=1, Cambridge US=2.
//! let offsets = [0, 1, 3, 4, 4];
//! let slots = [0, 0, 1, 2];
//! let article = Article::new(2022, 0, 1.0, &offsets, &slots).unwrap();
//! let mut out = Vec::new();
//! FirstAuthor.score(&article, &mut out);
//! assert_eq!(out, vec![Credit { entity: 0, credit: 1.0 }]);
//! ```

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod abi;
mod error;
mod validate;

pub use error::{ParamsError, ScoreError, ScoreErrorKind};
pub use validate::Validator;

use std::borrow::Cow;
use std::fmt;

/// An entity at the level being ranked (an institution, a city, a country...),
/// as a dense integer chosen by the engine. Its meaning is the engine's business.
pub type EntityId = u32;

/// The slot of an affiliation that does not resolve to any entity at the level
/// (unknown institution, institution without a city, ...). Its credit is
/// unassigned under the usual `drop` policy.
pub const UNRESOLVED: EntityId = u32::MAX;

/// One article as a scorer sees it.
///
/// Authorship `i` (0-based, in byline order) owns the slots
/// `slots[offsets[i]..offsets[i + 1]]`: one slot per *distinct* institution of
/// that authorship, resolved to an entity or [`UNRESOLVED`]. An authorship
/// without any institution has no slots but still counts in
/// [`Article::authorships`]. Offsets index into `slots` directly, so many
/// articles can share one flat slot array (as in a batch).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Article<'a> {
    /// Publication year.
    pub year: i32,
    /// The article's source (journal), as an opaque integer chosen by the engine.
    pub source: u32,
    /// The journal weight (1.0 unless the journal list gives one). Fractional
    /// scorers multiply their credit by it; a count of articles ignores it.
    pub weight: f64,
    offsets: &'a [u32],
    slots: &'a [EntityId],
}

/// Why an [`Article`] could not be built from flat arrays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewError(pub &'static str);

impl fmt::Display for ViewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for ViewError {}

impl<'a> Article<'a> {
    /// Builds a view from flat arrays: `offsets` has one entry per authorship
    /// plus one, never decreases, and ends at most at `slots.len()`.
    pub fn new(
        year: i32,
        source: u32,
        weight: f64,
        offsets: &'a [u32],
        slots: &'a [EntityId],
    ) -> Result<Self, ViewError> {
        let Some(&last) = offsets.last() else {
            return Err(ViewError("offsets must have at least one entry"));
        };
        if offsets.windows(2).any(|w| w[0] > w[1]) {
            return Err(ViewError("offsets must not decrease"));
        }
        if last as usize > slots.len() {
            return Err(ViewError("offsets must not point past the slots"));
        }
        if !weight.is_finite() || weight < 0.0 {
            return Err(ViewError("weight must be finite and non-negative"));
        }
        Ok(Article {
            year,
            source,
            weight,
            offsets,
            slots,
        })
    }

    /// Number of authorships `n`, including those without institutions.
    pub fn authorships(&self) -> usize {
        self.offsets.len() - 1
    }

    /// The slots of authorship `i` (0-based), or `None` past the end.
    pub fn authorship(&self, i: usize) -> Option<&'a [EntityId]> {
        if i + 1 >= self.offsets.len() {
            return None;
        }
        Some(&self.slots[self.offsets[i] as usize..self.offsets[i + 1] as usize])
    }

    /// The authorships in byline order, each as its slots.
    pub fn iter(&self) -> impl Iterator<Item = &'a [EntityId]> + '_ {
        let slots = self.slots;
        self.offsets
            .windows(2)
            .map(move |w| &slots[w[0] as usize..w[1] as usize])
    }

    /// All slots of all authorships, flat.
    pub fn slots(&self) -> &'a [EntityId] {
        let first = self.offsets[0] as usize;
        let last = self.offsets[self.offsets.len() - 1] as usize;
        &self.slots[first..last]
    }

    /// The per-authorship offsets (length `n + 1`), indexing the slot array
    /// the view was built on.
    pub fn offsets(&self) -> &'a [u32] {
        self.offsets
    }

    /// The whole slot array the view was built on (which [`Article::offsets`]
    /// index), possibly shared with other articles of a batch.
    pub fn base_slots(&self) -> &'a [EntityId] {
        self.slots
    }
}

/// One unit of output: `credit` goes to `entity`. Pairs for the same entity
/// add up. `#[repr(C)]`: credits cross the plugin ABI as they are.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Credit {
    /// An entity that appears in the article's slots.
    pub entity: EntityId,
    /// Finite and non-negative.
    pub credit: f64,
}

/// How a scorer's totals are printed and compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScoreKind {
    /// Whole numbers (e.g. Count): printed as integers.
    Integer,
    /// Fractions (e.g. Share): printed with 6 decimals.
    Fractional,
}

/// What a scorer says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScorerInfo {
    /// The name the config uses (`count`, `share`, `harmonic`...).
    pub name: Cow<'static, str>,
    /// The scorer's own version.
    pub version: Cow<'static, str>,
    /// One line: what it computes.
    pub description: Cow<'static, str>,
    /// How its totals are printed.
    pub kind: ScoreKind,
}

impl ScorerInfo {
    /// Info from static strings.
    pub const fn new(
        name: &'static str,
        version: &'static str,
        description: &'static str,
        kind: ScoreKind,
    ) -> Self {
        ScorerInfo {
            name: Cow::Borrowed(name),
            version: Cow::Borrowed(version),
            description: Cow::Borrowed(description),
            kind,
        }
    }
}

/// A counting method.
///
/// Implement [`Scorer::info`] and [`Scorer::score`]; [`Scorer::score_batch`]
/// has a default that loops over `score` and cannot fail.
///
/// The engine calls only `score_batch`: it is the one path, and the one that
/// can fail. A scorer behind the C ABI overrides it to call the plugin and
/// validate what comes back, so a panic or a broken rule in a plugin is an
/// `Err`, never dropped credits.
pub trait Scorer: Send + Sync {
    /// Name, version, description and kind.
    fn info(&self) -> ScorerInfo;

    /// Appends the credits of one article to `out` (without clearing it).
    /// Every credited entity must be one of the article's resolved slots; every
    /// credit must be finite and non-negative.
    fn score(&self, article: &Article<'_>, out: &mut Vec<Credit>);

    /// Scores many articles: appends their credits to `out` and, after each
    /// article, pushes `out.len()` to `ends`, so article `j`'s credits are
    /// `out[ends[j-1]..ends[j]]`. On `Err` the caller discards what was
    /// appended.
    fn score_batch(
        &self,
        articles: &[Article<'_>],
        out: &mut Vec<Credit>,
        ends: &mut Vec<usize>,
    ) -> Result<(), ScoreError> {
        for article in articles {
            self.score(article, out);
            ends.push(out.len());
        }
        Ok(())
    }
}

/// Positional credit, the common shape of author-weighted counting methods:
/// authorship `i` (0-based) of `n` gets `article.weight * part(i, n)`, split
/// equally over its slots (its distinct institutions); the parts of
/// unresolved slots and of authorships without institutions stay unassigned.
/// Zero parts are not emitted.
///
/// ```
/// use tally_core::{credit_by_position, Article, Credit};
/// // [A] [A, B]: fractional counting gives A 1/2 + 1/4, B 1/4.
/// let a = Article::new(2022, 0, 1.0, &[0, 1, 3], &[0, 0, 1]).unwrap();
/// let mut out = Vec::new();
/// credit_by_position(&a, &mut out, |_, n| 1.0 / n as f64);
/// assert_eq!(out, vec![
///     Credit { entity: 0, credit: 0.5 },
///     Credit { entity: 0, credit: 0.25 },
///     Credit { entity: 1, credit: 0.25 },
/// ]);
/// ```
pub fn credit_by_position(
    article: &Article<'_>,
    out: &mut Vec<Credit>,
    part: impl Fn(usize, usize) -> f64,
) {
    let n = article.authorships();
    for (i, slots) in article.iter().enumerate() {
        if slots.is_empty() {
            continue;
        }
        let p = article.weight * part(i, n) / slots.len() as f64;
        if p == 0.0 {
            continue;
        }
        for &entity in slots {
            if entity != UNRESOLVED {
                out.push(Credit { entity, credit: p });
            }
        }
    }
}

/// For scorers without parameters: accepts an empty object (or nothing) and
/// refuses anything else, naming the first key when there is one.
///
/// ```
/// use tally_core::{no_params, ParamsError};
/// assert!(no_params(" {} ").is_ok());
/// let e = no_params(r#"{"cap":3}"#).unwrap_err();
/// assert_eq!(e, ParamsError::at("cap", "not a parameter (this scorer takes none)"));
/// assert_eq!(e.to_string(), "bad param `cap`: not a parameter (this scorer takes none)");
/// assert_eq!(no_params("[1]").unwrap_err().key, None);
/// ```
pub fn no_params(json: &str) -> Result<(), ParamsError> {
    match json.trim() {
        "" | "{}" => Ok(()),
        other => Err(match first_key(other) {
            Some(key) => ParamsError::at(key, "not a parameter (this scorer takes none)"),
            None => ParamsError::new(format!("this scorer takes none, got {other}")),
        }),
    }
}

/// The first key of a JSON object, when it has no escapes.
fn first_key(json: &str) -> Option<&str> {
    let rest = json.strip_prefix('{')?.trim_start().strip_prefix('"')?;
    let key = &rest[..rest.find('"')?];
    (!key.contains('\\')).then_some(key)
}

/// A scorer that can be built from its parameters, given as a JSON object (the
/// scorer's `[scorer.params]` table from the TOML config; `{}` when absent).
pub trait FromParams: Sized {
    /// Parses the parameters; the error says which key is wrong and why.
    fn from_params(json: &str) -> Result<Self, ParamsError>;
}

impl<S: Scorer + ?Sized> Scorer for Box<S> {
    fn info(&self) -> ScorerInfo {
        (**self).info()
    }
    fn score(&self, article: &Article<'_>, out: &mut Vec<Credit>) {
        (**self).score(article, out)
    }
    fn score_batch(
        &self,
        articles: &[Article<'_>],
        out: &mut Vec<Credit>,
        ends: &mut Vec<usize>,
    ) -> Result<(), ScoreError> {
        (**self).score_batch(articles, out, ends)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_rejects_bad_offsets() {
        assert!(Article::new(2022, 0, 1.0, &[], &[]).is_err());
        assert!(Article::new(2022, 0, 1.0, &[0, 2, 1], &[0, 0]).is_err());
        assert!(Article::new(2022, 0, 1.0, &[0, 3], &[0, 0]).is_err());
        assert!(Article::new(2022, 0, f64::NAN, &[0, 1], &[0]).is_err());
    }

    #[test]
    fn view_keeps_empty_authorships() {
        let offsets = [0, 1, 1, 3];
        let slots = [5, UNRESOLVED, 7];
        let a = Article::new(2022, 0, 1.0, &offsets, &slots).unwrap();
        assert_eq!(a.authorships(), 3);
        let all: Vec<&[EntityId]> = a.iter().collect();
        assert_eq!(all, vec![&[5][..], &[][..], &[UNRESOLVED, 7][..]]);
        assert_eq!(a.authorship(3), None);
    }

    #[test]
    fn views_can_share_one_slot_array() {
        let slots = [1, 2, 3, 4, 5];
        let offsets = [0, 2, 2, 3, 5];
        // The second article: authorships [3] and [4, 5].
        let b = Article::new(2022, 0, 1.0, &offsets[2..], &slots).unwrap();
        assert_eq!(b.authorships(), 2);
        assert_eq!(b.slots(), &[3, 4, 5]);
        assert_eq!(b.authorship(1), Some(&[4, 5][..]));
    }
}
