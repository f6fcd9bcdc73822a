//! Sending one buffered request to the upstream server and reading its whole answer.
//!
//! Every send opens a fresh HTTP/1.1 connection, so no pooled connection can go stale when the
//! upstream restarts, and a request is never retried behind the caller's back. Hop-by-hop
//! headers (RFC 9110 §7.6.1) are dropped in both directions; everything else passes unchanged.
//! This module knows nothing of rules or faults.

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::http::request;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// The upstream's whole answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Why a request could not be sent upstream or its answer not read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UpstreamError {
    #[error("cannot connect to upstream {addr}: {source}")]
    Connect {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("upstream {addr} failed the exchange: {source}")]
    Exchange {
        addr: SocketAddr,
        source: hyper::Error,
    },
    #[error("cannot build the request for upstream {addr}: {source}")]
    Request {
        addr: SocketAddr,
        source: hyper::http::Error,
    },
}

/// Sends `parts` with `body` to `addr` on a new connection and reads the whole answer.
pub(crate) async fn send(
    addr: SocketAddr,
    parts: &request::Parts,
    body: Bytes,
) -> Result<Answer, UpstreamError> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|source| UpstreamError::Connect { addr, source })?;
    // Latency matters more than throughput on loopback; a failure here changes nothing.
    let _ = stream.set_nodelay(true);
    let exchange = |source| UpstreamError::Exchange { addr, source };
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(exchange)?;
    // The connection task ends when `sender` is dropped or the upstream closes.
    tokio::spawn(connection);

    let request =
        outgoing(addr, parts, body).map_err(|source| UpstreamError::Request { addr, source })?;
    let response = sender.send_request(request).await.map_err(exchange)?;
    let (head, body) = response.into_parts();
    let body = body.collect().await.map_err(exchange)?.to_bytes();
    Ok(Answer {
        status: head.status,
        headers: end_to_end(&head.headers),
        body,
    })
}

fn outgoing(
    addr: SocketAddr,
    parts: &request::Parts,
    body: Bytes,
) -> Result<Request<Full<Bytes>>, hyper::http::Error> {
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let mut headers = end_to_end(&parts.headers);
    // The body is already whole, so the upstream must not make us wait for a `100 Continue`.
    headers.remove(header::EXPECT);
    if !headers.contains_key(header::HOST) {
        headers.insert(
            header::HOST,
            HeaderValue::from_str(&addr.to_string()).expect("an address"),
        );
    }
    let mut request = Request::builder()
        .method(parts.method.clone())
        .uri(target)
        .body(Full::new(body))?;
    *request.headers_mut() = headers;
    Ok(request)
}

/// `headers` without the hop-by-hop ones, including those the `Connection` header names.
pub(crate) fn end_to_end(headers: &HeaderMap) -> HeaderMap {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    let mut kept = headers.clone();
    for name in HOP_BY_HOP.iter().chain(&named) {
        kept.remove(name);
    }
    kept
}

const HOP_BY_HOP: [HeaderName; 8] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_and_those_connection_names_are_dropped() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("connection", "keep-alive, x-private"),
            ("keep-alive", "timeout=5"),
            ("transfer-encoding", "chunked"),
            ("x-private", "secret"),
            ("content-type", "application/json"),
            ("authorization", "Bearer t"),
        ] {
            headers.append(name, HeaderValue::from_static(value));
        }
        let kept = end_to_end(&headers);
        let mut names: Vec<&str> = kept.keys().map(|name| name.as_str()).collect();
        names.sort();
        assert_eq!(names, ["authorization", "content-type"]);
    }
}
