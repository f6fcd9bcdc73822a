//! Re-stamping what a refused mutation named. The client applied the mutation to its local copy
//! before pushing it, and keeps that copy as "server state + pending mutations": once the
//! refusal acknowledges the mutation, nothing pending undoes its effect, so the next pull must
//! re-send the server's current state of every row the mutation touched, which a new version
//! does. A collection the refused create never made is sent as a tombstone (the client drops
//! its copy); a pair with no clock is sent with length 0 and no position (absent).
//!
//! Nothing changes but versions (and the tombstone of a collection a refused create never
//! made, which only its creator pulls), and only rows that exist, that the caller may see and
//! change (the editor role), and that the mutation would have changed are re-stamped. A refusal
//! from a caller without the role re-stamps nothing: their app undoes its copy with a reset
//! (a viewer cannot make everyone's next pull carry the project). So a refused mutation costs
//! the other clients at most what the same mutation, applied, would have.

use crate::db::{OptionalExtension, Transaction};
use trove_protocol::api::Role;
use trove_protocol::Mutation;

use super::next_version;
use trove_protocol::itemset::ItemSet;

use crate::error::Result;
use crate::store::access::{self, Caller};
use crate::store::queues::replica as queues;
use crate::store::{collections, now_ms};

/// Gives a new version to every row `m` names that the caller may change and that `m` would
/// have changed (see the module doc).
pub(super) fn restamp(tx: &Transaction, caller: &Caller, m: &Mutation) -> Result<()> {
    match m {
        Mutation::CreateCollection { collection, project, .. } => {
            let project: Option<i64> = tx.query_row("SELECT id FROM projects WHERE uuid = ?1", [project], |r| r.get(0)).optional()?;
            let Some(project) = project else { return Ok(()) };
            if !may_edit(tx, caller, project)? || collections::by_uuid(tx, collection)?.is_some() {
                return Ok(());
            }
            let version = next_version(tx)?;
            tx.execute(
                "INSERT INTO tombstones (project_id, kind, uuid, version, changed_at, user_id) VALUES (?1, 'collection', ?2, ?3, ?4, ?5) \
                 ON CONFLICT (project_id, kind, uuid) DO UPDATE SET version = excluded.version, changed_at = excluded.changed_at",
                crate::db::params![project, collection, version, now_ms(), caller.user_id],
            )?;
        }
        Mutation::UpdateCollection { collection, .. } | Mutation::DeleteCollection { collection } => {
            if let Some((id, _)) = visible_collection(tx, caller, collection)? {
                // A version other than the row's own, so the update trigger does not stamp it again.
                let version = next_version(tx)?;
                tx.execute("UPDATE collections SET version = ?1 WHERE id = ?2", crate::db::params![version, id])?;
            }
        }
        // An add would have changed the pairs not present, a remove, a note or a move those present.
        Mutation::AddItems { collection, items, .. } => pairs(tx, caller, collection, items, false)?,
        Mutation::RemoveItems { collection, items, .. } => pairs(tx, caller, collection, items, true)?,
        Mutation::SetNote { collection, item, .. } | Mutation::MoveItem { collection, item, .. } => {
            pairs(tx, caller, collection, std::slice::from_ref(item), true)?
        }
        Mutation::AddItemSet { collection, items, .. } => pairs(tx, caller, collection, &set_uuids_of_collection(tx, collection, items)?, false)?,
        Mutation::RemoveItemSet { collection, items } => pairs(tx, caller, collection, &set_uuids_of_collection(tx, collection, items)?, true)?,
        Mutation::TagItemSet { project, items, tags } => self::items(tx, caller, &set_uuids(tx, project, items)?, tags, false)?,
        Mutation::UntagItemSet { project, items, tags } => self::items(tx, caller, &set_uuids(tx, project, items)?, tags, true)?,
        Mutation::TagItems { items, tags } => self::items(tx, caller, items, tags, false)?,
        Mutation::UntagItems { items, tags } => self::items(tx, caller, items, tags, true)?,
        // Items the server never made cannot be re-sent: the app downloads its copy afresh on
        // the refusal of an import (`trove_core::replica::refusals`).
        Mutation::ImportItems { .. } => {}
        // A refused create leaves nothing to re-send (the app drops its copy on the refusal).
        Mutation::CreateQueue { queue, .. } | Mutation::CloseQueue { queue } => queues::restamp(tx, caller, queue, &[], false)?,
        Mutation::ClaimItems { queue, items } => queues::restamp(tx, caller, queue, items, false)?,
        Mutation::SubmitItem { queue, item, .. } => queues::restamp(tx, caller, queue, std::slice::from_ref(item), true)?,
        Mutation::ReviewItem { queue, item, .. } => queues::restamp(tx, caller, queue, std::slice::from_ref(item), false)?,
        // A refused create leaves nothing to re-send (the app drops its copy on the refusal);
        // an edit or a delete re-sends the view as the server has it.
        Mutation::CreateView { view, .. } | Mutation::UpdateView { view, .. } | Mutation::DeleteView { view } => {
            let row: Option<(i64, i64)> = tx.query_row("SELECT id, project_id FROM views WHERE uuid = ?1", [view], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
            if let Some((id, project)) = row {
                if may_edit(tx, caller, project)? {
                    let version = next_version(tx)?;
                    tx.execute("UPDATE views SET version = ?1 WHERE id = ?2", crate::db::params![version, id])?;
                }
            }
        }
    }
    Ok(())
}

/// The UUIDs of the items a set names in the project `project` (by UUID); none when the set
/// does not decode (then it changed nothing anywhere) or the project does not exist. Who may
/// see them is checked by the caller, as for a list of UUIDs.
fn set_uuids(tx: &Transaction, project: &str, set: &ItemSet) -> Result<Vec<String>> {
    let id: Option<i64> = tx.query_row("SELECT id FROM projects WHERE uuid = ?1", [project], |r| r.get(0)).optional()?;
    numbered_uuids(tx, id, set)
}

/// As [`set_uuids`], in the project of the collection `collection`.
fn set_uuids_of_collection(tx: &Transaction, collection: &str, set: &ItemSet) -> Result<Vec<String>> {
    numbered_uuids(tx, collections::by_uuid(tx, collection)?.map(|(_, project, _)| project), set)
}

fn numbered_uuids(tx: &Transaction, project: Option<i64>, set: &ItemSet) -> Result<Vec<String>> {
    let (Some(project), Ok(numbers)) = (project, set.decode()) else { return Ok(Vec::new()) };
    let mut stmt = tx.prepare(&format!("SELECT i.uuid FROM ({}) n JOIN items i ON i.id = n.item", super::sets::named()))?;
    let uuids = stmt.query_map(crate::db::params![trove_sqlite::list(&super::sets::packed(&numbers)), project], |r| r.get(0))?.collect::<crate::db::Result<_>>()?;
    Ok(uuids)
}

/// Whether the caller has the editor role in `project`.
fn may_edit(tx: &Transaction, caller: &Caller, project: i64) -> Result<bool> {
    Ok(access::project_role(tx, caller, project)?.is_some_and(|r| r >= Role::Editor))
}

/// The collection `uuid` (deleted softly or not) as `(id, project)`, if the caller may see it
/// and has the editor role in its project.
fn visible_collection(tx: &Transaction, caller: &Caller, uuid: &str) -> Result<Option<(i64, i64)>> {
    let row: Option<(i64, i64, i64, bool)> = tx
        .query_row("SELECT id, project_id, namespace_id, private FROM collections WHERE uuid = ?1", [uuid], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((id, project, namespace, private)) = row else { return Ok(None) };
    if !may_edit(tx, caller, project)? || !access::sees_collection(tx, caller, namespace, private)? {
        return Ok(None);
    }
    Ok(Some((id, project)))
}

/// The last version given out.
fn head(tx: &Transaction) -> Result<i64> {
    crate::store::versions::last_given(tx)
}

/// Records that the `n` versions after `base` were given out.
fn take_versions(tx: &Transaction, base: i64, n: usize) -> Result<()> {
    crate::store::versions::set_last(tx, base + n as i64)
}

/// New versions for the existing clocks of `collection` with each of `items` (UUIDs of items
/// in the collection's project; others are skipped) whose pair is `present` (or absent), each
/// pair its own version. A pair with no clock yet gets one at length 0 (absent) when an add
/// would have made it: the app shows the item added until a pull says otherwise. Set-based:
/// one statement, however many items.
fn pairs(tx: &Transaction, caller: &Caller, collection: &str, items: &[String], present: bool) -> Result<()> {
    let Some((collection, project)) = visible_collection(tx, caller, collection)? else { return Ok(()) };
    let base = head(tx)?;
    let n = if present {
        tx.execute(
            "UPDATE membership_clocks SET version = ?3 + s.n, changed_at = ?5 \
             FROM (SELECT k.item_id, row_number() OVER (ORDER BY k.item_id) AS n FROM membership_clocks k \
                   WHERE k.collection_id = ?1 AND k.cl % 2 = 1 \
                   AND k.item_id IN (SELECT i.id FROM json_each(?4) j JOIN items i ON i.uuid = j.value AND i.project_id = ?2)) s \
             WHERE membership_clocks.collection_id = ?1 AND membership_clocks.item_id = s.item_id",
            crate::db::params![collection, project, base, serde_json::to_string(items)?, now_ms()],
        )?
    } else {
        tx.execute(
            "INSERT INTO membership_clocks (collection_id, item_id, cl, project_id, version, changed_at) \
             SELECT ?1, id, 0, ?2, ?3 + row_number() OVER (ORDER BY id), ?5 \
             FROM (SELECT DISTINCT i.id FROM json_each(?4) j JOIN items i ON i.uuid = j.value AND i.project_id = ?2 \
                   WHERE NOT EXISTS (SELECT 1 FROM membership_clocks k WHERE k.collection_id = ?1 AND k.item_id = i.id AND k.cl % 2 = 1)) WHERE true \
             ON CONFLICT (collection_id, item_id) DO UPDATE SET version = excluded.version, changed_at = excluded.changed_at",
            crate::db::params![collection, project, base, serde_json::to_string(items)?, now_ms()],
        )?
    };
    take_versions(tx, base, n)
}

/// New versions for the items among `uuids` in projects where the caller is an editor, each
/// its own, when tagging them with `tags` would have changed them: for a tag, items lacking one
/// of the tags; for an untag (`has`), items carrying one.
fn items(tx: &Transaction, caller: &Caller, uuids: &[String], tags: &[String], has: bool) -> Result<()> {
    let uuids = serde_json::to_string(uuids)?;
    let tags: Vec<String> = tags.iter().map(|t| t.trim().to_string()).collect();
    let projects: Vec<i64> = {
        let mut stmt = tx.prepare("SELECT DISTINCT project_id FROM items WHERE uuid IN (SELECT value FROM json_each(?1))")?;
        let all = stmt.query_map([&uuids], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
        let mut editable = Vec::with_capacity(all.len());
        for p in all {
            if may_edit(tx, caller, p)? {
                editable.push(p);
            }
        }
        editable
    };
    if projects.is_empty() {
        return Ok(());
    }
    let base = head(tx)?;
    // How many of the tags each item carries decides whether the mutation would change it.
    let carried = "(SELECT count(DISTINCT t.name) FROM item_tags it JOIN tags t ON t.id = it.tag_id \
                    WHERE it.item_id = items.id AND t.name IN (SELECT value FROM json_each(?4)))";
    let changes = if has { format!("?5 > 0 AND {carried} > 0") } else { format!("{carried} < ?5") };
    // The new version differs from the row's own, so the update trigger does not stamp it again.
    let n = tx.execute(
        &format!(
            "UPDATE items SET version = ?1 + s.n \
             FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM items \
                   WHERE uuid IN (SELECT value FROM json_each(?2)) AND project_id IN rarray(?3) AND {changes}) s \
             WHERE items.id = s.id"
        ),
        crate::db::params![base, uuids, trove_sqlite::list(&projects), serde_json::to_string(&tags)?, tags.len() as i64],
    )?;
    take_versions(tx, base, n)
}
