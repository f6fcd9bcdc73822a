//! The app's one piece of state: the local cache, opened (and on first start filled with the
//! demo projects) on a background thread so the window appears at once, and the connection to a
//! server that keeps it in sync.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use trove_core::Store;
use trove_protocol::{ApiError, ErrorCode};

use trove_sync::Connection;

use crate::credentials::Credentials;

#[derive(Clone)]
pub struct AppState {
    store: Arc<OnceLock<Result<Arc<Store>, String>>>,
    pub connection: Arc<Connection>,
    /// "Import folder…": one import at a time, its status read by the window as it runs.
    pub importer: Arc<trove_core::import::Importer>,
}

impl AppState {
    /// Opens `data_dir/trove.db` and `data_dir/thumbs` on a background thread.
    pub fn open_in_background(data_dir: PathBuf, connection: Arc<Connection>) -> AppState {
        let state = AppState { store: Arc::new(OnceLock::new()), connection, importer: Arc::default() };
        let cell = state.store.clone();
        std::thread::spawn(move || {
            let started = std::time::Instant::now();
            let opened = open(&data_dir).map_err(|e| {
                tracing::error!(error = %e, dir = %data_dir.display(), "could not open the local cache");
                format!("the local data in {} could not be opened: {e}", data_dir.display())
            });
            let store = opened.as_ref().ok().cloned();
            let _ = cell.set(opened);
            // The index of counts (1 s at a million items) is built by the first summary the UI
            // asks for, beside the first page (which does not wait for it). Built here ahead, it
            // took a core from the window while it started: 2.2 s to the first thumbnails at a
            // million items against 1.8 s.
            if store.is_some() {
                tracing::info!(elapsed = ?started.elapsed(), "the local cache is open");
            }
        });
        state
    }

    /// A state over an already opened store, working offline (tests).
    pub fn ready(store: Store) -> AppState {
        let dir = store.path().parent().unwrap_or(std::path::Path::new("."));
        let connection = Connection::new(Arc::new(Credentials::file_only(dir)), std::time::Duration::from_secs(3600));
        let cell = OnceLock::new();
        let _ = cell.set(Ok(Arc::new(store)));
        AppState { store: Arc::new(cell), connection, importer: Arc::default() }
    }

    /// The store, once it is open, waited for on the blocking pool.
    pub async fn store_async(&self) -> Result<Arc<Store>, ApiError> {
        let state = self.clone();
        tauri::async_runtime::spawn_blocking(move || state.store()).await.map_err(|e| {
            tracing::error!(error = %e, "a command task failed");
            ApiError::new(ErrorCode::Internal, "the local data could not be opened (details are in the log)")
        })?
    }

    /// The store, waiting until it is open. Call from a blocking context.
    pub fn store(&self) -> Result<Arc<Store>, ApiError> {
        self.store.wait().clone().map_err(|e| ApiError::new(ErrorCode::Internal, e))
    }

    /// As [`run`](Self::run), for a user action that changes data: on success the sync task is
    /// woken to push it and the status area is told about the new pending change.
    pub async fn mutate<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> trove_core::Result<T> + Send + 'static,
    {
        let out = self.run(f).await?;
        self.connection.driver.wake();
        self.connection.changed.notify_one();
        Ok(out)
    }

    /// Runs `f` on the store on the blocking thread pool, so the UI thread never waits on SQLite.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> trove_core::Result<T> + Send + 'static,
    {
        let state = self.clone();
        tauri::async_runtime::spawn_blocking(move || {
            let store = state.store()?;
            f(&store).map_err(ApiError::from)
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "a command task failed");
            ApiError::new(ErrorCode::Internal, "the action failed unexpectedly; nothing was saved")
        })?
    }
}

fn open(data_dir: &std::path::Path) -> trove_core::Result<Arc<Store>> {
    let started = std::time::Instant::now();
    let store = Store::open(&data_dir.join("trove.db"), &data_dir.join("thumbs"))?;
    if trove_core::demo::ensure_with(&store, demo_images)? {
        tracing::info!(elapsed = ?started.elapsed(), "created the demo projects");
    }
    let store = Arc::new(store);
    let drawing = store.clone();
    std::thread::spawn(move || match trove_core::demo::draw_previews(&drawing) {
        Ok(0) => {}
        Ok(n) => tracing::info!(n, "drew the demo's detail previews"),
        Err(e) => tracing::warn!(error = %e, "could not draw the demo's detail previews; the detail panel shows thumbnails"),
    });
    Ok(store)
}

/// How many items the image demo of a first start holds: `TROVE_DEMO_ITEMS` (read only when the
/// cache is empty), else, or when it is not a number from 1 to 5,000,000, the default.
fn demo_images() -> usize {
    let default = trove_core::demo::DEFAULT_IMAGES;
    match std::env::var("TROVE_DEMO_ITEMS") {
        Err(std::env::VarError::NotPresent) => default,
        Err(std::env::VarError::NotUnicode(raw)) => {
            tracing::warn!(value = ?raw, default, "TROVE_DEMO_ITEMS is not text; the demo has the default size");
            default
        }
        Ok(text) => trove_core::demo::parse_image_count(&text).unwrap_or_else(|e| {
            tracing::warn!(default, "TROVE_DEMO_ITEMS: {e}; the demo has the default size");
            default
        }),
    }
}
