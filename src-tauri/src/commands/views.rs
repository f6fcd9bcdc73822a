//! Saved views: list with live counts, open, save, rename or re-save, delete, convert.

use tauri::State;
use trove_protocol::{AddedToNew, ApiError, ItemQuery, SavedView};

use crate::AppState;

#[tauri::command]
pub async fn list_views(state: State<'_, AppState>, project_id: i64) -> Result<Vec<SavedView>, ApiError> {
    state.run(move |s| s.views(project_id)).await
}

/// One view, opened: its filter and sort in this cache's ids, and what it names that is gone.
#[tauri::command]
pub async fn open_view(state: State<'_, AppState>, view_id: i64) -> Result<SavedView, ApiError> {
    state.run(move |s| s.view(view_id)).await
}

/// "Save view…": the current filter and sort under a name.
#[tauri::command]
pub async fn create_view(state: State<'_, AppState>, project_id: i64, name: String, query: ItemQuery) -> Result<SavedView, ApiError> {
    state.mutate(move |s| s.create_view(project_id, &name, &query)).await
}

/// Renames a view (`name`) and/or saves the current filter and sort into it (`query`).
#[tauri::command]
pub async fn update_view(state: State<'_, AppState>, view_id: i64, name: Option<String>, query: Option<ItemQuery>) -> Result<SavedView, ApiError> {
    state.mutate(move |s| s.update_view(view_id, name.as_deref(), query.as_ref())).await
}

#[tauri::command]
pub async fn delete_view(state: State<'_, AppState>, view_id: i64) -> Result<(), ApiError> {
    state.mutate(move |s| s.delete_view(view_id)).await
}

/// "Convert to collection": a new collection titled `title` holding what the view matches now.
#[tauri::command]
pub async fn convert_view(state: State<'_, AppState>, view_id: i64, title: String) -> Result<AddedToNew, ApiError> {
    state.mutate(move |s| s.convert_view(view_id, &title)).await
}
