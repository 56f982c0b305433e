//! Renderers: pure functions from a [`Report`] (or one [`Ranking`]) to text.
//!
//! - [`csv`]: the CSV contract (`rank,entity_id,entity_name,<scorers...>`),
//!   one ranking per file.
//! - [`table`]: an aligned terminal table, one block per ranking.
//! - [`markdown`]: a GitHub-flavoured Markdown table per ranking.
//! - [`json`]: the [`Report`] as its JSON document (`tally_report`'s
//!   schema, `"schema": "tally.report/1"`), which reads back into a `Report`.
//! - [`ledger_summary`]: the short ledger text printed on stderr.

use std::fmt::Write;
use tally_report::{Fixed, Ledger, Ranking, Report, Row, ScoreKind};

fn title(r: &Ranking) -> String {
    let mut t = r.level.title().to_owned();
    let _ = write!(
        t,
        " ranking, {}, by {} ({} of {} entities)",
        visible(&r.period),
        visible(&r.columns[r.by].name),
        r.rows.len(),
        r.entities
    );
    t
}

/// The row's scores, then, when the ranking has stability intervals, each
/// column's `lo` and `hi` and the rank's (see [`score_headers`]).
fn score_cells(r: &Ranking, row: &Row) -> Vec<String> {
    let mut cells: Vec<String> = row
        .scores
        .iter()
        .zip(&r.columns)
        .map(|(v, c)| v.display(c.kind))
        .collect();
    if has_intervals(r) {
        match &row.interval {
            Some(iv) => {
                for ((lo, hi), c) in iv.lo.iter().zip(&iv.hi).zip(&r.columns) {
                    cells.push(lo.display(c.kind));
                    cells.push(hi.display(c.kind));
                }
                cells.push(iv.rank_lo.to_string());
                cells.push(iv.rank_hi.to_string());
            }
            None => cells.extend(std::iter::repeat_n(String::new(), 2 * r.columns.len() + 2)),
        }
    }
    cells
}

fn has_intervals(r: &Ranking) -> bool {
    r.rows.iter().any(|x| x.interval.is_some())
}

