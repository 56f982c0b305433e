//! Bytes to ordered batches: [`read_works`] opens the works files, tells
//! their formats apart, decompresses, cuts JSON Lines into line-aligned
//! chunks, parses and screens them on worker threads, and hands the
//! batches back *in input order*, so that whoever counts them sees the same
//! sequence (and the same line numbers and warnings) for every thread
//! count.
//!
//! With `threads > 1`, reader threads each take the next file in turn
//! (several compressed files inflate at once) and cut it into chunks;
//! parser threads parse chunks into [`WorkBatch`]es; the caller's thread,
//! in [`WorkReader::next`], puts them back in order. A budget of bytes in
//! flight ([`Budget`]) bounds memory whatever the input's size and the
//! threads' timing: a batch gives its bytes back when it is delivered. The
//! file being delivered has a reserve of its own, so readers ahead on later
//! files can never starve it.
//!
//! With `threads == 1` everything happens on the caller's thread, one chunk
//! per call.

use crate::batch::{Arena, Item, Lease, Outcome, WorkBatch};
use crate::csv_works::CsvWorks;
use crate::error::RecordError;
use crate::files::{Content, Opened};
use crate::filter::Filter;
use crate::json::GiveUp;
use crate::openalex::{self, Scanned};
use crate::{InputError, InputFile};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

/// Called as batches are delivered, with the bytes of input (on disk) and
/// the records they hold.
pub type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// How to read.
#[derive(Clone)]
pub struct ReadOptions {
    /// 1: read, parse and deliver on the calling thread. More: this many
    /// parser threads, and reader threads that each take the next file in
    /// turn: one for plain files, one per gzipped file up to this many.
    pub threads: usize,
    /// Target size of a chunk of JSON Lines handed to a parser.
    pub chunk_bytes: usize,
    /// Progress reports, if wanted.
    pub progress: Option<Progress>,
    /// Files that were found (in a directory or by a glob) rather than
    /// named: one whose first record shows it is not works is skipped and
    /// listed in [`WorkReader::skipped`], where a named one is an error.
    pub found: std::collections::HashSet<PathBuf>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            chunk_bytes: 1 << 20,
            progress: None,
            found: Default::default(),
        }
    }
}

impl std::fmt::Debug for ReadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadOptions")
            .field("threads", &self.threads)
            .field("chunk_bytes", &self.chunk_bytes)
            .finish_non_exhaustive()
    }
}

/// CSV records per batch.
const CSV_BATCH: usize = 4096;

/// Reads works files (already expanded, see [`crate::expand_inputs`]) in
/// order, screening every work with `filter`.
pub fn read_works(
    files: Vec<PathBuf>,
    filter: Arc<Filter>,
    opts: &ReadOptions,
) -> Result<WorkReader, InputError> {
    let chunk = opts.chunk_bytes.max(1);
    let workers = opts.threads.max(1);
    let readers = reader_threads(&files, workers);
    let in_flight = workers + 2;
    let found = files.iter().map(|f| opts.found.contains(f)).collect();
    let ctx = Arc::new(Ctx {
        found,
        paths: files.into(),
        filter,
        chunk,
        pool: Pool::new(in_flight + readers + 1, chunk, in_flight * chunk, 2 * chunk),
    });
    let n = ctx.paths.len();
    let mut reader = WorkReader {
        skipped: Vec::new(),
        ctx: Arc::clone(&ctx),
        mode: Mode::Inline(Inline {
            file: 0,
            source: None,
        }),
        files: Vec::new(),
        lines: vec![0; n],
        progress: opts.progress.clone(),
        finished: false,
    };
    if opts.threads <= 1 {
        return Ok(reader);
    }
    let spawn_error = |source| InputError::Io {
        path: PathBuf::from("(thread)"),
        source,
    };
    let (job_tx, job_rx) = sync_channel::<(Key, Msg)>(2 * workers);
    let (done_tx, done_rx) = sync_channel::<(Key, Msg)>(2 * workers);
    let next_file = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    // Set up before any thread can fail to start, so that `Drop` stops them.
    reader.mode = Mode::Threaded(Threaded {
        rx: Some(done_rx),
        pending: BTreeMap::new(),
        file: 0,
        seq: 0,
        handles: Vec::new(),
    });
    for k in 0..readers {
        let (ctx, tx, next) = (Arc::clone(&ctx), job_tx.clone(), Arc::clone(&next_file));
        let h = std::thread::Builder::new()
            .name(format!("tally-read-{k}"))
            .spawn(move || read_files(&ctx, &next, &tx))
            .map_err(spawn_error)?;
        handles.push(h);
    }
    drop(job_tx);
    let job_rx = Arc::new(Mutex::new(job_rx));
    for k in 0..workers {
        let (ctx, rx, tx) = (Arc::clone(&ctx), Arc::clone(&job_rx), done_tx.clone());
        let h = std::thread::Builder::new()
            .name(format!("tally-parse-{k}"))
            .spawn(move || parse_jobs(&ctx, &rx, &tx))
            .map_err(spawn_error)?;
        handles.push(h);
    }
    if let Mode::Threaded(t) = &mut reader.mode {
        t.handles = handles;
    }
    Ok(reader)
}

