//! `trove-sync`: the desktop app's sync client for `trove-server` (DESIGN §4).
//!
//! - [`Remote`]: the HTTP calls (push, pull, projects, thumbnails) and the one error type,
//!   [`SyncError`], that says whether waiting helps.
//! - [`Engine`]: one cache + one server. `push` sends the outbox in batches and drops what the
//!   server acknowledged (recording refusals); `pull` applies each page in one transaction with
//!   the pending mutations replayed on top (`trove_core::replica`); `connect` downloads a
//!   project; `prefetch_thumbnails` makes a project available offline within a size budget.
//! - [`Driver`]: the app's single sync task: wakes on local changes, pulls periodically, backs
//!   off with jitter and honours `Retry-After`, and publishes its [`Activity`].
//!
//! - [`Connection`]: what the app syncs with (the environment, else the saved settings and the
//!   stored token), the one `Driver`, the status the UI shows, and the connection's actions;
//!   [`settings`] holds its rules and sentences.
//!
//! No Tauri and no SQL here: the shell stores the settings and the token and turns these calls
//! into IPC; what sync needs of the cache is a `trove-core` function (`tests/no_sql.rs`).

mod connection;
mod driver;
mod engine;
mod remote;
pub mod settings;

pub use connection::{Connection, TokenError, Tokens};
pub use driver::{Activity, Driver};
pub use engine::{Engine, Prefetched, Pulled, Pushed, PULL_PAGE, PUSH_BATCH, PUSH_BYTES};
pub use remote::{normalize_url, Remote, Result, SyncError};
pub use settings::{ConnectionError, Env, Saved};
