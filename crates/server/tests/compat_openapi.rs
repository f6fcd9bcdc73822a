//! The compatibility APIs' OpenAPI document at `/api/compat/openapi.json`: served without a
//! token, it lists every route the HF and Supervisely adapters answer (with their parameters,
//! bodies and statuses), the Supervisely `method` parameter names every method the dispatcher
//! answers, and the native document stays free of them.

mod common;

use axum::http::{Method, StatusCode};
use common::Server;
use serde_json::{json, Value};
use trove_server::compat::sly::METHODS;

/// Every compatibility route the router serves: (method, documented path, a concrete path).
const ROUTES: &[(&str, &str, &str)] = &[
    ("get", "/api/whoami-v2", "/api/whoami-v2"),
    ("get", "/api/collections", "/api/collections"),
    ("post", "/api/collections", "/api/collections"),
    ("get", "/api/collections/{namespace}/{slug}", "/api/collections/alice/x-0123456789abcdef01234567"),
    ("patch", "/api/collections/{namespace}/{slug}", "/api/collections/alice/x-0123456789abcdef01234567"),
    ("delete", "/api/collections/{namespace}/{slug}", "/api/collections/alice/x-0123456789abcdef01234567"),
    ("post", "/api/collections/{namespace}/{slug}/items", "/api/collections/alice/x-0123456789abcdef01234567/items"),
    ("patch", "/api/collections/{namespace}/{slug}/items/{item}", "/api/collections/alice/x-0123456789abcdef01234567/items/0123456789abcdef01234567"),
    ("delete", "/api/collections/{namespace}/{slug}/items/{item}", "/api/collections/alice/x-0123456789abcdef01234567/items/0123456789abcdef01234567"),
    ("post", "/public/api/v3/{method}", "/public/api/v3/instance.version"),
];

async fn doc(s: &Server) -> Value {
    let r = s.call(Method::GET, "/api/compat/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert!(r.body["openapi"].as_str().unwrap().starts_with("3."), "{:?}", r.body["openapi"]);
    r.body
}

fn statuses(op: &Value) -> Vec<String> {
    op["responses"].as_object().unwrap().keys().cloned().collect()
}

fn param_names(op: &Value) -> Vec<String> {
    op["parameters"].as_array().map(|ps| ps.iter().map(|p| p["name"].as_str().unwrap().to_string()).collect()).unwrap_or_default()
}

#[tokio::test]
async fn the_document_lists_exactly_the_routes_the_router_serves() {
    let s = Server::new();
    let d = doc(&s).await;
    let paths = d["paths"].as_object().unwrap();
    let mut documented: Vec<(String, String)> =
        paths.iter().flat_map(|(p, item)| item.as_object().unwrap().keys().map(move |m| (m.clone(), p.clone()))).collect();
    documented.sort();
    let mut expected: Vec<(String, String)> = ROUTES.iter().map(|(m, p, _)| (m.to_string(), p.to_string())).collect();
    expected.sort();
    assert_eq!(documented, expected);

    // Each documented route is one the router answers (not its "no route" 404 or its 405).
    for (method, path, concrete) in ROUTES {
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let body = (*method != "get" && *method != "delete").then(|| json!({}));
        let r = s.call(m, concrete, Some(&s.alice), body).await;
        assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(!r.bytes.windows(b"there is no route".len()).any(|w| w == b"there is no route"), "{method} {path}: {:?}", r.body);
    }
}

#[tokio::test]
async fn hf_routes_carry_their_parameters_bodies_and_statuses() {
    let s = Server::new();
    let d = doc(&s).await;
    let op = |m: &str, p: &str| d["paths"][p][m].clone();
    let slug = "/api/collections/{namespace}/{slug}";
    let item = "/api/collections/{namespace}/{slug}/items/{item}";

    assert_eq!(statuses(&op("get", "/api/whoami-v2")), ["200", "401"]);
    assert_eq!(param_names(&op("get", "/api/collections")), ["owner", "item", "sort", "limit", "skip"]);
    assert_eq!(statuses(&op("get", "/api/collections")), ["200", "400", "401", "414"]);
    assert_eq!(statuses(&op("post", "/api/collections")), ["200", "400", "401", "403", "409", "415"]);
    assert_eq!(statuses(&op("get", slug)), ["200", "401", "404"]);
    assert_eq!(statuses(&op("patch", slug)), ["200", "400", "401", "403", "404", "409", "415"]);
    assert_eq!(statuses(&op("delete", slug)), ["200", "401", "403", "404"]);
    assert_eq!(statuses(&op("post", &format!("{slug}/items"))), ["200", "400", "401", "403", "404", "409", "415"]);
    assert_eq!(statuses(&op("patch", item)), ["200", "400", "401", "403", "404", "415"]);
    assert_eq!(statuses(&op("delete", item)), ["200", "401", "403", "404"]);
    for (m, p) in [("get", slug), ("patch", slug), ("delete", slug), ("post", &format!("{slug}/items"))] {
        assert_eq!(param_names(&op(m, p)), ["namespace", "slug"], "{m} {p}");
    }
    for m in ["patch", "delete"] {
        assert_eq!(param_names(&op(m, item)), ["namespace", "slug", "item"], "{m}");
    }
    for (m, p) in [("post", "/api/collections"), ("patch", slug), ("post", &format!("{slug}/items")), ("patch", item)] {
        assert!(op(m, p)["requestBody"]["content"]["application/json"].is_object(), "{m} {p}: {:?}", op(m, p));
    }
    let schemas = &d["components"]["schemas"];
    assert!(schemas["CreateBody"]["properties"]["title"].is_object());
    assert_eq!(schemas["ItemRef"]["required"], json!(["id", "type"]));
    assert!(schemas["HfErrorBody"]["properties"]["error"].is_object());
}

#[tokio::test]
async fn the_sly_method_parameter_names_every_method_the_dispatcher_answers() {
    let s = Server::new();
    let d = doc(&s).await;
    let op = &d["paths"]["/public/api/v3/{method}"]["post"];
    assert_eq!(param_names(op), ["method"]);
    let description = op["parameters"][0]["description"].as_str().unwrap();
    for m in METHODS {
        assert!(description.contains(&format!("`{m}`")), "{m} missing from {description:?}");
        // The dispatcher's match answers it: never its "no method" 404.
        let r = s.raw(Method::POST, &format!("/public/api/v3/{m}"), None, Some("{}"), &[("x-api-key", &s.alice)]).await;
        assert!(!r.body["details"]["message"].as_str().unwrap_or_default().contains("has no method"), "{m}: {:?}", r.body);
    }
    assert!(op["requestBody"]["content"]["application/json"].is_object());
    assert_eq!(statuses(op), ["200", "400", "401", "403", "404", "409", "413"]);
}

#[tokio::test]
async fn the_native_document_stays_without_the_compatibility_routes() {
    let s = Server::new();
    let r = s.call(Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let paths = r.body["paths"].as_object().unwrap();
    assert!(paths.keys().all(|p| !p.starts_with("/public/") && !p.starts_with("/api/")), "{:?}", paths.keys());
}

