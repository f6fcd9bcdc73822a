//! Files in and out: "Import folder…" (start an import, which runs on a thread of its own; read
//! its status; cancel it), a collection's export, and an item's original opened or shown. The rules are `trove_core::import`'s and
//! `trove_core::export`'s.

use tauri::{AppHandle, Emitter, Runtime, State};
use trove_protocol::import::{ExportReport, ExportRequest, ImportStatus};
use trove_protocol::ApiError;

use crate::AppState;

/// Checks the request and starts the import in the background; answers its first status. A
/// refusal (the folder is missing, the project cannot take pictures, an import is running) is
/// an error and starts nothing.
#[tauri::command]
pub async fn import_folder(state: State<'_, AppState>, project_id: i64, path: String, dataset: Option<String>) -> Result<ImportStatus, ApiError> {
    let importer = state.importer.clone();
    let plan = state.run(move |s| importer.begin(s, project_id, &path, dataset.as_deref())).await?;
    let (importer, st) = (state.importer.clone(), state.inner().clone());
    std::thread::spawn(move || match st.store() {
        // Each batch written in a synced project is a change to upload: the sync task is woken
        // for it (a local project's sync task has nothing to do), and the status area told.
        Ok(store) => importer.run_with(&store, &plan, &|| {
            st.connection.driver.wake();
            st.connection.changed.notify_one();
        }),
        Err(e) => tracing::error!(error = %e.message, "the import could not open the local data"),
    });
    Ok(state.importer.status())
}

#[tauri::command]
pub async fn import_status(state: State<'_, AppState>) -> Result<ImportStatus, ApiError> {
    Ok(state.importer.status())
}

/// Stops the running import after the files it is reading; what it did is kept.
#[tauri::command]
pub async fn cancel_import(state: State<'_, AppState>) -> Result<ImportStatus, ApiError> {
    state.importer.cancel();
    Ok(state.importer.status())
}

/// Exports a collection as CSV or JSON, or copies its originals into a folder, telling the
/// window how far a copy is (the `export-progress` event).
#[tauri::command]
pub async fn export_collection<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>, request: ExportRequest) -> Result<ExportReport, ApiError> {
    state
        .run(move |s| {
            s.export_collection_with(&request, &|p| {
                if let Err(e) = app.emit("export-progress", p) {
                    tracing::debug!(error = %e, "the export's progress could not be sent to the window");
                }
            })
        })
        .await
}

/// Opens an item's original file with the desktop's default app: one imported on this computer,
/// or, for a file a server project's other computer imported, the original it uploaded
/// (downloaded first, kept for next time). Any other is refused with a sentence.
#[tauri::command]
pub async fn open_original(state: State<'_, AppState>, project_id: i64, item_id: i64) -> Result<(), ApiError> {
    let path = match state.run(move |s| s.original(project_id, item_id)).await {
        Ok(path) => path,
        Err(here) => match state.run(move |s| s.original_on_server(project_id, item_id)).await? {
            Some(remote) => {
                let engine = state.connection.engine().map_err(ApiError::from)?;
                engine.fetch_original(&remote).await.map_err(ApiError::from)?;
                remote.dest
            }
            None => return Err(here),
        },
    };
    opener::open(&path).map_err(|e| desktop_failed("opened", &path, e))
}

/// Shows an item's original file in the file manager, selected.
#[tauri::command]
pub async fn show_in_folder(state: State<'_, AppState>, project_id: i64, item_id: i64) -> Result<(), ApiError> {
    let path = state.run(move |s| s.original(project_id, item_id)).await?;
    opener::reveal(&path).map_err(|e| desktop_failed("shown", &path, e))
}

fn desktop_failed(what: &str, path: &std::path::Path, e: opener::OpenError) -> ApiError {
    tracing::warn!(error = %e, path = %path.display(), "the desktop could not open a file");
    ApiError::new(trove_protocol::ErrorCode::Internal, format!("{} could not be {what}: the desktop said {e}", path.display()))
}
