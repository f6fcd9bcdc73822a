//! One request through the proxy: read it whole, ask the rule book, apply the action, answer
//! (or close the connection), and record an [`Exchange`] in the log.
//!
//! Once a request has fully arrived its exchange runs to the end on its own task, even if the
//! client gives up meanwhile: a request delayed past the client's timeout still reaches the
//! server, as a slow network would deliver it. The record is written before the client sees
//! the answer or the closed connection, so a test that saw the outcome also sees the record.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::http::request;
use hyper::{Request, Response, StatusCode};

use crate::rules::{Action, Decision, RuleBook};
use crate::upstream::{self, Answer};

/// What happened to one request, as recorded in [`FaultProxy::log`](crate::FaultProxy::log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// Which client connection the request came on, counted from 1 in order of acceptance;
    /// two requests with the same number shared a kept-alive connection.
    pub connection: u64,
    /// The request method, e.g. `POST`.
    pub method: String,
    /// The request path, without the query.
    pub path: String,
    /// The query string, without the `?`.
    pub query: Option<String>,
    /// The action applied, `None` when the request was forwarded untouched. While the proxy is
    /// offline this is [`Action::DropRequest`].
    pub action: Option<Action>,
    /// How many times the request was sent upstream: 0, 1, or 2 for [`Action::Duplicate`].
    pub forwarded: u32,
    /// The status of the upstream's (last) answer, if one was read.
    pub upstream_status: Option<u16>,
    /// Why the (last) send upstream failed, if it did; the client was then answered 502.
    pub upstream_error: Option<String>,
    /// The status the client was answered; `None` when its connection was closed instead.
    pub status: Option<u16>,
}

/// The state every connection shares with the handle.
#[derive(Debug)]
pub(crate) struct Shared {
    pub upstream: std::net::SocketAddr,
    pub state: Mutex<State>,
}

#[derive(Debug, Default)]
pub(crate) struct State {
    pub rules: RuleBook,
    pub offline: bool,
    pub log: Vec<Exchange>,
}

/// The service error that makes hyper close the client's connection without an answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Closed {
    #[error("the request body did not arrive whole: {0}")]
    Body(hyper::Error),
    #[error("the connection was closed on purpose ({0:?})")]
    Fault(Action),
    #[error("the exchange task did not finish: {0}")]
    Task(tokio::task::JoinError),
}

/// Serves one request of connection number `connection`.
pub(crate) async fn serve(
    shared: Arc<Shared>,
    connection: u64,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Closed> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map_err(Closed::Body)?.to_bytes();
    tokio::spawn(run(shared, connection, parts, body))
        .await
        .map_err(Closed::Task)?
}

async fn run(
    shared: Arc<Shared>,
    connection: u64,
    parts: request::Parts,
    body: Bytes,
) -> Result<Response<Full<Bytes>>, Closed> {
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let decision = {
        let mut state = shared
            .state
            .lock()
            .expect("the proxy state lock is never poisoned");
        if state.offline {
            Decision {
                action: Some(Action::DropRequest),
                retry_after: None,
            }
        } else {
            state.rules.decide(&method, &path)
        }
    };
    let mut record = Exchange {
        connection,
        query: parts.uri.query().map(str::to_owned),
        method,
        path,
        action: decision.action.clone(),
        forwarded: 0,
        upstream_status: None,
        upstream_error: None,
        status: None,
    };
    let mut forward = || {
        record.forwarded += 1;
        upstream::send(shared.upstream, &parts, body.clone())
    };

    let outcome = match &decision.action {
        None => Outcome::Relay(forward().await),
        Some(Action::DropRequest) => Outcome::Close,
        Some(Action::DropResponse) => Outcome::CloseAfter(forward().await),
        Some(Action::Delay(wait)) => {
            tokio::time::sleep(*wait).await;
            Outcome::Relay(forward().await)
        }
        Some(Action::Status(status)) => Outcome::Inject(*status, None),
        Some(Action::StatusAfterForward(status)) => Outcome::Inject(*status, Some(forward().await)),
        Some(Action::Duplicate) => {
            let first = forward().await;
            let second = forward().await;
            record.note(&first);
            Outcome::Relay(second)
        }
    };

    let answer = match outcome {
        Outcome::Relay(sent) => {
            record.note(&sent);
            Some(match sent {
                Ok(answer) => relayed(answer),
                Err(error) => injected(StatusCode::BAD_GATEWAY, &error.to_string(), None),
            })
        }
        Outcome::Inject(status, sent) => {
            if let Some(sent) = &sent {
                record.note(sent);
            }
            let status = StatusCode::from_u16(status).expect("rules are checked when added");
            Some(injected(status, "injected fault", decision.retry_after))
        }
        Outcome::CloseAfter(sent) => {
            record.note(&sent);
            None
        }
        Outcome::Close => None,
    };
    record.status = answer.as_ref().map(|response| response.status().as_u16());
    shared
        .state
        .lock()
        .expect("the proxy state lock is never poisoned")
        .log
        .push(record);
    match (answer, decision.action) {
        (Some(response), _) => Ok(response),
        (None, action) => Err(Closed::Fault(action.unwrap_or(Action::DropRequest))),
    }
}

enum Outcome {
    /// Answer the client with what the upstream answered (or 502 if it could not).
    Relay(Result<Answer, upstream::UpstreamError>),
    /// Answer this status, whether or not the request was forwarded first.
    Inject(u16, Option<Result<Answer, upstream::UpstreamError>>),
    /// Close the client's connection once the request was forwarded.
    CloseAfter(Result<Answer, upstream::UpstreamError>),
    /// Close the client's connection without forwarding.
    Close,
}

impl Exchange {
    fn note(&mut self, sent: &Result<Answer, upstream::UpstreamError>) {
        match sent {
            Ok(answer) => {
                self.upstream_status = Some(answer.status.as_u16());
                self.upstream_error = None;
            }
            Err(error) => {
                self.upstream_status = None;
                self.upstream_error = Some(error.to_string());
            }
        }
    }
}

fn relayed(answer: Answer) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(answer.body));
    *response.status_mut() = answer.status;
    *response.headers_mut() = answer.headers;
    response
}

/// An answer the proxy makes up, in the server's error shape.
fn injected(status: StatusCode, message: &str, retry_after: Option<u32>) -> Response<Full<Bytes>> {
    let body = serde_json::json!({ "error": { "code": "internal", "message": message } });
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(secs) = retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}
