//! tally's output schema: the result types that flow from the engine to
//! the renderers ([`Ranking`], [`Ledger`], [`RunInfo`], bundled as a
//! [`Report`]), and the JSON document they make, which reads back into the
//! same types (`serde_json::from_str::<Report>`), so that saved outputs can
//! be compared, re-rendered or checked by other tools. They carry no logic
//! beyond formatting numbers, so that other tools can depend on them alone.
//!
//! Each JSON document says what it is and in which version of its shape,
//! in its first field: `"schema": "tally.report/1"` ([`SCHEMA`],
//! [`SCHEMA_VERSION`]). A reader refuses another kind of document, or a
//! version newer than it knows.
//!
//! Scores are kept as [`Fixed`]: unsigned fixed-point numbers with 64
//! fractional bits. Credits are converted once and then only added as
//! integers, so totals do not depend on the order in which works were read.
//! In JSON they are written at their printed precision (integers for
//! integer scores, 6 decimals otherwise) and read back to the same printed
//! value.

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The kind of document a [`Report`] is, in JSON.
pub const SCHEMA: &str = "tally.report";
/// The version of its shape this crate writes and reads (and older ones).
pub const SCHEMA_VERSION: u32 = 1;

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

    /// The value of a whole number of millionths.
    pub fn from_micros(m: u128) -> Fixed {
        Fixed(((m << 64) + 500_000) / 1_000_000)
    }

    /// The number a printed value stands for, to the printed precision of
    /// `kind` (the nearest integer, or the nearest millionth); `None` for a
    /// negative or non-finite number.
    pub fn from_printed(x: f64, kind: ScoreKind) -> Option<Fixed> {
        if !(0.0..1e18).contains(&x) {
            return None;
        }
        Some(match kind {
            ScoreKind::Integer => Fixed((x.round() as u128) << 64),
            ScoreKind::Fractional => Fixed::from_micros((x * 1e6).round() as u128),
        })
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

impl<'de> Deserialize<'de> for Fixed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let x = f64::deserialize(d)?;
        Fixed::from_printed(x, ScoreKind::Fractional)
            .ok_or_else(|| de::Error::custom(format!("{x} is not a non-negative total")))
    }
}

/// How a score column is printed: integers (Count) or 6 decimals (Share).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScoreKind {
    /// Whole numbers.
    Integer,
    /// Fractions, 6 decimals.
    Fractional,
}

/// What is ranked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The institution as the work names it.
    Institution,
    /// The root of the institution's lineage (OpenAlex `lineage`, else
    /// ROR's parent relationships): a university for its faculties and
    /// hospitals, say. The institution itself when it has no parent.
    Parent,
    /// The GeoNames city of the institution's physical site.
    City,
    /// The metropolitan area of that city (a grouping of cities given in
    /// TOML; `config/metros.toml` by default); a city in none stands for
    /// itself.
    Metro,
    /// ISO 3166-1 alpha-2 country.
    Country,
    /// The continent of the country (GeoNames' continent code: `AS`, `EU`,
    /// `NA`, ...).
    Region,
}

impl Level {
    /// All levels, in order.
    pub const ALL: [Level; 6] = [
        Level::Institution,
        Level::City,
        Level::Country,
        Level::Region,
        Level::Parent,
        Level::Metro,
    ];

    /// Whether every entity of this level lies within entities of `group`
    /// (an institution in its parent, city, metro, country and region; a
    /// city in its metro, country and region; a parent or a metro in the
    /// countries and regions of its sites; a country in its region), so
    /// that `group` can group this level's entities.
    pub fn groups_by(self, group: Level) -> bool {
        use Level::*;
        match self {
            Institution => group != Institution,
            City => matches!(group, Metro | Country | Region),
            Parent | Metro => matches!(group, Country | Region),
            Country => group == Region,
            Region => false,
        }
    }

