//! The hot inner pieces, timed alone with divan: parsing synthetic OpenAlex
//! works (the fast scanner reading all it needs, the same scanner stopping
//! at an early screen that excludes the work, and serde_json as the fallback
//! does), and scoring a batch of 512 articles with the built-in share
//! scorer.
//!
//! Run: `cargo bench --bench hot`. Each parse iteration goes through the
//! same 20,000 works (13.8 KB each on average); divan prints the time per
//! iteration and the throughput in works (items) and bytes per second: the
//! time per work is 1 / items per second.

use divan::counter::{BytesCount, ItemsCount};
use divan::{black_box, Bencher};
use std::sync::LazyLock;
use tally_core::{Article, Credit, Scorer};
use tally_ingest::{Filter, LineParser, Skimmed};

fn main() {
    divan::main();
}

/// 20,000 synthetic works, one JSON line each (no line end).
static WORKS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let mut r = tally_synth::Rng::new(7);
    (0..20_000)
        .map(|i| {
            tally_synth::work_line(&mut r, i)
                .trim_end()
                .as_bytes()
                .to_vec()
        })
        .collect()
});

/// Counts bytes and works per iteration over all of [`WORKS`].
fn over_all_works<'a, 'b>(b: Bencher<'a, 'b>) -> Bencher<'a, 'b> {
    let bytes: usize = WORKS.iter().map(Vec::len).sum();
    b.counter(BytesCount::new(bytes))
        .counter(ItemsCount::new(WORKS.len()))
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn parse_fast_scanner(b: Bencher) {
    let mut p = LineParser::new();
    let all = Filter::default();
    over_all_works(b).bench_local(|| {
        let mut n = 0;
        for w in WORKS.iter() {
            match p.skim(black_box(w), &all) {
                Skimmed::Work(w) => n += w.authorships(),
                other => panic!("the skimmer reads synthetic works: {other:?}"),
            }
        }
        n
    });
}

/// The same with an early screen that excludes every work (as the journal
/// list excludes most works of a snapshot): authorships skipped.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn parse_fast_scanner_excluded(b: Bencher) {
    let mut p = LineParser::new();
    let none = Filter {
        years: Some((1, 1)),
        ..Filter::default()
    };
    over_all_works(b).bench_local(|| {
        let mut n = 0;
        for w in WORKS.iter() {
            // Excluded early when the screened fields come first (most
            // synthetic works, as in OpenAlex); read in full otherwise.
            match p.skim(black_box(w), &none) {
                Skimmed::Excluded(_) | Skimmed::Work(_) => n += 1,
                Skimmed::GaveUp => panic!("the skimmer reads synthetic works"),
            }
        }
        n
    });
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn parse_serde_json(b: Bencher) {
    let mut p = LineParser::new();
    over_all_works(b).bench_local(|| {
        for w in WORKS.iter() {
            black_box(
                p.parse(black_box(w))
                    .expect("serde_json reads synthetic works"),
            );
        }
    });
}

/// Scores one batch of 512 articles (log-normal-ish bylines, 0-2
/// institutions per author) with share.
#[divan::bench(sample_count = 50, sample_size = 100)]
fn score_batch_share(b: Bencher) {
    let mut offsets: Vec<u32> = Vec::new();
    let mut starts = Vec::new();
    let mut slots: Vec<u32> = Vec::new();
    let mut r = tally_synth::Rng::new(8);
    for _ in 0..512 {
        starts.push(offsets.len());
        offsets.push(slots.len() as u32);
        for _ in 0..1 + r.below(12) {
            for _ in 0..r.below(3) {
                slots.push(r.below(20_000) as u32);
            }
            offsets.push(slots.len() as u32);
        }
    }
    starts.push(offsets.len());
    let batch: Vec<Article<'_>> = (0..512)
        .map(|j| {
            Article::new(2022, 0, 1.0, &offsets[starts[j]..starts[j + 1]], &slots)
                .expect("a well-formed article")
        })
        .collect();
    let share = tally_share::Share::default();
    let (mut out, mut ends): (Vec<Credit>, Vec<usize>) = (Vec::new(), Vec::new());
    b.counter(ItemsCount::new(slots.len())).bench_local(|| {
        out.clear();
        ends.clear();
        share
            .score_batch(black_box(&batch), &mut out, &mut ends)
            .expect("share does not fail");
        out.len()
    });
}
