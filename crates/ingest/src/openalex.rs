//! OpenAlex works: the fields tally reads, and where they are.
//!
//! Two readers write the same [`Arena`] records through the same
//! normalizing writer methods: [`scan`], which skims the line with
//! [`crate::json`] and reads only these fields, and [`parse`], serde_json
//! with a derived schema, which runs when the skimmer gives up and either
//! reads the line or names the field that is wrong.
//!
//! | field | read as |
//! |---|---|
//! | `id` | work id, short |
//! | `publication_year` | year |
//! | `type` | work type, normalized |
//! | `primary_location.source.{id, issn_l, issn}` | source short id, ISSNs |
//! | `authorships[].institutions[].{id, ror, country_code, display_name}` | affiliations |
//! | `is_authors_truncated` | author list cut |

use crate::batch::{Arena, InstRec, WorkRec};
use crate::error::json_message;
use crate::json::{GiveUp, Scan, Seen, R};
use serde::Deserialize;
use std::borrow::Cow;

/// Asked, once the fields that decide whether a work counts have been read
/// and before its authorships are, whether the work is excluded (see
/// [`scan`]).
pub(crate) type EarlyScreen<'s> = dyn FnMut(&Arena, &WorkRec) -> bool + 's;

/// What [`scan`] did with a line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Scanned {
    /// The work is in the arena, at this index.
    Work(u32),
    /// The early screen excluded the work: its authorships were checked but
    /// not read, and nothing was added.
    Excluded,
}

const K_ID: u32 = 0;
const K_YEAR: u32 = 1;
const K_TYPE: u32 = 2;
const K_LOCATION: u32 = 3;
const K_AUTHORSHIPS: u32 = 4;
const K_TRUNCATED: u32 = 5;
/// What the early screen needs.
const SCREEN: u32 = (1 << K_YEAR) | (1 << K_TYPE) | (1 << K_LOCATION);

/// Skims one work into the arena. When `publication_year`, `type` and
/// `primary_location` all come before `authorships`, as in OpenAlex,
/// `excluded` is asked about the work so far, and if it says yes the
/// authorships are skipped (checked, not read) and [`Scanned::Excluded`]
/// is returned. On `Err` the arena is as before.
pub(crate) fn scan(line: &[u8], arena: &mut Arena, excluded: &mut EarlyScreen<'_>) -> R<Scanned> {
    let mark = arena.mark();
    let r = scan_work(line, arena, excluded);
    if !matches!(r, Ok(Scanned::Work(_))) {
        arena.rollback(mark);
    }
    r
}

fn scan_work(line: &[u8], arena: &mut Arena, excluded: &mut EarlyScreen<'_>) -> R<Scanned> {
    let mut s = Scan::new(line);
    let mut w = WorkRec::new(arena.str(""));
    let mut id = None;
    let mut seen = Seen::default();
    let starts = arena.starts();
    let mut skipped = false;
    s.object(|s, key| {
        match key {
            b"id" => {
                seen.mark(K_ID)?;
                id = s.string()?.map(|v| arena.openalex_id(&v));
            }
            b"publication_year" => {
                seen.mark(K_YEAR)?;
                w.year = s.int()?;
            }
            b"type" => {
                seen.mark(K_TYPE)?;
                w.work_type = s.string()?.map(|v| arena.work_type(&v));
            }
            b"is_authors_truncated" => {
                seen.mark(K_TRUNCATED)?;
                w.truncated = s.boolean()?.unwrap_or(false);
            }
            b"primary_location" => {
                seen.mark(K_LOCATION)?;
                location(s, arena, &mut w)?;
            }
            b"authorships" => {
                seen.mark(K_AUTHORSHIPS)?;
                if seen.all(SCREEN) {
                    let so_far = WorkRec {
                        issns: (starts.0, arena.issns.len() as u32),
                        auths: (starts.1, starts.1),
                        ..w
                    };
                    if excluded(arena, &so_far) {
                        skipped = true;
                        return s.skip_array();
                    }
                }
                s.array(|s| authorship(s, arena))?;
            }
            _ => s.skip()?,
        }
        Ok(())
    })?;
    if !s.at_end() {
        return Err(GiveUp);
    }
    w.id = id.ok_or(GiveUp)?;
    if skipped {
        return Ok(Scanned::Excluded);
    }
    Ok(Scanned::Work(arena.push_work(w, starts)))
}

