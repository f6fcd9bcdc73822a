//! The app's connection to a trove-server: what is in use (the environment first, then the saved
//! settings and the stored token), the one sync task ([`Driver`]), the status the UI shows, and
//! the connection's actions (change the settings, list the server's projects, download one,
//! make one available offline, open `TROVE_PROJECT` at start). The shell stores the settings
//! and the token ([`Tokens`]) and turns these calls into IPC; the rules are here.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use trove_core::changelog::{Remote as History, Source};
use trove_core::replica::CopyOf;
use trove_core::Store;
use trove_protocol::remote::{Progress, RemoteProject, ServerSettings, ServerSettingsInput, SyncState, SyncStatus};
use trove_protocol::history::{CollectionHistory, HistoryQuery};
use trove_protocol::Project;

use crate::driver::Driver;
use crate::engine::Engine;
use crate::remote::{Remote, SyncError};
use crate::settings::{wanted, Change, ConnectionError, Env, Saved};

type Result<T, E = ConnectionError> = std::result::Result<T, E>;

/// A failure of the token store, in words (it names the file or the keyring).
pub type TokenError = Box<dyn std::error::Error + Send + Sync>;

/// Where API tokens are kept (the shell's keyring or user-only file). The calls block.
pub trait Tokens: Send + Sync + 'static {
    /// The token for `server_url`, and where it was found (`"keyring"`, `"file"`).
    fn load(&self, server_url: &str) -> Result<Option<(String, &'static str)>, TokenError>;
    /// Stores the token for `server_url`; says where.
    fn save(&self, server_url: &str, token: &str) -> Result<&'static str, TokenError>;
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

pub struct Connection {
    pub driver: Arc<Driver>,
    tokens: Arc<dyn Tokens>,
    current: Mutex<Current>,
    /// Woken when something the status shows changed outside the driver (a local edit).
    pub changed: Notify,
    /// The local id of `TROVE_PROJECT` once downloaded (or found downloaded before).
    startup_project: Mutex<Option<i64>>,
    startup_done: Notify,
}

/// Runs a blocking call (the store, the keyring) on the blocking pool.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| ConnectionError::Task(e.to_string()))?
}

