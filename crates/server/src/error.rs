//! The server's one error type. Bad input is a 4xx whose message names the bad value; an
//! internal failure is a 500 that tells the client nothing internal and logs the cause.
//! Every answer has the body `{"error": {"code": "...", "message": "..."}}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use trove_protocol::api::ErrorBody;
use trove_protocol::queue::QueueError;
use trove_protocol::rules::RuleError;
use trove_protocol::{ApiError, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// The body is not JSON, or says it is something else.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The path exists but not with this method.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The body of a request (or a part of it) is over a limit.
    #[error("{0}")]
    TooLarge(String),
    /// Over a rate: `from` says whose (`with this token`, `from 10.0.0.7`).
    #[error("too many requests {from}; retry in {retry_after} s")]
    RateLimited { from: String, retry_after: u64 },
    /// The request took longer than the server allows; what it finished is kept.
    #[error("{0}")]
    TimedOut(String),
    /// A failure the caller cannot fix. The cause is logged, never sent.
    #[error("{0:#}")]
    Internal(anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Internal(e.into())
    }
}

impl From<trove_filters::Error> for Error {
    fn from(e: trove_filters::Error) -> Self {
        match e {
            trove_filters::Error::Rule(e) => Error::Rule(e),
            trove_filters::Error::Invalid(message) => Error::Invalid(message),
        }
    }
}

impl From<trove_thumbs::Error> for Error {
    fn from(e: trove_thumbs::Error) -> Self {
        match e {
            trove_thumbs::Error::Invalid(message) => Error::Invalid(message),
            e => Error::Internal(e.into()),
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Internal(e.into())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Internal(e.into())
    }
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::Rule(RuleError::Queue(q)) => queue_status(q),
            Error::Invalid(_) | Error::Rule(_) => StatusCode::BAD_REQUEST,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::TimedOut(_) => StatusCode::REQUEST_TIMEOUT,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Rule(RuleError::Queue(q)) => match queue_status(q) {
                StatusCode::FORBIDDEN => ErrorCode::Forbidden,
                StatusCode::NOT_FOUND => ErrorCode::NotFound,
                StatusCode::CONFLICT => ErrorCode::Conflict,
                _ => ErrorCode::InvalidInput,
            },
            Error::Invalid(_) | Error::Rule(_) | Error::MethodNotAllowed(_) | Error::UnsupportedMediaType(_) => {
                ErrorCode::InvalidInput
            }
            Error::Unauthorized(_) => ErrorCode::Unauthorized,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::TooLarge(_) => ErrorCode::TooLarge,
            Error::RateLimited { .. } => ErrorCode::RateLimited,
            // No code of its own: callers treat it like a fault, and retry.
            Error::TimedOut(_) => ErrorCode::Internal,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The wire form: the code and a sentence about the caller's request.
    pub fn to_api(&self) -> ApiError {
        let message = match self {
            Error::Internal(cause) => {
                tracing::error!(error = %format!("{cause:#}"), "internal error");
                "the server failed to handle this request; nothing was changed (the cause is in the server's log)".to_string()
            }
            other => other.to_string(),
        };
        ApiError { code: self.code(), message }
    }
}

/// A queue action's refusal (`trove_protocol::queue::QueueError`): not in the queue's role is
/// 403, an item not in the queue 404, a state that does not allow it (closed, taken, not
/// submitted, stale) 409, a bad value 400.
fn queue_status(e: &QueueError) -> StatusCode {
    match e {
        QueueError::NotAnnotator { .. } | QueueError::NotReviewer { .. } => StatusCode::FORBIDDEN,
        QueueError::NotInQueue { .. } => StatusCode::NOT_FOUND,
        QueueError::Closed { .. } | QueueError::Taken { .. } | QueueError::NotSubmitted { .. } | QueueError::Stale { .. } => StatusCode::CONFLICT,
        QueueError::Invalid(_) => StatusCode::BAD_REQUEST,
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (status, Json(ErrorBody { error: self.to_api() })).into_response();
        let retry_after = match self {
            Error::RateLimited { retry_after, .. } => Some(retry_after),
            Error::TimedOut(_) => Some(1),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
