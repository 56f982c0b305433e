//! Test fixtures for tally and for scorer authors.
//!
//! [`design`] is the worked example of DESIGN.md section 3 (six institutions
//! in five cities, five works of which three count), in both input formats:
//! OpenAlex JSON Lines with OpenAlex institutions, and tidy CSV with an
//! institutions CSV. [`design::EXPECTED`] holds the published results.

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

    /// Expected `(level, year, rows)`, from DESIGN.md section 3.
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
