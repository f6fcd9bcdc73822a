use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use trove_protocol::{Clause, Condition, Filter, ItemQuery};
use trove_thumbs::{phash, png, PHASH_BITS};

use super::link::Sets;
use super::*;
use crate::testing::fixture;

/// The groups brute force finds: every pair compared.
fn brute(hashes: &[Phash], r: u32) -> Vec<u32> {
    let mut sets = Sets::new(hashes.len());
    for a in 0..hashes.len() {
        for b in a + 1..hashes.len() {
            if distance(&hashes[a], &hashes[b]) <= r {
                sets.union(a as u32, b as u32);
            }
        }
    }
    (0..hashes.len() as u32).map(|i| sets.find(i)).collect()
}

/// `n` random hashes and, for half of them, a copy with up to `flips` bits flipped.
fn hashes_with_copies(rng: &mut ChaCha8Rng, n: usize, flips: u32) -> Vec<Phash> {
    let mut hashes: Vec<Phash> = (0..n).map(|_| rng.random()).collect();
    for k in 0..n / 2 {
        let mut h = hashes[k];
        for _ in 0..rng.random_range(0..=flips) {
            let bit = rng.random_range(0..PHASH_BITS);
            h[(bit / 64) as usize] ^= 1 << (bit % 64);
        }
        hashes.push(h);
    }
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

#[test]
fn the_multi_index_finds_exactly_the_pairs_brute_force_finds() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    // 60 hashes are compared pair by pair; 4,500 go through the blocks (one or two bits of
    // slack per block from 11 bits up).
    for n in [60, 4_000] {
        for r in [0, 1, 5, 10, 11, 23, 28, 40, 64] {
            let hashes = hashes_with_copies(&mut rng, n, r + 6);
            let (found, method) = link(&hashes, r).unwrap();
            assert_eq!(method, Method::Exact);
            assert_eq!(found, brute(&hashes, r), "{n} hashes within {r} bits");
            let linked = found.iter().enumerate().filter(|(i, rep)| *i as u32 != **rep).count();
            assert!(r < 5 || linked > n / 8, "{linked} linked at {r} bits: the test has pairs to find");
        }
    }
}

#[test]
fn sampling_links_only_pairs_within_the_distance_and_nearly_all_of_them() {
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    for r in [12, 28, 40] {
        let hashes = hashes_with_copies(&mut rng, 4_000, r);
        let (truth, found) = (brute(&hashes, r), link::sampled(&hashes, r).unwrap());
        // Whatever it links is linked in truth; it finds at least 97% of what truth links.
        let mut missed = 0;
        for i in 0..hashes.len() {
            assert_eq!(truth[found[i] as usize], truth[i], "{i} linked to a hash more than {r} bits away");
            missed += usize::from(truth[i] != i as u32 && found[i] != found[truth[i] as usize]);
        }
        let linked = (0..hashes.len()).filter(|&i| truth[i] != i as u32).count();
        assert!(linked > 1000 && missed * 100 <= linked * 3, "missed {missed} of {linked} at {r} bits");
    }
}

fn row(id: i64, hash: Option<Phash>, pixels: i64, size: i64, created: i64) -> Row {
    Row { id, hash, has_thumb: hash.is_some(), pixels, size, created }
}

#[test]
fn groups_put_the_best_first_and_the_largest_groups_first() {
    let near = |h: Phash, bits: u64| [h[0] ^ bits, h[1], h[2], h[3]];
    let (x, y, z) = ([0xF0F0; 4], [u64::MAX; 4], [0x1234_5678; 4]);
    let rows = vec![
        row(1, Some(x), 100, 5, 10),
        row(2, Some(near(x, 1)), 400, 5, 10), // most pixels: the best of its group
        row(3, Some(x), 100, 9, 10),          // then the largest file
        row(4, Some(y), 100, 5, 20),
        row(5, Some(near(y, 0b11)), 100, 5, 10), // same pixels and size: the oldest first
        row(6, None, 100, 5, 10),
        row(7, Some(z), 100, 5, 10),
        row(8, Some(x), 100, 5, 5), // as item 1 but older
    ];
    let group = |rows: &[Row], r| super::group(rows, r).map(|(found, _)| found);
    let ids = |found: &[Found]| found.iter().map(|g| g.rows.iter().map(|&i| rows[i].id).collect::<Vec<_>>()).collect::<Vec<_>>();
    let found = group(&rows, 2).unwrap();
    assert_eq!(ids(&found), [vec![2, 3, 8, 1], vec![5, 4]]);
    assert_eq!((found[0].spread, found[1].spread), (1, 2));
    assert_eq!(ids(&group(&rows, 1).unwrap()), [vec![2, 3, 8, 1]], "at 1 bit, 4 and 5 (2 bits apart) are not alike");
    assert_eq!(ids(&group(&rows, 0).unwrap()), [vec![3, 8, 1]], "distance 0: equal hashes only");
}

/// A demo drawing's thumbnail, and a copy of it 2% smaller and a little brighter.
fn drawing_and_copy(seed: u64) -> (Vec<u8>, Vec<u8>) {
    let a = trove_demo::render(seed, 1280, 720, 256, false, false);
    let mut b = trove_demo::render(seed, 1280, 720, 250, false, false);
    for p in b.pixels_mut() {
        p.0 = p.0.map(|c| c.saturating_add(8));
    }
    (png(&a).unwrap(), png(&b).unwrap())
}

