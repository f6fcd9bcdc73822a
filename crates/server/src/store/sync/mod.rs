//! The server side of sync (DESIGN §4): applying a client's pushed mutations exactly once, in
//! order, each in its own transaction that also advances the client's last mutation id; and
//! reading every change of a project after a cookie (a version from the `counters` table that
//! triggers stamp on every changed row), tombstones included. Tombstones are kept for a window
//! and then pruned (`prune.rs`); a cookie older than what was pruned is answered with a reset.
//!
//! What a mutation does is the rulebook's (`trove_rulebook::apply`, the code the app replays its
//! pending mutations with); `replica.rs` is the server's storage as the rulebook sees it, with the
//! access checks only the server can make.

use crate::db::{Connection, OptionalExtension, Transaction};
use trove_protocol::sync::PushedMutation;
use trove_protocol::{rules, ApiError, Mutation};
use crate::db::Db;

mod prune;
mod pull;
mod pull_queues;
mod replica;
mod restamp;
mod sets;

pub use prune::{prune, Pruned};
pub use pull::{pull, sync_item};
pub use replica::{import_target, project_by_uuid, readable_project, ServerReplica, Target};

use super::access::Caller;
use super::now_ms;
use crate::error::{Error, Result};

/// What became of one pushed mutation.
#[derive(Debug)]
pub enum Outcome {
    Applied,
    /// Its id was applied before (a retried push): nothing done.
    Repeated,
    /// Refused for a business reason; recorded, and the client's id still advances.
    Rejected(ApiError),
}

/// The client's last applied mutation id, or `None` for a client the server has not seen. A
/// client id belongs to the user who first pushed with it.
fn last_mutation_id(conn: &Connection, caller: &Caller, client_id: &str) -> Result<Option<i64>> {
    let row: Option<(i64, i64)> = conn
        .query_row("SELECT user_id, last_mutation_id FROM clients WHERE client_id = ?1", [client_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match row {
        Some((user, _)) if user != caller.user_id => {
            Err(Error::Forbidden(format!("client id {} belongs to another user; each database pushes as one user", rules::quote(client_id))))
        }
        Some((_, last)) => Ok(Some(last)),
        None => Ok(None),
    }
}

/// The last mutation id the server applied for this client (0 for a new one).
pub fn client_state(conn: &Connection, caller: &Caller, client_id: &str) -> Result<i64> {
    Ok(last_mutation_id(conn, caller, client_id)?.unwrap_or(0))
}

fn check_client_id(client_id: &str) -> Result<()> {
    if client_id.is_empty() || client_id.len() > 64 || !client_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(Error::Invalid(format!("client id {} is not valid; use 1 to 64 letters, digits or '-'", rules::quote(client_id))));
    }
    Ok(())
}

/// Whether mutation `id` was applied already; refuses a gap after the last applied one.
fn repeated(conn: &Connection, caller: &Caller, client_id: &str, id: i64) -> Result<bool> {
    if id < 1 {
        return Err(Error::Invalid(format!("mutation id {id} is not valid; ids start at 1")));
    }
    match last_mutation_id(conn, caller, client_id)? {
        Some(last) if id <= last => Ok(true),
        Some(last) if id != last + 1 => Err(Error::Conflict(format!(
            "mutation {id} does not follow mutation {last}, the last one this server applied for this client; push from {}",
            last + 1
        ))),
        None if id < 1 => Err(Error::Invalid(format!("mutation id {id} is not valid; ids start at 1"))),
        _ => Ok(false),
    }
}

fn advance(tx: &Transaction, caller: &Caller, client_id: &str, id: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO clients (client_id, user_id, last_mutation_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) \
         ON CONFLICT (client_id) DO UPDATE SET last_mutation_id = excluded.last_mutation_id, updated_at = excluded.updated_at",
        crate::db::params![client_id, caller.user_id, id, now_ms()],
    )?;
    Ok(())
}

/// What became of a mutation applied before: its refusal again (so a client whose answer was
/// lost still learns why), or `Repeated`.
fn earlier_outcome(conn: &Connection, client_id: &str, id: i64) -> Result<Outcome> {
    let refused: Option<(String, String)> = conn
        .query_row(
            "SELECT code, message FROM rejected_mutations WHERE client_id = ?1 AND mutation_id = ?2",
            crate::db::params![client_id, id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match refused {
        Some((code, message)) => Outcome::Rejected(ApiError {
            code: serde_json::from_value(serde_json::Value::String(code)).unwrap_or(trove_protocol::ErrorCode::InvalidInput),
            message,
        }),
        None => Outcome::Repeated,
    })
}

/// Why the transaction of one mutation was rolled back.
enum Stop {
    /// The request itself is wrong (a gap, a foreign client id) or the server failed.
    Request(Error),
    /// The mutation is refused for a business reason: recorded in a second transaction.
    Refused(Error),
}

impl From<crate::db::Error> for Stop {
    fn from(e: crate::db::Error) -> Self {
        Stop::Request(e.into())
    }
}

/// Applies one pushed mutation: skips an id already applied, refuses a gap, and otherwise
/// applies it and advances the client's id in one transaction. A mutation refused for a
/// business reason is rolled back whole, then recorded with the advance in a second
/// transaction, which also re-stamps what it named so the next pull replaces the client's
/// optimistic copy of it (`restamp.rs`). An internal failure returns `Err` with nothing
/// changed, so the client retries.
pub fn push_one(db: &Db, caller: &Caller, client_id: &str, pushed: &PushedMutation) -> Result<Outcome> {
    check_client_id(client_id)?;
    let first = db.write(|tx| {
        if repeated(tx, caller, client_id, pushed.id).map_err(Stop::Request)? {
            return earlier_outcome(tx, client_id, pushed.id).map_err(Stop::Request);
        }
        apply(tx, caller, &pushed.mutation).map_err(|e| match e {
            Error::Internal(_) => Stop::Request(e),
            refused => Stop::Refused(refused),
        })?;
        advance(tx, caller, client_id, pushed.id).map_err(Stop::Request)?;
        Ok(Outcome::Applied)
    });
    let refused = match first {
        Ok(outcome) => return Ok(outcome),
        Err(Stop::Request(e)) => return Err(e),
        Err(Stop::Refused(e)) => e.to_api(),
    };
    db.write(|tx| {
        if repeated(tx, caller, client_id, pushed.id)? {
            return earlier_outcome(tx, client_id, pushed.id);
        }
        tx.execute(
            "INSERT INTO rejected_mutations (client_id, mutation_id, name, code, message, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
             ON CONFLICT (client_id, mutation_id) DO UPDATE SET name = excluded.name, code = excluded.code, message = excluded.message, created_at = excluded.created_at",
            crate::db::params![
                client_id,
                pushed.id,
                pushed.mutation.name(),
                serde_json::to_value(refused.code)?.as_str().unwrap_or_default(),
                refused.message,
                now_ms()
            ],
        )?;
        restamp::restamp(tx, caller, &pushed.mutation)?;
        advance(tx, caller, client_id, pushed.id)?;
        Ok(Outcome::Rejected(refused.clone()))
    })
}

/// Applies one mutation with the caller's rights, by the rulebook. A business refusal is an
/// `Err` other than `Internal`.
fn apply(tx: &Transaction, caller: &Caller, m: &Mutation) -> Result<()> {
    trove_rulebook::apply(m, &mut ServerReplica::new(tx, caller))
}

pub(crate) fn next_version(tx: &Transaction) -> Result<i64> {
    crate::store::versions::next(tx)
}
