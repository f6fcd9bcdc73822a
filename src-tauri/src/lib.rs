//! The Trove desktop shell: Tauri commands that translate IPC into `trove-core` calls, the
//! `thumb:` protocol that serves the thumbnail cache, and the settings store. Nothing more:
//! domain logic lives in `trove-core`, wire types in `trove-protocol`.
//!
//! This crate is the only place that knows IPC.

mod commands;
pub mod connection;
pub mod credentials;
mod state;
mod thumbs;

use std::sync::Arc;
use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager, Runtime};
use trove_protocol::remote::Progress;

use crate::connection::{Connection, Env};

pub use state::AppState;

/// Registers Trove's commands, protocol and plugins on a builder (the real one or Tauri's
/// mock runtime in tests).
pub fn builder<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_store::Builder::default().build())
        .register_asynchronous_uri_scheme_protocol("thumb", thumbs::serve)
        .invoke_handler(commands::handler())
}

pub fn run() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    builder(tauri::Builder::default())
        .setup(|app| {
            let data = app.path().app_data_dir()?;
            tracing::info!(dir = %data.display(), "opening the local cache");
            let interval = std::env::var("TROVE_SYNC_INTERVAL_MS")
                .ok()
                .and_then(|v| v.parse().ok())
                .map(Duration::from_millis)
                .unwrap_or(Duration::from_secs(10));
            let connection = Connection::new(&data, interval);
            let state = AppState::open_in_background(data, connection.clone());
            app.manage(state.clone());
            tauri::async_runtime::spawn(connection.driver.clone().run());
            tauri::async_runtime::spawn(start_sync(app.handle().clone(), state));
            Ok(())
        })
        .run(tauri::generate_context!("../tauri.conf.json"))
        .expect("error while running the Trove application");
}

/// Once the cache is open: connect as the environment or the saved settings say, keep the UI's
/// status area current (`sync-status` events), and download `TROVE_PROJECT` if it is set.
async fn start_sync<R: Runtime>(app: AppHandle<R>, state: AppState) {
    let st = state.clone();
    let Ok(Ok(store)) = tauri::async_runtime::spawn_blocking(move || st.store()).await else { return };
    let env = Env::read();
    let saved = commands::sync::load_saved(&app);
    let (conn, s, e) = (state.connection.clone(), store.clone(), env.clone());
    let _ = tauri::async_runtime::spawn_blocking(move || conn.configure(&s, &e, saved)).await;
    tauri::async_runtime::spawn(emit_status(app.clone(), state.connection.clone(), store.clone()));
    if let Some(name) = env.project {
        open_startup_project(&state.connection, &store, &name).await;
    }
}

/// Downloads (or refreshes) the project `TROVE_PROJECT` names; offline, falls back to a copy
/// downloaded before.
async fn open_startup_project(connection: &Arc<Connection>, store: &Arc<trove_core::Store>, name: &str) {
    let driver = connection.driver.clone();
    let found = match driver.engine() {
        Some(engine) => {
            let result = engine.connect_by_name(name, &|p: Progress| driver.set_progress(Some(p))).await;
            driver.set_progress(None);
            match result {
                Ok(id) => Some(id),
                Err(e) => {
                    tracing::warn!(error = %e, project = name, "TROVE_PROJECT could not be downloaded");
                    driver.set_error(Some(format!("the project {name:?} could not be opened: {e}")));
                    None
                }
            }
        }
        None => None,
    };
    let found = found.or_else(|| {
        let short = name.rsplit('/').next().unwrap_or(name);
        let synced = store.synced_projects().ok()?;
        let projects = store.projects().ok()?;
        // Only a copy whose download finished once: an interrupted first download is no copy.
        projects.into_iter().find(|p| p.name == short && synced.iter().any(|s| s.project == p.id && s.synced_at.is_some())).map(|p| p.id)
    });
    connection.set_startup_project(found);
    driver.wake();
}

/// Sends the status to the UI whenever the sync task or a local edit changes it.
async fn emit_status<R: Runtime>(app: AppHandle<R>, connection: Arc<Connection>, store: Arc<trove_core::Store>) {
    let mut activity = connection.driver.subscribe();
    loop {
        let (c, s) = (connection.clone(), store.clone());
        if let Ok(status) = tauri::async_runtime::spawn_blocking(move || c.status(Some(&s))).await {
            if let Err(e) = app.emit("sync-status", status) {
                tracing::warn!(error = %e, "the sync status could not be sent to the window");
            }
        }
        tokio::select! {
            changed = activity.changed() => if changed.is_err() { return },
            _ = connection.changed.notified() => {}
        }
        // Coalesce bursts (a drag of many moves) into one update.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
