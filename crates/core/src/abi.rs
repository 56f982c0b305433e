//! The C ABI between tally and scorer plugins built as shared libraries.
//!
//! A plugin exports one symbol, [`SYMBOL_NAME`] (`tally_scorer_v1`; the name
//! carries the ABI major version), a function that returns a pointer to a
//! static [`ScorerVTable`]. The table starts with a magic number, the ABI
//! version and its own size, so tally can check them before it calls
//! anything, and the table can grow (new functions go at the end, with a
//! minor version bump).
//!
//! Across the boundary go only flat arrays ([`RawBatch`]: per-article year,
//! source, weight; `u32` offsets per article and per authorship; `u32`
//! entity ids), caller-owned output buffers ([`RawOutput`]), the scorer's
//! parameters as a JSON string, and `i32` status codes. Every exported
//! function catches panics and turns them into [`PANIC`] with the message
//! available from `last_error`. Memory is freed by the side that allocated
//! it: the plugin owns its scorer handle (freed by `destroy`) and its
//! strings; tally owns the batch and the output buffers.
//!
//! Plugin authors never write any of this: they implement [`Scorer`] and
//! [`FromParams`] and call [`export_scorer!`](crate::export_scorer). On the
//! driver side, [`Foreign`] wraps a checked table back into a [`Scorer`].

use crate::{Article, Credit, FromParams, ScoreKind, Scorer, ScorerInfo, UNRESOLVED};
use std::borrow::Cow;
use std::cell::RefCell;
use std::ffi::c_void;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

/// First field of every table: `TALLYSCR` in little-endian bytes.
pub const MAGIC: u64 = u64::from_le_bytes(*b"TALLYSCR");
/// ABI major version: a plugin with another major version is refused.
pub const ABI_MAJOR: u32 = 1;
/// ABI minor version: additions that older plugins can do without.
pub const ABI_MINOR: u32 = 0;
/// The exported symbol, a `extern "C" fn() -> *const ScorerVTable`.
pub const SYMBOL_NAME: &str = "tally_scorer_v1";

/// Status code of an ABI call.
pub type Status = i32;
/// Success.
pub const OK: Status = 0;
/// Failure; the message is available from `last_error`.
pub const ERROR: Status = 1;
/// The plugin panicked; the message is available from `last_error`.
pub const PANIC: Status = 2;
/// The output buffer is too small; `RawOutput::written` holds the size needed.
pub const BUFFER_TOO_SMALL: Status = 3;

/// A borrowed UTF-8 string.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct RawStr {
    /// First byte (may be dangling when `len` is 0).
    pub ptr: *const u8,
    /// Length in bytes.
    pub len: usize,
}

impl RawStr {
    /// Borrows a Rust string.
    pub fn new(s: &str) -> RawStr {
        RawStr {
            ptr: s.as_ptr(),
            len: s.len(),
        }
    }

    /// # Safety
    /// `ptr` must point to `len` readable bytes that outlive the result.
    unsafe fn to_str<'a>(self) -> Result<&'a str, String> {
        std::str::from_utf8(slice(self.ptr, self.len)).map_err(|e| format!("not UTF-8: {e}"))
    }
}

/// What a scorer says about itself; the strings belong to the plugin and
/// live as long as the scorer handle.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct RawInfo {
    /// Name.
    pub name: RawStr,
    /// Version.
    pub version: RawStr,
    /// One-line description.
    pub description: RawStr,
    /// 0 = integer scores, 1 = fractional.
    pub kind: u32,
}

/// A batch of articles as flat arrays, owned by the caller.
///
/// Article `j` owns the run `authorship_offsets[article_offsets[j]..article_offsets[j+1]]`
/// of `n_j + 1` offsets (one per authorship, plus one); authorship `i` of the
/// article has the slots `slots[run[i]..run[i+1]]`. So `article_offsets` has
/// `articles + 1` entries and ends at `authorship_offsets_len`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct RawBatch {
    /// Number of articles.
    pub articles: usize,
    /// Per article: year.
    pub years: *const i32,
    /// Per article: source.
    pub sources: *const u32,
    /// Per article: weight.
    pub weights: *const f64,
    /// `articles + 1` offsets into `authorship_offsets`.
    pub article_offsets: *const u32,
    /// Per article, a run of offsets into `slots`: one per authorship, plus one.
    pub authorship_offsets: *const u32,
    /// Number of entries in `authorship_offsets`.
    pub authorship_offsets_len: usize,
    /// Entity ids ([`UNRESOLVED`] for an unresolved slot).
    pub slots: *const u32,
    /// Number of slots.
    pub slots_len: usize,
}

