//! The run configuration: a TOML file (every key optional), command-line
//! overrides on top, and the defaults below, resolved into [`Settings`].
//!
//! ```toml
//! [input]
//! works = ["data/works/"]          # files, directories or globs; relative to this file
//! institutions = ["data/institutions.jsonl.gz", "data/ror.json"]
//! sources = "journals/nature-index-82.txt"
//!
//! [filter]
//! types = ["article"]              # or "all"
//! years = "2022"                   # 2022, "2015-2022" or "all"
//!
//! [rank]
//! level = "city"                   # or levels = ["institution", "city", "country"]
//! by = "share"
//! top = 200
//!
//! [output]
//! format = "csv"                   # table, csv, json, md [default: the file's extension, else table]
//! file = "out/cities.csv"
//!
//! [run]
//! threads = 2
//! strict = false
//! allow_empty = false              # true: an empty ranking instead of an error
//! keep_duplicates = false          # true: count every copy of a repeated work id
//!
//! [[scorer]]
//! name = "count"
//!
//! [[scorer]]
//! name = "share"
//! params = { unaffiliated = "drop" }
//! ```
//!
//! Unknown keys and bad values are errors that name the file, line and column.

use serde::de::{self, Deserializer};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use tally_report::Level;
use toml::Spanned;

/// A configuration problem, located where possible.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A key or value in the file is wrong.
    #[error("{}:{line}:{column}: {message}", path.display())]
    At {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A value (from the command line, or the combination of settings) is wrong.
    #[error("{0}")]
    Invalid(String),
}

/// A command-line or config value that is not what its option takes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// Not an output format.
    #[error("unknown format `{0}`: expected table, csv, json or md")]
    Format(String),
    /// Not a year or a year range.
    #[error("`{0}` is not a year or a year range (2022, 2015-2022, all)")]
    Years(String),
    /// A range that starts after it ends.
    #[error("`{0}`: the range starts after it ends")]
    BackwardYears(String),
    /// An empty list of types.
    #[error("no work type given (use `all` to keep every type)")]
    NoType,
    /// A year outside the years tally accepts.
    #[error("`{given}`: years run from {FIRST_YEAR} to {last}{}", hint_year(*given))]
    ImplausibleYear {
        /// The year given.
        given: i32,
        /// Next year, the last one accepted.
        last: i32,
    },
    /// A work type neither OpenAlex nor Crossref uses.
    #[error(
        "unknown work type `{given}`{}; known types: {}, or all",
        hint.as_ref().map_or_else(String::new, |h| format!(" (did you mean `{h}`?)")),
        KNOWN_TYPES.join(", ")
    )]
    UnknownType {
        /// The type given.
        given: String,
        /// The known type it most likely means.
        hint: Option<String>,
    },
}

/// The metropolitan areas tally ships (`config/metros.toml`).
pub const DEFAULT_METROS: &str = include_str!("../../../config/metros.toml");

/// A metro of a metros file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MetroDef {
    name: String,
    cities: Vec<CityId>,
}

/// A GeoNames id, as a number or a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum CityId {
    N(u64),
    S(String),
}

/// The metropolitan areas by GeoNames city id: `(metro id, name)`. From
/// `path` (a TOML file of `[metro-id]` tables with `name` and `cities`),
/// or the ones tally ships. A city in two metros is an error.
pub fn load_metros(path: Option<&Path>) -> Result<Groups, ConfigError> {
    let Some(path) = path else {
        // The built-in file, parsed once per process.
        static BUILT_IN: std::sync::OnceLock<Groups> = std::sync::OnceLock::new();
        if let Some(m) = BUILT_IN.get() {
            return Ok(m.clone());
        }
        let m = parse_metros("config/metros.toml (built in)", DEFAULT_METROS)?;
        return Ok(BUILT_IN.get_or_init(|| m).clone());
    };
    let text = read_text(path)?;
    parse_metros(&path.display().to_string(), &text)
}

/// Members (cities, countries) to the `(id, name)` of their group.
pub type Groups = std::collections::HashMap<String, (String, String)>;

