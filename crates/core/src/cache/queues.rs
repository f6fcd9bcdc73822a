//! The queue primitives of [`CacheReplica`](super::CacheReplica): the `queues` and
//! `queue_entries` rows of one project, written as the rulebook says. What a claim, a submit or
//! a review does is `trove_rulebook::queues`; nothing here decides it.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension};
use trove_protocol::queue::QueueCounts;
use trove_protocol::{QueueEntry, QueueStatus};
use trove_rulebook::{NewQueue, Seen};

use crate::db::now_ms;
use crate::error::Result;

/// One queue row with its collection's state.
#[derive(Debug, Clone)]
pub(crate) struct QueueRow {
    pub id: i64,
    pub uuid: String,
    pub api_id: Option<i64>,
    pub project_id: i64,
    /// The source collection, when this cache has it (live or deleted).
    pub collection_id: Option<i64>,
    pub collection_title: String,
    pub collection_live: bool,
    pub name: String,
    pub annotators: Vec<String>,
    pub reviewers: Vec<String>,
    pub tags: Vec<String>,
    pub closed: bool,
}

const QUEUE_COLUMNS: &str = "q.id, q.uuid, q.api_id, q.project_id, q.collection_id, coalesce(c.title, ''), \
     c.id IS NOT NULL AND c.deleted_at IS NULL, q.name, q.annotators, q.reviewers, q.tags, q.closed";

fn names(json: String) -> Vec<String> {
    serde_json::from_str(&json).unwrap_or_default()
}

impl QueueRow {
    fn from_row(r: &rusqlite::Row) -> rusqlite::Result<QueueRow> {
        Ok(QueueRow {
            id: r.get(0)?,
            uuid: r.get(1)?,
            api_id: r.get(2)?,
            project_id: r.get(3)?,
            collection_id: r.get(4)?,
            collection_title: r.get(5)?,
            collection_live: r.get(6)?,
            name: r.get(7)?,
            annotators: names(r.get(8)?),
            reviewers: names(r.get(9)?),
            tags: names(r.get(10)?),
            closed: r.get(11)?,
        })
    }

    /// Whether the queue follows its collection: not closed, and the collection is live here.
    pub fn open(&self) -> bool {
        !self.closed && self.collection_live
    }

    /// The queue `uuid` of `project`.
    pub fn find(conn: &Connection, project: i64, uuid: &str) -> Result<Option<QueueRow>> {
        Ok(conn
            .prepare_cached(&format!(
                "SELECT {QUEUE_COLUMNS} FROM queues q LEFT JOIN collections c ON c.id = q.collection_id WHERE q.uuid = ?1 AND q.project_id = ?2"
            ))?
            .query_row(rusqlite::params![uuid, project], Self::from_row)
            .optional()?)
    }

    /// The queue with local id `id`.
    pub fn get(conn: &Connection, id: i64) -> Result<Option<QueueRow>> {
        Ok(conn
            .prepare_cached(&format!("SELECT {QUEUE_COLUMNS} FROM queues q LEFT JOIN collections c ON c.id = q.collection_id WHERE q.id = ?1"))?
            .query_row([id], Self::from_row)
            .optional()?)
    }

