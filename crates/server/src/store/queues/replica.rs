//! The queue primitives of the server's replica (`store::sync::ServerReplica` implements
//! `trove_rulebook::ReplicaStore` with these): they write what the rulebook decided, and make
//! the checks only the server can: the caller's role in the project, that a queue's collection
//! is one of its project's, that annotators and reviewers have a role there.

use crate::db::{OptionalExtension, Transaction};
use trove_protocol::api::Role;
use trove_protocol::queue::QueueEntry;
use trove_protocol::rules;
use trove_rulebook::{NewQueue, QueueState, Seen};

use crate::error::{Error, Result};
use crate::store::access::{self, Caller};
use crate::store::{collections, now_ms};

/// A queue as the rulebook acts in it.
#[derive(Debug, Clone, Copy)]
pub struct QueueHandle {
    pub id: i64,
    pub project: i64,
    pub collection: i64,
}

pub fn exists(tx: &Transaction, uuid: &str) -> Result<bool> {
    Ok(tx.query_row("SELECT EXISTS (SELECT 1 FROM queues WHERE uuid = ?1)", [uuid], |r| r.get(0))?)
}

/// Refuses a name that is not a user with a role in `project`.
fn check_person(tx: &Transaction, project: i64, name: &str, what: &str) -> Result<()> {
    let user: Option<(i64, bool)> = tx.query_row("SELECT id, is_admin FROM users WHERE name = ?1", [name], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
    let role = match user {
        Some((user_id, is_admin)) => access::project_role(tx, &Caller { user_id, name: name.to_string(), is_admin }, project)?,
        None => None,
    };
    if role.is_none() {
        return Err(Error::Invalid(format!(
            "{} has no role in project {project}; {what} must be people with a role in the project",
            rules::quote(name)
        )));
    }
    Ok(())
}

/// Makes a queue: the caller needs the editor role in the project, the collection must be a
/// live one of that project they can see, every annotator and reviewer a person of the project.
pub fn create(tx: &Transaction, caller: &Caller, q: NewQueue<'_>) -> Result<()> {
    let project: i64 = tx
        .query_row("SELECT id FROM projects WHERE uuid = ?1", [q.project], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("project {} does not exist", rules::quote(q.project))))?;
    access::require(tx, caller, project, Role::Editor)?;
    let missing = || Error::NotFound(format!("collection {} does not exist", rules::quote(q.collection)));
    let (collection, in_project, deleted) = collections::by_uuid(tx, q.collection)?.ok_or_else(missing)?;
    if deleted {
        return Err(missing());
    }
    collections::by_id(tx, caller, collection).map_err(|_| missing())?;
    if in_project != project {
        return Err(Error::Invalid(format!("collection {} is not in project {project}; a queue follows a collection of its own project", rules::quote(q.collection))));
    }
    for name in q.annotators {
        check_person(tx, project, name, "annotators")?;
    }
    for name in q.reviewers {
        check_person(tx, project, name, "reviewers")?;
    }
    let now = now_ms();
    tx.execute(
        "INSERT INTO queues (uuid, project_id, collection_id, collection_uuid, name, annotators, reviewers, tags, created_by, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
        crate::db::params![
            q.queue,
            project,
            collection,
            q.collection,
            q.name,
            serde_json::to_string(q.annotators)?,
            serde_json::to_string(q.reviewers)?,
            serde_json::to_string(q.tags)?,
            caller.name,
            now
        ],
    )?;
    Ok(())
}

/// The queue `uuid` with who may do what in it. One that does not exist, or not for the caller,
/// is refused (404): the server never acts in a queue it does not know.
pub fn state(tx: &Transaction, caller: &Caller, uuid: &str) -> Result<QueueState<QueueHandle>> {
    let (q, _) = super::by_uuid(tx, caller, uuid)?;
    Ok(QueueState {
        handle: QueueHandle { id: q.id, project: q.project, collection: q.collection },
        name: q.name,
        closed: q.closed,
        annotators: q.annotators,
        reviewers: q.reviewers,
    })
}

/// Closes a queue; needs the editor role in its project.
pub fn close(tx: &Transaction, caller: &Caller, q: QueueHandle) -> Result<()> {
    access::require(tx, caller, q.project, Role::Editor)?;
    tx.execute("UPDATE queues SET closed = 1, updated_at = ?1 WHERE id = ?2", crate::db::params![now_ms(), q.id])?;
    Ok(())
}

