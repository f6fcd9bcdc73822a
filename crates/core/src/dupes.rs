//! Near-duplicates: the items a filter matches whose thumbnails look alike.
//!
//! Each thumbnail has a 256-bit perceptual hash (`trove_thumbs::phash`), kept in
//! `thumb_hashes` by the thumbnail's content hash, so items that share a thumbnail are hashed
//! once. Hashes are made where thumbnails are made (the demo's drawing, a folder import) and,
//! for thumbnails that came another way (pulled from a server), by the search that needs them,
//! at most [`HASH_PER_SEARCH`] per search. Two items are near-duplicates when their hashes
//! differ in at most `distance` bits; groups are the connected sets of that relation, found
//! among the distinct hashes by [`link`]: exactly by a multi-index, or, when that would take
//! more than about a second (a million pictures far apart), by sampling bits, which the answer
//! says (`Duplicates::sampled`). A thumbnail that is not in the cache or does not decode stays
//! "not hashed yet" and is tried again by the next search.

mod link;

use std::collections::HashMap;

use rusqlite::Connection;
use trove_protocol::{DuplicateGroup, Duplicates, ItemQuery, DUPLICATE_DISTANCE_MAX, DUPLICATE_GROUPS_MAX, DUPLICATE_GROUP_ITEMS_MAX};
use trove_thumbs::{distance, from_bytes, phash_bytes, to_bytes, Phash};

pub use link::{link, Method, EXACT_MAX, RECALL, WORK_MAX};

use crate::error::{Error, Result};
use crate::{filters, items, Store};

/// Most thumbnails one search hashes (about ten seconds on two cores); the rest are counted as
/// not hashed yet, for the next search.
pub const HASH_PER_SEARCH: usize = 20_000;

/// Stores the perceptual hashes of these thumbnails (content hash, perceptual hash).
pub(crate) fn store_hashes(conn: &Connection, thumbs: &[(String, Phash)]) -> Result<()> {
    let mut stmt = conn.prepare_cached("INSERT OR REPLACE INTO thumb_hashes (thumb, phash) VALUES (?1, ?2)")?;
    for (thumb, hash) in thumbs {
        stmt.execute(rusqlite::params![thumb, to_bytes(hash).as_slice()])?;
    }
    Ok(())
}

/// One matching item as the search sees it.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub id: i64,
    pub hash: Option<Phash>,
    pub has_thumb: bool,
    pub pixels: i64,
    pub size: i64,
    pub created: i64,
}