/// Reader threads for these files: reading a plain file costs a copy, and
/// one reader keeps up; inflating costs more than parsing, so gzipped files
/// get one reader each, up to the thread count, and inflate side by side.
fn reader_threads(files: &[PathBuf], threads: usize) -> usize {
    let compressed = files.iter().filter(|p| crate::files::is_gzip(p)).count();
    threads.min(compressed).max(1)
}

/// What every thread shares.
struct Ctx {
    paths: Arc<[PathBuf]>,
    filter: Arc<Filter>,
    chunk: usize,
    pool: Arc<Pool>,
    /// Per file: found, not named (see [`ReadOptions::found`]).
    found: Vec<bool>,
}

/// Batches of works in input order; see [`read_works`]. Stops at the
/// first error (a file that cannot be read, or is not works). Dropping it
/// early stops every thread.
pub struct WorkReader {
    ctx: Arc<Ctx>,
    mode: Mode,
    files: Vec<InputFile>,
    /// Found files skipped as not works, and why.
    skipped: Vec<(PathBuf, String)>,
    /// Per file, the lines delivered so far.
    lines: Vec<u64>,
    progress: Option<Progress>,
    finished: bool,
}

impl std::fmt::Debug for WorkReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkReader")
            .field("files", &self.ctx.paths.len())
            .field("done", &self.files.len())
            .finish_non_exhaustive()
    }
}

enum Mode {
    Inline(Inline),
    Threaded(Threaded),
}

struct Inline {
    file: usize,
    source: Option<Box<Source>>,
}

struct Threaded {
    rx: Option<Receiver<(Key, Msg)>>,
    /// Arrived out of order.
    pending: BTreeMap<Key, Msg>,
    /// The next message to deliver: file, and sequence number within it.
    file: usize,
    seq: u64,
    handles: Vec<JoinHandle<()>>,
}

/// A message's place in the input: file, then sequence within the file.
type Key = (usize, u64);

/// What a file yields, chunk after chunk.
enum Piece {
    /// Raw JSON Lines, to parse.
    Lines(Chunk),
    /// Parsed records (CSV is parsed as it is read).
    Batch(WorkBatch),
}

impl Piece {
    /// The piece's records: JSON Lines are parsed here, on whichever
    /// thread holds the piece.
    fn into_batch(self, ctx: &Ctx) -> WorkBatch {
        match self {
            Piece::Lines(chunk) => parse_chunk(ctx, chunk),
            Piece::Batch(b) => b,
        }
    }
}

