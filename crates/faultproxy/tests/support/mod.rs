//! What the fault tests run against: a real upstream HTTP server (a tiny axum app with a
//! counter) on its own thread, and a blocking reqwest client that reports what it saw.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::routing::{any, post};
use axum::{Json, Router};
use reqwest::blocking::Client;
use serde_json::{json, Value};
use trove_faultproxy::FaultProxy;

/// A real HTTP server on 127.0.0.1, on its own thread, with a counter:
/// `POST /count` increments it and answers the new value, `GET /count` reads it.
/// `/echo` describes the request it got; `POST /mirror` answers 201 with the body it got.
pub struct Upstream {
    pub addr: SocketAddr,
    count: Arc<AtomicU64>,
}

impl Upstream {
    pub fn start() -> Upstream {
        let count = Arc::new(AtomicU64::new(0));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new()
            .route("/count", post(increment).get(read))
            .route("/echo", any(echo))
            .route("/mirror", post(mirror).layer(DefaultBodyLimit::disable()))
            .with_state(Arc::clone(&count));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // Detached: the server lives as long as the test process.
        std::thread::spawn(move || {
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                axum::serve(listener, app).await.unwrap();
            })
        });
        Upstream { addr, count }
    }

    pub fn count(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }

    /// Waits (a bounded time) until the counter reaches `want`.
    pub fn wait_for_count(&self, want: u64) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.count() < want && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(self.count(), want);
    }
}

async fn increment(State(count): State<Arc<AtomicU64>>) -> String {
    (count.fetch_add(1, Ordering::SeqCst) + 1).to_string()
}

async fn read(State(count): State<Arc<AtomicU64>>) -> String {
    count.load(Ordering::SeqCst).to_string()
}

async fn echo(
    method: Method,
    uri: Uri,
    Query(query): Query<std::collections::BTreeMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, [(&'static str, &'static str); 1], Json<Value>) {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let described = json!({
        "method": method.as_str(),
        "path": uri.path(),
        "query": query,
        "client": header("x-trove-client"),
        "authorization": header("authorization"),
        "content_type": header("content-type"),
        "body": String::from_utf8_lossy(&body),
    });
    (
        StatusCode::CREATED,
        [("x-upstream", "echo")],
        Json(described),
    )
}

async fn mirror(body: Bytes) -> (StatusCode, Bytes) {
    (StatusCode::CREATED, body)
}

pub fn client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// What the client saw: an answer (status and body) or a connection error.
#[derive(Debug, PartialEq)]
pub enum Seen {
    Answer(u16, String),
    Error,
}

pub fn send(client: &Client, method: reqwest::Method, url: String) -> Seen {
    match client.request(method, url).send() {
        Ok(response) => {
            let status = response.status().as_u16();
            Seen::Answer(status, response.text().unwrap())
        }
        Err(error) => {
            assert!(
                !error.is_timeout(),
                "the client hung instead of seeing an error: {error}"
            );
            Seen::Error
        }
    }
}

pub fn post_count(client: &Client, proxy: &FaultProxy) -> Seen {
    send(
        client,
        reqwest::Method::POST,
        format!("{}/count", proxy.url()),
    )
}
