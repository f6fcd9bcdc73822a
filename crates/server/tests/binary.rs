//! End to end against the real `trove-server` binary on 127.0.0.1: accounts and grants made
//! with the command line, a folder of images imported with `catalog import` while the server
//! runs, then a curator's session over HTTP (paging, thumbnails, collections, members, rename,
//! delete), what a viewer and a stranger may see, and a restart that loses nothing.
//!
//! Each test has its own data directory; the server listens on port 0 and the test reads the
//! port from the line the binary prints.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use common::process::{cli, run, Server};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A temporary directory with the server's data directory, an image folder and the server log.
struct Setup {
    root: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        Setup { root: tempfile::tempdir().unwrap() }
    }
    fn data(&self) -> PathBuf {
        self.root.path().join("data")
    }
    fn log(&self) -> PathBuf {
        self.root.path().join("server.log")
    }
    fn start(&self) -> Server {
        Server::start(&self.data(), &self.log())
    }
}

/// Writes `n` small, distinct images (PNG and JPEG, some in a subfolder) and returns their
/// file names.
fn write_images(dir: &Path, n: u32) -> Vec<String> {
    std::fs::create_dir_all(dir.join("more")).unwrap();
    let mut names = Vec::new();
    for k in 0..n {
        let (w, h) = (24 + k, 16 + 2 * k);
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 9 + k * 37) as u8, (y * 7 + k * 11) as u8, (k * 53) as u8]));
        let ext = if k % 3 == 0 { "jpg" } else { "png" };
        let name = format!("img-{k:02}.{ext}");
        let path = if k % 4 == 3 { dir.join("more").join(&name) } else { dir.join(&name) };
        img.save(&path).unwrap();
        names.push(name);
    }
    names.sort();
    names
}

/// Every page of a listing at `path` (which has a `?`), `limit` at a time, following cursors.
fn all_pages(s: &Server, path: &str, token: &str, limit: u32) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10_000 {
        let mut url = format!("{path}limit={limit}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page = s.expect(200, Method::GET, &url, token, None);
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= limit as usize, "{url}: a page of {} items", items.len());
        out.extend(items.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => {
                assert!(!items.is_empty(), "{url}: an empty page with a cursor");
                cursor = Some(c.to_string());
            }
            None => return out,
        }
    }
    panic!("{path}: the cursor never ends");
}

