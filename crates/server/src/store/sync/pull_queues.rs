//! The labeling queues and queue entries of one pull page (`pull.rs`): rows of the project whose
//! version is in the page's range, left out when the caller may not see the queue's collection
//! (a queue over a private collection is its namespace's, like the collection).

use crate::db::Connection;
use trove_protocol::queue::{QueueEntry, QueueStatus, SyncQueue, SyncQueueEntry};

use crate::error::Result;

/// The queues and entries of `project` with a version in `(since, upto]`; `visible(namespace,
/// private)` says whether the caller sees a collection.
pub(super) fn changed(
    conn: &Connection,
    project: i64,
    since: i64,
    upto: i64,
    visible: &mut dyn FnMut(i64, bool) -> Result<bool>,
) -> Result<(Vec<SyncQueue>, Vec<SyncQueueEntry>)> {
    let range = crate::db::params![project, since, upto];
    let names = |text: String| -> Vec<String> { serde_json::from_str(&text).unwrap_or_default() };
    let mut stmt = conn.prepare(
        "SELECT q.uuid, q.id, p.uuid, q.collection_uuid, q.name, q.annotators, q.reviewers, q.tags, q.closed, q.created_by, q.created_at, q.updated_at, \
                c.namespace_id, c.private \
         FROM queues q JOIN projects p ON p.id = q.project_id LEFT JOIN collections c ON c.id = q.collection_id \
         WHERE q.project_id = ?1 AND q.version > ?2 AND q.version <= ?3 ORDER BY q.version",
    )?;
    let rows = stmt
        .query_map(range, |r| {
            Ok((
                SyncQueue {
                    uuid: r.get(0)?,
                    id: r.get(1)?,
                    project: r.get(2)?,
                    collection: r.get(3)?,
                    name: r.get(4)?,
                    annotators: names(r.get(5)?),
                    reviewers: names(r.get(6)?),
                    tags: names(r.get(7)?),
                    closed: r.get(8)?,
                    created_by: r.get(9)?,
                    created_at: r.get(10)?,
                    updated_at: r.get(11)?,
                },
                r.get::<_, Option<i64>>(12)?.zip(r.get::<_, Option<bool>>(13)?),
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut queues = Vec::with_capacity(rows.len());
    for (q, access) in rows {
        if access.map_or(Ok(true), |(ns, private)| visible(ns, private))? {
            queues.push(q);
        }
    }

    let mut stmt = conn.prepare(
        "SELECT q.uuid, i.uuid, e.status, e.annotator, e.submission, e.comment, e.reviewer, c.namespace_id, c.private \
         FROM queue_entries e JOIN queues q ON q.id = e.queue_id JOIN items i ON i.id = e.item_id \
         LEFT JOIN collections c ON c.id = q.collection_id \
         WHERE e.project_id = ?1 AND e.version > ?2 AND e.version <= ?3 ORDER BY e.version",
    )?;
    let rows = stmt
        .query_map(range, |r| {
            Ok((
                SyncQueueEntry {
                    queue: r.get(0)?,
                    item: r.get(1)?,
                    entry: QueueEntry {
                        status: QueueStatus::parse(&r.get::<_, String>(2)?).unwrap_or(QueueStatus::Pending),
                        annotator: r.get(3)?,
                        submission: u32::try_from(r.get::<_, i64>(4)?).unwrap_or(u32::MAX),
                        comment: r.get(5)?,
                        reviewer: r.get(6)?,
                    },
                },
                r.get::<_, Option<i64>>(7)?.zip(r.get::<_, Option<bool>>(8)?),
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut entries = Vec::with_capacity(rows.len());
    for (e, access) in rows {
        if access.map_or(Ok(true), |(ns, private)| visible(ns, private))? {
            entries.push(e);
        }
    }
    Ok((queues, entries))
}
