//! Parsing one synthetic OpenAlex work (20,000 of them, as `benches/hot.rs`
//! makes them): tally's scanner, reading all it needs or stopping at the
//! early screen, against serde_json, sonic-rs and simd-json deserializing
//! the same fields into one borrowed struct (the shape of tally's serde
//! fallback). Every parser's result is checked against the others (works,
//! authorships, institutions, year sum), so a parser that read less cannot
//! look faster. Prints the median of several rounds.

use serde::Deserialize;
use std::borrow::Cow;
use std::time::Instant;
use tally_ingest::{Filter, LineParser, Skimmed, WorkView};

#[derive(Deserialize)]
struct Work<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    publication_year: Option<i32>,
    #[serde(borrow, rename = "type")]
    work_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    primary_location: Option<Location<'a>>,
    #[serde(borrow, default)]
    authorships: Option<Vec<Authorship<'a>>>,
    // Read as tally reads it, though the synthetic works leave it out.
    #[serde(default)]
    #[allow(dead_code)]
    is_authors_truncated: Option<bool>,
}

#[derive(Deserialize)]
struct Location<'a> {
    #[serde(borrow, default)]
    source: Option<Source<'a>>,
}

#[derive(Deserialize)]
struct Source<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    issn_l: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    issn: Option<Vec<Cow<'a, str>>>,
}

#[derive(Deserialize)]
struct Authorship<'a> {
    #[serde(borrow, default)]
    institutions: Option<Vec<Institution<'a>>>,
}

#[derive(Deserialize)]
struct Institution<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    ror: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    country_code: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    display_name: Option<Cow<'a, str>>,
}

/// What a parser read, to compare: works, authorships, institutions, year
/// sum, strings present.
#[derive(Debug, Default, PartialEq, Clone, Copy)]
struct Seen(u64, u64, u64, i64, u64);

impl Seen {
    fn add(&mut self, w: &Work<'_>) {
        let some = |o: &Option<Cow<'_, str>>| u64::from(o.is_some());
        self.0 += 1;
        self.3 += i64::from(w.publication_year.unwrap_or(0));
        self.4 += some(&w.id) + some(&w.work_type);
        if let Some(src) = w.primary_location.as_ref().and_then(|l| l.source.as_ref()) {
            self.4 += some(&src.id) + some(&src.issn_l);
            self.4 += src.issn.as_ref().map_or(0, |v| v.len() as u64);
        }
        for a in w.authorships.iter().flatten() {
            self.1 += 1;
            for i in a.institutions.iter().flatten() {
                self.2 += 1;
                self.4 +=
                    some(&i.id) + some(&i.ror) + some(&i.country_code) + some(&i.display_name);
            }
        }
    }

    /// The same from tally's view of a work.
    fn add_view(&mut self, w: &WorkView<'_>) {
        let some = |o: Option<&str>| u64::from(o.is_some());
        self.0 += 1;
        self.1 += w.authorships() as u64;
        self.3 += i64::from(w.year().unwrap_or(0));
        self.4 += 1 + some(w.work_type());
        self.4 += some(w.source_id()) + some(w.issn_l()) + w.issns().count() as u64;
        for a in 0..w.authorships() {
            for i in w.affiliations(a) {
                self.2 += 1;
                self.4 += some(i.id()) + some(i.ror()) + some(i.country_code()) + some(i.name());
            }
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Times `round` `n` times; each returns what it read, which must agree.
fn time(
    name: &str,
    n: usize,
    bytes: usize,
    works: usize,
    mut round: impl FnMut() -> Seen,
) -> (f64, Seen) {
    let mut seen = None;
    let times: Vec<f64> = (0..n)
        .map(|_| {
            let t = Instant::now();
            let s = round();
            let dt = t.elapsed().as_secs_f64();
            assert!(seen.is_none_or(|p| p == s), "{name}: rounds disagree");
            seen = Some(s);
            dt
        })
        .collect();
    let m = median(times);
    println!(
        "{name:<44} {:>7.2} us/work {:>6.0} MB/s",
        m / works as f64 * 1e6,
        bytes as f64 / m / 1e6
    );
    (m, seen.unwrap_or_default())
}

fn main() {
    let mut r = tally_synth::Rng::new(7);
    let lines: Vec<Vec<u8>> = (0..20_000)
        .map(|i| {
            tally_synth::work_line(&mut r, i)
                .trim_end()
                .as_bytes()
                .to_vec()
        })
        .collect();
    let (works, bytes) = (lines.len(), lines.iter().map(Vec::len).sum::<usize>());
    println!(
        "{works} synthetic works, {:.1} KB each on average; median of the rounds",
        bytes as f64 / works as f64 / 1e3
    );

    let mut parser = LineParser::new();
    let all = Filter::default();
    let none = Filter {
        years: Some((1, 1)),
        ..Filter::default()
    };
    let (_, tally) = time(
        "tally skimmer (crates/ingest/src/openalex.rs)",
        9,
        bytes,
        works,
        || {
            let mut s = Seen::default();
            for l in &lines {
                match parser.skim(l, &all) {
                    Skimmed::Work(w) => s.add_view(&w),
                    other => panic!("the skimmer reads synthetic works: {other:?}"),
                }
            }
            s
        },
    );
    time(
        "tally skimmer, early screen excludes the work",
        9,
        bytes,
        works,
        || {
            let mut s = Seen::default();
            for l in &lines {
                match parser.skim(l, &none) {
                    Skimmed::Excluded(_) | Skimmed::Work(_) => s.0 += 1,
                    Skimmed::GaveUp => panic!("the skimmer reads synthetic works"),
                }
            }
            s
        },
    );
    let (_, serde) = time("serde_json::from_slice", 5, bytes, works, || {
        let mut s = Seen::default();
        for l in &lines {
            s.add(&serde_json::from_slice::<Work<'_>>(l).expect("serde_json reads"));
        }
        s
    });
    let (_, sonic) = time("sonic_rs::from_slice", 5, bytes, works, || {
        let mut s = Seen::default();
        for l in &lines {
            s.add(&sonic_rs::from_slice::<Work<'_>>(l).expect("sonic-rs reads"));
        }
        s
    });
    // simd-json parses in place: each round gets fresh copies, made untimed.
    let mut copies: Vec<Vec<Vec<u8>>> = (0..5).map(|_| lines.clone()).collect();
    let (_, simd) = time(
        "simd_json::serde::from_slice (in place)",
        5,
        bytes,
        works,
        || {
            let mut s = Seen::default();
            let mut round = copies.pop().expect("a copy per round");
            for l in &mut round {
                s.add(&simd_json::serde::from_slice::<Work<'_>>(l).expect("simd-json reads"));
            }
            s
        },
    );
    assert_eq!(tally, serde, "tally and serde_json read different things");
    assert_eq!(
        sonic, serde,
        "sonic-rs and serde_json read different things"
    );
    assert_eq!(
        simd, serde,
        "simd-json and serde_json read different things"
    );
    println!(
        "all parsers read the same: {} authorships, {} institutions",
        serde.1, serde.2
    );
}
