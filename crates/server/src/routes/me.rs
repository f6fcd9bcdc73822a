//! `GET /me`: who the token belongs to and their namespaces.

use axum::extract::State;
use axum::Json;
use trove_protocol::api::{ErrorBody, Me};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::Result;
use crate::state::AppState;
use crate::store::accounts;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}

/// The caller: their user, whether they are a server admin, and their namespaces with roles.
#[utoipa::path(get, path = "/me", tag = "accounts", responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(State(state): State<AppState>, caller: Caller) -> Result<Json<Me>> {
    Ok(Json(state.read(move |c| accounts::me(c, &caller)).await?))
}

