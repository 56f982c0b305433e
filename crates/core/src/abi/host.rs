//! The host side: [`check`] reads a plugin's table (header first) into a
//! [`Table`], and [`Foreign`] wraps a scorer made from it back into a
//! [`Scorer`], marshalling each batch flat, calling the plugin and
//! validating what comes back before any of it counts.

use super::types::{
    kind_from_raw, CreateFn, DescribeFn, DestroyFn, LastErrorFn, RawBatch, RawInfo, RawOutput,
    RawStr, ScoreBatchFn, ScorerVTable, Status, BUFFER_TOO_SMALL, ERROR, OK, PANIC, PARAMS,
    V1_0_SIZE,
};
use super::{ABI_MAJOR, ABI_MINOR, MAGIC, SYMBOL_NAME};
use crate::{
    Article, Credit, ParamsError, ScoreError, ScoreErrorKind, Scorer, ScorerInfo, Validator,
};
use std::borrow::Cow;
use std::ffi::c_void;
use std::fmt;
use std::mem::offset_of;
use std::sync::{Mutex, PoisonError};

/// Why a table was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// The pointer was null.
    Null,
    /// The first field is not [`MAGIC`]: not a tally scorer table.
    Magic(u64),
    /// Another ABI major version.
    Major {
        /// The plugin's major version.
        major: u32,
        /// The plugin's minor version.
        minor: u32,
    },
    /// A minor version newer than this tally's: the plugin may need
    /// functions this tally does not know.
    NewerMinor {
        /// The plugin's minor version.
        minor: u32,
        /// This tally's minor version.
        host_minor: u32,
    },
    /// The table is smaller than the ABI 1.0 table ([`V1_0_SIZE`]).
    Size(usize),
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let core = env!("CARGO_PKG_VERSION");
        match self {
            Mismatch::Null => write!(f, "its {SYMBOL_NAME}() returned a null table"),
            Mismatch::Magic(m) => write!(
                f,
                "its {SYMBOL_NAME}() table does not start with tally's magic number (found {m:#018x}): not a tally scorer"
            ),
            Mismatch::Major { major, minor } => write!(
                f,
                "it was built for scorer ABI {major}.{minor}, this tally speaks ABI {ABI_MAJOR}.{ABI_MINOR}: rebuild the plugin against tally-core {core}"
            ),
            Mismatch::NewerMinor { minor, host_minor } => write!(
                f,
                "it was built for scorer ABI {ABI_MAJOR}.{minor}, newer than this tally's ABI {ABI_MAJOR}.{host_minor}: use a tally that speaks ABI {ABI_MAJOR}.{minor}, or rebuild the plugin against tally-core {core}"
            ),
            Mismatch::Size(s) => write!(
                f,
                "its table is {s} bytes, smaller than the {V1_0_SIZE} bytes of ABI {ABI_MAJOR}.0"
            ),
        }
    }
}

impl std::error::Error for Mismatch {}

/// A plugin's table after [`check`]: the ABI version it was built for and the
/// functions this tally calls, copied out of it.
///
/// Functions that a later minor version appends are `Option`s here, read
/// with `later` only when the plugin's table is large enough to hold them
/// (see "Growing the table" in [`crate::abi`]). ABI 1.0 has none yet.
#[derive(Clone, Copy, Debug)]
pub struct Table {
    major: u32,
    minor: u32,
    size: usize,
    create: CreateFn,
    describe: DescribeFn,
    score_batch: ScoreBatchFn,
    last_error: LastErrorFn,
    destroy: DestroyFn,
}

impl Table {
    /// The ABI version the plugin was built for, `(major, minor)`.
    pub fn version(&self) -> (u32, u32) {
        (self.major, self.minor)
    }

    /// The size of the plugin's table in bytes.
    pub fn size(&self) -> usize {
        self.size
    }
}

/// Checks a table's header (magic first, then version, then size) before
/// anything else of it is read, and copies out the functions this tally
/// calls. Accepts ABI major [`ABI_MAJOR`] with a minor version up to
/// [`ABI_MINOR`] and a table of at least [`V1_0_SIZE`] bytes.
///
/// # Safety
/// `ptr` must be null or point to readable memory of at least the header
/// (magic, versions and size: 24 bytes on 64-bit targets), and to a whole
/// table of the size it claims, that lives forever, when the header matches.
pub unsafe fn check(ptr: *const ScorerVTable) -> Result<Table, Mismatch> {
    // SAFETY: the caller's guarantees are `check_against`'s.
    unsafe { check_against(ptr, ABI_MINOR) }
}

