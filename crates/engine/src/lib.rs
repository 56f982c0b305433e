//! The engine: batches of works in, totals out, in one streaming pass.
//!
//! Works arrive already read and screened by `tally-ingest` as
//! [`WorkBatch`]es, in input order. For each counted work,
//! [`Engine::add_batch`] drops duplicates, turns each authorship's distinct
//! institutions into slots, resolves every slot at every configured level
//! (institution, city, country), hands each level's view of the article to
//! every scorer (in batches) and adds the credits to per-(level, year,
//! scorer, entity) totals. Nothing of the work is kept but its id (for the
//! duplicate check), so memory grows with the number of entities, not of
//! works. The engine does no I/O.
//!
//! Totals are [`Fixed`]-point integers: the same input gives the same bits
//! whatever the order of the works. The [`Ledger`] accounts for every work
//! and every unit of credit.

pub mod bootstrap;
pub mod countries;
pub mod explain;
mod rank;

pub use rank::rank;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::BTreeMap;
use std::path::Path;
use tally_core::{Article, Credit, ScoreError, ScoreErrorKind, Scorer, UNRESOLVED};
use tally_ingest::{
    Affiliation, Entry, Exclusion, InputError, InputFile, InstitutionTable, RecordError, WorkBatch,
    WorkReader, WorkView,
};
use tally_report::{Fixed, Ledger, Level, LevelLedger};

/// What to count (which works count is the reader's [`tally_ingest::Filter`]).
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Levels to compute (each is ranked separately).
    pub levels: Vec<Level>,
    /// Stop at the first bad record or cut author list instead of counting it.
    pub strict: bool,
    /// The scorer (column index) whose credits the ledger's share lines
    /// report: the article's 1 split among authors, assigned or not.
    pub share_column: Option<usize>,
    /// Count every copy of a work id seen more than once (the ledger still
    /// says how many there were), instead of the first only.
    pub keep_duplicates: bool,
    /// The metropolitan areas, by GeoNames city id: the metro's id and name
    /// (for the `metro` level; a city not in it stands for itself).
    pub metros: std::sync::Arc<std::collections::HashMap<String, (String, String)>>,
    /// Regions by country code (the region's id and name), replacing the
    /// continents at `region` level when given: a country in none of them
    /// has no region.
    pub regions: Option<std::sync::Arc<std::collections::HashMap<String, (String, String)>>>,
    /// For work ids that come more than once with different content: the
    /// content digest of the copy to count (the first copy with it counts,
    /// every other copy is a duplicate), so that the order of the input
    /// does not decide. `None`: the first copy read counts.
    pub winners: Option<std::sync::Arc<std::collections::HashMap<String, u64>>>,
    /// Stability intervals: resample every article (see [`bootstrap`]).
    pub bootstrap: Option<bootstrap::Bootstrap>,
    /// An entity's articles, or one work's split, to explain.
    pub explain: Option<explain::Explain>,
    /// Collaboration: for every pair of entities on an article, both
    /// entities' credits from this column (the share scorer's) and the
    /// joint articles.
    pub collab: Option<usize>,
}

