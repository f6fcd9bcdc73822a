//! The local copy of a server project (DESIGN §4): which projects are copies, applying a pulled
//! page in one transaction, and replaying the pending mutations on top of it.
//!
//! The copy is always "the server's state as of the cookie, plus this cache's pending mutations".
//! Applying a page overwrites every row it carries with the server's state, then replays the
//! still-pending mutations (the server has not seen them, so they must win over what it sent).
//! Replay runs the server's own rules — the one rulebook (`trove_rulebook::apply`) over the cache
//! ([`CacheReplica`]) — and every mutation is idempotent, so replaying one whose effect is
//! already in place changes nothing. A row touched
//! by a mutation that the server refused is re-sent by the server with its true state, so the
//! optimistic local effect disappears on the next pull.
//!
//! Labeling queues and their entries are copied the same way (`queues.rs`): pulled rows
//! overwrite the copy where they differ, and pending claims, submits and reviews are replayed
//! on top by the rulebook (a refused one, say a submit another annotator's beat, leaves nothing).


use rusqlite::{Connection, OptionalExtension};
use trove_protocol::remote::Refusal;
use trove_protocol::sync::{PullResponse, RejectedMutation};
use trove_protocol::{position, ProjectKind};

use crate::db::now_ms;
use crate::error::Result;
use crate::outbox;

/// A server project to keep a copy of.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteProject {
    pub uuid: String,
    pub name: String,
    pub kind: ProjectKind,
    pub description: String,
    /// The server's base URL.
    pub server: String,
    /// Where collections created here go, and the caller's role.
    pub namespace: String,
    pub role: String,
}

/// A synced project as the engine needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Synced {
    pub project: i64,
    pub uuid: String,
    pub server: String,
    pub cookie: i64,
    pub synced_at: Option<i64>,
}

/// What applying one page did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Applied {
    /// Rows the page carried (0: nothing changed on the server). A download's progress counts
    /// these.
    pub carried: usize,
    /// Of those, rows that differed from the copy and were written (a reset counts as one more
    /// when it dropped anything). 0 when the page brought what the copy already had: then
    /// nothing was written and nothing replayed.
    pub written: usize,
    /// Of the written rows, those whose change can show (all but a collection whose only
    /// difference was the server's `updated_at`): what tells the UI to read again.
    pub changed: usize,
    /// Outbox rows dropped because the server has applied them.
    pub acknowledged: u64,
    /// Pending mutations replayed on top.
    pub replayed: usize,
}

/// Makes (or refreshes) the local copy's project row and its sync state; returns its id. The
/// local project takes the server project's UUID, which is how the two are matched.
pub fn attach(conn: &Connection, p: &RemoteProject) -> Result<i64> {
    let existing: Option<i64> = conn.query_row("SELECT id FROM projects WHERE uuid = ?1", [&p.uuid], |r| r.get(0)).optional()?;
    let id = match existing {
        Some(id) => {
            conn.execute(
                "UPDATE projects SET name = ?1, description = ?2 WHERE id = ?3",
                rusqlite::params![p.name, p.description, id],
            )?;
            id
        }
        None => {
            conn.execute(
                "INSERT INTO projects (uuid, name, kind, description, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![p.uuid, p.name, p.kind.as_str(), p.description, now_ms()],
            )?;
            conn.last_insert_rowid()
        }
    };
    conn.execute(
        "INSERT INTO sync_projects (project_id, server, namespace, role) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (project_id) DO UPDATE SET server = excluded.server, namespace = excluded.namespace, role = excluded.role",
        rusqlite::params![id, p.server, p.namespace, p.role],
    )?;
    Ok(id)
}

