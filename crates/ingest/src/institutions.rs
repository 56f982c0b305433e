//! Institution geography and lineage from OpenAlex institution entities, ROR
//! records (schema v1 and v2; JSON Lines or the official dump's JSON array)
//! and an institutions CSV. Each file's format is detected from its content,
//! each record's kind from its id.

use crate::error::json_message;
use crate::files::{Content, Opened};
use crate::normalize::{self, is_ror_url, openalex_id, ror_id};
use crate::{InputError, InputFile, RecordError};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// What tally knows of one institution.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InstitutionRecord {
    /// Display name.
    pub name: Option<String>,
    /// GeoNames id of the city it is physically in.
    pub city_id: Option<String>,
    /// City name.
    pub city_name: Option<String>,
    /// ISO 3166-1 alpha-2 country code (upper case).
    pub country: Option<String>,
    /// Ids of its ancestors, nearest first (OpenAlex lineage or ROR parents).
    pub parents: Vec<String>,
}

/// All institution tables given, by key. OpenAlex entities (and CSV rows) are
/// keyed by their id as works cite it; ROR records by their 9-character id.
#[derive(Debug, Default)]
pub struct InstitutionTable {
    /// OpenAlex institutions (short id `I27837315`) and CSV institutions (id as given).
    pub by_id: HashMap<String, InstitutionRecord>,
    /// ROR records by short ROR id (`03cve4549`).
    pub by_ror: HashMap<String, InstitutionRecord>,
    /// Records that could not be read, with where and why (the run goes on).
    pub problems: Vec<RecordError>,
    /// Ids given again with other data: the later record's place, and the
    /// first's (which is the one used).
    pub conflicts: Vec<Conflict>,
    /// The files read.
    pub files: Vec<InputFile>,
    /// Where each id's record was read (file index, line; 0 for an element
    /// of a JSON array).
    origin: HashMap<(bool, String), (usize, u64)>,
    /// The file being read.
    reading: std::path::PathBuf,
}

/// An institution id given twice with different data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// The id (OpenAlex, CSV or ROR).
    pub id: String,
    /// Where the record used was read.
    pub first: (std::path::PathBuf, u64),
    /// Where the other was read.
    pub again: (std::path::PathBuf, u64),
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = |(p, l): &(std::path::PathBuf, u64)| {
            if *l > 0 {
                format!("{}:{l}", p.display())
            } else {
                p.display().to_string()
            }
        };
        write!(
            f,
            "institution {} at {} differs from its record at {}, which is the one used",
            self.id,
            at(&self.again),
            at(&self.first)
        )
    }
}

/// Accepts a string or a number (GeoNames ids come both ways).
#[derive(Debug, Default)]
struct IdText(Option<String>);

