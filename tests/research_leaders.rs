//! The published Nature Index 2021 Research Leaders table (top 500
//! institutions: Share 2019, Share 2020, change in adjusted share) from
//! `../shared/data/reference`, reproduced by `tally compare` (ignored, with
//! the reason, when the shared data is absent).
//!
//! Input articles are built so that each institution's share in each year
//! is the table's, and the two years' article totals are in the published
//! ratio T_2020 / T_2019 = 1.0371 (103,710 and 100,000 articles): per
//! institution, one single-author article per whole unit of share, and one
//! 100-author article for the hundredths (the other authors at a filler
//! institution, as are the single-author articles that make up the totals).

mod common;

use std::collections::HashMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

const TABLE: &str = "../shared/data/reference/nature_index_2021_top500_institutions.csv";

struct Leader {
    rank: u32,
    share_2019: f64,
    share_2020: f64,
    published: f64,
}

fn leaders() -> Vec<Leader> {
    let text = std::fs::read_to_string(TABLE).expect("read the published table");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (r, s19, s20, ch) = (
        col("rank"),
        col("Share 2019"),
        col("Share 2020"),
        col("Change Adjusted in Share 2019-2020"),
    );
    lines
        .map(|l| {
            // Names hold commas inside quotes.
            let cells = common::split_csv(l);
            Leader {
                rank: cells[r].parse().unwrap(),
                share_2019: cells[s19].parse().unwrap(),
                share_2020: cells[s20].parse().unwrap(),
                published: cells[ch].parse().unwrap(),
            }
        })
        .collect()
}

/// Writes the tidy works CSV for one year: `total` articles in all.
fn year_works(out: &mut String, year: i32, total: u64, shares: &[(u32, f64)]) {
    let mut n = 0u64;
    let work = |out: &mut String, n: &mut u64, authors: &[&str]| {
        *n += 1;
        for (k, inst) in authors.iter().enumerate() {
            let _ = writeln!(out, "W{year}-{n},{year},S1,article,{},{inst}", k + 1);
        }
    };
    for &(rank, share) in shares {
        let units = (share * 100.0).round() as u64;
        let inst = format!("R{rank}");
        for _ in 0..units / 100 {
            work(out, &mut n, &[&inst]);
        }
        let part = (units % 100) as usize;
        if part > 0 {
            let mut authors = vec![inst.as_str(); part];
            authors.extend(std::iter::repeat_n("FILLER", 100 - part));
            work(out, &mut n, &authors);
        }
    }
    assert!(n <= total, "{n} articles for {total}");
    while n < total {
        work(out, &mut n, &["FILLER"]);
    }
}

fn scratch() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("research-leaders");
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared/data next to the checkout")]
fn the_2021_research_leaders_change_in_adjusted_share_is_reproduced() {
    let table = leaders();
    assert_eq!(table.len(), 500);
    let mut csv = String::from("work_id,year,source_id,type,author_position,institution_id\n");
    let s19: Vec<(u32, f64)> = table.iter().map(|l| (l.rank, l.share_2019)).collect();
    let s20: Vec<(u32, f64)> = table.iter().map(|l| (l.rank, l.share_2020)).collect();
    year_works(&mut csv, 2019, 100_000, &s19);
    year_works(&mut csv, 2020, 103_710, &s20);
    let works = scratch().join("works.csv");
    std::fs::write(&works, csv).unwrap();
    let o = common::tally(&[
        "compare",
        "--works",
        works.to_str().unwrap(),
        "--sources",
        "all",
        "--level",
        "institution",
        "--current",
        "2020",
        "--previous",
        "2019",
        "--format",
        "csv",
        "-q",
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let out = common::stdout(&o);
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (id, now, before, change) = (
        col("entity_id"),
        col("share_current"),
        col("share_previous"),
        col("adjusted_share_change_pct"),
    );
    let rows: HashMap<String, Vec<String>> = lines
        .map(|l| {
            let cells: Vec<String> = l.split(',').map(str::to_owned).collect();
            (cells[id].clone(), cells)
        })
        .collect();
    let mut worst = (0.0f64, 0u32);
    for l in &table {
        let r = &rows[&format!("R{}", l.rank)];
        assert_eq!(r[now], format!("{:.6}", l.share_2020), "rank {}", l.rank);
        assert_eq!(r[before], format!("{:.6}", l.share_2019), "rank {}", l.rank);
        let ours: f64 = r[change].parse().unwrap();
        let off = (ours - l.published).abs();
        if off > worst.0 {
            worst = (off, l.rank);
        }
    }
    eprintln!(
        "largest difference from the published change: {:.3} percentage point (rank {})",
        worst.0, worst.1
    );
    assert!(
        worst.0 <= 0.15,
        "rank {} is {:.3} percentage point off",
        worst.1,
        worst.0
    );
}
