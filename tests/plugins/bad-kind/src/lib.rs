//! Test fixture: a plugin whose `describe` gives score kind 7 (the ABI
//! defines 0, integer, and 1, fractional), which tally must refuse rather
//! than read as some kind.

#![warn(clippy::undocumented_unsafe_blocks)]

use std::ffi::c_void;
use tally_core::abi::{vtable, RawInfo, RawStr, ScorerVTable, Status, OK};
use tally_core::{Article, Credit, FromParams, ParamsError, ScoreKind, Scorer, ScorerInfo};

/// Never scores.
pub struct Odd;

impl Scorer for Odd {
    fn info(&self) -> ScorerInfo {
        ScorerInfo::new("odd", "0.0.1", "an odd kind", ScoreKind::Fractional)
    }
    fn score(&self, _: &Article<'_>, _: &mut Vec<Credit>) {}
}

impl FromParams for Odd {
    fn from_params(_: &str) -> Result<Self, ParamsError> {
        Ok(Odd)
    }
}

/// Describes any handle as kind 7.
///
/// # Safety
/// `out` must be writable (tally passes its own `RawInfo`).
unsafe extern "C" fn describe(_: *const c_void, out: *mut RawInfo) -> Status {
    let s = RawStr::new("odd");
    // SAFETY: the host passes a pointer to its writable `RawInfo`.
    unsafe {
        out.write(RawInfo {
            name: s,
            version: s,
            description: s,
            kind: 7,
        })
    };
    OK
}

static TABLE: ScorerVTable = ScorerVTable {
    describe,
    ..vtable::<Odd>()
};

/// The entry point.
#[unsafe(no_mangle)]
pub extern "C" fn tally_scorer_v1() -> *const ScorerVTable {
    &TABLE
}
