//! Every renderer on one hand-built report: two levels, an integer and a
//! fractional column, a tie, a cut, names that need quoting or escaping.

use super::*;
use tally_report::{
    Column, CreditTotal, Excluded, InputInfo, Level, LevelLedger, RunInfo, ScorerUse,
};

fn fx(x: f64) -> Fixed {
    Fixed::from_f64(x).unwrap()
}

fn row(rank: u32, id: &str, name: &str, count: f64, share: f64) -> Row {
    Row {
        rank,
        entity_id: id.into(),
        entity_name: name.into(),
        scores: vec![fx(count), fx(share)],
        interval: None,
    }
}

fn columns() -> Vec<Column> {
    vec![
        Column {
            name: "count".into(),
            version: "1.0.0".into(),
            kind: ScoreKind::Integer,
        },
        Column {
            name: "share".into(),
            version: "1.0.0".into(),
            kind: ScoreKind::Fractional,
        },
    ]
}

fn report() -> Report {
    let city = Ranking {
        level: Level::City,
        period: "2022".into(),
        included: 3,
        columns: columns(),
        by: 1,
        entities: 5,
        rows: vec![
            row(1, "1816670", "Beijing, CN", 2.0, 17.0 / 24.0),
            row(2, "2653941", "Cambridge, GB", 1.0, 0.5),
            row(2, "4931972", "Cambridge, \"US\"", 2.0, 0.5),
        ],
    };
    let inst = Ranking {
        level: Level::Institution,
        period: "2022".into(),
        included: 3,
        columns: columns(),
        by: 0,
        entities: 1,
        rows: vec![row(1, "I1", "Lab | North", 2.0, 13.0 / 24.0)],
    };
    let level = |l| LevelLedger {
        slots_resolved: 9,
        slots_unknown_institution: 1,
        share_assigned: fx(1.75),
        share_unassigned: fx(0.25),
        credit_totals: vec![
            CreditTotal {
                scorer: "count".into(),
                total: fx(7.0),
            },
            CreditTotal {
                scorer: "share".into(),
                total: fx(1.75),
            },
        ],
        ..LevelLedger::new(l, [])
    };
    Report {
        run: RunInfo {
            generator: "tally 0.1.0".into(),
            works: vec![InputInfo {
                path: "works.jsonl".into(),
                bytes: 1234,
                digest: "xxh3-128:00000000000000000000000000000001".into(),
            }],
            institutions: vec![],
            sources: None,
            types: Some(vec!["article".into()]),
            years: "2022".into(),
            config: None,
            scorers: vec![ScorerUse {
                name: "share".into(),
                version: "1.0.0".into(),
                origin: "built-in".into(),
                params: "{}".into(),
            }],
            strict: false,
            intervals: None,
        },
        top: Some(2),
        rankings: vec![city, inst],
        ledger: Ledger {
            works_read: 5,
            excluded: Excluded {
                source: 1,
                work_type: 1,
                year: 1,
                ..Default::default()
            },
            included: 2,
            included_weight: fx(2.0),
            authorships: 7,
            authorships_without_institution: 1,
            institution_slots: 10,
            truncated_author_lists: vec!["W9".into()],
            levels: vec![level(Level::City), level(Level::Institution)],
            ..Default::default()
        },
        groupings: vec![tally_report::Grouping {
            level: Level::City,
            group: Level::Country,
            members: [("1816670".to_owned(), vec!["CN".to_owned()])].into(),
            names: [("CN".to_owned(), "China".to_owned())].into(),
        }],
    }
}

#[test]
fn csv_of_a_hand_built_ranking() {
    insta::assert_snapshot!(csv(&report().rankings[0]));
}

#[test]
fn table_of_a_hand_built_report() {
    insta::assert_snapshot!(table(&report()));
}

#[test]
fn markdown_of_a_hand_built_report() {
    insta::assert_snapshot!(markdown(&report()));
}

#[test]
fn json_of_a_hand_built_report() {
    insta::assert_snapshot!(json(&report()));
}

#[test]
fn ledger_summary_of_a_hand_built_report() {
    insta::assert_snapshot!(ledger_summary(&report().ledger));
}

