//! Synthetic OpenAlex data at any scale, the same for the same seed.
//!
//! [`generate`] writes `works/part_NNN.jsonl` (or `.jsonl.gz`), an
//! `institutions.jsonl` of OpenAlex institution entities and a
//! `journals.txt` list of 82 source ids among 400. The distributions are
//! shaped like the real thing: Zipf-like institution and city productivity,
//! log-normal author counts with a tail of 1,000-3,000-author articles,
//! 0-3 institutions per authorship (3 % none), years 2015-2022, a few
//! percent of records without a primary location, and several kilobytes per
//! work of fields tally does not read (abstract_inverted_index, concepts,
//! referenced_works, locations), so that parsing costs what it costs on a
//! snapshot (about 15 KB per work on average).
//!
//! Files are generated in parallel, each from its own seed, so the output
//! does not depend on the thread count.

use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// What to generate.
#[derive(Clone, Debug)]
pub struct Options {
    /// Number of works.
    pub works: u64,
    /// Seed: the same seed gives the same bytes.
    pub seed: u64,
    /// Output folder (created).
    pub out: PathBuf,
    /// Gzip the works files.
    pub gzip: bool,
    /// Number of works files.
    pub files: usize,
    /// Threads writing files.
    pub threads: usize,
}

/// What was written.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Works written.
    pub works: u64,
    /// Bytes of works written (compressed if gzip).
    pub bytes: u64,
    /// Institutions written.
    pub institutions: usize,
    /// The journal list.
    pub journals: PathBuf,
}

/// Institutions in the synthetic world.
pub const INSTITUTIONS: usize = 20_000;
/// Cities.
pub const CITIES: usize = 2_000;
/// Sources (journals); the first [`LISTED`] of a shuffled order form the list.
pub const SOURCES: usize = 400;
/// Journals on the list.
pub const LISTED: usize = 82;

const COUNTRIES: &[&str] = &[
    "US", "CN", "DE", "GB", "JP", "FR", "CA", "IT", "KR", "AU", "ES", "NL", "CH", "IN", "SE", "BR",
    "BE", "DK", "AT", "SG", "IL", "PL", "FI", "NO", "RU", "TW", "PT", "IE", "NZ", "CZ", "MX", "ZA",
    "TR", "GR", "HU", "AR", "CL", "IR", "SA", "EG",
];

const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "in",
    "a",
    "to",
    "we",
    "is",
    "for",
    "that",
    "with",
    "by",
    "on",
    "this",
    "are",
    "as",
    "from",
    "at",
    "be",
    "an",
    "which",
    "our",
    "these",
    "results",
    "study",
    "model",
    "data",
    "method",
    "using",
    "show",
    "high",
    "cell",
    "cells",
    "protein",
    "quantum",
    "energy",
    "temperature",
    "structure",
    "analysis",
    "effect",
    "system",
    "systems",
    "field",
    "properties",
    "two",
    "can",
    "between",
    "new",
    "observed",
    "also",
    "here",
    "magnetic",
    "phase",
    "growth",
    "function",
    "expression",
    "response",
    "activity",
    "human",
    "species",
    "surface",
    "materials",
    "carbon",
    "water",
    "climate",
    "ocean",
    "gene",
    "genes",
    "mass",
    "stars",
    "galaxy",
    "dark",
    "matter",
    "neutron",
    "electron",
    "spin",
    "graphene",
    "catalyst",
    "reaction",
    "synthesis",
    "molecular",
    "binding",
    "signal",
    "neural",
    "brain",
    "mice",
    "patients",
    "disease",
    "infection",
    "immune",
    "tumour",
    "cancer",
    "evolution",
    "population",
    "soil",
    "plant",
    "light",
    "laser",
];

/// xorshift64*: small, fast, deterministic.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for a seed (any value, zero included).
    pub fn new(seed: u64) -> Rng {
        let mut r = Rng(seed ^ 0x9E37_79B9_7F4A_7C15);
        if r.0 == 0 {
            r.0 = 1;
        }
        for _ in 0..4 {
            r.next_u64();
        }
        r
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in 0..n.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit().max(1e-12), self.unit());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
    /// Zipf-like index in 0..n (exponent about 1): rank r with weight ~1/r.
    pub fn zipf(&mut self, n: usize) -> usize {
        // Inverse of the continuous approximation: r = n^u.
        let r = (n as f64).powf(self.unit());
        (r as usize).saturating_sub(1).min(n - 1)
    }
}

/// The city of institution `i` (Zipf over cities, fixed per institution).
fn city_of(i: usize) -> usize {
    let mut r = Rng::new(0xC17 + i as u64);
    r.zipf(CITIES)
}

