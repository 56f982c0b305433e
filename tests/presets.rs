//! The shipped presets in `config/`: every one loads, and each runs on data
//! of the layout it names.

use std::path::Path;

mod common;
use common::tally;

/// Every `config/*.toml` resolves: known keys, known scorers, valid values
/// (and `metros.toml` loads as metros).
#[test]
fn every_shipped_config_loads() {
    let mut seen = 0;
    for entry in std::fs::read_dir("config").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "metros.toml") {
            // Not a run config: the metros for `--level metro`.
            let m = tally_config::load_metros(Some(&path)).unwrap();
            assert!(m.len() > 1000, "{} cities in metros", m.len());
            continue;
        }
        let settings = tally_config::resolve(
            Some(&path),
            tally_config::Overrides::default(),
            &tally::scorers::registry().for_config(),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!settings.works.is_empty(), "{}", path.display());
        if let Some(list) = &settings.sources {
            tally_ingest::JournalList::load(list)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
        seen += 1;
    }
    assert!(
        seen >= 2,
        "config/ holds the demo and the Nature Index presets"
    );
}

/// The Nature Index preset's first lines say what to download and where;
/// its paths are those.
#[test]
fn the_nature_index_preset_says_what_to_download() {
    let text = std::fs::read_to_string("config/nature-index.toml").unwrap();
    let head: String = text.lines().take_while(|l| l.starts_with('#')).collect();
    for needed in [
        "data/openalex/works/",
        "s3://openalex/data/works",
        "data/openalex/institutions/",
        "s3://openalex/data/institutions",
        "data/ror/ror-data.json",
        "zenodo.org",
    ] {
        assert!(head.contains(needed), "the header lacks {needed}");
    }
    for path in [
        "\"../data/openalex/works\"",
        "\"../data/openalex/institutions\"",
        "\"../data/ror/ror-data.json\"",
    ] {
        assert!(text.contains(path), "the preset does not read {path}");
    }
}

/// The preset runs on real OpenAlex works and ROR records given on the
/// command line (every source and year, since the shared sample has few
/// articles in the 82 journals).
#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data next to the checkout")]
fn the_nature_index_preset_runs_on_real_data() {
    let d = Path::new("../shared/data");
    let works = d.join("openalex/works.jsonl.gz");
    let inst = d.join("openalex/institutions.jsonl.gz");
    let ror = d.join("ror/ror-records.jsonl.gz");
    let o = tally(&[
        "rank",
        "--config",
        "config/nature-index.toml",
        "--works",
        works.to_str().unwrap(),
        "--institutions",
        inst.to_str().unwrap(),
        "--institutions",
        ror.to_str().unwrap(),
        "--sources",
        "none",
        "--years",
        "all",
        "--format",
        "csv",
        "-q",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.starts_with("rank,entity_id,entity_name,count,share\n1,"));
    assert!(text.lines().count() > 20, "{text}");
}

/// The README's config example is a valid config (its keys, values and
/// scorers), and says what it says.
#[test]
fn the_readme_config_example_loads() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let after = readme.split("## Config file").nth(1).unwrap();
    let toml = after
        .split("```toml\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let s = tally_testkit::Scratch::new("readme-config");
    let path = s.path().join("example.toml");
    std::fs::write(&path, toml).unwrap();
    let settings = tally_config::resolve(
        Some(&path),
        tally_config::Overrides::default(),
        &tally::scorers::registry().for_config(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(settings.format, tally_config::Format::Csv);
    assert_eq!(settings.top, Some(200));
    assert_eq!(settings.group, Some(tally_report::Level::Country));
    assert!(!settings.allow_empty && !settings.keep_duplicates && !settings.strict);
    let names: Vec<&str> = settings.scorers.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["count", "share"]);
}
