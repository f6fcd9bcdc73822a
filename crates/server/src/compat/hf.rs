//! The Hugging Face Hub collections API (`../shared/specs/hf-collections-api.md`), for the real
//! `huggingface_hub` client with `HF_ENDPOINT` pointing here and a trove token as its token.
//!
//! An adapter: HF collections are the collections of the namespaces' hub projects, HF items are
//! the items of those projects (identity `<type>:<id>`), an item's `_id` is its membership's
//! 24-hex id. Reads go through `store::hub` (public collections are readable without a token,
//! private ones only by their namespace); every change goes through `store::collections` and
//! `store::members`, so it follows the rulebook like any other edit. Errors use the Hub's
//! `{"error": "..."}` body (with `slug` on a create conflict), never `X-Error-Code`.

use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use trove_protocol::api::{AddItem, MemberPatch, Role};
use trove_protocol::rules;
use trove_protocol::{CollectionPatch, ItemKind, NewCollection, Theme};

use crate::auth::Caller;
use crate::catalog::hub::{dataset_of, is_paper_id, is_repo_id, new_item};
use crate::error::Error;
use crate::extract::{Json, Path};
use crate::state::AppState;
use crate::store::hub::{self, HubCollection, HubMember, ListFilter};
use crate::store::items::NewItem;
use crate::store::{access, accounts, collections, members, now_ms, projects};

/// The item types the Hub knows.
const TYPES: [&str; 6] = ["model", "dataset", "space", "paper", "collection", "bucket"];
/// Items shown per collection in a list entry (the Hub's truncation).
const LIST_ITEMS: u32 = 4;
/// Collections per page of `GET /api/collections` when no `limit` is given, and at most.
const LIST_PAGE: u32 = 100;
const LIST_PAGE_MAX: u32 = 1000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/whoami-v2", get(whoami))
        .route("/api/collections", get(list).post(create))
        .route("/api/collections/{namespace}/{slug}", get(get_one).patch(update).delete(delete))
        .route("/api/collections/{namespace}/{slug}/items", axum::routing::post(add_item))
        .route("/api/collections/{namespace}/{slug}/items/{item}", axum::routing::patch(update_item).delete(delete_item))
}

// ---------------------------------------------------------------------------------------------
// Errors

/// An error as the Hub sends it: the status and `{"error": message}` (plus `slug` on a title
/// conflict at create).
#[derive(Debug)]
pub struct HfError {
    status: StatusCode,
    message: String,
    slug: Option<String>,
    retry_after: Option<u64>,
}

impl HfError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        HfError { status, message: message.into(), slug: None, retry_after: None }
    }
    fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

impl From<Error> for HfError {
    fn from(e: Error) -> Self {
        let retry_after = match &e {
            Error::RateLimited { retry_after, .. } => Some(*retry_after),
            Error::TimedOut(_) => Some(1),
            _ => None,
        };
        HfError { status: e.status(), message: e.to_api().message, slug: None, retry_after }
    }
}

impl IntoResponse for HfError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.message });
        if let Some(slug) = self.slug {
            body["slug"] = Value::String(slug);
        }
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

type Result<T> = std::result::Result<T, HfError>;

/// A request's caller, if it sent a token: none is an anonymous reader; a token that is not
/// valid is a 401 even where no token is needed (as on the Hub).
struct Reader(Caller);

impl FromRequestParts<AppState> for Reader {
    type Rejection = HfError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> std::result::Result<Self, HfError> {
        if !parts.headers.contains_key(header::AUTHORIZATION) && !parts.headers.contains_key("x-api-key") {
            return Ok(Reader(hub::anonymous()));
        }
        Ok(Reader(Caller::from_request_parts(parts, state).await?))
    }
}

/// The authenticated caller of a write, in the Hub's error shape.
struct Writer(Caller);

impl FromRequestParts<AppState> for Writer {
    type Rejection = HfError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> std::result::Result<Self, HfError> {
        Ok(Writer(Caller::from_request_parts(parts, state).await?))
    }
}