fn read_text(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// A TOML file of `[id]` group tables, as `T`.
fn parse_groups<T: serde::de::DeserializeOwned>(
    label: &str,
    text: &str,
) -> Result<std::collections::BTreeMap<String, T>, ConfigError> {
    toml::from_str(text)
        .map_err(|e| ConfigError::Invalid(format!("{label}: {}", e.to_string().trim())))
}

/// Each member to its group; a member of two groups is an error naming
/// both (`what`: `city`; `groups`: `metros`).
fn invert(
    label: &str,
    groups: impl IntoIterator<Item = (String, String, Vec<String>)>,
    what: &str,
    plural: &str,
) -> Result<Groups, ConfigError> {
    let mut out = Groups::new();
    for (id, name, members) in groups {
        for m in members {
            if let Some((other, _)) = out.insert(m.clone(), (id.clone(), name.clone())) {
                return Err(ConfigError::Invalid(format!(
                    "{label}: {what} {m} is in two {plural}, `{other}` and `{id}`"
                )));
            }
        }
    }
    Ok(out)
}

fn parse_metros(label: &str, text: &str) -> Result<Groups, ConfigError> {
    let defs = parse_groups::<MetroDef>(label, text)?;
    let groups = defs.into_iter().map(|(id, def)| {
        let cities = def
            .cities
            .into_iter()
            .map(|c| match c {
                CityId::N(n) => n.to_string(),
                CityId::S(s) => s,
            })
            .collect();
        (id, def.name, cities)
    });
    invert(label, groups, "city", "metros")
}

/// A region of a regions file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionDef {
    name: String,
    countries: Vec<String>,
}

/// Regions by ISO country code: `(region id, name)`, from a TOML file of
/// `[region-id]` tables with `name` and `countries` (ISO 3166-1 alpha-2
/// codes, any case). A country in two regions, or a code that is not two
/// letters, is an error.
pub fn load_regions(path: &Path) -> Result<Groups, ConfigError> {
    let label = path.display().to_string();
    let defs = parse_groups::<RegionDef>(&label, &read_text(path)?)?;
    let mut groups = Vec::new();
    for (id, def) in defs {
        let mut codes = Vec::new();
        for c in def.countries {
            let code = c.trim().to_ascii_uppercase();
            if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(ConfigError::Invalid(format!(
                    "{label}: region `{id}`: `{c}` is not an ISO 3166-1 alpha-2 country code"
                )));
            }
            codes.push(code);
        }
        groups.push((id, def.name, codes));
    }
    invert(&label, groups, "country", "regions")
}

/// Threads beyond this many per core are not used (each holds buffers in
/// flight; parsing is CPU-bound).
pub const MAX_THREADS_PER_CORE: usize = 4;

/// The first year accepted in a filter.
pub const FIRST_YEAR: i32 = 1600;

fn hint_year(y: i32) -> String {
    if (0..100).contains(&y) {
        format!(" (write the full year, e.g. {})", 2000 + y)
    } else {
        String::new()
    }
}

/// The current year (UTC), from the system clock.
fn this_year() -> i32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    year_of_day((secs / 86_400) as i64)
}

/// The proleptic Gregorian year of a day counted from 1970-01-01.
fn year_of_day(days: i64) -> i32 {
    // Days from 0000-03-01, in 400-year eras of 146,097 days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let march_based = yoe + era * 400;
    (march_based + i64::from(mp >= 10)) as i32
}

/// Work types as OpenAlex writes them, and the Crossref types of older
/// snapshots (`journal-article` is read as `article`).
pub const KNOWN_TYPES: &[&str] = &[
    "article",
    "book",
    "book-chapter",
    "database",
    "dataset",
    "dissertation",
    "editorial",
    "erratum",
    "grant",
    "letter",
    "libguides",
    "other",
    "paratext",
    "peer-review",
    "preprint",
    "reference-entry",
    "report",
    "report-component",
    "retraction",
    "review",
    "software",
    "standard",
    "supplementary-materials",
    "book-part",
    "book-section",
    "book-series",
    "book-set",
    "component",
    "edited-book",
    "journal",
    "journal-article",
    "journal-issue",
    "journal-volume",
    "monograph",
    "posted-content",
    "proceedings",
    "proceedings-article",
    "proceedings-series",
    "reference-book",
    "report-series",
    "standard-series",
];

/// `t` checked against [`KNOWN_TYPES`], with the likeliest meaning of an
/// unknown one (another case, a plural, spaces or underscores for hyphens).
fn known_type(t: &str) -> Result<&str, ValueError> {
    if let Some(k) = KNOWN_TYPES.iter().find(|k| **k == t) {
        return Ok(k);
    }
    let lower = t.to_lowercase().replace([' ', '_'], "-");
    let hint = [
        Some(lower.as_str()),
        lower.strip_suffix('s'),
        lower.strip_suffix("es"),
    ]
    .into_iter()
    .flatten()
    .find_map(|c| KNOWN_TYPES.iter().find(|k| **k == c))
    .map(|k| (*k).to_owned());
    Err(ValueError::UnknownType {
        given: t.to_owned(),
        hint,
    })
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Aligned terminal table.
    Table,
    /// The CSV contract.
    Csv,
    /// JSON with metadata and ledger.
    Json,
    /// Markdown tables.
    Md,
}

impl Format {
    /// The format a file name's extension stands for (`.csv`, `.json`,
    /// `.md`/`.markdown`, `.txt` for the table; any case), if any.
    pub fn of_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "md" | "markdown" => Some(Format::Md),
            "txt" => Some(Format::Table),
            _ => None,
        }
    }
}

