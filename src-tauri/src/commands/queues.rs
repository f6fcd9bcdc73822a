//! Labeling queues: list, create, close, the items by status, the user's work, claim, submit,
//! review, "Move accepted to collection…", and who may be named in a queue. Each command is
//! one `trove_core` call (`queues`) on the blocking pool; `project_people` asks the connection,
//! which fetches the server's list first.

use tauri::State;
use trove_protocol::queue::{MoveOutcome, MoveTarget, NewQueue, Queue, QueueItem, QueueItemPage, ReviewOutcome};
use trove_protocol::{ApiError, QueueStatus};

use crate::AppState;

#[tauri::command]
pub async fn list_queues(state: State<'_, AppState>, project_id: i64) -> Result<Vec<Queue>, ApiError> {
    state.run(move |s| s.queues(project_id)).await
}

#[tauri::command]
pub async fn create_queue(state: State<'_, AppState>, project_id: i64, input: NewQueue) -> Result<Queue, ApiError> {
    state.mutate(move |s| s.create_queue(project_id, &input)).await
}

#[tauri::command]
pub async fn close_queue(state: State<'_, AppState>, queue_id: i64) -> Result<(), ApiError> {
    state.mutate(move |s| s.close_queue(queue_id)).await
}

#[tauri::command]
pub async fn queue_items(
    state: State<'_, AppState>,
    queue_id: i64,
    status: Option<QueueStatus>,
    offset: u64,
    limit: u32,
) -> Result<QueueItemPage, ApiError> {
    state.run(move |s| s.queue_items(queue_id, status, offset, limit)).await
}

#[tauri::command]
pub async fn my_queue_work(state: State<'_, AppState>, queue_id: i64) -> Result<Vec<QueueItem>, ApiError> {
    state.run(move |s| s.my_queue_work(queue_id)).await
}

#[tauri::command]
pub async fn claim_queue_items(state: State<'_, AppState>, queue_id: i64, count: u32) -> Result<Vec<QueueItem>, ApiError> {
    state.mutate(move |s| s.claim_queue_items(queue_id, count)).await
}

#[tauri::command]
pub async fn submit_queue_item(
    state: State<'_, AppState>,
    queue_id: i64,
    item_id: i64,
    add: Vec<String>,
    remove: Vec<String>,
) -> Result<Queue, ApiError> {
    state.mutate(move |s| s.submit_queue_item(queue_id, item_id, &add, &remove)).await
}

#[tauri::command]
pub async fn review_queue_items(
    state: State<'_, AppState>,
    queue_id: i64,
    item_ids: Vec<i64>,
    accept: bool,
    comment: String,
) -> Result<ReviewOutcome, ApiError> {
    state.mutate(move |s| s.review_queue_items(queue_id, &item_ids, accept, &comment)).await
}

/// Adds the queue's accepted items to the target collection and removes them from the source.
#[tauri::command]
pub async fn move_accepted(state: State<'_, AppState>, queue_id: i64, target: MoveTarget) -> Result<MoveOutcome, ApiError> {
    state.mutate(move |s| s.move_accepted(queue_id, &target)).await
}

/// Who may be named in a queue: the server's list for a synced project (fetched when online).
#[tauri::command]
pub async fn project_people(state: State<'_, AppState>, project_id: i64) -> Result<Vec<String>, ApiError> {
    Ok(state.connection.project_people(&state.store_async().await?, project_id).await?)
}

#[tauri::command]
pub async fn current_user(state: State<'_, AppState>, project_id: i64) -> Result<String, ApiError> {
    state.run(move |s| s.current_user(project_id)).await
}
