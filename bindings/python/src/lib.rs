//! `tally._tally`: the Rust side of the Python module. One entry point,
//! [`run`], takes a command (`rank`, `compare`, `explain`, `collab`) and
//! its options as JSON, runs it with the GIL released, and gives back the
//! table as CSV text (read into a DataFrame by a columnar reader on the
//! Python side, never row by row) and the ledger and provenance as JSON.
//! Errors are Python exceptions under `tally.TallyError`, with the command
//! line's messages.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use tally::RunError;
use tally_config::{Format, Overrides, Settings, Types, Years};
use tally_report::{Comparison, Groups, Level, Methods, Movers, Report};

create_exception!(tally, TallyError, PyException, "Every error tally raises.");
create_exception!(
    tally,
    InputError,
    TallyError,
    "An input could not be read (file, line, field in the message)."
);
create_exception!(
    tally,
    ConfigError,
    TallyError,
    "The settings or the config file are wrong."
);
create_exception!(
    tally,
    ScorerError,
    TallyError,
    "A scorer (a plugin, say) failed or broke its contract."
);
create_exception!(
    tally,
    EmptyError,
    TallyError,
    "The run would give an empty ranking."
);

/// The options of every command, as the Python functions send them.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Options {
    config: Option<PathBuf>,
    #[serde(default)]
    works: Vec<PathBuf>,
    #[serde(default)]
    institutions: Vec<PathBuf>,
    sources: Option<PathBuf>,
    types: Option<String>,
    years: Option<String>,
    level: Option<String>,
    scorers: Option<Vec<String>>,
    by: Option<String>,
    #[serde(default)]
    params: Vec<String>,
    top: Option<usize>,
    threads: Option<usize>,
    strict: Option<bool>,
    allow_empty: Option<bool>,
    keep_duplicates: Option<bool>,
    metros: Option<PathBuf>,
    regions: Option<PathBuf>,
    group: Option<String>,
    intervals: Option<bool>,
    resamples: Option<u32>,
    seed: Option<u64>,
    current: Option<String>,
    previous: Option<String>,
    #[serde(default)]
    series: Vec<String>,
    show: Option<String>,
    #[serde(default)]
    tops: Vec<usize>,
    entity: Option<String>,
    work: Option<String>,
}

/// A failure: which exception, and its message.
struct Failure(Kind, String);

#[derive(Clone, Copy)]
enum Kind {
    Input,
    Config,
    Scorer,
    Empty,
    Interrupted,
    Other,
}

impl From<RunError> for Failure {
    fn from(e: RunError) -> Self {
        let kind = match &e {
            RunError::Input(_) | RunError::NotAFile(_) | RunError::Write { .. } => Kind::Input,
            RunError::Engine(tally_engine_error) => match tally_engine_error {
                tally_engine::EngineError::Scorer { .. } => Kind::Scorer,
                _ => Kind::Input,
            },
            RunError::Scorer { .. } => Kind::Scorer,
            RunError::UnknownBy(_) | RunError::Config(_) => Kind::Config,
            RunError::Empty(_) => Kind::Empty,
            RunError::Cancelled => Kind::Interrupted,
            _ => Kind::Other,
        };
        Failure(kind, e.to_string())
    }
}

fn config(msg: impl Into<String>) -> Failure {
    Failure(Kind::Config, msg.into())
}

fn parse<T: std::str::FromStr>(what: &str, s: &str) -> Result<T, Failure>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e| config(format!("{what}: {e}")))
}

