//! Bulk writes of the cache's replica: the pairs of a set of items named by number
//! (`Mutation::AddItemSet`, ...), written in a few set-based statements as
//! `trove_rulebook::merge_set` asks — no row built in Rust, however large the set.
//!
//! A synced project's items are named by the number the server gave them (`items.no`); a
//! local project's, which nobody else sees, by their local id. A pair whose length is 1 and
//! whose row exists keeps no stored length (the rulebook's `cl::after` reads a row without one
//! as 1), so a fresh million-item add writes its rows and nothing else.

use std::collections::HashMap;

use rusqlite::Connection;
use trove_protocol::{itemset, position};
use trove_rulebook::{cl, Ranked};

use super::CacheReplica;
use crate::db::now_ms;
use crate::error::Result;
use crate::filters::list;
use crate::history::Member;

/// The named items that exist in the project: `rank` (the index in the set) and `item` (the
/// local id), from the packed numbers in `?1` (`itemset::packed`: sorted by number, so rows are
/// written in key order) and the project in `?2`. Items are named by number, or by local id
/// (`by_id`: a local project's items, and the app's own bulk actions, which hold the ids).
/// For a remove (`!add`) by local id no item is looked up: it takes out what the collection
/// holds, whose members are items of its project, and the look-up read a million item rows.
fn named(by_id: bool, add: bool) -> String {
    let (number, index) = (itemset::number_sql("a.value"), itemset::index_sql("a.value"));
    if by_id && !add {
        return format!("SELECT {index} AS rank, {number} AS item FROM rarray(?1) a");
    }
    let on = if by_id { format!("i.id = {number} AND i.project_id = ?2") } else { format!("i.project_id = ?2 AND i.no = {number}") };
    format!("SELECT {index} AS rank, i.id AS item FROM rarray(?1) a CROSS JOIN items i ON {on}")
}

/// `numbers` packed for [`named`] (in range: `trove_rulebook::merge_set` and set decoding
/// check them).
fn packed(numbers: &[i64]) -> Vec<i64> {
    itemset::packed(numbers).unwrap_or_default()
}

/// The triggers that keep `member_order` equal to the rows' keys for a row-at-a-time insert
/// and delete (migration 013); a bulk statement runs without them and writes the order itself.
const ORDER_INSERT: &str = "member_order_insert";
pub(crate) const ORDER_DELETE: &str = "member_order_delete";