/// `primary_location`: an object or null; only its `source` is read.
fn location(s: &mut Scan<'_>, arena: &mut Arena, w: &mut WorkRec) -> R<()> {
    if s.is_null()? {
        return Ok(());
    }
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        b"source" => {
            seen.mark(0)?;
            if s.is_null()? {
                return Ok(());
            }
            source(s, arena, w)
        }
        _ => s.skip(),
    })
}

/// `primary_location.source`: id, linking ISSN, ISSNs.
fn source(s: &mut Scan<'_>, arena: &mut Arena, w: &mut WorkRec) -> R<()> {
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        b"id" => {
            seen.mark(0)?;
            w.source_id = s.string()?.map(|v| arena.openalex_id(&v));
            Ok(())
        }
        b"issn_l" => {
            seen.mark(1)?;
            w.issn_l = s.string()?.map(|v| arena.str(&v));
            Ok(())
        }
        b"issn" => {
            seen.mark(2)?;
            s.array(|s| {
                // A null ISSN is an error for serde: let it say so.
                let v = s.string()?.ok_or(GiveUp)?;
                arena.issn(&v);
                Ok(())
            })
        }
        _ => s.skip(),
    })
}

/// One authorship: only its institutions are read.
fn authorship(s: &mut Scan<'_>, arena: &mut Arena) -> R<()> {
    let mut seen = Seen::default();
    s.object(|s, key| match key {
        b"institutions" => {
            seen.mark(0)?;
            s.array(|s| {
                let inst = institution(s, arena)?;
                arena.insts.push(inst);
                Ok(())
            })
        }
        _ => s.skip(),
    })?;
    arena.end_authorship();
    Ok(())
}

/// One affiliation.
fn institution(s: &mut Scan<'_>, arena: &mut Arena) -> R<InstRec> {
    let mut inst = InstRec::default();
    let mut seen = Seen::default();
    s.object(|s, key| {
        match key {
            b"id" => {
                seen.mark(0)?;
                inst.id = s.string()?.map(|v| arena.openalex_id(&v));
            }
            b"ror" => {
                seen.mark(1)?;
                inst.ror = s.string()?.map(|v| arena.str(&v));
            }
            b"country_code" => {
                seen.mark(2)?;
                inst.country_code = s.string()?.map(|v| arena.str(&v));
            }
            b"display_name" => {
                seen.mark(3)?;
                inst.name = s.string()?.map(|v| arena.str(&v));
            }
            _ => s.skip()?,
        }
        Ok(())
    })?;
    Ok(inst)
}

// ---------------------------------------------------------------------------
// The slow path: serde_json, which names what is wrong.

/// A `T` read from a JSON object only: serde's derived structs also take an
/// array, field by field in order, which would read `["W1", 2022, ...]` or
/// an authorship written as an array positionally, as if it made sense.
struct Obj<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = T;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData)).map(Obj)
    }
}

#[derive(Deserialize)]
#[serde(expecting = "an object")]
struct OaWork<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    publication_year: Option<i32>,
    #[serde(borrow, rename = "type")]
    work_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    primary_location: Option<Obj<OaLocation<'a>>>,
    #[serde(borrow, default)]
    authorships: Option<Vec<Obj<OaAuthorship<'a>>>>,
    #[serde(default)]
    is_authors_truncated: Option<bool>,
}

#[derive(Deserialize)]
#[serde(expecting = "an object")]
struct OaLocation<'a> {
    #[serde(borrow, default)]
    source: Option<Obj<OaSource<'a>>>,
}

#[derive(Deserialize)]
#[serde(expecting = "an object")]
struct OaSource<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    issn_l: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    issn: Option<Vec<Cow<'a, str>>>,
}

#[derive(Deserialize)]
#[serde(expecting = "an object")]
struct OaAuthorship<'a> {
    #[serde(borrow, default)]
    institutions: Option<Vec<Obj<OaInstitution<'a>>>>,
}

#[derive(Deserialize)]
#[serde(expecting = "an object")]
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
pub(crate) type Problem = (Option<String>, String);

