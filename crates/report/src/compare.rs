//! Comparative rankings: one level between two periods, scorers against
//! each other, groups in the top N, movers and overtakes, and the
//! sentences that say them.

use crate::*;
use std::collections::{BTreeMap, HashSet};

/// One entity in a year-over-year comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComparedRow {
    /// The entity's id.
    pub entity_id: String,
    /// Its name (the current period's, else the previous one's).
    pub entity_name: String,
    /// Its rank now, if it has credit now.
    pub rank_current: Option<u32>,
    /// Its rank before, if it had credit before.
    pub rank_previous: Option<u32>,
    /// Places climbed (positive) or fallen (negative), when ranked in both.
    pub rank_change: Option<i64>,
    /// Every scorer's value now, in column order (`None`: no credit now).
    #[serde(serialize_with = "ser_scores")]
    pub current: Vec<Option<Fixed>>,
    /// ... and before.
    #[serde(serialize_with = "ser_scores")]
    pub previous: Vec<Option<Fixed>>,
    /// The Nature Index change in adjusted share, in per cent:
    /// `((S_now / S_before) * (T_before / T_now) - 1) * 100`, from the
    /// share column (see [`Comparison::share`]), when there is one and both
    /// shares are positive.
    pub adjusted_share_change_pct: Option<f64>,
    /// With a cut at N ([`Comparison::within_top`]): whether the entity
    /// entered the top N, left it, or stayed in it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_move: Option<TopMove>,
}

/// An entity's way in or out of the top N between two periods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TopMove {
    /// In the top N now, not before.
    Entered,
    /// In the top N before, not now.
    Left,
    /// In the top N in both periods.
    Stayed,
}

impl TopMove {
    /// `entered`, `left` or `stayed`.
    pub fn as_str(self) -> &'static str {
        match self {
            TopMove::Entered => "entered",
            TopMove::Left => "left",
            TopMove::Stayed => "stayed",
        }
    }
}

fn ser_scores<S: Serializer>(v: &[Option<Fixed>], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|x| x.map(|f| f.to_f64())))
}

/// A level compared between two periods: rank and scores now and before,
/// rank change and the change in adjusted share.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// The level.
    pub level: Level,
    /// The current period's label, and its included works (`T_now`).
    pub current: String,
    /// `T_now`.
    pub included_current: u64,
    /// The previous period's label.
    pub previous: String,
    /// `T_before`.
    pub included_previous: u64,
    /// The score columns.
    pub columns: Vec<Column>,
    /// The column whose values give the adjusted share: the one named
    /// `share` (`None` without it: the change is defined on Share only).
    pub share: Option<usize>,
    /// The cut, when [`Comparison::within_top`] made one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top: Option<usize>,
    /// Entities ranked now, by current rank, then those ranked only before,
    /// by previous rank.
    pub rows: Vec<ComparedRow>,
}

impl Comparison {
    /// Compares two full (uncut) rankings of one level; `by` is the primary
    /// column of both.
    pub fn of(current: &Ranking, previous: &Ranking) -> Comparison {
        let share = current.columns.iter().position(|c| c.name == "share");
        let before: std::collections::HashMap<&str, &Row> = previous
            .rows
            .iter()
            .map(|r| (r.entity_id.as_str(), r))
            .collect();
        let (t_now, t_before) = (current.included as f64, previous.included as f64);
        let n = current.columns.len();
        let mut rows: Vec<ComparedRow> = current
            .rows
            .iter()
            .map(|r| {
                let b = before.get(r.entity_id.as_str()).copied();
                let (s_now, s_before) = match share {
                    Some(k) => (
                        r.scores[k].to_f64(),
                        b.map_or(0.0, |b| b.scores[k].to_f64()),
                    ),
                    None => (0.0, 0.0),
                };
                ComparedRow {
                    entity_id: r.entity_id.clone(),
                    entity_name: r.entity_name.clone(),
                    rank_current: Some(r.rank),
                    rank_previous: b.map(|b| b.rank),
                    rank_change: b.map(|b| i64::from(b.rank) - i64::from(r.rank)),
                    current: r.scores.iter().map(|s| Some(*s)).collect(),
                    previous: match b {
                        Some(b) => b.scores.iter().map(|s| Some(*s)).collect(),
                        None => vec![None; n],
                    },
                    adjusted_share_change_pct: (s_now > 0.0
                        && s_before > 0.0
                        && t_now > 0.0
                        && t_before > 0.0)
                        .then(|| ((s_now / s_before) * (t_before / t_now) - 1.0) * 100.0),
                    top_move: None,
                }
            })
            .collect();
        let now: std::collections::HashSet<&str> =
            current.rows.iter().map(|r| r.entity_id.as_str()).collect();
        rows.extend(
            previous
                .rows
                .iter()
                .filter(|r| !now.contains(r.entity_id.as_str()))
                .map(|r| ComparedRow {
                    entity_id: r.entity_id.clone(),
                    entity_name: r.entity_name.clone(),
                    rank_current: None,
                    rank_previous: Some(r.rank),
                    rank_change: None,
                    current: vec![None; n],
                    previous: r.scores.iter().map(|s| Some(*s)).collect(),
                    adjusted_share_change_pct: None,
                    top_move: None,
                }),
        );
        Comparison {
            level: current.level,
            current: current.period.clone(),
            included_current: current.included,
            previous: previous.period.clone(),
            included_previous: previous.included,
            columns: current.columns.clone(),
            share,
            top: None,
            rows,
        }
    }

