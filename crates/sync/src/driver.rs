//! The single task that keeps a cache in sync: it syncs when woken (after every local change),
//! every `interval` otherwise, and after a failure waits with exponential backoff and jitter
//! (`backon`), or exactly as long as the server's `Retry-After` says. It publishes what it is
//! doing as an [`Activity`] that the app turns into the status area.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use tokio::sync::{watch, Notify};
use trove_protocol::remote::{Progress, SyncState};

use crate::engine::Engine;

/// What the sync task is doing and how its last attempt went.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub state: SyncState,
    /// When a push and pull last both succeeded (ms since the epoch).
    pub last_synced_at: Option<i64>,
    pub last_error: Option<String>,
    pub progress: Option<Progress>,
    /// Bumped after every round whose pulls changed what is shown (not after the echo of this
    /// cache's own push), so the UI knows to refresh.
    pub changes_seen: u64,
}

impl Default for Activity {
    fn default() -> Self {
        Activity { state: SyncState::Offline, last_synced_at: None, last_error: None, progress: None, changes_seen: 0 }
    }
}

/// How long a notice of what sync did by itself (started over, removed a project) stays in the
/// status's last error while later rounds succeed.
const NOTICE_FOR: Duration = Duration::from_secs(600);

pub struct Driver {
    /// The latest notice and when it came (see [`NOTICE_FOR`]).
    notice: Mutex<Option<(String, std::time::Instant)>>,
    engine: Mutex<Option<Engine>>,
    wake: Notify,
    activity: watch::Sender<Activity>,
    interval: Duration,
}

impl Driver {
    /// A driver that syncs at least every `interval` while an engine is set.
    pub fn new(interval: Duration) -> Arc<Driver> {
        Arc::new(Driver { notice: Mutex::new(None), engine: Mutex::new(None), wake: Notify::new(), activity: watch::channel(Activity::default()).0, interval })
    }

    /// Sets (or clears, to work offline) the engine, and syncs at once.
    pub fn set_engine(&self, engine: Option<Engine>) {
        let offline = engine.is_none();
        *self.engine.lock().unwrap_or_else(|p| p.into_inner()) = engine;
        if offline {
            self.activity.send_modify(|a| {
                a.state = SyncState::Offline;
                a.last_error = None;
            });
        }
        self.wake();
    }

    pub fn engine(&self) -> Option<Engine> {
        self.engine.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Asks for a sync as soon as possible (after a local change, or "Sync now").
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn subscribe(&self) -> watch::Receiver<Activity> {
        self.activity.subscribe()
    }

    pub fn activity(&self) -> Activity {
        self.activity.borrow().clone()
    }

    /// Shows (or clears) the progress of a long transfer.
    pub fn set_progress(&self, progress: Option<Progress>) {
        self.activity.send_modify(|a| a.progress = progress);
    }

    /// Records a failure the person should see (e.g. a download that failed).
    pub fn set_error(&self, message: Option<String>) {
        self.activity.send_modify(|a| a.last_error = message);
    }

    /// Waits `delay`, or less when woken (if `wakeable`); says whether a wake ended it.
    async fn wait(&self, delay: Duration, wakeable: bool) -> bool {
        if wakeable {
            tokio::select! {
                _ = self.wake.notified() => true,
                _ = tokio::time::sleep(delay) => false,
            }
        } else {
            tokio::time::sleep(delay).await;
            false
        }
    }

    /// Runs forever: the app's one sync task.
    pub async fn run(self: Arc<Self>) {
        // Retries never wait much longer than the pull interval (jitter may double a delay), so a
        // server that comes back is noticed about as soon as a change by others would be.
        let backoff = ExponentialBuilder::default()
            .with_jitter()
            .with_min_delay(Duration::from_millis(500))
            .with_max_delay(self.interval.clamp(Duration::from_secs(1), Duration::from_secs(60)))
            .without_max_times();
        let mut delays = backoff.build();
        // The delay in force, and whether the last wait was cut short by a local change: a retry
        // a person's edit caused does not lengthen the next wait.
        let mut delay = None;
        let mut woken = false;
        loop {
            let Some(engine) = self.engine() else {
                self.wake.notified().await;
                continue;
            };
            self.activity.send_modify(|a| a.state = SyncState::Syncing);
            let round = engine.sync().await;
            let notices = engine.take_notices();
            if !notices.is_empty() {
                *self.notice.lock().unwrap_or_else(|p| p.into_inner()) = Some((notices.join(" "), std::time::Instant::now()));
                // The copy was rebuilt or removed: what is shown must be read again.
                self.activity.send_modify(|a| a.changes_seen += 1);
            }
            let notice = self.notice.lock().unwrap_or_else(|p| p.into_inner()).clone().filter(|(_, at)| at.elapsed() < NOTICE_FOR).map(|(n, _)| n);
            match round {
                Ok((_, pulled)) => {
                    delays = backoff.build();
                    delay = None;
                    let pending = engine.store().pending().unwrap_or(0);
                    self.activity.send_modify(|a| {
                        a.state = if pending == 0 { SyncState::Synced } else { SyncState::Syncing };
                        a.last_synced_at = Some(trove_core::now_ms());
                        a.last_error = notice;
                        if pulled.changed > 0 {
                            a.changes_seen += 1;
                        }
                    });
                    if pending > 0 {
                        continue; // changes made during the round
                    }
                    woken = self.wait(self.interval, true).await;
                }
                Err(e) => {
                    tracing::info!(error = %e, "sync failed");
                    let state = if e.is_offline() { SyncState::Offline } else { SyncState::Error };
                    self.activity.send_modify(|a| {
                        a.state = state;
                        a.last_error = Some(match notice {
                            Some(n) => format!("{e}. {n}"),
                            None => e.to_string(),
                        });
                    });
                    if let Some(after) = e.retry_after() {
                        // The server asked for quiet: local changes do not cut it short.
                        woken = self.wait(after, false).await;
                    } else if e.is_transient() {
                        let next = match delay {
                            Some(d) if woken => d,
                            _ => delays.next().unwrap_or(Duration::from_secs(60)),
                        };
                        delay = Some(next);
                        woken = self.wait(next, true).await;
                    } else {
                        // Needs the person (a refused token) or a new server: retry rarely.
                        woken = self.wait(self.interval.max(Duration::from_secs(30)), true).await;
                    }
                }
            }
        }
    }
}
