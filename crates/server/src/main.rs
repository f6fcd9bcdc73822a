//! The `trove-server` command: serve the API, manage accounts, fill the catalog.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use trove_protocol::api::Role;
use trove_server::listener::{self, Connections};
use trove_server::store::{accounts, projects, sync};
use trove_server::{AppState, Limits};

#[derive(Parser)]
#[command(name = "trove-server", version, about = "The self-hosted Trove server")]
struct Cli {
    /// The directory holding the database and thumbnails (created if missing).
    #[arg(long, global = true, env = "TROVE_DATA", default_value = "trove-data")]
    data: PathBuf,
    /// Keep everything in this PostgreSQL database (`postgres://user:password@host/db`) instead
    /// of SQLite under --data; --data then holds only thumbnails and originals (with several
    /// instances, a directory they all share).
    #[arg(long, global = true, env = "TROVE_DATABASE_URL", value_name = "URL", hide_env_values = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API until interrupted.
    Serve {
        /// Address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:8470")]
        listen: SocketAddr,
        /// Requests per second allowed per token (bursts up to twice that).
        #[arg(long, default_value_t = Limits::default().per_second)]
        rate_limit: u32,
        /// Requests per second allowed per client address, checked before the token (bursts up
        /// to twice that; an IPv6 /64 counts as one address; 0: no limit). Behind a reverse
        /// proxy every request comes from the proxy: limit there and pass 0 here.
        #[arg(long, value_name = "PER_SECOND", default_value_t = Limits::default().per_address_second)]
        ip_rate_limit: u32,
        /// Most connections served at once; more are closed as they arrive.
        #[arg(long, default_value_t = Connections::default().max as u32, value_parser = clap::value_parser!(u32).range(1..))]
        max_connections: u32,
        /// Milliseconds a connection has to send a whole request header (also the keep-alive
        /// idle timeout). For tests.
        #[arg(long, hide = true, default_value_t = Connections::default().header_read_timeout.as_millis() as u64, value_parser = clap::value_parser!(u64).range(1..))]
        header_read_timeout_ms: u64,
        /// Milliseconds a request may take, its body upload included, before it is answered
        /// 408. For tests.
        #[arg(long, hide = true, default_value_t = Limits::default().request_timeout.as_millis() as u64, value_parser = clap::value_parser!(u64).range(1..))]
        request_timeout_ms: u64,
        /// Prune sync history older than DAYS at start and every 24 hours (0: never); see
        /// `prune`.
        #[arg(long, value_name = "DAYS", default_value_t = 90, allow_hyphen_values = true, value_parser = parse_days)]
        prune_days: u32,
    },
    /// Copy the database to FILE, consistently, while the server runs (SQLite's online backup).
    /// Thumbnails and originals are files named by their content under the data directory
    /// (`thumbs/`, `originals/`): copy them as files (they are only ever added).
    Backup {
        /// Where to write the backup; it must not exist.
        #[arg(long, value_name = "FILE")]
        to: std::path::PathBuf,
    },
    /// Replace the database with a backup (stop the server first). The database it replaces is
    /// kept beside it; every app downloads its copy afresh at its next sync, keeping the changes
    /// it has not sent yet.
    Restore {
        /// The backup to restore.
        #[arg(long, value_name = "FILE")]
        from: std::path::PathBuf,
    },
    /// Forget sync history (tombstones of deleted collections, clocks of removed memberships)
    /// older than N days. Desktop apps that have not pulled since are reset on their next pull
    /// (a full download; their unsent changes are kept). Safe while the server runs.
    Prune {
        /// Remove what last changed more than this many days ago (0: everything removable).
        #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = parse_days)]
        older_than_days: u32,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Manage projects.
    Project {
        #[command(subcommand)]
        command: ProjectCommand,
    },
    /// Load items into a project.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// Fill a namespace with the demo projects the desktop app generates.
    Demo {
        /// The namespace to fill (default: the admin's).
        #[arg(long)]
        namespace: Option<String>,
        /// How many items the image project holds (1 to 5,000,000; a large demo reuses the
        /// default's 3,000 drawings as thumbnails).
        #[arg(long, value_name = "N", default_value_t = trove_demo::DEFAULT_IMAGES, value_parser = parse_demo_items)]
        items: usize,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user (with their own namespace), or add an existing user to an organisation.
    Add {
        name: String,
        /// Also make the user a member of this organisation (created if new).
        #[arg(long)]
        org: Option<String>,
        /// The user's role in the organisation.
        #[arg(long, default_value = "editor", value_parser = parse_role)]
        role: Role,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user and print it (it is shown only once).
    Create {
        #[arg(long)]
        user: String,
    },
    /// List a user's tokens: id and creation time (never the token itself).
    List {
        #[arg(long)]
        user: String,
    },
    /// Revoke a token by its id (see `token list`); requests with it are refused at once.
    Revoke { id: i64 },
}

#[derive(Subcommand)]
enum ProjectCommand {
    /// Give a user a role on one project (e.g. a viewer from another namespace).
    Grant {
        /// `NAMESPACE/PROJECT`.
        #[arg(long)]
        project: String,
        #[arg(long)]
        user: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Import a folder of images as a dataset, or a JSON list of Hub items.
    Import {
        /// The project to import into (created if new).
        #[arg(long)]
        project: String,
        /// The namespace of the project (default: the admin's).
        #[arg(long)]
        namespace: Option<String>,
        /// The dataset the folder's images go to (required with a folder).
        #[arg(long, conflicts_with = "hub")]
        dataset: Option<String>,
        /// A JSON file listing Hub items: `[{"type": "model", "id": "org/name"}, ...]`.
        #[arg(long)]
        hub: Option<PathBuf>,
        /// The folder of images (searched recursively).
        #[arg(required_unless_present = "hub", conflicts_with = "hub")]
        path: Option<PathBuf>,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("{s:?} is not a role; use viewer, editor or admin"))
}

fn parse_days(s: &str) -> Result<u32, String> {
    match s.trim().parse::<i64>() {
        Ok(n) if n < 0 => Err(format!("{n} days is negative; give a number of days, 0 or more")),
        Ok(n) => u32::try_from(n).map_err(|_| format!("{n} days is too many; give at most {}", u32::MAX)),
        Err(_) => Err(format!("{s:?} is not a whole number of days; give a number of days, 0 or more")),
    }
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=warn".into()))
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let data = cli.data;
    let url = cli.database_url.as_deref();
    match cli.command {
        Command::Serve { listen, rate_limit, ip_rate_limit, max_connections, header_read_timeout_ms, request_timeout_ms, prune_days } => {
            let limits = Limits {
                per_second: rate_limit,
                per_address_second: ip_rate_limit,
                request_timeout: Duration::from_millis(request_timeout_ms),
                ..Limits::default()
            };
            let connections = Connections {
                header_read_timeout: Duration::from_millis(header_read_timeout_ms),
                max: max_connections as usize,
                ..Connections::default()
            };
            serve(&data, url, listen, limits, connections, prune_days)
        }
        Command::Backup { to } => {
            let said = match url {
                Some(url) => trove_server::backup::postgres::backup(url, &to)?,
                None => trove_server::backup::backup(&data, &to)?,
            };
            println!("{said}");
            Ok(())
        }
        Command::Restore { from } => {
            let said = match url {
                Some(url) => trove_server::backup::postgres::restore(url, &from)?,
                None => trove_server::backup::restore(&data, &from, trove_server::store::migration_count())?,
            };
            let _lock = trove_server::backup::lock(&data)?;
            let state = open(&data, url)?;
            let head = state.db.write(|tx| trove_server::backup::new_era(tx))?;
            println!("{said}; apps download their copies afresh at their next sync (version {head})");
            Ok(())
        }
        Command::Prune { older_than_days } => {
            let state = open(&data, url)?;
            let pruned = state.db.write(|tx| sync::prune(tx, older_than_days))?;
            println!("{pruned}");
            Ok(())
        }
        Command::User { command: UserCommand::Add { name, org, role } } => {
            let state = open(&data, url)?;
            let created = state.db.write(|tx| accounts::add_user(tx, &name, org.as_deref(), role, false))?;
            match (created, &org) {
                (true, None) => println!("created user {name}"),
                (true, Some(org)) => println!("created user {name}, {} in {org}", role.as_str()),
                (false, Some(org)) => println!("{name} is now {} in {org}", role.as_str()),
                (false, None) => {}
            }
            Ok(())
        }
        Command::Token { command: TokenCommand::Create { user } } => {
            let state = open(&data, url)?;
            let token = state.db.write(|tx| accounts::create_token(tx, &user))?;
            println!("{token}");
            Ok(())
        }
        Command::Token { command: TokenCommand::List { user } } => {
            let state = open(&data, url)?;
            let tokens = state.db.read(|c| accounts::tokens(c, &user))?;
            if tokens.is_empty() {
                eprintln!("{user} has no tokens; create one with `trove-server token create --user {user}`");
            }
            for t in tokens {
                println!("{}\tcreated {}", t.id, trove_server::clock::readable_utc(t.created_at));
            }
            Ok(())
        }
        Command::Token { command: TokenCommand::Revoke { id } } => {
            let state = open(&data, url)?;
            let user = state.db.write(|tx| accounts::revoke_token(tx, id))?;
            println!("revoked token {id} of {user}");
            Ok(())
        }
        Command::Project { command: ProjectCommand::Grant { project, user, role } } => {
            let state = open(&data, url)?;
            let (ns, name) = project.split_once('/').context("--project must be NAMESPACE/PROJECT")?;
            state.db.write(|tx| {
                let id = projects::find(tx, ns, name)?.ok_or_else(|| trove_server::error::Error::NotFound(format!("project {project:?} does not exist")))?;
                accounts::grant(tx, id, &user, role)
            })?;
            println!("{user} is now {} in {project}", role.as_str());
            Ok(())
        }
        Command::Catalog { command: CatalogCommand::Import { project, namespace, dataset, hub, path } } => {
            let state = open(&data, url)?;
            let namespace = namespace.unwrap_or_else(|| accounts::ADMIN.to_string());
            let report = match (hub, path, dataset) {
                (Some(file), _, _) => trove_server::catalog::import_hub(&state, &namespace, &project, &file)?,
                (None, Some(path), Some(dataset)) => trove_server::catalog::import_folder(&state, &namespace, &project, &dataset, &path)?,
                (None, _, None) => anyhow::bail!("a folder import needs --dataset NAME"),
                (None, None, _) => anyhow::bail!("give a folder to import, or --hub FILE.json"),
            };
            refresh_statistics(&state);
            println!("{report}");
            Ok(())
        }
        Command::Demo { namespace, items } => {
            let state = open(&data, url)?;
            let namespace = namespace.unwrap_or_else(|| accounts::ADMIN.to_string());
            let report = trove_server::catalog::demo(&state, &namespace, items)?;
            refresh_statistics(&state);
            println!("{report}");
            Ok(())
        }
    }
}

/// After a bulk load: the first requests on the new rows are planned for what is there. Best
/// effort: the load stands whatever this does.
fn refresh_statistics(state: &AppState) {
    if let Err(e) = state.db.refresh_statistics() {
        tracing::warn!("refreshing the database's statistics failed: {e}");
    }
}

/// `--items N` of `demo`: a whole number from 1 to 5,000,000.
fn parse_demo_items(text: &str) -> Result<usize, String> {
    trove_demo::parse_image_count(text)
}

/// Opens the data directory, creating the admin user on first use.
fn open(data: &std::path::Path, url: Option<&str>) -> anyhow::Result<AppState> {
    open_with(data, url, Limits::default())
}

fn open_with(data: &std::path::Path, url: Option<&str>, limits: Limits) -> anyhow::Result<AppState> {
    let state = AppState::open_with(data, url, limits)?;
    if state.db.write(accounts::ensure_admin)? {
        let bin = std::env::args().next().unwrap_or_else(|| "trove-server".into());
        eprintln!(
            "created the admin user \"{}\" (namespace \"{}\"). Create an API token for it with:\n  {bin} {} token create --user {}",
            accounts::ADMIN,
            accounts::ADMIN,
            if url.is_some() { "--database-url URL".to_string() } else { format!("--data {}", data.display()) },
            accounts::ADMIN
        );
    }
    Ok(state)
}

#[tokio::main]
async fn serve(data: &std::path::Path, url: Option<&str>, listen: SocketAddr, limits: Limits, mut connections: Connections, prune_days: u32) -> anyhow::Result<()> {
    // A restore waits for every server on the data directory to stop.
    let _lock = trove_server::backup::serving(data)?;
    let state = open_with(data, url, limits)?;
    // Each connection is a file descriptor; keep room for the database, thumbnails and logs.
    if let Some(files) = listener::raise_open_files_limit() {
        let room = usize::try_from(files.saturating_sub(64)).unwrap_or(usize::MAX).max(1);
        if connections.max > room {
            tracing::warn!("serving at most {room} connections at once, not {}: the open-file limit is {files}", connections.max);
            connections.max = room;
        }
    }
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("could not listen on {listen}"))?;
    let addr = listener.local_addr()?;
    // Before saying where it listens: a SIGTERM right after that line must stop it gracefully.
    let stop = shutdown();
    // Tests and scripts read this line to learn the port when they pass port 0.
    println!("trove-server listening on http://{addr}");
    tracing::info!(%addr, data = %data.display(), database = if url.is_some() { "PostgreSQL" } else { "SQLite" }, "serving");
    if prune_days > 0 {
        tokio::spawn(prune_daily(state.clone(), prune_days));
    }
    tokio::spawn(forget_quiet_callers(state.clone()));
    listener::serve(listener, trove_server::app(state), connections, stop).await;
    Ok(())
}

/// Drops the rate limiters' memory of callers that have been quiet, every minute.
async fn forget_quiet_callers(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(60));
    loop {
        every.tick().await;
        state.forget_quiet_callers();
    }
}

/// Prunes sync history older than `days` now and then every 24 hours, for as long as the server
/// runs (see `trove_server::store::sync::prune`). A failure is logged and tried again next time.
async fn prune_daily(state: AppState, days: u32) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(24 * 60 * 60));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match state.write(move |tx| sync::prune(tx, days)).await {
            Ok(pruned) => tracing::info!("pruning sync history: {pruned}"),
            Err(e) => tracing::error!(error = %e, "pruning sync history failed; trying again in 24 hours"),
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM, so in-flight requests finish (each write is one transaction
/// either way: a harder stop loses nothing committed). The handlers are installed when this is
/// called, not when the future is first polled: a signal that arrives between the two would
/// otherwise kill the process outright.
fn shutdown() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, Signal, SignalKind};
    async fn recv(s: Option<Signal>) {
        match s {
            Some(mut s) => {
                s.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    }
    let (term, int) = (signal(SignalKind::terminate()).ok(), signal(SignalKind::interrupt()).ok());
    async move {
        tokio::select! {
            _ = recv(int) => {}
            _ = recv(term) => {}
        }
        tracing::info!("shutting down");
    }
}
