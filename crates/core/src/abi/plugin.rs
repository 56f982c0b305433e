//! The plugin side: the `extern "C"` shims that [`vtable`] puts in a table
//! for a scorer type, and [`export_scorer!`](crate::export_scorer), which
//! exports that table. Every shim is a panic firewall: a panic becomes
//! [`PANIC`] and an error becomes [`ERROR`] (or [`PARAMS`]), with the message
//! kept for `last_error`.

use super::types::{
    kind_to_raw, slice, RawBatch, RawInfo, RawOutput, RawStr, ScorerVTable, Status,
    BUFFER_TOO_SMALL, ERROR, OK, PANIC, PARAMS,
};
use super::{ABI_MAJOR, ABI_MINOR, MAGIC};
use crate::{Article, Credit, FromParams, Scorer, ScorerInfo};
use std::cell::RefCell;
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

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
            set_error(panic_message(p.as_ref()));
            PANIC
        }
    }
}

/// What a handle points to: the scorer and its info (whose strings
/// `describe` lends to the host for the handle's lifetime).
struct Handle<T> {
    scorer: T,
    info: ScorerInfo,
}

/// # Safety
/// `params` must be readable for the call; `out` must be writable.
unsafe extern "C" fn create_shim<T: Scorer + FromParams + 'static>(
    params: RawStr,
    out: *mut *mut c_void,
) -> Status {
    guard(|| {
        // SAFETY: the host lends the parameter string for the call.
        let params = unsafe { params.to_str() }.map_err(|e| format!("params: {e}"))?;
        let scorer = match T::from_params(params) {
            Ok(scorer) => scorer,
            Err(e) => {
                let key = e.key.unwrap_or_default().replace('\0', "\u{fffd}");
                set_error(format!("{key}\0{}", e.message));
                return Ok(PARAMS);
            }
        };
        let info = scorer.info();
        let handle = Box::into_raw(Box::new(Handle { scorer, info }));
        // SAFETY: the host passes a pointer to its (writable) handle variable.
        unsafe { out.write(handle.cast()) };
        Ok(OK)
    })
}

/// # Safety
/// `handle` must come from this table's `create` and not be destroyed;
/// `out` must be writable.
unsafe extern "C" fn describe_shim<T: Scorer + FromParams + 'static>(
    handle: *const c_void,
    out: *mut RawInfo,
) -> Status {
    guard(|| {
        // SAFETY: `create_shim::<T>` made the handle from a `Box<Handle<T>>`,
        // and the host only passes live handles of this table.
        let h = unsafe { &*handle.cast::<Handle<T>>() };
        let info = RawInfo {
            name: RawStr::new(&h.info.name),
            version: RawStr::new(&h.info.version),
            description: RawStr::new(&h.info.description),
            kind: kind_to_raw(h.info.kind),
        };
        // SAFETY: the host passes a pointer to its (writable) `RawInfo`.
        unsafe { out.write(info) };
        Ok(OK)
    })
}

/// Rebuilds article views over a raw batch.
///
/// # Safety
/// The batch's pointers must be valid for the lengths it gives, for `'a`.
unsafe fn views<'a>(b: &RawBatch) -> Result<Vec<Article<'a>>, String> {
    // SAFETY: the caller vouches for each pointer and its length.
    let (years, sources, weights, art, auth, slots) = unsafe {
        (
            slice(b.years, b.articles),
            slice(b.sources, b.articles),
            slice(b.weights, b.articles),
            slice(b.article_offsets, b.articles + 1),
            slice(b.authorship_offsets, b.authorship_offsets_len),
            slice(b.slots, b.slots_len),
        )
    };
    let n = b.articles;
    let whole = [years.len(), sources.len(), weights.len()] == [n; 3] && art.len() == n + 1;
    if n > 0 && !whole {
        return Err(format!("batch of {n} articles with a null array"));
    }
    let mut out = Vec::with_capacity(n);
    for j in 0..n {
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

/// # Safety
/// `handle` must come from this table's `create` and not be destroyed;
/// `batch` must be valid as [`RawBatch`] says; `out` must give room for
/// `out.capacity` credits and `batch.articles` ends.
unsafe extern "C" fn score_batch_shim<T: Scorer + FromParams + 'static>(
    handle: *const c_void,
    batch: *const RawBatch,
    out: *mut RawOutput,
) -> Status {
    guard(|| {
        // SAFETY: `create_shim::<T>` made the handle from a `Box<Handle<T>>`,
        // and the host only passes live handles of this table.
        let h = unsafe { &*handle.cast::<Handle<T>>() };
        // SAFETY: the host lends the batch and the output for the call.
        let (b, o) = unsafe { (&*batch, &mut *out) };
        // SAFETY: the host's batch is valid for the lengths it gives.
        let articles = unsafe { views(b) }?;
        SCRATCH.with(|s| {
            let (credits, ends) = &mut *s.borrow_mut();
            credits.clear();
            ends.clear();
            h.scorer
                .score_batch(&articles, credits, ends)
                .map_err(|e| e.to_string())?;
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
            // SAFETY: the host gives room for `capacity` (>= credits.len())
            // credits and for one end per article (= ends.len()); its
            // buffers are not ours, so they do not overlap.
            unsafe {
                std::ptr::copy_nonoverlapping(credits.as_ptr(), o.credits, credits.len());
                std::ptr::copy_nonoverlapping(ends.as_ptr(), o.ends, ends.len());
            }
            Ok(OK)
        })
    })
}

/// # Safety
/// `buf` must be null or writable for `cap` bytes.
unsafe extern "C" fn last_error_shim(buf: *mut u8, cap: usize) -> usize {
    LAST_ERROR.with(|e| {
        let e = e.borrow();
        let n = e.len().min(cap);
        if n > 0 && !buf.is_null() {
            // SAFETY: the caller gives `cap` >= `n` writable bytes at `buf`.
            unsafe { std::ptr::copy_nonoverlapping(e.as_ptr(), buf, n) };
        }
        e.len()
    })
}

/// # Safety
/// `handle` must be null or come from this table's `create`, and is not
/// used again.
unsafe extern "C" fn destroy_shim<T: Scorer + FromParams + 'static>(handle: *mut c_void) {
    if !handle.is_null() {
        let _ = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: `create_shim::<T>` made it with `Box::into_raw`, and the
            // host destroys each handle once.
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
        // SAFETY: `no_mangle` on the one symbol the ABI names; a library
        // exports it once (count and share only with their `export` feature).
        #[unsafe(no_mangle)]
        pub extern "C" fn tally_scorer_v1() -> *const $crate::abi::ScorerVTable {
            static VTABLE: $crate::abi::ScorerVTable = $crate::abi::vtable::<$scorer>();
            &VTABLE
        }
    };
}
