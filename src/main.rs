//! The `tally` command line.

use clap::{Args, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use tally_config::Settings;
use tally_config::{Format, Overrides, Types, Years};
use tally_render::Grid;
use tally_report::{Comparison, Groups, Level, Methods, Movers, Ranking, Report};

#[derive(Parser)]
#[command(
    name = "tally",
    version,
    about = "Research-output rankings (Nature Index style) with pluggable counting methods"
)]
struct Cli {
    /// More detail on stderr (-v: phases and timings, -vv: debug).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Rank institutions, cities or countries.
    Rank(Box<RankArgs>),
    /// Compare two periods in one pass: rank and scores now and before, change in adjusted share; scorers against each other; groups in the top N; movers and the story they tell.
    Compare(Box<CompareArgs>),
    /// Why an entity has its score (its articles, biggest credit first, checked against the ranking), or how one work's credit was split at each level.
    Explain(Box<ExplainArgs>),
    /// Collaboration: pairs of entities by both entities' shares on their joint articles (the Nature Index collaboration score), or one entity's partners.
    Collab(Box<CollabArgs>),
    /// One self-contained HTML page: the top N with a chart (and stability intervals with --intervals), ranks over the periods, movers and the story, method against method, groups in the top N, collaboration pairs, the ledger and the provenance.
    Report(Box<ReportArgs>),
    /// Generate synthetic OpenAlex-shaped works, institutions and a journal list (for benchmarks).
    Gen {
        /// Number of works.
        #[arg(long)]
        works: u64,
        /// Seed: the same seed gives the same files.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Gzip the works files.
        #[arg(long)]
        gzip: bool,
        /// Number of works files [default: 16].
        #[arg(long, default_value_t = 16)]
        files: usize,
        /// Threads [default: all cores].
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Create a new scorer plugin crate, ready to build, test and load.
    NewScorer {
        /// The scorer's name (lower case, digits, `-`).
        name: String,
        /// Folder to create [default: the name].
        #[arg(long)]
        dir: Option<PathBuf>,
        /// The tally checkout whose tally-core and tally-testkit the crate uses.
        #[arg(long)]
        tally: Option<PathBuf>,
    },
    /// List the scorers tally can run: the built-ins and those a config names.
    Scorers {
        /// Also list (and load, to check them) the scorers this config names.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
}

#[derive(Args, Clone)]
struct RankArgs {
    /// TOML config file; every value in it can be overridden by the flags below.
    #[arg(long, short)]
    config: Option<PathBuf>,
    /// OpenAlex works (JSON Lines, .gz too) or tidy CSV: files, directories or globs. Repeatable.
    #[arg(long)]
    works: Vec<PathBuf>,
    /// OpenAlex institutions, ROR records or an institutions CSV. Repeatable.
    #[arg(long)]
    institutions: Vec<PathBuf>,
    /// Journal list (source ids and/or ISSNs, one per line, or a CSV with a header); `none` or `all` counts every source.
    #[arg(long)]
    sources: Option<PathBuf>,
    /// Metropolitan areas for `--level metro` (TOML: `[id]` tables with `name` and `cities`, GeoNames ids) [default: the ones tally ships, config/metros.toml].
    #[arg(long)]
    metros: Option<PathBuf>,
    /// Regions for `--level region` (TOML: `[id]` tables with `name` and `countries`, ISO codes) [default: the continents].
    #[arg(long)]
    regions: Option<PathBuf>,
    /// Work types to keep, comma-separated, or `all` [default: article].
    #[arg(long, value_parser = parse_types)]
    types: Option<Types>,
    /// A named period, ranked on its own: `current=2022`, `before=2015-2021`. Repeatable, in order (instead of --years).
    #[arg(long = "period", value_parser = parse_period)]
    periods: Vec<(String, Years)>,
    /// A year, an inclusive range (2015-2022, summed) or `all` [default: all].
    #[arg(long, value_parser = parse_years)]
    years: Option<Years>,
    /// Level(s) to rank, comma-separated: institution, parent (root of the lineage), city, metro, country, region (continent) [default: city].
    #[arg(long, value_delimiter = ',', value_parser = parse_level)]
    level: Option<Vec<Level>>,
    /// Scorers to run, comma-separated, in column order [default: count,share].
    #[arg(long, value_delimiter = ',')]
    scorers: Option<Vec<String>>,
    /// A scorer parameter, e.g. `share.unaffiliated=renormalize`. Repeatable.
    #[arg(long = "param")]
    params: Vec<String>,
    /// The scorer that ranks [default: share].
    #[arg(long)]
    by: Option<String>,
    /// Show only ranks 1..=N (ties at the cut stay in); 0 shows all. `tally compare` takes several (50,200): the first cuts its tables, each counts groups.
    #[arg(long, value_delimiter = ',')]
    top: Vec<usize>,
    /// Stability intervals: for each score and rank, a 95 % interval from a seeded bootstrap over articles (columns <scorer>_lo, <scorer>_hi, rank_lo, rank_hi).
    #[arg(long)]
    intervals: bool,
    /// Bootstrap resamples for the intervals [default: 1000]; implies --intervals.
    #[arg(long)]
    resamples: Option<u32>,
    /// Seed of the bootstrap [default: 1]; implies --intervals.
    #[arg(long)]
    seed: Option<u64>,
    /// Group the entities ranked by a level above them (country for cities, say): recorded in the JSON output; `tally compare` counts each group in the top N.
    #[arg(long, value_parser = parse_level)]
    group: Option<Level>,
    /// Output format: table, csv, json or md [default: the output file's extension (.csv, .json, .md), else table].
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,
    /// Write to this file (atomically; a device or named pipe as a stream) instead of stdout; `-` is stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Parsing threads [default: all cores]; the output is the same for any number.
    #[arg(long)]
    threads: Option<usize>,
    /// Stop at the first bad record or truncated author list instead of counting it in the ledger.
    #[arg(long, overrides_with = "no_strict")]
    strict: bool,
    /// Count bad records in the ledger and go on (the default; overrides `run.strict` in a config).
    #[arg(long)]
    no_strict: bool,
    /// Print empty rankings instead of failing when no work is included or nothing resolves at a level.
    #[arg(long)]
    allow_empty: bool,
    /// Count every copy of a work id that appears more than once (by default the first counts, the ledger reports the rest).
    #[arg(long)]
    keep_duplicates: bool,
    /// Print no ledger summary on stderr.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
struct CompareArgs {
    #[command(flatten)]
    rank: RankArgs,
    /// The current period: a year or a range (2022, 2020-2022), ranked from the inputs, or a saved `tally rank --format json` output (a .json file).
    #[arg(long, value_parser = parse_side)]
    current: Side,
    /// The previous period: a year, a range, or a saved JSON output (last year's run).
    #[arg(long, value_parser = parse_side)]
    previous: Side,
    /// Earlier periods for the groups table, oldest first, comma-separated (2018,2019,2020): each counted in the same pass.
    #[arg(long, value_delimiter = ',', value_parser = parse_years)]
    series: Vec<Years>,
    /// What to print: changes (rank and scores now and before), methods (each scorer's ranks, and how they agree), agreement (Spearman's rho and Kendall's tau-b of each pair of scorers), groups (--group in the top N), movers (climbers, fallers, overtakes), or story (the facts as sentences).
    #[arg(long, value_parser = parse_show, default_value = "changes")]
    show: Show,
}

#[derive(Args)]
struct ExplainArgs {
    #[command(flatten)]
    rank: RankArgs,
    /// The entity whose articles to list: its id at --level (I1, 1816670, CN); --top N rows [default: 20; 0: all].
    #[arg(long, required_unless_present = "work", conflicts_with = "work")]
    entity: Option<String>,
    /// A work whose credit split to show at each --level (its id as the input gives it: W1 or https://openalex.org/W1).
    #[arg(long)]
    work: Option<String>,
}

#[derive(Args)]
struct CollabArgs {
    #[command(flatten)]
    rank: RankArgs,
    /// List this entity's partners (its id at --level) instead of the top pairs.
    #[arg(long)]
    entity: Option<String>,
}

fn collab(c: CollabArgs, verbose: u8) -> Result<(), (u8, String)> {
    let CollabArgs {
        rank: mut args,
        entity,
    } = c;
    if !args.periods.is_empty() {
        return Err((2, "tally collab takes --years, not --period".into()));
    }
    if args.top.len() > 1 {
        return Err((2, "--top takes one N for tally collab".into()));
    }
    let quiet = args.quiet;
    let top = std::mem::take(&mut args.top).first().copied();
    let mut settings = resolve(&args, None)?;
    if !settings.periods.is_empty() {
        return Err((
            2,
            "tally collab counts one period: pass --years (the config's [periods] name several)"
                .into(),
        ));
    }
    let [level] = settings.levels[..] else {
        return Err((
            2,
            format!(
                "tally collab takes one level (--level), not {}",
                settings.levels.len()
            ),
        ));
    };
    settings.top = None;
    let extra = tally::Extra {
        explain: None,
        collab: true,
    };
    let (report, found) = build_with(&settings, quiet, extra)?;
    let ranking = &report.rankings[0];
    let empty = tally::Pairs::default();
    let pairs = found
        .pairs
        .iter()
        .find(|(l, _)| *l == level)
        .map_or(&empty, |(_, p)| p);
    if let Some(e) = &entity {
        if !ranking.rows.iter().any(|r| r.entity_id == *e) {
            let like: Vec<String> = ranking
                .rows
                .iter()
                .filter(|r| r.entity_name.to_lowercase().contains(&e.to_lowercase()))
                .take(3)
                .map(|r| format!("`{}` ({})", r.entity_id, r.entity_name))
                .collect();
            return Err((
                1,
                format!(
                    "no {level} with id `{e}` has credit in {}{}",
                    ranking.period,
                    if like.is_empty() {
                        String::new()
                    } else {
                        format!(": did you mean {}?", like.join(" or "))
                    }
                ),
            ));
        }
    }
    let shown = match top {
        Some(0) => None,
        Some(n) => Some(n),
        None => Some(EXPLAIN_TOP),
    };
    let view = tally::collab::view(level, &ranking.period, pairs, entity.as_deref(), shown);
    let text = tally::collab::render(&view, settings.format);
    tally::write_output(settings.output.as_deref(), &text).map_err(|e| (1, e.to_string()))?;
    summary(&report, quiet, verbose);
    Ok(())
}

#[derive(Args)]
struct ReportArgs {
    #[command(flatten)]
    rank: RankArgs,
    /// The current period: a year or a range.
    #[arg(long, value_parser = parse_years)]
    current: Years,
    /// The previous period.
    #[arg(long, value_parser = parse_years)]
    previous: Years,
    /// Earlier periods for the charts over time, oldest first (2018,2019,2020).
    #[arg(long, value_delimiter = ',', value_parser = parse_years)]
    series: Vec<Years>,
}

/// Rows the report's top list shows without `--top`.
const REPORT_TOP: usize = 20;
/// Collaboration pairs the report lists.
const REPORT_PAIRS: usize = 20;

fn report(c: ReportArgs, verbose: u8) -> Result<(), (u8, String)> {
    let ReportArgs {
        rank: mut args,
        current,
        previous,
        series,
    } = c;
    if args.format.is_some() {
        return Err((2, "tally report writes HTML: leave out --format".into()));
    }
    if !args.periods.is_empty() {
        return Err((
            2,
            "tally report takes its periods from --current, --previous and --series, not --period"
                .into(),
        ));
    }
    if args.top.len() > 1 {
        return Err((2, "--top takes one N for tally report".into()));
    }
    let quiet = args.quiet;
    let output = args.output.take();
    let top = std::mem::take(&mut args.top).first().copied();
    let mut periods: Vec<(String, Years)> = Vec::new();
    for y in &series {
        if *y != current && *y != previous && !periods.iter().any(|(_, x)| x == y) {
            periods.push((y.label(), *y));
        }
    }
    periods.push(("previous".into(), previous));
    periods.push(("current".into(), current));
    args.periods = periods;
    let mut settings = resolve(&args, None)?;
    let n = top
        .or(settings.top)
        .filter(|n| *n > 0)
        .unwrap_or(REPORT_TOP);
    settings.top = None;
    let [level] = settings.levels[..] else {
        return Err((
            2,
            format!(
                "tally report shows one level (--level), not {}",
                settings.levels.len()
            ),
        ));
    };
    let share = settings.scorers.iter().any(|s| s.name == "share");
    let extra = tally::Extra {
        explain: None,
        collab: share,
    };
    let (report, found) = build_with(&settings, quiet, extra)?;
    let history: Vec<&Ranking> = report.rankings.iter().collect();
    let (cur, prev) = (history[history.len() - 1], history[history.len() - 2]);
    let comparison = Comparison::of(cur, prev).within_top(n);
    let grouping = report.groupings.iter().find(|g| g.level == level);
    let movers = Movers::of(&Comparison::of(cur, prev), n, grouping);
    let groups = grouping.map(|g| Groups::of(&history, g, &[n]));
    let story = tally_report::story(&comparison, n.min(5), &movers, groups.as_ref());
    let methods = Methods::of(cur, Some(n));
    let empty = tally::Pairs::default();
    let table = found
        .pairs
        .iter()
        .find(|(l, _)| *l == level)
        .map_or(&empty, |(_, p)| p);
    let pairs = tally::collab::view(level, "", table, None, Some(REPORT_PAIRS))
        .rows
        .into_iter()
        .map(|r| tally_html::PairLine {
            a: r.a_name,
            b: r.b_name,
            joint: r.joint_articles,
            score: r.collaboration,
        })
        .collect();
    let page = tally_html::Page {
        level,
        current: cur,
        history: history.clone(),
        comparison: &comparison,
        movers: &movers,
        story,
        methods: &methods,
        groups: groups.as_ref(),
        pairs,
        pairs_note: format!("all the works read, years {}", settings.years.label()),
        top: n,
        report: &report,
    };
    let html = tally_html::page(&page);
    tally::write_output(output.as_deref(), &html).map_err(|e| (1, e.to_string()))?;
    summary(&report, quiet, verbose);
    Ok(())
}

/// Rows `tally explain --entity` shows without `--top`.
const EXPLAIN_TOP: usize = 20;

fn explain(c: ExplainArgs, verbose: u8) -> Result<(), (u8, String)> {
    let ExplainArgs {
        rank: mut args,
        entity,
        work,
    } = c;
    if !args.periods.is_empty() {
        return Err((2, "tally explain takes --years, not --period".into()));
    }
    if args.top.len() > 1 {
        return Err((2, "--top takes one N for tally explain".into()));
    }
    let quiet = args.quiet;
    let top = std::mem::take(&mut args.top).first().copied();
    let mut settings = resolve(&args, None)?;
    if !settings.periods.is_empty() {
        return Err((
            2,
            "tally explain ranks one period: pass --years (the config's [periods] name several)"
                .into(),
        ));
    }
    settings.top = None;
    let what = match (&entity, &work) {
        (Some(id), _) => {
            let [level] = settings.levels[..] else {
                return Err((
                    2,
                    format!(
                        "tally explain --entity takes one level (--level), not {}",
                        settings.levels.len()
                    ),
                ));
            };
            tally_engine::explain::Explain::Entity {
                level,
                id: id.clone(),
            }
        }
        (None, Some(w)) => tally_engine::explain::Explain::Work(
            tally_ingest::normalize::openalex_id(w.trim()).to_owned(),
        ),
        (None, None) => return Err((2, "pass --entity ID or --work ID".into())),
    };
    let extra = tally::Extra {
        explain: Some(what),
        collab: false,
    };
    let (report, mut found) = build_with(&settings, quiet, extra)?;
    let format = settings.format;
    let text = match (&entity, &work) {
        (Some(id), _) => {
            let ranking = &report.rankings[0];
            let articles = found
                .articles
                .iter_mut()
                .find(|(l, _)| *l == ranking.level)
                .map(|(_, a)| std::mem::take(a))
                .unwrap_or_default();
            let shown = match top {
                Some(0) => None,
                Some(n) => Some(n),
                None => Some(EXPLAIN_TOP),
            };
            let view = tally::explain::entity_view(ranking, id, articles, shown).map_err(|e| {
                let code = match e {
                    tally::explain::ExplainError::NotRanked(_) => 1,
                    _ => 3,
                };
                (code, e.to_string())
            })?;
            tally::explain::render_entity(&view, format)
        }
        (None, Some(w)) => {
            let Some(trace) = found.trace.as_ref() else {
                return Err((
                    1,
                    format!(
                        "work {w} was not counted: it is not in the inputs, or the filters excluded it (years {}, types {}, {}): see tally rank -v for the ledger",
                        settings.years.label(),
                        settings
                            .types
                            .as_ref()
                            .map_or_else(|| "all".to_owned(), |t| t.join(",")),
                        settings.sources.as_deref().map_or_else(
                            || "every source".to_owned(),
                            |p| format!("journal list {}", p.display())
                        )
                    ),
                ));
            };
            let columns = report
                .rankings
                .first()
                .map(|r| r.columns.clone())
                .unwrap_or_default();
            let view = tally::explain::work_view(trace, &columns);
            tally::explain::render_work(&view, format).map_err(|e| (2, e))?
        }
        _ => unreachable!("checked above"),
    };
    tally::write_output(settings.output.as_deref(), &text).map_err(|e| (1, e.to_string()))?;
    summary(&report, quiet, verbose);
    Ok(())
}

/// A compared period: years ranked from the inputs, or a saved ranking.
#[derive(Clone, Debug)]
enum Side {
    Years(Years),
    Saved(PathBuf),
}

fn parse_side(s: &str) -> Result<Side, String> {
    if s.to_ascii_lowercase().ends_with(".json") {
        return Ok(Side::Saved(PathBuf::from(s)));
    }
    s.parse()
        .map(Side::Years)
        .map_err(|e: tally_config::ValueError| {
            format!("{e}; or give a saved `tally rank --format json` output (a .json file)")
        })
}

/// The table `tally compare` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Show {
    Changes,
    Methods,
    Groups,
    Movers,
    Story,
    Agreement,
}

fn parse_show(s: &str) -> Result<Show, String> {
    Ok(match s {
        "changes" => Show::Changes,
        "methods" => Show::Methods,
        "groups" => Show::Groups,
        "movers" => Show::Movers,
        "story" => Show::Story,
        "agreement" => Show::Agreement,
        _ => {
            return Err(format!(
                "unknown table `{s}`: expected changes, methods, agreement, groups, movers or story"
            ))
        }
    })
}

fn parse_types(s: &str) -> Result<Types, tally_config::ValueError> {
    s.parse()
}
fn parse_years(s: &str) -> Result<Years, tally_config::ValueError> {
    s.parse()
}
fn parse_period(s: &str) -> Result<(String, Years), String> {
    let (name, years) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: expected NAME=YEARS, e.g. current=2022"))?;
    let years: Years = years
        .parse()
        .map_err(|e: tally_config::ValueError| e.to_string())?;
    Ok((name.trim().to_owned(), years))
}
fn parse_level(s: &str) -> Result<Level, tally_report::UnknownLevel> {
    s.parse()
}
fn parse_format(s: &str) -> Result<Format, tally_config::ValueError> {
    s.parse()
}

const MAX_WARNINGS: u64 = 20;

/// Resolves the settings, printing their warnings.
fn resolve(args: &RankArgs, top: Option<usize>) -> Result<Settings, (u8, String)> {
    let args = args.clone();
    let overrides = Overrides {
        works: args.works,
        institutions: args.institutions,
        sources: args.sources,
        types: args.types,
        years: args.years,
        levels: args.level,
        scorers: args.scorers,
        params: args.params,
        by: args.by,
        top,
        format: args.format,
        output: args.output,
        threads: args.threads,
        strict: match (args.strict, args.no_strict) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
        allow_empty: args.allow_empty.then_some(true),
        keep_duplicates: args.keep_duplicates.then_some(true),
        metros: args.metros,
        periods: args.periods,
        regions: args.regions,
        group: args.group,
        intervals: args.intervals.then_some(true),
        resamples: args.resamples,
        seed: args.seed,
    };
    let settings = tally_config::resolve(
        args.config.as_deref(),
        overrides,
        &tally::scorers::registry().for_config(),
    )
    .map_err(|e| (2, e.to_string()))?;
    for w in &settings.warnings {
        eprintln!("warning: {w}");
    }
    Ok(settings)
}

/// Builds the report, printing the skipped records and the findings.
fn build(settings: &Settings, quiet: bool) -> Result<Report, (u8, String)> {
    build_with(settings, quiet, tally::Extra::default()).map(|(r, _)| r)
}

/// [`build`], gathering what `extra` asks for (explain, collab).
fn build_with(
    settings: &Settings,
    quiet: bool,
    extra: tally::Extra,
) -> Result<(Report, tally::Explained), (u8, String)> {
    let mut problems = 0u64;
    let progress = !quiet && std::io::stderr().is_terminal();
    let (report, found) = tally::build_explained(settings, progress, extra, |p| {
        problems += 1;
        if problems <= MAX_WARNINGS {
            eprintln!("warning: {p} (skipped; --strict stops here)");
        }
    })
    .map_err(|e| (e.exit_code(), e.to_string()))?;
    if problems > MAX_WARNINGS {
        eprintln!(
            "warning: ... and {} more records skipped",
            problems - MAX_WARNINGS
        );
    }
    for w in &report.ledger.warnings {
        eprintln!("warning: {w}");
    }
    Ok((report, found))
}

/// The ledger summary on stderr (and the unresolved institutions with -v).
fn summary(report: &Report, quiet: bool, verbose: u8) {
    if !quiet {
        eprint!("{}", tally_render::ledger_summary(&report.ledger));
        if verbose > 0 {
            eprint!("{}", tally_render::unresolved_summary(&report.ledger));
        }
    }
}

fn rank(args: RankArgs, verbose: u8) -> Result<(), (u8, String)> {
    if args.top.len() > 1 {
        return Err((
            2,
            "--top takes one N for tally rank (several, as in --top 50,200, are for tally compare --show groups)".into(),
        ));
    }
    let quiet = args.quiet;
    let top = args.top.first().copied();
    let settings = resolve(&args, top)?;
    if let Some(g) = settings.group.filter(|_| settings.format != Format::Json) {
        eprintln!(
            "warning: --group {g} is recorded in the JSON output only (for tally compare); the {} output has no groups",
            settings.format
        );
    }
    let report = build(&settings, quiet)?;
    let t = std::time::Instant::now();
    let text = tally::render(&report, settings.format);
    tally::write_output(settings.output.as_deref(), &text).map_err(|e| (1, e.to_string()))?;
    tracing::info!(
        "output: {} bytes of {} to {} in {:.1} ms",
        text.len(),
        settings.format,
        settings
            .output
            .as_deref()
            .map_or_else(|| "stdout".to_owned(), |p| p.display().to_string()),
        t.elapsed().as_secs_f64() * 1e3
    );
    summary(&report, quiet, verbose);
    Ok(())
}

/// How many places `tally compare` looks at for movers and the story when
/// no `--top` is given.
const MOVERS_TOP: usize = 10;

/// A saved `tally rank --format json` output, read for a comparison.
fn load_saved(path: &std::path::Path) -> Result<Report, (u8, String)> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        (
            1,
            format!(
                "{}: {e}: pass a saved `tally rank --format json` output",
                path.display()
            ),
        )
    })?;
    serde_json::from_str(&text).map_err(|e| {
        (
            1,
            format!(
                "{}: {e}: expected a saved `tally rank --format json` output",
                path.display()
            ),
        )
    })
}