    /// [`Level::as_str`] capitalised, for titles: `City`.
    pub fn title(self) -> &'static str {
        match self {
            Level::Institution => "Institution",
            Level::Parent => "Parent",
            Level::City => "City",
            Level::Metro => "Metro",
            Level::Country => "Country",
            Level::Region => "Region",
        }
    }

    /// The plural of [`Level::as_str`], for sentences.
    pub fn plural(self) -> &'static str {
        match self {
            Level::Institution => "institutions",
            Level::Parent => "parents",
            Level::City => "cities",
            Level::Metro => "metros",
            Level::Country => "countries",
            Level::Region => "regions",
        }
    }

    /// The name used in configs and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Institution => "institution",
            Level::Parent => "parent",
            Level::City => "city",
            Level::Metro => "metro",
            Level::Country => "country",
            Level::Region => "region",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A level name that is none of [`Level::ALL`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownLevel(pub String);

impl fmt::Display for UnknownLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown level `{}`: expected one of institution, city, country, region, parent, metro",
            self.0
        )
    }
}

impl std::error::Error for UnknownLevel {}

impl FromStr for Level {
    type Err = UnknownLevel;
    fn from_str(s: &str) -> Result<Level, UnknownLevel> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| UnknownLevel(s.to_owned()))
    }
}

/// A score column: which scorer, and how it prints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The stability interval, when asked for (`--intervals`).
    pub interval: Option<Interval>,
}

/// A row's stability interval: for each column the score's, and the rank's
/// (rank_lo is the better rank, the smaller number).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interval {
    /// Lower bound of each column's score.
    pub lo: Vec<Fixed>,
    /// Upper bound of each column's score.
    pub hi: Vec<Fixed>,
    /// The best rank of the interval.
    pub rank_lo: u32,
    /// The worst rank of the interval.
    pub rank_hi: u32,
}

/// A ranking of one level over one period.
///
/// In JSON: `level`, `period`, `included` (the period's works), `by` (the
/// primary column's name), `columns`, `entities`, and `rows`, each with its scores as an object from column
/// name to value.
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
    /// Entities with credit in the period, before any cut.
    pub entities: usize,
    /// The works included in the period (the Nature Index's `T`, which the
    /// adjusted share of a year-on-year comparison divides by).
    pub included: u64,
    /// The ranked entities, best first (all of them, or those up to a cut).
    pub rows: Vec<Row>,
}

impl Ranking {
    /// Keeps the rows with rank <= `top` (all rows tied at the cut stay in);
    /// `None` keeps all. [`Ranking::entities`] still counts every entity.
    pub fn cut(mut self, top: Option<usize>) -> Ranking {
        if let Some(n) = top {
            let end = self.rows.partition_point(|r| (r.rank as usize) <= n);
            self.rows.truncate(end);
        }
        self
    }
}

/// A row's scores in JSON: column name to value, in column order.
struct Scores<'a>(&'a [Column], &'a [Fixed]);

impl Serialize for Scores<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (c, v) in self.0.iter().zip(self.1) {
            match c.kind {
                ScoreKind::Integer => m.serialize_entry(&c.name, &(v.round() as u64))?,
                ScoreKind::Fractional => m.serialize_entry(&c.name, &v.printed_f64(c.kind))?,
            }
        }
        m.end()
    }
}

#[derive(Serialize)]
struct RowOut<'a> {
    rank: u32,
    entity_id: &'a str,
    entity_name: &'a str,
    scores: Scores<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    interval: Option<IntervalOut<'a>>,
}

#[derive(Serialize)]
struct IntervalOut<'a> {
    lo: Scores<'a>,
    hi: Scores<'a>,
    rank_lo: u32,
    rank_hi: u32,
}

#[derive(Serialize)]
struct RankingOut<'a> {
    level: Level,
    period: &'a str,
    included: u64,
    by: &'a str,
    columns: &'a [Column],
    entities: usize,
    rows: Vec<RowOut<'a>>,
}

impl Serialize for Ranking {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let by = self
            .columns
            .get(self.by)
            .ok_or_else(|| serde::ser::Error::custom("`by` is not a column"))?;
        RankingOut {
            level: self.level,
            period: &self.period,
            included: self.included,
            by: &by.name,
            columns: &self.columns,
            entities: self.entities,
            rows: self
                .rows
                .iter()
                .map(|r| RowOut {
                    rank: r.rank,
                    entity_id: &r.entity_id,
                    entity_name: &r.entity_name,
                    scores: Scores(&self.columns, &r.scores),
                    interval: r.interval.as_ref().map(|i| IntervalOut {
                        lo: Scores(&self.columns, &i.lo),
                        hi: Scores(&self.columns, &i.hi),
                        rank_lo: i.rank_lo,
                        rank_hi: i.rank_hi,
                    }),
                })
                .collect(),
        }
        .serialize(s)
    }
}

