//! A small HTTP/1.1 proxy on 127.0.0.1 that injects network faults between a client and a real
//! server, for tests (DESIGN.md §4: sync faults are injected between the client and the real
//! `trove-server`, never by mocking the server).
//!
//! [`FaultProxy::start`] listens on an ephemeral port and forwards every request to the upstream
//! address, preserving method, path, query, headers and body, and relays the upstream's status,
//! headers and body. [`Rule`]s, tried in order, pick requests (any, or a method and a path
//! prefix) and apply an [`Action`]: drop the request, drop the response after the server
//! committed, delay, answer a status with or without forwarding, or forward twice.
//! [`FaultProxy::set_offline`] makes the server unreachable. [`FaultProxy::log`] tells what
//! happened to each request.
//!
//! The proxy runs on its own thread with its own Tokio runtime, and the handle's methods do not
//! block, so it serves plain `#[test]`s (with a blocking client) and `#[tokio::test]`s alike.
//! Bodies are buffered whole in both directions. Each forwarded request gets a fresh upstream
//! connection; client connections are kept alive until a fault closes them.
//!
//! ```no_run
//! use trove_faultproxy::{Action, FaultProxy, Rule};
//! # let server: std::net::SocketAddr = "127.0.0.1:8080".parse().unwrap();
//! let proxy = FaultProxy::start(server);
//! proxy.add_rule(Rule::on("POST", "/api/v1/sync/push", Action::DropResponse));
//! // ... point the sync client at proxy.url(), push, see the error, retry ...
//! assert_eq!(proxy.log()[0].action, Some(Action::DropResponse));
//! ```
//!
//! This crate knows nothing of Trove's API: it sees methods, paths and bytes.

mod exchange;
mod rules;
mod upstream;

use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use exchange::Exchange;
pub use rules::{Action, Rule};

use exchange::{Shared, State};

/// A running fault proxy. Dropping it stops the proxy and closes its connections.
#[derive(Debug)]
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Starts a proxy on `127.0.0.1` (an ephemeral port) in front of `upstream`, with no rules.
    ///
    /// # Panics
    ///
    /// When no port can be bound on 127.0.0.1 or the proxy's thread cannot be started: a test
    /// cannot go on without its proxy.
    pub fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = StdTcpListener::bind(("127.0.0.1", 0))
            .and_then(|listener| listener.set_nonblocking(true).map(|()| listener))
            .unwrap_or_else(|error| {
                panic!("cannot listen on 127.0.0.1 for the fault proxy: {error}")
            });
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let shared = Arc::new(Shared {
            upstream,
            state: Mutex::new(State::default()),
        });
        let (stop, stopped) = oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|error| panic!("cannot build the fault proxy's runtime: {error}"));
        let serving = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("faultproxy-{}", addr.port()))
            .spawn(move || runtime.block_on(accept(listener, serving, stopped)))
            .unwrap_or_else(|error| panic!("cannot start the fault proxy's thread: {error}"));
        FaultProxy {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The address the proxy listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The proxy's base URL, `http://127.0.0.1:PORT`, with no trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The upstream address requests are forwarded to.
    pub fn upstream(&self) -> SocketAddr {
        self.shared.upstream
    }

    /// Adds a rule after those already in force; it applies to requests that arrive from now on.
    ///
    /// # Panics
    ///
    /// When the rule injects a status outside 200..=599.
    pub fn add_rule(&self, rule: Rule) {
        if let Some(problem) = rule.problem() {
            panic!("{problem}");
        }
        self.state().rules.add(rule);
    }

    /// Removes every rule; requests are forwarded untouched again (unless offline).
    pub fn clear_rules(&self) {
        self.state().rules.clear();
    }

    /// While offline, every request is dropped without forwarding ([`Action::DropRequest`]),
    /// whatever the rules say, and no rule counts it.
    pub fn set_offline(&self, offline: bool) {
        self.state().offline = offline;
    }

    /// What happened to each request so far, in the order the exchanges finished.
    ///
    /// A request appears once its answer is decided and before the client sees it; a request
    /// still waiting (on a delay or the upstream) is not in the log yet.
    pub fn log(&self) -> Vec<Exchange> {
        self.state().log.clone()
    }

    /// Forgets the log.
    pub fn clear_log(&self) {
        self.state().log.clear();
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .expect("the proxy state lock is never poisoned")
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            // The runtime drops its tasks when `block_on` returns, so this is quick.
            let _ = thread.join();
        }
    }
}

/// Accepts connections until told to stop, serving each on its own task.
async fn accept(listener: StdTcpListener, shared: Arc<Shared>, mut stopped: oneshot::Receiver<()>) {
    let listener = TcpListener::from_std(listener).expect("a non-blocking std listener converts");
    let mut connections = 0_u64;
    loop {
        let stream = tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors or an aborted handshake: wait a little, go on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        connections += 1;
        let (shared, connection) = (Arc::clone(&shared), connections);
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                exchange::serve(Arc::clone(&shared), connection, request)
            });
            // An error here is a client that went away or a fault that closed the connection
            // on purpose; either way the connection is done.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
