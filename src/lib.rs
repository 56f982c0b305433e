//! The `tally` driver: turns resolved [`Settings`] into a [`Report`] and the
//! report into output. The command line (`main.rs`) is a thin layer on top.

pub mod collab;
pub mod explain;
pub mod scaffold;
pub mod scorers;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use tally_config::{Format, Settings};
use tally_core::Scorer;
use tally_engine::{rank, Engine, EngineError, Plan};
use tally_ingest::{
    expand_inputs, Filter, InputError, InputFile, InstitutionTable, JournalList, RecordError,
};
use tally_report::{InputInfo, Report, RunInfo, ScorerUse};

/// Why a command did not complete. Every message says where and why; the
/// command line prints it and picks the exit code.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// An input could not be read.
    #[error(transparent)]
    Input(#[from] InputError),
    /// Counting stopped.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A configured scorer could not be built.
    #[error("{origin}: scorer `{name}`: {source}")]
    Scorer {
        /// Where it was configured.
        origin: String,
        /// Its name.
        name: String,
        /// Why.
        source: Box<scorers::BuildError>,
    },
    /// `by` names no scorer of the run.
    #[error("--by {0}: not one of the scorers run")]
    UnknownBy(String),
    /// A file could not be written (or a folder made).
    #[error("{}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// An output path that names no file.
    #[error("{}: not a file path", .0.display())]
    NotAFile(PathBuf),
    /// The run would print an empty ranking: no work included, or nothing
    /// resolved at a level (`--allow-empty` prints it anyway).
    #[error("{0} (--allow-empty prints the empty ranking)")]
    Empty(String),
    /// A settings file read during the run (the metros) is wrong.
    #[error(transparent)]
    Config(#[from] tally_config::ConfigError),
    /// `tally new-scorer` refused.
    #[error(transparent)]
    Scaffold(#[from] scaffold::ScaffoldError),
    /// [`CANCEL`] moved on: the run stopped between two batches of works
    /// (or before ranking).
    #[error("interrupted: the run stopped before it finished")]
    Cancelled,
}

/// Add one to it to stop every run in progress: each run notes its value
/// when it starts and stops with [`RunError::Cancelled`] at the next batch
/// of works (or before ranking) once it has changed; runs started after
/// are not affected. The Python module adds one on Ctrl-C.
pub static CANCEL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Whether [`CANCEL`] moved on since a run noted `epoch`.
fn cancelled(epoch: u64) -> bool {
    CANCEL.load(std::sync::atomic::Ordering::Relaxed) != epoch
}

impl RunError {
    /// The exit code: 2 for what must change in the command line or the
    /// config (a scorer that cannot be loaded or refuses its params, `--by`
    /// naming no scorer of the run), 1 for a run that failed on its inputs
    /// or its output.
    pub fn exit_code(&self) -> u8 {
        match self {
            RunError::Scorer { .. } | RunError::UnknownBy(_) | RunError::Config(_) => 2,
            _ => 1,
        }
    }
}

fn info(f: &InputFile) -> InputInfo {
    InputInfo {
        path: f.path.display().to_string(),
        bytes: f.bytes,
        digest: f.digest.clone(),
    }
}

/// Reads the inputs, counts, ranks. Record-level problems (malformed lines,
/// unreadable institution records) go to `on_problem`; they stop the run only
/// in strict mode.
pub fn build_report(
    settings: &Settings,
    on_problem: impl FnMut(&RecordError),
) -> Result<Report, RunError> {
    build_report_with(settings, false, on_problem)
}

/// [`build_report`], with a progress bar on stderr when `progress` is set
/// (bytes and works per second, ETA).
pub fn build_report_with(
    settings: &Settings,
    progress: bool,
    on_problem: impl FnMut(&RecordError),
) -> Result<Report, RunError> {
    build_explained(settings, progress, Extra::default(), on_problem).map(|(r, _)| r)
}

/// What a run gathers besides the totals (for `tally explain` and
/// `tally collab`).
#[derive(Clone, Debug, Default)]
pub struct Extra {
    /// An entity's articles, or one work's split.
    pub explain: Option<tally_engine::explain::Explain>,
    /// The pairs of entities that share articles (needs the share scorer).
    pub collab: bool,
}

/// Two entities' collaboration: each one's share on the articles both
/// appear on, and how many those are. `a` and `b` index a [`Pairs`]
/// table's entities; `a` has the smaller id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pair {
    /// One entity.
    pub a: u32,
    /// The other.
    pub b: u32,
    /// `a`'s share on the joint articles.
    pub a_share: tally_report::Fixed,
    /// `b`'s share on them.
    pub b_share: tally_report::Fixed,
    /// Joint articles.
    pub joint: u64,
}

impl Pair {
    /// The Nature Index collaboration score: both shares together.
    pub fn score(&self) -> tally_report::Fixed {
        self.a_share + self.b_share
    }
}

/// A level's pairs, with the ids and names they index.
#[derive(Clone, Debug, Default)]
pub struct Pairs {
    /// Entity ids, by index.
    pub ids: Vec<String>,
    /// Entity names, by index.
    pub names: Vec<String>,
    /// Every pair (in no particular order).
    pub pairs: Vec<Pair>,
}

/// What `tally explain` gathers besides the report.
#[derive(Debug, Default)]
pub struct Explained {
    /// The explained entity's articles, per level of the run.
    pub articles: Vec<(
        tally_report::Level,
        Vec<tally_engine::explain::ExplainedWork>,
    )>,
    /// The traced work, if it was counted.
    pub trace: Option<tally_engine::explain::WorkTrace>,
    /// With [`Extra::collab`]: per level, every pair.
    pub pairs: Vec<(tally_report::Level, Pairs)>,
}

/// [`build_report_with`], also gathering what `explain` asks for.
pub fn build_explained(
    settings: &Settings,
    progress: bool,
    extra: Extra,
    mut on_problem: impl FnMut(&RecordError),
) -> Result<(Report, Explained), RunError> {
    let epoch = CANCEL.load(std::sync::atomic::Ordering::Relaxed);
    let built: Vec<scorers::Built> = settings
        .scorers
        .iter()
        .map(scorers::build)
        .collect::<Result<_, _>>()?;
    let origins: Vec<String> = built.iter().map(|b| b.origin.clone()).collect();
    let scorers: Vec<Box<dyn Scorer>> = built.into_iter().map(|b| b.scorer).collect();
    let inputs = Inputs::load(settings, &mut on_problem)?;
    let mut outcome = count(
        settings,
        &inputs,
        &scorers,
        progress,
        extra,
        epoch,
        &mut on_problem,
    )?;
    if cancelled(epoch) {
        return Err(RunError::Cancelled);
    }
    let explained = Explained {
        articles: outcome
            .levels
            .iter_mut()
            .map(|l| (l.level, std::mem::take(&mut l.explained)))
            .collect(),
        trace: outcome.trace.take(),
        pairs: outcome
            .levels
            .iter_mut()
            .map(|l| {
                let pairs = std::mem::take(&mut l.pairs)
                    .into_iter()
                    .map(|(k, p)| {
                        let (x, y) = ((k >> 32) as u32, (k & 0xffff_ffff) as u32);
                        if l.ids[x as usize] <= l.ids[y as usize] {
                            Pair {
                                a: x,
                                b: y,
                                a_share: p.first,
                                b_share: p.second,
                                joint: p.joint,
                            }
                        } else {
                            Pair {
                                a: y,
                                b: x,
                                a_share: p.second,
                                b_share: p.first,
                                joint: p.joint,
                            }
                        }
                    })
                    .collect();
                let table = Pairs {
                    ids: l.ids.clone(),
                    names: l.names.clone(),
                    pairs,
                };
                (l.level, table)
            })
            .collect(),
    };
    let groupings = groupings(settings, &mut outcome);
    if !settings.allow_empty {
        if let Some(why) = nothing_to_rank(settings, &inputs, &outcome.ledger) {
            return Err(RunError::Empty(why));
        }
    }
    let found = findings(&inputs, &outcome.ledger);
    outcome.ledger.warnings.extend(found);
    let columns: Vec<_> = scorers
        .iter()
        .map(|s| tally_engine::column(s.as_ref()))
        .collect();
    let by = columns
        .iter()
        .position(|c| c.name == settings.by)
        .ok_or_else(|| RunError::UnknownBy(settings.by.clone()))?;
    let t = std::time::Instant::now();
    // One period (the years), or each named period in config order.
    let periods: Vec<(String, Option<(i32, i32)>)> = if settings.periods.is_empty() {
        vec![(settings.years.label(), settings.years.0)]
    } else {
        settings
            .periods
            .iter()
            .map(|(name, y)| {
                let years = y.label();
                let label = if *name == years {
                    years
                } else {
                    format!("{name}: {years}")
                };
                (label, y.0)
            })
            .collect()
    };
    let included = |span: Option<(i32, i32)>| -> u64 {
        outcome
            .included_by_year
            .iter()
            .filter(|(y, _)| span.is_none_or(|(a, b)| (a..=b).contains(*y)))
            .map(|(_, n)| n)
            .sum()
    };
    // A named period with no work would rank (and compare) as empty.
    if !settings.allow_empty {
        if let Some((label, _)) = periods.iter().find(|(_, span)| included(*span) == 0) {
            return Err(RunError::Empty(format!(
                "the period {label} includes no work ({} included in all): pass periods with years the data has",
                outcome.ledger.included
            )));
        }
    }
    let mut rankings: Vec<tally_report::Ranking> = Vec::new();
    for lt in &outcome.levels {
        for (label, span) in &periods {
            if cancelled(epoch) {
                return Err(RunError::Cancelled);
            }
            let mut r = rank(lt, columns.clone(), by, *span, label.clone()).cut(settings.top);
            r.included = included(*span);
            rankings.push(r);
        }
    }
    for r in &rankings {
        tracing::info!(
            "{} ranking: {} entities, {} rows shown, ranked in {}",
            r.level.as_str(),
            r.entities,
            r.rows.len(),
            ms(t)
        );
    }
    Ok((
        Report {
            run: run_info(settings, &inputs, &outcome, &columns, &origins),
            rankings,
            ledger: outcome.ledger,
            top: settings.top,
            groupings,
        },
        explained,
    ))
}

/// The levels the engine computes: those ranked, and the group level
/// (but for countries, which the engine gives every level without
/// computing the country level).
fn plan_levels(settings: &Settings) -> Vec<tally_report::Level> {
    let mut levels = settings.levels.clone();
    if let Some(g) = settings
        .group
        .filter(|g| !levels.contains(g) && *g != tally_report::Level::Country)
    {
        levels.push(g);
    }
    levels
}

/// Which entities of each ranked level lie in which groups (with
/// `--group`); the group level, when it is not ranked itself, is then
/// taken out of the outcome, ledger included.
fn groupings(
    settings: &Settings,
    outcome: &mut tally_engine::Outcome,
) -> Vec<tally_report::Grouping> {
    let Some(g) = settings.group else {
        return Vec::new();
    };
    if g == tally_report::Level::Country && !settings.levels.contains(&g) {
        // From the countries the tables give each entity's institutions.
        return outcome
            .levels
            .iter()
            .filter(|lt| lt.level.groups_by(g))
            .map(|lt| {
                let mut names = std::collections::BTreeMap::new();
                let members = lt
                    .countries
                    .iter()
                    .enumerate()
                    .filter(|(_, cs)| !cs.is_empty())
                    .map(|(e, cs)| {
                        for c in cs {
                            names
                                .entry(c.to_string())
                                .or_insert_with(|| tally_engine::countries::name(c));
                        }
                        (
                            lt.ids[e].clone(),
                            cs.iter().map(|c| c.to_string()).collect(),
                        )
                    })
                    .collect();
                tally_report::Grouping {
                    level: lt.level,
                    group: g,
                    members,
                    names,
                }
            })
            .collect();
    }
    let Some(gl) = outcome.levels.iter().position(|l| l.level == g) else {
        return Vec::new();
    };
    let group = &outcome.levels[gl];
    let mut out = Vec::new();
    for lt in &outcome.levels {
        let Some((_, of)) = lt.groups.iter().find(|(x, _)| *x == g) else {
            continue;
        };
        let mut members = std::collections::BTreeMap::new();
        let mut names = std::collections::BTreeMap::new();
        for (e, gs) in of.iter().enumerate() {
            if gs.is_empty() {
                continue;
            }
            let mut ids: Vec<String> = gs
                .iter()
                .map(|&x| {
                    let id = group.ids[x as usize].clone();
                    names
                        .entry(id.clone())
                        .or_insert_with(|| group.names[x as usize].clone());
                    id
                })
                .collect();
            ids.sort();
            members.insert(lt.ids[e].clone(), ids);
        }
        out.push(tally_report::Grouping {
            level: lt.level,
            group: g,
            members,
            names,
        });
    }
    if !settings.levels.contains(&g) {
        outcome.levels.remove(gl);
        outcome.ledger.levels.retain(|l| l.level != g);
    }
    out
}

/// Share of the credit at a level above which it is "mostly unassigned".
const MOSTLY_UNASSIGNED: f64 = 0.5;

/// What the user should look at in a run that did rank something: journals
/// of the list that matched no work, and levels where most of the share is
/// unassigned, with the input that would resolve it.
fn findings(inputs: &Inputs, ledger: &tally_report::Ledger) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(list) = &inputs.sources {
        let missed = list.unmatched();
        if let Some((line, id)) = missed.first() {
            out.push(format!(
                "{} of the {} journals in {} matched no work read (the first on line {line}: {id}): check those entries, or the works do not cover those journals",
                missed.len(),
                list.journals(),
                list.path.display()
            ));
        }
    }
    if let Some(first) = ledger.truncated_author_lists.first() {
        out.push(format!(
            "{} included works have an author list marked as cut (is_authors_truncated; the first: {first}): their shares are wrong; use data with full author lists (a snapshot), or --strict to refuse them",
            ledger.truncated_author_lists.len()
        ));
    }
    for lv in &ledger.levels {
        let (a, u) = (lv.share_assigned.to_f64(), lv.share_unassigned.to_f64());
        if a + u <= 0.0 || u / (a + u) <= MOSTLY_UNASSIGNED {
            continue;
        }
        let level = lv.level.as_str();
        let without = ledger.authorships_without_institution;
        let cause = if lv.slots_unknown_institution + lv.slots_no_location == 0 {
            format!(
                "every institution slot resolves: the unassigned share is that of the {without} of {} authorships without any institution, which the data gives no affiliation (share.unaffiliated = \"renormalize\" shares each work among its affiliated authors instead)",
                ledger.authorships
            )
        } else if lv.slots_unknown_institution >= lv.slots_no_location {
            format!(
                "{} of {} institution slots are in no institution table: pass --institutions with OpenAlex institutions or ROR records that cover them",
                lv.slots_unknown_institution, ledger.institution_slots
            )
        } else if lv.level == tally_report::Level::Region {
            format!(
                "{} of {} institution slots have no country in the tables, or a country in no region given: use tables with locations, or a regions file that covers those countries",
                lv.slots_no_location, ledger.institution_slots
            )
        } else {
            format!(
                "{} of {} institution slots have no {level} in the tables: use tables with locations (OpenAlex institutions with geo, ROR records)",
                lv.slots_no_location, ledger.institution_slots
            )
        };
        let detail = if lv.slots_unknown_institution + lv.slots_no_location == 0 {
            cause
        } else {
            format!("{without} authorships have no institution; {cause}")
        };
        out.push(format!(
            "at {level} level {:.0} % of the share is unassigned ({detail})",
            100.0 * u / (a + u)
        ));
    }
    out
}