/// Percent-encodes a query parameter value.
fn encode(value: &str) -> String {
    value.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

fn ids(list: &[Value]) -> Vec<i64> {
    list.iter().map(|v| v["id"].as_i64().unwrap()).collect()
}

/// A collection's members in order as (item id, note), read `limit` at a time.
fn members(s: &Server, slug: &str, token: &str, limit: u32) -> Vec<(i64, String)> {
    all_pages(s, &format!("/api/v1/collections/{slug}/items?"), token, limit)
        .iter()
        .map(|m| (m["id"].as_i64().unwrap(), m["note"].as_str().unwrap_or_default().to_string()))
        .collect()
}

/// Everything a restart must keep: the project, its collections (with their fields) and each
/// collection's members in order with notes and positions, as alice sees them.
fn state_of(s: &Server, alice: &str, project: i64) -> Value {
    let p = s.expect(200, Method::GET, &format!("/api/v1/projects/{project}"), alice, None);
    let items = ids(&all_pages(s, &format!("/api/v1/projects/{project}/items?"), alice, 1000));
    let collections = s.expect(200, Method::GET, &format!("/api/v1/projects/{project}/collections"), alice, None);
    let mut out = Vec::new();
    for c in collections.as_array().unwrap() {
        let slug = c["slug"].as_str().unwrap();
        let m: Vec<Value> = all_pages(s, &format!("/api/v1/collections/{slug}/items?"), alice, 1000)
            .iter()
            .map(|m| json!([m["id"], m["note"], m["position"], m["membership_id"]]))
            .collect();
        out.push(json!({"collection": c, "members": m}));
    }
    json!({"project": p, "items": items, "collections": out})
}

#[test]
fn the_binary_serves_on_a_port_it_chose() {
    let setup = Setup::new();
    let s = setup.start();
    let (status, body) = s.call(Method::GET, "/api/v1/health", None, None);
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ok");
    let (status, body) = s.call(Method::GET, "/api/v1/openapi.json", None, None);
    assert_eq!(status, StatusCode::OK);
    assert!(body["paths"]["/collections/{namespace}/{slug}/items/bulk-add"].is_object(), "the OpenAPI document lists bulk add");
    let (status, body) = s.call(Method::GET, "/api/v1/projects", None, None);
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthorized");
    let (status, body) = s.call(Method::GET, "/nothing", None, None);
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    // A second server on the same data directory gets its own port.
    let other = setup.start();
    assert_ne!(other.url, s.url);
    assert_eq!(other.call(Method::GET, "/api/v1/health", None, None).0, StatusCode::OK);
}

#[test]
fn the_command_line_refuses_bad_commands_clearly() {
    let setup = Setup::new();
    let data = setup.data();
    let (ok, _, stderr) = run(&data, &["token", "create", "--user", "nobody"]);
    assert!(!ok);
    assert!(stderr.contains("user \"nobody\" does not exist"), "{stderr}");
    cli(&data, &["user", "add", "alice", "--org", "lab", "--role", "admin"]);
    let (ok, _, stderr) = run(&data, &["user", "add", "alice"]);
    assert!(!ok);
    assert!(stderr.contains("user \"alice\" exists already"), "{stderr}");
    let (ok, _, stderr) = run(&data, &["user", "add", "../etc"]);
    assert!(!ok);
    assert!(stderr.contains("user name \"../etc\" is not valid"), "{stderr}");
    let (ok, _, stderr) = run(&data, &["project", "grant", "--project", "lab/Nothing", "--user", "alice", "--role", "viewer"]);
    assert!(!ok);
    assert!(stderr.contains("\"lab/Nothing\" does not exist"), "{stderr}");
    let (ok, _, stderr) = run(&data, &["project", "grant", "--project", "lab/Nothing", "--user", "alice", "--role", "owner"]);
    assert!(!ok);
    assert!(stderr.contains("\"owner\" is not a role"), "{stderr}");
    let token = cli(&data, &["token", "create", "--user", "alice"]);
    assert!(token.starts_with("trove_") && !token.contains(char::is_whitespace), "{token:?}");
    // A token works over HTTP as soon as the command returns.
    let s = setup.start();
    let me = s.expect(200, Method::GET, "/api/v1/me", &token, None);
    assert_eq!(me["name"], "alice");
}

#[test]
fn demo_items_sizes_the_image_project_and_refuses_a_bad_size() {
    let setup = Setup::new();
    let data = setup.data();
    for (bad, message) in [("0", "demo size \"0\" is out of range"), ("lots", "\"lots\" is not a number"), ("5000001", "out of range")] {
        let (ok, _, stderr) = run(&data, &["demo", "--items", bad]);
        assert!(!ok && stderr.contains(message), "demo --items {bad}: {stderr}");
    }
    let report = cli(&data, &["demo", "--items", "4500"]);
    assert!(report.starts_with("created \"Demo: street and park photos\" (4500 images in city, park, night-drive)"), "{report}");
    let admin = cli(&data, &["token", "create", "--user", "admin"]);
    let s = setup.start();
    let projects = s.expect(200, Method::GET, "/api/v1/projects", &admin, None);
    let list = projects.as_array().or_else(|| projects["projects"].as_array()).unwrap();
    let images = list.iter().find(|p| p["name"] == "Demo: street and park photos").unwrap();
    assert_eq!(images["item_count"], 4500, "{images}");
}

#[test]
fn prune_forgets_old_sync_history_while_the_server_runs_and_refuses_a_bad_age() {
    let setup = Setup::new();
    let data = setup.data();
    cli(&data, &["user", "add", "alice", "--org", "lab", "--role", "admin"]);
    let alice = cli(&data, &["token", "create", "--user", "alice"]);
    let s = setup.start();
    let p = s.expect(201, Method::POST, "/api/v1/projects", &alice, Some(json!({"namespace": "lab", "name": "Photos", "kind": "image"})));
    let c = s.expect(201, Method::POST, &format!("/api/v1/projects/{}/collections", p["id"]), &alice, Some(json!({"title": "Gone"})));
    let pull = |cookie: i64| {
        let path = format!("/api/v1/sync/pull?project={}&client_id=dev-1&cookie={cookie}", p["uuid"].as_str().unwrap());
        s.expect(200, Method::GET, &path, &alice, None)
    };
    // A device synced before the collection is deleted for good, then stays away.
    let synced = pull(0)["cookie"].as_i64().unwrap();
    s.expect(204, Method::DELETE, &format!("/api/v1/collections/{}?hard=true", c["slug"].as_str().unwrap()), &alice, None);

    let report = cli(&data, &["prune", "--older-than-days", "0"]);
    assert!(report.starts_with("removed 1 tombstone of a deleted collection and 0 clocks of removed memberships last changed more than 0 days ago"), "{report}");
    // The running server answers from the pruned history at once: the device starts over.
    let page = pull(synced);
    assert_eq!((&page["reset"], &page["deleted_collections"]), (&json!(true), &json!([])), "{page}");
    assert_eq!(cli(&data, &["prune", "--older-than-days", "0"]), "nothing to prune: no tombstone, removed membership, refused change or collection history last changed more than 0 days ago");

    for (bad, message) in [("-1", "-1 days is negative"), ("soon", "\"soon\" is not a whole number of days")] {
        let (ok, _, stderr) = run(&data, &["prune", "--older-than-days", bad]);
        assert!(!ok, "prune --older-than-days {bad} succeeded");
        assert!(stderr.contains(message), "{stderr}");
        let (ok, _, stderr) = run(&data, &["serve", "--prune-days", bad]);
        assert!(!ok && stderr.contains(message), "{stderr}");
    }
}

#[test]
fn a_curators_session_end_to_end_survives_a_restart() {
    let setup = Setup::new();
    let data = setup.data();
    cli(&data, &["user", "add", "alice", "--org", "lab", "--role", "admin"]);
    cli(&data, &["user", "add", "bob"]);
    cli(&data, &["user", "add", "mallory"]);
    let alice = cli(&data, &["token", "create", "--user", "alice"]);
    let bob = cli(&data, &["token", "create", "--user", "bob"]);
    let mallory = cli(&data, &["token", "create", "--user", "mallory"]);
    let (alice, bob, mallory) = (alice.as_str(), bob.as_str(), mallory.as_str());

    let s = setup.start();
    let p = s.expect(201, Method::POST, "/api/v1/projects", alice, Some(json!({"namespace": "lab", "name": "Photos", "kind": "image"})));
    let project = p["id"].as_i64().unwrap();
    assert_eq!(p["namespace"], "lab");
    assert_eq!(p["role"], "admin");
    assert_eq!(p["item_count"], 0);

    // Import a folder while the server runs.
    let folder = setup.root.path().join("images");
    let files = write_images(&folder, 20);
    let report = cli(&data, &["catalog", "import", "--namespace", "lab", "--project", "Photos", "--dataset", "d", folder.to_str().unwrap()]);
    assert!(!report.is_empty(), "import reports what it did");

    // Items: every page, no duplicates, the right total.
    let items = all_pages(&s, &format!("/api/v1/projects/{project}/items?"), alice, 7);
    let item_ids = ids(&items);
    assert_eq!(item_ids.len(), 20, "items listed");
    assert_eq!(item_ids.iter().collect::<HashSet<_>>().len(), 20, "no item twice: {item_ids:?}");
    let listed: Vec<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "the default order is by name");
    // An item is named by its file (with its folder below the import root, or without).
    let mut file_names: Vec<&str> = listed.iter().map(|n| n.rsplit('/').next().unwrap()).collect();
    file_names.sort();
    assert_eq!(file_names, files, "one item per file");
    let p = s.expect(200, Method::GET, &format!("/api/v1/projects/{project}"), alice, None);
    assert_eq!(p["item_count"], 20);
    let datasets = s.expect(200, Method::GET, &format!("/api/v1/projects/{project}/datasets"), alice, None);
    assert_eq!(datasets.as_array().unwrap().len(), 1, "{datasets}");
    assert_eq!(datasets[0]["name"], "d");
    assert_eq!(datasets[0]["item_count"], 20);
    // Importing the same folder again adds nothing.
    cli(&data, &["catalog", "import", "--namespace", "lab", "--project", "Photos", "--dataset", "d", folder.to_str().unwrap()]);
    assert_eq!(s.expect(200, Method::GET, &format!("/api/v1/projects/{project}"), alice, None)["item_count"], 20, "a second import deduplicates");

    // A thumbnail: bytes with an ETag and a long cache; a revalidation is 304.
    for i in &items {
        assert!(i["thumb"].as_str().is_some_and(|h| h.len() == 64), "every imported image has a thumbnail: {i}");
    }
    let hash = items[0]["thumb"].as_str().unwrap();
    let res = s.request(Method::GET, &format!("/api/v1/thumbnails/{hash}"), Some(alice)).send().unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(etag, format!("\"{hash}\""));
    let cache = res.headers()["cache-control"].to_str().unwrap().to_string();
    assert!(cache.contains("max-age=") && cache.contains("immutable"), "{cache}");
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("image/"));
    let bytes = res.bytes().unwrap();
    image::load_from_memory(&bytes).expect("the thumbnail is an image");
    let res = s.request(Method::GET, &format!("/api/v1/thumbnails/{hash}"), Some(alice)).header("if-none-match", &etag).send().unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert!(res.bytes().unwrap().is_empty());

    // Collections.
    let colls = format!("/api/v1/projects/{project}/collections");
    let public = s.expect(201, Method::POST, &colls, alice, Some(json!({"title": "False positives", "description": "for relabeling", "theme": "blue"})));
    let private = s.expect(201, Method::POST, &colls, alice, Some(json!({"title": "Secret split", "private": true})));
    let pub_slug = public["slug"].as_str().unwrap().to_string();
    let priv_slug = private["slug"].as_str().unwrap().to_string();
    let hex = public["hex_id"].as_str().unwrap().to_string();
    assert_eq!(pub_slug, format!("lab/false-positives-{hex}"));
    assert_eq!(hex.len(), 24);
    assert_eq!(public["theme"], "blue");
    assert_eq!(private["private"], true);
    s.refused(409, "conflict", Method::POST, &colls, alice, Some(json!({"title": "false   POSITIVES!"})));

    // Members: bulk add with notes, single add, 409, exists_ok, order.
    let m = |slug: &str| format!("/api/v1/collections/{slug}/items");
    let first: Vec<i64> = item_ids[..6].to_vec();
    let out = s.expect(
        200,
        Method::POST,
        &format!("{}/bulk-add", m(&pub_slug)),
        alice,
        Some(json!({"items": first, "notes": {first[1].to_string(): "blurry", first[4].to_string(): "label is wrong"}})),
    );
    assert_eq!(out, json!({"added": first, "already": [], "missing": []}));
    let seventh = item_ids[6];
    let added = s.expect(201, Method::POST, &m(&pub_slug), alice, Some(json!({"item": seventh, "note": "crop"})));
    assert_eq!(added["id"], seventh);
    assert_eq!(added["note"], "crop");
    assert_eq!(added["added_by"], "alice");
    s.refused(409, "conflict", Method::POST, &m(&pub_slug), alice, Some(json!({"item": seventh})));
    let again = s.expect(200, Method::POST, &m(&pub_slug), alice, Some(json!({"item": seventh, "exists_ok": true})));
    assert_eq!(again["membership_id"], added["membership_id"]);
    let mut want: Vec<(i64, String)> = first.iter().map(|id| (*id, String::new())).collect();
    want[1].1 = "blurry".into();
    want[4].1 = "label is wrong".into();
    want.push((seventh, "crop".into()));
    assert_eq!(members(&s, &pub_slug, alice, 3), want, "members in the order added");

    // Move the last to the front, change a note.
    let moved = s.expect(200, Method::PATCH, &format!("{}/{seventh}", m(&pub_slug)), alice, Some(json!({"position": 0})));
    assert_eq!(moved["id"], seventh);
    let noted = s.expect(200, Method::PATCH, &format!("{}/{}", m(&pub_slug), first[1]), alice, Some(json!({"note": "very blurry"})));
    assert_eq!(noted["note"], "very blurry");
    let last = want.pop().unwrap();
    want.insert(0, last);
    want[2].1 = "very blurry".into();
    assert_eq!(members(&s, &pub_slug, alice, 2), want, "after the move and the note");

    // Bulk remove, with one id that is not a member.
    let out = s.expect(200, Method::POST, &format!("{}/bulk-remove", m(&pub_slug)), alice, Some(json!({"items": [first[2], first[3], 999_999]})));
    assert_eq!(out, json!({"removed": [first[2], first[3]], "not_members": [999_999]}));
    want.retain(|(id, _)| *id != first[2] && *id != first[3]);
    assert_eq!(members(&s, &pub_slug, alice, 100), want, "after the bulk remove");

    // Rename: a new slug, and the old one still resolves.
    let renamed = s.expect(200, Method::PATCH, &format!("/api/v1/collections/{pub_slug}"), alice, Some(json!({"title": "Hard negatives"})));
    let new_slug = renamed["slug"].as_str().unwrap().to_string();
    assert_eq!(new_slug, format!("lab/hard-negatives-{hex}"));
    let via_old = s.expect(200, Method::GET, &format!("/api/v1/collections/{pub_slug}"), alice, None);
    assert_eq!(via_old["slug"], new_slug.as_str());
    assert_eq!(via_old["title"], "Hard negatives");
    assert_eq!(members(&s, &pub_slug, alice, 100), want, "members through the old slug");
    assert_eq!(members(&s, &new_slug, alice, 100), want, "members through the new slug");

    // The private collection gets a few items too.
    let private_items: Vec<i64> = item_ids[10..13].to_vec();
    let out = s.expect(200, Method::POST, &format!("{}/bulk-add", m(&priv_slug)), alice, Some(json!({"items": private_items, "notes": {private_items[0].to_string(): "val"}})));
    assert_eq!(out["added"], json!(private_items));

    // Soft delete: gone from every route and the list; the title is free again. Hard delete too.
    let scratch = s.expect(201, Method::POST, &colls, alice, Some(json!({"title": "Scratch"})));
    let scratch_slug = scratch["slug"].as_str().unwrap().to_string();
    s.expect(201, Method::POST, &m(&scratch_slug), alice, Some(json!({"item": item_ids[0]})));
    s.expect(204, Method::DELETE, &format!("/api/v1/collections/{scratch_slug}"), alice, None);
    s.refused(404, "not_found", Method::GET, &format!("/api/v1/collections/{scratch_slug}"), alice, None);
    s.refused(404, "not_found", Method::GET, &m(&scratch_slug), alice, None);
    s.refused(404, "not_found", Method::DELETE, &format!("/api/v1/collections/{scratch_slug}"), alice, None);
    let again = s.expect(201, Method::POST, &colls, alice, Some(json!({"title": "Scratch"})));
    let again_slug = again["slug"].as_str().unwrap().to_string();
    assert_ne!(again_slug, scratch_slug);
    s.expect(204, Method::DELETE, &format!("/api/v1/collections/{again_slug}?hard=true"), alice, None);
    s.refused(404, "not_found", Method::GET, &format!("/api/v1/collections/{again_slug}"), alice, None);
    let listed = s.expect(200, Method::GET, &colls, alice, None);
    let mut slugs: Vec<&str> = listed.as_array().unwrap().iter().map(|c| c["slug"].as_str().unwrap()).collect();
    slugs.sort();
    let mut expected = vec![new_slug.as_str(), priv_slug.as_str()];
    expected.sort();
    assert_eq!(slugs, expected, "only the live collections are listed");
    let counts: Vec<(String, i64)> =
        listed.as_array().unwrap().iter().map(|c| (c["slug"].as_str().unwrap().to_string(), c["item_count"].as_i64().unwrap())).collect();
    assert!(counts.contains(&(new_slug.clone(), want.len() as i64)), "{counts:?}");
    assert!(counts.contains(&(priv_slug.clone(), 3)), "{counts:?}");

    // Roles: bob becomes a viewer of the project; mallory has no role.
    let before = state_of(&s, alice, project);
    s.refused(404, "not_found", Method::GET, &format!("/api/v1/projects/{project}"), bob, None);
    cli(&data, &["project", "grant", "--project", "lab/Photos", "--user", "bob", "--role", "viewer"]);
    check_viewer(&s, bob, project, &new_slug, (&priv_slug, private["id"].as_i64().unwrap()), &item_ids);
    check_stranger(&s, mallory, project, &new_slug, &priv_slug, &item_ids, hash);
    assert_eq!(state_of(&s, alice, project), before, "refused requests changed nothing");

    // Restart on the same data directory: everything is still there.
    drop(s);
    let s = setup.start();
    assert_eq!(state_of(&s, alice, project), before, "after a restart");
    assert_eq!(members(&s, &pub_slug, alice, 2), want, "the old slug and the order after a restart");
    let p = s.expect(200, Method::GET, &format!("/api/v1/projects/{project}"), bob, None);
    assert_eq!(p["role"], "viewer", "bob's grant after a restart");
    s.refused(404, "not_found", Method::GET, &format!("/api/v1/collections/{priv_slug}"), bob, None);
}

