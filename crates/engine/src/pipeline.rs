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
//! At most a fixed number of chunks are in flight between the reader and
//! the counting thread ([`Slots`]), so memory stays flat however large the
//! input and whatever the timing of the threads.

use crate::{screen, Engine, EngineError, Exclusion};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Condvar, Mutex};
use tally_ingest::fast::{scan_openalex_screened, WorkArena};
use tally_ingest::files::{first_byte, Opened};
use tally_ingest::works::{parse_openalex, read_csv_works};
use tally_ingest::{ArenaWork, InputError, InputFile, Work};

/// Called as works are counted, with the bytes of input (on disk) and the
/// works read since the previous call.
pub type Progress = std::sync::Arc<dyn Fn(u64, u64) + Send + Sync>;

/// How to read.
#[derive(Clone)]
pub struct ReadOptions {
    /// Threads: 1 reads, parses and counts on the calling thread; more adds a
    /// reader thread and `threads` parsing workers.
    pub threads: usize,
    /// Target size of a chunk of JSON Lines handed to a worker.
    pub chunk_bytes: usize,
    /// Progress reports, if wanted.
    pub progress: Option<Progress>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            chunk_bytes: 1 << 20,
            progress: None,
        }
    }
}

/// One record, screened: what the committer needs of it.
enum Item {
    Excluded(Exclusion),
    Malformed(InputError),
    /// A work the fast scanner left to serde_json (or from CSV).
    Included {
        work: Work<'static>,
        year: i32,
        weight: f64,
    },
    /// A work in the job's arena.
    InArena {
        index: u32,
        year: i32,
        weight: f64,
    },
}

/// A unit of work, numbered in input order.
enum Job {
    /// Raw JSON Lines of file `file` (line numbers are counted when parsed).
    Lines {
        file: usize,
        chunk: Chunk,
        /// Bytes read from disk for this chunk.
        disk: u64,
    },
    /// Records already screened.
    Items {
        items: Items,
        /// Holds the fast-path records.
        arena: WorkArena,
        /// For JSON Lines, `(file, lines)`: the items' line numbers count
        /// from the chunk's start, and the chunk holds `lines` lines.
        relative: Option<(usize, u64)>,
        /// Bytes read from disk for these records.
        disk: u64,
        /// Bytes of [`Slots`] the chunk holds.
        held: usize,
    },
    /// A file was read to its end.
    FileDone(InputFile),
    /// A file could not be read.
    Failed(InputError),
}

type Numbered = (u64, Job);

impl Job {
    /// Bytes of the in-flight budget the job takes.
    fn held(&self) -> usize {
        match self {
            Job::Lines { chunk, .. } => chunk.len,
            Job::Items { held, .. } => *held,
            Job::FileDone(_) | Job::Failed(_) => 0,
        }
    }
}

/// Whole lines of input: `data[..len]` of a pooled buffer. (Memory-mapping
/// plain files was tried: no faster than reading into pooled buffers, and
/// the mapped pages made peak RSS grow with the file size.)
struct Chunk {
    data: Vec<u8>,
    len: usize,
}

impl Chunk {
    fn bytes(&self) -> &[u8] {
        &self.data[..self.len]
    }
}

/// Chunk buffers go back from the parsers to the reader, so that each is
/// allocated (and zeroed) once, not once per chunk.
struct Pool {
    tx: SyncSender<Vec<u8>>,
    rx: Mutex<Receiver<Vec<u8>>>,
    chunk: usize,
    /// Arenas and item lists, back from the counting thread to the parsers.
    parsed_tx: SyncSender<Parsed>,
    parsed_rx: Mutex<Receiver<Parsed>>,
}

type Items = Vec<(usize, u64, Item)>;
type Parsed = (WorkArena, Items);

