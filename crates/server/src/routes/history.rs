//! A collection's history (issue 16): its accepted changes, newest first, paged, filtered by
//! author and kind. Whoever may see the collection may read it; anyone else gets the 404 every
//! collection route gives.

use axum::extract::State;
use trove_protocol::api::ErrorBody;
use trove_protocol::history::{ChangesPage, HistoryQuery};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::collections::slug;
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::extract::{Path, Query};
use crate::state::AppState;
use crate::store::{collections, history};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

/// The collection's changes, newest first: who (`author`), when (`at`, ms), what (`kind`),
/// how many items and which (by number in the project). `before` pages back; `limit` is 1 to
/// 100 (default 50). Changes older than the server's prune window are forgotten.
#[utoipa::path(get, path = "/collections/{namespace}/{slug}/history", tag = "collections",
    params(("namespace" = String, Path), ("slug" = String, Path), HistoryQuery),
    responses((status = 200, body = ChangesPage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path((ns, s)): Path<(String, String)>,
    Query(q): Query<HistoryQuery>,
) -> Result<axum::Json<ChangesPage>> {
    let q = q.check().map_err(|e| Error::Invalid(e.to_string()))?;
    let page = state
        .read(move |c| {
            let coll = collections::resolve(c, &caller, &slug(&ns, &s))?;
            history::page(c, &coll, &q)
        })
        .await?;
    Ok(axum::Json(page))
}
