//! From totals to a ranking: sum the period's years, sort, assign ranks.

use crate::{bootstrap, LevelTotals};
use tally_report::{Column, Fixed, Interval, Ranking, Row};

/// The confidence of the stability intervals.
pub const CONFIDENCE: f64 = 0.95;

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
    let mut rows: Vec<(Vec<u128>, (usize, Row))> = sums
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
                interval: None,
            };
            (keys, (e, row))
        })
        .collect();
    rows.sort_by(|(ka, (_, ra)), (kb, (_, rb))| {
        kb.cmp(ka).then_with(|| ra.entity_id.cmp(&rb.entity_id))
    });
    let mut prev: Option<u128> = None;
    let mut rank = 0;
    let mut dense = Vec::with_capacity(rows.len());
    let mut rows: Vec<Row> = rows
        .into_iter()
        .enumerate()
        .map(|(i, (keys, (e, mut row)))| {
            dense.push(e);
            if prev != Some(keys[0]) {
                rank = i as u32 + 1;
                prev = Some(keys[0]);
            }
            row.rank = rank;
            row
        })
        .collect();
    if totals.resamples > 0 {
        intervals(totals, &columns, by, years, &dense, &mut rows);
    }
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

/// Fills each row's stability interval from the level's resampled totals:
/// per column, the sorted positions of [`bootstrap::positions`] of the
/// entity's resampled scores; for the rank, those of its rank in each
/// resample (competition ranking on the primary column, among every entity
/// of the level). An interval is widened, where it must be, to hold the
/// point estimate (the resampled totals are truncated to 32 fractional
/// bits, and a percentile may miss the point by that much).
fn intervals(
    totals: &LevelTotals,
    columns: &[Column],
    by: usize,
    years: Option<(i32, i32)>,
    dense: &[usize],
    rows: &mut [Row],
) {
    let r = totals.resamples as usize;
    let n = totals.ids.len();
    // column -> entity * r + k, summed over the period's years.
    let mut sums = vec![vec![0u64; n * r]; columns.len()];
    for (&year, per_scorer) in &totals.boot {
        if years.is_some_and(|(a, b)| year < a || year > b) {
            continue;
        }
        for (si, v) in per_scorer.iter().enumerate() {
            for (t, x) in sums[si].iter_mut().zip(v) {
                *t += x;
            }
        }
    }
    // Each entity's rank in each resample, on the primary column.
    let mut ranks = vec![0u32; n * r];
    let mut order: Vec<usize> = (0..n).collect();
    for k in 0..r {
        let v = |e: usize| sums[by][e * r + k];
        order.sort_unstable_by_key(|&e| std::cmp::Reverse(v(e)));
        let mut rank = 0;
        for (i, &e) in order.iter().enumerate() {
            if i == 0 || v(order[i - 1]) != v(e) {
                rank = i as u32 + 1;
            }
            ranks[e * r + k] = rank;
        }
    }
    let (lo, hi) = bootstrap::positions(r, CONFIDENCE);
    let mut buf: Vec<u64> = Vec::with_capacity(r);
    let mut rbuf: Vec<u32> = Vec::with_capacity(r);
    for (row, &e) in rows.iter_mut().zip(dense) {
        let mut iv = Interval {
            lo: Vec::with_capacity(columns.len()),
            hi: Vec::with_capacity(columns.len()),
            rank_lo: 0,
            rank_hi: 0,
        };
        for (si, point) in row.scores.iter().enumerate() {
            buf.clear();
            buf.extend_from_slice(&sums[si][e * r..(e + 1) * r]);
            buf.sort_unstable();
            iv.lo.push(bootstrap::from_fixed32(buf[lo]).min(*point));
            iv.hi.push(bootstrap::from_fixed32(buf[hi]).max(*point));
        }
        rbuf.clear();
        rbuf.extend_from_slice(&ranks[e * r..(e + 1) * r]);
        rbuf.sort_unstable();
        iv.rank_lo = rbuf[lo].min(row.rank);
        iv.rank_hi = rbuf[hi].max(row.rank);
        row.interval = Some(iv);
    }
}
