//! Works: the neutral record shape, and its two readers (OpenAlex JSON Lines
//! and tidy CSV). Records are streamed: each is handed to a callback and
//! dropped, so memory does not grow with the number of works.

use crate::error::json_message;
use crate::files::{first_byte, Opened};
use crate::{openalex_short, InputError, InputFile};
use serde::Deserialize;
use std::borrow::Cow;
use std::path::Path;

/// One work as tally needs it; strings borrow from the input line where possible.
#[derive(Clone, Debug, PartialEq)]
pub struct Work<'a> {
    /// Short id (`W2741809807` for OpenAlex, as given for CSV).
    pub id: Cow<'a, str>,
    /// Publication year.
    pub year: Option<i32>,
    /// Normalized type: OpenAlex's older `journal-article` becomes `article`.
    pub work_type: Option<Cow<'a, str>>,
    /// Source (journal) short id (`S137773608`).
    pub source_id: Option<Cow<'a, str>>,
    /// The source's linking ISSN.
    pub issn_l: Option<Cow<'a, str>>,
    /// All the source's ISSNs.
    pub issns: Vec<Cow<'a, str>>,
    /// Authorships in byline order.
    pub authorships: Vec<Authorship<'a>>,
    /// The record says its author list was cut (OpenAlex API, > 100 authors).
    pub authors_truncated: bool,
}

fn own(c: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(c.into_owned())
}

impl Work<'_> {
    /// A copy that owns its strings, to outlive the input buffer.
    pub fn into_owned(self) -> Work<'static> {
        Work {
            id: own(self.id),
            year: self.year,
            work_type: self.work_type.map(own),
            source_id: self.source_id.map(own),
            issn_l: self.issn_l.map(own),
            issns: self.issns.into_iter().map(own).collect(),
            authorships: self
                .authorships
                .into_iter()
                .map(|a| Authorship {
                    institutions: a
                        .institutions
                        .into_iter()
                        .map(|i| InstitutionRef {
                            id: i.id.map(own),
                            ror: i.ror.map(own),
                            country_code: i.country_code.map(own),
                            name: i.name.map(own),
                        })
                        .collect(),
                })
                .collect(),
            authors_truncated: self.authors_truncated,
        }
    }
}

/// One author in the byline.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Authorship<'a> {
    /// Affiliations as listed (duplicates are the engine's to merge).
    pub institutions: Vec<InstitutionRef<'a>>,
}

/// An affiliation as the work record gives it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InstitutionRef<'a> {
    /// Institution id: OpenAlex short id (`I27837315`), or as given (CSV).
    pub id: Option<Cow<'a, str>>,
    /// ROR id as given (`https://ror.org/03cve4549`).
    pub ror: Option<Cow<'a, str>>,
    /// Country code the work record gives.
    pub country_code: Option<Cow<'a, str>>,
    /// Display name the work record gives.
    pub name: Option<Cow<'a, str>>,
}

/// The formats `--works` accepts, detected from each file's content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkFormat {
    /// OpenAlex works, one JSON object per line.
    OpenAlex,
    /// Tidy CSV: one row per work x authorship x institution.
    Csv,
}

/// Normalizes a work type (`journal-article` is `article`).
pub fn normalize_type(t: Cow<'_, str>) -> Cow<'_, str> {
    if t == "journal-article" {
        Cow::Borrowed("article")
    } else {
        t
    }
}

fn short(c: Cow<'_, str>) -> Cow<'_, str> {
    match c {
        Cow::Borrowed(s) => Cow::Borrowed(openalex_short(s)),
        Cow::Owned(s) => Cow::Owned(openalex_short(&s).to_owned()),
    }
}

#[derive(Deserialize)]
struct OaWork<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    publication_year: Option<i32>,
    #[serde(borrow, rename = "type")]
    work_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    primary_location: Option<OaLocation<'a>>,
    #[serde(borrow, default)]
    authorships: Option<Vec<OaAuthorship<'a>>>,
    #[serde(default)]
    is_authors_truncated: Option<bool>,
}

#[derive(Deserialize)]
struct OaLocation<'a> {
    #[serde(borrow, default)]
    source: Option<OaSource<'a>>,
}

