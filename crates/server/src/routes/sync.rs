//! Sync: push a client's mutations, pull a project's changes after a cookie (DESIGN §4).

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use http_body_util::BodyExt;
use serde::Deserialize;
use trove_protocol::api::ErrorBody;
use trove_protocol::sync::{PullResponse, PushRequest, PushResponse, RejectedMutation};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::extract::{self, Query};
use crate::state::AppState;
use crate::store::sync::{self, Outcome};

/// Largest push body. The desktop app sends at most 4 MiB of mutations per push (beyond its
/// first one); a one-million-item add travels as several pushes.
pub const PUSH_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Most JSON values (strings, numbers, `true`/`false`/`null`, arrays, objects and object
/// keys) in one push body. It bounds what parsing a push allocates, which the body's size
/// alone does not (a string of one character takes 4 bytes on the wire and ten times that in
/// memory). A push of real mutations stays well below: each value is at least about 15 bytes.
pub const PUSH_VALUES_MAX: usize = 1_000_000;
/// Most mutations in one push.
pub const PUSH_MAX: usize = 1000;
/// Changed rows per pull page: default and most.
pub const PULL_DEFAULT: u32 = 5000;
pub const PULL_MAX: u32 = 50_000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(push)).routes(routes!(pull))
}

/// Applies the client's mutations in order, each exactly once and in its own transaction with
/// the client's last mutation id: a repeated id is skipped, a gap is refused (409), a mutation
/// refused for a business reason is reported in `rejected` and still counts as applied. At
/// most 1000 mutations, 8 MiB and 1,000,000 JSON values per push (413 beyond).
#[utoipa::path(post, path = "/sync/push", tag = "sync", request_body = PushRequest,
    responses((status = 200, body = PushResponse), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody, description = "a gap in mutation ids"), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
async fn push(State(state): State<AppState>, caller: Caller, headers: HeaderMap, body: Body) -> Result<axum::Json<PushResponse>> {
    if !extract::is_json(&headers) {
        return Err(extract::not_json());
    }
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > PUSH_BODY_BYTES as u64) {
        return Err(too_large());
    }
    // Memory: at most `push_uploads` push bodies are held at once (a waiting push has read
    // nothing yet), and one at a time is parsed and applied, off the async threads.
    let closed = |e: tokio::sync::AcquireError| Error::Internal(e.into());
    let upload = state.push_uploads.clone().acquire_owned().await.map_err(closed)?;
    let bytes = match http_body_util::Limited::new(body, PUSH_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => return Err(too_large()),
        Err(_) => return Err(Error::Invalid("the request body ended before it was complete".into())),
    };
    let work = state.push_work.clone().acquire_owned().await.map_err(closed)?;
    let big = bytes.len() > 1024 * 1024;
    let response = state
        .blocking(move |db| {
            let _held = (upload, work);
            let _trim = big.then_some(GiveBackMemory);
            if extract::json_values_over(&bytes, PUSH_VALUES_MAX) {
                return Err(Error::TooLarge(format!(
                    "the push holds more than {PUSH_VALUES_MAX} JSON values; at most {PUSH_VALUES_MAX} are allowed in one push"
                )));
            }
            let req: PushRequest = axum::Json::from_bytes(&bytes).map(|axum::Json(req)| req)?;
            drop(bytes);
            if req.mutations.len() > PUSH_MAX {
                return Err(Error::TooLarge(format!("{} mutations in one push; at most {PUSH_MAX} are allowed", req.mutations.len())));
            }
            let mut rejected = Vec::new();
            for m in &req.mutations {
                if let Outcome::Rejected(error) = sync::push_one(db, &caller, &req.client_id, m)? {
                    rejected.push(RejectedMutation { id: m.id, name: m.mutation.name().to_string(), error });
                }
            }
            let last_mutation_id = db.read(|c| sync::client_state(c, &caller, &req.client_id))?;
            Ok(PushResponse { last_mutation_id, rejected })
        })
        .await?;
    Ok(axum::Json(response))
}

/// Once dropped, hands memory the allocator keeps after a big push back to the system. Parses
/// run on whichever blocking thread is free, and glibc keeps what one thread freed in that
/// thread's arena: without this, every thread that once parsed a big push keeps its peak.
struct GiveBackMemory;

impl Drop for GiveBackMemory {
    fn drop(&mut self) {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: malloc_trim only returns free memory to the system; it takes no pointers.
        unsafe {
            libc::malloc_trim(0);
        }
    }
}

fn too_large() -> Error {
    Error::TooLarge(format!("the push body is larger than {PUSH_BODY_BYTES} bytes, the most this server accepts; send fewer mutations per push"))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct PullParams {
    /// The project's UUID.
    project: String,
    /// The pulling database's client id.
    client_id: String,
    /// `cookie` of the last pull (0 or absent: from the beginning).
    #[serde(default)]
    cookie: i64,
    /// Changed rows per page, 1 to 50,000 (default 5,000).
    limit: Option<i64>,
    /// The first mutation id still in the client's outbox: the answer repeats the refusals
    /// from there on, for a client whose push answer was lost.
    pending_from: Option<i64>,
}

/// The project's changes after `cookie`, tombstones included, as the caller may see them; the
/// client's last applied mutation id; `more` when another page follows; `reset` (and the whole
/// current state) for a cookie this server cannot continue from: not one it gave out, or older
/// than history it has pruned.
#[utoipa::path(get, path = "/sync/pull", tag = "sync", params(PullParams),
    responses((status = 200, body = PullResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn pull(State(state): State<AppState>, caller: Caller, Query(p): Query<PullParams>) -> Result<axum::Json<PullResponse>> {
    let limit = crate::store::items::page_size(p.limit, PULL_DEFAULT, PULL_MAX)?;
    Ok(axum::Json(state.read(move |c| sync::pull(c, &caller, &p.project, &p.client_id, p.cookie, limit, p.pending_from)).await?))
}