/// A pair of entities' collaboration: each one's credit on the articles
/// both appear on, and how many those are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PairTotals {
    /// The credit of the entity with the smaller index.
    pub first: Fixed,
    /// The credit of the other.
    pub second: Fixed,
    /// Articles on which both appear.
    pub joint: u64,
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// An input could not be read.
    #[error(transparent)]
    Input(#[from] InputError),
    /// Strict mode: a record could not be read.
    #[error(transparent)]
    Record(RecordError),
    /// A scorer failed, or returned something it must not.
    #[error("scorer `{scorer}`: {source}")]
    Scorer {
        /// The scorer's name.
        scorer: String,
        /// What was wrong.
        source: ScoreError,
    },
    /// The engine built an article view the core refuses: a bug in tally.
    #[error("internal error: an article of the batch is malformed ({0}); please report it")]
    Article(#[from] tally_core::ViewError),
    /// The resampled totals of the stability intervals outgrew their limit.
    #[error("the stability intervals need more than {limit_mb} MB for {resamples} resamples (years x scorers x entities x resamples x 8 bytes): ask for fewer resamples (--resamples 200), a higher level or fewer years")]
    BootstrapMemory {
        /// The limit.
        limit_mb: u64,
        /// The resamples asked for.
        resamples: u32,
    },
    /// Strict mode: a work's author list is marked as cut, so its `n` is wrong.
    #[error("{}:{line}: work {id} has a truncated author list (is_authors_truncated: true); its share would be wrong. Use a snapshot with full author lists, or drop --strict to count it and list it in the ledger", file.display())]
    Truncated {
        /// File.
        file: std::path::PathBuf,
        /// Line.
        line: u64,
        /// Work id.
        id: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resolution {
    Entity(u32),
    /// In no table.
    Unknown,
    /// In a table, but without a location at this level.
    NoLocation,
}

struct InstState {
    res: Vec<Resolution>,
    /// The country the tables give it.
    country: Option<Box<str>>,
    /// The tables gave a name (otherwise the works' names are used).
    named: bool,
    /// Its id as the works give it.
    key: Box<str>,
    /// The first name a work record gave it.
    work_name: Option<Box<str>>,
}

/// An institution unresolved at a level: works and slots it left
/// unresolved, and the last work counted (so a work counts once).
#[derive(Clone, Copy, Debug, Default)]
struct Unresolved {
    works: u64,
    slots: u64,
    last: u64,
    /// The share its slots carry under the Nature Index definition (see
    /// [`slot_share`]), in fixed point so that the sum does not depend on
    /// the order of the works.
    share: Fixed,
}

/// The share of slot `k` of a work under the Nature Index definition (the
/// `share` scorer's `drop` policy): `weight / n` per authorship, split over
/// the authorship's slots. Used only to say what an unresolved
/// institution's slots carry; the rankings and the ledger's share lines come
/// from the scorers themselves.
fn slot_share(offsets: &[u32], k: usize, weight: f64) -> f64 {
    let n = offsets.len().saturating_sub(1);
    // The authorship whose slots hold `k`: the last start at or before it.
    let a = offsets
        .partition_point(|&o| o as usize <= k)
        .saturating_sub(1);
    let slots = offsets.get(a + 1).map_or(0, |e| e - offsets[a]) as f64;
    if n == 0 || slots == 0.0 {
        return 0.0;
    }
    weight / (n as f64 * slots)
}

/// The root of an institution's lineage and its name from the tables: the
/// last ancestor of its OpenAlex `lineage`, else the end of its chain of
/// ROR parents (as `https://ror.org/ID`), else the institution itself.
fn lineage_root<'t>(
    tables: &'t tally_ingest::InstitutionTable,
    key: &str,
    found: &tally_ingest::institutions::Resolved<'t>,
) -> (String, Option<&'t str>) {
    if let Some(root) = found.primary.and_then(|p| p.parents.last()) {
        let name = tables.by_id.get(root).and_then(|r| r.name.as_deref());
        return (root.clone(), name);
    }
    let mut at = found.ror;
    let mut root: Option<&String> = None;
    // A chain of parents, followed as far as the tables go; a parent met
    // again (a loop in the data) ends it.
    let mut seen: Vec<&String> = Vec::new();
    while let Some(up) = at.and_then(|r| r.parents.first()) {
        if seen.contains(&up) {
            break;
        }
        seen.push(up);
        root = Some(up);
        at = tables.by_ror.get(up);
    }
    match root {
        Some(r) => (
            format!("https://ror.org/{r}"),
            tables.by_ror.get(r).and_then(|x| x.name.as_deref()),
        ),
        None => (key.to_owned(), found.field(|r| r.name.as_ref())),
    }
}

/// The region of a country: from the plan's regions when given, else its
/// continent.
fn region_of(plan: &Plan, country: &str) -> Option<(String, String)> {
    match &plan.regions {
        Some(r) => r.get(country).cloned(),
        None => countries::continent(country).map(|c| (c.to_owned(), countries::continent_name(c))),
    }
}

/// How many repeated work ids a run follows up (their copies compared);
/// beyond this many, the first copy read counts.
const MAX_REPEATED: usize = 1 << 20;

/// How many malformed records of each kind the ledger quotes (the first
/// ones read).
const MALFORMED_EXAMPLES: usize = 3;

/// How many unresolved institutions the ledger names per level.
const UNRESOLVED_NAMED: usize = 10;

#[derive(Clone, Copy, PartialEq, Eq)]
enum SlotRef {
    NoId,
    Inst(u32),
}

/// The entities of one level and their totals.
#[derive(Clone, Debug)]
pub struct LevelTotals {
    /// The level.
    pub level: Level,
    /// Entity ids, by dense index.
    pub ids: Vec<String>,
    /// Entity names, by dense index.
    pub names: Vec<String>,
    /// year -> scorer -> entity -> total.
    pub years: BTreeMap<i32, Vec<Vec<Fixed>>>,
    /// With a bootstrap: year -> scorer -> `entity * resamples + r` -> the
    /// resampled total, 32 fractional bits (see [`bootstrap`]).
    pub boot: BTreeMap<i32, Vec<Vec<u64>>>,
    /// Resamples per entity in `boot` (0: no bootstrap).
    pub resamples: u32,
    /// With [`explain::Explain::Entity`] at this level: every article that
    /// credited the entity, in input order.
    pub explained: Vec<explain::ExplainedWork>,
    /// With [`Plan::collab`]: per pair of entity indices (smaller first,
    /// as `first << 32 | second`), their collaboration.
    pub pairs: HashMap<u64, PairTotals>,
    /// For each other level of the plan that groups this one (see
    /// [`Level::groups_by`]): per entity of this level, the entities of
    /// that level its institutions resolve to (sorted; empty when the
    /// tables place none of them there). Filled by [`Engine::finish`].
    pub groups: Vec<(Level, Vec<Vec<u32>>)>,
    /// Per entity, the countries the tables give its institutions (sorted;
    /// empty when none), whatever the levels of the plan. Filled by
    /// [`Engine::finish`].
    pub countries: Vec<Vec<Box<str>>>,
    index: HashMap<String, u32>,
    ledger: LevelLedger,
    pending: Pending,
    /// By institution (index into the engine's institutions).
    unresolved: HashMap<u32, Unresolved>,
}

impl LevelTotals {
    fn intern(&mut self, id: &str, name: impl FnOnce() -> String) -> u32 {
        if let Some(&e) = self.index.get(id) {
            return e;
        }
        let e = self.ids.len() as u32;
        self.ids.push(id.to_owned());
        self.names.push(name());
        self.index.insert(id.to_owned(), e);
        e
    }

    /// Keeps the smallest of the names offered, so the choice does not depend on input order.
    fn offer_name(&mut self, e: u32, name: &str) {
        let cur = &mut self.names[e as usize];
        if name < cur.as_str() || *cur == self.ids[e as usize] {
            *cur = name.to_owned();
        }
    }
}

/// Everything a run produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Per level, in plan order.
    pub levels: Vec<LevelTotals>,
    /// The data-quality ledger.
    pub ledger: Ledger,
    /// The works files read, with digests.
    pub works_files: Vec<InputFile>,
    /// Work ids that came more than once (sorted).
    pub repeated: Vec<String>,
    /// Included works per publication year (for a period's `T`).
    pub included_by_year: BTreeMap<i32, u64>,
    /// With [`explain::Explain::Work`]: the work, if it was counted.
    pub trace: Option<explain::WorkTrace>,
}

/// The streaming aggregator. Feed it works, then [`Engine::finish`].
pub struct Engine<'a> {
    plan: &'a Plan,
    tables: &'a InstitutionTable,
    scorers: &'a [Box<dyn Scorer>],
    insts: Vec<InstState>,
    inst_index: HashMap<String, u32>,
    sources: HashMap<String, u32>,
    levels: Vec<LevelTotals>,
    ledger: Ledger,
    /// Numeric work ids seen (OpenAlex `W<digits>`), compressed: about two
    /// bytes per id where a hash set takes nine.
    seen_numeric: roaring::RoaringTreemap,
    seen_other: HashSet<String>,
    /// Ids seen again (up to [`MAX_REPEATED`]).
    repeated: HashSet<String>,
    /// Included works per year.
    included_by_year: BTreeMap<i32, u64>,
    // Scratch, reused across works.
    refs: Vec<SlotRef>,
    /// Per slot, the country code the work record gives (a range of `ref_text`).
    ref_countries: Vec<Option<(u32, u32)>>,
    ref_text: String,
    offsets: Vec<u32>,
    slots: Vec<u32>,
    credits: Vec<Credit>,
    ends: Vec<usize>,
    /// The bootstrap's state: bytes of resampled totals, weight scratch.
    boot: BootState,
    /// The bootstrap key of the work being counted.
    key: u64,
    /// The id of the work being counted (kept only when explaining).
    work_id: String,
    /// The traced work ([`explain::Explain::Work`]), once met.
    trace: Option<explain::WorkTrace>,
    /// Whether the work being counted is the traced one.
    tracing: bool,
}

