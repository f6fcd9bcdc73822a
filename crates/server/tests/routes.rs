//! Router-level tests: every route's happy path and its bad inputs, through the real router.

mod common;

use axum::http::{Method, StatusCode};
use common::{error, Server};
use serde_json::json;

#[tokio::test]
async fn health_needs_no_token() {
    let s = Server::new();
    let r = s.call(Method::GET, "/api/v1/health", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["status"], "ok");
    let r = s.call(Method::GET, "/api/v1/projects", None, Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error(&r).0, "unauthorized");
}

fn project_path(s: &Server, rest: &str) -> String {
    format!("/api/v1/projects/{}{rest}", s.project)
}

fn ids(v: &serde_json::Value) -> Vec<i64> {
    v.as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn me_names_the_user_and_their_namespaces() {
    let s = Server::new();
    let r = s.call(Method::GET, "/api/v1/me", Some(&s.alice), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["name"], "alice");
    assert_eq!(r.body["is_admin"], false);
    assert_eq!(
        r.body["namespaces"],
        json!([{"namespace": "alice", "kind": "user", "role": "admin"}, {"namespace": "lab", "kind": "org", "role": "admin"}])
    );
    // The same token works as `x-api-key` (how Supervisely clients send it).
    let r = s.raw(Method::GET, "/api/v1/me", None, None, &[("x-api-key", &s.bob)]).await;
    assert_eq!(r.body["name"], "bob");
}

#[tokio::test]
async fn projects_are_listed_created_and_read_by_role() {
    let s = Server::new();
    let names = |r: &common::Response| r.body.as_array().unwrap().iter().map(|p| format!("{}/{}:{}", p["namespace"].as_str().unwrap(), p["name"].as_str().unwrap(), p["role"].as_str().unwrap())).collect::<Vec<_>>();
    let r = s.call(Method::GET, "/api/v1/projects", Some(&s.alice), None).await;
    assert_eq!(names(&r), ["lab/Photos:admin"]);
    assert_eq!(r.body[0]["item_count"], 5);
    let r = s.call(Method::GET, "/api/v1/projects", Some(&s.bob), None).await;
    assert_eq!(names(&r), ["lab/Photos:viewer"], "a grant makes the project visible");
    let r = s.call(Method::GET, "/api/v1/projects", Some(&s.mallory), None).await;
    assert_eq!(names(&r), Vec::<String>::new());

    // Create in one's own namespace (the default) and in an org where one is an editor.
    let r = s.call(Method::POST, "/api/v1/projects", Some(&s.bob), Some(json!({"name": "Mine", "kind": "video"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!((r.body["namespace"].as_str(), r.body["kind"].as_str(), r.body["role"].as_str()), (Some("bob"), Some("video"), Some("admin")));
    assert_eq!(r.body["hex_id"].as_str().unwrap().len(), 24);
    let r = s.call(Method::POST, "/api/v1/projects", Some(&s.carol), Some(json!({"namespace": "lab", "name": "Videos", "kind": "video"}))).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = s.call(Method::POST, "/api/v1/projects", Some(&s.bob), Some(json!({"namespace": "lab", "name": "X", "kind": "image"}))).await;
    assert_eq!((r.status, error(&r).0.as_str()), (StatusCode::FORBIDDEN, "forbidden"));
    let r = s.call(Method::POST, "/api/v1/projects", Some(&s.carol), Some(json!({"namespace": "lab", "name": "Videos", "kind": "image"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    let r = s.call(Method::GET, &project_path(&s, ""), Some(&s.carol), None).await;
    assert_eq!((r.body["name"].as_str(), r.body["role"].as_str()), (Some("Photos"), Some("editor")));
    // Someone with no role cannot tell the project exists: the same answer as a missing id.
    let hidden = s.call(Method::GET, &project_path(&s, ""), Some(&s.mallory), None).await;
    let missing = s.call(Method::GET, "/api/v1/projects/999", Some(&s.mallory), None).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(error(&hidden).1.replace(&s.project.to_string(), "N"), error(&missing).1.replace("999", "N"));
    // The server admin sees everything.
    let r = s.call(Method::GET, &project_path(&s, ""), Some(&s.admin), None).await;
    assert_eq!(r.body["role"], "admin");
}

#[tokio::test]
async fn datasets_are_listed_with_counts_and_created_by_editors() {
    let s = Server::new();
    let r = s.call(Method::GET, &project_path(&s, "/datasets"), Some(&s.bob), None).await;
    let got: Vec<(String, i64)> = r.body.as_array().unwrap().iter().map(|d| (d["name"].as_str().unwrap().into(), d["item_count"].as_i64().unwrap())).collect();
    assert_eq!(got, [("a".to_string(), 3), ("b".to_string(), 2)]);
    let r = s.call(Method::POST, &project_path(&s, "/datasets"), Some(&s.carol), Some(json!({"name": "c"}))).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!((r.body["name"].as_str(), r.body["item_count"].as_i64()), (Some("c"), Some(0)));
    let r = s.call(Method::POST, &project_path(&s, "/datasets"), Some(&s.bob), Some(json!({"name": "d"}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = s.call(Method::POST, &project_path(&s, "/datasets"), Some(&s.mallory), Some(json!({"name": "d"}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn items_filter_sort_and_page_by_keyset_cursor() {
    let s = Server::new();
    let filter = urlencode(r#"{"clauses":[{"cond":{"field":"tags","tags":["cat"],"mode":"any"}}]}"#);
    let r = s.call(Method::GET, &project_path(&s, &format!("/items?filter={filter}")), Some(&s.bob), None).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let names: Vec<&str> = r.body["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["alpha.jpg", "beta.png"]);
    assert_eq!(r.body["items"][1]["tags"], json!(["cat", "dog"]));
    assert!(r.body["next_cursor"].is_null());
    // An excluded dataset, sorted by size descending.
    let a = s.state.db.read(|c| c.query_row("SELECT id FROM datasets WHERE name = 'a'", [], |r| r.get::<_, i64>(0))).unwrap();
    let filter = urlencode(&format!(r#"{{"clauses":[{{"negate":true,"cond":{{"field":"datasets","ids":[{a}]}}}}]}}"#));
    let r = s.call(Method::GET, &project_path(&s, &format!("/items?filter={filter}&sort=size&desc=true")), Some(&s.bob), None).await;
    let names: Vec<&str> = r.body["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["epsilon.jpg", "delta.jpg"]);

    // Walking every sort two items at a time gives the full order once, with no repeats.
    for (sort, want) in [
        ("name", vec![1, 2, 4, 5, 3]),
        ("size&desc=true", vec![5, 4, 3, 2, 1]),
        ("dataset", vec![1, 2, 3, 4, 5]),
        ("tags", vec![1, 2, 4, 3, 5]),
        ("dimensions", vec![1, 2, 3, 4, 5]),
    ] {
        let mut got = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let c = cursor.as_ref().map(|c| format!("&cursor={c}")).unwrap_or_default();
            let r = s.call(Method::GET, &project_path(&s, &format!("/items?limit=2&sort={sort}{c}")), Some(&s.alice), None).await;
            assert_eq!(r.status, StatusCode::OK, "{sort}: {:?}", r.body);
            got.extend(r.body["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()));
            match r.body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        let want: Vec<i64> = want.iter().map(|k| s.items[k - 1]).collect();
        assert_eq!(got, want, "sort {sort}");
    }
    // A cursor belongs to its order.
    let r = s.call(Method::GET, &project_path(&s, "/items?limit=2&sort=size"), Some(&s.alice), None).await;
    let c = r.body["next_cursor"].as_str().unwrap().to_string();
    let r = s.call(Method::GET, &project_path(&s, &format!("/items?limit=2&sort=name&cursor={c}")), Some(&s.alice), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // One item; hidden from someone without a role.
    let r = s.call(Method::GET, &format!("/api/v1/items/{}", s.items[0]), Some(&s.bob), None).await;
    assert_eq!((r.body["name"].as_str(), r.body["project_id"].as_i64()), (Some("alpha.jpg"), Some(s.project)));
    assert_eq!(r.body["uuid"].as_str().unwrap().len(), 36);
    let r = s.call(Method::GET, &format!("/api/v1/items/{}", s.items[0]), Some(&s.mallory), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[tokio::test]
async fn thumbnails_are_served_by_hash_with_caching_headers() {
    let s = Server::new();
    let hash = s.state.thumbs.put(b"\x89PNG\r\n\x1a\nfake").unwrap();
    let (item, h) = (s.items[0], hash.clone());
    s.state.db.write(move |tx| tx.execute("UPDATE items SET thumb = ?1 WHERE id = ?2", rusqlite::params![h, item])).unwrap();
    let path = format!("/api/v1/thumbnails/{hash}");
    let r = s.call(Method::GET, &path, Some(&s.bob), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.bytes, b"\x89PNG\r\n\x1a\nfake");
    assert_eq!(r.headers["content-type"], "image/png");
    assert_eq!(r.headers["etag"].to_str().unwrap(), format!("\"{hash}\""));
    assert!(r.headers["cache-control"].to_str().unwrap().contains("immutable"));
    let r = s.raw(Method::GET, &path, Some(&s.bob), None, &[("if-none-match", &format!("\"{hash}\""))]).await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    assert!(r.bytes.is_empty());
    // A thumbnail of a project one cannot see does not exist for them.
    let r = s.call(Method::GET, &path, Some(&s.mallory), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = s.call(Method::GET, &format!("/api/v1/thumbnails/{}", "0".repeat(64)), Some(&s.bob), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn collections_create_list_rename_and_keep_old_slugs() {
    let s = Server::new();
    let c = s.collection("False positives", false).await;
    let slug = c["slug"].as_str().unwrap().to_string();
    let hex = c["hex_id"].as_str().unwrap();
    assert_eq!(slug, format!("lab/false-positives-{hex}"));
    assert_eq!((c["theme"].as_str(), c["owner"].as_str(), c["item_count"].as_i64()), (Some("orange"), Some("alice"), Some(0)));

    let r = s.call(Method::GET, &format!("/api/v1/collections/{slug}"), Some(&s.bob), None).await;
    assert_eq!(r.body["title"], "False positives");
    // Rename: the slug changes, the old one still resolves to the same collection.
    let r = s.call(Method::PATCH, &format!("/api/v1/collections/{slug}"), Some(&s.carol), Some(json!({"title": "Hard negatives", "theme": "blue", "description": "for relabeling"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let new_slug = format!("lab/hard-negatives-{hex}");
    assert_eq!((r.body["slug"].as_str(), r.body["theme"].as_str()), (Some(new_slug.as_str()), Some("blue")));
    for path in [&slug, &new_slug, &format!("anything/at-all-{hex}")] {
        let r = s.call(Method::GET, &format!("/api/v1/collections/{path}"), Some(&s.bob), None).await;
        assert_eq!((r.status, r.body["slug"].as_str()), (StatusCode::OK, Some(new_slug.as_str())), "{path}");
    }
    // Viewers cannot change it.
    let r = s.call(Method::PATCH, &format!("/api/v1/collections/{slug}"), Some(&s.bob), Some(json!({"title": "Mine"}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The list has counts and the newest change first.
    s.collection("Train", false).await;
    let r = s.call(Method::GET, &project_path(&s, "/collections"), Some(&s.bob), None).await;
    let titles: Vec<&str> = r.body.as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Train", "Hard negatives"]);
}

#[tokio::test]
async fn private_collections_exist_only_for_their_namespace() {
    let s = Server::new();
    let c = s.collection("Secret", true).await;
    let slug = c["slug"].as_str().unwrap().to_string();
    let id = c["id"].as_i64().unwrap();
    let r = s.call(Method::GET, &format!("/api/v1/collections/{slug}"), Some(&s.carol), None).await;
    assert_eq!(r.status, StatusCode::OK, "a member of the namespace sees it");
    // bob (a viewer of the project from another namespace): not listed, 404 everywhere.
    let r = s.call(Method::GET, &project_path(&s, "/collections"), Some(&s.bob), None).await;
    assert_eq!(r.body, json!([]));
    let r = s.call(Method::GET, &format!("/api/v1/collections/{slug}"), Some(&s.bob), None).await;
    let hidden = error(&r);
    let r2 = s.call(Method::GET, &format!("/api/v1/collections/lab/nothing-{}", "a".repeat(24)), Some(&s.bob), None).await;
    assert_eq!((r.status, r2.status), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert!(!hidden.1.contains("Secret") && !hidden.1.contains("private"), "{hidden:?}");
    // A filter naming it cannot reveal its members either.
    let filter = urlencode(&format!(r#"{{"clauses":[{{"cond":{{"field":"collection","id":{id}}}}}]}}"#));
    let r = s.call(Method::GET, &project_path(&s, &format!("/items?filter={filter}")), Some(&s.bob), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn deleting_softly_hides_and_frees_the_title_hard_deletes_for_good() {
    let s = Server::new();
    let c = s.collection("Cats", false).await;
    let slug = c["slug"].as_str().unwrap().to_string();
    let (id, items) = (c["id"].as_i64().unwrap(), s.items.clone());
    let r = s.call(Method::POST, &format!("/api/v1/collections/{slug}/items/bulk-add"), Some(&s.alice), Some(json!({"items": items}))).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = s.call(Method::DELETE, &format!("/api/v1/collections/{slug}"), Some(&s.bob), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = s.call(Method::DELETE, &format!("/api/v1/collections/{slug}"), Some(&s.carol), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = s.call(Method::GET, &format!("/api/v1/collections/{slug}"), Some(&s.carol), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let kept: i64 = s.state.db.read(move |c| c.query_row("SELECT count(*) FROM memberships WHERE collection_id = ?1", [id], |r| r.get(0))).unwrap();
    assert_eq!(kept, 5, "a soft delete keeps the memberships");
    // The title is free again; a hard delete removes the row and its memberships.
    let again = s.collection("Cats", false).await;
    let slug2 = again["slug"].as_str().unwrap().to_string();
    let id2 = again["id"].as_i64().unwrap();
    s.call(Method::POST, &format!("/api/v1/collections/{slug2}/items/bulk-add"), Some(&s.alice), Some(json!({"items": [s.items[0]]}))).await;
    let r = s.call(Method::DELETE, &format!("/api/v1/collections/{slug2}?hard=true"), Some(&s.alice), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let left: (i64, i64) = s
        .state
        .db
        .read(move |c| c.query_row("SELECT (SELECT count(*) FROM collections WHERE id = ?1), (SELECT count(*) FROM memberships WHERE collection_id = ?1)", [id2], |r| Ok((r.get(0)?, r.get(1)?))))
        .unwrap();
    assert_eq!(left, (0, 0));
}

#[tokio::test]
async fn members_bulk_add_single_add_order_notes_and_remove() {
    let s = Server::new();
    let c = s.collection("Picks", false).await;
    let base = format!("/api/v1/collections/{}/items", c["slug"].as_str().unwrap());
    let it = s.items.clone();
    // An item of another project counts as missing, like an id that does not exist.
    let other = s.call(Method::POST, "/api/v1/projects", Some(&s.alice), Some(json!({"name": "Other", "kind": "image"}))).await;
    let other_project = other.body["id"].as_i64().unwrap();
    let foreign = s
        .state
        .db
        .write(move |tx| {
            let d = trove_server::store::datasets::ensure(tx, other_project, "x")?;
            let mut n = trove_server::store::items::NewItem {
                dataset: d, kind: trove_protocol::ItemKind::Image, name: "f.jpg".into(), mime: "image/jpeg".into(), width: None, height: None,
                size: 1, labels_count: 0, created_at: 0, thumb: None, source: "t".into(), identity: "t".into(), tags: vec![],
            };
            n.identity = "foreign".into();
            Ok::<_, trove_server::error::Error>(trove_server::store::items::insert(tx, other_project, &n)?.unwrap())
        })
        .unwrap();
    let r = s.call(Method::POST, &format!("{base}/bulk-add"), Some(&s.carol), Some(json!({"items": [it[2], it[0], 999_999, foreign, it[2]], "notes": {it[0].to_string(): "first look"}}))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body, json!({"added": [it[2], it[0]], "already": [], "missing": [999_999, foreign]}));
    let r = s.call(Method::POST, &format!("{base}/bulk-add"), Some(&s.carol), Some(json!({"items": [it[0], it[1]]}))).await;
    assert_eq!(r.body, json!({"added": [it[1]], "already": [it[0]], "missing": []}));

    // Single add: 201, then 409 on a duplicate, 200 with exists_ok.
    let r = s.call(Method::POST, &base, Some(&s.carol), Some(json!({"item": it[3], "note": "n4"}))).await;
    assert_eq!((r.status, r.body["note"].as_str(), r.body["id"].as_i64()), (StatusCode::CREATED, Some("n4"), Some(it[3])));
    assert_eq!(r.body["added_by"], "carol");
    let r = s.call(Method::POST, &base, Some(&s.carol), Some(json!({"item": it[3]}))).await;
    assert_eq!((r.status, error(&r).0.as_str()), (StatusCode::CONFLICT, "conflict"));
    let r = s.call(Method::POST, &base, Some(&s.carol), Some(json!({"item": it[3], "exists_ok": true}))).await;
    assert_eq!((r.status, r.body["note"].as_str()), (StatusCode::OK, Some("n4")));

    // Order is the order of adding; notes come along.
    let list = |r: &common::Response| r.body["items"].as_array().unwrap().iter().map(|m| (m["id"].as_i64().unwrap(), m["note"].as_str().unwrap().to_string())).collect::<Vec<_>>();
    let r = s.call(Method::GET, &base, Some(&s.bob), None).await;
    assert_eq!(list(&r), [(it[2], "".into()), (it[0], "first look".into()), (it[1], "".into()), (it[3], "n4".into())]);
    // Paged two at a time.
    let r1 = s.call(Method::GET, &format!("{base}?limit=2"), Some(&s.bob), None).await;
    let cursor = r1.body["next_cursor"].as_str().unwrap().to_string();
    let r2 = s.call(Method::GET, &format!("{base}?limit=2&cursor={cursor}"), Some(&s.bob), None).await;
    assert_eq!([list(&r1), list(&r2)].concat().iter().map(|x| x.0).collect::<Vec<_>>(), [it[2], it[0], it[1], it[3]]);
    assert!(r2.body["next_cursor"].is_null());

    // Move to an index (the others shift), clamp past the end, and set a note.
    let order = |r: &common::Response| r.body["items"].as_array().unwrap().iter().map(|m| m["id"].as_i64().unwrap()).collect::<Vec<_>>();
    let r = s.call(Method::PATCH, &format!("{base}/{}", it[3]), Some(&s.carol), Some(json!({"position": 0}))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(order(&s.call(Method::GET, &base, Some(&s.bob), None).await), [it[3], it[2], it[0], it[1]]);
    s.call(Method::PATCH, &format!("{base}/{}", it[3]), Some(&s.carol), Some(json!({"position": 2}))).await;
    assert_eq!(order(&s.call(Method::GET, &base, Some(&s.bob), None).await), [it[2], it[0], it[3], it[1]]);
    let r = s.call(Method::PATCH, &format!("{base}/{}", it[2]), Some(&s.carol), Some(json!({"position": 99, "note": "last"}))).await;
    assert_eq!(r.body["note"], "last");
    assert_eq!(order(&s.call(Method::GET, &base, Some(&s.bob), None).await), [it[0], it[3], it[1], it[2]]);
    let r = s.call(Method::PATCH, &format!("{base}/{}", it[4]), Some(&s.carol), Some(json!({"note": "x"}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "not a member");
    let r = s.call(Method::PATCH, &format!("{base}/{}", it[0]), Some(&s.bob), Some(json!({"note": "x"}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Bulk remove reports what was not there; single remove 404s unless missing_ok.
    let r = s.call(Method::POST, &format!("{base}/bulk-remove"), Some(&s.carol), Some(json!({"items": [it[0], it[4], it[0]]}))).await;
    assert_eq!(r.body, json!({"removed": [it[0]], "not_members": [it[4]]}));
    let r = s.call(Method::DELETE, &format!("{base}/{}", it[1]), Some(&s.carol), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = s.call(Method::DELETE, &format!("{base}/{}", it[1]), Some(&s.carol), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = s.call(Method::DELETE, &format!("{base}/{}?missing_ok=true", it[1]), Some(&s.carol), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = s.call(Method::GET, &project_path(&s, "/collections"), Some(&s.bob), None).await;
    assert_eq!(r.body[0]["item_count"], 2);
    assert_eq!(ids(&s.call(Method::GET, &base, Some(&s.bob), None).await.body["items"]), [it[3], it[2]]);
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_json() {
    let s = Server::new();
    let r = s.call(Method::GET, "/api/v1/nothing", Some(&s.alice), None).await;
    assert_eq!((r.status, error(&r).1.as_str()), (StatusCode::NOT_FOUND, "there is no route GET /api/v1/nothing"));
    let r = s.call(Method::PUT, "/api/v1/projects", Some(&s.alice), None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error(&r).0, "invalid_input");
}

#[tokio::test]
async fn openapi_documents_every_route_without_a_token() {
    let s = Server::new();
    let r = s.call(Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let paths = r.body["paths"].as_object().unwrap();
    let mut got: Vec<String> = paths
        .iter()
        .flat_map(|(p, ops)| ops.as_object().unwrap().keys().map(move |m| format!("{} {p}", m.to_uppercase())))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "DELETE /collections/{namespace}/{slug}",
            "DELETE /collections/{namespace}/{slug}/items/{item}",
            "GET /collections/{namespace}/{slug}",
            "GET /collections/{namespace}/{slug}/history",
            "GET /collections/{namespace}/{slug}/items",
            "GET /health",
            "GET /items/{item}",
            "GET /items/{item}/original",
            "GET /me",
            "GET /projects",
            "GET /projects/{project}",
            "GET /projects/{project}/collections",
            "GET /projects/{project}/datasets",
            "GET /projects/{project}/items",
            "GET /projects/{project}/people",
            "GET /projects/{project}/queues",
            "GET /projects/{project}/views",
            "GET /queues/{id}",
            "GET /queues/{id}/items",
            "GET /sync/originals/{hash}",
            "GET /sync/pull",
            "GET /thumbnails/{hash}",
            "GET /views/{view}",
            "GET /views/{view}/items",
            "PATCH /collections/{namespace}/{slug}",
            "PATCH /collections/{namespace}/{slug}/items/{item}",
            "POST /collections/{namespace}/{slug}/items",
            "POST /collections/{namespace}/{slug}/items/bulk-add",
            "POST /collections/{namespace}/{slug}/items/bulk-remove",
            "POST /projects",
            "POST /projects/{project}/collections",
            "POST /projects/{project}/datasets",
            "POST /projects/{project}/queues",
            "POST /queues/{id}/claim",
            "POST /queues/{id}/close",
            "POST /queues/{id}/items/{item}/submit",
            "POST /queues/{id}/review",
            "POST /sync/push",
            "PUT /sync/originals/{hash}",
            "PUT /sync/thumbnails/{hash}",
        ]
    );
    assert_eq!(r.body["servers"][0]["url"], "/api/v1");
    assert!(r.body["components"]["securitySchemes"]["bearer"].is_object());
    assert!(r.body["components"]["schemas"]["ErrorBody"].is_object());
    for schema in ["QueueInfo", "QueueCounts", "QueueEntry", "QueueItemsPage", "ReviewResult", "ViewInfo", "ChangesPage", "Change", "ChangeKind"] {
        assert!(r.body["components"]["schemas"][schema].is_object(), "{schema}");
    }
}
