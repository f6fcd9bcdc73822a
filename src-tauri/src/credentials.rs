//! Where the API token for a server is kept: the OS keyring when one runs (Secret Service on
//! Linux, Keychain on macOS, Credential Manager on Windows), else `credentials.json` in the app
//! data directory, readable by the user only (mode 0600) and replaced atomically. Never the plain
//! settings store, never a log line.
//!
//! The calls block (a D-Bus round trip, a file write): run them on the blocking pool, as every
//! command does with the store. The keyring is reached through libdbus, not an async runtime, so
//! a call from inside a Tokio task blocks that task but cannot panic.
//!
//! One place holds a server's token at a time: saving to the keyring removes the file's copy,
//! and `load` reads the file first, so a token written to the file while the keyring was away
//! wins over an older keyring entry.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The keyring "service" entries are filed under; the server URL is the entry's user name.
const SERVICE: &str = "app.trove.desktop";
const FILE: &str = "credentials.json";

/// Where a token is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenStore {
    /// The OS keyring.
    Keyring,
    /// `credentials.json`, mode 0600, in the app data directory.
    File,
}

impl TokenStore {
    /// `"keyring"` or `"file"`, as `ServerSettings::token_store` says it.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenStore::Keyring => "keyring",
            TokenStore::File => "file",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("the saved API token could not be read from {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("the token file {} is damaged ({source}); enter the API token again to replace it", path.display())]
    Damaged { path: PathBuf, source: serde_json::Error },
    #[error("the API token could not be saved in {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("the system keyring could not {action} the API token for {server_url}: {message}")]
    Keyring { action: &'static str, server_url: String, message: String },
}

/// The tokens of every server, in the keyring or the user-only file under `data_dir`.
pub struct Credentials {
    file: PathBuf,
    use_keyring: bool,
    /// Serializes the file's read-modify-write within this process.
    lock: Mutex<()>,
}

impl Credentials {
    /// Tokens in the OS keyring when one runs, else in `data_dir/credentials.json`.
    pub fn new(data_dir: &Path) -> Credentials {
        Credentials { file: data_dir.join(FILE), use_keyring: true, lock: Mutex::new(()) }
    }

    /// Tokens in the file only, never the keyring (tests, and machines where the keyring must
    /// not be touched).
    pub fn file_only(data_dir: &Path) -> Credentials {
        Credentials { use_keyring: false, ..Credentials::new(data_dir) }
    }

    /// The stored token for `server_url` and where it was found.
    pub fn load(&self, server_url: &str) -> Result<Option<(String, TokenStore)>, CredentialsError> {
        let _guard = self.lock();
        if let Some(token) = self.read_file()?.remove(server_url) {
            return Ok(Some((token, TokenStore::File)));
        }
        if !self.use_keyring {
            return Ok(None);
        }
        match entry(server_url).and_then(|e| e.get_password()) {
            Ok(token) => Ok(Some((token, TokenStore::Keyring))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) if unavailable(&e) => {
                tracing::debug!(error = %e, "no keyring to read the token from");
                Ok(None)
            }
            Err(e) => Err(keyring_error("read", server_url, e)),
        }
    }

    /// Stores it (keyring first, else the 0600 file); returns where.
    pub fn save(&self, server_url: &str, token: &str) -> Result<TokenStore, CredentialsError> {
        let _guard = self.lock();
        if self.use_keyring {
            match entry(server_url).and_then(|e| e.set_password(token)) {
                Ok(()) => {
                    // The keyring holds it now; an older copy in the file would shadow it.
                    self.remove_from_file(server_url)?;
                    return Ok(TokenStore::Keyring);
                }
                Err(e) if unavailable(&e) => {
                    tracing::info!(error = %e, "no keyring is running; the token goes to the user-only file");
                }
                Err(e) => return Err(keyring_error("save", server_url, e)),
            }
        }
        let mut tokens = match self.read_file() {
            Ok(tokens) => tokens,
            // Nothing in a damaged file can be read back; the new one replaces it.
            Err(CredentialsError::Damaged { .. }) => BTreeMap::new(),
            Err(e) => return Err(e),
        };
        tokens.insert(server_url.to_owned(), token.to_owned());
        self.write_file(&tokens)?;
        Ok(TokenStore::File)
    }

    /// Removes the token for `server_url` from the file and the keyring; a missing one is fine.
    pub fn forget(&self, server_url: &str) -> Result<(), CredentialsError> {
        let _guard = self.lock();
        self.remove_from_file(server_url)?;
        if !self.use_keyring {
            return Ok(());
        }
        match entry(server_url).and_then(|e| e.delete_credential()) {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) if unavailable(&e) => Ok(()),
            Err(e) => Err(keyring_error("remove", server_url, e)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn read_file(&self) -> Result<BTreeMap<String, String>, CredentialsError> {
        let text = match fs::read_to_string(&self.file) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(source) => return Err(CredentialsError::Read { path: self.file.clone(), source }),
        };
        restrict(&self.file);
        serde_json::from_str(&text).map_err(|source| CredentialsError::Damaged { path: self.file.clone(), source })
    }

    fn remove_from_file(&self, server_url: &str) -> Result<(), CredentialsError> {
        let mut tokens = match self.read_file() {
            Ok(tokens) => tokens,
            // A damaged file may still hold the token in some form: it goes entirely.
            Err(CredentialsError::Damaged { .. }) => BTreeMap::new(),
            Err(e) => return Err(e),
        };
        if tokens.remove(server_url).is_none() && !tokens.is_empty() {
            return Ok(());
        }
        if tokens.is_empty() {
            return match fs::remove_file(&self.file) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                Err(source) => Err(CredentialsError::Write { path: self.file.clone(), source }),
            };
        }
        self.write_file(&tokens)
    }

    /// Replaces the file atomically: a user-only temporary file in the same directory, synced,
    /// then renamed over it, so a crash leaves the old file or the new one, never half of one.
    fn write_file(&self, tokens: &BTreeMap<String, String>) -> Result<(), CredentialsError> {
        let failed = |source: io::Error| CredentialsError::Write { path: self.file.clone(), source };
        let dir = self.file.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(failed)?;
        // `tempfile` creates the file with mode 0600 on Unix before anything is written to it.
        let mut tmp = tempfile::Builder::new().prefix(".credentials").suffix(".tmp").tempfile_in(dir).map_err(failed)?;
        let json = serde_json::to_vec_pretty(tokens).map_err(|e| failed(io::Error::other(e)))?;
        tmp.write_all(&json).map_err(failed)?;
        tmp.as_file().sync_all().map_err(failed)?;
        tmp.persist(&self.file).map_err(|e| failed(e.error))?;
        Ok(())
    }
}

fn entry(server_url: &str) -> keyring::Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, server_url)
}

