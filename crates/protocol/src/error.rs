//! The error shape every caller sees: `{ "code": "...", "message": "..." }`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What kind of failure happened; callers branch on this, never on the message.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    /// The input was refused; nothing changed.
    InvalidInput,
    /// A referenced project, collection or item does not exist.
    NotFound,
    /// The action conflicts with existing data (a duplicate title, an item already present).
    Conflict,
    /// No token, or a token the server does not know.
    Unauthorized,
    /// The caller may see the thing but not change it.
    Forbidden,
    /// The request body is larger than the server accepts.
    TooLarge,
    /// Too many requests with this token; retry after the `Retry-After` seconds.
    RateLimited,
    /// Something failed that the caller cannot fix; details are in the log, not here.
    Internal,
}

/// An error as it crosses IPC or HTTP: a code and a sentence about the caller's action.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
#[ts(export)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}
