//! Authentication and rate limiting: the [`Caller`] extractor. A handler that takes a `Caller`
//! is only reached with a valid token (`Authorization: Bearer <token>`, or `x-api-key:
//! <token>` as Supervisely clients send it), within the token's rate limit.
//!
//! The per-address limit (`throttle.rs`) has already run when this does, so a flood of bad
//! tokens is refused before it reaches the database; a string that cannot be a token this
//! server issued is refused without a lookup. Tokens are looked up on every request, never
//! cached, so a revoked one is refused at once.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};

use crate::error::Error;
use crate::state::AppState;
pub use crate::store::access::Caller;
use crate::store::accounts;

/// The token a request carries, if any.
fn token(parts: &Parts) -> Result<Option<String>, Error> {
    if let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) {
        let value = value.to_str().unwrap_or_default().trim();
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .ok_or_else(|| Error::Unauthorized("the Authorization header must be `Bearer <token>`".into()))?;
        return Ok(Some(token.trim().to_string()));
    }
    Ok(parts.headers.get("x-api-key").map(|v| v.to_str().unwrap_or_default().trim().to_string()))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = token(parts)?.ok_or_else(|| {
            Error::Unauthorized("this route needs an API token; send `Authorization: Bearer <token>` (create one with `trove-server token create`)".into())
        })?;
        if !accounts::is_token_shaped(&token) {
            return Err(Error::Unauthorized("the API token is not valid on this server".into()));
        }
        let found = {
            let token = token.clone();
            state.read(move |c| accounts::caller(c, &token)).await?
        };
        let (token_id, caller) = found.ok_or_else(|| Error::Unauthorized("the API token is not valid on this server".into()))?;
        if let Err(not_until) = state.limiter.check_key(&token_id) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            return Err(Error::RateLimited { from: "with this token".into(), retry_after: wait.as_secs_f64().ceil().max(1.0) as u64 });
        }
        Ok(caller)
    }
}
