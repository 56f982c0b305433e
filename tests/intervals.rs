//! Stability intervals (`--intervals`): a seeded Poisson bootstrap over
//! articles in the same pass, the same bytes for any thread count and input
//! order, wide for an entity with one article and narrow for one with a
//! thousand, always holding the point estimate.

mod common;

use common::{ok, read_csv, tally};
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("intervals")
        .join(name);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The demo's works in another order (a fixed permutation of the lines).
fn shuffled_demo() -> PathBuf {
    let text = std::fs::read_to_string("demo/works.jsonl").unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let mut state = 12345u64;
    for i in (1..lines.len()).rev() {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
        lines.swap(i, (state >> 33) as usize % (i + 1));
    }
    let p = scratch("shuffled").join("works.jsonl");
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    p
}

#[test]
fn the_same_bytes_for_any_thread_count_and_input_order() {
    let run = |works: &str, threads: &str, seed: &str| {
        ok(&tally(&[
            "rank",
            "--config",
            "config/demo.toml",
            "--works",
            works,
            "--intervals",
            "--seed",
            seed,
            "--threads",
            threads,
            "--level",
            "city,institution",
            "--top",
            "0",
            "--format",
            "json",
            "-q",
        ]))
    };
    let shuffled = shuffled_demo();
    let base = run("demo/works.jsonl", "1", "7");
    for threads in ["2", "4"] {
        assert_eq!(
            run("demo/works.jsonl", threads, "7"),
            base,
            "{threads} threads"
        );
    }
    // Shuffled: only the input's digest in the provenance differs.
    let other = run(shuffled.to_str().unwrap(), "2", "7");
    let rankings = |t: &str| -> serde_json::Value {
        serde_json::from_str::<serde_json::Value>(t).unwrap()["rankings"].clone()
    };
    assert_eq!(rankings(&other), rankings(&base));
    assert_ne!(
        rankings(&run("demo/works.jsonl", "1", "8")),
        rankings(&base),
        "the seed matters"
    );
    // The seed and the resamples are in the provenance.
    let v: serde_json::Value = serde_json::from_str(&base).unwrap();
    assert_eq!(v["run"]["intervals"]["seed"], 7);
    assert_eq!(v["run"]["intervals"]["resamples"], 1000);
    assert_eq!(v["run"]["intervals"]["confidence_pct"], 95);
}

/// Every interval holds the point estimate, for each score and the rank.
#[test]
fn every_interval_holds_the_point_estimate() {
    for level in [
        "institution",
        "city",
        "country",
        "parent",
        "metro",
        "region",
    ] {
        let text = ok(&tally(&[
            "rank",
            "--config",
            "config/demo.toml",
            "--intervals",
            "--resamples",
            "200",
            "--level",
            level,
            "--top",
            "0",
            "--format",
            "csv",
            "-q",
        ]));
        let (h, rows) = read_csv(&text);
        let col = |n: &str| h.iter().position(|x| x == n).unwrap();
        assert!(rows.len() > 3, "{level}");
        for r in &rows {
            for s in ["count", "share"] {
                let v = |n: String| r[col(&n)].parse::<f64>().unwrap();
                let (lo, x, hi) = (v(format!("{s}_lo")), v(s.to_owned()), v(format!("{s}_hi")));
                assert!(lo <= x && x <= hi, "{level} {}: {s} {lo} {x} {hi}", r[1]);
            }
            let k = |n: &str| r[col(n)].parse::<u32>().unwrap();
            assert!(
                k("rank_lo") <= k("rank") && k("rank") <= k("rank_hi"),
                "{level} {}",
                r[1]
            );
        }
    }
}

/// One article: its share is 1 and the resampled weight is Poisson(1),
/// so the interval is [0, 3] (the 25th and 975th of 1,000 sorted draws).
/// A thousand: 1,000 +- about 2 x sqrt(1,000), within 7 % either side.
#[test]
fn one_article_is_wide_a_thousand_are_narrow() {
    let dir = scratch("one-and-many");
    let mut csv = String::from("work_id,year,source_id,type,author_position,institution_id\n");
    csv.push_str("W0,2022,S1,article,1,ONE\n");
    for i in 1..=1000 {
        csv.push_str(&format!("W{i},2022,S1,article,1,MANY\n"));
    }
    let works = dir.join("works.csv");
    std::fs::write(&works, csv).unwrap();
    let text = ok(&tally(&[
        "rank",
        "--works",
        works.to_str().unwrap(),
        "--sources",
        "all",
        "--level",
        "institution",
        "--intervals",
        "--format",
        "csv",
        "-q",
    ]));
    let (h, rows) = read_csv(&text);
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let get = |id: &str, n: &str| -> f64 {
        rows.iter().find(|r| r[1] == id).unwrap()[col(n)]
            .parse()
            .unwrap()
    };
    assert_eq!(
        (get("ONE", "share_lo"), get("ONE", "share_hi")),
        (0.0, 3.0),
        "{text}"
    );
    let (lo, hi) = (get("MANY", "share_lo"), get("MANY", "share_hi"));
    assert!(
        lo > 930.0 && lo < 970.0 && hi > 1030.0 && hi < 1070.0,
        "{lo} {hi}"
    );
    // The rank: ONE is second in every resample where it scores less.
    assert_eq!((get("MANY", "rank_lo"), get("MANY", "rank_hi")), (1.0, 1.0));
    assert_eq!((get("ONE", "rank_lo"), get("ONE", "rank_hi")), (2.0, 2.0));
    eprintln!("one article: share [0, 3]; a thousand: [{lo}, {hi}]");
}

/// `[intervals]` in a config asks for them, with its seed and resamples;
/// flags override it; bad values name the line.
#[test]
fn the_config_section_and_its_mistakes() {
    let dir = scratch("config");
    let cfg = dir.join("c.toml");
    let abs = std::fs::canonicalize("demo/works.jsonl").unwrap();
    std::fs::write(
        &cfg,
        format!("[input]\nworks = {abs:?}\n[rank]\nlevel = \"institution\"\n[intervals]\nresamples = 50\nseed = 3\n"),
    )
    .unwrap();
    let j = ok(&tally(&[
        "rank",
        "--config",
        cfg.to_str().unwrap(),
        "--format",
        "json",
        "-q",
    ]));
    let v: serde_json::Value = serde_json::from_str(&j).unwrap();
    assert_eq!(v["run"]["intervals"]["resamples"], 50);
    assert_eq!(v["run"]["intervals"]["seed"], 3);
    assert!(v["rankings"][0]["rows"][0]["interval"]["rank_lo"].is_u64());
    let j = ok(&tally(&[
        "rank",
        "--config",
        cfg.to_str().unwrap(),
        "--seed",
        "9",
        "--format",
        "json",
        "-q",
    ]));
    let v: serde_json::Value = serde_json::from_str(&j).unwrap();
    assert_eq!(v["run"]["intervals"]["seed"], 9);
    std::fs::write(
        &cfg,
        format!("[input]\nworks = {abs:?}\n[intervals]\nresamples = 0\n"),
    )
    .unwrap();
    let o = tally(&["rank", "--config", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = common::error_line(&o);
    assert!(
        e.contains(":4:") && e.contains("intervals.resamples must be between 1 and 100000"),
        "{e}"
    );
    // Without intervals, no interval columns.
    let plain = ok(&tally(&[
        "rank",
        "--config",
        "config/demo.toml",
        "--format",
        "csv",
        "-q",
    ]));
    assert!(!plain.lines().next().unwrap().contains("rank_lo"));
}
