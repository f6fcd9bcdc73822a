use trove_protocol::sync::{SyncCollection, SyncMembership};
use trove_protocol::{ApiError, CollectionPatch, ErrorCode, Mutation, NewCollection, Theme};

use super::*;
use crate::testing::{fixture, ids, Fixture};

fn page(last_mutation_id: i64) -> PullResponse {
    PullResponse {
        cookie: 10,
        last_mutation_id,
        reset: false,
        more: false,
        datasets: vec![],
        items: vec![],
        collections: vec![],
        memberships: vec![],
        deleted_collections: vec![],
        rejected: vec![],
        queues: vec![],
        queue_entries: vec![],
        views: vec![],
    }
}

fn server_collection(uuid: &str, title: &str) -> SyncCollection {
    SyncCollection {
        uuid: uuid.into(),
        hex_id: "0123456789abcdef01234567".into(),
        namespace: "lab".into(),
        title: title.into(),
        description: String::new(),
        private: false,
        theme: Theme::Blue,
        owner: "carol".into(),
        created_at: 1,
        updated_at: 2,
        deleted: false,
    }
}

fn collection(f: &Fixture, title: &str) -> (i64, String) {
    let input = NewCollection { title: title.into(), description: String::new(), private: false, theme: None };
    let c = f.store.create_collection(f.p, &input).unwrap();
    (c.id, f.store.read(|conn| crate::collections::uuid_of(conn, c.id)).unwrap())
}

fn last_id(f: &Fixture) -> i64 {
    f.store.outbox().unwrap().last().unwrap().0
}

#[test]
fn adds_and_removes_carry_the_causal_lengths_they_reach() {
    let f = fixture();
    let (c, _) = collection(&f, "Picks");
    f.store.add_to_collection(f.p, c, &ids(&[1, 2])).unwrap();
    f.store.remove_from_collection(f.p, c, &ids(&[1])).unwrap();
    f.store.add_to_collection(f.p, c, &ids(&[1])).unwrap();
    let cls: Vec<Vec<u32>> = f
        .store
        .outbox()
        .unwrap()
        .into_iter()
        .filter_map(|(_, m)| match m {
            Mutation::AddItems { cls, .. } | Mutation::RemoveItems { cls, .. } => Some(cls),
            _ => None,
        })
        .collect();
    assert_eq!(cls, [vec![1, 1], vec![2], vec![3]]);
}

#[test]
fn a_pull_overwrites_with_the_server_state_then_replays_what_is_pending() {
    let f = fixture();
    let (c, uuid) = collection(&f, "Mine");
    f.store.add_to_collection(f.p, c, &ids(&[1])).unwrap();
    let acked = last_id(&f);
    f.store.update_collection(c, &CollectionPatch { title: Some("Renamed here".into()), ..Default::default() }).unwrap();
    f.store.add_to_collection(f.p, c, &ids(&[2])).unwrap();
    // The server has applied the create and the first add; meanwhile someone else renamed the
    // collection and removed item 1, and added item 3 (cl 1) and set its note.
    let mut p = page(acked);
    p.collections.push(server_collection(&uuid, "Renamed there"));
    p.memberships.push(SyncMembership { collection: uuid.clone(), item: "item-1".into(), cl: 2, position: None, note: None });
    p.memberships.push(SyncMembership { collection: uuid.clone(), item: "item-3".into(), cl: 1, position: Some("a0".into()), note: Some("n".into()) });
    let applied = f.store.apply_pull(f.p, &p).unwrap();
    assert_eq!((applied.acknowledged, applied.replayed), (2, 2));
    let now = f.store.collections(f.p).unwrap();
    assert_eq!(now[0].title, "Renamed here", "the pending rename is applied after the server's");
    assert_eq!(f.members(c), [3, 2], "the remove from the server stands; the pending add is kept");
    assert_eq!(f.store.pending().unwrap(), 2);
    // An empty page changes nothing and replays nothing.
    let before = f.snapshot();
    let applied = f.store.apply_pull(f.p, &page(acked)).unwrap();
    assert_eq!(applied.replayed, 0);
    assert_eq!(f.snapshot(), before);
}