/// Reads the `T` at `offset` bytes into the table.
///
/// # Safety
/// `ptr + offset` must hold a readable `T`.
unsafe fn field<T: Copy>(ptr: *const ScorerVTable, offset: usize) -> T {
    // SAFETY: the caller vouches for a `T` there; unaligned, since nothing
    // is assumed of the memory before the header is checked.
    unsafe { ptr.byte_add(offset).cast::<T>().read_unaligned() }
}

/// [`check`] for a host that speaks minor version `host_minor`, so tests can
/// play a newer tally.
///
/// # Safety
/// As for [`check`].
pub(crate) unsafe fn check_against(
    ptr: *const ScorerVTable,
    host_minor: u32,
) -> Result<Table, Mismatch> {
    if ptr.is_null() {
        return Err(Mismatch::Null);
    }
    // SAFETY: the caller vouches for a readable header.
    let magic: u64 = unsafe { field(ptr, offset_of!(ScorerVTable, magic)) };
    if magic != MAGIC {
        return Err(Mismatch::Magic(magic));
    }
    // SAFETY: as above: the versions and the size are in the header.
    let (major, minor, size): (u32, u32, usize) = unsafe {
        (
            field(ptr, offset_of!(ScorerVTable, abi_major)),
            field(ptr, offset_of!(ScorerVTable, abi_minor)),
            field(ptr, offset_of!(ScorerVTable, size)),
        )
    };
    if major != ABI_MAJOR {
        return Err(Mismatch::Major { major, minor });
    }
    if minor > host_minor {
        return Err(Mismatch::NewerMinor { minor, host_minor });
    }
    if size < V1_0_SIZE {
        return Err(Mismatch::Size(size));
    }
    // SAFETY: the header matches, so (the caller vouches) the table holds
    // `size` >= V1_0_SIZE bytes, which cover every ABI 1.0 field.
    unsafe {
        Ok(Table {
            major,
            minor,
            size,
            create: field(ptr, offset_of!(ScorerVTable, create)),
            describe: field(ptr, offset_of!(ScorerVTable, describe)),
            score_batch: field(ptr, offset_of!(ScorerVTable, score_batch)),
            last_error: field(ptr, offset_of!(ScorerVTable, last_error)),
            destroy: field(ptr, offset_of!(ScorerVTable, destroy)),
        })
    }
}

/// A function that a later minor version appended at `offset`: `Some` when
/// the plugin's table (of `size` bytes) is large enough to hold it, `None`
/// for a plugin built before it existed. `check_against` fills each later
/// field of [`Table`] with it.
///
/// # Safety
/// `ptr` must be a table that passed the header checks, of `size` bytes, and
/// the ABI must define a field of type `F` at `offset`.
#[cfg_attr(not(test), allow(dead_code))] // until ABI 1.1 appends a function
pub(crate) unsafe fn later<F: Copy>(
    ptr: *const ScorerVTable,
    size: usize,
    offset: usize,
) -> Option<F> {
    // SAFETY: the table holds `size` bytes and defines an `F` at `offset`,
    // which lies within them.
    (offset + std::mem::size_of::<F>() <= size).then(|| unsafe { field(ptr, offset) })
}

/// Why a plugin could not make a scorer: which plugin, and what went wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateError {
    /// The plugin's label (e.g. the library's path).
    pub plugin: String,
    /// What went wrong.
    pub kind: CreateErrorKind,
}

/// What went wrong while a plugin made or described a scorer.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum CreateErrorKind {
    /// The scorer refused its parameters.
    Params(ParamsError),
    /// `create` or `describe` panicked, with the panic's message.
    Panicked(String),
    /// `create` or `describe` failed, or gave no handle or a name that is not UTF-8.
    Failed(String),
    /// `describe` gave a kind the ABI does not define.
    UnknownKind(u32),
    /// A status code the ABI does not define.
    UnknownStatus(i32),
}

