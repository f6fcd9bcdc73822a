//! Opening the cache: the SQLite file (WAL), its embedded forward-only migrations, and the
//! connections the rest of the crate borrows (one writer, a few readers so that a page can be
//! read while a long write runs).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags, Transaction};
use rusqlite_migration::{Migrations, M};

use crate::error::Result;
use crate::thumbs::ThumbCache;

const MIGRATIONS: &[&str] = &[include_str!("migrations/001_init.sql")];
const READERS: usize = 2;

fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect())
}

/// The local cache: a SQLite database and the thumbnail directory beside it.
pub struct Store {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    thumbs: ThumbCache,
    actor: String,
}

fn configure(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Bulk actions touch several indexes of a million rows: a 64 MiB page cache per connection
    // keeps them in memory instead of thrashing the default 2 MiB.
    conn.pragma_update(None, "cache_size", -65536)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    rusqlite::vtab::array::load_module(conn)?;
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the database at `db_path` and the thumbnail cache at
    /// `thumbs_dir`, and migrates the database to the latest schema.
    pub fn open(db_path: &Path, thumbs_dir: &Path) -> Result<Store> {
        if let Some(dir) = db_path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut writer = Connection::open(db_path)?;
        configure(&writer)?;
        migrations().to_latest(&mut writer)?;
        let readers = (0..READERS)
            .map(|_| {
                let c = Connection::open_with_flags(
                    db_path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                configure(&c)?;
                Ok(Mutex::new(c))
            })
            .collect::<Result<Vec<_>>>()?;
        let actor = crate::meta::client_id(&writer)?;
        Ok(Store {
            path: db_path.to_path_buf(),
            writer: Mutex::new(writer),
            readers,
            thumbs: ThumbCache::open(thumbs_dir)?,
            actor,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn thumbs(&self) -> &ThumbCache {
        &self.thumbs
    }

    /// Who this installation is, as recorded in `added_by` (the client id until accounts exist).
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Runs `f` on a read-only connection.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        for r in &self.readers {
            if let Ok(conn) = r.try_lock() {
                return f(&conn);
            }
        }
        let conn = lock(&self.readers[0]);
        f(&conn)
    }

    /// Runs `f` in one write transaction: it commits only if `f` returns `Ok`, so a failed
    /// action leaves neither its change nor its outbox row.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding a connection leaves no transaction open (rusqlite rolls back on
    // drop), so the connection is still sound.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
