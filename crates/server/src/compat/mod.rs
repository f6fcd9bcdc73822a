//! The compatibility APIs: adapters that speak another service's wire contract over the same
//! store and rulebook as the native API (`../shared/specs/`). `hf` is the Hugging Face Hub's
//! collections API (`/api/whoami-v2`, `/api/collections…`), `sly` Supervisely's
//! entities-collections API (`POST /public/api/v3/{method}`). Neither has SQL of its own beyond
//! what its wire shapes need, and neither decides what a change does: memberships, positions and
//! fields change through `store::members`/`store::collections`, which apply the rulebook.

pub mod hf;
pub mod sly;

use axum::Router;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// The compatibility APIs' own OpenAPI document (served at `/api/compat/openapi.json`), kept
/// apart from the native one: other services' wire contracts, with their own error shapes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "trove-server compatibility APIs",
        description = "Adapters that speak other services' wire contracts over the same store and rules as the \
            native API (`/api/v1/openapi.json`). Tag `hf`: the Hugging Face Hub collections API, for \
            `huggingface_hub` with `HF_ENDPOINT` pointing here; errors are `{\"error\": \"...\"}`. Tag \
            `supervisely`: Supervisely's entities-collections API, one dispatcher for the `supervisely` SDK; \
            errors are `{\"error\": \"<short>\", \"details\": {\"message\": \"...\"}}`. Tokens are trove API \
            tokens, as `Authorization: Bearer <token>` or `x-api-key: <token>`. Every route may also answer \
            413 (body over 2 MiB), 429 (rate limit, with `Retry-After`) and 408 (request timeout)."
    ),
    modifiers(&TokenAuth),
    security(("bearer" = []), ("api_key" = []))
)]
struct CompatDoc;

struct TokenAuth;

impl Modify for TokenAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        components.add_security_scheme("api_key", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("x-api-key"))));
    }
}

/// Both compatibility APIs at the paths their clients call, and their OpenAPI document (built
/// from the handlers' `#[utoipa::path]` annotations, so it cannot drift from the routes).
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(CompatDoc::openapi()).merge(hf::router()).merge(sly::router()).split_for_parts()
}

/// Both compatibility APIs, at the paths their clients call.
pub fn router() -> Router<AppState> {
    api().0
}
