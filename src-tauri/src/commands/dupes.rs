use tauri::State;
use trove_protocol::{ApiError, Duplicates, ItemQuery};

use crate::AppState;

/// "Find near-duplicates" over the current filter: groups of items whose thumbnails differ in
/// at most `distance` bits of their perceptual hashes.
#[tauri::command]
pub async fn near_duplicates(state: State<'_, AppState>, project_id: i64, query: ItemQuery, distance: u32) -> Result<Duplicates, ApiError> {
    state.run(move |s| s.near_duplicates(project_id, &query, distance)).await
}
