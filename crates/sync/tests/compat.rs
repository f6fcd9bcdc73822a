//! The cross-API test of issue 11: one collection made through the Hugging Face API and one
//! through the Supervisely API, each then edited through the other, on the real `trove-server`
//! binary. Both must show the same members, in the same order, with the same notes, in the
//! native API and in an app database synced with `trove-sync` — one model underneath, every
//! edit through the one rulebook.

mod common;

use common::World;
use serde_json::{json, Value};

struct Apis {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Apis {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method.clone(), format!("{}{path}", self.base)).bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// A Supervisely method (`POST /public/api/v3/{method}`), with the token as the SDK sends it.
    async fn sly(&self, method: &str, body: Value) -> Value {
        let res = self.http.post(format!("{}/public/api/v3/{method}", self.base)).header("x-api-key", &self.token).json(&body).send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        assert_eq!(status, 200, "{method}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// Item names of a collection in order, with notes, as the native API lists them.
    async fn native_members(&self, slug: &str) -> Vec<(String, String)> {
        let page = self.call(reqwest::Method::GET, &format!("/api/v1/collections/{slug}/items"), None).await;
        page["items"].as_array().unwrap().iter().map(|m| (m["name"].as_str().unwrap().to_string(), m["note"].as_str().unwrap_or("").to_string())).collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collection_from_either_api_is_the_same_collection_everywhere() {
    let world = World::new();
    let api = Apis { http: reqwest::Client::new(), base: world.direct_url(), token: world.tokens["alice"].clone() };
    use reqwest::Method;

    // Through Hugging Face: a collection of three models (registered in lab's Hub project).
    let hf = api.call(Method::POST, "/api/collections", Some(json!({"title": "From HF", "namespace": "lab", "private": false}))).await;
    let hf_slug = hf["slug"].as_str().unwrap().to_string();
    for id in ["lab/m-a", "lab/m-b", "lab/m-c"] {
        api.call(Method::POST, &format!("/api/collections/{hf_slug}/items"), Some(json!({"item": {"id": id, "type": "model"}}))).await;
    }

    // lab's Hub project (where the items were registered) and its items, as Supervisely sees them.
    let projects = api.call(Method::GET, "/api/v1/projects", None).await;
    let hub = projects.as_array().unwrap().iter().find(|p| p["namespace"] == "lab" && p["kind"] == "hub").unwrap_or_else(|| panic!("lab's Hub project in {projects}"))["id"].as_i64().unwrap();
    let images = api.sly("images.list", json!({"projectId": hub, "datasetId": null, "filter": [], "sort": "id", "sort_order": "asc"})).await;
    let id_of = |name: &str| images["entities"].as_array().unwrap().iter().find(|i| i["name"] == name).unwrap_or_else(|| panic!("{name} in {images}"))["id"].as_i64().unwrap();
    let (a, b, c) = (id_of("lab/m-a"), id_of("lab/m-b"), id_of("lab/m-c"));
    let collections = api.sly("entities-collections.list", json!({"projectId": hub, "filter": [], "type": "default", "sort": "id", "sort_order": "asc"})).await;
    let hf_id = collections["entities"].as_array().unwrap().iter().find(|c| c["name"] == "From HF").unwrap()["id"].as_i64().unwrap();

    // Supervisely edits the Hugging Face collection: removes m-b, renames it.
    let removed = api.sly("entities-collections.items.bulk.remove", json!({"collectionId": hf_id, "entityIds": [b]})).await;
    assert_eq!(removed["missing"], json!([]));
    api.sly("entities-collections.editInfo", json!({"id": hf_id, "name": "From HF, renamed"})).await;

    // Through Supervisely: a collection of m-c then m-a; Hugging Face moves m-a first and notes it.
    let sly = api.sly("entities-collections.add", json!({"projectId": hub, "name": "From SLY", "type": "default"})).await;
    let added = api.sly("entities-collections.items.bulk.add", json!({"collectionId": sly["id"], "entityIds": [c, a]})).await;
    assert_eq!(added["missing"], json!([]));
    let listed = api.call(Method::GET, "/api/collections?owner=lab", None).await;
    let sly_slug = listed.as_array().unwrap().iter().find(|c| c["title"] == "From SLY").unwrap()["slug"].as_str().unwrap().to_string();
    let got = api.call(Method::GET, &format!("/api/collections/{sly_slug}"), None).await;
    let m_a = got["items"].as_array().unwrap().iter().find(|i| i["id"] == "lab/m-a").unwrap()["_id"].as_str().unwrap().to_string();
    api.call(Method::PATCH, &format!("/api/collections/{sly_slug}/items/{m_a}"), Some(json!({"position": 0, "note": "moved by HF"}))).await;

    // The old HF slug still resolves, with the title Supervisely gave it.
    let renamed = api.call(Method::GET, &format!("/api/collections/{hf_slug}"), None).await;
    assert_eq!(renamed["title"], "From HF, renamed");
    let hf_slug = renamed["slug"].as_str().unwrap().to_string();

    // The native API.
    let want_hf = vec![("lab/m-a".to_string(), String::new()), ("lab/m-c".to_string(), String::new())];
    let want_sly = vec![("lab/m-a".to_string(), "moved by HF".to_string()), ("lab/m-c".to_string(), String::new())];
    assert_eq!(api.native_members(&hf_slug).await, want_hf);
    assert_eq!(api.native_members(&sly_slug).await, want_sly);

    // An app that downloads lab's Hub project (lab/Photos, the Hub list the world imported)
    // with trove-sync sees the same.
    let app = world.client("alice").await;
    let in_app = |title: &str| -> Vec<(String, String)> {
        app.store
            .read(|conn| {
                let mut stmt = conn.prepare(
                    "SELECT i.name, m.note FROM memberships m JOIN items i ON i.id = m.item_id JOIN collections c ON c.id = m.collection_id \
                     WHERE c.title = ?1 AND c.deleted_at IS NULL ORDER BY m.position, i.uuid",
                )?;
                let rows = stmt.query_map([title], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
                Ok(rows)
            })
            .unwrap()
    };
    assert_eq!(in_app("From HF, renamed"), want_hf);
    assert_eq!(in_app("From SLY"), want_sly);
}
