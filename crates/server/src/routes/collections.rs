//! Collections: per project (list with counts, create), and by slug (get, update, delete). A
//! slug resolves by its id suffix, so an old slug keeps working after a rename.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use trove_protocol::api::{CollectionInfo, ErrorBody};
use trove_protocol::{CollectionPatch, NewCollection};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::Result;
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::store::collections;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(get, update, delete))
}

/// The `{namespace}/{slug}` of a collection route.
pub fn slug(namespace: &str, slug: &str) -> String {
    format!("{namespace}/{slug}")
}

/// The project's collections the caller may see, with item counts, most recently changed first.
#[utoipa::path(get, path = "/projects/{project}/collections", tag = "collections", params(("project" = i64, Path, description = "project id")),
    responses((status = 200, body = Vec<CollectionInfo>), (status = 404, body = ErrorBody)))]
async fn list(State(state): State<AppState>, caller: Caller, Path(project): Path<i64>) -> Result<axum::Json<Vec<CollectionInfo>>> {
    Ok(axum::Json(state.read(move |c| collections::list(c, &caller, project)).await?))
}

/// Creates a collection (needs the editor role). Its slug is
/// `{namespace}/{slugified-title}-{24 hex id}`; a title that slugifies like another live
/// collection's in the project is a conflict.
#[utoipa::path(post, path = "/projects/{project}/collections", tag = "collections", params(("project" = i64, Path, description = "project id")),
    request_body = NewCollection,
    responses((status = 201, body = CollectionInfo), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(project): Path<i64>,
    Json(new): Json<NewCollection>,
) -> Result<(StatusCode, axum::Json<CollectionInfo>)> {
    let c = state.write(move |tx| collections::create(tx, &caller, project, &new, None)).await?;
    Ok((StatusCode::CREATED, axum::Json(c)))
}

/// One collection by slug.
#[utoipa::path(get, path = "/collections/{namespace}/{slug}", tag = "collections",
    params(("namespace" = String, Path), ("slug" = String, Path, description = "`{title-slug}-{id}`; only the id suffix is used")),
    responses((status = 200, body = CollectionInfo), (status = 404, body = ErrorBody)))]
async fn get(State(state): State<AppState>, caller: Caller, Path((ns, s)): Path<(String, String)>) -> Result<axum::Json<CollectionInfo>> {
    Ok(axum::Json(state.read(move |c| collections::resolve(c, &caller, &slug(&ns, &s))).await?))
}

/// Changes the title (and so the slug), description, privacy or theme (needs the editor role).
#[utoipa::path(patch, path = "/collections/{namespace}/{slug}", tag = "collections",
    params(("namespace" = String, Path), ("slug" = String, Path)), request_body = CollectionPatch,
    responses((status = 200, body = CollectionInfo), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path((ns, s)): Path<(String, String)>,
    Json(patch): Json<CollectionPatch>,
) -> Result<axum::Json<CollectionInfo>> {
    let c = state
        .write(move |tx| {
            let c = collections::resolve(tx, &caller, &slug(&ns, &s))?;
            collections::update(tx, &caller, c.collection.id, &patch)
        })
        .await?;
    Ok(axum::Json(c))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct DeleteParams {
    /// Delete for good, with the memberships (default: a soft delete).
    #[serde(default)]
    hard: bool,
}

/// Deletes a collection (needs the editor role): softly by default, for good with `hard=true`.
/// Either way no route finds it afterwards.
#[utoipa::path(delete, path = "/collections/{namespace}/{slug}", tag = "collections",
    params(("namespace" = String, Path), ("slug" = String, Path), DeleteParams),
    responses((status = 204, description = "deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((ns, s)): Path<(String, String)>,
    Query(p): Query<DeleteParams>,
) -> Result<StatusCode> {
    state
        .write(move |tx| {
            let c = collections::resolve(tx, &caller, &slug(&ns, &s))?;
            collections::delete(tx, &caller, c.collection.id, p.hard)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
