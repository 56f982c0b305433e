//! `tally explain`: an entity's articles add up to its ranked value, for
//! every entity of the worked example at every level; one work's split
//! matches the method's worked example (W1 at city level).

mod common;

use common::{error_line, ok, read_csv, stderr, tally};
use std::path::Path;

fn run(cmd: &str, extra: &[&str]) -> std::process::Output {
    common::on_worked(cmd, extra)
}

/// Every entity, every level, each year and both together: the articles'
/// credits add up (in fixed point, checked by tally, and here at the
/// printed precision) to the ranking's values.
#[test]
fn every_entity_of_the_worked_example_adds_up() {
    let mut checked = 0;
    for level in [
        "institution",
        "city",
        "country",
        "region",
        "parent",
        "metro",
    ] {
        for years in ["2022", "2021", "all"] {
            let (h, rows) = read_csv(&ok(&run(
                "rank",
                &["--level", level, "--years", years, "--format", "csv"],
            )));
            for r in &rows {
                let o = ok(&run(
                    "explain",
                    &[
                        "--level", level, "--years", years, "--entity", &r[1], "--format", "json",
                    ],
                ));
                let v: serde_json::Value = serde_json::from_str(&o).unwrap();
                let e = &v["entity"];
                assert_eq!(v["schema"], "tally.explain/1");
                assert_eq!(e["rank"].to_string(), r[0], "{level} {years} {}", r[1]);
                let credits: Vec<Vec<f64>> = e["rows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| {
                        a["credits"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|x| x.as_f64().unwrap())
                            .collect()
                    })
                    .collect();
                for (k, col) in h[3..].iter().enumerate() {
                    let want: f64 = r[3 + k].parse().unwrap();
                    let sum: f64 = credits.iter().map(|c| c[k]).sum();
                    assert!(
                        (sum - want).abs() < 5e-7,
                        "{level} {years} {}: {col} {sum} != {want}",
                        r[1]
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 40, "{checked}");
}

/// W1 at city level, as the method's worked example splits it: Beijing
/// 0.25 + 0.125, Hefei 0.125, Cambridge (US) 0.25; the fourth author's
/// 0.25 is unassigned.
#[test]
fn the_split_of_w1_at_city_level() {
    let csv = ok(&run(
        "explain",
        &["--level", "city", "--work", "W1", "--format", "csv"],
    ));
    assert_eq!(
        csv,
        "entity_id,entity_name,count,share\n\
         1816670,\"Beijing, CN\",1,0.375000\n\
         1808722,\"Hefei, CN\",1,0.125000\n\
         4931972,\"Cambridge, US\",1,0.250000\n"
    );
    let j: serde_json::Value = serde_json::from_str(&ok(&run(
        "explain",
        &[
            "--level",
            "city",
            "--work",
            "https://openalex.org/W1",
            "--format",
            "json",
        ],
    )))
    .unwrap();
    let city = &j["work"]["levels"][0];
    assert_eq!(city["unassigned_share"], 0.25);
    let shares: Vec<f64> = city["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["share"].as_f64().unwrap())
        .collect();
    assert_eq!(shares, [0.25, 0.125, 0.125, 0.25, 0.25]);
    insta::assert_snapshot!(
        "w1_every_level",
        ok(&run(
            "explain",
            &[
                "--level",
                "institution,city,country,region,parent,metro",
                "--work",
                "W1"
            ],
        ))
    );
    insta::assert_snapshot!(
        "beijing_2022",
        ok(&run(
            "explain",
            &["--level", "city", "--years", "2022", "--entity", "1816670"]
        ))
    );
}

/// What explain refuses, each with what to pass instead.
#[test]
fn explain_says_what_to_pass_instead() {
    let o = run(
        "explain",
        &["--level", "city", "--years", "2022", "--entity", "Beijing"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        error_line(&o).contains("did you mean `1816670` (Beijing, CN)?"),
        "{}",
        stderr(&o)
    );
    let o = run("explain", &["--level", "city", "--work", "W4"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        error_line(&o).contains("work W4 was not counted"),
        "{}",
        stderr(&o)
    );
    let o = run("explain", &["--level", "city,country", "--entity", "CN"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(error_line(&o).contains("takes one level"), "{}", stderr(&o));
    let o = run("explain", &["--level", "city"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(
        "explain",
        &["--level", "city", "--entity", "CN", "--work", "W1"],
    );
    assert_eq!(o.status.code(), Some(2));
    let o = run("explain", &["--period", "a=2022", "--entity", "CN"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(error_line(&o).contains("not --period"), "{}", stderr(&o));
}

/// On the demo, the top city's articles: the 3 with the most share shown,
/// the total over all of them equal to the ranking's.
#[test]
fn the_demo_top_city_with_a_cut() {
    let o = ok(&tally(&[
        "explain",
        "--config",
        "config/demo.toml",
        "--entity",
        "1816670",
        "--top",
        "3",
        "-q",
    ]));
    let lines: Vec<&str> = o.lines().collect();
    assert!(lines[0].contains("the 3 with the most credit shown"), "{o}");
    assert_eq!(lines.len(), 1 + 1 + 3 + 2, "{o}");
    assert!(
        lines[6].contains("count 31, share 23.221743, equal to the ranking's"),
        "{o}"
    );
    // What the run found is said as rank says it, by explain, collab and
    // report alike (the demo's journal list has entries that match nothing).
    let report = Path::new(env!("CARGO_TARGET_TMPDIR")).join("explain-warnings.html");
    for args in [
        vec![
            "explain",
            "--config",
            "config/demo.toml",
            "--entity",
            "1816670",
            "-q",
        ],
        vec!["collab", "--config", "config/demo.toml", "-q"],
        vec![
            "report",
            "--config",
            "config/demo.toml",
            "--current",
            "2022",
            "--previous",
            "2021",
            "-q",
            "-o",
            report.to_str().unwrap(),
        ],
    ] {
        let o = tally(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("warning: 11 of the 19 journals in config/../demo/journals.txt matched no work read"),
            "{}: {}",
            args[0],
            stderr(&o)
        );
    }
    // Without --top, the first 20 of its 31 articles.
    let o = ok(&tally(&[
        "explain",
        "--config",
        "config/demo.toml",
        "--entity",
        "1816670",
        "-q",
    ]));
    assert!(
        o.lines()
            .next()
            .unwrap()
            .contains("31 articles, the 20 with the most credit shown"),
        "{o}"
    );
}
