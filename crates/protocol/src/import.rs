//! "Import folder…": what the app reports about an import of a folder of pictures into a local
//! project, as the window shows it (`data-testid="import-progress"` and its counts).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where an import is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ImportState {
    /// No import since the app started.
    #[default]
    Idle,
    Running,
    Done,
    /// Stopped by the person; what was done is kept.
    Cancelled,
    /// Could not run (the folder is missing, the project cannot take items); see `message`.
    Failed,
}

/// A file an import or an export could not take, and why (a sentence).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FileFailure {
    pub name: String,
    pub reason: String,
}

/// The import of one folder, counted for this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[ts(export)]
pub struct ImportStatus {
    pub state: ImportState,
    #[ts(type = "number")]
    pub project_id: i64,
    /// The dataset the items go into (named after the folder unless the person named it).
    pub dataset: String,
    pub folder: String,
    /// Pictures and videos found in the folder.
    #[ts(type = "number")]
    pub found: u64,
    /// Files looked at so far (each is then one of the four counts below).
    #[ts(type = "number")]
    pub done: u64,
    /// Items newly added, and items whose file changed since the last import (updated in place).
    #[ts(type = "number")]
    pub indexed: u64,
    /// Of `indexed`, the items updated because their file changed.
    #[ts(type = "number")]
    pub updated: u64,
    /// Files already imported with these exact bytes.
    #[ts(type = "number")]
    pub unchanged: u64,
    /// Byte-identical copies within the folder (a link inside the folder to a file in it is
    /// one): each content becomes one item.
    #[ts(type = "number")]
    pub duplicates: u64,
    /// Files refused (corrupt, empty, unreadable); the first [`FAILURES_LISTED`] are in
    /// `failures`.
    #[ts(type = "number")]
    pub failed: u64,
    pub failures: Vec<FileFailure>,
    /// Links leading outside the folder, not followed, and folders that could not be listed.
    pub skipped: Vec<String>,
    /// Hidden files and files that are not pictures or videos, left alone.
    #[ts(type = "number")]
    pub ignored: u64,
    /// A sentence for the person when the import failed or ended.
    pub message: String,
}

/// Most refused files an import lists by name (all are counted).
pub const FAILURES_LISTED: usize = 1000;

/// Largest original file a server keeps (64 MiB): photos and short clips. The app leaves a larger
/// one on this computer (its item and thumbnail are uploaded all the same).
pub const ORIGINAL_MAX: u64 = 64 * 1024 * 1024;

/// How a collection is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ExportFormat {
    /// One row per item: id, name, dataset, path, note, position, tags.
    Csv,
    /// The same fields as an array of objects (tags as an array).
    Json,
    /// The items' original files copied into a folder.
    Files,
}

/// `export_collection`: where and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ExportRequest {
    #[ts(type = "number")]
    pub collection_id: i64,
    pub format: ExportFormat,
    /// The file to write (CSV, JSON), or the folder to copy into (files; created if missing).
    pub path: String,
    /// Files only: prefix each file name with its place in the collection (`0001 name.jpg`), so
    /// a file manager shows them in the collection's order.
    #[serde(default)]
    pub numbered: bool,
}

/// How far a running export of files is: the `export-progress` event, sent while it copies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ExportProgress {
    /// Items handled (copied or reported).
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub total: u64,
}

/// What an export did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ExportReport {
    /// Items written (rows, or files copied).
    #[ts(type = "number")]
    pub written: u64,
    /// Items whose file could not be copied, and why (files only).
    pub failed: Vec<FileFailure>,
    /// The file or folder written, absolute.
    pub path: String,
    pub message: String,
}
