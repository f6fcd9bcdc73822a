//! Router-level tests: every route's happy path and its bad inputs, through the real router.

mod common;

use axum::http::{Method, StatusCode};
use common::{error, Server};
use serde_json::json;

#[tokio::test]
async fn health_needs_no_token() {
    let s = Server::new();
    let r = s.call(Method::GET, "/api/v1/health", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["status"], "ok");
    let r = s.call(Method::GET, "/api/v1/projects", None, Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(error(&r).0, "unauthorized");
}
