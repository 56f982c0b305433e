//! `tally explain`: the articles behind an entity's score, checked against
//! the ranking, and how one work's credit was split at each level.

use serde::Serialize;
use tally_config::Format;
use tally_engine::explain::{ExplainedWork, SlotFate, WorkTrace};
use tally_render::Grid;
use tally_report::{Column, Fixed, Level, Ranking};

/// An entity's articles, biggest credit first, with the totals checked.
#[derive(Debug, Serialize)]
pub struct EntityView {
    /// The level.
    pub level: Level,
    /// The period.
    pub period: String,
    /// The entity's id.
    pub entity_id: String,
    /// Its name.
    pub entity_name: String,
    /// Its rank.
    pub rank: u32,
    /// Entities ranked.
    pub entities: usize,
    /// The scorers.
    pub columns: Vec<Column>,
    /// Articles that credited the entity.
    pub articles: usize,
    /// The sum of each scorer's credits over all the articles (equal, in
    /// fixed point, to the ranking's value: checked).
    #[serde(serialize_with = "ser_fixed")]
    pub totals: Vec<Fixed>,
    /// The articles shown (all, or the first N), biggest first.
    pub rows: Vec<ArticleRow>,
}

/// One article's credit to the entity.
#[derive(Debug, Serialize)]
pub struct ArticleRow {
    /// Work id.
    pub work_id: String,
    /// Year.
    pub year: i32,
    /// Each scorer's credit.
    #[serde(serialize_with = "ser_fixed")]
    pub credits: Vec<Fixed>,
}

fn ser_fixed<S: serde::Serializer>(v: &[Fixed], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|x| x.to_f64()))
}

/// Why an entity cannot be explained.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    /// Not in the ranking.
    #[error("{0}")]
    NotRanked(String),
    /// The credits do not add up: a bug in tally.
    #[error("internal error: the articles of {id} add up to {got} for `{scorer}` but the ranking says {want}; please report it")]
    Mismatch {
        /// Entity.
        id: String,
        /// Scorer.
        scorer: String,
        /// Sum of the articles.
        got: String,
        /// The ranking's value.
        want: String,
    },
}

/// The view of `id` in `ranking` from its articles; `top` limits the rows.
pub fn entity_view(
    ranking: &Ranking,
    id: &str,
    mut articles: Vec<ExplainedWork>,
    top: Option<usize>,
) -> Result<EntityView, ExplainError> {
    let level = ranking.level;
    let Some(row) = ranking.rows.iter().find(|r| r.entity_id == id) else {
        let wanted = id.to_lowercase();
        let like: Vec<String> = ranking
            .rows
            .iter()
            .filter(|r| r.entity_name.to_lowercase().contains(&wanted))
            .take(3)
            .map(|r| format!("`{}` ({})", r.entity_id, r.entity_name))
            .collect();
        let hint = if like.is_empty() {
            let some: Vec<String> = ranking
                .rows
                .iter()
                .take(3)
                .map(|r| format!("`{}` ({})", r.entity_id, r.entity_name))
                .collect();
            format!(
                "ids at this level look like {} (see tally rank --level {level})",
                some.join(", ")
            )
        } else {
            format!("did you mean {}?", like.join(" or "))
        };
        return Err(ExplainError::NotRanked(format!(
            "no {level} with id `{id}` has credit in {}: {hint}",
            ranking.period
        )));
    };
    let n = ranking.columns.len();
    let mut totals = vec![Fixed::ZERO; n];
    for a in &articles {
        for (t, c) in totals.iter_mut().zip(&a.credits) {
            *t += *c;
        }
    }
    for (k, col) in ranking.columns.iter().enumerate() {
        if totals[k] != row.scores[k] {
            return Err(ExplainError::Mismatch {
                id: id.to_owned(),
                scorer: col.name.clone(),
                got: totals[k].display(col.kind),
                want: row.scores[k].display(col.kind),
            });
        }
    }
    let by = ranking.by;
    articles.sort_by(|a, b| {
        b.credits[by]
            .cmp(&a.credits[by])
            .then_with(|| b.credits.cmp(&a.credits))
            .then_with(|| a.id.cmp(&b.id))
    });
    let count = articles.len();
    let shown = top.map_or(count, |t| t.min(count));
    Ok(EntityView {
        level,
        period: ranking.period.clone(),
        entity_id: row.entity_id.clone(),
        entity_name: row.entity_name.clone(),
        rank: row.rank,
        entities: ranking.entities,
        columns: ranking.columns.clone(),
        articles: count,
        totals,
        rows: articles
            .into_iter()
            .take(shown)
            .map(|a| ArticleRow {
                work_id: a.id,
                year: a.year,
                credits: a.credits,
            })
            .collect(),
    })
}

