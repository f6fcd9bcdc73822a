//! The HTTP side: one `trove-server` at a base URL, signed in with an API token. Every answer
//! that is not a success becomes a [`SyncError`] that says, as a sentence, what went wrong and
//! whether trying again later may help.

use std::time::Duration;

use reqwest::{header, Method, StatusCode};
use serde::de::DeserializeOwned;
use trove_protocol::api::{ErrorBody, Me, ProjectInfo};
use trove_protocol::history::{ChangesPage, HistoryQuery};
use trove_protocol::sync::{PullResponse, PushRequest, PushResponse};
use trove_core::thumbs::MAX_THUMB_BYTES;
use trove_protocol::ErrorCode;

/// Everything that can go wrong while syncing.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the server at {url} cannot be reached ({reason}); changes are kept and sent when it is back")]
    Unreachable { url: String, reason: String },
    #[error("the server did not accept the API token; sign in again with a valid token")]
    Unauthorized,
    /// A 4xx answer other than 401: the request itself was refused.
    #[error("{message}")]
    Refused { status: u16, code: ErrorCode, message: String, retry_after: Option<Duration> },
    /// A 5xx answer (or 429): worth trying again later.
    #[error("the server failed ({status}): {message}; changes are kept and sent again")]
    Server { status: u16, message: String, retry_after: Option<Duration> },
    #[error("the server answered something this app does not understand: {0}")]
    Protocol(String),
    #[error("\"{0}\" is not a server address; use http://host:port or https://host")]
    BadUrl(String),
    #[error(transparent)]
    Local(#[from] trove_core::Error),
}

impl SyncError {
    /// Worth retrying by itself (the server is away or overloaded), as opposed to needing the
    /// person (a refused token) or a fix.
    pub fn is_transient(&self) -> bool {
        match self {
            SyncError::Unreachable { .. } | SyncError::Server { .. } => true,
            SyncError::Refused { status, .. } => *status == 429 || *status == 408,
            _ => false,
        }
    }

    /// The wait the server asked for (`Retry-After`), if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SyncError::Refused { retry_after, .. } | SyncError::Server { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The server cannot be reached at all (the app shows "offline", not "error").
    pub fn is_offline(&self) -> bool {
        matches!(self, SyncError::Unreachable { .. })
    }
}

pub type Result<T, E = SyncError> = std::result::Result<T, E>;

/// A `trove-server` at `base` (e.g. `http://127.0.0.1:8080`), signed in with `token`.
#[derive(Clone)]
pub struct Remote {
    base: String,
    token: String,
    http: reqwest::Client,
}

/// One path segment, percent-encoded but for the characters a slug is made of.
fn url_segment(part: &str) -> String {
    part.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// Checks and normalizes a server address: http or https, a host, no trailing slash.
pub fn normalize_url(url: &str) -> Result<String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) && reqwest::Url::parse(url).is_ok() => Ok(url.to_string()),
        _ => Err(SyncError::BadUrl(url.to_string())),
    }
}

impl Remote {
    pub fn new(base: &str, token: &str) -> Result<Remote> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            // A push of a million-item change is tens of megabytes.
            .timeout(Duration::from_secs(300))
            .build()
            .map_err(|e| SyncError::Protocol(e.to_string()))?;
        Ok(Remote { base: normalize_url(base)?, token: token.trim().to_string(), http })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    async fn send<T: DeserializeOwned>(&self, req: reqwest::RequestBuilder) -> Result<T> {
        let resp = self.answered(req).await?;
        resp.json::<T>().await.map_err(|e| {
            if e.is_decode() {
                SyncError::Protocol(e.to_string())
            } else {
                self.unreachable(e)
            }
        })
    }

    /// The answer to `req` if it is a success; else the error it says.
    async fn answered(&self, req: reqwest::RequestBuilder) -> Result<reqwest::Response> {
        let resp = req.bearer_auth(&self.token).send().await.map_err(|e| self.unreachable(e))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let retry_after = resp
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = resp.text().await.unwrap_or_default();
        let error = serde_json::from_str::<ErrorBody>(&body).ok().map(|b| b.error);
        let message = error.as_ref().map(|e| e.message.clone()).unwrap_or_else(|| {
            let text = body.trim();
            if text.is_empty() { status.canonical_reason().unwrap_or("no reason given").to_string() } else { text.chars().take(200).collect() }
        });
        Err(match status {
            StatusCode::UNAUTHORIZED => SyncError::Unauthorized,
            s if s.is_server_error() || s == StatusCode::TOO_MANY_REQUESTS && error.is_none() => {
                SyncError::Server { status: s.as_u16(), message, retry_after }
            }
            s => SyncError::Refused { status: s.as_u16(), code: error.map(|e| e.code).unwrap_or(ErrorCode::InvalidInput), message, retry_after },
        })
    }