/// Caller-owned output buffers. The plugin writes `written` credits and, for
/// each article, the running number of credits after it into `ends`.
#[repr(C)]
#[derive(Debug)]
pub struct RawOutput {
    /// Room in `credits`.
    pub capacity: usize,
    /// The credits, as [`Credit`] (`#[repr(C)]`: `u32` entity, `f64` credit).
    pub credits: *mut Credit,
    /// `articles` entries.
    pub ends: *mut usize,
    /// Set by the plugin: credits written, or needed with [`BUFFER_TOO_SMALL`].
    pub written: usize,
}

/// The table a plugin exports.
#[repr(C)]
pub struct ScorerVTable {
    /// [`MAGIC`].
    pub magic: u64,
    /// [`ABI_MAJOR`] of the plugin's build.
    pub abi_major: u32,
    /// [`ABI_MINOR`] of the plugin's build.
    pub abi_minor: u32,
    /// `size_of::<ScorerVTable>()` of the plugin's build.
    pub size: usize,
    /// Builds a scorer from its parameters (a JSON object); writes the handle to `out`.
    pub create: unsafe extern "C" fn(params: RawStr, out: *mut *mut c_void) -> Status,
    /// Describes a scorer.
    pub describe: unsafe extern "C" fn(handle: *const c_void, out: *mut RawInfo) -> Status,
    /// Scores a batch into caller-owned buffers.
    pub score_batch: unsafe extern "C" fn(
        handle: *const c_void,
        batch: *const RawBatch,
        out: *mut RawOutput,
    ) -> Status,
    /// Copies up to `cap` bytes of the calling thread's last error message
    /// into `buf`; returns the message's full length.
    pub last_error: unsafe extern "C" fn(buf: *mut u8, cap: usize) -> usize,
    /// Frees a scorer handle.
    pub destroy: unsafe extern "C" fn(handle: *mut c_void),
}

/// # Safety
/// `ptr` must point to `len` readable elements (any pointer if `len` is 0).
unsafe fn slice<'a, T>(ptr: *const T, len: usize) -> &'a [T] {
    if len == 0 || ptr.is_null() {
        &[]
    } else {
        std::slice::from_raw_parts(ptr, len)
    }
}

// ---------------------------------------------------------------------------
// Plugin side: the shims behind `export_scorer!`.

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
    static SCRATCH: RefCell<(Vec<Credit>, Vec<usize>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

fn set_error(msg: String) {
    LAST_ERROR.with(|e| *e.borrow_mut() = msg);
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_owned()
    }
}

/// Runs `f`, turning a panic into [`PANIC`] and an `Err` into [`ERROR`].
fn guard(f: impl FnOnce() -> Result<Status, String>) -> Status {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(status)) => status,
        Ok(Err(msg)) => {
            set_error(msg);
            ERROR
        }
        Err(p) => {
            set_error(format!("panicked: {}", panic_message(p.as_ref())));
            PANIC
        }
    }
}

struct Handle<T> {
    scorer: T,
    info: ScorerInfo,
}

unsafe extern "C" fn create_shim<T: Scorer + FromParams + 'static>(
    params: RawStr,
    out: *mut *mut c_void,
) -> Status {
    guard(|| {
        let params = unsafe { params.to_str() }.map_err(|e| format!("params: {e}"))?;
        let scorer = T::from_params(params)?;
        let info = scorer.info();
        let handle = Box::new(Handle { scorer, info });
        unsafe { *out = Box::into_raw(handle).cast() };
        Ok(OK)
    })
}

unsafe extern "C" fn describe_shim<T: Scorer + FromParams + 'static>(
    handle: *const c_void,
    out: *mut RawInfo,
) -> Status {
    guard(|| {
        let h = unsafe { &*handle.cast::<Handle<T>>() };
        let info = RawInfo {
            name: RawStr::new(&h.info.name),
            version: RawStr::new(&h.info.version),
            description: RawStr::new(&h.info.description),
            kind: match h.info.kind {
                ScoreKind::Integer => 0,
                ScoreKind::Fractional => 1,
            },
        };
        unsafe { *out = info };
        Ok(OK)
    })
}

