//! Settings (thumbnail size, last project, view) in tauri-plugin-store's `settings.json` in the
//! app data directory. Secrets never go here.

use tauri::{AppHandle, Runtime};
use tauri_plugin_store::StoreExt;
use trove_protocol::{rules, ApiError, ErrorCode, Settings};

const FILE: &str = "settings.json";
const KEY: &str = "settings";

fn failed(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "settings store failed");
    ApiError::new(ErrorCode::Internal, "the settings could not be read or saved (details are in the log)")
}

#[tauri::command]
pub async fn get_settings<R: Runtime>(app: AppHandle<R>) -> Result<Settings, ApiError> {
    let store = app.store(FILE).map_err(failed)?;
    // A missing or unreadable entry falls back to the defaults rather than blocking the app.
    Ok(store.get(KEY).and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default())
}

#[tauri::command]
pub async fn set_settings<R: Runtime>(app: AppHandle<R>, settings: Settings) -> Result<(), ApiError> {
    let store = app.store(FILE).map_err(failed)?;
    store.set(KEY, serde_json::to_value(rules::settings(&settings)?).map_err(failed)?);
    store.save().map_err(failed)
}