/// A budget of bytes in flight: the reader takes a chunk's size from it
/// before it hands the chunk out, the counting thread gives it back once
/// the chunk is counted. A chunk larger than the whole budget (one very
/// long line) goes when nothing else is in flight. So the input held in
/// memory is bounded by the budget, not by the input's size or by how the
/// threads happen to run. Closing it releases a reader that waits.
struct Slots {
    /// Bytes in flight, and whether the counting thread has stopped.
    state: Mutex<(usize, bool)>,
    budget: usize,
    freed: Condvar,
}

impl Slots {
    fn new(budget: usize) -> Slots {
        Slots {
            state: Mutex::new((0, false)),
            budget,
            freed: Condvar::new(),
        }
    }

    /// Waits until `bytes` fit in the budget; `false` once closed.
    fn acquire(&self, bytes: usize) -> bool {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while st.0 > 0 && st.0 + bytes > self.budget && !st.1 {
            st = self.freed.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        if st.1 {
            return false;
        }
        st.0 += bytes;
        true
    }

    fn release(&self, bytes: usize) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.0 = st.0.saturating_sub(bytes);
        drop(st);
        self.freed.notify_one();
    }

    fn close(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).1 = true;
        self.freed.notify_all();
    }
}

/// Room for a chunk, its carry and reads past the target size.
fn buffer_size(chunk: usize) -> usize {
    chunk + (64 << 10)
}

impl Pool {
    fn new(size: usize, chunk: usize) -> Pool {
        let (tx, rx) = sync_channel(size);
        let (parsed_tx, parsed_rx) = sync_channel(size);
        Pool {
            tx,
            rx: Mutex::new(rx),
            chunk,
            parsed_tx,
            parsed_rx: Mutex::new(parsed_rx),
        }
    }

    /// An empty arena and item list, reused when one came back.
    fn parsed(&self) -> Parsed {
        self.parsed_rx
            .lock()
            .ok()
            .and_then(|rx| rx.try_recv().ok())
            .unwrap_or_default()
    }

    /// Gives an arena and item list back (emptied), unless the pool is full
    /// or the arena grew for a very large work (keeping those would let
    /// memory creep up with the input, as more of them turn up).
    fn put_parsed(&self, (mut arena, mut items): Parsed) {
        // A chunk's arena usually needs 3 to 5 % of the chunk's size.
        if arena.capacity_bytes() > self.chunk / 16 {
            return;
        }
        arena.clear();
        items.clear();
        let _ = self.parsed_tx.try_send((arena, items));
    }

    fn get(&self, len: usize) -> Vec<u8> {
        let recycled = self.rx.lock().ok().and_then(|rx| rx.try_recv().ok());
        match recycled {
            Some(b) if b.len() >= len => b,
            Some(small) => {
                self.put(small);
                vec![0; len]
            }
            None => vec![0; len],
        }
    }

    /// Takes a buffer back, unless it grew for a very long line: keeping
    /// those would let memory creep up with the input (the longer the input,
    /// the more of them there would be).
    fn put(&self, buf: Vec<u8>) {
        if buf.len() == buffer_size(self.chunk) {
            let _ = self.tx.try_send(buf);
        }
    }
}