#[test]
fn a_re_add_the_remover_never_saw_survives_a_replayed_remove() {
    let f = fixture();
    let (c, uuid) = collection(&f, "Picks");
    f.store.add_to_collection(f.p, c, &ids(&[1])).unwrap();
    let acked = last_id(&f);
    f.store.remove_from_collection(f.p, c, &ids(&[1])).unwrap(); // pending, cl 2
    // Elsewhere item 1 was removed and added again (cl 3).
    let mut p = page(acked);
    p.memberships.push(SyncMembership { collection: uuid, item: "item-1".into(), cl: 3, position: Some("a5".into()), note: Some(String::new()) });
    f.store.apply_pull(f.p, &p).unwrap();
    assert_eq!(f.members(c), [1]);
}

#[test]
fn a_reset_rebuilds_the_copy_and_keeps_pending_edits() {
    let f = fixture();
    let (c, uuid) = collection(&f, "Pending");
    f.store.add_to_collection(f.p, c, &ids(&[4])).unwrap();
    let ds: String = f.store.read(|conn| Ok(conn.query_row("SELECT uuid FROM datasets WHERE id = ?1", [f.b], |r| r.get(0))?)).unwrap();
    let mut p = page(0);
    p.reset = true;
    p.datasets.push(trove_protocol::sync::SyncDataset { uuid: ds.clone(), name: "B".into() });
    p.items.push(trove_protocol::sync::SyncItem {
        no: 0,
        uuid: "item-4".into(),
        dataset: ds,
        kind: trove_protocol::ItemKind::Image,
        name: "delta.jpg".into(),
        mime: "image/jpeg".into(),
        width: None,
        height: None,
        size: 1,
        labels_count: 0,
        created_at: 1,
        updated_at: 1,
        thumb: None,
        source: "s".into(),
        tags: vec!["x".into(), "a".into()],
        content: None,
    });
    f.store.apply_pull(f.p, &p).unwrap();
    let items = f.store.page(f.p, &Default::default(), 0, 10).unwrap().items;
    assert_eq!(items.iter().map(|i| (i.name.as_str(), i.tags.clone())).collect::<Vec<_>>(), [("delta.jpg", vec!["a".to_string(), "x".into()])]);
    let cols = f.store.collections(f.p).unwrap();
    assert_eq!(cols.len(), 1, "the pending create was replayed");
    let fp = f.store.fingerprint(f.p).unwrap();
    assert_eq!(fp["collections"][0]["uuid"], uuid);
    assert_eq!(fp["collections"][0]["members"][0][0], "item-4");
}

#[test]
fn pulled_items_are_inserted_or_updated_with_exactly_their_tags() {
    let f = fixture();
    let ds: String = f.store.read(|conn| Ok(conn.query_row("SELECT uuid FROM datasets WHERE id = ?1", [f.a], |r| r.get(0))?)).unwrap();
    let item = |uuid: &str, name: &str, tags: &[&str]| trove_protocol::sync::SyncItem {
        no: 0,
        uuid: uuid.into(),
        dataset: ds.clone(),
        kind: trove_protocol::ItemKind::Image,
        name: name.into(),
        mime: "image/jpeg".into(),
        width: Some(10),
        height: None,
        size: 7,
        labels_count: 1,
        created_at: 1,
        updated_at: 1,
        thumb: None,
        source: "s".into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        content: None,
    };
    let state = |f: &Fixture| -> Vec<(String, String, String, String)> {
        f.store
            .read(|c| {
                let mut stmt = c.prepare(
                    "SELECT i.uuid, i.name, i.tags_text, coalesce((SELECT group_concat(name, ',') FROM \
                       (SELECT t.name FROM item_tags it JOIN tags t ON t.id = it.tag_id WHERE it.item_id = i.id ORDER BY t.name)), '') \
                     FROM items i WHERE i.project_id = ?1 ORDER BY i.uuid",
                )?;
                let rows = stmt.query_map([f.p], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)?.replace(crate::items::TAG_SEP, ","), r.get(3)?)))?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .unwrap()
    };
    // New items, one repeated within the page (the last one wins), and known items changed:
    // one renamed and retagged, one with a tag less. Applied again, the page (now the same
    // as the rows) changes nothing.
    let mut p = page(0);
    p.items = vec![
        item("new-1", "n1.jpg", &["x", "a", "x"]),
        item("new-2", "n2.jpg", &[]),
        item("new-1", "n1b.jpg", &["b"]),
        item("item-1", "alpha2.jpg", &["dog", "zebra"]),
        item("item-2", "beta.png", &["cat"]),
    ];
    let before_beta: (i64, String) = f.store.read(|c| Ok(c.query_row("SELECT id, tags_text FROM items WHERE uuid = 'item-2'", [], |r| Ok((r.get(0)?, r.get(1)?)))?)).unwrap();
    assert_eq!(before_beta.1.replace(crate::items::TAG_SEP, ","), "cat,dog");
    f.store.apply_pull(f.p, &p).unwrap();
    let got = state(&f);
    let row = |uuid: &str| got.iter().find(|r| r.0 == uuid).cloned().unwrap();
    assert_eq!(row("new-1"), ("new-1".into(), "n1b.jpg".into(), "b".into(), "b".into()));
    assert_eq!(row("new-2"), ("new-2".into(), "n2.jpg".into(), "".into(), "".into()));
    assert_eq!(row("item-1"), ("item-1".into(), "alpha2.jpg".into(), "dog,zebra".into(), "dog,zebra".into()));
    assert_eq!(row("item-2"), ("item-2".into(), "beta.png".into(), "cat".into(), "cat".into()));
    // The same page again changes nothing. Only the item it carries twice is written (its first
    // state, then its last); every other row is left alone.
    let again = f.store.apply_pull(f.p, &p).unwrap();
    assert_eq!(state(&f), got);
    assert_eq!((again.written, again.changed, again.replayed), (2, 2, 0));
}

