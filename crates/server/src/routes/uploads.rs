//! Uploads from the app: the thumbnails of the files an app imported into a synced project
//! ("Import folder…"), sent before the `import_items` mutations that name them are pushed, so
//! every other client can fetch an item's thumbnail as soon as it pulls the item.

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use http_body_util::BodyExt;
use serde::Deserialize;
use trove_protocol::api::ErrorBody;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::extract::{Path, Query};
use crate::state::AppState;
use crate::store::sync;

/// Largest thumbnail upload: the app's thumbnails (256 px on the longest side) are a few tens of
/// kilobytes.
pub const THUMB_UPLOAD_BYTES: usize = 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(put_thumbnail))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct UploadParams {
    /// The UUID of the project whose items will show the thumbnail; the caller needs the editor
    /// role there.
    project: String,
}

/// Stores a thumbnail under its content hash, for items an app imported into a synced project.
/// The body is the image (JPEG or PNG, at most 1 MiB) and must hash (SHA-256) to `hash`.
/// Storing one the server has is a no-op; the answer is the same either way.
#[utoipa::path(put, path = "/sync/thumbnails/{hash}", tag = "sync",
    params(("hash" = String, Path, description = "SHA-256 of the thumbnail, 64 lowercase hex characters"), UploadParams),
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "the thumbnail's bytes (JPEG or PNG)"),
    responses((status = 204, description = "stored"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
async fn put_thumbnail(
    State(state): State<AppState>,
    caller: Caller,
    Path(hash): Path<String>,
    Query(p): Query<UploadParams>,
    body: Body,
) -> Result<StatusCode> {
    if !trove_thumbs::is_hash(&hash) {
        return Err(Error::Invalid(format!("{} is not a thumbnail hash; expected 64 lowercase hex characters", trove_protocol::rules::quote(&hash))));
    }
    trove_protocol::rules::id("project", &p.project)?;
    let project = p.project.clone();
    state.read(move |c| sync::import_target(c, &caller, &project)).await?;
    let too_large = || Error::TooLarge(format!("the thumbnail is larger than {THUMB_UPLOAD_BYTES} bytes; thumbnails are at most 1 MiB"));
    let bytes = match http_body_util::Limited::new(body, THUMB_UPLOAD_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => return Err(too_large()),
        Err(_) => return Err(Error::Invalid("the request body ended before it was complete".into())),
    };
    let image = bytes.starts_with(&[0xff, 0xd8, 0xff]) || bytes.starts_with(b"\x89PNG\r\n\x1a\n");
    if !image {
        return Err(Error::UnsupportedMediaType("a thumbnail is a JPEG or PNG image; the body is neither".into()));
    }
    let thumbs = state.thumbs.clone();
    tokio::task::spawn_blocking(move || thumbs.put_expected(&hash, &bytes))
        .await
        .map_err(|e| Error::Internal(e.into()))?
        .map_err(|e| match e {
            trove_thumbs::Error::Invalid(why) => Error::Invalid(why),
            other => Error::Internal(other.into()),
        })?;
    Ok(StatusCode::NO_CONTENT)
}
