//! The global version every change of a synced row takes (DESIGN §4): a pull returns what
//! changed after the client's cookie, up to the head.
//!
//! On SQLite the version is one counter row (`counters.version`), taken by the triggers and
//! by the set-based writes alike. On PostgreSQL a transaction that updated one row again and
//! again would make each update slower than the last (every update leaves a row version the
//! next must step over until the transaction ends), so versions are drawn from the sequence
//! `trove_version` instead, and `counters.version` is set from it once, as each write
//! transaction commits ([`COMMIT_UPKEEP`]). A sequence alone would not do: its value is not
//! part of a snapshot, so a pull could read a head past a change not yet committed and never
//! fetch it. Write transactions never interleave (`crate::db`), so the sequence hands out
//! versions in commit order, and the row a pull reads is its snapshot's head.

use crate::db::{Backend, Connection, Transaction};
use crate::error::Result;

/// Run by every PostgreSQL write transaction last: the committed head follows the sequence.
pub const COMMIT_UPKEEP: &str = "UPDATE counters SET value = (SELECT last_value FROM trove_version) \
     WHERE name = 'version' AND value <> (SELECT last_value FROM trove_version)";

/// The last version committed, as this snapshot sees it.
pub fn head(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT value FROM counters WHERE name = 'version'", [], |r| r.get(0))?)
}

/// Within a write transaction: the last version given out so far.
pub fn last_given(tx: &Transaction) -> Result<i64> {
    Ok(match tx.backend() {
        Backend::Sqlite => head(tx)?,
        Backend::Postgres => tx.query_row("SELECT last_value FROM trove_version", [], |r| r.get(0))?,
    })
}

/// Gives out the next version.
pub fn next(tx: &Transaction) -> Result<i64> {
    Ok(match tx.backend() {
        Backend::Sqlite => tx.query_row("UPDATE counters SET value = value + 1 WHERE name = 'version' RETURNING value", [], |r| r.get(0))?,
        Backend::Postgres => tx.query_row("SELECT nextval('trove_version')", [], |r| r.get(0))?,
    })
}

/// Gives out the `n` versions after the last one given; returns that last one (`base`): the
/// caller stamps `base + 1 ..= base + n` itself.
pub fn reserve(tx: &Transaction, n: i64) -> Result<i64> {
    let base = last_given(tx)?;
    set_last(tx, base + n)?;
    Ok(base)
}

/// Makes `last` the last version given out (only ever forward).
pub fn set_last(tx: &Transaction, last: i64) -> Result<()> {
    match tx.backend() {
        Backend::Sqlite => {
            tx.execute("UPDATE counters SET value = ?1 WHERE name = 'version'", [last])?;
        }
        Backend::Postgres => {
            tx.query_row("SELECT setval('trove_version', ?1)", [last], |_| Ok(()))?;
        }
    }
    Ok(())
}