/// The settings of a run, as `tally rank` resolves its flags.
fn settings(
    o: &Options,
    periods: Vec<(String, Years)>,
) -> Result<(Settings, Option<usize>), Failure> {
    let levels = match &o.level {
        Some(l) => Some(
            l.split(',')
                .map(|x| parse::<Level>("level", x.trim()))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        None => None,
    };
    let overrides = Overrides {
        works: o.works.clone(),
        institutions: o.institutions.clone(),
        sources: o.sources.clone(),
        types: o
            .types
            .as_deref()
            .map(|t| parse::<Types>("types", t))
            .transpose()?,
        years: o
            .years
            .as_deref()
            .map(|y| parse::<Years>("years", y))
            .transpose()?,
        levels,
        scorers: o.scorers.clone(),
        params: o.params.clone(),
        by: o.by.clone(),
        top: None,
        // The output is made here; JSON takes any number of periods.
        format: Some(Format::Json),
        output: None,
        threads: o.threads,
        strict: o.strict,
        allow_empty: o.allow_empty,
        keep_duplicates: o.keep_duplicates,
        metros: o.metros.clone(),
        periods,
        regions: o.regions.clone(),
        group: o
            .group
            .as_deref()
            .map(|g| parse::<Level>("group", g))
            .transpose()?,
        intervals: o.intervals,
        resamples: o.resamples,
        seed: o.seed,
    };
    let mut s = tally_config::resolve(
        o.config.as_deref(),
        overrides,
        &tally::scorers::registry().for_config(),
    )
    .map_err(|e| config(e.to_string()))?;
    // The cut is made here, after the run (top= or the config's).
    let top = o.top.or(s.top);
    s.top = None;
    if s.levels.len() != 1 {
        return Err(config(format!(
            "one level at a time (level=\"city\"), not {}",
            s.levels.len()
        )));
    }
    Ok((s, top.filter(|n| *n > 0)))
}

/// The ledger and provenance of a report, as JSON.
fn meta(report: &Report, extra: serde_json::Value) -> String {
    serde_json::json!({
        "run": report.run,
        "ledger": report.ledger,
        "rankings": report.rankings.iter().map(|r| serde_json::json!({
            "level": r.level, "period": r.period, "included": r.included, "entities": r.entities,
        })).collect::<Vec<_>>(),
        "extra": extra,
    })
    .to_string()
}

fn build(s: &Settings, extra: tally::Extra) -> Result<(Report, tally::Explained), Failure> {
    Ok(tally::build_explained(s, false, extra, |_| {})?)
}

fn rank(o: Options) -> Result<(String, String), Failure> {
    let (mut s, top) = settings(&o, Vec::new())?;
    if s.group.is_none() && s.levels[0].groups_by(Level::Country) {
        s.group = Some(Level::Country);
    }
    let (report, _) = build(&s, tally::Extra::default())?;
    let r = report.rankings[0].clone().cut(top);
    let mut extra: Vec<(&str, Vec<String>)> = Vec::new();
    if let Some(g) = report
        .groupings
        .iter()
        .find(|g| g.level == r.level && g.group == Level::Country)
    {
        extra.push((
            "country",
            r.rows
                .iter()
                .map(|x| g.of(&x.entity_id).join(";"))
                .collect(),
        ));
    } else if r.level == Level::Country {
        extra.push((
            "country",
            r.rows.iter().map(|x| x.entity_id.clone()).collect(),
        ));
    }
    extra.push(("period", vec![r.period.clone(); r.rows.len()]));
    Ok((
        tally_render::csv_with(&r, &extra),
        meta(&report, serde_json::Value::Null),
    ))
}

fn compare(o: Options) -> Result<(String, String), Failure> {
    let years = |v: &Option<String>, what: &str| -> Result<Years, Failure> {
        parse(
            what,
            v.as_deref()
                .ok_or_else(|| config(format!("{what} is needed")))?,
        )
    };
    let (current, previous) = (
        years(&o.current, "current")?,
        years(&o.previous, "previous")?,
    );
    let mut periods: Vec<(String, Years)> = Vec::new();
    for y in &o.series {
        let y: Years = parse("series", y)?;
        if y != current && y != previous && !periods.iter().any(|(_, x)| *x == y) {
            periods.push((y.label(), y));
        }
    }
    periods.push(("previous".into(), previous));
    periods.push(("current".into(), current));
    let (s, _) = settings(&o, periods)?;
    let (report, _) = build(&s, tally::Extra::default())?;
    let history: Vec<&tally_report::Ranking> = report.rankings.iter().collect();
    let (cur, prev) = (history[history.len() - 1], history[history.len() - 2]);
    let n = o.tops.first().copied().filter(|n| *n > 0);
    let grouping = report.groupings.iter().find(|g| g.level == cur.level);
    let show = o.show.as_deref().unwrap_or("changes");
    let (csv, extra) = match show {
        "changes" => {
            let c = Comparison::of(cur, prev);
            let c = match n {
                Some(n) => c.within_top(n),
                None => c,
            };
            (tally_render::compare_csv(&c), serde_json::Value::Null)
        }
        "methods" | "agreement" => {
            let m = Methods::of(cur, n);
            let grid = if show == "methods" {
                tally_render::methods_grid(&m)
            } else {
                tally_render::agreement_grid(&m)
            };
            (grid.csv(), serde_json::Value::Null)
        }
        "groups" => {
            let g = grouping
                .ok_or_else(|| config("show=\"groups\" needs group=\"country\" (or another level above the one ranked)"))?;
            let tops = if o.tops.is_empty() { vec![10] } else { o.tops.clone() };
            (
                tally_render::groups_grid(&Groups::of(&history, g, &tops)).csv(),
                serde_json::Value::Null,
            )
        }
        "movers" | "story" => {
            let n = n.unwrap_or(10);
            let c = Comparison::of(cur, prev);
            let m = Movers::of(&c, n, grouping);
            if show == "movers" {
                (tally_render::movers_grid(&m).csv(), serde_json::Value::Null)
            } else {
                let g = grouping.map(|g| {
                    let tops = if o.tops.is_empty() { vec![n] } else { o.tops.clone() };
                    Groups::of(&history, g, &tops)
                });
                let lines = tally_report::story(&c.within_top(n), n.min(5), &m, g.as_ref());
                (String::new(), serde_json::json!(lines))
            }
        }
        other => {
            return Err(config(format!(
                "unknown table `{other}`: expected changes, methods, agreement, groups, movers or story"
            )))
        }
    };
    Ok((csv, meta(&report, extra)))
}

fn explain(o: Options) -> Result<(String, String), Failure> {
    let (s, _) = settings(&o, Vec::new())?;
    let what = match (&o.entity, &o.work) {
        (Some(e), None) => tally_engine::explain::Explain::Entity {
            level: s.levels[0],
            id: e.clone(),
        },
        (None, Some(w)) => tally_engine::explain::Explain::Work(
            tally_ingest::normalize::openalex_id(w.trim()).to_owned(),
        ),
        _ => return Err(config("pass entity=... or work=..., one of them")),
    };
    let (report, mut found) = build(
        &s,
        tally::Extra {
            explain: Some(what),
            collab: false,
        },
    )?;
    let ranking = &report.rankings[0];
    if let Some(id) = &o.entity {
        let articles = found
            .articles
            .iter_mut()
            .find(|(l, _)| *l == ranking.level)
            .map(|(_, a)| std::mem::take(a))
            .unwrap_or_default();
        let view = tally::explain::entity_view(ranking, id, articles, o.top.filter(|n| *n > 0))
            .map_err(|e| Failure(Kind::Other, e.to_string()))?;
        let totals = tally::explain::render_entity(&view, Format::Json);
        let csv = tally::explain::render_entity(&view, Format::Csv);
        let extra: serde_json::Value = serde_json::from_str(&totals).unwrap_or_default();
        return Ok((csv, meta(&report, extra)));
    }
    let Some(trace) = found.trace.as_ref() else {
        return Err(Failure(
            Kind::Input,
            format!(
                "work {} was not counted: it is not in the inputs, or the filters excluded it",
                o.work.unwrap_or_default()
            ),
        ));
    };
    let view = tally::explain::work_view(trace, &ranking.columns);
    let csv = tally::explain::render_work(&view, Format::Csv).map_err(config)?;
    let extra: serde_json::Value =
        serde_json::from_str(&tally::explain::render_work(&view, Format::Json).map_err(config)?)
            .unwrap_or_default();
    Ok((csv, meta(&report, extra)))
}

fn collab(o: Options) -> Result<(String, String), Failure> {
    let (s, _) = settings(&o, Vec::new())?;
    let (report, found) = build(
        &s,
        tally::Extra {
            explain: None,
            collab: true,
        },
    )?;
    let level = s.levels[0];
    let empty = tally::Pairs::default();
    let table = found
        .pairs
        .iter()
        .find(|(l, _)| *l == level)
        .map_or(&empty, |(_, p)| p);
    let view = tally::collab::view(
        level,
        &report.rankings[0].period,
        table,
        o.entity.as_deref(),
        o.top.filter(|n| *n > 0),
    );
    Ok((
        tally::collab::render(&view, Format::Csv),
        meta(&report, serde_json::Value::Null),
    ))
}

fn execute(command: &str, o: Options) -> Result<(String, String), Failure> {
    match command {
        "rank" => rank(o),
        "compare" => compare(o),
        "explain" => explain(o),
        "collab" => collab(o),
        other => Err(config(format!("unknown command `{other}`"))),
    }
}

/// Runs `command` with `options` (JSON) off the GIL; returns the table as
/// CSV and the ledger and provenance as JSON. Ctrl-C raises
/// `KeyboardInterrupt` at once, and the run stops at its next batch of
/// works (or before ranking).
#[pyfunction]
fn run(py: Python<'_>, command: String, options: String) -> PyResult<(String, String)> {
    let o: Options = serde_json::from_str(&options)
        .map_err(|e| ConfigError::new_err(format!("options: {e}")))?;
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| execute(&command, o)));
        let _ = tx.send(r);
    });
    // Wait off the GIL, waking for Ctrl-C every 50 ms and at once when done.
    let mut rx = rx;
    let outcome = loop {
        let (got, back) = py.detach(move || {
            let got = rx.recv_timeout(std::time::Duration::from_millis(50));
            (got, rx)
        });
        rx = back;
        match got {
            Ok(r) => break r,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if let Err(e) = py.check_signals() {
                    // Stop the run at its next batch (or before ranking),
                    // and give the interrupt back now: the thread ends on
                    // its own, its result unread.
                    tally::CANCEL.fetch_add(1, Ordering::Relaxed);
                    return Err(e);
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(TallyError::new_err(
                    "internal error: the run's thread ended without a result",
                ))
            }
        }
    };
    let _ = py.detach(|| worker.join());
    match outcome {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(Failure(kind, msg))) => Err(match kind {
            Kind::Input => InputError::new_err(msg),
            Kind::Config => ConfigError::new_err(msg),
            Kind::Scorer => ScorerError::new_err(msg),
            Kind::Empty => EmptyError::new_err(msg),
            Kind::Interrupted => pyo3::exceptions::PyKeyboardInterrupt::new_err(msg),
            Kind::Other => TallyError::new_err(msg),
        }),
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(TallyError::new_err(format!(
                "internal error: {what}; please report it"
            )))
        }
    }
}

/// The module.
#[pymodule]
fn _tally(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add("TallyError", py.get_type::<TallyError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("ScorerError", py.get_type::<ScorerError>())?;
    m.add("EmptyError", py.get_type::<EmptyError>())?;
    Ok(())
}
