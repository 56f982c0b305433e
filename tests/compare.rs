//! `tally compare` beyond the changes table: scorers against each other,
//! groups in the top N, movers, the story, saved JSON outputs as periods,
//! and the mistakes it refuses.

mod common;

use common::{error_line, fixture, stderr, stdout, tally};

/// The worked example's inputs, then `args`.
fn worked(args: &[&str]) -> std::process::Output {
    let (w, i, s) = (
        fixture("works.jsonl"),
        fixture("institutions.jsonl"),
        fixture("journals.txt"),
    );
    let mut all = vec![
        "compare",
        "--works",
        &w,
        "--institutions",
        &i,
        "--sources",
        &s,
        "-q",
    ];
    all.extend_from_slice(args);
    tally(&all)
}

fn ok(o: &std::process::Output) -> String {
    assert!(o.status.success(), "{}", stderr(o));
    stdout(o)
}

/// The worked example at city level, 2022: count gives Beijing 2,
/// Cambridge (GB) 1, Cambridge (US) 2, Hefei 1; share ranks them 1 to 4.
/// By hand: 3 concordant pairs, 1 discordant, 2 tied in count, so tau-b =
/// 2 / sqrt(4 * 6) = 0.4082; average count ranks 1.5 3.5 1.5 3.5 against
/// 1 2 3 4 give rho = 2 / sqrt(4 * 5) = 0.4472.
#[test]
fn methods_on_the_worked_example_by_hand() {
    let base = ["--current", "2022", "--previous", "2021", "--level", "city"];
    let mut a = base.to_vec();
    a.extend(["--show", "agreement", "--format", "csv"]);
    assert_eq!(
        ok(&worked(&a)),
        "scorer_a,scorer_b,over,entities,spearman_rho,kendall_tau_b\n\
         count,share,all,4,0.4472,0.4082\n"
    );
    let mut m = base.to_vec();
    m.extend(["--show", "methods", "--format", "csv"]);
    assert_eq!(
        ok(&worked(&m)),
        "entity_id,entity_name,rank_count,rank_share\n\
         1816670,\"Beijing, CN\",1,1\n\
         2653941,\"Cambridge, GB\",3,2\n\
         4931972,\"Cambridge, US\",1,3\n\
         1808722,\"Hefei, CN\",3,4\n"
    );
    let mut t = base.to_vec();
    t.extend(["--show", "methods", "--top", "2"]);
    insta::assert_snapshot!("worked_methods_table", ok(&worked(&t)));
}

/// Groups by country in the top 2 of 2021 (Beijing and New York, tied
/// first) and of 2022 (Beijing, Cambridge GB).
#[test]
fn groups_on_the_worked_example_by_hand() {
    let o = worked(&[
        "--current",
        "2022",
        "--previous",
        "2021",
        "--level",
        "city",
        "--group",
        "country",
        "--top",
        "2,4",
        "--show",
        "groups",
        "--format",
        "csv",
    ]);
    assert_eq!(
        ok(&o),
        "top,group_id,group_name,previous: 2021,current: 2022\n\
         2,CN,China,1,1\n\
         2,GB,United Kingdom,0,1\n\
         2,US,United States,1,0\n\
         4,CN,China,1,2\n\
         4,US,United States,1,1\n\
         4,GB,United Kingdom,0,1\n"
    );
}

/// Every table of every level of the worked example, as snapshots.
#[test]
fn every_table_at_every_level_of_the_worked_example() {
    for level in [
        "institution",
        "city",
        "country",
        "region",
        "parent",
        "metro",
    ] {
        let group = match level {
            "country" => "region",
            "region" => "",
            _ => "country",
        };
        for show in ["changes", "methods", "movers", "story", "groups"] {
            if show == "groups" && group.is_empty() {
                continue;
            }
            let mut a = vec![
                "--current",
                "2022",
                "--previous",
                "2021",
                "--level",
                level,
                "--top",
                "3",
                "--show",
                show,
            ];
            if !group.is_empty() {
                a.extend(["--group", group]);
            }
            insta::assert_snapshot!(format!("worked_{show}_{level}"), ok(&worked(&a)));
        }
    }
}

