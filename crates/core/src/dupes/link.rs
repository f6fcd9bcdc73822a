//! Which perceptual hashes lie within `distance` bits of each other, found without comparing
//! every pair: multi-index hashing (Norouzi, Punjani and Fleet, "Fast search in Hamming space
//! with multi-index hashing", 2012). The 256 bits are cut into `m` blocks; two hashes within
//! `r` bits differ in at most `r / m` bits in at least one block (pigeonhole), so for each
//! block, each hash looks only into the buckets of the block values within `r / m` bits of its
//! own. The number of blocks is chosen by the expected work; for a few thousand hashes every
//! pair is compared instead. The result is exact: the pairs brute force finds.
//!
//! Past [`EXACT_MAX`] of expected work (a million hashes at more than about 12 bits: every
//! block probe then meets random neighbours), [`link`] samples instead: locality-sensitive
//! hashing by bit sampling, tables keyed by `log2(n)` random bits of the hash, as many tables as
//! it takes for a pair at exactly `r` bits to share a key in at least one with probability
//! [`RECALL`]; closer pairs are found almost surely. Every pair it links is checked, so nothing
//! unalike is grouped; it may miss a pair at the edge of the distance, which the answer says.

use trove_thumbs::{distance, Phash, PHASH_BITS};

use crate::error::{Error, Result};

/// Most hash comparisons and bucket probes one search makes (a few seconds on one core); a
/// search that would need more is refused with a sentence, not left running.
pub const WORK_MAX: u64 = 2_000_000_000;
/// Most expected work of an exact search (about a second); more is sampled.
pub const EXACT_MAX: u64 = 300_000_000;
/// The chance that sampling finds a pair at exactly the distance asked for.
pub const RECALL: f64 = 0.99;

/// Union-find over hash indices.
pub(crate) struct Sets(pub(crate) Vec<u32>);

impl Sets {
    pub(crate) fn new(n: usize) -> Sets {
        Sets((0..n as u32).collect())
    }

    pub(crate) fn find(&mut self, mut a: u32) -> u32 {
        while self.0[a as usize] != a {
            let up = self.0[self.0[a as usize] as usize];
            self.0[a as usize] = up;
            a = up;
        }
        a
    }

    pub(crate) fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.0[a.max(b) as usize] = a.min(b);
        }
    }
}

/// Ways to choose at most `k` of `n` bits.
fn within(n: u32, k: u32) -> u64 {
    let mut total = 0u64;
    let mut c = 1u64;
    for i in 0..=k.min(n) {
        total += c;
        c = c * (n - i) as u64 / (i + 1) as u64;
    }
    total
}

/// The block widths for `m` blocks: as equal as they can be.
fn widths(m: u32) -> Vec<u32> {
    (0..m).map(|j| PHASH_BITS / m + u32::from(j < PHASH_BITS % m)).collect()
}

/// The expected work of `m` blocks for `n` uniformly spread hashes at `r` bits: each block's
/// bucket table, probes, and the candidates met in the buckets.
fn cost(n: u64, m: u32, r: u32) -> u64 {
    widths(m)
        .iter()
        .map(|&b| {
            let probes = n.saturating_mul(within(b, r / m));
            (1u64 << b).saturating_add(probes).saturating_add(probes.saturating_mul(n) >> b)
        })
        .fold(0u64, u64::saturating_add)
}

/// Block `j` (starting at bit `start`, `width` ≤ 32 bits) of a hash.
fn block(h: &Phash, start: u32, width: u32) -> u32 {
    let (word, bit) = ((start / 64) as usize, start % 64);
    let mut v = h[word] >> bit;
    if bit + width > 64 {
        v |= h[word + 1] << (64 - bit);
    }
    (v & ((1u64 << width) - 1)) as u32
}

/// Every mask of `width` bits with at most `k` bits set, the empty one first.
fn masks(width: u32, k: u32) -> Vec<u32> {
    let mut out = vec![0u32];
    for ones in 1..=k.min(width) {
        // Gosper's hack: the next larger number with as many bits set.
        let mut m: u64 = (1u64 << ones) - 1;
        while m < (1u64 << width) {
            out.push(m as u32);
            let c = m & m.wrapping_neg();
            let r = m + c;
            m = (((r ^ m) >> 2) / c) | r;
        }
    }
    out
}

/// How the sets were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Every pair within the distance (pairwise or multi-index).
    Exact,
    /// Bit sampling: a pair at the edge of the distance may be missed (see [`RECALL`]).
    Sampled,
}

/// The sets of `hashes` (distinct) linked by a distance of at most `r` bits, as one
/// representative index per hash, and how they were found.
pub fn link(hashes: &[Phash], r: u32) -> Result<(Vec<u32>, Method)> {
    let n = hashes.len() as u64;
    let brute = n * n.saturating_sub(1) / 2;
    // Blocks of at most 24 bits (a bucket table of 16M entries) and at least 8.
    let best = (11..=32).map(|m| (cost(n, m, r), m)).min().expect("a block count");
    if r > 0 && brute.min(best.0) > EXACT_MAX {
        return Ok((sampled(hashes, r)?, Method::Sampled));
    }
    Ok((exact(hashes, r)?, Method::Exact))
}

