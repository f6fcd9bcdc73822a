//! A collection's history (issue 16) through the real router: every path that changes a
//! collection (the native API, a sync push, a bulk set) is recorded with its author, newest
//! first; filters and pages; what the caller may not see stays hidden; bad queries are 400s
//! that quote the input; prune and a delete for good forget it.

mod common;

use axum::http::{Method, StatusCode};
use common::{error, Server};
use serde_json::{json, Value};
use trove_protocol::itemset::ItemSet;
use trove_server::store::sync;

const C1: &str = "0c1a0000-0000-4000-8000-000000000001";
const HEX1: &str = "0123456789abcdef01234567";
const BASE: &str = "/api/v1/collections/lab/picks-0123456789abcdef01234567";

async fn push(s: &Server, token: &str, client: &str, mutations: Vec<(i64, Value)>) {
    let mutations: Vec<Value> = mutations.into_iter().map(|(id, m)| json!({"id": id, "mutation": m})).collect();
    let r = s.call(Method::POST, "/api/v1/sync/push", Some(token), Some(json!({"client_id": client, "mutations": mutations}))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["rejected"], json!([]), "{:?}", r.body);
}

async fn history(s: &Server, token: &str, query: &str) -> common::Response {
    s.call(Method::GET, &format!("{BASE}/history{query}"), Some(token), None).await
}

/// `(author, kind, count, item numbers, detail)` of each change on a page, newest first.
fn lines(page: &Value) -> Vec<(String, String, u64, Vec<i64>, String)> {
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let numbers = ItemSet::from_text(c["items"].as_str().unwrap().to_string()).decode().unwrap();
            (c["author"].as_str().unwrap().into(), c["kind"].as_str().unwrap().into(), c["count"].as_u64().unwrap(), numbers, c["detail"].as_str().unwrap().into())
        })
        .collect()
}

fn line(author: &str, kind: &str, count: u64, numbers: &[i64], detail: &str) -> (String, String, u64, Vec<i64>, String) {
    (author.into(), kind.into(), count, numbers.to_vec(), detail.into())
}

