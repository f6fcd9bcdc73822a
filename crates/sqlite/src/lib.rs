//! `trove-sqlite`: one SQLite database file the way Trove keeps every database — the app's cache
//! (`trove-core`) and the server's own (`trove-server`).
//!
//! A [`Pool`] is the file in WAL mode with `synchronous=FULL` ([`SYNCHRONOUS`]), one writer and a
//! few read-only connections, migrated on open to the latest of the embedded, forward-only
//! migrations its caller hands in. [`list`] binds a list of values for `rarray(?)`, so a
//! statement over any number of ids is one statement with one parameter; [`now_ms`] is how
//! every timestamp is stored.
//!
//! This crate knows no schema: which tables exist is the caller's migrations' business.

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use rusqlite::types::Value;
use rusqlite::vtab::array::Array;
use rusqlite::{Connection, OpenFlags, Transaction};
use rusqlite_migration::{Migrations, M};

/// Read connections: pages, counts and the index of counts' build run side by side (at a
/// million items the build holds one for a second while the app opens).
const READERS: usize = 3;

/// Each reader's page cache, in KiB (the writer's is 64 MiB: see `configure`).
const READER_CACHE_KIB: i64 = 16 * 1024;

/// Why a database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the database failed: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("the database could not be migrated: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("the database's directory could not be made: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One SQLite database file in WAL mode: a writer and a few read-only connections, every one
/// configured the same way, migrated to the latest of the given migrations on open.
pub struct Pool {
    path: PathBuf,
    // Fields drop in order: the readers close first, so the writer is the last connection and
    // its close checkpoints the WAL into the file (a read-only connection cannot). A closed
    // database is then one self-contained file, whole when copied as a backup.
    readers: Vec<Mutex<Connection>>,
    writer: Mutex<Connection>,
    /// The writer's `total_changes()` when the planner's statistics were last refreshed.
    stats_at: AtomicU64,
    /// SQL every write transaction runs last, before it commits (see [`Pool::open_with_upkeep`]).
    upkeep: Option<String>,
    /// The checkpoint a bulk write's commit left to another thread (see [`Pool::write`]).
    checkpoint: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Before the connections close: the writer stays the last one (see the fields).
        self.settle();
    }
}

/// Rows written (inserted, updated, deleted, triggers included) after which the next commit
/// refreshes the query planner's statistics ([`Pool::refresh_statistics`]).
pub const STATISTICS_AFTER: u64 = 20_000;

/// How hard a commit waits for the disk: `FULL` (2). In WAL mode `NORMAL` syncs only at
/// checkpoints, so a power cut can undo commits that already returned — the edit the app said
/// was saved, the push trove-server acknowledged (and the pushing client then dropped from its
/// outbox: DESIGN §6, "nothing lost"). `FULL` syncs the WAL at every commit. Both the app and the
/// server open their databases here, so both get it; BENCHMARKS.md has what it costs a bulk action.
pub const SYNCHRONOUS: i64 = 2;

/// The page cache of the writer, KiB: bulk actions touch several indexes of a million rows, and
/// 64 MiB keeps them in memory instead of thrashing the default 2 MiB. (Readers keep less:
/// `READER_CACHE_KIB`; a large first pull raises the writer's for its duration: see trove-core's
/// `deferred`.)
pub const WRITER_CACHE_KIB: i64 = 64 * 1024;

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", SYNCHRONOUS)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    rusqlite::vtab::array::load_module(conn)?;
    Ok(())
}

