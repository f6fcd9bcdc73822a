//! The server connection and sync: settings, status, the server's projects, downloading one,
//! "Make available offline", refused changes. Each command is one `trove_sync::Connection` call;
//! the settings file (tauri-plugin-store) is the only thing kept here.

use tauri::{AppHandle, Runtime, State};
use tauri_plugin_store::StoreExt;
use trove_protocol::remote::{RemoteProject, ServerSettings, ServerSettingsInput, SyncStatus};
use trove_protocol::{ApiError, ErrorCode, Project};
use trove_sync::{Env, Saved};

use crate::AppState;

const FILE: &str = "settings.json";
pub const KEY: &str = "server";

/// The saved (non-secret) connection settings.
pub fn load_saved<R: Runtime>(app: &AppHandle<R>) -> Saved {
    app.store(FILE).ok().and_then(|s| s.get(KEY)).and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default()
}

fn store_failed(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "settings store failed");
    ApiError::new(ErrorCode::Internal, "the settings could not be saved (details are in the log)")
}

#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> Result<SyncStatus, ApiError> {
    let s = state.inner().clone();
    state.run(move |store| Ok(s.connection.status(Some(store)))).await
}

#[tauri::command]
pub async fn get_server_settings(state: State<'_, AppState>) -> Result<ServerSettings, ApiError> {
    Ok(state.connection.settings())
}

/// Checks and applies the settings (`Connection::save`), then writes the non-secret part to
/// the settings file.
#[tauri::command]
pub async fn save_server_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    input: ServerSettingsInput,
) -> Result<ServerSettings, ApiError> {
    let saved = state.connection.save(&state.store_async().await?, &input).await?;
    let file = app.store(FILE).map_err(store_failed)?;
    file.set(KEY, serde_json::to_value(&saved).map_err(store_failed)?);
    file.save().map_err(store_failed)?;
    Ok(state.connection.settings())
}

#[tauri::command]
pub async fn remote_projects(state: State<'_, AppState>) -> Result<Vec<RemoteProject>, ApiError> {
    Ok(state.connection.remote_projects().await?)
}

/// Downloads a server project (progress in the status) and returns the local project.
#[tauri::command]
pub async fn connect_project(state: State<'_, AppState>, uuid: String) -> Result<Project, ApiError> {
    Ok(state.connection.download(&uuid).await?)
}

#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> Result<(), ApiError> {
    Ok(state.connection.sync_now()?)
}

/// Fetches every thumbnail of the project within the offline budget; answers what it did.
#[tauri::command]
pub async fn make_available_offline(state: State<'_, AppState>, project_id: i64) -> Result<String, ApiError> {
    Ok(state.connection.make_available_offline(project_id).await?)
}

#[tauri::command]
pub async fn dismiss_refusals(state: State<'_, AppState>) -> Result<(), ApiError> {
    state.mutate(|s| s.dismiss_refusals()).await
}

/// The project `TROVE_PROJECT` names, once downloaded (waits for it; `None` without it).
#[tauri::command]
pub async fn startup_project(state: State<'_, AppState>) -> Result<Option<i64>, ApiError> {
    Ok(state.connection.startup_project(&Env::read()).await)
}