/// A JSON body in the Hub's error shape.
struct Body<T>(T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for Body<T> {
    type Rejection = HfError;

    async fn from_request(req: axum::extract::Request, state: &S) -> std::result::Result<Self, HfError> {
        let Json(v) = Json::<T>::from_request(req, state).await?;
        Ok(Body(v))
    }
}

/// The `{namespace}/{slug}` (and maybe `{item}`) of a path, in the Hub's error shape.
struct Slug(String, Option<String>);

impl FromRequestParts<AppState> for Slug {
    type Rejection = HfError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> std::result::Result<Self, HfError> {
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state).await?;
        let get = |k: &str| params.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        Ok(Slug(format!("{}/{}", get("namespace").unwrap_or_default(), get("slug").unwrap_or_default()), get("item")))
    }
}

// ---------------------------------------------------------------------------------------------
// Wire shapes

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for milliseconds since the epoch (the client parses only `…Z`).
pub fn iso_utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

fn item_json(m: &HubMember, position: usize) -> Value {
    let mut v = json!({ "_id": m.hex_id, "id": m.id, "type": m.kind, "position": position });
    if !m.note.is_empty() {
        v["note"] = json!({ "text": m.note, "html": html_escape(&m.note) });
    }
    if m.kind == "collection" {
        v["slug"] = Value::String(m.id.clone());
    }
    v
}

/// A collection as the client's `Collection(**json)` takes it; `position` only for a single
/// collection (a list entry with it crashes the client).
fn collection_json(c: &HubCollection, items: &[HubMember], position: Option<usize>) -> Value {
    let mut v = json!({
        "_id": c.hex_id,
        "slug": c.slug(),
        "title": c.title,
        "description": if c.description.is_empty() { Value::Null } else { Value::String(c.description.clone()) },
        "owner": { "name": c.namespace, "type": "user" },
        "items": items.iter().enumerate().map(|(k, m)| item_json(m, k)).collect::<Vec<_>>(),
        "lastUpdated": iso_utc(c.updated_at),
        "private": c.private,
        "theme": c.theme,
        "upvotes": 0,
        "isUpvotedByUser": false,
        "gating": false,
    });
    if let Some(p) = position {
        v["position"] = json!(p);
    }
    v
}

/// The collection with every item, as a single-collection answer.
fn full(conn: &rusqlite::Connection, c: &HubCollection) -> crate::error::Result<Value> {
    Ok(collection_json(c, &hub::members(conn, c.id, None)?, Some(0)))
}

// ---------------------------------------------------------------------------------------------
// Handlers

/// `GET /api/whoami-v2`: the caller's user name (their own namespace) and organisations.
async fn whoami(State(state): State<AppState>, Writer(caller): Writer) -> Result<axum::Json<Value>> {
    let me = state.read(move |c| accounts::me(c, &caller)).await?;
    let orgs: Vec<Value> = me
        .namespaces
        .iter()
        .filter(|n| n.kind == "org")
        .map(|n| json!({ "type": "org", "name": n.namespace, "fullname": n.namespace, "roleInOrg": n.role.as_str() }))
        .collect();
    Ok(axum::Json(json!({ "type": "user", "name": me.name, "fullname": me.name, "isPro": false, "orgs": orgs })))
}

/// `%xx` and `+` decoded; `None` when the result is not UTF-8.
fn decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut k = 0;
    while k < bytes.len() {
        match bytes[k] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(k + 1..k + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                k += 2;
            }
            b => out.push(b),
        }
        k += 1;
    }
    String::from_utf8(out).ok()
}

/// `item=models/org/name` (the Hub's filter form) as an identity `model:org/name`.
fn item_filter(value: &str) -> Option<String> {
    let (plural, id) = value.split_once('/')?;
    let kind = TYPES.iter().find(|t| plural == format!("{t}s"))?;
    Some(format!("{kind}:{id}"))
}