/// Collection C1 made by alice's device, then changed by every path.
async fn changed_by_everyone() -> Server {
    let s = Server::new();
    let (project, it) = s.uuids();
    let create = json!({"name": "create_collection", "args": {"collection": C1, "project": project, "hex_id": HEX1, "title": "Picks", "description": "", "private": false, "theme": "pink"}});
    let add = json!({"name": "add_items", "args": {"collection": C1, "items": [it[0], it[1], it[2]], "positions": ["a0", "a1", "a2"]}});
    push(&s, &s.alice, "dev-a", vec![(1, create), (2, add)]).await;
    // An undo of that add, and its redo: what the app pushes.
    let remove = json!({"name": "remove_items", "args": {"collection": C1, "items": [it[0], it[1], it[2]]}});
    let again = json!({"name": "add_items", "args": {"collection": C1, "items": [it[0], it[1], it[2]], "positions": ["a3", "a4", "a5"]}});
    push(&s, &s.alice, "dev-a", vec![(3, remove), (4, again)]).await;
    // carol, through the native API: an add (one new item, one already there), a note, a rename.
    let r = s.call(Method::POST, &format!("{BASE}/items/bulk-add"), Some(&s.carol), Some(json!({"items": [s.items[4], s.items[0]]}))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let r = s.call(Method::PATCH, &format!("{BASE}/items/{}", s.items[4]), Some(&s.carol), Some(json!({"note": "blurry"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let r = s.call(Method::PATCH, BASE, Some(&s.carol), Some(json!({"title": "Best picks"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    // A bulk remove pushed as a set (items 2 and 5, by number), by alice's device.
    let set = json!({"name": "remove_item_set", "args": {"collection": C1, "items": ItemSet::encode(&[2, 5]).as_str()}});
    push(&s, &s.alice, "dev-a", vec![(5, set)]).await;
    s
}

#[tokio::test]
async fn history_is_listed_newest_first_with_authors() {
    let s = changed_by_everyone().await;
    let r = history(&s, &s.bob, "").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        lines(&r.body),
        [
            line("alice", "removed", 2, &[2, 5], ""),
            line("carol", "renamed", 0, &[], "Best picks"),
            line("carol", "noted", 1, &[5], "blurry"),
            line("carol", "added", 1, &[5], ""),
            line("alice", "added", 3, &[1, 2, 3], ""),
            line("alice", "removed", 3, &[1, 2, 3], ""),
            line("alice", "added", 3, &[1, 2, 3], ""),
            line("alice", "created", 0, &[], "Picks"),
        ],
        "an add of an item already there names only the new one; the viewer bob reads it all"
    );
    let changes = r.body["changes"].as_array().unwrap();
    let ids: Vec<i64> = changes.iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let ats: Vec<i64> = changes.iter().map(|c| c["at"].as_i64().unwrap()).collect();
    assert!(ats.windows(2).all(|w| w[0] >= w[1]) && ats[0] > 1_600_000_000_000, "times in ms: {ats:?}");
    assert_eq!(r.body["next_before"], Value::Null);

    // Filters by person and by kind, together or alone.
    let r = history(&s, &s.alice, "?author=carol").await;
    assert_eq!(lines(&r.body).iter().map(|l| l.1.as_str()).collect::<Vec<_>>(), ["renamed", "noted", "added"]);
    let r = history(&s, &s.alice, "?kind=added").await;
    assert_eq!(lines(&r.body).iter().map(|l| (l.0.as_str(), l.2)).collect::<Vec<_>>(), [("carol", 1), ("alice", 3), ("alice", 3)]);
    let r = history(&s, &s.alice, "?kind=added&author=alice").await;
    assert_eq!(lines(&r.body).len(), 2);
    let r = history(&s, &s.alice, "?author=nobody").await;
    assert_eq!(lines(&r.body), []);

    // Pages: `before` continues where the last page ended.
    let first = history(&s, &s.alice, "?limit=3").await;
    assert_eq!(lines(&first.body).len(), 3);
    let before = first.body["next_before"].as_i64().unwrap();
    let rest = history(&s, &s.alice, &format!("?limit=100&before={before}")).await;
    assert_eq!(lines(&rest.body).len(), 5);
    assert_eq!(rest.body["changes"][0]["kind"], "added");
    assert_eq!(rest.body["next_before"], Value::Null);
}

#[tokio::test]
async fn a_hidden_collection_has_no_history_for_the_caller() {
    let s = Server::new();
    let private = s.collection("Secret", true).await;
    let slug = private["slug"].as_str().unwrap();
    let r = s.call(Method::POST, &format!("/api/v1/collections/{slug}/items/bulk-add"), Some(&s.alice), Some(json!({"items": [s.items[0]]}))).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = s.call(Method::GET, &format!("/api/v1/collections/{slug}/history"), Some(&s.alice), None).await;
    assert_eq!(lines(&r.body).iter().map(|l| l.1.as_str()).collect::<Vec<_>>(), ["added", "created"]);
    // bob (a viewer outside `lab`) and mallory (no role) get the collection routes' own 404.
    for token in [&s.bob, &s.mallory] {
        let get = s.call(Method::GET, &format!("/api/v1/collections/{slug}"), Some(token), None).await;
        let r = s.call(Method::GET, &format!("/api/v1/collections/{slug}/history"), Some(token), None).await;
        assert_eq!((r.status, error(&r)), (get.status, error(&get)));
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    let r = s.call(Method::GET, &format!("/api/v1/collections/{slug}/history"), None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_history_queries_are_refused_with_the_input_quoted() {
    let s = Server::new();
    s.collection("Picks", false).await;
    let before = s.snapshot();
    let long = "x".repeat(5000);
    for (query, wanted) in [
        ("?kind=exploded", "kind \"exploded\" is not a kind of change"),
        ("?limit=0", "limit 0 is out of range; a page holds 1 to 100 changes"),
        ("?limit=101", "limit 101 is out of range"),
        ("?limit=lots", "limit"),
        ("?before=0", "before 0 is not valid"),
        ("?before=-5", "before -5 is not valid"),
        ("?colour=red", "colour"),
        (&format!("?author={long}"), "author \"xxxx"),
        (&format!("?kind={long}"), "\"… is not a kind of change"),
    ] {
        let r = s.call(Method::GET, &format!("/api/v1/collections/lab/x-{}/history{query}", "0".repeat(24)), Some(&s.alice), None).await;
        let r2 = history(&s, &s.alice, query).await;
        for r in [r, r2] {
            let shown: String = query.chars().take(40).collect();
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{shown}: {:?}", r.body);
            let (code, message) = error(&r);
            assert_eq!(code, "invalid_input");
            assert!(message.contains(wanted), "{shown}: {message}");
            assert!(message.len() < 400, "the input is cut short: {message}");
        }
    }
    assert_eq!(s.snapshot(), before, "a read changes nothing");
}

#[tokio::test]
async fn prune_and_a_delete_for_good_forget_history() {
    let s = changed_by_everyone().await;
    let pruned = s.state.db.write(|tx| sync::prune(tx, 1)).unwrap();
    assert_eq!(pruned.history, 0, "a day's window keeps today's changes");
    assert_eq!(lines(&history(&s, &s.alice, "").await.body).len(), 8);
    let pruned = s.state.db.write(|tx| sync::prune(tx, 0)).unwrap();
    assert_eq!(pruned.history, 8);
    assert!(pruned.to_string().contains("8 changes of collections' history"), "{pruned}");
    let r = history(&s, &s.alice, "").await;
    assert_eq!((r.status, lines(&r.body)), (StatusCode::OK, vec![]));

    // A collection deleted for good takes its history along; a soft delete records itself.
    let gone = s.collection("Gone", false).await;
    let soft = s.collection("Soft", false).await;
    let count = |s: &Server| s.state.db.read(|c| c.query_row("SELECT count(*) FROM collection_history", [], |r| r.get::<_, i64>(0))).unwrap();
    assert_eq!(count(&s), 2);
    let r = s.call(Method::DELETE, &format!("/api/v1/collections/{}?hard=true", gone["slug"].as_str().unwrap()), Some(&s.alice), None).await;
    assert!(r.status.is_success());
    assert_eq!(count(&s), 1);
    let r = s.call(Method::DELETE, &format!("/api/v1/collections/{}", soft["slug"].as_str().unwrap()), Some(&s.alice), None).await;
    assert!(r.status.is_success());
    let kinds = s.state.db.read(|c| {
        let mut st = c.prepare("SELECT kind FROM collection_history ORDER BY id")?;
        let v: Vec<String> = st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok::<_, rusqlite::Error>(v)
    });
    assert_eq!(kinds.unwrap(), ["created", "deleted"]);
}

#[tokio::test]
async fn a_page_of_bulk_changes_stays_a_few_megabytes() {
    let s = Server::new();
    let c = s.collection("Bulk", false).await;
    let slug = c["slug"].as_str().unwrap().to_string();
    // Six changes naming about 1.5 MB of items each (as 100,000-item sets may).
    let id = c["id"].as_i64().unwrap();
    let project = s.project;
    s.state
        .db
        .write(move |tx| {
            for _ in 0..6 {
                tx.execute(
                    "INSERT INTO collection_history (project_id, collection_id, user_id, changed_at, kind, item_count, items, detail) \
                     VALUES (?1, ?2, 1, 1, 'added', 100000, ?3, '')",
                    trove_server::db::params![project, id, "A".repeat(1_500_000)],
                )?;
            }
            Ok::<_, trove_server::error::Error>(())
        })
        .unwrap();
    let path = |query: String| format!("/api/v1/collections/{slug}/history{query}");
    let first = s.call(Method::GET, &path(String::new()), Some(&s.alice), None).await;
    assert_eq!(first.status, StatusCode::OK);
    let n = first.body["changes"].as_array().unwrap().len();
    assert_eq!(n, 2, "two changes of 1.5 MB fit in 4 MiB, a third does not");
    assert!(first.bytes.len() < 5_000_000);
    let mut seen = n;
    let mut before = first.body["next_before"].as_i64();
    while let Some(b) = before {
        let page = s.call(Method::GET, &path(format!("?before={b}")), Some(&s.alice), None).await;
        seen += page.body["changes"].as_array().unwrap().len();
        before = page.body["next_before"].as_i64();
    }
    assert_eq!(seen, 7, "every change is reached page by page, the create included");
}