/// Scores as read: name and number, in the order given.
struct ScoresIn(Vec<(String, f64)>);

impl<'de> Deserialize<'de> for ScoresIn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ScoresIn;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object from score column name to number")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<ScoresIn, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, f64>()? {
                    out.push((k, v));
                }
                Ok(ScoresIn(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RowIn {
    rank: u32,
    entity_id: String,
    entity_name: String,
    scores: ScoresIn,
    #[serde(default)]
    interval: Option<IntervalIn>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IntervalIn {
    lo: ScoresIn,
    hi: ScoresIn,
    rank_lo: u32,
    rank_hi: u32,
}

/// The values of `scores` in the order of `columns`, each at its printed
/// precision.
fn scores_in<E: de::Error>(
    columns: &[Column],
    scores: &ScoresIn,
    row: &str,
) -> Result<Vec<Fixed>, E> {
    let mut out = Vec::with_capacity(columns.len());
    for c in columns {
        let v = scores
            .0
            .iter()
            .find(|(k, _)| *k == c.name)
            .map(|(_, v)| *v)
            .ok_or_else(|| E::custom(format!("row {row}: no score for column `{}`", c.name)))?;
        out.push(Fixed::from_printed(v, c.kind).ok_or_else(|| {
            E::custom(format!(
                "row {row}: `{}` = {v} is not a non-negative score",
                c.name
            ))
        })?);
    }
    if scores.0.len() != columns.len() {
        return Err(E::custom(format!(
            "row {row}: {} scores for {} columns",
            scores.0.len(),
            columns.len()
        )));
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RankingIn {
    level: Level,
    period: String,
    #[serde(default)]
    included: u64,
    by: String,
    columns: Vec<Column>,
    entities: usize,
    rows: Vec<RowIn>,
}

impl<'de> Deserialize<'de> for Ranking {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = RankingIn::deserialize(d)?;
        let by = r
            .columns
            .iter()
            .position(|c| c.name == r.by)
            .ok_or_else(|| {
                de::Error::custom(format!("`by` names `{}`, which is not a column", r.by))
            })?;
        let mut rows = Vec::with_capacity(r.rows.len());
        for row in r.rows {
            let scores = scores_in(&r.columns, &row.scores, &row.entity_id)?;
            let interval = match &row.interval {
                Some(iv) => Some(Interval {
                    lo: scores_in(&r.columns, &iv.lo, &row.entity_id)?,
                    hi: scores_in(&r.columns, &iv.hi, &row.entity_id)?,
                    rank_lo: iv.rank_lo,
                    rank_hi: iv.rank_hi,
                }),
                None => None,
            };
            rows.push(Row {
                rank: row.rank,
                entity_id: row.entity_id,
                entity_name: row.entity_name,
                scores,
                interval,
            });
        }
        Ok(Ranking {
            level: r.level,
            period: r.period,
            included: r.included,
            columns: r.columns,
            by,
            entities: r.entities,
            rows,
        })
    }
}

/// Works excluded, by first failing reason.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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

impl LevelLedger {
    /// An empty ledger for a level, with a credit total per scorer.
    pub fn new(level: Level, scorers: impl IntoIterator<Item = String>) -> Self {
        LevelLedger {
            level,
            slots_resolved: 0,
            slots_unknown_institution: 0,
            slots_no_location: 0,
            slots_without_id: 0,
            share_assigned: Fixed::ZERO,
            share_unassigned: Fixed::ZERO,
            credit_totals: scorers
                .into_iter()
                .map(|scorer| CreditTotal {
                    scorer,
                    total: Fixed::ZERO,
                })
                .collect(),
            unresolved: Vec::new(),
            rolled_up: 0,
            rolled_up_into: 0,
        }
    }
}

impl Excluded {
    /// All exclusions.
    pub fn total(&self) -> u64 {
        self.malformed + self.source + self.work_type + self.year + self.duplicate
    }
}

/// The data-quality ledger of one level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelLedger {
    /// The level.
    pub level: Level,
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
    /// The institutions whose unresolved slots carry the most share at this
    /// level (up to 10: most share first, then most works, slots, then id);
    /// written only when there are some.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unresolved: Vec<UnresolvedInstitution>,
    /// At parent level: the institutions met that rolled up into another
    /// (their lineage's root, or their chain of ROR parents), and the
    /// parents they rolled up into; written only when not zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rolled_up: u64,
    /// See `rolled_up`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rolled_up_into: u64,
}

/// Malformed records of one kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MalformedKind {
    /// The field that is wrong, with array indices dropped
    /// (`authorships[].institutions[].id`), or `line`.
    pub kind: String,
    /// How many records.
    pub count: u64,
    /// The first ones read, each with its file, line and message.
    pub examples: Vec<String>,
}

/// An institution the tables could not place at a level.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnresolvedInstitution {
    /// Its id as the works give it.
    pub id: String,
    /// The name a work record gives it, if any.
    pub name: Option<String>,
    /// Included works on which it is unresolved.
    pub works: u64,
    /// Its unresolved slots (an institution on two authorships of a work is two).
    pub slots: u64,
    /// The share those slots carry under the Nature Index definition (1/n
    /// of the work per authorship, split over the authorship's slots, times
    /// the journal weight): the credit left unassigned at this level that
    /// resolving it would give.
    pub share: Fixed,
}

/// The total credit one scorer handed out at one level.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditTotal {
    /// Scorer name.
    pub scorer: String,
    /// Sum of all its credits.
    pub total: Fixed,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The data-quality ledger: every work and every unit of credit accounted for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// The malformed records by kind (the field that is wrong, or `line`
    /// when the record as a whole could not be read), each kind with its
    /// count and its first places (up to 3); written only when there are
    /// some.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub malformed_by_kind: Vec<MalformedKind>,
    /// What the run found that the user should look at (journal list
    /// entries that matched nothing, levels where most credit is
    /// unassigned), each a sentence saying what to do; written only when
    /// there are some.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Institution ids given twice with different data (the first record
    /// read is used): where each was given; written only when there are some.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub institution_conflicts: Vec<String>,
    /// Work ids that come more than once with different content (the copy
    /// counted is chosen by content, whatever the input order): how many,
    /// and the first ids (sorted, up to 10); written only when not zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub duplicates_differing: u64,
    /// See `duplicates_differing`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duplicates_differing_examples: Vec<String>,
    /// Repeated work ids counted again (`--keep-duplicates`); written only
    /// when not zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub duplicates_kept: u64,
    /// Per level.
    pub levels: Vec<LevelLedger>,
}