    /// Keeps the entities in the top `n` now or before (ties at the cut
    /// stay in) and marks each as having entered the top `n`, left it or
    /// stayed in it.
    pub fn within_top(mut self, n: usize) -> Comparison {
        let within = |r: Option<u32>| r.is_some_and(|r| r as usize <= n);
        self.rows
            .retain(|r| within(r.rank_current) || within(r.rank_previous));
        for r in &mut self.rows {
            r.top_move = Some(match (within(r.rank_current), within(r.rank_previous)) {
                (true, true) => TopMove::Stayed,
                (true, false) => TopMove::Entered,
                _ => TopMove::Left,
            });
        }
        self.top = Some(n);
        self
    }

    /// The row of an entity.
    pub fn row(&self, id: &str) -> Option<&ComparedRow> {
        self.rows.iter().find(|r| r.entity_id == id)
    }
}

/// Which entities of a level lie in which entities of a higher level (the
/// groups): a city's country, an institution's region. Written into the
/// JSON of `tally rank --group LEVEL`, so that a saved ranking can be
/// grouped later.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grouping {
    /// The level grouped.
    pub level: Level,
    /// The level of the groups.
    pub group: Level,
    /// Entity id to the ids of its groups (an entity whose institutions lie
    /// in several, such as a parent with sites in two countries, is in
    /// each; one the tables place in none is not listed).
    pub members: BTreeMap<String, Vec<String>>,
    /// Group id to name.
    pub names: BTreeMap<String, String>,
}

impl Grouping {
    /// The groups of an entity (none when unknown).
    pub fn of(&self, id: &str) -> &[String] {
        self.members.get(id).map_or(&[], Vec::as_slice)
    }

    /// Adds another run's memberships (of the same levels): an entity's
    /// groups are those of both.
    pub fn merge(&mut self, other: &Grouping) {
        for (id, gs) in &other.members {
            let mine = self.members.entry(id.clone()).or_default();
            mine.extend(gs.iter().cloned());
            mine.sort();
            mine.dedup();
        }
        for (id, name) in &other.names {
            self.names.entry(id.clone()).or_insert_with(|| name.clone());
        }
    }

    /// A group's name (its id when it has none).
    pub fn name<'a>(&'a self, id: &'a str) -> &'a str {
        self.names.get(id).map_or(id, String::as_str)
    }
}

/// The label of the entities the tables place in no group.
pub const NO_GROUP: &str = "(unknown)";

/// Per group, how many of its entities are in the top N, in each period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupRow {
    /// The N.
    pub top: usize,
    /// The group's id ([`NO_GROUP`] for entities in none).
    pub group_id: String,
    /// Its name.
    pub group_name: String,
    /// Entities in the top N (rank <= N, ties at the cut in), per period in
    /// the order of [`Groups::periods`].
    pub counts: Vec<usize>,
}

/// Groups in the top N over several periods ("ten Chinese cities in the
/// top 50 in 2018, twice as many six years later").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Groups {
    /// The level ranked.
    pub level: Level,
    /// The level of the groups.
    pub group: Level,
    /// The periods' labels, oldest first.
    pub periods: Vec<String>,
    /// Per N (in the order asked), the groups with an entity in the top N
    /// in some period: most in the last period first, then most in the
    /// periods before it, then by id.
    pub rows: Vec<GroupRow>,
}

impl Groups {
    /// Counts, for each N of `tops`, each group's entities in the top N of
    /// each ranking (the periods, oldest first).
    pub fn of(rankings: &[&Ranking], grouping: &Grouping, tops: &[usize]) -> Groups {
        let mut rows = Vec::new();
        for &n in tops {
            let mut counts: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for (p, r) in rankings.iter().enumerate() {
                for row in r.rows.iter().filter(|x| x.rank as usize <= n) {
                    let gs = grouping.of(&row.entity_id);
                    let gs: Vec<&str> = if gs.is_empty() {
                        vec![NO_GROUP]
                    } else {
                        gs.iter().map(String::as_str).collect()
                    };
                    for g in gs {
                        counts.entry(g).or_insert_with(|| vec![0; rankings.len()])[p] += 1;
                    }
                }
            }
            let mut block: Vec<GroupRow> = counts
                .into_iter()
                .map(|(g, c)| GroupRow {
                    top: n,
                    group_id: g.to_owned(),
                    group_name: grouping.name(g).to_owned(),
                    counts: c,
                })
                .collect();
            block.sort_by(|a, b| {
                b.counts
                    .iter()
                    .rev()
                    .cmp(a.counts.iter().rev())
                    .then_with(|| a.group_id.cmp(&b.group_id))
            });
            rows.extend(block);
        }
        Groups {
            level: rankings.first().map_or(grouping.level, |r| r.level),
            group: grouping.group,
            periods: rankings.iter().map(|r| r.period.clone()).collect(),
            rows,
        }
    }
}

/// Competition ranks (1, 2, 2, 4) of values, largest first.
fn competition_ranks(values: &[u128]) -> Vec<u32> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].cmp(&values[a]));
    let mut ranks = vec![0; values.len()];
    for (i, &k) in order.iter().enumerate() {
        ranks[k] = if i > 0 && values[order[i - 1]] == values[k] {
            ranks[order[i - 1]]
        } else {
            i as u32 + 1
        };
    }
    ranks
}

/// Average ranks (ties share the mean of the places they take), largest
/// first, as Spearman's rho with ties uses them.
fn average_ranks(values: &[u128]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].cmp(&values[a]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let mean = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = mean;
        }
        i = j + 1;
    }
    ranks
}