#[test]
fn refusals_are_listed_in_words_and_a_tombstone_drops_the_refused_collection() {
    let f = fixture();
    let (c, uuid) = collection(&f, "Cats");
    f.store.add_to_collection(f.p, c, &ids(&[1, 2])).unwrap();
    let all = f.store.outbox().unwrap();
    let refused = |id: i64, name: &str| RejectedMutation {
        id,
        name: name.into(),
        error: ApiError::new(ErrorCode::Conflict, "a collection titled \"Cats\" already exists in this project; choose another title"),
    };
    f.store.acknowledge(all[1].0, &[refused(all[0].0, "create_collection")]).unwrap();
    assert_eq!(f.store.pending().unwrap(), 0);
    let list = f.store.refusals().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].change, "Create the collection \u{201c}Cats\u{201d}");
    assert!(list[0].reason.contains("already exists"));
    let mut p = page(all[1].0);
    p.deleted_collections.push(uuid);
    f.store.apply_pull(f.p, &p).unwrap();
    assert!(f.store.collections(f.p).unwrap().is_empty());
    f.store.dismiss_refusals().unwrap();
    assert!(f.store.refusals().unwrap().is_empty());
}

fn membership(collection: &str, item: &str, cl: u32, position: Option<&str>) -> SyncMembership {
    SyncMembership { collection: collection.into(), item: item.into(), cl, position: position.map(String::from), note: None }
}

