//! Memberships: which items a collection holds, in which order (fractional-index keys from
//! `trove_protocol::position`), with which notes. Every write needs the editor role in the
//! collection's project and marks the collection as changed.

use std::collections::{HashMap, HashSet};

use crate::db::{Connection, OptionalExtension, Transaction};
use trove_sqlite::list;
use trove_protocol::api::{
    AddItem, BulkAdd, BulkAddOutcome, BulkRemoveOutcome, CollectionInfo, Member, MemberPatch, MembersPage, Role,
};
use trove_protocol::{position, rules};

use super::access::{self, Caller};
use super::items::{info, COLUMNS, EXTRA};
use super::sync::{ServerReplica, Target};
use super::history::{self, Named};
use super::{collections, cursor, now_ms};
use trove_protocol::history::ChangeKind;
use crate::error::{Error, Result};

const ORDER: &str = "position";

fn select() -> String {
    format!(
        "SELECT {COLUMNS}, m.note, {EXTRA}, m.id, m.hex_id, m.position, m.added_at, \
         (SELECT u.name FROM users u WHERE u.id = m.added_by) \
         FROM memberships m JOIN items i ON i.id = m.item_id WHERE m.collection_id = ?1"
    )
}

fn member(r: &crate::db::Row) -> crate::db::Result<Member> {
    Ok(Member {
        item: info(r, true)?,
        membership_id: r.get(19)?,
        membership_hex_id: r.get(20)?,
        position: r.get(21)?,
        added_at: r.get(22)?,
        added_by: r.get::<_, Option<String>>(23)?.unwrap_or_default(),
    })
}

fn not_member(c: &CollectionInfo, item: i64) -> Error {
    Error::NotFound(format!("item {item} is not in collection {:?}", c.collection.slug))
}

/// The membership of `item` in the collection.
pub fn get(conn: &Connection, c: &CollectionInfo, item: i64) -> Result<Member> {
    conn.query_row(&format!("{} AND m.item_id = ?2", select()), [c.collection.id, item], member)
        .optional()?
        .ok_or_else(|| not_member(c, item))
}

/// One page of the collection's items in order, after `after` (a cursor of the previous page).
pub fn page(conn: &Connection, c: &CollectionInfo, limit: u32, after: Option<&str>) -> Result<MembersPage> {
    let mut sql = select();
    let mut params: Vec<crate::db::Value> = vec![c.collection.id.into()];
    if let Some(after) = after {
        let values = cursor::decode(after, ORDER, 2)?;
        sql.push_str(" AND (m.position, m.item_id) > (?2, ?3)");
        params.extend(values);
    }
    sql.push_str(&format!(" ORDER BY m.position, m.item_id LIMIT {}", limit + 1));
    let mut stmt = conn.prepare(&sql)?;
    let mut items = stmt.query_map(crate::db::params_from_iter(params), member)?.collect::<Result<Vec<_>, _>>()?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|m| cursor::encode(ORDER, &[m.position.clone().into(), m.item.item.id.into()]))
    } else {
        None
    };
    Ok(MembersPage { items, next_cursor })
}

fn require_editor(conn: &Connection, caller: &Caller, c: &CollectionInfo) -> Result<()> {
    access::require(conn, caller, c.collection.project_id, Role::Editor).map(|_| ())
}

fn last_position(conn: &Connection, collection: i64) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT max(position) FROM memberships WHERE collection_id = ?1", [collection], |r| r.get(0))?)
}

/// One new membership: the item, its position key and its note.
pub struct NewMember<'a> {
    pub item: i64,
    pub position: &'a str,
    pub note: &'a str,
}

