//! A scorer's rankings of the worked example, without the rest of tally:
//! for hand-computed tests and snapshots.

use crate::views::{worked_example, Byline, Flat};
use std::collections::BTreeMap;
use tally_core::{ScoreKind, Scorer};

/// The scorer's name (for snapshot names).
pub fn scorer_name<S: Scorer + ?Sized>(scorer: &S) -> String {
    scorer.info().name.into_owned()
}

/// A scorer's totals per entity id over the worked example's works of `year`,
/// scored as one batch.
///
/// # Panics
/// When the scorer fails, with its error.
pub fn totals<S: Scorer + ?Sized>(
    scorer: &S,
    level: &str,
    year: i32,
) -> BTreeMap<&'static str, f64> {
    let (ids, articles) = worked_example(level);
    let articles: Vec<Byline> = articles.into_iter().filter(|(y, _)| *y == year).collect();
    let flat = Flat::new(&articles);
    let (mut out, mut ends) = (Vec::new(), Vec::new());
    if let Err(e) = scorer.score_batch(&flat.views(), &mut out, &mut ends) {
        panic!("{}: {e}", scorer_name(scorer));
    }
    let mut m = BTreeMap::new();
    for c in out {
        *m.entry(ids[c.entity as usize]).or_insert(0.0) += c.credit;
    }
    m
}

/// A scorer's ranking of the worked example at a level and year, as CSV
/// `rank,entity_id,score` (6 decimals, or an integer for integer scorers),
/// sorted by score descending then id; equal printed scores share a rank.
pub fn ranking_csv<S: Scorer + ?Sized>(scorer: &S, level: &str, year: i32) -> String {
    let kind = scorer.info().kind;
    let mut rows: Vec<(String, &str)> = totals(scorer, level, year)
        .into_iter()
        .map(|(id, v)| {
            let printed = match kind {
                ScoreKind::Integer => format!("{}", v.round()),
                ScoreKind::Fractional => format!("{v:.6}"),
            };
            (printed, id)
        })
        .collect();
    rows.sort_by(|a, b| {
        let (x, y): (f64, f64) = (a.0.parse().unwrap_or(0.0), b.0.parse().unwrap_or(0.0));
        y.total_cmp(&x).then(a.1.cmp(b.1))
    });
    let mut csv = String::from("rank,entity_id,score\n");
    let mut rank = 0;
    for (i, (v, id)) in rows.iter().enumerate() {
        if i == 0 || rows[i - 1].0 != *v {
            rank = i + 1;
        }
        csv.push_str(&format!("{rank},{id},{v}\n"));
    }
    csv
}