/// An input file and its digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputInfo {
    /// Path as read.
    pub path: String,
    /// Bytes on disk.
    pub bytes: u64,
    /// `xxh3-128:` and the hex XXH3-128 of the file's bytes.
    pub digest: String,
}

/// What produced a report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// The stability intervals' bootstrap, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intervals: Option<IntervalsInfo>,
}

/// How the stability intervals were made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntervalsInfo {
    /// Resamples.
    pub resamples: u32,
    /// Seed of the weights.
    pub seed: u64,
    /// Confidence, in per cent (95: the 2.5 % and 97.5 % sorted positions).
    pub confidence_pct: u32,
    /// How an article is weighted in a resample.
    pub method: String,
}

/// A scorer as used in a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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

/// Everything a renderer needs: the document `tally rank` writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// What produced it.
    pub run: RunInfo,
    /// The cut asked for (`None` = all rows); the rankings hold the rows it kept.
    pub top: Option<usize>,
    /// One ranking per level.
    pub rankings: Vec<Ranking>,
    /// The data-quality ledger.
    pub ledger: Ledger,
    /// With `--group LEVEL`: per level ranked that it groups, which
    /// entities lie in which groups (written only when there are some).
    pub groupings: Vec<Grouping>,
}

#[derive(Serialize)]
struct ReportOut<'a> {
    schema: String,
    run: &'a RunInfo,
    top: Option<usize>,
    rankings: &'a [Ranking],
    ledger: &'a Ledger,
    #[serde(skip_serializing_if = "<[Grouping]>::is_empty")]
    groupings: &'a [Grouping],
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ReportOut {
            schema: format!("{SCHEMA}/{SCHEMA_VERSION}"),
            run: &self.run,
            top: self.top,
            rankings: &self.rankings,
            ledger: &self.ledger,
            groupings: &self.groupings,
        }
        .serialize(s)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportIn {
    schema: String,
    run: RunInfo,
    top: Option<usize>,
    rankings: Vec<Ranking>,
    ledger: Ledger,
    #[serde(default)]
    groupings: Vec<Grouping>,
}