/// Inserts the memberships `rows` (none of them present yet) in one statement, in the order
/// given, added by `caller` now. Only the rulebook's writes call it (`sync::ServerReplica`),
/// after writing the pairs' clocks: a membership trigger stamps versions, never lengths.
pub fn insert(tx: &Transaction, caller: &Caller, collection: i64, rows: &[NewMember]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let rows: Vec<serde_json::Value> = rows.iter().map(|r| serde_json::json!([r.item, r.position, r.note])).collect();
    tx.execute(
        "INSERT INTO memberships (hex_id, collection_id, item_id, position, note, added_at, added_by) \
         SELECT lower(hex(randomblob(12))), ?1, CAST(value ->> 0 AS BIGINT), value ->> 1, value ->> 2, ?2, ?3 FROM json_each(?4) ORDER BY key",
        crate::db::params![collection, now_ms(), caller.user_id, serde_json::to_string(&rows)?],
    )?;
    Ok(())
}

/// Deletes the memberships of `items` in the collection. The rulebook decides when (through
/// [`ServerReplica`]); the clocks were written before.
pub fn delete(tx: &Transaction, collection: i64, items: &[i64]) -> Result<()> {
    if !items.is_empty() {
        tx.execute("DELETE FROM memberships WHERE collection_id = ?1 AND item_id IN rarray(?2)", crate::db::params![collection, list(items)])?;
    }
    Ok(())
}

/// Adds (`add`, each with a fresh key after the last member, in the order given) or removes the
/// items `ids` of the collection's project, by the rulebook's rules: the same as a pushed
/// `add_items`/`remove_items` without causal lengths.
fn merge(tx: &Transaction, caller: &Caller, c: &CollectionInfo, ids: &[i64], add: bool) -> Result<()> {
    let target = Target { id: c.collection.id, project: c.collection.project_id };
    let mut replica = ServerReplica::new(tx, caller);
    let states = replica.pairs_by_id(target, ids)?;
    let keys = if add {
        position::n_between(last_position(tx, c.collection.id)?.as_deref(), None, ids.len()).map_err(|e| Error::Internal(e.into()))?
    } else {
        Vec::new()
    };
    trove_rulebook::merge_pairs(&mut replica, target, &states, add, &[], &keys)?;
    Ok(())
}

fn set_notes(tx: &Transaction, collection: i64, notes: &[(i64, &str)]) -> Result<()> {
    let mut stmt = tx.prepare_cached("UPDATE memberships SET note = ?1 WHERE collection_id = ?2 AND item_id = ?3")?;
    for (item, note) in notes {
        stmt.execute(crate::db::params![note, collection, item])?;
    }
    Ok(())
}

