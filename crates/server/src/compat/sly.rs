//! Supervisely's entities-collections API (`../shared/specs/supervisely-collections-api.md`).

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
