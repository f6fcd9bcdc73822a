//! The image demo at any size (`TROVE_DEMO_ITEMS`, `trove-server demo --items N`): the items
//! are spread over the datasets in [`DATASETS`]' proportions, and a large demo reuses the
//! [`DEFAULT_IMAGES`] drawings of the default one ([`image_pictures`]), so only those are drawn
//! and the thumbnail cache stays the size of the default demo's. An item that reuses a drawing
//! keeps what the drawing shows (dimensions, `night`, `blurry`) and gets its own name, size,
//! labels, other tags and age, from a cheap hash of its place (no per-item drawing, no RNG
//! state), so a million items are generated in about a second.

use crate::{image_specs, ImageSpec, DATASETS, TAGS};

/// How many pictures the image demo holds unless told otherwise: the sum of [`DATASETS`].
pub const DEFAULT_IMAGES: usize = 3000;
/// The largest image demo that may be asked for.
pub const MAX_IMAGES: usize = 5_000_000;

/// Reads a requested demo size: a whole number from 1 to [`MAX_IMAGES`], or a message that
/// quotes the bad value and says what was expected.
pub fn parse_image_count(text: &str) -> Result<usize, String> {
    match text.trim().replace('_', "").parse::<usize>() {
        Ok(n) if (1..=MAX_IMAGES).contains(&n) => Ok(n),
        Ok(_) => Err(format!("demo size {text:?} is out of range; expected 1 to {MAX_IMAGES} items")),
        Err(_) => Err(format!("demo size {text:?} is not a number; expected 1 to {MAX_IMAGES} items")),
    }
}

/// How many items each dataset holds in a demo of `n`, in [`DATASETS`]' proportions
/// (1200, 1000, 800 for the default).
fn per_dataset(n: usize) -> [usize; 3] {
    let share = |d: usize| n * DATASETS[d].1 / DEFAULT_IMAGES;
    [share(0), share(1), n - share(0) - share(1)]
}

/// The distinct drawings a demo of `n` items shows, in dataset order: the first pictures of
/// each dataset of the default demo, as many as that dataset has items (all 3,000 from 3,000
/// items up). An item's [`ImageSpec::picture`] indexes this list.
pub fn image_pictures(n: usize) -> Vec<ImageSpec> {
    let counts = per_dataset(n);
    let mut taken = [0usize; 3];
    let mut out: Vec<ImageSpec> = Vec::new();
    for spec in image_specs() {
        if taken[spec.dataset] < counts[spec.dataset] {
            taken[spec.dataset] += 1;
            out.push(ImageSpec { picture: out.len(), ..spec });
        }
    }
    out
}

/// The `n` items of the image demo, in dataset order, generated as they are read. With `n` =
/// [`DEFAULT_IMAGES`] they are exactly [`image_specs`].
pub fn image_items(n: usize) -> impl ExactSizeIterator<Item = ImageSpec> {
    let pictures = image_pictures(n);
    let counts = per_dataset(n);
    let mut first = [0usize; 3];
    let mut drawn = [0usize; 3];
    for p in &pictures {
        drawn[p.dataset] += 1;
    }
    for d in 1..3 {
        first[d] = first[d - 1] + drawn[d - 1];
    }
    let digits = counts.map(|c| c.to_string().len().max(5));
    (0..n).map(move |j| {
        // Item j is item k of dataset d.
        let (d, k) = match j {
            j if j < counts[0] => (0, j),
            j if j < counts[0] + counts[1] => (1, j - counts[0]),
            j => (2, j - counts[0] - counts[1]),
        };
        let base = &pictures[first[d] + k % drawn[d]];
        let name = format!("{}_{:0w$}.jpg", DATASETS[d].0, k + 1, w = digits[d]);
        match k / drawn[d] {
            // A near-copy's first item keeps the name that says what it copies.
            0 if base.near.is_some() => base.clone(),
            0 => ImageSpec { name, ..base.clone() },
            copy => reuse(base, d, k, copy, name),
        }
    })
}

