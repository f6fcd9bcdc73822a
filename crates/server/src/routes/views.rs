//! Saved views: a project's views, one view, and the items its filter matches now. Views are
//! made and edited by the app through sync (`create_view`, `update_view`, `delete_view`).

use axum::extract::State;
use serde::Deserialize;
use trove_protocol::api::{ErrorBody, ItemsPage};
use trove_protocol::ViewInfo;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::extract::{Path, Query};
use crate::state::AppState;
use crate::store::{items, views};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(get)).routes(routes!(view_items))
}

fn check_uuid(view: &str) -> Result<()> {
    trove_protocol::rules::id("view", view).map(|_| ()).map_err(|e| Error::Invalid(e.to_string()))
}

/// The project's saved views, by name. Each filter is portable: it names datasets, collections
/// and queues by UUID.
#[utoipa::path(get, path = "/projects/{project}/views", tag = "views", params(("project" = i64, Path, description = "project id")),
    responses((status = 200, body = Vec<ViewInfo>), (status = 404, body = ErrorBody)))]
async fn list(State(state): State<AppState>, caller: Caller, Path(project): Path<i64>) -> Result<axum::Json<Vec<ViewInfo>>> {
    Ok(axum::Json(state.read(move |c| views::list(c, &caller, project)).await?))
}

/// One saved view.
#[utoipa::path(get, path = "/views/{view}", tag = "views", params(("view" = String, Path, description = "view UUID")),
    responses((status = 200, body = ViewInfo), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get(State(state): State<AppState>, caller: Caller, Path(view): Path<String>) -> Result<axum::Json<ViewInfo>> {
    check_uuid(&view)?;
    Ok(axum::Json(state.read(move |c| views::get(c, &caller, &view)).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct PageParams {
    /// Page size, 1 to 1000 (default 100).
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// The items the view's filter matches now, in its sort, one page at a time. A clause naming a
/// collection, dataset or queue that is gone (or that the caller may not see) is left out.
#[utoipa::path(get, path = "/views/{view}/items", tag = "views", params(("view" = String, Path, description = "view UUID"), PageParams),
    responses((status = 200, body = ItemsPage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn view_items(State(state): State<AppState>, caller: Caller, Path(view): Path<String>, Query(p): Query<PageParams>) -> Result<axum::Json<ItemsPage>> {
    check_uuid(&view)?;
    let limit = items::page_size(p.limit, state.limits.page_default, state.limits.page_max)?;
    Ok(axum::Json(state.read(move |c| views::items(c, &caller, &view, limit, p.cursor.as_deref())).await?))
}
