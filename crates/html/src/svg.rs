//! A small SVG writer for the report's charts: horizontal bars with
//! whiskers, a bump chart of ranks, a rank-against-rank scatter, and lines
//! over periods. Long labels are cut with an ellipsis (the full text is the
//! element's tooltip and is in the table beside the chart).

use crate::esc;
use std::fmt::Write;

/// One bar: a label, its value, and an interval when there is one.
pub struct Bar {
    /// Label.
    pub label: String,
    /// Value.
    pub value: f64,
    /// Interval low.
    pub lo: Option<f64>,
    /// Interval high.
    pub hi: Option<f64>,
}

/// One entity's ranks over the periods.
pub struct Line {
    /// Label.
    pub label: String,
    /// Rank per period (`None`: not ranked).
    pub ranks: Vec<Option<u32>>,
}

/// One group's values over the periods.
pub struct Series {
    /// Label.
    pub label: String,
    /// Value per period.
    pub values: Vec<f64>,
}

const LABEL_CHARS: usize = 28;
const PALETTE: [&str; 10] = [
    "#3b6fb6", "#d9822b", "#2f9e6e", "#b3261e", "#7b5ea7", "#8c6d46", "#d16ba5", "#5f6b7a",
    "#a7a037", "#2aa6b8",
];

fn cut(s: &str) -> String {
    if s.chars().count() <= LABEL_CHARS {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(LABEL_CHARS - 1).collect();
        t.push('\u{2026}');
        t
    }
}

/// A "nice" step for an axis from 0 to `max` in about `ticks` steps.
fn step(max: f64, ticks: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let raw = max / ticks;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

fn num(v: f64, integer: bool) -> String {
    if integer {
        format!("{v:.0}")
    } else if v >= 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Labels at the right end of lines, each at its line's height (`ends`:
/// height and line index), pushed down where they would overlap.
fn end_labels<'a>(
    out: &mut String,
    x: f64,
    mut ends: Vec<(f64, usize)>,
    label: impl Fn(usize) -> &'a str,
) {
    ends.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut last = f64::MIN;
    for (y, i) in ends {
        let at = y.max(last + 13.0);
        last = at;
        let _ = write!(
            out,
            "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"{}\">{}</text>",
            at + 4.0,
            PALETTE[i % PALETTE.len()],
            esc(&cut(label(i)))
        );
    }
}

/// Horizontal bars, best first, with whiskers from `lo` to `hi`.
pub fn bars(bars: &[Bar], integer: bool) -> String {
    let (left, right, row, top) = (200.0, 70.0, 20.0, 28.0);
    let width = 640.0;
    let plot = width - left - right;
    let height = top + row * bars.len() as f64 + 10.0;
    let max = bars
        .iter()
        .map(|b| b.hi.unwrap_or(b.value).max(b.value))
        .fold(0.0, f64::max);
    let st = step(max, 5.0);
    let axis = (max / st).ceil().max(1.0) * st;
    let x = |v: f64| left + plot * v / axis;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"bar chart\">"
    );
    let mut t = 0.0;
    while t <= axis + 1e-9 {
        let _ = write!(
            out,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1}\" y2=\"{2:.1}\" stroke=\"#e3e7ee\"/><text x=\"{0:.1}\" y=\"16\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5b6475\">{3}</text>",
            x(t),
            top - 6.0,
            height - 8.0,
            num(t, integer || st >= 1.0)
        );
        t += st;
    }
    for (i, b) in bars.iter().enumerate() {
        let y = top + row * i as f64;
        let _ = write!(
            out,
            "<g><title>{}: {}</title><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\" fill=\"#1d2330\">{}</text><rect x=\"{left}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#3b6fb6\"/>",
            esc(&b.label),
            num(b.value, integer),
            left - 8.0,
            y + row * 0.68,
            esc(&cut(&b.label)),
            y + 3.0,
            (x(b.value) - left).max(0.5),
            row - 6.0
        );
        if let (Some(lo), Some(hi)) = (b.lo, b.hi) {
            let ym = y + row / 2.0;
            let _ = write!(
                out,
                "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{ym:.1}\" y2=\"{ym:.1}\" stroke=\"#1d2330\" stroke-width=\"1.2\"/><line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{2:.1}\" y2=\"{3:.1}\" stroke=\"#1d2330\"/><line x1=\"{1:.1}\" x2=\"{1:.1}\" y1=\"{2:.1}\" y2=\"{3:.1}\" stroke=\"#1d2330\"/>",
                x(lo),
                x(hi),
                ym - 4.0,
                ym + 4.0
            );
        }
        let end = b.hi.unwrap_or(b.value).max(b.value);
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#5b6475\">{}</text></g>",
            x(end) + 4.0,
            y + row * 0.68,
            num(b.value, integer)
        );
    }
    out.push_str("</svg>");
    out
}

