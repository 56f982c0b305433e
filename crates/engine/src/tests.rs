use super::*;
use std::path::PathBuf;
use std::sync::Arc;
use tally_core::FromParams;
use tally_ingest::{read_works, Filter, JournalList, ReadOptions};
use tally_report::Column;
use tally_testkit::design;

fn scorers() -> Vec<Box<dyn Scorer>> {
    vec![
        Box::new(tally_count::Count),
        Box::new(tally_share::Share::from_params("{}").unwrap()),
    ]
}

fn columns(s: &[Box<dyn Scorer>]) -> Vec<Column> {
    s.iter().map(|s| column(s.as_ref())).collect()
}

fn filter(years: Option<(i32, i32)>) -> Filter {
    Filter {
        sources: Some(JournalList::load(&design::journals()).unwrap()),
        types: Some(vec!["article".into()]),
        years,
    }
}

fn reader(works: &[PathBuf], filter: Filter, threads: usize, chunk_bytes: usize) -> WorkReader {
    let opts = ReadOptions {
        threads,
        chunk_bytes,
        progress: None,
        found: Default::default(),
    };
    read_works(works.to_vec(), Arc::new(filter), &opts).unwrap()
}

fn run_with(
    works: PathBuf,
    inst: PathBuf,
    years: Option<(i32, i32)>,
    s: &[Box<dyn Scorer>],
) -> Outcome {
    let plan = Plan {
        levels: Level::ALL.to_vec(),
        strict: true,
        share_column: Some(1),
        keep_duplicates: false,
        winners: None,
        metros: Default::default(),
        regions: None,
        bootstrap: None,
        explain: None,
        collab: None,
    };
    let tables = InstitutionTable::load(&[inst], true).unwrap();
    let mut engine = Engine::new(&plan, &tables, s);
    let files = engine
        .read(reader(&[works], filter(years), 2, 1 << 20), |_| {})
        .unwrap();
    engine.finish(files).unwrap()
}

fn run(works: PathBuf, inst: PathBuf, years: Option<(i32, i32)>) -> Outcome {
    run_with(works, inst, years, &scorers())
}

fn check_expected(out: &Outcome) {
    let s = scorers();
    for (level, year, rows) in design::EXPECTED {
        let li = Level::ALL
            .iter()
            .position(|l| l.as_str() == *level)
            .unwrap();
        let r = rank(
            &out.levels[li],
            columns(&s),
            1,
            Some((*year, *year)),
            year.to_string(),
        );
        let got: Vec<(u32, String, String, String)> = r
            .rows
            .iter()
            .map(|row| {
                (
                    row.rank,
                    row.entity_id.clone(),
                    row.scores[0].display(tally_report::ScoreKind::Integer),
                    row.scores[1].display(tally_report::ScoreKind::Fractional),
                )
            })
            .collect();
        let want: Vec<(u32, String, String, String)> = rows
            .iter()
            .map(|(rk, id, c, sh)| (*rk, id.to_string(), c.to_string(), sh.to_string()))
            .collect();
        assert_eq!(got, want, "{level} {year}");
    }
}

#[test]
fn worked_example_from_openalex_input() {
    check_expected(&run(
        design::works_jsonl(),
        design::institutions_jsonl(),
        None,
    ));
}

#[test]
fn worked_example_from_csv_input() {
    check_expected(&run(design::works_csv(), design::institutions_csv(), None));
}

#[test]
fn ledger_accounts_for_every_work_and_share() {
    let out = run(
        design::works_jsonl(),
        design::institutions_jsonl(),
        Some((2022, 2022)),
    );
    let l = &out.ledger;
    assert_eq!(l.works_read, 5);
    assert_eq!(l.excluded.source, 1);
    assert_eq!(l.excluded.work_type, 1);
    assert_eq!(l.excluded.year, 1);
    assert_eq!(l.included, 2);
    assert_eq!(l.works_read, l.included + l.excluded.total());
    assert_eq!(l.authorships, 7);
    assert_eq!(l.authorships_without_institution, 1);
    for lv in &l.levels {
        assert_eq!(
            lv.share_unassigned
                .display(tally_report::ScoreKind::Fractional),
            "0.250000"
        );
        let total = (lv.share_assigned + lv.share_unassigned).to_f64();
        assert!((total - 2.0).abs() < 1e-12, "{total}");
        // The share scorer handed out exactly the ledger's assigned share.
        let share = lv.credit_totals[1].total.to_f64();
        assert!((share - lv.share_assigned.to_f64()).abs() < 1e-12);
    }
}

