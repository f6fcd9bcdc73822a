//! Bulk actions through sync (issue 13): a select-all add of more than `ITEMS_MAX` items is a
//! few compact mutations naming items by number; it reaches a second app through the real
//! server in the same order, its echo writes nothing, and a bulk remove travels back.

mod common;

use common::World;
use trove_protocol::mutation::ITEMS_MAX;
use trove_protocol::{ItemQuery, Mutation, NewCollection, Selection, Sort, SortKey};

const N: usize = ITEMS_MAX + 2_000;

fn members_in_order(c: &common::Client, collection: i64) -> Vec<String> {
    let q = ItemQuery { collection: Some(collection), sort: Sort { key: SortKey::Position, desc: false }, ..Default::default() };
    let ids = c.store.item_ids(c.project, &q, 0, 100_000).unwrap();
    c.store
        .read(|conn| {
            let mut stmt = conn.prepare("SELECT uuid FROM items WHERE id = ?1")?;
            ids.iter().map(|id| stmt.query_row([id], |r| r.get(0)).map_err(Into::into)).collect()
        })
        .unwrap()
}

fn stored_lengths(c: &common::Client, collection: i64) -> i64 {
    c.store.read(|conn| Ok(conn.query_row("SELECT count(*) FROM membership_clocks WHERE collection_id = ?1", [collection], |r| r.get(0))?)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_add_reaches_another_app_in_order_and_a_bulk_remove_comes_back() {
    let world = World::new();
    world.import_project("Bulk", N);
    let a = world.client_of("alice", "lab/Bulk").await;
    let b = world.client_of("bob", "lab/Bulk").await;
    let input = NewCollection { title: "Everything".into(), description: String::new(), private: false, theme: None };
    let c = a.store.create_collection(a.project, &input).unwrap().id;

    // Select all, in name order, descending (not the catalog's order).
    let query = ItemQuery { sort: Sort { key: SortKey::Name, desc: true }, ..Default::default() };
    let out = a.store.add_to_collection(a.project, c, &Selection::Matching { query, except: vec![] }).unwrap();
    assert_eq!(out.added as usize, N);
    let pending = a.store.outbox().unwrap();
    let sets = pending.iter().filter(|(_, m)| matches!(m, Mutation::AddItemSet { .. })).count();
    assert_eq!(sets, 1, "{N} items are one add_item_set");
    let bytes: usize = pending.iter().map(|(_, m)| serde_json::to_string(m).unwrap().len()).sum();
    assert!(bytes < 8 * N, "the outbox holds {bytes} bytes for {N} items");
    let order = members_in_order(&a, c);
    assert_eq!(order.len(), N);

    a.sync().await;
    assert_eq!(a.pending(), 0);
    assert_eq!(stored_lengths(&a, c), 0, "the echo of the add stored no lengths");
    assert_eq!(members_in_order(&a, c), order, "the echo moved nothing");
    b.sync().await;
    let bc = b.collection("Everything");
    assert!(members_in_order(&b, bc) == order, "the second app has every item, in the same order");

    // Bob removes all but the first 1,000 (in the collection's order) in bulk; Alice sees it.
    let keep: Vec<String> = order[..1000].to_vec();
    let q = ItemQuery { collection: Some(bc), sort: Sort { key: SortKey::Position, desc: false }, ..Default::default() };
    let firsts: Vec<i64> = b.store.item_ids(b.project, &q, 0, 1000).unwrap();
    let removed = b.store.remove_from_collection(b.project, bc, &Selection::Matching { query: q, except: firsts }).unwrap();
    assert_eq!(removed as usize, N - 1000);
    b.sync().await;
    a.sync().await;
    assert!(members_in_order(&a, c) == keep, "the bulk remove came back to the first app");
    assert_eq!(a.fp(), b.fp());
    assert!(a.counts_agree().is_ok() && b.counts_agree().is_ok());
}
