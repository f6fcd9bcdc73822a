//! Regression tests of the hardening review (issue 9), one per finding, through the real router:
//! what a caller cannot see leaves no trace, hostile sizes are refused with a 4xx that quotes
//! them cut short, and a refusal changes nothing it should not.

mod common;

use axum::http::{Method, StatusCode};
use common::{error, Server};
use serde_json::{json, Value};

async fn push(s: &Server, token: &str, client: &str, mutations: Vec<(i64, Value)>) -> common::Response {
    let mutations: Vec<Value> = mutations.into_iter().map(|(id, m)| json!({"id": id, "mutation": m})).collect();
    s.call(Method::POST, "/api/v1/sync/push", Some(token), Some(json!({"client_id": client, "mutations": mutations}))).await
}

fn slug_path(c: &Value) -> String {
    format!("/api/v1/collections/{}", c["slug"].as_str().unwrap())
}

async fn add_items(s: &Server, c: &Value, items: &[i64]) {
    let r = s.call(Method::POST, &format!("{}/items/bulk-add", slug_path(c)), Some(&s.alice), Some(json!({"items": items}))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
}

#[tokio::test]
async fn finding_1_an_overlong_position_key_is_refused_and_appends_keep_working() {
    let s = Server::new();
    let (_, items) = s.uuids();
    let c = s.collection("Picks", false).await;
    let long = format!("a{}1", "z".repeat(200_000));
    let r = push(&s, &s.alice, "dev-a", vec![
        (1, json!({"name": "add_items", "args": {"collection": c["uuid"], "items": [items[0]], "positions": [long]}})),
    ])
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let refusal = &r.body["rejected"][0]["error"];
    assert_eq!(refusal["code"], "invalid_input");
    assert_eq!(refusal["message"], format!("position is {} characters; at most 1024 are allowed", 200_002));
    // The next appends, by REST and by sync, work (the old code recursed per character here).
    add_items(&s, &c, &[s.items[1]]).await;
    let r = push(&s, &s.alice, "dev-a", vec![(2, json!({"name": "add_items", "args": {"collection": c["uuid"], "items": [items[2]], "positions": ["a5"]}}))]).await;
    assert_eq!(r.body["rejected"], json!([]));
}

#[tokio::test]
async fn finding_1_keys_grown_long_by_inserts_at_one_spot_are_re_spread() {
    let s = Server::new();
    let (_, items) = s.uuids();
    let c = s.collection("Picks", false).await;
    let near = format!("a0{}", "V".repeat(200));
    let r = push(&s, &s.alice, "dev-a", vec![
        (1, json!({"name": "add_items", "args": {"collection": c["uuid"], "items": [items[0], items[1], items[2]], "positions": ["a0", near, "a1"]}})),
    ])
    .await;
    assert_eq!(r.body["rejected"], json!([]));
    let r = s.call(Method::GET, &format!("{}/items", slug_path(&c)), Some(&s.alice), None).await;
    let keys: Vec<String> = r.body["items"].as_array().unwrap().iter().map(|m| m["position"].as_str().unwrap_or_default().to_string()).collect();
    let order: Vec<i64> = r.body["items"].as_array().unwrap().iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(order, s.items[..3], "the order is kept");
    assert!(keys.iter().all(|k| k.len() < 10), "fresh short keys: {keys:?}");
}

#[tokio::test]
async fn finding_4_refusals_quote_input_cut_short_and_are_pruned() {
    let s = Server::new();
    // The review sent 8 MiB, which the push body limit now refuses whole; 4 MiB still gets in.
    let huge = "x".repeat(4 << 20);
    let r = push(&s, &s.alice, "dev-a", vec![(1, json!({"name": "delete_collection", "args": {"collection": huge}}))]).await;
    assert_eq!(r.status, StatusCode::OK);
    let message = r.body["rejected"][0]["error"]["message"].as_str().unwrap();
    assert!(message.len() < 250 && message.contains('…'), "{message}");
    let stored: i64 = s.state.db.read(|c| c.query_row("SELECT max(length(message)) FROM rejected_mutations", [], |r| r.get(0))).unwrap();
    assert!(stored < 250);
    let pruned = s.state.db.write(|tx| trove_server::store::sync::prune(tx, 0)).unwrap();
    assert_eq!(pruned.refusals, 1, "{pruned}");
}

#[tokio::test]
async fn finding_5_in_any_collection_counts_only_visible_collections() {
    let s = Server::new();
    let secret = s.collection("Secret", true).await;
    add_items(&s, &secret, &[s.items[0], s.items[1]]).await;
    let public = s.collection("Open", false).await;
    add_items(&s, &public, &[s.items[4]]).await;
    let filter = |negate: bool| format!("/api/v1/projects/{}/items?filter={}", s.project, urlencode(&json!({"clauses": [{"negate": negate, "cond": {"field": "any_collection"}}]}).to_string()));
    let names = |r: &common::Response| -> Vec<i64> { r.body["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect() };
    // Bob (a viewer from another namespace) sees only the public collection's member...
    let r = s.call(Method::GET, &filter(false), Some(&s.bob), None).await;
    assert_eq!(names(&r), [s.items[4]]);
    let r = s.call(Method::GET, &filter(true), Some(&s.bob), None).await;
    assert_eq!(names(&r).len(), 4);
    // ...while the namespace's own members see both.
    let r = s.call(Method::GET, &filter(false), Some(&s.carol), None).await;
    assert_eq!(names(&r).len(), 3);
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"_-,:.".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[tokio::test]
async fn finding_6_a_title_conflict_never_reveals_a_hidden_collection() {
    let s = Server::new();
    let secret = s.collection("Secret plans", true).await;
    // Bob may not create collections here (viewer); give Mallory's case to an editor of another
    // namespace: grant her the editor role on the project.
    s.state.db.write(|tx| trove_server::store::accounts::grant(tx, s.project, "mallory", trove_protocol::api::Role::Editor)).unwrap();
    let create = |title: &str| json!({"title": title, "private": false});
    let r = s.call(Method::POST, &format!("/api/v1/projects/{}/collections", s.project), Some(&s.mallory), Some(create("Secret plans"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "the hidden title is free for her: {:?}", r.body);
    assert!(!r.bytes.windows(24).any(|w| w == secret["hex_id"].as_str().unwrap().as_bytes()));
    // A rename to it is free too; a title she can see is a conflict that names only that one.
    let mine = r.body;
    let other = s.collection("Public one", false).await;
    let r = s.call(Method::PATCH, &slug_path(&mine), Some(&s.mallory), Some(json!({"title": "Public one"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(error(&r).1.contains(other["hex_id"].as_str().unwrap()));
    // Made public, the hidden one would show a public title twice: refused, naming the public one.
    let r = s.call(Method::PATCH, &slug_path(&secret), Some(&s.alice), Some(json!({"private": false}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    assert!(error(&r).1.contains(mine["hex_id"].as_str().unwrap()));
    // Inside the namespace, the private one's title is taken as before.
    let r = s.call(Method::POST, &format!("/api/v1/projects/{}/collections", s.project), Some(&s.carol), Some(create("Secret plans"))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
}

#[tokio::test]
async fn finding_8_a_taken_short_id_answers_like_a_free_one() {
    let s = Server::new();
    let (project, _) = s.uuids();
    let secret = s.collection("Secret", true).await;
    s.state.db.write(|tx| trove_server::store::accounts::grant(tx, s.project, "mallory", trove_protocol::api::Role::Editor)).unwrap();
    let create = |uuid: &str, hex: &str, title: &str| {
        json!({"name": "create_collection", "args": {"collection": uuid, "project": project, "hex_id": hex, "title": title, "description": "", "private": false, "theme": "blue"}})
    };
    let taken = push(&s, &s.mallory, "dev-m", vec![(1, create("0c1a0000-0000-4000-8000-00000000000a", secret["hex_id"].as_str().unwrap(), "Probe A"))]).await;
    let free = push(&s, &s.mallory, "dev-m", vec![(2, create("0c1a0000-0000-4000-8000-00000000000b", "00112233445566778899aabb", "Probe B"))]).await;
    assert_eq!((taken.status, &taken.body["rejected"]), (StatusCode::OK, &json!([])));
    assert_eq!((free.status, &free.body["rejected"]), (StatusCode::OK, &json!([])));
    let hexes: Vec<String> = s
        .state
        .db
        .read(|c| c.prepare("SELECT hex_id FROM collections ORDER BY id")?.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>())
        .unwrap();
    assert_eq!(hexes.len(), 3);
    assert_eq!(hexes.iter().filter(|h| *h == secret["hex_id"].as_str().unwrap()).count(), 1, "the probe got a fresh id");
}

#[tokio::test]
async fn finding_9_too_many_filter_clauses_is_a_400_that_names_the_limit() {
    let s = Server::new();
    // The review's 1,000 clauses (past SQLite's expression depth on the old code), as short as a
    // clause can be so the URL stays within what the router accepts.
    let clauses: Vec<Value> = (0..1000).map(|_| json!({"cond": {"field": "any_collection"}})).collect();
    let path = format!("/api/v1/projects/{}/items?filter={}", s.project, urlencode(&json!({"clauses": clauses}).to_string()));
    let r = s.call(Method::GET, &path, Some(&s.alice), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error(&r).1, "1000 clauses in one filter; at most 50 are allowed");
}

#[tokio::test]
async fn finding_10_a_hard_deleted_private_collection_is_not_pulled_by_outsiders() {
    let s = Server::new();
    let (project, _) = s.uuids();
    let secret = s.collection("Secret", true).await;
    let open = s.collection("Open", false).await;
    for c in [&secret, &open] {
        let r = s.call(Method::DELETE, &format!("{}?hard=true", slug_path(c)), Some(&s.alice), None).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    }
    let s = &s;
    let pull = |token: String| {
        let path = format!("/api/v1/sync/pull?project={project}&client_id=dev-x&cookie=0");
        async move { s.call(Method::GET, &path, Some(&token), None).await.body["deleted_collections"].clone() }
    };
    assert_eq!(pull(s.bob.clone()).await, json!([open["uuid"]]));
    let mut inside: Vec<Value> = pull(s.carol.clone()).await.as_array().unwrap().clone();
    inside.sort_by_key(|v| v.to_string());
    let mut want = vec![secret["uuid"].clone(), open["uuid"].clone()];
    want.sort_by_key(|v| v.to_string());
    assert_eq!(inside, want);
}

#[tokio::test]
async fn a_collection_made_private_is_removed_from_outsiders_copies() {
    let s = Server::new();
    let (project, _) = s.uuids();
    let c = s.collection("Was open", false).await;
    let s = &s;
    let pull = |cookie: i64| {
        let path = format!("/api/v1/sync/pull?project={project}&client_id=dev-bob&cookie={cookie}");
        let bob = s.bob.clone();
        async move { s.call(Method::GET, &path, Some(&bob), None).await.body }
    };
    let first = pull(0).await;
    assert_eq!(first["collections"][0]["uuid"], c["uuid"]);
    let r = s.call(Method::PATCH, &slug_path(&c), Some(&s.alice), Some(json!({"private": true}))).await;
    assert_eq!(r.status, StatusCode::OK);
    let next = pull(first["cookie"].as_i64().unwrap()).await;
    assert_eq!((&next["collections"], &next["deleted_collections"]), (&json!([]), &json!([c["uuid"]])));
    // A fresh download never hears of it; the namespace's own pull keeps it.
    assert_eq!(pull(0).await["deleted_collections"], json!([]));
    let path = format!("/api/v1/sync/pull?project={project}&client_id=dev-carol&cookie={}", first["cookie"]);
    let inside = s.call(Method::GET, &path, Some(&s.carol), None).await.body;
    assert_eq!((inside["collections"][0]["private"].clone(), &inside["deleted_collections"]), (json!(true), &json!([])));
    // Made public again, it comes back.
    s.call(Method::PATCH, &slug_path(&c), Some(&s.alice), Some(json!({"private": false}))).await;
    let back = pull(next["cookie"].as_i64().unwrap()).await;
    assert_eq!((&back["collections"][0]["uuid"], &back["deleted_collections"]), (&c["uuid"], &json!([])));
}

#[tokio::test]
async fn finding_11_control_characters_in_titles_are_refused() {
    let s = Server::new();
    let r = s.call(Method::POST, &format!("/api/v1/projects/{}/collections", s.project), Some(&s.alice), Some(json!({"title": "a\u{7}b"}))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error(&r).1, "title \"a\\u{7}b\" contains a control or invisible character; titles are one line of visible text");
}