/// Parses one work with serde_json into the arena: its index, or the field
/// that is wrong and why (the arena is then as before).
pub(crate) fn parse(line: &[u8], arena: &mut Arena) -> Result<u32, Problem> {
    let w: OaWork<'_> = match serde_json::from_slice::<Obj<OaWork<'_>>>(line) {
        Ok(Obj(w)) => w,
        Err(e) => return Err((field_of_error(line), json_message(&e))),
    };
    let Some(id) = w.id else {
        return Err((Some("id".into()), "missing: every work needs an id".into()));
    };
    let starts = arena.starts();
    let mut rec = WorkRec::new(arena.openalex_id(&id));
    rec.year = w.publication_year;
    rec.work_type = w.work_type.map(|t| arena.work_type(&t));
    rec.truncated = w.is_authors_truncated.unwrap_or(false);
    if let Some(Obj(src)) = w.primary_location.and_then(|l| l.0.source) {
        rec.source_id = src.id.map(|v| arena.openalex_id(&v));
        rec.issn_l = src.issn_l.map(|v| arena.str(&v));
        for i in src.issn.unwrap_or_default() {
            arena.issn(&i);
        }
    }
    for Obj(a) in w.authorships.unwrap_or_default() {
        for Obj(i) in a.institutions.unwrap_or_default() {
            let inst = InstRec {
                id: i.id.map(|v| arena.openalex_id(&v)),
                ror: i.ror.map(|v| arena.str(&v)),
                country_code: i.country_code.map(|v| arena.str(&v)),
                name: i.display_name.map(|v| arena.str(&v)),
            };
            arena.insts.push(inst);
        }
        arena.end_authorship();
    }
    Ok(arena.push_work(rec, starts))
}

/// Parses again, tracking the path, to name the field that is wrong.
fn field_of_error(line: &[u8]) -> Option<String> {
    field_path::<Obj<OaWork<'_>>>(line)
}

/// The path of the field where reading `line` as a `T` fails (`None` when
/// it does not fail, or fails at the top).
pub(crate) fn field_path<'de, T: Deserialize<'de>>(line: &'de [u8]) -> Option<String> {
    let mut de = serde_json::Deserializer::from_slice(line);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(pe) => {
            // Unknown trailing segments (`?`) say nothing: drop them.
            let p = pe.path().to_string();
            let p = p.trim_end_matches(".?").trim_end_matches('?');
            (p != "." && !p.is_empty()).then(|| p.to_owned())
        }
        Ok(_) => None,
    }
}

/// One OpenAlex work line at a time, through either reader: for
/// benchmarks, fuzzing and tests that compare the two. (Runs read through
/// [`crate::read_works`].)
#[derive(Debug, Default)]
pub struct LineParser {
    arena: Arena,
}

/// What the skimmer made of a line.
#[derive(Debug)]
pub enum Skimmed<'a> {
    /// It read the work.
    Work(crate::WorkView<'a>),
    /// The filter excluded the work before its authorships (which were
    /// checked, not read).
    Excluded(crate::Exclusion),
    /// It gave up: serde_json decides.
    GaveUp,
}

impl LineParser {
    /// A parser with an empty arena.
    pub fn new() -> Self {
        Self::default()
    }

    /// The skimmer (the fast path), with `filter` as the early screen.
    pub fn skim(&mut self, line: &[u8], filter: &crate::Filter) -> Skimmed<'_> {
        self.arena.clear();
        let mut early = None;
        let r = scan(line, &mut self.arena, &mut |a, rec| {
            early = filter.screen(&crate::WorkView::new(a, rec)).err();
            early.is_some()
        });
        match (r, early) {
            (Ok(Scanned::Work(i)), _) => Skimmed::Work(self.arena.view(i)),
            (Ok(Scanned::Excluded), Some(e)) => Skimmed::Excluded(e),
            _ => Skimmed::GaveUp,
        }
    }

    /// serde_json (the slow path): the work, or the field that is wrong and why.
    pub fn parse(&mut self, line: &[u8]) -> Result<crate::WorkView<'_>, (Option<String>, String)> {
        self.arena.clear();
        let i = parse(line, &mut self.arena)?;
        Ok(self.arena.view(i))
    }
}

#[cfg(test)]
pub(crate) mod tests;