#[derive(Deserialize)]
struct OaSource<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    issn_l: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    issn: Option<Vec<Cow<'a, str>>>,
}

#[derive(Deserialize)]
struct OaAuthorship<'a> {
    #[serde(borrow, default)]
    institutions: Option<Vec<OaInstitution<'a>>>,
}

#[derive(Deserialize)]
struct OaInstitution<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    ror: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    country_code: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    display_name: Option<Cow<'a, str>>,
}

/// A record-level problem: the field involved (if known) and what is wrong.
pub type RecordProblem = (Option<String>, String);

/// Parses one OpenAlex work (one line of JSON).
pub fn parse_openalex(line: &[u8]) -> Result<Work<'_>, RecordProblem> {
    let w: OaWork<'_> = match serde_json::from_slice(line) {
        Ok(w) => w,
        Err(e) => {
            // Parse again, tracking the path, to name the field.
            let mut de = serde_json::Deserializer::from_slice(line);
            let field = match serde_path_to_error::deserialize::<_, OaWork<'_>>(&mut de) {
                Err(pe) => {
                    // Unknown trailing segments (`?`) say nothing: drop them.
                    let p = pe.path().to_string();
                    let p = p.trim_end_matches(".?").trim_end_matches('?');
                    (p != "." && !p.is_empty()).then(|| p.to_owned())
                }
                Ok(_) => None,
            };
            return Err((field, json_message(&e)));
        }
    };
    let Some(id) = w.id else {
        return Err((Some("id".into()), "missing: every work needs an id".into()));
    };
    let (source_id, issn_l, issns) = match w.primary_location.and_then(|l| l.source) {
        Some(s) => (s.id.map(short), s.issn_l, s.issn.unwrap_or_default()),
        None => (None, None, Vec::new()),
    };
    let authorships = w
        .authorships
        .unwrap_or_default()
        .into_iter()
        .map(|a| Authorship {
            institutions: a
                .institutions
                .unwrap_or_default()
                .into_iter()
                .map(|i| InstitutionRef {
                    id: i.id.map(short),
                    ror: i.ror,
                    country_code: i.country_code,
                    name: i.display_name,
                })
                .collect(),
        })
        .collect();
    Ok(Work {
        id: short(id),
        year: w.publication_year,
        work_type: w.work_type.map(normalize_type),
        source_id,
        issn_l,
        issns,
        authorships,
        authors_truncated: w.is_authors_truncated.unwrap_or(false),
    })
}

/// Reads every work of one file, detecting its format, and calls `on_work`
/// with each record (or the record's error, with file and line). `on_work`
/// returns an error to stop the run (strict mode). Returns the file's digest.
pub fn read_works_file(
    path: &Path,
    mut on_work: impl FnMut(u64, Result<Work<'_>, InputError>) -> Result<(), InputError>,
) -> Result<InputFile, InputError> {
    let mut opened = Opened::open(path)?;
    match first_byte(&mut opened)? {
        None => {}
        Some(b'{') => {
            opened.for_each_line(|line_no, line| {
                if line.iter().all(|b| b.is_ascii_whitespace()) {
                    return Ok(());
                }
                let rec = parse_openalex(line)
                    .map_err(|(field, msg)| InputError::record(path, line_no, field, msg));
                on_work(line_no, rec)
            })?;
        }
        Some(_) => read_csv_works(path, &mut opened, &mut on_work)?,
    }
    opened.finish()
}

/// The columns of the tidy CSV works format.
pub const CSV_WORK_COLUMNS: [&str; 6] = [
    "work_id",
    "year",
    "source_id",
    "type",
    "author_position",
    "institution_id",
];

struct CsvWork {
    line: u64,
    id: String,
    year: Option<i32>,
    work_type: Option<String>,
    source: Option<String>,
    authorships: Vec<Authorship<'static>>,
}

impl CsvWork {
    fn into_work(self) -> Work<'static> {
        Work {
            id: Cow::Owned(self.id),
            year: self.year,
            work_type: self.work_type.map(|t| normalize_type(Cow::Owned(t))),
            source_id: self.source.map(Cow::Owned),
            issn_l: None,
            issns: Vec::new(),
            authorships: self.authorships,
            authors_truncated: false,
        }
    }
}

