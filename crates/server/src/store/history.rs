//! The history of each collection (issue 16): one row per accepted change, written in the
//! transaction that makes the change, by the functions every path reaches — `collections`
//! (create, update, delete), the rulebook's writes of memberships (`sync::ServerReplica`:
//! pairs, sets, notes, moves) and the native API's member updates — so a pushed mutation, a
//! REST call and a compatibility API call are recorded alike. A change that changed nothing
//! (an add of items already there, a rename to the same title) is not recorded.
//!
//! Items are kept by their number in the project (`ItemSet` text), at most one mutation's
//! worth per row. Rows are forgotten by `prune` with the tombstones' window (`sync::prune`),
//! and with their collection when it is deleted for good. Who may read them is whoever may see
//! the collection (`collections::resolve`).

use crate::db::{Connection, Transaction};
use trove_protocol::history::{detail as cut, Change, ChangeKind, ChangesPage, CheckedQuery, PAGE_ITEMS_TEXT_MAX};
use trove_protocol::itemset::ItemSet;
use trove_protocol::api::CollectionInfo;
use trove_sqlite::list;

use super::access::Caller;
use super::now_ms;
use crate::error::Result;

/// The items a change names.
pub enum Named<'a> {
    /// A change of the collection's fields.
    Nothing,
    /// Items by their row id.
    Ids(&'a [i64]),
    /// Items by their number in the project, and how many rows the change wrote.
    Numbers(&'a [i64], usize),
}


/// Records one change of collection `collection` (of project `project`) by `caller`, now.
pub fn record(tx: &Transaction, caller: &Caller, project: i64, collection: i64, kind: ChangeKind, named: Named, detail: &str) -> Result<()> {
    let (items, count) = match named {
        Named::Nothing => (String::new(), 0),
        Named::Ids(ids) if ids.is_empty() => return Ok(()),
        Named::Ids(ids) => {
            let mut stmt = tx.prepare("SELECT no FROM items WHERE id IN rarray(?1) AND no IS NOT NULL ORDER BY no")?;
            let numbers: Vec<i64> = stmt.query_map([list(ids)], |r| r.get(0))?.collect::<crate::db::Result<_>>()?;
            (ItemSet::encode(&numbers).as_str().to_string(), ids.len())
        }
        Named::Numbers(_, 0) => return Ok(()),
        Named::Numbers(numbers, count) => (ItemSet::encode(numbers).as_str().to_string(), count),
    };
    tx.execute(
        "INSERT INTO collection_history (project_id, collection_id, user_id, changed_at, kind, item_count, items, detail) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        crate::db::params![project, collection, caller.user_id, now_ms(), kind.as_str(), count as i64, items, cut(detail)],
    )?;
    Ok(())
}

/// Forgets the history of a collection deleted for good (nobody can ask for it any more).
pub fn forget(tx: &Transaction, collection: i64) -> Result<()> {
    tx.execute("DELETE FROM collection_history WHERE collection_id = ?1", [collection])?;
    Ok(())
}

/// Forgets the changes accepted at or before `cutoff` (ms); returns how many.
pub fn prune(tx: &Transaction, cutoff: i64) -> Result<usize> {
    Ok(tx.execute("DELETE FROM collection_history WHERE changed_at <= ?1", [cutoff])?)
}

/// A page of the history of `c` (a collection the caller may see: resolve it first), newest
/// first, as `q` asks.
pub fn page(conn: &Connection, c: &CollectionInfo, q: &CheckedQuery) -> Result<ChangesPage> {
    let mut sql = String::from(
        "SELECT h.id, coalesce(u.name, ''), h.changed_at, h.kind, h.item_count, h.items, h.detail \
         FROM collection_history h LEFT JOIN users u ON u.id = h.user_id WHERE h.collection_id = ?1",
    );
    let mut params: Vec<crate::db::Value> = vec![c.collection.id.into()];
    if let Some(author) = &q.author {
        params.push(author.clone().into());
        sql.push_str(&format!(" AND u.name = ?{}", params.len()));
    }
    if let Some(kind) = q.kind {
        params.push(kind.as_str().to_string().into());
        sql.push_str(&format!(" AND h.kind = ?{}", params.len()));
    }
    if let Some(before) = q.before {
        params.push(before.into());
        sql.push_str(&format!(" AND h.id < ?{}", params.len()));
    }
    params.push((i64::from(q.limit) + 1).into());
    sql.push_str(&format!(" ORDER BY h.id DESC LIMIT ?{}", params.len()));
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map(crate::db::params_from_iter(params), |r| {
            let kind: String = r.get(3)?;
            Ok(Change {
                id: r.get(0)?,
                author: r.get(1)?,
                at: r.get(2)?,
                kind: ChangeKind::parse(&kind).unwrap_or(ChangeKind::Updated),
                count: r.get::<_, i64>(4)?.max(0) as u64,
                items: r.get(5)?,
                detail: r.get(6)?,
            })
        })?;
    // Up to `limit` changes and, past the first, at most PAGE_ITEMS_TEXT_MAX of item sets; one
    // more row read says whether older changes exist.
    let (mut changes, mut text, mut more) = (Vec::new(), 0usize, false);
    for row in rows {
        let change = row?;
        text += change.items.len();
        if changes.len() == q.limit as usize || (!changes.is_empty() && text > PAGE_ITEMS_TEXT_MAX) {
            more = true;
            break;
        }
        changes.push(change);
    }
    let next_before = if more { changes.last().map(|c| c.id) } else { None };
    Ok(ChangesPage { changes, next_before })
}
