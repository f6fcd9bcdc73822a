//! The Hub's error shape and the extractors that answer in it.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::Error;
use crate::extract::{Json, Path};
use crate::state::AppState;
use crate::store::hub;

/// An error as the Hub sends it: the status and `{"error": message}` (plus `slug` on a title
/// conflict at create).
#[derive(Debug)]
pub struct HfError {
    pub(super) status: StatusCode,
    pub(super) message: String,
    pub(super) slug: Option<String>,
    pub(super) retry_after: Option<u64>,
}

impl HfError {
    pub(super) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        HfError { status, message: message.into(), slug: None, retry_after: None }
    }
    pub(super) fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

impl From<Error> for HfError {
    fn from(e: Error) -> Self {
        let retry_after = match &e {
            Error::RateLimited { retry_after, .. } => Some(*retry_after),
            Error::TimedOut(_) => Some(1),
            _ => None,
        };
        HfError { status: e.status(), message: e.to_api().message, slug: None, retry_after }
    }
}

impl IntoResponse for HfError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.message });
        if let Some(slug) = self.slug {
            body["slug"] = Value::String(slug);
        }
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

pub(super) type Result<T> = std::result::Result<T, HfError>;

/// A request's caller, if it sent a token: none is an anonymous reader; a token that is not
/// valid is a 401 even where no token is needed (as on the Hub).
pub(super) struct Reader(pub(super) Caller);

impl FromRequestParts<AppState> for Reader {
    type Rejection = HfError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> std::result::Result<Self, HfError> {
        if !parts.headers.contains_key(header::AUTHORIZATION) && !parts.headers.contains_key("x-api-key") {
            return Ok(Reader(hub::anonymous()));
        }
        Ok(Reader(Caller::from_request_parts(parts, state).await?))
    }
}

/// The authenticated caller of a write, in the Hub's error shape.
pub(super) struct Writer(pub(super) Caller);

impl FromRequestParts<AppState> for Writer {
    type Rejection = HfError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> std::result::Result<Self, HfError> {
        Ok(Writer(Caller::from_request_parts(parts, state).await?))
    }
}

/// A JSON body in the Hub's error shape.
pub(super) struct Body<T>(pub(super) T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for Body<T> {
    type Rejection = HfError;

    async fn from_request(req: axum::extract::Request, state: &S) -> std::result::Result<Self, HfError> {
        let Json(v) = Json::<T>::from_request(req, state).await?;
        Ok(Body(v))
    }
}

/// The `{namespace}/{slug}` (and maybe `{item}`) of a path, in the Hub's error shape.
pub(super) struct Slug(pub(super) String, pub(super) Option<String>);

impl FromRequestParts<AppState> for Slug {
    type Rejection = HfError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> std::result::Result<Self, HfError> {
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state).await?;
        let get = |k: &str| params.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        Ok(Slug(format!("{}/{}", get("namespace").unwrap_or_default(), get("slug").unwrap_or_default()), get("item")))
    }
}
