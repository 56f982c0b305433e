//! The tables of `tally compare`: each is a [`Grid`] (a header and rows
//! of cells), printed as an aligned table, Markdown or CSV; and as JSON,
//! `"schema": "tally.comparison/1"` with one array per table.

use crate::{csv_field, md_cell, visible, width};
use tally_report::{Comparison, Groups, Methods, Movers};

/// A table of text cells: the first `text` columns are left-aligned
/// (ids, names), the others right-aligned (numbers).
#[derive(Clone, Debug, Default)]
pub struct Grid {
    /// A line above the table (not in CSV).
    pub title: String,
    /// Column names.
    pub header: Vec<String>,
    /// Rows of cells, as many as the header.
    pub rows: Vec<Vec<String>>,
    /// Left-aligned columns, from the first.
    pub text: usize,
}

impl Grid {
    /// Aligned columns, two spaces apart, under the title.
    pub fn table(&self) -> String {
        let mut out = String::new();
        if !self.title.is_empty() {
            out.push_str(&visible(&self.title));
            out.push('\n');
        }
        let shown: Vec<Vec<String>> = std::iter::once(&self.header)
            .chain(&self.rows)
            .map(|r| r.iter().map(|c| visible(c).into_owned()).collect())
            .collect();
        let mut widths = vec![0; self.header.len()];
        for cells in &shown {
            for (w, x) in widths.iter_mut().zip(cells) {
                *w = (*w).max(width(x));
            }
        }
        for cells in &shown {
            let mut line = String::new();
            for (k, (x, w)) in cells.iter().zip(&widths).enumerate() {
                if k > 0 {
                    line.push_str("  ");
                }
                let pad = " ".repeat(w - width(x));
                if k < self.text {
                    line.push_str(x);
                    line.push_str(&pad);
                } else {
                    line.push_str(&pad);
                    line.push_str(x);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// A heading and a pipe table.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        if !self.title.is_empty() {
            out.push_str(&format!("## {}\n\n", md_cell(&self.title)));
        }
        let line = |cells: &[String]| {
            let cells: Vec<String> = cells.iter().map(|c| md_cell(c)).collect();
            format!("| {} |\n", cells.join(" | "))
        };
        out.push_str(&line(&self.header));
        let rule: Vec<&str> = (0..self.header.len())
            .map(|k| if k < self.text { "---" } else { "---:" })
            .collect();
        out.push_str(&format!("|{}|\n", rule.join("|")));
        for r in &self.rows {
            out.push_str(&line(r));
        }
        out
    }

    /// The header and rows as CSV (no title).
    pub fn csv(&self) -> String {
        let mut out = String::new();
        for cells in std::iter::once(&self.header).chain(&self.rows) {
            let cells: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn signed(d: i64) -> String {
    if d == 0 {
        "0".into()
    } else {
        format!("{d:+}")
    }
}

fn works(n: u64) -> String {
    format!("{n} work{}", if n == 1 { "" } else { "s" })
}

/// The changes between two periods: `entity_id,entity_name,rank_current,
/// rank_previous,rank_change,<scorer>_current,<scorer>_previous...,
/// adjusted_share_change_pct`, and `top_<N>` (entered, left, stayed) with
/// a cut; a cell is empty where the entity is absent in a period.
pub fn changes_grid(c: &Comparison) -> Grid {
    let mut header: Vec<String> = [
        "entity_id",
        "entity_name",
        "rank_current",
        "rank_previous",
        "rank_change",
    ]
    .map(String::from)
    .to_vec();
    for col in &c.columns {
        header.push(format!("{}_current", col.name));
        header.push(format!("{}_previous", col.name));
    }
    header.push("adjusted_share_change_pct".into());
    if let Some(n) = c.top {
        header.push(format!("top_{n}"));
    }
    let rows = c
        .rows
        .iter()
        .map(|r| {
            let mut cells = vec![
                r.entity_id.clone(),
                r.entity_name.clone(),
                opt(r.rank_current),
                opt(r.rank_previous),
                r.rank_change.map(signed).unwrap_or_default(),
            ];
            for (k, col) in c.columns.iter().enumerate() {
                cells.push(opt(r.current[k].map(|v| v.display(col.kind))));
                cells.push(opt(r.previous[k].map(|v| v.display(col.kind))));
            }
            cells.push(
                r.adjusted_share_change_pct
                    .map(|p| format!("{p:+.2}"))
                    .unwrap_or_default(),
            );
            if c.top.is_some() {
                cells.push(
                    r.top_move
                        .map(|m| m.as_str().to_owned())
                        .unwrap_or_default(),
                );
            }
            cells
        })
        .collect();
    Grid {
        title: format!(
            "{} level, {} ({}) against {} ({})",
            tally_report::Level::title(c.level),
            c.current,
            works(c.included_current),
            c.previous,
            works(c.included_previous)
        ),
        header,
        rows,
        text: 2,
    }
}

/// A comparison as CSV (see [`changes_grid`]).
pub fn compare_csv(c: &Comparison) -> String {
    changes_grid(c).csv()
}

/// A comparison as an aligned table, titled with both periods and their
/// included works.
pub fn compare_table(c: &Comparison) -> String {
    changes_grid(c).table()
}

/// Each scorer's rank side by side: `entity_id,entity_name,rank_<scorer>...`.
pub fn methods_grid(m: &Methods) -> Grid {
    let mut header = vec!["entity_id".to_owned(), "entity_name".to_owned()];
    header.extend(m.columns.iter().map(|c| format!("rank_{}", c.name)));
    Grid {
        title: format!(
            "{} level, {}: each scorer's rank",
            tally_report::Level::title(m.level),
            m.period
        ),
        header,
        rows: m
            .rows
            .iter()
            .map(|r| {
                let mut cells = vec![r.entity_id.clone(), r.entity_name.clone()];
                cells.extend(r.ranks.iter().map(u32::to_string));
                cells
            })
            .collect(),
        text: 2,
    }
}

/// How far each pair of scorers agrees: `scorer_a,scorer_b,over,entities,
/// spearman_rho,kendall_tau_b` (4 decimals; empty when a side is constant).
pub fn agreement_grid(m: &Methods) -> Grid {
    let f = |x: Option<f64>| x.map(|v| format!("{v:.4}")).unwrap_or_default();
    Grid {
        title: format!(
            "{} level, {}: scorers against each other",
            tally_report::Level::title(m.level),
            m.period
        ),
        header: [
            "scorer_a",
            "scorer_b",
            "over",
            "entities",
            "spearman_rho",
            "kendall_tau_b",
        ]
        .map(String::from)
        .to_vec(),
        rows: m
            .agreement
            .iter()
            .map(|a| {
                vec![
                    a.a.clone(),
                    a.b.clone(),
                    a.over.clone(),
                    a.n.to_string(),
                    f(a.spearman_rho),
                    f(a.kendall_tau_b),
                ]
            })
            .collect(),
        text: 3,
    }
}

/// Groups in the top N: `top,group_id,group_name,<one count per period,
/// oldest first>`.
pub fn groups_grid(g: &Groups) -> Grid {
    let mut header = vec![
        "top".to_owned(),
        "group_id".to_owned(),
        "group_name".to_owned(),
    ];
    header.extend(g.periods.iter().cloned());
    Grid {
        title: format!(
            "{} level: {} in the top N",
            tally_report::Level::title(g.level),
            g.group.plural()
        ),
        header,
        rows: g
            .rows
            .iter()
            .map(|r| {
                let mut cells = vec![r.top.to_string(), r.group_id.clone(), r.group_name.clone()];
                cells.extend(r.counts.iter().map(usize::to_string));
                cells
            })
            .collect(),
        text: 3,
    }
}

/// Movers: `kind,entity_id,entity_name,rank_previous,rank_current,
/// rank_change,other_id,other_name`, where `kind` is `climber`, `faller`,
/// `overtake` (one row per entity passed, which is `other`) or `against`
/// (a member that moved against its group, which is `other`).
pub fn movers_grid(m: &Movers) -> Grid {
    let row = |kind: &str, x: &tally_report::Move, other: (&str, &str)| {
        vec![
            kind.to_owned(),
            x.entity_id.clone(),
            x.entity_name.clone(),
            x.from.to_string(),
            x.to.to_string(),
            signed(x.change),
            other.0.to_owned(),
            other.1.to_owned(),
        ]
    };
    let mut rows = Vec::new();
    for x in &m.climbers {
        rows.push(row("climber", x, ("", "")));
    }
    for x in &m.fallers {
        rows.push(row("faller", x, ("", "")));
    }
    for o in &m.overtakes {
        for p in &o.passed {
            rows.push(row("overtake", &o.by, (&p.entity_id, &p.entity_name)));
        }
    }
    for a in &m.against {
        for x in &a.members {
            rows.push(row("against", x, (&a.group_id, &a.group_name)));
        }
    }
    Grid {
        title: format!(
            "{} level, top {}: movers from {} to {}",
            tally_report::Level::title(m.level),
            m.top,
            m.previous,
            m.current
        ),
        header: [
            "kind",
            "entity_id",
            "entity_name",
            "rank_previous",
            "rank_current",
            "rank_change",
            "other_id",
            "other_name",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        text: 3,
    }
}

/// A `tally.comparison/1` document with one named array (`comparisons`,
/// `methods`, `groups`, `movers` or `story`), ending with a newline.
pub fn comparison_json<T: serde::Serialize>(key: &str, items: &[T]) -> String {
    let mut doc = serde_json::Map::new();
    doc.insert("schema".into(), "tally.comparison/1".into());
    doc.insert(
        key.into(),
        serde_json::to_value(items).unwrap_or(serde_json::Value::Null),
    );
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// Comparisons as JSON (`"schema": "tally.comparison/1"`).
pub fn compare_json(cs: &[Comparison]) -> String {
    comparison_json("comparisons", cs)
}