/// What the bootstrap keeps between batches.
#[derive(Debug, Default)]
struct BootState {
    bytes: u64,
    weights: Vec<u8>,
}

impl<'a> Engine<'a> {
    /// A new engine for a plan, institution tables and scorers (in column order).
    pub fn new(
        plan: &'a Plan,
        tables: &'a InstitutionTable,
        scorers: &'a [Box<dyn Scorer>],
    ) -> Self {
        let levels = plan
            .levels
            .iter()
            .map(|&level| LevelTotals {
                level,
                ids: Vec::new(),
                names: Vec::new(),
                years: BTreeMap::new(),
                boot: BTreeMap::new(),
                resamples: plan.bootstrap.map_or(0, |b| b.resamples),
                explained: Vec::new(),
                pairs: HashMap::default(),
                groups: Vec::new(),
                countries: Vec::new(),
                index: HashMap::default(),
                ledger: LevelLedger::new(level, scorers.iter().map(|s| s.info().name.into_owned())),
                pending: Pending::default(),
                unresolved: HashMap::default(),
            })
            .collect();
        let ledger = Ledger {
            institution_records_malformed: tables.problems.len() as u64,
            institution_conflicts: tables.conflicts.iter().map(|c| c.to_string()).collect(),
            ..Default::default()
        };
        // Room up front for every institution the tables know, so that the
        // memory the run takes depends on the tables, not on how many works
        // it reads before it has met them all.
        let known = tables.by_id.len().max(tables.by_ror.len());
        let mut levels: Vec<LevelTotals> = levels;
        for lt in &mut levels {
            if lt.level == Level::Institution {
                lt.index.reserve(known);
            }
        }
        let mut inst_index = HashMap::default();
        inst_index.reserve(known);
        Engine {
            plan,
            tables,
            scorers,
            insts: Vec::with_capacity(known),
            inst_index,
            sources: HashMap::default(),
            levels,
            ledger,
            seen_numeric: roaring::RoaringTreemap::new(),
            seen_other: HashSet::default(),
            repeated: HashSet::default(),
            included_by_year: BTreeMap::new(),
            refs: Vec::new(),
            ref_countries: Vec::new(),
            ref_text: String::new(),
            offsets: Vec::new(),
            slots: Vec::new(),
            credits: Vec::new(),
            ends: Vec::new(),
            boot: BootState::default(),
            key: 0,
            work_id: String::new(),
            trace: None,
            tracing: false,
        }
    }

    /// Counts every batch of a reader, in order, and returns the files it
    /// read. Bad records are counted in the ledger and passed to
    /// `on_problem` (or stop the run in strict mode).
    pub fn read(
        &mut self,
        mut reader: WorkReader,
        mut on_problem: impl FnMut(&RecordError),
    ) -> Result<Vec<InputFile>, EngineError> {
        for batch in &mut reader {
            self.add_batch(&batch?, &mut on_problem)?;
        }
        Ok(reader.into_files())
    }

