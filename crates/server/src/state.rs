//! What every handler shares: the database, the thumbnail store, the limits, the rate limiters
//! (per peer address, per token) and the push slots. Database work runs on tokio's blocking
//! pool through [`AppState::blocking`].

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota};
use tokio::sync::Semaphore;
use crate::db::{Connection, Db, Transaction};
use trove_thumbs::ThumbCache;


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
    /// Requests per second allowed per peer address (an IPv6 /64 counts as one), checked before
    /// anything else, the token included; bursts up to twice that. 0: no limit.
    pub per_address_second: u32,
    /// Longest a request may take, body upload included, before it is answered 408.
    pub request_timeout: Duration,
    /// Pushes whose bodies may be held in memory at once (uploading, waiting or being applied).
    pub push_uploads: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: 2 * 1024 * 1024,
            page_max: trove_protocol::rules::PAGE_MAX,
            page_default: 100,
            bulk_max: 10_000,
            per_second: 50,
            per_address_second: 250,
            request_timeout: Duration::from_secs(60),
            push_uploads: 4,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Arc<Db>,
    pub thumbs: Arc<ThumbCache>,
    /// Originals uploaded by apps (`originals/`).
    pub originals: Arc<crate::originals::Originals>,
    pub limits: Limits,
    /// Per token id.
    pub limiter: Arc<DefaultKeyedRateLimiter<i64>>,
    /// Per peer address; `None` when `per_address_second` is 0.
    pub address_limiter: Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>,
    /// A push holds one of these from before its body is read until it is answered, so at most
    /// `push_uploads` push bodies are in memory at once.
    pub push_uploads: Arc<Semaphore>,
    /// A push holds this while its body is parsed and applied: one at a time (the database has
    /// one writer anyway), so the memory a parse takes is counted once.
    pub push_work: Arc<Semaphore>,
}

impl AppState {
    /// Opens (creating and migrating) the server's data directory: `trove-server.db`, `thumbs/`
    /// and `originals/`.
    pub fn open(data: &Path, limits: Limits) -> anyhow::Result<AppState> {
        Self::open_with(data, None, limits)
    }

    /// Opens the database at `database_url` (PostgreSQL) if given, else the SQLite database
    /// under `data`; thumbnails and originals are kept under `data` either way (with several
    /// instances, a directory they all share).
    pub fn open_with(data: &Path, database_url: Option<&str>, limits: Limits) -> anyhow::Result<AppState> {
        let (db, thumbs) = crate::store::open(data, database_url)?;
        let limiter = Arc::new(DefaultKeyedRateLimiter::keyed(quota(limits.per_second.max(1))));
        let address_limiter = (limits.per_address_second > 0).then(|| Arc::new(DefaultKeyedRateLimiter::keyed(quota(limits.per_address_second))));
        Ok(AppState {
            db: Arc::new(db),
            thumbs: Arc::new(thumbs),
            originals: Arc::new(crate::originals::Originals::open(&data.join("originals"))?),
            limits,
            limiter,
            address_limiter,
            push_uploads: Arc::new(Semaphore::new(limits.push_uploads.max(1))),
            push_work: Arc::new(Semaphore::new(1)),
        })
    }

    /// Forgets the rate-limit state of tokens and addresses that have been quiet long enough to
    /// have a full burst again, so a flood from many addresses does not keep memory.
    pub fn forget_quiet_callers(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
        if let Some(by_address) = &self.address_limiter {
            by_address.retain_recent();
            by_address.shrink_to_fit();
        }
    }

    /// Runs database work off the async runtime (for work that needs several transactions, or
    /// CPU work on a request such as parsing a large body).
    pub async fn blocking<T: Send + 'static>(&self, f: impl FnOnce(&Db) -> Result<T> + Send + 'static) -> Result<T> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || crate::db::pg::blocking_section(|| f(&db))).await.map_err(|e| Error::Internal(e.into()))?
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

/// `per_second` sustained, bursts up to twice that.
fn quota(per_second: u32) -> Quota {
    let per_second = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
    Quota::per_second(per_second).allow_burst(per_second.saturating_mul(NonZeroU32::new(2).unwrap_or(NonZeroU32::MIN)))
}
