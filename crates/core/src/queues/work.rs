//! Working in a queue: its items by status (paged), the user's own work, claim, submit, review.

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;
use trove_protocol::mutation::ITEMS_MAX;
use trove_protocol::queue::{self, QueueItem, QueueItemPage, ReviewOutcome, CLAIM_MAX};
use trove_protocol::rules::{self, PAGE_MAX};
use trove_protocol::queue::Queue;
use trove_protocol::{ErrorCode, Mutation, QueueStatus};

use super::{current_user, record, require, row};
use crate::cache::{entries_of, entry_at, kept, QueueRow};
use crate::error::{Error, Result};
use crate::filters::list;
use crate::items::{self, COLUMNS};
use crate::members::item_uuids;

/// Which of a queue's items a [`page`] lists.
#[derive(Default)]
struct Which<'a> {
    statuses: Option<&'a [QueueStatus]>,
    annotator: Option<&'a str>,
    ids: Option<&'a [i64]>,
}

/// The queue's items with their entries, by THE ONE RULE: the live members of its collection
/// while it is open (in the collection's order, read along its index), then the history of
/// items that left it (by item id); and how many there are.
fn page(conn: &Connection, q: &QueueRow, which: &Which<'_>, offset: u64, limit: u64) -> Result<(Vec<QueueItem>, u64)> {
    let statuses: Vec<String> = which.statuses.unwrap_or(&QueueStatus::ALL).iter().map(|s| s.as_str().to_string()).collect();
    let mut filter = String::from(" AND coalesce(e.status, 'pending') IN rarray(:statuses)");
    if which.annotator.is_some() {
        filter.push_str(" AND e.annotator = :annotator");
    }
    if which.ids.is_some() {
        filter.push_str(" AND i.id IN rarray(:ids)");
    }
    // Without pending, only items with an entry qualify: read from the entries, not the members.
    let members = if which.statuses.is_some_and(|s| !s.contains(&QueueStatus::Pending)) {
        format!(
            " FROM queue_entries e JOIN memberships m ON m.collection_id = :collection AND m.item_id = e.item_id JOIN items i ON i.id = e.item_id \
              WHERE :open AND e.queue_id = :queue AND e.status IN rarray(:statuses){filter}"
        )
    } else {
        format!(
            " FROM member_order m JOIN items i ON i.id = m.item_id LEFT JOIN queue_entries e ON e.queue_id = :queue AND e.item_id = m.item_id \
              WHERE :open AND m.collection_id = :collection{filter}"
        )
    };
    let history = format!(
        " FROM queue_entries e JOIN items i ON i.id = e.item_id WHERE e.queue_id = :queue AND e.status IN rarray(:kept) \
          AND NOT (:open AND EXISTS (SELECT 1 FROM memberships y WHERE y.collection_id = :collection AND y.item_id = e.item_id)){filter}"
    );
    let (statuses, ids, kept) = (list(&statuses), list(which.ids.unwrap_or(&[])), kept());
    let all: [(&str, &dyn rusqlite::ToSql); 7] = [
        (":open", &q.open()),
        (":collection", &q.collection_id),
        (":queue", &q.id),
        (":statuses", &statuses),
        (":annotator", &which.annotator),
        (":ids", &ids),
        (":kept", &kept),
    ];
    // Each statement binds the parameters it names.
    type Named<'a> = Vec<(&'a str, &'a dyn rusqlite::ToSql)>;
    let prepare = |sql: &str| -> Result<(rusqlite::Statement<'_>, Named<'_>)> {
        let stmt = conn.prepare(sql)?;
        let named = all.iter().filter(|(n, _)| matches!(stmt.parameter_index(n), Ok(Some(_)))).copied().collect();
        Ok((stmt, named))
    };
    let count = |from: &str| -> Result<u64> {
        let (mut stmt, named) = prepare(&format!("SELECT count(*){from}"))?;
        Ok(stmt.query_row(&named[..], |r| r.get::<_, i64>(0))? as u64)
    };
    let read = |from: &str, order: &str, offset: u64, limit: u64| -> Result<Vec<QueueItem>> {
        let sql = format!(
            "SELECT {COLUMNS}, coalesce(e.status, 'pending'), e.annotator, coalesce(e.submission, 0), coalesce(e.comment, ''), e.reviewer{from} \
             ORDER BY {order} LIMIT {limit} OFFSET {offset}"
        );
        let (mut stmt, named) = prepare(&sql)?;
        let rows = stmt
            .query_map(&named[..], |r| Ok(QueueItem { item: items::item(r, false)?, entry: entry_at(r, 15)?.unwrap_or_else(queue::QueueEntry::pending) }))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    };
    let (in_collection, left) = (count(&members)?, count(&history)?);
    let mut out = Vec::new();
    if offset < in_collection {
        out = read(&members, "m.position, m.item_id", offset, limit)?;
    }
    let rest = limit.saturating_sub(out.len() as u64);
    if rest > 0 && offset + (out.len() as u64) < in_collection + left {
        out.extend(read(&history, "e.item_id", offset.saturating_sub(in_collection), rest)?);
    }
    Ok((out, in_collection + left))
}

