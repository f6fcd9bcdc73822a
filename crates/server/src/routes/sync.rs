//! Sync: push a client's mutations, pull a project's changes after a cookie (DESIGN §4).

use axum::extract::{DefaultBodyLimit, State};
use serde::Deserialize;
use trove_protocol::api::ErrorBody;
use trove_protocol::sync::{PullResponse, PushRequest, PushResponse, RejectedMutation};
use utoipa::IntoParams;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::extract::{Json, Query};
use crate::state::AppState;
use crate::store::sync::{self, Outcome};

/// Largest push body: a push carries many mutations, and one mutation may name many items.
pub const PUSH_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Most mutations in one push.
pub const PUSH_MAX: usize = 1000;
/// Changed rows per pull page: default and most.
pub const PULL_DEFAULT: u32 = 5000;
pub const PULL_MAX: u32 = 50_000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(push).layer(DefaultBodyLimit::max(PUSH_BODY_BYTES))).routes(routes!(pull))
}

/// Applies the client's mutations in order, each exactly once and in its own transaction with
/// the client's last mutation id: a repeated id is skipped, a gap is refused (409), a mutation
/// refused for a business reason is reported in `rejected` and still counts as applied. At
/// most 1000 mutations and 64 MiB per push.
#[utoipa::path(post, path = "/sync/push", tag = "sync", request_body = PushRequest,
    responses((status = 200, body = PushResponse), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody, description = "a gap in mutation ids"), (status = 413, body = ErrorBody)))]
async fn push(State(state): State<AppState>, caller: Caller, Json(req): Json<PushRequest>) -> Result<axum::Json<PushResponse>> {
    if req.mutations.len() > PUSH_MAX {
        return Err(Error::TooLarge(format!("{} mutations in one push; at most {PUSH_MAX} are allowed", req.mutations.len())));
    }
    let response = state
        .blocking(move |db| {
            let mut rejected = Vec::new();
            for m in &req.mutations {
                if let Outcome::Rejected(error) = sync::push_one(db, &caller, &req.client_id, m)? {
                    rejected.push(RejectedMutation { id: m.id, name: m.mutation.name().to_string(), error });
                }
            }
            let last_mutation_id = db.read(|c| sync::client_state(c, &caller, &req.client_id))?;
            Ok(PushResponse { last_mutation_id, rejected })
        })
        .await?;
    Ok(axum::Json(response))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct PullParams {
    /// The project's UUID.
    project: String,
    /// The pulling database's client id.
    client_id: String,
    /// `cookie` of the last pull (0 or absent: from the beginning).
    #[serde(default)]
    cookie: i64,
    /// Changed rows per page, 1 to 50,000 (default 5,000).
    limit: Option<i64>,
    /// The first mutation id still in the client's outbox: the answer repeats the refusals
    /// from there on, for a client whose push answer was lost.
    pending_from: Option<i64>,
}

/// The project's changes after `cookie`, tombstones included, as the caller may see them; the
/// client's last applied mutation id; `more` when another page follows; `reset` (and the whole
/// current state) for a cookie this server cannot continue from: not one it gave out, or older
/// than history it has pruned.
#[utoipa::path(get, path = "/sync/pull", tag = "sync", params(PullParams),
    responses((status = 200, body = PullResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn pull(State(state): State<AppState>, caller: Caller, Query(p): Query<PullParams>) -> Result<axum::Json<PullResponse>> {
    let limit = crate::store::items::page_size(p.limit, PULL_DEFAULT, PULL_MAX)?;
    Ok(axum::Json(state.read(move |c| sync::pull(c, &caller, &p.project, &p.client_id, p.cookie, limit, p.pending_from)).await?))
}