#[test]
fn json_reads_back_into_the_same_report() {
    let r = report();
    let back: Report = serde_json::from_str(&json(&r)).unwrap();
    // Scores come back at their printed precision: the same print.
    for (a, b) in r.rankings.iter().zip(&back.rankings) {
        assert_eq!(csv(a), csv(b));
    }
    assert_eq!(json(&back), json(&r));
    assert_eq!(table(&back), table(&r));
    let other = json(&r).replace("tally.report/1", "tally.report/9");
    let e = serde_json::from_str::<Report>(&other)
        .unwrap_err()
        .to_string();
    assert!(e.contains("use a newer tally"), "{e}");
}

/// Names from the data with an escape sequence, a newline, a tab and a
/// carriage return: the table and the Markdown show them as escapes, one
/// row per line; CSV and JSON keep them, quoted.
#[test]
fn control_characters_in_names_are_escaped_in_table_and_markdown() {
    let mut r = report();
    r.rankings[0].rows[0].entity_name = "Bei\u{1b}[31mjing\nCN\t\r".into();
    r.rankings[0].rows[1].entity_id = "id\u{7}".into();
    let plain = report();
    for (format, text, lines) in [
        ("table", table(&r), table(&plain).lines().count()),
        ("md", markdown(&r), markdown(&plain).lines().count()),
    ] {
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{format}: {text:?}"
        );
        assert!(
            text.contains("Bei\\u{1b}[31mjing\\nCN\\t\\r"),
            "{format}: {text}"
        );
        assert!(text.contains("id\\u{7}"), "{format}: {text}");
        assert_eq!(
            text.lines().count(),
            lines,
            "{format}: one line per row\n{text}"
        );
    }
    assert!(csv(&r.rankings[0]).contains("\"Bei\u{1b}[31mjing\nCN\t\r\""));
    let back: Report = serde_json::from_str(&json(&r)).unwrap();
    assert_eq!(
        back.rankings[0].rows[0].entity_name,
        "Bei\u{1b}[31mjing\nCN\t\r"
    );
}

/// With stability intervals: the CSV, table and Markdown gain
/// `<scorer>_lo,<scorer>_hi` per scorer and `rank_lo,rank_hi`; the JSON
/// gives each row an `interval` and reads back the same.
#[test]
fn intervals_render_and_read_back() {
    let mut r = report();
    r.run.intervals = Some(tally_report::IntervalsInfo {
        resamples: 1000,
        seed: 1,
        confidence_pct: 95,
        method: "test".into(),
    });
    for row in &mut r.rankings[0].rows {
        row.interval = Some(tally_report::Interval {
            lo: row.scores.iter().map(|v| Fixed(v.0 / 2)).collect(),
            hi: row.scores.iter().map(|v| Fixed(v.0 * 2)).collect(),
            rank_lo: 1,
            rank_hi: row.rank + 3,
        });
    }
    let text = csv(&r.rankings[0]);
    insta::assert_snapshot!(text);
    assert!(text.starts_with("rank,entity_id,entity_name,count,share,count_lo,count_hi,share_lo,share_hi,rank_lo,rank_hi\n"));
    assert!(table(&r).contains("rank_lo"));
    assert!(markdown(&r).contains("| rank_lo | rank_hi |"));
    let back: Report = serde_json::from_str(&json(&r)).unwrap();
    assert_eq!(json(&back), json(&r));
    // Bounds come back at their printed precision, as scores do.
    assert_eq!(csv(&back.rankings[0]), text);
    assert_eq!(back.run.intervals, r.run.intervals);
}

/// Extra columns follow the contract's, quoted as any cell.
#[test]
fn csv_with_extra_columns() {
    let r = &report().rankings[0];
    let n = r.rows.len();
    let text = csv_with(
        r,
        &[
            ("country", vec!["CN".into(); n]),
            ("period", vec!["2022, all".into(); n]),
        ],
    );
    let first = text.lines().next().unwrap();
    assert_eq!(
        first,
        format!("{},country,period", csv(r).lines().next().unwrap())
    );
    assert!(
        text.lines().nth(1).unwrap().ends_with(",CN,\"2022, all\""),
        "{text}"
    );
    assert_eq!(text.lines().count(), csv(r).lines().count());
    assert_eq!(csv_with(r, &[]), csv(r));
}
