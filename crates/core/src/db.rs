//! Opening the cache: the SQLite file (WAL), its embedded forward-only migrations, and the
//! connections the rest of the crate borrows (one writer, a few readers so that a page can be
//! read while a long write runs).
//!
//! [`Pool`] is the schema-free part (open, configure, migrate, read, write) and is also what
//! `trove-server` opens its own database with; [`Store`] is the app's cache on top of it.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, RwLock};

use rusqlite::{Connection, OpenFlags, Transaction};
use rusqlite_migration::{Migrations, M};

use crate::error::Result;
use crate::thumbs::ThumbCache;

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_init.sql"),
    include_str!("migrations/002_sync.sql"),
    include_str!("migrations/003_recovery.sql"),
];
const READERS: usize = 2;

#[cfg(test)]
fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect())
}

/// One SQLite database file in WAL mode: a writer and a few read-only connections, every one
/// configured the same way, migrated to the latest of the given migrations on open.
pub struct Pool {
    path: PathBuf,
    // Fields drop in order: the readers close first, so the writer is the last connection and
    // its close checkpoints the WAL into the file (a read-only connection cannot). A closed
    // database is then one self-contained file, whole when copied as a backup.
    readers: Vec<Mutex<Connection>>,
    writer: Mutex<Connection>,
}

/// The local cache: a SQLite database and the thumbnail directory beside it.
pub struct Store {
    pool: Pool,
    thumbs: ThumbCache,
    actor: String,
    /// The client id sync pushes and pulls as: the actor's, until sync has to start over under
    /// a new one (`replica::start_over`).
    client: RwLock<String>,
}

/// How hard a commit waits for the disk: `FULL` (2). In WAL mode `NORMAL` syncs only at
/// checkpoints, so a power cut can undo commits that already returned — the edit the app said
/// was saved, the push trove-server acknowledged (and the pushing client then dropped from its
/// outbox: DESIGN §6, "nothing lost"). `FULL` syncs the WAL at every commit. Both the app and the
/// server open their databases here, so both get it; BENCHMARKS.md has what it costs a bulk action.
pub const SYNCHRONOUS: i64 = 2;

fn configure(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", SYNCHRONOUS)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Bulk actions touch several indexes of a million rows: a 64 MiB page cache per connection
    // keeps them in memory instead of thrashing the default 2 MiB.
    conn.pragma_update(None, "cache_size", -65536)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    rusqlite::vtab::array::load_module(conn)?;
    Ok(())
}

