//! The outbox: mutations recorded in the same transaction as the change they describe, in
//! mutation-id order, waiting for the sync engine to push them.

use rusqlite::Connection;
use trove_protocol::Mutation;

use crate::error::Result;

/// Appends `m` and returns its mutation id. Call it inside the action's transaction.
pub fn append(conn: &Connection, m: &Mutation) -> Result<i64> {
    let json = serde_json::to_string(m).expect("mutations always serialize");
    conn.execute("INSERT INTO outbox (mutation, created_at) VALUES (?1, ?2)", rusqlite::params![json, crate::db::now_ms()])?;
    Ok(conn.last_insert_rowid())
}

/// Mutations not yet acknowledged, oldest first.
pub fn pending(conn: &Connection) -> Result<Vec<(i64, Mutation)>> {
    let mut stmt = conn.prepare("SELECT id, mutation FROM outbox ORDER BY id")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .map(|row| {
            let (id, json) = row?;
            let m = serde_json::from_str(&json).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
            })?;
            Ok((id, m))
        })
        .collect::<Result<Vec<_>, rusqlite::Error>>()?;
    Ok(rows)
}

pub fn len(conn: &Connection) -> Result<u64> {
    Ok(conn.query_row("SELECT count(*) FROM outbox", [], |r| r.get::<_, i64>(0))? as u64)
}

impl crate::Store {
    /// Mutations waiting to be pushed, oldest first.
    pub fn outbox(&self) -> Result<Vec<(i64, Mutation)>> {
        self.read(pending)
    }
}
