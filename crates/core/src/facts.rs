//! The in-memory index of counts: what the filter panel's total and facet counts are computed
//! from, so that a filter change over a million items costs set operations, not a scan per
//! facet. Roaring bitmaps of item ids per project, dataset, kind, tag and collection, the
//! labeled flag, and each item's sizes, dimensions and dates in an array for the range clauses.
//! A total is a bitmap's cardinality; a facet's counts are intersection cardinalities.
//!
//! It is built from the cache the first time a summary is asked for, and kept current from
//! `facts_log` (`migrations/006_facts.sql`): triggers record every changed item row, item-tag
//! pair and collection made or deleted, whoever wrote it (the user's actions, a pull, the demo),
//! and the few statements that write memberships log them set-based (a row trigger would cost
//! seconds of a million-item add); before each use the index re-reads only what those rows name,
//! in the same read transaction as the answer (bulk tags and touches log one row per tag or
//! per touch, under [`quietly`]). Past [`REBUILD_AT`] changes it rebuilds instead. Name searches and
//! queue-status clauses are answered by SQL (the name index) and then combined as bitmaps.
//!
//! The answers equal the SQL compiler's (`trove-filters`): `tests.rs` compares them over random
//! catalogs and queries. Item ids past `u32::MAX` (never seen: SQLite assigns them from 1) make
//! the index unavailable, and the SQL path answers instead.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

use roaring::RoaringBitmap;
use rusqlite::Connection;

use crate::error::Result;

mod build;
mod eval;
mod names;
mod page;
#[cfg(test)]
mod tests;

/// More pending changes than this and the index is rebuilt rather than patched (a pull of a
/// whole catalog, a bulk add of every item).
pub const REBUILD_AT: usize = 100_000;

/// What the range clauses test, per item id. `NONE` stands for a missing width or height.
#[derive(Debug, Clone, Copy, Default)]
struct Row {
    size: i64,
    created: i64,
    updated: i64,
    width: u32,
    height: u32,
}

const NONE: u32 = u32::MAX;

/// The index over every project of the cache (item ids are the cache's rowids).
#[derive(Debug, Default)]
pub(crate) struct Facts {
    /// The last `facts_log.seq` applied.
    consumed: i64,
    rows: Vec<Row>,
    projects: HashMap<i64, RoaringBitmap>,
    datasets: HashMap<i64, RoaringBitmap>,
    kinds: HashMap<String, RoaringBitmap>,
    labeled: RoaringBitmap,
    tags: HashMap<i64, RoaringBitmap>,
    /// Members of every collection, deleted ones included (as the SQL "in collection C").
    collections: HashMap<i64, RoaringBitmap>,
    /// Collections not deleted (what "in any collection" looks at).
    live: HashSet<i64>,
    /// Every item's name, for "name contains".
    names: names::Names,
    /// Each project's item ids in name order (the default sort), read on first use and
    /// forgotten when an item changes: a filtered page in name order is the first ids of it
    /// that match, however the matches sit in that order.
    by_name: Mutex<HashMap<i64, std::sync::Arc<Vec<u32>>>>,
}

/// The index as a [`crate::Store`] holds it: built on first use, shared by every reader.
#[derive(Default)]
pub(crate) struct Index {
    state: Mutex<State>,
    /// The last log row the index applied, which the next write may delete.
    applied: AtomicI64,
    pruned: AtomicI64,
}

#[derive(Default)]
enum State {
    #[default]
    Unbuilt,
    Ready(Box<Facts>),
    /// The cache holds ids the index cannot (see the module doc): SQL answers.
    Unavailable,
}

/// The index held by one user (see [`Index::hold`]).
pub(crate) struct Held<'a>(std::sync::MutexGuard<'a, State>);

