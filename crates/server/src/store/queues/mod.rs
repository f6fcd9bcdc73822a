//! Labeling queues (issue 12; `trove_protocol::queue`): a queue follows one collection live, and
//! each item in it has a status. This module reads queues as a caller may see them, with their
//! counts, and runs the native API's actions. Every write builds a `Mutation` and applies it
//! with `trove_rulebook::apply` over [`ServerReplica`] (the status machine is the rulebook's, the
//! same code a pushed mutation runs); `replica.rs` holds the storage primitives and the
//! authority checks it calls. `entries.rs` lists a queue's items by THE ONE RULE of which
//! items a queue holds, and counts them with the same statement.
//!
//! A queue is visible to whoever may read its project and see its collection (a queue over a
//! private collection only to that collection's namespace); for anybody else it does not
//! exist (404, the same message as an unknown id).

mod entries;
mod people;
pub(crate) mod replica;

use crate::db::{Connection, OptionalExtension, Transaction};
use trove_protocol::api::{CollectionRef, NewQueueRequest, QueueInfo, QueueItemInfo, ReviewRefusal, ReviewRequest, ReviewResult, Role};
use trove_protocol::queue::{QueueError, CLAIM_MAX};
use trove_protocol::rules::{self, RuleError};
use trove_protocol::Mutation;

pub use entries::{counts, page, Order, Within};
pub use people::people;

use super::access::{self, Caller};
use super::sync::ServerReplica;
use super::{collections, new_uuid};
use crate::error::{Error, Result};

/// Most items one review request may decide on.
pub const REVIEW_MAX: usize = CLAIM_MAX;

/// A queue row as the server keeps it.
#[derive(Debug, Clone)]
pub struct QueueRow {
    pub id: i64,
    pub uuid: String,
    pub project: i64,
    pub collection: i64,
    pub collection_uuid: String,
    pub name: String,
    pub annotators: Vec<String>,
    pub reviewers: Vec<String>,
    pub tags: Vec<String>,
    /// Closed by an editor, or its collection was removed (softly or for good).
    pub closed: bool,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// The collection's namespace and privacy, while its row exists.
    collection_access: Option<(i64, bool)>,
}

const SELECT: &str = "SELECT q.id, q.uuid, q.project_id, q.collection_id, q.collection_uuid, q.name, q.annotators, q.reviewers, q.tags, \
     q.closed <> 0 OR c.id IS NULL OR c.deleted_at IS NOT NULL, q.created_by, q.created_at, q.updated_at, c.namespace_id, c.private \
     FROM queues q LEFT JOIN collections c ON c.id = q.collection_id";

fn names(text: String) -> Vec<String> {
    serde_json::from_str(&text).unwrap_or_default()
}

fn row(r: &crate::db::Row) -> crate::db::Result<QueueRow> {
    let ns: Option<i64> = r.get(13)?;
    let private: Option<bool> = r.get(14)?;
    Ok(QueueRow {
        id: r.get(0)?,
        uuid: r.get(1)?,
        project: r.get(2)?,
        collection: r.get(3)?,
        collection_uuid: r.get(4)?,
        name: r.get(5)?,
        annotators: names(r.get(6)?),
        reviewers: names(r.get(7)?),
        tags: names(r.get(8)?),
        closed: r.get(9)?,
        created_by: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
        collection_access: ns.zip(private),
    })
}

/// The caller's role in the queue's project, or `None` when the queue does not exist for them.
fn role_in(conn: &Connection, caller: &Caller, q: &QueueRow) -> Result<Option<Role>> {
    let Some(role) = access::project_role(conn, caller, q.project)? else { return Ok(None) };
    if let Some((ns, private)) = q.collection_access {
        if !access::sees_collection(conn, caller, ns, private)? {
            return Ok(None);
        }
    }
    Ok(Some(role))
}

/// The refusal of a queue that does not exist for the caller; `shown` is its id, or its UUID
/// quoted.
fn not_found(shown: &str) -> Error {
    Error::NotFound(format!("queue {shown} does not exist"))
}

fn find(conn: &Connection, caller: &Caller, cond: &str, value: &dyn crate::db::ToSql, shown: &str) -> Result<(QueueRow, Role)> {
    let q = conn.query_row(&format!("{SELECT} WHERE {cond}"), [value], row).optional()?.ok_or_else(|| not_found(shown))?;
    let role = role_in(conn, caller, &q)?.ok_or_else(|| not_found(shown))?;
    Ok((q, role))
}