/// What goes from the readers through the parsers to the deliverer.
enum Msg {
    /// A piece of a file (the parsers turn lines into a batch).
    Piece(Piece),
    /// The file was read to its end.
    Done(InputFile),
    /// The file could not be read; nothing of it follows.
    Failed(InputError),
    /// A found file that is not works, skipped: what it holds.
    Skipped(String),
}

/// Whole lines of input: `data[..len]` of a pooled buffer.
struct Chunk {
    file: usize,
    data: Vec<u8>,
    len: usize,
    disk: u64,
    lease: Lease,
}

impl WorkReader {
    /// The files read to their end so far, in input order, with digests.
    pub fn files(&self) -> &[InputFile] {
        &self.files
    }

    /// The files read, once the reader is exhausted.
    pub fn into_files(mut self) -> Vec<InputFile> {
        std::mem::take(&mut self.files)
    }

    /// Found files skipped because their first record is not a work (see
    /// [`ReadOptions::found`]), in input order, with what they hold.
    pub fn skipped(&self) -> &[(PathBuf, String)] {
        &self.skipped
    }

    /// Hands a batch out: its bytes go back to the budget (the caller's
    /// batches are its own to keep), its lines become absolute.
    fn deliver(&mut self, mut batch: WorkBatch) -> WorkBatch {
        self.ctx
            .pool
            .budget
            .release(std::mem::take(&mut batch.lease));
        let f = batch.file;
        let n = batch.rebase(self.lines[f]);
        self.lines[f] += n;
        if let Some(p) = &self.progress {
            p(batch.disk_bytes, batch.items.len() as u64);
        }
        batch
    }

