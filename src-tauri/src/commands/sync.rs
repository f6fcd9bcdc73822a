//! The server connection and sync: settings, status, the server's projects, downloading one,
//! "Make available offline", refused changes.

use tauri::{AppHandle, Runtime, State};
use tauri_plugin_store::StoreExt;
use trove_protocol::remote::{Progress, RemoteProject, ServerSettings, ServerSettingsInput, SyncStatus};
use trove_protocol::{ApiError, ErrorCode, Project};

use crate::connection::{sync_error, Saved};
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

#[tauri::command]
pub async fn save_server_settings<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    input: ServerSettingsInput,
) -> Result<ServerSettings, ApiError> {
    let st = state.inner().clone();
    let store = tauri::async_runtime::spawn_blocking(move || st.store()).await.map_err(store_failed)??;
    let saved = state.connection.save(&store, input).await?;
    let file = app.store(FILE).map_err(store_failed)?;
    file.set(KEY, serde_json::to_value(&saved).map_err(store_failed)?);
    file.save().map_err(store_failed)?;
    Ok(state.connection.settings())
}

#[tauri::command]
pub async fn remote_projects(state: State<'_, AppState>) -> Result<Vec<RemoteProject>, ApiError> {
    let engine = state.connection.engine()?;
    let projects = engine.remote_projects().await.map_err(sync_error)?;
    state
        .run(move |store| {
            projects
                .into_iter()
                .map(|p| {
                    Ok(RemoteProject {
                        local_id: store
                            .project_by_uuid(&p.uuid)?
                            .filter(|id| store.synced_projects().map(|s| s.iter().any(|x| x.project == *id && x.synced_at.is_some())).unwrap_or(false)),
                        role: serde_json::to_value(p.role).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
                        uuid: p.uuid,
                        namespace: p.namespace,
                        name: p.name,
                        kind: p.kind,
                        description: p.description,
                        item_count: p.item_count,
                    })
                })
                .collect()
        })
        .await
}

/// Downloads a server project (progress in the status) and returns the local project.
#[tauri::command]
pub async fn connect_project(state: State<'_, AppState>, uuid: String) -> Result<Project, ApiError> {
    let engine = state.connection.engine()?;
    let driver = state.connection.driver.clone();
    let result = engine.connect(&uuid, &|p: Progress| driver.set_progress(Some(p))).await;
    driver.set_progress(None);
    let id = result.map_err(sync_error)?;
    driver.wake();
    state.run(move |s| s.read(|c| trove_core::projects::get(c, id))).await
}

#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> Result<(), ApiError> {
    state.connection.engine()?;
    state.connection.driver.wake();
    Ok(())
}

/// Fetches every thumbnail of the project within the offline budget; answers what it did.
#[tauri::command]
pub async fn make_available_offline(state: State<'_, AppState>, project_id: i64) -> Result<String, ApiError> {
    let engine = state.connection.engine()?;
    let budget = state.connection.saved().offline_budget_mb * 1024 * 1024;
    let driver = state.connection.driver.clone();
    let result = engine.prefetch_thumbnails(project_id, budget, &|p: Progress| driver.set_progress(Some(p))).await;
    driver.set_progress(None);
    let done = result.map_err(sync_error)?;
    let mut message = format!(
        "{} thumbnails fetched ({:.1} MiB); {} were already here",
        done.fetched,
        done.bytes as f64 / 1048576.0,
        done.present
    );
    if done.over_budget > 0 {
        message.push_str(&format!("; {} left out by the offline budget", done.over_budget));
    }
    if done.refused > 0 {
        message.push_str(&format!("; {} refused because the server sent something else than the thumbnail asked for", done.refused));
    }
    Ok(message)
}

#[tauri::command]
pub async fn dismiss_refusals(state: State<'_, AppState>) -> Result<(), ApiError> {
    state.mutate(|s| s.dismiss_refusals()).await
}

/// The project `TROVE_PROJECT` names, once downloaded (waits for it; `None` without it).
#[tauri::command]
pub async fn startup_project(state: State<'_, AppState>) -> Result<Option<i64>, ApiError> {
    if crate::connection::Env::read().project.is_none() {
        return Ok(None);
    }
    loop {
        let waiting = state.connection.startup_done.notified();
        if let Some(id) = state.connection.startup_project() {
            return Ok(Some(id));
        }
        if tokio_timeout(waiting).await.is_err() && state.connection.driver.engine().is_none() {
            return Ok(None);
        }
    }
}

async fn tokio_timeout(f: impl std::future::Future<Output = ()>) -> Result<(), ()> {
    tokio::time::timeout(std::time::Duration::from_secs(2), f).await.map_err(|_| ())
}
