//! The app's connection to a trove-server: where the settings come from (environment first,
//! then the settings store and the token's keyring/file), the one sync task (`trove_sync::Driver`)
//! and the status the UI shows. Commands in `commands/sync.rs` call into this.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use trove_core::Store;
use trove_protocol::remote::{ServerSettings, SyncState, SyncStatus};
use trove_protocol::{ApiError, ErrorCode};
use trove_sync::{Driver, Engine, Remote, SyncError};

use crate::credentials::Credentials;

/// The non-secret part of the connection, kept in the settings store under `server`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Saved {
    pub server_url: Option<String>,
    pub work_offline: bool,
    pub offline_budget_mb: u64,
}

impl Default for Saved {
    fn default() -> Self {
        Saved { server_url: None, work_offline: true, offline_budget_mb: 1024 }
    }
}

/// Where the connection stands.
#[derive(Debug, Clone, Default)]
struct Current {
    saved: Saved,
    token_store: Option<&'static str>,
    /// Set by `TROVE_SERVER_URL`/`TROVE_TOKEN`.
    managed: bool,
    user: Option<String>,
}

/// The environment's pre-configuration, for managed installs and tests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Env {
    pub server_url: Option<String>,
    pub token: Option<String>,
    pub project: Option<String>,
}

impl Env {
    pub fn read() -> Env {
        let get = |k: &str| std::env::var(k).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        Env { server_url: get("TROVE_SERVER_URL"), token: get("TROVE_TOKEN"), project: get("TROVE_PROJECT") }
    }
}

pub struct Connection {
    pub driver: Arc<Driver>,
    credentials: Arc<Credentials>,
    current: Mutex<Current>,
    /// Woken when something the status shows changed outside the driver (a local edit).
    pub changed: Notify,
    /// The local id of `TROVE_PROJECT` once downloaded.
    startup_project: Mutex<Option<i64>>,
    pub startup_done: Notify,
}

fn failed(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorCode::Internal, e.to_string())
}

/// A sync failure as the person sees it.
pub fn sync_error(e: SyncError) -> ApiError {
    let code = match &e {
        SyncError::Unreachable { .. } | SyncError::Server { .. } => ErrorCode::Internal,
        SyncError::Unauthorized => ErrorCode::Unauthorized,
        SyncError::Refused { code, .. } => *code,
        SyncError::BadUrl(_) => ErrorCode::InvalidInput,
        SyncError::Protocol(_) | SyncError::Local(_) => ErrorCode::Internal,
    };
    ApiError::new(code, e.to_string())
}

impl Connection {
    pub fn new(data_dir: &Path, interval: Duration) -> Arc<Connection> {
        Arc::new(Connection {
            driver: Driver::new(interval),
            credentials: Arc::new(Credentials::new(data_dir)),
            current: Mutex::new(Current::default()),
            changed: Notify::new(),
            startup_project: Mutex::new(None),
            startup_done: Notify::new(),
        })
    }

    /// A connection that never reaches the keyring (tests).
    pub fn for_tests(data_dir: &Path) -> Arc<Connection> {
        let c = Connection::new(data_dir, Duration::from_secs(3600));
        Arc::new(Connection {
            driver: c.driver.clone(),
            credentials: Arc::new(Credentials::file_only(data_dir)),
            current: Mutex::new(Current::default()),
            changed: Notify::new(),
            startup_project: Mutex::new(None),
            startup_done: Notify::new(),
        })
    }

