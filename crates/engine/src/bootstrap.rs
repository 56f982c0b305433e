//! Stability intervals by a Poisson bootstrap over articles, in the same
//! streaming pass.
//!
//! Resample `r` counts article `a` `w(a, r)` times, where `w` is a
//! Poisson(1) draw made from a seeded hash of the article's work id and
//! `r`: nothing of an article is kept, and the weights, hence the
//! intervals, do not depend on the order of the input or the number of
//! threads. Each level keeps, per year, scorer, entity and resample, the
//! weighted sum of the entity's credits as a fixed-point integer (32
//! fractional bits), so sums are exact and order-free too. Memory: years x
//! scorers x entities x resamples x 8 bytes per level, checked against a
//! limit as entities appear.

/// What to resample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bootstrap {
    /// Resamples (1,000 by default).
    pub resamples: u32,
    /// Seed of the weights.
    pub seed: u64,
    /// Memory the resampled totals may take, in bytes, over all levels.
    pub max_bytes: u64,
}

/// The 64-bit FNV-1a hash of a work id: a stable key across platforms.
pub fn work_key(id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn splitmix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Poisson(1) by inverse CDF on 16-bit uniforms: `CDF[k]` is
/// P(X <= k) x 65536, rounded.
fn poisson(u: u16) -> u8 {
    const CDF: [u32; 9] = [
        24109, 48219, 60273, 64292, 65296, 65497, 65531, 65535, 65536,
    ];
    let u = u32::from(u);
    CDF.iter().position(|&c| u < c).unwrap_or(8) as u8
}

/// The weights of one article in every resample.
pub fn weights(seed: u64, key: u64, out: &mut [u8]) {
    let mut state = seed ^ key.rotate_left(17) ^ 0x5851_f42d_4c95_7f2d;
    // Mix the start so that close keys give unrelated streams.
    splitmix(&mut state);
    for chunk in out.chunks_mut(4) {
        let x = splitmix(&mut state);
        for (k, w) in chunk.iter_mut().enumerate() {
            *w = poisson((x >> (16 * k)) as u16);
        }
    }
}

/// The credit of an article as the bootstrap adds it: 32 fractional bits.
pub fn fixed32(f: tally_report::Fixed) -> u64 {
    (f.0 >> 32) as u64
}

/// Back from 32 fractional bits.
pub fn from_fixed32(v: u64) -> tally_report::Fixed {
    tally_report::Fixed(u128::from(v) << 32)
}

/// Sorted positions of a two-sided interval at `confidence` over `n`
/// resamples, as the Leiden Ranking takes them (25th and 975th of 1,000
/// at 95 %): 0-based indices into the sorted values.
pub fn positions(n: usize, confidence: f64) -> (usize, usize) {
    let a = ((n as f64 * (1.0 - confidence) / 2.0).round() as usize).max(1);
    let lo = a - 1;
    let hi = n.saturating_sub(a + 1).max(lo);
    (lo.min(n.saturating_sub(1)), hi.min(n.saturating_sub(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The weights have the Poisson(1) mean and variance, and depend on
    /// the seed and key only.
    #[test]
    fn weights_are_poisson_one() {
        let mut w = vec![0u8; 100_000];
        weights(7, work_key("W1"), &mut w);
        let n = w.len() as f64;
        let mean = w.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
        let var = w
            .iter()
            .map(|&x| (f64::from(x) - mean).powi(2))
            .sum::<f64>()
            / n;
        assert!((mean - 1.0).abs() < 0.02, "{mean}");
        assert!((var - 1.0).abs() < 0.03, "{var}");
        let zeros = w.iter().filter(|&&x| x == 0).count() as f64 / n;
        assert!((zeros - (-1f64).exp()).abs() < 0.01, "{zeros}");
        let mut again = vec![0u8; 100_000];
        weights(7, work_key("W1"), &mut again);
        assert_eq!(w, again);
        weights(8, work_key("W1"), &mut again);
        assert_ne!(w, again);
    }

    #[test]
    fn positions_follow_the_leiden_ranking() {
        assert_eq!(positions(1000, 0.95), (24, 974));
        assert_eq!(positions(10, 0.95), (0, 8));
        assert_eq!(positions(1, 0.95), (0, 0));
    }
}
