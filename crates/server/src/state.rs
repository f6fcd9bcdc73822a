//! What every handler shares: the database, the thumbnail store, the limits and the per-token
//! rate limiter. Database work runs on tokio's blocking pool through [`AppState::run`].

use std::num::NonZeroU32;
use std::path::Path;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota};
use rusqlite::{Connection, Transaction};
use trove_core::thumbs::ThumbCache;
use trove_core::Pool;

use crate::error::{Error, Result};

/// The limits every request is held to (documented in the README and the OpenAPI).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest request body, in bytes.
    pub body_bytes: usize,
    /// Most items one page may ask for.
    pub page_max: u32,
    /// Page size when a request names none.
    pub page_default: u32,
    /// Most item ids in one bulk add or remove.
    pub bulk_max: usize,
    /// Requests per second allowed per token (sustained); bursts up to twice that.
    pub per_second: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { body_bytes: 2 * 1024 * 1024, page_max: trove_protocol::rules::PAGE_MAX, page_default: 100, bulk_max: 10_000, per_second: 50 }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Arc<Pool>,
    pub thumbs: Arc<ThumbCache>,
    pub limits: Limits,
    pub limiter: Arc<DefaultKeyedRateLimiter<i64>>,
}

impl AppState {
    /// Opens (creating and migrating) the server's data directory: `trove-server.db` and `thumbs/`.
    pub fn open(data: &Path, limits: Limits) -> anyhow::Result<AppState> {
        let (db, thumbs) = crate::store::open(data)?;
        let per_second = NonZeroU32::new(limits.per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = per_second.saturating_mul(NonZeroU32::new(2).unwrap_or(NonZeroU32::MIN));
        let limiter = Arc::new(DefaultKeyedRateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)));
        Ok(AppState { db: Arc::new(db), thumbs: Arc::new(thumbs), limits, limiter })
    }

    /// Runs database work off the async runtime (for work that needs several transactions).
    pub async fn blocking<T: Send + 'static>(&self, f: impl FnOnce(&Pool) -> Result<T> + Send + 'static) -> Result<T> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || f(&db)).await.map_err(|e| Error::Internal(e.into()))?
    }

    /// Runs read-only database work off the async runtime.
    pub async fn read<T: Send + 'static>(&self, f: impl FnOnce(&Connection) -> Result<T> + Send + 'static) -> Result<T> {
        self.blocking(move |db| db.read(f)).await
    }

    /// Runs `f` in one write transaction off the async runtime: all of it or none of it.
    pub async fn write<T: Send + 'static>(&self, f: impl FnOnce(&Transaction) -> Result<T> + Send + 'static) -> Result<T> {
        self.blocking(move |db| db.write(f)).await
    }
}
