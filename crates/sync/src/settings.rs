//! The rules of the app's server connection, free of where they are stored: the saved
//! (non-secret) settings and their defaults, the environment that wins over them (managed
//! installs, tests), the check of a settings change, which of them means "sync with this server",
//! and every sentence the person reads about it. The shell keeps the settings in its store and
//! the token in the keyring; it decides nothing.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use trove_protocol::remote::ServerSettingsInput;
use trove_protocol::{ApiError, ErrorCode};

use crate::remote::{normalize_url, SyncError};

/// Largest offline budget: 1 TiB.
pub const OFFLINE_BUDGET_MAX_MB: u64 = 1_048_576;
/// How often the driver syncs without being woken, unless `TROVE_SYNC_INTERVAL_MS` says.
pub const SYNC_INTERVAL: Duration = Duration::from_secs(10);

/// The non-secret part of the connection, kept in the app's settings store under `server`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Saved {
    pub server_url: Option<String>,
    pub work_offline: bool,
    pub offline_budget_mb: u64,
    /// "Upload originals" (off unless asked: originals can be large).
    pub upload_originals: bool,
}

impl Default for Saved {
    fn default() -> Self {
        Saved { server_url: None, work_offline: true, offline_budget_mb: 1024, upload_originals: false }
    }
}

impl Saved {
    /// The offline budget in bytes.
    pub fn offline_budget(&self) -> u64 {
        self.offline_budget_mb * 1024 * 1024
    }
}

/// The environment's pre-configuration, for managed installs and tests: `TROVE_SERVER_URL` and
/// `TROVE_TOKEN` (together they win over the saved settings and cannot be changed in the app),
/// `TROVE_PROJECT` (downloaded and opened at start), `TROVE_SYNC_INTERVAL_MS`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Env {
    pub server_url: Option<String>,
    pub token: Option<String>,
    pub project: Option<String>,
    pub interval: Option<Duration>,
}

impl Env {
    pub fn read() -> Env {
        Env::from_vars(|k| std::env::var(k).ok())
    }

    /// The environment as `get` answers it (blank values count as unset).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Env {
        let get = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        Env {
            server_url: get("TROVE_SERVER_URL"),
            token: get("TROVE_TOKEN"),
            project: get("TROVE_PROJECT"),
            interval: get("TROVE_SYNC_INTERVAL_MS").and_then(|v| v.parse().ok()).map(Duration::from_millis),
        }
    }

    /// The server and token the environment sets, when it sets both.
    pub fn managed(&self) -> Option<(&str, &str)> {
        Some((self.server_url.as_deref()?, self.token.as_deref()?))
    }

    pub fn interval(&self) -> Duration {
        self.interval.unwrap_or(SYNC_INTERVAL)
    }
}

/// A settings change, checked: the normalized URL (none when blank) and the token typed (none
/// when blank: keep the saved one).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub server_url: Option<String>,
    pub typed_token: Option<String>,
    pub work_offline: bool,
    pub offline_budget_mb: u64,
    pub upload_originals: bool,
}

impl Change {
    /// Checks a settings change as the person typed it.
    pub fn check(input: &ServerSettingsInput) -> Result<Change, ConnectionError> {
        if input.offline_budget_mb > OFFLINE_BUDGET_MAX_MB {
            return Err(ConnectionError::BudgetTooLarge { mb: input.offline_budget_mb });
        }
        let server_url = match input.server_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(u) => Some(normalize_url(u)?),
            None => None,
        };
        let typed_token = input.token.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(String::from);
        Ok(Change {
            server_url,
            typed_token,
            work_offline: input.work_offline,
            offline_budget_mb: input.offline_budget_mb,
            upload_originals: input.upload_originals,
        })
    }

    /// The server to sign in to now, if the change asks to sync: then a token is needed.
    pub fn signs_in(&self) -> Option<&str> {
        self.server_url.as_deref().filter(|_| !self.work_offline)
    }

    pub fn saved(&self) -> Saved {
        Saved {
            server_url: self.server_url.clone(),
            work_offline: self.work_offline,
            offline_budget_mb: self.offline_budget_mb,
            upload_originals: self.upload_originals,
        }
    }
}

/// Whether to sync, and with what: a server and a token, unless working offline.
pub fn wanted<'a>(work_offline: bool, server_url: Option<&'a str>, token: Option<&'a str>) -> Option<(&'a str, &'a str)> {
    match (work_offline, server_url, token) {
        (false, Some(url), Some(token)) => Some((url, token)),
        _ => None,
    }
}

/// What can go wrong with the connection, in the person's words.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("the server is set by TROVE_SERVER_URL and TROVE_TOKEN for this installation; it cannot be changed here")]
    Managed,
    #[error("an offline budget of {mb} MiB is more than 1 TiB; choose 0 to {OFFLINE_BUDGET_MAX_MB} MiB")]
    BudgetTooLarge { mb: u64 },
    #[error("an API token is needed to sign in to {url}; paste one from `trove-server token create`")]
    TokenNeeded { url: String },
    #[error("no server is in use; set a server and an API token in Server settings, and turn off Work offline")]
    NoServer,
    /// The keyring or the token file failed.
    #[error("{0}")]
    Tokens(String),
    #[error("a background task failed: {0}")]
    Task(String),
    #[error(transparent)]
    Sync(#[from] SyncError),
}