/// Rebuilds article views over a raw batch.
///
/// # Safety
/// The batch's pointers must be valid for the lengths it gives.
unsafe fn views<'a>(b: &RawBatch) -> Result<Vec<Article<'a>>, String> {
    let years = slice(b.years, b.articles);
    let sources = slice(b.sources, b.articles);
    let weights = slice(b.weights, b.articles);
    let art = slice(b.article_offsets, b.articles + 1);
    let auth = slice(b.authorship_offsets, b.authorship_offsets_len);
    let slots = slice(b.slots, b.slots_len);
    let mut out = Vec::with_capacity(b.articles);
    for j in 0..b.articles {
        let (from, to) = (art[j] as usize, art[j + 1] as usize);
        let offsets = auth
            .get(from..to)
            .ok_or_else(|| format!("batch article {j}: authorship offsets out of range"))?;
        let a = Article::new(years[j], sources[j], weights[j], offsets, slots)
            .map_err(|e| format!("batch article {j}: {e}"))?;
        out.push(a);
    }
    Ok(out)
}

unsafe extern "C" fn score_batch_shim<T: Scorer + FromParams + 'static>(
    handle: *const c_void,
    batch: *const RawBatch,
    out: *mut RawOutput,
) -> Status {
    guard(|| {
        let h = unsafe { &*handle.cast::<Handle<T>>() };
        let b = unsafe { &*batch };
        let o = unsafe { &mut *out };
        let articles = unsafe { views(b) }?;
        SCRATCH.with(|s| {
            let (credits, ends) = &mut *s.borrow_mut();
            credits.clear();
            ends.clear();
            h.scorer.score_batch(&articles, credits, ends);
            if ends.len() != articles.len() {
                return Err(format!(
                    "score_batch gave {} article ends for {} articles",
                    ends.len(),
                    articles.len()
                ));
            }
            o.written = credits.len();
            if credits.len() > o.capacity {
                return Ok(BUFFER_TOO_SMALL);
            }
            unsafe {
                std::ptr::copy_nonoverlapping(credits.as_ptr(), o.credits, credits.len());
                std::ptr::copy_nonoverlapping(ends.as_ptr(), o.ends, ends.len());
            }
            Ok(OK)
        })
    })
}

unsafe extern "C" fn last_error_shim(buf: *mut u8, cap: usize) -> usize {
    LAST_ERROR.with(|e| {
        let e = e.borrow();
        let n = e.len().min(cap);
        if n > 0 && !buf.is_null() {
            unsafe { std::ptr::copy_nonoverlapping(e.as_ptr(), buf, n) };
        }
        e.len()
    })
}

unsafe extern "C" fn destroy_shim<T: Scorer + FromParams + 'static>(handle: *mut c_void) {
    if !handle.is_null() {
        let _ = catch_unwind(AssertUnwindSafe(|| {
            drop(unsafe { Box::from_raw(handle.cast::<Handle<T>>()) })
        }));
    }
}

/// The table for scorer type `T`; [`export_scorer!`](crate::export_scorer) puts it in a static.
pub const fn vtable<T: Scorer + FromParams + 'static>() -> ScorerVTable {
    ScorerVTable {
        magic: MAGIC,
        abi_major: ABI_MAJOR,
        abi_minor: ABI_MINOR,
        size: std::mem::size_of::<ScorerVTable>(),
        create: create_shim::<T>,
        describe: describe_shim::<T>,
        score_batch: score_batch_shim::<T>,
        last_error: last_error_shim,
        destroy: destroy_shim::<T>,
    }
}

/// Exports a scorer type from a `cdylib` crate: the one line a plugin needs.
///
/// The type must implement [`Scorer`](crate::Scorer) and
/// [`FromParams`](crate::FromParams).
///
/// ```ignore
/// tally_core::export_scorer!(Harmonic);
/// ```
#[macro_export]
macro_rules! export_scorer {
    ($scorer:ty) => {
        /// The tally scorer ABI entry point.
        #[unsafe(no_mangle)]
        pub extern "C" fn tally_scorer_v1() -> *const $crate::abi::ScorerVTable {
            static VTABLE: $crate::abi::ScorerVTable = $crate::abi::vtable::<$scorer>();
            &VTABLE
        }
    };
}