/// `GET /api/collections?owner=&item=&sort=&limit=`: the visible collections of hub projects,
/// newest change first, each with its first four items; a `Link: rel="next"` header when more
/// are left.
async fn list(State(state): State<AppState>, Reader(caller): Reader, headers: HeaderMap, RawQuery(query): RawQuery) -> Result<Response> {
    let query = query.unwrap_or_default();
    if query.len() > 8192 {
        return Err(HfError::new(StatusCode::URI_TOO_LONG, "the query string is longer than 8192 bytes"));
    }
    let mut filter = ListFilter::default();
    let mut limit: Option<u32> = None;
    let mut skip: u64 = 0;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(key), Some(value)) = (decode(k), decode(v)) else {
            return Err(HfError::bad(format!("the query parameter {} is not valid UTF-8 once decoded", rules::quote(k))));
        };
        match key.as_str() {
            "owner" => filter.owners.push(value),
            "item" => match item_filter(&value) {
                Some(identity) => filter.items.push(identity),
                None => {
                    return Err(HfError::bad(format!(
                        "item {} is not of the form TYPE/ID, such as models/org/name, datasets/name or papers/2311.12983",
                        rules::quote(&value)
                    )))
                }
            },
            "sort" => match value.as_str() {
                // Every collection has 0 upvotes here: all three orders are the last change.
                "lastModified" | "trending" | "upvotes" => {}
                _ => return Err(HfError::bad(format!("sort {} is not one of lastModified, trending, upvotes", rules::quote(&value)))),
            },
            "limit" => match value.parse::<u32>() {
                Ok(n) if n >= 1 => limit = Some(n),
                _ => return Err(HfError::bad(format!("limit {} is not a whole number of at least 1", rules::quote(&value)))),
            },
            "skip" => skip = value.parse().map_err(|_| HfError::bad(format!("skip {} is not a non-negative whole number", rules::quote(&value))))?,
            _ => {}
        }
        if key != "skip" {
            kept.push(pair.to_string());
        }
    }
    if filter.owners.len() + filter.items.len() > 100 {
        return Err(HfError::bad("at most 100 owner and item filters in one request"));
    }
    let page = limit.unwrap_or(LIST_PAGE).min(LIST_PAGE_MAX);
    let (entries, more) = state
        .read(move |c| {
            let mut found = hub::list(c, &caller, &filter, page + 1, skip)?;
            let more = found.len() > page as usize;
            found.truncate(page as usize);
            let entries = found
                .iter()
                .map(|coll| Ok(collection_json(coll, &hub::members(c, coll.id, Some(LIST_ITEMS))?, None)))
                .collect::<crate::error::Result<Vec<_>>>()?;
            Ok((entries, more))
        })
        .await?;
    let mut response = axum::Json(Value::Array(entries)).into_response();
    if more && limit.is_none_or(|l| l > page) {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
        kept.push(format!("skip={}", skip + u64::from(page)));
        let next = format!("<http://{host}/api/collections?{}>; rel=\"next\"", kept.join("&"));
        if let Ok(v) = HeaderValue::from_str(&next) {
            response.headers_mut().insert(header::LINK, v);
        }
    }
    Ok(response)
}

/// `GET /api/collections/{namespace}/{slug}`.
async fn get_one(State(state): State<AppState>, Reader(caller): Reader, Slug(slug, _): Slug) -> Result<axum::Json<Value>> {
    let v = state.read(move |c| full(c, &hub::resolve(c, &caller, &slug)?)).await?;
    Ok(axum::Json(v))
}

#[derive(Deserialize)]
struct CreateBody {
    title: String,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    private: Option<bool>,
}