impl CacheReplica<'_> {
    /// `ReplicaStore::write_set`: lengths first (synced projects only), then the rows and the
    /// collection's order. `numbers` are distinct (as the rulebook's `merge_set` asks), in the
    /// order the items go in.
    pub(super) fn set(&self, collection: i64, numbers: &[i64], add: Option<Ranked<'_>>) -> Result<usize> {
        let conn = self.conn;
        let by_id = self.by_id || !self.synced;
        let named = named(by_id, add.is_some());
        let set = packed(numbers);
        let params = rusqlite::params![list(&set), self.project, collection];
        if self.synced {
            write_lengths(conn, &named, collection, add.is_some(), params)?;
        }
        // Each table in its own key order: the rows by item, the order by rank (the triggers
        // that would write the order row by row, at random places, are off meanwhile).
        let changed = match add {
            Some(r) => crate::facts::quietly(conn, &[ORDER_INSERT], || {
                let key = position::ranked_sql("?4", "n.rank + ?5");
                let inserted = conn
                    .prepare(&format!(
                        "INSERT INTO memberships (collection_id, item_id, position, added_at, added_by) \
                         SELECT ?3, n.item, {key}, ?6, ?7 FROM ({named}) n WHERE true ON CONFLICT DO NOTHING"
                    ))?
                    .execute(rusqlite::params![list(&set), self.project, collection, r.key, r.first, now_ms(), self.user])?;
                if inserted == 0 {
                    return Ok(0);
                }
                if inserted == numbers.len() && by_id {
                    // Every id was an item and new: the ids in the caller's order are the order.
                    let key = position::ranked_sql("?2", "a.rowid - 1 + ?3");
                    conn.prepare(&format!("INSERT INTO member_order (collection_id, position, item_id) SELECT ?1, {key}, a.value FROM rarray(?4) a"))?
                        .execute(rusqlite::params![collection, r.key, r.first, list(numbers)])?;
                } else {
                    // The rows this statement wrote are those at their ranked key (one already
                    // there at that very key keeps its order row).
                    conn.prepare(&format!(
                        "INSERT OR IGNORE INTO member_order (collection_id, position, item_id) \
                         SELECT ?3, m.position, m.item_id FROM ({named}) n JOIN memberships m ON m.collection_id = ?3 AND m.item_id = n.item \
                         WHERE m.position = {key} ORDER BY n.rank"
                    ))?
                    .execute(rusqlite::params![list(&set), self.project, collection, r.key, r.first])?;
                }
                Ok(inserted)
            })?,
            None => crate::facts::quietly(conn, &[ORDER_DELETE], || {
                // One pass over the collection's order, each key's item looked up in the set.
                conn.prepare(&format!("DELETE FROM member_order WHERE collection_id = ?3 AND item_id IN (SELECT item FROM ({named}))"))?
                    .execute(params)?;
                Ok(conn
                    .prepare(&format!("DELETE FROM memberships WHERE collection_id = ?3 AND item_id IN (SELECT item FROM ({named}))"))?
                    .execute(params)?)
            })?,
        };
        if changed > 0 {
            crate::facts::collection_changed(conn, collection)?;
        }
        Ok(changed)
    }

    /// `ReplicaStore::numbered`: the project's items by number (none for another project).
    pub(super) fn numbered_items(&self, project: &str, numbers: &[i64]) -> Result<Vec<i64>> {
        let mine: bool = self.conn.query_row("SELECT EXISTS (SELECT 1 FROM projects WHERE id = ?1 AND uuid = ?2)", rusqlite::params![self.project, project], |r| r.get(0))?;
        if !mine {
            return Ok(Vec::new());
        }
        let mut stmt = self.conn.prepare(&format!("SELECT item FROM ({}) ORDER BY rank", named(self.by_id || !self.synced, true)))?;
        let ids = stmt.query_map(rusqlite::params![list(&packed(numbers)), self.project], |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// The numbers a bulk mutation names the items `ids` by, in order; `None` when one of them
    /// has none (pulled before items were numbered): the caller names them by UUID instead.
    /// Many items are looked up in one pass over the project's numbers (the covering index
    /// `items_by_no`), not one search each.
    pub(crate) fn numbers_of(&self, ids: &[i64]) -> Result<Option<Vec<i64>>> {
        if !self.synced {
            return Ok(Some(ids.to_vec()));
        }
        let span = match (ids.iter().min(), ids.iter().max()) {
            (Some(lo), Some(hi)) => (hi - lo) as usize,
            _ => return Ok(Some(Vec::new())),
        };
        if ids.len() < 50_000 || span > 4 * ids.len() {
            let mut stmt = self.conn.prepare("SELECT i.no FROM rarray(?1) a CROSS JOIN items i ON i.id = a.value")?;
            let numbers: Vec<Option<i64>> = stmt.query_map([list(ids)], |r| r.get(0))?.collect::<Result<_, _>>()?;
            return Ok(numbers.into_iter().collect());
        }
        // By id, densely: a project's ids are mostly one run (0 where an id has no number).
        let (lo, hi) = (*ids.iter().min().expect("many ids"), *ids.iter().max().expect("many ids"));
        let mut by_id = vec![0i64; (hi - lo + 1) as usize];
        let mut stmt = self.conn.prepare("SELECT id, no FROM items WHERE project_id = ?1 AND no IS NOT NULL AND id BETWEEN ?2 AND ?3")?;
        let mut rows = stmt.query(rusqlite::params![self.project, lo, hi])?;
        while let Some(r) = rows.next()? {
            by_id[(r.get::<_, i64>(0)? - lo) as usize] = r.get(1)?;
        }
        Ok(ids.iter().map(|id| Some(by_id[(id - lo) as usize]).filter(|n| *n > 0)).collect())
    }

    /// Names the items of the following set writes by local id instead of by number: the app's
    /// own bulk actions, which resolved the selection to ids (the outbox names them by number).
    pub(crate) fn by_local_id(mut self) -> Self {
        self.by_id = true;
        self
    }
}

/// The stored lengths of the named pairs, by `cl::after`. An add changes only lengths already
/// stored (a pair without one becomes 1 with its row); a remove stores the even length of every
/// pair it removes.
fn write_lengths(conn: &Connection, named: &str, collection: i64, add: bool, params: &[&dyn rusqlite::ToSql]) -> Result<()> {
    if add {
        let stored: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM membership_clocks WHERE collection_id = ?1)", [collection], |r| r.get(0))?;
        if !stored {
            return Ok(());
        }
        let present = "EXISTS (SELECT 1 FROM memberships m WHERE m.collection_id = ?3 AND m.item_id = membership_clocks.item_id)";
        let after = cl::after_sql("cl", present, true);
        conn.prepare(&format!(
            "UPDATE membership_clocks SET cl = {after} WHERE collection_id = ?3 AND item_id IN (SELECT item FROM ({named})) AND cl <> {after}"
        ))?
        .execute(params)?;
        return Ok(());
    }
    let after = cl::after_sql("coalesce(k.cl, 0)", "m.item_id IS NOT NULL", false);
    conn.prepare(&format!(
        "INSERT INTO membership_clocks (collection_id, item_id, cl) \
         SELECT ?3, n.item, {after} FROM ({named}) n \
         LEFT JOIN memberships m ON m.collection_id = ?3 AND m.item_id = n.item \
         LEFT JOIN membership_clocks k ON k.collection_id = ?3 AND k.item_id = n.item \
         WHERE (m.item_id IS NOT NULL OR k.cl IS NOT NULL) AND {after} <> coalesce(k.cl, 0) \
         ON CONFLICT (collection_id, item_id) DO UPDATE SET cl = excluded.cl"
    ))?
    .execute(params)?;
    Ok(())
}

