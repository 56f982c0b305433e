//! Test fixture: a plugin whose table claims ABI major version 2, which
//! tally (ABI 1) must refuse before calling anything.

use tally_core::abi::{vtable, ScorerVTable};
use tally_core::{Article, Credit, FromParams, ParamsError, ScoreKind, Scorer, ScorerInfo};

/// Never called.
pub struct Future;

impl Scorer for Future {
    fn info(&self) -> ScorerInfo {
        ScorerInfo::new(
            "future",
            "2.0.0",
            "built for a later ABI",
            ScoreKind::Fractional,
        )
    }
    fn score(&self, _: &Article<'_>, _: &mut Vec<Credit>) {}
}

impl FromParams for Future {
    fn from_params(_: &str) -> Result<Self, ParamsError> {
        Ok(Future)
    }
}

static TABLE: ScorerVTable = {
    let mut t = vtable::<Future>();
    t.abi_major = 2;
    t
};

/// The entry point, with a table from the future.
#[unsafe(no_mangle)]
pub extern "C" fn tally_scorer_v1() -> *const ScorerVTable {
    &TABLE
}
