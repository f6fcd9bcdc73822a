//! The Hugging Face Hub collections API (`../shared/specs/hf-collections-api.md`), for the real
//! `huggingface_hub` client with `HF_ENDPOINT` pointing here and a trove token as its token.
//!
//! An adapter: HF collections are the collections of the namespaces' hub projects, HF items are
//! the items of those projects (identity `<type>:<id>`), an item's `_id` is its membership's
//! 24-hex id. Reads go through `store::hub` (public collections are readable without a token,
//! private ones only by their namespace); every change goes through `store::collections` and
//! `store::members`, so it follows the rulebook like any other edit. Errors use the Hub's
//! `{"error": "..."}` body (with `slug` on a create conflict), never `X-Error-Code`.

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use trove_protocol::api::{AddItem, MemberPatch, Role};
use trove_protocol::rules;
use trove_protocol::{CollectionPatch, NewCollection, Theme};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::Error;
use crate::state::AppState;
use crate::store::hub::{self, HubCollection, ListFilter};
use crate::store::{access, accounts, collections, members, projects};

mod extract;
mod wire;

use extract::{Body, Reader, Result, Slug, Writer};
pub use extract::HfError;
pub use wire::iso_utc;
use wire::{collection_json, decode, full, hub_item, item_filter};

/// Items shown per collection in a list entry (the Hub's truncation).
const LIST_ITEMS: u32 = 4;
/// Collections per page of `GET /api/collections` when no `limit` is given, and at most.
const LIST_PAGE: u32 = 100;
const LIST_PAGE_MAX: u32 = 1000;

/// The Hub's routes, with their OpenAPI operations (tag `hf`).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(whoami))
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
        .routes(routes!(add_item))
        .routes(routes!(update_item, delete_item))
}

/// An error as the Hub answers it (documentation only; [`HfError`] writes it).
#[derive(ToSchema)]
#[allow(dead_code)]
struct HfErrorBody {
    /// What went wrong, in a sentence.
    error: String,
    /// On a 409 at create: the slug of the collection that has the title already.
    slug: Option<String>,
}

/// `{"success": true}`, the answer to a delete.
#[derive(ToSchema)]
#[allow(dead_code)]
struct Success {
    success: bool,
}

/// The query of `GET /api/collections` (read from the raw query: `owner` and `item` repeat).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ListQuery {
    /// A namespace whose collections to list; repeat for several (with `item`, at most 100 filters).
    owner: Option<Vec<String>>,
    /// Only collections holding this item, as `TYPE/ID` (`models/org/name`, `datasets/name`,
    /// `papers/2311.12983`); repeat for several.
    item: Option<Vec<String>>,
    /// `lastModified`, `trending` or `upvotes`; all three order by the last change here.
    sort: Option<String>,
    /// Collections per page, at least 1 (default 100, at most 1000).
    // Any u32 is accepted (and clamped): documented as such, not as utoipa's default `int32`.
    #[param(format = Int64, minimum = 1, maximum = 4294967295_u64)]
    limit: Option<u32>,
    /// Collections to skip (the `Link: rel="next"` header carries it).
    skip: Option<u64>,
}

// ---------------------------------------------------------------------------------------------
// Handlers

/// `GET /api/whoami-v2`: the caller's user name (their own namespace) and organisations.
#[utoipa::path(get, path = "/api/whoami-v2", tag = "hf", 
    responses(
        (status = 200, description = "`{type, name, fullname, isPro, orgs: [{type, name, fullname, roleInOrg}]}`.", body = serde_json::Value),
        (status = 401, description = "No valid token (`Authorization: Bearer <token>`); a token that is not valid is refused even on reads.", body = HfErrorBody)
    ))]
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