/// Why the run has nothing to rank, with what to pass instead; `None` when
/// every level has at least one entity.
fn nothing_to_rank(
    settings: &Settings,
    inputs: &Inputs,
    ledger: &tally_report::Ledger,
) -> Option<String> {
    let files = || {
        let mut names: Vec<String> = inputs
            .works
            .iter()
            .take(3)
            .map(|p| p.display().to_string())
            .collect();
        if inputs.works.len() > 3 {
            names.push(format!("and {} more", inputs.works.len() - 3));
        }
        names.join(", ")
    };
    if ledger.works_read == 0 {
        return Some(format!(
            "the works input holds no record ({}): pass OpenAlex works (JSON Lines, .gz too) or a tidy works CSV with --works",
            files()
        ));
    }
    if ledger.included == 0 {
        let x = &ledger.excluded;
        let reasons = [
            (x.malformed, "malformed"),
            (x.source, "not in the journal list"),
            (x.work_type, "of a type not kept"),
            (x.year, "outside the years"),
            (x.duplicate, "duplicates"),
        ];
        let parts: Vec<String> = reasons
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
        let (_, main) = reasons.iter().max_by_key(|(n, _)| *n).copied()?;
        let hint = match main {
            "malformed" => "no record could be read: see the warnings above".to_owned(),
            "not in the journal list" => format!(
                "the journal list {} matches no work's source id or ISSN",
                settings
                    .sources
                    .as_deref()
                    .map_or_else(String::new, |p| p.display().to_string())
            ),
            "of a type not kept" => format!(
                "the types kept are {}: pass --types with types the data has, or --types all",
                settings.types.as_deref().unwrap_or_default().join(", ")
            ),
            "outside the years" => format!(
                "the years kept are {}: pass --years with years the data has, or --years all",
                settings.years.label()
            ),
            _ => "every record repeats an id already counted".to_owned(),
        };
        return Some(format!(
            "no work was included: {} read, {}; {hint}",
            ledger.works_read,
            parts.join(", ")
        ));
    }
    for lv in &ledger.levels {
        if lv.slots_resolved > 0 {
            continue;
        }
        let level = lv.level.as_str();
        if ledger.institution_slots == 0 {
            return Some(format!(
                "nothing to rank at {level} level: none of the {} included works has an institution",
                ledger.included
            ));
        }
        let tables = if inputs.tables.files.is_empty() {
            format!("ranking by {level} needs --institutions (OpenAlex institutions, ROR records or an institutions CSV) that cover the works' institutions")
        } else {
            format!(
                "the institutions given ({}) do not place these works' institutions in a {level}",
                inputs
                    .tables
                    .files
                    .iter()
                    .map(|f| f.path.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Some(format!(
            "nothing resolved at {level} level: of {} institution slots, {} are in no institution table, {} have no {level}, {} have no id; {tables}",
            ledger.institution_slots,
            lv.slots_unknown_institution,
            lv.slots_no_location,
            lv.slots_without_id,
        ));
    }
    None
}

/// What is read before the works: the journal list and the institution tables.
struct Inputs {
    works: Vec<PathBuf>,
    /// Works files found in a directory or by a glob (skipped when they
    /// hold something else).
    found: std::collections::HashSet<PathBuf>,
    sources: Option<JournalList>,
    sources_file: Option<InputFile>,
    tables: InstitutionTable,
}

impl Inputs {
    /// Expands the inputs, loads the journal list and the tables; the tables'
    /// bad records go to `on_problem`.
    fn load(
        settings: &Settings,
        on_problem: &mut impl FnMut(&RecordError),
    ) -> Result<Inputs, RunError> {
        let t = std::time::Instant::now();
        let sources = settings
            .sources
            .as_deref()
            .map(JournalList::load)
            .transpose()?;
        let sources_file = settings.sources.as_deref().map(digest).transpose()?;
        if let Some(list) = &sources {
            tracing::info!(
                "journal list {}: {} journals ({} ids) in {}",
                list.path.display(),
                list.journals(),
                list.len(),
                ms(t)
            );
        }
        let (works, found) = tally_ingest::expand_inputs_found(&settings.works)?;
        tracing::info!("works inputs: {} files", works.len());
        for w in &works {
            tracing::debug!("works file {}", w.display());
        }
        let inst_paths = if settings.institutions.is_empty() {
            Vec::new()
        } else {
            expand_inputs(&settings.institutions)?
        };
        let t = std::time::Instant::now();
        let tables = InstitutionTable::load(&inst_paths, settings.strict)?;
        tracing::info!(
            "institution tables: {} OpenAlex or CSV records, {} ROR records, {} unreadable, {} ids given twice with other data, from {} files in {}",
            tables.by_id.len(),
            tables.by_ror.len(),
            tables.problems.len(),
            tables.conflicts.len(),
            tables.files.len(),
            ms(t)
        );
        log_files("institutions", &tables.files);
        for p in &tables.problems {
            on_problem(p);
        }
        Ok(Inputs {
            works,
            found,
            sources,
            sources_file,
            tables,
        })
    }
}

/// Memory the stability intervals' resampled totals may take (4 GiB).
pub const BOOTSTRAP_MAX_BYTES: u64 = 4 << 30;

/// Reads and counts the works.
fn count(
    settings: &Settings,
    inputs: &Inputs,
    scorers: &[Box<dyn Scorer>],
    progress: bool,
    extra: Extra,
    epoch: u64,
    on_problem: &mut impl FnMut(&RecordError),
) -> Result<tally_engine::Outcome, RunError> {
    let t = std::time::Instant::now();
    let mut plan = Plan {
        levels: plan_levels(settings),
        strict: settings.strict,
        share_column: scorers::registry().ledger_share().and_then(|share| {
            settings
                .scorers
                .iter()
                .position(|s| s.name == share.name && s.library.is_none())
        }),
        keep_duplicates: settings.keep_duplicates,
        winners: None,
        metros: std::sync::Arc::new(
            if plan_levels(settings).contains(&tally_report::Level::Metro) {
                tally_config::load_metros(settings.metros.as_deref())?
            } else {
                HashMap::new()
            },
        ),
        regions: settings
            .regions
            .as_deref()
            .map(tally_config::load_regions)
            .transpose()?
            .map(std::sync::Arc::new),
        bootstrap: settings
            .intervals
            .map(|i| tally_engine::bootstrap::Bootstrap {
                resamples: i.resamples,
                seed: i.seed,
                max_bytes: BOOTSTRAP_MAX_BYTES,
            }),
        explain: extra.explain,
        collab: None,
    };
    if extra.collab {
        plan.collab = plan.share_column;
        if plan.collab.is_none() {
            return Err(RunError::Config(tally_config::ConfigError::Invalid(
                "collaboration is the share of both entities on joint articles: add the share scorer (--scorers count,share)".into(),
            )));
        }
    }
    let mut outcome = pass(
        settings,
        inputs,
        scorers,
        &plan,
        (progress, epoch),
        on_problem,
    )?;
    if !settings.keep_duplicates && !outcome.repeated.is_empty() {
        // Repeated ids: compare their copies; where they differ, the copy
        // with the smallest content digest counts, whatever the order.
        let copies = probe(settings, inputs, &outcome.repeated)?;
        let differing: Vec<(&String, &Vec<u64>)> = copies
            .iter()
            .filter(|(_, d)| d.iter().any(|x| *x != d[0]))
            .collect();
        let winners: HashMap<String, u64> = differing
            .iter()
            .map(|(id, d)| ((*id).clone(), d.iter().copied().min().unwrap_or_default()))
            .collect();
        let recount = differing.iter().any(|(id, d)| d[0] != winners[*id]);
        tracing::info!(
            "duplicates: {} work ids repeat, {} with different content{}",
            outcome.repeated.len(),
            differing.len(),
            if recount {
                "; counting again so that the copy counted does not depend on the order"
            } else {
                ""
            }
        );
        let n = differing.len() as u64;
        let examples: Vec<String> = differing
            .iter()
            .take(10)
            .map(|(id, _)| (*id).clone())
            .collect();
        if recount {
            plan.winners = Some(std::sync::Arc::new(winners));
            outcome = pass(
                settings,
                inputs,
                scorers,
                &plan,
                (false, epoch),
                &mut |_: &RecordError| {},
            )?;
        }
        outcome.ledger.duplicates_differing = n;
        outcome.ledger.duplicates_differing_examples = examples;
    }
    log_outcome(&outcome, t);
    Ok(outcome)
}

/// The copies of each repeated work id among the included works, in input
/// order: their content digests.
fn probe(
    settings: &Settings,
    inputs: &Inputs,
    repeated: &[String],
) -> Result<std::collections::BTreeMap<String, Vec<u64>>, RunError> {
    let mut copies: std::collections::BTreeMap<String, Vec<u64>> =
        std::collections::BTreeMap::new();
    let reader = tally_ingest::read_works(
        inputs.works.clone(),
        std::sync::Arc::new(filter(settings, inputs)),
        &read_options(settings, inputs),
    )?;
    for batch in reader {
        let batch = batch?;
        for entry in batch.entries() {
            if let tally_ingest::Entry::Counted { work, .. } = entry {
                if repeated
                    .binary_search_by(|r| r.as_str().cmp(work.id()))
                    .is_ok()
                {
                    copies
                        .entry(work.id().to_owned())
                        .or_default()
                        .push(work.content_digest());
                }
            }
        }
    }
    Ok(copies)
}

fn filter(settings: &Settings, inputs: &Inputs) -> Filter {
    Filter {
        sources: inputs.sources.clone(),
        types: settings.types.clone(),
        years: settings.years.0,
    }
}

fn read_options(settings: &Settings, inputs: &Inputs) -> tally_ingest::ReadOptions {
    let mut opts = tally_ingest::ReadOptions::default();
    if let Some(t) = settings.threads {
        opts.threads = t;
    }
    opts.found = inputs.found.clone();
    opts
}

/// One pass over the works with `plan`.
/// One pass over the works; `run` is (show a progress bar, the
/// [`CANCEL`] value the run started with).
fn pass(
    settings: &Settings,
    inputs: &Inputs,
    scorers: &[Box<dyn Scorer>],
    plan: &Plan,
    run: (bool, u64),
    on_problem: &mut impl FnMut(&RecordError),
) -> Result<tally_engine::Outcome, RunError> {
    let (progress, epoch) = run;
    let mut engine = Engine::new(plan, &inputs.tables, scorers);
    let mut opts = read_options(settings, inputs);
    let bar = progress.then(|| progress_bar(&inputs.works));
    if let Some(bar) = &bar {
        let bar = bar.clone();
        let works_done = std::sync::atomic::AtomicU64::new(0);
        opts.progress = Some(std::sync::Arc::new(move |bytes, n| {
            let w = works_done.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n;
            bar.inc(bytes);
            let secs = bar.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!("{w} works, {:.0}/s", w as f64 / secs));
        }));
    }
    let reader = tally_ingest::read_works(
        inputs.works.clone(),
        std::sync::Arc::new(filter(settings, inputs)),
        &opts,
    )?;
    let mut reader = reader;
    let mut read = || -> Result<(), RunError> {
        for batch in &mut reader {
            if cancelled(epoch) {
                return Err(RunError::Cancelled);
            }
            engine.add_batch(&batch?, on_problem)?;
        }
        Ok(())
    };
    let done = read();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    done?;
    let skipped: Vec<String> = reader
        .skipped()
        .iter()
        .map(|(path, why)| {
            format!(
                "{} was found among the works inputs and skipped: {why}",
                path.display()
            )
        })
        .collect();
    let mut outcome = engine.finish(reader.into_files())?;
    outcome.ledger.warnings.extend(skipped);
    Ok(outcome)
}

/// Logs what the counting read and resolved.
fn log_outcome(outcome: &tally_engine::Outcome, t: std::time::Instant) {
    let l = &outcome.ledger;
    let secs = t.elapsed().as_secs_f64();
    let bytes: u64 = outcome.works_files.iter().map(|f| f.bytes).sum();
    tracing::info!(
        "works: {} read, {} included, {} excluded, from {} files ({:.1} MB) in {:.2} s ({:.0} works/s)",
        l.works_read,
        l.included,
        l.works_read - l.included,
        outcome.works_files.len(),
        bytes as f64 / 1e6,
        secs,
        l.works_read as f64 / secs.max(1e-9)
    );
    log_files("works", &outcome.works_files);
    for lv in &l.levels {
        tracing::info!(
            "{} level: {} of {} institution slots resolved ({:.1} %)",
            lv.level.as_str(),
            lv.slots_resolved,
            l.institution_slots,
            100.0 * lv.slots_resolved as f64 / (l.institution_slots.max(1)) as f64
        );
    }
}

/// Each file read, with its size and digest (`-vv`).
fn log_files(kind: &str, files: &[InputFile]) {
    for f in files {
        tracing::debug!(
            "{kind} file {}: {} bytes, {}",
            f.path.display(),
            f.bytes,
            f.digest
        );
    }
}

/// Milliseconds since `t`, for the log.
fn ms(t: std::time::Instant) -> String {
    format!("{:.1} ms", t.elapsed().as_secs_f64() * 1e3)
}

/// What produced the report: inputs with digests, filters, scorers.
fn run_info(
    settings: &Settings,
    inputs: &Inputs,
    outcome: &tally_engine::Outcome,
    columns: &[tally_report::Column],
    origins: &[String],
) -> RunInfo {
    RunInfo {
        generator: format!("tally {}", env!("CARGO_PKG_VERSION")),
        works: outcome.works_files.iter().map(info).collect(),
        institutions: inputs.tables.files.iter().map(info).collect(),
        sources: inputs.sources_file.as_ref().map(info),
        types: settings.types.clone(),
        years: settings.years.label(),
        config: settings.config.as_ref().map(|p| p.display().to_string()),
        scorers: settings
            .scorers
            .iter()
            .zip(columns)
            .zip(origins)
            .map(|((spec, c), origin)| ScorerUse {
                name: c.name.clone(),
                version: c.version.clone(),
                origin: origin.clone(),
                params: spec.params.clone(),
            })
            .collect(),
        strict: settings.strict,
        intervals: settings.intervals.map(|i| tally_report::IntervalsInfo {
            resamples: i.resamples,
            seed: i.seed,
            confidence_pct: 95,
            method: "poisson(1) weight per article from a seeded hash of its work id (tally-engine bootstrap)".into(),
        }),
    }
}

fn progress_bar(works: &[PathBuf]) -> indicatif::ProgressBar {
    let total = works
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr_with_hz(4),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:30} {bytes}/{total_bytes} {bytes_per_sec}, {msg}, ETA {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}

fn digest(path: &Path) -> Result<InputFile, InputError> {
    tally_ingest::files::Opened::open(path)?.finish()
}

/// Renders a report in a format.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Table => tally_render::table(report),
        Format::Md => tally_render::markdown(report),
        Format::Json => tally_render::json(report),
        Format::Csv => report
            .rankings
            .first()
            .map(tally_render::csv)
            .unwrap_or_default(),
    }
}

