//! Filling a server without the app: a folder of images, a list of Hub items, the demo.

use std::path::Path;

use crate::state::AppState;

pub fn import_folder(_state: &AppState, _namespace: &str, _project: &str, _dataset: &str, _root: &Path) -> anyhow::Result<String> {
    anyhow::bail!("not built yet")
}

pub fn import_hub(_state: &AppState, _namespace: &str, _project: &str, _file: &Path) -> anyhow::Result<String> {
    anyhow::bail!("not built yet")
}

pub fn demo(_state: &AppState, _namespace: &str) -> anyhow::Result<String> {
    anyhow::bail!("not built yet")
}