/// A page of the queue's items with one status (every item of the queue when `None`).
pub fn items(conn: &Connection, id: i64, status: Option<QueueStatus>, offset: u64, limit: u32) -> Result<QueueItemPage> {
    if limit > PAGE_MAX {
        return Err(Error::Invalid(format!("page size {limit} is too large; at most {PAGE_MAX} items per page")));
    }
    let q = row(conn, id)?;
    let statuses = status.map(|s| [s]);
    let (items, total) = page(conn, &q, &Which { statuses: statuses.as_ref().map(|s| &s[..]), ..Default::default() }, offset, limit as u64)?;
    Ok(QueueItemPage { items, total })
}

/// The items the user holds in the queue: claimed by them, and sent back to them after a
/// rejection. Nothing while the queue is closed.
pub fn my_work(conn: &Connection, id: i64) -> Result<Vec<QueueItem>> {
    let q = row(conn, id)?;
    let me = current_user(conn, q.project_id)?;
    if !q.open() {
        return Ok(Vec::new());
    }
    let which = Which { statuses: Some(&[QueueStatus::Annotating, QueueStatus::Rejected]), annotator: Some(&me), ids: None };
    Ok(page(conn, &q, &which, 0, i64::MAX as u64)?.0)
}

/// Claims the next `count` pending items, in the collection's order (at most [`CLAIM_MAX`]);
/// returns those now held by the user.
pub fn claim(conn: &Connection, id: i64, count: u32) -> Result<Vec<QueueItem>> {
    let q = row(conn, id)?;
    let me = current_user(conn, q.project_id)?;
    if count == 0 || count as usize > CLAIM_MAX {
        return Err(Error::Invalid(format!("a claim takes 1 to {CLAIM_MAX} items; {count} were asked for")));
    }
    require(&q, &me, true)?;
    let Some(collection) = q.collection_id else { return Ok(Vec::new()) };
    let mut stmt = conn.prepare(
        "SELECT m.item_id FROM member_order m WHERE m.collection_id = ?1 \
           AND NOT EXISTS (SELECT 1 FROM queue_entries e WHERE e.queue_id = ?2 AND e.item_id = m.item_id AND e.status <> 'pending') \
         ORDER BY m.position, m.item_id LIMIT ?3",
    )?;
    let ids: Vec<i64> = stmt.query_map(rusqlite::params![collection, q.id, count], |r| r.get(0))?.collect::<Result<_, _>>()?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let uuids = item_uuids(conn, &ids)?;
    let items: Vec<String> = ids.iter().map(|i| uuids[i].clone()).collect();
    record(conn, q.project_id, &Mutation::ClaimItems { queue: q.uuid.clone(), items })?;
    let which = Which { statuses: Some(&[QueueStatus::Annotating]), annotator: Some(&me), ids: Some(&ids) };
    Ok(page(conn, &q, &which, 0, ids.len() as u64)?.0)
}

fn clean(tags: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = tags.iter().map(|t| rules::tag(t)).collect::<Result<_, _>>()?;
    out.sort();
    out.dedup();
    Ok(out)
}

