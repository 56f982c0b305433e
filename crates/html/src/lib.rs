//! The HTML report: one self-contained file (inline CSS and SVG, no
//! network, no fonts or scripts from elsewhere; a few lines of inline
//! JavaScript only sort the tables, and the page reads the same without
//! them). Every chart is drawn here from the report's data, and every chart
//! has that data as a table next to it.

use std::fmt::Write;
use tally_report::{Comparison, Groups, Level, Methods, Movers, Ranking, Report, ScoreKind};

mod svg;

/// A collaboration pair as the report lists it.
#[derive(Clone, Debug)]
pub struct PairLine {
    /// One entity's name.
    pub a: String,
    /// The other's.
    pub b: String,
    /// Joint articles.
    pub joint: u64,
    /// Both shares on them.
    pub score: f64,
}

/// Everything the page shows.
#[derive(Debug)]
pub struct Page<'a> {
    /// The level ranked.
    pub level: Level,
    /// The current period's ranking (uncut; with intervals when asked for).
    pub current: &'a Ranking,
    /// Every period's ranking, oldest first, ending with the current one.
    pub history: Vec<&'a Ranking>,
    /// The current period against the previous one, within the top N.
    pub comparison: &'a Comparison,
    /// Movers within the top N.
    pub movers: &'a Movers,
    /// The facts as sentences.
    pub story: Vec<String>,
    /// Scorers against each other.
    pub methods: &'a Methods,
    /// Groups in the top N over the periods, with `--group`.
    pub groups: Option<&'a Groups>,
    /// The top collaboration pairs, and what they cover.
    pub pairs: Vec<PairLine>,
    /// What the pairs cover (their years).
    pub pairs_note: String,
    /// The N.
    pub top: usize,
    /// The report: ledger and provenance.
    pub report: &'a Report,
}