fn article_grid(v: &EntityView) -> Grid {
    let mut header = vec!["work_id".to_owned(), "year".to_owned()];
    header.extend(v.columns.iter().map(|c| c.name.clone()));
    Grid {
        title: format!(
            "{} {} ({}), {}: rank {} of {}, {} article{}{}",
            v.level.title(),
            v.entity_id,
            v.entity_name,
            v.period,
            v.rank,
            v.entities,
            v.articles,
            if v.articles == 1 { "" } else { "s" },
            if v.rows.len() < v.articles {
                format!(", the {} with the most credit shown", v.rows.len())
            } else {
                String::new()
            }
        ),
        header,
        rows: v
            .rows
            .iter()
            .map(|r| {
                let mut cells = vec![r.work_id.clone(), r.year.to_string()];
                cells.extend(
                    r.credits
                        .iter()
                        .zip(&v.columns)
                        .map(|(c, col)| c.display(col.kind)),
                );
                cells
            })
            .collect(),
        text: 1,
    }
}

/// The view in a format: a table or Markdown with a total line, CSV (the
/// article rows only) or JSON (`"schema": "tally.explain/1"`).
pub fn render_entity(v: &EntityView, format: Format) -> String {
    match format {
        Format::Csv => article_grid(v).csv(),
        Format::Json => json("entity", v),
        Format::Table | Format::Md => {
            let grid = article_grid(v);
            let mut out = if format == Format::Md {
                grid.markdown()
            } else {
                grid.table()
            };
            let totals: Vec<String> = v
                .totals
                .iter()
                .zip(&v.columns)
                .map(|(t, c)| format!("{} {}", c.name, t.display(c.kind)))
                .collect();
            out.push_str(&format!(
                "\ntotal over all {} article{}: {}, equal to the ranking's\n",
                v.articles,
                if v.articles == 1 { "" } else { "s" },
                totals.join(", ")
            ));
            out
        }
    }
}