#[test]
fn a_pulled_position_that_is_not_a_valid_key_goes_to_the_end_and_never_into_key_arithmetic() {
    let f = fixture();
    let (c, uuid) = collection(&f, "Order");
    f.store.add_to_collection(f.p, c, &ids(&[1, 2])).unwrap();
    let acked = last_id(&f);
    let mut p = page(acked);
    p.memberships.push(membership(&uuid, "item-3", 1, Some("!not a key")));
    p.memberships.push(membership(&uuid, "item-4", 1, Some("")));
    p.memberships.push(membership(&uuid, "item-5", 1, None));
    f.store.apply_pull(f.p, &p).unwrap();
    assert_eq!(f.members(c), [1, 2, 3, 4, 5], "each invalid key is replaced by one after the last member");
    // The key of issue 9's crash: well formed but 200,001 bytes (over position::KEY_MAX). Stored,
    // the next local add would compute from it.
    let hostile = format!("{}1", "z".repeat(200_000));
    assert!(hostile.len() > trove_protocol::position::KEY_MAX);
    let mut long = page(acked);
    long.memberships.push(membership(&uuid, "item-5", 1, Some(&hostile)));
    f.store.apply_pull(f.p, &long).unwrap();
    assert_eq!(f.members(c), [1, 2, 3, 4, 5], "placed at the end again");
    let stored: Vec<String> = f
        .store
        .read(|conn| {
            let mut s = conn.prepare("SELECT position FROM memberships WHERE collection_id = ?1")?;
            let keys = s.query_map([c], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
            Ok(keys)
        })
        .unwrap();
    assert!(stored.iter().all(|k| trove_protocol::position::is_valid(k)), "{stored:?}");
    // Local actions compute keys from the stored ones: an add and a move still work.
    f.store.add_to_collection(f.p, c, &ids(&[4])).unwrap();
    f.store.move_item(c, 5, Some(1)).unwrap();
    assert_eq!(f.members(c), [5, 1, 2, 3, 4]);
    // A move whose key is invalid is not replayed: the item stays where it is.
    f.store
        .write(|tx| replay(tx, f.p, &Mutation::MoveItem { collection: uuid.clone(), item: "item-2".into(), position: "!bad".into() }))
        .unwrap();
    assert_eq!(f.members(c), [5, 1, 2, 3, 4]);
}

#[test]
fn a_collection_the_server_removes_goes_with_its_memberships_and_comes_back_when_live_again() {
    let f = fixture();
    let uuid = "0b7f0c1e-0000-4000-8000-000000000001".to_string();
    let mut p = page(0);
    p.collections.push(server_collection(&uuid, "Theirs"));
    p.memberships.push(membership(&uuid, "item-1", 1, Some("a0")));
    p.memberships.push(membership(&uuid, "item-2", 1, Some("a1")));
    f.store.apply_pull(f.p, &p).unwrap();
    let c = f.store.collections(f.p).unwrap().into_iter().find(|c| c.title == "Theirs").unwrap().id;
    assert_eq!(f.members(c), [1, 2]);
    // Made private in another namespace: the server sends it as removed.
    let mut gone = page(0);
    gone.deleted_collections.push(uuid.clone());
    f.store.apply_pull(f.p, &gone).unwrap();
    assert!(f.store.collections(f.p).unwrap().is_empty());
    let left: i64 = f
        .store
        .read(|conn| {
            Ok(conn.query_row(
                "SELECT (SELECT count(*) FROM memberships) + (SELECT count(*) FROM membership_clocks) + (SELECT count(*) FROM collections WHERE uuid = ?1)",
                [&uuid],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(left, 0, "no row of the collection is left");
    // Public again: it comes back as a live row with its members.
    f.store.apply_pull(f.p, &p).unwrap();
    let back = f.store.collections(f.p).unwrap();
    assert_eq!(back.iter().map(|c| c.title.as_str()).collect::<Vec<_>>(), ["Theirs"]);
    assert_eq!(f.members(back[0].id), [1, 2]);
}

#[test]
fn starting_over_takes_a_new_client_id_and_rebuilds_the_copy_with_the_pending_edits_on_top() {
    let f = fixture();
    let (c, _) = collection(&f, "Mine");
    f.store.add_to_collection(f.p, c, &ids(&[1])).unwrap();
    let before = f.store.client_id();
    let issued = f.store.issued().unwrap();
    assert_eq!(issued, last_id(&f), "the highest id issued is the outbox's");
    let new = f.store.start_over("http://server.test").unwrap();
    assert_ne!(new, before);
    assert_eq!(f.store.client_id(), new);
    assert_eq!(f.store.pending().unwrap(), 2, "pending edits are kept as they are");
    let s = f.store.synced_projects().unwrap();
    assert_eq!(s[0].cookie, 0, "the copy is downloaded again from the start");
    // The first page after it rebuilds the copy: only the server's rows and the pending edits.
    let mut p = page(0);
    p.more = true;
    f.store.apply_pull(f.p, &p).unwrap();
    let items = f.store.page(f.p, &Default::default(), 0, 10).unwrap().items;
    assert!(items.is_empty(), "the old copy's items are gone: the server sends them again");
    assert_eq!(f.store.collections(f.p).unwrap().len(), 1, "the pending create is replayed");
    // Later pages continue the download; the flag is spent.
    let reset_pending: bool = f.store.read(|conn| Ok(conn.query_row("SELECT reset_pending FROM sync_projects", [], |r| r.get(0))?)).unwrap();
    assert!(!reset_pending);
    assert_eq!(f.store.issued().unwrap(), issued, "ids keep growing from where they were");
}

#[test]
fn losing_access_removes_the_copy_and_lists_its_pending_edits_as_refused() {
    let f = fixture();
    let (c, _) = collection(&f, "Mine");
    f.store.add_to_collection(f.p, c, &ids(&[1, 2])).unwrap();
    let (name, refused) = f.store.forget_project(f.p, |name| format!("you no longer have access to {name}")).unwrap();
    assert_eq!((name.as_str(), refused), ("lab/P", 2));
    assert_eq!(f.store.pending().unwrap(), 0);
    assert!(f.store.synced_projects().unwrap().is_empty());
    let projects = f.store.read(|conn| Ok(conn.query_row("SELECT count(*) FROM projects WHERE id = ?1", [f.p], |r| r.get::<_, i64>(0))?)).unwrap();
    assert_eq!(projects, 0);
    let list = f.store.refusals().unwrap();
    assert_eq!(list.iter().map(|r| r.change.as_str()).collect::<Vec<_>>(), ["Add 2 items to \u{201c}Mine\u{201d}", "Create the collection \u{201c}Mine\u{201d}"]);
    assert!(list.iter().all(|r| r.reason == "you no longer have access to lab/P"));
    assert_eq!(f.store.page(f.q, &Default::default(), 0, 10).unwrap().items.len(), 1, "the local project is untouched");
}

#[test]
fn a_refusal_the_server_cannot_undo_downloads_the_copy_afresh() {
    // The server re-sends nothing for a change refused because its author lacked the role (a
    // role taken away since the download): the copy is rebuilt by the next pull instead.
    let f = fixture();
    let (c, _) = collection(&f, "Cats");
    f.store.apply_pull(f.p, &page(last_id(&f))).unwrap();
    f.store.add_to_collection(f.p, c, &ids(&[1, 2])).unwrap();
    let reset_pending = || -> (bool, i64) {
        f.store.read(|conn| Ok(conn.query_row("SELECT reset_pending, cookie FROM sync_projects", [], |r| Ok((r.get(0)?, r.get(1)?)))?)).unwrap()
    };
    assert_eq!(reset_pending(), (false, 10));
    let id = last_id(&f);
    let forbidden = RejectedMutation { id, name: "add_items".into(), error: ApiError::new(ErrorCode::Forbidden, "you have the viewer role in project 1; this needs the editor role") };
    f.store.acknowledge(id, &[forbidden.clone()]).unwrap();
    assert_eq!(reset_pending(), (true, 0), "the next pull is a fresh download");
    // The download's first page drops the optimistic add.
    f.store.apply_pull(f.p, &page(id)).unwrap();
    let members: i64 = f.store.read(|conn| Ok(conn.query_row("SELECT count(*) FROM memberships", [], |r| r.get(0))?)).unwrap();
    assert_eq!(members, 0);
    assert_eq!(reset_pending(), (false, 10));
    // A refusal the server undoes itself (a conflict) asks for nothing more.
    let mut p = page(id);
    p.rejected = vec![RejectedMutation { error: ApiError::new(ErrorCode::Conflict, "taken"), ..forbidden }];
    f.store.apply_pull(f.p, &p).unwrap();
    assert_eq!(reset_pending(), (false, 10));
}

/// A page that carries exactly the project's copy as it is here: its datasets, items (with
/// their tags), collections and memberships (with their clocks), as the server sends them.
fn echo_page(f: &Fixture, last_mutation_id: i64) -> PullResponse {
    let mut p = page(last_mutation_id);
    p.cookie = 11;
    f.store
        .read(|c| {
            let mut stmt = c.prepare("SELECT uuid, name FROM datasets WHERE project_id = ?1")?;
            p.datasets = stmt
                .query_map([f.p], |r| Ok(trove_protocol::sync::SyncDataset { uuid: r.get(0)?, name: r.get(1)? }))?
                .collect::<Result<_, _>>()?;
            let mut stmt = c.prepare(
                "SELECT i.uuid, d.uuid, i.name, i.mime, i.width, i.height, i.size, i.labels_count, i.created_at, i.updated_at, i.thumb, i.source, i.tags_text \
                 FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE i.project_id = ?1",
            )?;
            p.items = stmt
                .query_map([f.p], |r| {
                    let tags: String = r.get(12)?;
                    Ok(trove_protocol::sync::SyncItem {
                        no: 0,
                        uuid: r.get(0)?,
                        dataset: r.get(1)?,
                        kind: trove_protocol::ItemKind::Image,
                        name: r.get(2)?,
                        mime: r.get(3)?,
                        width: r.get(4)?,
                        height: r.get(5)?,
                        size: r.get::<_, i64>(6)? as u64,
                        labels_count: r.get(7)?,
                        created_at: r.get(8)?,
                        updated_at: r.get(9)?,
                        thumb: r.get(10)?,
                        source: r.get(11)?,
                        tags: tags.split(crate::items::TAG_SEP).filter(|t| !t.is_empty()).map(String::from).collect(),
                        content: None,
                    })
                })?
                .collect::<Result<_, _>>()?;
            let mut stmt = c.prepare(
                "SELECT uuid, hex_id, namespace, title, description, private, theme, owner, created_at, updated_at, deleted_at IS NOT NULL \
                 FROM collections WHERE project_id = ?1",
            )?;
            p.collections = stmt
                .query_map([f.p], |r| {
                    Ok(SyncCollection {
                        uuid: r.get(0)?,
                        hex_id: r.get(1)?,
                        namespace: r.get(2)?,
                        title: r.get(3)?,
                        description: r.get(4)?,
                        private: r.get(5)?,
                        theme: serde_json::from_value(serde_json::Value::String(r.get(6)?)).unwrap(),
                        owner: r.get(7)?,
                        created_at: r.get(8)?,
                        updated_at: r.get(9)?,
                        deleted: r.get(10)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            let mut stmt = c.prepare(
                "SELECT c.uuid, i.uuid, k.cl, m.position, m.note FROM membership_clocks k \
                 JOIN collections c ON c.id = k.collection_id JOIN items i ON i.id = k.item_id \
                 LEFT JOIN memberships m ON m.collection_id = k.collection_id AND m.item_id = k.item_id WHERE c.project_id = ?1",
            )?;
            p.memberships = stmt
                .query_map([f.p], |r| Ok(SyncMembership { collection: r.get(0)?, item: r.get(1)?, cl: r.get(2)?, position: r.get(3)?, note: r.get(4)? }))?
                .collect::<Result<_, _>>()?;
            Ok(())
        })
        .unwrap();
    p
}

#[test]
fn a_page_that_brings_what_the_copy_has_writes_nothing_and_reports_no_change() {
    let f = fixture();
    let (c, _) = collection(&f, "Echo");
    f.store.add_to_collection(f.p, c, &ids(&[1, 2, 3, 4])).unwrap();
    f.store.remove_from_collection(f.p, c, &ids(&[4])).unwrap();
    f.store.set_note(c, 2, "the good one").unwrap();
    // The push answer acknowledged everything; the next pull brings it all back.
    let last = last_id(&f);
    f.store.acknowledge(last, &[]).unwrap();
    let echo = echo_page(&f, last);
    assert_eq!((echo.items.len(), echo.collections.len(), echo.memberships.len()), (5, 1, 4), "the page carries the whole copy");
    let fp = f.store.fingerprint(f.p).unwrap();
    let total_changes = || f.store.write(|tx| Ok(tx.total_changes())).unwrap();

    let before = total_changes();
    let applied = f.store.apply_pull(f.p, &echo).unwrap();
    assert_eq!(total_changes() - before, 1, "only the cookie is written");
    assert_eq!(applied, Applied { carried: 12, written: 0, changed: 0, acknowledged: 0, replayed: 0 });
    assert_eq!(f.store.fingerprint(f.p).unwrap(), fp);
    assert_eq!(f.store.synced_projects().unwrap()[0].cookie, 11);

    // The server touched the collection at its own clock when it applied the add: the copy takes
    // its time, and that is no change to show.
    let mut touched = echo_page(&f, last);
    touched.collections[0].updated_at += 5;
    let before = total_changes();
    let applied = f.store.apply_pull(f.p, &touched).unwrap();
    assert_eq!(total_changes() - before, 2, "the collection's time and the cookie");
    assert_eq!((applied.written, applied.changed), (1, 0));

    // A pending change, and a page with one real difference (someone else's note): that row is
    // written, the change shows, and the pending change is replayed on top.
    f.store.set_note(c, 3, "mine").unwrap();
    let mut other = echo_page(&f, last);
    other.memberships.iter_mut().find(|m| m.item == "item-1").unwrap().note = Some("theirs".into());
    other.memberships.iter_mut().find(|m| m.item == "item-3").unwrap().note = None;
    let applied = f.store.apply_pull(f.p, &other).unwrap();
    assert_eq!((applied.written, applied.changed, applied.replayed), (2, 2, 1));
    let notes: Vec<String> = f
        .store
        .read(|conn| {
            let mut s = conn.prepare("SELECT note FROM memberships WHERE collection_id = ?1 ORDER BY item_id")?;
            let notes = s.query_map([c], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
            Ok(notes)
        })
        .unwrap();
    assert_eq!(notes, ["theirs", "the good one", "mine"]);
}