impl From<trove_core::Error> for ConnectionError {
    fn from(e: trove_core::Error) -> Self {
        ConnectionError::Sync(SyncError::Local(e))
    }
}

/// A sync failure as the person sees it.
impl From<SyncError> for ApiError {
    fn from(e: SyncError) -> Self {
        // A refusal of the cache keeps its own code and sentence (and an internal one is logged).
        let e = match e {
            SyncError::Local(e) => return e.into(),
            e => e,
        };
        let code = match &e {
            SyncError::Unreachable { .. } | SyncError::Server { .. } => ErrorCode::Internal,
            SyncError::Unauthorized => ErrorCode::Unauthorized,
            SyncError::Refused { code, .. } => *code,
            SyncError::BadUrl(_) => ErrorCode::InvalidInput,
            SyncError::Protocol(_) | SyncError::Local(_) => ErrorCode::Internal,
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<ConnectionError> for ApiError {
    fn from(e: ConnectionError) -> Self {
        let code = match &e {
            ConnectionError::Sync(_) => match e {
                ConnectionError::Sync(e) => return e.into(),
                _ => unreachable!(),
            },
            ConnectionError::Managed => ErrorCode::Forbidden,
            ConnectionError::BudgetTooLarge { .. } | ConnectionError::TokenNeeded { .. } | ConnectionError::NoServer => ErrorCode::InvalidInput,
            ConnectionError::Tokens(_) | ConnectionError::Task(_) => ErrorCode::Internal,
        };
        ApiError::new(code, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(url: Option<&str>, token: Option<&str>, work_offline: bool, mb: u64) -> ServerSettingsInput {
        ServerSettingsInput { server_url: url.map(String::from), token: token.map(String::from), work_offline, offline_budget_mb: mb, upload_originals: false }
    }

    fn refusal(i: ServerSettingsInput) -> ApiError {
        ApiError::from(Change::check(&i).unwrap_err())
    }

    #[test]
    fn a_settings_change_is_checked_and_normalized() {
        let c = Change::check(&input(Some(" https://trove.example.org/ "), Some("  tok "), false, 100)).unwrap();
        assert_eq!(c.server_url.as_deref(), Some("https://trove.example.org"));
        assert_eq!(c.typed_token.as_deref(), Some("tok"));
        assert_eq!(c.signs_in(), Some("https://trove.example.org"));
        let blank = Change::check(&input(Some("  "), Some(" "), false, 0)).unwrap();
        assert_eq!((blank.server_url, blank.typed_token), (None, None), "blank is unset");
        assert_eq!(Change::check(&input(Some("http://h:1"), None, true, 0)).unwrap().signs_in(), None, "working offline signs in nowhere");
        assert!(Change::check(&input(None, None, true, OFFLINE_BUDGET_MAX_MB)).is_ok());
    }

    #[test]
    fn a_bad_change_is_refused_in_words() {
        assert_eq!(
            refusal(input(Some("localhost:8080"), Some("t"), false, 100)),
            ApiError::new(ErrorCode::InvalidInput, "\"localhost:8080\" is not a server address; use http://host:port or https://host")
        );
        assert_eq!(
            refusal(input(None, None, true, OFFLINE_BUDGET_MAX_MB + 1)),
            ApiError::new(ErrorCode::InvalidInput, "an offline budget of 1048577 MiB is more than 1 TiB; choose 0 to 1048576 MiB")
        );
        let e = ApiError::from(ConnectionError::TokenNeeded { url: "http://127.0.0.1:9".into() });
        assert!(e.message.starts_with("an API token is needed to sign in to http://127.0.0.1:9"), "{}", e.message);
        assert_eq!(ApiError::from(ConnectionError::Managed).code, ErrorCode::Forbidden);
        assert!(ApiError::from(ConnectionError::NoServer).message.starts_with("no server is in use"));
    }

    #[test]
    fn only_a_server_and_a_token_while_online_mean_syncing() {
        assert_eq!(wanted(false, Some("u"), Some("t")), Some(("u", "t")));
        assert_eq!(wanted(true, Some("u"), Some("t")), None);
        assert_eq!(wanted(false, None, Some("t")), None);
        assert_eq!(wanted(false, Some("u"), None), None);
        assert_eq!(Saved::default(), Saved { server_url: None, work_offline: true, offline_budget_mb: 1024, upload_originals: false });
        assert_eq!(Saved { offline_budget_mb: 2, ..Saved::default() }.offline_budget(), 2 * 1024 * 1024);
    }

    #[test]
    fn the_environment_wins_only_with_both_server_and_token() {
        let env = |pairs: &[(&str, &str)]| {
            let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            Env::from_vars(move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
        };
        let both = env(&[("TROVE_SERVER_URL", "http://h:1"), ("TROVE_TOKEN", " t "), ("TROVE_SYNC_INTERVAL_MS", "250")]);
        assert_eq!(both.managed(), Some(("http://h:1", "t")));
        assert_eq!(both.interval(), Duration::from_millis(250));
        let one = env(&[("TROVE_SERVER_URL", "http://h:1"), ("TROVE_PROJECT", "  "), ("TROVE_SYNC_INTERVAL_MS", "soon")]);
        assert_eq!((one.managed(), one.project.as_deref(), one.interval()), (None, None, SYNC_INTERVAL));
    }
}
