//! `tally compare` beyond the changes table: scorers against each other,
//! groups in the top N, movers, the story, saved JSON outputs as periods,
//! and the mistakes it refuses.

mod common;

use common::{error_line, fixture, ok, stderr, tally};

/// `tally compare` on the worked example's inputs, then `args`.
fn worked(args: &[&str]) -> std::process::Output {
    common::on_worked("compare", args)
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
    let o = with(&["--period", "x=2020"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(error_line(&o).contains("not --period"), "{}", stderr(&o));
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
        "--institutions",
        &fixture("institutions.jsonl"),
        "--sources",
        "all",
        "--group",
        "country",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: --group country is recorded in the JSON output only"),
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
    // Saved files without groups cannot be grouped: said, not ignored.
    let o = tally(&[
        "compare",
        "--current",
        two.to_str().unwrap(),
        "--previous",
        two.to_str().unwrap(),
        "--group",
        "region",
        "--show",
        "groups",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        error_line(&o).contains("--group region: the saved files record no groups by region"),
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

/// The story of the bundled demo data, 2022 against 2021 (the top 5
/// changed) and against 2020-2021 (it did not): one command prints it, and
/// each sentence says what the tables say.
#[test]
fn the_demo_tells_its_story_and_the_tables_agree() {
    for (previous, top5_unchanged) in [("2021", false), ("2020-2021", true)] {
        demo_story(previous, top5_unchanged);
    }
}

fn demo_story(previous: &str, top5_unchanged: bool) {
    let run = |show: &str, format: &str| {
        ok(&tally(&[
            "compare",
            "--config",
            "config/demo.toml",
            "--current",
            "2022",
            "--previous",
            previous,
            "--level",
            "city",
            "--group",
            "country",
            "--top",
            "10",
            "--show",
            show,
            "--format",
            format,
            "-q",
        ]))
    };
    let story = run("story", "table");
    insta::assert_snapshot!(format!("demo_story_city_against_{previous}"), story);
    let lines: Vec<&str> = story.lines().skip(1).map(str::trim).collect();
    let ord = |n: &str| {
        let n: u32 = n.parse().unwrap();
        tally_report::ordinal(n)
    };
    // The top 5, from the changes table.
    let (h, rows) = common::read_csv(&run("changes", "csv"));
    let col = |name: &str| h.iter().position(|x| x == name).unwrap();
    let top5 = |c: usize| -> Vec<String> {
        let mut v: Vec<(u32, String)> = rows
            .iter()
            .filter_map(|r| Some((r[c].parse::<u32>().ok()?, r[col("entity_id")].clone())))
            .filter(|(k, _)| *k <= 5)
            .collect();
        v.sort();
        v.into_iter().map(|x| x.1).collect()
    };
    // The config's `top = 20` cuts no ranking compared: an entity below
    // 20th now still has its rank (London, 7th in 2021, is 25th in 2022).
    if previous == "2021" {
        let london = rows
            .iter()
            .find(|r| r[col("entity_name")] == "London, GB")
            .unwrap();
        assert_eq!(
            (
                london[col("rank_previous")].as_str(),
                london[col("rank_current")].as_str()
            ),
            ("7", "25")
        );
    }
    let unchanged = top5(col("rank_current")) == top5(col("rank_previous"));
    assert_eq!(unchanged, top5_unchanged);
    assert_eq!(
        lines[0].starts_with("The top 5 are unchanged"),
        unchanged,
        "{}",
        lines[0]
    );
    // The leading group, from the groups table.
    let (_, groups) = common::read_csv(&run("groups", "csv"));
    let g = &groups[0];
    let (before, now): (usize, usize) = (g[3].parse().unwrap(), g[4].parse().unwrap());
    let trend = match now.cmp(&before) {
        std::cmp::Ordering::Greater => format!("up from {before} in {previous}"),
        std::cmp::Ordering::Less => format!("down from {before} in {previous}"),
        std::cmp::Ordering::Equal => format!("as in {previous}"),
    };
    let want = format!("{} has {now} cities in the top 10 in 2022, {trend}.", g[2]);
    assert!(lines.contains(&want.as_str()), "{want}\n{story}");
    // The biggest climber and the first overtake, from the movers table.
    let (_, movers) = common::read_csv(&run("movers", "csv"));
    let climber = movers.iter().find(|r| r[0] == "climber").unwrap();
    let want = format!(
        "The biggest climber in the top 10 is {}, up {} places from {} to {}.",
        climber[2],
        climber[5].trim_start_matches('+'),
        ord(&climber[3]),
        ord(&climber[4])
    );
    assert!(lines.contains(&want.as_str()), "{want}\n{story}");
    let first = movers.iter().find(|r| r[0] == "overtake").unwrap();
    let passed: Vec<&str> = movers
        .iter()
        .filter(|r| r[0] == "overtake" && r[1] == first[1])
        .map(|r| r[7].as_str())
        .collect();
    let line = lines
        .iter()
        .find(|l| l.contains("place, overtaking"))
        .unwrap();
    assert!(
        line.starts_with(&format!(
            "{} moved from {} to {} place, overtaking ",
            first[2],
            ord(&first[3]),
            ord(&first[4])
        )),
        "{line}"
    );
    for p in passed {
        assert!(line.contains(p), "{p} not in {line}");
    }
}

/// Defaults and warnings the docs state: without `--top`, movers and the
/// story look at the top 10; each `--show` has its JSON array; a saved
/// ranking with a cut, or with other scorer versions, is compared with a
/// warning that says so.
#[test]
fn defaults_json_arrays_and_saved_file_warnings() {
    let base = ["--current", "2022", "--previous", "2021", "--level", "city"];
    let story = ok(&worked(&[&base[..], &["--show", "story"]].concat()));
    assert!(story.contains("3 entered the top 10: "), "{story}");
    let demo = ok(&tally(&[
        "compare",
        "--config",
        "config/demo.toml",
        "--current",
        "2022",
        "--previous",
        "2021",
        "--level",
        "city",
        "--show",
        "movers",
        "-q",
    ]));
    // The demo's config says top = 20, which cuts this table: movers are
    // within the top 20.
    assert!(demo.starts_with("City level, top 20: movers"), "{demo}");
    for (show, key) in [
        ("changes", "comparisons"),
        ("methods", "methods"),
        ("agreement", "methods"),
        ("movers", "movers"),
        ("story", "story"),
        ("groups", "groups"),
    ] {
        let o = ok(&worked(
            &[
                &base[..],
                &["--show", show, "--group", "country", "--format", "json"],
            ]
            .concat(),
        ));
        let v: serde_json::Value = serde_json::from_str(&o).unwrap();
        assert_eq!(v["schema"], "tally.comparison/1");
        assert!(
            v[key].as_array().is_some_and(|a| !a.is_empty()),
            "{show}: {o}"
        );
    }
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("compare-warnings");
    std::fs::create_dir_all(&dir).unwrap();
    let cut = dir.join("cut-2021.json");
    let _ = std::fs::remove_file(&cut);
    let o = tally(&[
        "rank",
        "--works",
        &fixture("works.jsonl"),
        "--institutions",
        &fixture("institutions.jsonl"),
        "--sources",
        &fixture("journals.txt"),
        "--years",
        "2021",
        "--level",
        "city",
        "--top",
        "1",
        "-o",
        cut.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // 2021 has Beijing and New York tied first: the cut at 1 keeps both,
    // so this file holds all its entities and compares without a warning.
    let o = worked(&[
        "--current",
        "2022",
        "--previous",
        cut.to_str().unwrap(),
        "--level",
        "city",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    let text = std::fs::read_to_string(&cut).unwrap();
    let one = text.replacen("\"New York, US\"", "\"New York, US (cut)\"", 1);
    // A ranking that kept fewer rows than it had entities.
    let fewer = one.replace("\"entities\": 2", "\"entities\": 5");
    assert_ne!(fewer, one, "the saved file names its entities");
    let versions = one.replace("\"version\": \"", "\"version\": \"9.");
    assert_ne!(versions, one, "the saved file names its scorers' versions");
    for (name, doc, warning) in [
        (
            "fewer.json",
            &fewer,
            "keeps 2 of its 5 entities (saved with --top)",
        ),
        ("versions.json", &versions, "the scorers' versions differ"),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, doc).unwrap();
        let o = worked(&[
            "--current",
            "2022",
            "--previous",
            p.to_str().unwrap(),
            "--level",
            "city",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stderr(&o).contains(warning), "{name}: {}", stderr(&o));
    }
}