    /// Counts the records of one batch, in order.
    pub fn add_batch(
        &mut self,
        batch: &WorkBatch,
        on_problem: &mut dyn FnMut(&RecordError),
    ) -> Result<(), EngineError> {
        for entry in batch.entries() {
            match entry {
                Entry::Counted {
                    work,
                    year,
                    weight,
                    line,
                } => self.commit(&work, year, weight, (batch.path(), line))?,
                Entry::Excluded(e) => self.exclude(e),
                Entry::Malformed(e) => {
                    self.ledger.works_read += 1;
                    self.ledger.excluded.malformed += 1;
                    self.note_malformed(e);
                    if self.plan.strict {
                        return Err(EngineError::Record(e.clone()));
                    }
                    on_problem(e);
                }
            }
        }
        Ok(())
    }

    /// Counts a malformed record under its kind, quoting the first few.
    fn note_malformed(&mut self, e: &RecordError) {
        let kind = match &e.at.field {
            Some(f) => {
                // `authorships[3].institutions[0].id` -> `authorships[].institutions[].id`
                let mut k = String::with_capacity(f.len());
                let mut in_index = false;
                for c in f.chars() {
                    match c {
                        '[' => {
                            in_index = true;
                            k.push('[');
                        }
                        ']' => {
                            in_index = false;
                            k.push(']');
                        }
                        _ if in_index => {}
                        _ => k.push(c),
                    }
                }
                k
            }
            None => "line".to_owned(),
        };
        let kinds = &mut self.ledger.malformed_by_kind;
        let i = match kinds.iter().position(|m| m.kind == kind) {
            Some(i) => i,
            None => {
                kinds.push(tally_report::MalformedKind {
                    kind,
                    ..Default::default()
                });
                kinds.len() - 1
            }
        };
        let m = &mut kinds[i];
        m.count += 1;
        if m.examples.len() < MALFORMED_EXAMPLES {
            m.examples.push(e.to_string());
        }
    }

    fn first_sighting(&mut self, id: &str) -> bool {
        match id.strip_prefix('W').and_then(|d| d.parse::<u64>().ok()) {
            Some(n) if id.len() > 1 && !id[1..].starts_with('0') => self.seen_numeric.insert(n),
            _ => self.seen_other.insert(id.to_owned()),
        }
    }

    /// Records an excluded work.
    fn exclude(&mut self, e: Exclusion) {
        self.ledger.works_read += 1;
        let x = &mut self.ledger.excluded;
        match e {
            Exclusion::Source => x.source += 1,
            Exclusion::Type => x.work_type += 1,
            Exclusion::Year => x.year += 1,
        }
    }

    /// Counts a work that passed the filter: duplicate check, slots, scores.
    fn commit(
        &mut self,
        w: &WorkView<'_>,
        year: i32,
        weight: f64,
        at: (&Path, u64),
    ) -> Result<(), EngineError> {
        self.ledger.works_read += 1;
        if let Some(winners) = &self.plan.winners {
            if let Some(&d) = winners.get(w.id()) {
                if w.content_digest() != d {
                    self.ledger.excluded.duplicate += 1;
                    return Ok(());
                }
            }
        }
        if !self.first_sighting(w.id()) {
            if self.repeated.len() < MAX_REPEATED {
                self.repeated.insert(w.id().to_owned());
            }
            if !self.plan.keep_duplicates {
                self.ledger.excluded.duplicate += 1;
                return Ok(());
            }
            self.ledger.duplicates_kept += 1;
        }
        if w.authors_truncated() {
            if self.plan.strict {
                return Err(EngineError::Truncated {
                    file: at.0.to_path_buf(),
                    line: at.1,
                    id: w.id().to_string(),
                });
            }
            self.ledger.truncated_author_lists.push(w.id().to_string());
        }
        let wfixed = Fixed::from_f64(weight).unwrap_or_default();
        self.ledger.included += 1;
        *self.included_by_year.entry(year).or_default() += 1;
        self.ledger.included_weight += wfixed;
        if w.authorships() == 0 {
            self.ledger.included_without_authors += 1;
        }
        let source = match w.source_id() {
            Some(s) => match self.sources.get(s) {
                Some(&i) => i,
                None => {
                    let next = self.sources.len() as u32;
                    self.sources.insert(s.to_owned(), next);
                    next
                }
            },
            None => u32::MAX,
        };
        if self.plan.bootstrap.is_some() {
            self.key = bootstrap::work_key(w.id());
        }
        self.collect_slots(w);
        match &self.plan.explain {
            Some(explain::Explain::Entity { .. }) => {
                self.work_id.clear();
                self.work_id.push_str(w.id());
            }
            Some(explain::Explain::Work(id)) if self.trace.is_none() && id == w.id() => {
                self.tracing = true;
                self.trace = Some(self.start_trace(w.id(), year, weight));
            }
            _ => {}
        }
        for li in 0..self.levels.len() {
            self.score_level(li, year, source, weight)?;
        }
        if self.tracing {
            // Its credits come with the batch: score it now.
            for li in 0..self.levels.len() {
                self.flush_level(li)?;
            }
            self.tracing = false;
        }
        Ok(())
    }

    /// Fills `refs`/`offsets` with each authorship's distinct institutions.
    fn collect_slots(&mut self, w: &WorkView<'_>) {
        self.refs.clear();
        self.ref_countries.clear();
        self.ref_text.clear();
        self.offsets.clear();
        self.offsets.push(0);
        for a in 0..w.authorships() {
            self.ledger.authorships += 1;
            let start = self.refs.len();
            for inst in w.affiliations(a) {
                let r = match inst.id().or(inst.ror()) {
                    None => SlotRef::NoId,
                    Some(key) => SlotRef::Inst(self.intern_institution(key, &inst)),
                };
                if r == SlotRef::NoId || !self.refs[start..].contains(&r) {
                    self.refs.push(r);
                    let cc = inst.country_code().map(|c| {
                        let a = self.ref_text.len() as u32;
                        self.ref_text
                            .extend(c.chars().map(|ch| ch.to_ascii_uppercase()));
                        (a, self.ref_text.len() as u32)
                    });
                    self.ref_countries.push(cc);
                    if let (SlotRef::Inst(i), Some(name)) = (r, inst.name()) {
                        self.offer_institution_name(i, name);
                    }
                }
            }
            if self.refs.len() == start {
                self.ledger.authorships_without_institution += 1;
            }
            self.offsets.push(self.refs.len() as u32);
        }
        self.ledger.institution_slots += self.refs.len() as u64;
    }

