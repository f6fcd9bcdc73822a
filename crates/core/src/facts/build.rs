//! Building the index from the cache's tables, and patching it from `facts_log`.

use std::collections::{BTreeSet, HashMap, HashSet};

use roaring::RoaringBitmap;
use rusqlite::{Connection, OptionalExtension};

use super::{key, Facts, Row, NONE, REBUILD_AT};
use crate::error::Result;
use crate::filters::list;

const ITEM_COLUMNS: &str = "id, project_id, dataset_id, kind, size, width, height, labels_count, created_at, updated_at, name";

/// The index of everything `conn` sees, or `None` when an item id is past what it can hold.
pub(super) fn build(conn: &Connection) -> Result<Option<Facts>> {
    let mut f = Facts { consumed: conn.query_row("SELECT coalesce(max(seq), 0) FROM facts_log", [], |r| r.get(0))?, ..Default::default() };
    let mut stmt = conn.prepare(&format!("SELECT {ITEM_COLUMNS} FROM items ORDER BY id"))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let Some(id) = key(r.get(0)?) else { return Ok(None) };
        if !f.put(id, r)? {
            return Ok(None);
        }
    }
    // Both in key order, so every bitmap is appended to in increasing id order.
    let mut stmt = conn.prepare("SELECT tag_id, item_id FROM item_tags ORDER BY tag_id, item_id")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let Some(item) = key(r.get(1)?) else { return Ok(None) };
        f.tags.entry(r.get(0)?).or_default().insert(item);
    }
    let mut stmt = conn.prepare("SELECT collection_id, item_id FROM memberships ORDER BY collection_id, item_id")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let Some(item) = key(r.get(1)?) else { return Ok(None) };
        f.collections.entry(r.get(0)?).or_default().insert(item);
    }
    let mut stmt = conn.prepare("SELECT id FROM collections WHERE deleted_at IS NULL")?;
    f.live = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(Some(f))
}

impl Facts {
    /// Records the item of a row that starts with `ITEM_COLUMNS`; `false` when its name does
    /// not fit (see `names.rs`).
    fn put(&mut self, id: u32, r: &rusqlite::Row) -> Result<bool> {
        let dim = |v: Option<i64>| v.map_or(NONE, |v| v.clamp(0, i64::from(NONE) - 1) as u32);
        let row = Row { size: r.get(4)?, width: dim(r.get(5)?), height: dim(r.get(6)?), created: r.get(8)?, updated: r.get(9)? };
        let at = id as usize;
        if self.rows.len() <= at {
            self.rows.resize(at + 1, Row::default());
        }
        self.rows[at] = row;
        self.projects.entry(r.get(1)?).or_default().insert(id);
        self.datasets.entry(r.get(2)?).or_default().insert(id);
        self.kinds.entry(r.get(3)?).or_default().insert(id);
        if r.get::<_, i64>(7)? > 0 {
            self.labeled.insert(id);
        }
        let name: &str = r.get_ref(10)?.as_str().map_err(rusqlite::Error::from)?;
        Ok(self.names.put(id, name))
    }

    /// Forgets what [`Facts::put`] recorded of an item.
    fn forget(&mut self, id: u32) {
        for b in self.projects.values_mut().chain(self.datasets.values_mut()).chain(self.kinds.values_mut()) {
            b.remove(id);
        }
        self.labeled.remove(id);
        self.names.forget(id);
    }

