//! Saved views through the real router: made, edited and deleted over sync push (delete wins),
//! carried by pulls, listed and read over the native API; a filter naming a deleted or hidden
//! collection still opens, without that clause and without revealing anything.
//!
//! Users (tests/common): alice admin of `lab`, carol editor there, bob a viewer of the project
//! by a grant, mallory nobody in it.

mod common;

use axum::http::{Method, StatusCode};
use common::{error, Response, Server};
use serde_json::{json, Value};

async fn get(s: &Server, path: &str, token: &str) -> Response {
    s.call(Method::GET, &format!("/api/v1{path}"), Some(token), None).await
}

async fn push(s: &Server, token: &str, client: &str, first: usize, mutations: Vec<Value>) -> Response {
    let mutations: Vec<Value> = mutations.into_iter().enumerate().map(|(k, m)| json!({"id": first + k, "mutation": m})).collect();
    let r = s.call(Method::POST, "/api/v1/sync/push", Some(token), Some(json!({"client_id": client, "mutations": mutations}))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r
}

fn tags(tag: &str) -> Value {
    json!({"clauses": [{"cond": {"field": "tags", "tags": [tag], "mode": "any"}}]})
}

fn create(view: &str, project: &str, name: &str, filter: &Value) -> Value {
    json!({"name": "create_view", "args": {"view": view, "project": project, "name": name, "filter": filter.to_string(), "sort": {"key": "size", "desc": true}}})
}

fn names(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn a_view_is_made_over_sync_listed_read_edited_and_deleted_for_good() {
    let s = Server::new();
    let (project, _) = s.uuids();
    let r = push(&s, &s.carol, "carol-1", 1, vec![create("view-cats", &project, "  Cats  ", &tags("cat"))]).await;
    assert_eq!(r.body["rejected"], json!([]));

    // Every reader of the project lists it and reads its items, in the view's sort.
    let listed = get(&s, &format!("/projects/{}/views", s.project), &s.bob).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body[0]["name"], "Cats", "the name is trimmed by the rulebook");
    assert_eq!(listed.body[0]["created_by"], "carol");
    assert_eq!(listed.body[0]["filter"], tags("cat"));
    let page = get(&s, "/views/view-cats/items", &s.bob).await;
    assert_eq!(names(&page.body), ["beta.png", "alpha.jpg"], "tagged cat, largest first");
    // Someone with no role in the project sees nothing of it.
    assert_eq!(get(&s, &format!("/projects/{}/views", s.project), &s.mallory).await.status, StatusCode::NOT_FOUND);
    let hidden = get(&s, "/views/view-cats/items", &s.mallory).await;
    assert_eq!(error(&hidden), ("not_found".into(), "view \"view-cats\" does not exist".into()));

    // A viewer may not make or edit one; the refusal says why.
    let r = push(&s, &s.bob, "bob-1", 1, vec![
        create("view-bob", &project, "Mine", &tags("dog")),
        json!({"name": "update_view", "args": {"view": "view-cats", "patch": {"name": "Bob's"}}}),
    ]).await;
    assert_eq!(r.body["rejected"].as_array().unwrap().len(), 2, "{:?}", r.body);
    assert_eq!(r.body["rejected"][0]["error"]["code"], "forbidden");

    // An edit is last-writer-wins per field, and pulls carry it.
    let before = get(&s, &format!("/sync/pull?project={project}&client_id=x-1&cookie=0&limit=1000"), &s.alice).await.body;
    assert_eq!(before["views"][0]["name"], "Cats");
    let cookie = before["cookie"].as_i64().unwrap();
    push(&s, &s.alice, "alice-1", 1, vec![json!({"name": "update_view", "args": {"view": "view-cats", "patch": {"filter": tags("dog").to_string()}}})]).await;
    push(&s, &s.carol, "carol-1", 2, vec![json!({"name": "update_view", "args": {"view": "view-cats", "patch": {"name": "Dogs"}}})]).await;
    let after = get(&s, &format!("/sync/pull?project={project}&client_id=x-1&cookie={cookie}&limit=1000"), &s.alice).await.body;
    let view = &after["views"][0];
    assert_eq!((view["name"].as_str(), view["filter"].as_str()), (Some("Dogs"), Some(tags("dog").to_string().as_str())));
    assert_eq!(names(&get(&s, "/views/view-cats/items", &s.bob).await.body), ["delta.jpg", "beta.png"]);

    // Delete wins: the pull says so, the view is gone from the API, and a later edit is a no-op.
    let cookie = after["cookie"].as_i64().unwrap();
    let r = push(&s, &s.carol, "carol-1", 3, vec![
        json!({"name": "delete_view", "args": {"view": "view-cats"}}),
        json!({"name": "update_view", "args": {"view": "view-cats", "patch": {"name": "Back"}}}),
        create("view-cats", &project, "Again", &tags("cat")),
    ]).await;
    assert_eq!(r.body["rejected"], json!([]));
    let gone = get(&s, &format!("/sync/pull?project={project}&client_id=x-1&cookie={cookie}&limit=1000"), &s.alice).await.body;
    assert_eq!((gone["views"][0]["deleted"].as_bool(), gone["views"][0]["name"].as_str()), (Some(true), Some("")));
    assert_eq!(get(&s, &format!("/projects/{}/views", s.project), &s.alice).await.body, json!([]));
    assert_eq!(get(&s, "/views/view-cats", &s.alice).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_filter_naming_a_deleted_or_hidden_collection_still_opens_and_reveals_nothing() {
    let s = Server::new();
    let (project, _) = s.uuids();
    let private = s.collection("Secret", true).await;
    let shared = s.collection("Shared", false).await;
    for (c, k) in [(&private, 0), (&shared, 3)] {
        let r = s.call(Method::POST, &format!("/api/v1/collections/{}/items/bulk-add", c["slug"].as_str().unwrap()), Some(&s.alice), Some(json!({"items": [s.items[k]]}))).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
    let in_c = |c: &Value| json!({"clauses": [{"cond": {"field": "collection", "id": c["uuid"]}}]});
    push(&s, &s.alice, "alice-1", 1, vec![create("view-secret", &project, "Secret ones", &in_c(&private)), create("view-shared", &project, "Shared ones", &in_c(&shared))]).await;

    assert_eq!(names(&get(&s, "/views/view-secret/items", &s.alice).await.body), ["alpha.jpg"]);
    // Bob may not see the private collection: the clause is left out, as if it named nothing.
    let bobs = get(&s, "/views/view-secret/items", &s.bob).await;
    assert_eq!(bobs.status, StatusCode::OK);
    assert_eq!(bobs.body["items"].as_array().unwrap().len(), 5);

    assert_eq!(names(&get(&s, "/views/view-shared/items", &s.bob).await.body), ["delta.jpg"]);
    let r = s.call(Method::DELETE, &format!("/api/v1/collections/{}", shared["slug"].as_str().unwrap()), Some(&s.alice), None).await;
    assert!(r.status.is_success(), "{:?}", r.body);
    let opened = get(&s, "/views/view-shared/items", &s.bob).await;
    assert_eq!(opened.status, StatusCode::OK, "a view whose collection was deleted still opens: {:?}", opened.body);
    assert_eq!(opened.body["items"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn bad_view_input_is_refused_with_a_sentence() {
    let s = Server::new();
    let (project, _) = s.uuids();
    let long = "v".repeat(65);
    let r = get(&s, &format!("/views/{long}/items"), &s.alice).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(error(&r).1.starts_with("view \"vvvv"), "{:?}", r.body);
    push(&s, &s.alice, "alice-1", 1, vec![create("view-1", &project, "One", &tags("cat"))]).await;
    assert_eq!(get(&s, "/views/view-1/items?limit=0", &s.alice).await.status, StatusCode::BAD_REQUEST);
    let r = push(&s, &s.alice, "alice-1", 2, vec![
        json!({"name": "create_view", "args": {"view": "view-2", "project": project, "name": "Big", "filter": format!("{{\"clauses\":[],\"x\":\"{}\"}}", "a".repeat(20_000)), "sort": {"key": "name"}}}),
        json!({"name": "create_view", "args": {"view": "view-3", "project": project, "name": "", "filter": "{}", "sort": {"key": "name"}}}),
        json!({"name": "update_view", "args": {"view": "view-1", "patch": {"filter": "[]"}}}),
    ]).await;
    let messages: Vec<&str> = r.body["rejected"].as_array().unwrap().iter().map(|r| r["error"]["message"].as_str().unwrap()).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages[0].contains("16 KiB") && messages[0].len() < 300, "{}", messages[0]);
    assert_eq!(messages[1], "view name is empty; give the view a name");
    assert!(messages[2].contains("list of clauses"), "{}", messages[2]);
}