/// Spearman's rho: Pearson's correlation of the average ranks. `None`
/// when either side is constant (or fewer than two values).
pub fn spearman_rho(x: &[u128], y: &[u128]) -> Option<f64> {
    let (rx, ry) = (average_ranks(x), average_ranks(y));
    let n = rx.len() as f64;
    if rx.len() < 2 {
        return None;
    }
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// Pairs tied within runs of equal keys: sum of t (t - 1) / 2.
fn tied_pairs<T: PartialEq>(sorted: impl Iterator<Item = T>) -> u64 {
    let mut total = 0u64;
    let mut run = 0u64;
    let mut last: Option<T> = None;
    for v in sorted {
        if last.as_ref() == Some(&v) {
            run += 1;
        } else {
            total += run * (run + 1) / 2;
            run = 0;
            last = Some(v);
        }
    }
    total + run * (run + 1) / 2
}

/// Kendall's tau-b, in O(n log n) (Knight's algorithm): concordant minus
/// discordant pairs over the square root of the pairs untied in x times
/// the pairs untied in y. `None` when either side is constant.
pub fn kendall_tau_b(x: &[u128], y: &[u128]) -> Option<f64> {
    let n = x.len() as u64;
    if n < 2 {
        return None;
    }
    let mut pairs: Vec<(u128, u128)> = x.iter().copied().zip(y.iter().copied()).collect();
    pairs.sort_unstable();
    let n0 = n * (n - 1) / 2;
    let n1 = tied_pairs(pairs.iter().map(|p| p.0));
    let n3 = tied_pairs(pairs.iter().copied());
    // Sort by y with a merge sort counting the swaps: each is a
    // discordant pair.
    let mut ys: Vec<u128> = pairs.iter().map(|p| p.1).collect();
    let mut buf = vec![0u128; ys.len()];
    let swaps = merge_count(&mut ys, &mut buf);
    let n2 = tied_pairs(ys.iter().copied());
    let (ux, uy) = (n0 - n1, n0 - n2);
    if ux == 0 || uy == 0 {
        return None;
    }
    let s = n0 as f64 - n1 as f64 - n2 as f64 + n3 as f64 - 2.0 * swaps as f64;
    Some(s / ((ux as f64) * (uy as f64)).sqrt())
}

/// Sorts ascending, returning the number of inversions (pairs i < j with
/// v[i] > v[j]).
fn merge_count(v: &mut [u128], buf: &mut [u128]) -> u64 {
    let n = v.len();
    if n < 2 {
        return 0;
    }
    let mid = n / 2;
    let mut count = merge_count(&mut v[..mid], &mut buf[..mid]);
    count += merge_count(&mut v[mid..], &mut buf[mid..]);
    let (mut i, mut j, mut k) = (0, mid, 0);
    while i < mid && j < n {
        if v[j] < v[i] {
            buf[k] = v[j];
            count += (mid - i) as u64;
            j += 1;
        } else {
            buf[k] = v[i];
            i += 1;
        }
        k += 1;
    }
    buf[k..k + (mid - i)].copy_from_slice(&v[i..mid]);
    k += mid - i;
    buf[k..k + (n - j)].copy_from_slice(&v[j..n]);
    v.copy_from_slice(&buf[..n]);
    count
}

/// An entity's rank under each scorer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MethodRow {
    /// Id.
    pub entity_id: String,
    /// Name.
    pub entity_name: String,
    /// Competition rank under each column, in column order.
    pub ranks: Vec<u32>,
}

/// How far two scorers agree on an ordering.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Agreement {
    /// One scorer.
    pub a: String,
    /// The other.
    pub b: String,
    /// `all`, or `top N` (the entities ranked N or better by the primary
    /// scorer).
    pub over: String,
    /// Entities compared.
    pub n: usize,
    /// Spearman's rho (average ranks for ties); `None` when a side is constant.
    pub spearman_rho: Option<f64>,
    /// Kendall's tau-b; `None` when a side is constant.
    pub kendall_tau_b: Option<f64>,
}

/// One period of one level ranked by each scorer side by side, and how
/// far each pair of scorers agrees.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Methods {
    /// The level.
    pub level: Level,
    /// The period.
    pub period: String,
    /// The scorers.
    pub columns: Vec<Column>,
    /// Entities in the primary ranking's order (its top N, with a cut).
    pub rows: Vec<MethodRow>,
    /// Each pair of scorers, over all entities and (with a cut) over the top N.
    pub agreement: Vec<Agreement>,
}

