//! Items: a project's items with the app's typed filter and sort, paged by keyset cursor; one
//! item; thumbnail bytes by content hash.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use trove_protocol::api::{ErrorBody, ItemInfo, ItemsPage};
use trove_protocol::{Filter, ItemQuery, Sort, SortKey};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::extract::{Path, Query};
use crate::state::AppState;
use crate::store::items;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(get)).routes(routes!(thumbnail))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListParams {
    /// The typed filter as JSON, e.g. `{"clauses":[{"cond":{"field":"tags","tags":["cat"],"mode":"any"}}]}`.
    filter: Option<String>,
    /// `name` (default), `dataset`, `size`, `dimensions`, `tags`, `created` or `updated`.
    #[param(value_type = Option<String>)]
    sort: Option<SortKey>,
    /// Reverse the order.
    desc: Option<bool>,
    /// Page size, 1 to 1000 (default 100).
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// The project's items matching a filter, in a sort order, one page at a time.
#[utoipa::path(get, path = "/projects/{project}/items", tag = "items",
    params(("project" = i64, Path, description = "project id"), ListParams),
    responses((status = 200, body = ItemsPage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list(State(state): State<AppState>, caller: Caller, Path(project): Path<i64>, Query(p): Query<ListParams>) -> Result<axum::Json<ItemsPage>> {
    let filter: Filter = match &p.filter {
        Some(json) => serde_json::from_str(json).map_err(|e| Error::Invalid(format!("filter is not valid: {}", trove_protocol::rules::clip(&e.to_string()))))?,
        None => Filter::default(),
    };
    let query = ItemQuery { filter, collection: None, sort: Sort { key: p.sort.unwrap_or(SortKey::Name), desc: p.desc.unwrap_or(false) } };
    let limit = items::page_size(p.limit, state.limits.page_default, state.limits.page_max)?;
    let page = state.read(move |c| items::page(c, &caller, project, &query, limit, p.cursor.as_deref())).await?;
    Ok(axum::Json(page))
}

/// One item.
#[utoipa::path(get, path = "/items/{item}", tag = "items", params(("item" = i64, Path, description = "item id")),
    responses((status = 200, body = ItemInfo), (status = 404, body = ErrorBody)))]
async fn get(State(state): State<AppState>, caller: Caller, Path(item): Path<i64>) -> Result<axum::Json<ItemInfo>> {
    Ok(axum::Json(state.read(move |c| items::get(c, &caller, item)).await?))
}

/// A thumbnail's bytes by its content hash (an item's `thumb`). Content never changes for a
/// hash, so it is cacheable for a year and answers `If-None-Match` with 304.
#[utoipa::path(get, path = "/thumbnails/{hash}", tag = "items", params(("hash" = String, Path, description = "SHA-256 of the thumbnail, 64 lowercase hex characters")),
    responses((status = 200, description = "the image", content_type = "image/png"), (status = 304, description = "not modified"),
              (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn thumbnail(State(state): State<AppState>, caller: Caller, Path(hash): Path<String>, headers: HeaderMap) -> Result<Response> {
    if !trove_thumbs::is_hash(&hash) {
        return Err(Error::Invalid(format!("{hash:?} is not a thumbnail hash; expected 64 lowercase hex characters")));
    }
    let missing = || Error::NotFound(format!("thumbnail {hash} does not exist"));
    let visible = {
        let hash = hash.clone();
        state.read(move |c| items::thumb_visible(c, &caller, &hash)).await?
    };
    let path = state.thumbs.get(&hash).filter(|_| visible).ok_or_else(missing)?;
    let etag = format!("\"{hash}\"");
    let cache = [(header::ETAG, etag.clone()), (header::CACHE_CONTROL, "private, max-age=31536000, immutable".to_string())];
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').any(|t| t.trim() == etag)) {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    let bytes = tokio::fs::read(&path).await.map_err(|e| Error::Internal(e.into()))?;
    let mime = if bytes.starts_with(&[0xff, 0xd8]) { "image/jpeg" } else { "image/png" };
    let mut response = (cache, bytes).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    Ok(response)
}