/// `POST /api/collections`: a new collection in the namespace's hub project (made if new). A
/// title that slugifies like a collection's the caller can see there is a 409 naming its slug.
async fn create(State(state): State<AppState>, Writer(caller): Writer, Body(body): Body<CreateBody>) -> Result<axum::Json<Value>> {
    let title = rules::title(&body.title).map_err(Error::from)?;
    let description = rules::description(body.description.as_deref().unwrap_or_default()).map_err(Error::from)?;
    let namespace = body.namespace.unwrap_or_else(|| caller.name.clone());
    let v = state
        .write(move |tx| -> crate::error::Result<std::result::Result<Value, HfError>> {
            let forbidden = || Error::Forbidden(format!("you cannot create collections in namespace {}", rules::quote(&namespace)));
            let ns = accounts::namespace_id(tx, &namespace)?.ok_or_else(forbidden)?;
            match access::namespace_role(tx, &caller, ns)? {
                Some(role) if role >= Role::Editor => {}
                _ => return Err(forbidden()),
            }
            let project = projects::hub(tx, ns)?;
            if let Some(existing) = hub::same_title(tx, &caller, project, &title)? {
                let mut e = HfError::new(
                    StatusCode::CONFLICT,
                    format!("you already have a collection titled {} ({})", rules::quote(&existing.title), existing.slug()),
                );
                e.slug = Some(existing.slug());
                return Ok(Err(e));
            }
            let new = NewCollection { title, description, private: body.private.unwrap_or(false), theme: None };
            let info = collections::create(tx, &caller, project, &new, None)?;
            let c = hub::resolve(tx, &caller, &info.collection.slug)?;
            Ok(Ok(full(tx, &c)?))
        })
        .await??;
    Ok(axum::Json(v))
}

/// The collection a write names, and a 403 unless the caller may edit it (a collection they
/// cannot see is a 404).
fn editable(conn: &rusqlite::Connection, caller: &Caller, slug: &str) -> crate::error::Result<HubCollection> {
    let c = hub::resolve(conn, caller, slug)?;
    match access::project_role(conn, caller, c.project_id)? {
        Some(role) if role >= Role::Editor => Ok(c),
        _ => Err(Error::Forbidden(format!("you cannot change collection {}", c.slug()))),
    }
}

#[derive(Deserialize)]
struct UpdateBody {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    position: Option<Value>,
    #[serde(default)]
    private: Option<bool>,
    #[serde(default)]
    theme: Option<String>,
}

/// `PATCH /api/collections/{namespace}/{slug}`: title (and so slug), description, privacy,
/// theme; answers `{"success": true, "data": collection}`.
async fn update(State(state): State<AppState>, Writer(caller): Writer, Slug(slug, _): Slug, Body(body): Body<UpdateBody>) -> Result<axum::Json<Value>> {
    let theme = match body.theme.as_deref() {
        None => None,
        Some(t) => Some(Theme::parse(t).ok_or_else(|| {
            let all: Vec<&str> = Theme::ALL.iter().map(|t| t.as_str()).collect();
            HfError::bad(format!("theme {} is not one of {}", rules::quote(t), all.join(", ")))
        })?),
    };
    if let Some(p) = &body.position {
        // The position of a collection on its owner's page: checked, not kept (trove orders
        // collections by their last change).
        if p.as_u64().is_none() {
            return Err(HfError::bad(format!("position {} is not a non-negative whole number", rules::quote(&p.to_string()))));
        }
    }
    let patch = CollectionPatch { title: body.title, description: body.description, private: body.private, theme };
    let v = state
        .write(move |tx| {
            let c = editable(tx, &caller, &slug)?;
            collections::update(tx, &caller, c.id, &patch)?;
            full(tx, &hub::resolve(tx, &caller, &c.hex_id)?)
        })
        .await?;
    Ok(axum::Json(json!({ "success": true, "data": v })))
}

/// `DELETE /api/collections/{namespace}/{slug}`: a soft delete, as the native API's default.
async fn delete(State(state): State<AppState>, Writer(caller): Writer, Slug(slug, _): Slug) -> Result<axum::Json<Value>> {
    state
        .write(move |tx| {
            let c = editable(tx, &caller, &slug)?;
            collections::delete(tx, &caller, c.id, false)
        })
        .await?;
    Ok(axum::Json(json!({ "success": true })))
}

