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
    /// The first bad row of the work: the whole work is malformed.
    error: Option<RecordError>,
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
        let err = |field: &str, msg: String| RecordError::new(path, line, Some(field.into()), msg);
        let Some(id) = get(c_id).map(normalize::openalex_id) else {
            // A row of no work: malformed on its own.
            batch.push(line, Outcome::Malformed(err("work_id", "missing".into())));
            return;
        };
        if self.current.as_ref().is_some_and(|w| w.id != id) {
            if let Some(w) = self.current.take() {
                add(batch, w, filter);
            }
        }
        let year = get(c_year).map(|y| y.parse::<i32>().map_err(|_| y));
        let w = self.current.get_or_insert_with(|| Current {
            line,
            id: id.to_owned(),
            year: year.and_then(Result::ok),
            work_type: get(c_type).map(str::to_owned),
            source: get(c_source).map(str::to_owned),
            authorships: Vec::new(),
            error: None,
        });
        // A bad row makes its whole work malformed, counted once.
        let problem = if let Some(Err(y)) = year {
            Some(err("year", format!("`{y}` is not a year")))
        } else if w.year != year.and_then(Result::ok)
            || w.work_type.as_deref() != get(c_type)
            || w.source.as_deref() != get(c_source)
        {
            Some(err(
                "work_id",
                format!(
                    "work {id}: year, type and source_id must be the same on all its rows (first row on line {})",
                    w.line
                ),
            ))
        } else {
            let n = w.authorships.len();
            match get(c_pos).map(|p| p.parse::<usize>()) {
                Some(Ok(pos)) if pos >= 1 && pos <= n + 1 => {
                    if pos == n + 1 {
                        w.authorships.push(Vec::new());
                    }
                    if let Some(inst) = get(c_inst) {
                        w.authorships[pos - 1].push(inst.to_owned());
                    }
                    None
                }
                Some(Ok(pos)) if pos > n + 1 => Some(err(
                    "author_position",
                    format!(
                        "work {id}: author_position jumps from {n} to {pos}; give every author a row (empty institution_id for an author without affiliation) in byline order"
                    ),
                )),
                _ => Some(err(
                    "author_position",
                    format!(
                        "`{}` is not an author position (1 = first author)",
                        get(c_pos).unwrap_or("")
                    ),
                )),
            }
        };
        if w.error.is_none() {
            w.error = problem;
        }
    }
}

/// Writes a gathered work into the batch's arena and screens it; a work with
/// a bad row goes in as one malformed record, with its first bad row.
fn add(batch: &mut WorkBatch, w: Current, filter: &Filter) {
    if let Some(e) = w.error {
        batch.push(w.line, Outcome::Malformed(e));
        return;
    }
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