// ---------------------------------------------------------------------------
// Driver side: checking a table and wrapping it back into a Scorer.

/// Why a table was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// The pointer was null.
    Null,
    /// The first field is not [`MAGIC`]: not a tally scorer table.
    Magic(u64),
    /// Another ABI major version, or a minor version newer than this tally.
    Version {
        /// The plugin's major version.
        major: u32,
        /// The plugin's minor version.
        minor: u32,
    },
    /// The table is smaller than this ABI version's table.
    Size(usize),
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Null => write!(f, "its {SYMBOL_NAME}() returned a null table"),
            Mismatch::Magic(m) => write!(
                f,
                "its {SYMBOL_NAME}() table does not start with tally's magic number (found {m:#018x}): not a tally scorer"
            ),
            Mismatch::Version { major, minor } => write!(
                f,
                "it was built for scorer ABI {major}.{minor}, this tally speaks ABI {ABI_MAJOR}.{ABI_MINOR}: rebuild the plugin against tally-core {}",
                env!("CARGO_PKG_VERSION")
            ),
            Mismatch::Size(s) => write!(
                f,
                "its table is {s} bytes, ABI {ABI_MAJOR}.{ABI_MINOR} needs {}",
                std::mem::size_of::<ScorerVTable>()
            ),
        }
    }
}

/// Checks a table's header (magic first, then version, then size) before
/// anything else of it is read.
///
/// # Safety
/// `ptr` must be null or point to readable memory of at least 24 bytes, and
/// to a whole [`ScorerVTable`] that lives forever when the header matches.
pub unsafe fn check(ptr: *const ScorerVTable) -> Result<&'static ScorerVTable, Mismatch> {
    if ptr.is_null() {
        return Err(Mismatch::Null);
    }
    let magic = std::ptr::read_unaligned(ptr.cast::<u64>());
    if magic != MAGIC {
        return Err(Mismatch::Magic(magic));
    }
    let words = ptr.cast::<u32>();
    let (major, minor) = (
        std::ptr::read_unaligned(words.add(2)),
        std::ptr::read_unaligned(words.add(3)),
    );
    if major != ABI_MAJOR || minor > ABI_MINOR {
        return Err(Mismatch::Version { major, minor });
    }
    let size = std::ptr::read_unaligned(ptr.cast::<u8>().add(16).cast::<usize>());
    if size < std::mem::size_of::<ScorerVTable>() {
        return Err(Mismatch::Size(size));
    }
    Ok(&*ptr)
}

/// A scorer behind a checked table, as an ordinary [`Scorer`]. Every error
/// names the plugin (`label`); what the plugin returns is validated.
pub struct Foreign {
    vtable: &'static ScorerVTable,
    handle: *mut c_void,
    info: ScorerInfo,
    label: String,
    failure: Mutex<Option<String>>,
    scratch: Mutex<Scratch>,
}

// The handle belongs to a `Scorer + Send + Sync` on the plugin side.
unsafe impl Send for Foreign {}
unsafe impl Sync for Foreign {}

fn last_error(vt: &ScorerVTable) -> String {
    let n = unsafe { (vt.last_error)(std::ptr::null_mut(), 0) };
    let mut buf = vec![0u8; n];
    let m = unsafe { (vt.last_error)(buf.as_mut_ptr(), n) };
    buf.truncate(m.min(n));
    String::from_utf8_lossy(&buf).into_owned()
}

impl Foreign {
    /// Creates a scorer from a checked table and its parameters (JSON).
    /// `label` names the plugin in every error (e.g. `plugin `harmonic``).
    pub fn new(
        vtable: &'static ScorerVTable,
        params: &str,
        label: &str,
    ) -> Result<Foreign, String> {
        let mut handle: *mut c_void = std::ptr::null_mut();
        let status = unsafe { (vtable.create)(RawStr::new(params), &mut handle) };
        if status != OK || handle.is_null() {
            return Err(format!("{label}: {}", Self::explain(vtable, status)));
        }
        let mut raw = RawInfo {
            name: RawStr::new(""),
            version: RawStr::new(""),
            description: RawStr::new(""),
            kind: 1,
        };
        let status = unsafe { (vtable.describe)(handle, &mut raw) };
        let text = |s: RawStr| unsafe { s.to_str() }.map(|s| Cow::Owned(s.to_owned()));
        let info = if status == OK {
            match (text(raw.name), text(raw.version), text(raw.description)) {
                (Ok(name), Ok(version), Ok(description)) => Ok(ScorerInfo {
                    name,
                    version,
                    description,
                    kind: if raw.kind == 0 {
                        ScoreKind::Integer
                    } else {
                        ScoreKind::Fractional
                    },
                }),
                _ => Err("describe returned a string that is not UTF-8".to_owned()),
            }
        } else {
            Err(Self::explain(vtable, status))
        };
        match info {
            Ok(info) => Ok(Foreign {
                vtable,
                handle,
                info,
                label: label.to_owned(),
                failure: Mutex::new(None),
                scratch: Mutex::new(Scratch::default()),
            }),
            Err(e) => {
                unsafe { (vtable.destroy)(handle) };
                Err(format!("{label}: {e}"))
            }
        }
    }

