use trove_protocol::mutation::ITEMS_MAX;
use trove_protocol::{CollectionPatch, ItemQuery, NewCollection, Selection};

use super::*;
use crate::history::{items, DEPTH};
use crate::testing::{fixture, ids, Fixture};

fn input(title: &str) -> NewCollection {
    NewCollection { title: title.into(), description: String::new(), private: false, theme: None }
}

fn titles(f: &Fixture) -> Vec<String> {
    f.store.collections(f.p).unwrap().into_iter().map(|c| c.title).collect()
}

fn id_of(f: &Fixture, title: &str) -> i64 {
    f.store.collections(f.p).unwrap().into_iter().find(|c| c.title == title).unwrap().id
}

fn tags_of(f: &Fixture, item: i64) -> String {
    f.store.read(|c| Ok(c.query_row("SELECT tags_text FROM items WHERE id = ?1", [item], |r| r.get::<_, String>(0))?)).unwrap()
}

fn notes(f: &Fixture, c: i64) -> Vec<(i64, String)> {
    f.store
        .read(|conn| {
            let mut stmt = conn.prepare("SELECT item_id, note FROM memberships WHERE collection_id = ?1 AND note <> '' ORDER BY item_id")?;
            let rows = stmt.query_map([c], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .unwrap()
}

fn undo(f: &Fixture) -> String {
    f.store.undo(f.p).unwrap().expect("something to undo").action
}

fn redo(f: &Fixture) -> String {
    f.store.redo(f.p).unwrap().expect("something to redo").action
}

#[test]
fn undo_of_an_add_removes_only_what_it_put_in_and_redo_puts_it_back() {
    let f = fixture();
    let c = f.collection("Picks");
    f.store.add_to_collection(f.p, c, &ids(&[2])).unwrap();
    f.store.add_to_collection(f.p, c, &ids(&[1, 2, 3])).unwrap();
    assert_eq!(f.store.undo_state(f.p).undo.as_deref(), Some("Add 2 items to Picks"));
    let before_undo = f.outbox_len();
    assert_eq!(undo(&f), "Add 2 items to Picks");
    assert_eq!(f.members(c), [2], "item 2 was there before the add");
    assert!(f.outbox_len() > before_undo, "the undo is a change that syncs");
    assert_eq!(f.store.undo_state(f.p).redo.as_deref(), Some("Add 2 items to Picks"));
    assert_eq!(redo(&f), "Add 2 items to Picks");
    assert_eq!(f.members(c), [2, 1, 3]);
}

#[test]
fn undo_of_a_remove_puts_items_back_where_they_were_with_their_notes() {
    let f = fixture();
    let c = f.collection("Order");
    f.store.add_to_collection(f.p, c, &ids(&[1, 2, 3, 4, 5])).unwrap();
    f.store.set_note(c, 2, "keep").unwrap();
    f.store.remove_from_collection(f.p, c, &ids(&[2, 4])).unwrap();
    assert_eq!(f.members(c), [1, 3, 5]);
    assert_eq!(undo(&f), "Remove 2 items from Order");
    assert_eq!(f.members(c), [1, 2, 3, 4, 5]);
    assert_eq!(notes(&f, c), [(2, "keep".to_string())]);
    redo(&f);
    assert_eq!(f.members(c), [1, 3, 5]);
}

#[test]
fn create_and_add_is_one_step_and_its_redo_survives_a_new_id() {
    let f = fixture();
    let made = f.store.create_collection_and_add(f.p, &input("Fresh"), &ids(&[3, 1, 4])).unwrap();
    let (c, out) = (made.collection, made.outcome);
    assert_eq!(out.added, 3);
    assert_eq!(c.item_count, 3);
    assert_eq!(undo(&f), "Add 3 items to a new collection Fresh");
    assert!(titles(&f).is_empty(), "the undo deletes the new collection");
    assert_eq!(f.store.undo_state(f.p).undo, None, "one step, not two");
    redo(&f);
    let again = id_of(&f, "Fresh");
    assert_ne!(again, c.id, "a deleted collection cannot come back: the redo makes a new one");
    assert_eq!(f.members(again), [3, 1, 4]);
    undo(&f);
    assert!(titles(&f).is_empty(), "the history follows the collection to its new id");
}

#[test]
fn undo_of_a_delete_brings_back_members_order_and_notes() {
    let f = fixture();
    let c = f.collection("Gone");
    f.store.add_to_collection(f.p, c, &ids(&[5, 2, 3])).unwrap();
    f.store.set_note(c, 3, "best").unwrap();
    f.store.update_collection(c, &CollectionPatch { description: Some("kept".into()), ..Default::default() }).unwrap();
    f.store.delete_collection(c).unwrap();
    assert_eq!(undo(&f), "Delete collection Gone");
    let back = id_of(&f, "Gone");
    assert_eq!(f.members(back), [5, 2, 3]);
    assert_eq!(notes(&f, back), [(3, "best".to_string())]);
    assert_eq!(f.store.collections(f.p).unwrap()[0].description, "kept");
    // The earlier steps now act on the collection as it came back.
    assert_eq!(undo(&f), "Edit collection Gone");
    assert_eq!(f.store.collections(f.p).unwrap()[0].description, "");
    assert_eq!(undo(&f), "Edit a note in Gone");
    assert!(notes(&f, back).is_empty());
    redo(&f);
    redo(&f);
    assert_eq!(redo(&f), "Delete collection Gone");
    assert!(titles(&f).is_empty());
}

#[test]
fn rename_move_and_note_undo_to_what_they_were() {
    let f = fixture();
    let c = f.collection("Old");
    f.store.add_to_collection(f.p, c, &ids(&[1, 2, 3])).unwrap();
    f.store.update_collection(c, &CollectionPatch { title: Some("New".into()), ..Default::default() }).unwrap();
    f.store.move_item(c, 3, Some(1)).unwrap();
    f.store.set_note(c, 1, "first").unwrap();
    f.store.set_note(c, 1, "second").unwrap();
    assert_eq!(undo(&f), "Edit a note in New");
    assert_eq!(notes(&f, c), [(1, "first".to_string())]);
    undo(&f);
    assert!(notes(&f, c).is_empty());
    assert_eq!(f.members(c), [3, 1, 2]);
    assert_eq!(undo(&f), "Move an item in New");
    assert_eq!(f.members(c), [1, 2, 3]);
    assert_eq!(undo(&f), "Rename Old to New");
    assert_eq!(titles(&f), ["Old"]);
    redo(&f);
    redo(&f);
    assert_eq!(titles(&f), ["New"]);
    assert_eq!(f.members(c), [3, 1, 2]);
}

#[test]
fn undo_of_a_tag_removes_only_the_tags_each_item_gained() {
    let f = fixture();
    // Item 1 has cat; item 3 has dog and night.
    assert_eq!(f.store.tag_items(f.p, &ids(&[1, 3]), &["cat".into(), "dog".into()]).unwrap(), 2);
    assert_eq!(tags_of(&f, 1), "cat\u{1f}dog");
    assert_eq!(undo(&f), "Tag 2 items with cat, dog");
    assert_eq!(tags_of(&f, 1), "cat", "item 1 had cat before");
    assert_eq!(tags_of(&f, 3), "dog\u{1f}night", "item 3 had dog before");
    redo(&f);
    assert_eq!(tags_of(&f, 3), "cat\u{1f}dog\u{1f}night");
    f.store.untag_items(f.p, &ids(&[1, 2, 4]), &["cat".into()]).unwrap();
    assert_eq!(tags_of(&f, 2), "dog");
    assert_eq!(undo(&f), "Remove tag cat from 2 items");
    assert_eq!(tags_of(&f, 2), "cat\u{1f}dog");
    assert_eq!(tags_of(&f, 4), "", "item 4 never had cat");
}

#[test]
fn an_undo_that_no_longer_means_anything_says_so_and_changes_nothing() {
    let f = fixture();
    let c = f.collection("Shared");
    f.store.add_to_collection(f.p, c, &ids(&[1, 2, 3])).unwrap();
    // Somebody else deletes the collection (as a pull would): not an action of this session.
    f.store.write(|tx| collections::delete(tx, c)).unwrap();
    let before = f.snapshot();
    let err = f.store.undo(f.p).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Can't undo “Add 3 items to Shared”: the collection no longer exists (it was deleted, perhaps on another device). Nothing was changed."
    );
    assert_eq!(f.snapshot(), before);
    assert_eq!(f.store.undo_state(f.p).undo.as_deref(), Some("Create collection Shared"), "the dead step left the history");
}

#[test]
fn history_keeps_the_last_fifty_actions_per_session_and_a_new_action_ends_redo() {
    let f = fixture();
    let c = f.collection("Notes");
    f.store.add_to_collection(f.p, c, &ids(&[1])).unwrap();
    for i in 0..60 {
        f.store.set_note(c, 1, &format!("n{i}")).unwrap();
    }
    let mut n = 0;
    while f.store.undo(f.p).unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, DEPTH);
    assert_eq!(notes(&f, c), [(1, "n9".to_string())]);
    redo(&f);
    f.store.set_note(c, 1, "fresh").unwrap();
    assert_eq!(f.store.undo_state(f.p).redo, None);
    assert_eq!(f.store.undo_state(f.q).undo, None, "each project has its own history");
}

#[test]
fn a_bulk_add_undoes_as_a_set() {
    let f = fixture();
    let bulk = f.add_items(f.p, ITEMS_MAX + 10, true);
    let c = f.collection("Bulk");
    let count = |f: &Fixture| f.store.collections(f.p).unwrap()[0].item_count as usize;
    f.store.add_to_collection(f.p, c, &ids(&bulk[..5])).unwrap();
    let all = Selection::Matching { query: ItemQuery::default(), except: vec![] };
    let out = f.store.add_to_collection(f.p, c, &all).unwrap();
    assert_eq!(out.added as usize, bulk.len(), "the rest of the bulk items and the fixture's five");
    assert_eq!(undo(&f), format!("Add {} to Bulk", items(bulk.len())));
    assert_eq!(f.members(c), &bulk[..5]);
    redo(&f);
    assert_eq!(count(&f), bulk.len() + 5);
    f.store.set_note(c, bulk[7], "keep me").unwrap();
    let note = |f: &Fixture| f.store.read(|conn| crate::members::member(conn, c, bulk[7])).unwrap().note;
    f.store.remove_from_collection(f.p, c, &all).unwrap();
    assert_eq!(count(&f), 0);
    undo(&f);
    assert_eq!(count(&f), bulk.len() + 5, "a bulk remove's undo puts every item back");
    assert_eq!(&f.members(c)[..5], &bulk[..5], "in their old order");
    assert_eq!(note(&f), "keep me", "with their notes");
}

#[test]
fn labels_count_items_in_words() {
    assert_eq!(items(1), "1 item");
    assert_eq!(items(3), "3 items");
    assert_eq!(items(1_000_000), "1,000,000 items");
}

#[test]
fn a_copy_rebuilt_from_the_server_ends_its_projects_history() {
    let f = fixture();
    let c = f.collection("Before");
    f.store.add_to_collection(f.p, c, &ids(&[1])).unwrap();
    f.store.create_collection(f.q, &input("Elsewhere")).unwrap();
    // A pull page that resets P's copy: local ids of P may now name other rows.
    let page = trove_protocol::sync::PullResponse { cookie: 1, reset: true, ..Default::default() };
    f.store.apply_pull(f.p, &page).unwrap();
    assert_eq!(f.store.undo_state(f.p), UndoState::default());
    assert_eq!(f.store.undo_state(f.q).undo.as_deref(), Some("Create collection Elsewhere"), "other projects keep theirs");
}
