use tauri::State;
use trove_protocol::{ApiError, ItemQuery, LinkTarget};

use crate::links::Launch;
use crate::AppState;

/// The deep link (`trove://open?…`) to what `query` shows in the project ("Copy link").
#[tauri::command]
pub async fn make_link(state: State<'_, AppState>, project_id: i64, query: ItemQuery) -> Result<String, ApiError> {
    state.run(move |s| s.link(project_id, &query)).await
}

/// Where a deep link points in this cache, and what it names that is not here.
#[tauri::command]
pub async fn resolve_link(state: State<'_, AppState>, link: String) -> Result<LinkTarget, ApiError> {
    state.run(move |s| s.resolve_link(&link)).await
}

/// The link the app was started with (once; `null` after, or without one).
#[tauri::command]
pub fn take_link(launch: State<'_, Launch>) -> Option<String> {
    launch.take()
}