/// The queue with integer id `id` and the caller's role in its project; 404 when it does not
/// exist for them.
pub fn by_id(conn: &Connection, caller: &Caller, id: i64) -> Result<(QueueRow, Role)> {
    find(conn, caller, "q.id = ?1", &id, &id.to_string())
}

/// The queue with UUID `uuid`, as [`by_id`].
pub fn by_uuid(conn: &Connection, caller: &Caller, uuid: &str) -> Result<(QueueRow, Role)> {
    find(conn, caller, "q.uuid = ?1", &uuid, &rules::quote(uuid))
}

/// A queue with its counts and what the caller may do in it.
pub fn info(conn: &Connection, caller: &Caller, q: &QueueRow, role: Role) -> Result<QueueInfo> {
    Ok(QueueInfo {
        id: q.id,
        uuid: q.uuid.clone(),
        project_id: q.project,
        collection_id: q.collection,
        collection_uuid: q.collection_uuid.clone(),
        name: q.name.clone(),
        annotators: q.annotators.clone(),
        reviewers: q.reviewers.clone(),
        tags: q.tags.clone(),
        closed: q.closed,
        created_by: q.created_by.clone(),
        created_at: q.created_at,
        updated_at: q.updated_at,
        counts: counts(conn, q)?,
        can_annotate: !q.closed && q.annotators.contains(&caller.name),
        can_review: !q.closed && q.reviewers.contains(&caller.name),
        can_manage: role >= Role::Editor,
    })
}

/// One queue the caller can see, with its counts.
pub fn get(conn: &Connection, caller: &Caller, id: i64) -> Result<QueueInfo> {
    let (q, role) = by_id(conn, caller, id)?;
    info(conn, caller, &q, role)
}

/// The queues of a project the caller can see, oldest first, with their counts.
pub fn list(conn: &Connection, caller: &Caller, project: i64) -> Result<Vec<QueueInfo>> {
    let role = access::require(conn, caller, project, Role::Viewer)?;
    let mut stmt = conn.prepare(&format!("{SELECT} WHERE q.project_id = ?1 ORDER BY q.id"))?;
    let rows = stmt.query_map([project], row)?.collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for q in rows {
        if role_in(conn, caller, &q)?.is_some() {
            out.push(info(conn, caller, &q, role)?);
        }
    }
    Ok(out)
}

/// Applies one mutation with the caller's rights, by the rulebook.
pub fn apply(tx: &Transaction, caller: &Caller, m: &Mutation) -> Result<()> {
    trove_rulebook::apply(m, &mut ServerReplica::new(tx, caller))
}

/// Creates a queue over one of the project's collections (needs the editor role).
pub fn create(tx: &Transaction, caller: &Caller, project: i64, new: &NewQueueRequest) -> Result<QueueInfo> {
    access::require(tx, caller, project, Role::Editor)?;
    // The collection is named in the body, not the path: one the caller cannot use is their
    // input's mistake (400), with the same words whether it does not exist or is not theirs.
    let c = match &new.collection {
        CollectionRef::Id(id) => collections::by_id(tx, caller, *id).map_err(|e| match e {
            Error::NotFound(m) => Error::Invalid(m),
            other => other,
        })?,
        CollectionRef::Uuid(uuid) => {
            let missing = || Error::Invalid(format!("collection {} does not exist", rules::quote(uuid)));
            let (id, _, deleted) = collections::by_uuid(tx, uuid)?.ok_or_else(missing)?;
            if deleted {
                return Err(missing());
            }
            collections::by_id(tx, caller, id).map_err(|_| missing())?
        }
    };
    if c.collection.project_id != project {
        return Err(Error::Invalid(format!("collection {} is not in project {project}; a queue follows a collection of its own project", c.collection.id)));
    }
    let project_uuid: String = tx.query_row("SELECT uuid FROM projects WHERE id = ?1", [project], |r| r.get(0))?;
    let uuid = new_uuid();
    apply(
        tx,
        caller,
        &Mutation::CreateQueue {
            queue: uuid.clone(),
            project: project_uuid,
            collection: c.uuid,
            name: new.name.clone(),
            annotators: new.annotators.clone(),
            reviewers: new.reviewers.clone(),
            tags: new.tags.clone(),
        },
    )?;
    let (q, role) = by_uuid(tx, caller, &uuid)?;
    info(tx, caller, &q, role)
}

