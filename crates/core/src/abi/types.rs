//! What crosses the boundary, shared by both sides: the table, the flat
//! batch and output buffers, strings, status codes and score kinds.

use crate::{Credit, ScoreKind};
use std::ffi::c_void;
use std::fmt;

/// First field of every table: `TALLYSCR` in little-endian bytes.
pub const MAGIC: u64 = u64::from_le_bytes(*b"TALLYSCR");
/// ABI major version: a plugin with another major version is refused.
pub const ABI_MAJOR: u32 = 1;
/// ABI minor version: a plugin built for this minor version or an older one
/// is accepted; the functions added since its version are gated off.
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
/// `create` refused its parameters: `last_error` holds the key that is
/// wrong, a NUL byte, then why (the key is empty when the parameters as a
/// whole are wrong).
pub const PARAMS: Status = 4;

/// [`RawInfo::kind`] of a scorer whose totals are whole numbers.
pub const KIND_INTEGER: u32 = 0;
/// [`RawInfo::kind`] of a scorer whose totals are fractions.
pub const KIND_FRACTIONAL: u32 = 1;

/// The kind as it crosses the ABI.
pub(crate) fn kind_to_raw(kind: ScoreKind) -> u32 {
    match kind {
        ScoreKind::Integer => KIND_INTEGER,
        ScoreKind::Fractional => KIND_FRACTIONAL,
    }
}

/// The kind a plugin gave, or `None` for a value the ABI does not define.
pub(crate) fn kind_from_raw(raw: u32) -> Option<ScoreKind> {
    match raw {
        KIND_INTEGER => Some(ScoreKind::Integer),
        KIND_FRACTIONAL => Some(ScoreKind::Fractional),
        _ => None,
    }
}

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

    /// The string, if it is UTF-8.
    ///
    /// # Safety
    /// `ptr` must point to `len` readable bytes that outlive the result.
    pub(crate) unsafe fn to_str<'a>(self) -> Result<&'a str, String> {
        // SAFETY: the caller vouches for `len` readable bytes at `ptr`.
        let bytes = unsafe { slice(self.ptr, self.len) };
        std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))
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
    /// [`KIND_INTEGER`] or [`KIND_FRACTIONAL`]; any other value is refused.
    pub kind: u32,
}

/// A batch of articles as flat arrays, owned by the caller.
///
/// Article `j` owns the run `authorship_offsets[article_offsets[j]..article_offsets[j+1]]`
/// of `n_j + 1` offsets (one per authorship, plus one); authorship `i` of the
/// article has the slots `slots[run[i]..run[i+1]]`. So `article_offsets` has
/// `articles + 1` entries and ends at most at `authorship_offsets_len`.
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
    /// Entity ids ([`UNRESOLVED`](crate::UNRESOLVED) for an unresolved slot).
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

/// Builds a scorer from its parameters (a JSON object); writes the handle to `out`.
pub type CreateFn = unsafe extern "C" fn(params: RawStr, out: *mut *mut c_void) -> Status;
/// Describes a scorer.
pub type DescribeFn = unsafe extern "C" fn(handle: *const c_void, out: *mut RawInfo) -> Status;
/// Scores a batch into caller-owned buffers.
pub type ScoreBatchFn = unsafe extern "C" fn(
    handle: *const c_void,
    batch: *const RawBatch,
    out: *mut RawOutput,
) -> Status;
/// Copies up to `cap` bytes of the calling thread's last error message into
/// `buf`; returns the message's full length.
pub type LastErrorFn = unsafe extern "C" fn(buf: *mut u8, cap: usize) -> usize;
/// Frees a scorer handle.
pub type DestroyFn = unsafe extern "C" fn(handle: *mut c_void);

/// The table a plugin exports. Fields are only ever appended, with a minor
/// version bump (see "Growing the table" in [`crate::abi`]).
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
    /// Builds a scorer from its parameters (a JSON object); writes the handle
    /// to `out`. Refused parameters give [`PARAMS`].
    pub create: CreateFn,
    /// Describes a scorer.
    pub describe: DescribeFn,
    /// Scores a batch into caller-owned buffers.
    pub score_batch: ScoreBatchFn,
    /// Copies up to `cap` bytes of the calling thread's last error message
    /// into `buf`; returns the message's full length.
    pub last_error: LastErrorFn,
    /// Frees a scorer handle.
    pub destroy: DestroyFn,
    // ABI 1.1 and later append here.
}

/// The size of the ABI 1.0 table: every table is at least this large. When
/// a minor version appends a field, this becomes the `offset_of!` that
/// field, so its value never changes.
pub const V1_0_SIZE: usize = std::mem::size_of::<ScorerVTable>();

impl fmt::Debug for ScorerVTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScorerVTable")
            .field("abi_major", &self.abi_major)
            .field("abi_minor", &self.abi_minor)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// A slice from a pointer and a length; empty for a null pointer or a zero
/// length (so a dangling pointer with length 0 is fine).
///
/// # Safety
/// Unless `len` is 0 or `ptr` is null, `ptr` must point to `len` readable,
/// initialised elements that outlive the result.
pub(crate) unsafe fn slice<'a, T>(ptr: *const T, len: usize) -> &'a [T] {
    if len == 0 || ptr.is_null() {
        &[]
    } else {
        // SAFETY: non-null, and the caller vouches for `len` readable elements.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }
}