impl FromStr for Format {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        match s {
            "table" => Ok(Format::Table),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "md" | "markdown" => Ok(Format::Md),
            _ => Err(ValueError::Format(s.to_owned())),
        }
    }
}

/// An inclusive year range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Years(pub Option<(i32, i32)>);

impl Years {
    /// Label for outputs: `2022`, `2015-2022` or `all`.
    pub fn label(&self) -> String {
        match self.0 {
            None => "all".into(),
            Some((a, b)) if a == b => a.to_string(),
            Some((a, b)) => format!("{a}-{b}"),
        }
    }
}

impl FromStr for Years {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let s = s.trim();
        if s == "all" {
            return Ok(Years(None));
        }
        let bad = || ValueError::Years(s.to_owned());
        let year = |t: &str| t.trim().parse::<i32>().map_err(|_| bad());
        let (a, b) = match s.split_once('-') {
            Some((a, b)) => (year(a)?, year(b)?),
            None => (year(s)?, year(s)?),
        };
        let last = this_year() + 1;
        if let Some(y) = [a, b]
            .into_iter()
            .find(|y| !(FIRST_YEAR..=last).contains(y))
        {
            return Err(ValueError::ImplausibleYear { given: y, last });
        }
        if a > b {
            return Err(ValueError::BackwardYears(s.to_owned()));
        }
        Ok(Years(Some((a, b))))
    }
}

impl<'de> Deserialize<'de> for Years {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = Years;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a year (2022), a range as a string (\"2015-2022\") or \"all\"")
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Years, E> {
                Years::from_str(&n.to_string()).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Years, E> {
                Years::from_str(&n.to_string()).map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Years, E> {
                Years::from_str(s).map_err(E::custom)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Years, A::Error> {
                Err(de::Error::custom(
                    "years is one year or one range, not a list: write years = 2022, years = \"2015-2022\" or years = \"all\"",
                ))
            }
        }
        d.deserialize_any(V)
    }
}

struct LevelDe(Level);

impl<'de> Deserialize<'de> for LevelDe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Level::from_str(&s).map(LevelDe).map_err(de::Error::custom)
    }
}

/// Work types: `"all"`, a comma list, or an array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Types(pub Option<Vec<String>>);

impl FromStr for Types {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        Types::from_list(s.split(',').map(str::to_owned).collect())
    }
}

impl Types {
    fn from_list(list: Vec<String>) -> Result<Self, ValueError> {
        let list: Vec<String> = list
            .into_iter()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect();
        if list.iter().any(|t| t == "all") {
            return Ok(Types(None));
        }
        if list.is_empty() {
            return Err(ValueError::NoType);
        }
        let mut out: Vec<String> = Vec::new();
        for t in list {
            // One spelling per type, as the readers write it.
            let t = tally_ingest::normalize::work_type(known_type(&t)?).to_owned();
            if !out.contains(&t) {
                out.push(t);
            }
        }
        Ok(Types(Some(out)))
    }
}

impl<'de> Deserialize<'de> for Types {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = Types;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "work types: a list of types ([\"article\", \"review\"]), a comma-separated string or \"all\"",
                )
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Types, E> {
                Types::from_str(s).map_err(E::custom)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Types, A::Error> {
                let mut list = Vec::new();
                while let Some(t) = seq.next_element::<String>()? {
                    list.push(t);
                }
                Types::from_list(list).map_err(de::Error::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    input: InputSection,
    #[serde(default)]
    filter: FilterSection,
    #[serde(default)]
    rank: RankSection,
    #[serde(default)]
    output: OutputSection,
    #[serde(default)]
    run: RunSection,
    #[serde(default, deserialize_with = "scorer_tables")]
    scorer: Vec<ScorerSection>,
    #[serde(default, deserialize_with = "period_table")]
    periods: Vec<(String, Years)>,
    intervals: Option<IntervalsSection>,
}

/// `[intervals]`: its presence asks for stability intervals.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct IntervalsSection {
    resamples: Option<Spanned<i64>>,
    seed: Option<Spanned<i64>>,
}

/// Stability intervals: a seeded Poisson bootstrap over articles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Intervals {
    /// Resamples (default 1,000).
    pub resamples: u32,
    /// Seed (default 1).
    pub seed: u64,
}

/// Resamples when none are given.
pub const DEFAULT_RESAMPLES: u32 = 1000;

/// `[periods]`: `name = years` pairs, in the file's order.
fn period_table<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, Years)>, D::Error> {
    struct V;
    impl<'de> de::Visitor<'de> for V {
        type Value = Vec<(String, Years)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a table of named periods: current = \"2022\", previous = \"2021\"")
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((k, v)) = map.next_entry::<String, Years>()? {
                out.push((k, v));
            }
            Ok(out)
        }
    }
    d.deserialize_map(V)
}