/// The ids among `ids` that are items of `project`.
fn in_project(conn: &Connection, project: i64, ids: &[i64]) -> Result<HashSet<i64>> {
    let mut stmt = conn.prepare("SELECT id FROM items WHERE project_id = ?1 AND id IN rarray(?2)")?;
    let set = stmt.query_map(crate::db::params![project, list(ids)], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(set)
}

fn members_among(conn: &Connection, collection: i64, ids: &[i64]) -> Result<HashSet<i64>> {
    let mut stmt = conn.prepare("SELECT item_id FROM memberships WHERE collection_id = ?1 AND item_id IN rarray(?2)")?;
    let set = stmt.query_map(crate::db::params![collection, list(ids)], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(set)
}

/// Adds one item at the end. Returns the membership and whether it is new: an item already
/// there is a conflict unless `exists_ok`, and then it is returned unchanged.
pub fn add(tx: &Transaction, caller: &Caller, c: &CollectionInfo, input: &AddItem) -> Result<(Member, bool)> {
    require_editor(tx, caller, c)?;
    let note = input.note.as_deref().map(rules::note).transpose()?.unwrap_or_default();
    if in_project(tx, c.collection.project_id, &[input.item])?.is_empty() {
        return Err(Error::NotFound(format!("item {} does not exist in project {}", input.item, c.collection.project_id)));
    }
    if let Ok(existing) = get(tx, c, input.item) {
        if input.exists_ok {
            return Ok((existing, false));
        }
        return Err(Error::Conflict(format!(
            "item {} is already in collection {:?}; pass \"exists_ok\": true to accept that",
            input.item, c.collection.slug
        )));
    }
    merge(tx, caller, c, &[input.item], true)?;
    if !note.is_empty() {
        set_notes(tx, c.collection.id, &[(input.item, note.as_str())])?;
    }
    Ok((get(tx, c, input.item)?, true))
}

/// Appends the given items that exist in the project and are not in the collection yet, in the
/// order given; reports which were added, which were there already and which do not exist.
/// Every note is checked before anything is written.
pub fn bulk_add(tx: &Transaction, caller: &Caller, c: &CollectionInfo, input: &BulkAdd, max: usize) -> Result<BulkAddOutcome> {
    require_editor(tx, caller, c)?;
    if input.items.len() > max {
        return Err(Error::TooLarge(format!("{} items in one request; at most {max} are allowed, send them in batches", input.items.len())));
    }
    let mut notes = HashMap::new();
    for (key, note) in &input.notes {
        let id: i64 = key.parse().map_err(|_| Error::Invalid(format!("notes key {key:?} is not an item id")))?;
        if !input.items.contains(&id) {
            return Err(Error::Invalid(format!("notes has a note for item {id}, which is not in \"items\"")));
        }
        let note = rules::note(note).map_err(|e| Error::Invalid(format!("the note for item {id}: {e}")))?;
        notes.insert(id, note);
    }
    let mut seen = HashSet::new();
    let ids: Vec<i64> = input.items.iter().copied().filter(|id| seen.insert(*id)).collect();
    let exists = in_project(tx, c.collection.project_id, &ids)?;
    let present = members_among(tx, c.collection.id, &ids)?;
    let mut out = BulkAddOutcome::default();
    for id in ids {
        if !exists.contains(&id) {
            out.missing.push(id);
        } else if present.contains(&id) {
            out.already.push(id);
        } else {
            out.added.push(id);
        }
    }
    if !out.added.is_empty() {
        merge(tx, caller, c, &out.added, true)?;
        let noted: Vec<(i64, &str)> = out.added.iter().filter_map(|id| notes.get(id).map(|n| (*id, n.as_str()))).collect();
        set_notes(tx, c.collection.id, &noted)?;
    }
    Ok(out)
}

/// Removes the given items; reports which were removed and which were not in the collection.
pub fn bulk_remove(tx: &Transaction, caller: &Caller, c: &CollectionInfo, items: &[i64], max: usize) -> Result<BulkRemoveOutcome> {
    require_editor(tx, caller, c)?;
    if items.len() > max {
        return Err(Error::TooLarge(format!("{} items in one request; at most {max} are allowed, send them in batches", items.len())));
    }
    let present = members_among(tx, c.collection.id, items)?;
    let mut out = BulkRemoveOutcome::default();
    let mut seen = HashSet::new();
    for id in items.iter().copied().filter(|id| seen.insert(*id)) {
        if present.contains(&id) {
            out.removed.push(id);
        } else {
            out.not_members.push(id);
        }
    }
    if !out.removed.is_empty() {
        merge(tx, caller, c, &out.removed, false)?;
    }
    Ok(out)
}

/// Removes one item; 404 when it is not in the collection, unless `missing_ok`.
pub fn remove(tx: &Transaction, caller: &Caller, c: &CollectionInfo, item: i64, missing_ok: bool) -> Result<()> {
    let out = bulk_remove(tx, caller, c, &[item], 1)?;
    if out.removed.is_empty() && !missing_ok {
        return Err(not_member(c, item));
    }
    Ok(())
}

/// Sets an item's note and/or moves it to a 0-based index (clamped to the last one).
pub fn update(tx: &Transaction, caller: &Caller, c: &CollectionInfo, item: i64, patch: &MemberPatch) -> Result<Member> {
    require_editor(tx, caller, c)?;
    let note = patch.note.as_deref().map(rules::note).transpose()?;
    get(tx, c, item)?;
    let id = c.collection.id;
    if let Some(note) = note {
        tx.execute("UPDATE memberships SET note = ?1 WHERE collection_id = ?2 AND item_id = ?3", crate::db::params![note, id, item])?;
        history::record(tx, caller, c.collection.project_id, id, ChangeKind::Noted, Named::Ids(&[item]), &note)?;
    }
    if let Some(index) = patch.position {
        // The neighbours the item will sit between, counted without the item itself.
        let others: i64 =
            tx.query_row("SELECT count(*) FROM memberships WHERE collection_id = ?1 AND item_id <> ?2", [id, item], |r| r.get(0))?;
        let index = index.min(others as u64) as i64;
        let neighbours = || -> Result<(Option<String>, Option<String>)> {
            let mut stmt = tx.prepare(
                "SELECT position FROM memberships WHERE collection_id = ?1 AND item_id <> ?2 ORDER BY position, item_id LIMIT 2 OFFSET ?3",
            )?;
            let around: Vec<String> =
                stmt.query_map(crate::db::params![id, item, (index - 1).max(0)], |r| r.get(0))?.collect::<Result<_, _>>()?;
            let mut around = around.into_iter();
            Ok(if index == 0 { (None, around.next()) } else { (around.next(), around.next()) })
        };
        let (mut prev, mut next) = neighbours()?;
        if prev.is_some() && prev == next {
            // Two devices appended with the same key: spread the keys out again, in the
            // current order, so there is room between every pair.
            respread(tx, id)?;
            (prev, next) = neighbours()?;
        }
        let key = position::between(prev.as_deref(), next.as_deref()).map_err(|e| Error::Internal(e.into()))?;
        tx.execute("UPDATE memberships SET position = ?1 WHERE collection_id = ?2 AND item_id = ?3", crate::db::params![key, id, item])?;
        respread_if_long(tx, id, [key.as_str()])?;
        history::record(tx, caller, c.collection.project_id, id, ChangeKind::Moved, Named::Ids(&[item]), "")?;
    }
    collections::touch(tx, id)?;
    get(tx, c, item)
}

/// Re-spreads the collection when one of the keys just written is [`position::RESPREAD_AT`]
/// long or longer: keys only grow through many inserts at one spot, and short keys keep every
/// later insert cheap (DESIGN §6: nothing grows without bound).
pub fn respread_if_long<'a>(tx: &Transaction, collection: i64, written: impl IntoIterator<Item = &'a str>) -> Result<()> {
    if written.into_iter().any(|k| k.len() >= position::RESPREAD_AT) {
        respread(tx, collection)?;
    }
    Ok(())
}

/// Re-spreads every collection holding a key of [`position::RESPREAD_AT`] or more, as left by
/// a server from before keys were bounded. Run at start; migration 004 marks a database that
/// needs it, and without the mark (every start after the first) it reads nothing else.
pub fn respread_long_keys(tx: &Transaction) -> Result<usize> {
    if tx.execute("DELETE FROM counters WHERE name = 'respread_pending'", [])? == 0 {
        return Ok(0);
    }
    let mut stmt = tx.prepare("SELECT DISTINCT collection_id FROM memberships WHERE length(position) >= ?1")?;
    let long: Vec<i64> = stmt.query_map([position::RESPREAD_AT as i64], |r| r.get(0))?.collect::<Result<_, _>>()?;
    for c in &long {
        respread(tx, *c)?;
    }
    Ok(long.len())
}

/// Gives the collection's members fresh, evenly spread keys in their current order (ties
/// broken by item id, as everywhere).
pub fn respread(tx: &Transaction, collection: i64) -> Result<()> {
    let mut stmt = tx.prepare("SELECT item_id FROM memberships WHERE collection_id = ?1 ORDER BY position, item_id")?;
    let items: Vec<i64> = stmt.query_map([collection], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let keys = position::spread(items.len());
    let mut update = tx.prepare("UPDATE memberships SET position = ?1 WHERE collection_id = ?2 AND item_id = ?3")?;
    for (item, key) in items.iter().zip(&keys) {
        update.execute(crate::db::params![key, collection, item])?;
    }
    Ok(())
}
