//! Tidy CSV works: one row per work x authorship x institution, with the
//! columns [`CSV_WORK_COLUMNS`] (any order, others ignored). Rows of one
//! work are consecutive; every author has a row (an empty `institution_id`
//! for an author without affiliation), in byline order. Works are written
//! into batches through the same normalizing arena writers as OpenAlex.

use crate::batch::{InstRec, Outcome, WorkBatch, WorkRec};
use crate::error::RecordError;
use crate::files::Opened;
use crate::filter::Filter;
use crate::{normalize, InputError};
use std::path::Path;

/// The columns of the tidy CSV works format.
pub const CSV_WORK_COLUMNS: [&str; 6] = [
    "work_id",
    "year",
    "source_id",
    "type",
    "author_position",
    "institution_id",
];

/// The work being gathered from consecutive rows.
struct Current {
    line: u64,
    id: String,
    year: Option<i32>,
    work_type: Option<String>,
    source: Option<String>,
    /// Institution ids per authorship.
    authorships: Vec<Vec<String>>,
}

/// Reads a tidy CSV works file, a batch of records at a time.
pub(crate) struct CsvWorks {
    rdr: csv::Reader<Opened>,
    cols: [usize; 6],
    record: csv::StringRecord,
    current: Option<Current>,
    done: bool,
}

impl CsvWorks {
    /// Checks the header of an opened file.
    pub fn new(path: &Path, opened: Opened) -> Result<Self, InputError> {
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(false)
            .trim(csv::Trim::All)
            .from_reader(opened);
        let headers = rdr
            .headers()
            .map_err(|e| InputError::record(path, 1, None, e.to_string()))?
            .clone();
        let mut cols = [0usize; 6];
        for (i, name) in CSV_WORK_COLUMNS.iter().enumerate() {
            cols[i] = headers.iter().position(|h| h == *name).ok_or_else(|| {
                InputError::Format {
                    path: path.to_path_buf(),
                    message: format!(
                        "not OpenAlex JSON Lines (no `{{` at the start) nor a tidy works CSV: the header lacks column `{name}` (expected {})",
                        CSV_WORK_COLUMNS.join(",")
                    ),
                }
            })?;
        }
        Ok(CsvWorks {
            rdr,
            cols,
            record: csv::StringRecord::new(),
            current: None,
            done: false,
        })
    }

    /// The opened file, to finish its digest.
    pub fn into_opened(self) -> Opened {
        self.rdr.into_inner()
    }

    /// Bytes of the file read so far.
    pub fn raw_bytes(&self) -> u64 {
        self.rdr.get_ref().raw_bytes()
    }

    /// Reads up to `max` records into `batch`, screening each work with
    /// `filter`; returns `false` once the file is read to its end.
    pub fn fill(&mut self, batch: &mut WorkBatch, filter: &Filter, max: usize) -> bool {
        let path = batch.paths[batch.file].clone();
        while !self.done && batch.items.len() < max {
            self.row(&path, batch, filter);
        }
        !self.done
    }

    /// Reads one row; a finished work or a bad row goes into the batch.
    fn row(&mut self, path: &Path, batch: &mut WorkBatch, filter: &Filter) {
        let more = self.rdr.read_record(&mut self.record);
        // The record's own start, not the reader's position after it.
        let line = self
            .record
            .position()
            .map_or(self.rdr.position().line(), |p| p.line());
        match more {
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(line);
                let err = RecordError::new(path, line, None, e.to_string());
                batch.push(line, Outcome::Malformed(err));
                return;
            }
            Ok(false) => {
                self.done = true;
                if let Some(w) = self.current.take() {
                    add(batch, w, filter);
                }
                return;
            }
            Ok(true) => {}
        }
        let rec = &self.record;
        let get = |i: usize| rec.get(i).filter(|s| !s.is_empty());
        let [c_id, c_year, c_source, c_type, c_pos, c_inst] = self.cols;
        let bad = |field: &str, msg: String| {
            Outcome::Malformed(RecordError::new(path, line, Some(field.into()), msg))
        };
        let Some(id) = get(c_id).map(normalize::openalex_id) else {
            batch.push(line, bad("work_id", "missing".into()));
            return;
        };
        let year = match get(c_year).map(|y| y.parse::<i32>()) {
            None => None,
            Some(Ok(y)) => Some(y),
            Some(Err(_)) => {
                let msg = format!("`{}` is not a year", get(c_year).unwrap_or(""));
                batch.push(line, bad("year", msg));
                return;
            }
        };
        let pos = match get(c_pos).map(|p| p.parse::<usize>()) {
            Some(Ok(p)) if p >= 1 => p,
            _ => {
                let msg = format!(
                    "`{}` is not an author position (1 = first author)",
                    get(c_pos).unwrap_or("")
                );
                batch.push(line, bad("author_position", msg));
                return;
            }
        };
        if self.current.as_ref().is_some_and(|w| w.id != id) {
            if let Some(w) = self.current.take() {
                add(batch, w, filter);
            }
        }
        let w = self.current.get_or_insert_with(|| Current {
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
            batch.push(line, bad("work_id", msg));
            return;
        }
        let n = w.authorships.len();
        if pos == n + 1 {
            w.authorships.push(Vec::new());
        } else if pos > n {
            let msg = format!(
                "work {id}: author_position jumps from {n} to {pos}; give every author a row (empty institution_id for an author without affiliation) in byline order"
            );
            batch.push(line, bad("author_position", msg));
            return;
        }
        if let Some(inst) = get(c_inst) {
            w.authorships[pos - 1].push(inst.to_owned());
        }
    }
}

/// Writes a gathered work into the batch's arena and screens it.
fn add(batch: &mut WorkBatch, w: Current, filter: &Filter) {
    let arena = &mut batch.arena;
    let mark = arena.mark();
    let starts = arena.starts();
    let mut rec = WorkRec::new(arena.str(&w.id));
    rec.year = w.year;
    rec.work_type = w.work_type.as_deref().map(|t| arena.work_type(t));
    rec.source_id = w.source.as_deref().map(|s| arena.openalex_id(s));
    for insts in &w.authorships {
        for inst in insts {
            let id = arena.openalex_id(inst);
            let ror = normalize::is_ror_url(inst).then_some(id);
            arena.insts.push(InstRec {
                id: Some(id),
                ror,
                country_code: None,
                name: None,
            });
        }
        arena.end_authorship();
    }
    let index = arena.push_work(rec, starts);
    let outcome = arena.screen(index, mark, filter);
    batch.push(w.line, outcome);
}
