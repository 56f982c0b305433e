//! Test fixtures, contract checks and snapshot helpers for tally and for
//! authors of tally scorers.
//!
//! - [`design`]: the worked example of `docs/methodology.md` (six institutions
//!   in five cities, five works of which three count) as input files in both
//!   formats, with the published results in [`design::EXPECTED`].
//! - [`views`]: the same example already resolved at each level, as the
//!   article views a scorer receives, plus edge cases (empty bylines,
//!   unresolved slots, 3,000 authors).
//! - [`rankings`]: a scorer's totals and ranking of the worked example
//!   ([`rankings::ranking_csv`]), without the rest of tally.
//! - [`check_contract`]: what every scorer must satisfy, checked through the
//!   fallible batch path; [`check_contract_with_abi`]: the same for a scorer
//!   type, directly and through the C ABI, with the two compared.
//! - [`via_abi`]: a scorer sent through the C ABI in-process, to prove the
//!   exported plugin behaves like the type itself.
//! - [`assert_scorer_snapshot!`]: insta snapshots of a scorer's rankings of
//!   the worked example, written in the calling crate's `snapshots/` folder.
//!
//! ```
//! use tally_testkit::{check_contract, rankings};
//! # use tally_core::*;
//! # struct Share;
//! # impl Scorer for Share {
//! #     fn info(&self) -> ScorerInfo { ScorerInfo::new("share", "1", "", ScoreKind::Fractional) }
//! #     fn score(&self, a: &Article<'_>, out: &mut Vec<Credit>) {
//! #         credit_by_position(a, out, |_, n| 1.0 / n as f64)
//! #     }
//! # }
//! check_contract(&Share).unwrap();
//! let csv = rankings::ranking_csv(&Share, "city", 2022);
//! assert!(csv.starts_with("rank,entity_id,score\n1,1816670,0.708333\n"));
//! ```

#![warn(clippy::undocumented_unsafe_blocks)]

mod contract;
pub mod rankings;
pub mod views;

pub use contract::{check_contract, check_contract_with_abi, via_abi, ContractError, Violation};
pub use insta;

/// Snapshots a scorer's rankings of the worked example at every level for
/// 2021 and 2022 (`rankings::ranking_csv`), with insta, in the calling crate.
///
/// ```ignore
/// #[test]
/// fn rankings() {
///     tally_testkit::assert_scorer_snapshot!(Harmonic);
/// }
/// ```
#[macro_export]
macro_rules! assert_scorer_snapshot {
    ($scorer:expr) => {{
        let scorer = &$scorer;
        let name = $crate::rankings::scorer_name(scorer);
        for level in ["institution", "city", "country"] {
            for year in [2021, 2022] {
                $crate::insta::assert_snapshot!(
                    format!("{}_{}_{}", name, level, year),
                    $crate::rankings::ranking_csv(scorer, level, year)
                );
            }
        }
    }};
}

/// The worked example.
pub mod design {
    use std::path::PathBuf;

    /// The folder holding the fixture files.
    pub fn dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/design")
    }

    /// OpenAlex works (W1-W5).
    pub fn works_jsonl() -> PathBuf {
        dir().join("works.jsonl")
    }

    /// OpenAlex institutions (I1-I6).
    pub fn institutions_jsonl() -> PathBuf {
        dir().join("institutions.jsonl")
    }

    /// The same works as tidy CSV.
    pub fn works_csv() -> PathBuf {
        dir().join("works.csv")
    }

    /// The same institutions as CSV.
    pub fn institutions_csv() -> PathBuf {
        dir().join("institutions.csv")
    }

    /// The journal list (S1 in, S9 out).
    pub fn journals() -> PathBuf {
        dir().join("journals.txt")
    }

    /// One expected CSV row: `(rank, entity_id, count, share as printed)`.
    pub type ExpectedRow = (u32, &'static str, u64, &'static str);

    /// Expected `(level, year, rows)`, from the worked example of `docs/methodology.md`.
    pub const EXPECTED: &[(&str, i32, &[ExpectedRow])] = &[
        (
            "city",
            2022,
            &[
                (1, "1816670", 2, "0.708333"),
                (2, "2653941", 1, "0.500000"),
                (3, "4931972", 2, "0.416667"),
                (4, "1808722", 1, "0.125000"),
            ],
        ),
        (
            "city",
            2021,
            &[(1, "1816670", 1, "0.500000"), (1, "5128581", 1, "0.500000")],
        ),
        (
            "country",
            2022,
            &[
                (1, "CN", 2, "0.833333"),
                (2, "GB", 1, "0.500000"),
                (3, "US", 2, "0.416667"),
            ],
        ),
        (
            "country",
            2021,
            &[(1, "CN", 1, "0.500000"), (1, "US", 1, "0.500000")],
        ),
        (
            "institution",
            2022,
            &[
                (1, "I1", 2, "0.541667"),
                (2, "I5", 1, "0.500000"),
                (3, "I4", 2, "0.416667"),
                (4, "I2", 1, "0.166667"),
                (5, "I3", 1, "0.125000"),
            ],
        ),
        (
            "institution",
            2021,
            &[(1, "I1", 1, "0.500000"), (1, "I6", 1, "0.500000")],
        ),
    ];
}

/// A scratch folder for a test, removed (with its contents) on drop.
pub struct Scratch(std::path::PathBuf);

impl Scratch {
    /// A new, empty folder in the temporary directory, named after `name`
    /// and the process (so parallel tests and runs do not collide).
    pub fn new(name: &str) -> Scratch {
        Scratch::under(&std::env::temp_dir(), name)
    }

    /// [`Scratch::new`], in `parent` instead of the temporary directory (for
    /// builds that belong in the test's target folder).
    pub fn under(parent: &std::path::Path, name: &str) -> Scratch {
        let p = parent.join(format!("tally-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        Scratch(p)
    }

    /// The folder.
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }

    /// Writes `text` to `name` in the folder; returns the file's path as text.
    pub fn file(&self, name: &str, text: &str) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        p.display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
