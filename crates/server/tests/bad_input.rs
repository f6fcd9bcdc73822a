//! The bad-input catalogue (DESIGN §6): every kind of invalid request, sent through the real
//! router, gets the status and error code a caller can branch on, a message that names what was
//! wrong, the body `{"error": {"code", "message"}}` and nothing else, and changes nothing (every
//! row of every table is the same before and after).
//!
//! One table, one `check(...)`; then the exact JSON of a few answers, a 500 that says nothing
//! internal, and the per-token rate limit.

mod common;

use axum::body::Body as HttpBody;
use axum::http::{header, Method, Request, StatusCode};
use common::{Response, Server};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use trove_protocol::api::Role;
use trove_server::store::{accounts, datasets, items, projects};
use trove_server::Limits;

/// Who a request claims to be.
#[derive(Debug, Clone, Copy)]
enum Auth {
    /// No `Authorization` header.
    Anonymous,
    /// `Bearer <token of this user>` (alice, carol, bob, mallory, admin).
    As(&'static str),
    /// `Bearer <this literal token>`.
    Token(&'static str),
    /// This literal `Authorization` header value.
    Header(&'static str),
}

/// What a request carries. Text in `Json` and `Text` has its `{PLACEHOLDERS}` filled in.
#[derive(Debug, Clone, Copy)]
enum Body {
    Empty,
    /// Sent as `application/json`.
    Json(&'static str),
    /// Sent as `text/plain`.
    Text(&'static str),
    /// A JSON body of more than 2 MiB.
    OverLimit,
    /// `{"items": [...]}` with this many ids of the project.
    Ids(usize),
}

use Auth::*;
use Body::*;

/// `(name, method, path, auth, body, status, error code, text the message must contain)`.
/// An empty code marks a request that succeeds (and must still change nothing); its text is
/// then looked for in the body.
type Case = (&'static str, Method, &'static str, Auth, Body, u16, &'static str, &'static str);

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    let get = Method::GET;
    let post = Method::POST;
    let patch = Method::PATCH;
    let delete = Method::DELETE;
    vec![
        // Bodies: syntax, types, fields.
        ("malformed json", post.clone(), "/api/v1/projects/{P}/collections", As("alice"), Json(r#"{"title": "Dogs""#), 400, "invalid_input", "the request body is not valid JSON"),
        ("empty json body", post.clone(), "/api/v1/projects/{P}/collections", As("alice"), Json(""), 400, "invalid_input", "not valid JSON"),
        ("string instead of object", post.clone(), "/api/v1/projects/{P}/collections", As("alice"), Json(r#""Dogs""#), 400, "invalid_input", "invalid type: string \"Dogs\""),
        ("wrong type: title 5", post.clone(), "/api/v1/projects/{P}/collections", As("alice"), Json(r#"{"title": 5}"#), 400, "invalid_input", "title: invalid type: integer `5`, expected a string"),
        ("unknown field in create", post.clone(), "/api/v1/projects/{P}/collections", As("alice"), Json(r#"{"title": "Dogs", "colour": "red"}"#), 400, "invalid_input", "unknown field `colour`"),
        ("missing title", post.clone(), "/api/v1/projects/{P}/collections", As("alice"), Json(r#"{"description": "no title"}"#), 400, "invalid_input", "missing field `title`"),
        ("empty title", post.clone(), "/api/v1/projects/{P}/collections", As("alice"), Json(r#"{"title": "   "}"#), 400, "invalid_input", "title is empty"),
        ("title of 61 characters", post.clone(), "/api/v1/projects/{P}/collections", As("alice"), Json(r#"{"title": "{T61}"}"#), 400, "invalid_input", "title is 61 characters; at most 60 are allowed"),
        ("title without letters", post.clone(), "/api/v1/projects/{P}/collections", As("alice"), Json(r#"{"title": "!!!"}"#), 400, "invalid_input", "title \"!!!\" has no letters or digits"),
        ("description of 151 characters", post.clone(), "/api/v1/projects/{P}/collections", As("alice"), Json(r#"{"title": "Dogs", "description": "{D151}"}"#), 400, "invalid_input", "description is 151 characters; at most 150 are allowed"),
        ("unknown theme on create", post.clone(), "/api/v1/projects/{P}/collections", As("alice"), Json(r#"{"title": "Dogs", "theme": "mauve"}"#), 400, "invalid_input", "unknown variant `mauve`, expected one of `orange`, `blue`, `green`, `purple`, `pink`, `indigo`"),
        ("unknown theme on update", patch.clone(), "/api/v1/collections/{PUB}", As("alice"), Json(r#"{"theme": "mauve"}"#), 400, "invalid_input", "unknown variant `mauve`, expected one of `orange`, `blue`, `green`, `purple`, `pink`, `indigo`"),
        ("title of 61 characters on update", patch.clone(), "/api/v1/collections/{PUB}", As("alice"), Json(r#"{"title": "{T61}"}"#), 400, "invalid_input", "title is 61 characters"),
        ("duplicate collection title", post.clone(), "/api/v1/projects/{P}/collections", As("alice"), Json(r#"{"title": "Cats"}"#), 409, "conflict", "a collection titled \"Cats\" already exists in this project"),
        ("title that slugifies like another", post.clone(), "/api/v1/projects/{P}/collections", As("carol"), Json(r#"{"title": "  CATS!! "}"#), 409, "conflict", "a collection titled \"Cats\" already exists in this project"),
        ("rename onto another title", patch.clone(), "/api/v1/collections/{PRIV}", As("alice"), Json(r#"{"title": "cats?"}"#), 409, "conflict", "a collection titled \"Cats\" already exists"),
        // Notes and members.
        ("note of 501 characters on add", post.clone(), "/api/v1/collections/{PUB}/items", As("alice"), Json(r#"{"item": {I2}, "note": "{N501}"}"#), 400, "invalid_input", "note is 501 characters; at most 500 are allowed"),
        ("note of 501 characters in bulk add", post.clone(), "/api/v1/collections/{PUB}/items/bulk-add", As("alice"), Json(r#"{"items": [{I2}, {I3}], "notes": {"{I3}": "{N501}"}}"#), 400, "invalid_input", "the note for item {I3}: note is 501 characters; at most 500 are allowed"),
        ("note of 501 characters on item patch", patch.clone(), "/api/v1/collections/{PUB}/items/{I1}", As("alice"), Json(r#"{"note": "{N501}"}"#), 400, "invalid_input", "note is 501 characters; at most 500 are allowed"),
        ("note for an item not in the bulk list", post.clone(), "/api/v1/collections/{PUB}/items/bulk-add", As("alice"), Json(r#"{"items": [{I2}], "notes": {"{I3}": "hi"}}"#), 400, "invalid_input", "a note for item {I3}, which is not in \"items\""),
        ("notes key that is not an id", post.clone(), "/api/v1/collections/{PUB}/items/bulk-add", As("alice"), Json(r#"{"items": [{I2}], "notes": {"two": "hi"}}"#), 400, "invalid_input", "notes key \"two\" is not an item id"),
        ("negative position", patch.clone(), "/api/v1/collections/{PUB}/items/{I1}", As("alice"), Json(r#"{"position": -1}"#), 400, "invalid_input", "position: invalid value: integer `-1`"),
        ("unknown item on add", post.clone(), "/api/v1/collections/{PUB}/items", As("alice"), Json(r#"{"item": 999999}"#), 404, "not_found", "item 999999 does not exist"),
        ("item of another project on add", post.clone(), "/api/v1/collections/{PUB}/items", As("alice"), Json(r#"{"item": {X1}}"#), 404, "not_found", "item {X1} does not exist in project {P}"),
        ("bulk add of only foreign ids", post.clone(), "/api/v1/collections/{PUB}/items/bulk-add", As("alice"), Json(r#"{"items": [{X1}, {X2}, 999999]}"#), 200, "", r#"{"added":[],"already":[],"missing":[{X1},{X2},999999]}"#),
        ("duplicate add", post.clone(), "/api/v1/collections/{PUB}/items", As("alice"), Json(r#"{"item": {I1}}"#), 409, "conflict", "item {I1} is already in collection \"{PUB}\"; pass \"exists_ok\": true"),
        ("duplicate add with exists_ok", post.clone(), "/api/v1/collections/{PUB}/items", As("alice"), Json(r#"{"item": {I1}, "exists_ok": true}"#), 200, "", r#""membership_id""#),
        ("patch of a non-member", patch.clone(), "/api/v1/collections/{PUB}/items/{I2}", As("alice"), Json(r#"{"note": "hi"}"#), 404, "not_found", "item {I2} is not in collection \"{PUB}\""),
        ("remove of a non-member", delete.clone(), "/api/v1/collections/{PUB}/items/{I2}", As("alice"), Empty, 404, "not_found", "item {I2} is not in collection"),
        ("bulk add of 10,001 ids", post.clone(), "/api/v1/collections/{PUB}/items/bulk-add", As("alice"), Ids(10_001), 413, "too_large", "10001 items in one request; at most 10000 are allowed"),
        ("bulk remove of 10,001 ids", post.clone(), "/api/v1/collections/{PUB}/items/bulk-remove", As("alice"), Ids(10_001), 413, "too_large", "10001 items in one request; at most 10000 are allowed"),
        // Paging, cursors, filters.
        ("item page size -1", get.clone(), "/api/v1/projects/{P}/items?limit=-1", As("alice"), Empty, 400, "invalid_input", "page size -1 is not valid; ask for 1 to 1000 items per page"),
        ("item page size 0", get.clone(), "/api/v1/projects/{P}/items?limit=0", As("alice"), Empty, 400, "invalid_input", "page size 0 is not valid"),
        ("item page size 100000", get.clone(), "/api/v1/projects/{P}/items?limit=100000", As("alice"), Empty, 400, "invalid_input", "page size 100000 is too large; at most 1000"),
        ("member page size -1", get.clone(), "/api/v1/collections/{PUB}/items?limit=-1", As("alice"), Empty, 400, "invalid_input", "page size -1 is not valid"),
        ("member page size 0", get.clone(), "/api/v1/collections/{PUB}/items?limit=0", As("alice"), Empty, 400, "invalid_input", "page size 0 is not valid"),
        ("member page size 100000", get.clone(), "/api/v1/collections/{PUB}/items?limit=100000", As("alice"), Empty, 400, "invalid_input", "page size 100000 is too large"),
        ("non-numeric page size", get.clone(), "/api/v1/projects/{P}/items?limit=ten", As("alice"), Empty, 400, "invalid_input", "limit"),
        ("unknown query parameter", get.clone(), "/api/v1/projects/{P}/items?colour=red", As("alice"), Empty, 400, "invalid_input", "unknown field `colour`"),
        ("invalid item cursor", get.clone(), "/api/v1/projects/{P}/items?cursor=garbage", As("alice"), Empty, 400, "invalid_input", "cursor \"garbage\" is not one this server gave out"),
        ("invalid member cursor", get.clone(), "/api/v1/collections/{PUB}/items?cursor=garbage", As("alice"), Empty, 400, "invalid_input", "cursor \"garbage\" is not one this server gave out"),
        ("filter over an unknown field", get.clone(), r#"/api/v1/projects/{P}/items?filter={"clauses":[{"cond":{"field":"colour"}}]}"#, As("alice"), Empty, 400, "invalid_input", "unknown variant `colour`"),
        ("malformed filter json", get.clone(), r#"/api/v1/projects/{P}/items?filter={"clauses":["#, As("alice"), Empty, 400, "invalid_input", "filter is not valid"),
        ("size range min above max", get.clone(), r#"/api/v1/projects/{P}/items?filter={"clauses":[{"cond":{"field":"size","min":10,"max":1}}]}"#, As("alice"), Empty, 400, "invalid_input", "size range 10..1 is empty"),
        // Paths.
        ("thumbnail path traversal", get.clone(), "/api/v1/thumbnails/..%2F..%2Fetc%2Fpasswd", As("alice"), Empty, 400, "invalid_input", "\"../../etc/passwd\" is not a thumbnail hash"),
        ("uppercase thumbnail hash", get.clone(), "/api/v1/thumbnails/{UPPERHASH}", As("alice"), Empty, 400, "invalid_input", "is not a thumbnail hash; expected 64 lowercase hex characters"),
        ("short thumbnail hash", get.clone(), "/api/v1/thumbnails/abc123", As("alice"), Empty, 400, "invalid_input", "\"abc123\" is not a thumbnail hash"),
        ("unknown thumbnail", get.clone(), "/api/v1/thumbnails/{ZEROHASH}", As("alice"), Empty, 404, "not_found", "thumbnail {ZEROHASH} does not exist"),
        ("non-numeric project id", get.clone(), "/api/v1/projects/photos", As("alice"), Empty, 400, "invalid_input", r#""photos" in the path is not a whole number"#),
        ("non-numeric item id", get.clone(), "/api/v1/items/first", As("alice"), Empty, 400, "invalid_input", r#""first" in the path"#),
        ("unknown project", get.clone(), "/api/v1/projects/999999", As("alice"), Empty, 404, "not_found", "project 999999 does not exist"),
        ("unknown project's items", get.clone(), "/api/v1/projects/999999/items", As("alice"), Empty, 404, "not_found", "project 999999 does not exist"),
        ("unknown collection slug", get.clone(), "/api/v1/collections/lab/nothing-000000000000000000000000", As("alice"), Empty, 404, "not_found", "collection \"lab/nothing-000000000000000000000000\" does not exist"),
        ("slug suffix not 24 hex", get.clone(), "/api/v1/collections/lab/cats-xyz", As("alice"), Empty, 404, "not_found", "collection \"lab/cats-xyz\" does not exist"),
        ("bad value in a delete query", delete.clone(), "/api/v1/collections/{PUB}?hard=maybe", As("alice"), Empty, 400, "invalid_input", "hard"),
        ("unknown route", get.clone(), "/api/v1/nothing/here", As("alice"), Empty, 404, "not_found", "there is no route GET /api/v1/nothing/here"),
        ("route outside the api", get.clone(), "/etc/passwd", Anonymous, Empty, 404, "not_found", "there is no route GET /etc/passwd"),
        ("wrong method", Method::DELETE, "/api/v1/projects", As("alice"), Empty, 405, "invalid_input", "/api/v1/projects does not answer DELETE"),
        // Tokens.
        ("missing token", get.clone(), "/api/v1/projects", Anonymous, Empty, 401, "unauthorized", "this route needs an API token"),
        ("invalid token", get.clone(), "/api/v1/projects", Token("trove_0000000000000000000000000000000000000000"), Empty, 401, "unauthorized", "the API token is not valid on this server"),
        ("basic auth header", get.clone(), "/api/v1/projects", Header("Basic YWxpY2U6c2VjcmV0"), Empty, 401, "unauthorized", "the Authorization header must be `Bearer <token>`"),
        ("bearer without a token", get.clone(), "/api/v1/projects", Header("Bearer"), Empty, 401, "unauthorized", "`Bearer <token>`"),
        ("missing token on a write", post.clone(), "/api/v1/projects/{P}/collections", Anonymous, Json(r#"{"title": "Dogs"}"#), 401, "unauthorized", "this route needs an API token"),
        // Transport.
        ("wrong content type", post.clone(), "/api/v1/projects/{P}/collections", As("alice"), Text(r#"{"title": "Dogs"}"#), 415, "invalid_input", "`Content-Type: application/json`"),
        ("no content type", post.clone(), "/api/v1/projects/{P}/collections", As("alice"), Empty, 415, "invalid_input", "`Content-Type: application/json`"),
        ("body over 2 MiB", post.clone(), "/api/v1/projects/{P}/collections", As("alice"), OverLimit, 413, "too_large", "the request body is larger than 2097152 bytes"),
        // Projects and datasets.
        ("empty project name", post.clone(), "/api/v1/projects", As("alice"), Json(r#"{"namespace": "lab", "name": "  ", "kind": "image"}"#), 400, "invalid_input", "project name is empty"),
        ("unknown project kind", post.clone(), "/api/v1/projects", As("alice"), Json(r#"{"namespace": "lab", "name": "Clips", "kind": "audio"}"#), 400, "invalid_input", "unknown variant `audio`"),
        ("duplicate project", post.clone(), "/api/v1/projects", As("alice"), Json(r#"{"namespace": "lab", "name": "Photos", "kind": "image"}"#), 409, "conflict", "a project named \"Photos\" already exists"),
        ("project in an unknown namespace", post.clone(), "/api/v1/projects", As("alice"), Json(r#"{"namespace": "nobody", "name": "X", "kind": "image"}"#), 404, "not_found", "namespace \"nobody\" does not exist"),
        ("project in someone else's namespace", post.clone(), "/api/v1/projects", As("mallory"), Json(r#"{"namespace": "lab", "name": "Mine", "kind": "image"}"#), 403, "forbidden", "you are not a member of namespace \"lab\""),
        ("dataset that exists", post.clone(), "/api/v1/projects/{P}/datasets", As("alice"), Json(r#"{"name": "a"}"#), 409, "conflict", "a dataset named \"a\" already exists"),
        ("empty dataset name", post.clone(), "/api/v1/projects/{P}/datasets", As("alice"), Json(r#"{"name": ""}"#), 400, "invalid_input", "dataset name is empty"),
        // Roles and visibility.
        ("viewer creates a collection", post.clone(), "/api/v1/projects/{P}/collections", As("bob"), Json(r#"{"title": "Dogs"}"#), 403, "forbidden", "you have the viewer role in project {P}; this needs the editor role"),
        ("viewer adds an item", post.clone(), "/api/v1/collections/{PUB}/items", As("bob"), Json(r#"{"item": {I2}}"#), 403, "forbidden", "this needs the editor role"),
        ("viewer creates a dataset", post.clone(), "/api/v1/projects/{P}/datasets", As("bob"), Json(r#"{"name": "c"}"#), 403, "forbidden", "this needs the editor role"),
        ("stranger reads the project", get.clone(), "/api/v1/projects/{P}", As("mallory"), Empty, 404, "not_found", "project {P} does not exist"),
        ("stranger reads a public collection", get.clone(), "/api/v1/collections/{PUB}", As("mallory"), Empty, 404, "not_found", "collection \"{PUB}\" does not exist"),
        ("viewer reads a private collection", get.clone(), "/api/v1/collections/{PRIV}/items", As("bob"), Empty, 404, "not_found", "collection \"{PRIV}\" does not exist"),
        ("stranger reads an item", get.clone(), "/api/v1/items/{I1}", As("mallory"), Empty, 404, "not_found", "item {I1} does not exist"),
    ]
}

/// The test server plus what the table's placeholders stand for.
struct Fixture {
    s: Server,
    vars: Vec<(&'static str, String)>,
}

async fn fixture(s: Server) -> Fixture {
    let public = s.collection("Cats", false).await;
    let private = s.collection("Secret plans", true).await;
    let slug = |c: &Value| c["slug"].as_str().unwrap().to_string();
    let r = s.call(Method::POST, &format!("/api/v1/collections/{}/items", slug(&public)), Some(&s.alice), Some(json!({"item": s.items[0]}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    // A second project, in alice's own namespace, whose items are foreign to lab/Photos.
    let (other, foreign) = s
        .state
        .db
        .write(|tx| {
            let ns = accounts::namespace_id(tx, "alice")?.unwrap();
            let project = projects::insert(tx, ns, "Other", trove_protocol::ProjectKind::Image, "", false)?;
            let dataset = datasets::ensure(tx, project, "x")?;
            let mut ids = Vec::new();
            for k in 0..2 {
                let new = items::NewItem {
                    dataset,
                    kind: trove_protocol::ItemKind::Image,
                    name: format!("other-{k}.png"),
                    mime: "image/png".into(),
                    width: Some(10),
                    height: Some(10),
                    size: 100,
                    labels_count: 0,
                    created_at: 0,
                    thumb: None,
                    source: format!("other:{k}"),
                    identity: format!("other:{k}"),
                    tags: vec![],
                };
                ids.push(items::insert(tx, project, &new)?.unwrap());
            }
            accounts::grant(tx, project, "carol", Role::Viewer)?;
            Ok::<_, trove_server::error::Error>((project, ids))
        })
        .unwrap();
    let mut vars = vec![
        ("{P}", s.project.to_string()),
        ("{Q}", other.to_string()),
        ("{PUB}", slug(&public)),
        ("{PRIV}", slug(&private)),
        ("{X1}", foreign[0].to_string()),
        ("{X2}", foreign[1].to_string()),
        ("{N501}", "n".repeat(501)),
        ("{T61}", "t".repeat(61)),
        ("{D151}", "d".repeat(151)),
        ("{UPPERHASH}", "AB".repeat(32)),
        ("{ZEROHASH}", "0".repeat(64)),
    ];
    for (k, id) in s.items.iter().enumerate() {
        let name: &'static str = ["{I1}", "{I2}", "{I3}", "{I4}", "{I5}"][k];
        vars.push((name, id.to_string()));
    }
    Fixture { s, vars }
}

impl Fixture {
    fn fill(&self, text: &str) -> String {
        self.vars.iter().fold(text.to_string(), |t, (k, v)| t.replace(k, v))
    }

    fn token(&self, user: &str) -> String {
        let s = &self.s;
        match user {
            "alice" => s.alice.clone(),
            "carol" => s.carol.clone(),
            "bob" => s.bob.clone(),
            "mallory" => s.mallory.clone(),
            "admin" => s.admin.clone(),
            other => panic!("no user {other} in the fixture"),
        }
    }

    /// Sends one request through the real router, with exactly the headers the case names.
    async fn send(&self, method: Method, path: &str, auth: Auth, body: Body) -> Response {
        let mut req = Request::builder().method(method).uri(encode(&self.fill(path)));
        match auth {
            Anonymous => {}
            As(user) => req = req.header(header::AUTHORIZATION, format!("Bearer {}", self.token(user))),
            Token(t) => req = req.header(header::AUTHORIZATION, format!("Bearer {t}")),
            Header(value) => req = req.header(header::AUTHORIZATION, value),
        }
        let (content_type, bytes) = match body {
            Empty => (None, String::new()),
            Json(text) => (Some("application/json"), self.fill(text)),
            Text(text) => (Some("text/plain"), self.fill(text)),
            OverLimit => (Some("application/json"), format!(r#"{{"title": "{}"}}"#, "x".repeat(2 * 1024 * 1024 + 1))),
            Ids(n) => (Some("application/json"), json!({ "items": vec![self.s.items[1]; n] }).to_string()),
        };
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        let res = trove_server::app(self.s.state.clone()).oneshot(req.body(HttpBody::from(bytes)).unwrap()).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Response { status, headers, body, bytes }
    }
}

/// Percent-encodes what a URI may not hold as is (the JSON of a filter), leaving `%XX` alone.
fn encode(uri: &str) -> String {
    let mut out = String::new();
    for b in uri.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/?&=%:,!$'()*+;@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The code and message of an error answer, or what is wrong with its shape: the answer must
/// be JSON and exactly `{"error": {"code": "...", "message": "..."}}`.
fn shape(r: &Response) -> Result<(String, String), String> {
    let ct = r.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if ct != "application/json" {
        return Err(format!("content type {ct:?}, not application/json"));
    }
    let top = r.body.as_object().ok_or("the body is not a JSON object")?;
    if top.keys().collect::<Vec<_>>() != ["error"] {
        return Err("not only `error` at the top".into());
    }
    let e = top["error"].as_object().ok_or("`error` is not an object")?;
    let mut keys: Vec<_> = e.keys().map(String::as_str).collect();
    keys.sort();
    if keys != ["code", "message"] {
        return Err(format!("`error` has the keys {keys:?}, not exactly code and message"));
    }
    let code = e["code"].as_str().ok_or("code is not a string")?;
    let message = e["message"].as_str().ok_or("message is not a string")?;
    if message.is_empty() {
        return Err("the message is empty".into());
    }
    Ok((code.to_string(), message.to_string()))
}

/// [`shape`], asserting that the answer is an error.
fn error_parts(what: &str, r: &Response) -> (String, String) {
    shape(r).unwrap_or_else(|e| panic!("{what}: {e}: {}", String::from_utf8_lossy(&r.bytes)))
}

/// Sends one case and returns what was wrong with the answer (nothing when it is right),
/// including any change to the database.
async fn check(fx: &Fixture, case: &Case) -> Option<String> {
    let (name, method, path, auth, body, status, code, text) = case.clone();
    let before = fx.s.snapshot();
    let r = fx.send(method.clone(), path, auth, body).await;
    let after = fx.s.snapshot();
    let mut wrong = Vec::new();
    if before != after {
        wrong.push("the database changed".to_string());
    }
    let want = fx.fill(text);
    let shown = String::from_utf8_lossy(&r.bytes).chars().take(400).collect::<String>();
    if r.status.as_u16() != status {
        wrong.push(format!("status {} (want {status})", r.status));
    }
    if code.is_empty() {
        if !shown.contains(&want) {
            wrong.push(format!("body lacks {want:?}"));
        }
    } else {
        match shape(&r) {
            Err(e) => wrong.push(e),
            Ok((got_code, message)) => {
                if got_code != code {
                    wrong.push(format!("code {got_code:?} (want {code:?})"));
                }
                if !message.contains(&want) {
                    wrong.push(format!("message lacks {want:?}"));
                }
            }
        }
        if status == 401 && r.headers.get(header::WWW_AUTHENTICATE).is_none() {
            wrong.push("a 401 without WWW-Authenticate".into());
        }
    }
    (!wrong.is_empty()).then(|| format!("{name}: {method} {path}: {}\n    got: {shown}", wrong.join("; ")))
}

#[tokio::test]
async fn every_bad_input_is_refused_clearly_and_changes_nothing() {
    let fx = fixture(Server::new()).await;
    let cases = cases();
    assert!(cases.len() >= 35, "the catalogue has {} cases", cases.len());
    let mut names = std::collections::HashSet::new();
    for case in &cases {
        assert!(names.insert(case.0), "two cases are named {:?}", case.0);
    }
    let mut failures = Vec::new();
    for case in &cases {
        if let Some(f) = check(&fx, case).await {
            failures.push(f);
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// The exact JSON text of representative answers, so a change of shape or wording is a
/// deliberate edit here.
#[tokio::test]
async fn error_answers_are_exactly_these() {
    let fx = fixture(Server::new()).await;
    let snapshots: [(&str, Method, &str, Auth, Body, u16, &str); 5] = [
        (
            "a note over 500 characters",
            Method::POST,
            "/api/v1/collections/{PUB}/items",
            As("alice"),
            Json(r#"{"item": {I2}, "note": "{N501}"}"#),
            400,
            r#"{"error":{"code":"invalid_input","message":"note is 501 characters; at most 500 are allowed"}}"#,
        ),
        (
            "an unknown theme",
            Method::POST,
            "/api/v1/projects/{P}/collections",
            As("alice"),
            Json(r#"{"title":"Dogs","theme":"mauve"}"#),
            400,
            r#"{"error":{"code":"invalid_input","message":"the request body is not valid: theme: unknown variant `mauve`, expected one of `orange`, `blue`, `green`, `purple`, `pink`, `indigo` at line 1 column 31"}}"#,
        ),
        (
            "no token",
            Method::GET,
            "/api/v1/projects",
            Anonymous,
            Empty,
            401,
            r#"{"error":{"code":"unauthorized","message":"this route needs an API token; send `Authorization: Bearer <token>` (create one with `trove-server token create`)"}}"#,
        ),
        (
            "a collection that does not exist",
            Method::GET,
            "/api/v1/collections/lab/nothing-000000000000000000000000",
            As("alice"),
            Empty,
            404,
            r#"{"error":{"code":"not_found","message":"collection \"lab/nothing-000000000000000000000000\" does not exist"}}"#,
        ),
        (
            "too many ids in a bulk add",
            Method::POST,
            "/api/v1/collections/{PUB}/items/bulk-add",
            As("alice"),
            Ids(10_001),
            413,
            r#"{"error":{"code":"too_large","message":"10001 items in one request; at most 10000 are allowed, send them in batches"}}"#,
        ),
    ];
    let mut failures = Vec::new();
    for (name, method, path, auth, body, status, want) in snapshots {
        let r = fx.send(method, path, auth, body).await;
        let got = String::from_utf8_lossy(&r.bytes).to_string();
        if r.status.as_u16() != status || got != want {
            failures.push(format!("{name}: status {}\n    got:  {got}\n    want: {want}", r.status));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A failure inside the server is a 500 with code `internal` and a message that tells the
/// client nothing about SQL, tables or files.
#[tokio::test]
async fn an_internal_error_says_nothing_internal() {
    let fx = fixture(Server::new()).await;
    fx.s.state.db.write(|tx| tx.execute_batch("DROP TABLE memberships")).unwrap();
    let dir = fx.s.dir.path().display().to_string();
    let requests: [(Method, &str, Body); 4] = [
        (Method::GET, "/api/v1/collections/{PUB}/items", Empty),
        (Method::GET, "/api/v1/projects/{P}/collections", Empty),
        (Method::POST, "/api/v1/collections/{PUB}/items/bulk-add", Json(r#"{"items": [{I2}]}"#)),
        (Method::PATCH, "/api/v1/collections/{PUB}/items/{I1}", Json(r#"{"note": "hi"}"#)),
    ];
    for (method, path, body) in requests {
        let what = format!("{method} {path}");
        let r = fx.send(method, path, As("alice"), body).await;
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{what}: {:?}", r.body);
        let (code, message) = error_parts(&what, &r);
        assert_eq!(code, "internal", "{what}");
        let lower = message.to_lowercase();
        for secret in ["memberships", "table", "sql", "select", "no such", "rusqlite", ".db", "/tmp", "src/", &dir.to_lowercase()] {
            assert!(!lower.contains(secret), "{what}: the message reveals {secret:?}: {message}");
        }
        assert!(message.contains("the server failed to handle this request"), "{what}: {message}");
    }
}

/// With 1 request per second (bursts of 2), a third back-to-back request with the same token is
/// refused with `Retry-After`, while another token is unaffected.
#[tokio::test]
async fn the_rate_limit_is_per_token() {
    let s = Server::with_limits(Limits { per_second: 1, ..Default::default() });
    for k in 0..2 {
        let r = s.call(Method::GET, "/api/v1/me", Some(&s.alice), None).await;
        assert_eq!(r.status, StatusCode::OK, "request {k} within the burst: {:?}", r.body);
    }
    let r = s.call(Method::GET, "/api/v1/me", Some(&s.alice), None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{:?}", r.body);
    let (code, message) = error_parts("rate limited", &r);
    assert_eq!(code, "rate_limited");
    assert!(message.contains("too many requests with this token"), "{message}");
    let retry: u64 = r.headers.get(header::RETRY_AFTER).expect("Retry-After").to_str().unwrap().parse().expect("Retry-After in seconds");
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
    let r = s.call(Method::GET, "/api/v1/me", Some(&s.bob), None).await;
    assert_eq!(r.status, StatusCode::OK, "another token is not limited: {:?}", r.body);
}
