//! Which works count: the journal list, the work types and the years. The
//! filter runs where works are parsed (on any thread), so that an excluded
//! work costs as little as possible; what it decides travels in the batch.

use crate::batch::WorkView;
use crate::JournalList;

/// Why a work is not counted, decided from the work alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exclusion {
    /// Its source is not on the journal list.
    Source,
    /// Its type is not selected.
    Type,
    /// Its year is outside the period, or missing.
    Year,
}

/// What to keep.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Journal list; `None` keeps every source.
    pub sources: Option<JournalList>,
    /// Normalized work types to keep; `None` keeps all.
    pub types: Option<Vec<String>>,
    /// Inclusive year range; `None` keeps all years.
    pub years: Option<(i32, i32)>,
}

impl Filter {
    /// Screens one work, in the ledger's order (source, type, year): the
    /// year and the journal weight of a work that passes, or the first
    /// reason it does not.
    pub fn screen(&self, w: &WorkView<'_>) -> Result<(i32, f64), Exclusion> {
        let weight = match &self.sources {
            None => 1.0,
            Some(list) => list
                .weight(w.source_id(), w.issn_l(), w.issns())
                .ok_or(Exclusion::Source)?,
        };
        if let Some(types) = &self.types {
            let t = w.work_type();
            if !t.is_some_and(|t| types.iter().any(|x| x == t)) {
                return Err(Exclusion::Type);
            }
        }
        match (w.year(), self.years) {
            (Some(y), Some((a, b))) if y >= a && y <= b => Ok((y, weight)),
            (Some(y), None) => Ok((y, weight)),
            _ => Err(Exclusion::Year),
        }
    }
}
