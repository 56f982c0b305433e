//! The parent and region levels on small hand-made tables.

mod common;
use common::{fixture, stderr, stdout, tally};
use tally_testkit::Scratch;

/// Parent level: institutions roll up to the root of their lineage (here
/// the CSV's `parent_id`, one level), share adds up over the children and
/// count counts each work once; an institution without parent stands for
/// itself. City and country do not change.
#[test]
fn the_parent_level_rolls_institutions_up_to_their_root() {
    let s = Scratch::new("parent");
    let inst = s.file(
        "inst.csv",
        "institution_id,name,city_id,city,country_code,parent_id\n\
         I1,Tsinghua University,1816670,Beijing,CN,I9\n\
         I2,Peking University,1816670,Beijing,CN,I9\n\
         I9,Beijing Universities,1816670,Beijing,CN,\n\
         I3,USTC,1808722,Hefei,CN,\n\
         I4,Harvard University,4931972,Cambridge,US,\n\
         I5,University of Cambridge,2653941,Cambridge,GB,\n\
         I6,Columbia University,5128581,New York,US,\n",
    );
    let run = |level: &str| {
        let o = tally(&[
            "rank",
            "--works",
            &fixture("works.jsonl"),
            "--institutions",
            &inst,
            "--sources",
            &fixture("journals.txt"),
            "--years",
            "2022",
            "--level",
            level,
            "--format",
            "csv",
            "-q",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    // W1 and W2 both have Tsinghua; W2 also Peking: I9 counts 2 works, and
    // gets 0.541667 + 0.166667.
    assert_eq!(
        run("parent"),
        "rank,entity_id,entity_name,count,share\n\
         1,I9,Beijing Universities,2,0.708333\n\
         2,I5,University of Cambridge,1,0.500000\n\
         3,I4,Harvard University,2,0.416667\n\
         4,I3,USTC,1,0.125000\n"
    );
    assert!(run("city").starts_with(
        "rank,entity_id,entity_name,count,share\n1,1816670,\"Beijing, CN\",2,0.708333\n"
    ));
}

/// ROR parents are followed up the chain (a cycle stops it); the root is
/// named by its ROR id.
#[test]
fn ror_parent_chains_lead_to_their_root() {
    let s = Scratch::new("ror-parent");
    let works = s.file(
        "w.jsonl",
        r#"{"id":"W1","publication_year":2022,"type":"article","authorships":[{"institutions":[{"id":"https://openalex.org/I1","ror":"https://ror.org/0aaaaaa01"}]},{"institutions":[{"id":"https://openalex.org/I2","ror":"https://ror.org/0aaaaaa04"}]}]}
"#,
    );
    let ror = s.file(
        "ror.jsonl",
        concat!(
            r#"{"id":"https://ror.org/0aaaaaa01","name":"Lab","relationships":[{"type":"Parent","id":"https://ror.org/0aaaaaa02"}],"country":{"country_code":"FR"}}"#, "\n",
            r#"{"id":"https://ror.org/0aaaaaa02","name":"Institute","relationships":[{"type":"Parent","id":"https://ror.org/0aaaaaa03"}]}"#, "\n",
            r#"{"id":"https://ror.org/0aaaaaa03","name":"National Centre","relationships":[{"type":"Child","id":"https://ror.org/0aaaaaa02"}]}"#, "\n",
            r#"{"id":"https://ror.org/0aaaaaa04","name":"Loop A","relationships":[{"type":"Parent","id":"https://ror.org/0aaaaaa05"}],"country":{"country_code":"DE"}}"#, "\n",
            r#"{"id":"https://ror.org/0aaaaaa05","name":"Loop B","relationships":[{"type":"Parent","id":"https://ror.org/0aaaaaa04"}]}"#, "\n",
        ),
    );
    let o = tally(&[
        "rank",
        "--works",
        &works,
        "--institutions",
        &ror,
        "--level",
        "parent,region",
        "--format",
        "md",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("| 1 | https://ror.org/0aaaaaa03 | National Centre | 1 | 0.500000 |"),
        "{out}"
    );
    // A loop (04 -> 05 -> 04) ends where a parent comes again: at 04.
    assert!(
        out.contains("| 1 | https://ror.org/0aaaaaa04 | Loop A | 1 | 0.500000 |"),
        "{out}"
    );
    assert!(out.contains("| 1 | EU | Europe | 1 | 1.000000 |"), "{out}");
}

/// `--regions` replaces the continents: regions of one's own, by ISO
/// country code (any case); a country in none of them has no region, and
/// the ledger and a warning say so.
#[test]
fn regions_of_ones_own_replace_the_continents() {
    let s = Scratch::new("regions");
    let regions = s.file(
        "regions.toml",
        "[east-asia]\nname = \"East Asia\"\ncountries = [\"CN\", \"jp\", \"KR\"]\n\n[anglosphere]\nname = \"US and UK\"\ncountries = [\"US\", \"GB\"]\n",
    );
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
        "--level",
        "region",
        "--format",
        "csv",
        "-q",
    ];
    let mut args = base.to_vec();
    args.extend(["--regions", &regions]);
    let o = tally(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    // GB's 0.5 and the US's 0.416667; CN's 0.833333.
    assert_eq!(
        stdout(&o),
        "rank,entity_id,entity_name,count,share\n1,anglosphere,US and UK,2,0.916667\n2,east-asia,East Asia,2,0.833333\n"
    );
    let only_us = s.file("us.toml", "[a]\nname = \"A\"\ncountries = [\"US\"]\n");
    let mut args: Vec<&str> = base.iter().copied().filter(|a| *a != "csv").collect();
    args.retain(|a| *a != "--format");
    args.extend(["--regions", &only_us, "--format", "json"]);
    let o = tally(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["ledger"]["levels"][0]["slots_no_location"], 7);
    assert!(
        stderr(&o).contains("a country in no region given"),
        "{}",
        stderr(&o)
    );
    // A bad file is a config error.
    let bad = s.file("bad.toml", "[a]\nname = \"A\"\ncountries = [\"USA\"]\n");
    let mut args = base.to_vec();
    args.extend(["--regions", &bad]);
    let o = tally(&args);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        common::error_line(&o),
        format!("error: {bad}: region `a`: `USA` is not an ISO 3166-1 alpha-2 country code")
    );
}

/// Named periods rank each on its own, as separate `--years` runs do, and
/// carry their number of included works (`T`) in JSON.
#[test]
fn named_periods_rank_each_on_its_own() {
    let base = [
        "rank",
        "--works",
        &fixture("works.jsonl"),
        "--institutions",
        &fixture("institutions.jsonl"),
        "--sources",
        &fixture("journals.txt"),
        "-q",
    ];
    let mut args = base.to_vec();
    args.extend([
        "--period",
        "current=2022",
        "--period",
        "previous=2021",
        "--format",
        "json",
    ]);
    let o = tally(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rankings = doc["rankings"].as_array().unwrap();
    assert_eq!(rankings.len(), 2);
    assert_eq!(rankings[0]["period"], "current: 2022");
    assert_eq!(rankings[0]["included"], 2);
    assert_eq!(rankings[1]["period"], "previous: 2021");
    assert_eq!(rankings[1]["included"], 1);
    for (k, year) in [(0, "2022"), (1, "2021")] {
        let mut one = base.to_vec();
        one.extend(["--years", year, "--format", "json"]);
        let alone: serde_json::Value = serde_json::from_slice(&tally(&one).stdout).unwrap();
        assert_eq!(rankings[k]["rows"], alone["rankings"][0]["rows"], "{year}");
        assert_eq!(
            rankings[k]["included"], alone["rankings"][0]["included"],
            "{year}"
        );
    }
    let mut both = base.to_vec();
    both.extend(["--period", "current=2022", "--years", "2022"]);
    let o = tally(&both);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::error_line(&o).contains("give either years"),
        "{}",
        stderr(&o)
    );
}

/// A compared (or named) period with no work is an error, not an empty
/// half of a comparison; without the share scorer the adjusted-share
/// change is left empty rather than computed from another column.
#[test]
fn compare_refuses_an_empty_period_and_needs_share_for_the_adjusted_change() {
    let base = [
        "compare",
        "--works",
        &fixture("works.jsonl"),
        "--institutions",
        &fixture("institutions.jsonl"),
        "--sources",
        &fixture("journals.txt"),
        "--format",
        "csv",
        "-q",
    ];
    let mut args = base.to_vec();
    args.extend(["--current", "2022", "--previous", "1999"]);
    let o = tally(&args);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        common::error_line(&o),
        "error: the period previous: 1999 includes no work (3 included in all): pass periods with years the data has (--allow-empty prints the empty ranking)"
    );
    assert!(stdout(&o).is_empty());
    let mut args = base.to_vec();
    args.extend([
        "--current",
        "2022",
        "--previous",
        "2021",
        "--scorers",
        "count",
        "--by",
        "count",
    ]);
    let o = tally(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("\n1816670,\"Beijing, CN\",1,1,0,2,1,\n"),
        "{}",
        stdout(&o)
    );
}