/// A saved `tally rank --format json` per year compares exactly as the
/// one-pass run does; a year from the inputs against last year's file too.
#[test]
fn saved_json_outputs_compare_as_the_inputs_do() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("compare-saved");
    std::fs::create_dir_all(&dir).unwrap();
    let (w, i, s) = (
        fixture("works.jsonl"),
        fixture("institutions.jsonl"),
        fixture("journals.txt"),
    );
    let save = |year: &str| {
        let out = dir.join(format!("{year}.json"));
        let _ = std::fs::remove_file(&out);
        let o = tally(&[
            "rank",
            "--works",
            &w,
            "--institutions",
            &i,
            "--sources",
            &s,
            "--years",
            year,
            "--level",
            "city,country",
            "--group",
            "country",
            "-o",
            out.to_str().unwrap(),
            "-q",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        out.to_str().unwrap().to_owned()
    };
    let (y22, y21) = (save("2022"), save("2021"));
    for show in ["changes", "groups", "movers"] {
        let one_pass = ok(&worked(&[
            "--current",
            "2022",
            "--previous",
            "2021",
            "--level",
            "city",
            "--group",
            "country",
            "--show",
            show,
            "--format",
            "csv",
        ]));
        let from_files = ok(&tally(&[
            "compare",
            "--current",
            &y22,
            "--previous",
            &y21,
            "--level",
            "city",
            "--show",
            show,
            "--format",
            "csv",
        ]));
        let mixed = ok(&worked(&[
            "--current",
            "2022",
            "--previous",
            &y21,
            "--level",
            "city",
            "--group",
            "country",
            "--show",
            show,
            "--format",
            "csv",
        ]));
        // The groups table is headed by the periods' labels, which name the
        // periods (`current: 2022`) in a one-pass run and are the years in
        // a saved ranking.
        let plain = |t: &str| t.replace("previous: ", "").replace("current: ", "");
        assert_eq!(plain(&one_pass), plain(&from_files), "{show}");
        assert_eq!(plain(&one_pass), plain(&mixed), "{show}");
    }
}

/// What `tally compare` refuses, each with what to do instead.
#[test]
fn compare_refuses_what_it_cannot_do() {
    let base = ["--current", "2022", "--previous", "2021", "--level", "city"];
    let with = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        worked(&a)
    };
    let o = with(&["--show", "groups"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        error_line(&o).contains("--show groups needs --group LEVEL"),
        "{}",
        stderr(&o)
    );
    let o = with(&["--show", "story", "--format", "csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(error_line(&o).contains("use --format table, md or json"));
    let o = with(&["--show", "ranks"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("expected changes, methods, agreement, groups, movers or story"));
    let o = worked(&[
        "--current",
        "2022",
        "--previous",
        "2021",
        "--level",
        "country",
        "--group",
        "country",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        error_line(&o).contains("--group country does not group country level"),
        "{}",
        stderr(&o)
    );
    let o = tally(&[
        "rank",
        "--works",
        &fixture("works.jsonl"),
        "--sources",
        "all",
        "--top",
        "5,10",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(error_line(&o).contains("--top takes one N for tally rank"));
    // A file that is not a saved ranking, and one with two periods.
    let prev = |p: &str| worked(&["--current", "2022", "--previous", p, "--level", "city"]);
    let o = prev(&fixture("institutions.jsonl").replace(".jsonl", ".json"));
    assert_eq!(o.status.code(), Some(1));
    assert!(error_line(&o).contains("pass a saved `tally rank --format json` output"));
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("compare-refuses");
    std::fs::create_dir_all(&dir).unwrap();
    let two = dir.join("two.json");
    let _ = std::fs::remove_file(&two);
    let o = tally(&[
        "rank",
        "--works",
        &fixture("works.jsonl"),
        "--institutions",
        &fixture("institutions.jsonl"),
        "--sources",
        "all",
        "--period",
        "a=2022",
        "--period",
        "b=2021",
        "--level",
        "city",
        "-o",
        two.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = tally(&[
        "compare",
        "--current",
        two.to_str().unwrap(),
        "--previous",
        two.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        error_line(&o).contains("compare needs one: save one period per file"),
        "{}",
        stderr(&o)
    );
    let bad = dir.join("not-a-report.json");
    std::fs::write(&bad, "{\"schema\": \"tally.comparison/1\"}").unwrap();
    let o = prev(bad.to_str().unwrap());
    assert_eq!(o.status.code(), Some(1));
    assert!(
        error_line(&o).contains("expected a saved `tally rank --format json` output"),
        "{}",
        stderr(&o)
    );
}