    /// Applies the log rows past the last applied; `false` when there are too many (rebuild) or
    /// one names an id the index cannot hold.
    pub(super) fn refresh(&mut self, conn: &Connection) -> Result<bool> {
        let mut stmt = conn.prepare("SELECT seq, what, item, key FROM facts_log WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
        let log: Vec<(i64, i64, i64, i64)> =
            stmt.query_map(rusqlite::params![self.consumed, REBUILD_AT as i64 + 1], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect::<rusqlite::Result<_>>()?;
        if log.len() > REBUILD_AT {
            return Ok(false);
        }
        let Some(&(last, ..)) = log.last() else { return Ok(true) };
        let (mut items, mut tags, mut members, mut collections, mut whole) = (BTreeSet::new(), HashMap::<i64, Vec<i64>>::new(), HashMap::<i64, Vec<i64>>::new(), HashSet::new(), HashSet::new());
        let (mut whole_tags, mut touched) = (HashSet::new(), Vec::new());
        for (_, what, item, k) in log {
            if key(item).is_none() {
                return Ok(false);
            }
            match what {
                0 => {
                    items.insert(item);
                }
                1 => tags.entry(k).or_default().push(item),
                2 => members.entry(k).or_default().push(item),
                3 => {
                    collections.insert(k);
                }
                5 => {
                    whole.insert(k);
                }
                6 => {
                    whole_tags.insert(k);
                }
                7 => touched.push((item, k)),
                8 => return Ok(false),
                _ => {}
            }
        }
        let items: Vec<i64> = items.into_iter().collect();
        if !items.is_empty() {
            self.by_name.get_mut().unwrap_or_else(|p| p.into_inner()).clear();
        }
        for &id in &items {
            self.forget(id as u32);
        }
        let mut stmt = conn.prepare(&format!("SELECT {ITEM_COLUMNS} FROM items WHERE id IN rarray(?1)"))?;
        let mut rows = stmt.query([list(&items)])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            if !self.put(id as u32, r)? {
                return Ok(false);
            }
        }
        let pairs = |sql: &str, k: i64, ids: &[i64]| -> Result<HashSet<i64>> {
            let mut stmt = conn.prepare_cached(sql)?;
            let present = stmt.query_map(rusqlite::params![k, list(ids)], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            Ok(present)
        };
        for (tag, ids) in tags {
            let present = pairs("SELECT item_id FROM item_tags WHERE tag_id = ?1 AND item_id IN rarray(?2)", tag, &ids)?;
            mark(self.tags.entry(tag).or_default(), &ids, &present);
        }
        for (c, ids) in members {
            let present = pairs("SELECT item_id FROM memberships WHERE collection_id = ?1 AND item_id IN rarray(?2)", c, &ids)?;
            mark(self.collections.entry(c).or_default(), &ids, &present);
        }
        for c in whole {
            let Some(members) = bitmap(conn, "SELECT item_id FROM memberships WHERE collection_id = ?1 ORDER BY item_id", c)? else { return Ok(false) };
            self.collections.insert(c, members);
        }
        for tag in whole_tags {
            let Some(items) = bitmap(conn, "SELECT item_id FROM item_tags WHERE tag_id = ?1 ORDER BY item_id", tag)? else { return Ok(false) };
            self.tags.insert(tag, items);
        }
        for (project, stamp) in touched {
            let mut stmt = conn.prepare_cached("SELECT id FROM items WHERE project_id = ?1 AND updated_at = ?2")?;
            for id in stmt.query_map([project, stamp], |r| r.get::<_, i64>(0))? {
                let Some(row) = key(id?).and_then(|id| self.rows.get_mut(id as usize)) else { return Ok(false) };
                row.updated = stamp;
            }
        }
        for c in collections {
            let live: Option<bool> = conn.query_row("SELECT deleted_at IS NULL FROM collections WHERE id = ?1", [c], |r| r.get(0)).optional()?;
            match live {
                Some(true) => {
                    self.live.insert(c);
                }
                Some(false) => {
                    self.live.remove(&c);
                }
                None => {
                    self.live.remove(&c);
                    self.collections.remove(&c);
                }
            }
        }
        self.consumed = last;
        Ok(true)
    }
}

/// The item ids `sql` reads for `k`, as a bitmap; `None` when one is past what it can hold.
fn bitmap(conn: &Connection, sql: &str, k: i64) -> Result<Option<RoaringBitmap>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut out = RoaringBitmap::new();
    for id in stmt.query_map([k], |r| r.get::<_, i64>(0))? {
        let Some(id) = key(id?) else { return Ok(None) };
        out.insert(id);
    }
    Ok(Some(out))
}

/// Sets in `bitmap` the ids of `ids` that are `present`, and clears the others.
fn mark(bitmap: &mut RoaringBitmap, ids: &[i64], present: &HashSet<i64>) {
    for &id in ids {
        if present.contains(&id) {
            bitmap.insert(id as u32);
        } else {
            bitmap.remove(id as u32);
        }
    }
}
