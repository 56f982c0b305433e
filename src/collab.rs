//! `tally collab`: the Nature Index collaboration score of pairs of
//! entities (both entities' shares on the articles both appear on), the
//! top pairs of a level or one entity's top partners.

use crate::{Pair, Pairs};
use serde::Serialize;
use tally_config::Format;
use tally_render::Grid;
use tally_report::{Level, ScoreKind};

/// A pair as listed (for one entity: `a` is that entity).
#[derive(Debug, Serialize)]
pub struct PairRow {
    /// One entity.
    pub a: String,
    /// Its name.
    pub a_name: String,
    /// The other.
    pub b: String,
    /// Its name.
    pub b_name: String,
    /// Articles both appear on.
    pub joint_articles: u64,
    /// `a`'s share on them plus `b`'s.
    pub collaboration: f64,
    /// `a`'s share on them.
    pub share_a: f64,
    /// `b`'s share on them.
    pub share_b: f64,
}

/// The pairs of a level (or of one entity) in a period.
#[derive(Debug, Serialize)]
pub struct CollabView {
    /// The level.
    pub level: Level,
    /// The period.
    pub period: String,
    /// The entity whose partners these are, if one was asked for.
    pub entity: Option<String>,
    /// Pairs in all (or the entity's partners).
    pub pairs: usize,
    /// The pairs shown, most collaboration first (then most joint
    /// articles, then by id).
    pub rows: Vec<PairRow>,
}

fn f6(f: tally_report::Fixed) -> f64 {
    f.printed_f64(ScoreKind::Fractional)
}

/// The top pairs, or `entity`'s top partners, cut at `top`: sorted by
/// collaboration (then joint articles, then ids), names looked up only for
/// the rows shown.
pub fn view(
    level: Level,
    period: &str,
    table: &Pairs,
    entity: Option<&str>,
    top: Option<usize>,
) -> CollabView {
    let id = |k: u32| table.ids[k as usize].as_str();
    let mut picked: Vec<(Pair, bool)> = table
        .pairs
        .iter()
        .filter_map(|p| match entity {
            None => Some((*p, false)),
            Some(e) if id(p.a) == e => Some((*p, false)),
            Some(e) if id(p.b) == e => Some((*p, true)),
            Some(_) => None,
        })
        .collect();
    let key = |(p, flip): &(Pair, bool)| {
        let (a, b) = if *flip { (p.b, p.a) } else { (p.a, p.b) };
        (
            std::cmp::Reverse(p.score().micros()),
            std::cmp::Reverse(p.joint),
            a,
            b,
        )
    };
    let n = picked.len();
    let shown = top.unwrap_or(n).min(n);
    let by = |x: &(Pair, bool), y: &(Pair, bool)| {
        let (kx, ky) = (key(x), key(y));
        (kx.0, kx.1)
            .cmp(&(ky.0, ky.1))
            .then_with(|| (id(kx.2), id(kx.3)).cmp(&(id(ky.2), id(ky.3))))
    };
    if shown < n && shown > 0 {
        picked.select_nth_unstable_by(shown - 1, by);
        picked.truncate(shown);
    }
    picked.sort_by(by);
    picked.truncate(shown);
    let rows = picked
        .into_iter()
        .map(|(p, flip)| {
            let (a, sa, b, sb) = if flip {
                (p.b, p.b_share, p.a, p.a_share)
            } else {
                (p.a, p.a_share, p.b, p.b_share)
            };
            PairRow {
                a: id(a).to_owned(),
                a_name: table.names[a as usize].clone(),
                b: id(b).to_owned(),
                b_name: table.names[b as usize].clone(),
                joint_articles: p.joint,
                collaboration: f6(p.score()),
                share_a: f6(sa),
                share_b: f6(sb),
            }
        })
        .collect();
    CollabView {
        level,
        period: period.to_owned(),
        entity: entity.map(str::to_owned),
        pairs: n,
        rows,
    }
}

fn grid(v: &CollabView) -> Grid {
    let level = v.level.title();
    let title = match &v.entity {
        None => format!(
            "{level} level, {}: the top {} of {} pairs by collaboration (both shares on their joint articles)",
            v.period,
            v.rows.len(),
            v.pairs
        ),
        Some(e) => format!(
            "{level} level, {}: the top {} of {}'s {} partners by collaboration",
            v.period,
            v.rows.len(),
            e,
            v.pairs
        ),
    };
    let header: Vec<String> = match v.entity {
        None => [
            "entity_a",
            "name_a",
            "entity_b",
            "name_b",
            "joint_articles",
            "collaboration",
            "share_a",
            "share_b",
        ],
        Some(_) => [
            "entity_id",
            "entity_name",
            "partner_id",
            "partner_name",
            "joint_articles",
            "collaboration",
            "share_entity",
            "share_partner",
        ],
    }
    .map(String::from)
    .to_vec();
    Grid {
        title,
        header,
        rows: v
            .rows
            .iter()
            .map(|r| {
                vec![
                    r.a.clone(),
                    r.a_name.clone(),
                    r.b.clone(),
                    r.b_name.clone(),
                    r.joint_articles.to_string(),
                    format!("{:.6}", r.collaboration),
                    format!("{:.6}", r.share_a),
                    format!("{:.6}", r.share_b),
                ]
            })
            .collect(),
        text: 4,
    }
}

/// The view as a table, Markdown, CSV or JSON (`"schema": "tally.collab/1"`).
pub fn render(v: &CollabView, format: Format) -> String {
    match format {
        Format::Table => grid(v).table(),
        Format::Md => grid(v).markdown(),
        Format::Csv => grid(v).csv(),
        Format::Json => {
            let mut doc = serde_json::Map::new();
            doc.insert("schema".into(), "tally.collab/1".into());
            doc.insert(
                "collab".into(),
                serde_json::to_value(v).unwrap_or(serde_json::Value::Null),
            );
            let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
            s.push('\n');
            s
        }
    }
}
