//! Uploads from the app ("Import folder…" in a synced project), through the router: the
//! thumbnail route and the `import_items` mutation, their role checks and bounds. The sync
//! scenario with the real binary and the app's engine is `crates/sync/tests/uploads.rs`.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{error, Server};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

fn png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(20, 10, |x, y| image::Rgb([x as u8 * 9, y as u8 * 20, 7]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// PUT /api/v1/sync/thumbnails/{hash}?project=… with `bytes`: (status, error code).
async fn put(s: &Server, token: &str, project: &str, hash: &str, bytes: Vec<u8>) -> (StatusCode, String) {
    upload(s, "thumbnails", token, project, hash, bytes).await
}

/// PUT /api/v1/sync/{kind}/{hash}?project=… with `bytes`: (status, error code).
async fn upload(s: &Server, kind: &str, token: &str, project: &str, hash: &str, bytes: Vec<u8>) -> (StatusCode, String) {
    let req = Request::builder()
        .method(Method::PUT)
        .uri(format!("/api/v1/sync/{kind}/{hash}?project={project}"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", if kind == "thumbnails" { "image/png" } else { "application/octet-stream" })
        .body(Body::from(bytes))
        .unwrap();
    let res = trove_server::app(s.state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let body: Value = serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap_or(Value::Null);
    (status, body["error"]["code"].as_str().unwrap_or("").to_string())
}

/// A new image project of org `lab` named `name`; its UUID.
fn image_project(s: &Server, name: &str) -> String {
    s.state
        .db
        .write(|tx| {
            let ns = trove_server::store::accounts::namespace_id(tx, "lab")?.unwrap();
            let p = trove_server::store::projects::insert(tx, ns, name, trove_protocol::ProjectKind::Image, "", false)?;
            Ok::<_, trove_server::error::Error>(tx.query_row("SELECT uuid FROM projects WHERE id = ?1", [p], |r| r.get::<_, String>(0))?)
        })
        .unwrap()
}

fn file(item: &str, name: &str, thumb: Option<&str>, content: &str) -> Value {
    json!({"item": item, "name": name, "kind": "image", "mime": "image/png", "width": 20, "height": 10, "size": 99,
           "created_at": 5, "thumb": thumb, "content": content})
}

async fn push(s: &Server, token: &str, client: &str, id: i64, m: Value) -> common::Response {
    s.call(Method::POST, "/api/v1/sync/push", Some(token), Some(json!({"client_id": client, "mutations": [{"id": id, "mutation": m}]}))).await
}

#[tokio::test]
async fn an_editor_uploads_thumbnails_and_others_see_them_once_an_item_names_them() {
    let s = Server::new();
    let (project, _) = s.uuids();
    let bytes = png();
    let h = hash(&bytes);
    assert_eq!(put(&s, &s.carol, &project, &h, bytes.clone()).await, (StatusCode::NO_CONTENT, String::new()));
    assert_eq!(put(&s, &s.carol, &project, &h, bytes.clone()).await.0, StatusCode::NO_CONTENT, "again: the same answer");
    // Stored, but nobody sees a thumbnail no item of theirs names.
    let get = |token: String| {
        let h = h.clone();
        let s = &s;
        async move { s.call(Method::GET, &format!("/api/v1/thumbnails/{h}"), Some(&token), None).await.status }
    };
    assert_eq!(get(s.carol.clone()).await, StatusCode::NOT_FOUND);

    let content = "ab".repeat(32);
    let m = json!({"name": "import_items", "args": {"project": project, "dataset": "d-new", "dataset_name": "Trip",
                   "items": [file("i-1", "day 1/beach.png", Some(&h), &content)]}});
    let r = push(&s, &s.carol, "app-1", 1, m.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["rejected"], json!([]));
    assert_eq!(get(s.carol.clone()).await, StatusCode::OK);
    assert_eq!(get(s.bob.clone()).await, StatusCode::OK, "a viewer of the project sees it");
    assert_eq!(get(s.mallory.clone()).await, StatusCode::NOT_FOUND);

    // The new dataset and item, as the native API lists them.
    let r = s.call(Method::GET, &format!("/api/v1/projects/{}/datasets", s.project), Some(&s.bob), None).await;
    let trip = r.body.as_array().unwrap().iter().find(|d| d["name"] == "Trip").expect("the dataset exists");
    assert_eq!((trip["uuid"].as_str(), trip["item_count"].as_i64()), (Some("d-new"), Some(1)));
    let r = s.call(Method::GET, &format!("/api/v1/projects/{}/items?filter=%7B%22clauses%22%3A%5B%5D%7D&limit=100", s.project), Some(&s.bob), None).await;
    let item = r.body["items"].as_array().unwrap().iter().find(|i| i["uuid"] == "i-1").unwrap().clone();
    assert_eq!((item["name"].as_str(), item["source"].as_str(), item["thumb"].as_str()), (Some("day 1/beach.png"), Some("upload:day 1/beach.png"), Some(h.as_str())));

    // A repeat of the import (another mutation id) changes nothing; a changed file updates the
    // item in place; a second dataset of the same name is the same dataset.
    let before = s.snapshot();
    let again = json!({"name": "import_items", "args": {"project": project, "dataset": "d-other", "dataset_name": "Trip",
                       "items": [file("i-1", "day 1/beach.png", Some(&h), &content)]}});
    assert_eq!(push(&s, &s.carol, "app-1", 2, again).await.body["rejected"], json!([]));
    let changed = |s: &str| s.lines().filter(|l| !l.contains("clients") && !l.contains("counters")).collect::<Vec<_>>().join("\n");
    assert_eq!(changed(&s.snapshot()), changed(&before), "nothing but the client's mutation id moved");
    let newer = "cd".repeat(32);
    let update = json!({"name": "import_items", "args": {"project": project, "dataset": "d-new", "dataset_name": "Trip",
                        "items": [file("i-1", "day 1/beach.png", Some(&h), &newer)]}});
    assert_eq!(push(&s, &s.carol, "app-1", 3, update).await.body["rejected"], json!([]));
    let n: i64 = s.state.db.read(|c| c.query_row("SELECT count(*) FROM items WHERE content = ?1", [&newer], |r| r.get(0))).unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn uploads_are_refused_to_those_who_may_not_import_and_for_bad_bytes() {
    let s = Server::new();
    let (project, items) = s.uuids();
    let bytes = png();
    let h = hash(&bytes);
    let before = s.snapshot();
    assert_eq!(put(&s, &s.bob, &project, &h, bytes.clone()).await, (StatusCode::FORBIDDEN, "forbidden".into()), "a viewer");
    assert_eq!(put(&s, &s.mallory, &project, &h, bytes.clone()).await, (StatusCode::NOT_FOUND, "not_found".into()), "no role: as if absent");
    assert_eq!(put(&s, &s.carol, "no-such-project", &h, bytes.clone()).await.0, StatusCode::NOT_FOUND);
    assert_eq!(put(&s, &s.carol, &project, "../../etc", bytes.clone()).await.0, StatusCode::NOT_FOUND, "not a route");
    assert_eq!(put(&s, &s.carol, &project, &"0".repeat(64), bytes.clone()).await, (StatusCode::BAD_REQUEST, "invalid_input".into()), "bytes of another hash");
    let text = b"not a picture".to_vec();
    assert_eq!(put(&s, &s.carol, &project, &hash(&text), text).await.0, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let mut big = png();
    big.resize(1024 * 1024 + 1, 0);
    assert_eq!(put(&s, &s.carol, &project, &hash(&big), big).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(!s.dir.path().join("thumbs").join(&h[..2]).join(&h).exists(), "nothing stored");
    assert_eq!(s.snapshot(), before);

    // The import itself: a viewer's is refused, and so is a UUID of another project's item.
    let content = "ab".repeat(32);
    let m = |item: &str| json!({"name": "import_items", "args": {"project": project, "dataset": "d", "dataset_name": "X", "items": [file(item, "x.png", None, &content)]}});
    let r = push(&s, &s.bob, "bob-app", 1, m("i-9")).await;
    assert_eq!(r.body["rejected"][0]["error"]["code"], "forbidden");
    let other = s.state.db.write(|tx| {
        let ns = trove_server::store::accounts::namespace_id(tx, "lab")?.unwrap();
        let p = trove_server::store::projects::insert(tx, ns, "Other", trove_protocol::ProjectKind::Image, "", false)?;
        let d = trove_server::store::datasets::ensure(tx, p, "o")?;
        tx.execute("INSERT INTO items (uuid, hex_id, project_id, dataset_id, kind, name, mime, size, created_at, updated_at, source, identity) \
                    VALUES ('taken', 'aaaaaaaaaaaaaaaaaaaaaaaa', ?1, ?2, 'image', 't', 'image/png', 1, 0, 0, '', 'test:taken')", rusqlite::params![p, d])?;
        Ok::<_, trove_server::error::Error>(p)
    });
    other.unwrap();
    let r = push(&s, &s.carol, "carol-app", 1, m("taken")).await;
    assert_eq!(r.body["rejected"][0]["error"]["code"], "conflict", "{:?}", r.body);
    // An item of this project named by an import updates it (a file re-imported), never moves it.
    let r = push(&s, &s.carol, "carol-app", 2, m(&items[0])).await;
    assert_eq!(r.body["rejected"], json!([]));
    let (dataset, name): (String, String) = s.state.db.read(|c| c.query_row("SELECT d.name, i.name FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE i.uuid = ?1", [&items[0]], |r| Ok((r.get(0)?, r.get(1)?)))).unwrap();
    assert_eq!((dataset.as_str(), name.as_str()), ("a", "alpha.jpg"));
    // Bounds: too many files in one mutation.
    let many: Vec<Value> = (0..501).map(|k| file(&format!("n-{k}"), "x.png", None, &content)).collect();
    let r = push(&s, &s.carol, "carol-app", 3, json!({"name": "import_items", "args": {"project": project, "dataset": "d", "dataset_name": "X", "items": many}})).await;
    assert_eq!(r.body["rejected"][0]["error"]["message"], "501 items in one import_items; at most 500 are allowed");
}

/// PUT /api/v1/sync/originals/{hash}?project=… with `bytes`: (status, error code).
async fn put_original(s: &Server, token: &str, project: &str, hash: &str, bytes: Vec<u8>) -> (StatusCode, String) {
    upload(s, "originals", token, project, hash, bytes).await
}

#[tokio::test]
async fn originals_are_uploaded_for_imported_items_and_read_back_by_those_who_see_them() {
    let s = Server::new();
    let (project, _) = s.uuids();
    let original = png();
    let content = hash(&original);
    // Before its import is pushed, no item shows the content.
    assert_eq!(put_original(&s, &s.carol, &project, &content, original.clone()).await.0, StatusCode::NOT_FOUND);
    let m = json!({"name": "import_items", "args": {"project": project, "dataset": "d-o", "dataset_name": "Originals",
                   "items": [file("o-1", "raw/shot.png", None, &content)]}});
    assert_eq!(push(&s, &s.carol, "app-o", 1, m).await.body["rejected"], json!([]));
    assert_eq!(put_original(&s, &s.bob, &project, &content, original.clone()).await.0, StatusCode::FORBIDDEN, "a viewer");
    assert_eq!(put_original(&s, &s.carol, &project, &content, b"other bytes".to_vec()).await, (StatusCode::BAD_REQUEST, "invalid_input".into()));
    let tmp = s.dir.path().join("originals/tmp");
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "a refused upload leaves nothing");
    assert_eq!(put_original(&s, &s.carol, &project, &content, original.clone()).await, (StatusCode::NO_CONTENT, String::new()));
    assert_eq!(put_original(&s, &s.carol, &project, &content, original.clone()).await.0, StatusCode::NO_CONTENT, "again: a no-op");

    let id: i64 = s.state.db.read(|c| c.query_row("SELECT id FROM items WHERE uuid = 'o-1'", [], |r| r.get(0))).unwrap();
    let r = s.call(Method::GET, &format!("/api/v1/items/{id}/original"), Some(&s.bob), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.bytes, original);
    assert_eq!(r.headers["content-type"], "image/png");
    assert_eq!(r.headers["content-disposition"], "attachment; filename=\"shot.png\"");
    assert_eq!(s.call(Method::GET, &format!("/api/v1/items/{id}/original"), Some(&s.mallory), None).await.status, StatusCode::NOT_FOUND);
    let other = s.items[0];
    let r = s.call(Method::GET, &format!("/api/v1/items/{other}/original"), Some(&s.carol), None).await;
    assert_eq!((r.status, error(&r).1), (StatusCode::NOT_FOUND, format!("item {other} has no original on this server")));

    // Another project whose item names the same content does not get the file for knowing its
    // hash: its editor must send the bytes.
    let other = image_project(&s, "Elsewhere");
    let m = json!({"name": "import_items", "args": {"project": other, "dataset": "d-e", "dataset_name": "E",
                   "items": [file("e-1", "copy.png", None, &content)]}});
    assert_eq!(push(&s, &s.carol, "app-o", 2, m).await.body["rejected"], json!([]));
    let elsewhere: i64 = s.state.db.read(|c| c.query_row("SELECT id FROM items WHERE uuid = 'e-1'", [], |r| r.get(0))).unwrap();
    let r = s.call(Method::GET, &format!("/api/v1/items/{elsewhere}/original"), Some(&s.carol), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "the file is another project's");
    // The app's way to download it: by project and content, for readers of the project.
    let by_content = |p: &str| format!("/api/v1/sync/originals/{content}?project={p}");
    let r = s.call(Method::GET, &by_content(&project), Some(&s.bob), None).await;
    assert_eq!((r.status, r.bytes.as_slice()), (StatusCode::OK, original.as_slice()), "a viewer downloads it");
    assert_eq!(s.call(Method::GET, &by_content(&project), Some(&s.mallory), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(s.call(Method::GET, &by_content(&other), Some(&s.carol), None).await.status, StatusCode::NOT_FOUND, "not uploaded for that project");
    assert_eq!(put_original(&s, &s.carol, &other, &content, b"a claim, not the bytes".to_vec()).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(s.call(Method::GET, &format!("/api/v1/items/{elsewhere}/original"), Some(&s.carol), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(put_original(&s, &s.carol, &other, &content, original.clone()).await.0, StatusCode::NO_CONTENT);
    assert_eq!(s.call(Method::GET, &format!("/api/v1/items/{elsewhere}/original"), Some(&s.carol), None).await.bytes, original);

    // Beyond 64 MiB: refused while it streams, nothing kept.
    let m = json!({"name": "import_items", "args": {"project": project, "dataset": "d-o", "dataset_name": "Originals",
                   "items": [file("o-2", "raw/huge.png", None, &"ee".repeat(32))]}});
    assert_eq!(push(&s, &s.carol, "app-o", 3, m).await.body["rejected"], json!([]));
    let huge = vec![1u8; 64 * 1024 * 1024 + 1];
    assert_eq!(put_original(&s, &s.carol, &project, &"ee".repeat(32), huge).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
}

/// An imported item cannot borrow another project's thumbnail by its hash: it shows it only
/// once its own project's editor sent the bytes.
#[tokio::test]
async fn an_item_names_another_projects_thumbnail_only_after_uploading_it() {
    let s = Server::new();
    let (project, _) = s.uuids();
    let bytes = png();
    let h = hash(&bytes);
    assert_eq!(put(&s, &s.carol, &project, &h, bytes.clone()).await.0, StatusCode::NO_CONTENT);
    let content = "ab".repeat(32);
    let m = |p: &str, item: &str| json!({"name": "import_items", "args": {"project": p, "dataset": format!("d-{item}"), "dataset_name": "T",
                                         "items": [file(item, "t.png", Some(&h), &content)]}});
    assert_eq!(push(&s, &s.carol, "app-t", 1, m(&project, "t-1")).await.body["rejected"], json!([]));
    let other = image_project(&s, "Borrower");
    assert_eq!(push(&s, &s.carol, "app-t", 2, m(&other, "t-2")).await.body["rejected"], json!([]));
    let thumb = |uuid: &str| -> Option<String> { s.state.db.read(|c| c.query_row("SELECT thumb FROM items WHERE uuid = ?1", [uuid], |r| r.get(0))).unwrap() };
    assert_eq!(thumb("t-1").as_deref(), Some(h.as_str()));
    assert_eq!(thumb("t-2"), None, "a hash alone borrows nothing");
    // With the bytes sent for that project, the same import shows it.
    assert_eq!(put(&s, &s.carol, &other, &h, bytes).await.0, StatusCode::NO_CONTENT);
    assert_eq!(push(&s, &s.carol, "app-t", 3, m(&other, "t-2")).await.body["rejected"], json!([]));
    assert_eq!(thumb("t-2").as_deref(), Some(h.as_str()));
}
