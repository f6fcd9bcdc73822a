//! Adds and removes of more than `ITEMS_MAX` items: the set path (`members::add_set`).

use trove_protocol::itemset::ItemSet;
use trove_protocol::mutation::ITEMS_MAX;
use trove_protocol::{position, AddOutcome, Mutation, NewCollection};

use crate::testing::{fixture, ids, Fixture};

fn new(f: &Fixture, project: i64, title: &str) -> i64 {
    let input = NewCollection { title: title.into(), description: String::new(), private: false, theme: None };
    f.store.create_collection(project, &input).unwrap().id
}

/// The collection's members in its order (all of them; `Fixture::members` reads 1,000).
fn members(f: &Fixture, project: i64, c: i64) -> Vec<i64> {
    let q = trove_protocol::ItemQuery { collection: Some(c), sort: trove_protocol::Sort { key: trove_protocol::SortKey::Position, desc: false }, ..Default::default() };
    f.store.item_ids(project, &q, 0, 100_000).unwrap()
}

/// Equal lists, without printing ten thousand numbers when they are not.
fn same(a: &[i64], b: &[i64], what: &str) {
    let first = a.iter().zip(b).position(|(x, y)| x != y);
    assert!(a == b, "{what}: lengths {} and {}, first difference at {first:?}", a.len(), b.len());
}

