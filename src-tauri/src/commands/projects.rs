use tauri::State;
use trove_protocol::{ApiError, Dataset, Project};

use crate::AppState;

#[tauri::command]
pub async fn list_projects(state: State<'_, AppState>) -> Result<Vec<Project>, ApiError> {
    state.run(|s| s.projects()).await
}

#[tauri::command]
pub async fn list_datasets(state: State<'_, AppState>, project_id: i64) -> Result<Vec<Dataset>, ApiError> {
    state.run(move |s| s.datasets(project_id)).await
}

/// Renames a dataset of a local project.
#[tauri::command]
pub async fn rename_dataset(state: State<'_, AppState>, project_id: i64, dataset_id: i64, name: String) -> Result<Dataset, ApiError> {
    state.mutate(move |s| s.rename_dataset(project_id, dataset_id, &name)).await
}
