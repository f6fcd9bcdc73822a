use tauri::State;
use trove_protocol::{ApiError, ItemDetail, ItemPage, ItemQuery, Selection, Summary};

use crate::AppState;

#[tauri::command]
pub async fn query_items(
    state: State<'_, AppState>,
    project_id: i64,
    query: ItemQuery,
    offset: u64,
    limit: u32,
) -> Result<ItemPage, ApiError> {
    state.run(move |s| s.page(project_id, &query, offset, limit)).await
}

#[tauri::command]
pub async fn item_ids(
    state: State<'_, AppState>,
    project_id: i64,
    query: ItemQuery,
    offset: u64,
    limit: u64,
) -> Result<Vec<i64>, ApiError> {
    state.run(move |s| s.item_ids(project_id, &query, offset, limit)).await
}

#[tauri::command]
pub async fn summarize(state: State<'_, AppState>, project_id: i64, query: ItemQuery) -> Result<Summary, ApiError> {
    state.run(move |s| s.summary(project_id, &query)).await
}

#[tauri::command]
pub async fn count_selection(state: State<'_, AppState>, project_id: i64, selection: Selection) -> Result<u64, ApiError> {
    state.run(move |s| s.count_selection(project_id, &selection)).await
}

#[tauri::command]
pub async fn get_item(state: State<'_, AppState>, project_id: i64, item_id: i64) -> Result<ItemDetail, ApiError> {
    state.run(move |s| s.item(project_id, item_id)).await
}
