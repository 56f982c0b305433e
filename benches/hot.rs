//! The hot inner pieces, timed alone: parsing one synthetic OpenAlex work
//! (the fast scanner, reading all of it or only as far as an early screen
//! that excludes it; and serde_json as the fallback does), and scoring a
//! batch of 512 articles with the built-in share scorer.
//!
//! Run: `cargo bench --bench hot`. Prints the median of several rounds.

use std::time::Instant;
use tally_core::{Article, Credit, Scorer};
use tally_ingest::fast::{scan_openalex, scan_openalex_screened, WorkArena};
use tally_ingest::works::parse_openalex;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut r = tally_synth::Rng::new(7);
    let lines: Vec<String> = (0..20_000)
        .map(|i| tally_synth::work_line(&mut r, i))
        .collect();
    let bytes: usize = lines.iter().map(String::len).sum();
    println!(
        "{} synthetic works, {:.1} KB each on average",
        lines.len(),
        bytes as f64 / lines.len() as f64 / 1e3
    );

    let mut arena = WorkArena::default();
    let fast: Vec<f64> = (0..7)
        .map(|_| {
            let t = Instant::now();
            for l in &lines {
                arena.clear();
                scan_openalex(l.trim_end().as_bytes(), &mut arena).unwrap();
            }
            t.elapsed().as_secs_f64()
        })
        .collect();
    // The same, with an early screen that excludes every work (as the
    // journal list excludes most works of a snapshot): authorships skipped.
    let excluded: Vec<f64> = (0..7)
        .map(|_| {
            let t = Instant::now();
            for l in &lines {
                arena.clear();
                scan_openalex_screened(l.trim_end().as_bytes(), &mut arena, &mut |_, _| true)
                    .unwrap();
            }
            t.elapsed().as_secs_f64()
        })
        .collect();
    let serde: Vec<f64> = (0..3)
        .map(|_| {
            let t = Instant::now();
            for l in &lines {
                std::hint::black_box(parse_openalex(l.trim_end().as_bytes()).unwrap());
            }
            t.elapsed().as_secs_f64()
        })
        .collect();
    let (f, s, x) = (median(fast), median(serde), median(excluded));
    println!(
        "scan one work the early screen excludes: {:>6.2} us ({:.0} MB/s)",
        x / lines.len() as f64 * 1e6,
        bytes as f64 / x / 1e6
    );
    println!(
        "parse one work: fast scanner {:>6.2} us ({:.0} MB/s), serde_json {:>6.2} us ({:.0} MB/s)",
        f / lines.len() as f64 * 1e6,
        bytes as f64 / f / 1e6,
        s / lines.len() as f64 * 1e6,
        bytes as f64 / s / 1e6
    );

    // Score one batch: the first 512 works at institution-slot granularity.
    let mut offsets: Vec<u32> = Vec::new();
    let mut starts = Vec::new();
    let mut slots: Vec<u32> = Vec::new();
    let mut r = tally_synth::Rng::new(8);
    for _ in 0..512 {
        starts.push(offsets.len());
        offsets.push(slots.len() as u32);
        let n = 1 + r.below(12);
        for _ in 0..n {
            for _ in 0..r.below(3) {
                slots.push(r.below(20_000) as u32);
            }
            offsets.push(slots.len() as u32);
        }
    }
    starts.push(offsets.len());
    let batch: Vec<Article<'_>> = (0..512)
        .map(|j| Article::new(2022, 0, 1.0, &offsets[starts[j]..starts[j + 1]], &slots).unwrap())
        .collect();
    let share = tally_share::Share::default();
    let mut out: Vec<Credit> = Vec::new();
    let mut ends = Vec::new();
    let times: Vec<f64> = (0..50)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..100 {
                out.clear();
                ends.clear();
                share.score_batch(&batch, &mut out, &mut ends);
            }
            t.elapsed().as_secs_f64() / 100.0
        })
        .collect();
    println!(
        "score one batch of 512 articles ({} slots) with share: {:.1} us",
        slots.len(),
        median(times) * 1e6
    );
}