/// `[[scorer]]` tables; a single `[scorer]` table is the common slip.
fn scorer_tables<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ScorerSection>, D::Error> {
    struct V;
    impl<'de> de::Visitor<'de> for V {
        type Value = Vec<ScorerSection>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("[[scorer]] tables, one per scorer")
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(s) = seq.next_element()? {
                out.push(s);
            }
            Ok(out)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(de::Error::custom(
                "scorers are a list of tables: write [[scorer]] (two brackets) above each scorer, not [scorer]",
            ))
        }
    }
    d.deserialize_any(V)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct InputSection {
    works: Option<OneOrMany<PathBuf>>,
    institutions: Option<OneOrMany<PathBuf>>,
    sources: Option<PathBuf>,
    metros: Option<PathBuf>,
    regions: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FilterSection {
    types: Option<Types>,
    years: Option<Years>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RankSection {
    level: Option<LevelDe>,
    levels: Option<Vec<LevelDe>>,
    group: Option<LevelDe>,
    by: Option<Spanned<String>>,
    top: Option<Spanned<i64>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct OutputSection {
    format: Option<Format>,
    file: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RunSection {
    threads: Option<Spanned<i64>>,
    strict: Option<bool>,
    allow_empty: Option<bool>,
    keep_duplicates: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScorerSection {
    name: Spanned<String>,
    #[serde(default)]
    library: Option<PathBuf>,
    #[serde(default)]
    sha256: Option<Spanned<String>>,
    #[serde(default)]
    params: Option<toml::Table>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(t) => vec![t],
            OneOrMany::Many(v) => v,
        }
    }
}

/// A scorer to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScorerSpec {
    /// Its name.
    pub name: String,
    /// Its parameters as a JSON object (`{}` when none).
    pub params: String,
    /// Where it was named: `file:line:column`, or `command line`.
    pub origin: String,
    /// Shared library to load it from (`None`: built in).
    pub library: Option<PathBuf>,
    /// SHA-256 the library must have.
    pub sha256: Option<String>,
}

/// Command-line values that override the config file.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--works`.
    pub works: Vec<PathBuf>,
    /// `--institutions`.
    pub institutions: Vec<PathBuf>,
    /// `--sources`.
    pub sources: Option<PathBuf>,
    /// `--types`.
    pub types: Option<Types>,
    /// `--years`.
    pub years: Option<Years>,
    /// `--level` (comma list).
    pub levels: Option<Vec<Level>>,
    /// `--scorers` (names).
    pub scorers: Option<Vec<String>>,
    /// `--param scorer.key=value`.
    pub params: Vec<String>,
    /// `--by`.
    pub by: Option<String>,
    /// `--top` (0 = all).
    pub top: Option<usize>,
    /// `--format`.
    pub format: Option<Format>,
    /// `--output`.
    pub output: Option<PathBuf>,
    /// `--threads`.
    pub threads: Option<usize>,
    /// `--strict` / `--no-strict`.
    pub strict: Option<bool>,
    /// `--period NAME=YEARS`, in order.
    pub periods: Vec<(String, Years)>,
    /// `--metros`.
    pub metros: Option<PathBuf>,
    /// `--regions`.
    pub regions: Option<PathBuf>,
    /// `--group`.
    pub group: Option<Level>,
    /// `--intervals`.
    pub intervals: Option<bool>,
    /// `--resamples`.
    pub resamples: Option<u32>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--allow-empty`.
    pub allow_empty: Option<bool>,
    /// `--keep-duplicates`.
    pub keep_duplicates: Option<bool>,
}

/// Everything a run needs, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The config file, if one was used.
    pub config: Option<PathBuf>,
    /// Works inputs (files, directories, globs).
    pub works: Vec<PathBuf>,
    /// Institution tables.
    pub institutions: Vec<PathBuf>,
    /// Journal list.
    pub sources: Option<PathBuf>,
    /// Metropolitan areas for the `metro` level (`None`: the ones tally
    /// ships, `config/metros.toml`).
    pub metros: Option<PathBuf>,
    /// Regions for the `region` level (`None`: the continents).
    pub regions: Option<PathBuf>,
    /// Work types kept (`None` = all).
    pub types: Option<Vec<String>>,
    /// Years the works may have: the one period's, or the span of the
    /// named periods.
    pub years: Years,
    /// Named periods, each ranked on its own (empty: one period, `years`).
    pub periods: Vec<(String, Years)>,
    /// The level whose entities group those of the levels ranked (the
    /// countries of cities, say), for groups in the top N: computed in
    /// the same pass and recorded in the JSON output.
    pub group: Option<Level>,
    /// Stability intervals, when asked for.
    pub intervals: Option<Intervals>,
    /// Levels ranked.
    pub levels: Vec<Level>,
    /// Scorers, in column order.
    pub scorers: Vec<ScorerSpec>,
    /// Name of the primary scorer.
    pub by: String,
    /// Rows shown (`None` = all).
    pub top: Option<usize>,
    /// Output format.
    pub format: Format,
    /// Output file (`None` = stdout).
    pub output: Option<PathBuf>,
    /// Worker threads (`None` = all cores).
    pub threads: Option<usize>,
    /// Stop at the first bad record.
    pub strict: bool,
    /// A run that includes no work, or resolves nothing at a level, gives
    /// empty rankings instead of failing.
    pub allow_empty: bool,
    /// Count every copy of a work id that appears more than once.
    pub keep_duplicates: bool,
    /// What the user should know about the settings (printed as warnings).
    pub warnings: Vec<String>,
}

struct Locator<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Locator<'_> {
    /// 1-based line and column of a byte offset.
    fn line_column(&self, offset: usize) -> (usize, usize) {
        let before = &self.text[..offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before
            .rsplit('\n')
            .next()
            .map(|l| l.chars().count())
            .unwrap_or(0)
            + 1;
        (line, column)
    }

    fn at(&self, offset: usize, message: impl Into<String>) -> ConfigError {
        let (line, column) = self.line_column(offset);
        ConfigError::At {
            path: self.path.to_path_buf(),
            line,
            column,
            message: message.into(),
        }
    }
}

fn params_json(t: &toml::Table) -> String {
    serde_json::to_string(t).unwrap_or_else(|_| "{}".into())
}

/// The built-in scorers, as the driver's registry describes them: config
/// checks scorer names against them and takes its defaults from them, so it
/// spells no scorer name itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Builtins {
    /// The name of every built-in scorer.
    pub names: Vec<String>,
    /// The scorers run, in column order, when neither the config nor
    /// `--scorers` names any.
    pub defaults: Vec<String>,
    /// The primary scorer when `rank.by` is not given, if it is run
    /// (otherwise the first scorer is).
    pub by: Option<String>,
}

impl Builtins {
    fn knows(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    /// The names as `a, b and c`, for messages.
    pub fn listed(&self) -> String {
        match self.names.split_last() {
            None => "none".into(),
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        }
    }
}

/// Reads a config file and applies the overrides; `builtins` says which
/// scorer names exist without a library, and the defaults.
pub fn resolve(
    config: Option<&Path>,
    o: Overrides,
    builtins: &Builtins,
) -> Result<Settings, ConfigError> {
    let text = match config {
        Some(p) => std::fs::read_to_string(p).map_err(|source| ConfigError::Io {
            path: p.to_path_buf(),
            source,
        })?,
        None => String::new(),
    };
    // A byte-order mark some editors write is not part of the TOML.
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    };
    let cx = Context {
        loc: Locator {
            path: config.unwrap_or(Path::new("<command line>")),
            text: &text,
        },
        base: config
            .and_then(|p| p.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default(),
    };
    let fc: FileConfig = match config {
        None => FileConfig::default(),
        Some(_) => toml::from_str(&text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            cx.loc.at(offset, e.message().trim().to_owned())
        })?,
    };
    let Overrides {
        works,
        institutions,
        sources,
        types,
        years,
        levels,
        scorers,
        params,
        by,
        top,
        format,
        output,
        threads,
        strict,
        allow_empty,
        keep_duplicates,
        metros,
        regions,
        periods,
        group,
        intervals,
        resamples,
        seed,
    } = o;
    // Located mistakes in the file first, then what is missing.
    let levels = cx.levels(levels, fc.rank.level, fc.rank.levels)?;
    let scorers = cx.scorers(scorers, &params, &fc.scorer, builtins)?;
    let by = cx.by(by, fc.rank.by, &scorers, builtins)?;
    let top = cx.top(top, fc.rank.top)?;
    let mut warnings = Vec::new();
    let intervals = cx.intervals(intervals, resamples, seed, fc.intervals.as_ref())?;
    let group = group.or(fc.rank.group.map(|g| g.0));
    if let Some(g) = group {
        let (grouped, not): (Vec<Level>, Vec<Level>) = levels.iter().partition(|l| l.groups_by(g));
        let names = |v: &[Level]| v.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(", ");
        if grouped.is_empty() {
            let can: Vec<Level> = Level::ALL.into_iter().filter(|l| l.groups_by(g)).collect();
            return Err(ConfigError::Invalid(if can.is_empty() {
                format!("--group {g}: nothing lies within a {g}; group by a level above the one ranked (country or region for cities, say)")
            } else {
                format!(
                    "--group {g} does not group {} level: {g} groups {} (group by a level above the one ranked)",
                    names(&not),
                    names(&can)
                )
            }));
        }
        if !not.is_empty() {
            warnings.push(format!(
                "--group {g} groups {} only, not {}",
                names(&grouped),
                names(&not)
            ));
        }
    }
    let threads = cx.threads(threads, fc.run.threads)?.map(|n| {
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        let cap = MAX_THREADS_PER_CORE * cores;
        if n > cap {
            warnings.push(format!(
                "{n} threads asked for, {cap} used ({MAX_THREADS_PER_CORE} per core on this machine's {cores}): more only adds memory"
            ));
            cap
        } else {
            n
        }
    });
    let works = cx.paths(works, fc.input.works);
    if works.is_empty() {
        return Err(ConfigError::Invalid(
            "no works input: give --works PATH or input.works in the config".into(),
        ));
    }
    let output = output.or_else(|| fc.output.file.map(|p| cx.rel(p)));
    // The output file's extension picks the format, unless one is given.
    let by_extension = output.as_deref().and_then(Format::of_path);
    let format = match (format.or(fc.output.format), by_extension) {
        (Some(f), Some(e)) if f != e => {
            warnings.push(format!(
                "the output file {} is written as {f}, as asked, not as its extension suggests ({e})",
                output.as_deref().unwrap_or(Path::new("")).display()
            ));
            f
        }
        (Some(f), _) => f,
        (None, e) => e.unwrap_or(Format::Table),
    };
    // Flags override the config: periods given as flags replace the
    // config's years, and years given as flags its periods. Both in one
    // layer contradict each other.
    let both = || {
        ConfigError::Invalid(
            "give either years (--years, filter.years) or named periods ([periods], --period), not both".into(),
        )
    };
    let (periods, given_years) = match (periods.is_empty(), years) {
        (false, Some(_)) => return Err(both()),
        (false, None) => (periods, None),
        (true, Some(y)) => (Vec::new(), Some(y)),
        (true, None) => {
            if !fc.periods.is_empty() && fc.filter.years.is_some() {
                return Err(both());
            }
            (fc.periods, fc.filter.years)
        }
    };
    for (i, (name, _)) in periods.iter().enumerate() {
        if name.trim().is_empty() || periods[..i].iter().any(|(n, _)| n == name) {
            return Err(ConfigError::Invalid(format!(
                "period `{name}`: each period needs a name of its own"
            )));
        }
    }
    // The works read: every year of some period.
    let years = if periods.is_empty() {
        given_years.unwrap_or(Years(None))
    } else if periods.iter().any(|(_, y)| y.0.is_none()) {
        Years(None)
    } else {
        let first = periods.iter().filter_map(|(_, y)| y.0.map(|r| r.0)).min();
        let last = periods.iter().filter_map(|(_, y)| y.0.map(|r| r.1)).max();
        Years(first.zip(last))
    };
    if format == Format::Csv && periods.len() > 1 {
        return Err(ConfigError::Invalid(
            "CSV holds one ranking: choose one period, or use --format json, md or table for several".into(),
        ));
    }
    if format == Format::Csv && levels.len() > 1 {
        return Err(ConfigError::Invalid(
            "CSV holds one ranking: choose one level (--level), or use --format json, md or table for several".into(),
        ));
    }
    Ok(Settings {
        config: config.map(Path::to_path_buf),
        works,
        institutions: cx.paths(institutions, fc.input.institutions),
        // `none` or `all` (every source counts) clears a config's list.
        sources: sources
            .or_else(|| fc.input.sources.map(|p| cx.rel(p)))
            .filter(|p| p.as_os_str() != "none" && p.as_os_str() != "all"),
        types: types
            .or(fc.filter.types)
            .unwrap_or(Types(Some(vec!["article".into()])))
            .0,
        years,
        periods,
        metros: metros.or_else(|| fc.input.metros.map(|p| cx.rel(p))),
        regions: regions.or_else(|| fc.input.regions.map(|p| cx.rel(p))),
        group,
        intervals,
        levels,
        scorers,
        by,
        top,
        format,
        output,
        threads,
        strict: strict.or(fc.run.strict).unwrap_or(false),
        allow_empty: allow_empty.or(fc.run.allow_empty).unwrap_or(false),
        keep_duplicates: keep_duplicates.or(fc.run.keep_duplicates).unwrap_or(false),
        warnings,
    })
}

/// The config file's place, for messages and relative paths.
struct Context<'a> {
    loc: Locator<'a>,
    base: PathBuf,
}

impl Context<'_> {
    /// A path from the config file, relative to its folder.
    fn rel(&self, p: PathBuf) -> PathBuf {
        if p.is_absolute() {
            p
        } else {
            self.base.join(p)
        }
    }

    /// `[input]` paths: the command line's, or the file's.
    fn paths(&self, given: Vec<PathBuf>, file: Option<OneOrMany<PathBuf>>) -> Vec<PathBuf> {
        if !given.is_empty() {
            return given;
        }
        file.map(OneOrMany::into_vec)
            .unwrap_or_default()
            .into_iter()
            .map(|p| self.rel(p))
            .collect()
    }

    /// `--level` or `[rank] level` / `levels` (not both); city by default.
    fn levels(
        &self,
        given: Option<Vec<Level>>,
        level: Option<LevelDe>,
        levels: Option<Vec<LevelDe>>,
    ) -> Result<Vec<Level>, ConfigError> {
        let out = match (given, level, levels) {
            (Some(l), _, _) => l,
            (None, Some(_), Some(_)) => {
                return Err(ConfigError::Invalid(format!(
                    "{}: give either rank.level or rank.levels, not both",
                    self.loc.path.display()
                )))
            }
            (None, Some(l), None) => vec![l.0],
            (None, None, Some(ls)) => ls.into_iter().map(|l| l.0).collect(),
            (None, None, None) => vec![Level::City],
        };
        if out.is_empty() {
            return Err(ConfigError::Invalid("no level to rank".into()));
        }
        Ok(out)
    }

    /// The `[[scorer]]` tables, checked.
    fn file_scorers(
        &self,
        tables: &[ScorerSection],
        builtins: &Builtins,
    ) -> Result<Vec<ScorerSpec>, ConfigError> {
        let mut out: Vec<ScorerSpec> = Vec::new();
        for s in tables {
            let name = s.name.get_ref().clone();
            let at = s.name.span().start;
            if s.library.is_none() && !builtins.knows(&name) {
                return Err(self.loc.at(
                    at,
                    format!(
                        "unknown scorer `{name}`: built in are {}; name a plugin's shared library with `library = \"path/to/lib\"`",
                        builtins.listed()
                    ),
                ));
            }
            if let Some(h) = &s.sha256 {
                let ok =
                    h.get_ref().len() == 64 && h.get_ref().chars().all(|c| c.is_ascii_hexdigit());
                if !ok {
                    return Err(self
                        .loc
                        .at(h.span().start, "sha256 must be 64 hexadecimal digits"));
                }
            }
            if out.iter().any(|f| f.name == name) {
                return Err(self.loc.at(at, format!("scorer `{name}` is listed twice")));
            }
            let (line, column) = self.loc.line_column(at);
            out.push(ScorerSpec {
                name,
                params: s
                    .params
                    .as_ref()
                    .map(params_json)
                    .unwrap_or_else(|| "{}".into()),
                origin: format!("{}:{line}:{column}", self.loc.path.display()),
                library: s.library.clone().map(|p| self.rel(p)),
                sha256: s.sha256.as_ref().map(|h| h.get_ref().to_ascii_lowercase()),
            });
        }
        Ok(out)
    }

    /// The scorers to run: the config's, in its order; `--scorers` picks and
    /// orders them (keeping their params); the defaults when neither names
    /// any; then the `--param` overrides.
    fn scorers(
        &self,
        given: Option<Vec<String>>,
        params: &[String],
        tables: &[ScorerSection],
        builtins: &Builtins,
    ) -> Result<Vec<ScorerSpec>, ConfigError> {
        let from_file = self.file_scorers(tables, builtins)?;
        let plain = |name: String, origin: &str| ScorerSpec {
            name,
            params: "{}".into(),
            origin: origin.into(),
            library: None,
            sha256: None,
        };
        let mut scorers = match given {
            Some(names) => {
                let mut out: Vec<ScorerSpec> = Vec::new();
                for name in names {
                    let name = name.trim().to_owned();
                    if out.iter().any(|s| s.name == name) {
                        continue;
                    }
                    let configured = from_file.iter().find(|s| s.name == name).cloned();
                    if configured.is_none() && !builtins.knows(&name) {
                        return Err(ConfigError::Invalid(format!(
                            "--scorers: unknown scorer `{name}`: built in are {}; plugins are named in a config file",
                            builtins.listed()
                        )));
                    }
                    out.push(configured.unwrap_or_else(|| plain(name, "command line")));
                }
                out
            }
            None if from_file.is_empty() => builtins
                .defaults
                .iter()
                .map(|n| plain(n.clone(), "default"))
                .collect(),
            None => from_file,
        };
        if scorers.is_empty() {
            return Err(ConfigError::Invalid("no scorer to run".into()));
        }
        for p in params {
            apply_param(&mut scorers, p)?;
        }
        Ok(scorers)
    }

    /// `--by` or `[rank] by`, one of the scorers run; else the built-in
    /// default if it runs, else the first scorer.
    fn by(
        &self,
        given: Option<String>,
        file: Option<Spanned<String>>,
        scorers: &[ScorerSpec],
        builtins: &Builtins,
    ) -> Result<String, ConfigError> {
        let runs = |b: &str| scorers.iter().any(|s| s.name == b);
        match (given, file) {
            (Some(b), _) if runs(&b) => Ok(b),
            (Some(b), _) => Err(ConfigError::Invalid(format!(
                "--by {b}: not one of the scorers run ({})",
                names(scorers)
            ))),
            (None, Some(b)) if runs(b.get_ref()) => Ok(b.into_inner()),
            (None, Some(b)) => Err(self.loc.at(
                b.span().start,
                format!(
                    "rank.by = `{}` is not one of the scorers run ({})",
                    b.get_ref(),
                    names(scorers)
                ),
            )),
            (None, None) => Ok(builtins
                .by
                .iter()
                .find(|b| runs(b))
                .unwrap_or(&scorers[0].name)
                .clone()),
        }
    }

    /// `--top` or `[rank] top`: 0 or absent shows all.
    fn top(
        &self,
        given: Option<usize>,
        file: Option<Spanned<i64>>,
    ) -> Result<Option<usize>, ConfigError> {
        match (given, file) {
            (Some(0), _) => Ok(None),
            (Some(n), _) => Ok(Some(n)),
            (None, Some(t)) if *t.get_ref() < 0 => Err(self.loc.at(
                t.span().start,
                "rank.top must be 0 (all) or a positive number",
            )),
            (None, Some(t)) => Ok((*t.get_ref() > 0).then(|| *t.get_ref() as usize)),
            (None, None) => Ok(None),
        }
    }

    /// `--intervals`, `--resamples`, `--seed`, or `[intervals]`.
    fn intervals(
        &self,
        on: Option<bool>,
        resamples: Option<u32>,
        seed: Option<u64>,
        file: Option<&IntervalsSection>,
    ) -> Result<Option<Intervals>, ConfigError> {
        if on != Some(true) && resamples.is_none() && seed.is_none() && file.is_none() {
            return Ok(None);
        }
        let file_resamples = match file.and_then(|f| f.resamples.as_ref()) {
            Some(r) if !(1..=100_000).contains(r.get_ref()) => {
                return Err(self.loc.at(
                    r.span().start,
                    "intervals.resamples must be between 1 and 100000",
                ))
            }
            Some(r) => Some(*r.get_ref() as u32),
            None => None,
        };
        let file_seed = match file.and_then(|f| f.seed.as_ref()) {
            Some(x) if *x.get_ref() < 0 => {
                return Err(self
                    .loc
                    .at(x.span().start, "intervals.seed must be 0 or more"))
            }
            Some(x) => Some(*x.get_ref() as u64),
            None => None,
        };
        let resamples = resamples.or(file_resamples).unwrap_or(DEFAULT_RESAMPLES);
        if !(1..=100_000).contains(&resamples) {
            return Err(ConfigError::Invalid(
                "--resamples must be between 1 and 100000".into(),
            ));
        }
        Ok(Some(Intervals {
            resamples,
            seed: seed.or(file_seed).unwrap_or(1),
        }))
    }

    /// `--threads` or `[run] threads`.
    fn threads(
        &self,
        given: Option<usize>,
        file: Option<Spanned<i64>>,
    ) -> Result<Option<usize>, ConfigError> {
        match (given, file) {
            (Some(0), _) => Err(ConfigError::Invalid("--threads must be at least 1".into())),
            (Some(n), _) => Ok(Some(n)),
            (None, Some(t)) if *t.get_ref() < 1 || *t.get_ref() > 4096 => Err(self
                .loc
                .at(t.span().start, "run.threads must be between 1 and 4096")),
            (None, Some(t)) => Ok(Some(*t.get_ref() as usize)),
            (None, None) => Ok(None),
        }
    }
}

