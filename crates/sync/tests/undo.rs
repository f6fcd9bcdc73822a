//! Undo through sync: an undo is a change like any other, so it reaches the server and the
//! other devices; an undo that no longer means anything after others' changes is refused and
//! changes nothing anywhere. A real `trove-server`, two caches with their sync engines.

mod common;

use common::{assert_converged, World};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undone_add_and_its_redo_reach_the_other_device() {
    let w = World::new();
    let (a, b) = (w.client("alice").await, w.client("bob").await);
    let ca = a.create("Picks");
    a.add(ca, &[0, 1]);
    a.add(ca, &[2, 3, 4]);
    a.sync().await;
    b.sync().await;
    let cb = b.collection("Picks");
    assert_eq!(b.members(cb), [0, 1, 2, 3, 4]);

    assert_eq!(a.store.undo(a.project).unwrap().unwrap().action, "Add 3 items to Picks");
    a.sync().await;
    b.sync().await;
    assert_eq!(b.members(cb), [0, 1], "the undo synced as a remove of exactly what the add put in");

    a.store.redo(a.project).unwrap().unwrap();
    a.sync().await;
    b.sync().await;
    assert_eq!(b.members(cb), [0, 1, 2, 3, 4]);
    assert_converged(&w, &[&a, &b]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undo_whose_collection_another_device_deleted_is_refused_and_changes_nothing() {
    let w = World::new();
    let (a, b) = (w.client("alice").await, w.client("bob").await);
    let ca = a.create("Shared");
    a.add(ca, &[0, 1]);
    a.sync().await;
    b.sync().await;
    b.store.delete_collection(b.collection("Shared")).unwrap();
    b.sync().await;
    a.sync().await;
    let before = a.fp();
    let err = a.store.undo(a.project).unwrap_err().to_string();
    assert!(err.contains("the collection no longer exists"), "{err}");
    assert_eq!(a.fp(), before, "nothing changed");
    assert_eq!(a.pending(), 0, "nothing to push");
    assert_converged(&w, &[&a, &b]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undone_delete_brings_the_collection_back_on_every_device_in_its_order() {
    let w = World::new();
    let (a, b) = (w.client("alice").await, w.client("bob").await);
    let ca = a.create("Order");
    a.add(ca, &[3, 0, 2]);
    a.sync().await;
    a.store.delete_collection(ca).unwrap();
    a.sync().await;
    b.sync().await;
    assert!(b.titles().is_empty());
    a.store.undo(a.project).unwrap().unwrap();
    a.sync().await;
    b.sync().await;
    assert_eq!(b.members(b.collection("Order")), [3, 0, 2]);
    assert_converged(&w, &[&a, &b]).await;
}