impl Methods {
    /// The scorers of an uncut ranking against each other. Each scorer
    /// ranks on its printed values (as the ranking does); correlations are
    /// computed on those values.
    pub fn of(r: &Ranking, top: Option<usize>) -> Methods {
        let keys: Vec<Vec<u128>> = r
            .columns
            .iter()
            .enumerate()
            .map(|(k, c)| r.rows.iter().map(|x| x.scores[k].key(c.kind)).collect())
            .collect();
        let ranks: Vec<Vec<u32>> = keys.iter().map(|v| competition_ranks(v)).collect();
        let within = |i: usize| top.is_none_or(|n| r.rows[i].rank as usize <= n);
        let rows = (0..r.rows.len())
            .filter(|&i| within(i))
            .map(|i| MethodRow {
                entity_id: r.rows[i].entity_id.clone(),
                entity_name: r.rows[i].entity_name.clone(),
                ranks: ranks.iter().map(|v| v[i]).collect(),
            })
            .collect();
        let mut agreement = Vec::new();
        for a in 0..r.columns.len() {
            for b in a + 1..r.columns.len() {
                let mut over = vec![("all".to_owned(), None)];
                if let Some(n) = top {
                    over.push((format!("top {n}"), Some(n)));
                }
                for (label, cut) in over {
                    let pick: Vec<usize> = (0..r.rows.len())
                        .filter(|&i| cut.is_none_or(|n| r.rows[i].rank as usize <= n))
                        .collect();
                    let x: Vec<u128> = pick.iter().map(|&i| keys[a][i]).collect();
                    let y: Vec<u128> = pick.iter().map(|&i| keys[b][i]).collect();
                    agreement.push(Agreement {
                        a: r.columns[a].name.clone(),
                        b: r.columns[b].name.clone(),
                        over: label,
                        n: pick.len(),
                        spearman_rho: spearman_rho(&x, &y),
                        kendall_tau_b: kendall_tau_b(&x, &y),
                    });
                }
            }
        }
        Methods {
            level: r.level,
            period: r.period.clone(),
            columns: r.columns.clone(),
            rows,
            agreement,
        }
    }
}

/// An entity's move between two periods.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Move {
    /// Id.
    pub entity_id: String,
    /// Name.
    pub entity_name: String,
    /// Rank before.
    pub from: u32,
    /// Rank now.
    pub to: u32,
    /// Places climbed (negative: fallen).
    pub change: i64,
}

/// An entity that passed others: ranked below them before, above them now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Overtake {
    /// Who passed.
    pub by: Move,
    /// Whom, best ranked now first.
    pub passed: Vec<Move>,
}

/// A member that moved against most of its group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Against {
    /// The group's id.
    pub group_id: String,
    /// Its name.
    pub group_name: String,
    /// Members (in the scope) that climbed.
    pub climbed: usize,
    /// Members that fell.
    pub fell: usize,
    /// The members that moved the other way, by current rank.
    pub members: Vec<Move>,
}

/// Biggest climbers and fallers, overtakes and members against their
/// group, among the entities ranked in both periods and in the top N in
/// either.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Movers {
    /// The level.
    pub level: Level,
    /// Current period.
    pub current: String,
    /// Previous period.
    pub previous: String,
    /// The N.
    pub top: usize,
    /// Climbers, most places first (ties: better current rank first).
    pub climbers: Vec<Move>,
    /// Fallers, most places first.
    pub fallers: Vec<Move>,
    /// Each entity in the top N now that passed entities in the top N in
    /// both periods (ranked above it before, below it now), by current
    /// rank. Entities that fell out of the top N are in `fallers` and the
    /// comparison's exits, not here.
    pub overtakes: Vec<Overtake>,
    /// With groups: in each group where most members moved one way (at
    /// least 3 moved, more than half one way), those that moved the other.
    pub against: Vec<Against>,
}

/// How many climbers and fallers [`Movers`] lists.
pub const MOVERS_LISTED: usize = 10;

impl Movers {
    /// The movers of a comparison (uncut), within the top `n`.
    pub fn of(c: &Comparison, n: usize, groups: Option<&Grouping>) -> Movers {
        let within = |r: Option<u32>| r.is_some_and(|r| r as usize <= n);
        let moved: Vec<Move> = c
            .rows
            .iter()
            .filter(|r| within(r.rank_current) || within(r.rank_previous))
            .filter_map(|r| {
                Some(Move {
                    entity_id: r.entity_id.clone(),
                    entity_name: r.entity_name.clone(),
                    from: r.rank_previous?,
                    to: r.rank_current?,
                    change: r.rank_change?,
                })
            })
            .collect();
        let mut climbers: Vec<Move> = moved.iter().filter(|m| m.change > 0).cloned().collect();
        climbers.sort_by(|a, b| b.change.cmp(&a.change).then(a.to.cmp(&b.to)));
        climbers.truncate(MOVERS_LISTED);
        let mut fallers: Vec<Move> = moved.iter().filter(|m| m.change < 0).cloned().collect();
        fallers.sort_by(|a, b| a.change.cmp(&b.change).then(a.to.cmp(&b.to)));
        fallers.truncate(MOVERS_LISTED);
        let mut overtakes = Vec::new();
        let mut by_now: Vec<&Move> = moved.iter().filter(|m| m.to as usize <= n).collect();
        by_now.sort_by(|a, b| a.to.cmp(&b.to).then_with(|| a.entity_id.cmp(&b.entity_id)));
        for m in &by_now {
            let mut passed: Vec<Move> = moved
                .iter()
                .filter(|o| {
                    o.from as usize <= n && o.to as usize <= n && o.from < m.from && o.to > m.to
                })
                .cloned()
                .collect();
            if passed.is_empty() {
                continue;
            }
            passed.sort_by(|a, b| a.to.cmp(&b.to).then_with(|| a.entity_id.cmp(&b.entity_id)));
            overtakes.push(Overtake {
                by: (*m).clone(),
                passed,
            });
        }
        let mut against = Vec::new();
        if let Some(g) = groups {
            let mut by_group: BTreeMap<&str, Vec<&Move>> = BTreeMap::new();
            for m in &moved {
                for id in g.of(&m.entity_id) {
                    by_group.entry(id.as_str()).or_default().push(m);
                }
            }
            for (id, ms) in by_group {
                let up = ms.iter().filter(|m| m.change > 0).count();
                let down = ms.iter().filter(|m| m.change < 0).count();
                let rose = up * 2 > ms.len();
                let fell = down * 2 > ms.len();
                if up + down < 3 || !(rose || fell) {
                    continue;
                }
                let mut members: Vec<Move> = ms
                    .iter()
                    .filter(|m| if rose { m.change < 0 } else { m.change > 0 })
                    .map(|m| (*m).clone())
                    .collect();
                if members.is_empty() {
                    continue;
                }
                members.sort_by(|a, b| a.to.cmp(&b.to).then_with(|| a.entity_id.cmp(&b.entity_id)));
                against.push(Against {
                    group_id: id.to_owned(),
                    group_name: g.name(id).to_owned(),
                    climbed: up,
                    fell: down,
                    members,
                });
            }
        }
        Movers {
            level: c.level,
            current: c.current.clone(),
            previous: c.previous.clone(),
            top: n,
            climbers,
            fallers,
            overtakes,
            against,
        }
    }
}