/// Closes a queue (needs the editor role); closing a closed queue changes nothing.
pub fn close(tx: &Transaction, caller: &Caller, id: i64) -> Result<QueueInfo> {
    let (q, _) = by_id(tx, caller, id)?;
    let role = access::require(tx, caller, q.project, Role::Editor)?;
    apply(tx, caller, &Mutation::CloseQueue { queue: q.uuid.clone() })?;
    let (q, _) = by_id(tx, caller, id)?;
    info(tx, caller, &q, role)
}

/// The caller claims the next `count` pending items (in collection order); returns those now
/// theirs.
pub fn claim(tx: &Transaction, caller: &Caller, id: i64, count: u32) -> Result<Vec<QueueItemInfo>> {
    if count == 0 || count as usize > CLAIM_MAX {
        return Err(Error::Invalid(format!("count {count} is not valid; claim 1 to {CLAIM_MAX} items at once")));
    }
    let (q, _) = by_id(tx, caller, id)?;
    let next = entries::pending(tx, &q, count)?;
    let uuids: Vec<String> = next.iter().map(|(_, u)| u.clone()).collect();
    apply(tx, caller, &Mutation::ClaimItems { queue: q.uuid.clone(), items: uuids })?;
    let ids: Vec<i64> = next.iter().map(|(i, _)| *i).collect();
    let mine = entries::of_items(tx, &q, &ids)?;
    Ok(mine.into_iter().filter(|i| i.entry.annotator.as_deref() == Some(caller.name.as_str()) && i.entry.status == trove_protocol::QueueStatus::Annotating).collect())
}

/// The item `item` of the queue's project by UUID, or the queue's refusal.
fn item_uuid(conn: &Connection, q: &QueueRow, item: i64) -> Result<String> {
    conn.query_row("SELECT uuid FROM items WHERE id = ?1 AND project_id = ?2", [item, q.project], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::Rule(RuleError::Queue(QueueError::NotInQueue { queue: trove_protocol::rules::quote(&q.name) })))
}

/// The caller submits one item with its tag changes; returns the item as it is now.
pub fn submit(tx: &Transaction, caller: &Caller, id: i64, item: i64, add: &[String], remove: &[String]) -> Result<QueueItemInfo> {
    let (q, _) = by_id(tx, caller, id)?;
    let uuid = item_uuid(tx, &q, item)?;
    apply(tx, caller, &Mutation::SubmitItem { queue: q.uuid.clone(), item: uuid, add: add.to_vec(), remove: remove.to_vec() })?;
    entries::of_items(tx, &q, &[item])?.pop().ok_or_else(|| Error::Internal(anyhow::anyhow!("submitted item {item} is not in queue {id}")))
}

/// Whether a refusal is about the whole request (the caller's role, a closed queue) rather
/// than one item.
fn whole(e: &Error) -> bool {
    matches!(e, Error::Rule(RuleError::Queue(QueueError::NotReviewer { .. } | QueueError::Closed { .. })) | Error::Internal(_) | Error::Forbidden(_))
}

/// The caller accepts or rejects items, each at the submission they saw. A role or a closed
/// queue refuses the whole request; a stale or unsubmitted item is refused alone.
pub fn review(tx: &Transaction, caller: &Caller, id: i64, req: &ReviewRequest) -> Result<ReviewResult> {
    rules::at_most("items", "review", req.items.len(), REVIEW_MAX)?;
    trove_protocol::queue::comment(&req.comment).map_err(RuleError::from)?;
    let (q, _) = by_id(tx, caller, id)?;
    let mut out = ReviewResult { applied: 0, refused: Vec::new() };
    for r in &req.items {
        let m = match item_uuid(tx, &q, r.item) {
            Ok(uuid) => Mutation::ReviewItem { queue: q.uuid.clone(), item: uuid, submission: r.submission, accept: req.accept, comment: req.comment.clone() },
            Err(e) => {
                out.refused.push(ReviewRefusal { item: r.item, code: e.code(), message: e.to_string() });
                continue;
            }
        };
        tx.execute_batch("SAVEPOINT review_item")?;
        match apply(tx, caller, &m) {
            Ok(()) => {
                tx.execute_batch("RELEASE review_item")?;
                out.applied += 1;
            }
            Err(e) => {
                tx.execute_batch("ROLLBACK TO review_item; RELEASE review_item")?;
                if whole(&e) {
                    return Err(e);
                }
                out.refused.push(ReviewRefusal { item: r.item, code: e.code(), message: e.to_string() });
            }
        }
    }
    Ok(out)
}