/// The collection's memberships in its order (only those of `wanted` when given; their keys
/// when `keys`, else empty): read in order from `member_order` (no sort, no row read per
/// member), and the few notes that are not empty from the rows (`members::members_of` for many
/// items).
pub(crate) fn in_order(conn: &Connection, collection: i64, wanted: Option<&roaring::RoaringBitmap>, keys: bool) -> Result<Vec<Member>> {
    let mut notes: HashMap<i64, String> = {
        let mut stmt = conn.prepare("SELECT item_id, note FROM memberships WHERE collection_id = ?1 AND note <> ''")?;
        let rows = stmt.query_map([collection], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        rows
    };
    let mut stmt = conn.prepare("SELECT item_id, position FROM member_order WHERE collection_id = ?1 ORDER BY position, item_id")?;
    let mut rows = stmt.query([collection])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let item: i64 = r.get(0)?;
        if wanted.is_none_or(|w| u32::try_from(item).is_ok_and(|k| w.contains(k))) {
            let position = if keys { r.get(1)? } else { String::new() };
            out.push(Member { item, position, note: notes.remove(&item).unwrap_or_default() });
        }
    }
    Ok(out)
}

/// The last key of the collection's order, after which an add appends.
pub(crate) fn last_key(conn: &Connection, collection: i64) -> Result<Option<String>> {
    Ok(conn.prepare_cached("SELECT max(position) FROM member_order WHERE collection_id = ?1")?.query_row([collection], |r| r.get(0))?)
}
