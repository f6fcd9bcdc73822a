//! Labeling queues (issue 12), as the app's user works in them: list with counts, create from a
//! collection, close, the items of a queue by status, "my work", claim, submit, review and
//! "Move accepted to collection…".
//!
//! Every action is one transaction that applies its mutation through the rulebook
//! (`trove_rulebook::apply` over [`CacheReplica`], the code the server applies it with) and
//! appends it to the outbox, like adding items or tagging. Which items a queue holds, and with
//! which status, is THE ONE RULE of `trove_protocol::queue`, in SQL once
//! (`cache::queue_counts` for counts, `work::page` for lists; the filter clause
//! `Condition::Queue` is the same rule in `trove-filters`).
//!
//! Who acts: the server account for a synced project (`registry::account`), `"you"` in a
//! local project, who is then its only annotator, reviewer and editor.

mod moving;
mod work;

use std::collections::BTreeSet;

use rusqlite::Connection;
use trove_protocol::queue::{NewQueue, Queue, QueueCounts, QueueError};
use trove_protocol::Mutation;

pub use moving::move_accepted;
pub use work::{claim, items, my_work, review, submit};

use crate::cache::{CacheReplica, QueueRow};
use crate::error::{Error, Result};
use crate::registry::{self, LOCAL_USER};
use crate::{collections, outbox, projects};

/// Who the app's user is in `project`; refused in words while a synced project's account is
/// not known yet (it is learned from the server when the project is downloaded or synced).
pub fn current_user(conn: &Connection, project: i64) -> Result<String> {
    projects::require(conn, project)?;
    registry::account(conn, project)?.ok_or_else(|| {
        Error::Invalid("this copy does not know your account on its server yet; it learns it at the next sync with the server".into())
    })
}

