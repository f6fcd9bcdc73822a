//! Which local projects are copies of a server project, and as whom: the `sync_projects` rows
//! that the actions (a new collection's namespace), the outbox (who may record), the queues (the
//! account the user acts as) and the replica read. It sits below all of them so that none of them imports the replica.

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;

pub fn is_synced(conn: &Connection, project: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM sync_projects WHERE project_id = ?1)")?
        .query_row([project], |r| r.get(0))?)
}

/// The namespace a new collection of `project` belongs to.
pub fn namespace(conn: &Connection, project: i64) -> Result<String> {
    let ns: Option<String> =
        conn.query_row("SELECT namespace FROM sync_projects WHERE project_id = ?1", [project], |r| r.get(0)).optional()?;
    Ok(ns.filter(|n| !n.is_empty()).unwrap_or_else(|| crate::meta::LOCAL_NAMESPACE.to_string()))
}

/// `namespace/name` of a synced project, as the person knows it.
pub fn full_name(conn: &Connection, project: i64) -> Result<String> {
    Ok(conn.query_row(
        "SELECT CASE WHEN s.namespace = '' THEN p.name ELSE s.namespace || '/' || p.name END \
         FROM projects p JOIN sync_projects s ON s.project_id = p.id WHERE p.id = ?1",
        [project],
        |r| r.get(0),
    )?)
}

/// The user name a local project's only user acts as: its annotator, reviewer and editor.
pub const LOCAL_USER: &str = "you";

/// Who this cache acts as in `project`: the server account's user name for a synced project
/// (`None` until it is known: see [`set_account`]), [`LOCAL_USER`] for a local one.
pub fn account(conn: &Connection, project: i64) -> Result<Option<String>> {
    let row: Option<String> =
        conn.prepare_cached("SELECT account FROM sync_projects WHERE project_id = ?1")?.query_row([project], |r| r.get(0)).optional()?;
    Ok(match row {
        None => Some(LOCAL_USER.to_string()),
        Some(a) if a.is_empty() => None,
        Some(a) => Some(a),
    })
}

/// The caller's role in a synced project (`viewer`, `editor`, `admin`); `None` for a local one.
pub fn role(conn: &Connection, project: i64) -> Result<Option<String>> {
    Ok(conn.prepare_cached("SELECT role FROM sync_projects WHERE project_id = ?1")?.query_row([project], |r| r.get(0)).optional()?)
}

/// Records the account the server's token signs in as, for every project of that server.
pub fn set_account(conn: &Connection, server: &str, account: &str) -> Result<usize> {
    Ok(conn.execute("UPDATE sync_projects SET account = ?1 WHERE server = ?2 AND account IS NOT ?1", rusqlite::params![account, server])?)
}