impl<'de> Deserialize<'de> for Report {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = ReportIn::deserialize(d)?;
        check_schema(&r.schema).map_err(de::Error::custom)?;
        Ok(Report {
            run: r.run,
            top: r.top,
            rankings: r.rankings,
            ledger: r.ledger,
            groupings: r.groupings,
        })
    }
}

/// Why a document's `schema` is not one this crate reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchemaError {
    /// Not `kind/version`.
    Malformed(String),
    /// Another kind of document.
    Kind(String),
    /// A version this crate does not know.
    Version(u32),
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaError::Malformed(s) => {
                write!(f, "schema `{s}` is not `kind/version` (a number)")
            }
            SchemaError::Kind(k) => write!(f, "a `{k}` document, not a `{SCHEMA}`"),
            SchemaError::Version(v) => write!(
                f,
                "a `{SCHEMA}` of version {v}; this tally reads versions 1 to {SCHEMA_VERSION}: use a newer tally"
            ),
        }
    }
}

impl std::error::Error for SchemaError {}

/// Checks a document's `schema`: a ranking report, of a version this crate
/// reads; returns the version.
pub fn check_schema(schema: &str) -> Result<u32, SchemaError> {
    let malformed = || SchemaError::Malformed(schema.to_owned());
    let (kind, version) = schema.split_once('/').ok_or_else(malformed)?;
    if kind != SCHEMA {
        return Err(SchemaError::Kind(kind.to_owned()));
    }
    let v: u32 = version.parse().map_err(|_| malformed())?;
    if v == 0 || v > SCHEMA_VERSION {
        return Err(SchemaError::Version(v));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_values_read_back_to_the_same_print() {
        for x in [
            0.0,
            17.0 / 24.0,
            1.0 / 3.0,
            3734.62,
            123456.999999,
            0.0000005,
        ] {
            let f = Fixed::from_f64(x).unwrap();
            let back =
                Fixed::from_printed(f.printed_f64(ScoreKind::Fractional), ScoreKind::Fractional)
                    .unwrap();
            assert_eq!(
                back.display(ScoreKind::Fractional),
                f.display(ScoreKind::Fractional),
                "{x}"
            );
            let back =
                Fixed::from_printed(f.printed_f64(ScoreKind::Integer), ScoreKind::Integer).unwrap();
            assert_eq!(
                back.display(ScoreKind::Integer),
                f.display(ScoreKind::Integer),
                "{x}"
            );
        }
        assert_eq!(Fixed::from_printed(-1.0, ScoreKind::Fractional), None);
        assert_eq!(check_schema("tally.report/1"), Ok(1));
        assert!(check_schema("tally.report/2")
            .unwrap_err()
            .to_string()
            .contains("use a newer tally"));
        assert!(check_schema("tally.comparison/1")
            .unwrap_err()
            .to_string()
            .contains("not a `tally.report`"));
        assert_eq!(
            check_schema("tally.report"),
            Err(SchemaError::Malformed("tally.report".into()))
        );
    }

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
            interval: None,
        };
        let r = Ranking {
            level: Level::City,
            period: "2022".into(),
            included: 4,
            columns: vec![],
            by: 0,
            entities: 4,
            rows: vec![row(1), row(2), row(2), row(4)],
        };
        assert_eq!(r.clone().cut(Some(2)).rows.len(), 3);
        assert_eq!(r.clone().cut(Some(1)).rows.len(), 1);
        assert_eq!(r.clone().cut(None).rows.len(), 4);
        assert_eq!(r.cut(Some(1)).entities, 4);
    }
}

mod compare;
pub use compare::*;