/// The user names that may be named annotators or reviewers: `["you"]` in a local project; in a
/// synced one, the server's list as last fetched (`Store::set_people`), the user, and everyone
/// a queue names.
pub fn people(conn: &Connection, project: i64) -> Result<Vec<String>> {
    projects::require(conn, project)?;
    if !registry::is_synced(conn, project)? {
        return Ok(vec![LOCAL_USER.to_string()]);
    }
    let mut names: BTreeSet<String> = BTreeSet::new();
    names.extend(registry::account(conn, project)?);
    let fetched: String = conn.query_row("SELECT people FROM sync_projects WHERE project_id = ?1", [project], |r| r.get(0))?;
    names.extend(serde_json::from_str::<Vec<String>>(&fetched).unwrap_or_default());
    let mut stmt = conn.prepare("SELECT annotators, reviewers, created_by FROM queues WHERE project_id = ?1")?;
    let rows = stmt.query_map([project], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
    for row in rows {
        let (a, r, by) = row?;
        for list in [a, r] {
            names.extend(serde_json::from_str::<Vec<String>>(&list).unwrap_or_default());
        }
        names.insert(by);
    }
    names.retain(|n| !n.is_empty());
    Ok(names.into_iter().collect())
}

/// The queue `id`, or `NotFound`.
pub(crate) fn row(conn: &Connection, id: i64) -> Result<QueueRow> {
    QueueRow::get(conn, id)?.ok_or(Error::NotFound { what: "queue", id })
}

/// The queue as the app shows it, with `counts`, for the user `me`.
fn shown(conn: &Connection, q: QueueRow, counts: QueueCounts, me: &str) -> Result<Queue> {
    let manage = registry::role(conn, q.project_id)?.is_none_or(|role| role != "viewer");
    let open = q.open();
    Ok(Queue {
        id: q.id,
        api_id: q.api_id,
        uuid: q.uuid,
        project_id: q.project_id,
        collection_id: q.collection_id.unwrap_or(0),
        collection_title: q.collection_title,
        can_annotate: open && q.annotators.iter().any(|a| a == me),
        can_review: open && q.reviewers.iter().any(|r| r == me),
        can_manage: manage,
        name: q.name,
        annotators: q.annotators,
        reviewers: q.reviewers,
        tags: q.tags,
        closed: !open,
        counts,
    })
}

/// Every queue of the project, by name, with its counts.
pub fn list(conn: &Connection, project: i64) -> Result<Vec<Queue>> {
    projects::require(conn, project)?;
    let me = registry::account(conn, project)?.unwrap_or_default();
    let mut counts = crate::cache::queue_counts(conn, project, None)?;
    QueueRow::of_project(conn, project)?
        .into_iter()
        .map(|q| {
            let c = counts.remove(&q.id).unwrap_or_default();
            shown(conn, q, c, &me)
        })
        .collect()
}

/// One queue with fresh counts.
pub fn get(conn: &Connection, id: i64) -> Result<Queue> {
    let q = row(conn, id)?;
    let me = registry::account(conn, q.project_id)?.unwrap_or_default();
    let counts = crate::cache::queue_counts(conn, q.project_id, None)?.remove(&id).unwrap_or_default();
    shown(conn, q, counts, &me)
}

/// Applies a queue mutation of the app's user by the rulebook and records it in the outbox.
pub(crate) fn record(conn: &Connection, project: i64, m: &Mutation) -> Result<()> {
    trove_rulebook::apply(m, &mut CacheReplica::new(conn, project, "")?)?;
    outbox::append(conn, project, m)?;
    Ok(())
}

/// The queue's name as refusals quote it.
pub(crate) fn quoted(q: &QueueRow) -> String {
    format!("\u{201c}{}\u{201d}", q.name)
}

/// Refuses a user who does not hold `role` in the queue, or a closed queue: the rulebook's
/// sentences, naming the queue as the person knows it.
pub(crate) fn require(q: &QueueRow, me: &str, annotator: bool) -> Result<()> {
    let list = if annotator { &q.annotators } else { &q.reviewers };
    if !list.iter().any(|n| n == me) {
        let queue = quoted(q);
        let e = if annotator { QueueError::NotAnnotator { queue } } else { QueueError::NotReviewer { queue } };
        return Err(trove_protocol::rules::RuleError::from(e).into());
    }
    if !q.open() {
        return Err(trove_protocol::rules::RuleError::from(QueueError::Closed { queue: quoted(q) }).into());
    }
    Ok(())
}

/// Makes a queue over one of the project's collections. The creator is its editor; in a local
/// project an empty list of annotators or reviewers means the only user, `"you"`.
pub fn create(conn: &Connection, project: i64, input: &NewQueue) -> Result<Queue> {
    let me = current_user(conn, project)?;
    let source = collections::live(conn, input.collection_id)?;
    if source.project_id != project {
        return Err(Error::NotFound { what: "collection", id: input.collection_id });
    }
    let local = !registry::is_synced(conn, project)?;
    let or_you = |names: &[String]| if local && names.is_empty() { vec![LOCAL_USER.to_string()] } else { names.to_vec() };
    let uuid = uuid::Uuid::new_v4().to_string();
    let m = Mutation::CreateQueue {
        queue: uuid.clone(),
        project: conn.query_row("SELECT uuid FROM projects WHERE id = ?1", [project], |r| r.get(0))?,
        collection: collections::uuid_of(conn, input.collection_id)?,
        name: input.name.clone(),
        annotators: or_you(&input.annotators),
        reviewers: or_you(&input.reviewers),
        tags: input.tags.clone(),
    };
    record(conn, project, &m)?;
    let id = crate::cache::queue_id(conn, &uuid)?.ok_or(Error::NotFound { what: "queue", id: 0 })?;
    let counts = crate::cache::queue_counts(conn, project, None)?.remove(&id).unwrap_or_default();
    shown(conn, row(conn, id)?, counts, &me)
}

/// Closes a queue: nobody works in it any more; its history stays. Closing a closed queue does
/// nothing.
pub fn close(conn: &Connection, id: i64) -> Result<()> {
    let q = row(conn, id)?;
    if q.closed {
        return Ok(());
    }
    record(conn, q.project_id, &Mutation::CloseQueue { queue: q.uuid.clone() })
}

impl crate::Store {
    pub fn queues(&self, project: i64) -> Result<Vec<Queue>> {
        self.read(|c| list(c, project))
    }

    pub fn queue(&self, id: i64) -> Result<Queue> {
        self.read(|c| get(c, id))
    }

    pub fn create_queue(&self, project: i64, input: &NewQueue) -> Result<Queue> {
        self.write(|tx| create(tx, project, input))
    }

    pub fn close_queue(&self, id: i64) -> Result<()> {
        self.write(|tx| close(tx, id))
    }

    pub fn project_people(&self, project: i64) -> Result<Vec<String>> {
        self.read(|c| people(c, project))
    }

    /// Records the server's list of the users with a role in a synced project.
    pub fn set_people(&self, project: i64, names: &[String]) -> Result<()> {
        let json = serde_json::to_string(names).expect("strings serialize");
        self.write(|tx| Ok(tx.execute("UPDATE sync_projects SET people = ?1 WHERE project_id = ?2", rusqlite::params![json, project]).map(|_| ())?))
    }

    pub fn current_user(&self, project: i64) -> Result<String> {
        self.read(|c| current_user(c, project))
    }
}

#[cfg(test)]
mod tests;
