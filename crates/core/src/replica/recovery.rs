//! When this cache and the server stop agreeing, without losing what is still pending here.
//!
//! - [`start_over`]: the server and this database disagree on which of its changes the server
//!   has (the server lost pushes it had confirmed, so the next push meets a gap; or this file is
//!   an older copy restored over a newer one, so its new changes reuse ids the server already
//!   applied and would be skipped as repeats). The database takes a new client id, which the
//!   server treats as a new client that may start at any id, so the pending outbox is sent as it
//!   is; and every copy of that server's projects is downloaded again from scratch
//!   (`reset_pending`) with the pending mutations replayed on top.
//! - [`forget`]: the caller lost access to a project. Its copy is removed; its pending changes
//!   can no longer be sent, so each becomes a refusal that says why, rather than vanishing.

use rusqlite::Connection;

use super::{describe, wipe};
use crate::db::now_ms;
use crate::error::Result;
use crate::{meta, outbox};

/// Renews the client id and marks every synced project of `server` for a full re-download
/// (cookie 0, `reset_pending`); returns the new id.
pub fn start_over(conn: &Connection, server: &str) -> Result<String> {
    let id = meta::renew_client_id(conn)?;
    conn.execute("UPDATE sync_projects SET cookie = 0, reset_pending = 1 WHERE server = ?1", [server])?;
    Ok(id)
}

/// Removes the synced copy of `project` (its rows, its project row) and turns its pending
/// mutations into refusals whose reason is `reason`; returns how many there were.
pub fn forget(conn: &Connection, project: i64, reason: &str) -> Result<u64> {
    let pending = outbox::of_project(conn, project)?;
    let now = now_ms();
    for p in &pending {
        conn.execute(
            "INSERT OR REPLACE INTO refusals (mutation_id, project_id, change, reason, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![p.id, project, describe(conn, &p.mutation)?, reason, now],
        )?;
    }
    conn.execute("DELETE FROM outbox WHERE project_id = ?1", [project])?;
    wipe(conn, project)?;
    conn.execute("DELETE FROM sync_projects WHERE project_id = ?1", [project])?;
    conn.execute("DELETE FROM projects WHERE id = ?1", [project])?;
    Ok(pending.len() as u64)
}

impl crate::Store {
    /// See [`start_over`]. The new client id is in force when this returns.
    pub fn start_over(&self, server: &str) -> Result<String> {
        let id = self.write(|tx| start_over(tx, server))?;
        self.set_client_id(id.clone());
        Ok(id)
    }

    /// See [`forget`]. Returns the project's name and how many pending changes were refused.
    pub fn forget_project(&self, project: i64, reason: impl Fn(&str) -> String) -> Result<(String, u64)> {
        let out = self.write(|tx| {
            let name = crate::registry::full_name(tx, project)?;
            let refused = forget(tx, project, &reason(&name))?;
            Ok((name, refused))
        })?;
        self.journal().forget(project);
        Ok(out)
    }
}