/// `GET /api/collections?owner=&item=&sort=&limit=`: the visible collections of hub projects,
/// newest change first, each with its first four items; a `Link: rel="next"` header when more
/// are left.
#[utoipa::path(get, path = "/api/collections", tag = "hf", params(ListQuery), 
    responses(
        (status = 200, description = "Collections, newest change first, each with its first 4 items.", body = serde_json::Value, headers(("Link" = String, description = "`<…&skip=N>; rel=\"next\"` when more are left"))),
        (status = 400, description = "Malformed input (query, JSON, or a value the rules refuse).", body = HfErrorBody),
        (status = 401, description = "A token was sent and is not valid (reads need none).", body = HfErrorBody),
        (status = 414, description = "The query string is longer than 8192 bytes.", body = HfErrorBody)
    ))]
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
#[utoipa::path(get, path = "/api/collections/{namespace}/{slug}", tag = "hf", params(("namespace" = String, Path, description = "The owner of the collection (user or org)."), ("slug" = String, Path, description = "The collection's slug `TITLE-ID` (the `ID` alone is enough).")), 
    responses(
        (status = 200, description = "The collection with all its items.", body = serde_json::Value),
        (status = 401, description = "A token was sent and is not valid (reads need none).", body = HfErrorBody),
        (status = 404, description = "No such collection (or item) the caller can see.", body = HfErrorBody)
    ))]
async fn get_one(State(state): State<AppState>, Reader(caller): Reader, Slug(slug, _): Slug) -> Result<axum::Json<Value>> {
    let v = state.read(move |c| full(c, &caller, &hub::resolve(c, &caller, &slug)?)).await?;
    Ok(axum::Json(v))
}

#[derive(Deserialize, ToSchema)]
struct CreateBody {
    /// The title (its slug makes the collection's).
    title: String,
    /// The owner: the caller's own namespace when absent, else an org where they are an editor.
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    private: Option<bool>,
}

/// `POST /api/collections`: a new collection in the namespace's hub project (made if new). A
/// title that slugifies like a collection's the caller can see there is a 409 naming its slug.
#[utoipa::path(post, path = "/api/collections", tag = "hf", request_body = CreateBody, 
    responses(
        (status = 200, description = "The collection with all its items.", body = serde_json::Value),
        (status = 400, description = "Malformed input (query, JSON, or a value the rules refuse).", body = HfErrorBody),
        (status = 401, description = "No valid token (`Authorization: Bearer <token>`); a token that is not valid is refused even on reads.", body = HfErrorBody),
        (status = 403, description = "The caller may not change this namespace or collection.", body = HfErrorBody),
        (status = 409, description = "The caller already sees a collection with this title there; `slug` names it.", body = HfErrorBody),
        (status = 415, description = "The body is not sent as JSON.", body = HfErrorBody)
    ))]
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
            Ok(Ok(full(tx, &caller, &c)?))
        })
        .await??;
    Ok(axum::Json(v))
}

/// The collection a write names, and a 403 unless the caller may edit it (a collection they
/// cannot see is a 404).
fn editable(conn: &crate::db::Connection, caller: &Caller, slug: &str) -> crate::error::Result<HubCollection> {
    let c = hub::resolve(conn, caller, slug)?;
    match access::project_role(conn, caller, c.project_id)? {
        Some(role) if role >= Role::Editor => Ok(c),
        _ => Err(Error::Forbidden(format!("you cannot change collection {}", c.slug()))),
    }
}

#[derive(Deserialize, ToSchema)]
struct UpdateBody {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    /// The collection's 0-based place on its owner's page (clamped to the last place).
    #[serde(default)]
    position: Option<Value>,
    #[serde(default)]
    private: Option<bool>,
    /// One of trove's collection themes.
    #[serde(default)]
    theme: Option<String>,
}

