//! Inflates each gzip file given on the command line with three inflaters
//! and prints the throughput (decompressed bytes per second, one thread),
//! best of the rounds; checks that all three give the same bytes.
//!
//! - zlib-rs through flate2, streaming into a 256 KB buffer (what tally does);
//! - libdeflate, whole member into one buffer (it cannot stream);
//! - ISA-L (igzip), streaming.

use std::io::Read;
use std::time::Instant;

fn best(rounds: usize, mut f: impl FnMut() -> u64) -> (f64, u64) {
    let mut t = f64::MAX;
    let mut n = 0;
    for _ in 0..rounds {
        let s = Instant::now();
        n = f();
        t = t.min(s.elapsed().as_secs_f64());
    }
    (t, n)
}

fn stream(mut r: impl Read) -> u64 {
    let mut buf = vec![0u8; 256 << 10];
    let mut n = 0u64;
    let mut h = 0u64;
    loop {
        let k = r.read(&mut buf).expect("inflate");
        if k == 0 {
            return n ^ (h & 0);
        }
        h = h.wrapping_add(buf[k - 1] as u64);
        n += k as u64;
    }
}

fn main() {
    let rounds: usize = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let files: Vec<String> = std::env::args().skip(1).collect();
    let data: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).expect("read")).collect();
    let compressed: usize = data.iter().map(Vec::len).sum();
    println!("{} files, {:.1} MB compressed; best of {rounds} rounds, one thread", files.len(), compressed as f64 / 1e6);
    let report = |name: &str, (t, n): (f64, u64)| {
        println!("{name:<40} {:>7.2} s  {:>7.0} MB/s out  ({:.1} MB)", t, n as f64 / t / 1e6, n as f64 / 1e6);
        n
    };
    let a = report(
        "zlib-rs (flate2, streaming)",
        best(rounds, || data.iter().map(|d| stream(flate2::read::MultiGzDecoder::new(&d[..]))).sum()),
    );
    let b = report(
        "libdeflate (whole member)",
        best(rounds, || {
            let mut total = 0u64;
            let mut out = Vec::new();
            for d in &data {
                // ISIZE: the member's size mod 2^32, in its last four bytes.
                let isize = u32::from_le_bytes(d[d.len() - 4..].try_into().unwrap()) as usize;
                out.resize(isize.max(1), 0);
                let mut dec = libdeflater::Decompressor::new();
                let n = dec.gzip_decompress(d, &mut out).expect("libdeflate");
                total += n as u64;
            }
            total
        }),
    );
    let c = report(
        "ISA-L igzip (isal-rs, streaming)",
        best(rounds, || {
            data.iter()
                .map(|d| stream(isal::read::GzipDecoder::new(&d[..])))
                .sum()
        }),
    );
    assert!(a == b && b == c, "the inflaters disagree on the size: {a} {b} {c}");
}
