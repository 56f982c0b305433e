//! Reading works with several threads, with the result of one.
//!
//! One reader thread opens the files in order, decompresses them and cuts
//! JSON Lines input into line-aligned chunks; worker threads parse each chunk
//! and apply the filters ([`screen`]), which need no shared state; the
//! calling thread takes the chunks back *in input order* and commits them
//! (duplicate check, resolution, scoring, totals). Because commits happen in
//! the same order as in a single-threaded run, the results, the ledger and
//! even the order of warnings are the same for every thread count.
//!
//! Queues are bounded, so memory stays flat however large the input.

use crate::{screen, Engine, EngineError, Exclusion};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use tally_ingest::files::{first_byte, Opened};
use tally_ingest::works::{parse_openalex, read_csv_works};
use tally_ingest::{InputError, InputFile, Work};

/// How to read.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Threads: 1 reads, parses and counts on the calling thread; more adds a
    /// reader thread and `threads` parsing workers.
    pub threads: usize,
    /// Target size of a chunk of JSON Lines handed to a worker.
    pub chunk_bytes: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            chunk_bytes: 1 << 20,
        }
    }
}

/// One record, screened: what the committer needs of it.
enum Item {
    Excluded(Exclusion),
    Malformed(InputError),
    Included {
        work: Work<'static>,
        year: i32,
        weight: f64,
    },
}

/// A unit of work, numbered in input order.
enum Job {
    /// Raw JSON Lines of file `file`, starting at line `first_line`.
    Lines {
        file: usize,
        first_line: u64,
        data: Vec<u8>,
    },
    /// Records already screened (CSV input is read by the reader thread).
    Items(Vec<(usize, u64, Item)>),
    /// A file was read to its end.
    FileDone(InputFile),
    /// A file could not be read.
    Failed(InputError),
}

type Numbered = (u64, Job);

pub(crate) fn read(
    engine: &mut Engine<'_>,
    paths: &[PathBuf],
    opts: &ReadOptions,
    mut on_problem: impl FnMut(&InputError),
) -> Result<Vec<InputFile>, EngineError> {
    let plan = engine.plan;
    let chunk = opts.chunk_bytes.max(1);
    let mut files = Vec::new();
    if opts.threads <= 1 {
        for file in 0..paths.len() {
            let mut failure = None;
            let _ = read_file(plan, paths, file, chunk, &mut |job| {
                let job = parse_job(plan, paths, job);
                commit(engine, paths, job, &mut files, &mut on_problem).map_err(|e| {
                    failure = Some(e);
                })
            });
            if let Some(e) = failure {
                return Err(e);
            }
        }
        return Ok(files);
    }
    let workers = opts.threads;
    std::thread::scope(|s| {
        let (job_tx, job_rx) = sync_channel::<Numbered>(2 * workers);
        let (done_tx, done_rx) = sync_channel::<Numbered>(2 * workers);
        s.spawn(move || {
            let mut seq = 0u64;
            for file in 0..paths.len() {
                let sent = read_file(plan, paths, file, chunk, &mut |job| {
                    seq += 1;
                    job_tx.send((seq - 1, job)).map_err(|_| ())
                });
                if sent.is_err() {
                    break;
                }
            }
        });
        let job_rx = Arc::new(Mutex::new(job_rx));
        for _ in 0..workers {
            let rx = Arc::clone(&job_rx);
            let tx = done_tx.clone();
            s.spawn(move || work(plan, paths, &rx, &tx));
        }
        // Only the workers hold the queue now: when they stop, the reader stops.
        drop(job_rx);
        drop(done_tx);
        let result = commit_in_order(engine, paths, done_rx, &mut files, &mut on_problem);
        result.map(|()| files)
    })
}

fn work(
    plan: &crate::Plan,
    paths: &[PathBuf],
    rx: &Mutex<Receiver<Numbered>>,
    tx: &SyncSender<Numbered>,
) {
    loop {
        let next = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
        let Ok((seq, job)) = next else { return };
        if tx.send((seq, parse_job(plan, paths, job))).is_err() {
            return;
        }
    }
}

/// Commits jobs in sequence order; stops (dropping the queue, which stops
/// the other threads) at the first error.
fn commit_in_order(
    engine: &mut Engine<'_>,
    paths: &[PathBuf],
    done_rx: Receiver<Numbered>,
    files: &mut Vec<InputFile>,
    on_problem: &mut impl FnMut(&InputError),
) -> Result<(), EngineError> {
    let mut pending = BTreeMap::new();
    let mut next = 0u64;
    for (seq, job) in done_rx.iter() {
        pending.insert(seq, job);
        while let Some(job) = pending.remove(&next) {
            next += 1;
            commit(engine, paths, job, files, on_problem)?;
        }
    }
    Ok(())
}

fn parse_job(plan: &crate::Plan, paths: &[PathBuf], job: Job) -> Job {
    match job {
        Job::Lines {
            file,
            first_line,
            data,
        } => Job::Items(parse_chunk(plan, paths, file, first_line, &data)),
        other => other,
    }
}

/// Parses and screens the lines of a chunk.
fn parse_chunk(
    plan: &crate::Plan,
    paths: &[PathBuf],
    file: usize,
    first_line: u64,
    data: &[u8],
) -> Vec<(usize, u64, Item)> {
    let mut items = Vec::new();
    let mut data = data;
    let mut line = first_line;
    while !data.is_empty() {
        let (raw, rest) = match data.iter().position(|&b| b == b'\n') {
            Some(i) => (&data[..i], &data[i + 1..]),
            None => (data, &data[data.len()..]),
        };
        data = rest;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if !raw.iter().all(u8::is_ascii_whitespace) {
            items.push((
                file,
                line,
                screen_record(plan, &paths[file], line, parse_openalex(raw)),
            ));
        }
        line += 1;
    }
    items
}

