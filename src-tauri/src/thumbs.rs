//! The `thumb:` URI scheme: `thumb://localhost/<sha256>` answers the cached file with that
//! hash and nothing else — `ThumbCache::get` accepts only a well-formed hash, so no request can
//! reach outside the cache directory. A thumbnail of a synced project that the cache lacks is
//! fetched from the server first, when one is in use.

use tauri::http::{header, Request, Response, StatusCode};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};

use crate::AppState;

pub fn serve<R: Runtime>(ctx: UriSchemeContext<'_, R>, request: Request<Vec<u8>>, responder: UriSchemeResponder) {
    let state = ctx.app_handle().state::<AppState>().inner().clone();
    let hash = request.uri().path().trim_start_matches('/').to_string();
    tauri::async_runtime::spawn(async move {
        let st = state.clone();
        let h = hash.clone();
        let missing = tauri::async_runtime::spawn_blocking(move || st.store().map(|s| trove_core::thumbs::is_hash(&h) && !s.thumbs().contains(&h)))
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or(false);
        if missing {
            if let Some(engine) = state.connection.driver.engine() {
                if let Err(e) = engine.fetch_thumbnail(&hash).await {
                    tracing::debug!(error = %e, %hash, "a thumbnail could not be fetched");
                }
            }
        }
        let file = state.store().ok().and_then(|s| s.thumbs().get(&hash));
        let response = match file.map(std::fs::read) {
            Some(Ok(bytes)) => Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, sniff(&bytes))
                .header(header::CACHE_CONTROL, "max-age=31536000, immutable")
                .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")
                .body(bytes),
            _ => Response::builder().status(StatusCode::NOT_FOUND).body(Vec::new()),
        };
        responder.respond(response.expect("static response parts are valid"));
    });
}

fn sniff(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG") {
        "image/png"
    } else if bytes.starts_with(b"RIFF") {
        "image/webp"
    } else {
        "image/jpeg"
    }
}
