//! Installation-wide facts kept in the `meta` table (the client id the sync engine sends).

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;

/// This database's client id, created on first use. The id belongs to the file at `home`: a
/// copy of the database elsewhere (a copied data directory, a second machine set up from a
/// backup) takes a new id on its first open, so the server never takes the copy's mutations for
/// the original's (it would skip them as already applied).
pub fn client_id(conn: &Connection, home: &str) -> Result<String> {
    let set = |key: &str, value: &str| {
        conn.execute("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value])
    };
    match (get(conn, "client_id")?, get(conn, "client_home")?) {
        (Some(id), Some(h)) if h == home => Ok(id),
        (Some(id), None) => {
            set("client_home", home)?;
            Ok(id)
        }
        (found, _) => {
            let id = uuid::Uuid::new_v4().to_string();
            if let Some(old) = found {
                tracing::info!(%old, new = %id, "this database is a copy of another; it syncs under a new client id");
            }
            set("client_id", &id)?;
            set("client_home", home)?;
            Ok(id)
        }
    }
}

/// Replaces this database's client id with a new one (sync starts over under it) and returns it.
pub fn renew_client_id(conn: &Connection) -> Result<String> {
    let id = uuid::Uuid::new_v4().to_string();
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('client_id', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [&id],
    )?;
    Ok(id)
}

pub fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

/// The namespace that local collection slugs use until the app is signed in to a server.
pub const LOCAL_NAMESPACE: &str = "local";
