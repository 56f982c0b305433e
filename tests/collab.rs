//! `tally collab`: pairs by both entities' shares on their joint articles,
//! by hand on the worked example, and each pair checked against the
//! entities' own articles (from `tally explain`).

mod common;

use common::{error_line, ok, read_csv, stderr, tally};
use std::collections::BTreeMap;

fn run(cmd: &str, extra: &[&str]) -> std::process::Output {
    common::on_worked(cmd, extra)
}

/// City level, 2022, by hand: W1 gives Beijing 0.375, Hefei 0.125 and
/// Cambridge (US) 0.25; W2 gives Cambridge (GB) 0.5, Cambridge (US) 1/6 and
/// Beijing 1/3. Beijing-Cambridge (US) is on both: 0.708333 + 0.416667.
#[test]
fn the_worked_example_pairs_by_hand() {
    let csv = ok(&run(
        "collab",
        &["--level", "city", "--years", "2022", "--format", "csv"],
    ));
    assert_eq!(
        csv,
        "entity_a,name_a,entity_b,name_b,joint_articles,collaboration,share_a,share_b\n\
         1816670,\"Beijing, CN\",4931972,\"Cambridge, US\",2,1.125000,0.708333,0.416667\n\
         1816670,\"Beijing, CN\",2653941,\"Cambridge, GB\",1,0.833333,0.333333,0.500000\n\
         2653941,\"Cambridge, GB\",4931972,\"Cambridge, US\",1,0.666667,0.500000,0.166667\n\
         1808722,\"Hefei, CN\",1816670,\"Beijing, CN\",1,0.500000,0.125000,0.375000\n\
         1808722,\"Hefei, CN\",4931972,\"Cambridge, US\",1,0.375000,0.125000,0.250000\n"
    );
    for level in [
        "institution",
        "city",
        "country",
        "region",
        "parent",
        "metro",
    ] {
        insta::assert_snapshot!(
            format!("worked_{level}"),
            ok(&run("collab", &["--level", level, "--years", "2022"]))
        );
    }
}

/// Each entity's share in each pair equals the sum of its own credits over
/// the articles both entities appear on (their `tally explain` lists), at
/// every level, on the worked example and on the demo.
#[test]
fn each_pair_is_the_entities_own_shares_on_their_joint_articles() {
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![], "institution"),
        (vec![], "city"),
        (vec![], "country"),
        (vec!["--config", "config/demo.toml"], "country"),
    ];
    for (base, level) in cases {
        let go = |cmd: &str, extra: &[&str]| {
            if base.is_empty() {
                run(cmd, extra)
            } else {
                let mut a = vec![cmd];
                a.extend_from_slice(&base);
                a.push("-q");
                a.extend_from_slice(extra);
                tally(&a)
            }
        };
        let (_, pairs) = read_csv(&ok(&go(
            "collab",
            &["--level", level, "--top", "0", "--format", "csv"],
        )));
        assert!(!pairs.is_empty(), "{level}");
        let mut articles: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
        let mut credits = |id: &str| -> BTreeMap<String, f64> {
            articles
                .entry(id.to_owned())
                .or_insert_with(|| {
                    let j: serde_json::Value = serde_json::from_str(&ok(&go(
                        "explain",
                        &[
                            "--level", level, "--entity", id, "--top", "0", "--format", "json",
                        ],
                    )))
                    .unwrap();
                    let share = j["entity"]["columns"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .position(|c| c["name"] == "share")
                        .unwrap();
                    j["entity"]["rows"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|r| {
                            (
                                r["work_id"].as_str().unwrap().to_owned(),
                                r["credits"][share].as_f64().unwrap(),
                            )
                        })
                        .collect()
                })
                .clone()
        };
        for p in &pairs {
            let (a, b) = (credits(&p[0]), credits(&p[2]));
            let joint: Vec<&String> = a.keys().filter(|w| b.contains_key(*w)).collect();
            assert_eq!(joint.len().to_string(), p[4], "{level} {} {}", p[0], p[2]);
            let sa: f64 = joint.iter().map(|w| a[*w]).sum();
            let sb: f64 = joint.iter().map(|w| b[*w]).sum();
            let got = |k: usize| p[k].parse::<f64>().unwrap();
            assert!(
                (got(6) - sa).abs() < 2e-6,
                "{level} {} {}: {} vs {sa}",
                p[0],
                p[2],
                p[6]
            );
            assert!(
                (got(7) - sb).abs() < 2e-6,
                "{level} {} {}: {} vs {sb}",
                p[0],
                p[2],
                p[7]
            );
            assert!((got(5) - sa - sb).abs() < 4e-6);
        }
    }
}

/// One entity's partners; what collab refuses.
#[test]
fn partners_and_mistakes() {
    let csv = ok(&run(
        "collab",
        &[
            "--level", "country", "--years", "2022", "--entity", "US", "--format", "csv",
        ],
    ));
    assert_eq!(
        csv,
        "entity_id,entity_name,partner_id,partner_name,joint_articles,collaboration,share_entity,share_partner\n\
         US,United States,CN,China,2,1.250000,0.416667,0.833333\n\
         US,United States,GB,United Kingdom,1,0.666667,0.166667,0.500000\n"
    );
    let j: serde_json::Value = serde_json::from_str(&ok(&run(
        "collab",
        &[
            "--level", "city", "--years", "2022", "--top", "1", "--format", "json",
        ],
    )))
    .unwrap();
    assert_eq!(j["schema"], "tally.collab/1");
    assert_eq!(j["collab"]["pairs"], 5);
    assert_eq!(j["collab"]["rows"][0]["collaboration"], 1.125);
    let md = ok(&run(
        "collab",
        &["--level", "city", "--years", "2022", "--format", "md"],
    ));
    assert!(md.contains("| entity_a | name_a |"), "{md}");
    let o = run("collab", &["--level", "city", "--entity", "Beijing"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        error_line(&o).contains("did you mean `1816670` (Beijing, CN)?"),
        "{}",
        stderr(&o)
    );
    let o = run(
        "collab",
        &["--level", "city", "--scorers", "count", "--by", "count"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        error_line(&o).contains("add the share scorer"),
        "{}",
        stderr(&o)
    );
    let o = run("collab", &["--level", "city,country"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(error_line(&o).contains("takes one level"), "{}", stderr(&o));
}