/// No keyring to use: none running (no D-Bus session or Secret Service), locked, or refused.
fn unavailable(e: &keyring::Error) -> bool {
    matches!(e, keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_))
}

fn keyring_error(action: &'static str, server_url: &str, e: keyring::Error) -> CredentialsError {
    CredentialsError::Keyring { action, server_url: server_url.to_owned(), message: e.to_string() }
}

/// Makes a token file that someone loosened readable by the user only again.
#[cfg(unix)]
fn restrict(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = fs::metadata(path) {
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(file = %path.display(), "the token file was readable by others; restricting it to the user");
            let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o600));
        }
    }
}

#[cfg(not(unix))]
fn restrict(_path: &Path) {}

/// The sync connection keeps its tokens here.
impl trove_sync::Tokens for Credentials {
    fn load(&self, server_url: &str) -> Result<Option<(String, &'static str)>, trove_sync::TokenError> {
        Ok(Credentials::load(self, server_url)?.map(|(token, store)| (token, store.as_str())))
    }

    fn save(&self, server_url: &str, token: &str) -> Result<&'static str, trove_sync::TokenError> {
        Ok(Credentials::save(self, server_url, token)?.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://trove.example.org";
    const TOKEN: &str = "trove_s3cr3t-token-0123456789abcdef";

    #[test]
    fn file_store_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let creds = Credentials::file_only(dir.path());
        assert_eq!(creds.load(URL).unwrap(), None);

        assert_eq!(creds.save(URL, TOKEN).unwrap(), TokenStore::File);
        assert_eq!(creds.save("http://127.0.0.1:8080", "other").unwrap(), TokenStore::File);
        assert_eq!(creds.load(URL).unwrap(), Some((TOKEN.to_owned(), TokenStore::File)));

        // A new token replaces the old one; a new `Credentials` reads what the last one wrote.
        creds.save(URL, "replaced").unwrap();
        let again = Credentials::file_only(dir.path());
        assert_eq!(again.load(URL).unwrap(), Some(("replaced".to_owned(), TokenStore::File)));

        again.forget(URL).unwrap();
        assert_eq!(again.load(URL).unwrap(), None);
        assert_eq!(again.load("http://127.0.0.1:8080").unwrap(), Some(("other".to_owned(), TokenStore::File)));
        again.forget(URL).unwrap(); // forgetting twice is fine

        again.forget("http://127.0.0.1:8080").unwrap();
        assert!(!dir.path().join(FILE).exists(), "an empty token file is removed");
    }

    #[cfg(unix)]
    #[test]
    fn token_file_is_user_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let creds = Credentials::file_only(&dir.path().join("not-yet-created"));
        creds.save(URL, TOKEN).unwrap();
        let file = dir.path().join("not-yet-created").join(FILE);
        assert_eq!(fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);

        // Loosened by hand: reading restricts it again; writing keeps it restricted.
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        creds.load(URL).unwrap();
        assert_eq!(fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        creds.save("http://other", "x").unwrap();
        assert_eq!(fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn token_is_in_no_other_file() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("settings.json"), r#"{"settings":{"thumb_size":160}}"#).unwrap();
        let creds = Credentials::file_only(dir.path());
        creds.save(URL, TOKEN).unwrap();
        creds.save(URL, TOKEN).unwrap();
        creds.save("http://other", "x").unwrap();

        let mut holders = Vec::new();
        for entry in walk(dir.path()) {
            if fs::read(&entry).unwrap().windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()) {
                holders.push(entry.file_name().unwrap().to_string_lossy().into_owned());
            }
        }
        assert_eq!(holders, vec![FILE.to_owned()], "no temporary file is left behind, nothing else holds it");

        creds.forget(URL).unwrap();
        assert!(walk(dir.path()).iter().all(|f| !fs::read(f).unwrap().windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes())));
    }

    #[test]
    fn damaged_file_is_a_sentence_and_saving_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(FILE), "{not json").unwrap();
        let creds = Credentials::file_only(dir.path());
        let err = creds.load(URL).unwrap_err();
        assert!(err.to_string().contains("enter the API token again"), "{err}");
        creds.save(URL, TOKEN).unwrap();
        assert_eq!(creds.load(URL).unwrap(), Some((TOKEN.to_owned(), TokenStore::File)));

        fs::write(dir.path().join(FILE), "{not json").unwrap();
        creds.forget(URL).unwrap();
        assert!(!dir.path().join(FILE).exists(), "forgetting removes a damaged file");
    }

    #[test]
    fn store_names() {
        assert_eq!(TokenStore::Keyring.as_str(), "keyring");
        assert_eq!(TokenStore::File.as_str(), "file");
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.extend(walk(&path));
            } else {
                files.push(path);
            }
        }
        files
    }
}