/// How the queue sees the items named by UUID (items of other projects left out): whether each
/// is a live member of the collection, and its entry. Also returns each item's project.
pub fn items(tx: &Transaction, q: QueueHandle, uuids: &[String]) -> Result<Vec<Seen<i64>>> {
    let mut stmt = tx.prepare_cached(
        "SELECT i.id, \
            EXISTS (SELECT 1 FROM memberships m JOIN collections c ON c.id = m.collection_id \
                    WHERE m.collection_id = ?2 AND m.item_id = i.id AND c.deleted_at IS NULL), \
            e.status, e.annotator, e.submission, e.comment, e.reviewer \
         FROM json_each(?4) j JOIN items i ON i.uuid = j.value AND i.project_id = ?3 \
         LEFT JOIN queue_entries e ON e.queue_id = ?1 AND e.item_id = i.id ORDER BY j.key",
    )?;
    let rows = stmt
        .query_map(crate::db::params![q.id, q.collection, q.project, serde_json::to_string(uuids)?], |r| {
            let status: Option<String> = r.get(2)?;
            let entry = match status.as_deref().and_then(trove_protocol::QueueStatus::parse) {
                Some(status) => Some(QueueEntry {
                    status,
                    annotator: r.get(3)?,
                    submission: u32::try_from(r.get::<_, i64>(4)?).unwrap_or(u32::MAX),
                    comment: r.get(5)?,
                    reviewer: r.get(6)?,
                }),
                None => None,
            };
            Ok(Seen { item: r.get(0)?, member: r.get(1)?, entry })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn write_entry(tx: &Transaction, q: QueueHandle, item: i64, e: &QueueEntry) -> Result<()> {
    tx.execute(
        "INSERT INTO queue_entries (queue_id, item_id, project_id, status, annotator, submission, comment, reviewer, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
         ON CONFLICT (queue_id, item_id) DO UPDATE SET status = excluded.status, annotator = excluded.annotator, \
            submission = excluded.submission, comment = excluded.comment, reviewer = excluded.reviewer, updated_at = excluded.updated_at",
        crate::db::params![q.id, item, q.project, e.status.as_str(), e.annotator, e.submission, e.comment, e.reviewer, now_ms()],
    )?;
    Ok(())
}

/// Marks the items labeled (`labels_count = 1` where it is 0); returns those that were not.
pub fn mark_labeled(tx: &Transaction, items: &[i64]) -> Result<Vec<i64>> {
    let mut stmt = tx.prepare_cached("UPDATE items SET labels_count = 1 WHERE id IN rarray(?1) AND labels_count = 0 RETURNING id")?;
    let rows = stmt.query_map([trove_sqlite::list(items)], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
    Ok(rows)
}

/// Re-stamps what a refused queue mutation named (see `store::sync::restamp`), so the next pull
/// replaces the client's optimistic copy: the queue row, and the entries of `items` (an item
/// without an entry gets a `pending` one, which holds what no entry would), and with
/// `item_rows` the items themselves (a refused submission's tags). Only for a caller who can
/// see the queue and works in it (an annotator, a reviewer or an editor of the project), so
/// nobody else can make everyone's next pull carry rows; at most the items one mutation names.
pub fn restamp(tx: &Transaction, caller: &Caller, queue: &str, items: &[String], item_rows: bool) -> Result<()> {
    let Ok((q, role)) = super::by_uuid(tx, caller, queue) else { return Ok(()) };
    if role < Role::Editor && !q.annotators.contains(&caller.name) && !q.reviewers.contains(&caller.name) {
        return Ok(());
    }
    let next = || crate::store::sync::next_version(tx);
    tx.execute("UPDATE queues SET version = ?1 WHERE id = ?2", crate::db::params![next()?, q.id])?;
    let ids: Vec<i64> = {
        let mut stmt = tx.prepare("SELECT i.id FROM json_each(?1) j JOIN items i ON i.uuid = j.value AND i.project_id = ?2")?;
        let ids = stmt.query_map(crate::db::params![serde_json::to_string(items)?, q.project], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
        ids
    };
    for id in ids {
        let version = next()?;
        let stamped = tx.execute("UPDATE queue_entries SET version = ?1 WHERE queue_id = ?2 AND item_id = ?3", crate::db::params![version, q.id, id])?;
        if stamped == 0 {
            tx.execute(
                "INSERT INTO queue_entries (queue_id, item_id, project_id, status, updated_at, version) VALUES (?1, ?2, ?3, 'pending', ?4, ?5)",
                crate::db::params![q.id, id, q.project, now_ms(), version],
            )?;
        }
        if item_rows {
            tx.execute("UPDATE items SET version = ?1 WHERE id = ?2", crate::db::params![next()?, id])?;
        }
    }
    Ok(())
}
