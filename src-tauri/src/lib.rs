//! The Trove desktop shell: Tauri commands that translate IPC into `trove-core` calls, the
//! `thumb:` protocol that serves the thumbnail cache, and the settings store. Nothing more:
//! domain logic lives in `trove-core`, wire types in `trove-protocol`.
//!
//! This crate is the only place that knows IPC.

mod commands;
pub mod credentials;
mod state;
mod thumbs;

use tauri::{Manager, Runtime};

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
            app.manage(AppState::open_in_background(data));
            Ok(())
        })
        .run(tauri::generate_context!("../tauri.conf.json"))
        .expect("error while running the Trove application");
}