#[test]
fn a_resized_brighter_copy_hashes_close_and_another_picture_far() {
    let (a, b) = drawing_and_copy(11);
    let (c, _) = drawing_and_copy(12);
    let (ha, hb, hc) = (phash_bytes(&a).unwrap(), phash_bytes(&b).unwrap(), phash_bytes(&c).unwrap());
    assert!(distance(&ha, &hb) <= 16, "copy at {} bits", distance(&ha, &hb));
    assert!(distance(&ha, &hc) > 40, "another picture at only {} bits", distance(&ha, &hc));
    assert_eq!(ha, phash(&image::load_from_memory(&a).unwrap()), "from bytes as from the picture");
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
    let all = ItemQuery::default();
    let d = f.store.near_duplicates(f.p, &all, 28).unwrap();
    assert_eq!(d.groups.len(), 1, "{d:?}");
    // Item 4 (400×200) has the most pixels of 1 (100×50), 2 (200×100) and 4.
    let ids: Vec<i64> = d.groups[0].items.iter().map(|i| i.id).collect();
    assert_eq!((ids, d.groups[0].size), (vec![4, 2, 1], 3));
    assert_eq!((d.group_count, d.items_in_groups, d.extra_items), (1, 3, 2));
    assert_eq!((d.checked, d.unhashed, d.no_thumbnail, d.hashed_now), (5, 0, 1, 3), "item 5 has no thumbnail");
    let hashed: i64 = f.store.read(|c| Ok(c.query_row("SELECT count(*) FROM thumb_hashes", [], |r| r.get(0))?)).unwrap();
    assert_eq!(hashed, 3, "one hash per thumbnail");
    assert_eq!(f.store.near_duplicates(f.p, &all, 28).unwrap().hashed_now, 0, "hashed once");

    // Distance 0: only the items sharing a thumbnail.
    let exact = f.store.near_duplicates(f.p, &all, 0).unwrap();
    assert_eq!(exact.groups.iter().map(|g| g.items.iter().map(|i| i.id).collect::<Vec<_>>()).collect::<Vec<_>>(), [vec![4, 1]]);
    // The filter decides what is compared: dataset A holds 1 and 2 only.
    let only_a = ItemQuery { filter: Filter { clauses: vec![Clause { negate: false, cond: Condition::Datasets { ids: vec![f.a] } }] }, ..Default::default() };
    let d = f.store.near_duplicates(f.p, &only_a, 28).unwrap();
    assert_eq!((d.checked, d.groups[0].items.iter().map(|i| i.id).collect::<Vec<_>>()), (2, vec![2, 1]));
    let err = f.store.near_duplicates(f.p, &all, 65).unwrap_err().to_string();
    assert!(err.contains("65 bits is too far"), "{err}");
}

#[test]
fn the_demo_near_copies_are_found_and_grouped_and_no_other_pictures() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db"), &dir.path().join("thumbs")).unwrap();
    crate::demo::ensure(&store).unwrap();
    let images = store.projects().unwrap()[0].id;
    // The demo drew and hashed its thumbnails: the search has nothing left to hash.
    let d = store.near_duplicates(images, &ItemQuery::default(), 28).unwrap();
    assert_eq!((d.checked, d.unhashed, d.hashed_now), (3000, 0, 0));
    // What the demo made: each original's name, then its copies' names.
    let specs = trove_demo::image_specs();
    let mut expected: Vec<Vec<String>> = Vec::new();
    for s in specs.iter().filter(|s| s.near.is_none()) {
        let copies: Vec<String> = specs
            .iter()
            .filter(|c| c.near.as_ref().is_some_and(|n| n.of_seed == s.seed))
            .map(|c| c.name.clone())
            .collect();
        if !copies.is_empty() {
            expected.push(std::iter::once(s.name.clone()).chain(copies).collect());
        }
    }
    assert!(expected.len() >= 30, "{} groups in the demo", expected.len());
    let mut found: Vec<Vec<String>> = d.groups.iter().map(|g| g.items.iter().map(|i| i.name.clone()).collect()).collect();
    for g in &mut found {
        g[1..].sort(); // copies in any order; the original first
    }
    let mut expected_sorted = expected.clone();
    for g in &mut expected_sorted {
        g[1..].sort();
    }
    found.sort();
    expected_sorted.sort();
    assert_eq!(found, expected_sorted);
    assert_eq!(d.group_count as usize, expected.len());
    // A stricter similarity finds fewer: at 0 bits only copies whose change left every bit
    // (a brighter copy can), each with its original.
    let strict = store.near_duplicates(images, &ItemQuery::default(), 8).unwrap();
    assert!(strict.group_count < d.group_count && strict.group_count > 0, "{} groups at 8 bits", strict.group_count);
    let exact = store.near_duplicates(images, &ItemQuery::default(), 0).unwrap();
    assert!(exact.group_count <= strict.group_count);
    for g in &exact.groups {
        let names: Vec<&str> = g.items.iter().map(|i| i.name.as_str()).collect();
        assert!(!names[0].contains("_copy") && names[1..].iter().all(|n| n.starts_with(names[0].trim_end_matches(".jpg"))), "{names:?}");
    }
}