fn too_much(r: u32, n: usize) -> Error {
    Error::Invalid(format!(
        "finding pictures within {r} bits of each other among {n} would take too long; raise the similarity or narrow the filter"
    ))
}

/// Bit sampling (see the module's doc): exact for what it links, `RECALL` at `r` bits.
pub(crate) fn sampled(hashes: &[Phash], r: u32) -> Result<Vec<u32>> {
    let n = hashes.len();
    let mut sets = Sets::new(n);
    let k = (usize::BITS - n.leading_zeros()).clamp(8, 32);
    let hit = (1.0 - r as f64 / PHASH_BITS as f64).powi(k as i32);
    let tables = ((1.0 - RECALL).ln() / (1.0 - hit).ln()).ceil() as u64;
    let expected = (n as u64).saturating_mul(tables).saturating_mul(2);
    if hit <= 0.0 || expected > WORK_MAX {
        return Err(too_much(r, n));
    }
    // The same bits on every run: the same answer for the same hashes.
    let mut seed = 16u64;
    let mut next = move |below: usize| {
        // splitmix64
        seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49eb_1331_11eb);
        ((z ^ (z >> 31)) % below as u64) as usize
    };
    let mut keyed: Vec<u64> = Vec::with_capacity(n);
    let mut work = 0u64;
    for _ in 0..tables {
        let mut bits: Vec<u32> = (0..PHASH_BITS).collect();
        for i in 0..k as usize {
            let j = i + next(bits.len() - i);
            bits.swap(i, j);
        }
        let bits = &bits[..k as usize];
        keyed.clear();
        keyed.extend(hashes.iter().enumerate().map(|(i, h)| {
            let key = bits.iter().fold(0u64, |key, &b| (key << 1) | ((h[(b / 64) as usize] >> (b % 64)) & 1));
            (key << 32) | i as u64
        }));
        keyed.sort_unstable();
        let mut start = 0;
        while start < n {
            let key = keyed[start] >> 32;
            let end = start + keyed[start..].iter().take_while(|&&e| e >> 32 == key).count();
            for x in start..end {
                for y in x + 1..end {
                    let (a, b) = ((keyed[x] & 0xffff_ffff) as u32, (keyed[y] & 0xffff_ffff) as u32);
                    work += 1;
                    if sets.find(a) != sets.find(b) && distance(&hashes[a as usize], &hashes[b as usize]) <= r {
                        sets.union(a, b);
                    }
                }
            }
            if work > WORK_MAX {
                return Err(too_much(r, n));
            }
            start = end;
        }
    }
    Ok((0..n as u32).map(|i| sets.find(i)).collect())
}

/// Every pair within `r` bits: pairwise for few hashes, else by the multi-index.
pub(crate) fn exact(hashes: &[Phash], r: u32) -> Result<Vec<u32>> {
    let n = hashes.len() as u64;
    let mut sets = Sets::new(hashes.len());
    let too_much = || too_much(r, hashes.len());
    let brute = n * n.saturating_sub(1) / 2;
    let best = (11..=32).map(|m| (cost(n, m, r), m)).min().expect("a block count");
    if brute <= best.0 || r == 0 {
        if brute > WORK_MAX {
            return Err(too_much());
        }
        for a in 0..hashes.len() {
            for b in a + 1..hashes.len() {
                if distance(&hashes[a], &hashes[b]) <= r {
                    sets.union(a as u32, b as u32);
                }
            }
        }
    } else {
        let m = best.1;
        let mut work = 0u64;
        let mut start = 0;
        let mut values = vec![0u32; hashes.len()];
        let mut ids = vec![0u32; hashes.len()];
        for width in widths(m) {
            let flips = masks(width, r / m);
            // The hashes by this block's value: `ids[offsets[v]..offsets[v + 1]]`.
            let mut offsets = vec![0u32; (1usize << width) + 1];
            for (i, h) in hashes.iter().enumerate() {
                values[i] = block(h, start, width);
                offsets[values[i] as usize + 1] += 1;
            }
            for v in 0..1usize << width {
                offsets[v + 1] += offsets[v];
            }
            let mut next = offsets.clone();
            for (i, &v) in values.iter().enumerate() {
                ids[next[v as usize] as usize] = i as u32;
                next[v as usize] += 1;
            }
            drop(next);
            for (a, &v) in values.iter().enumerate() {
                for &flip in &flips {
                    let w = (v ^ flip) as usize;
                    let bucket = &ids[offsets[w] as usize..offsets[w + 1] as usize];
                    work += 1 + bucket.len() as u64;
                    for &b in bucket {
                        if (b as usize) > a && distance(&hashes[a], &hashes[b as usize]) <= r {
                            sets.union(a as u32, b);
                        }
                    }
                }
                if work > WORK_MAX {
                    return Err(too_much());
                }
            }
            start += width;
        }
    }
    Ok((0..hashes.len() as u32).map(|i| sets.find(i)).collect())
}
