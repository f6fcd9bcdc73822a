//! `trove-server`: the self-hosted remote that Trove desktop apps sync with and scripts call.
//!
//! - [`store`]: the server's SQLite database (its own schema and migrations) and thumbnails;
//!   plain functions per domain noun, with the access checks beside the queries.
//! - [`routes`]: the native HTTP API under `/api/v1` (axum), documented as OpenAPI generated
//!   from the handlers (utoipa) at `/api/v1/openapi.json`; [`compat`]: the Hugging Face and
//!   Supervisely compatibility APIs, documented the same way at `/api/compat/openapi.json`.
//! - [`auth`]: bearer tokens and the per-token rate limit; [`error`]: the one error type and
//!   its JSON shape; [`extract`]: extractors that keep serde's messages.
//! - [`listener`]: the TCP listener (header-read timeout, connection bound, peer addresses,
//!   graceful shutdown); [`throttle`]: the per-address rate limit and the request timeout
//!   every request meets before routing.
//! - [`catalog`]: filling a server without the app (a folder of images, a Hub list, the demo).
//!
//! It shares wire types and pure domain rules with the app through `trove-protocol`, and with
//! the app's cache only crates that know no schema: `trove-sqlite` (the database pool),
//! `trove-filters` (the filter compiler, told this schema's names), `trove-thumbs` (the
//! thumbnail store) and `trove-demo` (the demo's data); never `trove-core` or its database.

pub mod auth;
pub mod backup;
#[doc(hidden)]
pub mod bench_support;
pub mod catalog;
pub mod clock;
pub mod compat;
pub mod db;
pub mod error;
pub mod extract;
pub mod listener;
pub mod originals;
pub mod routes;
pub mod state;
#[doc(hidden)]
pub mod testing;
pub mod store;
pub mod throttle;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::{middleware, Json, Router};

pub use state::{AppState, Limits};

/// The whole HTTP application: `/api/v1/...`, `/api/v1/openapi.json`, the compatibility APIs
/// and their document at `/api/compat/openapi.json`, and JSON 404s elsewhere.
/// Every request first meets the per-address rate limit (when it carries its peer's
/// `ConnectInfo`, as [`listener::serve`] gives it), then the request timeout; answers are
/// compressed (zstd or gzip) for a client that accepts it.
pub fn app(state: AppState) -> Router {
    use tower_http::compression::predicate::{DefaultPredicate, Predicate, SizeAbove};
    use tower_http::compression::CompressionLayer;
    let (api, doc) = routes::api();
    let doc = std::sync::Arc::new(doc);
    let api = api.route("/openapi.json", get(move || async move { Json(doc.as_ref().clone()) }));
    let (compat, compat_doc) = compat::api();
    let compat_doc = std::sync::Arc::new(compat_doc);
    let compat = compat.route("/api/compat/openapi.json", get(move || async move { Json(compat_doc.as_ref().clone()) }));
    Router::new()
        .nest("/api/v1", api)
        .merge(compat)
        .fallback(routes::fallback)
        .method_not_allowed_fallback(routes::method_not_allowed)
        // Answers over 8 KiB are compressed when the client asks (zstd for the app's pulls: a
        // catalog page shrinks about tenfold; gzip for the Python clients). Pictures are left
        // alone, and so are small answers such as errors: an early 413 stays one plain write a
        // client still reads whole when the server closes on the rest of its body.
        // The fastest level: on a catalog page (random UUIDs and thumbnail hashes) zstd's level
        // 1 is both smaller than its default 3 (89 against 101 bytes per item) and faster.
        .layer(
            CompressionLayer::new()
                .quality(tower_http::CompressionLevel::Fastest)
                .zstd(true)
                .gzip(true)
                .no_br()
                .no_deflate()
                .compress_when(DefaultPredicate::new().and(SizeAbove::new(8 * 1024))),
        )
        .layer(DefaultBodyLimit::max(state.limits.body_bytes))
        .layer(middleware::from_fn_with_state(state.clone(), throttle::timeout))
        .layer(middleware::from_fn_with_state(state.clone(), throttle::by_address))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
