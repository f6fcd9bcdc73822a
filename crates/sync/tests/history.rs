//! A collection's history through a real `trove-server`: what the server recorded (fetched by
//! `Remote::history`) merged by the app with its pending changes; a collection the server does
//! not have yet answers 404 (the connection shows no server history for it); offline, the
//! pending changes with a sentence.

mod common;

use common::World;
use trove_core::changelog::{Remote as History, Source};
use trove_protocol::history::{ChangeKind, HistoryQuery};
use trove_sync::{Remote, SyncError};

fn slug(source: Source) -> String {
    match source {
        Source::Server { slug } => slug,
        Source::Local => panic!("a synced project's collection asks the server"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_history_is_merged_with_this_devices_pending_changes() {
    let w = World::new();
    let (a, b) = (w.client("alice").await, w.client("bob").await);
    let ca = a.create("Picks");
    a.add(ca, &[0, 1, 2]);
    a.sync().await;
    b.sync().await;
    let cb = b.collection("Picks");
    b.add(cb, &[3]);
    assert_eq!(b.pending(), 1);

    let all = HistoryQuery::default();
    let page = b.engine.remote().history(&slug(b.store.history_source(cb).unwrap()), &all).await.unwrap();
    let h = b.store.collection_history(cb, &all, Some(History::Page(page))).unwrap();
    let lines: Vec<(&str, ChangeKind, u64, bool)> = h.entries.iter().map(|e| (e.author.as_str(), e.kind, e.count, e.pending)).collect();
    assert_eq!(
        lines,
        [("bob", ChangeKind::Added, 1, true), ("alice", ChangeKind::Added, 3, false), ("alice", ChangeKind::Created, 0, false)],
        "bob's pending add first, then what the server accepted from alice"
    );
    let mut want: Vec<i64> = [0, 1, 2].iter().map(|n| b.item(*n)).collect();
    want.sort();
    assert_eq!(h.entries[1].items, want, "the server's item numbers are this copy's items");
    assert_eq!(h.entries[0].items, [b.item(3)]);

    // Filtered on the server: only alice's add.
    let q = HistoryQuery { author: Some("alice".into()), kind: Some("added".into()), ..Default::default() };
    let page = b.engine.remote().history(&slug(b.store.history_source(cb).unwrap()), &q).await.unwrap();
    assert_eq!(page.changes.len(), 1);

    // Once bob syncs, his add is the server's, by bob.
    b.sync().await;
    let page = a.engine.remote().history(&slug(a.store.history_source(ca).unwrap()), &all).await.unwrap();
    assert_eq!((page.changes[0].author.as_str(), page.changes[0].kind), ("bob", ChangeKind::Added));

    // A collection made here and not sent yet: the server has no history of it.
    let new = b.create("Not sent");
    let e = b.engine.remote().history(&slug(b.store.history_source(new).unwrap()), &all).await.unwrap_err();
    assert!(matches!(e, SyncError::Refused { status: 404, .. }), "{e}");

    // Offline: the pending changes, and why older history is missing.
    let away = Remote::new("http://127.0.0.1:9", &w.tokens["bob"]).unwrap();
    let e = away.history(&slug(b.store.history_source(new).unwrap()), &all).await.unwrap_err();
    assert!(e.is_offline(), "{e}");
    let h = b.store.collection_history(new, &all, Some(History::Unavailable(e.to_string()))).unwrap();
    assert_eq!(h.entries.iter().map(|e| (e.kind, e.pending)).collect::<Vec<_>>(), [(ChangeKind::Created, true)]);
    assert!(h.notice.as_deref().unwrap().contains("older history needs the server"), "{:?}", h.notice);
}
