//! Benchmark: the share scorer built in, against the same scorer through the
//! C ABI, on a large synthetic batch stream shaped like OpenAlex articles
//! (log-normal author counts with a tail of 1,000-3,000-author articles,
//! 0-3 institutions per author, a few percent unresolved), scored in
//! batches of 512 articles as the engine does.
//!
//! Two measurements: (1) the scoring stage alone, every article's credits
//! computed and (for the ABI) copied and validated, nothing else; (2) the
//! engine on works held in memory (resolution, batching, scoring and the
//! fixed-point totals; no JSON parsing), which is what a run spends beyond
//! reading its input.
//!
//! Run: `cargo bench --bench abi` (in-process ABI round trip), or with a
//! loaded library: `TALLY_SHARE_LIB=path/to/libtally_share.so cargo bench --bench abi`
//! (`bench/abi.sh` builds that library and runs both). Prints the best of
//! several rounds for each, and the ratio.

use std::time::Instant;
use tally_core::{Article, Credit, FromParams, Scorer, UNRESOLVED};

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit().max(1e-12), self.unit());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

struct Corpus {
    starts: Vec<usize>,
    offsets: Vec<u32>,
    slots: Vec<u32>,
}

fn corpus(articles: usize, seed: u64) -> Corpus {
    let mut r = Rng(seed);
    let mut c = Corpus {
        starts: Vec::new(),
        offsets: Vec::new(),
        slots: Vec::new(),
    };
    for _ in 0..articles {
        let n = if r.unit() < 0.001 {
            1000 + (r.next() % 2000) as usize
        } else {
            (1.6 + 0.8 * r.normal()).exp().round().clamp(1.0, 200.0) as usize
        };
        c.starts.push(c.offsets.len());
        c.offsets.push(c.slots.len() as u32);
        for _ in 0..n {
            let k = match r.next() % 100 {
                0..=3 => 0,
                4..=79 => 1,
                80..=94 => 2,
                _ => 3,
            };
            for _ in 0..k {
                let e = if r.unit() < 0.05 {
                    UNRESOLVED
                } else {
                    // Zipf-like: a few entities take most mentions.
                    (1.0 / r.unit().max(1e-9)).min(50_000.0) as u32
                };
                c.slots.push(e);
            }
            c.offsets.push(c.slots.len() as u32);
        }
    }
    c.starts.push(c.offsets.len());
    c
}

fn run(scorer: &dyn Scorer, c: &Corpus) -> (f64, usize) {
    let t = Instant::now();
    let n = c.starts.len() - 1;
    let mut out: Vec<Credit> = Vec::new();
    let mut ends = Vec::new();
    let mut credits = 0;
    let mut j = 0;
    while j < n {
        let end = (j + 512).min(n);
        let batch: Vec<Article<'_>> = (j..end)
            .map(|a| {
                Article::new(
                    2022,
                    0,
                    1.0,
                    &c.offsets[c.starts[a]..c.starts[a + 1]],
                    &c.slots,
                )
                .unwrap()
            })
            .collect();
        out.clear();
        ends.clear();
        scorer.score_batch(&batch, &mut out, &mut ends).unwrap();
        credits += out.len();
        j = end;
    }
    (t.elapsed().as_secs_f64(), credits)
}