    /// Every queue of the project, by name.
    pub fn of_project(conn: &Connection, project: i64) -> Result<Vec<QueueRow>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {QUEUE_COLUMNS} FROM queues q LEFT JOIN collections c ON c.id = q.collection_id WHERE q.project_id = ?1 ORDER BY q.name COLLATE NOCASE, q.id"
        ))?;
        let rows = stmt.query_map([project], Self::from_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

/// The local id of the queue `uuid`, in any project.
pub(crate) fn queue_id(conn: &Connection, uuid: &str) -> Result<Option<i64>> {
    Ok(conn.prepare_cached("SELECT id FROM queues WHERE uuid = ?1")?.query_row([uuid], |r| r.get(0)).optional()?)
}

pub(super) fn create(conn: &Connection, project: i64, q: &NewQueue<'_>, user: &str) -> Result<()> {
    let collection: Option<i64> = conn
        .prepare_cached("SELECT id FROM collections WHERE uuid = ?1 AND project_id = ?2")?
        .query_row(rusqlite::params![q.collection, project], |r| r.get(0))
        .optional()?;
    let json = |v: &[String]| serde_json::to_string(v).expect("strings serialize");
    let now = now_ms();
    conn.execute(
        "INSERT INTO queues (uuid, project_id, collection_id, collection_uuid, name, annotators, reviewers, tags, created_by, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
        rusqlite::params![q.queue, project, collection, q.collection, q.name, json(q.annotators), json(q.reviewers), json(q.tags), user, now],
    )?;
    Ok(())
}

/// Reads an entry from columns `at..at + 5` (status, annotator, submission, comment, reviewer);
/// `None` when the status is NULL (no entry).
pub(crate) fn entry_at(r: &rusqlite::Row, at: usize) -> rusqlite::Result<Option<QueueEntry>> {
    let status: Option<String> = r.get(at)?;
    let Some(status) = status.as_deref().and_then(QueueStatus::parse) else { return Ok(None) };
    Ok(Some(QueueEntry {
        status,
        annotator: r.get(at + 1)?,
        submission: r.get::<_, i64>(at + 2)?.clamp(0, u32::MAX as i64) as u32,
        comment: r.get(at + 3)?,
        reviewer: r.get(at + 4)?,
    }))
}

/// The entries of the given items in queue `q`, by item.
pub(crate) fn entries_of(conn: &Connection, q: i64, items: &[i64]) -> Result<HashMap<i64, QueueEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT item_id, status, annotator, submission, comment, reviewer FROM queue_entries WHERE queue_id = ?1 AND item_id IN rarray(?2)",
    )?;
    let rows = stmt
        .query_map(rusqlite::params![q, trove_sqlite::list(items)], |r| Ok((r.get::<_, i64>(0)?, entry_at(r, 1)?)))?
        .filter_map(|row| match row {
            Ok((item, Some(e))) => Some(Ok((item, e))),
            Ok((_, None)) => None,
            Err(e) => Some(Err(e)),
        })
        .collect::<Result<HashMap<_, _>, _>>()?;
    Ok(rows)
}

/// How queue `q` sees the items named by UUID (unknown ones left out, repeats once), in the
/// order given: member of its live source collection, and the entry.
pub(super) fn seen(conn: &Connection, project: i64, q: i64, items: &[String]) -> Result<Vec<Seen<i64>>> {
    let Some(queue) = QueueRow::get(conn, q)? else { return Ok(Vec::new()) };
    // An item named twice is seen once (its first place), as the server's query sees it.
    let mut once = std::collections::HashSet::new();
    let ids: Vec<i64> = super::item_ids(conn, project, items)?.into_iter().flatten().filter(|id| once.insert(*id)).collect();
    let members: std::collections::HashSet<i64> = match (queue.collection_live, queue.collection_id) {
        (true, Some(c)) => {
            let mut stmt = conn.prepare_cached("SELECT item_id FROM memberships WHERE collection_id = ?1 AND item_id IN rarray(?2)")?;
            let set = stmt.query_map(rusqlite::params![c, trove_sqlite::list(&ids)], |r| r.get(0))?.collect::<Result<_, _>>()?;
            set
        }
        _ => Default::default(),
    };
    let entries = entries_of(conn, q, &ids)?;
    Ok(ids.into_iter().map(|item| Seen { item, member: members.contains(&item), entry: entries.get(&item).cloned() }).collect())
}