#[test]
fn input_order_does_not_change_a_bit() {
    let dir = std::env::temp_dir().join(format!("tally-order-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(design::works_jsonl()).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.reverse();
    let rev = dir.join("reversed.jsonl");
    std::fs::write(&rev, lines.join("\n")).unwrap();
    let a = run(design::works_jsonl(), design::institutions_jsonl(), None);
    let b = run(rev, design::institutions_jsonl(), None);
    let s = scorers();
    for li in 0..3 {
        let ra = rank(&a.levels[li], columns(&s), 1, None, "all".into());
        let rb = rank(&b.levels[li], columns(&s), 1, None, "all".into());
        assert_eq!(ra, rb);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn duplicate_institutions_and_works_count_once() {
    let dir = std::env::temp_dir().join(format!("tally-dup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let works = dir.join("w.jsonl");
    let w = r#"{"id":"https://openalex.org/W7","publication_year":2022,"type":"article","primary_location":{"source":{"id":"https://openalex.org/S1"}},"authorships":[{"institutions":[{"id":"https://openalex.org/I1"},{"id":"https://openalex.org/I1"}]},{"institutions":[{"id":"https://openalex.org/I99","country_code":"fr"}]}]}"#;
    std::fs::write(&works, format!("{w}\n{w}\n")).unwrap();
    let out = run(works, design::institutions_jsonl(), None);
    assert_eq!(out.ledger.excluded.duplicate, 1);
    assert_eq!(out.ledger.institution_slots, 2);
    let s = scorers();
    // City: I1 has the full 1/2 (one slot, not two); I99 is unknown.
    let city = rank(&out.levels[1], columns(&s), 1, None, "all".into());
    assert_eq!(city.rows.len(), 1);
    assert_eq!(
        city.rows[0].scores[1].display(tally_report::ScoreKind::Fractional),
        "0.500000"
    );
    assert_eq!(out.ledger.levels[1].slots_unknown_institution, 1);
    // Country: I99's country comes from the work record.
    let country = rank(&out.levels[2], columns(&s), 1, None, "all".into());
    let ids: Vec<_> = country.rows.iter().map(|r| r.entity_id.as_str()).collect();
    assert_eq!(ids, vec!["CN", "FR"]);
    assert_eq!(country.rows[1].entity_name, "France");
    // Institution: an unknown institution is ranked under its own id.
    let inst = rank(&out.levels[0], columns(&s), 1, None, "all".into());
    assert_eq!(inst.rows.len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_ledger_reports_share_as_the_share_scorer_ran_it() {
    let renormalize: Vec<Box<dyn Scorer>> = vec![
        Box::new(tally_count::Count),
        Box::new(tally_share::Share::from_params(r#"{"unaffiliated":"renormalize"}"#).unwrap()),
    ];
    let drop = run(
        design::works_jsonl(),
        design::institutions_jsonl(),
        Some((2022, 2022)),
    );
    let renorm = run_with(
        design::works_jsonl(),
        design::institutions_jsonl(),
        Some((2022, 2022)),
        &renormalize,
    );
    for (d, r) in drop.ledger.levels.iter().zip(&renorm.ledger.levels) {
        // W1's fourth author has no institution: dropped under `drop`,
        // shared out under `renormalize`.
        assert_eq!(
            d.share_unassigned
                .display(tally_report::ScoreKind::Fractional),
            "0.250000"
        );
        assert_eq!(
            r.share_unassigned
                .display(tally_report::ScoreKind::Fractional),
            "0.000000"
        );
        assert_eq!(r.share_assigned, r.credit_totals[1].total);
        assert_eq!(
            (r.share_assigned + r.share_unassigned).display(tally_report::ScoreKind::Fractional),
            "2.000000"
        );
    }
}

#[test]
fn thread_count_and_chunk_size_change_nothing() {
    let dir = tally_testkit::Scratch::new("engine-threads");
    // The fixture three times over (so duplicates), with bad lines in between.
    let text = std::fs::read_to_string(design::works_jsonl()).unwrap();
    let mut lines: Vec<String> = Vec::new();
    for (i, l) in text.lines().cycle().take(15).enumerate() {
        lines.push(l.to_owned());
        if i % 4 == 1 {
            lines.push(r#"{"id": "W99", "publication_year": "x"}"#.into());
        }
    }
    let a = dir.path().join("a.jsonl");
    std::fs::write(&a, lines.join("\n")).unwrap();
    let b = dir.path().join("b.csv");
    std::fs::copy(design::works_csv(), &b).unwrap();
    let plan = Plan {
        levels: Level::ALL.to_vec(),
        strict: false,
        share_column: Some(1),
        keep_duplicates: false,
        winners: None,
        metros: Default::default(),
        regions: None,
        bootstrap: None,
        explain: None,
        collab: None,
    };
    let tables = InstitutionTable::load(&[design::institutions_jsonl()], true).unwrap();
    let s = scorers();
    let run = |threads: usize, chunk_bytes: usize| {
        let mut engine = Engine::new(&plan, &tables, &s);
        let mut problems = Vec::new();
        let r = reader(&[a.clone(), b.clone()], filter(None), threads, chunk_bytes);
        let files = engine.read(r, |p| problems.push(p.to_string())).unwrap();
        let out = engine.finish(files).unwrap();
        let rankings: Vec<_> = out
            .levels
            .iter()
            .map(|l| rank(l, columns(&s), 1, None, "all".into()))
            .collect();
        (rankings, out.ledger, problems, out.works_files)
    };
    let one = run(1, 1 << 20);
    assert_eq!(one.1.excluded.malformed, 4);
    assert_eq!(one.1.excluded.duplicate, 3 * 2 + 3);
    assert_eq!(one.2.len(), 4);
    assert!(
        one.2[0].contains("a.jsonl:3: field `publication_year`"),
        "{:?}",
        one.2
    );
    for threads in [1, 2, 3] {
        for chunk in [1, 1000, 1 << 20] {
            assert!(
                run(threads, chunk) == one,
                "threads {threads}, chunk {chunk}"
            );
        }
    }
}

#[test]
fn a_strict_stop_names_the_first_bad_record_for_every_thread_count() {
    // The error comes first; the readers, held back by the in-flight budget
    // (tiny chunks), must not be left waiting when counting stops.
    let dir = tally_testkit::Scratch::new("strict-stop");
    let path = dir.path().join("w.jsonl");
    let good = std::fs::read_to_string(design::works_jsonl()).unwrap();
    let mut text = String::from("{\"id\": \"W1\", \"publication_year\": \"x\"}\n");
    for _ in 0..200 {
        text.push_str(&good);
    }
    std::fs::write(&path, text).unwrap();
    let plan = Plan {
        levels: vec![Level::City],
        strict: true,
        share_column: None,
        keep_duplicates: false,
        winners: None,
        metros: Default::default(),
        regions: None,
        bootstrap: None,
        explain: None,
        collab: None,
    };
    let tables = InstitutionTable::default();
    let s = scorers();
    for threads in [1, 2, 4] {
        for chunk_bytes in [1, 100] {
            let mut engine = Engine::new(&plan, &tables, &s);
            let r = reader(
                std::slice::from_ref(&path),
                Filter::default(),
                threads,
                chunk_bytes,
            );
            let err = engine.read(r, |_| {}).unwrap_err();
            assert!(
                err.to_string()
                    .contains("w.jsonl:1: field `publication_year`"),
                "{err}"
            );
        }
    }
}

#[test]
fn without_a_share_column_the_ledger_share_lines_read_zero() {
    let plan = Plan {
        levels: vec![Level::City],
        strict: true,
        share_column: None,
        keep_duplicates: false,
        winners: None,
        metros: Default::default(),
        regions: None,
        bootstrap: None,
        explain: None,
        collab: None,
    };
    let tables = InstitutionTable::load(&[design::institutions_jsonl()], true).unwrap();
    let s = scorers();
    let mut engine = Engine::new(&plan, &tables, &s);
    let files = engine
        .read(
            reader(&[design::works_jsonl()], filter(None), 1, 1 << 20),
            |_| {},
        )
        .unwrap();
    let out = engine.finish(files).unwrap();
    let lv = &out.ledger.levels[0];
    assert_eq!(
        (lv.share_assigned, lv.share_unassigned),
        (Fixed::ZERO, Fixed::ZERO)
    );
    // The scorers' own totals are still there.
    assert!(lv.credit_totals[1].total > Fixed::ZERO);
}

/// The resampled totals are bounded: past `max_bytes` the run stops with
/// an error that says what to lower, instead of taking the machine's memory.
#[test]
fn the_bootstrap_memory_has_a_limit() {
    let run = |max_bytes: u64| {
        let plan = Plan {
            levels: vec![Level::City],
            strict: true,
            share_column: Some(1),
            bootstrap: Some(crate::bootstrap::Bootstrap {
                resamples: 1000,
                seed: 1,
                max_bytes,
            }),
            ..Plan::default()
        };
        let tables = InstitutionTable::load(&[design::institutions_jsonl()], true).unwrap();
        let s = scorers();
        let mut engine = Engine::new(&plan, &tables, &s);
        engine
            .read(
                reader(&[design::works_jsonl()], filter(None), 1, 1 << 20),
                |_| {},
            )
            .and_then(|files| engine.finish(files))
    };
    // Four cities x 2 scorers x 1,000 resamples x 8 bytes, per year.
    let e = run(10_000).unwrap_err().to_string();
    assert!(
        e.starts_with("the stability intervals need more than 0 MB for 1000 resamples")
            && e.contains("ask for fewer resamples"),
        "{e}"
    );
    let out = run(1 << 20).unwrap();
    assert_eq!(out.levels[0].resamples, 1000);
    assert!(!out.levels[0].boot.is_empty());
}