#[derive(Deserialize)]
struct ItemRef {
    id: String,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct AddBody {
    item: ItemRef,
    #[serde(default)]
    note: Option<String>,
    #[serde(default, rename = "exists_ok")]
    exists_ok: bool,
}

/// A collection slug as an item id: `{namespace}/{title-slug}-{id}`.
fn is_collection_slug(id: &str) -> bool {
    let Some((ns, rest)) = id.split_once('/') else { return false };
    let Some((title, hex)) = rest.rsplit_once('-') else { return false };
    (1..=64).contains(&ns.len())
        && ns.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        && title.len() <= 100
        && title.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && (1..=64).contains(&hex.len())
        && hex.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// How a Hub item of `kind` with `id` is registered: its dataset and the item to insert, or a
/// 400 when the type is unknown or the id is malformed for it.
fn hub_item(kind: &str, id: &str) -> Result<(&'static str, Box<dyn FnOnce(i64) -> NewItem + Send>)> {
    let malformed = |expected: &str| HfError::bad(format!("{kind} id {} is not valid; expected {expected}", rules::quote(id)));
    let now = now_ms();
    match kind {
        "model" | "dataset" | "space" | "paper" => {
            let k = ItemKind::parse(kind).unwrap_or(ItemKind::Model);
            if k == ItemKind::Paper && !is_paper_id(id) {
                return Err(malformed("an arXiv id such as 2306.00637"));
            }
            if k != ItemKind::Paper && !is_repo_id(id) {
                return Err(malformed("NAME or ORG/NAME, each part 1 to 96 letters, digits, '.', '_' or '-'"));
            }
            let id = id.to_string();
            Ok((dataset_of(k).1, Box::new(move |dataset| new_item(dataset, k, &id, &id, 0, &[], now))))
        }
        "collection" | "bucket" => {
            if kind == "collection" && !is_collection_slug(id) {
                return Err(malformed("a collection slug NAMESPACE/TITLE-ID"));
            }
            if kind == "bucket" && !is_repo_id(id) {
                return Err(malformed("NAME or ORG/NAME"));
            }
            let (dataset, url) = if kind == "collection" {
                ("collections", format!("https://huggingface.co/collections/{id}"))
            } else {
                ("buckets", format!("https://huggingface.co/buckets/{id}"))
            };
            let (kind, id) = (kind.to_string(), id.to_string());
            // The items table knows no collection or bucket kind yet: these references are kept
            // as `model` rows, told apart by their identity, mime type and dataset.
            Ok((
                dataset,
                Box::new(move |dataset| {
                    let mut item = new_item(dataset, ItemKind::Model, &id, &id, 0, &[], now);
                    item.mime = format!("application/x-hub-{kind}");
                    item.source = url;
                    item.identity = format!("{kind}:{id}");
                    item
                }),
            ))
        }
        other => Err(HfError::bad(format!("item type {} is not one of {}", rules::quote(other), TYPES.join(", ")))),
    }
}

/// `POST /api/collections/{namespace}/{slug}/items`: appends a Hub item, registering it in the
/// collection's hub project when new; 409 when the collection holds it already. Everything is
/// checked before anything is written.
async fn add_item(State(state): State<AppState>, Writer(caller): Writer, Slug(slug, _): Slug, Body(body): Body<AddBody>) -> Result<axum::Json<Value>> {
    if let Some(note) = &body.note {
        rules::note(note).map_err(Error::from)?;
    }
    let (dataset, make) = hub_item(&body.item.kind, &body.item.id)?;
    let identity = format!("{}:{}", body.item.kind, body.item.id);
    let v = state
        .write(move |tx| -> crate::error::Result<std::result::Result<Value, HfError>> {
            let c = editable(tx, &caller, &slug)?;
            let item = hub::ensure_item(tx, c.project_id, dataset, make, &identity)?;
            let info = collections::by_id(tx, &caller, c.id)?;
            let input = AddItem { item, note: body.note.filter(|n| !n.is_empty()), exists_ok: body.exists_ok };
            match members::add(tx, &caller, &info, &input) {
                Ok(_) => {}
                Err(Error::Conflict(_)) => {
                    return Ok(Err(HfError::new(
                        StatusCode::CONFLICT,
                        format!("item {} of type {} is already in collection {}", rules::quote(&body.item.id), body.item.kind, c.slug()),
                    )))
                }
                Err(e) => return Err(e),
            }
            Ok(Ok(full(tx, &hub::resolve(tx, &caller, &c.hex_id)?)?))
        })
        .await??;
    Ok(axum::Json(v))
}

/// The membership an item path names, as `(collection, item id)`; 404 when it is not there.
fn member(tx: &rusqlite::Transaction, caller: &Caller, slug: &str, item: &str) -> crate::error::Result<(HubCollection, i64)> {
    let c = editable(tx, caller, slug)?;
    let id = hub::member_by_hex(tx, c.id, &item.to_ascii_lowercase())?
        .ok_or_else(|| Error::NotFound(format!("item {} is not in collection {}", rules::quote(item), c.slug())))?;
    Ok((c, id))
}

#[derive(Deserialize)]
struct ItemPatch {
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    position: Option<Value>,
}

/// `PATCH /api/collections/{namespace}/{slug}/items/{item}`: the note and/or the 0-based index
/// (clamped to the last one), through `members::update`.
async fn update_item(State(state): State<AppState>, Writer(caller): Writer, Slug(slug, item): Slug, Body(body): Body<ItemPatch>) -> Result<axum::Json<Value>> {
    if let Some(note) = &body.note {
        rules::note(note).map_err(Error::from)?;
    }
    let position = match &body.position {
        None | Some(Value::Null) => None,
        Some(p) => Some(p.as_u64().ok_or_else(|| HfError::bad(format!("position {} is not a non-negative whole number", rules::quote(&p.to_string()))))?),
    };
    let item = item.unwrap_or_default();
    let v = state
        .write(move |tx| {
            let (c, id) = member(tx, &caller, &slug, &item)?;
            let info = collections::by_id(tx, &caller, c.id)?;
            members::update(tx, &caller, &info, id, &MemberPatch { note: body.note, position })?;
            full(tx, &hub::resolve(tx, &caller, &c.hex_id)?)
        })
        .await?;
    Ok(axum::Json(v))
}

/// `DELETE /api/collections/{namespace}/{slug}/items/{item}`: 404 when it is not there.
async fn delete_item(State(state): State<AppState>, Writer(caller): Writer, Slug(slug, item): Slug) -> Result<axum::Json<Value>> {
    let item = item.unwrap_or_default();
    state
        .write(move |tx| {
            let (c, id) = member(tx, &caller, &slug, &item)?;
            let info = collections::by_id(tx, &caller, c.id)?;
            members::remove(tx, &caller, &info, id, false)
        })
        .await?;
    Ok(axum::Json(json!({ "success": true })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_end_in_z_and_match_the_calendar() {
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_utc(1_696_287_408_632), "2023-10-02T22:56:48.632Z");
        assert_eq!(iso_utc(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn query_values_decode_and_item_filters_map_to_identities() {
        assert_eq!(decode("models%2Fa%2Fb+c").as_deref(), Some("models/a/b c"));
        assert_eq!(decode("%zz"), None);
        assert_eq!(decode("%4"), None);
        assert_eq!(item_filter("models/teknium/OpenHermes").as_deref(), Some("model:teknium/OpenHermes"));
        assert_eq!(item_filter("papers/2311.12983").as_deref(), Some("paper:2311.12983"));
        assert_eq!(item_filter("model/x"), None);
        assert!(is_collection_slug("lab/iccv-2023-0123456789abcdef01234567"));
        assert!(!is_collection_slug("lab/iccv 2023-01"));
        assert!(!is_collection_slug("iccv-2023"));
    }
}