impl<'de> Deserialize<'de> for IdText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = IdText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an id as a string or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IdText, E> {
                Ok(IdText((!v.is_empty()).then(|| v.to_owned())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IdText, E> {
                Ok(IdText(Some(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IdText, E> {
                Ok(IdText(Some(v.to_string())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<IdText, E> {
                Ok(IdText(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<IdText, E> {
                Ok(IdText(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<IdText, D::Error> {
                d.deserialize_any(V)
            }
        }
        d.deserialize_any(V)
    }
}

/// The union of the fields tally reads from OpenAlex institutions and ROR
/// records (v1 and v2); everything else is skipped.
#[derive(Deserialize, Default)]
#[serde(default, expecting = "an object")]
struct RawInstitution {
    id: Option<String>,
    display_name: Option<String>,
    country_code: Option<String>,
    geo: Option<OaGeo>,
    lineage: Option<Vec<String>>,
    // ROR v1
    name: Option<String>,
    addresses: Option<Vec<RorV1Address>>,
    country: Option<RorV1Country>,
    // ROR v2
    names: Option<Vec<RorV2Name>>,
    locations: Option<Vec<RorV2Location>>,
    // ROR v1 and v2
    relationships: Option<Vec<RorRelationship>>,
}

#[derive(Deserialize, Default)]
#[serde(default, expecting = "an object")]
struct OaGeo {
    city: Option<String>,
    geonames_city_id: IdText,
    country_code: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, expecting = "an object")]
struct RorV1Address {
    city: Option<String>,
    geonames_city: Option<RorV1City>,
}

#[derive(Deserialize, Default)]
#[serde(default, expecting = "an object")]
struct RorV1City {
    id: IdText,
    city: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, expecting = "an object")]
struct RorV1Country {
    country_code: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, expecting = "an object")]
struct RorV2Name {
    value: Option<String>,
    types: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, expecting = "an object")]
struct RorV2Location {
    geonames_id: IdText,
    geonames_details: Option<RorV2Details>,
}

#[derive(Deserialize, Default)]
#[serde(default, expecting = "an object")]
struct RorV2Details {
    name: Option<String>,
    country_code: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, expecting = "an object")]
struct RorRelationship {
    #[serde(rename = "type")]
    kind: Option<String>,
    id: Option<String>,
}

fn clean(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn country(s: Option<String>) -> Option<String> {
    s.as_deref().and_then(normalize::country)
}

enum Keyed {
    OpenAlex(String, InstitutionRecord),
    Ror(String, InstitutionRecord),
}

impl RawInstitution {
    fn into_keyed(self) -> Result<Keyed, (Option<String>, String)> {
        let Some(id) = clean(self.id) else {
            return Err((Some("id".into()), "missing".into()));
        };
        let is_openalex = openalex_id(&id) != id || self.geo.is_some();
        let is_ror = is_ror_url(&id) || self.addresses.is_some() || self.locations.is_some();
        if is_openalex && !is_ror_url(&id) {
            let short = openalex_id(&id).to_owned();
            let geo = self.geo.unwrap_or_default();
            let parents = self
                .lineage
                .unwrap_or_default()
                .iter()
                .map(|p| openalex_id(p).to_owned())
                .filter(|p| *p != short)
                .collect();
            let rec = InstitutionRecord {
                name: clean(self.display_name),
                city_id: clean(geo.geonames_city_id.0),
                city_name: clean(geo.city),
                country: country(geo.country_code).or_else(|| country(self.country_code)),
                parents,
            };
            return Ok(Keyed::OpenAlex(short, rec));
        }
        if !is_ror {
            return Err((
                Some("id".into()),
                format!("`{id}` is neither an OpenAlex institution id nor a ROR id"),
            ));
        }
        let parents = self
            .relationships
            .unwrap_or_default()
            .into_iter()
            .filter(|r| {
                r.kind
                    .as_deref()
                    .is_some_and(|k| k.eq_ignore_ascii_case("parent"))
            })
            .filter_map(|r| r.id.map(|i| ror_id(&i)))
            .collect();
        let mut rec = InstitutionRecord {
            parents,
            ..Default::default()
        };
        if let Some(locations) = self.locations {
            // v2
            let display = self.names.unwrap_or_default().into_iter().fold(
                (None, None),
                |(display, label), n| {
                    let is = |t: &str| n.types.iter().any(|x| x == t);
                    if display.is_none() && is("ror_display") {
                        (n.value, label)
                    } else if label.is_none() && is("label") {
                        (display, n.value)
                    } else {
                        (display, label)
                    }
                },
            );
            rec.name = clean(display.0.or(display.1));
            if let Some(loc) = locations.into_iter().next() {
                let details = loc.geonames_details.unwrap_or_default();
                rec.city_id = clean(loc.geonames_id.0);
                rec.city_name = clean(details.name);
                rec.country = country(details.country_code);
            }
        } else {
            // v1
            rec.name = clean(self.name);
            if let Some(addr) = self.addresses.and_then(|a| a.into_iter().next()) {
                let city = addr.geonames_city.unwrap_or_default();
                rec.city_id = clean(city.id.0);
                rec.city_name = clean(city.city).or(clean(addr.city));
            }
            rec.country = country(self.country.and_then(|c| c.country_code));
        }
        Ok(Keyed::Ror(ror_id(&id), rec))
    }
}

/// The columns of the institutions CSV (`parent_id` is optional).
pub const CSV_INSTITUTION_COLUMNS: [&str; 5] =
    ["institution_id", "name", "city_id", "city", "country_code"];

impl InstitutionTable {
    /// Reads every file, detecting each one's format. File-level failures
    /// (missing, unreadable, unknown format) are errors; bad records are kept
    /// in [`InstitutionTable::problems`] (or stop the load when `strict`).
    pub fn load(paths: &[std::path::PathBuf], strict: bool) -> Result<Self, InputError> {
        let mut table = InstitutionTable::default();
        for path in paths {
            table.load_file(path, strict)?;
        }
        Ok(table)
    }

    /// Adds a record read at `line` of the file being read. The first record
    /// of an id wins, so file order decides, not hashing; a later one with
    /// other data is a [`Conflict`].
    /// Reads one JSON array of records (the ROR dump) from `reader`; `path`
    /// names it in messages.
    fn load_array(
        &mut self,
        path: &Path,
        reader: impl std::io::Read,
        strict: bool,
    ) -> Result<(), InputError> {
        let mut de = serde_json::Deserializer::from_reader(reader);
        let mut records = Vec::new();
        let mut bad = Vec::new();
        de.deserialize_seq(ArrayVisitor {
            records: &mut records,
            bad: &mut bad,
        })
        .map_err(|e| InputError::record(path, e.line() as u64, None, json_message(&e)))?;
        for k in records {
            self.insert(k, 0);
        }
        for (i, (field, msg)) in bad {
            let e = RecordError::new(path, 0, field, format!("array element {i}: {msg}"));
            self.problem(e, strict)?;
        }
        Ok(())
    }

    fn insert(&mut self, k: Keyed, line: u64) {
        let file = self.files.len();
        let (ror, id, r) = match k {
            Keyed::OpenAlex(id, r) => (false, id, r),
            Keyed::Ror(id, r) => (true, id, r),
        };
        let map = if ror {
            &mut self.by_ror
        } else {
            &mut self.by_id
        };
        match map.get(&id) {
            None => {
                map.insert(id.clone(), r);
                self.origin.insert((ror, id), (file, line));
            }
            Some(first) if *first != r => {
                let (f, l) = self
                    .origin
                    .get(&(ror, id.clone()))
                    .copied()
                    .unwrap_or((file, 0));
                let path_of = |i: usize| match self.files.get(i) {
                    Some(done) => done.path.clone(),
                    None => self.reading.clone(),
                };
                self.conflicts.push(Conflict {
                    id,
                    first: (path_of(f), l),
                    again: (self.reading.clone(), line),
                });
            }
            Some(_) => {}
        }
    }

    fn problem(&mut self, e: RecordError, strict: bool) -> Result<(), InputError> {
        if strict {
            return Err(InputError::Record(e));
        }
        self.problems.push(e);
        Ok(())
    }

    fn load_file(&mut self, path: &Path, strict: bool) -> Result<(), InputError> {
        self.reading = path.to_path_buf();
        if crate::files::is_zip(path) {
            // ROR's dump as published: the JSON array inside the zip.
            let (name, stream) = crate::files::zip_json_entry(path)?;
            let inside = path.join(name);
            self.load_array(&inside, std::io::BufReader::new(stream), strict)?;
            let file = Opened::open(path)?.finish()?;
            self.files.push(file);
            return Ok(());
        }
        let mut opened = Opened::open(path)?;
        match opened.content()? {
            Content::Empty => {}
            Content::JsonArray => self.load_array(path, &mut opened, strict)?,
            Content::JsonLines => {
                let wrong = opened.first_record()?.not_institutions();
                if let Some(message) = wrong {
                    return Err(InputError::Format {
                        path: path.to_path_buf(),
                        message,
                    });
                }
                let mut pending = Vec::new();
                opened.for_each_line(|line_no, line| {
                    if line.iter().all(|b| b.is_ascii_whitespace()) {
                        return Ok(());
                    }
                    let res = serde_json::from_slice::<RawInstitution>(line)
                        .map_err(|e| {
                            let field = crate::openalex::field_path::<RawInstitution>(line);
                            (field, json_message(&e))
                        })
                        .and_then(RawInstitution::into_keyed);
                    match res {
                        Ok(k) => pending.push(Ok((k, line_no))),
                        Err((field, msg)) => {
                            let e = RecordError::new(path, line_no, field, msg);
                            if strict {
                                return Err(InputError::Record(e));
                            }
                            pending.push(Err(e));
                        }
                    }
                    Ok(())
                })?;
                for r in pending {
                    match r {
                        Ok((k, line)) => self.insert(k, line),
                        Err(e) => self.problem(e, strict)?,
                    }
                }
            }
            Content::Csv => self.load_csv(path, &mut opened, strict)?,
        }
        if let Some(at) = opened.trailing() {
            self.problem(crate::files::trailing_error(path, at), strict)?;
        }
        let file = opened.finish()?;
        self.files.push(file);
        Ok(())
    }

    fn load_csv(
        &mut self,
        path: &Path,
        opened: &mut Opened,
        strict: bool,
    ) -> Result<(), InputError> {
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(opened);
        let headers = rdr
            .headers()
            .map_err(|e| InputError::record(path, 1, None, e.to_string()))?
            .clone();
        let col = |name: &str| headers.iter().position(|h| h == name);
        let mut idx = [0usize; 5];
        for (i, name) in CSV_INSTITUTION_COLUMNS.iter().enumerate() {
            idx[i] = col(name).ok_or_else(|| InputError::Format {
                path: path.to_path_buf(),
                message: format!(
                    "not OpenAlex/ROR JSON nor an institutions CSV: the header lacks column `{name}` (expected {}[,parent_id])",
                    CSV_INSTITUTION_COLUMNS.join(",")
                ),
            })?;
        }
        let parent = col("parent_id");
        for rec in rdr.records() {
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    self.problem(RecordError::new(path, line, None, e.to_string()), strict)?;
                    continue;
                }
            };
            let get = |i: usize| rec.get(i).filter(|s| !s.is_empty()).map(str::to_owned);
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            let Some(id) = get(idx[0]).map(|i| openalex_id(&i).to_owned()) else {
                let e = RecordError::new(path, line, Some("institution_id".into()), "missing");
                self.problem(e, strict)?;
                continue;
            };
            let r = InstitutionRecord {
                name: get(idx[1]),
                city_id: get(idx[2]),
                city_name: get(idx[3]),
                country: country(get(idx[4])),
                parents: parent.and_then(get).into_iter().collect(),
            };
            self.insert(Keyed::OpenAlex(id, r), line);
        }
        Ok(())
    }

    /// The record a work's affiliation matches, field by field: the entity
    /// with the affiliation's own id first, then the ROR record of its `ror`.
    pub fn lookup(&self, id: Option<&str>, ror: Option<&str>) -> Resolved<'_> {
        Resolved {
            primary: id.and_then(|i| self.by_id.get(i)),
            ror: ror.and_then(|r| self.by_ror.get(&ror_id(r))),
        }
    }
}

/// The table entries that one affiliation matched.
#[derive(Clone, Copy, Debug, Default)]
pub struct Resolved<'a> {
    /// OpenAlex (or CSV) entry by the affiliation's id.
    pub primary: Option<&'a InstitutionRecord>,
    /// ROR record by the affiliation's ROR id.
    pub ror: Option<&'a InstitutionRecord>,
}

impl<'a> Resolved<'a> {
    /// The first of the matched entries that has the field.
    pub fn field(
        &self,
        f: impl Fn(&'a InstitutionRecord) -> Option<&'a String>,
    ) -> Option<&'a str> {
        self.primary
            .and_then(&f)
            .or_else(|| self.ror.and_then(&f))
            .map(String::as_str)
    }

    /// True when any table knows the institution.
    pub fn known(&self) -> bool {
        self.primary.is_some() || self.ror.is_some()
    }
}

type Bad = Vec<(usize, (Option<String>, String))>;

struct ArrayVisitor<'v> {
    records: &'v mut Vec<Keyed>,
    bad: &'v mut Bad,
}

impl<'de> Visitor<'de> for ArrayVisitor<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of ROR or OpenAlex institution records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while let Some(raw) = seq.next_element::<RawInstitution>()? {
            match raw.into_keyed() {
                Ok(k) => self.records.push(k),
                Err(e) => self.bad.push((i, e)),
            }
            i += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyed(json: &str) -> Keyed {
        serde_json::from_str::<RawInstitution>(json)
            .unwrap()
            .into_keyed()
            .unwrap()
    }

    #[test]
    fn reads_openalex_ror_v1_and_v2() {
        let Keyed::OpenAlex(id, r) = keyed(
            r#"{"id":"https://openalex.org/I1","display_name":"Tsinghua University","lineage":["https://openalex.org/I1","https://openalex.org/I9"],"geo":{"city":"Beijing","geonames_city_id":"1816670","country_code":"CN"}}"#,
        ) else {
            panic!("not OpenAlex")
        };
        assert_eq!(id, "I1");
        assert_eq!(r.city_id.as_deref(), Some("1816670"));
        assert_eq!(r.parents, vec!["I9".to_string()]);
        let Keyed::Ror(id, r) = keyed(
            r#"{"id":"https://ror.org/000050t83","name":"ENRI","addresses":[{"city":"Tokyo","geonames_city":{"id":1850147,"city":"Tokyo"}}],"country":{"country_code":"JP"},"relationships":[{"type":"Parent","id":"https://ror.org/0aaaaaa00"}]}"#,
        ) else {
            panic!("not ROR")
        };
        assert_eq!(id, "000050t83");
        assert_eq!(
            (r.city_id.as_deref(), r.country.as_deref()),
            (Some("1850147"), Some("JP"))
        );
        assert_eq!(r.parents, vec!["0aaaaaa00".to_string()]);
        let Keyed::Ror(_, r) = keyed(
            r#"{"id":"https://ror.org/000025p04","names":[{"value":"TSRI","types":["acronym"]},{"value":"Thailand Science Research and Innovation","types":["ror_display","label"]}],"locations":[{"geonames_id":1609350,"geonames_details":{"name":"Bangkok","country_code":"TH"}}]}"#,
        ) else {
            panic!("not ROR")
        };
        assert_eq!(
            r.name.as_deref(),
            Some("Thailand Science Research and Innovation")
        );
        assert_eq!(r.city_name.as_deref(), Some("Bangkok"));
    }

    #[test]
    fn an_http_openalex_id_is_keyed_short() {
        let Keyed::OpenAlex(id, r) = keyed(
            r#"{"id":"http://openalex.org/I1","lineage":["http://openalex.org/I1","http://openalex.org/I9"],"geo":{"city":"Beijing"}}"#,
        ) else {
            panic!("not OpenAlex")
        };
        assert_eq!(id, "I1");
        assert_eq!(r.parents, vec!["I9".to_string()]);
    }

    #[test]
    fn lookup_falls_back_field_by_field() {
        let mut t = InstitutionTable::default();
        t.by_id.insert(
            "I7".into(),
            InstitutionRecord {
                name: Some("Seven".into()),
                country: Some("FR".into()),
                ..Default::default()
            },
        );
        t.by_ror.insert(
            "0abcdef12".into(),
            InstitutionRecord {
                name: Some("Sept".into()),
                city_id: Some("2988507".into()),
                country: Some("DE".into()),
                ..Default::default()
            },
        );
        let r = t.lookup(Some("I7"), Some("https://ror.org/0ABCDEF12"));
        assert_eq!(r.field(|x| x.name.as_ref()), Some("Seven"));
        assert_eq!(r.field(|x| x.country.as_ref()), Some("FR"));
        assert_eq!(r.field(|x| x.city_id.as_ref()), Some("2988507"));
        assert!(!t.lookup(Some("I8"), None).known());
    }
}

#[cfg(test)]
mod file_tests {
    use super::*;
    use std::path::PathBuf;

    struct Tmp(PathBuf);
    impl Drop for Tmp {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn tmp(name: &str) -> Tmp {
        let p = std::env::temp_dir().join(format!("tally-inst-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        Tmp(p)
    }

    /// Two files that disagree on an id: the first record is used and the
    /// other is named, with both places; the same data twice is no conflict.
    #[test]
    fn an_id_given_twice_with_other_data_is_a_conflict() {
        let t = tmp("conflict");
        let a = t.0.join("a.csv");
        let b = t.0.join("b.jsonl");
        std::fs::write(
            &a,
            "institution_id,name,city_id,city,country_code\nI1,Tsinghua,1816670,Beijing,CN\nI2,Same,1,X,FR\n",
        )
        .unwrap();
        std::fs::write(
            &b,
            "{\"id\":\"https://openalex.org/I9\"}\n{\"id\":\"https://openalex.org/I1\",\"display_name\":\"Tsinghua\",\"geo\":{\"city\":\"New York\",\"geonames_city_id\":\"5128581\",\"country_code\":\"US\"}}\n",
        )
        .unwrap();
        let table = InstitutionTable::load(&[a.clone(), b.clone()], false).unwrap();
        assert_eq!(table.by_id["I1"].city_name.as_deref(), Some("Beijing"));
        assert_eq!(
            table.conflicts,
            vec![Conflict {
                id: "I1".into(),
                first: (a.clone(), 2),
                again: (b.clone(), 2),
            }]
        );
        assert_eq!(
            table.conflicts[0].to_string(),
            format!(
                "institution I1 at {}:2 differs from its record at {}:2, which is the one used",
                b.display(),
                a.display()
            )
        );
        let twice = InstitutionTable::load(&[a.clone(), a], false).unwrap();
        assert!(twice.conflicts.is_empty());
    }

    #[test]
    fn reads_the_ror_dump_array_with_both_schemas() {
        let t = tmp("array");
        let p = t.0.join("ror-data.json");
        std::fs::write(
            &p,
            r#"  [
  {"id":"https://ror.org/000050t83","name":"ENRI","addresses":[{"geonames_city":{"id":1850147,"city":"Tokyo"}}],"country":{"country_code":"JP"}},
  {"id":"https://ror.org/000025p04","names":[{"value":"TSRI","types":["ror_display"]}],"locations":[{"geonames_id":1609350,"geonames_details":{"name":"Bangkok","country_code":"TH"}}]},
  {"name":"no id at all"}
]"#,
        )
        .unwrap();
        let table = InstitutionTable::load(std::slice::from_ref(&p), false).unwrap();
        assert_eq!(table.by_ror.len(), 2);
        assert_eq!(
            table.by_ror["000050t83"].city_id.as_deref(),
            Some("1850147")
        );
        assert_eq!(table.by_ror["000025p04"].country.as_deref(), Some("TH"));
        assert_eq!(table.problems.len(), 1);
        assert!(table.problems[0]
            .to_string()
            .contains("field `id`: array element 2: missing"));
        // Strict mode refuses the bad record.
        assert!(InstitutionTable::load(&[p], true).is_err());
    }

    /// A zip archive of `(name, bytes, deflate?)` entries, as `zip` writes
    /// one (local headers, central directory, end record).
    fn zip(entries: &[(&str, &[u8], bool)]) -> Vec<u8> {
        use std::io::Write;
        let mut out = Vec::new();
        let mut dir = Vec::new();
        for (name, data, deflate) in entries {
            let mut crc = flate2::Crc::new();
            crc.update(data);
            let body = if *deflate {
                let mut e =
                    flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            } else {
                data.to_vec()
            };
            let method: u16 = if *deflate { 8 } else { 0 };
            let at = out.len() as u32;
            let fields = |sig: &[u8], central: bool| {
                let mut h = sig.to_vec();
                if central {
                    h.extend(20u16.to_le_bytes()); // made by
                }
                h.extend(20u16.to_le_bytes()); // needed
                h.extend(0u16.to_le_bytes()); // flags
                h.extend(method.to_le_bytes());
                h.extend([0u8; 4]); // time, date
                h.extend(crc.sum().to_le_bytes());
                h.extend((body.len() as u32).to_le_bytes());
                h.extend((data.len() as u32).to_le_bytes());
                h.extend((name.len() as u16).to_le_bytes());
                h.extend(0u16.to_le_bytes()); // extra
                if central {
                    h.extend([0u8; 6]); // comment, disk, internal attributes
                    h.extend([0u8; 4]); // external attributes
                    h.extend(at.to_le_bytes());
                }
                h.extend(name.as_bytes());
                h
            };
            out.extend(fields(b"PK\x03\x04", false));
            out.extend(&body);
            dir.extend(fields(b"PK\x01\x02", true));
        }
        let dir_at = out.len() as u32;
        out.extend(&dir);
        out.extend(b"PK\x05\x06");
        out.extend([0u8; 4]);
        out.extend((entries.len() as u16).to_le_bytes());
        out.extend((entries.len() as u16).to_le_bytes());
        out.extend((dir.len() as u32).to_le_bytes());
        out.extend(dir_at.to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out
    }

    /// ROR's dump as published, a zip with the records in the v1 and the
    /// v2 schema: the v2 file is read, stored or deflated; the digest is
    /// the zip's.
    #[test]
    fn reads_the_ror_dump_zip() {
        let t = tmp("zip");
        let v1: &[u8] = br#"[{"id":"https://ror.org/000050t83","name":"ENRI v1","addresses":[{"geonames_city":{"id":1850147,"city":"Tokyo"}}],"country":{"country_code":"JP"}}]"#;
        let v2: &[u8] = br#"[{"id":"https://ror.org/000050t83","names":[{"value":"ENRI","types":["ror_display"]}],"locations":[{"geonames_id":1850147,"geonames_details":{"name":"Tokyo","country_code":"JP"}}]}]"#;
        for deflate in [false, true] {
            let p = t.0.join(format!("v1.50-2024-07-29-ror-data-{deflate}.zip"));
            let bytes = zip(&[
                ("v1.50-2024-07-29-ror-data.json", v1, deflate),
                ("v1.50-2024-07-29-ror-data_schema_v2.json", v2, deflate),
            ]);
            std::fs::write(&p, &bytes).unwrap();
            let table = InstitutionTable::load(std::slice::from_ref(&p), true).unwrap();
            let r = &table.by_ror["000050t83"];
            assert_eq!(r.name.as_deref(), Some("ENRI"), "the v2 file");
            assert_eq!(r.city_id.as_deref(), Some("1850147"));
            assert_eq!(table.files[0].bytes, bytes.len() as u64);
        }
        // Only the v1 file: read; no JSON file: refused, saying so.
        let p = t.0.join("v1only.zip");
        std::fs::write(
            &p,
            zip(&[("ror.json", v1, true), ("README.txt", b"hi", false)]),
        )
        .unwrap();
        let table = InstitutionTable::load(std::slice::from_ref(&p), true).unwrap();
        assert_eq!(table.by_ror["000050t83"].name.as_deref(), Some("ENRI v1"));
        let p = t.0.join("none.zip");
        std::fs::write(&p, zip(&[("README.txt", b"hi", false)])).unwrap();
        let e = InstitutionTable::load(std::slice::from_ref(&p), true).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("a zip archive with no .json file in it (ROR's dump holds one)"),
            "{e}"
        );
        // Cut short: named.
        let p = t.0.join("cut.zip");
        let whole = zip(&[("ror.json", v2, true)]);
        std::fs::write(&p, &whole[..whole.len() - 30]).unwrap();
        let e = InstitutionTable::load(std::slice::from_ref(&p), true).unwrap_err();
        assert!(
            e.to_string().contains("without its central directory"),
            "{e}"
        );
    }

    #[test]
    fn reads_an_institutions_csv_and_names_bad_lines() {
        let t = tmp("csv");
        let p = t.0.join("inst.csv");
        std::fs::write(
            &p,
            "institution_id,name,city_id,city,country_code,parent_id\nX1,\"Lab, North\",2988507,Paris,fr,X0\n,Nameless,,,,\n",
        )
        .unwrap();
        let table = InstitutionTable::load(std::slice::from_ref(&p), false).unwrap();
        let r = &table.by_id["X1"];
        assert_eq!(r.name.as_deref(), Some("Lab, North"));
        assert_eq!(r.country.as_deref(), Some("FR"));
        assert_eq!(r.parents, vec!["X0".to_string()]);
        assert_eq!(
            table.problems[0].to_string(),
            format!("{}:3: field `institution_id`: missing", p.display())
        );
        let bad = t.0.join("bad.csv");
        std::fs::write(&bad, "id,label\n1,2\n").unwrap();
        let e = InstitutionTable::load(&[bad], false).unwrap_err();
        assert!(
            e.to_string()
                .contains("the header lacks column `institution_id`"),
            "{e}"
        );
    }

    #[test]
    fn a_malformed_jsonl_record_is_named() {
        let t = tmp("jsonl");
        let p = t.0.join("inst.jsonl");
        std::fs::write(
            &p,
            "{\"id\":\"https://openalex.org/I1\",\"geo\":{\"city\":\"Beijing\"}}\n{\"id\": 5}\n{\"id\":\"https://openalex.org/I2\",\"geo\":{\"country_code\":5}}\n{\"id\":\"https://openalex.org/I3\",\"geo\":\"nowhere\"}\n",
        )
        .unwrap();
        let table = InstitutionTable::load(std::slice::from_ref(&p), false).unwrap();
        assert_eq!(table.by_id.len(), 1);
        let msgs: Vec<String> = table.problems.iter().map(|e| e.to_string()).collect();
        let at = |line: u64, rest: &str| format!("{}:{line}: {rest}", p.display());
        assert!(
            msgs[0].starts_with(&at(2, "field `id`: invalid type: integer `5`")),
            "{msgs:?}"
        );
        assert!(
            msgs[1].starts_with(&at(
                3,
                "field `geo.country_code`: invalid type: integer `5`"
            )),
            "{msgs:?}"
        );
        assert!(
            msgs[2].starts_with(&at(
                4,
                "field `geo`: invalid type: string \"nowhere\", expected an object"
            )),
            "{msgs:?}"
        );
    }
}