fn main() {
    let articles: usize = std::env::var("TALLY_BENCH_ARTICLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let c = corpus(articles, 2022);
    let built_in = tally_share::Share::default();
    let (foreign, how) = match std::env::var("TALLY_SHARE_LIB") {
        Ok(path) => {
            let (_, f) = tally_loader::scorer(std::path::Path::new(&path), None, "{}")
                .unwrap_or_else(|e| panic!("{e}"));
            (f, format!("loaded from {path}"))
        }
        Err(_) => (
            tally_testkit::via_abi::<tally_share::Share>("{}").unwrap(),
            "in-process ABI round trip".to_string(),
        ),
    };
    let _ = tally_share::Share::from_params("{}");
    println!(
        "share scorer, {articles} synthetic articles, {} authorships, {} slots, batches of 512",
        c.offsets.len() - articles,
        c.slots.len()
    );
    let rounds = 5;
    let (mut best_a, mut best_b) = (f64::MAX, f64::MAX);
    let (mut ca, mut cb) = (0, 0);
    for _ in 0..rounds {
        let (t, n) = run(&built_in, &c);
        best_a = best_a.min(t);
        ca = n;
        let (t, n) = run(&foreign, &c);
        best_b = best_b.min(t);
        cb = n;
    }
    assert_eq!(ca, cb, "both give the same number of credits");
    println!("built-in        {:>8.3} s  ({ca} credits)", best_a);
    println!("through the ABI {:>8.3} s  ({how})", best_b);
    println!(
        "ratio ABI / built-in: {:.3} (best of {rounds} rounds each)",
        best_b / best_a
    );
    engine_stage(&c, articles.min(300_000), foreign);
}

/// The engine on works made from the same corpus (institution `I<k>` is in
/// city `k % 5000`), written as lean OpenAlex JSON Lines (only the fields
/// tally reads, so parsing is cheaper than on real 15 KB records and the
/// ratio is, if anything, less favourable): (2) counted from batches parsed
/// beforehand, (3) read and ranked end to end.
fn engine_stage(c: &Corpus, works: usize, foreign: tally_core::abi::Foreign) {
    use std::sync::Arc;
    use tally_engine::{Engine, Plan};
    use tally_ingest::{read_works, Filter, InstitutionRecord, InstitutionTable, ReadOptions};
    use tally_report::Level;
    let ids: Vec<String> = (0..=50_000).map(|k| format!("I{k}")).collect();
    let mut table = InstitutionTable::default();
    for (k, id) in ids.iter().enumerate() {
        table.by_id.insert(
            id.clone(),
            InstitutionRecord {
                city_id: Some((k % 5000).to_string()),
                city_name: Some(format!("City {}", k % 5000)),
                country: Some("XX".into()),
                ..Default::default()
            },
        );
    }
    let path = std::env::temp_dir().join(format!("tally-abi-bench-{}.jsonl", std::process::id()));
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        for a in 0..works {
            let run = &c.offsets[c.starts[a]..c.starts[a + 1]];
            let auth: Vec<String> = run
                .windows(2)
                .map(|w| {
                    let insts: Vec<String> = c.slots[w[0] as usize..w[1] as usize]
                        .iter()
                        .map(|&e| {
                            // Unresolved slots become institutions in no table.
                            let id = if e == UNRESOLVED {
                                format!("X{a}")
                            } else {
                                ids[e as usize].clone()
                            };
                            format!("{{\"id\":\"https://openalex.org/{id}\"}}")
                        })
                        .collect();
                    format!("{{\"institutions\":[{}]}}", insts.join(","))
                })
                .collect();
            writeln!(
                f,
                "{{\"id\":\"https://openalex.org/W{}\",\"publication_year\":2022,\"type\":\"article\",\"authorships\":[{}]}}",
                a + 1,
                auth.join(",")
            )
            .unwrap();
        }
    }
    let bytes = std::fs::metadata(&path).unwrap().len();
    let opts = ReadOptions {
        threads: 1,
        chunk_bytes: 1 << 20,
        progress: None,
        found: Default::default(),
    };
    let reader = || read_works(vec![path.clone()], Arc::new(Filter::default()), &opts).unwrap();
    let batches: Vec<_> = reader().map(Result::unwrap).collect();
    let plan = Plan {
        levels: vec![Level::City],
        ..Default::default()
    };
    let built_in: Vec<Box<dyn Scorer>> = vec![Box::new(tally_share::Share::default())];
    let foreign: Vec<Box<dyn Scorer>> = vec![Box::new(foreign)];
    let time = |boxed: &[Box<dyn Scorer>]| {
        let t = Instant::now();
        let mut engine = Engine::new(&plan, &table, boxed);
        for b in &batches {
            engine.add_batch(b, &mut |_| {}).unwrap();
        }
        let out = engine.finish(Vec::new()).unwrap();
        (
            t.elapsed().as_secs_f64(),
            out.ledger.levels[0].credit_totals[0].total,
        )
    };
    let (mut best_a, mut best_b) = (f64::MAX, f64::MAX);
    let (mut ta, mut tb) = (Default::default(), Default::default());
    for _ in 0..3 {
        let (t, total) = time(&built_in);
        best_a = best_a.min(t);
        ta = total;
        let (t, total) = time(&foreign);
        best_b = best_b.min(t);
        tb = total;
    }
    assert_eq!(ta, tb, "both hand out the same share, to the bit");
    println!("engine, {works} works parsed beforehand, city level:");
    println!("built-in        {:>8.3} s", best_a);
    println!("through the ABI {:>8.3} s", best_b);
    println!(
        "ratio ABI / built-in: {:.3} (best of 3 rounds each)",
        best_b / best_a
    );
    drop(batches);

    let file = |boxed: &[Box<dyn Scorer>]| {
        let t = Instant::now();
        let mut engine = Engine::new(&plan, &table, boxed);
        let files = engine.read(reader(), |_| {}).unwrap();
        let out = engine.finish(files).unwrap();
        (
            t.elapsed().as_secs_f64(),
            out.ledger.levels[0].credit_totals[0].total,
        )
    };
    let (mut best_a, mut best_b) = (f64::MAX, f64::MAX);
    for _ in 0..3 {
        let (t, total) = file(&built_in);
        best_a = best_a.min(t);
        ta = total;
        let (t, total) = file(&foreign);
        best_b = best_b.min(t);
        tb = total;
    }
    let _ = std::fs::remove_file(&path);
    assert_eq!(ta, tb);
    println!(
        "end to end, the same works as {:.0} MB of lean JSON Lines, one thread:",
        bytes as f64 / 1e6
    );
    println!("built-in        {:>8.3} s", best_a);
    println!("through the ABI {:>8.3} s", best_b);
    println!(
        "ratio ABI / built-in: {:.3} (best of 3 rounds each)",
        best_b / best_a
    );
}