/// The score columns' headers: each scorer, then with stability intervals
/// `<scorer>_lo,<scorer>_hi` for each and `rank_lo,rank_hi`.
fn score_headers(r: &Ranking) -> Vec<String> {
    let mut h: Vec<String> = r.columns.iter().map(|c| c.name.clone()).collect();
    if has_intervals(r) {
        for c in &r.columns {
            h.push(format!("{}_lo", c.name));
            h.push(format!("{}_hi", c.name));
        }
        h.push("rank_lo".into());
        h.push("rank_hi".into());
    }
    h
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The CSV contract: header `rank,entity_id,entity_name,<one column per
/// scorer>`, fractional scores with 6 decimals, integer scores as integers.
pub fn csv(r: &Ranking) -> String {
    let mut out = String::from("rank,entity_id,entity_name");
    for c in score_headers(r) {
        out.push(',');
        out.push_str(&csv_field(&c));
    }
    out.push('\n');
    for row in &r.rows {
        let _ = write!(
            out,
            "{},{},{}",
            row.rank,
            csv_field(&row.entity_id),
            csv_field(&row.entity_name)
        );
        for cell in score_cells(r, row) {
            out.push(',');
            out.push_str(&cell);
        }
        out.push('\n');
    }
    out
}

/// [`csv`] with extra columns after the contract's: each a header and one
/// cell per row (the Python module adds `country` and `period`).
pub fn csv_with(r: &Ranking, extra: &[(&str, Vec<String>)]) -> String {
    let base = csv(r);
    if extra.is_empty() {
        return base;
    }
    let mut out = String::with_capacity(base.len() + r.rows.len() * 16);
    out.push_str("rank,entity_id,entity_name");
    for c in score_headers(r) {
        out.push(',');
        out.push_str(&csv_field(&c));
    }
    for (h, _) in extra {
        out.push(',');
        out.push_str(&csv_field(h));
    }
    out.push('\n');
    for (i, row) in r.rows.iter().enumerate() {
        let _ = write!(
            out,
            "{},{},{}",
            row.rank,
            csv_field(&row.entity_id),
            csv_field(&row.entity_name)
        );
        for cell in score_cells(r, row) {
            out.push(',');
            out.push_str(&cell);
        }
        for (_, cells) in extra {
            out.push(',');
            out.push_str(&csv_field(cells.get(i).map_or("", String::as_str)));
        }
        out.push('\n');
    }
    out
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// `s` with its control characters written as escapes (`\n`, `\u{1b}`), so
/// that a name from the data can neither break a row nor send the terminal
/// an escape sequence. CSV and JSON quote them instead.
fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// Aligned text table, one block per ranking.
pub fn table(report: &Report) -> String {
    let mut out = String::new();
    for (i, r) in report.rankings.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let rows = &r.rows;
        out.push_str(&title(r));
        out.push('\n');
        let mut header = vec!["rank".to_string(), "id".into(), "name".into()];
        header.extend(score_headers(r).iter().map(|c| visible(c).into_owned()));
        let body: Vec<Vec<String>> = rows
            .iter()
            .map(|row| {
                let mut cells = vec![
                    row.rank.to_string(),
                    visible(&row.entity_id).into_owned(),
                    visible(&row.entity_name).into_owned(),
                ];
                cells.extend(score_cells(r, row));
                cells
            })
            .collect();
        let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
        for cells in &body {
            for (w, c) in widths.iter_mut().zip(cells) {
                *w = (*w).max(width(c));
            }
        }
        for cells in std::iter::once(&header).chain(&body) {
            let mut line = String::new();
            for (k, (c, w)) in cells.iter().zip(&widths).enumerate() {
                if k > 0 {
                    line.push_str("  ");
                }
                let pad = " ".repeat(w - width(c));
                // Text columns (id, name) align left, numbers right.
                if k == 1 || k == 2 {
                    line.push_str(c);
                    line.push_str(&pad);
                } else {
                    line.push_str(&pad);
                    line.push_str(c);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        if rows.is_empty() {
            out.push_str("(no entity has credit in this period)\n");
        }
    }
    out
}

fn md_cell(s: &str) -> String {
    visible(s).replace('|', "\\|")
}

/// Markdown: a heading and a pipe table per ranking.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    for (i, r) in report.rankings.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let rows = &r.rows;
        let _ = writeln!(out, "## {}\n", title(r));
        out.push_str("| rank | id | name |");
        let headers = score_headers(r);
        for c in &headers {
            let _ = write!(out, " {} |", md_cell(c));
        }
        out.push_str("\n|---:|---|---|");
        for _ in &headers {
            out.push_str("---:|");
        }
        out.push('\n');
        for row in rows {
            let _ = write!(
                out,
                "| {} | {} | {} |",
                row.rank,
                md_cell(&row.entity_id),
                md_cell(&row.entity_name)
            );
            for cell in score_cells(r, row) {
                let _ = write!(out, " {cell} |");
            }
            out.push('\n');
        }
    }
    out
}

/// JSON: the report's document (see `tally_report`), ending with a newline.
pub fn json(report: &Report) -> String {
    let mut s =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

fn share(f: Fixed) -> String {
    f.display(ScoreKind::Fractional)
}

/// The institutions that left the most works unresolved, per level, for
/// stderr (`-v`): one line per institution; nothing when all resolved.
pub fn unresolved_summary(l: &Ledger) -> String {
    let mut s = String::new();
    for lv in &l.levels {
        for u in &lv.unresolved {
            let _ = writeln!(
                s,
                "unresolved at {} level: {}{} ({} works, {} slots, share {})",
                lv.level.as_str(),
                visible(&u.id),
                u.name
                    .as_deref()
                    .map(|n| format!(" \"{}\"", visible(n)))
                    .unwrap_or_default(),
                u.works,
                u.slots,
                share(u.share)
            );
        }
    }
    s
}

/// The ledger in a few lines, for stderr.
pub fn ledger_summary(l: &Ledger) -> String {
    let e = &l.excluded;
    let mut s = format!(
        "ledger: {} works read, {} included; excluded: {} source not in list, {} type, {} year, {} duplicate, {} malformed\n",
        l.works_read, l.included, e.source, e.work_type, e.year, e.duplicate, e.malformed
    );
    for m in &l.malformed_by_kind {
        let _ = writeln!(
            s,
            "ledger: malformed ({}): {} records, the first: {}",
            visible(&m.kind),
            m.count,
            m.examples
                .first()
                .map_or_else(String::new, |e| visible(e).into_owned())
        );
    }
    if let Some(first) = l.institution_conflicts.first() {
        let _ = writeln!(
            s,
            "ledger: {} institution ids are given twice with different data; the first record read is used (e.g. {first})",
            l.institution_conflicts.len()
        );
    }
    if l.duplicates_kept > 0 {
        let _ = writeln!(
            s,
            "ledger: {} works repeat an id already counted and were counted again (--keep-duplicates)",
            l.duplicates_kept
        );
    }
    let _ = writeln!(
        s,
        "ledger: {} authorships ({} without institution), {} institution slots",
        l.authorships, l.authorships_without_institution, l.institution_slots
    );
    for lv in &l.levels {
        let level = lv.level.as_str();
        let _ = writeln!(
            s,
            "ledger: {level}: {} slots resolved, {} unknown institution, {} without location, {} without id; share assigned {} + unassigned {} = {}",
            lv.slots_resolved,
            lv.slots_unknown_institution,
            lv.slots_no_location,
            lv.slots_without_id,
            share(lv.share_assigned),
            share(lv.share_unassigned),
            share(lv.share_assigned + lv.share_unassigned),
        );
        if lv.rolled_up > 0 {
            let _ = writeln!(
                s,
                "ledger: {level}: {} institutions rolled up into {} parents",
                lv.rolled_up, lv.rolled_up_into
            );
        }
    }
    if !l.truncated_author_lists.is_empty() {
        let _ = writeln!(
            s,
            "ledger: {} included works have a truncated author list (their share is approximate): {}",
            l.truncated_author_lists.len(),
            l.truncated_author_lists.join(" ")
        );
    }
    if l.institution_records_malformed > 0 {
        let _ = writeln!(
            s,
            "ledger: {} institution records could not be read",
            l.institution_records_malformed
        );
    }
    s
}

#[cfg(test)]
mod tests;

mod compare;
pub use compare::*;