/// Ranks over periods: one line per entity, rank 1 at the top, down to
/// `floor`; a rank below `floor` or a period without a rank breaks the line.
pub fn bump(periods: &[String], lines: &[Line], floor: u32) -> String {
    let (left, right, top, bottom) = (40.0, 220.0, 24.0, 30.0);
    let width = 640.0;
    let height = top + bottom + 16.0 * f64::from(floor);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let n = periods.len().max(2) as f64 - 1.0;
    let x = |k: usize| left + plot_w * k as f64 / n;
    let y = |r: u32| top + plot_h * (f64::from(r) - 1.0) / (f64::from(floor) - 1.0).max(1.0);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"ranks over the periods\">"
    );
    for (k, p) in periods.iter().enumerate() {
        let _ = write!(
            out,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1}\" y2=\"{2:.1}\" stroke=\"#e3e7ee\"/><text x=\"{0:.1}\" y=\"{3:.1}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#5b6475\">{4}</text>",
            x(k),
            top,
            top + plot_h,
            height - 8.0,
            esc(&cut(p))
        );
    }
    for r in [1, 5, 10, 15, 20, 30, 40, 50]
        .into_iter()
        .filter(|r| *r <= floor)
    {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#5b6475\">{r}</text>",
            left - 8.0,
            y(r) + 4.0
        );
    }
    // Labels at the right end, pushed apart so that none overlap.
    let mut ends: Vec<(f64, usize)> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let _ = write!(out, "<g><title>{}</title>", esc(&l.label));
        let mut path = String::new();
        for (k, r) in l.ranks.iter().enumerate() {
            if let Some(r) = r.filter(|r| *r <= floor) {
                let cmd = if path.is_empty() || l.ranks[k - 1].is_none_or(|p| p > floor) {
                    'M'
                } else {
                    'L'
                };
                let _ = write!(path, "{cmd}{:.1},{:.1} ", x(k), y(r));
                let _ = write!(
                    out,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{color}\"/>",
                    x(k),
                    y(r)
                );
            }
        }
        if !path.is_empty() {
            let _ = write!(
                out,
                "<path d=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>",
                path.trim_end()
            );
        }
        out.push_str("</g>");
        if let Some(Some(r)) = l.ranks.last() {
            if *r <= floor {
                ends.push((y(*r), i));
            }
        }
    }
    end_labels(
        &mut out,
        x(periods.len().saturating_sub(1)) + 10.0,
        ends,
        |i| &lines[i].label,
    );
    out.push_str("</svg>");
    out
}

/// Rank against rank: one point per entity, the diagonal where they agree.
pub fn scatter(points: &[(u32, u32, String)], xa: &str, ya: &str) -> String {
    let size = 420.0;
    let (pad, lab) = (44.0, 20.0);
    let max = points
        .iter()
        .map(|p| p.0.max(p.1))
        .max()
        .unwrap_or(1)
        .max(2);
    let plot = size - pad - lab;
    let s = |r: u32| pad + plot * (f64::from(r) - 1.0) / f64::from(max - 1);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" width=\"{size}\" height=\"{size}\" role=\"img\" aria-label=\"rank against rank\">"
    );
    let _ = write!(
        out,
        "<rect x=\"{pad}\" y=\"{pad}\" width=\"{plot:.1}\" height=\"{plot:.1}\" fill=\"none\" stroke=\"#d7dce5\"/><line x1=\"{pad}\" y1=\"{pad}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#9aa3b2\" stroke-dasharray=\"4 4\"/>",
        pad + plot,
        pad + plot
    );
    let st = step(f64::from(max), 5.0).max(1.0) as u32;
    let mut t = 1;
    while t <= max {
        let _ = write!(
            out,
            "<text x=\"{0:.1}\" y=\"{1:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5b6475\">{t}</text><text x=\"{2:.1}\" y=\"{3:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#5b6475\">{t}</text>",
            s(t),
            pad - 8.0,
            pad - 6.0,
            s(t) + 4.0
        );
        t = if t == 1 { st.max(2) } else { t + st };
    }
    let _ = write!(
        out,
        "<text x=\"{:.1}\" y=\"14\" font-size=\"12\" text-anchor=\"middle\" fill=\"#1d2330\">rank by {}</text><text x=\"14\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#1d2330\" transform=\"rotate(-90 14 {:.1})\">rank by {}</text>",
        pad + plot / 2.0,
        esc(xa),
        pad + plot / 2.0,
        pad + plot / 2.0,
        esc(ya)
    );
    for (a, b, name) in points {
        let _ = write!(
            out,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"#3b6fb6\" fill-opacity=\"0.75\"><title>{}: {a} and {b}</title></circle>",
            s(*a),
            s(*b),
            esc(name)
        );
    }
    out.push_str("</svg>");
    out
}