pub(super) fn write_entry(conn: &Connection, q: i64, item: i64, e: &QueueEntry) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO queue_entries (queue_id, item_id, status, annotator, submission, comment, reviewer) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT (queue_id, item_id) DO UPDATE SET status = excluded.status, annotator = excluded.annotator, \
           submission = excluded.submission, comment = excluded.comment, reviewer = excluded.reviewer",
    )?
    .execute(rusqlite::params![q, item, e.status.as_str(), e.annotator, e.submission, e.comment, e.reviewer])?;
    Ok(())
}

/// The statuses an item keeps after it left the collection (and in a closed queue), bound as a
/// list.
pub(crate) fn kept() -> rusqlite::vtab::array::Array {
    let kept: Vec<String> = QueueStatus::ALL.iter().filter(|s| s.kept_after_removal()).map(|s| s.as_str().to_string()).collect();
    trove_sqlite::list(&kept)
}

/// Each queue's counts per status in `project`, by THE ONE RULE (`trove_protocol::queue`): the
/// live members of an open queue's collection are in it (pending without an entry), an entry
/// of another item only when it is history. With `matching` (a `SELECT i.id ...`), only those
/// items count. One statement of grouped counts, whatever the queue sizes.
pub(crate) fn counts(conn: &Connection, project: i64, matching: Option<&trove_filters::Sql>) -> Result<HashMap<i64, QueueCounts>> {
    use rusqlite::types::Value;
    use trove_filters::Param;
    let mut params: Vec<Param> = vec![Param::Value(Value::Integer(project)), Param::List(kept())];
    let only = |column: &str, params: &mut Vec<Param>| match matching {
        Some(sql) => {
            params.extend(sql.params.iter().cloned());
            format!(" AND {column} IN ({})", sql.text)
        }
        None => String::new(),
    };
    let entries = only("e.item_id", &mut params);
    let members = only("m.item_id", &mut params);
    let held = only("e.item_id", &mut params);
    // Pending = the open queue's members less those whose entry says otherwise: two counts
    // along indexes instead of a lookup per member.
    let text = format!(
        "WITH q AS (SELECT qq.id AS id, qq.collection_id AS c, (qq.closed = 0 AND qc.id IS NOT NULL AND qc.deleted_at IS NULL) AS open \
                    FROM queues qq LEFT JOIN collections qc ON qc.id = qq.collection_id WHERE qq.project_id = ?) \
         SELECT q.id, e.status, count(*) FROM q JOIN queue_entries e ON e.queue_id = q.id \
         WHERE e.status <> 'pending' AND (e.status IN rarray(?) \
           OR (q.open AND EXISTS (SELECT 1 FROM memberships m WHERE m.collection_id = q.c AND m.item_id = e.item_id))){entries} \
         GROUP BY q.id, e.status \
         UNION ALL \
         SELECT q.id, 'members', count(*) FROM q JOIN memberships m ON m.collection_id = q.c WHERE q.open{members} GROUP BY q.id \
         UNION ALL \
         SELECT q.id, 'held', count(*) FROM q JOIN queue_entries e ON e.queue_id = q.id \
           JOIN memberships m ON m.collection_id = q.c AND m.item_id = e.item_id WHERE q.open AND e.status <> 'pending'{held} GROUP BY q.id"
    );
    let mut stmt = conn.prepare(&text)?;
    let mut out: HashMap<i64, QueueCounts> = HashMap::new();
    let mut members: HashMap<i64, (u64, u64)> = HashMap::new();
    let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
    while let Some(r) = rows.next()? {
        let (q, status, n): (i64, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        match (status.as_str(), QueueStatus::parse(&status)) {
            ("members", _) => members.entry(q).or_default().0 = n as u64,
            ("held", _) => members.entry(q).or_default().1 = n as u64,
            (_, Some(status)) => out.entry(q).or_default().add(status, n as u64),
            _ => {}
        }
    }
    for (q, (all, held)) in members {
        out.entry(q).or_default().add(QueueStatus::Pending, all.saturating_sub(held));
    }
    Ok(out)
}
