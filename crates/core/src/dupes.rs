//! Near-duplicates: the items a filter matches whose thumbnails look alike.
//!
//! Each thumbnail gets a 64-bit perceptual hash (`image_hasher`'s gradient hash over 8×8: how
//! brightness changes from each cell to the next, which a re-encode, a resize or a small change
//! of light leaves almost as it was), kept in `thumb_hashes` by the thumbnail's content hash, so
//! items that share a thumbnail are hashed once. Two items are near-duplicates when their hashes
//! differ in at most `distance` bits; groups are the connected sets of that relation.
//!
//! The search compares distinct hashes, not items. Pairs within `distance` are found exactly:
//! with `distance + 1` blocks of the 64 bits, two hashes that close agree on at least one block
//! (pigeonhole), so only hashes that share a block's value are compared. A million items that
//! show a few thousand pictures compare a few thousand hashes.

use std::collections::HashMap;

use image_hasher::{HashAlg, HasherConfig};
use rusqlite::Connection;
use trove_protocol::{DuplicateGroup, Duplicates, ItemQuery, Selection, DUPLICATE_DISTANCE_MAX, DUPLICATE_GROUPS_MAX};

use crate::error::{Error, Result};
use crate::{selection, Store};

/// Most hash comparisons one search makes (a few seconds on this machine's core).
const COMPARISONS_MAX: u64 = 400_000_000;

/// The perceptual hash of a picture's bytes (a thumbnail), or `None` when they do not decode.
pub fn phash(bytes: &[u8]) -> Option<u64> {
    let img = image::load_from_memory(bytes).ok()?;
    let hasher = HasherConfig::new().hash_alg(HashAlg::Gradient).hash_size(8, 8).to_hasher();
    let hash = hasher.hash_image(&img);
    let bytes: [u8; 8] = hash.as_bytes().try_into().ok()?;
    Some(u64::from_be_bytes(bytes))
}

/// Stores the hashes of these thumbnails (content hash, picture bytes) that decode.
pub(crate) fn store_hashes(conn: &Connection, thumbs: &[(String, u64)]) -> Result<()> {
    let mut stmt = conn.prepare_cached("INSERT OR REPLACE INTO thumb_hashes (thumb, phash) VALUES (?1, ?2)")?;
    for (thumb, hash) in thumbs {
        stmt.execute(rusqlite::params![thumb, *hash as i64])?;
    }
    Ok(())
}

/// One matching item as the search sees it.
struct Row {
    id: i64,
    hash: Option<u64>,
    pixels: i64,
    size: i64,
}

