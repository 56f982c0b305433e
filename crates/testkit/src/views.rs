//! The article views a scorer receives: the worked example resolved by hand
//! at each level, and the edge cases, as flat arrays.

use tally_core::{Article, UNRESOLVED};

/// One article: year and the entity ids of each authorship's slots.
pub type Byline = (i32, Vec<Vec<u32>>);

/// Entity ids (dense index = position) of a level, and the counted works
/// (W1, W2 in 2022; W3 in 2021) resolved at that level.
pub fn worked_example(level: &str) -> (&'static [&'static str], Vec<Byline>) {
    match level {
        "institution" => (
            &["I1", "I2", "I3", "I4", "I5", "I6"],
            vec![
                (2022, vec![vec![0], vec![0, 2], vec![3], vec![]]),
                (2022, vec![vec![4], vec![3, 4], vec![0, 1]]),
                (2021, vec![vec![5], vec![0]]),
            ],
        ),
        "city" => (
            // Beijing, Hefei, Cambridge (US), Cambridge (GB), New York.
            &["1816670", "1808722", "4931972", "2653941", "5128581"],
            vec![
                (2022, vec![vec![0], vec![0, 1], vec![2], vec![]]),
                (2022, vec![vec![3], vec![2, 3], vec![0, 0]]),
                (2021, vec![vec![4], vec![0]]),
            ],
        ),
        "country" => (
            &["CN", "US", "GB"],
            vec![
                (2022, vec![vec![0], vec![0, 0], vec![1], vec![]]),
                (2022, vec![vec![2], vec![1, 2], vec![0, 0]]),
                (2021, vec![vec![1], vec![0]]),
            ],
        ),
        other => panic!("no level `{other}` in the worked example (institution, city, country)"),
    }
}

/// Edge cases every scorer must survive: an empty byline, authors without
/// institutions, unresolved slots, one author with many slots, and a
/// 3,000-author article.
pub fn edge_cases() -> Vec<Byline> {
    let big: Vec<Vec<u32>> = (0..3000u32)
        .map(|i| match i % 50 {
            0 => vec![],
            1 => vec![UNRESOLVED],
            _ => vec![i % 97, (i * 7) % 97],
        })
        .collect();
    vec![
        (2022, vec![]),
        (2022, vec![vec![], vec![]]),
        (2022, vec![vec![UNRESOLVED], vec![UNRESOLVED, 3]]),
        (2022, vec![(0..40).collect()]),
        (2022, big),
    ]
}

/// The sets of articles every contract check runs on, each with its name:
/// the worked example at every level, then the edge cases.
pub fn fixture_sets() -> Vec<(String, Vec<Byline>)> {
    let mut sets: Vec<(String, Vec<Byline>)> = ["institution", "city", "country"]
        .iter()
        .map(|l| (format!("worked example, {l} level"), worked_example(l).1))
        .collect();
    sets.push(("edge cases".into(), edge_cases()));
    sets
}

/// Flat arrays for a list of bylines, and views over them.
pub(crate) struct Flat {
    offsets: Vec<u32>,
    starts: Vec<usize>,
    slots: Vec<u32>,
    years: Vec<i32>,
}

impl Flat {
    pub(crate) fn new(articles: &[Byline]) -> Flat {
        let mut f = Flat {
            offsets: Vec::new(),
            starts: Vec::new(),
            slots: Vec::new(),
            years: Vec::new(),
        };
        for (year, byline) in articles {
            f.years.push(*year);
            f.starts.push(f.offsets.len());
            f.offsets.push(f.slots.len() as u32);
            for a in byline {
                f.slots.extend_from_slice(a);
                f.offsets.push(f.slots.len() as u32);
            }
        }
        f.starts.push(f.offsets.len());
        f
    }

    pub(crate) fn views(&self) -> Vec<Article<'_>> {
        (0..self.years.len())
            .map(|j| {
                let run = &self.offsets[self.starts[j]..self.starts[j + 1]];
                Article::new(self.years[j], j as u32, 1.0, run, &self.slots)
                    .unwrap_or_else(|e| panic!("fixture article {j}: {e}"))
            })
            .collect()
    }
}
