//! Saved views through sync: a view made on one device opens on another with the same filter
//! in that device's own ids; edits made on two devices converge field by field (last writer
//! wins), and a delete wins over an edit. A real `trove-server`, caches with their engines.

mod common;

use common::{assert_converged, World};
use trove_protocol::{Clause, Condition, Filter, ItemQuery, Sort, SortKey};

fn name_has(text: &str) -> Clause {
    Clause { negate: false, cond: Condition::Name { contains: text.into() } }
}

fn query(clauses: Vec<Clause>) -> ItemQuery {
    ItemQuery { filter: Filter { clauses }, collection: None, sort: Sort { key: SortKey::Name, desc: true } }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_keeps_its_filter_through_sync_in_each_devices_own_ids() {
    let w = World::new();
    let (a, b) = (w.client("alice").await, w.client("bob").await);
    // Bob's cache numbers its collections differently from Alice's.
    b.create("Bob's first");
    b.sync().await;
    let picks = a.create("Picks");
    a.add(picks, &[0, 1, 2, 3]);
    let q = query(vec![name_has("model-0"), Clause { negate: false, cond: Condition::Collection { id: picks } }]);
    let v = a.store.create_view(a.project, "Early picks", &q).unwrap();
    assert_eq!(v.count, 4);
    a.sync().await;
    b.sync().await;

    let views = b.store.views(b.project).unwrap();
    assert_eq!(views.len(), 1);
    let bv = &views[0];
    let b_picks = b.collection("Picks");
    assert_ne!(b_picks, picks, "the two caches number the collection differently");
    assert_eq!(bv.query, query(vec![name_has("model-0"), Clause { negate: false, cond: Condition::Collection { id: b_picks } }]));
    assert_eq!((bv.name.as_str(), bv.count, bv.missing.len()), ("Early picks", 4, 0));
    assert_eq!(b.store.item_ids(b.project, &bv.query, 0, 10).unwrap().len(), 4);

    // The collection is deleted on the other device: the view still opens everywhere.
    b.store.delete_collection(b_picks).unwrap();
    b.sync().await;
    a.sync().await;
    let opened = a.store.view(v.id).unwrap();
    assert_eq!((opened.query.filter.clauses.len(), opened.missing.len()), (1, 1));
    assert_eq!(opened.count, 10, "model-00 to model-09");
    assert_converged(&w, &[&a, &b]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_edited_on_two_devices_converges_and_a_delete_wins() {
    let w = World::new();
    let (a, b) = (w.client("alice").await, w.client("bob").await);
    let v = a.store.create_view(a.project, "Tens", &query(vec![name_has("model-1")])).unwrap();
    a.sync().await;
    b.sync().await;
    let bv = b.store.views(b.project).unwrap()[0].id;

    // Offline on both: Alice renames it, Bob saves another filter into it.
    a.store.update_view(v.id, Some("Teens"), None).unwrap();
    b.store.update_view(bv, None, Some(&query(vec![name_has("model-0")]))).unwrap();
    a.sync().await;
    b.sync().await;
    a.sync().await;
    for c in [&a, &b] {
        let got = &c.store.views(c.project).unwrap()[0];
        assert_eq!((got.name.as_str(), got.query.clone(), got.count), ("Teens", query(vec![name_has("model-0")]), 10), "each field keeps its last writer");
    }
    assert_converged(&w, &[&a, &b]).await;

    // Alice deletes it while Bob renames it: the delete wins on both.
    a.store.delete_view(v.id).unwrap();
    b.store.update_view(bv, Some("Still here?"), None).unwrap();
    b.sync().await;
    a.sync().await;
    b.sync().await;
    assert!(a.store.views(a.project).unwrap().is_empty());
    assert!(b.store.views(b.project).unwrap().is_empty());
    assert_converged(&w, &[&a, &b]).await;
}
