//! The Trove desktop shell: Tauri commands that translate IPC into `trove-core` and `trove-sync`
//! calls, the `thumb:` protocol that serves the thumbnail cache, the settings store and the
//! token store (`credentials`), and the tasks it spawns. Nothing more: domain logic lives in
//! `trove-core`, the connection's rules and wording in `trove-sync`, wire types in
//! `trove-protocol`.
//!
//! This crate is the only place that knows IPC.

mod commands;
pub mod credentials;
mod links;
mod state;
mod thumbs;

use std::sync::Arc;
use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager, Runtime};
use trove_sync::{Connection, Env};

use crate::credentials::Credentials;

pub use state::AppState;

/// Registers Trove's commands, protocol and plugins on a builder (the real one or Tauri's
/// mock runtime in tests).
pub fn builder<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_store::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .manage(links::Launch::default())
        .register_asynchronous_uri_scheme_protocol("thumb", thumbs::serve)
        .invoke_handler(commands::handler())
}

/// On Linux without a GPU render node (`/dev/dri/renderD*`: a VM, a remote desktop, Xvfb),
/// WebKitGTK's accelerated compositing runs on software OpenGL (llvmpipe) and every frame costs
/// ~46 ms; with `WEBKIT_DISABLE_COMPOSITING_MODE=1` it paints on the CPU directly, ~9 ms
/// (measured here: idle frames 46 → 9 ms, a scroll's frames 107 → 20 ms). A value the user set
/// is kept. Call it first thing in `main`, before any thread exists.
pub fn software_rendering_without_gpu() {
    #[cfg(target_os = "linux")]
    {
        const VAR: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
        let gpu = std::fs::read_dir("/dev/dri")
            .map(|dir| dir.flatten().any(|e| e.file_name().to_string_lossy().starts_with("renderD")))
            .unwrap_or(false);
        if !gpu && std::env::var_os(VAR).is_none() {
            // Single-threaded here: `main` calls this before anything else.
            std::env::set_var(VAR, "1");
        }
    }
}

/// At most two glibc allocator arenas, in this process and (through `MALLOC_ARENA_MAX`, unless
/// the user set it) in WebKit's, which start later. By default glibc gives each thread that
/// allocates its own arena, up to eight per core, and memory freed into one is not reused by
/// another: the database readers, the runtime's blocking threads and the thumbnail server each
/// grew their own. Measured in the window at a million items (BENCHMARKS.md): the app's peak
/// 342 → 297 MiB, with frame times, facet clicks and start unchanged. Call it first thing in
/// `main`, before any thread exists.
pub fn bound_allocator_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const VAR: &str = "MALLOC_ARENA_MAX";
        if std::env::var_os(VAR).is_none() {
            // Single-threaded here: `main` calls this before anything else.
            std::env::set_var(VAR, "2");
            // SAFETY: mallopt only sets a parameter of glibc's allocator; M_ARENA_MAX limits
            // arenas made from now on, and no other thread exists yet.
            unsafe {
                libc::mallopt(libc::M_ARENA_MAX, 2);
            }
        }
    }
}

pub fn run() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    // One instance per data folder: a start with a link while Trove runs hands the link over
    // and ends here, before any window (see `links`).
    let link = links::from_args();
    let _instance = match links::data_dir().map(|d| (links::claim(&d), d)) {
        Some((Ok(None), data)) => match &link {
            Some(l) => match links::hand_over(&data, l) {
                Ok(()) => {
                    tracing::info!("Trove is running already: the link was handed to it");
                    return;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the link could not be handed to the running Trove; starting another");
                    None
                }
            },
            None => None,
        },
        Some((Ok(lock), _)) => lock,
        Some((Err(e), _)) => {
            tracing::warn!(error = %e, "the data folder's instance lock could not be taken");
            None
        }
        None => None,
    };
    builder(tauri::Builder::default())
        .setup(move |app| {
            let data = app.path().app_data_dir()?;
            if links::data_dir().as_deref() != Some(data.as_path()) {
                tracing::warn!(dir = %data.display(), "the data folder differs from the one the instance lock is in");
            }
            app.state::<links::Launch>().set(link.clone());
            tauri::async_runtime::spawn(links::watch(app.handle().clone(), data.clone()));
            tracing::info!(dir = %data.display(), "opening the local cache");
            let connection = Connection::new(Arc::new(Credentials::new(&data)), Env::read().interval());
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
        state.connection.open_startup_project(&store, &name).await;
    }
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