fn screen_record(
    plan: &crate::Plan,
    path: &std::path::Path,
    line: u64,
    rec: Result<Work<'_>, (Option<String>, String)>,
) -> Item {
    match rec {
        Err((field, msg)) => Item::Malformed(InputError::record(path, line, field, msg)),
        Ok(w) => match screen(plan, &w) {
            Err(e) => Item::Excluded(e),
            Ok((year, weight)) => Item::Included {
                work: w.into_owned(),
                year,
                weight,
            },
        },
    }
}

fn commit(
    engine: &mut Engine<'_>,
    paths: &[PathBuf],
    job: Job,
    files: &mut Vec<InputFile>,
    on_problem: &mut impl FnMut(&InputError),
) -> Result<(), EngineError> {
    match job {
        Job::Lines { .. } => {
            let plan = engine.plan;
            return commit(
                engine,
                paths,
                parse_job(plan, paths, job),
                files,
                on_problem,
            );
        }
        Job::FileDone(f) => files.push(f),
        Job::Failed(e) => return Err(EngineError::Input(e)),
        Job::Items(items) => {
            for (file, line, item) in items {
                match item {
                    Item::Excluded(e) => engine.exclude(e),
                    Item::Malformed(e) => {
                        engine.malformed();
                        if engine.plan.strict {
                            return Err(EngineError::Input(e));
                        }
                        on_problem(&e);
                    }
                    Item::Included { work, year, weight } => {
                        engine.commit(&work, year, weight).map_err(|e| match e {
                            EngineError::Truncated { id, .. } => EngineError::Truncated {
                                file: paths[file].display().to_string(),
                                line,
                                id,
                            },
                            other => other,
                        })?
                    }
                }
            }
        }
    }
    Ok(())
}

/// Reads one file into jobs: JSON Lines as raw line-aligned chunks, CSV as
/// screened items; then the file's digest, or the error that stopped it.
/// Returns `Err` when `emit` asked to stop.
fn read_file(
    plan: &crate::Plan,
    paths: &[PathBuf],
    file: usize,
    chunk: usize,
    emit: &mut dyn FnMut(Job) -> Result<(), ()>,
) -> Result<(), ()> {
    let path = &paths[file];
    let mut opened = match Opened::open(path) {
        Ok(o) => o,
        Err(e) => return emit(Job::Failed(e)),
    };
    let head = match first_byte(&mut opened) {
        Ok(h) => h,
        Err(e) => return emit(Job::Failed(e)),
    };
    let read = match head {
        None => Ok(()),
        Some(b'{') => read_lines(&mut opened, file, chunk, emit)?,
        Some(_) => {
            let mut batch = Vec::new();
            let mut stopped = false;
            let res = read_csv_works(path, &mut opened, &mut |line, rec| {
                let item = match rec {
                    Ok(w) => screen_record(plan, path, line, Ok(w)),
                    Err(e) => Item::Malformed(e),
                };
                batch.push((file, line, item));
                if batch.len() >= 4096 && emit(Job::Items(std::mem::take(&mut batch))).is_err() {
                    stopped = true;
                    // Any error ends the CSV reader; `stopped` tells it apart.
                    return Err(InputError::NotFound {
                        pattern: String::new(),
                    });
                }
                Ok(())
            });
            if stopped {
                return Err(());
            }
            emit(Job::Items(batch))?;
            res
        }
    };
    match read.and_then(|()| opened.finish()) {
        Ok(f) => emit(Job::FileDone(f)),
        Err(e) => emit(Job::Failed(e)),
    }
}

/// Cuts JSON Lines into chunks of about `chunk` bytes that end at a line end.
fn read_lines(
    opened: &mut Opened,
    file: usize,
    chunk: usize,
    emit: &mut dyn FnMut(Job) -> Result<(), ()>,
) -> Result<Result<(), InputError>, ()> {
    let mut carry: Vec<u8> = Vec::new();
    let mut first_line = 1u64;
    loop {
        let mut buf = std::mem::take(&mut carry);
        let mut eof = false;
        let mut has_newline = false;
        // Read until the chunk holds at least one line end, or the file ends.
        loop {
            let want = chunk.saturating_sub(buf.len()).max(64 * 1024);
            let before = buf.len();
            match (&mut *opened).take(want as u64).read_to_end(&mut buf) {
                Ok(n) if n < want => eof = true,
                Ok(_) => {}
                Err(source) => {
                    return Ok(Err(InputError::Io {
                        path: opened.path().to_path_buf(),
                        source,
                    }))
                }
            }
            // The carry holds no line end (it is what follows the last one).
            has_newline = has_newline || buf[before..].contains(&b'\n');
            if eof || (buf.len() >= chunk && has_newline) {
                break;
            }
        }
        if !eof {
            let cut = buf
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(buf.len(), |i| i + 1);
            carry = buf.split_off(cut);
        }
        let lines = buf.iter().filter(|&&b| b == b'\n').count() as u64;
        if !buf.is_empty() {
            emit(Job::Lines {
                file,
                first_line,
                data: buf,
            })?;
        }
        first_line += lines;
        if eof {
            return Ok(Ok(()));
        }
    }
}