/// The item's UUID, if it is an item of `project`.
fn item_uuid(conn: &Connection, project: i64, item: i64) -> Result<String> {
    conn.query_row("SELECT uuid FROM items WHERE id = ?1 AND project_id = ?2", [item, project], |r| r.get(0))
        .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Error::NotFound { what: "item", id: item },
            e => e.into(),
        })
}

/// Submits the item: its tags (`add`, `remove`) and its labeled flag are set on the item
/// itself, and it is `done`. Returns the queue with fresh counts.
pub fn submit(conn: &Connection, id: i64, item: i64, add: &[String], remove: &[String]) -> Result<Queue> {
    let q = row(conn, id)?;
    let me = current_user(conn, q.project_id)?;
    require(&q, &me, true)?;
    let (add, remove) = (clean(add)?, clean(remove)?);
    let item = item_uuid(conn, q.project_id, item)?;
    record(conn, q.project_id, &Mutation::SubmitItem { queue: q.uuid.clone(), item, add, remove })?;
    super::get(conn, id)
}

/// Accepts or rejects each item at the submission this copy has, one `review_item` mutation
/// per item. An item the rulebook refuses (not submitted, submitted again since) is left as it
/// is and reported in a sentence; the others are applied.
pub fn review(conn: &Connection, id: i64, item_ids: &[i64], accept: bool, comment: &str) -> Result<ReviewOutcome> {
    let q = row(conn, id)?;
    let me = current_user(conn, q.project_id)?;
    require(&q, &me, false)?;
    let comment = queue::comment(comment).map_err(rules::RuleError::from)?;
    if item_ids.len() > ITEMS_MAX {
        return Err(rules::RuleError::TooMany { what: "items", action: "review", n: item_ids.len(), max: ITEMS_MAX }.into());
    }
    let entries = entries_of(conn, q.id, item_ids)?;
    let names: HashMap<i64, (String, String)> = {
        let mut stmt = conn.prepare("SELECT id, uuid, name FROM items WHERE id IN rarray(?1) AND project_id = ?2")?;
        let rows = stmt.query_map(rusqlite::params![list(item_ids), q.project_id], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut out = ReviewOutcome { applied: 0, refused: Vec::new() };
    let mut seen = HashSet::new();
    for item in item_ids.iter().filter(|i| seen.insert(**i)) {
        let Some((uuid, name)) = names.get(item) else {
            out.refused.push(format!("item {item} does not exist"));
            continue;
        };
        let submission = entries.get(item).map_or(0, |e| e.submission);
        let m = Mutation::ReviewItem { queue: q.uuid.clone(), item: uuid.clone(), submission, accept, comment: comment.clone() };
        conn.execute_batch("SAVEPOINT review")?;
        match record(conn, q.project_id, &m) {
            Ok(()) => {
                conn.execute_batch("RELEASE review")?;
                out.applied += 1;
            }
            Err(e) => {
                conn.execute_batch("ROLLBACK TO review; RELEASE review")?;
                if e.code() == ErrorCode::Internal {
                    return Err(e);
                }
                out.refused.push(format!("{name}: {e}"));
            }
        }
    }
    Ok(out)
}

impl crate::Store {
    pub fn queue_items(&self, queue: i64, status: Option<QueueStatus>, offset: u64, limit: u32) -> Result<QueueItemPage> {
        self.read(|c| items(c, queue, status, offset, limit))
    }

    pub fn my_queue_work(&self, queue: i64) -> Result<Vec<QueueItem>> {
        self.read(|c| my_work(c, queue))
    }

    pub fn claim_queue_items(&self, queue: i64, count: u32) -> Result<Vec<QueueItem>> {
        self.write(|tx| claim(tx, queue, count))
    }

    pub fn submit_queue_item(&self, queue: i64, item: i64, add: &[String], remove: &[String]) -> Result<Queue> {
        self.write(|tx| submit(tx, queue, item, add, remove))
    }

    pub fn review_queue_items(&self, queue: i64, items: &[i64], accept: bool, comment: &str) -> Result<ReviewOutcome> {
        self.write(|tx| review(tx, queue, items, accept, comment))
    }
}
