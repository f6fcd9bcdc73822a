//! Installation-wide facts kept in the `meta` table (the client id the sync engine sends).

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;

/// This database's client id, created on first use.
pub fn client_id(conn: &Connection) -> Result<String> {
    if let Some(id) = get(conn, "client_id")? {
        return Ok(id);
    }
    let id = uuid::Uuid::new_v4().to_string();
    conn.execute("INSERT INTO meta (key, value) VALUES ('client_id', ?1)", [&id])?;
    Ok(id)
}

pub fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

/// The namespace that local collection slugs use until the app is signed in to a server.
pub const LOCAL_NAMESPACE: &str = "local";