fn rows(conn: &Connection, project: i64, query: &ItemQuery) -> Result<Vec<Row>> {
    let sel = Selection::Matching { query: query.clone(), except: Vec::new() };
    selection::check(conn, project, &sel)?;
    let ids = selection::ids_sql(conn, project, &sel)?;
    let sql = format!(
        "SELECT i.id, th.phash, coalesce(i.width, 0) * coalesce(i.height, 0), i.size FROM ({}) s \
         JOIN items i ON i.id = s.id LEFT JOIN thumb_hashes th ON th.thumb = i.thumb",
        ids.text
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map(ids.params(), |r| {
            Ok(Row { id: r.get(0)?, hash: r.get::<_, Option<i64>>(1)?.map(|h| h as u64), pixels: r.get(2)?, size: r.get(3)? })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The thumbnails of the matching items that have no hash yet.
fn unhashed_thumbs(conn: &Connection, project: i64, query: &ItemQuery) -> Result<Vec<String>> {
    let sel = Selection::Matching { query: query.clone(), except: Vec::new() };
    selection::check(conn, project, &sel)?;
    let ids = selection::ids_sql(conn, project, &sel)?;
    let sql = format!(
        "SELECT DISTINCT i.thumb FROM ({}) s JOIN items i ON i.id = s.id \
         WHERE i.thumb IS NOT NULL AND NOT EXISTS (SELECT 1 FROM thumb_hashes th WHERE th.thumb = i.thumb)",
        ids.text
    );
    let mut stmt = conn.prepare(&sql)?;
    let thumbs = stmt.query_map(ids.params(), |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
    Ok(thumbs)
}

/// Union-find over hash indices.
struct Sets(Vec<u32>);

impl Sets {
    fn find(&mut self, mut a: u32) -> u32 {
        while self.0[a as usize] != a {
            let up = self.0[self.0[a as usize] as usize];
            self.0[a as usize] = up;
            a = up;
        }
        a
    }

    fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.0[a.max(b) as usize] = a.min(b);
        }
    }
}

/// The sets of `hashes` (distinct) linked by a distance of at most `distance` bits, as one
/// representative index per hash.
fn link(hashes: &[u64], distance: u32) -> Result<Vec<u32>> {
    let mut sets = Sets((0..hashes.len() as u32).collect());
    if distance > 0 {
        let blocks = (distance + 1).min(64);
        let mut comparisons: u64 = 0;
        let mut start = 0u32;
        for b in 0..blocks {
            // Nearly equal blocks that cover the 64 bits.
            let width = (64 - start) / (blocks - b);
            let mask = if width == 64 { u64::MAX } else { ((1u64 << width) - 1) << start };
            let mut buckets: HashMap<u64, Vec<u32>> = HashMap::new();
            for (i, h) in hashes.iter().enumerate() {
                buckets.entry(h & mask).or_default().push(i as u32);
            }
            for bucket in buckets.values().filter(|b| b.len() > 1) {
                comparisons += (bucket.len() as u64 * (bucket.len() as u64 - 1)) / 2;
                if comparisons > COMPARISONS_MAX {
                    return Err(Error::Invalid(format!(
                        "too many similar pictures to compare at a distance of {distance} bits: lower the distance or narrow the filter"
                    )));
                }
                for (k, &a) in bucket.iter().enumerate() {
                    for &c in &bucket[k + 1..] {
                        if (hashes[a as usize] ^ hashes[c as usize]).count_ones() <= distance {
                            sets.union(a, c);
                        }
                    }
                }
            }
            start += width;
        }
    }
    Ok((0..hashes.len() as u32).map(|i| sets.find(i)).collect())
}

/// Groups the rows: near-duplicates by hash, the best item first, the largest groups first.
fn group(rows: &[Row], distance: u32) -> Result<Duplicates> {
    let mut distinct: HashMap<u64, u32> = HashMap::new();
    let mut hashes: Vec<u64> = Vec::new();
    let mut of_row: Vec<Option<u32>> = Vec::with_capacity(rows.len());
    for r in rows {
        of_row.push(r.hash.map(|h| {
            *distinct.entry(h).or_insert_with(|| {
                hashes.push(h);
                hashes.len() as u32 - 1
            })
        }));
    }
    let rep = link(&hashes, distance)?;
    let mut members: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, h) in of_row.iter().enumerate() {
        if let Some(h) = h {
            members.entry(rep[*h as usize]).or_default().push(i);
        }
    }
    let mut groups: Vec<DuplicateGroup> = Vec::new();
    let (mut items_in_groups, mut extra_items) = (0u64, 0u64);
    for (_, mut idx) in members.into_iter().filter(|(_, m)| m.len() > 1) {
        idx.sort_by(|&a, &b| (rows[b].pixels, rows[b].size, -rows[b].id).cmp(&(rows[a].pixels, rows[a].size, -rows[a].id)));
        let mut seen: Vec<u64> = idx.iter().filter_map(|&i| rows[i].hash).collect();
        seen.sort_unstable();
        seen.dedup();
        seen.truncate(64); // the spread of a huge group is estimated from its first hashes
        let spread = seen.iter().flat_map(|a| seen.iter().map(move |b| (a ^ b).count_ones())).max().unwrap_or(0);
        items_in_groups += idx.len() as u64;
        extra_items += idx.len() as u64 - 1;
        groups.push(DuplicateGroup { best: rows[idx[0]].id, items: idx.iter().map(|&i| rows[i].id).collect(), distance: spread });
    }
    groups.sort_by(|a, b| b.items.len().cmp(&a.items.len()).then(a.best.cmp(&b.best)));
    let group_count = groups.len() as u64;
    groups.truncate(DUPLICATE_GROUPS_MAX);
    let unhashed = rows.iter().filter(|r| r.hash.is_none()).count() as u64;
    Ok(Duplicates { groups, group_count, items_in_groups, extra_items, checked: rows.len() as u64, unhashed })
}

impl Store {
    /// Hashes the thumbnails named that have none yet, from the thumbnail cache, on two
    /// threads; a thumbnail that is missing or does not decode is skipped.
    pub fn hash_thumbs(&self, thumbs: &[String]) -> Result<usize> {
        if thumbs.is_empty() {
            return Ok(0);
        }
        let hashed: Vec<(String, u64)> = std::thread::scope(|s| {
            let handles: Vec<_> = thumbs
                .chunks(thumbs.len().div_ceil(2))
                .map(|part| {
                    s.spawn(move || {
                        part.iter()
                            .filter_map(|t| {
                                let bytes = std::fs::read(self.thumbs().get(t)?).ok()?;
                                Some((t.clone(), phash(&bytes)?))
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
        });
        for chunk in hashed.chunks(10_000) {
            self.write(|tx| store_hashes(tx, chunk))?;
        }
        Ok(hashed.len())
    }

    /// The near-duplicate groups among the items `query` matches: hashes within `distance`
    /// bits (at most [`DUPLICATE_DISTANCE_MAX`]). Thumbnails not hashed yet are hashed first.
    pub fn near_duplicates(&self, project: i64, query: &ItemQuery, distance: u32) -> Result<Duplicates> {
        if distance > DUPLICATE_DISTANCE_MAX {
            return Err(Error::Invalid(format!("a distance of {distance} bits is too far; at most {DUPLICATE_DISTANCE_MAX}")));
        }
        let missing = self.read(|c| unhashed_thumbs(c, project, query))?;
        self.hash_thumbs(&missing)?;
        let rows = self.read(|c| rows(c, project, query))?;
        group(&rows, distance)
    }
}

#[cfg(test)]
#[path = "dupes_tests.rs"]
mod tests;