fn city_id(c: usize) -> u64 {
    1_000_000 + c as u64 * 7
}

fn country_of_city(c: usize) -> &'static str {
    let mut r = Rng::new(0xC0 + c as u64);
    COUNTRIES[r.zipf(COUNTRIES.len())]
}

fn inst_id(i: usize) -> u64 {
    4_000_000_000 + i as u64
}

fn source_id(s: usize) -> u64 {
    4_210_000_000 + s as u64
}

fn issn(s: usize) -> String {
    format!("{:04}-{:04}", 1000 + s % 9000, (s * 37) % 10000)
}

/// The sources on the journal list: 82 of the 400, fixed.
pub fn listed_sources() -> Vec<usize> {
    let mut order: Vec<usize> = (0..SOURCES).collect();
    let mut r = Rng::new(82);
    for i in (1..order.len()).rev() {
        let j = r.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    let mut listed = order[..LISTED].to_vec();
    listed.sort_unstable();
    listed
}

fn write_institutions(path: &Path) -> io::Result<()> {
    let mut f = BufWriter::new(std::fs::File::create(path)?);
    let mut line = String::new();
    for i in 0..INSTITUTIONS {
        let c = city_of(i);
        let cc = country_of_city(c);
        line.clear();
        let _ = write!(
            line,
            r#"{{"id":"https://openalex.org/I{id}","ror":"https://ror.org/0s{i:07}","display_name":"Synthetic Institute {i}","country_code":"{cc}","type":"education","lineage":["https://openalex.org/I{id}"],"homepage_url":"https://example.org/{i}","geo":{{"city":"City {c}","geonames_city_id":"{gid}","region":null,"country_code":"{cc}","country":"{cc}","latitude":{lat:.4},"longitude":{lon:.4}}},"works_count":{wc},"cited_by_count":{cb},"display_name_alternatives":["SI {i}"],"ids":{{"openalex":"https://openalex.org/I{id}","ror":"https://ror.org/0s{i:07}"}}}}"#,
            id = inst_id(i),
            gid = city_id(c),
            lat = (c as f64 * 0.37) % 180.0 - 90.0,
            lon = (c as f64 * 0.73) % 360.0 - 180.0,
            wc = 1000 + i * 3,
            cb = 20_000 + i * 11,
        );
        line.push('\n');
        f.write_all(line.as_bytes())?;
    }
    f.flush()
}

/// One synthetic work as a JSON line (with its newline).
pub fn work_line(r: &mut Rng, id: u64) -> String {
    let mut line = String::new();
    work(&mut line, r, id);
    line
}

/// Appends `n` random work ids as JSON strings, comma-separated.
fn work_ids(line: &mut String, r: &mut Rng, n: u64) {
    for j in 0..n {
        if j > 0 {
            line.push(',');
        }
        let _ = write!(
            line,
            r#""https://openalex.org/W{}""#,
            2_000_000_000 + r.below(2_000_000_000)
        );
    }
}

/// Appends one work as a JSON line.
fn work(line: &mut String, r: &mut Rng, id: u64) {
    let year = 2015 + r.below(8);
    let ty = match r.below(100) {
        0..=84 => "article",
        85..=89 => "journal-article",
        90..=94 => "review",
        95..=97 => "editorial",
        _ => "letter",
    };
    let source = if r.unit() < 0.5 {
        // Half the works go to the busiest sources.
        r.zipf(SOURCES)
    } else {
        r.below(SOURCES as u64) as usize
    };
    let n = if r.unit() < 0.002 {
        1000 + r.below(2001) as usize
    } else {
        (1.6 + 0.75 * r.normal()).exp().round().clamp(1.0, 300.0) as usize
    };
    let _ = write!(
        line,
        r#"{{"id":"https://openalex.org/W{id}","doi":"https://doi.org/10.5555/synth.{id}","title":"Synthetic work {id} on {w1} {w2}","display_name":"Synthetic work {id} on {w1} {w2}","publication_year":{year},"publication_date":"{year}-0{m}-1{d}","ids":{{"openalex":"https://openalex.org/W{id}","doi":"https://doi.org/10.5555/synth.{id}"}},"language":"en","#,
        w1 = WORDS[r.below(WORDS.len() as u64) as usize],
        w2 = WORDS[r.below(WORDS.len() as u64) as usize],
        m = 1 + r.below(9),
        d = r.below(10),
    );
    let location = |line: &mut String, s: usize, primary: bool| {
        let _ = write!(
            line,
            r#"{{"is_oa":{oa},"landing_page_url":"https://doi.org/10.5555/synth.{id}","pdf_url":null,"source":{{"id":"https://openalex.org/S{sid}","display_name":"Synthetic Journal {s}","issn_l":"{issn}","issn":["{issn}"],"is_oa":false,"is_in_doaj":false,"host_organization":"https://openalex.org/P4310320990","host_organization_name":"Synthetic Press","type":"journal"}},"license":null,"version":"publishedVersion","is_accepted":true,"is_published":{primary}}}"#,
            oa = s.is_multiple_of(3),
            sid = source_id(s),
            issn = issn(s),
        );
    };
    match r.below(100) {
        0 => line.push_str(r#""primary_location":null,"#),
        1 => {}
        _ => {
            line.push_str(r#""primary_location":"#);
            location(line, source, true);
            line.push(',');
        }
    }
    let _ = write!(
        line,
        r#""type":"{ty}","type_crossref":"journal-article","authorships":["#
    );
    for a in 0..n {
        if a > 0 {
            line.push(',');
        }
        let pos = if a == 0 {
            "first"
        } else if a + 1 == n {
            "last"
        } else {
            "middle"
        };
        let k = match r.below(100) {
            0..=2 => 0,
            3..=77 => 1,
            78..=94 => 2,
            _ => 3,
        };
        let author = 5_000_000_000 + r.below(50_000_000);
        let _ = write!(
            line,
            r#"{{"author_position":"{pos}","author":{{"id":"https://openalex.org/A{author}","display_name":"Author {author}","orcid":null}},"institutions":["#
        );
        let mut countries: Vec<&str> = Vec::new();
        let mut insts = [0usize; 3];
        for (j, slot) in insts.iter_mut().enumerate().take(k) {
            let i = r.zipf(INSTITUTIONS);
            *slot = i;
            let cc = country_of_city(city_of(i));
            if !countries.contains(&cc) {
                countries.push(cc);
            }
            if j > 0 {
                line.push(',');
            }
            let _ = write!(
                line,
                r#"{{"id":"https://openalex.org/I{iid}","display_name":"Synthetic Institute {i}","ror":"https://ror.org/0s{i:07}","country_code":"{cc}","type":"education","lineage":["https://openalex.org/I{iid}"]}}"#,
                iid = inst_id(i)
            );
        }
        line.push_str(r#"],"countries":["#);
        for (j, cc) in countries.iter().enumerate() {
            if j > 0 {
                line.push(',');
            }
            let _ = write!(line, r#""{cc}""#);
        }
        let _ = write!(
            line,
            r#"],"is_corresponding":{corr},"raw_author_name":"Author {author}","raw_affiliation_strings":["#,
            corr = a == 0
        );
        for (j, i) in insts[..k].iter().enumerate() {
            if j > 0 {
                line.push(',');
            }
            let _ = write!(
                line,
                r#""Department of Synthesis, Synthetic Institute {i}""#
            );
        }
        line.push_str("]}");
    }
    let _ = write!(
        line,
        r#"],"countries_distinct_count":1,"institutions_distinct_count":1,"fwci":{f:.3},"cited_by_count":{c},"is_retracted":false,"is_paratext":false,"#,
        f = r.unit() * 5.0,
        c = r.below(500)
    );
    // Concepts: fifteen objects.
    line.push_str(r#""concepts":["#);
    for j in 0..15 {
        if j > 0 {
            line.push(',');
        }
        let c = r.below(60_000);
        let _ = write!(
            line,
            r#"{{"id":"https://openalex.org/C{c}","wikidata":"https://www.wikidata.org/wiki/Q{q}","display_name":"Concept {c}","level":{lv},"score":{s:.6}}}"#,
            q = 100_000 + c,
            lv = j % 4,
            s = r.unit()
        );
    }
    // Locations: the primary one and one or two more.
    line.push_str(r#"],"locations_count":2,"locations":["#);
    location(line, source, true);
    line.push(',');
    location(line, r.below(SOURCES as u64) as usize, false);
    // Referenced works (30-70 ids) and related works (10).
    line.push_str(r#"],"referenced_works":["#);
    let refs = 30 + r.below(41);
    work_ids(line, r, refs);
    line.push_str(r#"],"related_works":["#);
    work_ids(line, r, 10);
    // Abstract as an inverted index: word -> positions.
    line.push_str(r#"],"abstract_inverted_index":{"#);
    let words = 120 + r.below(200) as usize;
    let mut positions: Vec<Vec<usize>> = vec![Vec::new(); WORDS.len()];
    for p in 0..words {
        positions[r.zipf(WORDS.len())].push(p);
    }
    let mut first = true;
    for (w, ps) in positions.iter().enumerate() {
        if ps.is_empty() {
            continue;
        }
        if !first {
            line.push(',');
        }
        first = false;
        let _ = write!(line, r#""{}":["#, WORDS[w]);
        for (j, p) in ps.iter().enumerate() {
            if j > 0 {
                line.push(',');
            }
            let _ = write!(line, "{p}");
        }
        line.push(']');
    }
    let _ = write!(
        line,
        r#"}},"counts_by_year":[{{"year":2024,"cited_by_count":{a}}},{{"year":2023,"cited_by_count":{b}}}],"updated_date":"2025-01-01T00:00:00.000000","created_date":"{year}-01-01"}}"#,
        a = r.below(50),
        b = r.below(50)
    );
    line.push('\n');
}

fn write_part(path: &Path, gzip: bool, seed: u64, first_id: u64, count: u64) -> io::Result<u64> {
    let file = std::fs::File::create(path)?;
    let mut out: Box<dyn Write> = if gzip {
        Box::new(flate2::write::GzEncoder::new(
            BufWriter::with_capacity(1 << 20, file),
            flate2::Compression::new(4),
        ))
    } else {
        Box::new(BufWriter::with_capacity(1 << 20, file))
    };
    let mut r = Rng::new(seed);
    let mut line = String::with_capacity(64 * 1024);
    for k in 0..count {
        line.clear();
        work(&mut line, &mut r, first_id + k);
        out.write_all(line.as_bytes())?;
    }
    out.flush()?;
    drop(out);
    Ok(std::fs::metadata(path)?.len())
}

/// Writes the data set; see the crate docs for what is in it.
pub fn generate(o: &Options) -> io::Result<Summary> {
    let works_dir = o.out.join("works");
    std::fs::create_dir_all(&works_dir)?;
    write_institutions(&o.out.join("institutions.jsonl"))?;
    let journals = o.out.join("journals.txt");
    let mut j = String::from("# The synthetic journal list: 82 of the 400 synthetic sources.\n");
    for s in listed_sources() {
        let _ = writeln!(j, "S{}", source_id(s));
    }
    std::fs::write(&journals, j)?;
    let files = o.files.max(1) as u64;
    let ext = if o.gzip { "jsonl.gz" } else { "jsonl" };
    let parts: Vec<(PathBuf, u64, u64, u64)> = (0..files)
        .map(|f| {
            let count = o.works / files + u64::from(f < o.works % files);
            let first = 1_000_000_000 + f * (o.works / files + 1);
            let seed = o.seed.wrapping_mul(1_000_003).wrapping_add(f);
            (
                works_dir.join(format!("part_{f:03}.{ext}")),
                seed,
                first,
                count,
            )
        })
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let bytes = std::sync::atomic::AtomicU64::new(0);
    let failure = std::sync::Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..o.threads.max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((path, seed, first, count)) = parts.get(i) else {
                    return;
                };
                match write_part(path, o.gzip, *seed, *first, *count) {
                    Ok(b) => {
                        bytes.fetch_add(b, std::sync::atomic::Ordering::Relaxed);
                    }
                    Err(e) => {
                        *failure.lock().unwrap_or_else(|e| e.into_inner()) =
                            Some(io::Error::new(e.kind(), format!("{}: {e}", path.display())));
                        return;
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    Ok(Summary {
        works: o.works,
        bytes: bytes.into_inner(),
        institutions: INSTITUTIONS,
        journals,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_json_and_the_same_for_a_seed() {
        let mut a = String::new();
        let mut b = String::new();
        let (mut r1, mut r2) = (Rng::new(7), Rng::new(7));
        for id in 0..200 {
            work(&mut a, &mut r1, id);
            work(&mut b, &mut r2, id);
        }
        assert_eq!(a, b);
        for line in a.lines() {
            assert!(line.starts_with('{') && line.ends_with('}'));
            // Balanced braces and brackets outside strings (a cheap JSON sanity check).
            let (mut depth, mut in_str, mut esc) = (0i64, false, false);
            for ch in line.chars() {
                match (in_str, esc, ch) {
                    (true, true, _) => esc = false,
                    (true, false, '\\') => esc = true,
                    (true, false, '"') => in_str = false,
                    (false, _, '"') => in_str = true,
                    (false, _, '{' | '[') => depth += 1,
                    (false, _, '}' | ']') => depth -= 1,
                    _ => {}
                }
                assert!(depth >= 0);
            }
            assert_eq!(depth, 0);
        }
        let avg = a.len() / 200;
        assert!((5_000..40_000).contains(&avg), "average line {avg} bytes");
    }

    #[test]
    fn the_list_has_82_of_400() {
        let l = listed_sources();
        assert_eq!(l.len(), 82);
        assert!(l.windows(2).all(|w| w[0] < w[1]) && l[81] < SOURCES);
    }
}
