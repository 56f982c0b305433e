//! Test fixture: a plugin built for the next ABI minor version, whose table
//! has one more function than this tally knows. tally accepts minor versions
//! up to its own only, so it must refuse this one before calling anything.

use tally_core::abi::{vtable, ScorerVTable, ABI_MINOR};
use tally_core::{Article, Credit, FromParams, ParamsError, ScoreKind, Scorer, ScorerInfo};

/// Never called.
pub struct Next;

impl Scorer for Next {
    fn info(&self) -> ScorerInfo {
        ScorerInfo::new(
            "next",
            "1.1.0",
            "built for a newer minor ABI",
            ScoreKind::Fractional,
        )
    }
    fn score(&self, _: &Article<'_>, _: &mut Vec<Credit>) {}
}

impl FromParams for Next {
    fn from_params(_: &str) -> Result<Self, ParamsError> {
        Ok(Next)
    }
}

/// The table of the next minor version: this one's, plus a function.
#[repr(C)]
pub struct NextTable {
    base: ScorerVTable,
    added: extern "C" fn() -> u32,
}

extern "C" fn added() -> u32 {
    1
}

static TABLE: NextTable = NextTable {
    base: ScorerVTable {
        abi_minor: ABI_MINOR + 1,
        size: std::mem::size_of::<NextTable>(),
        ..vtable::<Next>()
    },
    added,
};

/// The entry point, with a table from the next minor version.
#[unsafe(no_mangle)]
pub extern "C" fn tally_scorer_v1() -> *const ScorerVTable {
    (&TABLE as *const NextTable).cast()
}
