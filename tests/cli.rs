//! The command line as scripts see it: exit codes, one-line errors that name
//! the place, atomic output, and the demo of README's first command.

use std::path::Path;
use std::process::Output;

mod common;
use common::{error_line, fixture, stderr, stdout, tally};
use tally_testkit::Scratch;

#[test]
fn bad_config_key_names_file_line_and_column() {
    let s = Scratch::new("badkey");
    let cfg = s.file(
        "run.toml",
        "[input]\nworks = \"w.jsonl\"\n\n[rank]\nlevel = \"city\"\ntop = 10\ncolour = \"red\"\n",
    );
    let o = tally(&["rank", "--config", &cfg]);
    assert_eq!(o.status.code(), Some(2));
    let line = error_line(&o);
    assert!(
        line.starts_with(&format!("error: {cfg}:7:1: unknown field `colour`")),
        "{line}"
    );
}

#[test]
fn bad_config_value_names_file_line_and_column() {
    let s = Scratch::new("badvalue");
    let cfg = s.file("run.toml", "[rank]\nlevel = \"metropolis\"\n");
    let o = tally(&["rank", "--config", &cfg]);
    assert_eq!(o.status.code(), Some(2));
    let line = error_line(&o);
    assert!(
        line.starts_with(&format!("error: {cfg}:2:9: unknown level `metropolis`")),
        "{line}"
    );
}

#[test]
fn bad_scorer_params_name_the_scorer_and_the_place() {
    let s = Scratch::new("badparams");
    let cfg = s.file(
        "run.toml",
        &format!(
            "[input]\nworks = \"{}\"\n\n[[scorer]]\nname = \"share\"\nparams = {{ unaffiliated = \"keep\" }}\n",
            std::fs::canonicalize(fixture("works.jsonl")).unwrap().display()
        ),
    );
    let o = tally(&["rank", "--config", &cfg]);
    // A config error: exit 2.
    assert_eq!(o.status.code(), Some(2));
    let line = error_line(&o);
    assert!(
        line.starts_with(&format!(
            "error: {cfg}:5:8: scorer `share`: bad param `unaffiliated`: unknown variant `keep`"
        )),
        "{line}"
    );
}

