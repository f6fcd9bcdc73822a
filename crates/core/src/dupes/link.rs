//! Which perceptual hashes lie within `distance` bits of each other, found without comparing
//! every pair: multi-index hashing (Norouzi, Punjani and Fleet, "Fast search in Hamming space
//! with multi-index hashing", 2012). The 256 bits are cut into `m` blocks; two hashes within
//! `r` bits differ in at most `r / m` bits in at least one block (pigeonhole), so for each
//! block, each hash looks only into the buckets of the block values within `r / m` bits of its
//! own. The number of blocks is chosen by the expected work; for a few thousand hashes every
//! pair is compared instead. The result is exact: the pairs brute force finds.

use trove_thumbs::{distance, Phash, PHASH_BITS};

use crate::error::{Error, Result};

/// Most hash comparisons and bucket probes one search makes (a few seconds on one core); a
/// search that would need more is refused with a sentence, not left running.
pub const WORK_MAX: u64 = 2_000_000_000;

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

/// The expected work of `m` blocks for `n` uniformly spread hashes at `r` bits: probes plus
/// candidates met in the buckets.
fn cost(n: u64, m: u32, r: u32) -> u64 {
    widths(m)
        .iter()
        .map(|&b| {
            let probes = n.saturating_mul(within(b, r / m));
            probes.saturating_add(probes.saturating_mul(n) >> b)
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

/// The sets of `hashes` (distinct) linked by a distance of at most `r` bits, as one
/// representative index per hash.
pub fn link(hashes: &[Phash], r: u32) -> Result<Vec<u32>> {
    let n = hashes.len() as u64;
    let mut sets = Sets::new(hashes.len());
    let too_much = || Error::Invalid(format!(
        "finding pictures within {r} bits of each other among {n} would take too long; raise the similarity or narrow the filter"
    ));
    let brute = n * n.saturating_sub(1) / 2;
    // Blocks of at most 24 bits (a bucket table of 16M entries) and at least 8.
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
