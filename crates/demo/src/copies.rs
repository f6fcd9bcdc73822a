//! The demo's deliberate near-copies: a few dozen pictures that are a slightly altered copy of
//! another picture of the same dataset (re-encoded, brighter, a lower-resolution source, a small
//! crop, a shifted frame), so that "Find near-duplicates" has something real to find. Each copy
//! is named after the picture it copies (`city_00017_copy1_brighter.jpg`), is smaller (fewer
//! pixels or a smaller file) and younger than it, so the original is the best of its group.

use image::codecs::jpeg::JpegEncoder;
use image::RgbImage;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::drawing::render;
use crate::{ImageSpec, DATASETS};

/// Groups of near-copies per dataset: each an original and 1 to 3 copies of it.
pub const GROUPS_PER_DATASET: usize = 12;

/// How a near-copy differs from its original.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Saved again as a low-quality JPEG.
    Reencoded,
    /// Every channel a little higher.
    Brighter,
    /// From a source of 60% of the original's sides, scaled up.
    Smaller,
    /// 2% cut from each side.
    Cropped,
    /// 2% cut from the left and the top: the frame moved.
    Shifted,
}

impl Change {
    pub const ALL: [Change; 5] = [Change::Reencoded, Change::Brighter, Change::Smaller, Change::Cropped, Change::Shifted];

    /// The word in a copy's name.
    pub fn word(self) -> &'static str {
        match self {
            Change::Reencoded => "reencoded",
            Change::Brighter => "brighter",
            Change::Smaller => "smaller",
            Change::Cropped => "cropped",
            Change::Shifted => "shifted",
        }
    }

    /// The copy's sides as a share of the original's.
    fn scale(self) -> f64 {
        match self {
            Change::Smaller => 0.6,
            Change::Cropped => 0.96,
            Change::Shifted => 0.98,
            Change::Reencoded | Change::Brighter => 1.0,
        }
    }

    /// The copy's file size as a share of the original's.
    fn bytes(self) -> f64 {
        match self {
            Change::Reencoded => 0.45,
            Change::Brighter => 0.97,
            change => change.scale() * change.scale() * 0.98,
        }
    }
}

/// What a near-copy copies and how it differs.
#[derive(Debug, Clone, PartialEq)]
pub struct NearCopy {
    /// The original's seed and size: what is drawn before the change.
    pub of_seed: u64,
    pub of_width: u32,
    pub of_height: u32,
    /// The original's name without `.jpg` (`city_00017`).
    pub of_stem: String,
    /// 1, 2, 3 among the copies of one original.
    pub nth: usize,
    pub change: Change,
}

impl NearCopy {
    /// `city_00017_copy1_brighter.jpg`.
    pub fn name(&self) -> String {
        format!("{}_copy{}_{}.jpg", self.of_stem, self.nth, self.change.word())
    }
}

/// Turns the last items of each dataset of `specs` (the default demo, in dataset order) into
/// near-copies of earlier ones: [`GROUPS_PER_DATASET`] originals per dataset, each copied 1 to 3
/// times. The copies keep their own seed (their identity) and dataset.
pub(crate) fn make(specs: &mut [ImageSpec]) {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut start = 0;
    for (d, (_, n)) in DATASETS.iter().enumerate() {
        let plan: Vec<usize> = (0..GROUPS_PER_DATASET).map(|_| rng.random_range(1..=3)).collect();
        let copies: usize = plan.iter().sum();
        // Originals: distinct pictures spread over the first half of the dataset.
        let stride = n / 2 / GROUPS_PER_DATASET;
        let mut next = start + n - copies;
        for (g, &count) in plan.iter().enumerate() {
            let original = specs[start + g * stride + rng.random_range(0..stride)].clone();
            let mut changes = Change::ALL;
            for k in (1..changes.len()).rev() {
                changes.swap(k, rng.random_range(0..=k));
            }
            for (nth, &change) in changes.iter().take(count).enumerate() {
                let copy = &mut specs[next];
                next += 1;
                let near = NearCopy {
                    of_seed: original.seed,
                    of_width: original.width,
                    of_height: original.height,
                    of_stem: original.name.trim_end_matches(".jpg").to_string(),
                    nth: nth + 1,
                    change,
                };
                copy.dataset = d;
                copy.name = near.name();
                copy.width = ((original.width as f64 * change.scale()).round() as u32).max(1);
                copy.height = ((original.height as f64 * change.scale()).round() as u32).max(1);
                copy.size = (original.size as f64 * change.bytes()) as u64;
                copy.tags = original.tags.clone();
                copy.age_days = original.age_days * rng.random_range(0.2..0.9);
                copy.near = Some(near);
            }
        }
        start += n;
    }
}