/// HTML-escapes text.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {
                let _ = write!(out, "&#x{:x};", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "
:root{--ink:#1d2330;--muted:#5b6475;--line:#d7dce5;--bar:#3b6fb6;--bar2:#9db8e0;--up:#1a7f45;--down:#b3261e;--bg:#fff;--zebra:#f5f7fa}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:1120px;margin:0 auto;padding:24px 20px 64px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:20px;margin:40px 0 8px;padding-top:12px;border-top:1px solid var(--line)}
p.sub{color:var(--muted);margin:0 0 16px}
.pair{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:20px;align-items:start}
@media (max-width:900px){.pair{grid-template-columns:1fr}}
figure{margin:0}
figcaption{color:var(--muted);font-size:13px;margin-top:4px}
svg{max-width:100%;height:auto;font-family:inherit}
.scroll{max-height:640px;overflow:auto;border:1px solid var(--line);border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}
th,td{padding:4px 8px;text-align:left;border-bottom:1px solid var(--line);vertical-align:top}
th{position:sticky;top:0;background:#eef1f6;font-weight:600}
td.n,th.n{text-align:right;white-space:nowrap}
tr:nth-child(even) td{background:var(--zebra)}
td.name{min-width:9em;max-width:320px;overflow-wrap:break-word}
.stack{display:block}
.stack figure{margin-bottom:12px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.js th{cursor:pointer}
.up{color:var(--up)}.down{color:var(--down)}
ul.story{padding-left:20px}
ul.story li{margin:4px 0}
dl.prov{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;font-size:13px}
dl.prov dt{color:var(--muted)}
dl.prov dd{margin:0;overflow-wrap:anywhere}
code{font-size:12px}
";

const JS: &str = "
document.body.classList.add('js');
document.querySelectorAll('table.sortable').forEach(function(t){
  t.querySelectorAll('th').forEach(function(th,i){
    th.addEventListener('click',function(){
      var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);
      var asc=th.getAttribute('data-dir')!=='asc';
      t.querySelectorAll('th').forEach(function(h){h.removeAttribute('data-dir');});
      th.setAttribute('data-dir',asc?'asc':'desc');
      rows.sort(function(a,b){
        var x=a.cells[i].getAttribute('data-v')||a.cells[i].textContent,y=b.cells[i].getAttribute('data-v')||b.cells[i].textContent;
        var nx=parseFloat(x),ny=parseFloat(y);
        var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);
        return asc?c:-c;
      });
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
});
";

/// A table: header cells (a leading `#` marks a number column) and rows.
fn table(header: &[&str], rows: &[Vec<String>], caption: &str) -> String {
    let mut out = String::from("<div class=\"scroll\"><table class=\"sortable\">");
    if !caption.is_empty() {
        let _ = write!(out, "<caption class=\"sr\">{}</caption>", esc(caption));
    }
    out.push_str("<thead><tr>");
    for h in header {
        match h.strip_prefix('#') {
            Some(n) => {
                let _ = write!(out, "<th class=\"n\" scope=\"col\">{}</th>", esc(n));
            }
            None => {
                let _ = write!(out, "<th scope=\"col\">{}</th>", esc(h));
            }
        }
    }
    out.push_str("</tr></thead><tbody>");
    for r in rows {
        out.push_str("<tr>");
        for (h, c) in header.iter().zip(r) {
            if h.starts_with('#') {
                let _ = write!(out, "<td class=\"n\">{}</td>", esc(c));
            } else {
                let _ = write!(out, "<td class=\"name\">{}</td>", esc(c));
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}

/// The whole page.
pub fn page(p: &Page<'_>) -> String {
    let r = p.current;
    let by = &r.columns[r.by];
    let top: Vec<&tally_report::Row> = r.rows.iter().filter(|x| x.rank as usize <= p.top).collect();
    let mut out = String::new();
    let title = format!(
        "{} ranking, {}, by {}",
        Level::title(p.level),
        bare(&r.period),
        by.name
    );
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{CSS}</style></head><body><main>",
        esc(&title)
    );
    let _ = write!(
        out,
        "<h1>{}</h1><p class=\"sub\">{} entities with credit; {} works included in {} (T), {} in {}. Made by {}.</p>",
        esc(&title),
        r.entities,
        r.included,
        esc(bare(&r.period)),
        p.comparison.included_previous,
        esc(bare(&p.comparison.previous)),
        esc(&p.report.run.generator)
    );

    // Headline and bar chart.
    let has_iv = top.iter().any(|x| x.interval.is_some());
    if top.len() > p.top {
        let _ = write!(
            out,
            "<h2>The top {}</h2><p class=\"sub\">{} rows: entities tied at the cut stay in.</p>",
            p.top,
            top.len()
        );
    } else {
        let _ = write!(out, "<h2>The top {}</h2>", top.len());
    }
    let mut header: Vec<String> = vec!["#rank".into(), "entity".into()];
    for c in &r.columns {
        header.push(format!("#{}", c.name));
    }
    if has_iv {
        header.push(format!("#{} low", by.name));
        header.push(format!("#{} high", by.name));
        header.push("#rank range".into());
    }
    let rows: Vec<Vec<String>> = top
        .iter()
        .map(|x| {
            let mut cells = vec![x.rank.to_string(), x.entity_name.clone()];
            for (v, c) in x.scores.iter().zip(&r.columns) {
                cells.push(v.display(c.kind));
            }
            if let Some(iv) = &x.interval {
                cells.push(iv.lo[r.by].display(by.kind));
                cells.push(iv.hi[r.by].display(by.kind));
                cells.push(format!("{}-{}", iv.rank_lo, iv.rank_hi));
            } else if has_iv {
                cells.extend([String::new(), String::new(), String::new()]);
            }
            cells
        })
        .collect();
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let bars: Vec<svg::Bar> = top
        .iter()
        .map(|x| svg::Bar {
            label: x.entity_name.clone(),
            value: x.scores[r.by].to_f64(),
            lo: x.interval.as_ref().map(|i| i.lo[r.by].to_f64()),
            hi: x.interval.as_ref().map(|i| i.hi[r.by].to_f64()),
        })
        .collect();
    let _ = write!(
        out,
        "<div class=\"stack\"><figure>{}<figcaption>{} by {}, {}{}.</figcaption></figure>{}</div>",
        svg::bars(&bars, by.kind == ScoreKind::Integer),
        Level::title(p.level),
        esc(&by.name),
        esc(bare(&r.period)),
        if has_iv {
            format!(
                "; whiskers: 95 % stability interval ({} resamples)",
                p.report.run.intervals.as_ref().map_or(0, |i| i.resamples)
            )
        } else {
            String::new()
        },
        table(&header_refs, &rows, "the top entities")
    );

    // Bump chart of ranks over the periods.
    let periods: Vec<String> = p
        .history
        .iter()
        .map(|h| bare(&h.period).to_owned())
        .collect();
    let shown: Vec<&tally_report::Row> = top.iter().take(BUMP_LINES).copied().collect();
    let lines: Vec<svg::Line> = shown
        .iter()
        .map(|x| svg::Line {
            label: x.entity_name.clone(),
            ranks: p
                .history
                .iter()
                .map(|h| {
                    h.rows
                        .iter()
                        .find(|y| y.entity_id == x.entity_id)
                        .map(|y| y.rank)
                })
                .collect(),
        })
        .collect();
    let _ = write!(
        out,
        "<h2>Ranks over the periods</h2><p class=\"sub\">The current top {} by {}, ranked in each period ({}).</p>",
        shown.len(),
        esc(&by.name),
        esc(&periods.join(", "))
    );
    let mut bump_header: Vec<String> = vec!["entity".into()];
    bump_header.extend(periods.iter().map(|x| format!("#{x}")));
    let bump_rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            let mut c = vec![l.label.clone()];
            c.extend(
                l.ranks
                    .iter()
                    .map(|k| k.map_or_else(|| "-".into(), |k| k.to_string())),
            );
            c
        })
        .collect();
    let bh: Vec<&str> = bump_header.iter().map(String::as_str).collect();
    let _ = write!(
        out,
        "<div class=\"pair\"><figure>{}<figcaption>Rank in each period; a line ends where the entity was not ranked or below {}.</figcaption></figure>{}</div>",
        svg::bump(&periods, &lines, BUMP_FLOOR.max(shown.len() as u32)),
        BUMP_FLOOR.max(shown.len() as u32),
        table(&bh, &bump_rows, "ranks over the periods")
    );

    // Movers.
    let _ = write!(
        out,
        "<h2>What changed since {}</h2><ul class=\"story\">",
        esc(bare(&p.comparison.previous))
    );
    for s in &p.story {
        let _ = write!(out, "<li>{}</li>", esc(s));
    }
    out.push_str("</ul>");
    let mut mv: Vec<Vec<String>> = Vec::new();
    for (kind, list) in [
        ("climber", &p.movers.climbers),
        ("faller", &p.movers.fallers),
    ] {
        for m in list {
            mv.push(vec![
                kind.into(),
                m.entity_name.clone(),
                m.from.to_string(),
                m.to.to_string(),
                format!("{:+}", m.change),
                String::new(),
            ]);
        }
    }
    for o in &p.movers.overtakes {
        let names: Vec<&str> = o.passed.iter().map(|x| x.entity_name.as_str()).collect();
        mv.push(vec![
            "overtake".into(),
            o.by.entity_name.clone(),
            o.by.from.to_string(),
            o.by.to.to_string(),
            format!("{:+}", o.by.change),
            names.join("; "),
        ]);
    }
    out.push_str(&table(
        &[
            "kind",
            "entity",
            "#rank before",
            "#rank now",
            "#change",
            "passed",
        ],
        &mv,
        "movers",
    ));

    // Method against method.
    let m = p.methods;
    if m.columns.len() >= 2 {
        let (a, b) = (0, 1);
        let pts: Vec<(u32, u32, String)> = m
            .rows
            .iter()
            .map(|x| (x.ranks[a], x.ranks[b], x.entity_name.clone()))
            .collect();
        let agreement: Vec<Vec<String>> = m
            .agreement
            .iter()
            .map(|g| {
                vec![
                    format!("{} / {}", g.a, g.b),
                    g.over.clone(),
                    g.n.to_string(),
                    g.spearman_rho
                        .map_or_else(String::new, |v| format!("{v:.4}")),
                    g.kendall_tau_b
                        .map_or_else(String::new, |v| format!("{v:.4}")),
                ]
            })
            .collect();
        let rank_rows: Vec<Vec<String>> = m
            .rows
            .iter()
            .map(|x| {
                let mut c = vec![x.entity_name.clone()];
                c.extend(x.ranks.iter().map(u32::to_string));
                c
            })
            .collect();
        let mut rh: Vec<String> = vec!["entity".into()];
        rh.extend(m.columns.iter().map(|c| format!("#rank by {}", c.name)));
        let rh: Vec<&str> = rh.iter().map(String::as_str).collect();
        let _ = write!(
            out,
            "<h2>Method against method</h2><p class=\"sub\">Each entity of the top {} ranked by {} and by {}; on the diagonal they agree.</p><div class=\"pair\"><figure>{}<figcaption>Rank by {} (across) against rank by {} (down).</figcaption></figure><div>{}<p></p>{}</div></div>",
            m.rows.len(),
            esc(&m.columns[a].name),
            esc(&m.columns[b].name),
            svg::scatter(&pts, &m.columns[a].name, &m.columns[b].name),
            esc(&m.columns[a].name),
            esc(&m.columns[b].name),
            table(&["scorers", "over", "#entities", "#Spearman rho", "#Kendall tau-b"], &agreement, "agreement"),
            table(&rh, &rank_rows, "ranks by scorer")
        );
    }

    // Groups.
    if let Some(g) = p.groups {
        let plural = g.group.plural();
        let _ = write!(
            out,
            "<h2>{}{} in the top N</h2>",
            plural[..1].to_uppercase(),
            &plural[1..]
        );
        let series: Vec<svg::Series> = g
            .rows
            .iter()
            .filter(|x| x.top == g.rows[0].top)
            .take(GROUP_LINES)
            .map(|x| svg::Series {
                label: x.group_name.clone(),
                values: x.counts.iter().map(|&c| c as f64).collect(),
            })
            .collect();
        let gp: Vec<String> = g.periods.iter().map(|x| bare(x).to_owned()).collect();
        let mut gh: Vec<String> = vec!["#top".into(), "group".into()];
        gh.extend(gp.iter().map(|x| format!("#{x}")));
        let gh: Vec<&str> = gh.iter().map(String::as_str).collect();
        let grows: Vec<Vec<String>> = g
            .rows
            .iter()
            .map(|x| {
                let mut c = vec![x.top.to_string(), x.group_name.clone()];
                c.extend(x.counts.iter().map(usize::to_string));
                c
            })
            .collect();
        let _ = write!(
            out,
            "<div class=\"pair\"><figure>{}<figcaption>Entities in the top {} per {}, the {} with most now.</figcaption></figure>{}</div>",
            svg::lines(&gp, &series),
            g.rows.first().map_or(0, |x| x.top),
            esc(g.group.as_str()),
            series.len(),
            table(&gh, &grows, "groups in the top N")
        );
    }

    // Collaboration.
    if !p.pairs.is_empty() {
        let _ = write!(
            out,
            "<h2>Top collaboration pairs</h2><p class=\"sub\">Both entities' shares on the articles they share ({}).</p>",
            esc(&p.pairs_note)
        );
        let rows: Vec<Vec<String>> = p
            .pairs
            .iter()
            .map(|x| {
                vec![
                    x.a.clone(),
                    x.b.clone(),
                    x.joint.to_string(),
                    format!("{:.6}", x.score),
                ]
            })
            .collect();
        out.push_str(&table(
            &["entity", "partner", "#joint articles", "#collaboration"],
            &rows,
            "collaboration",
        ));
    }

    // Ledger and provenance.
    let l = &p.report.ledger;
    let _ = write!(
        out,
        "<h2>Data quality and provenance</h2><div class=\"pair\"><div>"
    );
    let ex = &l.excluded;
    let ledger_rows: Vec<Vec<String>> = [
        ("works read", l.works_read),
        ("included", l.included),
        ("excluded: source not in list", ex.source),
        ("excluded: type", ex.work_type),
        ("excluded: year", ex.year),
        ("excluded: duplicate", ex.duplicate),
        ("excluded: malformed", ex.malformed),
        ("authorships", l.authorships),
        (
            "authorships without institution",
            l.authorships_without_institution,
        ),
        ("institution slots", l.institution_slots),
    ]
    .iter()
    .map(|(k, v)| vec![(*k).to_owned(), v.to_string()])
    .collect();
    out.push_str(&table(
        &["ledger", "#works or items"],
        &ledger_rows,
        "ledger",
    ));
    for lv in &l.levels {
        let _ = write!(
            out,
            "<p>{} level: {} slots resolved, {} in no institution table, {} without location, {} without id; share assigned {} + unassigned {}.</p>",
            Level::title(lv.level),
            lv.slots_resolved,
            lv.slots_unknown_institution,
            lv.slots_no_location,
            lv.slots_without_id,
            lv.share_assigned.display(ScoreKind::Fractional),
            lv.share_unassigned.display(ScoreKind::Fractional)
        );
    }
    for w in &l.warnings {
        let _ = write!(out, "<p>Warning: {}</p>", esc(w));
    }
    out.push_str("</div><dl class=\"prov\">");
    let run = &p.report.run;
    let mut dd = |k: &str, v: String| {
        let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", esc(k), v);
    };
    dd("generator", esc(&run.generator));
    dd("config", esc(run.config.as_deref().unwrap_or("(none)")));
    dd("years read", esc(&run.years));
    dd(
        "types",
        esc(&run
            .types
            .as_ref()
            .map_or_else(|| "all".into(), |t| t.join(", "))),
    );
    for f in run
        .works
        .iter()
        .chain(&run.institutions)
        .chain(run.sources.iter())
    {
        dd(
            "input",
            format!(
                "{} ({} bytes)<br><code>{}</code>",
                esc(&f.path),
                f.bytes,
                esc(&f.digest)
            ),
        );
    }
    for s in &run.scorers {
        dd(
            "scorer",
            format!(
                "{} {} ({}) <code>{}</code>",
                esc(&s.name),
                esc(&s.version),
                esc(&s.origin),
                esc(&s.params)
            ),
        );
    }
    if let Some(i) = &run.intervals {
        dd(
            "intervals",
            format!(
                "{} resamples, seed {}, {} %: {}",
                i.resamples,
                i.seed,
                i.confidence_pct,
                esc(&i.method)
            ),
        );
    }
    out.push_str("</dl></div>");
    let _ = writeln!(out, "</main><script>{JS}</script></body></html>");
    out
}

/// Lines in the bump chart.
const BUMP_LINES: usize = 10;
/// The bump chart shows ranks 1 to at least this.
const BUMP_FLOOR: u32 = 20;
/// Groups drawn in the groups chart.
const GROUP_LINES: usize = 6;

/// A period's label without a `name: ` prefix.
fn bare(period: &str) -> &str {
    period.split_once(": ").map_or(period, |(_, y)| y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(esc("a\u{1b}b"), "a&#x1b;b");
    }
}
