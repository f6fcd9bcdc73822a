//! Re-stamping what a refused mutation named. The client applied the mutation to its local copy
//! before pushing it, and keeps that copy as "server state + pending mutations": once the
//! refusal acknowledges the mutation, nothing pending undoes its effect, so the next pull must
//! re-send the server's current state of every row the mutation touched, which a new version
//! does. A collection the refused create never made is sent as a tombstone (the client drops
//! its copy); a pair with no clock is sent with length 0 and no position (absent).
//!
//! Nothing changes but versions (and tombstones of collections that do not exist), and only
//! rows the caller may see are re-stamped: a stranger's refused writes cause no churn in
//! anyone's pull.

use rusqlite::{OptionalExtension, Transaction};
use trove_protocol::Mutation;

use super::next_version;
use crate::error::Result;
use crate::store::access::{self, Caller};
use crate::store::{collections, now_ms};

/// Gives a new version to every row `m` names that the caller may see (see the module doc).
pub(super) fn restamp(tx: &Transaction, caller: &Caller, m: &Mutation) -> Result<()> {
    match m {
        Mutation::CreateCollection { collection, project, .. } => {
            let project: Option<i64> = tx.query_row("SELECT id FROM projects WHERE uuid = ?1", [project], |r| r.get(0)).optional()?;
            let Some(project) = project else { return Ok(()) };
            if access::project_role(tx, caller, project)?.is_none() || collections::by_uuid(tx, collection)?.is_some() {
                return Ok(());
            }
            let version = next_version(tx)?;
            tx.execute(
                "INSERT INTO tombstones (project_id, kind, uuid, version, changed_at) VALUES (?1, 'collection', ?2, ?3, ?4) \
                 ON CONFLICT DO UPDATE SET version = excluded.version, changed_at = excluded.changed_at",
                rusqlite::params![project, collection, version, now_ms()],
            )?;
        }
        Mutation::UpdateCollection { collection, .. } | Mutation::DeleteCollection { collection } => {
            if let Some((id, _)) = visible_collection(tx, caller, collection)? {
                // A version other than the row's own, so the update trigger does not stamp it again.
                let version = next_version(tx)?;
                tx.execute("UPDATE collections SET version = ?1 WHERE id = ?2", rusqlite::params![version, id])?;
            }
        }
        Mutation::AddItems { collection, items, .. } | Mutation::RemoveItems { collection, items, .. } => pairs(tx, caller, collection, items)?,
        Mutation::SetNote { collection, item, .. } | Mutation::MoveItem { collection, item, .. } => {
            pairs(tx, caller, collection, std::slice::from_ref(item))?
        }
        Mutation::TagItems { items, .. } | Mutation::UntagItems { items, .. } => self::items(tx, caller, items)?,
    }
    Ok(())
}

/// The collection `uuid` (deleted softly or not) as `(id, project)`, if the caller may see it.
fn visible_collection(tx: &Transaction, caller: &Caller, uuid: &str) -> Result<Option<(i64, i64)>> {
    let row: Option<(i64, i64, i64, bool)> = tx
        .query_row("SELECT id, project_id, namespace_id, private FROM collections WHERE uuid = ?1", [uuid], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((id, project, namespace, private)) = row else { return Ok(None) };
    if access::project_role(tx, caller, project)?.is_none() || !access::sees_collection(tx, caller, namespace, private)? {
        return Ok(None);
    }
    Ok(Some((id, project)))
}

/// The last version given out.
fn head(tx: &Transaction) -> Result<i64> {
    Ok(tx.query_row("SELECT value FROM counters WHERE name = 'version'", [], |r| r.get(0))?)
}

/// Records that the `n` versions after `base` were given out.
fn take_versions(tx: &Transaction, base: i64, n: usize) -> Result<()> {
    tx.execute("UPDATE counters SET value = ?1 WHERE name = 'version'", [base + n as i64])?;
    Ok(())
}

/// New versions for the clocks of `collection` with each of `items` (UUIDs of items in the
/// collection's project; others are skipped), each pair its own version; a pair without a clock
/// gets one at length 0 (absent). Set-based: one statement, however many items.
fn pairs(tx: &Transaction, caller: &Caller, collection: &str, items: &[String]) -> Result<()> {
    let Some((collection, project)) = visible_collection(tx, caller, collection)? else { return Ok(()) };
    let base = head(tx)?;
    let n = tx.execute(
        "INSERT INTO membership_clocks (collection_id, item_id, cl, project_id, version, changed_at) \
         SELECT ?1, id, 0, ?2, ?3 + row_number() OVER (ORDER BY id), ?5 \
         FROM (SELECT DISTINCT i.id FROM json_each(?4) j JOIN items i ON i.uuid = j.value AND i.project_id = ?2) WHERE true \
         ON CONFLICT (collection_id, item_id) DO UPDATE SET version = excluded.version, changed_at = excluded.changed_at",
        rusqlite::params![collection, project, base, serde_json::to_string(items)?, now_ms()],
    )?;
    take_versions(tx, base, n)
}

/// New versions for the items among `uuids` in projects the caller may see, each its own.
fn items(tx: &Transaction, caller: &Caller, uuids: &[String]) -> Result<()> {
    let uuids = serde_json::to_string(uuids)?;
    let projects: Vec<i64> = {
        let mut stmt = tx.prepare("SELECT DISTINCT project_id FROM items WHERE uuid IN (SELECT value FROM json_each(?1))")?;
        let all = stmt.query_map([&uuids], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
        let mut visible = Vec::with_capacity(all.len());
        for p in all {
            if access::project_role(tx, caller, p)?.is_some() {
                visible.push(p);
            }
        }
        visible
    };
    if projects.is_empty() {
        return Ok(());
    }
    let base = head(tx)?;
    // The new version differs from the row's own, so the update trigger does not stamp it again.
    let n = tx.execute(
        "UPDATE items SET version = ?1 + s.n \
         FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM items \
               WHERE uuid IN (SELECT value FROM json_each(?2)) AND project_id IN rarray(?3)) s \
         WHERE items.id = s.id",
        rusqlite::params![base, uuids, trove_core::filters::list(&projects)],
    )?;
    take_versions(tx, base, n)
}