    fn offer_institution_name(&mut self, i: u32, name: &str) {
        let st = &mut self.insts[i as usize];
        if st.work_name.is_none() && !name.is_empty() {
            st.work_name = Some(name.into());
        }
        if self.insts[i as usize].named || name.is_empty() {
            return;
        }
        let st = &self.insts[i as usize];
        for (li, lt) in self.levels.iter_mut().enumerate() {
            if let Resolution::Entity(e) = st.res[li] {
                // The institution's own entity: at institution level, and at
                // parent level when it has no parent.
                let own = match lt.level {
                    Level::Institution => true,
                    Level::Parent => lt.ids[e as usize] == *st.key,
                    _ => false,
                };
                if own {
                    lt.offer_name(e, name);
                }
            }
        }
    }

    fn intern_institution(&mut self, key: &str, inst: &Affiliation<'_>) -> u32 {
        if let Some(&i) = self.inst_index.get(key) {
            return i;
        }
        let found = self.tables.lookup(inst.id(), inst.ror());
        let name = found.field(|r| r.name.as_ref());
        let plan = self.plan;
        let mut res = Vec::with_capacity(self.levels.len());
        for lt in &mut self.levels {
            let r = match lt.level {
                Level::Institution => {
                    Resolution::Entity(lt.intern(key, || name.unwrap_or(key).to_owned()))
                }
                Level::Parent => {
                    let (root, root_name) = lineage_root(self.tables, key, &found);
                    let fallback = if root == key { name } else { None };
                    Resolution::Entity(
                        lt.intern(&root, || root_name.or(fallback).unwrap_or(&root).to_owned()),
                    )
                }
                Level::City | Level::Metro => {
                    let metro = |id: &str| match lt.level {
                        Level::Metro => plan.metros.get(id).cloned(),
                        _ => None,
                    };
                    let cc = found.field(|r| r.country.as_ref());
                    let by_id = [found.primary, found.ror]
                        .into_iter()
                        .flatten()
                        .find(|r| r.city_id.is_some());
                    let by_name = [found.primary, found.ror]
                        .into_iter()
                        .flatten()
                        .find(|r| r.city_name.is_some());
                    let label = |r: &tally_ingest::InstitutionRecord| {
                        let city = r.city_name.as_deref().unwrap_or("?");
                        match r.country.as_deref().or(cc) {
                            Some(c) => format!("{city}, {c}"),
                            None => city.to_owned(),
                        }
                    };
                    if let Some((mid, mname)) = by_id.and_then(|r| metro(r.city_id.as_deref()?)) {
                        Resolution::Entity(lt.intern(&mid, || mname))
                    } else if let Some(r) = by_id {
                        let id = r.city_id.as_deref().unwrap_or_default();
                        let e = lt.intern(id, || label(r));
                        if r.city_name.is_some() {
                            lt.offer_name(e, &label(r));
                        }
                        Resolution::Entity(e)
                    } else if let Some(r) = by_name {
                        let city = r.city_name.as_deref().unwrap_or_default();
                        let id = format!("{city}|{}", r.country.as_deref().or(cc).unwrap_or(""));
                        Resolution::Entity(lt.intern(&id, || label(r)))
                    } else if found.known() {
                        Resolution::NoLocation
                    } else {
                        Resolution::Unknown
                    }
                }
                Level::Country => match found.field(|r| r.country.as_ref()) {
                    Some(c) => Resolution::Entity(lt.intern(c, || countries::name(c))),
                    None if found.known() => Resolution::NoLocation,
                    None => Resolution::Unknown,
                },
                Level::Region => match found.field(|r| r.country.as_ref()) {
                    Some(c) => match region_of(plan, c) {
                        Some((id, name)) => Resolution::Entity(lt.intern(&id, || name)),
                        None => Resolution::NoLocation,
                    },
                    None if found.known() => Resolution::NoLocation,
                    None => Resolution::Unknown,
                },
            };
            res.push(r);
        }
        let i = self.insts.len() as u32;
        self.insts.push(InstState {
            res,
            country: found.field(|r| r.country.as_ref()).map(Box::from),
            named: name.is_some(),
            key: key.into(),
            work_name: None,
        });
        self.inst_index.insert(key.to_owned(), i);
        i
    }

    /// The traced work's authorships and their institutions.
    fn start_trace(&self, id: &str, year: i32, weight: f64) -> explain::WorkTrace {
        let authorships = self
            .offsets
            .windows(2)
            .map(|w| {
                self.refs[w[0] as usize..w[1] as usize]
                    .iter()
                    .map(|r| match r {
                        SlotRef::NoId => None,
                        SlotRef::Inst(i) => Some(self.insts[*i as usize].key.to_string()),
                    })
                    .collect()
            })
            .collect();
        explain::WorkTrace {
            id: id.to_owned(),
            year,
            weight,
            authorships,
            levels: self
                .levels
                .iter()
                .map(|l| explain::LevelTrace {
                    level: l.level,
                    slots: Vec::new(),
                    credits: Vec::new(),
                })
                .collect(),
        }
    }