    fn current(&self) -> Current {
        self.current.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set_current(&self, f: impl FnOnce(&mut Current)) {
        f(&mut self.current.lock().unwrap_or_else(|p| p.into_inner()));
        self.changed.notify_one();
    }

    /// Starts syncing with what the environment or the saved settings say. Blocking (reads the
    /// keyring): call on the blocking pool.
    pub fn configure(&self, store: &Arc<Store>, env: &Env, saved: Saved) {
        if let (Some(url), Some(token)) = (&env.server_url, &env.token) {
            self.set_current(|c| {
                c.saved = Saved { server_url: Some(url.clone()), work_offline: false, offline_budget_mb: saved.offline_budget_mb };
                c.managed = true;
                c.token_store = Some("environment");
            });
            self.start(store, url, token);
            return;
        }
        let token = match saved.server_url.as_deref().map(|u| self.credentials.load(u)) {
            Some(Ok(found)) => found,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "the saved API token could not be read");
                self.driver.set_error(Some(e.to_string()));
                None
            }
            None => None,
        };
        self.set_current(|c| {
            c.saved = saved.clone();
            c.token_store = token.as_ref().map(|(_, s)| s.as_str());
        });
        match (saved.work_offline, &saved.server_url, token) {
            (false, Some(url), Some((token, _))) => self.start(store, url, &token),
            _ => self.driver.set_engine(None),
        }
    }

    fn start(&self, store: &Arc<Store>, url: &str, token: &str) {
        match Remote::new(url, token) {
            Ok(remote) => self.driver.set_engine(Some(Engine::new(store.clone(), remote))),
            Err(e) => {
                self.driver.set_engine(None);
                self.driver.set_error(Some(e.to_string()));
            }
        }
    }

    pub fn engine(&self) -> Result<Engine, ApiError> {
        self.driver.engine().ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidInput, "no server is in use; set a server and an API token in Server settings, and turn off Work offline")
        })
    }

    pub fn settings(&self) -> ServerSettings {
        let c = self.current();
        ServerSettings {
            server_url: c.saved.server_url,
            has_token: c.token_store.is_some(),
            token_store: c.token_store.map(String::from),
            work_offline: c.saved.work_offline,
            offline_budget_mb: c.saved.offline_budget_mb,
            managed: c.managed,
        }
    }

    pub fn saved(&self) -> Saved {
        self.current().saved
    }

    /// Checks and applies new settings; returns what to persist. The token goes to the keyring
    /// (or the user-only file), never into `Saved`.
    pub async fn save(&self, store: &Arc<Store>, input: trove_protocol::remote::ServerSettingsInput) -> Result<Saved, ApiError> {
        if self.current().managed {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                "the server is set by TROVE_SERVER_URL and TROVE_TOKEN for this installation; it cannot be changed here",
            ));
        }
        if input.offline_budget_mb > 1_048_576 {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("an offline budget of {} MiB is more than 1 TiB; choose 0 to 1048576 MiB", input.offline_budget_mb),
            ));
        }
        let url = match input.server_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(u) => Some(trove_sync::normalize_url(u).map_err(sync_error)?),
            None => None,
        };
        let typed = input.token.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(String::from);
        let token = match (&typed, &url) {
            (Some(t), _) => Some(t.clone()),
            (None, Some(u)) => {
                let u = u.clone();
                let credentials = self.credentials.clone();
                tokio::task::spawn_blocking(move || credentials.load(&u)).await.map_err(failed)?.map_err(failed)?.map(|(t, _)| t)
            }
            (None, None) => None,
        };
        let mut user = None;
        if let (false, Some(u)) = (input.work_offline, &url) {
            let Some(token) = &token else {
                return Err(ApiError::new(ErrorCode::InvalidInput, format!("an API token is needed to sign in to {u}; paste one from `trove-server token create`")));
            };
            // A refused token is said now; an unreachable server is fine (it syncs when back).
            match Remote::new(u, token).map_err(sync_error)?.me().await {
                Ok(me) => user = Some(me.name),
                Err(e @ (SyncError::Unauthorized | SyncError::Refused { .. } | SyncError::Protocol(_))) => return Err(sync_error(e)),
                Err(e) => tracing::info!(error = %e, "the server could not be reached while saving its settings"),
            }
        }
        let token_store = match (&typed, &url) {
            (Some(t), Some(u)) => {
                let (u, t) = (u.clone(), t.clone());
                let credentials = self.credentials.clone();
                Some(tokio::task::spawn_blocking(move || credentials.save(&u, &t)).await.map_err(failed)?.map_err(failed)?.as_str())
            }
            (None, Some(_)) if token.is_some() => self.current().token_store,
            _ => None,
        };
        let saved = Saved { server_url: url.clone(), work_offline: input.work_offline, offline_budget_mb: input.offline_budget_mb };
        self.set_current(|c| {
            c.saved = saved.clone();
            c.token_store = token_store;
            c.user = user;
        });
        match (input.work_offline, url, token) {
            (false, Some(u), Some(t)) => self.start(store, &u, &t),
            _ => self.driver.set_engine(None),
        }
        Ok(saved)
    }

    /// The status area's content: the driver's activity plus what the cache knows.
    pub fn status(&self, store: Option<&Store>) -> SyncStatus {
        let a = self.driver.activity();
        let c = self.current();
        let pending = store.and_then(|s| s.pending().ok()).unwrap_or(0);
        let refused = store.and_then(|s| s.refusals().ok()).unwrap_or_default();
        let offline = self.driver.engine().is_none();
        SyncStatus {
            state: if offline {
                SyncState::Offline
            } else if a.progress.is_some() {
                SyncState::Syncing
            } else {
                a.state
            },
            pending,
            server_url: c.saved.server_url,
            user: c.user,
            last_synced_at: a.last_synced_at,
            last_error: a.last_error,
            refused,
            progress: a.progress,
            changes: a.changes_seen,
            work_offline: c.saved.work_offline && !c.managed,
            managed: c.managed,
        }
    }

    pub fn set_startup_project(&self, id: Option<i64>) {
        *self.startup_project.lock().unwrap_or_else(|p| p.into_inner()) = id;
        self.startup_done.notify_waiters();
    }

    pub fn startup_project(&self) -> Option<i64> {
        *self.startup_project.lock().unwrap_or_else(|p| p.into_inner())
    }
}

