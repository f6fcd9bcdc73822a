//! The perceptual hash of a thumbnail: what near-duplicate search (`trove-core`'s `dupes`)
//! compares. A 16×16 gradient hash (`image_hasher`): the picture is shrunk to 17×16 grey cells
//! and each bit says whether a cell is brighter than its right neighbour, so a re-encode, a
//! small resize, a small crop or a change of light leaves most of the 256 bits as they were,
//! while two different pictures differ in about half of them. 8×8 (64 bits) was tried first:
//! too few cells to tell the demo's drawings apart.

use image::DynamicImage;
use image_hasher::{HashAlg, HasherConfig};

/// Bits in a [`Phash`].
pub const PHASH_BITS: u32 = 256;

/// A perceptual hash, as four words (bit order is `image_hasher`'s, big-endian per word).
pub type Phash = [u64; 4];

/// The perceptual hash of a picture.
pub fn phash(img: &DynamicImage) -> Phash {
    let hasher = HasherConfig::new()
        .hash_alg(HashAlg::Gradient)
        .hash_size(16, 16)
        .resize_filter(image::imageops::FilterType::Triangle)
        .to_hasher();
    let hash = hasher.hash_image(img);
    from_bytes(hash.as_bytes()).expect("a 16×16 hash has 32 bytes")
}

/// The perceptual hash of encoded picture bytes (a thumbnail file), or `None` when they do not
/// decode.
pub fn phash_bytes(bytes: &[u8]) -> Option<Phash> {
    Some(phash(&image::load_from_memory(bytes).ok()?))
}

/// How many bits two hashes differ in.
pub fn distance(a: &Phash, b: &Phash) -> u32 {
    (0..4).map(|k| (a[k] ^ b[k]).count_ones()).sum()
}

/// The 32 bytes a hash is stored as.
pub fn to_bytes(h: &Phash) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (k, w) in h.iter().enumerate() {
        out[k * 8..k * 8 + 8].copy_from_slice(&w.to_be_bytes());
    }
    out
}

/// A hash from its 32 stored bytes; `None` for any other length.
pub fn from_bytes(bytes: &[u8]) -> Option<Phash> {
    if bytes.len() != 32 {
        return None;
    }
    let word = |k: usize| u64::from_be_bytes(bytes[k * 8..k * 8 + 8].try_into().expect("8 bytes"));
    Some([word(0), word(1), word(2), word(3)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_round_trips_through_its_bytes_and_other_lengths_are_refused() {
        let h = [1, u64::MAX, 0x0123_4567_89ab_cdef, 7];
        assert_eq!(from_bytes(&to_bytes(&h)), Some(h));
        assert_eq!(from_bytes(&[0; 8]), None);
        assert_eq!(distance(&h, &[0, u64::MAX, 0x0123_4567_89ab_cdef, 6]), 2);
        assert_eq!(phash_bytes(b"not a picture"), None);
    }
}
