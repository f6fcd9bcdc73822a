//! Projects and their datasets.

use axum::extract::State;
use axum::http::StatusCode;
use trove_protocol::api::{DatasetInfo, ErrorBody, NewDataset, NewProject, ProjectInfo};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::Result;
use crate::extract::{Json, Path};
use crate::state::AppState;
use crate::store::{datasets, projects};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get))
        .routes(routes!(list_datasets, create_dataset))
}

/// Every project the caller has a role in.
#[utoipa::path(get, path = "/projects", tag = "projects", responses((status = 200, body = Vec<ProjectInfo>), (status = 401, body = ErrorBody)))]
async fn list(State(state): State<AppState>, caller: Caller) -> Result<axum::Json<Vec<ProjectInfo>>> {
    Ok(axum::Json(state.read(move |c| projects::list(c, &caller)).await?))
}

/// Creates a project in a namespace where the caller is an editor (their own by default).
#[utoipa::path(post, path = "/projects", tag = "projects", request_body = NewProject,
    responses((status = 201, body = ProjectInfo), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create(State(state): State<AppState>, caller: Caller, Json(new): Json<NewProject>) -> Result<(StatusCode, axum::Json<ProjectInfo>)> {
    let p = state.write(move |tx| projects::create(tx, &caller, &new)).await?;
    Ok((StatusCode::CREATED, axum::Json(p)))
}

/// One project, with the caller's role in it.
#[utoipa::path(get, path = "/projects/{project}", tag = "projects", params(("project" = i64, Path, description = "project id")),
    responses((status = 200, body = ProjectInfo), (status = 404, body = ErrorBody)))]
async fn get(State(state): State<AppState>, caller: Caller, Path(project): Path<i64>) -> Result<axum::Json<ProjectInfo>> {
    Ok(axum::Json(state.read(move |c| projects::get(c, &caller, project)).await?))
}

/// The project's datasets with their item counts, by name.
#[utoipa::path(get, path = "/projects/{project}/datasets", tag = "projects", params(("project" = i64, Path, description = "project id")),
    responses((status = 200, body = Vec<DatasetInfo>), (status = 404, body = ErrorBody)))]
async fn list_datasets(State(state): State<AppState>, caller: Caller, Path(project): Path<i64>) -> Result<axum::Json<Vec<DatasetInfo>>> {
    Ok(axum::Json(state.read(move |c| datasets::list(c, &caller, project)).await?))
}

/// Creates a dataset (needs the editor role).
#[utoipa::path(post, path = "/projects/{project}/datasets", tag = "projects", params(("project" = i64, Path, description = "project id")),
    request_body = NewDataset,
    responses((status = 201, body = DatasetInfo), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_dataset(
    State(state): State<AppState>,
    caller: Caller,
    Path(project): Path<i64>,
    Json(new): Json<NewDataset>,
) -> Result<(StatusCode, axum::Json<DatasetInfo>)> {
    let d = state.write(move |tx| datasets::create(tx, &caller, project, &new)).await?;
    Ok((StatusCode::CREATED, axum::Json(d)))
}