    fn next_inline(&mut self) -> Option<Result<WorkBatch, InputError>> {
        let Mode::Inline(st) = &mut self.mode else {
            return None;
        };
        let ctx = &self.ctx;
        loop {
            if st.source.is_none() {
                if st.file == ctx.paths.len() {
                    return None;
                }
                match Source::open(ctx, st.file) {
                    Ok(s) => st.source = Some(Box::new(s)),
                    Err(e) => return Some(Err(e)),
                }
            }
            let Some(source) = st.source.as_mut() else {
                continue;
            };
            match source.next(ctx, st.file) {
                Ok(Some(piece)) => {
                    let batch = piece.into_batch(ctx);
                    return Some(Ok(self.deliver(batch)));
                }
                Ok(None) => {
                    let Some(done) = st.source.take() else {
                        continue;
                    };
                    if let Source::Skipped(path, why) = *done {
                        self.skipped.push((path, why));
                    } else {
                        match done.finish() {
                            Ok(f) => self.files.push(f),
                            Err(e) => return Some(Err(e)),
                        }
                    }
                    st.file += 1;
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }

    fn next_threaded(&mut self) -> Option<Result<WorkBatch, InputError>> {
        let n = self.ctx.paths.len();
        loop {
            let Mode::Threaded(t) = &mut self.mode else {
                return None;
            };
            if t.file == n {
                return None;
            }
            let key = (t.file, t.seq);
            let msg = match t.pending.remove(&key) {
                Some(m) => m,
                None => {
                    let got = t.rx.as_ref().map(|rx| rx.recv());
                    match got {
                        Some(Ok((k, m))) if k == key => m,
                        Some(Ok((k, m))) => {
                            t.pending.insert(k, m);
                            continue;
                        }
                        _ => {
                            let path = self.ctx.paths[t.file].clone();
                            return Some(Err(InputError::Io {
                                path,
                                source: std::io::Error::other("a reading thread stopped"),
                            }));
                        }
                    }
                }
            };
            t.seq += 1;
            match msg {
                Msg::Piece(p) => {
                    // The parsers have parsed it: no work is left here.
                    let b = p.into_batch(&self.ctx);
                    return Some(Ok(self.deliver(b)));
                }
                Msg::Done(f) => {
                    self.files.push(f);
                    t.file += 1;
                    t.seq = 0;
                    self.ctx.pool.budget.set_head(t.file);
                }
                Msg::Failed(e) => return Some(Err(e)),
                Msg::Skipped(why) => {
                    self.skipped.push((self.ctx.paths[t.file].clone(), why));
                    t.file += 1;
                    t.seq = 0;
                    self.ctx.pool.budget.set_head(t.file);
                }
            }
        }
    }

    fn stop(&mut self) {
        self.ctx.pool.budget.close();
        if let Mode::Threaded(t) = &mut self.mode {
            // Dropping the receiver unblocks the parsers, and through them
            // the readers.
            t.rx = None;
            t.pending.clear();
            for h in t.handles.drain(..) {
                let _ = h.join();
            }
        }
    }
}

impl Iterator for WorkReader {
    type Item = Result<WorkBatch, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let next = match self.mode {
            Mode::Inline(_) => self.next_inline(),
            Mode::Threaded(_) => self.next_threaded(),
        };
        if !matches!(next, Some(Ok(_))) {
            self.finished = true;
            self.stop();
        }
        next
    }
}

impl Drop for WorkReader {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A reader thread: takes the next file in turn and sends it, chunk by
/// chunk, numbered within the file, then its digest or its error.
fn read_files(ctx: &Ctx, next: &AtomicUsize, tx: &SyncSender<(Key, Msg)>) {
    loop {
        let file = next.fetch_add(1, Ordering::Relaxed);
        if file >= ctx.paths.len() {
            return;
        }
        let mut seq = 0u64;
        let mut send = |msg: Msg| {
            seq += 1;
            tx.send(((file, seq - 1), msg)).is_ok()
        };
        let mut source = match Source::open(ctx, file) {
            Ok(s) => s,
            Err(e) => {
                send(Msg::Failed(e));
                return;
            }
        };
        loop {
            match source.next(ctx, file) {
                Ok(Some(piece)) => {
                    if !send(Msg::Piece(piece)) {
                        return;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    send(Msg::Failed(e));
                    return;
                }
            }
            if ctx.pool.budget.is_closed() {
                return;
            }
        }
        let end = match source {
            Source::Skipped(_, why) => Msg::Skipped(why),
            other => match other.finish() {
                Ok(f) => Msg::Done(f),
                Err(e) => Msg::Failed(e),
            },
        };
        if !send(end) {
            return;
        }
    }
}

/// A parser thread: parses chunks into batches, passes everything on.
fn parse_jobs(ctx: &Ctx, rx: &Mutex<Receiver<(Key, Msg)>>, tx: &SyncSender<(Key, Msg)>) {
    loop {
        let next = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
        let Ok((key, msg)) = next else { return };
        let msg = match msg {
            Msg::Piece(p) => Msg::Piece(Piece::Batch(p.into_batch(ctx))),
            other => other,
        };
        if tx.send((key, msg)).is_err() {
            return;
        }
    }
}

/// One open works file.
#[allow(clippy::large_enum_variant)] // one per open file, never moved in a loop
enum Source {
    Empty(Opened),
    Lines(Lines),
    Csv(CsvWorks),
    /// A found file that is not works: its path, and what it holds.
    Skipped(PathBuf, String),
}

impl Source {
    fn open(ctx: &Ctx, file: usize) -> Result<Source, InputError> {
        let path = &ctx.paths[file];
        let mut opened = Opened::open(path)?;
        Ok(match opened.content()? {
            Content::Empty => Source::Empty(opened),
            Content::JsonLines => {
                let kind = opened.first_record()?;
                if let Some(message) = kind.not_works() {
                    if ctx.found[file] {
                        return Ok(Source::Skipped(path.clone(), message));
                    }
                    return Err(InputError::Format {
                        path: path.clone(),
                        message,
                    });
                }
                Source::Lines(Lines {
                opened,
                buf: None,
                filled: 0,
                reported: 0,
                eof: false,
                trailing_reported: false,
            })
            }
            Content::JsonArray => {
                return Err(InputError::Format {
                    path: path.clone(),
                    message: "a JSON array, not works: works are JSON Lines (one OpenAlex work per line) or a tidy CSV".into(),
                })
            }
            Content::Csv => Source::Csv(CsvWorks::new(path, opened)?),
        })
    }

    /// The next chunk or batch of the file; `None` at its end.
    fn next(&mut self, ctx: &Ctx, file: usize) -> Result<Option<Piece>, InputError> {
        match self {
            Source::Empty(_) | Source::Skipped(..) => Ok(None),
            Source::Lines(l) => match l.next(ctx, file)? {
                Some(chunk) => Ok(Some(Piece::Lines(chunk))),
                None => Ok(l.trailing(ctx, file).map(Piece::Batch)),
            },
            Source::Csv(c) => {
                let mut batch = WorkBatch::new(Arc::clone(&ctx.paths), file);
                let before = c.raw_bytes();
                let more = c.fill(&mut batch, &ctx.filter, CSV_BATCH);
                batch.disk_bytes = c.raw_bytes() - before;
                if batch.items.is_empty() && !more {
                    return Ok(None);
                }
                if let Some(lease) = ctx.pool.budget.acquire(file, ctx.chunk) {
                    batch.lease = lease;
                }
                batch.home = Some(Arc::clone(&ctx.pool) as _);
                Ok(Some(Piece::Batch(batch)))
            }
        }
    }

    /// Reads what is left of the file for its digest.
    fn finish(self) -> Result<InputFile, InputError> {
        match self {
            Source::Empty(o) => o.finish(),
            Source::Lines(l) => l.opened.finish(),
            Source::Csv(c) => c.into_opened().finish(),
            // Not read: it is listed as skipped, not among the files read.
            Source::Skipped(path, message) => Err(InputError::Format { path, message }),
        }
    }
}

/// Cuts JSON Lines into chunks of about `chunk` bytes that end at a line
/// end; what follows the last line end is carried into the next buffer.
struct Lines {
    opened: Opened,
    /// The next chunk's buffer, holding the carried bytes (no line end).
    buf: Option<Vec<u8>>,
    filled: usize,
    /// Disk bytes reported with earlier chunks.
    reported: u64,
    eof: bool,
    /// Data after the last gzip member was reported.
    trailing_reported: bool,
}

impl Lines {
    /// Once the file's content is read: data after its last gzip member, as
    /// one malformed record (once).
    fn trailing(&mut self, ctx: &Ctx, file: usize) -> Option<WorkBatch> {
        let at = self.opened.trailing()?;
        if std::mem::replace(&mut self.trailing_reported, true) {
            return None;
        }
        let err = crate::files::trailing_error(self.opened.path(), at);
        let mut batch = WorkBatch::new(Arc::clone(&ctx.paths), file);
        // Line 0: about the file, not one of its lines.
        batch.push(0, Outcome::Malformed(err));
        Some(batch)
    }
}

/// Room for a chunk, its carry and reads past the target size.
fn buffer_size(chunk: usize) -> usize {
    chunk + (64 << 10)
}

impl Lines {
    fn next(&mut self, ctx: &Ctx, file: usize) -> Result<Option<Chunk>, InputError> {
        let pool = &ctx.pool;
        let chunk = ctx.chunk;
        loop {
            if self.eof && self.filled == 0 {
                if let Some(b) = self.buf.take() {
                    pool.put(b);
                }
                return Ok(None);
            }
            let mut buf = match self.buf.take() {
                Some(b) => b,
                None => pool.get(buffer_size(chunk)),
            };
            let mut has_newline = false;
            // Read until the chunk is full and holds a line end, or the file ends.
            while !self.eof {
                if self.filled == buf.len() {
                    // A very long line: grow in small steps, so that memory
                    // follows the line's length closely (the pool will not
                    // keep this buffer).
                    buf.resize(buf.len() + (256 << 10), 0);
                }
                let n = match self.opened.read(&mut buf[self.filled..]) {
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(source) => {
                        return Err(InputError::Io {
                            path: self.opened.path().to_path_buf(),
                            source,
                        })
                    }
                };
                if n == 0 {
                    self.eof = true;
                    break;
                }
                // From the end: a line end, if any, is usually near it.
                has_newline = has_newline
                    || memchr::memrchr(b'\n', &buf[self.filled..self.filled + n]).is_some();
                self.filled += n;
                if self.filled >= chunk && has_newline {
                    break;
                }
            }
            let filled = self.filled;
            let cut = if self.eof {
                filled
            } else {
                memchr::memrchr(b'\n', &buf[..filled]).map_or(filled, |i| i + 1)
            };
            let tail = filled - cut;
            let mut next = pool.get(buffer_size(chunk).max(tail + (64 << 10)));
            next[..tail].copy_from_slice(&buf[cut..filled]);
            self.buf = Some(next);
            self.filled = tail;
            if cut == 0 {
                pool.put(buf);
                continue;
            }
            let now = self.opened.raw_bytes();
            let disk = now - self.reported;
            self.reported = now;
            let lease = pool.budget.acquire(file, cut).unwrap_or_default();
            return Ok(Some(Chunk {
                file,
                data: buf,
                len: cut,
                disk,
                lease,
            }));
        }
    }
}

/// Parses and screens the lines of a chunk into a batch (line numbers
/// count from the chunk's start until the batch is delivered).
fn parse_chunk(ctx: &Ctx, chunk: Chunk) -> WorkBatch {
    let (arena, items) = ctx.pool.parsed();
    let mut batch = WorkBatch::new(Arc::clone(&ctx.paths), chunk.file);
    batch.arena = arena;
    batch.items = items;
    batch.disk_bytes = chunk.disk;
    batch.lease = chunk.lease;
    batch.home = Some(Arc::clone(&ctx.pool) as _);
    let path = &ctx.paths[chunk.file];
    let mut data = &chunk.data[..chunk.len];
    let mut line = 1u64;
    while !data.is_empty() {
        let (raw, rest) = match memchr::memchr(b'\n', data) {
            Some(i) => (&data[..i], &data[i + 1..]),
            None => (data, &data[data.len()..]),
        };
        data = rest;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if !raw.iter().all(u8::is_ascii_whitespace) {
            let outcome = parse_line(&ctx.filter, path, line, raw, &mut batch.arena);
            batch.push(line, outcome);
        }
        line += 1;
    }
    batch.relative_lines = Some(line - 1);
    ctx.pool.put(chunk.data);
    batch
}

/// One OpenAlex work: the skimmer, or serde_json when it gives up; then
/// the filter (the early screen's verdict, when it made the skimmer skip
/// the authorships, stands).
fn parse_line(filter: &Filter, path: &Path, line: u64, raw: &[u8], arena: &mut Arena) -> Outcome {
    let mark = arena.mark();
    let mut early = None;
    let scanned = openalex::scan(raw, arena, &mut |a, rec| {
        early = filter.screen(&crate::WorkView::new(a, rec)).err();
        early.is_some()
    });
    let index = match (scanned, early) {
        (Ok(Scanned::Excluded), Some(e)) => return Outcome::Excluded(e),
        (Ok(Scanned::Work(i)), _) => i,
        (Ok(Scanned::Excluded), None) | (Err(GiveUp), _) => match openalex::parse(raw, arena) {
            Ok(i) => i,
            Err((field, msg)) => {
                return Outcome::Malformed(RecordError::new(path, line, field, msg))
            }
        },
    };
    arena.screen(index, mark, filter)
}

/// Buffers and arenas for reuse, and the budget of bytes in flight.
struct Pool {
    chunks_tx: SyncSender<Vec<u8>>,
    chunks_rx: Mutex<Receiver<Vec<u8>>>,
    parsed_tx: SyncSender<(Arena, Vec<Item>)>,
    parsed_rx: Mutex<Receiver<(Arena, Vec<Item>)>>,
    chunk: usize,
    budget: Budget,
}

impl Pool {
    fn new(size: usize, chunk: usize, budget: usize, reserve: usize) -> Arc<Pool> {
        let (chunks_tx, chunks_rx) = sync_channel(size);
        let (parsed_tx, parsed_rx) = sync_channel(size);
        Arc::new(Pool {
            chunks_tx,
            chunks_rx: Mutex::new(chunks_rx),
            parsed_tx,
            parsed_rx: Mutex::new(parsed_rx),
            chunk,
            budget: Budget::new(budget, reserve),
        })
    }

    /// An empty arena and item list, reused when one came back.
    fn parsed(&self) -> (Arena, Vec<Item>) {
        self.parsed_rx
            .lock()
            .ok()
            .and_then(|rx| rx.try_recv().ok())
            .unwrap_or_default()
    }

    /// A zeroed buffer of at least `len` bytes, reused when one came back.
    fn get(&self, len: usize) -> Vec<u8> {
        let recycled = self.chunks_rx.lock().ok().and_then(|rx| rx.try_recv().ok());
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
    /// those would let memory creep up with the input (the longer the
    /// input, the more of them there would be).
    fn put(&self, buf: Vec<u8>) {
        if buf.len() == buffer_size(self.chunk) {
            let _ = self.chunks_tx.try_send(buf);
        }
    }
}

impl crate::batch::Home for Pool {
    fn give_back(&self, mut arena: Arena, mut items: Vec<Item>) {
        // A chunk's arena usually needs 3 to 5 % of the chunk's size; one
        // that grew for a very large work is freed, not kept.
        if arena.capacity_bytes() > self.chunk / 16 {
            return;
        }
        arena.clear();
        items.clear();
        let _ = self.parsed_tx.try_send((arena, items));
    }
}

/// A budget of bytes in flight: a reader takes a chunk's size from it
/// before it hands the chunk out, and the batch gives it back when it is
/// delivered. The file being delivered (the head) may also draw on a reserve
/// of its own, so that readers ahead on later files, which wait while the
/// budget is spent, can never keep it waiting. A chunk larger than the
/// whole budget (one very long line) goes when nothing else is in flight.
/// Closing it releases every reader that waits.
struct Budget {
    state: Mutex<BudgetState>,
    budget: usize,
    reserve: usize,
    freed: Condvar,
}

#[derive(Default)]
struct BudgetState {
    head: usize,
    used: usize,
    reserved: usize,
    closed: bool,
}

impl Budget {
    fn new(budget: usize, reserve: usize) -> Budget {
        Budget {
            state: Mutex::new(BudgetState::default()),
            budget,
            reserve,
            freed: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BudgetState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until `bytes` of file `file` fit; `None` once closed.
    fn acquire(&self, file: usize, bytes: usize) -> Option<Lease> {
        let mut st = self.lock();
        loop {
            if st.closed {
                return None;
            }
            if st.used == 0 || st.used + bytes <= self.budget {
                st.used += bytes;
                return Some(Lease { bytes, head: false });
            }
            if file == st.head && (st.reserved == 0 || st.reserved + bytes <= self.reserve) {
                st.reserved += bytes;
                return Some(Lease { bytes, head: true });
            }
            st = self.freed.wait(st).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn release(&self, lease: Lease) {
        if lease.bytes == 0 {
            return;
        }
        let mut st = self.lock();
        if lease.head {
            st.reserved = st.reserved.saturating_sub(lease.bytes);
        } else {
            st.used = st.used.saturating_sub(lease.bytes);
        }
        drop(st);
        self.freed.notify_all();
    }

    /// The file now being delivered.
    fn set_head(&self, file: usize) {
        self.lock().head = file;
        self.freed.notify_all();
    }

    fn close(&self) {
        self.lock().closed = true;
        self.freed.notify_all();
    }

    fn is_closed(&self) -> bool {
        self.lock().closed
    }
}

#[cfg(test)]
mod tests;