    /// Scores a level's pending articles now.
    fn flush_level(&mut self, li: usize) -> Result<(), EngineError> {
        let target = self.explain_target(li);
        let hooks = Hooks {
            boot: self.plan.bootstrap.as_ref().map(|b| (b, &mut self.boot)),
            explain: target.as_deref(),
            collab: self.plan.collab,
            trace: match self.tracing {
                true => self.trace.as_mut().map(|t| &mut t.levels[li]),
                false => None,
            },
        };
        flush(
            &mut self.levels[li],
            self.scorers,
            &mut self.credits,
            &mut self.ends,
            hooks,
        )
    }

    /// The explained entity's id when it is of this level.
    fn explain_target(&self, li: usize) -> Option<String> {
        match &self.plan.explain {
            Some(explain::Explain::Entity { level, id }) if *level == self.levels[li].level => {
                Some(id.clone())
            }
            _ => None,
        }
    }

    /// Which entities of each level lie in which of another level's
    /// (for groups in the top N), from every institution's resolution at
    /// both.
    fn fill_groups(&mut self) {
        let levels: Vec<Level> = self.levels.iter().map(|l| l.level).collect();
        for (li, lt) in self.levels.iter_mut().enumerate() {
            for (gi, &g) in levels.iter().enumerate() {
                if !lt.level.groups_by(g) {
                    continue;
                }
                let mut of: Vec<Vec<u32>> = vec![Vec::new(); lt.ids.len()];
                for st in &self.insts {
                    if let (Resolution::Entity(e), Resolution::Entity(x)) = (st.res[li], st.res[gi])
                    {
                        of[e as usize].push(x);
                    }
                }
                for v in &mut of {
                    v.sort_unstable();
                    v.dedup();
                }
                lt.groups.push((g, of));
            }
            let mut countries: Vec<Vec<Box<str>>> = vec![Vec::new(); lt.ids.len()];
            for st in &self.insts {
                if let (Resolution::Entity(e), Some(c)) = (st.res[li], &st.country) {
                    countries[e as usize].push(c.clone());
                }
            }
            for v in &mut countries {
                v.sort_unstable();
                v.dedup();
            }
            lt.countries = countries;
        }
    }

    fn score_level(
        &mut self,
        li: usize,
        year: i32,
        source: u32,
        weight: f64,
    ) -> Result<(), EngineError> {
        let lt = &mut self.levels[li];
        let level = lt.level;
        self.slots.clear();
        for (k, r) in self.refs.iter().enumerate() {
            let e = match r {
                SlotRef::NoId => {
                    lt.ledger.slots_without_id += 1;
                    UNRESOLVED
                }
                SlotRef::Inst(i) => match self.insts[*i as usize].res[li] {
                    Resolution::Entity(e) => e,
                    other => {
                        // At country level the work record's own country code stands in.
                        let cc = self.ref_countries[k]
                            .map(|(a, b)| &self.ref_text[a as usize..b as usize]);
                        match (level, cc) {
                            (Level::Country, Some(c)) if !c.is_empty() => {
                                lt.intern(c, || countries::name(c))
                            }
                            (Level::Region, Some(c)) if region_of(self.plan, c).is_some() => {
                                let (id, name) = region_of(self.plan, c).unwrap_or_default();
                                lt.intern(&id, || name)
                            }
                            _ => {
                                if other == Resolution::Unknown {
                                    lt.ledger.slots_unknown_institution += 1;
                                } else {
                                    lt.ledger.slots_no_location += 1;
                                }
                                let u = lt.unresolved.entry(*i).or_default();
                                u.slots += 1;
                                u.share += Fixed::from_f64(slot_share(&self.offsets, k, weight))
                                    .unwrap_or_default();
                                if u.last != self.ledger.included {
                                    u.last = self.ledger.included;
                                    u.works += 1;
                                }
                                UNRESOLVED
                            }
                        }
                    }
                },
            };
            if e != UNRESOLVED {
                lt.ledger.slots_resolved += 1;
            }
            if self.tracing {
                if let Some(t) = self.trace.as_mut() {
                    t.levels[li].slots.push(if e == UNRESOLVED {
                        explain::SlotFate::Unresolved(match r {
                            SlotRef::NoId => "an affiliation without an institution id",
                            SlotRef::Inst(i) => match self.insts[*i as usize].res[li] {
                                Resolution::Unknown => "in no institution table",
                                _ => "no place at this level in the tables",
                            },
                        })
                    } else {
                        explain::SlotFate::Entity(
                            lt.ids[e as usize].clone(),
                            lt.names[e as usize].clone(),
                        )
                    });
                }
            }
            self.slots.push(e);
        }
        let p = &mut lt.pending;
        p.years.push(year);
        p.sources.push(source);
        p.weights.push(weight);
        p.keys.push(self.key);
        if matches!(self.plan.explain, Some(explain::Explain::Entity { .. })) {
            p.ids.push(self.work_id.as_str().into());
        }
        p.starts.push(p.offsets.len());
        let base = p.slots.len() as u32;
        p.offsets.extend(self.offsets.iter().map(|o| base + o));
        p.slots.extend_from_slice(&self.slots);
        if p.years.len() >= BATCH_ARTICLES || p.slots.len() >= BATCH_SLOTS {
            self.flush_level(li)?;
        }
        Ok(())
    }

