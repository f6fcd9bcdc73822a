//! Membership of items in collections: add a selection, remove a selection, move one item,
//! note one item. Each is one transaction that also appends its mutation to the outbox.

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension};
use trove_protocol::itemset::{ItemSet, SET_MAX};
use trove_protocol::mutation::ITEMS_MAX;
use trove_protocol::{position, rules, AddOutcome, AddedToNew, Mutation, NewCollection, Selection};
use trove_rulebook::Ranked;

use crate::collections;
use crate::error::{Error, Result};
use crate::filters::list;
use crate::cache::CacheReplica;
use crate::history::{self, Member};
use crate::{outbox, selection};

/// The collection, if it is live and belongs to `project`.
fn in_project(conn: &Connection, project: i64, id: i64) -> Result<collections::Live> {
    let c = collections::live(conn, id)?;
    if c.project_id != project {
        return Err(Error::NotFound { what: "collection", id });
    }
    Ok(c)
}

/// `id -> uuid` of the given items.
pub(crate) fn item_uuids(conn: &Connection, ids: &[i64]) -> Result<HashMap<i64, String>> {
    let mut stmt = conn.prepare("SELECT id, uuid FROM items WHERE id IN rarray(?1)")?;
    let map = stmt.query_map([list(ids)], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    Ok(map)
}

fn item_uuid(conn: &Connection, item: i64) -> Result<String> {
    Ok(conn.query_row("SELECT uuid FROM items WHERE id = ?1", [item], |r| r.get(0))?)
}

/// The tail of an add or a remove: the mutation, built from the collection's UUID, goes to the
/// outbox (the rulebook touched the collection).
fn record(conn: &Connection, project: i64, collection: i64, mutation: impl FnOnce(String) -> Mutation) -> Result<()> {
    outbox::append(conn, project, &mutation(collections::uuid_of(conn, collection)?))?;
    Ok(())
}

fn member_ids(conn: &Connection, collection: i64, ids: &[i64]) -> Result<HashSet<i64>> {
    let mut stmt = conn.prepare("SELECT item_id FROM memberships WHERE collection_id = ?1 AND item_id IN rarray(?2)")?;
    let set = stmt.query_map(rusqlite::params![collection, list(ids)], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(set)
}

/// Applies a note or a move by the rulebook, as the server will, and records it.
fn apply(conn: &Connection, project: i64, collection: i64, mutation: impl FnOnce(String) -> Mutation) -> Result<()> {
    let m = mutation(collections::uuid_of(conn, collection)?);
    trove_rulebook::apply(&m, &mut CacheReplica::new(conn, project, "")?)?;
    outbox::append(conn, project, &m)?;
    Ok(())
}

/// Adds (`add`, the items `ids` absent, each with its key in `keys`) or removes (the items
/// present) through the rulebook (`trove_rulebook::merge_pairs`), the code the server applies
/// the resulting mutation with. Returns each item's new causal length, in `ids` order, for the
/// mutation (none for a local project, which keeps no lengths).
fn merge(conn: &Connection, project: i64, collection: i64, ids: &[i64], add: bool, keys: &[String], actor: &str) -> Result<Vec<u32>> {
    let mut cache = CacheReplica::new(conn, project, actor)?;
    let states = cache.pairs_by_id(collection, ids, !add)?;
    let plan = trove_rulebook::merge_pairs(&mut cache, collection, &states, add, &[], keys)?;
    if !cache.synced() {
        return Ok(Vec::new()); // only a copy of a server project keeps lengths
    }
    let cls: HashMap<i64, i64> = plan.clocks.into_iter().collect();
    Ok(ids.iter().map(|id| cls.get(id).copied().unwrap_or(0) as u32).collect())
}

/// Appends the selection's items that are not in the collection yet, in the selection's order.
pub fn add(conn: &Connection, project: i64, collection: i64, sel: &Selection, actor: &str) -> Result<AddOutcome> {
    in_project(conn, project, collection)?;
    let ids = selection::resolve(conn, project, sel)?;
    Ok(add_ids(conn, project, collection, &ids, None, actor)?.0)
}

/// Adds the items `ids` that are not in the collection yet: at the keys `keys` (aligned with
/// `ids`; an undo puts removed items back where they were) or, without keys, appended in `ids`
/// order. Returns the outcome and the items added, in order. More than [`ITEMS_MAX`] items go in
/// as a set appended in `ids` order, whatever `keys` say: a bulk mutation names no key per item.
pub(crate) fn add_ids(
    conn: &Connection,
    project: i64,
    collection: i64,
    ids: &[i64],
    keys: Option<&[String]>,
    actor: &str,
) -> Result<(AddOutcome, Vec<i64>)> {
    in_project(conn, project, collection)?;
    if ids.len() > ITEMS_MAX {
        // What is there already, read only when something is: an undo must name exactly the
        // items this add put in.
        let last = crate::cache::last_key(conn, collection)?;
        let present: HashSet<i64> = if last.is_some() { all_members(conn, collection)? } else { HashSet::new() };
        let key = position::between(last.as_deref(), None)?;
        if let Some(added) = merge_bulk(conn, project, collection, ids, Some(&key), actor)? {
            // The ids are distinct (as `merge_set` asks; `selection::resolve` gives each once): all new
            // when none was there.
            let new: Vec<i64> = if present.is_empty() { ids.to_vec() } else { ids.iter().copied().filter(|id| !present.contains(id)).collect() };
            return Ok((AddOutcome { added: added as u64, already: (ids.len() - added) as u64 }, new));
        }
    }
    let present = member_ids(conn, collection, ids)?;
    let mut seen = HashSet::with_capacity(ids.len());
    let (new, keys): (Vec<i64>, Option<Vec<String>>) = match keys {
        Some(keys) => {
            let (new, keys) = ids.iter().zip(keys).filter(|(id, _)| !present.contains(id) && seen.insert(**id)).map(|(id, k)| (*id, k.clone())).unzip();
            (new, Some(keys))
        }
        None => (ids.iter().copied().filter(|id| !present.contains(id) && seen.insert(*id)).collect(), None),
    };
    let outcome = AddOutcome { added: new.len() as u64, already: present.len() as u64 };
    if new.is_empty() {
        return Ok((outcome, new));
    }
    let positions = match keys {
        Some(keys) => keys,
        None => position::n_between(crate::cache::last_key(conn, collection)?.as_deref(), None, new.len())?,
    };
    // The rulebook decides each pair's new length and row, as the server will.
    let cls = merge(conn, project, collection, &new, true, &positions, actor)?;
    let uuids = item_uuids(conn, &new)?;
    let items: Vec<String> = new.iter().map(|id| uuids[id].clone()).collect();
    // A mutation names at most ITEMS_MAX items (the server's bound): a bigger add is recorded
    // as several, in order, so each push stays small however large the selection.
    for (k, chunk) in items.chunks(ITEMS_MAX).enumerate() {
        let range = k * ITEMS_MAX..k * ITEMS_MAX + chunk.len();
        let cls = if cls.is_empty() { Vec::new() } else { cls[range.clone()].to_vec() };
        let positions = positions[range].to_vec();
        record(conn, project, collection, |collection| Mutation::AddItems { collection, items: chunk.to_vec(), positions, cls })?;
    }
    Ok((outcome, new))
}

fn all_members(conn: &Connection, collection: i64) -> Result<HashSet<i64>> {
    let mut stmt = conn.prepare("SELECT item_id FROM memberships WHERE collection_id = ?1")?;
    let set = stmt.query_map([collection], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(set)
}

/// The memberships of `ids` in the collection, in the collection's order. Past [`ITEMS_MAX`]
/// members their keys are left empty: what reads them, the undo of a remove, keeps the keys of
/// at most that many (`history::Placed::of`), and a million key strings cost a tenth of a second.
pub(crate) fn members_of(conn: &Connection, collection: i64, ids: &[i64]) -> Result<Vec<Member>> {
    let row = |r: &rusqlite::Row| Ok(Member { item: r.get(0)?, position: r.get(1)?, note: r.get(2)? });
    if ids.len() > ITEMS_MAX {
        let wanted: Option<roaring::RoaringBitmap> = ids.iter().map(|&id| u32::try_from(id).ok()).collect();
        if let Some(wanted) = wanted {
            let members = crate::cache::in_order(conn, collection, Some(&wanted), false)?;
            if members.len() > ITEMS_MAX {
                return Ok(members);
            }
            // Few of them are members: these, with their keys.
            return members_of(conn, collection, &members.iter().map(|m| m.item).collect::<Vec<_>>());
        }
    }
    let mut out: Vec<Member> = {
        let mut stmt = conn.prepare("SELECT item_id, position, note FROM memberships WHERE collection_id = ?1 AND item_id IN rarray(?2)")?;
        let rows = stmt.query_map(rusqlite::params![collection, list(ids)], row)?.collect::<Result<_, _>>()?;
        rows
    };
    out.sort_by(|a, b| a.position.cmp(&b.position).then(a.item.cmp(&b.item)));
    Ok(out)
}

/// Removes the selection's items from the collection; returns how many were in it.
pub fn remove(conn: &Connection, project: i64, collection: i64, sel: &Selection) -> Result<u64> {
    in_project(conn, project, collection)?;
    let ids = selection::resolve(conn, project, sel)?;
    Ok(remove_ids(conn, project, collection, &ids)?.len() as u64)
}

/// Removes the items `ids` from the collection; returns the memberships removed, as they were.
pub(crate) fn remove_ids(conn: &Connection, project: i64, collection: i64, ids: &[i64]) -> Result<Vec<Member>> {
    in_project(conn, project, collection)?;
    let before = members_of(conn, collection, ids)?;
    if ids.len() > ITEMS_MAX && merge_bulk(conn, project, collection, ids, None, "")?.is_some() {
        return Ok(before);
    }
    let mut members: Vec<i64> = before.iter().map(|m| m.item).collect();
    if members.is_empty() {
        return Ok(before);
    }
    members.sort_unstable();
    let cls = merge(conn, project, collection, &members, false, &[], "")?;
    let uuids = item_uuids(conn, &members)?;
    let items: Vec<String> = members.iter().map(|id| uuids[id].clone()).collect();
    for (k, chunk) in items.chunks(ITEMS_MAX).enumerate() {
        let cls = if cls.is_empty() { Vec::new() } else { cls[k * ITEMS_MAX..k * ITEMS_MAX + chunk.len()].to_vec() };
        record(conn, project, collection, |collection| Mutation::RemoveItems { collection, items: chunk.to_vec(), cls })?;
    }
    Ok(before)
}

/// A bulk add (`key`: where the new members go) or remove of more than [`ITEMS_MAX`] items:
/// the rulebook's set merge (`merge_set`) writes every pair in a few statements, each new member
/// keyed by its rank in the selection after `key`; the outbox gets one `add_item_set` or
/// `remove_item_set` per [`SET_MAX`] items, naming them by number. Returns how many rows were
/// inserted or deleted; `None` when an item has no number (pulled before items were numbered):
/// the caller then names them by UUID.
fn merge_bulk(conn: &Connection, project: i64, collection: i64, ids: &[i64], key: Option<&str>, actor: &str) -> Result<Option<usize>> {
    let cache = CacheReplica::new(conn, project, actor)?;
    let Some(numbers) = cache.numbers_of(ids)? else { return Ok(None) };
    let mut cache = cache.by_local_id();
    let ranked = key.map(|key| Ranked { key, first: 0 });
    let changed = trove_rulebook::merge_set(&mut cache, collection, ids, ranked)?;
    if changed > 0 && cache.synced() {
        let uuid = collections::uuid_of(conn, collection)?;
        for (k, chunk) in numbers.chunks(SET_MAX).enumerate() {
            let (collection, items) = (uuid.clone(), ItemSet::encode(chunk));
            let m = match key {
                Some(key) => Mutation::AddItemSet { collection, items, key: key.to_string(), first: (k * SET_MAX) as u32 },
                None => Mutation::RemoveItemSet { collection, items },
            };
            outbox::append(conn, project, &m)?;
        }
    }
    Ok(Some(changed))
}

fn position_of(conn: &Connection, collection: i64, c: &collections::Live, item: i64) -> Result<String> {
    conn.query_row("SELECT position FROM memberships WHERE collection_id = ?1 AND item_id = ?2", [collection, item], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::NotMember { collection: c.title.clone(), item })
}

/// The item's membership in the collection (its key and note), or `NotMember`.
pub(crate) fn member(conn: &Connection, collection: i64, item: i64) -> Result<Member> {
    let c = collections::live(conn, collection)?;
    let position = position_of(conn, collection, &c, item)?;
    let note = conn.query_row("SELECT note FROM memberships WHERE collection_id = ?1 AND item_id = ?2", [collection, item], |r| r.get(0))?;
    Ok(Member { item, position, note })
}

/// Moves `item` to just before `before` in the collection's order (to the end when `None`).
pub fn move_item(conn: &Connection, collection: i64, item: i64, before: Option<i64>) -> Result<()> {
    let c = collections::live(conn, collection)?;
    let current = position_of(conn, collection, &c, item)?;
    if before == Some(item) {
        return Ok(());
    }
    let next = before.map(|b| position_of(conn, collection, &c, b)).transpose()?;
    // The neighbour that will precede the item: the last one before `next`, the item excluded.
    let prev: Option<String> = match &next {
        Some(next) => conn.query_row(
            "SELECT position FROM member_order WHERE collection_id = ?1 AND position < ?2 AND item_id <> ?3 ORDER BY position DESC LIMIT 1",
            rusqlite::params![collection, next, item],
            |r| r.get(0),
        )
        .optional()?,
        None => conn.query_row(
            "SELECT position FROM member_order WHERE collection_id = ?1 AND item_id <> ?2 ORDER BY position DESC LIMIT 1",
            rusqlite::params![collection, item],
            |r| r.get(0),
        )
        .optional()?,
    };
    if let (Some(p), Some(n)) = (&prev, &next) {
        if current > *p && current < *n {
            return Ok(()); // already there
        }
    }
    let key = position::between(prev.as_deref(), next.as_deref())?;
    move_to_key(conn, collection, item, key)
}

/// Puts `item` at the key `key` of the collection's order (an undo puts it back where it was).
pub(crate) fn move_to_key(conn: &Connection, collection: i64, item: i64, key: String) -> Result<()> {
    let c = collections::live(conn, collection)?;
    position_of(conn, collection, &c, item)?;
    let item = item_uuid(conn, item)?;
    apply(conn, c.project_id, collection, |collection| Mutation::MoveItem { collection, item, position: key })
}

/// Sets the note of `item` in the collection (at most 500 characters; empty clears it).
pub fn set_note(conn: &Connection, collection: i64, item: i64, note: &str) -> Result<()> {
    let note = rules::note(note)?;
    let c = collections::live(conn, collection)?;
    position_of(conn, collection, &c, item)?;
    let item = item_uuid(conn, item)?;
    apply(conn, c.project_id, collection, |collection| Mutation::SetNote { collection, item, note })
}

/// The history entry of an add: the items it put in, where they now stand.
fn added(tx: &Connection, collection: i64, new: Vec<i64>) -> Result<Option<history::Op>> {
    if new.is_empty() {
        return Ok(None);
    }
    let items = if new.len() <= ITEMS_MAX {
        history::Placed::of(members_of(tx, collection, &new)?)
    } else {
        history::Placed { items: new, keys: None, notes: Vec::new() }
    };
    Ok(Some(history::Op::Added { collection, items }))
}

impl crate::Store {
    /// Adds the selection to the collection; one step of the undo history.
    pub fn add_to_collection(&self, project: i64, collection: i64, sel: &Selection) -> Result<AddOutcome> {
        self.journaled(|tx| {
            let title = in_project(tx, project, collection)?.title;
            let ids = self.resolve_selection(project, sel)?;
            let (out, new) = add_ids(tx, project, collection, &ids, None, self.actor())?;
            let label = history::members_label("Add", new.len(), "to", &title);
            let ops = added(tx, collection, new)?.into_iter().collect();
            Ok((out, history::Entry::new(project, label, ops)))
        })
    }

    /// Creates a collection and adds the selection to it: one action, one undo step (its undo
    /// deletes the collection).
    pub fn create_collection_and_add(&self, project: i64, input: &NewCollection, sel: &Selection) -> Result<AddedToNew> {
        self.journaled(|tx| {
            let ids = self.resolve_selection(project, sel)?;
            let c = collections::create(tx, project, input, self.actor())?;
            let (out, new) = add_ids(tx, project, c.id, &ids, None, self.actor())?;
            let label = history::members_label("Add", new.len(), "to a new collection", &c.title);
            let mut ops = vec![history::Op::Created { collection: c.id, input: input.clone() }];
            ops.extend(added(tx, c.id, new)?);
            Ok((AddedToNew { collection: collections::get(tx, c.id)?, outcome: out }, history::Entry::new(project, label, ops)))
        })
    }

    /// Removes the selection from the collection; one step of the undo history.
    pub fn remove_from_collection(&self, project: i64, collection: i64, sel: &Selection) -> Result<u64> {
        self.journaled(|tx| {
            let title = in_project(tx, project, collection)?.title;
            let ids = self.resolve_selection(project, sel)?;
            let removed = history::Placed::of(remove_ids(tx, project, collection, &ids)?);
            let n = removed.len();
            let label = history::members_label("Remove", n, "from", &title);
            let ops = if n == 0 { Vec::new() } else { vec![history::Op::Removed { collection, items: removed }] };
            Ok((n as u64, history::Entry::new(project, label, ops)))
        })
    }

    pub fn move_item(&self, collection: i64, item: i64, before: Option<i64>) -> Result<()> {
        self.journaled(|tx| {
            let c = collections::live(tx, collection)?;
            let from = member(tx, collection, item)?.position;
            move_item(tx, collection, item, before)?;
            let to = member(tx, collection, item)?.position;
            let ops = if from == to { Vec::new() } else { vec![history::Op::Moved { collection, item, from, to }] };
            Ok(((), history::Entry::new(c.project_id, format!("Move an item in {}", c.title), ops)))
        })
    }

    pub fn set_note(&self, collection: i64, item: i64, note: &str) -> Result<()> {
        self.journaled(|tx| {
            let c = collections::live(tx, collection)?;
            let from = member(tx, collection, item)?.note;
            set_note(tx, collection, item, note)?;
            let to = member(tx, collection, item)?.note;
            let ops = if from == to { Vec::new() } else { vec![history::Op::Noted { collection, item, from, to }] };
            Ok(((), history::Entry::new(c.project_id, format!("Edit a note in {}", c.title), ops)))
        })
    }
}

#[cfg(test)]
mod tests {
    use trove_protocol::{Clause, Condition, Filter, ItemQuery, NewCollection};

    use super::*;
    use crate::testing::{fixture, ids};

    #[test]
    fn add_appends_in_selection_order_and_reports_duplicates() {
        let f = fixture();
        let c = f.collection("Picks");
        let out = f.store.add_to_collection(f.p, c, &ids(&[3, 1])).unwrap();
        assert_eq!(out, AddOutcome { added: 2, already: 0 });
        let out = f.store.add_to_collection(f.p, c, &ids(&[1, 5, 6, 99])).unwrap();
        assert_eq!(out, AddOutcome { added: 1, already: 1 }, "item 6 is another project's, 99 does not exist");
        assert_eq!(f.members(c), [3, 1, 5]);
        assert_eq!(f.store.collections(f.p).unwrap()[0].item_count, 3);
    }

    #[test]
    fn add_by_filter_minus_exceptions_in_one_action() {
        let f = fixture();
        let c = f.collection("Labeled");
        let query = ItemQuery {
            filter: Filter { clauses: vec![Clause { negate: false, cond: Condition::Labeled { value: true } }] },
            ..Default::default()
        };
        let sel = Selection::Matching { query, except: vec![3] };
        assert_eq!(f.store.count_selection(f.p, &sel).unwrap(), 2);
        let out = f.store.add_to_collection(f.p, c, &sel).unwrap();
        assert_eq!(out.added, 2);
        assert_eq!(f.members(c), [2, 5], "in the query's (name) order, 3 excepted");
        assert_eq!(f.outbox_len(), 2, "create + one add_items");
    }

    #[test]
    fn remove_reports_what_was_there() {
        let f = fixture();
        let c = f.collection("Picks");
        f.store.add_to_collection(f.p, c, &ids(&[1, 2, 3, 4])).unwrap();
        assert_eq!(f.store.remove_from_collection(f.p, c, &ids(&[2, 4, 5])).unwrap(), 2);
        assert_eq!(f.members(c), [1, 3]);
        let before = f.outbox_len();
        assert_eq!(f.store.remove_from_collection(f.p, c, &ids(&[5])).unwrap(), 0);
        assert_eq!(f.outbox_len(), before, "a no-op writes no mutation");
    }

    #[test]
    fn move_places_an_item_before_another_or_at_the_end() {
        let f = fixture();
        let c = f.collection("Order");
        f.store.add_to_collection(f.p, c, &ids(&[1, 2, 3, 4, 5])).unwrap();
        f.store.move_item(c, 1, Some(4)).unwrap();
        assert_eq!(f.members(c), [2, 3, 1, 4, 5]);
        f.store.move_item(c, 5, Some(2)).unwrap();
        assert_eq!(f.members(c), [5, 2, 3, 1, 4]);
        f.store.move_item(c, 5, None).unwrap();
        assert_eq!(f.members(c), [2, 3, 1, 4, 5]);
        f.store.move_item(c, 3, Some(3)).unwrap();
        assert_eq!(f.members(c), [2, 3, 1, 4, 5]);
        for _ in 0..50 {
            f.store.move_item(c, 4, Some(1)).unwrap();
            f.store.move_item(c, 1, Some(4)).unwrap();
        }
        assert_eq!(f.members(c), [2, 3, 1, 4, 5]);
        assert!(matches!(f.store.move_item(c, 1, Some(99)), Err(Error::NotMember { .. })));
    }

    #[test]
    fn notes_up_to_500_characters() {
        let f = fixture();
        let c = f.collection("Notes");
        f.store.add_to_collection(f.p, c, &ids(&[1])).unwrap();
        f.store.set_note(c, 1, &"n".repeat(500)).unwrap();
        let before = f.snapshot();
        let err = f.store.set_note(c, 1, &"n".repeat(501)).unwrap_err();
        assert_eq!(err.to_string(), "note is 501 characters; at most 500 are allowed");
        assert_eq!(err.code(), trove_protocol::ErrorCode::InvalidInput);
        assert_eq!(f.snapshot(), before, "a refused note changes nothing");
        let err = f.store.set_note(c, 2, "hi").unwrap_err();
        assert_eq!(err.to_string(), "item 2 is not in the collection \"Notes\"");
        let q = ItemQuery { collection: Some(c), ..Default::default() };
        assert_eq!(f.store.page(f.p, &q, 0, 10).unwrap().items[0].note.as_deref(), Some(&*"n".repeat(500)));
    }

    #[test]
    fn every_action_writes_its_mutation_in_the_same_transaction() {
        let f = fixture();
        let c = f.collection("Atomic");
        // Make every outbox insert fail: the change it belongs to must roll back with it.
        f.store
            .write(|tx| Ok(tx.execute_batch("CREATE TRIGGER no_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'outbox down'); END")?))
            .unwrap();
        let before = f.snapshot();
        assert!(f.store.add_to_collection(f.p, c, &ids(&[1, 2])).is_err());
        assert!(f.store.tag_items(f.p, &ids(&[1]), &["new".into()]).is_err());
        assert!(f.store.create_collection(f.p, &NewCollection { title: "X".into(), description: String::new(), private: false, theme: None }).is_err());
        assert!(f.store.delete_collection(c).is_err());
        assert_eq!(f.snapshot(), before, "failed actions left neither their change nor a mutation");
        f.store.write(|tx| Ok(tx.execute_batch("DROP TRIGGER no_outbox")?)).unwrap();
        f.store.add_to_collection(f.p, c, &ids(&[1, 2])).unwrap();
        let outbox = f.store.outbox().unwrap();
        let (_, last) = outbox.last().unwrap();
        match last {
            Mutation::AddItems { items, positions, .. } => {
                assert_eq!(items, &["item-1", "item-2"]);
                assert_eq!(positions.len(), 2);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn collections_of_another_project_are_not_reachable() {
        let f = fixture();
        let c = f.collection("Mine");
        let err = f.store.add_to_collection(f.q, c, &ids(&[6])).unwrap_err();
        assert_eq!(err.to_string(), format!("collection {c} does not exist"));
    }
}

#[cfg(test)]
mod bulk_tests;
