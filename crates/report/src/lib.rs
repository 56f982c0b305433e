//! The result types that flow from the engine to the renderers: [`Ranking`],
//! [`Ledger`], [`RunInfo`], bundled as a [`Report`]. They carry no logic
//! beyond formatting numbers, so that other tools can depend on them alone.
//!
//! Scores are kept as [`Fixed`]: unsigned fixed-point numbers with 64
//! fractional bits. Credits are converted once and then only added as
//! integers, so totals do not depend on the order in which works were read.

use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A non-negative fixed-point number with 64 fractional bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fixed(pub u128);

const ONE: f64 = 18_446_744_073_709_551_616.0; // 2^64
const HALF: u128 = 1 << 63;

impl Fixed {
    /// Zero.
    pub const ZERO: Fixed = Fixed(0);

    /// Converts a finite, non-negative credit (truncating below 2^-64).
    /// Values outside that domain give `None`.
    pub fn from_f64(x: f64) -> Option<Fixed> {
        (0.0..1e18).contains(&x).then_some(Fixed((x * ONE) as u128))
    }

    /// The value as a float.
    pub fn to_f64(self) -> f64 {
        (self.0 >> 64) as f64 + ((self.0 as u64) as f64) / ONE
    }

    /// Rounded to the nearest millionth (halves up), in millionths.
    pub fn micros(self) -> u128 {
        (self.0 * 1_000_000 + HALF) >> 64
    }

    /// Rounded to the nearest integer (halves up).
    pub fn round(self) -> u128 {
        (self.0 + HALF) >> 64
    }

    /// The value at the printed precision of `kind`, as an integer key.
    pub fn key(self, kind: ScoreKind) -> u128 {
        match kind {
            ScoreKind::Integer => self.round(),
            ScoreKind::Fractional => self.micros(),
        }
    }

    /// Printed at the precision of `kind`: `7841` or `3734.620000`.
    pub fn display(self, kind: ScoreKind) -> String {
        match kind {
            ScoreKind::Integer => self.round().to_string(),
            ScoreKind::Fractional => {
                let m = self.micros();
                format!("{}.{:06}", m / 1_000_000, m % 1_000_000)
            }
        }
    }

    /// The printed value as a float (exact to the printed digits).
    pub fn printed_f64(self, kind: ScoreKind) -> f64 {
        match kind {
            ScoreKind::Integer => self.round() as f64,
            ScoreKind::Fractional => self.micros() as f64 / 1e6,
        }
    }
}

impl std::ops::Add for Fixed {
    type Output = Fixed;
    fn add(self, o: Fixed) -> Fixed {
        Fixed(self.0 + o.0)
    }
}

impl std::ops::AddAssign for Fixed {
    fn add_assign(&mut self, o: Fixed) {
        self.0 += o.0;
    }
}

impl std::iter::Sum for Fixed {
    fn sum<I: Iterator<Item = Fixed>>(iter: I) -> Fixed {
        iter.fold(Fixed::ZERO, |a, b| a + b)
    }
}

/// In JSON a total is a number at the printed precision of a fractional
/// score (6 decimals): the 64 fractional bits behind it are an artefact of
/// fixed-point summing, not information.
impl Serialize for Fixed {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.printed_f64(ScoreKind::Fractional))
    }
}

/// How a score column is printed: integers (Count) or 6 decimals (Share).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScoreKind {
    /// Whole numbers.
    Integer,
    /// Fractions, 6 decimals.
    Fractional,
}

/// What is ranked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The institution as the work names it.
    Institution,
    /// The GeoNames city of the institution's physical site.
    City,
    /// ISO 3166-1 alpha-2 country.
    Country,
}

impl Level {
    /// All levels, in order.
    pub const ALL: [Level; 3] = [Level::Institution, Level::City, Level::Country];

    /// The name used in configs and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Institution => "institution",
            Level::City => "city",
            Level::Country => "country",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Level, String> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| {
                format!("unknown level `{s}`: expected one of institution, city, country")
            })
    }
}

/// A score column: which scorer, and how it prints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Column {
    /// Scorer name (the CSV header).
    pub name: String,
    /// Scorer version.
    pub version: String,
    /// Integer or fractional.
    pub kind: ScoreKind,
}

/// One ranked entity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Competition rank on the primary score at its printed precision (1, 2, 2, 4).
    pub rank: u32,
    /// Institution short id, GeoNames city id, or ISO country code.
    pub entity_id: String,
    /// Human-readable name.
    pub entity_name: String,
    /// One score per column.
    pub scores: Vec<Fixed>,
}

/// A ranking of one level over one period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ranking {
    /// What is ranked.
    pub level: Level,
    /// The years summed (`2022` or `2015-2022`, or `all`).
    pub period: String,
    /// The score columns, in config order.
    pub columns: Vec<Column>,
    /// Index into `columns` of the primary (ranking) score.
    pub by: usize,
    /// All ranked entities, best first.
    pub rows: Vec<Row>,
}

impl Ranking {
    /// The rows with rank <= `top` (all rows tied at the cut stay in).
    pub fn top(&self, top: Option<usize>) -> &[Row] {
        match top {
            None => &self.rows,
            Some(n) => {
                let end = self.rows.partition_point(|r| (r.rank as usize) <= n);
                &self.rows[..end]
            }
        }
    }
}

