//! The worked example of `docs/methodology.md`, through the whole driver, at every level
//! and in every output format, from both input formats. Snapshots live in
//! `tests/snapshots/`; review changes with `cargo insta review`.

use std::path::PathBuf;
use tally_config::{Format, Overrides, Settings};
use tally_report::Level;

const FIXTURE: &str = "crates/testkit/fixtures/design";

fn settings(input: &str, level: Level, years: &str, format: Format) -> Settings {
    let (works, inst) = match input {
        "openalex" => ("works.jsonl", "institutions.jsonl"),
        _ => ("works.csv", "institutions.csv"),
    };
    let o = Overrides {
        works: vec![PathBuf::from(FIXTURE).join(works)],
        institutions: vec![PathBuf::from(FIXTURE).join(inst)],
        sources: Some(PathBuf::from(FIXTURE).join("journals.txt")),
        years: Some(years.parse().unwrap()),
        levels: Some(vec![level]),
        format: Some(format),
        strict: Some(true),
        ..Default::default()
    };
    tally_config::resolve(None, o, &tally::scorers::registry().for_config()).unwrap()
}

fn run(input: &str, level: Level, years: &str, format: Format) -> String {
    let s = settings(input, level, years, format);
    let report = tally::build_report(&s, |p| panic!("unexpected problem: {p}")).unwrap();
    tally::render(&report, format)
}

#[test]
fn every_level_and_format_matches_the_snapshots() {
    for level in Level::ALL {
        for (format, ext) in [
            (Format::Csv, "csv"),
            (Format::Table, "table"),
            (Format::Md, "md"),
        ] {
            let text = run("openalex", level, "2022", format);
            // The tidy CSV form of the same data gives the same ranking.
            assert_eq!(text, run("csv", level, "2022", format), "{level} {ext}");
            insta::assert_snapshot!(format!("{level}_2022_{ext}"), text);
        }
        insta::assert_snapshot!(
            format!("{level}_2021_csv"),
            run("openalex", level, "2021", Format::Csv)
        );
        insta::assert_snapshot!(
            format!("{level}_2022_json"),
            run("openalex", level, "2022", Format::Json)
        );
    }
}

#[test]
fn csv_contract_matches_design_section_3() {
    for (level, year, rows) in tally_testkit::design::EXPECTED {
        let text = run(
            "openalex",
            level.parse().unwrap(),
            &year.to_string(),
            Format::Csv,
        );
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("rank,entity_id,entity_name,count,share"));
        let got: Vec<String> = lines
            .map(|l| {
                // entity_name may be quoted and contain commas: drop it.
                let f: Vec<&str> = l.split(',').collect();
                format!("{},{},{},{}", f[0], f[1], f[f.len() - 2], f[f.len() - 1])
            })
            .collect();
        let want: Vec<String> = rows
            .iter()
            .map(|(r, id, c, s)| format!("{r},{id},{c},{s}"))
            .collect();
        assert_eq!(got, want, "{level} {year}");
    }
}

#[test]
fn ranked_by_count_the_two_cambridges_swap() {
    let mut s = settings("openalex", Level::City, "2022", Format::Csv);
    s.by = "count".into();
    let report = tally::build_report(&s, |_| {}).unwrap();
    let rows: Vec<(u32, &str)> = report.rankings[0]
        .rows
        .iter()
        .map(|r| (r.rank, r.entity_id.as_str()))
        .collect();
    // Beijing and Cambridge (US) tie on count 2 (ranks 1, 1), broken by share;
    // Cambridge (GB) and Hefei tie on 1 (ranks 3, 3).
    assert_eq!(
        rows,
        vec![
            (1, "1816670"),
            (1, "4931972"),
            (3, "2653941"),
            (3, "1808722")
        ]
    );
}

#[test]
fn renormalize_gives_the_unaffiliated_quarter_back() {
    let mut s = settings("openalex", Level::City, "2022", Format::Csv);
    s.scorers[1].params = r#"{"unaffiliated":"renormalize"}"#.into();
    let report = tally::build_report(&s, |_| {}).unwrap();
    let total: f64 = report.rankings[0]
        .rows
        .iter()
        .map(|r| r.scores[1].to_f64())
        .sum();
    assert!((total - 2.0).abs() < 1e-12, "{total}");
    // W1 without its unaffiliated author: n' = 3, Beijing 1/3 + 1/6, then W2's 1/3.
    let beijing = &report.rankings[0].rows[0];
    assert_eq!(beijing.entity_id, "1816670");
    assert_eq!(
        beijing.scores[1].display(tally_report::ScoreKind::Fractional),
        "0.833333"
    );
}

