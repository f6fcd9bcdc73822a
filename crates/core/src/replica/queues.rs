//! Applying a pulled page's labeling queues and queue entries to the copy: each row is written
//! only where it differs (the echo of this cache's own queue actions writes nothing), like the
//! page's collections and memberships.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension};
use trove_protocol::sync::PullResponse;

use super::{item_ids, Written};
use crate::error::Result;

/// Writes the page's queues; then links every queue of the project whose collection arrived
/// after it.
pub(super) fn apply_queues(conn: &Connection, project: i64, page: &PullResponse, out: &mut Written) -> Result<()> {
    let json = |v: &[String]| serde_json::to_string(v).expect("strings serialize");
    let mut stmt = conn.prepare_cached(
        "INSERT INTO queues (uuid, api_id, project_id, collection_id, collection_uuid, name, annotators, reviewers, tags, closed, created_by, created_at, updated_at) \
         VALUES (?1, ?2, ?3, (SELECT id FROM collections WHERE uuid = ?4 AND project_id = ?3), ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
         ON CONFLICT (uuid) DO UPDATE SET api_id = excluded.api_id, collection_id = excluded.collection_id, collection_uuid = excluded.collection_uuid, \
           name = excluded.name, annotators = excluded.annotators, reviewers = excluded.reviewers, tags = excluded.tags, closed = excluded.closed, \
           created_by = excluded.created_by, created_at = excluded.created_at, updated_at = excluded.updated_at \
         WHERE queues.project_id = excluded.project_id AND (queues.api_id IS NOT excluded.api_id OR queues.collection_id IS NOT excluded.collection_id \
           OR queues.name IS NOT excluded.name OR queues.annotators IS NOT excluded.annotators OR queues.reviewers IS NOT excluded.reviewers \
           OR queues.tags IS NOT excluded.tags OR queues.closed IS NOT excluded.closed OR queues.created_by IS NOT excluded.created_by \
           OR queues.created_at IS NOT excluded.created_at OR queues.updated_at IS NOT excluded.updated_at)",
    )?;
    for q in &page.queues {
        let written = stmt.execute(rusqlite::params![
            q.uuid,
            q.id,
            project,
            q.collection,
            q.name,
            json(&q.annotators),
            json(&q.reviewers),
            json(&q.tags),
            q.closed,
            q.created_by,
            q.created_at,
            q.updated_at
        ])?;
        out.row(written > 0);
    }
    conn.execute(
        "UPDATE queues SET collection_id = (SELECT c.id FROM collections c WHERE c.uuid = queues.collection_uuid AND c.project_id = queues.project_id) \
         WHERE project_id = ?1 AND collection_id IS NULL AND EXISTS (SELECT 1 FROM collections c WHERE c.uuid = queues.collection_uuid AND c.project_id = ?1)",
        [project],
    )?;
    Ok(())
}

/// Writes the page's queue entries (an entry of a queue or item this copy does not have is
/// left out).
pub(super) fn apply_entries(conn: &Connection, project: i64, page: &PullResponse, out: &mut Written) -> Result<()> {
    if page.queue_entries.is_empty() {
        return Ok(());
    }
    let uuids: Vec<String> = page.queue_entries.iter().map(|e| e.item.clone()).collect();
    let items = item_ids(conn, project, &uuids)?;
    let mut queues: HashMap<&str, Option<i64>> = HashMap::new();
    let mut find = conn.prepare_cached("SELECT id FROM queues WHERE uuid = ?1 AND project_id = ?2")?;
    let mut upsert = conn.prepare_cached(
        "INSERT INTO queue_entries (queue_id, item_id, status, annotator, submission, comment, reviewer) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT (queue_id, item_id) DO UPDATE SET status = excluded.status, annotator = excluded.annotator, \
           submission = excluded.submission, comment = excluded.comment, reviewer = excluded.reviewer \
         WHERE queue_entries.status IS NOT excluded.status OR queue_entries.annotator IS NOT excluded.annotator \
           OR queue_entries.submission IS NOT excluded.submission OR queue_entries.comment IS NOT excluded.comment \
           OR queue_entries.reviewer IS NOT excluded.reviewer",
    )?;
    for (e, item) in page.queue_entries.iter().zip(items) {
        let queue = match queues.get(e.queue.as_str()) {
            Some(q) => *q,
            None => {
                let q: Option<i64> = find.query_row(rusqlite::params![e.queue, project], |r| r.get(0)).optional()?;
                queues.insert(&e.queue, q);
                q
            }
        };
        let (Some(queue), Some(item)) = (queue, item) else { continue };
        let x = &e.entry;
        let written = upsert.execute(rusqlite::params![queue, item, x.status.as_str(), x.annotator, x.submission, x.comment, x.reviewer])?;
        out.row(written > 0);
    }
    Ok(())
}
