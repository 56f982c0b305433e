//! Properties over generated corpora (proptest): share conservation, share
//! additivity across levels, count = distinct works touching the entity,
//! and byte-identical output for shuffled input and any thread count.
//!
//! Each case is a small random corpus: works with 0-6 authorships of 0-3
//! affiliations drawn from institutions of which some the table places in
//! a city, one only in a country, and some it does not know; three sources,
//! two on the journal list (one with weight 0.5); two types; three years.

use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use tally_config::{Format, Overrides, Settings};
use tally_report::{Level, Report};
use tally_testkit::Scratch;

/// Institutions: (id, city GeoNames id, country). I8 has a country only;
/// I9 and I10 are in no table.
const TABLE: [(&str, Option<&str>, &str); 8] = [
    ("I1", Some("1816670"), "CN"),
    ("I2", Some("1816670"), "CN"),
    ("I3", Some("1808722"), "CN"),
    ("I4", Some("4931972"), "US"),
    ("I5", Some("2653941"), "GB"),
    ("I6", Some("5128581"), "US"),
    ("I7", Some("2653941"), "GB"),
    ("I8", None, "FR"),
];
const IDS: [&str; 10] = ["I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8", "I9", "I10"];
const SOURCES: [(&str, Option<f64>); 3] = [("S1", Some(1.0)), ("S2", Some(0.5)), ("S9", None)];

#[derive(Clone, Debug)]
struct Work {
    year: i32,
    source: usize,
    article: bool,
    authorships: Vec<Vec<usize>>,
}

fn work() -> impl Strategy<Value = Work> {
    (
        2020..=2022i32,
        0..3usize,
        prop::bool::weighted(0.85),
        prop::collection::vec(prop::collection::vec(0..IDS.len(), 0..=3), 0..=6),
    )
        .prop_map(|(year, source, article, authorships)| Work {
            year,
            source,
            article,
            authorships,
        })
}