/// Values over periods, one line per series, labelled at the right.
pub fn lines(periods: &[String], series: &[Series]) -> String {
    let (left, right, top, bottom) = (40.0, 170.0, 16.0, 30.0);
    let (width, height) = (600.0, 260.0);
    let (pw, ph) = (width - left - right, height - top - bottom);
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(1.0, f64::max);
    let st = step(max, 4.0).max(1.0);
    let axis = (max / st).ceil() * st;
    let n = periods.len().max(2) as f64 - 1.0;
    let x = |k: usize| left + pw * k as f64 / n;
    let y = |v: f64| top + ph * (1.0 - v / axis);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"groups over the periods\">"
    );
    let mut t = 0.0;
    while t <= axis + 1e-9 {
        let _ = write!(
            out,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{1:.1}\" y2=\"{1:.1}\" stroke=\"#e3e7ee\"/><text x=\"{2:.1}\" y=\"{3:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#5b6475\">{4}</text>",
            left + pw,
            y(t),
            left - 6.0,
            y(t) + 4.0,
            t as u64
        );
        t += st;
    }
    for (k, p) in periods.iter().enumerate() {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#5b6475\">{}</text>",
            x(k),
            height - 8.0,
            esc(&cut(p))
        );
    }
    let mut ends: Vec<(f64, usize)> = Vec::new();
    for (i, s) in series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let d: Vec<String> = s
            .values
            .iter()
            .enumerate()
            .map(|(k, v)| format!("{}{:.1},{:.1}", if k == 0 { 'M' } else { 'L' }, x(k), y(*v)))
            .collect();
        let _ = write!(
            out,
            "<g><title>{}</title><path d=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>",
            esc(&s.label),
            d.join(" ")
        );
        for (k, v) in s.values.iter().enumerate() {
            let _ = write!(
                out,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{color}\"/>",
                x(k),
                y(*v)
            );
        }
        out.push_str("</g>");
        if let Some(v) = s.values.last() {
            ends.push((y(*v), i));
        }
    }
    end_labels(
        &mut out,
        x(periods.len().saturating_sub(1)) + 10.0,
        ends,
        |i| &series[i].label,
    );
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A long name is cut with an ellipsis on the chart; its tooltip keeps
    /// it whole, escaped.
    #[test]
    fn long_labels_are_cut_and_kept_whole_in_the_tooltip() {
        let name = "Università degli Studi di Milano-Bicocca & <Istituto> Nazionale";
        let svg = bars(
            &[Bar {
                label: name.into(),
                value: 2.0,
                lo: Some(1.0),
                hi: Some(3.0),
            }],
            false,
        );
        assert!(
            svg.contains(&format!("<title>{}: 2.00</title>", esc(name))),
            "{svg}"
        );
        let shown: String = name.chars().take(LABEL_CHARS - 1).collect();
        assert!(
            svg.contains(&format!(">{}\u{2026}</text>", esc(&shown))),
            "{svg}"
        );
        // Whiskers from 1 to 3 on an axis to 3.
        assert_eq!(svg.matches("<line").count(), 4 + 3, "{svg}");
    }

    #[test]
    fn nice_steps() {
        assert_eq!(step(23.2, 5.0), 5.0);
        assert_eq!(step(0.7, 5.0), 0.2);
        assert_eq!(step(0.0, 5.0), 1.0);
    }
}
