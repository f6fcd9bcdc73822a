//! Opening the cache: the SQLite file (a [`Pool`] of `trove-sqlite`: WAL, the app's embedded
//! forward-only migrations, one writer and a few readers so that a page can be read while a long
//! write runs) and the thumbnail directory beside it.

use std::path::Path;
use std::sync::RwLock;

use rusqlite::{Connection, Transaction};
pub use trove_sqlite::{now_ms, Pool, SYNCHRONOUS};

use crate::error::Result;
use crate::thumbs::ThumbCache;

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_init.sql"),
    include_str!("migrations/002_sync.sql"),
    include_str!("migrations/003_recovery.sql"),
    include_str!("migrations/004_queues.sql"),
    include_str!("migrations/005_names.sql"),
    include_str!("migrations/006_facts.sql"),
    include_str!("migrations/007_numbers.sql"),
    include_str!("migrations/008_content.sql"),
    include_str!("migrations/009_deferred.sql"),
    include_str!("migrations/010_import_files.sql"),
    include_str!("migrations/011_thumb_hashes.sql"),
    include_str!("migrations/012_views.sql"),
    include_str!("migrations/013_member_order.sql"),
];

/// The local cache: a SQLite database and the thumbnail directory beside it.
pub struct Store {
    pool: Pool,
    thumbs: ThumbCache,
    actor: String,
    /// The client id sync pushes and pulls as: the actor's, until sync has to start over under
    /// a new one (`replica::start_over`).
    client: RwLock<String>,
    /// The in-memory index of counts (`facts.rs`), built on first use.
    facts: crate::facts::Index,
    /// This session's undo history (`undo.rs`).
    journal: crate::history::Journal,
}

impl Store {
    /// Opens (creating if needed) the database at `db_path` and the thumbnail cache at
    /// `thumbs_dir`, and migrates the database to the latest schema.
    pub fn open(db_path: &Path, thumbs_dir: &Path) -> Result<Store> {
        let pool = Pool::open_with_upkeep(db_path, MIGRATIONS, trove_filters::name_upkeep(&crate::filters::SCHEMA))?;
        let home = std::fs::canonicalize(db_path)?.to_string_lossy().into_owned();
        let actor = pool.write(|tx| {
            // Every write goes through this one connection (the pool's writer).
            crate::tags_text::register(tx)?;
            // Indexes a first pull that did not finish left unbuilt (see `deferred`).
            crate::deferred::restore(tx)?;
            crate::facts::Index::start(tx)?;
            crate::meta::client_id(tx, &home)
        })?;
        Ok(Store { pool, thumbs: ThumbCache::open(thumbs_dir)?, client: RwLock::new(actor.clone()), actor, facts: Default::default(), journal: Default::default() })
    }

    pub fn path(&self) -> &Path {
        self.pool.path()
    }

    /// See [`Pool::set_synchronous_for_benchmark`].
    #[doc(hidden)]
    pub fn set_synchronous_for_benchmark(&self, level: i64) -> Result<()> {
        Ok(self.pool.set_synchronous_for_benchmark(level)?)
    }

    pub fn thumbs(&self) -> &ThumbCache {
        &self.thumbs
    }

    pub(crate) fn journal(&self) -> &crate::history::Journal {
        &self.journal
    }

    /// Who this installation is: the owner of the collections it makes (the client id).
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
        self.pool.write(|tx| {
            self.facts.prune(tx)?;
            f(tx)
        })
    }

    /// Runs `f` on a read-only connection and the index of counts brought up to date with it,
    /// in one read transaction (`None`: the index cannot hold this cache; answer with SQL).
    pub(crate) fn read_facts<T>(&self, f: impl FnOnce(&Connection, Option<&crate::facts::Facts>) -> Result<T>) -> Result<T> {
        let mut held = self.facts.hold();
        self.pool.read(|conn| self.facts.with(&mut held, conn, f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        trove_sqlite::validate(MIGRATIONS).unwrap();
    }

    /// Migration 013: a cache's memberships keep their order, now in `member_order`, and the
    /// triggers keep it equal to the rows' keys through a move and a delete.
    #[test]
    fn an_old_caches_collection_order_moves_to_its_own_table_and_follows_the_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trove.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "foreign_keys", false).unwrap();
            for sql in &MIGRATIONS[..12] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 12).unwrap();
            conn.execute_batch(
                "INSERT INTO memberships (collection_id, item_id, position, added_at, added_by) \
                 VALUES (1, 5, 'b', 0, ''), (1, 3, 'a', 0, ''), (2, 5, 'a', 0, '')",
            )
            .unwrap();
        }
        drop(Store::open(&path, &dir.path().join("thumbs")).unwrap());
        // The rows above name no collection or item: written with the foreign keys off.
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "foreign_keys", false).unwrap();
        let order = || -> Vec<(i64, String, i64)> {
            let mut stmt = conn.prepare("SELECT collection_id, position, item_id FROM member_order ORDER BY 1, 2, 3").unwrap();
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().collect::<Result<_, _>>().unwrap()
        };
        assert_eq!(order(), vec![(1, "a".into(), 3), (1, "b".into(), 5), (2, "a".into(), 5)]);
        conn.execute_batch(
            "UPDATE memberships SET position = 'c' WHERE collection_id = 1 AND item_id = 3; \
             DELETE FROM memberships WHERE collection_id = 2; \
             INSERT INTO memberships (collection_id, item_id, position, added_at, added_by) VALUES (2, 7, 'x', 0, '')",
        )
        .unwrap();
        assert_eq!(order(), vec![(1, "b".into(), 5), (1, "c".into(), 3), (2, "x".into(), 7)]);
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
        // Durable commits (trove-sqlite's pool, tested there) on every connection of the cache.
        let pragmas = |c: &Connection| -> Result<(i64, String)> {
            Ok((c.pragma_query_value(None, "synchronous", |r| r.get(0))?, c.pragma_query_value(None, "journal_mode", |r| r.get(0))?))
        };
        assert_eq!(store.read(pragmas).unwrap(), (SYNCHRONOUS, "wal".to_string()));
        assert_eq!(store.write(|tx| pragmas(tx)).unwrap(), (SYNCHRONOUS, "wal".to_string()));
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