pub(crate) fn read(
    engine: &mut Engine<'_>,
    paths: &[PathBuf],
    opts: &ReadOptions,
    mut on_problem: impl FnMut(&InputError),
) -> Result<Vec<InputFile>, EngineError> {
    let plan = engine.plan;
    let chunk = opts.chunk_bytes.max(1);
    if opts.threads <= 1 {
        let pool = Pool::new(2, chunk);
        let mut out = Committed::new(paths.len(), opts.progress.as_ref(), &pool);
        for file in 0..paths.len() {
            let mut failure = None;
            let _ = read_file(plan, paths, file, chunk, &pool, &mut |job| {
                let job = parse_job(plan, paths, job, &pool);
                commit(engine, paths, job, &mut out, &mut on_problem).map_err(|e| {
                    failure = Some(e);
                })
            });
            if let Some(e) = failure {
                return Err(e);
            }
        }
        return Ok(out.files);
    }
    let workers = opts.threads;
    // Enough chunks in flight to keep every parser busy while the counting
    // thread works through the previous ones; no more.
    let in_flight = workers + 2;
    let pool = Pool::new(in_flight + 1, chunk);
    let pool = &pool;
    let slots = Slots::new(in_flight * chunk);
    let slots = &slots;
    std::thread::scope(|s| {
        let (job_tx, job_rx) = sync_channel::<Numbered>(2 * workers);
        let (done_tx, done_rx) = sync_channel::<Numbered>(2 * workers);
        let reader = std::thread::Builder::new().name("tally-read".into());
        let spawned = reader.spawn_scoped(s, move || {
            let mut seq = 0u64;
            for file in 0..paths.len() {
                let sent = read_file(plan, paths, file, chunk, pool, &mut |job| {
                    if !slots.acquire(job.held()) {
                        return Err(());
                    }
                    seq += 1;
                    job_tx.send((seq - 1, job)).map_err(|_| ())
                });
                if sent.is_err() {
                    break;
                }
            }
        });
        if let Err(e) = spawned {
            return Err(EngineError::Input(InputError::Io {
                path: PathBuf::from("(reader thread)"),
                source: e,
            }));
        }
        let job_rx = Arc::new(Mutex::new(job_rx));
        for k in 0..workers {
            let rx = Arc::clone(&job_rx);
            let tx = done_tx.clone();
            let parser = std::thread::Builder::new().name(format!("tally-parse-{k}"));
            if let Err(e) = parser.spawn_scoped(s, move || work(plan, paths, &rx, &tx, pool)) {
                return Err(EngineError::Input(InputError::Io {
                    path: PathBuf::from("(parser thread)"),
                    source: e,
                }));
            }
        }
        // Only the workers hold the queue now: when they stop, the reader stops.
        drop(job_rx);
        drop(done_tx);
        let mut out = Committed::new(paths.len(), opts.progress.as_ref(), pool);
        out.slots = Some(slots);
        let counted = commit_in_order(engine, paths, done_rx, &mut out, &mut on_problem);
        slots.close();
        counted.map(|()| out.files)
    })
}