/// The query's items, each with its thumbnail's hash when there is one: one pass over the
/// filter's rows (the thumbnail's name only where it has no hash yet).
fn matching_rows(conn: &Connection, project: i64, query: &ItemQuery) -> Result<Vec<Row>> {
    items::check_query(conn, project, query)?;
    let body = filters::from_where(&filters::planned(conn, query)?, project, query, |_| false);
    let sql = format!(
        "SELECT i.id, (SELECT th.phash FROM thumb_hashes th WHERE th.thumb = i.thumb), i.thumb IS NOT NULL, \
         coalesce(i.width, 0) * coalesce(i.height, 0), i.size, i.created_at{}",
        body.text
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map(body.params(), |r| {
            let hash: Option<Vec<u8>> = r.get(1)?;
            Ok(Row {
                id: r.get(0)?,
                hash: hash.as_deref().and_then(from_bytes),
                has_thumb: r.get(2)?,
                pixels: r.get(3)?,
                size: r.get(4)?,
                created: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The thumbnails of these items (those without a hash), each once, at most `limit`.
fn thumbs_of(conn: &Connection, ids: &[i64], limit: usize) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("SELECT DISTINCT thumb FROM items WHERE id IN rarray(?1) AND thumb IS NOT NULL LIMIT {limit}"))?;
    let thumbs = stmt.query_map([filters::list(ids)], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
    Ok(thumbs)
}

/// A group found: indices into the rows, the best first, and the spread of its hashes.
pub(crate) struct Found {
    pub rows: Vec<usize>,
    pub spread: u32,
}

/// Groups the rows: near-duplicates by hash, the best item first (most pixels, then the largest
/// file, then the oldest), the largest groups first.
pub(crate) fn group(rows: &[Row], distance_max: u32) -> Result<(Vec<Found>, Method)> {
    let mut distinct: HashMap<Phash, u32> = HashMap::new();
    let mut hashes: Vec<Phash> = Vec::new();
    let mut of_row: Vec<Option<u32>> = Vec::with_capacity(rows.len());
    for r in rows {
        of_row.push(r.hash.map(|h| {
            *distinct.entry(h).or_insert_with(|| {
                hashes.push(h);
                hashes.len() as u32 - 1
            })
        }));
    }
    drop(distinct);
    let (rep, method) = link(&hashes, distance_max)?;
    let mut members: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, h) in of_row.iter().enumerate() {
        if let Some(h) = h {
            members.entry(rep[*h as usize]).or_default().push(i);
        }
    }
    let mut groups: Vec<Found> = members
        .into_values()
        .filter(|m| m.len() > 1)
        .map(|mut idx| {
            idx.sort_by(|&a, &b| {
                let (a, b) = (&rows[a], &rows[b]);
                (b.pixels, b.size, a.created, a.id).cmp(&(a.pixels, a.size, b.created, b.id))
            });
            // The spread of a huge group is estimated from its first distinct hashes.
            let mut seen: Vec<Phash> = idx.iter().filter_map(|&i| rows[i].hash).collect();
            seen.sort_unstable();
            seen.dedup();
            seen.truncate(64);
            let spread = seen.iter().flat_map(|a| seen.iter().map(move |b| distance(a, b))).max().unwrap_or(0);
            Found { rows: idx, spread }
        })
        .collect();
    groups.sort_by(|a, b| b.rows.len().cmp(&a.rows.len()).then(rows[a.rows[0]].id.cmp(&rows[b.rows[0]].id)));
    Ok((groups, method))
}

impl Store {
    /// Hashes the thumbnails named, from the thumbnail cache, on two threads; a thumbnail that
    /// is missing or does not decode is skipped. Returns how many it hashed.
    pub fn hash_thumbs(&self, thumbs: &[String]) -> Result<usize> {
        if thumbs.is_empty() {
            return Ok(0);
        }
        let hashed: Vec<(String, Phash)> = std::thread::scope(|s| {
            let handles: Vec<_> = thumbs
                .chunks(thumbs.len().div_ceil(2))
                .map(|part| {
                    s.spawn(move || {
                        part.iter()
                            .filter_map(|t| Some((t.clone(), phash_bytes(&std::fs::read(self.thumbs().get(t)?).ok()?)?)))
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
    /// bits (at most [`DUPLICATE_DISTANCE_MAX`]). Up to [`HASH_PER_SEARCH`] thumbnails not
    /// hashed yet are hashed first; the answer counts those still left.
    pub fn near_duplicates(&self, project: i64, query: &ItemQuery, distance: u32) -> Result<Duplicates> {
        if distance > DUPLICATE_DISTANCE_MAX {
            return Err(Error::Invalid(format!(
                "a distance of {distance} bits is too far for near-duplicates; at most {DUPLICATE_DISTANCE_MAX} bits are allowed"
            )));
        }
        let mut rows = self.read(|c| matching_rows(c, project, query))?;
        let unhashed: Vec<i64> = rows.iter().filter(|r| r.has_thumb && r.hash.is_none()).map(|r| r.id).collect();
        let mut hashed_now = 0;
        if !unhashed.is_empty() {
            let missing = self.read(|c| thumbs_of(c, &unhashed, HASH_PER_SEARCH))?;
            hashed_now = self.hash_thumbs(&missing)? as u64;
            if hashed_now > 0 {
                rows = self.read(|c| matching_rows(c, project, query))?;
            }
        }
        let (found, method) = group(&rows, distance)?;
        let items_in_groups: u64 = found.iter().map(|g| g.rows.len() as u64).sum();
        let shown: Vec<&Found> = found.iter().take(DUPLICATE_GROUPS_MAX).collect();
        let ids: Vec<i64> = shown.iter().flat_map(|g| g.rows.iter().take(DUPLICATE_GROUP_ITEMS_MAX).map(|&i| rows[i].id)).collect();
        let mut by_id: HashMap<i64, trove_protocol::Item> =
            self.read(|c| items::by_ids(c, project, query, &ids))?.into_iter().map(|i| (i.id, i)).collect();
        let groups = shown
            .iter()
            .map(|g| DuplicateGroup {
                items: g.rows.iter().take(DUPLICATE_GROUP_ITEMS_MAX).filter_map(|&i| by_id.remove(&rows[i].id)).collect(),
                size: g.rows.len() as u64,
                distance: g.spread,
            })
            .collect();
        Ok(Duplicates {
            groups,
            group_count: found.len() as u64,
            items_in_groups,
            extra_items: items_in_groups - found.len() as u64,
            checked: rows.len() as u64,
            unhashed: rows.iter().filter(|r| r.has_thumb && r.hash.is_none()).count() as u64,
            no_thumbnail: rows.iter().filter(|r| !r.has_thumb).count() as u64,
            hashed_now,
            sampled: method == Method::Sampled,
        })
    }
}

#[cfg(test)]
#[path = "dupes_tests.rs"]
mod tests;