#[test]
fn missing_files_are_named() {
    let o = tally(&["rank", "--works", "no/such/works.jsonl"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        error_line(&o),
        "error: no/such/works.jsonl: no such file, or no input files match"
    );
    let o = tally(&["rank", "--config", "no/such/config.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(error_line(&o).starts_with("error: no/such/config.toml: No such file"));
    let o = tally(&[
        "rank",
        "--works",
        &fixture("works.jsonl"),
        "--sources",
        "nope.txt",
    ]);
    assert!(error_line(&o).starts_with("error: nope.txt: No such file"));
}

#[test]
fn bad_flag_values_are_refused() {
    let o = tally(&[
        "rank",
        "--works",
        &fixture("works.jsonl"),
        "--years",
        "2022-20x",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`2022-20x` is not a year"),
        "{}",
        stderr(&o)
    );
    let o = tally(&[
        "rank",
        "--works",
        &fixture("works.jsonl"),
        "--by",
        "citations",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(error_line(&o).contains("--by citations: not one of the scorers run (count, share)"));
}

fn works_with_bad_lines(s: &Scratch) -> String {
    let good = std::fs::read_to_string(fixture("works.jsonl")).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    lines.insert(
        1,
        r#"{"id": "https://openalex.org/W8", "publication_year": "twenty-two"}"#,
    );
    lines.insert(3, r#"{"id": "https://openalex.org/W9", "authorships": [ {"#);
    s.file("works.jsonl", &(lines.join("\n") + "\n"))
}

#[test]
fn malformed_lines_are_named_and_counted() {
    let s = Scratch::new("malformed");
    let works = works_with_bad_lines(&s);
    let args = [
        "rank",
        "--works",
        &works,
        "--institutions",
        &fixture("institutions.jsonl"),
        "--sources",
        &fixture("journals.txt"),
        "--years",
        "2022",
        "--format",
        "csv",
    ];
    let o = tally(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains(&format!("warning: {works}:2: field `publication_year`: invalid type: string \"twenty-two\", expected i32")),
        "{e}"
    );
    assert!(
        e.contains(&format!(
            "warning: {works}:4: field `authorships[0]`: EOF while parsing an object (column 52)"
        )),
        "{e}"
    );
    assert!(e.contains("7 works read, 2 included; excluded: 1 source not in list, 1 type, 1 year, 0 duplicate, 2 malformed"), "{e}");
    assert!(stdout(&o).starts_with("rank,entity_id,entity_name,count,share\n1,1816670,"));
    // --strict stops at the first one, with the same message.
    let mut strict = args.to_vec();
    strict.push("--strict");
    let o = tally(&strict);
    assert_eq!(o.status.code(), Some(1));
    assert!(error_line(&o).starts_with(&format!("error: {works}:2: field `publication_year`")));
    assert!(stdout(&o).is_empty());
}

#[test]
fn output_is_written_atomically() {
    let s = Scratch::new("output");
    let out = s.path().join("ranking.csv");
    let base = [
        "rank",
        "--works",
        &fixture("works.jsonl"),
        "--institutions",
        &fixture("institutions.jsonl"),
        "--sources",
        &fixture("journals.txt"),
        "--years",
        "2022",
        "--format",
        "csv",
        "-q",
    ];
    let mut args = base.to_vec();
    let out_s = out.display().to_string();
    args.extend(["--output", &out_s]);
    let o = tally(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.is_empty() && o.stderr.is_empty());
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("rank,entity_id,entity_name,count,share\n1,1816670,"));
    let entries: Vec<_> = std::fs::read_dir(s.path()).unwrap().collect();
    assert_eq!(entries.len(), 1, "no temporary file left behind");

    // A failing run leaves the previous output untouched.
    let mut bad = base.to_vec();
    bad[2] = "missing.jsonl";
    bad.extend(["--output", &out_s]);
    assert_eq!(tally(&bad).status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);

    // An output folder that does not exist is an error, not a panic.
    let nowhere = s.path().join("no/such/dir/out.csv").display().to_string();
    let mut args = base.to_vec();
    args.extend(["--output", &nowhere]);
    let o = tally(&args);
    assert_eq!(o.status.code(), Some(1));
    assert!(error_line(&o).starts_with(&format!("error: {nowhere}:")));
}

#[test]
fn contract_defaults_without_a_config() {
    // No --types/--level/--scorers/--by: article, city, count+share by share.
    let o = tally(&[
        "rank",
        "--works",
        &fixture("works.jsonl"),
        "--institutions",
        &fixture("institutions.jsonl"),
        "--sources",
        &fixture("journals.txt"),
        "--years",
        "2021-2022",
        "--format",
        "csv",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Two years summed: Beijing 0.708333 + 0.5; New York 0.5.
    let text = stdout(&o);
    assert!(
        text.starts_with(
            "rank,entity_id,entity_name,count,share\n1,1816670,\"Beijing, CN\",3,1.208333\n"
        ),
        "{text}"
    );
    assert!(text.contains(",\"New York, US\",1,0.500000\n"), "{text}");
}

#[test]
fn demo_config_runs_as_the_readme_says() {
    let o = tally(&["rank", "--config", "config/demo.toml", "--format", "csv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    insta::assert_snapshot!("demo_city_2022_top20", text);
    // The same run as a table is what README shows.
    let o = tally(&["rank", "--config", "config/demo.toml"]);
    assert!(o.status.success());
    assert!(stdout(&o).starts_with("City ranking, 2022, by share (20 of "));
    assert!(stderr(&o).contains("ledger: "));
}

#[test]
fn scorers_lists_the_builtins() {
    let o = tally(&["scorers"]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(text.contains("count") && text.contains("share") && text.contains("built-in"));
}

#[test]
fn output_is_identical_whatever_the_order_of_the_input() {
    let s = Scratch::new("order");
    let text = std::fs::read_to_string(fixture("works.jsonl")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.rotate_left(2);
    let rotated = s.file("rotated.jsonl", &lines.join("\n"));
    let run = |works: &str| {
        let o = tally(&[
            "rank",
            "--works",
            works,
            "--institutions",
            &fixture("institutions.jsonl"),
            "--level",
            "institution,city,country",
            "--format",
            "md",
            "-q",
        ]);
        assert!(o.status.success());
        o.stdout
    };
    assert_eq!(run(&fixture("works.jsonl")), run(&rotated));
    let _ = Path::new(&rotated);
}

fn rank_csv(works: &str, extra: &[&str]) -> Output {
    let (inst, journals) = (fixture("institutions.jsonl"), fixture("journals.txt"));
    let mut args = vec![
        "rank",
        "--works",
        works,
        "--institutions",
        &inst,
        "--sources",
        &journals,
        "--format",
        "csv",
    ];
    args.extend_from_slice(extra);
    tally(&args)
}

/// `http://openalex.org/I1` is `I1`, as `https://` is: the same CSV as the
/// canonical file, at every level (it was an entity of its own).
#[test]
fn an_http_openalex_id_is_the_same_entity() {
    let s = Scratch::new("http-ids");
    let text = std::fs::read_to_string(fixture("works.jsonl")).unwrap();
    let http = s.file(
        "works.jsonl",
        &text.replace("https://openalex.org/", "http://openalex.org/"),
    );
    for level in ["institution", "city", "country"] {
        let a = rank_csv(&fixture("works.jsonl"), &["--level", level]);
        let b = rank_csv(&http, &["--level", level]);
        assert!(a.status.success() && b.status.success(), "{}", stderr(&b));
        assert_eq!(stdout(&a), stdout(&b), "{level}");
        assert!(stdout(&b).contains(",I1,") || level != "institution");
    }
}

/// Malformed JSON inside a field tally does not read is a malformed
/// record: a warning naming file and line (and the ledger counts it), and
/// with --strict the end of the run.
#[test]
fn malformed_json_in_a_skipped_field_is_a_malformed_record() {
    let text = std::fs::read_to_string(fixture("works.jsonl")).unwrap();
    let first = text.lines().next().unwrap();
    for bad in [
        "[1,2}",
        "{\"a\":1]",
        "02020",
        "tru",
        "1.2.3",
        "\"a\tb\"",
        "\"\\q\"",
    ] {
        let s = Scratch::new("skipped-json");
        // W1 with a broken `language` field, then the rest of the file.
        let broken = format!("{{\"language\": {bad}, {}", &first[1..]);
        let rest: Vec<&str> = text.lines().skip(1).collect();
        let works = s.file("works.jsonl", &format!("{broken}\n{}\n", rest.join("\n")));
        let o = rank_csv(&works, &[]);
        assert_eq!(o.status.code(), Some(0), "{bad}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(e.contains(&format!("warning: {works}:1: ")), "{bad}: {e}");
        assert!(e.contains(", 1 malformed"), "{bad}: {e}");
        let o = rank_csv(&works, &["--strict"]);
        assert_eq!(o.status.code(), Some(1), "{bad}");
        assert!(
            error_line(&o).starts_with(&format!("error: {works}:1: ")),
            "{bad}"
        );
        assert!(stdout(&o).is_empty());
    }
}