impl fmt::Display for CreateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.plugin)?;
        match &self.kind {
            CreateErrorKind::Params(e) => e.fmt(f),
            CreateErrorKind::Panicked(m) => write!(f, "panicked: {m}"),
            CreateErrorKind::Failed(m) => f.write_str(m),
            CreateErrorKind::UnknownKind(k) => write!(
                f,
                "describes its scores as kind {k}, which the scorer ABI does not define (0 = integer, 1 = fractional)"
            ),
            CreateErrorKind::UnknownStatus(s) => write!(
                f,
                "returned status {s}, which the scorer ABI does not define"
            ),
        }
    }
}

impl std::error::Error for CreateError {}

/// A failed call, from its status and `last_error`.
enum Fault {
    Failed(String),
    Panicked(String),
    Params(ParamsError),
    Unknown(Status),
}

impl Table {
    /// The calling thread's last error message of the plugin.
    fn last_error(&self) -> String {
        // SAFETY: a null buffer of capacity 0 only asks for the length.
        let n = unsafe { (self.last_error)(std::ptr::null_mut(), 0) };
        let mut buf = vec![0u8; n];
        // SAFETY: `buf` has room for `n` bytes.
        let m = unsafe { (self.last_error)(buf.as_mut_ptr(), n) };
        buf.truncate(m.min(n));
        String::from_utf8_lossy(&buf).into_owned()
    }

    /// What a status other than [`OK`] means.
    fn fault(&self, status: Status) -> Fault {
        match status {
            ERROR => Fault::Failed(self.last_error()),
            PANIC => Fault::Panicked(self.last_error()),
            PARAMS => {
                let text = self.last_error();
                Fault::Params(match text.split_once('\0') {
                    Some(("", message)) => ParamsError::new(message),
                    Some((key, message)) => ParamsError::at(key, message),
                    None => ParamsError::new(text),
                })
            }
            other => Fault::Unknown(other),
        }
    }
}

impl From<Fault> for CreateErrorKind {
    fn from(f: Fault) -> Self {
        match f {
            Fault::Failed(m) => CreateErrorKind::Failed(m),
            Fault::Panicked(m) => CreateErrorKind::Panicked(m),
            Fault::Params(e) => CreateErrorKind::Params(e),
            Fault::Unknown(s) => CreateErrorKind::UnknownStatus(s),
        }
    }
}

impl From<Fault> for ScoreErrorKind {
    fn from(f: Fault) -> Self {
        match f {
            Fault::Failed(m) => ScoreErrorKind::Failed(m),
            Fault::Panicked(m) => ScoreErrorKind::Panicked(m),
            Fault::Params(e) => ScoreErrorKind::Failed(e.to_string()),
            Fault::Unknown(s) => ScoreErrorKind::UnknownStatus(s),
        }
    }
}

/// A scorer behind a checked table, as an ordinary [`Scorer`]. Every error
/// names the plugin (its label); what the plugin returns is validated.
///
/// [`Scorer::score_batch`] is the way in: it returns the plugin's failures
/// as a [`ScoreError`]. [`Scorer::score`] cannot return one, so for a
/// `Foreign` it panics on a failure, with the same message.
pub struct Foreign {
    table: Table,
    handle: *mut c_void,
    info: ScorerInfo,
    label: String,
    scratch: Mutex<Scratch>,
}

// SAFETY: the handle owns a `T: Scorer` (so `Send + Sync`) on the plugin
// side; the shims take it by shared reference, and only `Drop` destroys it.
unsafe impl Send for Foreign {}
// SAFETY: as for `Send`: concurrent calls share the handle as `&T`, and the
// host-side buffers are behind a mutex.
unsafe impl Sync for Foreign {}

impl Foreign {
    /// Creates a scorer from a checked table and its parameters (JSON).
    /// `label` names the plugin in every error (e.g. the library's path).
    pub fn new(table: Table, params: &str, label: &str) -> Result<Foreign, CreateError> {
        let fail = |kind| CreateError {
            plugin: label.to_owned(),
            kind,
        };
        let handle = create(&table, params).map_err(fail)?;
        match describe(&table, handle) {
            Ok(info) => Ok(Foreign {
                table,
                handle,
                info,
                label: label.to_owned(),
                scratch: Mutex::new(Scratch::default()),
            }),
            Err(kind) => {
                // SAFETY: `create` made the handle, and nothing else holds it.
                unsafe { (table.destroy)(handle) };
                Err(fail(kind))
            }
        }
    }

