//! The server side of sync (DESIGN §4): applying a client's pushed mutations exactly once, in
//! order, each in its own transaction that also advances the client's last mutation id; and
//! reading every change of a project after a cookie (a version from the `counters` table that
//! triggers stamp on every changed row), tombstones included. Tombstones are kept for a window
//! and then pruned (`prune.rs`); a cookie older than what was pruned is answered with a reset.
//!
//! Convergence rules: memberships are a causal-length set (`membership_clocks.cl`, odd =
//! present, merged by maximum, so a re-add the remover never saw survives); positions are the
//! clients' fractional keys; collection fields are last-writer-wins in the order the server
//! applies them; a deleted collection stays deleted and later mutations against it are
//! acknowledged as no-ops.

use rusqlite::{Connection, OptionalExtension, Transaction};
use serde_json::json;
use trove_protocol::api::Role;
use trove_protocol::sync::PushedMutation;
use trove_sqlite::Pool;
use trove_protocol::{rules, ApiError, Mutation, NewCollection};

mod prune;
mod pull;
mod restamp;

pub use prune::{prune, Pruned};
pub use pull::{pull, sync_item};

use super::access::{self, Caller};
use super::{collections, members, now_ms, tags};
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
        rusqlite::params![client_id, caller.user_id, id, now_ms()],
    )?;
    Ok(())
}