/// 1st, 2nd, 3rd, 4th, 11th, 21st, ...
pub fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// "A", "A and B", "A, B and C"; with semicolons when an item holds a
/// comma ("Paris, FR; Berlin, DE and Rome, IT").
fn and_list(items: &[String]) -> String {
    let sep = if items.iter().any(|x| x.contains(',')) {
        "; "
    } else {
        ", "
    };
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(sep)),
    }
}

/// The period's name without a `name: ` prefix (`current: 2022` -> `2022`).
fn bare(period: &str) -> &str {
    period.split_once(": ").map_or(period, |(_, y)| y)
}

/// The facts of a comparison as plain sentences, one per fact, each made
/// from a template and the numbers of the tables (nothing else): whether
/// the top `head` changed, each group's count in the top N now and before
/// (and over the series), the biggest climber and faller, the first
/// overtake, the members that moved against their group, and the
/// entries into the top N.
pub fn story(c: &Comparison, head: usize, movers: &Movers, groups: Option<&Groups>) -> Vec<String> {
    let (now, before) = (bare(&c.current), bare(&c.previous));
    let mut out = Vec::new();
    let top_of = |f: fn(&ComparedRow) -> Option<u32>| -> Vec<&ComparedRow> {
        let mut v: Vec<&ComparedRow> = c
            .rows
            .iter()
            .filter(|r| f(r).is_some_and(|k| k as usize <= head))
            .collect();
        v.sort_by_key(|r| f(r));
        v
    };
    let (head_now, head_before) = (top_of(|r| r.rank_current), top_of(|r| r.rank_previous));
    let names =
        |v: &[&ComparedRow]| -> Vec<String> { v.iter().map(|r| r.entity_name.clone()).collect() };
    let ids =
        |v: &[&ComparedRow]| -> Vec<String> { v.iter().map(|r| r.entity_id.clone()).collect() };
    if !head_now.is_empty() {
        if ids(&head_now) == ids(&head_before) {
            out.push(format!(
                "The top {head} are unchanged from {before}: {}.",
                and_list(&names(&head_now))
            ));
        } else {
            let was: HashSet<String> = ids(&head_before).into_iter().collect();
            let is: HashSet<String> = ids(&head_now).into_iter().collect();
            if was == is {
                out.push(format!(
                    "The top {head} are the same as in {before}, in a new order: {}.",
                    and_list(&names(&head_now))
                ));
            } else {
                let came: Vec<String> = head_now
                    .iter()
                    .filter(|r| !was.contains(&r.entity_id))
                    .map(|r| match r.rank_previous {
                        Some(p) => format!("{} ({} in {before})", r.entity_name, ordinal(p)),
                        None => format!("{} (unranked in {before})", r.entity_name),
                    })
                    .collect();
                let went: Vec<String> = head_before
                    .iter()
                    .filter(|r| !is.contains(&r.entity_id))
                    .map(|r| match r.rank_current {
                        Some(p) => format!("{} (now {})", r.entity_name, ordinal(p)),
                        None => format!("{} (now unranked)", r.entity_name),
                    })
                    .collect();
                out.push(format!(
                    "The top {head} changed since {before}: {} entered, {} left.",
                    and_list(&came),
                    and_list(&went)
                ));
            }
        }
    }
    if let Some(g) = groups {
        let n_periods = g.periods.len();
        let mut tops: Vec<usize> = g.rows.iter().map(|r| r.top).collect();
        tops.dedup();
        for n in tops {
            let Some(lead) = g.rows.iter().find(|r| r.top == n && r.group_id != NO_GROUP) else {
                continue;
            };
            let (k_now, k_before) = (
                lead.counts[n_periods - 1],
                lead.counts[n_periods.saturating_sub(2)],
            );
            let level = g.level;
            let trend = match k_now.cmp(&k_before) {
                std::cmp::Ordering::Greater => format!("up from {k_before} in {before}"),
                std::cmp::Ordering::Less => format!("down from {k_before} in {before}"),
                std::cmp::Ordering::Equal => format!("as in {before}"),
            };
            let mut line = format!(
                "{} has {k_now} {} in the top {n} in {now}, {trend}",
                lead.group_name,
                if k_now == 1 {
                    level.as_str()
                } else {
                    level.plural()
                },
            );
            if n_periods > 2 {
                let series: Vec<String> = g
                    .periods
                    .iter()
                    .zip(&lead.counts)
                    .map(|(p, k)| format!("{k} in {}", bare(p)))
                    .collect();
                line.push_str(&format!(" ({})", series.join(", ")));
            }
            line.push('.');
            out.push(line);
        }
    }
    if let Some(m) = movers.climbers.first() {
        out.push(format!(
            "The biggest climber in the top {} is {}, up {} place{} from {} to {}.",
            movers.top,
            m.entity_name,
            m.change,
            if m.change == 1 { "" } else { "s" },
            ordinal(m.from),
            ordinal(m.to)
        ));
    }
    if let Some(m) = movers.fallers.first() {
        out.push(format!(
            "The biggest faller in the top {} is {}, down {} place{} from {} to {}.",
            movers.top,
            m.entity_name,
            -m.change,
            if m.change == -1 { "" } else { "s" },
            ordinal(m.from),
            ordinal(m.to)
        ));
    }
    if let Some(o) = movers.overtakes.first() {
        let passed: Vec<String> = o.passed.iter().map(|p| p.entity_name.clone()).collect();
        out.push(format!(
            "{} moved from {} to {} place, overtaking {}.",
            o.by.entity_name,
            ordinal(o.by.from),
            ordinal(o.by.to),
            and_list(&passed)
        ));
    }
    for a in &movers.against {
        let (way, other) = if a.climbed > a.fell {
            ("climbed", "fell")
        } else {
            ("fell", "climbed")
        };
        let (k, total) = (a.climbed.max(a.fell), a.climbed + a.fell);
        let who: Vec<String> = a
            .members
            .iter()
            .map(|m| {
                format!(
                    "{} ({} to {})",
                    m.entity_name,
                    ordinal(m.from),
                    ordinal(m.to)
                )
            })
            .collect();
        out.push(format!(
            "Of the {total} {} of {} in the top {} that moved, {k} {way} and {} {other}: {}.",
            if total == 1 {
                c.level.as_str()
            } else {
                c.level.plural()
            },
            a.group_name,
            movers.top,
            total - k,
            and_list(&who)
        ));
    }
    if let Some(n) = c.top {
        let entered: Vec<String> = c
            .rows
            .iter()
            .filter(|r| r.top_move == Some(TopMove::Entered))
            .map(|r| r.entity_name.clone())
            .collect();
        if !entered.is_empty() {
            out.push(format!(
                "{} entered the top {n}: {}.",
                entered.len(),
                and_list(&entered)
            ));
        }
    }
    out
}

