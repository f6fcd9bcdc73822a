//! `GET /health`: whether the server is up and its database answers (the one route without a
//! token; a load balancer's check).

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use trove_protocol::api::Health;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(health))
}

/// Whether the server is up and its database answers a read within 2 seconds (503 otherwise).
#[utoipa::path(get, path = "/health", tag = "server", security(()),
    responses((status = 200, body = Health), (status = 503, body = Health, description = "the database does not answer")))]
async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let read = state.read(|c| Ok(c.query_row("SELECT value FROM counters WHERE name = 'version'", [], |r| r.get::<_, i64>(0))?));
    let database = match tokio::time::timeout(Duration::from_secs(2), read).await {
        Ok(Ok(_)) => None,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "the health check's read failed");
            Some("the database could not be read".to_string())
        }
        Err(_) => Some("the database did not answer within 2 s".to_string()),
    };
    let version = env!("CARGO_PKG_VERSION").to_string();
    match database {
        None => (StatusCode::OK, Json(Health { status: "ok".into(), version, database: "ok".into() })),
        Some(why) => (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "unavailable".into(), version, database: why })),
    }
}