/// Reads a tidy CSV works file from an opened input (see [`read_works_file`]).
pub fn read_csv_works(
    path: &Path,
    opened: &mut Opened,
    on_work: &mut impl FnMut(u64, Result<Work<'_>, InputError>) -> Result<(), InputError>,
) -> Result<(), InputError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(opened);
    let headers = rdr
        .headers()
        .map_err(|e| InputError::record(path, 1, None, e.to_string()))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let mut idx = [0usize; 6];
    for (i, name) in CSV_WORK_COLUMNS.iter().enumerate() {
        idx[i] = col(name).ok_or_else(|| InputError::Format {
            path: path.to_path_buf(),
            message: format!(
                "not OpenAlex JSON Lines (no `{{` at the start) nor a tidy works CSV: the header lacks column `{name}` (expected {})",
                CSV_WORK_COLUMNS.join(",")
            ),
        })?;
    }
    let [c_id, c_year, c_source, c_type, c_pos, c_inst] = idx;
    let mut current: Option<CsvWork> = None;
    let mut record = csv::StringRecord::new();
    loop {
        let more = rdr.read_record(&mut record);
        // The record's own start, not the reader's position after it.
        let line = record
            .position()
            .map_or(rdr.position().line(), |p| p.line());
        match more {
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(line);
                on_work(
                    line,
                    Err(InputError::record(path, line, None, e.to_string())),
                )?;
                continue;
            }
            Ok(false) => break,
            Ok(true) => {}
        }
        let get = |i: usize| record.get(i).filter(|s| !s.is_empty());
        let bad =
            |field: &str, msg: String| InputError::record(path, line, Some(field.into()), msg);
        let Some(id) = get(c_id) else {
            on_work(line, Err(bad("work_id", "missing".into())))?;
            continue;
        };
        let year = match get(c_year).map(|y| y.parse::<i32>()) {
            None => None,
            Some(Ok(y)) => Some(y),
            Some(Err(_)) => {
                let msg = format!("`{}` is not a year", get(c_year).unwrap_or(""));
                on_work(line, Err(bad("year", msg)))?;
                continue;
            }
        };
        let pos = match get(c_pos).map(|p| p.parse::<usize>()) {
            Some(Ok(p)) if p >= 1 => p,
            _ => {
                let msg = format!(
                    "`{}` is not an author position (1 = first author)",
                    get(c_pos).unwrap_or("")
                );
                on_work(line, Err(bad("author_position", msg)))?;
                continue;
            }
        };
        if current.as_ref().is_some_and(|w| w.id != id) {
            let w = current.take().unwrap();
            on_work(w.line, Ok(w.into_work()))?;
        }
        let w = current.get_or_insert_with(|| CsvWork {
            line,
            id: id.to_owned(),
            year,
            work_type: get(c_type).map(str::to_owned),
            source: get(c_source).map(str::to_owned),
            authorships: Vec::new(),
        });
        if w.year != year
            || w.work_type.as_deref() != get(c_type)
            || w.source.as_deref() != get(c_source)
        {
            let msg = format!(
                "work {id}: year, type and source_id must be the same on all its rows (first row on line {})",
                w.line
            );
            on_work(line, Err(bad("work_id", msg)))?;
            continue;
        }
        let n = w.authorships.len();
        if pos == n + 1 {
            w.authorships.push(Authorship::default());
        } else if pos > n {
            let msg = format!(
                "work {id}: author_position jumps from {n} to {pos}; give every author a row (empty institution_id for an author without affiliation) in byline order"
            );
            on_work(line, Err(bad("author_position", msg)))?;
            continue;
        }
        if let Some(inst) = get(c_inst) {
            let ror = crate::is_ror_url(inst).then(|| Cow::Owned(inst.to_owned()));
            w.authorships[pos - 1].institutions.push(InstitutionRef {
                id: Some(Cow::Owned(inst.to_owned())),
                ror,
                country_code: None,
                name: None,
            });
        }
    }
    if let Some(w) = current.take() {
        on_work(w.line, Ok(w.into_work()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerates_real_world_variety() {
        let line = br#"{"id":"https://openalex.org/W1","publication_year":2020,"type":"journal-article","primary_location":{"source":null},"authorships":[{"institutions":[{"id":"https://openalex.org/I5"}]},{"author":{}}],"extra":{"deep":[1,2,{"x":null}]}}"#;
        let w = parse_openalex(line).unwrap();
        assert_eq!(w.id, "W1");
        assert_eq!(w.work_type.as_deref(), Some("article"));
        assert_eq!(w.source_id, None);
        assert_eq!(w.authorships.len(), 2);
        assert_eq!(w.authorships[0].institutions[0].id.as_deref(), Some("I5"));
        assert!(w.authorships[1].institutions.is_empty());
        let missing = br#"{"id":"W2","publication_year":2020,"type":"article"}"#;
        let w = parse_openalex(missing).unwrap();
        assert!(w.authorships.is_empty());
        let nulls = br#"{"id":"W3","primary_location":null,"authorships":[]}"#;
        assert!(parse_openalex(nulls).is_ok());
    }

    #[test]
    fn names_the_bad_field() {
        let line = br#"{"id":"W1","publication_year":"2020","authorships":[]}"#;
        let (field, msg) = parse_openalex(line).unwrap_err();
        assert_eq!(field.as_deref(), Some("publication_year"));
        assert!(msg.contains("invalid type: string"), "{msg}");
        let line = br#"{"id":"W1","authorships":[{"institutions":[{"id":5}]}]}"#;
        let (field, _) = parse_openalex(line).unwrap_err();
        assert_eq!(field.as_deref(), Some("authorships[0].institutions[0].id"));
        let (field, msg) = parse_openalex(b"{\"id\": \"W1\", ").unwrap_err();
        assert_eq!(field, None);
        assert!(msg.contains("EOF"), "{msg}");
        let (field, _) = parse_openalex(br#"{"type":"article"}"#).unwrap_err();
        assert_eq!(field.as_deref(), Some("id"));
    }
}

#[cfg(test)]
mod csv_tests {
    use super::*;

    fn read(text: &str) -> (Vec<String>, Vec<String>) {
        let p = std::env::temp_dir().join(format!(
            "tally-csv-{}-{}.csv",
            std::process::id(),
            text.len()
        ));
        std::fs::write(&p, text).unwrap();
        let mut works = Vec::new();
        let mut errors = Vec::new();
        let r = read_works_file(&p, |_, rec| {
            match rec {
                Ok(w) => works.push(format!(
                    "{} {:?} n={} k={:?}",
                    w.id,
                    w.year,
                    w.authorships.len(),
                    w.authorships
                        .iter()
                        .map(|a| a.institutions.len())
                        .collect::<Vec<_>>()
                )),
                Err(e) => errors.push(e.to_string().replace(&p.display().to_string(), "F")),
            }
            Ok(())
        });
        std::fs::remove_file(&p).unwrap();
        if let Err(e) = r {
            errors.push(e.to_string().replace(&p.display().to_string(), "F"));
        }
        (works, errors)
    }

    #[test]
    fn groups_rows_into_works() {
        let (works, errors) = read(
            "work_id,year,source_id,type,author_position,institution_id\nA,2022,S1,article,1,I1\nA,2022,S1,article,2,\nA,2022,S1,article,2,I2\nB,2021,S1,review,1,I3\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            works,
            vec!["A Some(2022) n=2 k=[1, 1]", "B Some(2021) n=1 k=[1]"]
        );
    }

    #[test]
    fn names_bad_rows() {
        let (works, errors) = read(
            "work_id,year,source_id,type,author_position,institution_id\nA,2022,S1,article,1,I1\nA,2022,S1,article,3,I2\nA,20x,S1,article,2,I2\nA,2021,S1,article,2,I2\n",
        );
        assert_eq!(works.len(), 1);
        assert_eq!(
            errors,
            vec![
                "F:3: field `author_position`: work A: author_position jumps from 1 to 3; give every author a row (empty institution_id for an author without affiliation) in byline order",
                "F:4: field `year`: `20x` is not a year",
                "F:5: field `work_id`: work A: year, type and source_id must be the same on all its rows (first row on line 2)",
            ]
        );
        let (_, errors) = read("id,year\n1,2\n");
        assert!(
            errors[0].contains("the header lacks column `work_id`"),
            "{errors:?}"
        );
    }
}