fn clocks(f: &Fixture, c: i64) -> Vec<(i64, i64)> {
    f.store
        .read(|conn| {
            let mut stmt = conn.prepare("SELECT item_id, cl FROM membership_clocks WHERE collection_id = ?1 ORDER BY item_id")?;
            let rows = stmt.query_map([c], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .unwrap()
}

/// `member_order` holds exactly the rows' keys (a bulk write writes it itself, set-based).
fn order_agrees(f: &Fixture) {
    let odd: i64 = f
        .store
        .read(|conn| {
            Ok(conn.query_row(
                "SELECT (SELECT count(*) FROM (SELECT collection_id, position, item_id FROM memberships EXCEPT SELECT * FROM member_order)) \
                      + (SELECT count(*) FROM (SELECT * FROM member_order EXCEPT SELECT collection_id, position, item_id FROM memberships))",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(odd, 0, "keys in one of memberships and member_order only");
}

fn last_mutations(f: &Fixture, n: usize) -> Vec<Mutation> {
    let all = f.store.outbox().unwrap();
    all[all.len() - n..].iter().map(|(_, m)| m.clone()).collect()
}

#[test]
fn a_bulk_add_keeps_the_selection_order_and_records_one_compact_mutation_per_set() {
    let f = fixture();
    let mut items = f.add_items(f.p, ITEMS_MAX + 5, true);
    items.reverse();
    items.swap(0, 7);
    let c = new(&f, f.p, "Many");
    f.store.add_to_collection(f.p, c, &ids(&[1])).unwrap();
    let before = f.outbox_len();
    let out = f.store.add_to_collection(f.p, c, &ids(&items)).unwrap();
    assert_eq!(out, AddOutcome { added: items.len() as u64, already: 0 });
    let mut want = vec![1];
    want.extend(&items);
    same(&members(&f, f.p, c), &want, "after the member it had, in the selection's order");
    assert_eq!(f.outbox_len(), before + 1, "one mutation for up to SET_MAX items");
    match &last_mutations(&f, 1)[0] {
        Mutation::AddItemSet { items: set, key, first, .. } => {
            let numbers: Vec<i64> = items.iter().map(|id| id * 10).collect();
            same(&set.decode().unwrap(), &numbers, "named by number, in order");
            assert_eq!(*first, 0);
            assert!(key.as_str() > "a0", "after the last key");
            assert!(set.as_str().len() < 3 * items.len(), "{} bytes", set.as_str().len());
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(clocks(&f, c).iter().all(|(item, _)| *item == 1), "a fresh pair stores no length (1 is implied by its row)");
    // Again: nothing new, nothing recorded.
    let out = f.store.add_to_collection(f.p, c, &ids(&items)).unwrap();
    assert_eq!(out, AddOutcome { added: 0, already: items.len() as u64 });
    assert_eq!(f.outbox_len(), before + 1);
    // A pair removed one by one, then added again in bulk: its stored length moves on.
    let one = items[3];
    f.store.remove_from_collection(f.p, c, &ids(&[one])).unwrap();
    assert_eq!(clocks(&f, c).iter().find(|(i, _)| *i == one), Some(&(one, 2)));
    f.store.add_to_collection(f.p, c, &ids(&items)).unwrap();
    assert_eq!(clocks(&f, c).iter().find(|(i, _)| *i == one), Some(&(one, 3)));
    let keys: Vec<String> = f.store.read(|conn| {
        let mut stmt = conn.prepare("SELECT position FROM memberships WHERE collection_id = ?1 ORDER BY position")?;
        let keys = stmt.query_map([c], |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok(keys)
    }).unwrap();
    assert!(keys.iter().all(|k: &String| position::is_valid(k)));
    assert_eq!(members(&f, f.p, c).last(), Some(&one), "the re-added item goes to the end");
    order_agrees(&f);
}

#[test]
fn a_bulk_remove_stores_each_removed_pairs_even_length() {
    let f = fixture();
    let selection = f.add_items(f.p, ITEMS_MAX + 2, true);
    let items = &selection[..ITEMS_MAX + 1]; // the last one selected is not a member
    let c = new(&f, f.p, "Many");
    f.store.add_to_collection(f.p, c, &ids(items)).unwrap();
    f.store.add_to_collection(f.p, c, &ids(&[2])).unwrap();
    assert_eq!(f.store.remove_from_collection(f.p, c, &ids(&selection)).unwrap(), items.len() as u64);
    same(&members(&f, f.p, c), &[2], "what was not removed");
    order_agrees(&f);
    let stored = clocks(&f, c);
    assert_eq!(stored.len(), items.len() + 1);
    assert!(stored.iter().all(|(item, cl)| if *item == 2 { *cl == 1 } else { *cl == 2 }), "{:?}", &stored[..3]);
    match &last_mutations(&f, 1)[0] {
        Mutation::RemoveItemSet { items: set, .. } => assert_eq!(set.decode().unwrap().len(), selection.len()),
        other => panic!("unexpected {other:?}"),
    }
    // Added back in bulk: every pair goes from 2 to 3.
    f.store.add_to_collection(f.p, c, &ids(items)).unwrap();
    let last = *selection.last().unwrap();
    assert!(clocks(&f, c).iter().all(|(item, cl)| if *item == 2 { *cl == 1 } else { *cl == 3 } || *item == last));
    order_agrees(&f);
}

#[test]
fn a_local_project_adds_in_bulk_without_an_outbox_and_old_items_fall_back_to_uuids() {
    let f = fixture();
    let local = f.add_items(f.q, ITEMS_MAX + 2, false);
    let c = new(&f, f.q, "Local");
    let before = f.outbox_len();
    assert_eq!(f.store.add_to_collection(f.q, c, &ids(&local)).unwrap().added, local.len() as u64);
    assert_eq!(f.outbox_len(), before, "nobody to tell");
    same(&members(&f, f.q, c), &local, "a local bulk add");
    // Synced items pulled before items were numbered: named by UUID, ITEMS_MAX at a time.
    let old = f.add_items(f.p, ITEMS_MAX + 2, false);
    let c = new(&f, f.p, "Old");
    let before = f.outbox_len();
    f.store.add_to_collection(f.p, c, &ids(&old)).unwrap();
    assert_eq!(f.outbox_len(), before + 2);
    assert!(matches!(&last_mutations(&f, 2)[0], Mutation::AddItems { items, .. } if items.len() == ITEMS_MAX));
    same(&members(&f, f.p, c), &old, "an add by UUID");
}

#[test]
fn a_set_refused_by_its_bounds_changes_nothing() {
    let f = fixture();
    let items = f.add_items(f.p, 3, true);
    let c = new(&f, f.p, "Few");
    let uuid: String = f.store.read(|conn| Ok(conn.query_row("SELECT uuid FROM collections WHERE id = ?1", [c], |r| r.get(0))?)).unwrap();
    let before = f.snapshot();
    let twice = Mutation::AddItemSet { collection: uuid, items: ItemSet::encode(&[items[0] * 10, items[0] * 10]), key: "a0".into(), first: 0 };
    let err = f.store.write(|tx| trove_rulebook::apply(&twice, &mut crate::cache::CacheReplica::new(tx, f.p, "")?)).unwrap_err();
    assert!(err.to_string().contains("twice"), "{err}");
    assert_eq!(f.snapshot(), before);
}

#[test]
fn a_bulk_tag_and_untag_record_one_set_each() {
    let f = fixture();
    let items = f.add_items(f.p, ITEMS_MAX + 3, true);
    let before = f.outbox_len();
    assert_eq!(f.store.tag_items(f.p, &ids(&items), &["many".into()]).unwrap(), items.len() as u64);
    assert_eq!(f.store.untag_items(f.p, &ids(&items[1..]), &["many".into()]).unwrap(), items.len() as u64 - 1);
    assert_eq!(f.outbox_len(), before + 2);
    match &last_mutations(&f, 2)[..] {
        [Mutation::TagItemSet { items: tagged, tags, .. }, Mutation::UntagItemSet { items: untagged, .. }] => {
            assert_eq!(tags, &["many"]);
            same(&tagged.decode().unwrap(), &items.iter().map(|id| id * 10).collect::<Vec<_>>(), "tagged");
            assert_eq!(untagged.decode().unwrap().len(), items.len() - 1);
        }
        other => panic!("unexpected {:?}", other.iter().map(Mutation::name).collect::<Vec<_>>()),
    }
}

#[test]
fn a_large_add_names_every_item_by_its_number() {
    // Past 50,000 items the numbers are read in one pass over the project (`numbers_of`).
    let f = fixture();
    let items = f.add_items(f.p, 60_000, true);
    let mut picked: Vec<i64> = items.iter().copied().filter(|id| id % 7 != 0).collect();
    picked.reverse();
    let c = new(&f, f.p, "Large");
    f.store.add_to_collection(f.p, c, &ids(&picked)).unwrap();
    let named: Vec<i64> = f
        .store
        .outbox()
        .unwrap()
        .into_iter()
        .filter_map(|(_, m)| match m {
            Mutation::AddItemSet { items, .. } => Some(items.decode().unwrap()),
            _ => None,
        })
        .flatten()
        .collect();
    same(&named, &picked.iter().map(|id| id * 10).collect::<Vec<_>>(), "numbers in the selection's order");
    same(&members(&f, f.p, c), &picked, "members in the selection's order");
}

#[test]
fn undoing_a_large_remove_of_few_members_puts_them_back_at_their_keys() {
    let f = fixture();
    let items = f.add_items(f.p, ITEMS_MAX + 5, true);
    let c = new(&f, f.p, "Few");
    // Five members, in an order of their own; then a remove that selects every item.
    let few = [items[9], items[2], items[7], items[0], items[4]];
    f.store.add_to_collection(f.p, c, &ids(&few)).unwrap();
    f.store.move_item(c, items[0], Some(items[9])).unwrap();
    let keys = |f: &Fixture| -> Vec<(i64, String)> {
        f.store
            .read(|conn| {
                let mut stmt = conn.prepare("SELECT item_id, position FROM member_order WHERE collection_id = ?1 ORDER BY position")?;
                let rows = stmt.query_map([c], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
                Ok(rows)
            })
            .unwrap()
    };
    let before = keys(&f);
    assert_eq!(f.store.remove_from_collection(f.p, c, &ids(&items)).unwrap(), 5);
    assert!(members(&f, f.p, c).is_empty());
    f.store.undo(f.p).unwrap().expect("the remove is undone");
    assert_eq!(keys(&f), before, "the same members at the same keys");
    order_agrees(&f);
}
