//! Uploads from the app: the thumbnails of the files an app imported into a synced project
//! ("Import folder…"), sent before the `import_items` mutations that name them are pushed, so
//! every other client can fetch an item's thumbnail as soon as it pulls the item; and, when the
//! person asked for it, the original files, after the items exist. An item's original is read
//! back with `GET /items/{item}/original`.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
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
use crate::store::{items, sync};

/// Largest thumbnail upload: the app's thumbnails (256 px on the longest side) are a few tens of
/// kilobytes.
pub const THUMB_UPLOAD_BYTES: usize = 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(put_thumbnail)).routes(routes!(put_original, fetch_original)).routes(routes!(get_original))
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
    let project = upload_target(&state, caller, "thumbnail", &hash, &p.project).await?;
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
    let stored = hash.clone();
    tokio::task::spawn_blocking(move || thumbs.put_expected(&stored, &bytes))
        .await
        .map_err(|e| Error::Internal(e.into()))?
        .map_err(|e| match e {
            trove_thumbs::Error::Invalid(why) => Error::Invalid(why),
            other => Error::Internal(other.into()),
        })?;
    state.write(move |tx| items::record_thumb(tx, project, &hash)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks a request's hash (of a `what`) and project UUID, before anything is read.
fn check_names(what: &'static str, hash: &str, project: &str) -> Result<()> {
    trove_protocol::rules::sha256(what, hash)?;
    trove_protocol::rules::id("project", project)?;
    Ok(())
}

/// Checks an upload's name (`what` hash) and project, and that the caller may import into the
/// project (`store::sync::import_target`); returns the project's id.
async fn upload_target(state: &AppState, caller: Caller, what: &'static str, hash: &str, project: &str) -> Result<i64> {
    check_names(what, hash, project)?;
    let project = project.to_string();
    state.read(move |c| sync::import_target(c, &caller, &project)).await
}

/// Stores the original file whose SHA-256 is `hash`, for items of the project that show that
/// content (an app pushes the `import_items` first). The body is the file, at most 64 MiB,
/// streamed to disk; it must hash to `hash`. Sending one the project has again is a no-op; one
/// that only another project has is read and checked all the same (the bytes are the proof).
#[utoipa::path(put, path = "/sync/originals/{hash}", tag = "sync",
    params(("hash" = String, Path, description = "SHA-256 of the file, 64 lowercase hex characters"), UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "the file's bytes"),
    responses((status = 204, description = "stored"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 413, body = ErrorBody)))]
async fn put_original(
    State(state): State<AppState>,
    caller: Caller,
    Path(hash): Path<String>,
    Query(p): Query<UploadParams>,
    body: Body,
) -> Result<StatusCode> {
    let user = caller.user_id;
    let id = upload_target(&state, caller, "content", &hash, &p.project).await?;
    let (project, content) = (p.project.clone(), hash.clone());
    let (shown, held) = state.read(move |c| Ok((items::with_content(c, id, &content)?, items::has_original(c, id, &content)?))).await?;
    if !shown {
        return Err(Error::NotFound(format!("no item of project {project} shows content {hash}; push its import first")));
    }
    if !held {
        let size = state.originals.put(&hash, body).await?;
        state.write(move |tx| items::record_original(tx, id, &hash, size, user)).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The original file whose SHA-256 is `hash`, as uploaded for the project (by UUID): what an
/// app downloads for "Open original" of a file imported on another computer. Readers of the
/// project only; 404 when it was not uploaded for that project.
#[utoipa::path(get, path = "/sync/originals/{hash}", tag = "sync",
    params(("hash" = String, Path, description = "SHA-256 of the file, 64 lowercase hex characters"), UploadParams),
    responses((status = 200, description = "the file", content_type = "application/octet-stream"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn fetch_original(State(state): State<AppState>, caller: Caller, Path(hash): Path<String>, Query(p): Query<UploadParams>) -> Result<Response> {
    check_names("content", &hash, &p.project)?;
    let (project, content) = (p.project.clone(), hash.clone());
    let held = state.read(move |c| items::has_original(c, sync::readable_project(c, &caller, &project)?, &content)).await?;
    let path = state
        .originals
        .get(&hash)
        .filter(|_| held)
        .ok_or_else(|| Error::NotFound(format!("the original {hash} was not uploaded to project {}", p.project)))?;
    stream(&path, "application/octet-stream", None).await
}

/// The file at `path` as an answer, streamed, with its type and, when given, its file name.
async fn stream(path: &std::path::Path, mime: &str, name: Option<&str>) -> Result<Response> {
    let file = tokio::fs::File::open(path).await.map_err(|e| Error::Internal(e.into()))?;
    let len = file.metadata().await.map_err(|e| Error::Internal(e.into()))?.len();
    let mut response = Body::from_stream(tokio_util::io::ReaderStream::new(file)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if let Some(v) = name.and_then(|n| HeaderValue::from_str(&format!("attachment; filename=\"{}\"", n.replace(['"', '\\'], "_"))).ok()) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// An item's original file, when its app uploaded it: the bytes, with the item's mime type.
#[utoipa::path(get, path = "/items/{item}/original", tag = "items", params(("item" = i64, Path, description = "item id")),
    responses((status = 200, description = "the file", content_type = "application/octet-stream"), (status = 404, body = ErrorBody)))]
async fn get_original(State(state): State<AppState>, caller: Caller, Path(item): Path<i64>) -> Result<Response> {
    let info = state.read(move |c| items::get(c, &caller, item)).await?;
    let project = info.project_id;
    let content: Option<String> = state
        .read(move |c| match items::content(c, item)? {
            Some(h) if items::has_original(c, project, &h)? => Ok(Some(h)),
            _ => Ok(None),
        })
        .await?;
    let path = content
        .and_then(|h| state.originals.get(&h))
        .ok_or_else(|| Error::NotFound(format!("item {item} has no original on this server")))?;
    let name = info.item.name.rsplit('/').next().unwrap_or("original").to_string();
    stream(&path, &info.item.mime, Some(&name)).await
}
