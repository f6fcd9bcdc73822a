//! The native API under `/api/v1`: one module per domain noun, each with its own `router()`.
//! Handlers are thin: extract, call one store function on the blocking pool, answer. The
//! OpenAPI document is collected from the handlers' `#[utoipa::path]` annotations, so it cannot
//! drift from the routes.

mod collections;
mod health;
mod history;
mod items;
mod me;
mod members;
mod projects;
mod queues;
mod sync;
mod uploads;
mod views;

use axum::http::{Method, Uri};
use axum::Router;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::error::Error;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "trove-server native API",
        description = "Projects, datasets, items, thumbnails, collections, memberships and labeling queues. Every route but \
            `/health` and this document needs `Authorization: Bearer <token>`. Limits: request bodies up to 2 MiB \
            (an uploaded thumbnail 1 MiB, an original 64 MiB), \
            pages up to 1000 items, bulk add/remove up to 10,000 items, 50 requests per second per token \
            (bursts of 100; 429 with `Retry-After` beyond) and 250 per client address before any other work. \
            A sync push carries at most 8 MiB and 1000 mutations; a mutation names at most 10,000 items and \
            100 tags, ids of at most 64 characters, position keys of at most 1024 bytes. A claim or a review takes at most 500 items. A filter has at most \
            50 clauses and 1000 values per list. Messages quote bad input cut to 100 characters. \
            Errors are `{\"error\": {\"code\", \"message\"}}`."
    ),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// The `/api/v1` routes and their OpenAPI document.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(me::router())
        .merge(projects::router())
        .merge(items::router())
        .merge(collections::router())
        .merge(members::router())
        .merge(history::router())
        .merge(queues::router())
        .merge(sync::router())
        .merge(uploads::router())
        .merge(views::router())
        .split_for_parts();
    doc.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    (router, doc)
}

/// Any path or method no route answers: a JSON 404 that names it.
pub async fn fallback(method: Method, uri: Uri) -> Error {
    Error::NotFound(format!("there is no route {method} {}", uri.path()))
}

/// A path that exists, asked with a method it does not answer: a JSON 405 that names both.
pub async fn method_not_allowed(method: Method, uri: Uri) -> Error {
    Error::MethodNotAllowed(format!("{} does not answer {method}", uri.path()))
}