    fn explain(vt: &ScorerVTable, status: Status) -> String {
        match status {
            ERROR | PANIC => last_error(vt),
            other => format!("unknown status {other}"),
        }
    }

    /// The first failure of a call through [`Scorer::score`], if any.
    pub fn failure(&self) -> Option<String> {
        self.failure.lock().map(|f| f.clone()).unwrap_or(None)
    }

    fn call(
        &self,
        articles: &[Article<'_>],
        out: &mut Vec<Credit>,
        ends: &mut Vec<usize>,
    ) -> Result<(), String> {
        let fail = |m: String| format!("{}: {m}", self.label);
        let mut guard = self.scratch.lock().unwrap_or_else(|e| e.into_inner());
        let sc = &mut *guard;
        let n = articles.len();
        sc.years.clear();
        sc.sources.clear();
        sc.weights.clear();
        sc.art.clear();
        for a in articles {
            sc.years.push(a.year);
            sc.sources.push(a.source);
            sc.weights.push(a.weight);
        }
        // Views over one slot array with back-to-back offset runs (as the
        // engine builds them) cross as they are; others are copied flat.
        let shared = articles.first().map(|a| a.base_slots());
        let contiguous = articles.windows(2).all(|w| {
            let (a, b) = (w[0].offsets(), w[1].offsets());
            std::ptr::eq(a.as_ptr_range().end, b.as_ptr())
                && std::ptr::eq(w[0].base_slots(), w[1].base_slots())
        });
        let (auth_ptr, auth_len, slots_ptr, slots_len) = match (shared, contiguous) {
            (Some(slots), true) => {
                let base = articles[0].offsets().as_ptr();
                let mut pos = 0u32;
                for a in articles {
                    sc.art.push(pos);
                    pos += a.offsets().len() as u32;
                }
                sc.art.push(pos);
                (base, pos as usize, slots.as_ptr(), slots.len())
            }
            _ => {
                sc.auth.clear();
                sc.slots.clear();
                for a in articles {
                    sc.art.push(sc.auth.len() as u32);
                    let first = a.offsets()[0];
                    let base = sc.slots.len() as u32;
                    sc.auth
                        .extend(a.offsets().iter().map(|o| base + (o - first)));
                    sc.slots.extend_from_slice(a.slots());
                }
                sc.art.push(sc.auth.len() as u32);
                (
                    sc.auth.as_ptr(),
                    sc.auth.len(),
                    sc.slots.as_ptr(),
                    sc.slots.len(),
                )
            }
        };
        let batch = RawBatch {
            articles: n,
            years: sc.years.as_ptr(),
            sources: sc.sources.as_ptr(),
            weights: sc.weights.as_ptr(),
            article_offsets: sc.art.as_ptr(),
            authorship_offsets: auth_ptr,
            authorship_offsets_len: auth_len,
            slots: slots_ptr,
            slots_len,
        };
        let total_slots: usize = articles.iter().map(|a| a.slots().len()).sum();
        // The plugin writes straight into the spare room of `out`.
        let start = out.len();
        let mut capacity = (2 * total_slots + n).max(256);
        let written = loop {
            out.reserve(capacity);
            sc.ends.resize(n, 0);
            let mut o = RawOutput {
                capacity,
                credits: out.spare_capacity_mut().as_mut_ptr().cast::<Credit>(),
                ends: sc.ends.as_mut_ptr(),
                written: 0,
            };
            let status = unsafe { (self.vtable.score_batch)(self.handle, &batch, &mut o) };
            match status {
                OK if o.written <= capacity => break o.written,
                OK => {
                    return Err(fail(format!(
                        "wrote {} credits into room for {capacity}",
                        o.written
                    )))
                }
                BUFFER_TOO_SMALL if o.written > capacity => capacity = o.written,
                BUFFER_TOO_SMALL => {
                    return Err(fail(
                        "asked for a larger buffer without saying how large".into(),
                    ))
                }
                other => return Err(fail(Self::explain(self.vtable, other))),
            }
        };
        // Validate before the credits count: each article's resolved
        // entities are stamped, each credit must hit a stamp.
        let spare = &out.spare_capacity_mut()[..written];
        // Safety: the plugin reported `written` initialised credits.
        let got: &[Credit] =
            unsafe { std::slice::from_raw_parts(spare.as_ptr().cast::<Credit>(), written) };
        let mut prev = 0usize;
        for (j, a) in articles.iter().enumerate() {
            let end = sc.ends[j];
            if end < prev || end > written {
                return Err(fail(format!(
                    "returned inconsistent article ends ({prev} then {end} of {written})"
                )));
            }
            sc.stamp = sc.stamp.wrapping_add(1);
            if sc.stamp == 0 {
                sc.marks.iter_mut().for_each(|m| *m = 0);
                sc.stamp = 1;
            }
            for &e in a.slots() {
                if e != UNRESOLVED {
                    if e as usize >= sc.marks.len() {
                        sc.marks.resize(e as usize + 1, 0);
                    }
                    sc.marks[e as usize] = sc.stamp;
                }
            }
            for c in &got[prev..end] {
                if !c.credit.is_finite() || c.credit < 0.0 {
                    return Err(fail(format!(
                        "returned credit {} for entity {}: credits must be finite and non-negative",
                        c.credit, c.entity
                    )));
                }
                if sc.marks.get(c.entity as usize) != Some(&sc.stamp) {
                    return Err(fail(format!(
                        "credited entity {}, which is not among the article's resolved entities {:?}",
                        c.entity,
                        a.slots().iter().filter(|e| **e != UNRESOLVED).collect::<Vec<_>>()
                    )));
                }
            }
            ends.push(start + end);
            prev = end;
        }
        if prev != written {
            ends.truncate(ends.len() - n);
            return Err(fail(format!(
                "returned {written} credits but its article ends stop at {prev}"
            )));
        }
        // Safety: validated above, and within the reserved room.
        unsafe { out.set_len(start + written) };
        Ok(())
    }
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
    marks: Vec<u32>,
    stamp: u32,
}

impl Scorer for Foreign {
    fn info(&self) -> ScorerInfo {
        self.info.clone()
    }