/// Item `k` of dataset `d`, the `copy`-th reuse of the drawing `base`.
fn reuse(base: &ImageSpec, d: usize, k: usize, copy: usize, name: String) -> ImageSpec {
    let seed = mix(((d as u64) << 40) ^ k as u64);
    let unit = |salt: u64| (mix(seed ^ salt) >> 11) as f64 / (1u64 << 53) as f64;
    let chance = |tag: &str| match tag {
        "cat" => 0.18,
        "dog" => 0.2,
        "person" => 0.3,
        "car" if d == 1 => 0.05,
        "car" => 0.35,
        _ => 0.0,
    };
    // What the drawing shows (blurry, night) stays; the other tags are the item's own.
    let tags = TAGS
        .iter()
        .enumerate()
        .filter(|(t, tag)| match **tag {
            "blurry" | "night" => base.tags.contains(tag),
            _ => unit(*t as u64 + 1) < chance(tag),
        })
        .map(|(_, tag)| *tag)
        .collect();
    ImageSpec {
        dataset: d,
        seed: base.seed,
        name,
        width: base.width,
        height: base.height,
        size: (base.width as f64 * base.height as f64 * 3.0 / (5.0 + 9.0 * unit(11))) as u64,
        labels: if unit(12) < 0.35 { 0 } else { 1 + (mix(seed ^ 13) % 12) as u32 },
        tags,
        age_days: 180.0 * unit(14),
        picture: base.picture,
        copy,
        near: base.near.clone(),
    }
}

/// splitmix64: a well-spread 64-bit hash of `k`.
fn mix(k: u64) -> u64 {
    let mut z = k.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49eb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_size_is_the_default_demo_and_a_large_one_reuses_its_drawings() {
        assert_eq!(image_items(DEFAULT_IMAGES).collect::<Vec<_>>(), image_specs());
        assert_eq!(image_pictures(DEFAULT_IMAGES), image_specs());

        let items: Vec<ImageSpec> = image_items(20_000).collect();
        assert_eq!(items.len(), 20_000);
        let per: Vec<usize> = (0..3).map(|d| items.iter().filter(|s| s.dataset == d).count()).collect();
        assert_eq!(per, [8000, 6666, 5334]);
        let pictures = image_pictures(20_000);
        assert_eq!(pictures.len(), DEFAULT_IMAGES);
        for item in &items {
            let drawn = &pictures[item.picture];
            assert_eq!((drawn.seed, drawn.width, drawn.height, drawn.dataset), (item.seed, item.width, item.height, item.dataset));
            assert_eq!((drawn.night(), drawn.blurry()), (item.night(), item.blurry()), "{}", item.name);
            assert!(item.tags.windows(2).all(|w| w[0] < w[1]));
        }
        let names: std::collections::HashSet<&str> = items.iter().map(|s| s.name.as_str()).collect();
        let identities: std::collections::HashSet<String> = items.iter().map(|s| s.identity()).collect();
        assert_eq!((names.len(), identities.len()), (20_000, 20_000), "names and identities are unique");
        assert_eq!((items[7001].name.as_str(), items[8001].name.as_str()), ("city_07002.jpg", "park_00002.jpg"));
        let cats = items.iter().filter(|s| s.tags.contains(&"cat")).count();
        assert!((2800..4400).contains(&cats), "{cats} cats: reused drawings get their own tags");

        let small: Vec<ImageSpec> = image_items(10).collect();
        assert_eq!(small.iter().map(|s| s.dataset).collect::<Vec<_>>(), [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
        assert_eq!(image_pictures(10).len(), 10);
        assert!(image_items(1_000_000).last().unwrap().name.ends_with("_266667.jpg"));
    }

    #[test]
    fn a_demo_size_is_a_whole_number_within_bounds() {
        assert_eq!(parse_image_count("1000000"), Ok(1_000_000));
        assert_eq!(parse_image_count(" 20_000 "), Ok(20_000));
        assert_eq!(parse_image_count("0"), Err("demo size \"0\" is out of range; expected 1 to 5000000 items".into()));
        assert!(parse_image_count("5000001").unwrap_err().contains("out of range"));
        assert_eq!(parse_image_count("lots"), Err("demo size \"lots\" is not a number; expected 1 to 5000000 items".into()));
    }
}