impl Connection {
    /// A connection that syncs at least every `interval` once it has a server.
    pub fn new(tokens: Arc<dyn Tokens>, interval: Duration) -> Arc<Connection> {
        Arc::new(Connection {
            driver: Driver::new(interval),
            tokens,
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
    /// token store): call on the blocking pool.
    pub fn configure(&self, store: &Arc<Store>, env: &Env, saved: Saved) {
        if let Some((url, token)) = env.managed() {
            self.set_current(|c| {
                c.saved = Saved { server_url: Some(url.to_string()), work_offline: false, ..saved };
                c.managed = true;
                c.token_store = Some("environment");
            });
            self.start(store, Some((url, token)));
            return;
        }
        let token = match saved.server_url.as_deref().map(|u| self.tokens.load(u)) {
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
            c.token_store = token.as_ref().map(|(_, s)| *s);
        });
        self.start(store, wanted(saved.work_offline, saved.server_url.as_deref(), token.as_ref().map(|(t, _)| t.as_str())));
    }

    /// Syncs with `server` (a URL and a token), or works offline.
    fn start(&self, store: &Arc<Store>, server: Option<(&str, &str)>) {
        let Some((url, token)) = server else { return self.driver.set_engine(None) };
        match Remote::new(url, token) {
            Ok(remote) => self.driver.set_engine(Some(Engine::new(store.clone(), remote).with_originals(self.current().saved.upload_originals))),
            Err(e) => {
                self.driver.set_engine(None);
                self.driver.set_error(Some(e.to_string()));
            }
        }
    }

    /// The engine in use; refused in words while working offline.
    pub fn engine(&self) -> Result<Engine> {
        self.driver.engine().ok_or(ConnectionError::NoServer)
    }

    pub fn settings(&self) -> ServerSettings {
        let c = self.current();
        ServerSettings {
            server_url: c.saved.server_url,
            has_token: c.token_store.is_some(),
            token_store: c.token_store.map(String::from),
            work_offline: c.saved.work_offline,
            offline_budget_mb: c.saved.offline_budget_mb,
            upload_originals: c.saved.upload_originals,
            managed: c.managed,
        }
    }

    pub fn saved(&self) -> Saved {
        self.current().saved
    }

    /// Checks and applies new settings; returns what to persist. A token typed goes to the
    /// token store, never into [`Saved`]. Signing in, the token is tried: a refused one is said
    /// now, an unreachable server is fine (it syncs when back).
    pub async fn save(&self, store: &Arc<Store>, input: &ServerSettingsInput) -> Result<Saved> {
        if self.current().managed {
            return Err(ConnectionError::Managed);
        }
        let change = Change::check(input)?;
        let token = match (&change.typed_token, &change.server_url) {
            (Some(t), _) => Some(t.clone()),
            (None, Some(u)) => {
                let (u, tokens) = (u.clone(), self.tokens.clone());
                blocking(move || tokens.load(&u).map_err(|e| ConnectionError::Tokens(e.to_string()))).await?.map(|(t, _)| t)
            }
            (None, None) => None,
        };
        let mut user = None;
        if let Some(u) = change.signs_in() {
            let token = token.as_deref().ok_or_else(|| ConnectionError::TokenNeeded { url: u.to_string() })?;
            match Remote::new(u, token)?.me().await {
                Ok(me) => user = Some(me.name),
                Err(e @ (SyncError::Unauthorized | SyncError::Refused { .. } | SyncError::Protocol(_))) => return Err(e.into()),
                Err(e) => tracing::info!(error = %e, "the server could not be reached while saving its settings"),
            }
        }
        let token_store = match (&change.typed_token, &change.server_url) {
            (Some(t), Some(u)) => {
                let (u, t, tokens) = (u.clone(), t.clone(), self.tokens.clone());
                Some(blocking(move || tokens.save(&u, &t).map_err(|e| ConnectionError::Tokens(e.to_string()))).await?)
            }
            (None, Some(_)) if token.is_some() => self.current().token_store,
            _ => None,
        };
        let saved = change.saved();
        self.set_current(|c| {
            c.saved = saved.clone();
            c.token_store = token_store;
            c.user = user;
        });
        self.start(store, wanted(saved.work_offline, saved.server_url.as_deref(), token.as_deref()));
        Ok(saved)
    }

    /// The status area's content: the driver's activity plus what the cache knows. Blocking.
    pub fn status(&self, store: Option<&Store>) -> SyncStatus {
        let a = self.driver.activity();
        let c = self.current();
        let pending = store.and_then(|s| s.pending().ok()).unwrap_or(0);
        let mut uploading = if pending > 0 { store.and_then(|s| s.uploading().ok()).unwrap_or(0) } else { 0 };
        if c.saved.upload_originals {
            uploading += store.and_then(|s| s.originals_waiting().ok()).unwrap_or(0);
        }
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
            uploading,
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

    /// Syncs now ("Sync now"); refused while working offline.
    pub fn sync_now(&self) -> Result<()> {
        self.engine()?;
        self.driver.wake();
        Ok(())
    }

    /// The server's projects the caller may see, each with its downloaded copy here, if any.
    pub async fn remote_projects(&self) -> Result<Vec<RemoteProject>> {
        let engine = self.engine()?;
        let projects = engine.remote_projects().await?;
        let store = engine.store().clone();
        blocking(move || {
            projects
                .into_iter()
                .map(|p| {
                    Ok(RemoteProject {
                        local_id: store.downloaded_copy(CopyOf::Uuid(&p.uuid))?,
                        role: serde_json::to_value(p.role).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
                        uuid: p.uuid,
                        namespace: p.namespace,
                        name: p.name,
                        kind: p.kind,
                        description: p.description,
                        item_count: p.item_count,
                    })
                })
                .collect()
        })
        .await
    }

    /// Who may be named in a queue of `project` (`trove_core::queues::people`), the server's
    /// list fetched first when a server is in use; offline, or when that fails, the list as last
    /// fetched.
    pub async fn project_people(&self, store: &Arc<Store>, project: i64) -> Result<Vec<String>> {
        if let Some(engine) = self.driver.engine() {
            if let Err(e) = engine.refresh_people(project).await {
                tracing::info!(error = %e, project, "the project's people could not be fetched; the list known here is used");
            }
        }
        let store = store.clone();
        blocking(move || Ok(store.project_people(project)?)).await
    }

    /// The history of collection `collection` (`trove_core::changelog`): for a copy of a server
    /// project, the server's page merged with this device's pending changes; offline (or when the
    /// server cannot answer) the pending ones with a sentence why; a local project's from this
    /// session. A collection the server does not have yet (created here, not sent) has no
    /// server history.
    pub async fn collection_history(&self, store: &Arc<Store>, collection: i64, query: HistoryQuery) -> Result<CollectionHistory> {
        trove_core::changelog::check(&query)?;
        let s = store.clone();
        let source = blocking(move || Ok(s.history_source(collection)?)).await?;
        let remote = match source {
            Source::Local => None,
            Source::Server { slug } => Some(match self.driver.engine() {
                None => History::Unavailable("no server is in use".into()),
                Some(engine) => match engine.remote().history(&slug, &query).await {
                    Ok(page) => History::Page(page),
                    Err(SyncError::Refused { status: 404, .. }) => History::Page(Default::default()),
                    Err(e) => History::Unavailable(e.to_string()),
                },
            }),
        };
        let store = store.clone();
        blocking(move || Ok(store.collection_history(collection, &query, remote)?)).await
    }

    /// Downloads a server project (its progress in the status) and returns the local project.
    pub async fn download(&self, uuid: &str) -> Result<Project> {
        let engine = self.engine()?;
        let driver = self.driver.clone();
        let result = engine.connect(uuid, &|p: Progress| driver.set_progress(Some(p))).await;
        driver.set_progress(None);
        let id = result?;
        driver.wake();
        let store = engine.store().clone();
        blocking(move || Ok(store.read(|c| trove_core::projects::get(c, id))?)).await
    }

    /// "Make available offline": fetches every thumbnail of the project within the offline
    /// budget (progress in the status); answers what it did, in a sentence.
    pub async fn make_available_offline(&self, project: i64) -> Result<String> {
        let engine = self.engine()?;
        let budget = self.saved().offline_budget();
        let driver = self.driver.clone();
        let result = engine.prefetch_thumbnails(project, budget, &|p: Progress| driver.set_progress(Some(p))).await;
        driver.set_progress(None);
        Ok(result?.sentence())
    }

    /// Downloads (or refreshes) the project `TROVE_PROJECT` names, at start; offline, or when
    /// that fails, falls back to a copy downloaded before.
    pub async fn open_startup_project(&self, store: &Arc<Store>, name: &str) {
        let driver = self.driver.clone();
        let mut found = None;
        if let Some(engine) = driver.engine() {
            let result = engine.connect_by_name(name, &|p: Progress| driver.set_progress(Some(p))).await;
            driver.set_progress(None);
            match result {
                Ok(id) => found = Some(id),
                Err(e) => {
                    tracing::warn!(error = %e, project = name, "TROVE_PROJECT could not be downloaded");
                    driver.set_error(Some(format!("the project {name:?} could not be opened: {e}")));
                }
            }
        }
        if found.is_none() {
            let (store, name) = (store.clone(), name.to_string());
            found = blocking(move || Ok(store.downloaded_copy(CopyOf::Name(&name))?)).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "the downloaded copies could not be read");
                None
            });
        }
        *self.startup_project.lock().unwrap_or_else(|p| p.into_inner()) = found;
        self.startup_done.notify_waiters();
        driver.wake();
    }

