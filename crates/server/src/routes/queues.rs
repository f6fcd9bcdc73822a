//! Labeling queues: per project (list with counts, create; the people who may work in one), and
//! by id (get, items by status, claim, submit, review, close). Every write is a mutation applied
//! by the rulebook (`store::queues`).

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use trove_protocol::api::{
    ClaimRequest, ErrorBody, NewQueueRequest, ProjectPerson, QueueInfo, QueueItemInfo, QueueItemsPage, ReviewRequest, ReviewResult, SubmitRequest,
};
use trove_protocol::QueueStatus;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::store::{items, queues};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(people))
        .routes(routes!(get))
        .routes(routes!(entries))
        .routes(routes!(claim))
        .routes(routes!(submit))
        .routes(routes!(review))
        .routes(routes!(close))
}

/// The project's labeling queues the caller can see, oldest first, with their counts per status.
#[utoipa::path(get, path = "/projects/{project}/queues", tag = "queues", params(("project" = i64, Path, description = "project id")),
    responses((status = 200, body = Vec<QueueInfo>), (status = 404, body = ErrorBody)))]
async fn list(State(state): State<AppState>, caller: Caller, Path(project): Path<i64>) -> Result<axum::Json<Vec<QueueInfo>>> {
    Ok(axum::Json(state.read(move |c| queues::list(c, &caller, project)).await?))
}

/// Creates a queue that follows one of the project's collections live (needs the editor role).
/// Annotators and reviewers are user names with a role in the project; at most 100 of each,
/// 50 tag choices, a name of 1 to 100 characters.
#[utoipa::path(post, path = "/projects/{project}/queues", tag = "queues", params(("project" = i64, Path, description = "project id")),
    request_body = NewQueueRequest,
    responses((status = 201, body = QueueInfo), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(project): Path<i64>,
    Json(new): Json<NewQueueRequest>,
) -> Result<(StatusCode, axum::Json<QueueInfo>)> {
    let q = state.write(move |tx| queues::create(tx, &caller, project, &new)).await?;
    Ok((StatusCode::CREATED, axum::Json(q)))
}

/// The users with a role in the project, and their role: who may be an annotator or a reviewer.
#[utoipa::path(get, path = "/projects/{project}/people", tag = "queues", params(("project" = i64, Path, description = "project id")),
    responses((status = 200, body = Vec<ProjectPerson>), (status = 404, body = ErrorBody)))]
async fn people(State(state): State<AppState>, caller: Caller, Path(project): Path<i64>) -> Result<axum::Json<Vec<ProjectPerson>>> {
    Ok(axum::Json(state.read(move |c| queues::people(c, &caller, project)).await?))
}

/// One queue with its counts per status and what the caller may do in it.
#[utoipa::path(get, path = "/queues/{id}", tag = "queues", params(("id" = i64, Path, description = "queue id")),
    responses((status = 200, body = QueueInfo), (status = 404, body = ErrorBody)))]
async fn get(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> Result<axum::Json<QueueInfo>> {
    Ok(axum::Json(state.read(move |c| queues::get(c, &caller, id)).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct EntriesParams {
    /// Only items with this status (`pending`, `annotating`, `done`, `accepted`, `rejected`).
    #[param(value_type = Option<String>)]
    status: Option<QueueStatus>,
    /// How many items to skip (default 0).
    offset: Option<u64>,
    /// Page size, 1 to 1000 (default 100).
    limit: Option<i64>,
}

/// The queue's items, optionally with one status, one page at a time: the collection's items in
/// its order, then the history of items that left it, by id.
#[utoipa::path(get, path = "/queues/{id}/items", tag = "queues", params(("id" = i64, Path, description = "queue id"), EntriesParams),
    responses((status = 200, body = QueueItemsPage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn entries(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>, Query(p): Query<EntriesParams>) -> Result<axum::Json<QueueItemsPage>> {
    let limit = items::page_size(p.limit, state.limits.page_default, state.limits.page_max)?;
    let offset = p.offset.unwrap_or(0);
    if offset > i64::MAX as u64 {
        return Err(Error::Invalid(format!("offset {offset} is too large")));
    }
    let page = state
        .read(move |c| {
            let (q, _) = queues::by_id(c, &caller, id)?;
            let statuses = p.status.map(|s| vec![s]);
            let (total, items) = queues::page(c, &q, statuses.as_deref(), &[], queues::Order::Queue, offset, limit)?;
            Ok(QueueItemsPage { items, total })
        })
        .await?;
    Ok(axum::Json(page))
}

/// Claims the next `count` pending items (1 to 500) in collection order, for the caller (an
/// annotator of the queue); answers the items now theirs (fewer when fewer were pending).
#[utoipa::path(post, path = "/queues/{id}/claim", tag = "queues", params(("id" = i64, Path, description = "queue id")), request_body = ClaimRequest,
    responses((status = 200, body = Vec<QueueItemInfo>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn claim(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>, Json(r): Json<ClaimRequest>) -> Result<axum::Json<Vec<QueueItemInfo>>> {
    Ok(axum::Json(state.write(move |tx| queues::claim(tx, &caller, id, r.count)).await?))
}

/// Submits one item (an annotator of the queue): its tags change by `add` and `remove`, it is
/// marked labeled, and it becomes `done`. The first submission wins: an item another annotator
/// holds or submitted is refused whole (409), its tags untouched.
#[utoipa::path(post, path = "/queues/{id}/items/{item}/submit", tag = "queues",
    params(("id" = i64, Path, description = "queue id"), ("item" = i64, Path, description = "item id")), request_body = SubmitRequest,
    responses((status = 200, body = QueueItemInfo), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, item)): Path<(i64, i64)>,
    Json(r): Json<SubmitRequest>,
) -> Result<axum::Json<QueueItemInfo>> {
    Ok(axum::Json(state.write(move |tx| queues::submit(tx, &caller, id, item, &r.add, &r.remove)).await?))
}

/// Accepts or rejects items (a reviewer of the queue; at most 500), each at the submission the
/// reviewer saw: an item submitted again since, or not submitted, is refused alone and named in
/// `refused`; the others apply.
#[utoipa::path(post, path = "/queues/{id}/review", tag = "queues", params(("id" = i64, Path, description = "queue id")), request_body = ReviewRequest,
    responses((status = 200, body = ReviewResult), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn review(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>, Json(r): Json<ReviewRequest>) -> Result<axum::Json<ReviewResult>> {
    Ok(axum::Json(state.write(move |tx| queues::review(tx, &caller, id, &r)).await?))
}

/// Closes the queue (needs the editor role): nobody works in it any more; its history stays.
#[utoipa::path(post, path = "/queues/{id}/close", tag = "queues", params(("id" = i64, Path, description = "queue id")),
    responses((status = 200, body = QueueInfo), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn close(State(state): State<AppState>, caller: Caller, Path(id): Path<i64>) -> Result<axum::Json<QueueInfo>> {
    Ok(axum::Json(state.write(move |tx| queues::close(tx, &caller, id)).await?))
}