/// Every synced project.
pub fn synced(conn: &Connection) -> Result<Vec<Synced>> {
    let mut stmt = conn.prepare(
        "SELECT s.project_id, p.uuid, s.server, s.cookie, s.synced_at FROM sync_projects s JOIN projects p ON p.id = s.project_id ORDER BY s.project_id",
    )?;
    let rows = stmt
        .query_map([], |r| Ok(Synced { project: r.get(0)?, uuid: r.get(1)?, server: r.get(2)?, cookie: r.get(3)?, synced_at: r.get(4)? }))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

mod apply;
mod copies;
mod fingerprint;
mod queues;
mod recovery;
mod refusals;
mod replay;
#[cfg(test)]
mod tests;

pub use apply::apply_pull;
pub use copies::{downloaded, thumbnails, CopyOf};
use apply::{wipe, Written};
pub use recovery::{forget, start_over};
pub use fingerprint::fingerprint;
pub use refusals::{describe, record_refusals, refetch, refusals};
pub use replay::replay;
pub use crate::cache::CacheReplica;
pub(crate) use crate::cache::{collection_id, item_ids};
pub use crate::registry::{full_name, is_synced, namespace};

/// A position after every member of `collection`: where a membership goes whose key is not a
/// valid one (a key from the network is checked before any key arithmetic sees it, and every
/// key stored is valid, so the keys the local actions compute from are too).
pub(super) fn key_at_end(conn: &Connection, collection: i64) -> Result<String> {
    let last = crate::cache::last_key(conn, collection)?.filter(|k| position::is_valid(k));
    Ok(match position::between(last.as_deref(), None) {
        Ok(key) => key,
        // No key fits after it: the same key, ordered after its equals by item id.
        Err(_) => last.unwrap_or_else(|| "a0".to_string()),
    })
}

impl crate::Store {
    /// Records the account the token of `server` signs in as (`GET /me`): who this cache acts
    /// as in that server's projects (`queues`' annotators and reviewers are user names).
    pub fn set_account(&self, server: &str, account: &str) -> Result<()> {
        self.write(|tx| crate::registry::set_account(tx, server, account).map(|_| ()))
    }

    /// Whether some project of `server` does not know its account yet.
    pub fn account_missing(&self, server: &str) -> Result<bool> {
        self.read(|c| Ok(c.query_row("SELECT EXISTS (SELECT 1 FROM sync_projects WHERE server = ?1 AND account = '')", [server], |r| r.get(0))?))
    }

    /// Attaches a server project (see [`attach`]).
    pub fn attach_remote(&self, p: &RemoteProject) -> Result<i64> {
        self.write(|tx| attach(tx, p))
    }

    pub fn synced_projects(&self) -> Result<Vec<Synced>> {
        self.read(synced)
    }

    /// Applies one pulled page in one transaction. A page that rebuilds the copy ends the
    /// project's undo history: its entries name local ids the rebuilt copy gives to other rows.
    pub fn apply_pull(&self, project: i64, page: &PullResponse) -> Result<Applied> {
        let (reset, applied) = self.write(|tx| Ok((apply::resets(tx, project, page)?, apply_pull(tx, project, page)?)))?;
        if reset {
            self.journal().forget(project);
        }
        Ok(applied)
    }

    /// After a push: records the refusals and drops every mutation up to `last`, in one
    /// transaction.
    pub fn acknowledge(&self, last: i64, rejected: &[RejectedMutation]) -> Result<u64> {
        self.write(|tx| {
            let undo = record_refusals(tx, rejected)?;
            refetch(tx, &undo)?;
            outbox::acknowledge(tx, last)
        })
    }

    pub fn refusals(&self) -> Result<Vec<Refusal>> {
        self.read(refusals)
    }

    pub fn dismiss_refusals(&self) -> Result<()> {
        self.write(|tx| Ok(tx.execute("DELETE FROM refusals", []).map(|_| ())?))
    }

    /// See [`fingerprint`].
    pub fn fingerprint(&self, project: i64) -> Result<serde_json::Value> {
        self.read(|c| fingerprint(c, project))
    }

    /// The local project that copies the server project `uuid`, if any.
    pub fn project_by_uuid(&self, uuid: &str) -> Result<Option<i64>> {
        self.read(|c| Ok(c.query_row("SELECT id FROM projects WHERE uuid = ?1", [uuid], |r| r.get(0)).optional()?))
    }

    /// What [`first_pending`](Self::first_pending) will be once a page acknowledging the
    /// mutations up to `last` is applied: the sync engine asks for the next page with it while
    /// applying this one.
    pub fn first_pending_after(&self, last: i64) -> Result<Option<i64>> {
        self.read(|c| Ok(c.query_row("SELECT min(id) FROM outbox WHERE id > ?1", [last], |r| r.get(0))?))
    }
}

