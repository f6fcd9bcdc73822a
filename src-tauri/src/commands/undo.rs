use tauri::State;
use trove_protocol::{ApiError, UndoState, Undone};

use crate::AppState;

/// Undoes the project's last collection action (Ctrl+Z); `null` when there is none.
#[tauri::command]
pub async fn undo(state: State<'_, AppState>, project_id: i64) -> Result<Option<Undone>, ApiError> {
    state.mutate(move |s| s.undo(project_id)).await
}

/// Redoes the project's last undone action (Ctrl+Shift+Z); `null` when there is none.
#[tauri::command]
pub async fn redo(state: State<'_, AppState>, project_id: i64) -> Result<Option<Undone>, ApiError> {
    state.mutate(move |s| s.redo(project_id)).await
}

/// What an undo and a redo would do now.
#[tauri::command]
pub async fn undo_state(state: State<'_, AppState>, project_id: i64) -> Result<UndoState, ApiError> {
    state.run(move |s| Ok(s.undo_state(project_id))).await
}
