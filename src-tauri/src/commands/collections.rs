use tauri::State;
use trove_protocol::history::{CollectionHistory, HistoryQuery};
use trove_protocol::{ApiError, Collection, CollectionPatch, NewCollection};

use crate::AppState;

#[tauri::command]
pub async fn list_collections(state: State<'_, AppState>, project_id: i64) -> Result<Vec<Collection>, ApiError> {
    state.run(move |s| s.collections(project_id)).await
}

#[tauri::command]
pub async fn create_collection(
    state: State<'_, AppState>,
    project_id: i64,
    input: NewCollection,
) -> Result<Collection, ApiError> {
    state.mutate(move |s| s.create_collection(project_id, &input)).await
}

#[tauri::command]
pub async fn update_collection(
    state: State<'_, AppState>,
    collection_id: i64,
    patch: CollectionPatch,
) -> Result<Collection, ApiError> {
    state.mutate(move |s| s.update_collection(collection_id, &patch)).await
}

#[tauri::command]
pub async fn delete_collection(state: State<'_, AppState>, collection_id: i64) -> Result<(), ApiError> {
    state.mutate(move |s| s.delete_collection(collection_id)).await
}

/// The collection's history for the history panel: the server's accepted changes merged with
/// this device's pending ones (`trove_sync::Connection::collection_history`).
#[tauri::command]
pub async fn collection_history(
    state: State<'_, AppState>,
    collection_id: i64,
    query: HistoryQuery,
) -> Result<CollectionHistory, ApiError> {
    Ok(state.connection.collection_history(&state.store_async().await?, collection_id, query).await?)
}