#[cfg(test)]
mod compare_tests {
    use super::*;

    fn ranking(period: &str, included: u64, rows: &[(&str, f64)]) -> Ranking {
        Ranking {
            level: Level::Institution,
            period: period.into(),
            included,
            columns: vec![Column {
                name: "share".into(),
                version: "1".into(),
                kind: ScoreKind::Fractional,
            }],
            by: 0,
            entities: rows.len(),
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, (id, v))| Row {
                    rank: i as u32 + 1,
                    entity_id: (*id).into(),
                    entity_name: (*id).into(),
                    scores: vec![Fixed::from_f64(*v).unwrap()],
                    interval: None,
                })
                .collect(),
        }
    }

    /// The two published 2025 Research Leaders figures: with
    /// T_2024 / T_2023 = 1.1607, Harvard 2253.62 -> 2776.90 is +6.2 % and
    /// USTC 1206.87 -> 1155.19 is -17.5 %.
    #[test]
    fn the_adjusted_share_change_reproduces_the_published_figures() {
        let now = ranking("2024", 11_607, &[("Harvard", 2776.90), ("USTC", 1155.19)]);
        let before = ranking("2023", 10_000, &[("Harvard", 2253.62), ("USTC", 1206.87)]);
        let c = Comparison::of(&now, &before);
        let pct = |id: &str| {
            c.rows
                .iter()
                .find(|r| r.entity_id == id)
                .and_then(|r| r.adjusted_share_change_pct)
                .unwrap()
        };
        assert!((pct("Harvard") - 6.2).abs() < 0.05, "{}", pct("Harvard"));
        assert!((pct("USTC") + 17.5).abs() < 0.05, "{}", pct("USTC"));
        assert_eq!(c.rows[1].rank_change, Some(0));
    }

    /// Entities present in one period only have empty cells for the other;
    /// the order is the current ranking, then those ranked only before.
    #[test]
    fn entries_and_exits_are_kept_in_order() {
        let now = ranking("2022", 2, &[("A", 0.7), ("B", 0.5)]);
        let before = ranking("2021", 1, &[("C", 0.6), ("A", 0.5)]);
        let c = Comparison::of(&now, &before);
        let ids: Vec<&str> = c.rows.iter().map(|r| r.entity_id.as_str()).collect();
        assert_eq!(ids, ["A", "B", "C"]);
        assert_eq!(c.rows[0].rank_change, Some(1));
        assert_eq!(c.rows[1].rank_previous, None);
        assert_eq!(c.rows[1].adjusted_share_change_pct, None);
        assert_eq!(c.rows[2].rank_current, None);
        assert_eq!(c.rows[2].current, vec![None]);
    }
}

#[cfg(test)]
mod analysis_tests {
    use super::*;

    fn k(v: &[u32]) -> Vec<u128> {
        v.iter().map(|&x| u128::from(x)).collect()
    }

