//! From totals to a ranking: sum the period's years, sort, assign ranks.

use crate::LevelTotals;
use tally_report::{Column, Fixed, Ranking, Row};

/// Ranks one level over the years `from..=to` (all years when `None`).
///
/// Rows are sorted by the primary column `by` at its printed precision,
/// descending; ties by the other columns in column order, descending; then
/// by entity id ascending. Equal printed primary scores share a rank
/// (competition ranking: 1, 2, 2, 4). Entities without any credit in the
/// period are left out.
pub fn rank(
    totals: &LevelTotals,
    columns: Vec<Column>,
    by: usize,
    years: Option<(i32, i32)>,
    period: String,
) -> Ranking {
    let n = totals.ids.len();
    let mut sums = vec![vec![Fixed::ZERO; columns.len()]; n];
    for (&year, per_scorer) in &totals.years {
        if years.is_some_and(|(a, b)| year < a || year > b) {
            continue;
        }
        for (si, ents) in per_scorer.iter().enumerate() {
            for (e, v) in ents.iter().enumerate() {
                sums[e][si] += *v;
            }
        }
    }
    let mut rows: Vec<(Vec<u128>, Row)> = sums
        .into_iter()
        .enumerate()
        .filter(|(_, s)| s.iter().any(|v| *v != Fixed::ZERO))
        .map(|(e, scores)| {
            let mut keys = Vec::with_capacity(columns.len());
            keys.push(scores[by].key(columns[by].kind));
            for (ci, c) in columns.iter().enumerate() {
                if ci != by {
                    keys.push(scores[ci].key(c.kind));
                }
            }
            let row = Row {
                rank: 0,
                entity_id: totals.ids[e].clone(),
                entity_name: totals.names[e].clone(),
                scores,
            };
            (keys, row)
        })
        .collect();
    rows.sort_by(|(ka, ra), (kb, rb)| kb.cmp(ka).then_with(|| ra.entity_id.cmp(&rb.entity_id)));
    let mut prev: Option<u128> = None;
    let mut rank = 0;
    let rows: Vec<Row> = rows
        .into_iter()
        .enumerate()
        .map(|(i, (keys, mut row))| {
            if prev != Some(keys[0]) {
                rank = i as u32 + 1;
                prev = Some(keys[0]);
            }
            row.rank = rank;
            row
        })
        .collect();
    Ranking {
        level: totals.level,
        period,
        // The period's works are the caller's to count (see Outcome).
        included: 0,
        columns,
        by,
        entities: rows.len(),
        rows,
    }
}
