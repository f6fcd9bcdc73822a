//! Labeling queues through the real router: every route, every role's refusal with its exact
//! body, the live following of the collection (THE ONE RULE of `trove_protocol::queue`), the
//! counts always the sum of the statuses, and the status machine's conflict rules over push.
//!
//! Users (tests/common): alice admin of `lab` (the project's namespace), carol editor there,
//! bob a viewer of the project by a grant, mallory nobody in it.

mod common;

use axum::http::{Method, StatusCode};
use common::{error, Response, Server};
use serde_json::{json, Value};

const STATUSES: [&str; 5] = ["pending", "annotating", "done", "accepted", "rejected"];

async fn post(s: &Server, path: &str, token: &str, body: Value) -> Response {
    s.call(Method::POST, &format!("/api/v1{path}"), Some(token), Some(body)).await
}

async fn get(s: &Server, path: &str, token: &str) -> Response {
    s.call(Method::GET, &format!("/api/v1{path}"), Some(token), None).await
}

/// A collection (as alice) holding `items` (indexes into the test items); its JSON.
async fn collection(s: &Server, title: &str, items: &[usize]) -> Value {
    let c = s.collection(title, false).await;
    set_members(s, &c, items, true).await;
    c
}

async fn set_members(s: &Server, c: &Value, items: &[usize], add: bool) {
    let ids: Vec<i64> = items.iter().map(|k| s.items[*k]).collect();
    let verb = if add { "bulk-add" } else { "bulk-remove" };
    let r = post(s, &format!("/collections/{}/items/{verb}", c["slug"].as_str().unwrap()), &s.alice, json!({"items": ids})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
}

/// A queue over `c` made by carol: annotators bob and carol, reviewer alice.
async fn queue(s: &Server, c: &Value) -> Value {
    let r = post(
        s,
        &format!("/projects/{}/queues", s.project),
        &s.carol,
        json!({"collection": c["id"], "name": "Batch 1", "annotators": ["bob", "carol"], "reviewers": ["alice"], "tags": ["cat", "dog"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body
}

/// The counts of queue `id` as alice sees them, in [`STATUSES`] order, checked against the
/// items listed by each status and those the gallery filter "<status> in queue" matches.
async fn counts(s: &Server, id: i64) -> [u64; 5] {
    let q = get(s, &format!("/queues/{id}"), &s.alice).await;
    assert_eq!(q.status, StatusCode::OK, "{:?}", q.body);
    let mut out = [0; 5];
    for (k, st) in STATUSES.iter().enumerate() {
        out[k] = q.body["counts"][st].as_u64().unwrap();
        let listed = get(s, &format!("/queues/{id}/items?status={st}&limit=1000"), &s.alice).await;
        assert_eq!(listed.body["total"].as_u64().unwrap(), out[k], "{st}");
        assert_eq!(listed.body["items"].as_array().unwrap().len() as u64, out[k], "{st}");
        // The gallery's "queue status" filter (trove-filters' SQL) holds the same items.
        let filter = json!({"clauses": [{"cond": {"field": "queue", "id": id, "statuses": [st]}}]}).to_string();
        let r = get(s, &format!("/projects/{}/items?limit=1000&filter={}", s.project, urlencode(&filter)), &s.alice).await;
        let mut by_filter = ids(&r.body["items"]);
        let mut by_list = ids(&listed.body["items"]);
        by_filter.sort();
        by_list.sort();
        assert_eq!(by_filter, by_list, "the filter compiler agrees on {st}");
    }
    let all = get(s, &format!("/queues/{id}/items"), &s.alice).await;
    assert_eq!(all.body["total"].as_u64().unwrap(), out.iter().sum::<u64>(), "the counts are the sum of the statuses");
    out
}

fn ids(items: &Value) -> Vec<i64> {
    items.as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect()
}

fn refused(r: &Response, status: StatusCode) -> String {
    assert_eq!(r.status, status, "{:?}", r.body);
    error(r).1
}

#[tokio::test]
async fn a_queue_is_made_listed_and_read_with_its_counts_and_the_projects_people() {
    let s = Server::new();
    let c = collection(&s, "Batch", &[0, 1, 2]).await;
    let q = queue(&s, &c).await;
    let id = q["id"].as_i64().unwrap();
    assert_eq!((q["name"].as_str(), q["closed"].as_bool(), q["can_manage"].as_bool()), (Some("Batch 1"), Some(false), Some(true)));
    assert_eq!((q["collection_id"].clone(), q["collection_uuid"].clone(), q["created_by"].clone()), (c["id"].clone(), c["uuid"].clone(), json!("carol")));
    assert_eq!(q["tags"], json!(["cat", "dog"]));
    assert_eq!(q["counts"], json!({"pending": 3, "annotating": 0, "done": 0, "accepted": 0, "rejected": 0}));
    // Bob (a viewer) sees it and may annotate; he may not manage it.
    let r = get(&s, &format!("/queues/{id}"), &s.bob).await;
    assert_eq!((r.body["can_annotate"].as_bool(), r.body["can_review"].as_bool(), r.body["can_manage"].as_bool()), (Some(true), Some(false), Some(false)));
    let r = get(&s, &format!("/projects/{}/queues", s.project), &s.bob).await;
    assert_eq!(ids(&r.body), [id]);
    // By UUID too.
    let r = post(&s, &format!("/projects/{}/queues", s.project), &s.alice, json!({"collection": c["uuid"], "name": "By uuid"})).await;
    assert_eq!((r.status, r.body["collection_id"].clone()), (StatusCode::CREATED, c["id"].clone()));
    // Mallory cannot tell it exists: the same answer as an unknown id.
    let hidden = refused(&get(&s, &format!("/queues/{id}"), &s.mallory).await, StatusCode::NOT_FOUND);
    let missing = refused(&get(&s, "/queues/9999", &s.mallory).await, StatusCode::NOT_FOUND);
    assert_eq!(hidden.replace(&id.to_string(), "N"), missing.replace("9999", "N"));
    assert_eq!(missing, "queue 9999 does not exist");
    assert_eq!(get(&s, &format!("/projects/{}/queues", s.project), &s.mallory).await.status, StatusCode::NOT_FOUND);
    // The people who may work in a queue.
    let r = get(&s, &format!("/projects/{}/people", s.project), &s.bob).await;
    assert_eq!(r.body, json!([{"name": "alice", "role": "admin"}, {"name": "bob", "role": "viewer"}, {"name": "carol", "role": "editor"}]));
    assert_eq!(get(&s, &format!("/projects/{}/people", s.project), &s.mallory).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn creating_is_refused_with_a_sentence_and_changes_nothing() {
    let s = Server::new();
    let c = collection(&s, "Batch", &[0]).await;
    let other = post(&s, "/projects", &s.alice, json!({"namespace": "lab", "name": "Other", "kind": "image"})).await.body["id"].as_i64().unwrap();
    let path = format!("/projects/{}/queues", s.project);
    let p = s.project;
    let before = s.snapshot();
    let cases: Vec<(&str, Value, StatusCode, String)> = vec![
        (&s.bob, json!({"collection": c["id"], "name": "q"}), StatusCode::FORBIDDEN, format!("you have the viewer role in project {p}; this needs the editor role")),
        (&s.mallory, json!({"collection": c["id"], "name": "q"}), StatusCode::NOT_FOUND, format!("project {p} does not exist")),
        (&s.carol, json!({"collection": c["id"], "name": "q", "annotators": ["mallory"]}), StatusCode::BAD_REQUEST,
            format!("\"mallory\" has no role in project {p}; annotators must be people with a role in the project")),
        (&s.carol, json!({"collection": c["id"], "name": "q", "reviewers": ["nobody"]}), StatusCode::BAD_REQUEST,
            format!("\"nobody\" has no role in project {p}; reviewers must be people with a role in the project")),
        (&s.carol, json!({"collection": c["id"], "name": "q", "annotators": ["two words"]}), StatusCode::BAD_REQUEST,
            "user name \"two words\" is not valid; names are 1 to 64 characters without spaces".into()),
        (&s.carol, json!({"collection": c["id"], "name": "  "}), StatusCode::BAD_REQUEST, "the queue's name is empty; a queue needs a name".into()),
        (&s.carol, json!({"collection": c["id"], "name": "x".repeat(101)}), StatusCode::BAD_REQUEST, "the queue's name is 101 characters; at most 100 are allowed".into()),
        (&s.carol, json!({"collection": c["id"], "name": "q", "tags": vec!["t"; 51]}), StatusCode::BAD_REQUEST, "51 tag choices in one queue; at most 50 are allowed".into()),
        (&s.carol, json!({"collection": 424242, "name": "q"}), StatusCode::BAD_REQUEST, "collection 424242 does not exist".into()),
        (&s.carol, json!({"collection": "no-such-uuid", "name": "q"}), StatusCode::BAD_REQUEST, "collection \"no-such-uuid\" does not exist".into()),
        (&s.carol, json!({"name": "q"}), StatusCode::BAD_REQUEST, String::new()),
    ];
    for (token, body, status, message) in cases {
        let got = refused(&post(&s, &path, token, body.clone()).await, status);
        if !message.is_empty() {
            assert_eq!(got, message, "{body}");
        }
    }
    let got = refused(&post(&s, &format!("/projects/{other}/queues"), &s.alice, json!({"collection": c["id"], "name": "q"})).await, StatusCode::BAD_REQUEST);
    assert_eq!(got, format!("collection {} is not in project {other}; a queue follows a collection of its own project", c["id"]));
    let after = s.snapshot();
    let strip = |t: &str| t.lines().filter(|l| !l.starts_with("projects:") && !l.starts_with("counters:") && !l.starts_with("datasets:")).collect::<Vec<_>>().join("\n");
    assert_eq!(strip(&after), strip(&before), "refused creates changed nothing");
}

#[tokio::test]
async fn annotators_claim_and_submit_reviewers_decide_and_everyone_else_is_refused() {
    let s = Server::new();
    let c = collection(&s, "Batch", &[0, 1, 2]).await;
    let q = queue(&s, &c).await;
    let id = q["id"].as_i64().unwrap();
    let it = s.items.clone();
    let not_annotator = "you are not an annotator of queue \"Batch 1\"; only its annotators claim and submit items".to_string();
    let not_reviewer = "you are not a reviewer of queue \"Batch 1\"; only its reviewers accept and reject items".to_string();

    // Claims: in collection order, only what is pending; bounded.
    let r = post(&s, &format!("/queues/{id}/claim"), &s.bob, json!({"count": 2})).await;
    assert_eq!(ids(&r.body), [it[0], it[1]]);
    assert_eq!(r.body[0]["entry"], json!({"status": "annotating", "annotator": "bob", "submission": 0, "comment": "", "reviewer": null}));
    let r = post(&s, &format!("/queues/{id}/claim"), &s.carol, json!({"count": 5})).await;
    assert_eq!(ids(&r.body), [it[2]], "only one was still pending");
    assert_eq!(counts(&s, id).await, [0, 3, 0, 0, 0]);
    assert_eq!(refused(&post(&s, &format!("/queues/{id}/claim"), &s.alice, json!({"count": 1})).await, StatusCode::FORBIDDEN), not_annotator);
    assert_eq!(error(&post(&s, &format!("/queues/{id}/claim"), &s.alice, json!({"count": 1})).await).0, "forbidden");
    assert_eq!(refused(&post(&s, &format!("/queues/{id}/claim"), &s.mallory, json!({"count": 1})).await, StatusCode::NOT_FOUND), format!("queue {id} does not exist"));
    for n in [0, 501] {
        let m = refused(&post(&s, &format!("/queues/{id}/claim"), &s.bob, json!({"count": n})).await, StatusCode::BAD_REQUEST);
        assert_eq!(m, format!("count {n} is not valid; claim 1 to 500 items at once"));
    }

    // Submit: the holder's submission sets the tags and the labeled flag on the item itself.
    let r = post(&s, &format!("/queues/{id}/items/{}/submit", it[2]), &s.carol, json!({"add": ["dog"], "remove": []})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!((r.body["entry"]["status"].as_str(), r.body["entry"]["submission"].as_u64()), (Some("done"), Some(1)));
    assert_eq!((r.body["tags"].clone(), r.body["labels_count"].clone()), (json!(["dog"]), json!(1)));
    // Someone else's item: refused whole, naming who has it; its tags untouched.
    let m = refused(&post(&s, &format!("/queues/{id}/items/{}/submit", it[0]), &s.carol, json!({"add": ["zebra"]})).await, StatusCode::CONFLICT);
    assert_eq!(m, "bob has this item (annotating); your submission was not applied");
    assert_eq!(get(&s, &format!("/items/{}", it[0]), &s.alice).await.body["tags"], json!(["cat"]));
    assert_eq!(refused(&post(&s, &format!("/queues/{id}/items/{}/submit", it[0]), &s.alice, json!({})).await, StatusCode::FORBIDDEN), not_annotator);
    assert_eq!(refused(&post(&s, &format!("/queues/{id}/items/{}/submit", it[4]), &s.bob, json!({})).await, StatusCode::NOT_FOUND), "the item is not in queue \"Batch 1\"".to_string());
    assert_eq!(refused(&post(&s, &format!("/queues/{id}/items/424242/submit", ), &s.bob, json!({})).await, StatusCode::NOT_FOUND), "the item is not in queue \"Batch 1\"".to_string());
    let m = refused(&post(&s, &format!("/queues/{id}/items/{}/submit", it[0]), &s.bob, json!({"add": ["x".repeat(65)]})).await, StatusCode::BAD_REQUEST);
    assert!(m.starts_with("tag \"xxxxxxxxxxxxxxxxxxxx…\" is 65 characters"), "{m}");
    for k in [0, 1] {
        let r = post(&s, &format!("/queues/{id}/items/{}/submit", it[k]), &s.bob, json!({"add": ["cat"]})).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
    assert_eq!(counts(&s, id).await, [0, 0, 3, 0, 0]);

    // Review: only reviewers; each item at the submission the reviewer saw.
    let review = |items: Value, accept: bool, comment: &str| json!({"items": items, "accept": accept, "comment": comment});
    assert_eq!(refused(&post(&s, &format!("/queues/{id}/review"), &s.bob, review(json!([{"item": it[0], "submission": 1}]), true, "")).await, StatusCode::FORBIDDEN), not_reviewer);
    assert_eq!(post(&s, &format!("/queues/{id}/review"), &s.bob, review(json!([]), true, "")).await.body, json!({"applied": 0, "refused": []}), "nothing to decide");
    let r = post(&s, &format!("/queues/{id}/review"), &s.alice, review(json!([{"item": it[0], "submission": 1}, {"item": it[2], "submission": 1}]), true, "")).await;
    assert_eq!(r.body, json!({"applied": 2, "refused": []}));
    let r = post(&s, &format!("/queues/{id}/review"), &s.alice, review(json!([{"item": it[1], "submission": 1}]), false, "blurry")).await;
    assert_eq!(r.body["applied"], 1);
    assert_eq!(counts(&s, id).await, [0, 0, 0, 2, 1]);
    // A rejected item goes back to its annotator, with the comment; submitted again, an old
    // decision on it is stale.
    let r = get(&s, &format!("/queues/{id}/items?status=rejected"), &s.bob).await;
    assert_eq!(r.body["items"][0]["entry"], json!({"status": "rejected", "annotator": "bob", "submission": 1, "comment": "blurry", "reviewer": "alice"}));
    let m = refused(&post(&s, &format!("/queues/{id}/items/{}/submit", it[1]), &s.carol, json!({})).await, StatusCode::CONFLICT);
    assert_eq!(m, "bob has this item (rejected); your submission was not applied");
    assert_eq!(post(&s, &format!("/queues/{id}/items/{}/submit", it[1]), &s.bob, json!({"add": ["dog"]})).await.body["entry"]["submission"], 2);
    let r = post(&s, &format!("/queues/{id}/review"), &s.alice, review(json!([{"item": it[1], "submission": 1}, {"item": it[0], "submission": 1}, {"item": it[4], "submission": 1}]), true, "")).await;
    assert_eq!(
        r.body,
        json!({"applied": 0, "refused": [
            {"item": it[1], "code": "conflict", "message": "the item was submitted again since you saw it (submission 2, you reviewed 1); look at it again"},
            {"item": it[0], "code": "conflict", "message": "the item is accepted, not submitted; there is nothing to review"},
            {"item": it[4], "code": "not_found", "message": "the item is not in queue \"Batch 1\"".to_string()},
        ]})
    );
    let m = refused(&post(&s, &format!("/queues/{id}/review"), &s.alice, review(json!([]), true, &"c".repeat(501))).await, StatusCode::BAD_REQUEST);
    assert_eq!(m, "the comment is 501 characters; at most 500 are allowed");
    let many: Vec<Value> = (0..501).map(|_| json!({"item": it[0], "submission": 1})).collect();
    assert_eq!(refused(&post(&s, &format!("/queues/{id}/review"), &s.alice, review(json!(many), true, "")).await, StatusCode::BAD_REQUEST), "501 items in one review; at most 500 are allowed");
    assert_eq!(counts(&s, id).await, [0, 0, 1, 2, 0]);

    // Listing: paged and bounded.
    let r = get(&s, &format!("/queues/{id}/items?limit=1&offset=1"), &s.bob).await;
    assert_eq!((ids(&r.body["items"]), r.body["total"].as_u64()), (vec![it[1]], Some(3)));
    assert_eq!(refused(&get(&s, &format!("/queues/{id}/items?limit=0"), &s.bob).await, StatusCode::BAD_REQUEST), "page size 0 is not valid; ask for 1 to 1000 items per page");
    assert_eq!(get(&s, &format!("/queues/{id}/items?limit=1001"), &s.bob).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(get(&s, &format!("/queues/{id}/items?status=bogus"), &s.bob).await.status, StatusCode::BAD_REQUEST);

    // The gallery filter "accepted in queue Q", and a queue the caller cannot see is refused.
    let filter = |st: &str, q: i64| format!("/projects/{}/items?filter={}", s.project, urlencode(&json!({"clauses": [{"cond": {"field": "queue", "id": q, "statuses": [st]}}]}).to_string()));
    let r = get(&s, &filter("accepted", id), &s.bob).await;
    assert_eq!(ids(&r.body["items"]), [it[0], it[2]], "{:?}", r.body);
    assert_eq!(refused(&get(&s, &filter("accepted", 9999), &s.bob).await, StatusCode::NOT_FOUND), "queue 9999 does not exist");

    // Close: editors only; then nobody works in it, and its history stays.
    assert_eq!(refused(&post(&s, &format!("/queues/{id}/close"), &s.bob, json!({})).await, StatusCode::FORBIDDEN), format!("you have the viewer role in project {}; this needs the editor role", s.project));
    let r = post(&s, &format!("/queues/{id}/close"), &s.carol, json!({})).await;
    assert_eq!((r.status, r.body["closed"].as_bool(), r.body["can_annotate"].as_bool()), (StatusCode::OK, Some(true), Some(false)));
    assert_eq!(post(&s, &format!("/queues/{id}/close"), &s.carol, json!({})).await.status, StatusCode::OK, "closing twice is a no-op");
    let closed = "queue \"Batch 1\" is closed; nobody works in it any more".to_string();
    assert_eq!(refused(&post(&s, &format!("/queues/{id}/items/{}/submit", it[1]), &s.bob, json!({})).await, StatusCode::CONFLICT), closed);
    assert_eq!(refused(&post(&s, &format!("/queues/{id}/review"), &s.alice, review(json!([{"item": it[1], "submission": 2}]), true, "")).await, StatusCode::CONFLICT), closed);
    assert_eq!(counts(&s, id).await, [0, 0, 1, 2, 0]);
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[tokio::test]
async fn a_queue_follows_its_collection_live_and_keeps_history_when_it_is_removed() {
    let s = Server::new();
    let c = collection(&s, "Live", &[0, 1]).await;
    let id = queue(&s, &c).await["id"].as_i64().unwrap();
    let it = s.items.clone();
    assert_eq!(counts(&s, id).await, [2, 0, 0, 0, 0]);
    // Items added later join as pending.
    set_members(&s, &c, &[2, 3], true).await;
    assert_eq!(counts(&s, id).await, [4, 0, 0, 0, 0]);
    // Bob submits one, claims another, and one is rejected.
    post(&s, &format!("/queues/{id}/claim"), &s.bob, json!({"count": 3})).await;
    for k in [0, 1] {
        assert_eq!(post(&s, &format!("/queues/{id}/items/{}/submit", it[k]), &s.bob, json!({})).await.status, StatusCode::OK);
    }
    post(&s, &format!("/queues/{id}/review"), &s.alice, json!({"items": [{"item": it[1], "submission": 1}], "accept": false})).await;
    assert_eq!(counts(&s, id).await, [1, 1, 1, 0, 1]);
    // Removed items leave, unless done, accepted or rejected.
    set_members(&s, &c, &[0, 1, 2, 3], false).await;
    assert_eq!(counts(&s, id).await, [0, 0, 1, 0, 1]);
    // Back in the collection, an item is in the queue again with the status its entry says.
    set_members(&s, &c, &[2, 3], true).await;
    assert_eq!(counts(&s, id).await, [1, 1, 1, 0, 1]);
    // Removing the collection is never blocked: the queue closes, its history stays.
    let r = s.call(Method::DELETE, &format!("/api/v1/collections/{}", c["slug"].as_str().unwrap()), Some(&s.carol), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let q = get(&s, &format!("/queues/{id}"), &s.bob).await;
    assert_eq!((q.body["closed"].as_bool(), q.body["can_annotate"].as_bool()), (Some(true), Some(false)));
    assert_eq!(counts(&s, id).await, [0, 0, 1, 0, 1], "a closed queue holds only its history");
    let m = refused(&post(&s, &format!("/queues/{id}/claim"), &s.bob, json!({"count": 1})).await, StatusCode::CONFLICT);
    assert!(m.ends_with("is closed; nobody works in it any more"), "{m}");
    // For good too.
    let c2 = collection(&s, "Gone", &[4]).await;
    let id2 = queue(&s, &c2).await["id"].as_i64().unwrap();
    post(&s, &format!("/queues/{id2}/claim"), &s.bob, json!({"count": 1})).await;
    post(&s, &format!("/queues/{id2}/items/{}/submit", it[4]), &s.bob, json!({})).await;
    let r = s.call(Method::DELETE, &format!("/api/v1/collections/{}?hard=true", c2["slug"].as_str().unwrap()), Some(&s.carol), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(get(&s, &format!("/queues/{id2}"), &s.bob).await.body["closed"], true);
    assert_eq!(counts(&s, id2).await, [0, 0, 1, 0, 0]);
}

#[tokio::test]
async fn a_queue_over_a_private_collection_is_its_namespaces_only() {
    let s = Server::new();
    let c = s.collection("Secret", true).await;
    set_members(&s, &c, &[0], true).await;
    let r = post(&s, &format!("/projects/{}/queues", s.project), &s.alice, json!({"collection": c["id"], "name": "Hidden", "annotators": ["carol"]})).await;
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(refused(&get(&s, &format!("/queues/{id}"), &s.bob).await, StatusCode::NOT_FOUND), format!("queue {id} does not exist"));
    assert_eq!(ids(&get(&s, &format!("/projects/{}/queues", s.project), &s.bob).await.body), Vec::<i64>::new());
    assert_eq!(get(&s, &format!("/queues/{id}"), &s.carol).await.body["counts"]["pending"], 1);
    let (project, _) = s.uuids();
    let r = get(&s, &format!("/sync/pull?project={project}&client_id=bob-1&cookie=0&limit=1000"), &s.bob).await;
    assert_eq!(r.body["queues"], json!([]));
}

/// A push of `mutations` (ids from 1) as `token` from client `client`.
async fn push(s: &Server, token: &str, client: &str, mutations: Vec<Value>) -> Response {
    let mutations: Vec<Value> = mutations.into_iter().enumerate().map(|(k, m)| json!({"id": k + 1, "mutation": m})).collect();
    post(s, "/sync/push", token, json!({"client_id": client, "mutations": mutations})).await
}

async fn pull(s: &Server, token: &str, project: &str, cookie: i64) -> Value {
    get(s, &format!("/sync/pull?project={project}&client_id=x-1&cookie={cookie}&limit=1000"), token).await.body
}

#[tokio::test]
async fn over_push_the_first_submission_wins_whole_and_pulls_carry_queues_and_entries() {
    let s = Server::new();
    let (project, items) = s.uuids();
    let c = collection(&s, "Synced", &[0, 1, 2]).await;
    // A queue made offline by an editor's app, pushed.
    let qid = "9a9a0000-0000-4000-8000-000000000001";
    let create = json!({"name": "create_queue", "args": {"queue": qid, "project": project, "collection": c["uuid"], "name": "Offline",
        "annotators": ["bob", "carol"], "reviewers": ["alice"], "tags": ["cat"]}});
    let r = push(&s, &s.carol, "carol-1", vec![create]).await;
    assert_eq!(r.body["rejected"], json!([]), "{:?}", r.body);
    // Two annotators submit the same pending item offline: the first push wins whole.
    let submit = |tag: &str| json!({"name": "submit_item", "args": {"queue": qid, "item": items[0], "add": [tag]}});
    let r = push(&s, &s.bob, "bob-1", vec![submit("bobs")]).await;
    assert_eq!(r.body["rejected"], json!([]), "{:?}", r.body);
    let carols = pull(&s, &s.carol, &project, 0).await["cookie"].as_i64().unwrap();
    let r = post(&s, "/sync/push", &s.carol, json!({"client_id": "carol-1", "mutations": [
        {"id": 2, "mutation": {"name": "close_queue", "args": {"queue": "unknown-queue"}}},
        {"id": 3, "mutation": submit("carols")},
    ]})).await;
    assert_eq!(r.body["rejected"][0]["error"], json!({"code": "not_found", "message": "queue \"unknown-queue\" does not exist"}));
    assert_eq!(r.body["rejected"][1]["error"], json!({"code": "conflict", "message": "bob has this item (done); your submission was not applied"}));
    let item = get(&s, &format!("/items/{}", s.items[0]), &s.alice).await;
    assert_eq!(item.body["tags"], json!(["bobs", "cat"]), "the refused submission's tags are not applied");
    // Carol's app applied her submission optimistically: her next pull re-sends the entry and
    // the item as the server has them.
    let after = pull(&s, &s.carol, &project, carols).await;
    assert_eq!(after["queue_entries"][0]["annotator"], "bob", "{after}");
    assert_eq!(after["items"][0]["tags"], json!(["bobs", "cat"]));
    // Mallory cannot push into it, nor a viewer review.
    let r = push(&s, &s.mallory, "mallory-1", vec![json!({"name": "claim_items", "args": {"queue": qid, "items": [items[1]]}})]).await;
    assert_eq!(r.body["rejected"][0]["error"]["code"], "not_found");
    let r = push(&s, &s.bob, "bob-2", vec![json!({"name": "review_item", "args": {"queue": qid, "item": items[0], "submission": 1, "accept": true}})]).await;
    assert_eq!(r.body["rejected"][0]["error"]["code"], "forbidden");
    // A reviewer's decision on a stale submission is refused.
    let r = push(&s, &s.alice, "alice-1", vec![json!({"name": "review_item", "args": {"queue": qid, "item": items[0], "submission": 0, "accept": true}})]).await;
    assert_eq!(r.body["rejected"][0]["error"], json!({"code": "conflict", "message": "the item was submitted again since you saw it (submission 1, you reviewed 0); look at it again"}));

    // A full pull carries the queue (with its integer id) and the entry.
    let r = get(&s, &format!("/sync/pull?project={project}&client_id=bob-1&cookie=0&limit=1000"), &s.bob).await;
    let q = &r.body["queues"][0];
    let id = get(&s, &format!("/projects/{}/queues", s.project), &s.bob).await.body[0]["id"].clone();
    assert_eq!((q["uuid"].as_str(), q["id"].clone(), q["collection"].clone(), q["closed"].as_bool()), (Some(qid), id, c["uuid"].clone(), Some(false)));
    assert_eq!(r.body["queue_entries"], json!([{"queue": qid, "item": items[0], "status": "done", "annotator": "bob", "submission": 1, "comment": "", "reviewer": null}]));
    let cookie = r.body["cookie"].as_i64().unwrap();
    // Pages stay bounded: pulled two rows at a time, the same queues and entries arrive.
    let (mut queues, mut entries, mut at) = (Vec::new(), Vec::new(), 0);
    for _ in 0..200 {
        let page = get(&s, &format!("/sync/pull?project={project}&client_id=bob-1&cookie={at}&limit=2"), &s.bob).await.body;
        let rows = ["datasets", "items", "collections", "memberships", "queues", "queue_entries"].iter().map(|k| page[k].as_array().unwrap().len()).sum::<usize>();
        assert!(rows <= 2 || !page["more"].as_bool().unwrap(), "a page holds at most its limit");
        queues.extend(page["queues"].as_array().unwrap().iter().cloned());
        entries.extend(page["queue_entries"].as_array().unwrap().iter().cloned());
        at = page["cookie"].as_i64().unwrap();
        if !page["more"].as_bool().unwrap() {
            break;
        }
    }
    assert_eq!((json!(queues), json!(entries)), (r.body["queues"].clone(), r.body["queue_entries"].clone()));
    // Only what changed since: the refused stale review re-stamped the entry (alice's copy must
    // be replaced), then a claim.
    let r = post(&s, "/sync/push", &s.bob, json!({"client_id": "bob-1", "mutations": [{"id": 2, "mutation": {"name": "claim_items", "args": {"queue": qid, "items": [items[1], items[0]]}}}]})).await;
    assert_eq!(r.body["rejected"], json!([]), "{:?}", r.body);
    let r = get(&s, &format!("/sync/pull?project={project}&client_id=bob-1&cookie={cookie}&limit=1000"), &s.bob).await;
    let entries: Vec<(String, String)> = r.body["queue_entries"].as_array().unwrap().iter().map(|e| (e["item"].as_str().unwrap().to_string(), e["status"].as_str().unwrap().to_string())).collect();
    assert_eq!(entries, [(items[1].clone(), "annotating".to_string())]);
    // Deleting the collection closes the queue, and the pull says so.
    s.call(Method::DELETE, &format!("/api/v1/collections/{}", c["slug"].as_str().unwrap()), Some(&s.carol), None).await;
    let r = get(&s, &format!("/sync/pull?project={project}&client_id=bob-1&cookie={cookie}&limit=1000"), &s.bob).await;
    assert_eq!(r.body["queues"][0]["closed"], true);
}