fn migrations(sqls: &[&'static str]) -> Migrations<'static> {
    Migrations::new(sqls.iter().map(|sql| M::up(sql)).collect())
}

/// Checks that `migrations` apply in order to an empty database (for a test of each schema).
pub fn validate(sqls: &[&'static str]) -> Result<()> {
    Ok(migrations(sqls).validate()?)
}

impl Pool {
    /// Opens (creating if needed) the database at `path` and applies the embedded `migrations`
    /// (numbered SQL files, forward only) that it has not seen yet.
    pub fn open(path: &Path, migrations: &[&'static str]) -> Result<Pool> {
        Self::open_with_upkeep(path, migrations, None)
    }

    /// [`Pool::open`], and every write transaction runs `upkeep` last, before it commits: what
    /// keeps a derived structure (the name index, `trove_filters::name_upkeep`) current in the
    /// same transaction as the change it follows, whichever code made the change.
    pub fn open_with_upkeep(path: &Path, migrations: &[&'static str], upkeep: Option<String>) -> Result<Pool> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        self::migrations(migrations).to_latest(&mut writer)?;
        optimize(&writer)?;
        let readers = (0..READERS).map(|_| Ok(Mutex::new(reader(path)?))).collect::<Result<Vec<_>>>()?;
        let stats_at = AtomicU64::new(writer.total_changes());
        Ok(Pool { path: path.to_path_buf(), writer: Mutex::new(writer), readers, stats_at, upkeep, checkpoint: Mutex::new(None) })
    }

    /// Brings the query planner's statistics up to date with the data: `PRAGMA optimize` on
    /// every table (SQLite analyzes, within a bounded number of rows per index, only those never
    /// analyzed or grown or shrunk a lot since), then the readers load them. Without statistics
    /// the planner guesses that `project_id = ?` is selective and reads a whole million-item
    /// project to test a clause such as "in collection C" item by item, instead of starting
    /// from the collection's few members. Runs on open and after every [`STATISTICS_AFTER`]
    /// rows written.
    pub fn refresh_statistics(&self) -> Result<()> {
        let writer = lock(&self.writer);
        // Counted from here even if this fails, so a failing refresh is tried again only after
        // another STATISTICS_AFTER rows, not on every write.
        self.stats_at.store(writer.total_changes(), Ordering::Relaxed);
        if stale_tables(&writer)? == 0 {
            // Rows rewritten in place (e.g. previews filled in): the statistics still hold, and
            // the readers keep their warm page caches.
            return Ok(());
        }
        optimize(&writer)?;
        drop(writer);
        // A connection reads the statistics tables when it loads the schema; ANALYZE on the
        // writer does not make the others load them again, so the readers are opened anew.
        for r in &self.readers {
            let fresh = reader(&self.path)?;
            *lock(r) = fresh;
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sets the writer's `synchronous` level (0 OFF, 1 NORMAL, 2 FULL) instead of
    /// [`SYNCHRONOUS`]: only for the benchmark, which measures what durability costs beside the
    /// faster level in the same run. Never use it for data anyone keeps.
    #[doc(hidden)]
    pub fn set_synchronous_for_benchmark(&self, level: i64) -> rusqlite::Result<()> {
        lock(&self.writer).pragma_update(None, "synchronous", level)
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
        let before = conn.total_changes();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        if let Some(upkeep) = &self.upkeep {
            tx.execute_batch(upkeep)?;
        }
        let bulk = tx.total_changes().saturating_sub(before) >= RELEASE_AFTER;
        if bulk {
            // The commit returns once its pages are in the WAL and synced (durable); copying
            // them into the database file (SQLite checkpoints from the commit past 1,000 pages)
            // is left to another thread, a tenth of a second of a million-row action.
            let automatic: i64 = tx.pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))?;
            tx.pragma_update(None, "wal_autocheckpoint", 0)?;
            let committed = tx.commit();
            // Whatever the commit did: an error here must not report a commit that stands as
            // failed (a setting that cannot fail on an open connection; at worst the WAL waits
            // for the background checkpoints).
            let _ = conn.pragma_update(None, "wal_autocheckpoint", automatic);
            committed?;
        } else {
            tx.commit()?;
        }
        let written = conn.total_changes().saturating_sub(self.stats_at.load(Ordering::Relaxed));
        drop(conn);
        if bulk {
            // Once the writer is free: this may wait for an earlier bulk write's checkpoint.
            self.checkpoint_in_background();
        }
        // Best effort, both: the commit stands whatever they do.
        if written >= STATISTICS_AFTER {
            let _ = self.refresh_statistics();
        }
        if bulk {
            // After the statistics, whose analysis reads pages too.
            let _ = release_memory(&lock(&self.writer));
        }
        Ok(out)
    }
}

impl Pool {
    /// Copies the WAL into the database file on a thread of its own, with a connection of its
    /// own: a passive checkpoint, which waits for no reader or writer (what it cannot copy yet,
    /// the next one does).
    fn checkpoint_in_background(&self) {
        let path = self.path.clone();
        let mut slot = lock(&self.checkpoint);
        if let Some(earlier) = slot.take() {
            let _ = earlier.join();
        }
        *slot = Some(std::thread::spawn(move || {
            let run = || -> rusqlite::Result<()> {
                let conn = Connection::open(&path)?;
                conn.busy_timeout(std::time::Duration::from_secs(10))?;
                conn.pragma_update(None, "synchronous", SYNCHRONOUS)?;
                conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            };
            // Best effort: what it leaves, the next commit's checkpoint (or the writer's close) copies.
            let _ = run();
        }));
    }

    /// Waits for the checkpoint a bulk write left running, if any.
    pub fn settle(&self) {
        if let Some(running) = lock(&self.checkpoint).take() {
            let _ = running.join();
        }
    }
}

/// Rows one write changes from which its connection's page cache is given back afterwards.
pub const RELEASE_AFTER: u64 = 100_000;

/// Gives back the page cache a bulk write filled (a million-row add fills the writer's 64 MiB,
/// which the next small edit does not need): SQLite frees the pages, and glibc returns the
/// freed memory to the system, which it otherwise keeps in its arenas. Pages read again come
/// from the operating system's file cache. A cache raised on purpose (a large first pull's,
/// see trove-core's `deferred`) is kept: the pull's next page needs it.
fn release_memory(conn: &Connection) -> rusqlite::Result<()> {
    let size: i64 = conn.pragma_query_value(None, "cache_size", |r| r.get(0))?;
    if size != -WRITER_CACHE_KIB {
        return Ok(());
    }
    conn.execute_batch("PRAGMA shrink_memory")?;
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory of glibc's arenas to the system; it is
    // thread-safe and touches no allocation in use.
    unsafe {
        libc::malloc_trim(0);
    }
    Ok(())
}

fn reader(path: &Path) -> Result<Connection> {
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    configure(&c)?;
    // A reader answers pages and lookups, whose working set is small; a scan of a whole table
    // (building the index of counts) reads each page once. 16 MiB each instead of the writer's
    // 64 keeps a million-item cache's resident memory down (the app's budget is 300 MB).
    c.pragma_update(None, "cache_size", -READER_CACHE_KIB)?;
    Ok(c)
}

/// `PRAGMA optimize` over every table (0x10000), with its default bounded analysis (0x02 |
/// 0x10): fast even on a table of millions of rows.
fn optimize(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch("PRAGMA optimize=0x10012")
}

/// How many tables [`optimize`] would analyze now (its 0x01 flag lists them, doing nothing).
fn stale_tables(conn: &Connection) -> rusqlite::Result<usize> {
    let mut stmt = conn.prepare("PRAGMA optimize=0x10013")?;
    let n = stmt.query_map([], |_| Ok(()))?.count();
    Ok(n)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a connection leaves no transaction open (rusqlite rolls back on
    // drop), so the connection is still sound.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A list of values bound as one parameter, read in SQL through `rarray(?)`.
pub fn list<T: Into<Value> + Clone>(values: &[T]) -> Array {
    Rc::new(values.iter().cloned().map(Into::into).collect())
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

    const SCHEMA: &[&str] = &["CREATE TABLE t (x INTEGER);", "ALTER TABLE t ADD COLUMN y TEXT;"];

    #[test]
    fn every_connection_commits_durably() {
        // A commit that returned survives a power cut only with synchronous=FULL in WAL mode
        // (NORMAL syncs at checkpoints only): the writer and every reader.
        let dir = tempfile::tempdir().unwrap();
        let pool = Pool::open(&dir.path().join("sub").join("t.db"), SCHEMA).unwrap();
        let conns = std::iter::once(&pool.writer).chain(&pool.readers);
        for (n, conn) in conns.enumerate() {
            let conn = lock(conn);
            let level: i64 = conn.pragma_query_value(None, "synchronous", |r| r.get(0)).unwrap();
            let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
            assert_eq!((level, mode.as_str()), (2, "wal"), "connection {n}");
        }
        assert_eq!(pool.readers.len(), READERS);
    }

    /// Bytes of page cache the writer holds now.
    fn writer_cache_bytes(pool: &Pool) -> i64 {
        let conn = lock(&pool.writer);
        let (mut now, mut high) = (0, 0);
        // SAFETY: the handle is the writer's, alive and held by the lock for the call.
        let rc = unsafe { rusqlite::ffi::sqlite3_db_status(conn.handle(), rusqlite::ffi::SQLITE_DBSTATUS_CACHE_USED, &mut now, &mut high, 0) };
        assert_eq!(rc, 0);
        now as i64
    }

    /// A bulk write's commit leaves the copy of its pages into the database file to another
    /// thread, and the writer checkpoints as before afterwards.
    #[test]
    fn a_bulk_writes_checkpoint_runs_off_its_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let pool = Pool::open(&path, &["CREATE TABLE t (x INTEGER);"]).unwrap();
        let file = || std::fs::metadata(&path).unwrap().len();
        let before = file();
        let n = RELEASE_AFTER as i64;
        pool.write(|tx| {
            tx.execute("WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < ?1) INSERT INTO t SELECT v FROM s", [n])
        })
        .unwrap();
        let automatic: i64 = pool.write(|tx| tx.pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))).unwrap();
        assert_eq!(automatic, 1000, "the writer's own checkpoints are back on");
        pool.settle();
        assert!(file() > before + 500_000, "the rows are in the database file: {before} -> {}", file());
        assert_eq!(pool.read(|c| c.query_row("SELECT count(*), sum(x) FROM t", [], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))).unwrap(), (n, n * (n + 1) / 2));
    }

    #[test]
    fn a_bulk_write_gives_its_page_cache_back_unless_the_cache_was_raised_on_purpose() {
        let dir = tempfile::tempdir().unwrap();
        let pool = Pool::open(&dir.path().join("t.db"), SCHEMA).unwrap();
        let bulk = |pool: &Pool| {
            pool.write(|tx| {
                tx.execute(
                    "WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < ?1) \
                     INSERT INTO t (x, y) SELECT v, printf('%0100d', v) FROM s",
                    [RELEASE_AFTER as i64],
                )
            })
            .unwrap()
        };
        pool.write(|tx| tx.execute_batch("CREATE INDEX t_by_y ON t (y)")).unwrap();
        bulk(&pool);
        assert!(writer_cache_bytes(&pool) < 1 << 20, "a 100,000-row write's pages stay cached: {} bytes", writer_cache_bytes(&pool));
        // A small write keeps what it read.
        pool.write(|tx| tx.query_row("SELECT count(*) FROM t WHERE y > ''", [], |r| r.get::<_, i64>(0))).unwrap();
        assert!(writer_cache_bytes(&pool) > 4 << 20);
        // A cache raised on purpose (a first pull's) is kept.
        pool.write(|tx| tx.pragma_update(None, "cache_size", -2 * WRITER_CACHE_KIB)).unwrap();
        bulk(&pool);
        assert!(writer_cache_bytes(&pool) > 4 << 20);
    }

    #[test]
    fn migrates_once_and_commits_only_what_succeeds() {
        validate(SCHEMA).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let pool = Pool::open(&path, &SCHEMA[..1]).unwrap();
        pool.write(|tx| tx.execute("INSERT INTO t (x) VALUES (1)", [])).unwrap();
        let failed: rusqlite::Result<()> = pool.write(|tx| {
            tx.execute("INSERT INTO t (x) VALUES (2)", [])?;
            Err(rusqlite::Error::InvalidQuery)
        });
        assert!(failed.is_err());
        drop(pool);
        // Reopened with one more migration: only that one runs, the row is kept.
        let pool = Pool::open(&path, SCHEMA).unwrap();
        let version: i64 = pool.read(|c| c.pragma_query_value(None, "user_version", |r| r.get(0))).unwrap();
        assert_eq!(version, 2);
        let xs: Vec<i64> = pool.read(|c| c.prepare("SELECT x FROM t")?.query_map([], |r| r.get(0))?.collect()).unwrap();
        assert_eq!(xs, [1], "the failed write left nothing");
    }

    #[test]
    fn the_planner_learns_from_a_large_write_which_index_narrows_a_query() {
        const S: &[&str] = &["CREATE TABLE items (id INTEGER PRIMARY KEY, project INTEGER NOT NULL);
            CREATE INDEX items_by_project ON items (project);
            CREATE TABLE members (box INTEGER NOT NULL, item INTEGER NOT NULL, PRIMARY KEY (box, item)) WITHOUT ROWID;"];
        let dir = tempfile::tempdir().unwrap();
        let pool = Pool::open(&dir.path().join("t.db"), S).unwrap();
        let plan = || -> String {
            pool.read(|c| {
                let sql = "EXPLAIN QUERY PLAN SELECT count(*) FROM items i WHERE i.project = 1 AND i.id IN (SELECT item FROM members WHERE box = 7)";
                let steps: Vec<String> = c.prepare(sql)?.query_map([], |r| r.get(3))?.collect::<rusqlite::Result<_>>()?;
                Ok::<_, rusqlite::Error>(steps.join("; "))
            })
            .unwrap()
        };
        let guess = plan();
        assert!(guess.contains("items_by_project"), "without statistics the planner trusts project = ?: {guess}");
        // One project of 30,000 items, a box of 10: one write past STATISTICS_AFTER.
        pool.write(|tx| {
            tx.execute_batch(
                "WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 30000) INSERT INTO items SELECT k, 1 FROM n;
                 INSERT INTO members SELECT 7, id FROM items WHERE id <= 10;",
            )
        })
        .unwrap();
        let learned = plan();
        assert!(learned.contains("USING INTEGER PRIMARY KEY") && !learned.contains("items_by_project"), "{learned}");
        assert_eq!(pool.write(|tx| stale_tables(tx)).unwrap(), 0, "nothing left to analyze");
        // 30,000 rows rewritten in place change no table's size: nothing to analyze again.
        pool.write(|tx| tx.execute("UPDATE items SET project = 1", [])).unwrap();
        assert_eq!(pool.write(|tx| stale_tables(tx)).unwrap(), 0);
        // And a database opened again knows it at once.
        drop(pool);
        let pool = Pool::open(&dir.path().join("t.db"), S).unwrap();
        let n: i64 = pool.read(|c| c.query_row("SELECT count(*) FROM sqlite_stat1", [], |r| r.get(0))).unwrap();
        assert!(n > 0);
    }

    #[test]
    fn a_list_is_one_parameter_of_any_length() {
        let dir = tempfile::tempdir().unwrap();
        let pool = Pool::open(&dir.path().join("t.db"), SCHEMA).unwrap();
        let ids: Vec<i64> = (0..10_000).collect();
        let n: i64 = pool.read(|c| c.query_row("SELECT count(*) FROM rarray(?1) WHERE value % 2 = 0", [list(&ids)], |r| r.get(0))).unwrap();
        assert_eq!(n, 5_000);
        assert!(now_ms() > 1_600_000_000_000);
    }
}
