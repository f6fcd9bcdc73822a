//! "Move accepted to collection…": one action that adds a queue's accepted items to another
//! collection (an existing one, or a new one) and removes them from the queue's source
//! collection — exactly the app's add and remove, so two collection mutations.

use rusqlite::Connection;
use trove_protocol::queue::{MoveOutcome, MoveTarget};
use trove_protocol::{NewCollection, QueueStatus, Selection};

use super::row;
use crate::error::{Error, Result};
use crate::{collections, members};

/// The queue's accepted items (members first in the collection's order, then history).
fn accepted(conn: &Connection, q: i64) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare(
        "SELECT e.item_id FROM queue_entries e JOIN queues q ON q.id = e.queue_id \
         LEFT JOIN memberships m ON m.collection_id = q.collection_id AND m.item_id = e.item_id \
         WHERE e.queue_id = ?1 AND e.status = ?2 ORDER BY m.position IS NULL, m.position, e.item_id",
    )?;
    let ids = stmt.query_map(rusqlite::params![q, QueueStatus::Accepted.as_str()], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
    Ok(ids)
}

/// Adds the accepted items of queue `id` to `target` and removes them from the queue's
/// collection, in one transaction (`owner` owns a new collection).
pub fn move_accepted(conn: &Connection, id: i64, target: &MoveTarget, owner: &str) -> Result<MoveOutcome> {
    let q = row(conn, id)?;
    let source = match (q.collection_id, q.collection_live) {
        (Some(c), true) => c,
        _ => return Err(Error::Invalid(format!("the collection of queue {} was deleted; there is nothing to move the items from", super::quoted(&q)))),
    };
    let ids = accepted(conn, q.id)?;
    if ids.is_empty() {
        return Err(Error::Invalid(format!("queue {} has no accepted items to move", super::quoted(&q))));
    }
    let target = match target {
        MoveTarget::Existing { collection_id } => {
            let c = collections::live(conn, *collection_id)?;
            if c.project_id != q.project_id {
                return Err(Error::NotFound { what: "collection", id: *collection_id });
            }
            if *collection_id == source {
                return Err(Error::Invalid(format!("the accepted items are in \u{201c}{}\u{201d} already; choose another collection", c.title)));
            }
            *collection_id
        }
        MoveTarget::New { title } => {
            let input = NewCollection { title: title.clone(), description: String::new(), private: false, theme: None };
            collections::create(conn, q.project_id, &input, owner)?.id
        }
    };
    let selection = Selection::Ids { ids: ids.clone() };
    members::add(conn, q.project_id, target, &selection, owner)?;
    members::remove(conn, q.project_id, source, &selection)?;
    Ok(MoveOutcome { moved: ids.len() as u64, collection: collections::get(conn, target)? })
}

impl crate::Store {
    pub fn move_accepted(&self, queue: i64, target: &MoveTarget) -> Result<MoveOutcome> {
        self.write(|tx| move_accepted(tx, queue, target, self.actor()))
    }
}