/// `PATCH /api/collections/{namespace}/{slug}`: title (and so slug), description, privacy,
/// theme, and the place on the owner's page; answers `{"success": true, "data": collection}`.
#[utoipa::path(patch, path = "/api/collections/{namespace}/{slug}", tag = "hf", params(("namespace" = String, Path, description = "The owner of the collection (user or org)."), ("slug" = String, Path, description = "The collection's slug `TITLE-ID` (the `ID` alone is enough).")), request_body = UpdateBody, 
    responses(
        (status = 200, description = "`{\"success\": true, \"data\": collection}`.", body = serde_json::Value),
        (status = 400, description = "Malformed input (query, JSON, or a value the rules refuse).", body = HfErrorBody),
        (status = 401, description = "No valid token (`Authorization: Bearer <token>`); a token that is not valid is refused even on reads.", body = HfErrorBody),
        (status = 403, description = "The caller may not change this namespace or collection.", body = HfErrorBody),
        (status = 404, description = "No such collection (or item) the caller can see.", body = HfErrorBody),
        (status = 409, description = "Another collection there has the new title.", body = HfErrorBody),
        (status = 415, description = "The body is not sent as JSON.", body = HfErrorBody)
    ))]
async fn update(State(state): State<AppState>, Writer(caller): Writer, Slug(slug, _): Slug, Body(body): Body<UpdateBody>) -> Result<axum::Json<Value>> {
    let theme = match body.theme.as_deref() {
        None => None,
        Some(t) => Some(Theme::parse(t).ok_or_else(|| {
            let all: Vec<&str> = Theme::ALL.iter().map(|t| t.as_str()).collect();
            HfError::bad(format!("theme {} is not one of {}", rules::quote(t), all.join(", ")))
        })?),
    };
    let position = match &body.position {
        None | Some(Value::Null) => None,
        Some(p) => Some(p.as_u64().ok_or_else(|| HfError::bad(format!("position {} is not a non-negative whole number", rules::quote(&p.to_string()))))?),
    };
    let patch = CollectionPatch { title: body.title, description: body.description, private: body.private, theme };
    let v = state
        .write(move |tx| {
            let c = editable(tx, &caller, &slug)?;
            collections::update(tx, &caller, c.id, &patch)?;
            if let Some(p) = position {
                hub::set_page_position(tx, &caller, &c, p)?;
            }
            full(tx, &caller, &hub::resolve(tx, &caller, &c.hex_id)?)
        })
        .await?;
    Ok(axum::Json(json!({ "success": true, "data": v })))
}

/// `DELETE /api/collections/{namespace}/{slug}`: a soft delete, as the native API's default.
#[utoipa::path(delete, path = "/api/collections/{namespace}/{slug}", tag = "hf", params(("namespace" = String, Path, description = "The owner of the collection (user or org)."), ("slug" = String, Path, description = "The collection's slug `TITLE-ID` (the `ID` alone is enough).")), 
    responses(
        (status = 200, description = "`{\"success\": true}`.", body = Success),
        (status = 401, description = "No valid token (`Authorization: Bearer <token>`); a token that is not valid is refused even on reads.", body = HfErrorBody),
        (status = 403, description = "The caller may not change this namespace or collection.", body = HfErrorBody),
        (status = 404, description = "No such collection (or item) the caller can see.", body = HfErrorBody)
    ))]
async fn delete(State(state): State<AppState>, Writer(caller): Writer, Slug(slug, _): Slug) -> Result<axum::Json<Value>> {
    state
        .write(move |tx| {
            let c = editable(tx, &caller, &slug)?;
            collections::delete(tx, &caller, c.id, false)
        })
        .await?;
    Ok(axum::Json(json!({ "success": true })))
}

#[derive(Deserialize, ToSchema)]
struct ItemRef {
    /// `ORG/NAME` for a repo, an arXiv id for a paper, `NAMESPACE/TITLE-ID` for a collection.
    id: String,
    /// `model`, `dataset`, `space`, `paper`, `collection` or `bucket`.
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize, ToSchema)]
struct AddBody {
    item: ItemRef,
    #[serde(default)]
    note: Option<String>,
    #[serde(default, rename = "exists_ok")]
    exists_ok: bool,
}