    /// Scores one article; a failure emits nothing and is kept for
    /// [`Foreign::failure`]. The engine uses [`Scorer::try_score_batch`].
    fn score(&self, article: &Article<'_>, out: &mut Vec<Credit>) {
        let mut ends = Vec::new();
        if let Err(e) = self.try_score_batch(std::slice::from_ref(article), out, &mut ends) {
            if let Ok(mut f) = self.failure.lock() {
                f.get_or_insert(e);
            }
        }
    }

    fn score_batch(&self, articles: &[Article<'_>], out: &mut Vec<Credit>, ends: &mut Vec<usize>) {
        if let Err(e) = self.try_score_batch(articles, out, ends) {
            if let Ok(mut f) = self.failure.lock() {
                f.get_or_insert(e);
            }
            ends.extend(std::iter::repeat_n(out.len(), articles.len()));
        }
    }

    fn try_score_batch(
        &self,
        articles: &[Article<'_>],
        out: &mut Vec<Credit>,
        ends: &mut Vec<usize>,
    ) -> Result<(), String> {
        let (o, e) = (out.len(), ends.len());
        let r = self.call(articles, out, ends);
        if r.is_err() {
            out.truncate(o);
            ends.truncate(e);
        }
        r
    }
}

impl Drop for Foreign {
    fn drop(&mut self) {
        unsafe { (self.vtable.destroy)(self.handle) };
    }
}

impl fmt::Debug for ScorerVTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScorerVTable")
            .field("abi_major", &self.abi_major)
            .field("abi_minor", &self.abi_minor)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Foreign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Foreign")
            .field("label", &self.label)
            .field("info", &self.info)
            .finish()
    }
}

#[cfg(test)]
mod tests;
