//! The TCP side of `trove-server serve`: HTTP/1.1 connections served by hyper with what
//! `axum::serve` lacks against slow or numerous clients.
//!
//! - A **header-read timeout**: a connection that has not sent a whole request header within
//!   it is closed. The timer runs from the moment the connection opens and again whenever it
//!   waits for its next request, so it is also the keep-alive idle timeout.
//! - A **connection bound**: at most `max` connections are served at once; one accepted beyond
//!   that is closed at once, and accepting goes on, so the server frees up as soon as others
//!   end. The bound is kept below the process's open-file limit (raised to its hard limit at
//!   start by [`raise_open_files_limit`]).
//! - Every request carries its peer's `ConnectInfo<SocketAddr>` (for the per-address rate
//!   limit, `throttle.rs`).
//! - **Graceful shutdown**: once `shutdown` resolves, no connection is accepted, idle ones
//!   close, and requests in flight get up to `grace` to finish.
//!
//! It knows nothing of routes: it serves whatever `Router` it is given.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};

/// How connections are held to account (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct Connections {
    /// Longest wait for a whole request header, and for the next request on an idle connection.
    pub header_read_timeout: Duration,
    /// Most connections served at once.
    pub max: usize,
    /// Longest wait for requests in flight after shutdown was asked for.
    pub grace: Duration,
}

impl Default for Connections {
    fn default() -> Self {
        Connections { header_read_timeout: Duration::from_secs(20), max: 512, grace: Duration::from_secs(60) }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then waits (up to `grace`) for the
/// connections still open.
pub async fn serve(listener: TcpListener, app: Router, connections: Connections, shutdown: impl Future<Output = ()>) {
    let max = connections.max.clamp(1, Semaphore::MAX_PERMITS);
    let slots = Arc::new(Semaphore::new(max));
    let (stop, stopped) = watch::channel(false);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(connections.header_read_timeout);
    let mut shutdown = pin!(shutdown);
    let mut last_warning: Option<Instant> = None;
    loop {
        let (stream, peer) = tokio::select! {
            biased;
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // A connection that failed before it was accepted concerns only itself;
                    // anything else (out of file descriptors) passes with a little time.
                    if !matches!(e.kind(), std::io::ErrorKind::ConnectionAborted | std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionRefused) {
                        warn_now_and_then(&mut last_warning, &format!("accepting a connection failed: {e}"));
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    continue;
                }
            },
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            drop(stream);
            warn_now_and_then(&mut last_warning, &format!("{max} connections are open, the most this server serves at once; closing new ones until some end"));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            tower::ServiceExt::oneshot(app.clone(), req)
        });
        let conn = http.serve_connection(TokioIo::new(stream), service);
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let mut conn = pin!(conn);
            let mut stopping = false;
            loop {
                tokio::select! {
                    _ = conn.as_mut() => break,
                    _ = stopped.wait_for(|s| *s), if !stopping => {
                        stopping = true;
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
            drop(slot);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    let open = max - slots.available_permits();
    if open > 0 {
        tracing::info!("waiting for {open} open connections to finish");
    }
    if tokio::time::timeout(connections.grace, slots.acquire_many(max as u32)).await.is_err() {
        tracing::warn!("connections still open after {} s; closing them", connections.grace.as_secs());
    }
}

/// Logs `message` at most every 10 seconds, so a flood does not flood the log too.
fn warn_now_and_then(last: &mut Option<Instant>, message: &str) {
    if last.is_none_or(|at| at.elapsed() >= Duration::from_secs(10)) {
        *last = Some(Instant::now());
        tracing::warn!("{message}");
    }
}

/// Raises the soft limit on open files to the hard limit (many systems start servers at 1024)
/// and returns the limit now in force, so the connection bound can stay below it.
#[cfg(unix)]
pub fn raise_open_files_limit() -> Option<u64> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit only writes the struct it is given, which lives on this stack frame.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return None;
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
        // SAFETY: setrlimit only reads the struct it is given.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            limit = raised;
        }
    }
    #[allow(clippy::useless_conversion, reason = "rlim_t is u64 on Linux, u32 or i64 elsewhere")]
    Some(u64::try_from(limit.rlim_cur).unwrap_or(u64::MAX))
}

#[cfg(not(unix))]
pub fn raise_open_files_limit() -> Option<u64> {
    None
}