fn names(s: &[ScorerSpec]) -> String {
    s.iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Applies `scorer.key=value` (value parsed as TOML, else taken as a string).
fn apply_param(scorers: &mut [ScorerSpec], p: &str) -> Result<(), ConfigError> {
    let bad = |m: &str| ConfigError::Invalid(format!("--param {p}: {m}"));
    let (lhs, value) = p
        .split_once('=')
        .ok_or_else(|| bad("expected scorer.key=value"))?;
    let (scorer, key) = lhs
        .split_once('.')
        .ok_or_else(|| bad("expected scorer.key=value"))?;
    let spec = scorers
        .iter_mut()
        .find(|s| s.name == scorer.trim())
        .ok_or_else(|| {
            bad(&format!(
                "`{}` is not one of the scorers run",
                scorer.trim()
            ))
        })?;
    let value: toml::Value = toml::from_str::<toml::Table>(&format!("v = {value}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_owned()));
    let mut table: toml::Table = serde_json::from_str(&spec.params).unwrap_or_default();
    table.insert(key.trim().to_owned(), value);
    spec.params = params_json(&table);
    // An error in the params now points at the flag as well.
    spec.origin = if spec.origin == "default" {
        format!("--param {p}")
    } else {
        format!("{} and --param {p}", spec.origin)
    };
    Ok(())
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Table => "table",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Md => "md",
        })
    }
}

#[cfg(test)]
mod tests;
