//! Why an entity has its score, and how one article's credit was split:
//! what `tally explain` shows, gathered in the same pass as the totals.

use tally_report::{Fixed, Level};

/// What to explain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Explain {
    /// Every article that gave an entity of a level credit.
    Entity {
        /// The level.
        level: Level,
        /// The entity's id at that level.
        id: String,
    },
    /// How one work's credit was split at every level.
    Work(String),
}

/// One article's credit to the explained entity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExplainedWork {
    /// The work id.
    pub id: String,
    /// Its publication year.
    pub year: i32,
    /// The credit of each scorer, in column order.
    pub credits: Vec<Fixed>,
}

/// A slot of the traced work at one level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlotFate {
    /// Resolved: the entity's id and name.
    Entity(String, String),
    /// Unresolved, and why.
    Unresolved(&'static str),
}

/// The traced work at one level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LevelTrace {
    /// The level.
    pub level: Level,
    /// Per slot, in byline order, what it resolved to.
    pub slots: Vec<SlotFate>,
    /// Per entity credited (id, name), each scorer's credit, in the order
    /// the scorers gave them.
    pub credits: Vec<(String, String, Vec<Fixed>)>,
}

/// One work as the engine counted it.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkTrace {
    /// The work id.
    pub id: String,
    /// Its year.
    pub year: i32,
    /// Its weight (the journal's; 1 without journal weights).
    pub weight: f64,
    /// Per authorship, its distinct institutions (as the work gives their
    /// ids; `None`: an affiliation without an id).
    pub authorships: Vec<Vec<Option<String>>>,
    /// Per level of the plan.
    pub levels: Vec<LevelTrace>,
}
