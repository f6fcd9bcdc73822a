//! The outbox: mutations recorded in the same transaction as the change they describe, in
//! mutation-id order, waiting for the sync engine to push them. Only projects that are copies of
//! a server project record mutations; a local project has nobody to tell.

use rusqlite::{Connection, OptionalExtension};
use trove_protocol::Mutation;

use crate::error::{Error, Result};

/// Appends `m`, made in `project`, and returns its mutation id; `None` when the project is not
/// synced. Call it inside the action's transaction.
///
/// A viewer's change is refused here, so the action's transaction changes nothing: the server
/// would refuse it, and since it no longer re-stamps what a caller without the role named (issue
/// 9, finding 7), no pull would undo its optimistic effect. Work in a labeling queue is the
/// exception: a queue's annotators and reviewers need a role in the project, not the editor's,
/// and the rulebook has already checked that the user is one of them.
pub fn append(conn: &Connection, project: i64, m: &Mutation) -> Result<Option<i64>> {
    let role: Option<String> =
        conn.prepare_cached("SELECT role FROM sync_projects WHERE project_id = ?1")?.query_row([project], |r| r.get(0)).optional()?;
    let queue_work = matches!(m, Mutation::ClaimItems { .. } | Mutation::SubmitItem { .. } | Mutation::ReviewItem { .. });
    match role.as_deref() {
        None => return Ok(None),
        Some("viewer") if !queue_work => {
            let name = crate::registry::full_name(conn, project)?;
            return Err(Error::Invalid(format!("you are a viewer of {name}; only its editors and admins can change it")));
        }
        Some(_) => {}
    }
    let json = serde_json::to_string(m).expect("mutations always serialize");
    conn.execute(
        "INSERT INTO outbox (mutation, created_at, project_id) VALUES (?1, ?2, ?3)",
        rusqlite::params![json, crate::db::now_ms(), project],
    )?;
    Ok(Some(conn.last_insert_rowid()))
}

/// One outbox row.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub id: i64,
    pub project: i64,
    pub mutation: Mutation,
    /// Length of the stored JSON, to size push batches without serializing again.
    pub bytes: usize,
}

fn parse(id: i64, project: Option<i64>, json: String) -> rusqlite::Result<Pending> {
    let mutation = serde_json::from_str(&json)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e)))?;
    Ok(Pending { id, project: project.unwrap_or(0), mutation, bytes: json.len() })
}

/// Pending mutations after id `after`, oldest first, at most `limit` of them and (beyond the
/// first) at most `max_bytes` of JSON.
pub fn batch(conn: &Connection, after: i64, limit: usize, max_bytes: usize) -> Result<Vec<Pending>> {
    let mut stmt = conn.prepare("SELECT id, project_id, mutation FROM outbox WHERE id > ?1 ORDER BY id LIMIT ?2")?;
    let mut rows = stmt.query(rusqlite::params![after, limit as i64])?;
    let (mut out, mut bytes) = (Vec::new(), 0usize);
    while let Some(r) = rows.next()? {
        let p = parse(r.get(0)?, r.get(1)?, r.get(2)?)?;
        if !out.is_empty() && bytes + p.bytes > max_bytes {
            break;
        }
        bytes += p.bytes;
        out.push(p);
    }
    Ok(out)
}

/// The pending mutations of one project, oldest first.
pub fn of_project(conn: &Connection, project: i64) -> Result<Vec<Pending>> {
    let mut stmt = conn.prepare("SELECT id, project_id, mutation FROM outbox WHERE project_id = ?1 ORDER BY id")?;
    let rows = stmt.query_map([project], |r| parse(r.get(0)?, r.get(1)?, r.get(2)?))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Drops every mutation up to `last` (the server acknowledged them).
pub fn acknowledge(conn: &Connection, last: i64) -> Result<u64> {
    Ok(conn.execute("DELETE FROM outbox WHERE id <= ?1", [last])? as u64)
}

/// The highest mutation id this database has ever issued (0 before the first), durably: the
/// outbox's AUTOINCREMENT sequence, which never goes back while the file lives. A server that
/// has applied a higher id for this client id saw changes of another file — an older copy of
/// this one was restored over it.
pub fn issued(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0)", [], |r| r.get(0))?)
}

/// Records, before a push is sent, that mutations up to `last` have been sent to a server.
pub fn record_sent(conn: &Connection, last: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('sent_up_to', ?1) \
         ON CONFLICT (key) DO UPDATE SET value = max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))",
        [last.to_string()],
    )?;
    Ok(())
}

/// The highest mutation id this database has ever sent to a server. A server that has applied
/// a higher one for this client id got it from another file: this one is an older copy of it,
/// restored, and its unsent ids may repeat ids the server has. (A database from before this
/// was recorded answers the highest id it issued, a weaker bound.)
pub fn sent(conn: &Connection) -> Result<i64> {
    match crate::meta::get(conn, "sent_up_to")? {
        Some(v) => Ok(v.parse().unwrap_or(i64::MAX)),
        None => issued(conn),
    }
}

pub fn len(conn: &Connection) -> Result<u64> {
    Ok(conn.query_row("SELECT count(*) FROM outbox", [], |r| r.get::<_, i64>(0))? as u64)
}

impl crate::Store {
    /// Mutations waiting to be pushed, oldest first.
    pub fn outbox(&self) -> Result<Vec<(i64, Mutation)>> {
        self.read(|c| Ok(batch(c, 0, usize::MAX >> 2, usize::MAX)?.into_iter().map(|p| (p.id, p.mutation)).collect()))
    }

    /// The id of the oldest change waiting, if any.
    pub fn first_pending(&self) -> Result<Option<i64>> {
        self.read(|c| Ok(c.query_row("SELECT min(id) FROM outbox", [], |r| r.get(0))?))
    }

    /// See [`record_sent`].
    pub fn record_sent(&self, last: i64) -> Result<()> {
        self.write(|tx| record_sent(tx, last))
    }

    /// See [`sent`].
    pub fn sent(&self) -> Result<i64> {
        self.read(sent)
    }

    /// See [`issued`].
    pub fn issued(&self) -> Result<i64> {
        self.read(issued)
    }

    /// How many changes wait for the server.
    pub fn pending(&self) -> Result<u64> {
        self.read(len)
    }

    /// How many imported files wait among them (`import_items`: items and thumbnails to upload).
    pub fn uploading(&self) -> Result<u64> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT coalesce(sum(json_array_length(mutation, '$.args.items')), 0) FROM outbox WHERE json_extract(mutation, '$.name') = 'import_items'",
                [],
                |r| r.get::<_, i64>(0),
            )? as u64)
        })
    }
}