/// `POST /api/collections/{namespace}/{slug}/items`: appends a Hub item, registering it in the
/// collection's hub project when new; 409 when the collection holds it already. Everything is
/// checked before anything is written.
#[utoipa::path(post, path = "/api/collections/{namespace}/{slug}/items", tag = "hf", params(("namespace" = String, Path, description = "The owner of the collection (user or org)."), ("slug" = String, Path, description = "The collection's slug `TITLE-ID` (the `ID` alone is enough).")), request_body = AddBody, 
    responses(
        (status = 200, description = "The collection with all its items.", body = serde_json::Value),
        (status = 400, description = "Malformed input (query, JSON, or a value the rules refuse).", body = HfErrorBody),
        (status = 401, description = "No valid token (`Authorization: Bearer <token>`); a token that is not valid is refused even on reads.", body = HfErrorBody),
        (status = 403, description = "The caller may not change this namespace or collection.", body = HfErrorBody),
        (status = 404, description = "No such collection (or item) the caller can see.", body = HfErrorBody),
        (status = 409, description = "The collection holds this item already.", body = HfErrorBody),
        (status = 415, description = "The body is not sent as JSON.", body = HfErrorBody)
    ))]
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
            Ok(Ok(full(tx, &caller, &hub::resolve(tx, &caller, &c.hex_id)?)?))
        })
        .await??;
    Ok(axum::Json(v))
}

/// The membership an item path names, as `(collection, item id)`; 404 when it is not there.
fn member(tx: &crate::db::Transaction, caller: &Caller, slug: &str, item: &str) -> crate::error::Result<(HubCollection, i64)> {
    let c = editable(tx, caller, slug)?;
    let id = hub::member_by_hex(tx, c.id, &item.to_ascii_lowercase())?
        .ok_or_else(|| Error::NotFound(format!("item {} is not in collection {}", rules::quote(item), c.slug())))?;
    Ok((c, id))
}

#[derive(Deserialize, ToSchema)]
struct ItemPatch {
    #[serde(default)]
    note: Option<String>,
    /// The new 0-based index (clamped to the last one).
    #[serde(default)]
    position: Option<Value>,
}

/// `PATCH /api/collections/{namespace}/{slug}/items/{item}`: the note and/or the 0-based index
/// (clamped to the last one), through `members::update`.
#[utoipa::path(patch, path = "/api/collections/{namespace}/{slug}/items/{item}", tag = "hf", params(("namespace" = String, Path, description = "The owner of the collection (user or org)."), ("slug" = String, Path, description = "The collection's slug `TITLE-ID` (the `ID` alone is enough)."), ("item" = String, Path, description = "The item's `_id` in this collection (24 hex digits).")), request_body = ItemPatch, 
    responses(
        (status = 200, description = "The collection with all its items.", body = serde_json::Value),
        (status = 400, description = "Malformed input (query, JSON, or a value the rules refuse).", body = HfErrorBody),
        (status = 401, description = "No valid token (`Authorization: Bearer <token>`); a token that is not valid is refused even on reads.", body = HfErrorBody),
        (status = 403, description = "The caller may not change this namespace or collection.", body = HfErrorBody),
        (status = 404, description = "No such collection (or item) the caller can see.", body = HfErrorBody),
        (status = 415, description = "The body is not sent as JSON.", body = HfErrorBody)
    ))]
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
            full(tx, &caller, &hub::resolve(tx, &caller, &c.hex_id)?)
        })
        .await?;
    Ok(axum::Json(v))
}

/// `DELETE /api/collections/{namespace}/{slug}/items/{item}`: 404 when it is not there.
#[utoipa::path(delete, path = "/api/collections/{namespace}/{slug}/items/{item}", tag = "hf", params(("namespace" = String, Path, description = "The owner of the collection (user or org)."), ("slug" = String, Path, description = "The collection's slug `TITLE-ID` (the `ID` alone is enough)."), ("item" = String, Path, description = "The item's `_id` in this collection (24 hex digits).")), 
    responses(
        (status = 200, description = "`{\"success\": true}`.", body = Success),
        (status = 401, description = "No valid token (`Authorization: Bearer <token>`); a token that is not valid is refused even on reads.", body = HfErrorBody),
        (status = 403, description = "The caller may not change this namespace or collection.", body = HfErrorBody),
        (status = 404, description = "No such collection (or item) the caller can see.", body = HfErrorBody)
    ))]
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