/// Draws a near-copy with its longest side `side`: the original, changed.
pub(crate) fn render_copy(near: &NearCopy, side: u32, night: bool, blurry: bool) -> RgbImage {
    let draw = |side: u32| render(near.of_seed, near.of_width, near.of_height, side, night, blurry);
    match near.change {
        Change::Reencoded => {
            let img = draw(side);
            let mut jpeg = Vec::new();
            let encoded = JpegEncoder::new_with_quality(&mut jpeg, 40).encode_image(&img).is_ok();
            match image::load_from_memory(&jpeg) {
                Ok(back) if encoded => back.to_rgb8(),
                _ => img,
            }
        }
        Change::Brighter => {
            let mut img = draw(side);
            for p in img.pixels_mut() {
                p.0 = p.0.map(|c| c.saturating_add(14));
            }
            img
        }
        Change::Smaller => {
            let small = draw(((side as f64 * 0.6).round() as u32).max(1));
            let (w, h) = fit_side(small.width(), small.height(), side);
            image::imageops::resize(&small, w, h, image::imageops::FilterType::Triangle)
        }
        Change::Cropped | Change::Shifted => {
            let keep = near.change.scale();
            let big = draw(((side as f64 / keep).round() as u32).max(1));
            let (w, h) = (((big.width() as f64 * keep).round() as u32).max(1), ((big.height() as f64 * keep).round() as u32).max(1));
            let (x, y) = if near.change == Change::Cropped { ((big.width() - w) / 2, (big.height() - h) / 2) } else { (big.width() - w, big.height() - h) };
            image::imageops::crop_imm(&big, x, y, w, h).to_image()
        }
    }
}

/// `w`×`h` scaled so the longest side is `side`.
fn fit_side(w: u32, h: u32, side: u32) -> (u32, u32) {
    let scale = side as f64 / w.max(h) as f64;
    (((w as f64 * scale).round() as u32).max(1), ((h as f64 * scale).round() as u32).max(1))
}

#[cfg(test)]
mod tests {
    use trove_thumbs::{distance, phash, Phash, THUMB_SIDE};

    use super::*;
    use crate::{image_specs, render_spec};

    /// The hashes of every default demo picture's thumbnail, in order.
    fn hashes(specs: &[ImageSpec]) -> Vec<Phash> {
        std::thread::scope(|s| {
            let parts: Vec<_> = specs
                .chunks(specs.len().div_ceil(2))
                .map(|part| s.spawn(move || part.iter().map(|sp| phash(&image::DynamicImage::ImageRgb8(render_spec(sp, THUMB_SIDE)))).collect::<Vec<_>>()))
                .collect();
            parts.into_iter().flat_map(|p| p.join().unwrap()).collect()
        })
    }

    #[test]
    fn near_copies_hash_close_to_their_original_and_other_pictures_far() {
        let specs = image_specs();
        let copies: Vec<&ImageSpec> = specs.iter().filter(|s| s.near.is_some()).collect();
        assert!((3 * GROUPS_PER_DATASET + 1..=9 * GROUPS_PER_DATASET).contains(&copies.len()), "{} copies", copies.len());
        let hashes = hashes(&specs);
        let index_of_seed: std::collections::HashMap<u64, usize> = specs.iter().enumerate().map(|(i, s)| (s.seed, i)).collect();
        // Each picture's original: itself, or what it copies.
        let original: Vec<usize> = specs.iter().map(|s| s.near.as_ref().map_or(index_of_seed[&s.seed], |n| index_of_seed[&n.of_seed])).collect();
        let mut near_max = 0;
        for (i, s) in specs.iter().enumerate() {
            if let Some(near) = &s.near {
                let o = original[i];
                assert_eq!((specs[o].dataset, specs[o].name.trim_end_matches(".jpg")), (s.dataset, near.of_stem.as_str()));
                assert!(s.width * s.height <= specs[o].width * specs[o].height && s.size < specs[o].size, "{} is the lesser copy", s.name);
                near_max = near_max.max(distance(&hashes[i], &hashes[o]));
            }
        }
        let mut far_min = u32::MAX;
        let mut hist = [0usize; 257];
        for a in 0..specs.len() {
            let mut nearest = u32::MAX;
            for b in 0..specs.len() {
                if a != b && original[a] != original[b] {
                    nearest = nearest.min(distance(&hashes[a], &hashes[b]));
                }
            }
            hist[nearest as usize] += 1;
            far_min = far_min.min(nearest);
        }
        println!("near copies within {near_max} bits; other pictures at least {far_min} apart; nearest other: {:?}", &hist[..128]);
        // 28 bits is the app's default similarity (89%); 36 bits is 86%.
        assert!(near_max <= 28, "a near-copy is {near_max} bits from its original");
        assert!(far_min >= 36, "two different pictures are only {far_min} bits apart");
    }
}