/// Writes `text` where the user asked: standard output for `None` or `-`;
/// a character device, FIFO or socket (`/dev/null`, a named pipe, process
/// substitution) directly, as a stream; a regular file (or a new one)
/// atomically with [`write_atomic`]. A closed pipe on standard output is not
/// an error (`tally ... | head`).
pub fn write_output(path: Option<&Path>, text: &str) -> Result<(), RunError> {
    let path = match path {
        Some(p) if p.as_os_str() != "-" => p,
        _ => {
            let mut out = std::io::stdout().lock();
            return match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(RunError::Write {
                    path: PathBuf::from("stdout"),
                    source: e,
                }),
                _ => Ok(()),
            };
        }
    };
    let fail = |source| RunError::Write {
        path: path.to_path_buf(),
        source,
    };
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(RunError::NotAFile(path.to_path_buf())),
        Ok(m) if !m.is_file() => std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .map_err(fail),
        _ => write_atomic(path, text),
    }
}

/// Writes `text` to `path` atomically: a new temporary file in the same
/// folder, created exclusively (`O_EXCL`: a file or link planted under its
/// name is never opened, another name is tried), flushed, then renamed over
/// the target. On failure nothing is left behind.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), RunError> {
    let salt = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos().into());
    write_atomic_from(path, text, salt)
}