/// A viewer reads the project and its public collections; the private collection does not exist
/// for them on any route; every write is 403.
fn check_viewer(s: &Server, bob: &str, project: i64, public: &str, (private, private_id): (&str, i64), items: &[i64]) {
    let p = s.expect(200, Method::GET, &format!("/api/v1/projects/{project}"), bob, None);
    assert_eq!(p["role"], "viewer");
    let projects = s.expect(200, Method::GET, "/api/v1/projects", bob, None);
    assert!(projects.as_array().unwrap().iter().any(|p| p["id"] == project), "bob lists the project: {projects}");
    assert_eq!(all_pages(s, &format!("/api/v1/projects/{project}/items?"), bob, 1000).len(), items.len());
    s.expect(200, Method::GET, &format!("/api/v1/items/{}", items[0]), bob, None);
    let listed = s.expect(200, Method::GET, &format!("/api/v1/projects/{project}/collections"), bob, None);
    let slugs: Vec<&str> = listed.as_array().unwrap().iter().map(|c| c["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, [public], "bob sees the public collection only");
    s.expect(200, Method::GET, &format!("/api/v1/collections/{public}"), bob, None);
    s.expect(200, Method::GET, &format!("/api/v1/collections/{public}/items"), bob, None);
    // Nor can the private collection's members be found through a filter on it.
    let filter = json!({"clauses": [{"cond": {"field": "collection", "id": private_id}}]}).to_string();
    s.refused(404, "not_found", Method::GET, &format!("/api/v1/projects/{project}/items?filter={}", encode(&filter)), bob, None);

    let (a, b) = (items[15], items[16]);
    let member = items[10];
    let every_route = |slug: &str| -> Vec<(Method, String, Option<Value>)> {
        let c = format!("/api/v1/collections/{slug}");
        vec![
            (Method::GET, c.clone(), None),
            (Method::PATCH, c.clone(), Some(json!({"title": "Mine now"}))),
            (Method::DELETE, c.clone(), None),
            (Method::DELETE, format!("{c}?hard=true"), None),
            (Method::GET, format!("{c}/items"), None),
            (Method::POST, format!("{c}/items"), Some(json!({"item": a}))),
            (Method::POST, format!("{c}/items/bulk-add"), Some(json!({"items": [a, b]}))),
            (Method::POST, format!("{c}/items/bulk-remove"), Some(json!({"items": [member]}))),
            (Method::PATCH, format!("{c}/items/{member}"), Some(json!({"note": "mine"}))),
            (Method::DELETE, format!("{c}/items/{member}"), None),
        ]
    };
    for (method, path, body) in every_route(private) {
        s.refused(404, "not_found", method, &path, bob, body);
    }
    for (method, path, body) in every_route(public).into_iter().filter(|(m, _, _)| *m != Method::GET) {
        s.refused(403, "forbidden", method, &path, bob, body);
    }
    s.refused(403, "forbidden", Method::POST, &format!("/api/v1/projects/{project}/collections"), bob, Some(json!({"title": "Bob's"})));
    s.refused(403, "forbidden", Method::POST, &format!("/api/v1/projects/{project}/datasets"), bob, Some(json!({"name": "bob"})));
    s.refused(403, "forbidden", Method::POST, "/api/v1/projects", bob, Some(json!({"namespace": "lab", "name": "Bob's", "kind": "image"})));
}

/// A user with no role: the project and everything in it do not exist for them.
fn check_stranger(s: &Server, mallory: &str, project: i64, public: &str, private: &str, items: &[i64], thumb: &str) {
    let projects = s.expect(200, Method::GET, "/api/v1/projects", mallory, None);
    assert!(!projects.as_array().unwrap().iter().any(|p| p["id"] == project), "mallory does not list the project: {projects}");
    let p = format!("/api/v1/projects/{project}");
    let mut routes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, p.clone(), None),
        (Method::GET, format!("{p}/items"), None),
        (Method::GET, format!("{p}/datasets"), None),
        (Method::GET, format!("{p}/collections"), None),
        (Method::POST, format!("{p}/collections"), Some(json!({"title": "Mallory's"}))),
        (Method::POST, format!("{p}/datasets"), Some(json!({"name": "m"}))),
        (Method::GET, format!("/api/v1/items/{}", items[0]), None),
        (Method::GET, format!("/api/v1/thumbnails/{thumb}"), None),
    ];
    for slug in [public, private] {
        let c = format!("/api/v1/collections/{slug}");
        routes.extend([
            (Method::GET, c.clone(), None),
            (Method::PATCH, c.clone(), Some(json!({"private": false}))),
            (Method::DELETE, c.clone(), None),
            (Method::GET, format!("{c}/items"), None),
            (Method::POST, format!("{c}/items"), Some(json!({"item": items[0]}))),
            (Method::POST, format!("{c}/items/bulk-add"), Some(json!({"items": [items[0]]}))),
            (Method::POST, format!("{c}/items/bulk-remove"), Some(json!({"items": [items[10]]}))),
            (Method::PATCH, format!("{c}/items/{}", items[10]), Some(json!({"note": "x"}))),
            (Method::DELETE, format!("{c}/items/{}", items[10]), None),
        ]);
    }
    for (method, path, body) in routes {
        s.refused(404, "not_found", method, &path, mallory, body);
    }
}

