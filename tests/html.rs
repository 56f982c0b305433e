//! `tally report`: one self-contained HTML page, every chart with its data
//! as a table, the same bytes for the same input; and, where Chromium is
//! installed, the page in a real browser: no console message, the sorting
//! script ran, full-page screenshots saved (of the demo, and of a 200-row
//! top list) in the test's target folder.

mod common;

use common::{stderr, tally};
use std::path::{Path, PathBuf};
use std::process::Command;

fn scratch() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn demo_report(name: &str, extra: &[&str]) -> PathBuf {
    let out = scratch().join(name);
    let mut a = vec![
        "report",
        "--config",
        "config/demo.toml",
        "--current",
        "2022",
        "--previous",
        "2021",
        "--series",
        "2020",
        "--group",
        "country",
        "--intervals",
        "-q",
        "-o",
    ];
    let o = out.to_str().unwrap().to_owned();
    a.push(&o);
    a.extend_from_slice(extra);
    let r = tally(&a);
    assert!(r.status.success(), "{}", stderr(&r));
    out
}

#[test]
fn the_demo_report_is_self_contained_and_every_chart_has_its_table() {
    let path = demo_report("demo.html", &[]);
    let html = std::fs::read_to_string(&path).unwrap();
    // Nothing from the network: the only URL is SVG's namespace.
    let urls = html.matches("http://").count() + html.matches("https://").count();
    let svg_ns = html.matches("http://www.w3.org/2000/svg").count();
    assert_eq!(urls, svg_ns, "a URL other than SVG's namespace");
    for banned in ["<link", " src=", "@import", "url(", "<iframe"] {
        assert!(!html.contains(banned), "{banned}");
    }
    for h in [
        "The top 20",
        "Ranks over the periods",
        "What changed since 2021",
        "Method against method",
        "Countries in the top N",
        "Top collaboration pairs",
        "Data quality and provenance",
    ] {
        assert!(html.contains(&format!("<h2>{h}</h2>")), "{h}");
    }
    // Four charts, each followed by its data table.
    let figures: Vec<usize> = html.match_indices("</figure>").map(|(i, _)| i).collect();
    assert_eq!(figures.len(), 4);
    assert_eq!(html.matches("<svg").count(), 4);
    for i in figures {
        let next = &html[i..(i + 80).min(html.len())];
        assert!(next.contains("<table"), "a chart without its table: {next}");
    }
    // Whiskers: the intervals are drawn, and the seed is in the provenance.
    assert!(html.contains("whiskers: 95 % stability interval (1000 resamples)"));
    assert!(html.contains("seed 1"));
    // The same bytes again, with another thread count.
    let again = demo_report("demo-again.html", &["--threads", "1"]);
    assert_eq!(std::fs::read(&again).unwrap(), html.as_bytes());
    eprintln!("demo report: {} bytes", html.len());
}

fn chromium() -> &'static str {
    if Command::new("chromium").arg("--version").output().is_ok() {
        "chromium"
    } else {
        "chromium-browser"
    }
}

/// Loads a page headless; returns the DOM and the console lines.
fn browse(page: &Path) -> (String, Vec<String>) {
    let o = Command::new(chromium())
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--log-level=0",
            "--dump-dom",
        ])
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    let console = String::from_utf8_lossy(&o.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_owned)
        .collect();
    (String::from_utf8_lossy(&o.stdout).into_owned(), console)
}

fn screenshot(page: &Path, png: &Path, height: u32) {
    let o = Command::new(chromium())
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            &format!("--window-size=1200,{height}"),
            &format!("--screenshot={}", png.display()),
        ])
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        std::fs::metadata(png).unwrap().len() > 20_000,
        "{}",
        png.display()
    );
}

#[test]
#[cfg_attr(
    not(chromium),
    ignore = "needs Chromium on the PATH (apt-get install chromium)"
)]
fn the_report_in_a_real_browser() {
    // The check can fail: a page with a console error is caught.
    let bad = scratch().join("bad.html");
    std::fs::write(&bad, "<!DOCTYPE html><body><script>nope();</script></body>").unwrap();
    let (_, console) = browse(&bad);
    assert!(
        console.iter().any(|l| l.contains("nope is not defined")),
        "{console:?}"
    );

    let page = demo_report("browser.html", &[]);
    let (dom, console) = browse(&page);
    assert!(console.is_empty(), "console: {console:?}");
    assert!(
        dom.contains("<body class=\"js\">"),
        "the sorting script did not run"
    );
    let png = scratch().join("report-demo.png");
    screenshot(&page, &png, 5200);

    // A 200-row top list on generated data.
    let data = scratch().join("gen");
    if !data.join("institutions.jsonl").is_file() {
        let o = tally(&[
            "gen",
            "--works",
            "30000",
            "--seed",
            "3",
            "--files",
            "2",
            "--out",
            data.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let big = scratch().join("top200.html");
    let (w, i, s) = (
        data.join("works"),
        data.join("institutions.jsonl"),
        data.join("journals.txt"),
    );
    let o = tally(&[
        "report",
        "--works",
        w.to_str().unwrap(),
        "--institutions",
        i.to_str().unwrap(),
        "--sources",
        s.to_str().unwrap(),
        "--current",
        "2022",
        "--previous",
        "2021",
        "--top",
        "200",
        "--group",
        "country",
        "-q",
        "-o",
        big.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (dom, console) = browse(&big);
    assert!(console.is_empty(), "console: {console:?}");
    assert!(
        dom.contains("<h2>The top 200</h2>"),
        "the heading names the N asked for"
    );
    screenshot(&big, &scratch().join("report-top200.png"), 9000);
    eprintln!("screenshots in {}", scratch().display());
}