/// How many temporary names [`write_atomic`] tries before it gives up.
const TEMP_TRIES: u64 = 100;

/// [`write_atomic`], trying the temporary names `.NAME.PID.K.tmp` for `K`
/// from `first` on.
fn write_atomic_from(path: &Path, text: &str, first: u64) -> Result<(), RunError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| RunError::NotAFile(path.to_path_buf()))?;
    let fail = |source: std::io::Error| RunError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut created = None;
    for k in first..first + TEMP_TRIES {
        let tmp = dir.join(format!(
            ".{}.{}.{k}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => {
                created = Some((tmp, f));
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(fail(e)),
        }
    }
    let (tmp, mut f) = created.ok_or_else(|| {
        fail(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("{TEMP_TRIES} temporary file names next to it are taken"),
        ))
    })?;
    let result = f
        .write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tally-out-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A link planted under the temporary file's name is not followed: the
    /// file it points at is untouched, the link stays, another name is used.
    #[cfg(unix)]
    #[test]
    fn a_planted_link_at_the_temporary_name_is_not_followed() {
        let dir = scratch("link");
        let victim = dir.join("victim.txt");
        std::fs::write(&victim, "keep me").unwrap();
        let out = dir.join("ranking.csv");
        let planted = dir.join(format!(".ranking.csv.{}.7.tmp", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        write_atomic_from(&out, "rank\n", 7).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "rank\n");
        assert!(std::fs::symlink_metadata(&planted).unwrap().is_symlink());
        // Only the output, the victim and the planted link: no temporary left.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 3);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// With every temporary name taken, the write fails, saying so, and the
    /// earlier output is untouched.
    #[test]
    fn all_temporary_names_taken_is_an_error_that_leaves_the_output() {
        let dir = scratch("taken");
        let out = dir.join("r.csv");
        std::fs::write(&out, "old").unwrap();
        for k in 0..TEMP_TRIES {
            std::fs::write(
                dir.join(format!(".r.csv.{}.{k}.tmp", std::process::id())),
                "",
            )
            .unwrap();
        }
        let e = write_atomic_from(&out, "new", 0).unwrap_err().to_string();
        assert!(
            e.contains("temporary file names next to it are taken"),
            "{e}"
        );
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// `/dev/null` stays a device (tally may run as root), and a named pipe
    /// is written as a stream to its reader.
    #[cfg(unix)]
    #[test]
    fn devices_and_fifos_are_written_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        write_output(Some(Path::new("/dev/null")), "rank\n").unwrap();
        assert!(std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());
        let dir = scratch("fifo");
        let fifo = dir.join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("SKIPPED (fifo part): mkfifo is not available");
            return;
        }
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        write_output(Some(&fifo), "rank,entity_id\n").unwrap();
        assert_eq!(reader.join().unwrap(), "rank,entity_id\n");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_directory_is_not_an_output_file() {
        let dir = scratch("dir");
        let e = write_output(Some(&dir), "x").unwrap_err().to_string();
        assert!(e.ends_with("not a file path"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
