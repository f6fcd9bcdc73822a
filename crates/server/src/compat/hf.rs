//! The Hugging Face Hub collections API (`../shared/specs/hf-collections-api.md`).

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