/// What became of a mutation applied before: its refusal again (so a client whose answer was
/// lost still learns why), or `Repeated`.
fn earlier_outcome(conn: &Connection, client_id: &str, id: i64) -> Result<Outcome> {
    let refused: Option<(String, String)> = conn
        .query_row(
            "SELECT code, message FROM rejected_mutations WHERE client_id = ?1 AND mutation_id = ?2",
            rusqlite::params![client_id, id],
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

impl From<rusqlite::Error> for Stop {
    fn from(e: rusqlite::Error) -> Self {
        Stop::Request(e.into())
    }
}

/// Applies one pushed mutation: skips an id already applied, refuses a gap, and otherwise
/// applies it and advances the client's id in one transaction. A mutation refused for a
/// business reason is rolled back whole, then recorded with the advance in a second
/// transaction, which also re-stamps what it named so the next pull replaces the client's
/// optimistic copy of it (`restamp.rs`). An internal failure returns `Err` with nothing
/// changed, so the client retries.
pub fn push_one(db: &Pool, caller: &Caller, client_id: &str, pushed: &PushedMutation) -> Result<Outcome> {
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
            "INSERT OR REPLACE INTO rejected_mutations (client_id, mutation_id, name, code, message, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![
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

fn project_by_uuid(conn: &Connection, caller: &Caller, uuid: &str, need: Role) -> Result<i64> {
    let id: i64 = conn
        .query_row("SELECT id FROM projects WHERE uuid = ?1", [uuid], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("project {uuid} does not exist")))?;
    access::require(conn, caller, id, need)?;
    Ok(id)
}

/// The live collection `uuid` the caller may edit, or `None` when it was deleted (softly or for
/// good): mutations against a deleted collection are acknowledged as no-ops.
fn live_collection(tx: &Transaction, caller: &Caller, uuid: &str) -> Result<Option<(i64, i64)>> {
    let tombstone: bool =
        tx.query_row("SELECT EXISTS (SELECT 1 FROM tombstones WHERE kind = 'collection' AND uuid = ?1)", [uuid], |r| r.get(0))?;
    match collections::by_uuid(tx, uuid)? {
        None if tombstone => Ok(None),
        None => Err(Error::NotFound(format!("collection {uuid} does not exist"))),
        Some((_, _, true)) => Ok(None),
        Some((id, project, false)) => {
            collections::by_id(tx, caller, id)?;
            access::require(tx, caller, project, Role::Editor)?;
            Ok(Some((id, project)))
        }
    }
}

/// Item ids by UUID within `project`, in the order given; unknown ones are `None`.
fn item_ids(tx: &Transaction, project: i64, uuids: &[String]) -> Result<Vec<Option<i64>>> {
    let mut stmt = tx.prepare_cached("SELECT id FROM items WHERE uuid = ?1 AND project_id = ?2")?;
    uuids.iter().map(|u| Ok(stmt.query_row(rusqlite::params![u, project], |r| r.get(0)).optional()?)).collect()
}

fn next_version(tx: &Transaction) -> Result<i64> {
    Ok(tx.query_row("UPDATE counters SET value = value + 1 WHERE name = 'version' RETURNING value", [], |r| r.get(0))?)
}

/// Merges the clients' causal lengths into the pairs (collection, item) for `items` (UUIDs of
/// the project; unknown ones are skipped): each pair's length becomes the maximum of the
/// server's and the one sent (or the next length of the wanted parity when none was sent), and
/// the membership row exists exactly when it is odd. New rows take `keys` (one per item).
/// Set-based: one statement reads the state of every pair, one inserts the new rows.
fn merge_memberships(tx: &Transaction, caller: &Caller, (collection, project): (i64, i64), add: bool, items: &[String], cls: &[u32], keys: &[String]) -> Result<()> {
    // Parity and counts were checked with the mutation (`Mutation::check`).
    let mut stmt = tx.prepare(
        "SELECT j.key, i.id, coalesce(k.cl, 0), m.item_id IS NOT NULL \
         FROM json_each(?1) j JOIN items i ON i.uuid = j.value AND i.project_id = ?2 \
         LEFT JOIN membership_clocks k ON k.collection_id = ?3 AND k.item_id = i.id \
         LEFT JOIN memberships m ON m.collection_id = ?3 AND m.item_id = i.id ORDER BY j.key",
    )?;
    let state = stmt
        .query_map(rusqlite::params![serde_json::to_string(items)?, project, collection], |r| {
            Ok((r.get::<_, usize>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, bool>(3)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let (mut inserts, mut deletes, mut clocks) = (Vec::new(), Vec::new(), Vec::new());
    let mut seen = std::collections::HashSet::new();
    for (index, item, current, present) in state {
        if !seen.insert(item) {
            continue; // the same item twice in one mutation: its first place counts
        }
        let wanted = match cls.get(index) {
            Some(cl) => current.max(*cl as i64),
            None if (current % 2 == 1) == add => current,
            None => current + 1,
        };
        // What the membership triggers leave the clock at.
        let mut after = current;
        if wanted % 2 == 1 && !present {
            let key = keys.get(index).ok_or_else(|| Error::Invalid("an added item needs a position".into()))?;
            inserts.push(members::NewMember { item, position: key, note: "" });
            after = current + (1 - current % 2);
        } else if wanted % 2 == 0 && present {
            deletes.push(item);
            after = current + current % 2;
        }
        if wanted != after && wanted > 0 {
            clocks.push(json!([item, wanted]));
        }
    }
    members::insert(tx, caller, collection, &inserts)?;
    if !deletes.is_empty() {
        tx.execute(
            "DELETE FROM memberships WHERE collection_id = ?1 AND item_id IN rarray(?2)",
            rusqlite::params![collection, trove_sqlite::list(&deletes)],
        )?;
    }
    if !clocks.is_empty() {
        let first = next_version(tx)?;
        tx.execute(
            "INSERT INTO membership_clocks (collection_id, item_id, cl, project_id, version, changed_at) \
             SELECT ?1, value ->> 0, value ->> 1, ?2, ?3 + key, ?5 FROM json_each(?4) WHERE true \
             ON CONFLICT (collection_id, item_id) DO UPDATE SET cl = excluded.cl, version = excluded.version, changed_at = excluded.changed_at",
            rusqlite::params![collection, project, first, serde_json::to_string(&clocks)?, now_ms()],
        )?;
        tx.execute("UPDATE counters SET value = ?1 WHERE name = 'version'", [first + clocks.len() as i64 - 1])?;
    }
    Ok(())
}

/// Applies one mutation with the caller's rights. A business refusal is an `Err` other than
/// `Internal`.
fn apply(tx: &Transaction, caller: &Caller, m: &Mutation) -> Result<()> {
    // Every bound first (ids, sizes, keys, parity), before any row is read.
    m.check()?;
    match m {
        Mutation::CreateCollection { collection, project, hex_id, title, description, private, theme } => {
            let project = project_by_uuid(tx, caller, project, Role::Editor)?;
            if collections::by_uuid(tx, collection)?.is_some() {
                return Ok(());
            }
            let input = NewCollection { title: title.clone(), description: description.clone(), private: *private, theme: Some(*theme) };
            let ids = collections::Ids { uuid: collection.clone(), hex_id: hex_id.clone() };
            collections::create_as(tx, caller, project, &input, None, ids).map(|_| ())
        }
        Mutation::UpdateCollection { collection, patch } => match live_collection(tx, caller, collection)? {
            Some((id, _)) => collections::update(tx, caller, id, patch).map(|_| ()),
            None => Ok(()),
        },
        Mutation::DeleteCollection { collection } => match live_collection(tx, caller, collection)? {
            Some((id, _)) => collections::delete(tx, caller, id, false),
            None => Ok(()),
        },
        Mutation::AddItems { collection, items, positions, cls } => {
            let Some((id, project)) = live_collection(tx, caller, collection)? else { return Ok(()) };
            merge_memberships(tx, caller, (id, project), true, items, cls, positions)?;
            members::respread_if_long(tx, id, positions.iter().map(String::as_str))?;
            collections::touch(tx, id)
        }
        Mutation::RemoveItems { collection, items, cls } => {
            let Some((id, project)) = live_collection(tx, caller, collection)? else { return Ok(()) };
            merge_memberships(tx, caller, (id, project), false, items, cls, &[])?;
            collections::touch(tx, id)
        }
        Mutation::SetNote { collection, item, note } => {
            let Some((id, project)) = live_collection(tx, caller, collection)? else { return Ok(()) };
            let note = rules::note(note)?;
            if let Some(item) = item_ids(tx, project, std::slice::from_ref(item))?[0] {
                if tx.execute("UPDATE memberships SET note = ?1 WHERE collection_id = ?2 AND item_id = ?3", rusqlite::params![note, id, item])? > 0 {
                    collections::touch(tx, id)?;
                }
            }
            Ok(())
        }
        Mutation::MoveItem { collection, item, position: key } => {
            let Some((id, project)) = live_collection(tx, caller, collection)? else { return Ok(()) };
            if let Some(item) = item_ids(tx, project, std::slice::from_ref(item))?[0] {
                if tx.execute("UPDATE memberships SET position = ?1 WHERE collection_id = ?2 AND item_id = ?3", rusqlite::params![key, id, item])? > 0 {
                    members::respread_if_long(tx, id, [key.as_str()])?;
                    collections::touch(tx, id)?;
                }
            }
            Ok(())
        }
        Mutation::TagItems { items, tags: names } | Mutation::UntagItems { items, tags: names } => {
            let names: Vec<String> = names.iter().map(|t| rules::tag(t)).collect::<Result<_, _>>()?;
            // Items by UUID, grouped by project, each project needing the editor role.
            let mut by_project: std::collections::BTreeMap<i64, Vec<i64>> = Default::default();
            let mut stmt = tx.prepare_cached("SELECT id, project_id FROM items WHERE uuid = ?1")?;
            for u in items {
                if let Some((id, p)) = stmt.query_row([u], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))).optional()? {
                    by_project.entry(p).or_default().push(id);
                }
            }
            for (project, ids) in by_project {
                access::require(tx, caller, project, Role::Editor)?;
                if matches!(m, Mutation::TagItems { .. }) {
                    tags::tag(tx, project, &ids, &names)?;
                } else {
                    tags::untag(tx, project, &ids, &names)?;
                }
            }
            Ok(())
        }
    }
}