    /// By hand: x = 1..5, y = 5 6 7 8 7. Pairs: 8 concordant, 1 discordant,
    /// 1 tied in y; tau-b = 7 / sqrt(10 * 9). Average ranks of y: 1 2 3.5 5
    /// 3.5; rho = 8 / sqrt(10 * 9.5).
    #[test]
    fn correlations_match_the_hand_computed_values() {
        let (x, y) = (k(&[1, 2, 3, 4, 5]), k(&[5, 6, 7, 8, 7]));
        let tau = kendall_tau_b(&x, &y).unwrap();
        let rho = spearman_rho(&x, &y).unwrap();
        assert!((tau - 7.0 / 90f64.sqrt()).abs() < 1e-12, "{tau}");
        assert!((rho - 8.0 / 95f64.sqrt()).abs() < 1e-12, "{rho}");
    }

    /// Values scipy.stats gave once (spearmanr, kendalltau: tau-b) for a
    /// fixture with ties on both sides.
    #[test]
    fn correlations_match_scipy_on_a_fixture_with_ties() {
        let x = k(&[5, 3, 3, 8, 1, 9, 2, 2, 7, 4]);
        let y = k(&[4, 4, 2, 9, 1, 7, 3, 1, 8, 4]);
        let rho = spearman_rho(&x, &y).unwrap();
        let tau = kendall_tau_b(&x, &y).unwrap();
        assert!((rho - 0.9071598722068407).abs() < 1e-12, "{rho}");
        assert!((tau - 0.7859370885787426).abs() < 1e-12, "{tau}");
        assert_eq!(kendall_tau_b(&k(&[1, 1, 1]), &k(&[1, 2, 3])), None);
        assert_eq!(spearman_rho(&k(&[1]), &k(&[1])), None);
        let rev = kendall_tau_b(&k(&[1, 2, 3, 4]), &k(&[4, 3, 2, 1])).unwrap();
        assert!((rev + 1.0).abs() < 1e-12);
    }