impl Index {
    /// Takes the index for one use. Take it before a read connection: a user waiting for the
    /// index (while it is built, a second) must not hold one of the pool's few readers, which a
    /// read that needs no index (the first page of a project opening) is waiting for.
    pub fn hold(&self) -> Held<'_> {
        Held(self.state.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Runs `f` on the index brought up to date with what `conn` sees, in one read transaction
    /// with it; `None` when the index is unavailable.
    pub fn with<T>(&self, held: &mut Held<'_>, conn: &Connection, f: impl FnOnce(&Connection, Option<&Facts>) -> Result<T>) -> Result<T> {
        let state = &mut held.0;
        let tx = conn.unchecked_transaction()?;
        let current = match std::mem::take(&mut **state) {
            State::Unavailable => State::Unavailable,
            State::Unbuilt => build::build(&tx)?.map_or(State::Unavailable, |f| State::Ready(Box::new(f))),
            State::Ready(mut facts) => match facts.refresh(&tx) {
                Ok(true) => State::Ready(facts),
                Ok(false) => build::build(&tx)?.map_or(State::Unavailable, |f| State::Ready(Box::new(f))),
                // Left unbuilt: the next use starts over rather than trusting a half-applied log.
                Err(e) => return Err(e),
            },
        };
        **state = current;
        let facts = match &**state {
            State::Ready(facts) => {
                self.applied.store(facts.consumed, Ordering::Relaxed);
                Some(&**facts)
            }
            _ => None,
        };
        f(&tx, facts)
    }

    /// Deletes the log rows the index has applied but the last (which keeps the next sequence
    /// number past it); runs inside each write transaction.
    pub fn prune(&self, tx: &Connection) -> rusqlite::Result<()> {
        let applied = self.applied.load(Ordering::Relaxed);
        if applied > self.pruned.load(Ordering::Relaxed) {
            tx.execute("DELETE FROM facts_log WHERE seq < ?1", [applied])?;
            self.pruned.store(applied, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Forgets the log of an earlier run: an index is built from the tables on first use, and
    /// applies what is logged after that.
    pub fn start(tx: &Connection) -> rusqlite::Result<()> {
        tx.execute("DELETE FROM facts_log", []).map(|_| ())
    }
}

/// Past this many pairs, a membership change is logged as the whole collection's.
const PAIRS_AT_MOST: usize = 1_000;

/// Logs that the membership of `items` in `collection` may have changed. Memberships have no
/// trigger (see `migrations/006_facts.sql`): every statement that inserts or deletes
/// memberships calls this in its transaction (`tests.rs` checks the sources for it).
pub(crate) fn members_changed(conn: &Connection, collection: i64, items: &[i64]) -> rusqlite::Result<()> {
    if items.len() > PAIRS_AT_MOST {
        return collection_changed(conn, collection);
    }
    conn.prepare_cached("INSERT INTO facts_log (what, item, key) SELECT 2, value, ?1 FROM rarray(?2)")?
        .execute(rusqlite::params![collection, crate::filters::list(items)])
        .map(|_| ())
}

/// Logs that any of `collection`'s members may have changed.
pub(crate) fn collection_changed(conn: &Connection, collection: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO facts_log (what, item, key) VALUES (5, 0, ?1)")?.execute([collection]).map(|_| ())
}

/// Logs that any item's pairs with `tag` may have changed: the index reads the tag's items again.
pub(crate) fn tag_changed(conn: &Connection, tag: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO facts_log (what, item, key) VALUES (6, 0, ?1)")?.execute([tag]).map(|_| ())
}

/// Logs that items of `project` were touched at `stamp` and nothing else of their rows the index
/// holds changed: it reads again the ids whose `updated_at` is `stamp` (the index by update time).
pub(crate) fn items_touched(conn: &Connection, project: i64, stamp: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO facts_log (what, item, key) VALUES (7, ?1, ?2)")?.execute([project, stamp]).map(|_| ())
}

/// The change-log triggers on items and their tags.
pub(crate) const ITEM_TRIGGERS: &[&str] = &["facts_item_insert", "facts_item_update", "facts_item_delete", "facts_tag_insert", "facts_tag_delete"];

/// Logs that the index must be built again (a statement past [`REBUILD_AT`] rows wrote under
/// [`quietly`] without saying which).
pub(crate) fn rebuild(conn: &Connection) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO facts_log (what, item, key) VALUES (8, 0, 0)")?.execute([]).map(|_| ())
}

/// Runs `f` without the change-log triggers `triggers`, for a bulk statement that logs what it
/// changed set-based itself ([`tag_changed`], [`items_touched`]): a row trigger costs a log row
/// per row, most of a million-item tag. The triggers are dropped and made again from their own
/// definitions (`sqlite_master`) in the caller's transaction, so nothing here repeats the
/// migrations and a failure rolls back to them.
pub(crate) fn quietly<T>(conn: &Connection, triggers: &[&str], f: impl FnOnce() -> Result<T>) -> Result<T> {
    let mut defs = Vec::with_capacity(triggers.len());
    for name in triggers {
        let sql: String = conn.query_row("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?1", [name], |r| r.get(0))?;
        conn.execute_batch(&format!("DROP TRIGGER {name}"))?;
        defs.push(sql);
    }
    let out = f();
    for sql in &defs {
        conn.execute_batch(sql)?;
    }
    out
}

/// An item id as the bitmaps hold it, or `None` past what they can.
fn key(id: i64) -> Option<u32> {
    u32::try_from(id).ok()
}
