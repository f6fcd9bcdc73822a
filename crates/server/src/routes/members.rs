//! A collection's items: list in order (paged), add one, bulk add, bulk remove, update an
//! item's note and position, remove one.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use trove_protocol::api::{AddItem, BulkAdd, BulkAddOutcome, BulkRemove, BulkRemoveOutcome, ErrorBody, Member, MemberPatch, MembersPage};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::collections::slug;
use crate::auth::Caller;
use crate::error::Result;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::store::{collections, items, members};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, add))
        .routes(routes!(bulk_add))
        .routes(routes!(bulk_remove))
        .routes(routes!(update, remove))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListParams {
    /// Page size, 1 to 1000 (default 100).
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// The collection's items in their order, one page at a time, with notes and positions.
#[utoipa::path(get, path = "/collections/{namespace}/{slug}/items", tag = "members",
    params(("namespace" = String, Path), ("slug" = String, Path), ListParams),
    responses((status = 200, body = MembersPage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path((ns, s)): Path<(String, String)>,
    Query(p): Query<ListParams>,
) -> Result<axum::Json<MembersPage>> {
    let limit = items::page_size(p.limit, state.limits.page_default, state.limits.page_max)?;
    let page = state
        .read(move |c| {
            let coll = collections::resolve(c, &caller, &slug(&ns, &s))?;
            members::page(c, &coll, limit, p.cursor.as_deref())
        })
        .await?;
    Ok(axum::Json(page))
}

/// Adds one item at the end: 201 with the membership; 409 if it is there already, unless
/// `exists_ok` (then 200 with the existing membership).
#[utoipa::path(post, path = "/collections/{namespace}/{slug}/items", tag = "members",
    params(("namespace" = String, Path), ("slug" = String, Path)), request_body = AddItem,
    responses((status = 201, body = Member), (status = 200, body = Member, description = "already there and exists_ok"),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn add(
    State(state): State<AppState>,
    caller: Caller,
    Path((ns, s)): Path<(String, String)>,
    Json(input): Json<AddItem>,
) -> Result<(StatusCode, axum::Json<Member>)> {
    let (m, created) = state
        .write(move |tx| {
            let c = collections::resolve(tx, &caller, &slug(&ns, &s))?;
            members::add(tx, &caller, &c, &input)
        })
        .await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, axum::Json(m)))
}

/// Appends many items (at most 10,000 per request) in the order given, with optional notes.
/// Answers which were added, which were there already, and which ids are not items of the
/// collection's project (`missing`); nothing is written if any note is invalid.
#[utoipa::path(post, path = "/collections/{namespace}/{slug}/items/bulk-add", tag = "members",
    params(("namespace" = String, Path), ("slug" = String, Path)), request_body = BulkAdd,
    responses((status = 200, body = BulkAddOutcome), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
async fn bulk_add(
    State(state): State<AppState>,
    caller: Caller,
    Path((ns, s)): Path<(String, String)>,
    Json(input): Json<BulkAdd>,
) -> Result<axum::Json<BulkAddOutcome>> {
    let max = state.limits.bulk_max;
    let out = state
        .write(move |tx| {
            let c = collections::resolve(tx, &caller, &slug(&ns, &s))?;
            members::bulk_add(tx, &caller, &c, &input, max)
        })
        .await?;
    Ok(axum::Json(out))
}

/// Removes many items (at most 10,000 per request); answers which were removed and which were
/// not in the collection.
#[utoipa::path(post, path = "/collections/{namespace}/{slug}/items/bulk-remove", tag = "members",
    params(("namespace" = String, Path), ("slug" = String, Path)), request_body = BulkRemove,
    responses((status = 200, body = BulkRemoveOutcome), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
async fn bulk_remove(
    State(state): State<AppState>,
    caller: Caller,
    Path((ns, s)): Path<(String, String)>,
    Json(input): Json<BulkRemove>,
) -> Result<axum::Json<BulkRemoveOutcome>> {
    let max = state.limits.bulk_max;
    let out = state
        .write(move |tx| {
            let c = collections::resolve(tx, &caller, &slug(&ns, &s))?;
            members::bulk_remove(tx, &caller, &c, &input.items, max)
        })
        .await?;
    Ok(axum::Json(out))
}

/// Sets an item's note (at most 500 characters; empty clears it) and/or moves it to a 0-based
/// index (clamped to the last one).
#[utoipa::path(patch, path = "/collections/{namespace}/{slug}/items/{item}", tag = "members",
    params(("namespace" = String, Path), ("slug" = String, Path), ("item" = i64, Path, description = "item id")), request_body = MemberPatch,
    responses((status = 200, body = Member), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path((ns, s, item)): Path<(String, String, i64)>,
    Json(patch): Json<MemberPatch>,
) -> Result<axum::Json<Member>> {
    let m = state
        .write(move |tx| {
            let c = collections::resolve(tx, &caller, &slug(&ns, &s))?;
            members::update(tx, &caller, &c, item, &patch)
        })
        .await?;
    Ok(axum::Json(m))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct RemoveParams {
    /// Answer 204 instead of 404 when the item is not in the collection.
    #[serde(default)]
    missing_ok: bool,
}

/// Removes one item from the collection.
#[utoipa::path(delete, path = "/collections/{namespace}/{slug}/items/{item}", tag = "members",
    params(("namespace" = String, Path), ("slug" = String, Path), ("item" = i64, Path, description = "item id"), RemoveParams),
    responses((status = 204, description = "removed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path((ns, s, item)): Path<(String, String, i64)>,
    Query(p): Query<RemoveParams>,
) -> Result<StatusCode> {
    state
        .write(move |tx| {
            let c = collections::resolve(tx, &caller, &slug(&ns, &s))?;
            members::remove(tx, &caller, &c, item, p.missing_ok)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
