//! What the app shows of its server connection: the sync status, the changes the server
//! refused, the server's projects, and the connection settings. These travel over IPC to the UI
//! (ts-rs); the HTTP messages themselves are in [`crate::sync`] and [`crate::api`].

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::ProjectKind;

/// The status area's state (`data-state` in the UI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum SyncState {
    /// No server set, "Work offline" chosen, or the server cannot be reached.
    Offline,
    /// Pushing, pulling or downloading now.
    Syncing,
    /// Everything acknowledged and the last pull succeeded.
    Synced,
    /// The last attempt failed for a reason other than being offline (sign-in refused, ...).
    Error,
}

/// Everything the status area shows; sent on every change as the `sync-status` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SyncStatus {
    pub state: SyncState,
    /// Changes made here that the server has not acknowledged yet.
    #[ts(type = "number")]
    pub pending: u64,
    /// Files imported here whose upload waits among those changes (their items and thumbnails).
    #[ts(type = "number")]
    pub uploading: u64,
    /// The server in use, if any.
    pub server_url: Option<String>,
    /// Who the token signs in as, once the server said so.
    pub user: Option<String>,
    /// When a push and pull last both succeeded (ms since the epoch).
    #[ts(type = "number | null")]
    pub last_synced_at: Option<i64>,
    /// The last failure, as a sentence (kept until the next success).
    pub last_error: Option<String>,
    /// Changes the server refused for good, newest first; they do not block the others.
    pub refused: Vec<Refusal>,
    /// A download or prefetch in progress.
    pub progress: Option<Progress>,
    /// Grows each time a pull brought changes into the cache: what is shown should be re-read.
    #[ts(type = "number")]
    pub changes: u64,
    /// "Work offline" is on: nothing is sent or fetched.
    pub work_offline: bool,
    /// The connection comes from `TROVE_SERVER_URL`/`TROVE_TOKEN` and cannot be changed here.
    pub managed: bool,
}

/// One change the server refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Refusal {
    #[ts(type = "number")]
    pub mutation_id: i64,
    /// What the change was, in words ("Rename collection", "Add 3 items to a collection").
    pub change: String,
    /// The server's reason, as a sentence.
    pub reason: String,
    #[ts(type = "number")]
    pub at: i64,
}

/// Progress of a long transfer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Progress {
    /// "Downloading Photos", "Making thumbnails available offline", ...
    pub label: String,
    #[ts(type = "number")]
    pub done: u64,
    /// Unknown until the server says.
    #[ts(type = "number | null")]
    pub total: Option<u64>,
}

/// A project on the server, as the "Connect to a project" list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RemoteProject {
    pub uuid: String,
    pub namespace: String,
    pub name: String,
    pub kind: ProjectKind,
    pub description: String,
    #[ts(type = "number")]
    pub item_count: u64,
    /// The caller's role: "viewer", "editor" or "admin".
    pub role: String,
    /// The local project id, when this project is already downloaded here.
    #[ts(type = "number | null")]
    pub local_id: Option<i64>,
}

/// The connection settings as the settings dialog shows them (the token itself never leaves
/// the backend).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ServerSettings {
    pub server_url: Option<String>,
    /// A token is stored (in the OS keyring or the user-only file).
    pub has_token: bool,
    /// Where the token is kept: "keyring", "file", or "environment".
    pub token_store: Option<String>,
    pub work_offline: bool,
    /// Most disk space "Make available offline" may use for thumbnails, in MiB.
    #[ts(type = "number")]
    pub offline_budget_mb: u64,
    /// "Upload originals": the files imported into a synced project go to the server too (up
    /// to 64 MiB each), not only their items and thumbnails.
    pub upload_originals: bool,
    /// Set by environment variables: the dialog shows them read-only.
    pub managed: bool,
}

/// What the settings dialog saves. `token: None` keeps the stored one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ServerSettingsInput {
    pub server_url: Option<String>,
    pub token: Option<String>,
    pub work_offline: bool,
    #[ts(type = "number")]
    pub offline_budget_mb: u64,
    #[serde(default)]
    pub upload_originals: bool,
}
