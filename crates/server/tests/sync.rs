//! Sync at the router level: pushes applied exactly once and in order, refusals reported
//! without blocking the queue, causal-length memberships, delete wins, and pulls by cookie.

mod common;

use axum::http::{Method, StatusCode};
use common::{error, Server};
use serde_json::{json, Value};
use trove_server::store::sync;

struct Fixture {
    s: Server,
    project: String,
    items: Vec<String>,
}

fn fixture() -> Fixture {
    let s = Server::new();
    let (project, items) = s.uuids();
    Fixture { s, project, items }
}

const C1: &str = "0c1a0000-0000-4000-8000-000000000001";
const HEX1: &str = "0123456789abcdef01234567";

impl Fixture {
    async fn push(&self, token: &str, client: &str, mutations: Vec<(i64, Value)>) -> common::Response {
        let mutations: Vec<Value> = mutations.into_iter().map(|(id, m)| json!({"id": id, "mutation": m})).collect();
        self.s.call(Method::POST, "/api/v1/sync/push", Some(token), Some(json!({"client_id": client, "mutations": mutations}))).await
    }

    async fn pull(&self, token: &str, client: &str, cookie: i64, limit: u32) -> Value {
        let r = self
            .s
            .call(Method::GET, &format!("/api/v1/sync/pull?project={}&client_id={client}&cookie={cookie}&limit={limit}", self.project), Some(token), None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        r.body
    }

    /// Everything after `cookie`, following `more` pages; `resets` lists each page's `reset`.
    async fn pull_all(&self, token: &str, client: &str, mut cookie: i64) -> (Value, i64) {
        let mut all = json!({"collections": [], "memberships": [], "items": [], "datasets": [], "deleted_collections": [], "resets": []});
        for _ in 0..100 {
            let page = self.pull(token, client, cookie, 3).await;
            for k in ["collections", "memberships", "items", "datasets", "deleted_collections"] {
                all[k].as_array_mut().unwrap().extend(page[k].as_array().unwrap().iter().cloned());
            }
            all["resets"].as_array_mut().unwrap().push(page["reset"].clone());
            cookie = page["cookie"].as_i64().unwrap();
            if !page["more"].as_bool().unwrap() {
                return (all, cookie);
            }
        }
        panic!("the pages never end");
    }

    /// Prunes the sync history older than `days` (as `trove-server prune` does).
    fn prune(&self, days: u32) -> sync::Pruned {
        self.s.state.db.write(|tx| sync::prune(tx, days)).unwrap()
    }

    /// Deletes a collection for good through the native API.
    async fn hard_delete(&self, c: &Value) {
        let r = self.s.call(Method::DELETE, &format!("/api/v1/collections/{}?hard=true", c["slug"].as_str().unwrap()), Some(&self.s.alice), None).await;
        assert!(r.status.is_success(), "{:?}", r.body);
    }

    fn create(&self, title: &str) -> Value {
        json!({"name": "create_collection", "args": {"collection": C1, "project": self.project, "hex_id": HEX1, "title": title, "description": "", "private": false, "theme": "pink"}})
    }

    /// Present items of collection C1 in order, as the server's native API lists them.
    async fn members(&self) -> Vec<usize> {
        let r = self.s.call(Method::GET, &format!("/api/v1/collections/lab/x-{HEX1}/items"), Some(&self.s.alice), None).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        r.body["items"].as_array().unwrap().iter().map(|m| self.items.iter().position(|u| u == m["uuid"].as_str().unwrap()).unwrap()).collect()
    }
}

fn add(items: &[&String], positions: &[&str], cls: &[u32]) -> Value {
    json!({"name": "add_items", "args": {"collection": C1, "items": items, "positions": positions, "cls": cls}})
}

fn remove(items: &[&String], cls: &[u32]) -> Value {
    json!({"name": "remove_items", "args": {"collection": C1, "items": items, "cls": cls}})
}

#[tokio::test]
async fn a_push_is_applied_once_in_order_and_pulled_back() {
    let f = fixture();
    let it = &f.items;
    let r = f.push(&f.s.alice, "dev-a", vec![(1, f.create("Offline picks")), (2, add(&[&it[3], &it[1]], &["a0", "a1"], &[1, 1]))]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body, json!({"last_mutation_id": 2, "rejected": []}));
    // The collection keeps the identities the client chose offline.
    let r = f.s.call(Method::GET, &format!("/api/v1/collections/lab/offline-picks-{HEX1}"), Some(&f.s.carol), None).await;
    assert_eq!((r.body["uuid"].as_str(), r.body["theme"].as_str(), r.body["item_count"].as_i64()), (Some(C1), Some("pink"), Some(2)));
    assert_eq!(f.members().await, [3, 1]);

    // The same batch again (a lost response, retried) changes nothing.
    let before = f.s.snapshot();
    let r = f.push(&f.s.alice, "dev-a", vec![(1, f.create("Offline picks")), (2, add(&[&it[3], &it[1]], &["a0", "a1"], &[1, 1]))]).await;
    assert_eq!(r.body["last_mutation_id"], 2);
    assert_eq!(f.s.snapshot(), before);
    // A gap is refused, naming where to continue.
    let r = f.push(&f.s.alice, "dev-a", vec![(4, remove(&[&it[3]], &[2]))]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(error(&r).1.contains("push from 3"), "{:?}", r.body);

    // Another device pulls it all: datasets, items, the collection, the memberships.
    let (all, cookie) = f.pull_all(&f.s.carol, "dev-b", 0).await;
    assert_eq!(all["datasets"].as_array().unwrap().len(), 2);
    assert_eq!(all["items"].as_array().unwrap().len(), 5);
    assert_eq!(all["collections"][0]["uuid"], C1);
    let ms: Vec<(String, u64, String)> = all["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["item"].as_str().unwrap().to_string(), m["cl"].as_u64().unwrap(), m["position"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(ms, [(it[3].clone(), 1, "a0".into()), (it[1].clone(), 1, "a1".into())]);
    // An incremental pull carries only what changed since, including a removal's tombstone.
    let r = f.push(&f.s.alice, "dev-a", vec![(3, remove(&[&it[3]], &[2]))]).await;
    assert_eq!(r.body["last_mutation_id"], 3);
    let page = f.pull(&f.s.carol, "dev-b", cookie, 100).await;
    assert_eq!(page["memberships"], json!([{"collection": C1, "item": it[3], "cl": 2, "position": null, "note": null}]));
    assert_eq!(page["items"], json!([]));
    // The pushing client's pull says which of its mutations are done.
    assert_eq!(f.pull(&f.s.alice, "dev-a", cookie, 100).await["last_mutation_id"], 3);
}

#[tokio::test]
async fn a_refused_mutation_is_reported_and_does_not_block_the_queue() {
    let f = fixture();
    let it = &f.items;
    let taken = f.s.collection("Taken", false).await;
    let r = f
        .push(&f.s.alice, "dev-a", vec![
            (1, f.create("taken!")),
            (2, json!({"name": "set_note", "args": {"collection": taken["uuid"], "item": it[0], "note": "x".repeat(501)}})),
            (3, json!({"name": "tag_items", "args": {"items": [it[0], it[4]], "tags": ["reviewed"]}})),
            (4, json!({"name": "set_note", "args": {"collection": "0c1a0000-0000-4000-8000-0000000000ff", "item": it[0], "note": "hi"}})),
        ])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["last_mutation_id"], 4);
    let rejected = r.body["rejected"].as_array().unwrap();
    let refused: Vec<(i64, &str, &str)> =
        rejected.iter().map(|r| (r["id"].as_i64().unwrap(), r["name"].as_str().unwrap(), r["error"]["code"].as_str().unwrap())).collect();
    assert_eq!(refused, [(1, "create_collection", "conflict"), (2, "set_note", "invalid_input"), (4, "set_note", "not_found")]);
    // A collection the server never had: refused as unknown, not as a crash.
    assert!(rejected[2]["error"]["message"].as_str().unwrap().contains("does not exist"), "{rejected:?}");
    // The tag went through.
    let r = f.s.call(Method::GET, &format!("/api/v1/items/{}", f.s.items[4]), Some(&f.s.alice), None).await;
    assert_eq!(r.body["tags"], json!(["reviewed"]));
    // A viewer's writes are refused one by one, too.
    let r = f.push(&f.s.bob, "dev-bob", vec![(1, json!({"name": "tag_items", "args": {"items": [it[0]], "tags": ["mine"]}}))]).await;
    assert_eq!(r.body["rejected"][0]["error"]["code"], "forbidden");
    // A client id belongs to the user who first used it.
    let r = f.push(&f.s.carol, "dev-a", vec![(4, f.create("Other"))]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_re_add_the_remover_never_saw_survives_in_either_order() {
    for a_first in [true, false] {
        let f = fixture();
        let x = &f.items[2];
        f.push(&f.s.alice, "dev-0", vec![(1, f.create("C")), (2, add(&[x], &["a0"], &[1]))]).await;
        // A removes X having seen cl 1; B removes and re-adds X.
        let a = || f.push(&f.s.alice, "dev-a", vec![(1, remove(&[x], &[2]))]);
        let b = || f.push(&f.s.carol, "dev-b", vec![(1, remove(&[x], &[2])), (2, add(&[x], &["a1"], &[3]))]);
        if a_first {
            a().await;
            b().await;
        } else {
            b().await;
            a().await;
        }
        assert_eq!(f.members().await, [2], "A first: {a_first}");
        // Both offline adding the same item: one membership.
        let y = &f.items[4];
        f.push(&f.s.alice, "dev-a", vec![(2, add(&[y], &["a5"], &[1]))]).await;
        f.push(&f.s.carol, "dev-b", vec![(3, add(&[y], &["a6"], &[1]))]).await;
        assert_eq!(f.members().await, [2, 4]);
    }
}

#[tokio::test]
async fn a_deleted_collection_stays_deleted_and_later_mutations_are_no_ops() {
    let f = fixture();
    let it = &f.items;
    f.push(&f.s.alice, "dev-a", vec![(1, f.create("Doomed"))]).await;
    let r = f
        .push(&f.s.carol, "dev-b", vec![
            (1, json!({"name": "delete_collection", "args": {"collection": C1}})),
            (2, json!({"name": "update_collection", "args": {"collection": C1, "patch": {"title": "Renamed"}}})),
            (3, add(&[&it[0]], &["a0"], &[1])),
        ])
        .await;
    assert_eq!(r.body, json!({"last_mutation_id": 3, "rejected": []}));
    let (all, _) = f.pull_all(&f.s.alice, "dev-a", 0).await;
    assert_eq!((all["collections"][0]["deleted"].as_bool(), all["collections"][0]["title"].as_str()), (Some(true), Some("Doomed")));
    assert_eq!(all["memberships"], json!([]));
    // A hard delete through the API shows up as a tombstone.
    let c = f.s.collection("Gone", false).await;
    let (_, cookie) = f.pull_all(&f.s.alice, "dev-a", 0).await;
    f.s.call(Method::DELETE, &format!("/api/v1/collections/{}?hard=true", c["slug"].as_str().unwrap()), Some(&f.s.alice), None).await;
    let page = f.pull(&f.s.alice, "dev-a", cookie, 100).await;
    assert_eq!(page["deleted_collections"], json!([c["uuid"]]));
}

#[tokio::test]
async fn pulls_leave_out_private_collections_and_reset_on_a_foreign_cookie() {
    let f = fixture();
    f.s.collection("Secret", true).await;
    f.s.collection("Open", false).await;
    let (all, cookie) = f.pull_all(&f.s.bob, "dev-bob", 0).await;
    let titles: Vec<&str> = all["collections"].as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Open"]);
    let page = f.pull(&f.s.bob, "dev-bob", cookie + 1000, 100).await;
    assert_eq!(page["reset"], true);
    assert_eq!(page["items"].as_array().unwrap().len(), 5, "a reset starts from scratch");
    let r = f.s.call(Method::GET, &format!("/api/v1/sync/pull?project={}&client_id=dev&cookie=0", f.project), Some(&f.s.mallory), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn items_appended_by_two_devices_with_the_same_key_can_still_be_moved() {
    let f = fixture();
    let it = &f.items;
    f.push(&f.s.alice, "dev-a", vec![(1, f.create("Ties")), (2, add(&[&it[0], &it[1]], &["a0", "a1"], &[]))]).await;
    f.push(&f.s.carol, "dev-b", vec![(1, add(&[&it[2]], &["a1"], &[]))]).await;
    assert_eq!(f.members().await, [0, 1, 2], "a tie is broken by item id");
    let r = f.s.call(Method::PATCH, &format!("/api/v1/collections/lab/x-{HEX1}/items/{}", f.s.items[0]), Some(&f.s.alice), Some(json!({"position": 1}))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(f.members().await, [1, 0, 2]);
}

#[tokio::test]
async fn a_causal_length_from_far_ahead_is_kept_and_an_older_remove_loses_to_it() {
    let f = fixture();
    let x = &f.items[1];
    f.push(&f.s.alice, "dev-a", vec![(1, f.create("Clocks")), (2, add(&[x], &["a0"], &[1]))]).await;
    let (_, cookie) = f.pull_all(&f.s.alice, "dev-a", 0).await;
    // A device that saw the pair go through four more adds and removes.
    f.push(&f.s.carol, "dev-b", vec![(1, add(&[x], &["a3"], &[5]))]).await;
    let page = f.pull(&f.s.alice, "dev-a", cookie, 100).await;
    assert_eq!(page["memberships"], json!([{"collection": C1, "item": x, "cl": 5, "position": "a0", "note": ""}]));
    // A remove made when the pair was at length 1 (now 2) loses to 5: still present.
    f.push(&f.s.alice, "dev-a", vec![(3, remove(&[x], &[2]))]).await;
    assert_eq!(f.members().await, [1]);
    // A remove that saw length 5 wins.
    f.push(&f.s.alice, "dev-a", vec![(4, remove(&[x], &[6]))]).await;
    assert_eq!(f.members().await, Vec::<usize>::new());
    let versions: Vec<i64> = f
        .s
        .state
        .db
        .read(|c| {
            let mut s = c.prepare("SELECT version FROM membership_clocks UNION ALL SELECT version FROM collections UNION ALL SELECT version FROM items")?;
            let v = s.query_map([], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
            Ok::<_, rusqlite::Error>(v)
        })
        .unwrap();
    let mut unique = versions.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), versions.len(), "every changed row has its own version");
}

/// The (item, cl, position) of each membership row of a pull, sorted by item.
fn pairs(page: &Value) -> Vec<(String, u64, Value)> {
    let mut out: Vec<(String, u64, Value)> = page["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["item"].as_str().unwrap().to_string(), m["cl"].as_u64().unwrap(), m["position"].clone()))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The codes of a push's refusals, by mutation id.
fn refusals(r: &common::Response) -> Vec<(i64, String)> {
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["rejected"].as_array().unwrap().iter().map(|r| (r["id"].as_i64().unwrap(), r["error"]["code"].as_str().unwrap().to_string())).collect()
}

#[tokio::test]
async fn a_refused_write_is_undone_on_the_client_by_the_next_pull() {
    let f = fixture();
    let it = &f.items;
    f.push(&f.s.alice, "dev-a", vec![(1, f.create("Shared")), (2, add(&[&it[0]], &["a0"], &[1]))]).await;
    let (_, cookie) = f.pull_all(&f.s.bob, "dev-bob", 0).await;
    // Bob, a viewer, edits offline; his app shows the effects until the pull after the push.
    let r = f
        .push(&f.s.bob, "dev-bob", vec![
            (1, add(&[&it[1], &it[0], &it[1]], &["a1", "a2", "a3"], &[])),
            (2, json!({"name": "update_collection", "args": {"collection": C1, "patch": {"title": "Mine"}}})),
            (3, json!({"name": "tag_items", "args": {"items": [it[2]], "tags": ["mine"]}})),
            (4, json!({"name": "move_item", "args": {"collection": C1, "item": it[0], "position": "a5"}})),
            (5, remove(&[&it[0]], &[2])),
        ])
        .await;
    assert_eq!(refusals(&r), (1..=5).map(|id| (id, "forbidden".to_string())).collect::<Vec<_>>());
    // A caller without the role re-stamps nothing: nobody's next pull carries what he named (his
    // own app resets its copy instead).
    let page = f.pull(&f.s.bob, "dev-bob", cookie, 100).await;
    assert_eq!(page["reset"], false);
    for kind in ["memberships", "collections", "items", "deleted_collections"] {
        assert_eq!(page[kind], json!([]), "{kind}");
    }
    // An editor's refused writes re-stamp only the rows they would have changed: an add the
    // pairs not present (it[1], absent: length 0, no position), not it[0] (present already);
    // a tag the items lacking the tag.
    let (_, cookie) = f.pull_all(&f.s.alice, "dev-a2", 0).await;
    let long = format!("a{}", "z".repeat(2000));
    let r = f
        .push(&f.s.alice, "dev-a", vec![
            (3, add(&[&it[1], &it[0]], &[&long, "a2"], &[])),
            (4, json!({"name": "tag_items", "args": {"items": [it[2], it[3]], "tags": ["ok", "bad\u{7}"]}})),
            (5, json!({"name": "untag_items", "args": {"items": [it[0], it[1]], "tags": ["cat", "bad\u{7}"]}})),
        ])
        .await;
    assert_eq!(refusals(&r), [(3, "invalid_input".to_string()), (4, "invalid_input".to_string()), (5, "invalid_input".to_string())]);
    let page = f.pull(&f.s.alice, "dev-a2", cookie, 100).await;
    assert_eq!(pairs(&page), vec![(it[1].clone(), 0, Value::Null)], "it[1] is absent (length 0, no position); it[0] untouched");
    assert_eq!(page["items"].as_array().unwrap().len(), 4, "it[2] and it[3] lack the tags; it[0] and it[1] carry cat");
    assert_eq!(page["collections"], json!([]));
    // Each re-sent row has its own version, so a pull pages through them however many there are.
    let (mut c, mut sizes) = (cookie, Vec::new());
    loop {
        let p = f.pull(&f.s.alice, "dev-a2", c, 1).await;
        sizes.push(["datasets", "items", "collections", "memberships", "deleted_collections"].iter().map(|k| p[k].as_array().unwrap().len()).sum::<usize>());
        c = p["cookie"].as_i64().unwrap();
        if !p["more"].as_bool().unwrap() {
            break;
        }
    }
    assert_eq!(sizes, [1, 1, 1, 1, 1]);
    // The re-sent rows change nothing for anyone: the collection is as it was.
    assert_eq!(f.members().await, [0]);
    let (_, cookie) = f.pull_all(&f.s.alice, "dev-a2", cookie).await;
    assert_eq!(f.pull(&f.s.alice, "dev-a2", cookie, 100).await["memberships"], json!([]), "re-sent once, not on every pull");
}

#[tokio::test]
async fn writes_refused_on_what_the_caller_cannot_see_re_send_nothing() {
    let f = fixture();
    let it = &f.items;
    f.push(&f.s.alice, "dev-a", vec![(1, f.create("Shared")), (2, add(&[&it[0]], &["a0"], &[1]))]).await;
    let secret = f.s.collection("Secret", true).await;
    let (_, cookie) = f.pull_all(&f.s.alice, "dev-a", 0).await;
    // A stranger names the project, its items and its collection; a viewer names a private
    // collection of a namespace he is not in.
    let create = |c: &str| json!({"name": "create_collection", "args": {"collection": c, "project": f.project, "hex_id": "00000000000000000000000a", "title": "X", "description": "", "private": false, "theme": "pink"}});
    let r = f
        .push(&f.s.mallory, "dev-m", vec![
            (1, create("0c1a0000-0000-4000-8000-0000000000aa")),
            (2, add(&[&it[1]], &["a1"], &[1])),
            (3, json!({"name": "tag_items", "args": {"items": [it[2]], "tags": ["x"]}})),
            (4, json!({"name": "delete_collection", "args": {"collection": C1}})),
        ])
        .await;
    assert_eq!(refusals(&r).len(), 4);
    let r = f
        .push(&f.s.bob, "dev-bob", vec![(1, json!({"name": "add_items", "args": {"collection": secret["uuid"], "items": [it[3]], "positions": ["a0"]}}))])
        .await;
    assert_eq!(refusals(&r), [(1, "not_found".to_string())]);
    // Nobody's pull changes: nothing was re-stamped, no tombstone made.
    let page = f.pull(&f.s.alice, "dev-a", cookie, 100).await;
    for k in ["datasets", "items", "collections", "memberships", "deleted_collections"] {
        assert_eq!(page[k], json!([]), "{k}");
    }
    assert_eq!(page["cookie"], cookie);
}

#[tokio::test]
async fn a_refused_create_is_pulled_as_deleted_and_later_mutations_on_it_are_no_ops() {
    let f = fixture();
    f.s.collection("Taken", false).await;
    let (_, cookie) = f.pull_all(&f.s.carol, "dev-c", 0).await;
    let r = f
        .push(&f.s.carol, "dev-c", vec![
            (1, f.create("Taken")),
            (2, add(&[&f.items[0]], &["a0"], &[1])),
            (3, json!({"name": "update_collection", "args": {"collection": C1, "patch": {"title": "Another"}}})),
        ])
        .await;
    assert_eq!(refusals(&r), [(1, "conflict".to_string())], "what followed the refused create is acknowledged");
    let page = f.pull(&f.s.carol, "dev-c", cookie, 100).await;
    assert_eq!(page["deleted_collections"], json!([C1]), "the client drops its copy");
    assert_eq!((&page["collections"], &page["memberships"]), (&json!([]), &json!([])));
    // Nobody else hears of the refused create: its tombstone is only for its creator.
    let (_, cookie_b) = f.pull_all(&f.s.bob, "dev-bob", 0).await;
    assert_eq!(f.pull(&f.s.bob, "dev-bob", cookie_b, 100).await["deleted_collections"], json!([]));
    // A viewer's create is refused too, and re-stamps nothing (his app resets its copy).
    let cookie = cookie_b;
    let c2 = "0c1a0000-0000-4000-8000-000000000002";
    let r = f
        .push(&f.s.bob, "dev-bob", vec![(1, json!({"name": "create_collection", "args": {"collection": c2, "project": f.project, "hex_id": "0123456789abcdef0123456f", "title": "Bob's", "description": "", "private": false, "theme": "pink"}}))])
        .await;
    assert_eq!(refusals(&r), [(1, "forbidden".to_string())]);
    assert_eq!(f.pull(&f.s.bob, "dev-bob", cookie, 100).await["deleted_collections"], json!([]));
}

/// The titles of a pull's collections, and its memberships as (item, cl), both sorted.
fn titles_and_pairs(all: &Value) -> (Vec<String>, Vec<(String, u64)>) {
    let mut titles: Vec<String> = all["collections"].as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap().to_string()).collect();
    titles.sort();
    (titles, pairs(all).into_iter().map(|(i, cl, _)| (i, cl)).collect())
}

#[tokio::test]
async fn a_cookie_from_before_a_prune_is_reset_to_the_full_state() {
    let f = fixture();
    let it = &f.items;
    f.push(&f.s.alice, "dev-a", vec![(1, f.create("Kept")), (2, add(&[&it[0], &it[1]], &["a0", "a1"], &[1, 1]))]).await;
    let (_, old) = f.pull_all(&f.s.bob, "dev-bob", 0).await;
    // After bob's device last pulled: a removal and a collection deleted for good.
    f.push(&f.s.alice, "dev-a", vec![(3, remove(&[&it[1]], &[2]))]).await;
    let gone = f.s.collection("Gone", false).await;
    f.hard_delete(&gone).await;
    let (_, fresh) = f.pull_all(&f.s.carol, "dev-c", 0).await;
    let pruned = f.prune(0);
    assert_eq!((pruned.tombstones, pruned.clocks), (1, 1), "{pruned}");

    // Bob's device can no longer learn of those removals: it starts over, and pages through
    // the whole current state (reset on the first page only, or it would never finish).
    let (all, cookie) = f.pull_all(&f.s.bob, "dev-bob", old).await;
    let resets = all["resets"].as_array().unwrap();
    assert!(resets.len() > 1 && resets[0] == true && resets[1..].iter().all(|r| r == false), "{resets:?}");
    assert_eq!((all["datasets"].as_array().unwrap().len(), all["items"].as_array().unwrap().len()), (2, 5));
    assert_eq!(titles_and_pairs(&all), (vec!["Kept".to_string()], vec![(it[0].clone(), 1)]));
    assert_eq!(all["deleted_collections"], json!([]));
    assert_eq!(f.pull(&f.s.bob, "dev-bob", cookie, 100).await["reset"], false, "and then carries on from there");
    // A device that pulled after the removals carries on; so does a first pull.
    let page = f.pull(&f.s.carol, "dev-c", fresh, 100).await;
    assert_eq!((&page["reset"], &page["items"], &page["memberships"]), (&json!(false), &json!([]), &json!([])));
    let (all, _) = f.pull_all(&f.s.carol, "dev-new", 0).await;
    assert!(all["resets"].as_array().unwrap().iter().all(|r| r == false));
    assert_eq!(all["items"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn a_download_paused_across_a_prune_that_forgets_newer_history_starts_over() {
    let f = fixture();
    let it = &f.items;
    f.push(&f.s.alice, "dev-a", vec![(1, f.create("Kept")), (2, add(&[&it[0], &it[1]], &["a0", "a1"], &[1, 1]))]).await;
    let doomed = f.s.collection("Doomed", false).await;
    f.hard_delete(&doomed).await;
    f.prune(0);
    // A new device downloads everything, 3 rows a page, and stops after two pages.
    let first = f.pull(&f.s.carol, "dev-new", 0, 3).await;
    assert_eq!((&first["reset"], &first["more"]), (&json!(false), &json!(true)));
    // A prune that forgets nothing newer does not disturb it.
    f.prune(0);
    let second = f.pull(&f.s.carol, "dev-new", first["cookie"].as_i64().unwrap(), 3).await;
    assert_eq!((&second["reset"], &second["more"]), (&json!(false), &json!(true)));
    let seen: Vec<&Value> = ["datasets", "items", "collections"].iter().flat_map(|k| first[k].as_array().unwrap().iter().chain(second[k].as_array().unwrap())).collect();
    assert_eq!(seen.len(), 6, "each page goes on where the last one stopped: {seen:?}");
    // While it waits, the collection is deleted and that is pruned too: the download has
    // rows that are gone and nothing left to say so, so it starts over.
    let kept = f.s.call(Method::GET, &format!("/api/v1/collections/lab/x-{HEX1}"), Some(&f.s.alice), None).await.body;
    f.hard_delete(&kept).await;
    assert_eq!(f.prune(0).tombstones, 1);
    let (all, _) = f.pull_all(&f.s.carol, "dev-new", second["cookie"].as_i64().unwrap()).await;
    assert_eq!(all["resets"][0], true);
    assert_eq!((all["items"].as_array().unwrap().len(), &all["collections"]), (5, &json!([])));
}

#[tokio::test]
async fn pruning_keeps_what_changed_within_the_window() {
    let f = fixture();
    let it = &f.items;
    f.push(&f.s.alice, "dev-a", vec![(1, f.create("Kept")), (2, add(&[&it[0], &it[1]], &["a0", "a1"], &[1, 1]))]).await;
    let (_, cookie) = f.pull_all(&f.s.bob, "dev-bob", 0).await;
    // Every way a removal is recorded: a remove, a remove that saw a longer history, an editor's
    // refused add (length 0), a refused create (only its creator hears of it), a collection
    // deleted for good. A viewer's refused add records nothing.
    f.push(&f.s.alice, "dev-a", vec![(3, remove(&[&it[0]], &[2])), (4, remove(&[&it[1]], &[4]))]).await;
    let r = f.push(&f.s.bob, "dev-bob", vec![(1, add(&[&it[2]], &["a2"], &[]))]).await;
    assert_eq!(refusals(&r), [(1, "forbidden".to_string())]);
    let r = f.push(&f.s.alice, "dev-a", vec![(5, add(&[&it[2]], &["a2"], &[2]))]).await;
    assert_eq!(refusals(&r), [(5, "invalid_input".to_string())]);
    let c2 = "0c1a0000-0000-4000-8000-000000000002";
    let r = f
        .push(&f.s.carol, "dev-c", vec![(1, json!({"name": "create_collection", "args": {"collection": c2, "project": f.project, "hex_id": "0123456789abcdef0123456f", "title": "Kept", "description": "", "private": false, "theme": "pink"}}))])
        .await;
    assert_eq!(refusals(&r), [(1, "conflict".to_string())]);
    let gone = f.s.collection("Gone", false).await;
    f.hard_delete(&gone).await;

    // A day's window keeps all of it: a device that pulled before is not reset and hears of each.
    let pruned = f.prune(1);
    assert_eq!((pruned.tombstones, pruned.clocks, pruned.mark), (0, 0, 0), "{pruned}");
    assert!(pruned.to_string().starts_with("nothing to prune"), "{pruned}");
    let page = f.pull(&f.s.bob, "dev-bob", cookie, 100).await;
    assert_eq!(page["reset"], false);
    let mut want = vec![(it[0].clone(), 2), (it[1].clone(), 4), (it[2].clone(), 0)];
    want.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(titles_and_pairs(&page).1, want);
    let mut deleted: Vec<&str> = page["deleted_collections"].as_array().unwrap().iter().map(|u| u.as_str().unwrap()).collect();
    deleted.sort();
    assert_eq!(deleted, [gone["uuid"].as_str().unwrap()], "the refused create was carol's, not bob's");
    // Pruning everything removes exactly those (present memberships stay) and says so.
    let pruned = f.prune(0);
    assert_eq!((pruned.tombstones, pruned.clocks), (2, 3), "{pruned}");
    assert!(pruned.to_string().starts_with("removed 2 tombstones of deleted collections and 3 clocks of removed memberships"), "{pruned}");
    assert_eq!(f.members().await, Vec::<usize>::new());
}

fn set(numbers: &[i64]) -> String {
    trove_protocol::itemset::ItemSet::encode(numbers).as_str().to_string()
}

fn add_set(items: &str, key: &str, first: u32) -> Value {
    json!({"name": "add_item_set", "args": {"collection": C1, "items": items, "key": key, "first": first}})
}

#[tokio::test]
async fn a_bulk_set_names_items_by_number_and_hostile_sets_change_nothing() {
    let f = fixture();
    let it = &f.items;
    assert!(refusals(&f.push(&f.s.alice, "dev-a", vec![(1, f.create("Bulk"))]).await).is_empty());
    // The project's items are numbered 1..=5 in the order they arrived; 99 names nothing.
    let (all, _) = f.pull_all(&f.s.carol, "dev-c", 0).await;
    let numbers: Vec<u64> = all["items"].as_array().unwrap().iter().map(|i| i["no"].as_u64().unwrap()).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5]);
    let r = f.push(&f.s.alice, "dev-a", vec![(2, add_set(&set(&[4, 2, 99]), "a0", 7))]).await;
    assert!(refusals(&r).is_empty());
    assert_eq!(f.members().await, [3, 1], "in the set's order");
    let (all, _) = f.pull_all(&f.s.carol, "dev-c", 0).await;
    let keys: Vec<(String, Value)> = pairs(&all).into_iter().map(|(item, _, key)| (item, key)).collect();
    let mut want = vec![(it[3].clone(), json!("a000000007V")), (it[1].clone(), json!("a000000008V"))];
    want.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(keys, want, "each key is the base and the item's rank");

    // Malformed, oversized or contradictory sets from an editor: each refused as invalid input,
    // with a short message, and the collection and tags as they were.
    let huge = "A".repeat(trove_protocol::itemset::TEXT_MAX + 4);
    let r = f
        .push(&f.s.alice, "dev-a", vec![
            (3, add_set("!!not base64", "a0", 0)),
            (4, add_set(&set(&[1, 1]), "a0", 0)),
            (5, add_set(&set(&[1]), "a00", 0)),
            (6, add_set(&set(&[1, 2]), "a0", trove_protocol::position::RANK_MAX)),
            (7, add_set(&huge, "a0", 0)),
            (8, json!({"name": "tag_item_set", "args": {"project": f.project, "items": set(&[1]), "tags": ["bad\u{7}"]}})),
            (9, json!({"name": "remove_item_set", "args": {"collection": C1, "items": ""}})),
        ])
        .await;
    assert_eq!(refusals(&r), (3..=8).map(|id| (id, "invalid_input".to_string())).collect::<Vec<_>>(), "an empty set is a no-op");
    for rejected in r.body["rejected"].as_array().unwrap() {
        assert!(rejected["error"]["message"].as_str().unwrap().len() < 300, "{rejected}");
    }
    assert_eq!(f.members().await, [3, 1]);
    // (An editor's refused writes re-send the rows they named, so that the app's optimistic
    // copy is undone: item 1's absent pair and its tags.)
    let (_, cookie) = f.pull_all(&f.s.carol, "dev-c", 0).await;

    // Someone without a role, and a viewer: refused, and nothing is re-sent to anyone.
    let r = f
        .push(&f.s.mallory, "dev-m", vec![
            (1, json!({"name": "remove_item_set", "args": {"collection": C1, "items": set(&[4])}})),
            (2, json!({"name": "tag_item_set", "args": {"project": f.project, "items": set(&[1, 2]), "tags": ["x"]}})),
        ])
        .await;
    let codes: Vec<String> = refusals(&r).into_iter().map(|(_, code)| code).collect();
    assert_eq!(codes, ["not_found", "not_found"], "{:?}", r.body);
    assert!(!r.body.to_string().contains(&it[0]), "a refusal names no item");
    let r = f.push(&f.s.bob, "dev-bob", vec![(1, add_set(&set(&[5]), "a9", 0))]).await;
    assert_eq!(refusals(&r), [(1, "forbidden".to_string())]);
    let r = f.s.call(Method::POST, "/api/v1/sync/push", None, Some(json!({"client_id": "x", "mutations": [{"id": 1, "mutation": add_set(&set(&[5]), "a9", 0)}]}))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(f.members().await, [3, 1]);
    let page = f.pull(&f.s.carol, "dev-c", cookie, 100).await;
    assert_eq!((page["memberships"].clone(), page["items"].clone()), (json!([]), json!([])));
}
