use tauri::State;
use trove_protocol::{AddOutcome, AddedToNew, ApiError, NewCollection, Selection};

use crate::AppState;

#[tauri::command]
pub async fn add_to_collection(
    state: State<'_, AppState>,
    project_id: i64,
    collection_id: i64,
    selection: Selection,
) -> Result<AddOutcome, ApiError> {
    state.mutate(move |s| s.add_to_collection(project_id, collection_id, &selection)).await
}

/// "Add to a new collection": one action, one undo step.
#[tauri::command]
pub async fn create_collection_and_add(
    state: State<'_, AppState>,
    project_id: i64,
    input: NewCollection,
    selection: Selection,
) -> Result<AddedToNew, ApiError> {
    state.mutate(move |s| s.create_collection_and_add(project_id, &input, &selection)).await
}

#[tauri::command]
pub async fn remove_from_collection(
    state: State<'_, AppState>,
    project_id: i64,
    collection_id: i64,
    selection: Selection,
) -> Result<u64, ApiError> {
    state.mutate(move |s| s.remove_from_collection(project_id, collection_id, &selection)).await
}

#[tauri::command]
pub async fn move_item(
    state: State<'_, AppState>,
    collection_id: i64,
    item_id: i64,
    before: Option<i64>,
) -> Result<(), ApiError> {
    state.mutate(move |s| s.move_item(collection_id, item_id, before)).await
}

#[tauri::command]
pub async fn set_note(state: State<'_, AppState>, collection_id: i64, item_id: i64, note: String) -> Result<(), ApiError> {
    state.mutate(move |s| s.set_note(collection_id, item_id, &note)).await
}
