//! Mistakes and bad inputs are named, never answered with an empty or wrong
//! ranking and exit code 0; no credit is lost or invented.

use std::io::Write;
use std::process::{Command, Output};

mod common;
use common::{error_line, fixture, stderr, stdout, tally};
use tally_testkit::Scratch;

/// The worked example, 2022, city level, as CSV, with `extra` flags.
fn city_csv(works: &str, extra: &[&str]) -> Output {
    let inst = fixture("institutions.jsonl");
    let mut args = vec![
        "rank",
        "--works",
        works,
        "--institutions",
        &inst,
        "--years",
        "2022",
        "--format",
        "csv",
        "-q",
    ];
    args.extend(extra);
    tally(&args)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// A journal weight multiplies share, never count: the count column and
/// the JSON ledger's count total stay whole numbers of articles.
#[test]
fn a_journal_weight_leaves_count_unweighted() {
    let s = Scratch::new("weights");
    let weighted = s.file("weighted.txt", "S1 0.5\n");
    let works = fixture("works.jsonl");
    let plain = city_csv(&works, &["--sources", &fixture("journals.txt")]);
    let half = city_csv(&works, &["--sources", &weighted]);
    assert!(plain.status.success() && half.status.success());
    let rows = |o: &Output| -> Vec<(String, String, f64)> {
        stdout(o)
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.rsplitn(3, ',').collect();
                (f[2].to_owned(), f[1].to_owned(), f[0].parse().unwrap())
            })
            .collect()
    };
    let (a, b) = (rows(&plain), rows(&half));
    assert_eq!(a.len(), b.len());
    for ((ea, ca, sa), (eb, cb, sb)) in a.iter().zip(&b) {
        assert_eq!(ea, eb);
        assert_eq!(ca, cb, "count is not weighted: {ea}");
        assert!((sa / 2.0 - sb).abs() < 1e-6, "share is: {ea} {sa} {sb}");
    }
    // Beijing: 2 articles, whatever the weight.
    assert!(
        stdout(&half).contains(",\"Beijing, CN\",2,0.354167\n"),
        "{}",
        stdout(&half)
    );
    let json = tally(&[
        "rank",
        "--works",
        &works,
        "--institutions",
        &fixture("institutions.jsonl"),
        "--sources",
        &weighted,
        "--years",
        "2022",
        "--format",
        "json",
        "-q",
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let totals = &doc["ledger"]["levels"][0]["credit_totals"];
    assert_eq!(totals[0]["scorer"], "count");
    assert_eq!(totals[0]["total"].as_f64(), Some(6.0), "{totals}");
    assert_eq!(totals[1]["total"].as_f64(), Some(0.875), "{totals}");
    // Two articles of weight 0.5.
    assert_eq!(doc["ledger"]["included_weight"].as_f64(), Some(1.0));
}

/// The README's own CSV example with a position that skips an author: one
/// malformed work (not a two-author paper plus a malformed row), a warning
/// by default, a stop with --strict.
#[test]
fn a_tidy_csv_work_with_a_bad_row_is_skipped_whole() {
    let s = Scratch::new("csvwork");
    let works = s.file(
        "works.csv",
        "work_id,year,source_id,type,author_position,institution_id\nW1,2022,S1,article,1,I1\nW1,2022,S1,article,2,I1\nW1,2022,S1,article,2,I3\nW1,2022,S1,article,4,\nW2,2022,S1,article,1,I1\n",
    );
    let inst = fixture("institutions.csv");
    let o = tally(&[
        "rank",
        "--works",
        &works,
        "--institutions",
        &inst,
        "--level",
        "institution",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let warning = format!(
        "warning: {works}:5: field `author_position`: work W1: author_position jumps from 2 to 4"
    );
    assert!(stderr(&o).contains(&warning), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["ledger"]["works_read"], 2);
    assert_eq!(doc["ledger"]["excluded"]["malformed"], 1);
    assert_eq!(doc["ledger"]["included"], 1);
    let rows = doc["rankings"][0]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "only W2's institution: {rows:?}");
    let o = tally(&[
        "rank",
        "--works",
        &works,
        "--institutions",
        &inst,
        "--level",
        "institution",
        "--strict",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        error_line(&o).starts_with(&format!("error: {works}:5: field `author_position`")),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).is_empty());
}

/// Bytes after the last gzip member: by default the works before them are
/// counted (the same ranking as the clean file), a warning names the file
/// and the byte offset, the ledger counts one malformed record; --strict
/// stops. The same for an institutions file.
#[test]
fn data_after_the_last_gzip_member_is_named_not_fatal() {
    let s = Scratch::new("gztail");
    let clean = gzip(&std::fs::read(fixture("works.jsonl")).unwrap());
    let at = clean.len();
    let mut dirty = clean.clone();
    dirty.extend_from_slice(b"garbage after the member\n");
    let clean_path = s.path().join("clean.jsonl.gz");
    let dirty_path = s.path().join("dirty.jsonl.gz");
    std::fs::write(&clean_path, &clean).unwrap();
    std::fs::write(&dirty_path, &dirty).unwrap();
    let (clean_s, dirty_s) = (
        clean_path.display().to_string(),
        dirty_path.display().to_string(),
    );
    let want = city_csv(&clean_s, &[]);
    assert!(want.status.success(), "{}", stderr(&want));
    let inst = fixture("institutions.jsonl");
    let o = tally(&[
        "rank",
        "--works",
        &dirty_s,
        "--institutions",
        &inst,
        "--years",
        "2022",
        "--format",
        "csv",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), stdout(&want));
    let warning = format!(
        "warning: {dirty_s}: 25 bytes after the last gzip member, from byte {at}, are not gzip data: what came before them was read, they were not"
    );
    assert!(stderr(&o).contains(&warning), "{}", stderr(&o));
    assert!(stderr(&o).contains("malformed"), "{}", stderr(&o));
    let o = city_csv(&dirty_s, &["--strict"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(error_line(&o), warning.replacen("warning", "error", 1));

    // Institutions.
    let inst_gz = gzip(&std::fs::read(&inst).unwrap());
    let mut inst_dirty = inst_gz.clone();
    inst_dirty.extend_from_slice(&[0u8; 512]);
    let inst_path = s.path().join("inst.jsonl.gz");
    std::fs::write(&inst_path, &inst_dirty).unwrap();
    let inst_s = inst_path.display().to_string();
    let works = fixture("works.jsonl");
    let args = [
        "rank",
        "--works",
        &works,
        "--institutions",
        &inst_s,
        "--years",
        "2022",
        "--format",
        "csv",
    ];
    let o = tally(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), stdout(&want));
    let warning = format!(
        "{inst_s}: 512 bytes after the last gzip member, from byte {}",
        inst_gz.len()
    );
    assert!(stderr(&o).contains(&warning), "{}", stderr(&o));
    let mut strict = args.to_vec();
    strict.push("--strict");
    let o = tally(&strict);
    assert_eq!(o.status.code(), Some(1));
    assert!(error_line(&o).starts_with(&format!("error: {warning}")));
}

/// A run that includes nothing or resolves nothing fails with the reason
/// and what to pass; --allow-empty prints the empty ranking.
#[test]
fn empty_runs_are_errors_that_say_why() {
    let s = Scratch::new("empty");
    let works = fixture("works.jsonl");
    let inst = fixture("institutions.jsonl");
    let cases: Vec<(Vec<String>, String)> = vec![
        (
            // No institutions at city level.
            vec!["--works".into(), works.clone(), "--years".into(), "2022".into()],
            "error: nothing resolved at city level: of 10 institution slots, 10 are in no institution table, 0 have no city, 0 have no id; ranking by city needs --institutions (OpenAlex institutions, ROR records or an institutions CSV) that cover the works' institutions (--allow-empty prints the empty ranking)".into(),
        ),
        (
            // A year the data does not have.
            vec!["--works".into(), works.clone(), "--institutions".into(), inst.clone(), "--years".into(), "1800".into()],
            "error: no work was included: 5 read, 1 of a type not kept, 4 outside the years; the years kept are 1800: pass --years with years the data has, or --years all (--allow-empty prints the empty ranking)".into(),
        ),
        (
            // A journal list that matches nothing.
            vec!["--works".into(), works.clone(), "--institutions".into(), inst.clone(), "--sources".into(), s.file("j.txt", "S77\n")],
            format!("error: no work was included: 5 read, 5 not in the journal list; the journal list {} matches no work's source id or ISSN (--allow-empty prints the empty ranking)", s.path().join("j.txt").display()),
        ),
        (
            // An empty works file.
            vec!["--works".into(), s.file("none.jsonl", "")],
            format!("error: the works input holds no record ({}): pass OpenAlex works (JSON Lines, .gz too) or a tidy works CSV with --works (--allow-empty prints the empty ranking)", s.path().join("none.jsonl").display()),
        ),
    ];
    for (args, want) in cases {
        let mut all = vec!["rank".to_string()];
        all.extend(args.iter().cloned());
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let o = tally(&refs);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert_eq!(error_line(&o), want, "{args:?}");
        assert!(stdout(&o).is_empty());
        let mut allowed = refs.clone();
        allowed.push("--allow-empty");
        let o = tally(&allowed);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert!(
            stdout(&o).contains("(0 of 0 entities)"),
            "{args:?}: {}",
            stdout(&o)
        );
    }
}

/// Filter values that can only be mistakes are usage errors (exit 2).
#[test]
fn impossible_filters_are_usage_errors() {
    let works = fixture("works.jsonl");
    for (flag, value, want) in [
        (
            "--types",
            "articles",
            "unknown work type `articles` (did you mean `article`?); known types: article, book,",
        ),
        (
            "--types",
            "Article",
            "unknown work type `Article` (did you mean `article`?)",
        ),
        ("--years", "22", "`22`: years run from 1600 to "),
        ("--years", "3000", "`3000`: years run from 1600 to "),
    ] {
        let o = tally(&["rank", "--works", &works, flag, value]);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}");
        let e = stderr(&o);
        assert!(e.contains(want), "{flag} {value}: {e}");
        assert!(!e.contains("panicked"));
    }
}

/// `-o cities.csv` writes CSV; `--format json -o cities.csv` writes JSON
/// with a warning; `-o -` is standard output; `/dev/null` stays a device.
#[test]
fn the_output_follows_its_extension_and_kind() {
    let s = Scratch::new("outkind");
    let works = fixture("works.jsonl");
    let inst = fixture("institutions.jsonl");
    let base = [
        "rank",
        "--works",
        &works,
        "--institutions",
        &inst,
        "--years",
        "2022",
        "-q",
    ];
    let out = s.path().join("cities.csv").display().to_string();
    let mut args = base.to_vec();
    args.extend(["-o", &out]);
    let o = tally(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.starts_with("rank,entity_id,entity_name,count,share\n"),
        "{text}"
    );
    args.extend(["--format", "json"]);
    let o = tally(&args);
    assert!(o.status.success());
    assert!(std::fs::read_to_string(&out).unwrap().starts_with('{'));
    assert_eq!(
        stderr(&o).trim_end(),
        format!("warning: the output file {out} is written as json, as asked, not as its extension suggests (csv)")
    );
    let mut args = base.to_vec();
    args.extend(["-o", "-", "--format", "csv"]);
    let o = tally(&args);
    assert!(o.status.success());
    assert_eq!(stdout(&o), text);
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let mut args = base.to_vec();
        args.extend(["-o", "/dev/null"]);
        let o = tally(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());
    }
}

/// Records of another kind given as works or as institutions are refused
/// from their first record, saying what they are and where they go.
#[test]
fn inputs_of_the_wrong_kind_are_refused() {
    let s = Scratch::new("kinds");
    let works = fixture("works.jsonl");
    let inst = fixture("institutions.jsonl");
    let page = {
        let lines: Vec<serde_json::Value> = std::fs::read_to_string(&works)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        s.file(
            "page.json",
            &serde_json::json!({"meta": {"count": lines.len()}, "results": lines}).to_string(),
        )
    };
    let ror = s.file(
        "ror.jsonl",
        "{\"id\":\"https://ror.org/03cve4549\",\"names\":[{\"value\":\"Tsinghua University\",\"types\":[\"ror_display\"]}]}\n",
    );
    let author = s.file(
        "a.jsonl",
        "{\"id\":\"https://openalex.org/A5023888391\",\"display_name\":\"X\"}\n",
    );
    for (w, i, want) in [
        (&inst, &inst, format!("error: {inst}: OpenAlex institutions, not works: give this file with --institutions")),
        (&ror, &inst, format!("error: {ror}: ROR records, not works: give this file with --institutions")),
        (&page, &inst, format!("error: {page}: an OpenAlex API page ({{\"meta\": ..., \"results\": [...]}}), not JSON Lines: save one work per line, e.g. `jq -c '.results[]' page.json > works.jsonl`")),
        (&author, &inst, format!("error: {author}: OpenAlex authors, not works: --works takes OpenAlex works (JSON Lines) or a tidy works CSV")),
        (&works, &works, format!("error: {works}: OpenAlex works, not institutions: give this file with --works")),
        (&works, &author, format!("error: {author}: OpenAlex authors, not institutions: --institutions takes OpenAlex institutions, ROR records or an institutions CSV")),
    ] {
        let o = tally(&["rank", "--works", w, "--institutions", i]);
        assert_eq!(o.status.code(), Some(1), "{w} {i}: {}", stderr(&o));
        assert_eq!(error_line(&o), want);
        assert!(stdout(&o).is_empty());
    }
}

/// A UTF-8 byte-order mark at the start of a works file (JSON Lines or
/// CSV), an institutions file, a journal list or a config is skipped: the
/// same ranking as without it. A bad first line of JSON Lines is a bad
/// line like any other, not a reason to read the file as CSV.
#[test]
fn byte_order_marks_and_a_bad_first_line() {
    const BOM: &str = "\u{feff}";
    let s = Scratch::new("bom");
    let read = |name: &str| std::fs::read_to_string(fixture(name)).unwrap();
    let want = city_csv(
        &fixture("works.jsonl"),
        &["--sources", &fixture("journals.txt")],
    );
    assert!(want.status.success());
    let works = s.file("works.jsonl", &(BOM.to_owned() + &read("works.jsonl")));
    let journals = s.file("journals.txt", &(BOM.to_owned() + &read("journals.txt")));
    let inst = s.file(
        "inst.jsonl",
        &(BOM.to_owned() + &read("institutions.jsonl")),
    );
    let cfg = s.file(
        "run.toml",
        &format!("{BOM}[input]\nworks = \"{works}\"\ninstitutions = \"{inst}\"\nsources = \"{journals}\"\n[filter]\nyears = 2022\n[output]\nformat = \"csv\"\n"),
    );
    let o = tally(&["rank", "--config", &cfg, "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), stdout(&want));
    // Tidy CSV works and an institutions CSV with a mark.
    let csv_works = s.file("works.csv", &(BOM.to_owned() + &read("works.csv")));
    let csv_inst = s.file("inst.csv", &(BOM.to_owned() + &read("institutions.csv")));
    let plain = tally(&[
        "rank",
        "--works",
        &fixture("works.csv"),
        "--institutions",
        &fixture("institutions.csv"),
        "--years",
        "2022",
        "--format",
        "csv",
        "-q",
    ]);
    let marked = tally(&[
        "rank",
        "--works",
        &csv_works,
        "--institutions",
        &csv_inst,
        "--years",
        "2022",
        "--format",
        "csv",
        "-q",
    ]);
    assert!(
        plain.status.success() && marked.status.success(),
        "{}",
        stderr(&marked)
    );
    assert_eq!(stdout(&marked), stdout(&plain));
    // A bad first line: a warning for line 1, the other works counted.
    let bad_first = s.file(
        "bad.jsonl",
        &("not json at all\n".to_owned() + &read("works.jsonl")),
    );
    let o = city_csv(&bad_first, &["--sources", &fixture("journals.txt")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let inst_path = fixture("institutions.jsonl");
    let o = tally(&[
        "rank",
        "--works",
        &bad_first,
        "--institutions",
        &inst_path,
        "--sources",
        &fixture("journals.txt"),
        "--years",
        "2022",
        "--format",
        "csv",
    ]);
    assert!(
        stderr(&o).contains(&format!("warning: {bad_first}:1: ")),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&o), stdout(&want));
}

/// A run that ranks something but where journals of the list matched no
/// work, or most of a level's share is unassigned, says so (stderr and the
/// JSON ledger), with what to check or pass.
#[test]
fn journals_that_match_nothing_and_mostly_unassigned_levels_are_warned() {
    let s = Scratch::new("findings");
    let works = fixture("works.jsonl");
    let inst = fixture("institutions.jsonl");
    let list = s.file(
        "j.txt",
        "# two of three match nothing\nS1\nS77\n0028-0836 0.5\n",
    );
    let o = tally(&[
        "rank",
        "--works",
        &works,
        "--institutions",
        &inst,
        "--sources",
        &list,
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim_end(),
        format!("warning: 2 of the 3 journals in {list} matched no work read (the first on line 3: S77): check those entries, or the works do not cover those journals")
    );
    // A table that knows one institution of six: most of the city share is
    // unassigned.
    let one = s.file(
        "one.csv",
        "institution_id,name,city_id,city,country_code\nI1,Tsinghua,1816670,Beijing,CN\n",
    );
    let o = tally(&[
        "rank",
        "--works",
        &works,
        "--institutions",
        &one,
        "--years",
        "2022",
        "--format",
        "json",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // 2022 without a journal list: W1, W2 and W4; Tsinghua's 13/24 of 3.
    let want = "at city level 82 % of the share is unassigned (1 authorships have no institution; 7 of 10 institution slots are in no institution table: pass --institutions with OpenAlex institutions or ROR records that cover them)";
    assert_eq!(stderr(&o).trim_end(), format!("warning: {want}"));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["ledger"]["warnings"][0], want);
    // The complete tables: no warning.
    let o = tally(&[
        "rank",
        "--works",
        &works,
        "--institutions",
        &inst,
        "--years",
        "2022",
        "-q",
    ]);
    assert!(
        o.status.success() && stderr(&o).is_empty(),
        "{}",
        stderr(&o)
    );
}

/// `-v` logs every phase with its numbers and timing and names the
/// institutions that stayed unresolved; `-vv` adds each file; the JSON
/// ledger lists the unresolved institutions per level.
#[test]
fn verbose_runs_say_what_happened_and_what_did_not_resolve() {
    let s = Scratch::new("verbose");
    let works = fixture("works.jsonl");
    let one = s.file(
        "one.csv",
        "institution_id,name,city_id,city,country_code\nI1,Tsinghua,1816670,Beijing,CN\n",
    );
    let base = [
        "rank",
        "--works",
        &works,
        "--institutions",
        &one,
        "--sources",
        &fixture("journals.txt"),
        "--years",
        "2022",
    ];
    let mut args = base.to_vec();
    args.push("-v");
    let o = tally(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    for line in [
        "INFO journal list ",
        "INFO works inputs: 1 files",
        "INFO institution tables: 1 OpenAlex or CSV records, 0 ROR records, 0 unreadable, 0 ids given twice with other data, from 1 files in ",
        "INFO works: 5 read, 2 included, 3 excluded, from 1 files",
        "INFO city level: 3 of 9 institution slots resolved (33.3 %)",
        "INFO city ranking: 1 entities, 1 rows shown, ranked in ",
        "INFO output: ",
        // The share each would carry: its share at institution level.
        "unresolved at city level: I5 \"University of Cambridge\" (1 works, 2 slots, share 0.500000)",
        "unresolved at city level: I4 \"Harvard University\" (2 works, 2 slots, share 0.416667)",
        "unresolved at city level: I2 \"Peking University\" (1 works, 1 slots, share 0.166667)",
    ] {
        assert!(e.contains(line), "missing {line:?} in:\n{e}");
    }
    assert!(!e.contains("DEBUG"), "{e}");
    let mut args = base.to_vec();
    args.push("-vv");
    let e = stderr(&tally(&args));
    assert!(
        e.contains(&format!("DEBUG works file {works}: 3249 bytes, xxh3-128:")),
        "{e}"
    );
    assert!(
        e.contains(&format!("DEBUG institutions file {one}: ")),
        "{e}"
    );
    let mut args = base.to_vec();
    args.extend(["--format", "json", "-q"]);
    let o = tally(&args);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let top = &doc["ledger"]["levels"][0]["unresolved"];
    assert_eq!(top[0]["id"], "I5");
    assert_eq!(top[0]["name"], "University of Cambridge");
    assert_eq!(top[0]["works"], 1);
    assert_eq!(top[0]["share"].as_f64(), Some(0.5));
    assert_eq!(top.as_array().unwrap().len(), 4, "{top}");
}

/// A scorer's bad params point at the config's place or at the flag, with
/// no position in the JSON tally generated; exit 2.
#[test]
fn bad_scorer_params_point_at_the_config_or_the_flag() {
    let s = Scratch::new("params");
    let works = fixture("works.jsonl");
    let cfg = s.file(
        "p.toml",
        &format!("[input]\nworks = \"{works}\"\n[[scorer]]\nname = \"share\"\nparams = {{ unassigned = \"drop\" }}\n"),
    );
    let o = tally(&["rank", "--config", &cfg]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        error_line(&o),
        format!("error: {cfg}:4:8: scorer `share`: bad param `unassigned`: unknown field `unassigned`, expected `unaffiliated`")
    );
    let o = tally(&[
        "rank",
        "--works",
        &works,
        "--param",
        "share.unaffiliated=kep",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        error_line(&o),
        "error: --param share.unaffiliated=kep: scorer `share`: bad param `unaffiliated`: unknown variant `kep`, expected `drop` or `renormalize`"
    );
}

/// `--works -` reads standard input (plain or gzipped), and a named pipe is
/// read as a stream: the same ranking as from the file.
#[test]
fn standard_input_and_named_pipes_are_read_as_streams() {
    use std::process::Stdio;
    let works = fixture("works.jsonl");
    let want = city_csv(&works, &[]);
    assert!(want.status.success());
    let bytes = std::fs::read(&works).unwrap();
    for input in [bytes.clone(), gzip(&bytes)] {
        let inst = fixture("institutions.jsonl");
        let mut child = Command::new(env!("CARGO_BIN_EXE_tally"))
            .args([
                "rank",
                "--works",
                "-",
                "--institutions",
                &inst,
                "--years",
                "2022",
                "--format",
                "csv",
                "-q",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let o = child.wait_with_output().unwrap();
        writer.join().unwrap().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(stdout(&o), stdout(&want));
    }
    #[cfg(unix)]
    {
        let s = Scratch::new("fifo-in");
        let fifo = s.path().join("works.pipe");
        let made = Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|st| st.success()) {
            eprintln!("SKIPPED (named pipe part): mkfifo is not available");
            return;
        }
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(fifo, bytes))
        };
        let o = city_csv(fifo.to_str().unwrap(), &[]);
        writer.join().unwrap().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(stdout(&o), stdout(&want));
    }
}

/// Ctrl-C during a run: the run stops, the earlier output is untouched and
/// no file is left beside it (the output is written only once the ranking
/// is complete, through a temporary file renamed over it).
#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_the_earlier_output_untouched() {
    let s = Scratch::new("sigint");
    let data = s.path().join("data");
    let o = tally(&[
        "gen",
        "--works",
        "10000",
        "--out",
        data.to_str().unwrap(),
        "--files",
        "1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out_dir = s.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let out = out_dir.join("ranking.csv");
    std::fs::write(&out, "the earlier ranking\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tally"))
        .args(["rank", "--works"])
        .arg(data.join("works"))
        .arg("--institutions")
        .arg(data.join("institutions.jsonl"))
        .args(["--threads", "1", "-q", "-o"])
        .arg(&out)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended before it could be interrupted: make the input larger"
    );
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(!status.success(), "{status:?}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "the earlier ranking\n"
    );
    let left: Vec<_> = std::fs::read_dir(&out_dir).unwrap().collect();
    assert_eq!(left.len(), 1, "{left:?}");
}

/// Two records with one id and different content: the same one counts
/// whichever comes first (the one with the smaller content digest), and the
/// ledger says how many ids differ, with examples.
#[test]
fn the_copy_of_a_repeated_work_that_counts_does_not_depend_on_the_order() {
    let s = Scratch::new("dupcontent");
    let text = std::fs::read_to_string(fixture("works.jsonl")).unwrap();
    let w1 = text.lines().next().unwrap();
    // W1 again, with Columbia (New York) in place of Harvard.
    let other = w1.replace("https://openalex.org/I4", "https://openalex.org/I6");
    assert_ne!(other, w1);
    let a = s.file("a.jsonl", &text);
    let b = s.file("b.jsonl", &format!("{other}\n"));
    let inst = fixture("institutions.jsonl");
    let run = |first: &str, second: &str| {
        tally(&[
            "rank",
            "--works",
            first,
            "--works",
            second,
            "--institutions",
            &inst,
            "--years",
            "2022",
            "--format",
            "json",
            "-q",
        ])
    };
    let ab = run(&a, &b);
    let ba = run(&b, &a);
    assert!(
        ab.status.success() && ba.status.success(),
        "{}",
        stderr(&ab)
    );
    let doc = |o: &Output| serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap();
    let (x, y) = (doc(&ab), doc(&ba));
    assert_eq!(x["rankings"], y["rankings"]);
    assert_eq!(x["ledger"], y["ledger"]);
    assert_eq!(x["ledger"]["excluded"]["duplicate"], 1);
    assert_eq!(x["ledger"]["duplicates_differing"], 1);
    assert_eq!(x["ledger"]["duplicates_differing_examples"][0], "W1");
    // The kept copy is one of the two, whole: its third author is at
    // Harvard (Cambridge, US) or at Columbia (New York), not both.
    let cities: Vec<&str> = x["rankings"][0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["entity_name"].as_str().unwrap())
        .collect();
    let harvard_w1 = x["rankings"][0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["entity_name"] == "Cambridge, US")
        .map(|r| r["scores"]["count"].as_f64().unwrap());
    // Harvard is on W2 either way; on W1 only in the first copy.
    match harvard_w1 {
        Some(2.0) => assert!(!cities.contains(&"New York, US"), "{cities:?}"),
        Some(1.0) => assert!(cities.contains(&"New York, US"), "{cities:?}"),
        other => panic!("Cambridge, US: {other:?}"),
    }
    // Identical copies are no conflict.
    let same = s.file("same.jsonl", &format!("{w1}\n"));
    let o = run(&a, &same);
    let d = doc(&o);
    assert_eq!(d["ledger"]["excluded"]["duplicate"], 1);
    assert!(
        d["ledger"].get("duplicates_differing").is_none(),
        "{}",
        d["ledger"]
    );
}

/// A directory of works that also holds the institutions file: the works
/// are read, the institutions file is skipped with a warning saying what it
/// is (named as works, it is an error: see above).
#[test]
fn a_directory_walk_skips_what_is_clearly_not_works() {
    let s = Scratch::new("walk");
    let dir = s.path().join("data");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(fixture("works.jsonl"), dir.join("works.jsonl")).unwrap();
    std::fs::copy(
        fixture("institutions.jsonl"),
        dir.join("institutions.jsonl"),
    )
    .unwrap();
    let inst = dir.join("institutions.jsonl").display().to_string();
    let d = dir.display().to_string();
    for threads in ["1", "2"] {
        let o = tally(&[
            "rank",
            "--works",
            &d,
            "--institutions",
            &inst,
            "--years",
            "2022",
            "--format",
            "csv",
            "--threads",
            threads,
            "-q",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(
            stderr(&o).trim_end(),
            format!("warning: {inst} was found among the works inputs and skipped: OpenAlex institutions, not works: give this file with --institutions")
        );
        assert_eq!(stdout(&o), stdout(&city_csv(&fixture("works.jsonl"), &[])));
    }
}

/// The ledger counts malformed records by kind (the field that is wrong,
/// indices dropped, or the line as a whole) and quotes the first of each.
#[test]
fn malformed_records_are_counted_by_kind_with_examples() {
    let s = Scratch::new("kinds-of-bad");
    let good = std::fs::read_to_string(fixture("works.jsonl")).unwrap();
    let bad = [
        "not json",
        r#"{"id":"W91","publication_year":"2022"}"#,
        "{\"id\":",
        r#"{"id":"W92","authorships":[{"institutions":[{"id":5}]}]}"#,
        r#"{"id":"W93","authorships":[{},{"institutions":[{"id":6}]}]}"#,
    ];
    let works = s.file("w.jsonl", &(good + &bad.join("\n") + "\n"));
    let o = tally(&[
        "rank",
        "--works",
        &works,
        "--institutions",
        &fixture("institutions.jsonl"),
        "--years",
        "2022",
        "--format",
        "json",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let kinds = doc["ledger"]["malformed_by_kind"].as_array().unwrap();
    let summary: Vec<(String, u64)> = kinds
        .iter()
        .map(|k| {
            (
                k["kind"].as_str().unwrap().to_owned(),
                k["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("authorships[].institutions[].id".to_owned(), 2),
            // A line cut short in the id's value.
            ("id".to_owned(), 1),
            ("line".to_owned(), 1),
            ("publication_year".to_owned(), 1),
        ]
    );
    assert_eq!(doc["ledger"]["excluded"]["malformed"], 5);
    let first = kinds[0]["examples"][0].as_str().unwrap();
    assert!(
        first.starts_with(&format!(
            "{works}:9: field `authorships[0].institutions[0].id`"
        )),
        "{first}"
    );
    assert_eq!(kinds[0]["examples"].as_array().unwrap().len(), 2);
    assert!(kinds[2]["examples"][0]
        .as_str()
        .unwrap()
        .starts_with(&format!("{works}:6: ")));
}