impl Pool {
    /// Opens (creating if needed) the database at `path` and applies the embedded `migrations`
    /// (numbered SQL files, forward only) that it has not seen yet.
    pub fn open(path: &Path, migrations: &[&'static str]) -> Result<Pool> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        Migrations::new(migrations.iter().map(|sql| M::up(sql)).collect()).to_latest(&mut writer)?;
        let readers = (0..READERS)
            .map(|_| {
                let c = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                configure(&c)?;
                Ok(Mutex::new(c))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Pool { path: path.to_path_buf(), writer: Mutex::new(writer), readers })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sets the writer's `synchronous` level (0 OFF, 1 NORMAL, 2 FULL) instead of
    /// [`SYNCHRONOUS`]: only for the benchmark, which measures what durability costs beside the
    /// faster level in the same run. Never use it for data anyone keeps.
    #[doc(hidden)]
    pub fn set_synchronous_for_benchmark(&self, level: i64) -> Result<()> {
        lock(&self.writer).pragma_update(None, "synchronous", level)?;
        Ok(())
    }

    /// Runs `f` on a read-only connection.
    pub fn read<T, E: From<rusqlite::Error>>(&self, f: impl FnOnce(&Connection) -> Result<T, E>) -> Result<T, E> {
        for r in &self.readers {
            if let Ok(conn) = r.try_lock() {
                return f(&conn);
            }
        }
        let conn = lock(&self.readers[0]);
        f(&conn)
    }

    /// Runs `f` in one `IMMEDIATE` write transaction: it commits only if `f` returns `Ok`.
    pub fn write<T, E: From<rusqlite::Error>>(&self, f: impl FnOnce(&Transaction) -> Result<T, E>) -> Result<T, E> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

impl Store {
    /// Opens (creating if needed) the database at `db_path` and the thumbnail cache at
    /// `thumbs_dir`, and migrates the database to the latest schema.
    pub fn open(db_path: &Path, thumbs_dir: &Path) -> Result<Store> {
        let pool = Pool::open(db_path, MIGRATIONS)?;
        let home = std::fs::canonicalize(db_path)?.to_string_lossy().into_owned();
        let actor = pool.write(|tx| crate::meta::client_id(tx, &home))?;
        Ok(Store { pool, thumbs: ThumbCache::open(thumbs_dir)?, client: RwLock::new(actor.clone()), actor })
    }

    pub fn path(&self) -> &Path {
        self.pool.path()
    }

    /// See [`Pool::set_synchronous_for_benchmark`].
    #[doc(hidden)]
    pub fn set_synchronous_for_benchmark(&self, level: i64) -> Result<()> {
        self.pool.set_synchronous_for_benchmark(level)
    }

    pub fn thumbs(&self) -> &ThumbCache {
        &self.thumbs
    }

    /// Who this installation is, as recorded in `added_by` (the client id until accounts exist).
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// This database's client id (what it pushes and pulls as).
    pub fn client_id(&self) -> String {
        self.client.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn set_client_id(&self, id: String) {
        *self.client.write().unwrap_or_else(|p| p.into_inner()) = id;
    }

    /// Runs `f` on a read-only connection.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        self.pool.read(f)
    }

    /// Runs `f` in one write transaction: it commits only if `f` returns `Ok`, so a failed
    /// action leaves neither its change nor its outbox row.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        self.pool.write(f)
    }
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding a connection leaves no transaction open (rusqlite rolls back on
    // drop), so the connection is still sound.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Milliseconds since the Unix epoch: how every timestamp is stored.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_connection_commits_durably() {
        // A commit that returned survives a power cut only with synchronous=FULL in WAL mode
        // (NORMAL syncs at checkpoints only): the writer and every reader, of the app's store and
        // of a bare pool such as trove-server's.
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("trove.db"), &dir.path().join("thumbs")).unwrap();
        let bare = Pool::open(&dir.path().join("server.db"), &["CREATE TABLE t (x);"]).unwrap();
        for pool in [&store.pool, &bare] {
            let conns = std::iter::once(&pool.writer).chain(&pool.readers);
            for (n, conn) in conns.enumerate() {
                let conn = lock(conn);
                let level: i64 = conn.pragma_query_value(None, "synchronous", |r| r.get(0)).unwrap();
                let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
                assert_eq!((level, mode.as_str()), (2, "wal"), "connection {n} of {}", pool.path().display());
            }
            assert_eq!(pool.readers.len(), READERS);
        }
    }

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }

    #[test]
    fn migrates_an_empty_database_to_the_latest_version() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("trove.db"), &dir.path().join("thumbs")).unwrap();
        let version: i64 = store.read(|c| Ok(c.pragma_query_value(None, "user_version", |r| r.get(0))?)).unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        let tables: Vec<String> = store
            .read(|c| {
                let mut s = c.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
                let rows = s.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
                Ok(rows)
            })
            .unwrap();
        for t in ["collections", "datasets", "item_tags", "items", "memberships", "outbox", "projects", "tags"] {
            assert!(tables.iter().any(|x| x == t), "missing table {t}");
        }
        let mode: String = store.read(|c| Ok(c.pragma_query_value(None, "journal_mode", |r| r.get(0))?)).unwrap();
        assert_eq!(mode, "wal");
        // Reopening is a no-op and keeps the client id.
        let actor = store.actor().to_string();
        drop(store);
        let again = Store::open(&dir.path().join("trove.db"), &dir.path().join("thumbs")).unwrap();
        assert_eq!(again.actor(), actor);
        // A copy of the database is another client.
        drop(again);
        std::fs::copy(dir.path().join("trove.db"), dir.path().join("copy.db")).unwrap();
        let copy = Store::open(&dir.path().join("copy.db"), &dir.path().join("thumbs")).unwrap();
        assert_ne!(copy.actor(), actor);
        let copy_id = copy.actor().to_string();
        drop(copy);
        assert_eq!(Store::open(&dir.path().join("copy.db"), &dir.path().join("thumbs")).unwrap().actor(), copy_id);
        assert_eq!(Store::open(&dir.path().join("trove.db"), &dir.path().join("thumbs")).unwrap().actor(), actor);
    }
}
