//! When this cache and the server stop agreeing, without losing what is still pending here.
//!
//! - [`start_over`]: the server and this database disagree on which of its changes the server
//!   has (the server lost pushes it had confirmed, so the next push meets a gap; or this file is
//!   an older copy restored over a newer one, so its new changes reuse ids the server already
//!   applied and would be skipped as repeats). The database takes a new client id, which the
//!   server treats as a new client that may start at any id, so the pending outbox is sent as it
//!   is; and every copy of that server's projects is downloaded again from scratch
//!   (`reset_pending`) with the pending mutations replayed on top.

use rusqlite::Connection;

use crate::error::Result;
use crate::meta;

/// Renews the client id and marks every synced project of `server` for a full re-download
/// (cookie 0, `reset_pending`); returns the new id.
pub fn start_over(conn: &Connection, server: &str) -> Result<String> {
    let id = meta::renew_client_id(conn)?;
    conn.execute("UPDATE sync_projects SET cookie = 0, reset_pending = 1 WHERE server = ?1", [server])?;
    Ok(id)
}

impl crate::Store {
    /// See [`start_over`]. The new client id is in force when this returns.
    pub fn start_over(&self, server: &str) -> Result<String> {
        let id = self.write(|tx| start_over(tx, server))?;
        self.set_client_id(id.clone());
        Ok(id)
    }
}