fn json<T: Serialize>(key: &str, v: &T) -> String {
    let mut doc = serde_json::Map::new();
    doc.insert("schema".into(), "tally.explain/1".into());
    doc.insert(
        key.into(),
        serde_json::to_value(v).unwrap_or(serde_json::Value::Null),
    );
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// One slot of the traced work at a level.
#[derive(Debug, Serialize)]
pub struct SlotView {
    /// 1-based authorship.
    pub authorship: usize,
    /// The institution as the work gives it (`None`: no id).
    pub institution: Option<String>,
    /// The slot's share under the Nature Index definition (the work's
    /// weight / authors / the authorship's institutions).
    pub share: f64,
    /// The entity it resolves to (id), if any.
    pub entity_id: Option<String>,
    /// Its name, or why the slot is unresolved.
    pub resolution: String,
}

/// The traced work at one level.
#[derive(Debug, Serialize)]
pub struct LevelView {
    /// The level.
    pub level: Level,
    /// Slots in byline order.
    pub slots: Vec<SlotView>,
    /// Entities credited, in byline order of first appearance: id, name,
    /// each scorer's credit.
    pub credits: Vec<(String, String, Vec<f64>)>,
    /// The work's weight not credited by the share column (authors without
    /// an institution, unresolved slots), when there is a share column.
    pub unassigned_share: Option<f64>,
}

/// How one work's credit was split.
#[derive(Debug, Serialize)]
pub struct WorkView {
    /// Work id.
    pub work_id: String,
    /// Year.
    pub year: i32,
    /// Weight.
    pub weight: f64,
    /// Authors.
    pub authorships: usize,
    /// The scorers.
    pub columns: Vec<Column>,
    /// Per level.
    pub levels: Vec<LevelView>,
}

/// The view of a traced work.
pub fn work_view(t: &WorkTrace, columns: &[Column]) -> WorkView {
    let n = t.authorships.len();
    let share_col = columns.iter().position(|c| c.name == "share");
    let levels = t
        .levels
        .iter()
        .map(|l| {
            let mut slots = Vec::new();
            let mut k = 0;
            for (a, insts) in t.authorships.iter().enumerate() {
                if insts.is_empty() {
                    slots.push(SlotView {
                        authorship: a + 1,
                        institution: None,
                        share: t.weight / n as f64,
                        entity_id: None,
                        resolution: "no institution: the author's share is unassigned".into(),
                    });
                }
                for inst in insts {
                    let fate = l.slots.get(k);
                    k += 1;
                    let (entity_id, resolution) = match fate {
                        Some(SlotFate::Entity(id, name)) => (Some(id.clone()), name.clone()),
                        Some(SlotFate::Unresolved(why)) => (None, format!("unresolved: {why}")),
                        None => (None, "unresolved".into()),
                    };
                    slots.push(SlotView {
                        authorship: a + 1,
                        institution: inst.clone(),
                        share: t.weight / n as f64 / insts.len() as f64,
                        entity_id,
                        resolution,
                    });
                }
            }
            let credits: Vec<(String, String, Vec<f64>)> = l
                .credits
                .iter()
                .map(|(id, name, c)| {
                    (
                        id.clone(),
                        name.clone(),
                        c.iter().map(|x| x.to_f64()).collect(),
                    )
                })
                .collect();
            let unassigned_share = share_col.map(|k| {
                let given: Fixed = l.credits.iter().map(|c| c.2[k]).sum();
                (t.weight - given.to_f64()).max(0.0)
            });
            LevelView {
                level: l.level,
                slots,
                credits,
                unassigned_share,
            }
        })
        .collect();
    WorkView {
        work_id: t.id.clone(),
        year: t.year,
        weight: t.weight,
        authorships: n,
        columns: columns.to_vec(),
        levels,
    }
}

/// The work view in a format: tables per level (or JSON,
/// `"schema": "tally.explain/1"`); CSV holds the credits of one level.
pub fn render_work(v: &WorkView, format: Format) -> Result<String, String> {
    let credit_grid =
        |l: &LevelView| {
            let mut header = vec!["entity_id".to_owned(), "entity_name".to_owned()];
            header.extend(v.columns.iter().map(|c| c.name.clone()));
            Grid {
                title: String::new(),
                header,
                rows: l
                    .credits
                    .iter()
                    .map(|(id, name, c)| {
                        let mut cells = vec![id.clone(), name.clone()];
                        cells.extend(c.iter().zip(&v.columns).map(|(x, col)| {
                            Fixed::from_f64(*x).unwrap_or_default().display(col.kind)
                        }));
                        cells
                    })
                    .collect(),
                text: 2,
            }
        };
    match format {
        Format::Json => Ok(json("work", v)),
        Format::Csv if v.levels.len() == 1 => Ok(credit_grid(&v.levels[0]).csv()),
        Format::Csv => Err(
            "CSV holds one table: choose one level (--level), or use --format table, md or json"
                .into(),
        ),
        Format::Table | Format::Md => {
            let mut out = format!(
                "Work {}, {}, weight {}: {} authorship{}\n",
                v.work_id,
                v.year,
                v.weight,
                v.authorships,
                if v.authorships == 1 { "" } else { "s" }
            );
            for l in &v.levels {
                let slots = Grid {
                    title: format!(
                        "{} level: each institution slot (share of the slot: weight / {} authors / the author's institutions)",
                        l.level.title(),
                        v.authorships
                    ),
                    header: ["authorship", "institution", "resolves_to", "name", "slot_share"]
                        .map(String::from)
                        .to_vec(),
                    rows: l
                        .slots
                        .iter()
                        .map(|s| {
                            vec![
                                s.authorship.to_string(),
                                s.institution.clone().unwrap_or_else(|| {
                                    if s.resolution.starts_with("no institution") {
                                        "(none)".into()
                                    } else {
                                        "(no id)".into()
                                    }
                                }),
                                s.entity_id.clone().unwrap_or_default(),
                                s.resolution.clone(),
                                format!("{:.6}", s.share),
                            ]
                        })
                        .collect(),
                    text: 4,
                };
                out.push('\n');
                let render = |g: &Grid| {
                    if format == Format::Md {
                        g.markdown()
                    } else {
                        g.table()
                    }
                };
                out.push_str(&render(&slots));
                out.push_str(&format!("\n{} level: credit per entity\n", l.level.title()));
                out.push_str(&render(&credit_grid(l)));
                if let Some(u) = l.unassigned_share {
                    out.push_str(&format!("unassigned share: {u:.6}\n"));
                }
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tally_report::{Row, ScoreKind};

    fn ranking() -> Ranking {
        Ranking {
            level: Level::City,
            period: "2022".into(),
            included: 2,
            columns: vec![Column {
                name: "share".into(),
                version: "1".into(),
                kind: ScoreKind::Fractional,
            }],
            by: 0,
            entities: 1,
            rows: vec![Row {
                rank: 1,
                entity_id: "X".into(),
                entity_name: "X city".into(),
                scores: vec![Fixed::from_f64(0.75).unwrap()],
                interval: None,
            }],
        }
    }

    fn work(id: &str, v: f64) -> ExplainedWork {
        ExplainedWork {
            id: id.into(),
            year: 2022,
            credits: vec![Fixed::from_f64(v).unwrap()],
        }
    }

    /// Articles that add up give the view, biggest first; one that does
    /// not is an internal error, never a silent total.
    #[test]
    fn totals_must_add_up() {
        let v = entity_view(
            &ranking(),
            "X",
            vec![work("W1", 0.25), work("W2", 0.5)],
            None,
        )
        .unwrap();
        assert_eq!(v.rows[0].work_id, "W2");
        let e = entity_view(&ranking(), "X", vec![work("W1", 0.25)], None).unwrap_err();
        assert!(matches!(e, ExplainError::Mismatch { .. }), "{e}");
        assert!(e.to_string().starts_with("internal error"), "{e}");
    }
}
