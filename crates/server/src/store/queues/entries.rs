//! Which items a queue holds, with their statuses: THE ONE RULE of `trove_protocol::queue` as
//! one statement ([`HELD`]). While the queue is open, every live member of its collection is in
//! it (pending without an entry); an entry of an item that is not a member counts only when it
//! is history (done, accepted, rejected); a closed queue (or one whose collection was removed)
//! holds only that history. Listing and counting read the same rows, so the counts are always
//! the sum of what the lists show.

use crate::db::Value;
use crate::db::Connection;
use trove_protocol::api::QueueItemInfo;
use trove_protocol::queue::{QueueCounts, QueueEntry, QueueStatus};

use super::QueueRow;
use crate::error::Result;
use crate::store::items::{info, COLUMNS, EXTRA};

/// The items the queue `?1` holds: `(item, grp, pos)`, members of collection `?2` first (in
/// collection order) while `?3` (open), then the history of items that left, by item id.
const HELD: &str = "SELECT m.item_id AS item, 0 AS grp, m.position AS pos FROM memberships m WHERE ?3 <> 0 AND m.collection_id = ?2 \
     UNION ALL SELECT e.item_id, 1, '' FROM queue_entries e WHERE e.queue_id = ?1 AND e.status IN ('done', 'accepted', 'rejected') \
     AND NOT (?3 <> 0 AND EXISTS (SELECT 1 FROM memberships x WHERE x.collection_id = ?2 AND x.item_id = e.item_id))";

/// The status of a held row `h` with its entry `e` joined.
const STATUS: &str = "coalesce(e.status, 'pending')";

/// The entry columns after an item's, from `e`.
const ENTRY: &str = "coalesce(e.status, 'pending'), e.annotator, coalesce(e.submission, 0), coalesce(e.comment, ''), e.reviewer";

fn base(q: &QueueRow) -> Vec<Value> {
    vec![q.id.into(), q.collection.into(), (!q.closed).into()]
}

/// How many items of the queue have each status.
pub fn counts(conn: &Connection, q: &QueueRow) -> Result<QueueCounts> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {STATUS}, count(*) FROM ({HELD}) h LEFT JOIN queue_entries e ON e.queue_id = ?1 AND e.item_id = h.item GROUP BY 1"
    ))?;
    let mut out = QueueCounts::default();
    let rows = stmt.query_map(crate::db::params_from_iter(base(q)), |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    for row in rows {
        let (status, n) = row?;
        if let Some(s) = QueueStatus::parse(&status) {
            out.add(s, n as u64);
        }
    }
    Ok(out)
}

/// The order of a listing.
#[derive(Debug, Clone, Copy)]
pub enum Order {
    /// Collection order, then the history of items that left, by id (the native API's).
    Queue,
    /// By an item column (a fixed name, never input), ties by id.
    Item { column: &'static str, desc: bool },
}

/// Only the members of (`include`) or the items outside a collection (Supervisely's
/// `entities_collection` filter); the collection was checked to be visible.
#[derive(Debug, Clone, Copy)]
pub struct Within {
    pub collection: i64,
    pub include: bool,
}

fn entry(r: &crate::db::Row, at: usize) -> crate::db::Result<QueueEntry> {
    Ok(QueueEntry {
        status: QueueStatus::parse(&r.get::<_, String>(at)?).unwrap_or(QueueStatus::Pending),
        annotator: r.get(at + 1)?,
        submission: u32::try_from(r.get::<_, i64>(at + 2)?).unwrap_or(u32::MAX),
        comment: r.get(at + 3)?,
        reviewer: r.get(at + 4)?,
    })
}

fn item_row(r: &crate::db::Row) -> crate::db::Result<QueueItemInfo> {
    Ok(QueueItemInfo { item: info(r, false)?, entry: entry(r, 18)? })
}

/// The total and one page (`offset`, at most `limit`) of the queue's items whose status is one
/// of `statuses` (all when `None`), in `order`, within (or outside) the collections `within`.
pub fn page(conn: &Connection, q: &QueueRow, statuses: Option<&[QueueStatus]>, within: &[Within], order: Order, offset: u64, limit: u32) -> Result<(u64, Vec<QueueItemInfo>)> {
    let mut params = base(q);
    let mut cond = String::from(" WHERE true");
    if let Some(statuses) = statuses {
        let names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
        params.push(serde_json::to_string(&names)?.into());
        cond.push_str(&format!(" AND {STATUS} IN (SELECT value FROM json_each(?{}))", params.len()));
    }
    for w in within {
        params.push(w.collection.into());
        let not = if w.include { "" } else { "NOT " };
        cond.push_str(&format!(" AND h.item {not}IN (SELECT item_id FROM memberships WHERE collection_id = ?{})", params.len()));
    }
    let from = format!(" FROM ({HELD}) h JOIN items i ON i.id = h.item LEFT JOIN queue_entries e ON e.queue_id = ?1 AND e.item_id = h.item{cond}");
    let total: i64 = conn.query_row(&format!("SELECT count(*){from}"), crate::db::params_from_iter(params.iter()), |r| r.get(0))?;
    let order_by = match order {
        Order::Queue => " ORDER BY h.grp, h.pos, h.item".to_string(),
        Order::Item { column, desc } => {
            let dir = if desc { "DESC" } else { "ASC" };
            format!(" ORDER BY i.{column} {dir}, i.id {dir}")
        }
    };
    let sql = format!("SELECT {COLUMNS}, {EXTRA}, {ENTRY}{from}{order_by} LIMIT {limit} OFFSET {offset}");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(crate::db::params_from_iter(params.iter()), item_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok((total as u64, rows))
}

/// The next `count` pending items of an open queue in collection order, as `(id, uuid)`.
pub(super) fn pending(conn: &Connection, q: &QueueRow, count: u32) -> Result<Vec<(i64, String)>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT h.item, i.uuid FROM ({HELD}) h JOIN items i ON i.id = h.item LEFT JOIN queue_entries e ON e.queue_id = ?1 AND e.item_id = h.item \
         WHERE {STATUS} = 'pending' ORDER BY h.grp, h.pos, h.item LIMIT ?4"
    ))?;
    let mut params = base(q);
    params.push(i64::from(count).into());
    let rows = stmt.query_map(crate::db::params_from_iter(params), |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The items among `ids` that the queue holds, with their entries, in the order of `ids`.
pub(super) fn of_items(conn: &Connection, q: &QueueRow, ids: &[i64]) -> Result<Vec<QueueItemInfo>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS}, {EXTRA}, {ENTRY} FROM ({HELD}) h JOIN items i ON i.id = h.item \
         LEFT JOIN queue_entries e ON e.queue_id = ?1 AND e.item_id = h.item WHERE h.item IN rarray(?4)"
    ))?;
    let found = stmt
        .query_map(crate::db::params![q.id, q.collection, !q.closed, trove_sqlite::list(ids)], item_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ids.iter().filter_map(|id| found.iter().find(|f| f.item.item.id == *id).cloned()).collect())
}
