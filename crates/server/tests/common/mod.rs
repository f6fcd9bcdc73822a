//! The router-level harness: a fresh server state in a temporary directory, a few users with
//! tokens, and `call(...)` that sends one request through the real router (no socket).
#![allow(dead_code)]

pub mod process;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use trove_protocol::api::Role;
use trove_server::store::{accounts, items, projects};
use trove_server::{AppState, Limits};

pub struct Server {
    pub dir: tempfile::TempDir,
    pub state: AppState,
    /// Admin of namespace `alice` (owner of the test project).
    pub alice: String,
    /// Editor in org `lab`, where the test project lives.
    pub carol: String,
    /// Viewer of the test project through a project grant; own namespace `bob`.
    pub bob: String,
    /// In another namespace with no role on the test project.
    pub mallory: String,
    /// The server admin.
    pub admin: String,
    /// Project `lab/Photos` (kind image) with datasets `a` (items 1..=3) and `b` (items 4..=5).
    pub project: i64,
    pub items: Vec<i64>,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
    pub bytes: Vec<u8>,
}

impl Server {
    pub fn new() -> Server {
        Self::with_limits(Limits::default())
    }

    pub fn with_limits(limits: Limits) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::open_with(dir.path(), trove_server::testing::database_url().as_deref(), limits).unwrap();
        let (tokens, project, items) = state
            .db
            .write(|tx| {
                accounts::ensure_admin(tx)?;
                accounts::add_user(tx, "alice", Some("lab"), Role::Admin, false)?;
                accounts::add_user(tx, "carol", Some("lab"), Role::Editor, false)?;
                accounts::add_user(tx, "bob", None, Role::Viewer, false)?;
                accounts::add_user(tx, "mallory", None, Role::Viewer, false)?;
                let tokens: Vec<String> = ["alice", "carol", "bob", "mallory", "admin"]
                    .iter()
                    .map(|u| accounts::create_token(tx, u))
                    .collect::<Result<_, _>>()?;
                let lab = accounts::namespace_id(tx, "lab")?.unwrap();
                let project = projects::insert(tx, lab, "Photos", trove_protocol::ProjectKind::Image, "", false)?;
                accounts::grant(tx, project, "bob", Role::Viewer)?;
                let a = trove_server::store::datasets::ensure(tx, project, "a")?;
                let b = trove_server::store::datasets::ensure(tx, project, "b")?;
                let mut ids = Vec::new();
                for (k, (dataset, name, tags)) in [
                    (a, "alpha.jpg", vec!["cat"]),
                    (a, "beta.png", vec!["cat", "dog"]),
                    (a, "gamma.jpg", vec![]),
                    (b, "delta.jpg", vec!["dog"]),
                    (b, "epsilon.jpg", vec![]),
                ]
                .into_iter()
                .enumerate()
                {
                    let new = items::NewItem {
                        dataset,
                        kind: trove_protocol::ItemKind::Image,
                        name: name.into(),
                        mime: "image/jpeg".into(),
                        width: Some(100 + k as u32),
                        height: Some(80),
                        size: 1000 * (k as u64 + 1),
                        labels_count: k as u32 % 2,
                        created_at: 1000 * k as i64,
                        thumb: None,
                        source: format!("test:{k}"),
                        identity: format!("test:{k}"),
                        tags: tags.into_iter().map(String::from).collect(),
                    };
                    ids.push(items::insert(tx, project, &new)?.unwrap());
                }
                Ok::<_, trove_server::error::Error>((tokens, project, ids))
            })
            .unwrap();
        Server {
            dir,
            state,
            alice: tokens[0].clone(),
            carol: tokens[1].clone(),
            bob: tokens[2].clone(),
            mallory: tokens[3].clone(),
            admin: tokens[4].clone(),
            project,
            items,
        }
    }

    /// The UUIDs of the test project and of its items (in id order), as sync names them.
    pub fn uuids(&self) -> (String, Vec<String>) {
        let p = self.project;
        self.state
            .db
            .read(move |c| {
                let project: String = c.query_row("SELECT uuid FROM projects WHERE id = ?1", [p], |r| r.get(0))?;
                let mut stmt = c.prepare("SELECT uuid FROM items WHERE project_id = ?1 ORDER BY id")?;
                let items = stmt.query_map([p], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
                Ok::<_, rusqlite::Error>((project, items))
            })
            .unwrap()
    }

    /// Sends one request through the router. `body` is sent as JSON when it is `Some`.
    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Response {
        let raw = body.map(|b| b.to_string());
        self.raw(method, path, token, raw.as_deref(), &[]).await
    }

    /// Sends a request with a raw body (sent as `application/json`) and extra headers.
    pub async fn raw(&self, method: Method, path: &str, token: Option<&str>, body: Option<&str>, headers: &[(&str, &str)]) -> Response {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(body.map(|b| Body::from(b.to_string())).unwrap_or_else(Body::empty)).unwrap();
        let res = trove_server::app(self.state.clone()).oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Response { status, headers, body, bytes }
    }

    /// Every row of every table, to prove that a refused request changed nothing.
    pub fn snapshot(&self) -> String {
        self.state
            .db
            .read(|c| {
                let mut out = String::new();
                let list = match c.backend() {
                    trove_server::db::Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
                    trove_server::db::Backend::Postgres => "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
                };
                let mut tables = c.prepare(list)?;
                let names: Vec<String> = tables.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
                for t in names {
                    let mut s = c.prepare(&format!("SELECT * FROM \"{t}\""))?;
                    let n = s.column_count();
                    let rows = s.query_map([], |r| {
                        (0..n).map(|k| r.get::<_, rusqlite::types::Value>(k).map(|v| format!("{v:?}"))).collect::<Result<Vec<_>, _>>()
                    })?;
                    for row in rows {
                        out.push_str(&format!("{t}: {}\n", row?.join(" | ")));
                    }
                }
                Ok::<_, rusqlite::Error>(out)
            })
            .unwrap()
    }

    /// Creates a collection in the test project as alice and returns its JSON.
    pub async fn collection(&self, title: &str, private: bool) -> Value {
        let r = self
            .call(Method::POST, &format!("/api/v1/projects/{}/collections", self.project), Some(&self.alice), Some(serde_json::json!({"title": title, "private": private})))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
        r.body
    }
}

/// The `code` and `message` of an error answer, asserting its shape.
pub fn error(r: &Response) -> (String, String) {
    let e = &r.body["error"];
    assert!(e.is_object(), "not an error body: {} {:?}", r.status, r.body);
    assert_eq!(r.body.as_object().unwrap().len(), 1, "only `error` at the top: {:?}", r.body);
    (e["code"].as_str().unwrap().to_string(), e["message"].as_str().unwrap().to_string())
}
