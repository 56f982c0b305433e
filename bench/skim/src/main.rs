//! Times `LineParser::skim` over the first N lines of a JSON Lines file
//! (every line must be a work the skimmer reads): best of 15 rounds, in
//! microseconds per work and nanoseconds per byte.

use std::time::Instant;
use tally_ingest::{Filter, LineParser, Skimmed};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: tally-bench-skim FILE [WORKS]");
    let works: usize = args.next().map_or(3000, |n| n.parse().expect("WORKS is a number"));
    let data = std::fs::read(&path).expect("read the file");
    let lines: Vec<&[u8]> = data
        .split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .take(works)
        .collect();
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    let filter = Filter::default();
    let mut p = LineParser::new();
    let mut best = f64::MAX;
    for _ in 0..15 {
        let t = Instant::now();
        let mut n = 0usize;
        for l in &lines {
            if let Skimmed::Work(_) = p.skim(l, &filter) {
                n += 1;
            }
        }
        assert_eq!(n, lines.len(), "the skimmer read every line as a work");
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{} works, {:.1} KB each: {:.2} us per work, {:.3} ns per byte",
        lines.len(),
        bytes as f64 / lines.len() as f64 / 1e3,
        best * 1e6 / lines.len() as f64,
        best * 1e9 / bytes as f64
    );
}