    /// The O(n log n) tau-b equals the pair-by-pair definition.
    #[test]
    fn fast_tau_b_equals_the_definition() {
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as u32 % 6
        };
        for n in [2usize, 3, 10, 57] {
            let x: Vec<u128> = (0..n).map(|_| u128::from(next())).collect();
            let y: Vec<u128> = (0..n).map(|_| u128::from(next())).collect();
            let (mut c, mut d, mut tx, mut ty) = (0i64, 0i64, 0i64, 0i64);
            for i in 0..n {
                for j in i + 1..n {
                    let (a, b) = (x[i].cmp(&x[j]), y[i].cmp(&y[j]));
                    use std::cmp::Ordering::Equal;
                    match (a, b) {
                        (Equal, Equal) => {}
                        (Equal, _) => tx += 1,
                        (_, Equal) => ty += 1,
                        _ if a == b => c += 1,
                        _ => d += 1,
                    }
                }
            }
            let want = (c - d) as f64 / (((c + d + tx) * (c + d + ty)) as f64).sqrt();
            match kendall_tau_b(&x, &y) {
                Some(t) => assert!((t - want).abs() < 1e-12, "n {n}: {t} vs {want}"),
                None => assert!(want.is_nan(), "n {n}"),
            }
        }
    }

    fn ranking(period: &str, rows: &[(&str, u32, f64, f64)]) -> Ranking {
        let col = |name: &str, kind| Column {
            name: name.into(),
            version: "1".into(),
            kind,
        };
        Ranking {
            level: Level::City,
            period: period.into(),
            included: 10,
            columns: vec![
                col("count", ScoreKind::Integer),
                col("share", ScoreKind::Fractional),
            ],
            by: 1,
            entities: rows.len(),
            rows: rows
                .iter()
                .map(|(id, rank, c, s)| Row {
                    rank: *rank,
                    entity_id: (*id).into(),
                    entity_name: format!("{id} city"),
                    scores: vec![Fixed::from_f64(*c).unwrap(), Fixed::from_f64(*s).unwrap()],
                    interval: None,
                })
                .collect(),
        }
    }

    /// Each scorer ranks on its own values (competition ranks), rows keep
    /// the primary order, and the top-N agreement is over the primary's top N.
    #[test]
    fn methods_rank_each_scorer_and_correlate() {
        let r = ranking(
            "2022",
            &[
                ("A", 1, 3.0, 2.5),
                ("B", 2, 5.0, 2.0),
                ("C", 3, 5.0, 1.0),
                ("D", 4, 1.0, 0.5),
            ],
        );
        let m = Methods::of(&r, Some(2));
        let ranks: Vec<&[u32]> = m.rows.iter().map(|x| x.ranks.as_slice()).collect();
        assert_eq!(ranks, [&[3, 1][..], &[1, 2][..]]);
        assert_eq!(m.agreement.len(), 2);
        assert_eq!((m.agreement[0].over.as_str(), m.agreement[0].n), ("all", 4));
        // count 3 5 5 1 against share 2.5 2 1 0.5: concordant A-D, B-D,
        // C-D; discordant A-B, A-C; B-C tied in count.
        let tau = m.agreement[0].kendall_tau_b.unwrap();
        assert!(
            (tau - (3.0 - 2.0) / (5.0f64 * 6.0).sqrt()).abs() < 1e-12,
            "{tau}"
        );
        assert_eq!(
            (m.agreement[1].over.as_str(), m.agreement[1].n),
            ("top 2", 2)
        );
        assert_eq!(m.agreement[1].kendall_tau_b, Some(-1.0));
    }

    fn grouping() -> Grouping {
        let members = [
            ("A", "CN"),
            ("B", "US"),
            ("C", "CN"),
            ("D", "CN"),
            ("E", "GB"),
        ]
        .iter()
        .map(|(e, g)| ((*e).to_owned(), vec![(*g).to_owned()]))
        .collect();
        let names = [
            ("CN", "China"),
            ("US", "United States"),
            ("GB", "United Kingdom"),
        ]
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
        Grouping {
            level: Level::City,
            group: Level::Country,
            members,
            names,
        }
    }

    fn story_fixture() -> (Ranking, Ranking) {
        let before = ranking(
            "previous: 2021",
            &[
                ("B", 1, 9.0, 9.0),
                ("E", 2, 8.0, 8.0),
                ("A", 3, 7.0, 7.0),
                ("C", 4, 6.0, 6.0),
                ("D", 5, 5.0, 5.0),
                ("X", 6, 4.0, 4.0),
            ],
        );
        let now = ranking(
            "current: 2022",
            &[
                ("B", 1, 9.0, 9.0),
                ("A", 2, 8.0, 8.0),
                ("D", 3, 7.0, 7.0),
                ("E", 4, 6.0, 6.0),
                ("C", 5, 5.0, 5.0),
                ("X", 6, 4.0, 4.0),
            ],
        );
        (now, before)
    }

    /// Counts in the top N per group and period; an entity the tables place
    /// in no group is counted as unknown, not dropped.
    #[test]
    fn groups_count_the_top_n_per_period() {
        let (now, before) = story_fixture();
        let g = Groups::of(&[&before, &now], &grouping(), &[3, 6]);
        let cells: Vec<(usize, &str, Vec<usize>)> = g
            .rows
            .iter()
            .map(|r| (r.top, r.group_id.as_str(), r.counts.clone()))
            .collect();
        assert_eq!(
            cells,
            [
                (3, "CN", vec![1, 2]),
                (3, "US", vec![1, 1]),
                (3, "GB", vec![1, 0]),
                (6, "CN", vec![3, 3]),
                (6, NO_GROUP, vec![1, 1]),
                (6, "GB", vec![1, 1]),
                (6, "US", vec![1, 1]),
            ]
        );
    }

    /// Climbers, fallers, overtakes and members against their group, and
    /// the sentences made of them.
    #[test]
    fn movers_and_the_story_they_tell() {
        let (now, before) = story_fixture();
        let c = Comparison::of(&now, &before).within_top(5);
        let grouping = grouping();
        let m = Movers::of(&c, 5, Some(&grouping));
        let ids = |v: &[Move]| {
            v.iter()
                .map(|x| (x.entity_id.clone(), x.change))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&m.climbers), [("D".into(), 2), ("A".into(), 1)]);
        assert_eq!(ids(&m.fallers), [("E".into(), -2), ("C".into(), -1)]);
        let o: Vec<(&str, Vec<&str>)> = m
            .overtakes
            .iter()
            .map(|o| {
                (
                    o.by.entity_id.as_str(),
                    o.passed.iter().map(|p| p.entity_id.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(o, [("A", vec!["E"]), ("D", vec!["E", "C"])]);
        // In the top 3, E (2nd to 4th) fell out: passing it is no overtake.
        let m3 = Movers::of(&Comparison::of(&now, &before), 3, None);
        assert!(m3.overtakes.is_empty(), "{:?}", m3.overtakes);
        assert_eq!(m.against.len(), 1);
        assert_eq!(
            (
                m.against[0].group_id.as_str(),
                m.against[0].climbed,
                m.against[0].fell
            ),
            ("CN", 2, 1)
        );
        assert_eq!(m.against[0].members[0].entity_id, "C");
        let g = Groups::of(&[&before, &now], &grouping, &[3]);
        let s = story(&c, 1, &m, Some(&g));
        assert_eq!(
            s,
            [
                "The top 1 are unchanged from 2021: B city.",
                "China has 2 cities in the top 3 in 2022, up from 1 in 2021.",
                "The biggest climber in the top 5 is D city, up 2 places from 5th to 3rd.",
                "The biggest faller in the top 5 is E city, down 2 places from 2nd to 4th.",
                "A city moved from 3rd to 2nd place, overtaking E city.",
                "Of the 3 cities of China in the top 5 that moved, 2 climbed and 1 fell: C city (4th to 5th).",
            ]
        );
        let s = story(&c, 3, &m, None);
        assert_eq!(
            s[0],
            "The top 3 changed since 2021: D city (5th in 2021) entered, E city (now 4th) left."
        );
    }

    /// Up to [`MOVERS_LISTED`] climbers and fallers, most places first.
    #[test]
    fn movers_list_ten_each() {
        let ids: Vec<String> = (0..30).map(|i| format!("E{i:02}")).collect();
        let rows = |rev: bool| -> Vec<(&str, u32, f64, f64)> {
            (0..30)
                .map(|i| {
                    let k = if rev { 29 - i } else { i };
                    (ids[k].as_str(), i as u32 + 1, 0.0, 100.0 - i as f64)
                })
                .collect()
        };
        let c = Comparison::of(
            &ranking("now", &rows(true)),
            &ranking("before", &rows(false)),
        );
        let m = Movers::of(&c, 30, None);
        assert_eq!(
            (m.climbers.len(), m.fallers.len()),
            (MOVERS_LISTED, MOVERS_LISTED)
        );
        assert_eq!((m.climbers[0].change, m.fallers[0].change), (29, -29));
        assert!(m.climbers.windows(2).all(|w| w[0].change >= w[1].change));
    }

    #[test]
    fn ordinals() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111]
            .map(ordinal)
            .to_vec();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st",
                "111th"
            ]
        );
    }
}