fn work(
    plan: &crate::Plan,
    paths: &[PathBuf],
    rx: &Mutex<Receiver<Numbered>>,
    tx: &SyncSender<Numbered>,
    pool: &Pool,
) {
    loop {
        let next = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
        let Ok((seq, job)) = next else { return };
        if tx.send((seq, parse_job(plan, paths, job, pool))).is_err() {
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
    out: &mut Committed<'_>,
    on_problem: &mut impl FnMut(&InputError),
) -> Result<(), EngineError> {
    let mut pending = BTreeMap::new();
    let mut next = 0u64;
    for (seq, job) in done_rx.iter() {
        pending.insert(seq, job);
        while let Some(job) = pending.remove(&next) {
            next += 1;
            commit(engine, paths, job, out, on_problem)?;
        }
    }
    Ok(())
}

/// What the counting thread keeps across jobs.
struct Committed<'a> {
    /// Files read to their end, in order.
    files: Vec<InputFile>,
    /// Per file, the lines of the jobs committed so far (chunk line numbers
    /// count from the chunk's start).
    lines: Vec<u64>,
    progress: Option<&'a Progress>,
    pool: &'a Pool,
    /// Given back after each chunk is counted (with several threads).
    slots: Option<&'a Slots>,
}

impl<'a> Committed<'a> {
    fn new(files: usize, progress: Option<&'a Progress>, pool: &'a Pool) -> Self {
        Committed {
            files: Vec::new(),
            lines: vec![0; files],
            progress,
            pool,
            slots: None,
        }
    }
}

fn parse_job(plan: &crate::Plan, paths: &[PathBuf], job: Job, pool: &Pool) -> Job {
    match job {
        Job::Lines { file, chunk, disk } => {
            let (mut arena, mut items) = pool.parsed();
            let lines = parse_chunk(plan, paths, file, chunk.bytes(), &mut arena, &mut items);
            pool.put(chunk.data);
            Job::Items {
                items,
                arena,
                relative: Some((file, lines)),
                disk,
                held: chunk.len,
            }
        }
        other => other,
    }
}

/// Parses and screens the lines of a chunk: the fast scanner into the
/// arena, serde_json for what it leaves.
fn parse_chunk(
    plan: &crate::Plan,
    paths: &[PathBuf],
    file: usize,
    data: &[u8],
    arena: &mut WorkArena,
    items: &mut Items,
) -> u64 {
    let mut data = data;
    let mut line = 1u64;
    while !data.is_empty() {
        let (raw, rest) = match memchr::memchr(b'\n', data) {
            Some(i) => (&data[..i], &data[i + 1..]),
            None => (data, &data[data.len()..]),
        };
        data = rest;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if !raw.iter().all(u8::is_ascii_whitespace) {
            let mark = arena.mark_now();
            // The early screen's verdict, when it made the scanner skip the
            // authorships (it saw every field the screen reads).
            let mut excluded_early = None;
            let scanned = scan_openalex_screened(raw, arena, &mut |a, rec| {
                excluded_early = screen(plan, &ArenaWork { arena: a, rec }).err();
                excluded_early.is_some()
            });
            let item = match (scanned, excluded_early) {
                (Ok(()), Some(e)) => {
                    arena.pop_last(mark);
                    Item::Excluded(e)
                }
                (Ok(()), None) => {
                    let index = arena.works.len() - 1;
                    let w = ArenaWork {
                        arena,
                        rec: &arena.works[index],
                    };
                    match screen(plan, &w) {
                        Ok((year, weight)) => Item::InArena {
                            index: index as u32,
                            year,
                            weight,
                        },
                        Err(e) => {
                            arena.pop_last(mark);
                            Item::Excluded(e)
                        }
                    }
                }
                (Err(_), _) => screen_record(plan, &paths[file], line, parse_openalex(raw)),
            };
            items.push((file, line, item));
        }
        line += 1;
    }
    line - 1
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

/// Commits one job, in input order.
fn commit(
    engine: &mut Engine<'_>,
    paths: &[PathBuf],
    job: Job,
    out: &mut Committed<'_>,
    on_problem: &mut impl FnMut(&InputError),
) -> Result<(), EngineError> {
    match job {
        Job::Lines { .. } => {
            let plan = engine.plan;
            let parsed = parse_job(plan, paths, job, out.pool);
            return commit(engine, paths, parsed, out, on_problem);
        }
        Job::FileDone(f) => out.files.push(f),
        Job::Failed(e) => return Err(EngineError::Input(e)),
        Job::Items {
            items,
            arena,
            relative,
            disk,
            held,
        } => {
            if let Some(p) = out.progress {
                p(disk, items.len() as u64);
            }
            let base = match relative {
                Some((f, n)) => {
                    let base = out.lines[f];
                    out.lines[f] += n;
                    base
                }
                None => 0,
            };
            let mut items = items;
            for (file, line, mut item) in items.drain(..) {
                let line = line + base;
                if let Item::Malformed(InputError::Record { at, .. }) = &mut item {
                    at.line += base;
                }
                match item {
                    Item::Excluded(e) => engine.exclude(e),
                    Item::Malformed(e) => {
                        engine.malformed();
                        if engine.plan.strict {
                            return Err(EngineError::Input(e));
                        }
                        on_problem(&e);
                    }
                    Item::Included { work, year, weight } => engine
                        .commit(&work, year, weight)
                        .map_err(|e| locate(e, paths, file, line))?,
                    Item::InArena {
                        index,
                        year,
                        weight,
                    } => {
                        let w = ArenaWork {
                            arena: &arena,
                            rec: &arena.works[index as usize],
                        };
                        engine
                            .commit(&w, year, weight)
                            .map_err(|e| locate(e, paths, file, line))?
                    }
                }
            }
            out.pool.put_parsed((arena, items));
            if let Some(slots) = out.slots {
                slots.release(held);
            }
        }
    }
    Ok(())
}

/// Puts the file and line into a truncated-author-list error.
fn locate(e: EngineError, paths: &[PathBuf], file: usize, line: u64) -> EngineError {
    match e {
        EngineError::Truncated { id, .. } => EngineError::Truncated {
            file: paths[file].display().to_string(),
            line,
            id,
        },
        other => other,
    }
}

/// Reads one file into jobs: JSON Lines as raw line-aligned chunks, CSV as
/// screened items; then the file's digest, or the error that stopped it.
/// Returns `Err` when `emit` asked to stop.
fn read_file(
    plan: &crate::Plan,
    paths: &[PathBuf],
    file: usize,
    chunk: usize,
    pool: &Pool,
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
        Some(b'{') => read_lines(&mut opened, file, chunk, pool, emit)?,
        Some(_) => {
            let mut batch = Vec::new();
            let mut stopped = false;
            let res = read_csv_works(path, &mut opened, &mut |line, rec| {
                let item = match rec {
                    Ok(w) => screen_record(plan, path, line, Ok(w)),
                    Err(e) => Item::Malformed(e),
                };
                batch.push((file, line, item));
                if batch.len() >= 4096
                    && emit(Job::Items {
                        items: std::mem::take(&mut batch),
                        arena: WorkArena::default(),
                        relative: None,
                        disk: 0,
                        held: chunk,
                    })
                    .is_err()
                {
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
            let disk = opened.raw_bytes();
            emit(Job::Items {
                items: batch,
                arena: WorkArena::default(),
                relative: None,
                disk,
                held: chunk,
            })?;
            res
        }
    };
    match read.and_then(|()| opened.finish()) {
        Ok(f) => emit(Job::FileDone(f)),
        Err(e) => emit(Job::Failed(e)),
    }
}

/// Cuts JSON Lines into chunks of about `chunk` bytes that end at a line end.
/// What follows the last line end of a chunk is copied to the start of the
/// next buffer.
fn read_lines(
    opened: &mut Opened,
    file: usize,
    chunk: usize,
    pool: &Pool,
    emit: &mut dyn FnMut(Job) -> Result<(), ()>,
) -> Result<Result<(), InputError>, ()> {
    let mut reported = 0u64;
    let mut buf = pool.get(buffer_size(chunk));
    // Bytes of `buf` filled; the first ones may be carried from the last chunk.
    let mut filled = 0;
    loop {
        let mut eof = false;
        // The carried bytes hold no line end.
        let mut has_newline = false;
        // Read until the chunk is full and holds a line end, or the file ends.
        loop {
            if filled == buf.len() {
                // A very long line: grow in small steps, so that memory
                // follows the line's length closely (the pool will not keep
                // this buffer).
                buf.resize(buf.len() + (256 << 10), 0);
            }
            let n = match opened.read(&mut buf[filled..]) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Ok(Err(InputError::Io {
                        path: opened.path().to_path_buf(),
                        source,
                    }))
                }
            };
            if n == 0 {
                eof = true;
                break;
            }
            // From the end: a line end, if any, is usually near it.
            has_newline = has_newline || memchr::memrchr(b'\n', &buf[filled..filled + n]).is_some();
            filled += n;
            if filled >= chunk && has_newline {
                break;
            }
        }
        let cut = if eof {
            filled
        } else {
            memchr::memrchr(b'\n', &buf[..filled]).map_or(filled, |i| i + 1)
        };
        let tail = filled - cut;
        let mut next = pool.get(buffer_size(chunk).max(tail + (64 << 10)));
        next[..tail].copy_from_slice(&buf[cut..filled]);
        if cut > 0 {
            let now = opened.raw_bytes();
            emit(Job::Lines {
                file,
                chunk: Chunk {
                    data: buf,
                    len: cut,
                },
                disk: now - reported,
            })?;
            reported = now;
        } else {
            pool.put(buf);
        }
        if eof {
            pool.put(next);
            return Ok(Ok(()));
        }
        buf = next;
        filled = tail;
    }
}
