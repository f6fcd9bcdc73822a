use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use trove_protocol::ItemQuery;

use super::*;
use crate::testing::fixture;

fn png_of(img: &image::RgbImage) -> Vec<u8> {
    trove_thumbs::png(img).unwrap()
}

/// A demo drawing, and the same drawing smaller and a little brighter (a re-saved copy).
fn drawing_and_copy(seed: u64) -> (Vec<u8>, Vec<u8>) {
    let a = trove_demo::render(seed, 1280, 720, 256, false, false);
    let mut b = trove_demo::render(seed, 1280, 720, 240, false, false);
    for p in b.pixels_mut() {
        p.0 = p.0.map(|c| c.saturating_add(8));
    }
    (png_of(&a), png_of(&b))
}

#[test]
fn a_resized_brighter_copy_hashes_close_and_another_picture_far() {
    let (a, b) = drawing_and_copy(11);
    let (c, _) = drawing_and_copy(12);
    let (ha, hb, hc) = (phash(&a).unwrap(), phash(&b).unwrap(), phash(&c).unwrap());
    assert!((ha ^ hb).count_ones() <= 6, "copy at {} bits", (ha ^ hb).count_ones());
    assert!((ha ^ hc).count_ones() > 12, "another picture at only {} bits", (ha ^ hc).count_ones());
    assert_eq!(phash(b"not a picture"), None);
}

/// The groups brute force finds: every pair compared.
fn brute(hashes: &[u64], distance: u32) -> Vec<u32> {
    let mut sets = Sets((0..hashes.len() as u32).collect());
    for a in 0..hashes.len() {
        for b in a + 1..hashes.len() {
            if (hashes[a] ^ hashes[b]).count_ones() <= distance {
                sets.union(a as u32, b as u32);
            }
        }
    }
    (0..hashes.len() as u32).map(|i| sets.find(i)).collect()
}

#[test]
fn the_block_index_finds_exactly_the_pairs_brute_force_finds() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for distance in [0, 1, 3, 6, 10, 16] {
        // Random hashes and near copies of some, flipped in up to distance + 2 bits.
        let mut hashes: Vec<u64> = (0..600).map(|_| rng.random()).collect();
        for k in 0..300 {
            let mut h = hashes[k];
            for _ in 0..rng.random_range(0..=distance + 2) {
                h ^= 1 << rng.random_range(0..64);
            }
            hashes.push(h);
        }
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(link(&hashes, distance).unwrap(), brute(&hashes, distance), "distance {distance}");
    }
}

#[test]
fn groups_put_the_best_first_and_the_largest_groups_first() {
    let row = |id, hash: Option<u64>, pixels, size| Row { id, hash, pixels, size };
    let rows = vec![
        row(1, Some(0b1111), 100, 5),
        row(2, Some(0b1110), 400, 5), // most pixels: the best of its group
        row(3, Some(0b1111), 100, 9),
        row(4, Some(u64::MAX), 100, 5),
        row(5, Some(u64::MAX - 1), 100, 5),
        row(6, None, 100, 5),
        row(7, Some(0xF0F0_F0F0), 100, 5),
    ];
    let d = group(&rows, 1).unwrap();
    assert_eq!(d.groups.len(), 2);
    assert_eq!((d.groups[0].items.clone(), d.groups[0].best, d.groups[0].distance), (vec![2, 3, 1], 2, 1));
    assert_eq!(d.groups[1].items, [4, 5]);
    assert_eq!((d.group_count, d.items_in_groups, d.extra_items, d.checked, d.unhashed), (2, 5, 3, 7, 1));
    let exact = group(&rows, 0).unwrap();
    assert_eq!(exact.groups.iter().map(|g| g.items.clone()).collect::<Vec<_>>(), [vec![3, 1]], "distance 0: equal hashes only");
}

#[test]
fn near_duplicates_among_a_filters_items_hash_their_thumbnails_once() {
    let f = fixture();
    let (a, b) = drawing_and_copy(21);
    let (c, _) = drawing_and_copy(22);
    let thumbs: Vec<String> = [a, b, c].iter().map(|bytes| f.store.thumbs().put(bytes).unwrap()).collect();
    f.store
        .write(|tx| {
            for (item, thumb) in [(1, &thumbs[0]), (2, &thumbs[1]), (3, &thumbs[2]), (4, &thumbs[0])] {
                tx.execute("UPDATE items SET thumb = ?1 WHERE id = ?2", rusqlite::params![thumb, item])?;
            }
            Ok(())
        })
        .unwrap();
    let d = f.store.near_duplicates(f.p, &ItemQuery::default(), 6).unwrap();
    assert_eq!(d.groups.len(), 1, "{d:?}");
    // Item 4 (400×200) has the most pixels of 1 (100×50), 2 (200×100) and 4.
    assert_eq!((d.groups[0].best, d.groups[0].items.len()), (4, 3));
    assert_eq!((d.checked, d.unhashed), (5, 1), "item 5 has no thumbnail");
    let hashed: i64 = f.store.read(|c| Ok(c.query_row("SELECT count(*) FROM thumb_hashes", [], |r| r.get(0))?)).unwrap();
    assert_eq!(hashed, 3, "one hash per thumbnail");
    assert!(f.store.near_duplicates(f.p, &ItemQuery::default(), 17).is_err(), "past the largest distance");
}

#[test]
#[ignore]
fn tmp_demo_histogram() {
    use image_hasher::{HashAlg, HasherConfig};
    let specs = trove_demo::image_specs();
    let imgs: Vec<image::DynamicImage> = specs.iter().map(|s| image::DynamicImage::ImageRgb8(trove_demo::render(s.seed, s.width, s.height, 256, s.night(), s.blurry()))).collect();
    let (a, b) = drawing_and_copy(11);
    let (a, b) = (image::load_from_memory(&a).unwrap(), image::load_from_memory(&b).unwrap());
    for (name, cfg) in [
        ("gradient16", HasherConfig::new().hash_alg(HashAlg::Gradient).hash_size(16, 16)),
        ("dblgrad16", HasherConfig::new().hash_alg(HashAlg::DoubleGradient).hash_size(16, 16)),
        ("vgrad8", HasherConfig::new().hash_alg(HashAlg::VertGradient).hash_size(8, 8)),
        ("mean16", HasherConfig::new().hash_alg(HashAlg::Mean).hash_size(16, 16)),
    ] {
        let h = cfg.to_hasher();
        let hashes: Vec<_> = imgs.iter().map(|i| h.hash_image(i)).collect();
        let mut hist = [0usize; 257];
        for x in 0..hashes.len() {
            let mut best = 999;
            for y in 0..hashes.len() {
                if x != y { best = best.min(hashes[x].dist(&hashes[y])); }
            }
            hist[best.min(256) as usize] += 1;
        }
        println!("{name}: bits {} copy {} nn {:?}", hashes[0].as_bytes().len() * 8, h.hash_image(&a).dist(&h.hash_image(&b)), &hist[..40]);
    }
}
