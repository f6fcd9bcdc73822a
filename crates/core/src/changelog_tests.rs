use trove_protocol::history::{Change, ChangeKind, ChangesPage, HistoryQuery};
use trove_protocol::itemset::ItemSet;
use trove_protocol::NewCollection;

use super::*;
use crate::testing::{fixture, ids, Fixture};

/// P's copy acts as "alice"; its items carry server numbers (10 × id).
fn synced() -> Fixture {
    let f = fixture();
    f.store
        .write(|tx| {
            tx.execute("UPDATE sync_projects SET account = 'alice' WHERE project_id = ?1", [f.p])?;
            tx.execute("UPDATE items SET no = id * 10 WHERE project_id = ?1", [f.p])?;
            Ok(())
        })
        .unwrap();
    f
}

fn change(id: i64, author: &str, at: i64, kind: ChangeKind, numbers: &[i64], detail: &str) -> Change {
    Change { id, author: author.into(), at, kind, count: numbers.len() as u64, items: ItemSet::encode(numbers).as_str().into(), detail: detail.into() }
}

/// `(author, kind, count, items, pending)` of each entry.
fn lines(h: &CollectionHistory) -> Vec<(String, ChangeKind, u64, Vec<i64>, bool)> {
    h.entries.iter().map(|e| (e.author.clone(), e.kind, e.count, e.items.clone(), e.pending)).collect()
}

fn line(author: &str, kind: ChangeKind, count: u64, items: &[i64], pending: bool) -> (String, ChangeKind, u64, Vec<i64>, bool) {
    (author.into(), kind, count, items.to_vec(), pending)
}

#[test]
fn history_is_listed_in_order_with_authors() {
    let f = synced();
    let c = f.collection("Picks");
    // What the server accepted before: carol's add of items 4 and 5, bob's rename.
    let page = ChangesPage {
        changes: vec![change(8, "bob", 2_000, ChangeKind::Renamed, &[], "Picks"), change(7, "carol", 1_000, ChangeKind::Added, &[40, 50], "")],
        next_before: Some(7),
    };
    // This device, not yet sent: an add of 3 items, its undo and its redo.
    f.store.add_to_collection(f.p, c, &ids(&[1, 2, 3])).unwrap();
    f.store.undo(f.p).unwrap().unwrap();
    f.store.redo(f.p).unwrap().unwrap();

    let h = f.store.collection_history(c, &HistoryQuery::default(), Some(Remote::Page(page.clone()))).unwrap();
    assert_eq!(
        lines(&h),
        [
            line("alice", ChangeKind::Added, 3, &[1, 2, 3], true),
            line("alice", ChangeKind::Removed, 3, &[1, 2, 3], true),
            line("alice", ChangeKind::Added, 3, &[1, 2, 3], true),
            line("alice", ChangeKind::Created, 0, &[], true),
            line("bob", ChangeKind::Renamed, 0, &[], false),
            line("carol", ChangeKind::Added, 2, &[4, 5], false),
        ],
        "pending first, newest first; the server's items mapped to this copy's ids"
    );
    let ats: Vec<i64> = h.entries.iter().map(|e| e.at).collect();
    assert!(ats[..4].windows(2).all(|w| w[0] >= w[1]) && ats[0] > 1_600_000_000_000, "{ats:?}");
    let keys: Vec<&str> = h.entries.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(&keys[4..], ["s8", "s7"]);
    assert!(keys[..4].iter().all(|k| k.starts_with('p')));
    assert_eq!((h.next_before, h.notice.as_deref()), (Some(7), None));
    assert_eq!(h.entries[3].detail, "Picks");

    // Filters reach this device's entries too (the server filters its own).
    let by = |author: &str, kind: &str| HistoryQuery { author: Some(author.into()), kind: Some(kind.into()), ..Default::default() };
    let none = ChangesPage::default();
    let h = f.store.collection_history(c, &by("alice", "removed"), Some(Remote::Page(none.clone()))).unwrap();
    assert_eq!(lines(&h), [line("alice", ChangeKind::Removed, 3, &[1, 2, 3], true)]);
    let h = f.store.collection_history(c, &by("carol", "added"), Some(Remote::Page(none.clone()))).unwrap();
    assert_eq!(lines(&h), []);
    // A later page is the server's alone.
    let older = HistoryQuery { before: Some(7), ..Default::default() };
    let h = f.store.collection_history(c, &older, Some(Remote::Page(none))).unwrap();
    assert_eq!(lines(&h), []);

    // Offline: the pending changes, and a sentence saying older history needs the server.
    let h = f.store.collection_history(c, &HistoryQuery::default(), Some(Remote::Unavailable("it is offline".into()))).unwrap();
    assert_eq!(h.entries.len(), 4);
    let notice = h.notice.unwrap();
    assert!(notice.contains("older history needs the server") && notice.ends_with("it is offline"), "{notice}");
}

#[test]
fn a_local_project_lists_this_sessions_changes() {
    let f = fixture();
    let input = NewCollection { title: "Mine".into(), description: String::new(), private: false, theme: None };
    let c = f.store.create_collection(f.q, &input).unwrap().id;
    assert_eq!(f.store.history_source(c).unwrap(), Source::Local);
    f.store.add_to_collection(f.q, c, &ids(&[6])).unwrap();
    f.store.undo(f.q).unwrap().unwrap();
    let h = f.store.collection_history(c, &HistoryQuery::default(), None).unwrap();
    assert_eq!(
        lines(&h),
        [line(YOU, ChangeKind::Removed, 1, &[6], false), line(YOU, ChangeKind::Added, 1, &[6], false), line(YOU, ChangeKind::Created, 0, &[], false)]
    );
    assert!(h.notice.unwrap().contains("only on this device"));
    // A synced project's collection asks the server, by its slug.
    let f = synced();
    let p = f.collection("Picks");
    assert!(matches!(f.store.history_source(p).unwrap(), Source::Server { slug } if slug.starts_with("lab/picks-")));
    // Its session is not logged: the outbox and the server tell its history.
    f.store.add_to_collection(f.p, p, &ids(&[1])).unwrap();
    assert!(f.store.journal().lock().log.is_empty());
}

#[test]
fn a_bad_query_is_refused_in_words() {
    let f = synced();
    let c = f.collection("Picks");
    let q = HistoryQuery { kind: Some("exploded".into()), ..Default::default() };
    let e = f.store.collection_history(c, &q, None).unwrap_err().to_string();
    assert!(e.starts_with("history not shown: kind \"exploded\""), "{e}");
    let e = f.store.collection_history(999, &HistoryQuery::default(), None).unwrap_err().to_string();
    assert_eq!(e, "collection 999 does not exist");
}