fn line(n: usize, w: &Work) -> String {
    let auths: Vec<String> = w
        .authorships
        .iter()
        .map(|insts| {
            let list: Vec<String> = insts
                .iter()
                .map(|&i| format!(r#"{{"id":"https://openalex.org/{}"}}"#, IDS[i]))
                .collect();
            format!(r#"{{"institutions":[{}]}}"#, list.join(","))
        })
        .collect();
    format!(
        r#"{{"id":"https://openalex.org/W{n}","publication_year":{},"type":"{}","primary_location":{{"source":{{"id":"https://openalex.org/{}"}}}},"authorships":[{}]}}"#,
        w.year,
        if w.article { "article" } else { "review" },
        SOURCES[w.source].0,
        auths.join(",")
    )
}

/// Writes the corpus (in `order`), the table and the journal list.
fn write(dir: &Path, works: &[Work], order: &[usize]) -> (PathBuf, PathBuf, PathBuf) {
    let text: String = order.iter().map(|&k| line(k, &works[k]) + "\n").collect();
    let w = dir.join("works.jsonl");
    std::fs::write(&w, text).unwrap();
    let mut csv = String::from("institution_id,name,city_id,city,country_code,parent_id\n");
    for (id, city, cc) in TABLE {
        csv.push_str(&format!(
            "{id},Inst {id},{},{},{cc},{}\n",
            city.unwrap_or(""),
            city.map_or("", |_| "C"),
            parent(id).unwrap_or("")
        ));
    }
    let i = dir.join("institutions.csv");
    std::fs::write(&i, csv).unwrap();
    let j = dir.join("journals.txt");
    std::fs::write(&j, "S1\nS2 0.5\n").unwrap();
    (w, i, j)
}

fn settings(files: &(PathBuf, PathBuf, PathBuf), threads: usize) -> Settings {
    let o = Overrides {
        works: vec![files.0.clone()],
        institutions: vec![files.1.clone()],
        sources: Some(files.2.clone()),
        levels: Some(Level::ALL.to_vec()),
        format: Some(Format::Json),
        threads: Some(threads),
        allow_empty: Some(true),
        ..Default::default()
    };
    tally_config::resolve(None, o, &tally::scorers::registry().for_config()).unwrap()
}

fn report(files: &(PathBuf, PathBuf, PathBuf), threads: usize) -> Report {
    tally::build_report(&settings(files, threads), |p| panic!("{p}")).unwrap()
}

/// Scores by entity id at a level, per scorer column.
fn scores(r: &Report, level: Level) -> BTreeMap<String, Vec<f64>> {
    let rk = r.rankings.iter().find(|k| k.level == level).unwrap();
    rk.rows
        .iter()
        .map(|row| {
            (
                row.entity_id.clone(),
                row.scores.iter().map(|f| f.to_f64()).collect(),
            )
        })
        .collect()
}

/// The continents of the table's countries (GeoNames' codes).
fn continent(cc: &str) -> &'static str {
    match cc {
        "CN" => "AS",
        "US" => "NA",
        _ => "EU",
    }
}

fn included(w: &Work) -> bool {
    w.article && SOURCES[w.source].1.is_some()
}

/// The metros of the table's cities in tally's `config/metros.toml`.
fn metro(city: &str) -> &str {
    match city {
        "4931972" => "boston",
        "5128581" => "new-york",
        other => other,
    }
}

/// The table's parents: I1 and I3 roll up to I2.
fn parent(id: &str) -> Option<&'static str> {
    matches!(id, "I1" | "I3").then_some("I2")
}

/// The entity an institution resolves to at a level, by the table.
fn entity(level: Level, i: usize) -> Option<String> {
    if level == Level::Parent {
        // Every institution has one; one in no table stands for itself.
        return Some(parent(IDS[i]).unwrap_or(IDS[i]).to_string());
    }
    let (id, city, cc) = TABLE.iter().find(|t| t.0 == IDS[i])?;
    Some(match level {
        Level::Institution | Level::Parent => id.to_string(),
        Level::City => (*city)?.to_string(),
        Level::Metro => metro((*city)?).to_string(),
        Level::Country => cc.to_string(),
        Level::Region => continent(cc).to_string(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn ledger_additivity_counts_and_invariance(works in prop::collection::vec(work(), 1..40), seed in any::<u64>()) {
        let s = Scratch::new("props");
        let order: Vec<usize> = (0..works.len()).collect();
        let files = write(s.path(), &works, &order);
        let r = report(&files, 2);
        let weight: f64 = works
            .iter()
            .filter(|w| included(w))
            .map(|w| SOURCES[w.source].1.unwrap_or(0.0))
            .sum();
        let (count, share) = (0, 1);

        // Share conservation, per level: assigned + unassigned = included
        // works times their weights; assigned = the sum of the ranking.
        for lv in &r.ledger.levels {
            let (a, u) = (lv.share_assigned.to_f64(), lv.share_unassigned.to_f64());
            prop_assert!((a + u - weight).abs() < 1e-9, "{:?}: {a} + {u} != {weight}", lv.level);
            let sum: f64 = scores(&r, lv.level).values().map(|v| v[share]).sum();
            prop_assert!((sum - a).abs() < 1e-5, "{:?}: rows {sum} != assigned {a}", lv.level);
        }

        // The unassigned share is the authorships without institution plus
        // the share the ledger gives each unresolved institution.
        let lonely: f64 = works
            .iter()
            .filter(|w| included(w))
            .map(|w| {
                let n = w.authorships.len() as f64;
                let empty = w.authorships.iter().filter(|a| a.is_empty()).count() as f64;
                if n == 0.0 { 0.0 } else { SOURCES[w.source].1.unwrap_or(0.0) * empty / n }
            })
            .sum();
        for lv in &r.ledger.levels {
            let named: f64 = lv.unresolved.iter().map(|u| u.share.to_f64()).sum();
            let works_without: f64 = works
                .iter()
                .filter(|w| included(w) && w.authorships.is_empty())
                .map(|w| SOURCES[w.source].1.unwrap_or(0.0))
                .sum();
            let u = lv.share_unassigned.to_f64();
            prop_assert!(
                (lonely + works_without + named - u).abs() < 1e-5,
                "{:?}: {lonely} + {works_without} + {named} != {u}", lv.level
            );
        }

        // Additivity: a country's share is the sum of its institutions'
        // (each institution of the table is in one country).
        let inst = scores(&r, Level::Institution);
        let country = scores(&r, Level::Country);
        let mut by_country: BTreeMap<&str, f64> = BTreeMap::new();
        for (id, _, cc) in TABLE {
            *by_country.entry(cc).or_default() += inst.get(id).map_or(0.0, |v| v[share]);
        }
        for (cc, sum) in by_country {
            let got = country.get(cc).map_or(0.0, |v| v[share]);
            prop_assert!((got - sum).abs() < 2e-6, "{cc}: {got} != {sum}");
        }

        // A parent's share is the sum of its institutions'.
        let parent_scores = scores(&r, Level::Parent);
        let mut by_parent: BTreeMap<String, f64> = BTreeMap::new();
        for (id, v) in &inst {
            *by_parent.entry(parent(id).unwrap_or(id).to_string()).or_default() += v[share];
        }
        for (p, sum) in by_parent {
            let got = parent_scores.get(&p).map_or(0.0, |v| v[share]);
            prop_assert!((got - sum).abs() < 2e-6, "{p}: {got} != {sum}");
        }

        // A metro's share is the sum of its cities'.
        let city = scores(&r, Level::City);
        let metro_scores = scores(&r, Level::Metro);
        let mut by_metro: BTreeMap<&str, f64> = BTreeMap::new();
        for (c, v) in &city {
            *by_metro.entry(metro(c)).or_default() += v[share];
        }
        for (m, sum) in by_metro {
            let got = metro_scores.get(m).map_or(0.0, |v| v[share]);
            prop_assert!((got - sum).abs() < 2e-6, "{m}: {got} != {sum}");
        }

        // A region's share is the sum of its countries'.
        let region = scores(&r, Level::Region);
        let mut by_region: BTreeMap<&str, f64> = BTreeMap::new();
        for (cc, v) in &country {
            *by_region.entry(continent(cc)).or_default() += v[share];
        }
        for (rg, sum) in by_region {
            let got = region.get(rg).map_or(0.0, |v| v[share]);
            prop_assert!((got - sum).abs() < 2e-6, "{rg}: {got} != {sum}");
        }

        // Count: the number of included works with at least one slot
        // resolving to the entity.
        for level in Level::ALL {
            let mut want: BTreeMap<String, f64> = BTreeMap::new();
            for w in works.iter().filter(|w| included(w)) {
                let set: BTreeSet<String> = w
                    .authorships
                    .iter()
                    .flatten()
                    .filter_map(|&i| {
                        if level == Level::Institution {
                            Some(IDS[i].to_string())
                        } else {
                            entity(level, i)
                        }
                    })
                    .collect();
                for e in set {
                    *want.entry(e).or_default() += 1.0;
                }
            }
            let got: BTreeMap<String, f64> = scores(&r, level)
                .into_iter()
                .map(|(k, v)| (k, v[count]))
                .filter(|(_, c)| *c > 0.0)
                .collect();
            prop_assert_eq!(got, want, "{:?}", level);
        }

        // Byte-identical rankings and ledger for a shuffled input and for
        // 1, 2 and 8 threads.
        let text = |r: &Report| {
            let mut r = r.clone();
            r.run = Default::default();
            tally::render(&r, Format::Json)
        };
        let base = text(&r);
        for threads in [1, 8] {
            prop_assert_eq!(&text(&report(&files, threads)), &base, "{} threads", threads);
        }
        let mut shuffled = order.clone();
        let mut x = seed | 1;
        for k in (1..shuffled.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            shuffled.swap(k, (x % (k as u64 + 1)) as usize);
        }
        let files2 = write(s.path(), &works, &shuffled);
        prop_assert_eq!(&text(&report(&files2, 2)), &base, "shuffled");
        let csv = |r: &Report| {
            let city = r.rankings.iter().find(|k| k.level == Level::City).unwrap();
            tally::render(
                &Report {
                    rankings: vec![city.clone()],
                    ..r.clone()
                },
                Format::Csv,
            )
        };
        prop_assert_eq!(csv(&report(&files2, 8)), csv(&r));
    }
}