/// The JSON output is the schema: read back into a `Report`, it renders the
/// same CSV as the run that wrote it, at every level and for every year.
#[test]
fn json_read_back_renders_the_same_csv() {
    for level in Level::ALL {
        for years in ["2021", "2022", "all"] {
            let json = run("openalex", level, years, Format::Json);
            let report: tally_report::Report = serde_json::from_str(&json).unwrap();
            assert_eq!(
                tally::render(&report, Format::Csv),
                run("openalex", level, years, Format::Csv),
                "{level} {years}"
            );
            assert_eq!(tally::render(&report, Format::Json), json);
        }
    }
}

/// The numbers `docs/methodology.md` prints for the worked example are the
/// ones tally computes: its city table row by row, and its country and
/// institution lines.
#[test]
fn the_methodology_page_prints_what_tally_computes() {
    let doc = std::fs::read_to_string("docs/methodology.md").unwrap();
    let csv = run("openalex", Level::City, "2022", Format::Csv);
    let table: Vec<&str> = doc
        .lines()
        .skip_while(|l| !l.starts_with("City level, 2022, ranked by share:"))
        .filter(|l| l.starts_with("| ") && !l.starts_with("| rank"))
        .take_while(|l| l.starts_with("| "))
        .collect();
    assert_eq!(table.len(), 4, "{table:?}");
    for row in table {
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        let (rank, city, share, count) = (cells[0], cells[1], cells[2], cells[3]);
        let line = format!(",\"{city}\",{count},{share}");
        let found = csv
            .lines()
            .find(|l| l.ends_with(&line))
            .unwrap_or_else(|| panic!("{row} not in\n{csv}"));
        assert!(found.starts_with(&format!("{rank},")), "{row} vs {found}");
    }
    let flat = doc.split_whitespace().collect::<Vec<_>>().join(" ");
    // Each (id, share, count) the page prints at a level, "ID SHARE (COUNT)"
    // (the first with "count"), is a row of tally's CSV.
    let check = |level: Level, rows: &[(&str, &str, u32)]| {
        let csv = run("openalex", level, "2022", Format::Csv);
        for (id, share, count) in rows {
            let row = |l: &&str| {
                l.contains(&format!(",{id},")) && l.ends_with(&format!(",{count},{share}"))
            };
            assert!(csv.lines().any(|l| row(&l)), "{level}: {id}\n{csv}");
            assert!(
                flat.contains(&format!("{id} {share} (count {count})"))
                    || flat.contains(&format!("{id} {share} ({count})")),
                "{level}: {id} not on the page"
            );
        }
    };
    check(
        Level::Country,
        &[
            ("CN", "0.833333", 2),
            ("GB", "0.500000", 1),
            ("US", "0.416667", 2),
        ],
    );
    check(
        Level::Region,
        &[
            ("AS", "0.833333", 2),
            ("EU", "0.500000", 1),
            ("NA", "0.416667", 2),
        ],
    );
    check(
        Level::Institution,
        &[
            ("I1", "0.541667", 2),
            ("I5", "0.500000", 1),
            ("I4", "0.416667", 2),
            ("I2", "0.166667", 1),
            ("I3", "0.125000", 1),
        ],
    );
}

/// `tally compare` on the worked example, 2022 against 2021, at every
/// level: snapshots; and the city level as computed by hand: Beijing keeps
/// rank 1 (tied in 2021), its adjusted share changes by
/// (0.708333 / 0.5) * (1 / 2) - 1 = -29.17 %; New York is ranked only
/// before; Cambridge (GB), Cambridge (US) and Hefei only now.
#[test]
fn compare_2022_with_2021_at_every_level() {
    let fx = |f: &str| format!("{FIXTURE}/{f}");
    let run = |level: Level| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_tally"))
            .args([
                "compare",
                "--works",
                &fx("works.jsonl"),
                "--institutions",
                &fx("institutions.jsonl"),
                "--sources",
                &fx("journals.txt"),
                "--current",
                "2022",
                "--previous",
                "2021",
                "--level",
                level.as_str(),
                "--format",
                "csv",
                "-q",
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    assert_eq!(
        run(Level::City),
        "entity_id,entity_name,rank_current,rank_previous,rank_change,count_current,count_previous,share_current,share_previous,adjusted_share_change_pct\n\
         1816670,\"Beijing, CN\",1,1,0,2,1,0.708333,0.500000,-29.17\n\
         2653941,\"Cambridge, GB\",2,,,1,,0.500000,,\n\
         4931972,\"Cambridge, US\",3,,,2,,0.416667,,\n\
         1808722,\"Hefei, CN\",4,,,1,,0.125000,,\n\
         5128581,\"New York, US\",,1,,,1,,0.500000,\n"
    );
    for level in Level::ALL {
        insta::assert_snapshot!(format!("compare_{level}_csv"), run(level));
    }
}