    fn unreachable(&self, e: reqwest::Error) -> SyncError {
        let reason = if e.is_timeout() {
            "it did not answer in time".to_string()
        } else if e.is_connect() {
            "the connection was refused or could not be made".to_string()
        } else {
            // The innermost cause reads best ("connection closed before message completed").
            let mut source: &dyn std::error::Error = &e;
            while let Some(next) = source.source() {
                source = next;
            }
            source.to_string()
        };
        SyncError::Unreachable { url: self.base.clone(), reason }
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}/api/v1{path}", self.base))
    }

    /// Who the token belongs to: also how sign-in is checked.
    pub async fn me(&self) -> Result<Me> {
        self.send(self.request(Method::GET, "/me")).await
    }

    /// The user names with a role in the server project `id` (`GET /projects/{id}/people`):
    /// whom a labeling queue may name.
    pub async fn people(&self, id: i64) -> Result<Vec<String>> {
        /// One entry of the answer (`trove_protocol::api::ProjectPerson`); only the name is used.
        #[derive(serde::Deserialize)]
        struct Person {
            name: String,
        }
        let people: Vec<Person> = self.send(self.request(Method::GET, &format!("/projects/{id}/people"))).await?;
        Ok(people.into_iter().map(|p| p.name).collect())
    }

    /// A page of the history of the collection `slug` (`namespace/title-hex`), newest first
    /// (`GET /collections/{slug}/history`).
    pub async fn history(&self, slug: &str, query: &HistoryQuery) -> Result<ChangesPage> {
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(a) = &query.author {
            params.push(("author", a.clone()));
        }
        if let Some(k) = &query.kind {
            params.push(("kind", k.clone()));
        }
        if let Some(b) = query.before {
            params.push(("before", b.to_string()));
        }
        if let Some(l) = query.limit {
            params.push(("limit", l.to_string()));
        }
        let path: String = slug.split('/').map(|part| url_segment(part)).collect::<Vec<_>>().join("/");
        self.send(self.request(Method::GET, &format!("/collections/{path}/history")).query(&params)).await
    }

    /// The projects the caller may see.
    pub async fn projects(&self) -> Result<Vec<ProjectInfo>> {
        self.send(self.request(Method::GET, "/projects")).await
    }

    pub async fn push(&self, req: &PushRequest) -> Result<PushResponse> {
        self.send(self.request(Method::POST, "/sync/push").json(req)).await
    }

    /// One page of the project's changes after `cookie`; `pending_from` (the first id still in
    /// the outbox) asks for the refusals from there on.
    pub async fn pull(&self, project: &str, client_id: &str, cookie: i64, limit: u32, pending_from: Option<i64>) -> Result<PullResponse> {
        let mut query = vec![("project", project.to_string()), ("client_id", client_id.to_string()), ("cookie", cookie.to_string()), ("limit", limit.to_string())];
        if let Some(from) = pending_from {
            query.push(("pending_from", from.to_string()));
        }
        self.send(self.request(Method::GET, "/sync/pull").query(&query)).await
    }

    /// Uploads the thumbnail `hash` of items imported into project `project` (by UUID), before
    /// the mutation that names it is pushed.
    pub async fn put_thumbnail(&self, project: &str, hash: &str, bytes: Vec<u8>) -> Result<()> {
        let req = self
            .request(Method::PUT, &format!("/sync/thumbnails/{hash}"))
            .query(&[("project", project)])
            .header(header::CONTENT_TYPE, if bytes.starts_with(&[0xff, 0xd8]) { "image/jpeg" } else { "image/png" })
            .body(bytes);
        self.answered(req).await.map(|_| ())
    }

    /// Uploads the original file `path`, whose SHA-256 is `content`, of an item imported into
    /// project `project` (by UUID), streamed from the disk.
    pub async fn put_original(&self, project: &str, content: &str, path: &std::path::Path) -> Result<()> {
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| SyncError::Refused { status: 400, code: ErrorCode::InvalidInput, message: format!("{} cannot be read: {e}", path.display()), retry_after: None })?;
        let len = file.metadata().await.map(|m| m.len()).unwrap_or(0);
        let req = self
            .request(Method::PUT, &format!("/sync/originals/{content}"))
            .query(&[("project", project)])
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .header(header::CONTENT_LENGTH, len)
            .body(reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(file)));
        self.answered(req).await.map(|_| ())
    }

    /// Downloads the original `content` of project `project` (by UUID) into `dest`: streamed to
    /// `dest.partial`, refused beyond [`ORIGINAL_MAX`](trove_protocol::import::ORIGINAL_MAX) or
    /// when it does not hash to `content`, then renamed into place.
    pub async fn get_original(&self, project: &str, content: &str, dest: &std::path::Path) -> Result<()> {
        use sha2::{Digest, Sha256};
        use tokio::io::AsyncWriteExt;
        let max = trove_protocol::import::ORIGINAL_MAX;
        let mut resp = self.answered(self.request(Method::GET, &format!("/sync/originals/{content}")).query(&[("project", project)])).await?;
        let local = |e: std::io::Error| SyncError::Protocol(format!("{} could not be written: {e}", dest.display()));
        if let Some(dir) = dest.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(local)?;
        }
        let partial = dest.with_extension("partial");
        let mut file = tokio::fs::File::create(&partial).await.map_err(local)?;
        let (mut hasher, mut size) = (Sha256::new(), 0u64);
        let fail = |e: SyncError| {
            let _ = std::fs::remove_file(&partial);
            e
        };
        while let Some(chunk) = resp.chunk().await.map_err(|e| fail(self.unreachable(e)))? {
            size += chunk.len() as u64;
            if size > max {
                return Err(fail(SyncError::Protocol(format!("the original {content} is larger than {max} bytes; it was not kept"))));
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await.map_err(|e| fail(local(e)))?;
        }
        file.sync_all().await.map_err(|e| fail(local(e)))?;
        drop(file);
        if hex::encode(hasher.finalize()) != content {
            return Err(fail(SyncError::Protocol(format!("the server sent other bytes than the original {content}; they were not kept"))));
        }
        tokio::fs::rename(&partial, dest).await.map_err(local)
    }

    /// The bytes of the thumbnail with this content hash, read as they arrive and refused
    /// (without reading further) once they pass [`MAX_THUMB_BYTES`]: a server never makes this
    /// hold more than that. Whether they hash to `hash` is checked where they are stored.
    pub async fn thumbnail(&self, hash: &str) -> Result<Vec<u8>> {
        let mut resp = self
            .request(Method::GET, &format!("/thumbnails/{hash}"))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        let status = resp.status();
        if !status.is_success() {
            let message = format!("thumbnail {hash} could not be fetched ({status})");
            return Err(if status.is_server_error() {
                SyncError::Server { status: status.as_u16(), message, retry_after: None }
            } else {
                SyncError::Refused { status: status.as_u16(), code: ErrorCode::NotFound, message, retry_after: None }
            });
        }
        let too_big = || SyncError::Protocol(format!("thumbnail {hash} is larger than {MAX_THUMB_BYTES} bytes; it was not stored"));
        if resp.content_length().is_some_and(|n| n > MAX_THUMB_BYTES as u64) {
            return Err(too_big());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.unreachable(e))? {
            if bytes.len() + chunk.len() > MAX_THUMB_BYTES {
                return Err(too_big());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses_are_checked_and_normalized() {
        assert_eq!(normalize_url(" http://127.0.0.1:8080/ ").unwrap(), "http://127.0.0.1:8080");
        assert_eq!(normalize_url("https://trove.example.org").unwrap(), "https://trove.example.org");
        for bad in ["", "127.0.0.1:8080", "ftp://x", "http://", "http://a b"] {
            let err = normalize_url(bad).unwrap_err();
            assert!(err.to_string().contains("is not a server address"), "{bad}: {err}");
        }
    }
}