/// `backup` while the server runs, `restore` only once it is stopped: a restore refuses what is
/// not one of its backups, keeps the database it replaces, brings back the backed-up rows and
/// starts a new era (the version jumps past the lost timeline, every cookie is a reset); the
/// health check answers for the database.
#[test]
fn backup_while_serving_and_restore_when_stopped() {
    let postgres = trove_server::testing::on_postgres();
    let setup = Setup::new();
    let data = setup.data();
    cli(&data, &["user", "add", "alice", "--org", "lab", "--role", "admin"]);
    let token = cli(&data, &["token", "create", "--user", "alice"]);
    let s = setup.start();
    let health = s.expect(200, Method::GET, "/api/v1/health", &token, None);
    assert_eq!((health["status"].as_str(), health["database"].as_str()), (Some("ok"), Some("ok")));
    s.expect(201, Method::POST, "/api/v1/projects", &token, Some(json!({"name": "Kept", "kind": "image", "namespace": "lab"})));
    let backup = data.parent().unwrap().join("nightly.db");
    let said = cli(&data, &["backup", "--to", backup.to_str().unwrap()]);
    assert!(said.starts_with("backed up ") && said.contains("nightly.db"), "{said}");
    let (ok, _, stderr) = run(&data, &["backup", "--to", backup.to_str().unwrap()]);
    assert!(!ok && stderr.contains("exists already; choose another file"), "{stderr}");
    s.expect(201, Method::POST, "/api/v1/projects", &token, Some(json!({"name": "Lost", "kind": "image", "namespace": "lab"})));
    let (ok, _, stderr) = run(&data, &["restore", "--from", backup.to_str().unwrap()]);
    assert!(!ok && stderr.contains("a trove-server is running on"), "{stderr}");
    drop(s);

    let text = data.parent().unwrap().join("notes.txt");
    std::fs::write(&text, "not a database").unwrap();
    let (ok, _, stderr) = run(&data, &["restore", "--from", text.to_str().unwrap()]);
    let refusal = if postgres { "pg_restore failed; the database is as it was" } else { "notes.txt is not a database" };
    assert!(!ok && stderr.contains(refusal), "{stderr}");
    if !postgres {
        let other = data.parent().unwrap().join("other.db");
        rusqlite::Connection::open(&other).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
        let (ok, _, stderr) = run(&data, &["restore", "--from", other.to_str().unwrap()]);
        assert!(!ok && stderr.contains("is not a trove-server backup; nothing was restored"), "{stderr}");
    }

    let said = cli(&data, &["restore", "--from", backup.to_str().unwrap()]);
    assert!(said.contains("apps download their copies afresh"), "{said}");
    if !postgres {
        assert!(said.contains("the database it replaced is kept as"), "{said}");
        let kept = std::fs::read_dir(&data).unwrap().filter_map(|e| e.ok()).filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with("trove-server.db.before-restore-") && !name.ends_with("-wal") && !name.ends_with("-shm")
        }).count();
        assert_eq!(kept, 1, "the replaced database is kept beside it");
    }
    let s = setup.start();
    let names: Vec<String> = s.expect(200, Method::GET, "/api/v1/projects", &token, None).as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(names, ["Kept"], "the backed-up rows, and not what came after");
    let url = trove_server::testing::database_url_for(&data);
    let (db, _) = trove_server::store::open(&data, url.as_deref()).unwrap();
    let (version, pruned): (i64, i64) = db
        .read(|c| c.query_row("SELECT (SELECT value FROM counters WHERE name = 'version'), (SELECT value FROM counters WHERE name = 'pruned')", [], |r| Ok((r.get(0)?, r.get(1)?))))
        .unwrap();
    assert!(version >= trove_server::backup::RESTORE_JUMP && pruned == version, "a new era: version {version}, mark {pruned}");
    assert_eq!(s.expect(200, Method::GET, "/api/v1/health", &token, None)["database"], "ok");
}