/// The one ranking of `level` in a saved report, checked for comparing.
fn saved_ranking(
    path: &std::path::Path,
    report: &Report,
    level: Level,
) -> Result<Ranking, (u8, String)> {
    let found: Vec<&Ranking> = report
        .rankings
        .iter()
        .filter(|r| r.level == level)
        .collect();
    let r = match found.as_slice() {
        [one] => *one,
        [] => {
            let have: Vec<&str> = report.rankings.iter().map(|r| r.level.as_str()).collect();
            return Err((
                2,
                format!(
                    "{}: no {level} ranking in this file (it has {}): pass --level with one of those, or rank {level} again",
                    path.display(),
                    have.join(", ")
                ),
            ));
        }
        _ => {
            return Err((
                2,
                format!(
                "{}: {} {level} rankings (periods {}); compare needs one: save one period per file",
                path.display(),
                found.len(),
                found
                    .iter()
                    .map(|r| r.period.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ))
        }
    };
    if r.included == 0 {
        return Err((
            1,
            format!(
                "{}: the {level} ranking does not record its included works (T), which the adjusted share needs: rank it again with this tally",
                path.display()
            ),
        ));
    }
    if r.rows.len() < r.entities {
        eprintln!(
            "warning: {}: the {level} ranking keeps {} of its {} entities (saved with --top): the others show as absent in that period; save without --top to compare all",
            path.display(),
            r.rows.len(),
            r.entities
        );
    }
    Ok(r.clone())
}

fn same_columns(a: &Ranking, b: &Ranking, what: &str) -> Result<(), (u8, String)> {
    let cols = |r: &Ranking| {
        r.columns
            .iter()
            .map(|c| format!("{} {}", c.name, c.version))
            .collect::<Vec<_>>()
    };
    let names = |r: &Ranking| r.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    if names(a) != names(b) || a.by != b.by {
        return Err((
            2,
            format!(
                "{what}: the periods have different scorers ({} by {}; {} by {}): compare rankings made with the same scorers",
                names(a).join(", "),
                a.columns[a.by].name,
                names(b).join(", "),
                b.columns[b.by].name
            ),
        ));
    }
    if cols(a) != cols(b) {
        eprintln!(
            "warning: {what}: the scorers' versions differ ({} against {})",
            cols(a).join(", "),
            cols(b).join(", ")
        );
    }
    Ok(())
}

fn compare(c: CompareArgs, verbose: u8) -> Result<(), (u8, String)> {
    let CompareArgs {
        rank: mut args,
        current,
        previous,
        series,
        show,
    } = c;
    if !args.periods.is_empty() {
        return Err((
            2,
            "tally compare takes its periods from --current, --previous and --series, not --period"
                .into(),
        ));
    }
    let format = args.format.take();
    let output = args.output.take();
    let tops = std::mem::take(&mut args.top);
    let quiet = args.quiet;
    let cut = tops.first().copied().filter(|n| *n > 0);
    // The periods ranked from the inputs: the series, then each side
    // given as years.
    let mut periods: Vec<(String, Years)> = Vec::new();
    for y in &series {
        let taken = [&current, &previous]
            .iter()
            .any(|s| matches!(s, Side::Years(x) if x == y));
        if !taken && !periods.iter().any(|(_, x)| x == y) {
            periods.push((y.label(), *y));
        }
    }
    let n_series = periods.len();
    if let Side::Years(y) = &previous {
        periods.push(("previous".into(), *y));
    }
    if let Side::Years(y) = &current {
        periods.push(("current".into(), *y));
    }
    let from_inputs = matches!(current, Side::Years(_)) || matches!(previous, Side::Years(_));
    if !from_inputs && !series.is_empty() {
        return Err((
            2,
            "--series ranks earlier periods from the inputs: give --current or --previous as years too, or leave out --series".into(),
        ));
    }
    let saved = |s: &Side| -> Result<Option<(PathBuf, Report)>, (u8, String)> {
        match s {
            Side::Saved(p) => Ok(Some((p.clone(), load_saved(p)?))),
            Side::Years(_) => Ok(None),
        }
    };
    let (saved_current, saved_previous) = (saved(&current)?, saved(&previous)?);
    let explicit_levels = args.level.clone();
    let asked_group = args.group;
    let mut cut = cut;
    let ran = if from_inputs {
        args.periods = periods.clone();
        let mut settings = resolve(&args, None)?;
        // A config's `top` cuts the comparison's tables, not the rankings
        // compared (an entity below it would show as absent).
        if cut.is_none() && tops.is_empty() {
            cut = settings.top.filter(|n| *n > 0);
        }
        settings.top = None;
        let report = build(&settings, quiet)?;
        Some((report, settings))
    } else {
        if !args.works.is_empty() {
            eprintln!(
                "warning: both periods come from saved files: the --works inputs are not read"
            );
        }
        None
    };
    let levels: Vec<Level> = match (&ran, &explicit_levels) {
        (Some((_, settings)), _) => settings.levels.clone(),
        (None, Some(l)) => l.clone(),
        (None, None) => {
            // The levels both files rank.
            let of = |s: &Option<(PathBuf, Report)>| -> Vec<Level> {
                s.as_ref()
                    .map(|(_, r)| r.rankings.iter().map(|x| x.level).collect())
                    .unwrap_or_default()
            };
            let (a, b) = (of(&saved_current), of(&saved_previous));
            let mut l: Vec<Level> = a.into_iter().filter(|x| b.contains(x)).collect();
            l.dedup();
            if l.is_empty() {
                return Err((
                    2,
                    "the two saved files rank no level in common: rank the same level in both"
                        .into(),
                ));
            }
            l
        }
    };
    let group_level = match (&ran, asked_group) {
        (Some((_, s)), _) => s.group,
        (None, None) => explicit_group(&saved_current, &saved_previous),
        (None, Some(g)) => {
            // Both periods saved: their files hold the groups, or none.
            let recorded = [&saved_current, &saved_previous]
                .into_iter()
                .flatten()
                .any(|(_, r)| r.groupings.iter().any(|x| x.group == g));
            if !recorded {
                return Err((
                    2,
                    format!(
                        "--group {g}: the saved files record no groups by {g}; save them with tally rank --group {g} --format json"
                    ),
                ));
            }
            Some(g)
        }
    };
    let mut blocks: Vec<Block> = Vec::new();
    for &level in &levels {
        let from_run: Vec<&Ranking> = ran
            .as_ref()
            .map(|(r, _)| r.rankings.iter().filter(|x| x.level == level).collect())
            .unwrap_or_default();
        let pick = |side: &Side, saved: &Option<(PathBuf, Report)>, k: usize| match (side, saved) {
            (Side::Saved(_), Some((p, r))) => saved_ranking(p, r, level),
            _ => Ok(from_run[k].clone()),
        };
        let k_prev = n_series;
        let k_cur = n_series + usize::from(matches!(previous, Side::Years(_)));
        let prev = pick(&previous, &saved_previous, k_prev)?;
        let cur = pick(&current, &saved_current, k_cur)?;
        same_columns(&cur, &prev, level.as_str())?;
        // The memberships of every source together: an entity ranked in
        // one period only is placed by that period's run.
        let mut grouping: Option<tally_report::Grouping> = None;
        for g in ran
            .as_ref()
            .map(|(r, _)| &r.groupings)
            .into_iter()
            .chain(saved_current.as_ref().map(|(_, r)| &r.groupings))
            .chain(saved_previous.as_ref().map(|(_, r)| &r.groupings))
            .flatten()
            .filter(|g| g.level == level && Some(g.group) == group_level)
        {
            match &mut grouping {
                None => grouping = Some(g.clone()),
                Some(all) => all.merge(g),
            }
        }
        let mut history: Vec<Ranking> = from_run[..n_series].iter().map(|r| (*r).clone()).collect();
        history.push(prev.clone());
        history.push(cur.clone());
        blocks.push(Block {
            cur,
            prev,
            history,
            grouping,
        });
    }
    let format = format
        .or_else(|| output.as_deref().and_then(Format::of_path))
        .unwrap_or(Format::Table);
    let text = compare_text(&blocks, show, format, cut, &tops, group_level)?;
    tally::write_output(output.as_deref(), &text).map_err(|e| (1, e.to_string()))?;
    if let Some((report, _)) = &ran {
        summary(report, quiet, verbose);
    }
    Ok(())
}

/// The group level recorded in saved files, when no run gives one.
fn explicit_group(a: &Option<(PathBuf, Report)>, b: &Option<(PathBuf, Report)>) -> Option<Level> {
    [a, b]
        .into_iter()
        .flatten()
        .flat_map(|(_, r)| r.groupings.iter().map(|g| g.group))
        .next()
}

/// One level's rankings for a comparison.
struct Block {
    cur: Ranking,
    prev: Ranking,
    /// The series, then previous and current.
    history: Vec<Ranking>,
    grouping: Option<tally_report::Grouping>,
}

/// The table asked for, for each level, in the format asked for.
fn compare_text(
    blocks: &[Block],
    show: Show,
    format: Format,
    cut: Option<usize>,
    tops: &[usize],
    group: Option<Level>,
) -> Result<String, (u8, String)> {
    let n = cut.unwrap_or(MOVERS_TOP);
    let need_group = |what: &str| -> Result<(), (u8, String)> {
        match group {
            Some(_) => Ok(()),
            None => Err((
                2,
                format!("--show {what} needs --group LEVEL (the level whose entities group those ranked: country for cities, say)"),
            )),
        }
    };
    let groups_of = |b: &Block| -> Result<Option<Groups>, (u8, String)> {
        let Some(g) = &b.grouping else {
            return Ok(None);
        };
        let ts: Vec<usize> = if tops.is_empty() {
            vec![n]
        } else {
            tops.to_vec()
        };
        let hist: Vec<&Ranking> = b.history.iter().collect();
        Ok(Some(Groups::of(&hist, g, &ts)))
    };
    let grids: Vec<Grid>;
    let json: String;
    match show {
        Show::Changes => {
            let cs: Vec<Comparison> = blocks
                .iter()
                .map(|b| {
                    let c = Comparison::of(&b.cur, &b.prev);
                    match cut {
                        Some(n) => c.within_top(n),
                        None => c,
                    }
                })
                .collect();
            grids = cs.iter().map(tally_render::changes_grid).collect();
            json = tally_render::comparison_json("comparisons", &cs);
        }
        Show::Methods | Show::Agreement => {
            let ms: Vec<Methods> = blocks.iter().map(|b| Methods::of(&b.cur, cut)).collect();
            grids = ms
                .iter()
                .flat_map(|m| match show {
                    Show::Methods if format != Format::Csv => {
                        vec![
                            tally_render::methods_grid(m),
                            tally_render::agreement_grid(m),
                        ]
                    }
                    Show::Methods => vec![tally_render::methods_grid(m)],
                    _ => vec![tally_render::agreement_grid(m)],
                })
                .collect();
            json = tally_render::comparison_json("methods", &ms);
        }
        Show::Groups => {
            need_group("groups")?;
            let gs: Vec<Groups> = blocks
                .iter()
                .map(groups_of)
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .flatten()
                .collect();
            grids = gs.iter().map(tally_render::groups_grid).collect();
            json = tally_render::comparison_json("groups", &gs);
        }
        Show::Movers => {
            let ms: Vec<Movers> = blocks
                .iter()
                .map(|b| Movers::of(&Comparison::of(&b.cur, &b.prev), n, b.grouping.as_ref()))
                .collect();
            grids = ms.iter().map(tally_render::movers_grid).collect();
            json = tally_render::comparison_json("movers", &ms);
        }
        Show::Story => {
            if format == Format::Csv {
                return Err((
                    2,
                    "--show story is sentences: use --format table, md or json".into(),
                ));
            }
            let mut stories = Vec::new();
            for b in blocks {
                let c = Comparison::of(&b.cur, &b.prev).within_top(n);
                let m = Movers::of(&c, n, b.grouping.as_ref());
                let g = groups_of(b)?;
                let lines = tally_report::story(&c, n.min(5), &m, g.as_ref());
                stories.push(serde_json::json!({
                    "level": b.cur.level,
                    "current": b.cur.period,
                    "previous": b.prev.period,
                    "top": n,
                    "sentences": lines,
                }));
            }
            return Ok(match format {
                Format::Json => tally_render::comparison_json("story", &stories),
                _ => stories
                    .iter()
                    .map(|s| {
                        let lines: Vec<String> = s["sentences"]
                            .as_array()
                            .map(|a| {
                                a.iter()
                                    .filter_map(|x| x.as_str())
                                    .map(str::to_owned)
                                    .collect()
                            })
                            .unwrap_or_default();
                        let level = s["level"]
                            .as_str()
                            .and_then(|l| l.parse::<Level>().ok())
                            .map_or("", Level::title);
                        let head = format!(
                            "{level} level, {} against {}:\n",
                            s["current"].as_str().unwrap_or_default(),
                            s["previous"].as_str().unwrap_or_default()
                        );
                        let body: String = lines
                            .iter()
                            .map(|l| {
                                if format == Format::Md {
                                    format!("- {l}\n")
                                } else {
                                    format!("  {l}\n")
                                }
                            })
                            .collect();
                        head + &body
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            });
        }
    }
    Ok(match format {
        Format::Json => json,
        Format::Csv if grids.len() == 1 => grids[0].csv(),
        Format::Csv => return Err((
            2,
            "CSV holds one table: choose one level (--level), or use --format json, md or table"
                .into(),
        )),
        Format::Md => grids
            .iter()
            .map(Grid::markdown)
            .collect::<Vec<_>>()
            .join("\n"),
        Format::Table => grids.iter().map(Grid::table).collect::<Vec<_>>().join("\n"),
    })
}

fn scorers(config: Option<PathBuf>) -> Result<(), (u8, String)> {
    let mut rows = Vec::new();
    let mut push = |b: &tally::scorers::Built| {
        let i = b.scorer.info();
        rows.push([
            i.name.into_owned(),
            i.version.into_owned(),
            b.abi.clone(),
            b.origin.clone(),
            i.description.into_owned(),
        ]);
    };
    for b in tally::scorers::builtins() {
        push(&b);
    }
    if let Some(path) = config {
        let overrides = Overrides {
            // The listing needs no input; satisfy the check for one.
            works: vec![PathBuf::from("-")],
            ..Default::default()
        };
        let settings = tally_config::resolve(
            Some(&path),
            overrides,
            &tally::scorers::registry().for_config(),
        )
        .map_err(|e| (2, e.to_string()))?;
        for spec in settings
            .scorers
            .iter()
            .filter(|s| s.library.is_some() || s.params != "{}")
        {
            let b = tally::scorers::build(spec).map_err(|e| (2, e.to_string()))?;
            push(&b);
        }
    }
    let header = ["name", "version", "abi", "library", "description"];
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (k, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if k + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  "));
            }
        }
        println!("{}", s.trim_end());
    };
    line(&header.map(String::from));
    for r in &rows {
        line(r);
    }
    Ok(())
}

/// glibc's allocator, tuned so that peak RSS does not grow with the input:
/// one arena (the parsing threads allocate per-chunk buffers that the
/// counting thread frees; with per-thread arenas the freed memory
/// fragmented) and a fixed mmap threshold (BENCHMARKS.md).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn one_malloc_arena() {
    extern "C" {
        fn mallopt(param: i32, value: i32) -> i32;
    }
    const M_ARENA_MAX: i32 = -8;
    const M_MMAP_THRESHOLD: i32 = -3;
    // SAFETY: mallopt only tunes glibc's allocator; called before any thread starts.
    unsafe {
        mallopt(M_ARENA_MAX, 1);
        // A fixed threshold: big buffers (chunks grown for a long line) are
        // mapped and given back when freed, instead of staying in the heap.
        mallopt(M_MMAP_THRESHOLD, 256 << 10);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn one_malloc_arena() {}

/// The exit of a command: 0, or its message and code.
fn exit(r: Result<(), (u8, String)>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(code)
        }
    }
}

fn main() -> ExitCode {
    one_malloc_arena();
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => tracing::Level::WARN,
        1 => tracing::Level::INFO,
        _ => tracing::Level::DEBUG,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .without_time()
        .init();
    match cli.command {
        Command::Rank(args) => exit(rank(*args, cli.verbose)),
        Command::Compare(args) => exit(compare(*args, cli.verbose)),
        Command::Explain(args) => exit(explain(*args, cli.verbose)),
        Command::Collab(args) => exit(collab(*args, cli.verbose)),
        Command::Report(args) => exit(report(*args, cli.verbose)),
        Command::Gen {
            works,
            seed,
            out,
            gzip,
            files,
            threads,
        } => {
            let opts = tally_synth::Options {
                works,
                seed,
                out: out.clone(),
                gzip,
                files,
                threads: threads
                    .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
            };
            match tally_synth::generate(&opts) {
                Ok(s) => {
                    eprintln!(
                        "wrote {} works ({:.1} MB) in {}/works, {} institutions in {}/institutions.jsonl, journal list {}",
                        s.works,
                        s.bytes as f64 / 1e6,
                        out.display(),
                        s.institutions,
                        out.display(),
                        s.journals.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::NewScorer { name, dir, tally } => {
            let dir = dir.unwrap_or_else(|| PathBuf::from(&name));
            let tally = tally.unwrap_or_else(tally::scaffold::default_tally_path);
            let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from);
            match tally::scaffold::new_scorer(&name, &dir, &tally, target.as_deref()) {
                Ok(files) => {
                    for f in files {
                        println!("created {}", f.display());
                    }
                    println!(
                        "next: cd {} && cargo test && cargo build --release && tally rank --config tally.toml",
                        dir.display()
                    );
                    println!(
                        "the first cargo test writes the ranking snapshots (src/snapshots/): read and commit them; change the test marked CHANGE THIS in src/lib.rs with your formula"
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Scorers { config } => exit(scorers(config)),
    }
}