/// Works excluded, by first failing reason.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Excluded {
    /// Records that could not be read.
    pub malformed: u64,
    /// Source not in the journal list (or no source).
    pub source: u64,
    /// Type not selected.
    #[serde(rename = "type")]
    pub work_type: u64,
    /// Year outside the period, or no year.
    pub year: u64,
    /// Work id already counted.
    pub duplicate: u64,
}

impl Excluded {
    /// All exclusions.
    pub fn total(&self) -> u64 {
        self.malformed + self.source + self.work_type + self.year + self.duplicate
    }
}

/// The data-quality ledger of one level.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LevelLedger {
    /// The level.
    pub level: Option<Level>,
    /// Institution slots that resolved to an entity.
    pub slots_resolved: u64,
    /// Slots whose institution is in no table (and, at country level, has no country in the work record).
    pub slots_unknown_institution: u64,
    /// Slots whose institution is known but has no location at this level.
    pub slots_no_location: u64,
    /// Slots of affiliations without an id.
    pub slots_without_id: u64,
    /// Share credit that reached an entity (fractional counting, drop policy).
    pub share_assigned: Fixed,
    /// Share credit of authorships without institution and of unresolved slots.
    pub share_unassigned: Fixed,
    /// Total credit each scorer handed out at this level, in config order.
    pub credit_totals: Vec<CreditTotal>,
}

/// The total credit one scorer handed out at one level.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CreditTotal {
    /// Scorer name.
    pub scorer: String,
    /// Sum of all its credits.
    pub total: Fixed,
}

/// The data-quality ledger: every work and every unit of credit accounted for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Ledger {
    /// Records read from the works inputs.
    pub works_read: u64,
    /// Excluded works, by reason.
    pub excluded: Excluded,
    /// Works counted (`works_read - excluded`).
    pub included: u64,
    /// Sum of the included works' weights (equals `included` without journal weights).
    pub included_weight: Fixed,
    /// Included works with no authorship at all.
    pub included_without_authors: u64,
    /// Ids of included works whose author list is marked as cut.
    pub truncated_author_lists: Vec<String>,
    /// Authorships of included works.
    pub authorships: u64,
    /// ... of which without any institution.
    pub authorships_without_institution: u64,
    /// Distinct institution slots on included works.
    pub institution_slots: u64,
    /// Institution records that could not be read from the tables.
    pub institution_records_malformed: u64,
    /// Per level.
    pub levels: Vec<LevelLedger>,
}

/// An input file and its digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InputInfo {
    /// Path as read.
    pub path: String,
    /// Bytes on disk.
    pub bytes: u64,
    /// `xxh3-128:` and the hex XXH3-128 of the file's bytes.
    pub digest: String,
}

/// What produced a report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RunInfo {
    /// `tally <version>`.
    pub generator: String,
    /// Works files.
    pub works: Vec<InputInfo>,
    /// Institution tables.
    pub institutions: Vec<InputInfo>,
    /// Journal list, if any.
    pub sources: Option<InputInfo>,
    /// Selected types (`None` = all).
    pub types: Option<Vec<String>>,
    /// Years (`2022`, `2015-2022`, `all`).
    pub years: String,
    /// Config file, if any.
    pub config: Option<String>,
    /// Scorers with their parameters (JSON text).
    pub scorers: Vec<ScorerUse>,
    /// Strict mode.
    pub strict: bool,
}

/// A scorer as used in a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScorerUse {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Where it came from (`built-in` or a library path).
    pub origin: String,
    /// Parameters, as JSON.
    pub params: String,
}

/// Everything a renderer needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// What produced it.
    pub run: RunInfo,
    /// One ranking per level.
    pub rankings: Vec<Ranking>,
    /// The data-quality ledger.
    pub ledger: Ledger,
    /// Rows to show (`None` = all).
    pub top: Option<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_prints_and_rounds() {
        let x = Fixed::from_f64(17.0 / 24.0).unwrap();
        assert_eq!(x.display(ScoreKind::Fractional), "0.708333");
        assert_eq!(
            Fixed::from_f64(2.0).unwrap().display(ScoreKind::Integer),
            "2"
        );
        assert_eq!(
            Fixed::from_f64(0.5).unwrap().display(ScoreKind::Fractional),
            "0.500000"
        );
        assert_eq!(
            Fixed::from_f64(3734.62)
                .unwrap()
                .display(ScoreKind::Fractional),
            "3734.620000"
        );
        assert_eq!(Fixed::from_f64(f64::NAN), None);
        assert_eq!(Fixed::from_f64(-1.0), None);
        let third = Fixed::from_f64(1.0 / 3.0).unwrap();
        assert_eq!(
            (third + third + third).display(ScoreKind::Fractional),
            "1.000000"
        );
    }

    #[test]
    fn top_keeps_ties_at_the_cut() {
        let row = |rank| Row {
            rank,
            entity_id: String::new(),
            entity_name: String::new(),
            scores: vec![],
        };
        let r = Ranking {
            level: Level::City,
            period: "2022".into(),
            columns: vec![],
            by: 0,
            rows: vec![row(1), row(2), row(2), row(4)],
        };
        assert_eq!(r.top(Some(2)).len(), 3);
        assert_eq!(r.top(Some(1)).len(), 1);
        assert_eq!(r.top(None).len(), 4);
    }
}
