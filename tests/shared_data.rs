//! End to end on real OpenAlex works with OpenAlex institutions and ROR
//! records from `../shared/data` (ignored, with the reason, when absent):
//! share conservation, a ledger that adds up, and agreement with the
//! independent Python implementation in `tests/reference/` at every level.

use std::path::{Path, PathBuf};
use std::process::Command;
use tally_config::{Format, Overrides, Settings};
use tally_report::Level;

/// The shared data; the tests that call this are ignored (with the reason)
/// when the build found no `../shared/data` (see `build.rs`).
fn data() -> PathBuf {
    PathBuf::from("../shared/data")
}

fn settings(d: &Path, levels: Vec<Level>, format: Format) -> Settings {
    let o = Overrides {
        works: vec![d.join("openalex/works.jsonl.gz")],
        institutions: vec![
            d.join("openalex/institutions.jsonl.gz"),
            d.join("ror/ror-records.jsonl.gz"),
        ],
        levels: Some(levels),
        format: Some(format),
        ..Default::default()
    };
    tally_config::resolve(None, o, &tally::scorers::registry().for_config()).unwrap()
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data next to the checkout")]
fn share_is_conserved_and_the_ledger_adds_up() {
    let d = data();
    let s = settings(&d, Level::ALL.to_vec(), Format::Json);
    let mut problems = 0;
    let report = tally::build_report(&s, |_| problems += 1).unwrap();
    let l = &report.ledger;
    assert_eq!(
        problems,
        l.excluded.malformed + l.institution_records_malformed
    );
    assert_eq!(l.works_read, 719);
    assert_eq!(l.works_read, l.included + l.excluded.total());
    assert!(l.included > 400, "{}", l.included);
    assert!(l.authorships_without_institution > 0);
    for (ranking, lv) in report.rankings.iter().zip(&l.levels) {
        let share_col = ranking
            .columns
            .iter()
            .position(|c| c.name == "share")
            .unwrap();
        let ranked: f64 = ranking
            .rows
            .iter()
            .map(|r| r.scores[share_col].to_f64())
            .sum();
        let total = ranked + lv.share_unassigned.to_f64();
        let included = l.included_weight.to_f64();
        assert!(
            ((total - included) / included).abs() < 1e-9,
            "{}: {ranked} + {} != {included}",
            ranking.level,
            lv.share_unassigned.to_f64()
        );
        assert_eq!(
            lv.slots_resolved
                + lv.slots_unknown_institution
                + lv.slots_no_location
                + lv.slots_without_id,
            l.institution_slots,
            "{}: every slot is accounted for",
            ranking.level
        );
    }
    // Institution and parent levels resolve every slot with an id; city
    // level cannot resolve institutions in no table.
    let at = |level: Level| l.levels.iter().find(|x| x.level == level).unwrap();
    assert_eq!(at(Level::Institution).slots_unknown_institution, 0);
    assert_eq!(at(Level::Parent).slots_unknown_institution, 0);
    assert!(at(Level::City).slots_unknown_institution > 0);
}

fn parse(csv: &str) -> Vec<(String, String, u64, f64)> {
    csv.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let n = f.len();
            (
                f[0].to_owned(),
                f[1].to_owned(),
                f[n - 2].parse().unwrap(),
                f[n - 1].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data next to the checkout")]
fn agrees_with_the_independent_reference_at_every_level() {
    let d = data();
    assert!(
        Command::new("python3").arg("--version").output().is_ok(),
        "python3 is needed to run tests/reference/tally_ref.py (.ci/run installs it)"
    );
    for level in Level::ALL {
        let s = settings(&d, vec![level], Format::Csv);
        let report = tally::build_report(&s, |_| {}).unwrap();
        let ours = parse(&tally::render(&report, Format::Csv));
        let out = Command::new("python3")
            .arg("tests/reference/tally_ref.py")
            .args(["--works", "../shared/data/openalex/works.jsonl.gz"])
            .args([
                "--institutions",
                "../shared/data/openalex/institutions.jsonl.gz",
            ])
            .args(["--institutions", "../shared/data/ror/ror-records.jsonl.gz"])
            .args(["--level", level.as_str()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs = parse(&String::from_utf8(out.stdout).unwrap());
        assert_eq!(ours.len(), theirs.len(), "{level}: number of rows");
        // Six continents have institutions in the sample; every other
        // level has many more entities.
        let least = if level == Level::Region { 5 } else { 50 };
        assert!(ours.len() > least, "{level}: {} rows", ours.len());
        for (a, b) in ours.iter().zip(&theirs) {
            assert_eq!(
                (&a.0, &a.1, a.2),
                (&b.0, &b.1, b.2),
                "{level}: rank, id, count"
            );
            assert!(
                (a.3 - b.3).abs() <= 1e-6,
                "{level} {}: share {} vs {}",
                a.1,
                a.3,
                b.3
            );
        }
    }
}

/// The skimmer (the fast path) reads every real record exactly as
/// serde_json does (or hands it to serde_json): checked field by field.
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data next to the checkout")]
fn fast_scanner_agrees_with_serde_on_real_records() {
    use std::io::BufRead;
    use tally_ingest::{Filter, LineParser, Skimmed};
    let d = data();
    let f = std::fs::File::open(d.join("openalex/works.jsonl.gz")).unwrap();
    let r = std::io::BufReader::new(flate2::read::MultiGzDecoder::new(f));
    let (mut fast, mut total) = (0, 0);
    let (mut a, mut b) = (LineParser::new(), LineParser::new());
    for line in r.split(b'\n') {
        let line = line.unwrap();
        if line.is_empty() {
            continue;
        }
        total += 1;
        let slow = format!("{:?}", b.parse(&line).unwrap());
        match a.skim(&line, &Filter::default()) {
            Skimmed::Work(w) => {
                fast += 1;
                assert_eq!(format!("{w:?}"), slow);
            }
            Skimmed::Excluded(e) => panic!("nothing is excluded, got {e:?}"),
            Skimmed::GaveUp => {}
        }
    }
    assert_eq!(total, 719);
    // Nearly all records take the fast path.
    assert!(fast >= 715, "{fast} of {total} on the fast path");
}

/// On real data too, the JSON read back into a `Report` renders the CSV of
/// the same run, byte for byte, at every level.
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data next to the checkout")]
fn json_read_back_renders_the_same_csv_on_real_data() {
    let d = data();
    for level in Level::ALL {
        let s = settings(&d, vec![level], Format::Json);
        let report = tally::build_report(&s, |_| {}).unwrap();
        let json = tally::render(&report, Format::Json);
        let back: tally_report::Report = serde_json::from_str(&json).unwrap();
        assert_eq!(
            tally::render(&back, Format::Csv),
            tally::render(&report, Format::Csv),
            "{level}"
        );
    }
}

/// The shared OpenAlex works twice over: the same ranking as once, and the
/// ledger reports every repeated id; `--keep-duplicates` counts them twice.
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data next to the checkout")]
fn duplicates_count_once_and_are_reported() {
    let d = data();
    let s = tally_testkit::Scratch::new("dups");
    let works = d.join("openalex/works.jsonl.gz");
    let twice = s.path().join("twice.jsonl.gz");
    let mut bytes = std::fs::read(&works).unwrap();
    bytes.extend(std::fs::read(&works).unwrap());
    std::fs::write(&twice, bytes).unwrap();
    let run = |w: &Path, extra: &[&str]| {
        let inst = d.join("openalex/institutions.jsonl.gz");
        let ror = d.join("ror/ror-records.jsonl.gz");
        let mut args = vec![
            "rank",
            "--works",
            w.to_str().unwrap(),
            "--institutions",
            inst.to_str().unwrap(),
            "--institutions",
            ror.to_str().unwrap(),
            "--level",
            "country",
            "--types",
            "all",
            "--format",
            "json",
            "-q",
        ];
        args.extend(extra);
        let o = Command::new(env!("CARGO_BIN_EXE_tally"))
            .args(&args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let once = run(&works, &[]);
    let double = run(&twice, &[]);
    assert_eq!(once["rankings"], double["rankings"]);
    assert_eq!(double["ledger"]["works_read"], 2 * 719);
    assert_eq!(double["ledger"]["excluded"]["duplicate"], 719);
    let kept = run(&twice, &["--keep-duplicates"]);
    assert_eq!(kept["ledger"]["excluded"]["duplicate"], 0);
    assert_eq!(
        kept["ledger"]["included"],
        2 * once["ledger"]["included"].as_u64().unwrap()
    );
    assert_eq!(
        kept["ledger"]["duplicates_kept"],
        once["ledger"]["included"]
    );
}

/// On the real data: a metro's share is the sum of its member cities'
/// (every metro id of `config/metros.toml` is a GeoNames id of the shared
/// cities file, and no city is in two metros), and a parent's share is the
/// sum of its institutions' (which roll up to it by the tables' lineage).
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data next to the checkout")]
fn metros_and_parents_add_up_on_real_data() {
    use std::collections::{BTreeMap, HashSet};
    let d = data();
    // Every city of the metros file exists in GeoNames' cities1000.
    let geonames: HashSet<String> = std::fs::read_to_string(d.join("geonames/cities1000.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next().map(str::to_owned))
        .collect();
    let metros = tally_config::load_metros(None).unwrap();
    for city in metros.keys() {
        assert!(
            geonames.contains(city),
            "city {city} of config/metros.toml is not in GeoNames"
        );
    }
    let mut s = settings(
        &d,
        vec![Level::City, Level::Metro, Level::Institution, Level::Parent],
        Format::Json,
    );
    s.group = Some(Level::Parent);
    let report = tally::build_report(&s, |_| {}).unwrap();
    let scores = |level: Level| -> BTreeMap<String, f64> {
        let r = report.rankings.iter().find(|r| r.level == level).unwrap();
        let share = r.columns.iter().position(|c| c.name == "share").unwrap();
        r.rows
            .iter()
            .map(|row| (row.entity_id.clone(), row.scores[share].to_f64()))
            .collect()
    };
    let mut by_metro: BTreeMap<String, f64> = BTreeMap::new();
    for (city, v) in scores(Level::City) {
        let key = metros.get(&city).map_or(city, |(m, _)| m.clone());
        *by_metro.entry(key).or_default() += v;
    }
    let metro = scores(Level::Metro);
    assert_eq!(metro.len(), by_metro.len());
    for (k, sum) in &by_metro {
        assert!((metro[k] - sum).abs() < 1e-4, "{k}: {} != {sum}", metro[k]);
    }
    // Parents: the sum over all of them is the sum over the institutions,
    // and there are fewer parents than institutions (some roll up).
    let (inst, parent) = (scores(Level::Institution), scores(Level::Parent));
    let total = |m: &BTreeMap<String, f64>| m.values().sum::<f64>();
    assert!((total(&inst) - total(&parent)).abs() < 1e-3);
    assert!(
        parent.len() < inst.len(),
        "{} parents, {} institutions",
        parent.len(),
        inst.len()
    );
    // Each parent's share is the sum of its institutions' (by the
    // institution -> parent memberships the run records), and the ledger
    // says how many institutions rolled up into how many parents.
    let members = report
        .groupings
        .iter()
        .find(|g| g.level == Level::Institution && g.group == Level::Parent)
        .unwrap();
    let mut by_parent: BTreeMap<String, f64> = BTreeMap::new();
    let (mut rolled, mut into) = (0u64, HashSet::new());
    for (id, v) in &inst {
        let p = members.of(id);
        assert_eq!(p.len(), 1, "{id} has parents {p:?}");
        *by_parent.entry(p[0].clone()).or_default() += v;
        if p[0] != *id {
            rolled += 1;
            into.insert(p[0].clone());
        }
    }
    assert_eq!(by_parent.len(), parent.len());
    for (k, sum) in &by_parent {
        assert!(
            (parent[k] - sum).abs() < 1e-4,
            "{k}: {} != {sum}",
            parent[k]
        );
    }
    let lv = report
        .ledger
        .levels
        .iter()
        .find(|l| l.level == Level::Parent)
        .unwrap();
    assert!(rolled > 0);
    assert_eq!(
        (lv.rolled_up, lv.rolled_up_into),
        (rolled, into.len() as u64)
    );
}