    /// Ends the run: scores what is still pending and hands over the totals.
    pub fn finish(mut self, works_files: Vec<InputFile>) -> Result<Outcome, EngineError> {
        for li in 0..self.levels.len() {
            self.flush_level(li)?;
        }
        let mut ledger = std::mem::take(&mut self.ledger);
        ledger.truncated_author_lists.sort();
        ledger
            .malformed_by_kind
            .sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.kind.cmp(&b.kind)));
        // The share lines: what the share scorer handed out, and the rest of
        // the included works' weight.
        if let Some(si) = self.plan.share_column {
            for lt in &mut self.levels {
                let assigned = lt.ledger.credit_totals[si].total;
                lt.ledger.share_assigned = assigned;
                lt.ledger.share_unassigned =
                    tally_report::Fixed(ledger.included_weight.0.saturating_sub(assigned.0));
            }
        }
        for lt in &mut self.levels {
            let mut top: Vec<(&u32, &Unresolved)> = lt.unresolved.iter().collect();
            top.sort_by(|a, b| {
                (b.1.share, b.1.works, b.1.slots)
                    .cmp(&(a.1.share, a.1.works, a.1.slots))
                    .then_with(|| {
                        self.insts[*a.0 as usize]
                            .key
                            .cmp(&self.insts[*b.0 as usize].key)
                    })
            });
            lt.ledger.unresolved = top
                .into_iter()
                .take(UNRESOLVED_NAMED)
                .map(|(&i, u)| {
                    let st = &self.insts[i as usize];
                    tally_report::UnresolvedInstitution {
                        id: st.key.to_string(),
                        name: st.work_name.as_deref().map(str::to_owned),
                        works: u.works,
                        slots: u.slots,
                        share: u.share,
                    }
                })
                .collect();
        }
        self.fill_groups();
        for (li, lt) in self.levels.iter_mut().enumerate() {
            if lt.level != Level::Parent {
                continue;
            }
            let mut into = HashSet::default();
            for st in &self.insts {
                if let Resolution::Entity(e) = st.res[li] {
                    if lt.ids[e as usize] != *st.key {
                        lt.ledger.rolled_up += 1;
                        into.insert(e);
                    }
                }
            }
            lt.ledger.rolled_up_into = into.len() as u64;
        }
        ledger.levels = self.levels.iter().map(|l| l.ledger.clone()).collect();
        let mut repeated: Vec<String> = self.repeated.into_iter().collect();
        repeated.sort();
        Ok(Outcome {
            levels: self.levels,
            ledger,
            works_files,
            repeated,
            included_by_year: self.included_by_year,
            trace: self.trace,
        })
    }
}

/// Articles gathered per level before the scorers see them as one batch.
const BATCH_ARTICLES: usize = 512;
/// ... or slots, whichever fills first.
const BATCH_SLOTS: usize = 1 << 16;

/// Articles of one level waiting to be scored, as flat arrays.
#[derive(Clone, Debug, Default)]
struct Pending {
    years: Vec<i32>,
    sources: Vec<u32>,
    weights: Vec<f64>,
    /// The bootstrap key of each article's work.
    keys: Vec<u64>,
    /// Each article's work id (only when explaining an entity).
    ids: Vec<Box<str>>,
    /// Where each article's run in `offsets` starts (runs have n + 1 entries).
    starts: Vec<usize>,
    offsets: Vec<u32>,
    slots: Vec<u32>,
}

/// What a flush does besides the totals: the bootstrap, the explained
/// entity's articles, the pairs, the traced work.
struct Hooks<'x> {
    boot: Option<(&'x bootstrap::Bootstrap, &'x mut BootState)>,
    explain: Option<&'x str>,
    collab: Option<usize>,
    trace: Option<&'x mut explain::LevelTrace>,
}