    /// The plugin's table.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// The label that names the plugin in errors.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Scores a batch through the plugin: marshal, call, validate, and only
    /// then let the credits count. On `Err`, `out` and `ends` are untouched.
    fn call(
        &self,
        articles: &[Article<'_>],
        out: &mut Vec<Credit>,
        ends: &mut Vec<usize>,
    ) -> Result<(), ScoreErrorKind> {
        let mut guard = self.scratch.lock().unwrap_or_else(PoisonError::into_inner);
        let sc = &mut *guard;
        let batch = sc.marshal(articles);
        let slots: usize = articles.iter().map(|a| a.slots().len()).sum();
        let start = out.len();
        let written = self.invoke(
            &batch,
            (2 * slots + articles.len()).max(256),
            out,
            &mut sc.ends,
        )?;
        // SAFETY: `invoke` reserved room past `start` and the plugin reported
        // `written` credits there; any bits are a valid `Credit`.
        let got = unsafe { std::slice::from_raw_parts(out.as_ptr().add(start), written) };
        sc.validator.batch(articles, got, &sc.ends)?;
        ends.extend(sc.ends.iter().map(|e| start + e));
        // SAFETY: the `written` credits past `start` are initialised
        // (above) and within the reserved room.
        unsafe { out.set_len(start + written) };
        Ok(())
    }

    /// Calls the plugin with room for `capacity` credits in the spare room of
    /// `out` and one end per article in `ends`, growing the room when the
    /// plugin asks; returns the number of credits written.
    fn invoke(
        &self,
        batch: &RawBatch,
        mut capacity: usize,
        out: &mut Vec<Credit>,
        ends: &mut Vec<usize>,
    ) -> Result<usize, ScoreErrorKind> {
        loop {
            out.reserve(capacity);
            ends.clear();
            ends.resize(batch.articles, 0);
            let mut o = RawOutput {
                capacity,
                credits: out.spare_capacity_mut().as_mut_ptr().cast::<Credit>(),
                ends: ends.as_mut_ptr(),
                written: 0,
            };
            // SAFETY: the handle is live (destroyed only on drop); the batch
            // points into the scratch and the articles, both borrowed for the
            // call; `o` has room for `capacity` credits and one end per article.
            let status = unsafe { (self.table.score_batch)(self.handle, batch, &mut o) };
            match status {
                OK if o.written <= capacity => return Ok(o.written),
                OK => {
                    return Err(ScoreErrorKind::BadOutput(format!(
                        "wrote {} credits into room for {capacity}",
                        o.written
                    )))
                }
                BUFFER_TOO_SMALL if o.written > capacity => capacity = o.written,
                BUFFER_TOO_SMALL => {
                    return Err(ScoreErrorKind::BadOutput(
                        "asked for a larger buffer without saying how large".into(),
                    ))
                }
                other => return Err(self.table.fault(other).into()),
            }
        }
    }
}

/// Calls `create`: the new handle.
fn create(table: &Table, params: &str) -> Result<*mut c_void, CreateErrorKind> {
    let mut handle: *mut c_void = std::ptr::null_mut();
    // SAFETY: `params` outlives the call, `handle` is writable.
    let status = unsafe { (table.create)(RawStr::new(params), &mut handle) };
    match status {
        OK if handle.is_null() => Err(CreateErrorKind::Failed(
            "create succeeded without giving a scorer".into(),
        )),
        OK => Ok(handle),
        other => Err(table.fault(other).into()),
    }
}

/// Calls `describe` and copies what it says.
fn describe(table: &Table, handle: *mut c_void) -> Result<ScorerInfo, CreateErrorKind> {
    let mut raw = RawInfo {
        name: RawStr::new(""),
        version: RawStr::new(""),
        description: RawStr::new(""),
        kind: u32::MAX,
    };
    // SAFETY: `create` made the handle; `raw` is writable.
    let status = unsafe { (table.describe)(handle, &mut raw) };
    if status != OK {
        return Err(table.fault(status).into());
    }
    let text = |s: RawStr, what: &str| {
        // SAFETY: the plugin's strings live as long as the handle.
        let s = unsafe { s.to_str() };
        s.map(|s| Cow::Owned(s.to_owned()))
            .map_err(|e| CreateErrorKind::Failed(format!("describe gave a {what} that is {e}")))
    };
    Ok(ScorerInfo {
        name: text(raw.name, "name")?,
        version: text(raw.version, "version")?,
        description: text(raw.description, "description")?,
        kind: kind_from_raw(raw.kind).ok_or(CreateErrorKind::UnknownKind(raw.kind))?,
    })
}

/// Buffers reused across calls of one [`Foreign`] scorer.
#[derive(Default)]
struct Scratch {
    years: Vec<i32>,
    sources: Vec<u32>,
    weights: Vec<f64>,
    art: Vec<u32>,
    auth: Vec<u32>,
    slots: Vec<u32>,
    ends: Vec<usize>,
    validator: Validator,
}

impl Scratch {
    /// Lays a batch out flat. Views over one slot array with back-to-back
    /// offset runs (as the engine builds them) cross as they are; others are
    /// copied here. The result points into `self` and into the articles'
    /// arrays: valid while neither changes.
    fn marshal(&mut self, articles: &[Article<'_>]) -> RawBatch {
        self.years.clear();
        self.sources.clear();
        self.weights.clear();
        self.art.clear();
        for a in articles {
            self.years.push(a.year);
            self.sources.push(a.source);
            self.weights.push(a.weight);
        }
        let shared = articles.first().map(|a| a.base_slots());
        let contiguous = articles.windows(2).all(|w| {
            let (a, b) = (w[0].offsets(), w[1].offsets());
            std::ptr::eq(a.as_ptr_range().end, b.as_ptr())
                && std::ptr::eq(w[0].base_slots(), w[1].base_slots())
        });
        let (auth, auth_len, slots, slots_len) = match (shared, contiguous) {
            (Some(slots), true) => {
                let mut pos = 0u32;
                for a in articles {
                    self.art.push(pos);
                    pos += a.offsets().len() as u32;
                }
                self.art.push(pos);
                let base = articles[0].offsets().as_ptr();
                (base, pos as usize, slots.as_ptr(), slots.len())
            }
            _ => {
                self.auth.clear();
                self.slots.clear();
                for a in articles {
                    self.art.push(self.auth.len() as u32);
                    let first = a.offsets()[0];
                    let base = self.slots.len() as u32;
                    self.auth
                        .extend(a.offsets().iter().map(|o| base + (o - first)));
                    self.slots.extend_from_slice(a.slots());
                }
                self.art.push(self.auth.len() as u32);
                let (auth, slots) = (&self.auth, &self.slots);
                (auth.as_ptr(), auth.len(), slots.as_ptr(), slots.len())
            }
        };
        RawBatch {
            articles: articles.len(),
            years: self.years.as_ptr(),
            sources: self.sources.as_ptr(),
            weights: self.weights.as_ptr(),
            article_offsets: self.art.as_ptr(),
            authorship_offsets: auth,
            authorship_offsets_len: auth_len,
            slots,
            slots_len,
        }
    }
}

impl Scorer for Foreign {
    fn info(&self) -> ScorerInfo {
        self.info.clone()
    }