    /// The project `TROVE_PROJECT` names, once [`open_startup_project`](Self::open_startup_project)
    /// found it (waits for it; `None` without the variable, or while offline with no copy).
    pub async fn startup_project(&self, env: &Env) -> Option<i64> {
        env.project.as_ref()?;
        loop {
            let waiting = self.startup_done.notified();
            if let Some(id) = *self.startup_project.lock().unwrap_or_else(|p| p.into_inner()) {
                return Some(id);
            }
            if tokio::time::timeout(Duration::from_secs(2), waiting).await.is_err() && self.driver.engine().is_none() {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trove_protocol::{ApiError, ErrorCode};

    /// Tokens in memory.
    #[derive(Default)]
    struct Memory(Mutex<Vec<(String, String)>>);

    impl Tokens for Memory {
        fn load(&self, server_url: &str) -> Result<Option<(String, &'static str)>, TokenError> {
            Ok(self.0.lock().unwrap().iter().find(|(u, _)| u == server_url).map(|(_, t)| (t.clone(), "memory")))
        }

        fn save(&self, server_url: &str, token: &str) -> Result<&'static str, TokenError> {
            self.0.lock().unwrap().push((server_url.into(), token.into()));
            Ok("memory")
        }
    }

    fn setup() -> (tempfile::TempDir, Arc<Store>, Arc<Memory>, Arc<Connection>) {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(&dir.path().join("t.db"), &dir.path().join("thumbs")).unwrap());
        let tokens = Arc::new(Memory::default());
        let conn = Connection::new(tokens.clone(), Duration::from_secs(3600));
        (dir, store, tokens, conn)
    }

    fn input(url: Option<&str>, token: Option<&str>, work_offline: bool) -> ServerSettingsInput {
        ServerSettingsInput { server_url: url.map(String::from), token: token.map(String::from), work_offline, offline_budget_mb: 100, upload_originals: true }
    }

    #[tokio::test]
    async fn offline_by_default_and_server_actions_say_why_they_wait() {
        let (_dir, store, _, conn) = setup();
        conn.configure(&store, &Env::default(), Saved::default());
        let status = conn.status(Some(&store));
        assert_eq!((status.state, status.pending, status.server_url.as_deref(), status.work_offline), (SyncState::Offline, 0, None, true));
        let err = ApiError::from(conn.remote_projects().await.unwrap_err());
        assert_eq!(err.code, ErrorCode::InvalidInput);
        assert!(err.message.starts_with("no server is in use"), "{}", err.message);
        assert!(conn.sync_now().is_err());
        assert_eq!(conn.startup_project(&Env::default()).await, None);
    }

    #[tokio::test]
    async fn the_environment_wins_and_cannot_be_changed_here() {
        let (_dir, store, _, conn) = setup();
        let env = Env { server_url: Some("http://127.0.0.1:9".into()), token: Some("t".into()), ..Env::default() };
        conn.configure(&store, &env, Saved { offline_budget_mb: 7, ..Saved::default() });
        let s = conn.settings();
        assert_eq!((s.server_url.as_deref(), s.managed, s.work_offline, s.offline_budget_mb, s.token_store.as_deref()), (Some("http://127.0.0.1:9"), true, false, 7, Some("environment")));
        assert!(conn.engine().is_ok(), "syncs with the environment's server");
        let err = ApiError::from(conn.save(&store, &input(None, None, true)).await.unwrap_err());
        assert_eq!(err.code, ErrorCode::Forbidden);
    }

    #[tokio::test]
    async fn a_refused_change_changes_nothing_and_a_saved_one_keeps_its_token_apart() {
        let (_dir, store, tokens, conn) = setup();
        conn.configure(&store, &Env::default(), Saved::default());
        let err = ApiError::from(conn.save(&store, &input(Some("http://127.0.0.1:9"), None, false)).await.unwrap_err());
        assert!(err.message.starts_with("an API token is needed to sign in to http://127.0.0.1:9"), "{}", err.message);
        assert_eq!(conn.settings().server_url, None, "refused settings change nothing");
        // Working offline, a server and a token are kept without signing in.
        let saved = conn.save(&store, &input(Some("http://127.0.0.1:9/"), Some(" tok "), true)).await.unwrap();
        assert_eq!(saved, Saved { server_url: Some("http://127.0.0.1:9".into()), work_offline: true, offline_budget_mb: 100, upload_originals: true });
        assert_eq!(tokens.load("http://127.0.0.1:9").unwrap(), Some(("tok".into(), "memory")));
        let s = conn.settings();
        assert!(s.has_token && s.token_store.as_deref() == Some("memory"));
        assert!(conn.engine().is_err(), "offline: no engine");
        // A later start finds the token in the store.
        let again = Connection::new(tokens.clone(), Duration::from_secs(3600));
        again.configure(&store, &Env::default(), Saved { work_offline: false, ..saved });
        assert!(again.engine().is_ok());
        assert!(again.settings().has_token);
    }
}