/// Hands a level's pending articles to every scorer as one batch and adds
/// the credits to the year totals.
fn flush(
    lt: &mut LevelTotals,
    scorers: &[Box<dyn Scorer>],
    credits: &mut Vec<Credit>,
    ends: &mut Vec<usize>,
    hooks: Hooks<'_>,
) -> Result<(), EngineError> {
    let Hooks {
        mut boot,
        explain,
        collab,
        mut trace,
    } = hooks;
    let p = std::mem::take(&mut lt.pending);
    if p.years.is_empty() {
        lt.pending = p;
        return Ok(());
    }
    let n = p.years.len();
    let mut articles = Vec::with_capacity(n);
    for j in 0..n {
        let end = p.starts.get(j + 1).copied().unwrap_or(p.offsets.len());
        let a = Article::new(
            p.years[j],
            p.sources[j],
            p.weights[j],
            &p.offsets[p.starts[j]..end],
            &p.slots,
        )?;
        articles.push(a);
    }
    let n_entities = lt.ids.len();
    let target = explain.and_then(|id| lt.index.get(id).copied());
    let mut explained_at: Vec<Option<usize>> = Vec::new();
    if target.is_some() {
        explained_at.resize(n, None);
    }
    // Every article's weight in every resample, once for all scorers.
    let r = lt.resamples as usize;
    if let Some((b, st)) = boot.as_mut() {
        st.weights.resize(n * r, 0);
        for j in 0..n {
            bootstrap::weights(b.seed, p.keys[j], &mut st.weights[j * r..(j + 1) * r]);
        }
    }
    for (si, scorer) in scorers.iter().enumerate() {
        credits.clear();
        ends.clear();
        let name = || scorer.info().name.into_owned();
        let fail = |kind: ScoreErrorKind| EngineError::Scorer {
            scorer: name(),
            source: kind.into(),
        };
        scorer
            .score_batch(&articles, credits, ends)
            .map_err(|source| EngineError::Scorer {
                scorer: name(),
                source,
            })?;
        if ends.len() != n {
            return Err(fail(ScoreErrorKind::BadOutput(format!(
                "{} article ends for {n} articles",
                ends.len()
            ))));
        }
        let mut sum = Fixed::ZERO;
        let mut from = 0;
        for (j, &end) in ends.iter().enumerate() {
            let acc = lt
                .years
                .entry(p.years[j])
                .or_insert_with(|| vec![Vec::new(); scorers.len()]);
            let totals = &mut acc[si];
            if totals.len() < n_entities {
                totals.resize(n_entities, Fixed::ZERO);
            }
            for c in credits.get(from..end).unwrap_or_default() {
                match Fixed::from_f64(c.credit) {
                    Some(f) if (c.entity as usize) < n_entities => {
                        totals[c.entity as usize] += f;
                        sum += f;
                        if Some(c.entity) == target {
                            let k = *explained_at[j].get_or_insert_with(|| {
                                lt.explained.push(explain::ExplainedWork {
                                    id: p.ids.get(j).map(|s| s.to_string()).unwrap_or_default(),
                                    year: p.years[j],
                                    credits: vec![Fixed::ZERO; scorers.len()],
                                });
                                lt.explained.len() - 1
                            });
                            lt.explained[k].credits[si] += f;
                        }
                        if let Some(t) = trace.as_mut() {
                            // The traced work is the last of its batch.
                            if j + 1 == n {
                                let id = &lt.ids[c.entity as usize];
                                let at = match t.credits.iter().position(|x| x.0 == *id) {
                                    Some(k) => k,
                                    None => {
                                        t.credits.push((
                                            id.clone(),
                                            lt.names[c.entity as usize].clone(),
                                            vec![Fixed::ZERO; scorers.len()],
                                        ));
                                        t.credits.len() - 1
                                    }
                                };
                                t.credits[at].2[si] += f;
                            }
                        }
                        if let Some((b, st)) = boot.as_mut() {
                            let acc = lt
                                .boot
                                .entry(p.years[j])
                                .or_insert_with(|| vec![Vec::new(); scorers.len()]);
                            let v = &mut acc[si];
                            if v.len() < n_entities * r {
                                let grow = (n_entities * r - v.len()) as u64 * 8;
                                st.bytes += grow;
                                if st.bytes > b.max_bytes {
                                    return Err(EngineError::BootstrapMemory {
                                        limit_mb: b.max_bytes >> 20,
                                        resamples: b.resamples,
                                    });
                                }
                                v.resize(n_entities * r, 0);
                            }
                            let c32 = bootstrap::fixed32(f);
                            let e = c.entity as usize * r;
                            for (t, w) in
                                v[e..e + r].iter_mut().zip(&st.weights[j * r..(j + 1) * r])
                            {
                                *t += u64::from(*w) * c32;
                            }
                        }
                    }
                    Some(_) => {
                        return Err(fail(ScoreErrorKind::NotOnArticle {
                            article: j,
                            entity: c.entity,
                            resolved: articles[j]
                                .slots()
                                .iter()
                                .copied()
                                .filter(|e| *e != UNRESOLVED)
                                .collect(),
                        }))
                    }
                    None => {
                        return Err(fail(ScoreErrorKind::BadCredit {
                            article: j,
                            entity: c.entity,
                            credit: c.credit,
                        }))
                    }
                }
            }
            if collab == Some(si) {
                add_pairs(&mut lt.pairs, credits.get(from..end).unwrap_or_default());
            }
            from = end;
        }
        lt.ledger.credit_totals[si].total += sum;
    }
    let mut p = p;
    p.years.clear();
    p.sources.clear();
    p.weights.clear();
    p.keys.clear();
    p.ids.clear();
    p.starts.clear();
    p.offsets.clear();
    p.slots.clear();
    lt.pending = p;
    Ok(())
}

/// Adds an article's pairs: each two distinct entities credited on it
/// (an entity credited through several slots counts its sum).
fn add_pairs(pairs: &mut HashMap<u64, PairTotals>, credits: &[Credit]) {
    let mut ents: Vec<(u32, Fixed)> = credits
        .iter()
        .filter_map(|c| Some((c.entity, Fixed::from_f64(c.credit)?)))
        .collect();
    ents.sort_unstable_by_key(|e| e.0);
    let mut merged: Vec<(u32, Fixed)> = Vec::with_capacity(ents.len());
    for (e, f) in ents {
        match merged.last_mut() {
            Some(last) if last.0 == e => last.1 += f,
            _ => merged.push((e, f)),
        }
    }
    for (i, &(a, fa)) in merged.iter().enumerate() {
        for &(b, fb) in &merged[i + 1..] {
            let p = pairs.entry(u64::from(a) << 32 | u64::from(b)).or_default();
            p.first += fa;
            p.second += fb;
            p.joint += 1;
        }
    }
}

#[cfg(test)]
mod tests;

/// The report column of a scorer.
pub fn column(scorer: &dyn Scorer) -> tally_report::Column {
    let info = scorer.info();
    tally_report::Column {
        name: info.name.into_owned(),
        version: info.version.into_owned(),
        kind: match info.kind {
            tally_core::ScoreKind::Integer => tally_report::ScoreKind::Integer,
            tally_core::ScoreKind::Fractional => tally_report::ScoreKind::Fractional,
        },
    }
}
