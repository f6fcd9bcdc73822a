//! The compatibility APIs: adapters that speak another service's wire contract over the same
//! store and rulebook as the native API (`../shared/specs/`). `hf` is the Hugging Face Hub's
//! collections API (`/api/whoami-v2`, `/api/collections…`), `sly` Supervisely's
//! entities-collections API (`POST /public/api/v3/{method}`). Neither has SQL of its own beyond
//! what its wire shapes need, and neither decides what a change does: memberships, positions and
//! fields change through `store::members`/`store::collections`, which apply the rulebook.

pub mod hf;
pub mod sly;

use axum::Router;

use crate::state::AppState;

/// Both compatibility APIs, at the paths their clients call.
pub fn router() -> Router<AppState> {
    Router::new().merge(hf::router()).merge(sly::router())
}
