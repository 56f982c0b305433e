//! The `tally` command line.

use clap::{Args, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use tally_config::{Format, Overrides, Types, Years};
use tally_report::Level;

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
    /// Compare two periods in one pass: rank and scores now and before, rank change, change in adjusted share.
    Compare(Box<CompareArgs>),
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

#[derive(Args)]
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
    /// Show only ranks 1..=N (ties at the cut stay in); 0 shows all.
    #[arg(long)]
    top: Option<usize>,
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
    /// The current period: a year or a range (2022, 2020-2022).
    #[arg(long, value_parser = parse_years)]
    current: Years,
    /// The previous period.
    #[arg(long, value_parser = parse_years)]
    previous: Years,
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

/// What `tally compare` takes out of the rank arguments: the output
/// format, file and cut apply to the comparison, not to its two rankings.
struct CompareOut {
    format: Option<Format>,
    output: Option<PathBuf>,
    top: Option<usize>,
}

fn rank(
    mut args: RankArgs,
    verbose: u8,
    compare: Option<(Years, Years)>,
) -> Result<(), (u8, String)> {
    let compare = compare.map(|(current, previous)| {
        args.periods = vec![("current".into(), current), ("previous".into(), previous)];
        CompareOut {
            format: args.format.take(),
            output: args.output.take(),
            top: args.top.take(),
        }
    });
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
        top: args.top,
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
    let mut problems = 0u64;
    let progress = !args.quiet && std::io::stderr().is_terminal();
    let report = tally::build_report_with(&settings, progress, |p| {
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
    let t = std::time::Instant::now();
    let (text, output) = match &compare {
        None => (
            tally::render(&report, settings.format),
            settings.output.clone(),
        ),
        Some(c) => (compare_text(&report, c)?, c.output.clone()),
    };
    tally::write_output(output.as_deref(), &text).map_err(|e| (1, e.to_string()))?;
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
    if !args.quiet {
        eprint!("{}", tally_render::ledger_summary(&report.ledger));
        if verbose > 0 {
            eprint!("{}", tally_render::unresolved_summary(&report.ledger));
        }
    }
    Ok(())
}

/// The comparison of each level's two rankings (current, previous), in the
/// format asked for or the output file's.
fn compare_text(report: &tally_report::Report, c: &CompareOut) -> Result<String, (u8, String)> {
    let format = c
        .format
        .or_else(|| c.output.as_deref().and_then(Format::of_path))
        .unwrap_or(Format::Table);
    let comparisons: Vec<tally_report::Comparison> = report
        .rankings
        .chunks(2)
        .map(|pair| {
            let mut cmp = tally_report::Comparison::of(&pair[0], &pair[1]);
            if let Some(n) = c.top.filter(|n| *n > 0) {
                let within = |r: Option<u32>| r.is_some_and(|r| r as usize <= n);
                cmp.rows
                    .retain(|r| within(r.rank_current) || within(r.rank_previous));
            }
            cmp
        })
        .collect();
    Ok(match format {
        Format::Json => tally_render::compare_json(&comparisons),
        Format::Csv if comparisons.len() == 1 => tally_render::compare_csv(&comparisons[0]),
        Format::Csv => return Err((
            2,
            "CSV holds one comparison: choose one level (--level), or use --format json or table"
                .into(),
        )),
        Format::Table | Format::Md => comparisons
            .iter()
            .map(tally_render::compare_table)
            .collect::<Vec<_>>()
            .join("\n"),
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
        Command::Rank(args) => match rank(*args, cli.verbose, None) {
            Ok(()) => ExitCode::SUCCESS,
            Err((code, msg)) => {
                eprintln!("error: {msg}");
                ExitCode::from(code)
            }
        },
        Command::Compare(args) => {
            let CompareArgs {
                rank: r,
                current,
                previous,
            } = *args;
            match rank(r, cli.verbose, Some((current, previous))) {
                Ok(()) => ExitCode::SUCCESS,
                Err((code, msg)) => {
                    eprintln!("error: {msg}");
                    ExitCode::from(code)
                }
            }
        }
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
        Command::Scorers { config } => match scorers(config) {
            Ok(()) => ExitCode::SUCCESS,
            Err((code, msg)) => {
                eprintln!("error: {msg}");
                ExitCode::from(code)
            }
        },
    }
}
