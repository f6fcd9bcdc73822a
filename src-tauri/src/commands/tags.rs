use tauri::State;
use trove_protocol::{ApiError, Selection};

use crate::AppState;

#[tauri::command]
pub async fn list_tags(state: State<'_, AppState>, project_id: i64) -> Result<Vec<String>, ApiError> {
    state.run(move |s| s.tags(project_id)).await
}

#[tauri::command]
pub async fn tag_items(
    state: State<'_, AppState>,
    project_id: i64,
    selection: Selection,
    tags: Vec<String>,
) -> Result<u64, ApiError> {
    state.mutate(move |s| s.tag_items(project_id, &selection, &tags)).await
}

#[tauri::command]
pub async fn untag_items(
    state: State<'_, AppState>,
    project_id: i64,
    selection: Selection,
    tags: Vec<String>,
) -> Result<u64, ApiError> {
    state.mutate(move |s| s.untag_items(project_id, &selection, &tags)).await
}
