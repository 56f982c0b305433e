//! The `tally` driver: turns resolved [`Settings`] into a [`Report`] and the
//! report into output. The command line (`main.rs`) is a thin layer on top.

pub mod scaffold;
pub mod scorers;

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
    /// `tally new-scorer` refused.
    #[error(transparent)]
    Scaffold(#[from] scaffold::ScaffoldError),
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
    mut on_problem: impl FnMut(&RecordError),
) -> Result<Report, RunError> {
    let built: Vec<scorers::Built> = settings
        .scorers
        .iter()
        .map(scorers::build)
        .collect::<Result<_, _>>()?;
    let origins: Vec<String> = built.iter().map(|b| b.origin.clone()).collect();
    let scorers: Vec<Box<dyn Scorer>> = built.into_iter().map(|b| b.scorer).collect();
    let inputs = Inputs::load(settings, &mut on_problem)?;
    let outcome = count(settings, &inputs, &scorers, progress, &mut on_problem)?;
    let columns: Vec<_> = scorers
        .iter()
        .map(|s| tally_engine::column(s.as_ref()))
        .collect();
    let by = columns
        .iter()
        .position(|c| c.name == settings.by)
        .ok_or_else(|| RunError::UnknownBy(settings.by.clone()))?;
    let rankings = outcome
        .levels
        .iter()
        .map(|lt| {
            let period = settings.years.label();
            rank(lt, columns.clone(), by, settings.years.0, period).cut(settings.top)
        })
        .collect();
    Ok(Report {
        run: run_info(settings, &inputs, &outcome, &columns, &origins),
        rankings,
        ledger: outcome.ledger,
        top: settings.top,
    })
}

/// What is read before the works: the journal list and the institution tables.
struct Inputs {
    works: Vec<PathBuf>,
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
        let sources = settings
            .sources
            .as_deref()
            .map(JournalList::load)
            .transpose()?;
        let sources_file = settings.sources.as_deref().map(digest).transpose()?;
        let works = expand_inputs(&settings.works)?;
        let inst_paths = if settings.institutions.is_empty() {
            Vec::new()
        } else {
            expand_inputs(&settings.institutions)?
        };
        let _span = tracing::info_span!("institutions").entered();
        let tables = InstitutionTable::load(&inst_paths, settings.strict)?;
        tracing::info!(
            openalex = tables.by_id.len(),
            ror = tables.by_ror.len(),
            problems = tables.problems.len(),
            "institution tables loaded"
        );
        for p in &tables.problems {
            on_problem(p);
        }
        Ok(Inputs {
            works,
            sources,
            sources_file,
            tables,
        })
    }
}

/// Reads and counts the works.
fn count(
    settings: &Settings,
    inputs: &Inputs,
    scorers: &[Box<dyn Scorer>],
    progress: bool,
    on_problem: &mut impl FnMut(&RecordError),
) -> Result<tally_engine::Outcome, RunError> {
    let _span = tracing::info_span!("works").entered();
    let filter = Filter {
        sources: inputs.sources.clone(),
        types: settings.types.clone(),
        years: settings.years.0,
    };
    let plan = Plan {
        levels: settings.levels.clone(),
        strict: settings.strict,
        share_column: scorers::registry().ledger_share().and_then(|share| {
            settings
                .scorers
                .iter()
                .position(|s| s.name == share.name && s.library.is_none())
        }),
    };
    let mut engine = Engine::new(&plan, &inputs.tables, scorers);
    let mut opts = tally_ingest::ReadOptions::default();
    if let Some(t) = settings.threads {
        opts.threads = t;
    }
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
    let reader =
        tally_ingest::read_works(inputs.works.clone(), std::sync::Arc::new(filter), &opts)?;
    let files = engine.read(reader, on_problem);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(engine.finish(files?)?)
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

/// Writes `text` to `path` atomically: a temporary file in the same folder,
/// flushed, then renamed over the target. On failure nothing is left behind.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), RunError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| RunError::NotAFile(path.to_path_buf()))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let fail = |source: std::io::Error| RunError::Write {
        path: path.to_path_buf(),
        source,
    };
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    Ok(())
}