    /// One article through [`Scorer::score_batch`].
    ///
    /// # Panics
    /// When the plugin fails, with the error's message (naming the plugin):
    /// this method cannot return it. tally and `tally-testkit` call
    /// `score_batch`, which does.
    fn score(&self, article: &Article<'_>, out: &mut Vec<Credit>) {
        let mut ends = Vec::with_capacity(1);
        if let Err(e) = self.score_batch(std::slice::from_ref(article), out, &mut ends) {
            panic!("{e}");
        }
    }

    /// Scores through the plugin; a panic, a failure or output that breaks
    /// the rules is an `Err` naming the plugin, and then `out` and `ends`
    /// are as they were.
    fn score_batch(
        &self,
        articles: &[Article<'_>],
        out: &mut Vec<Credit>,
        ends: &mut Vec<usize>,
    ) -> Result<(), ScoreError> {
        self.call(articles, out, ends).map_err(|kind| ScoreError {
            plugin: Some(self.label.clone()),
            kind,
        })
    }
}

impl Drop for Foreign {
    fn drop(&mut self) {
        // SAFETY: `create` made the handle, and this is its last use.
        unsafe { (self.table.destroy)(self.handle) };
    }
}

impl fmt::Debug for Foreign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Foreign")
            .field("label", &self.label)
            .field("info", &self.info)
            .field("table", &self.table)
            .finish()
    }
}
