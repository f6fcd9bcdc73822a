//! The server's storage: one SQLite database (WAL, embedded forward-only migrations run at
//! start) and a content-addressed thumbnail directory, both under `--data DIR`.
//!
//! Each module is a set of plain functions over a `crate::db::Connection` (a transaction for
//! writes), named after the domain; access checks happen here, next to the queries, so no route
//! can forget them. This schema is the server's own: the app's cache has a different one; the
//! filter compiler (`trove-filters`) is told its names in `items::SCHEMA`.

pub mod access;
pub mod accounts;
pub mod collections;
pub mod cursor;
pub mod datasets;
pub mod history;
pub mod hub;
pub mod items;
pub mod members;
pub mod projects;
pub mod queues;
pub mod sly;
pub mod sync;
pub mod tags;
pub mod versions;
pub mod views;

use std::path::Path;

use anyhow::Context;
use rand::Rng;
use trove_thumbs::ThumbCache;
use crate::db::Db;
use trove_sqlite::Pool;

pub use trove_sqlite::now_ms;

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/001_init.sql"),
    include_str!("../migrations/002_sync.sql"),
    include_str!("../migrations/003_prune.sql"),
    include_str!("../migrations/004_visibility.sql"),
    include_str!("../migrations/005_rulebook_clocks.sql"),
    include_str!("../migrations/006_hub_page.sql"),
    include_str!("../migrations/007_queues.sql"),
    include_str!("../migrations/008_names.sql"),
    include_str!("../migrations/009_numbers.sql"),
    include_str!("../migrations/010_uploads.sql"),
    include_str!("../migrations/011_views.sql"),
    include_str!("../migrations/012_history.sql"),
];

/// How many migrations this server knows (a backup of a later schema is refused).
pub fn migration_count() -> usize {
    MIGRATIONS.len()
}

/// Opens the database — PostgreSQL at `database_url`, else SQLite under `data` — and the
/// thumbnail store under `data`, creating and migrating them as needed.
pub fn open(data: &Path, database_url: Option<&str>) -> anyhow::Result<(Db, ThumbCache)> {
    std::fs::create_dir_all(data).with_context(|| format!("could not create the data directory {}", data.display()))?;
    let db = match database_url {
        Some(url) => Db::Postgres(crate::db::pg::Pool::open(url, Some(versions::COMMIT_UPKEEP.to_string()))?),
        None => Db::Sqlite(
            Pool::open_with_upkeep(&data.join("trove-server.db"), MIGRATIONS, trove_filters::name_upkeep(&items::SCHEMA))
                .with_context(|| format!("could not open the database in {}", data.display()))?,
        ),
    };
    let thumbs = ThumbCache::open(&data.join("thumbs")).context("could not open the thumbnail store")?;
    let respread = db.write(members::respread_long_keys).context("could not re-spread overlong position keys")?;
    if respread > 0 {
        tracing::warn!(collections = respread, "gave {respread} collections fresh position keys: they held keys too long to insert next to");
    }
    Ok((db, thumbs))
}

/// A new 24-lowercase-hex id (the Hub's `_id` form).
pub fn new_hex_id() -> String {
    let bytes: [u8; 12] = rand::rng().random();
    hex::encode(bytes)
}

pub fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrates_an_empty_database_to_the_latest_version() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = super::open(dir.path(), None).unwrap();
        let sqlite = db.sqlite().unwrap();
        let version: i64 = sqlite.read(|c| c.pragma_query_value(None, "user_version", |r| r.get(0))).unwrap();
        assert_eq!(version, super::MIGRATIONS.len() as i64);
        let mode: String = sqlite.read(|c| c.pragma_query_value(None, "journal_mode", |r| r.get(0))).unwrap();
        assert_eq!(mode, "wal");
        drop(db);
        // Opening again is a no-op.
        super::open(dir.path(), None).unwrap();
    }

    #[test]
    fn history_from_before_pruning_existed_is_kept_a_full_window() {
        use super::{accounts, projects, sync};
        let dir = tempfile::tempdir().unwrap();
        {
            // A server from before migration 003, with a tombstone.
            let db = trove_sqlite::Pool::open(&dir.path().join("trove-server.db"), &super::MIGRATIONS[..2]).unwrap();
            db.write(|tx| {
                let tx = &crate::db::Connection::sqlite(tx);
                accounts::ensure_admin(tx)?;
                let ns = accounts::namespace_id(tx, accounts::ADMIN)?.unwrap();
                let project = projects::insert(tx, ns, "Photos", trove_protocol::ProjectKind::Image, "", false)?;
                tx.execute("INSERT INTO tombstones (project_id, kind, uuid, version) VALUES (?1, 'collection', 'c', 1)", [project])?;
                Ok::<_, crate::error::Error>(())
            })
            .unwrap();
        }
        // Upgraded, it does not forget that history at once (which would reset every client).
        let (db, _) = super::open(dir.path(), None).unwrap();
        assert_eq!(db.write(|tx| sync::prune(tx, 1)).unwrap().tombstones, 0);
        assert_eq!(db.write(|tx| sync::prune(tx, 0)).unwrap().tombstones, 1);
    }

    #[test]
    fn overlong_keys_from_before_the_bound_are_re_spread_once_at_start() {
        use super::{access::Caller, accounts, datasets, projects};
        let dir = tempfile::tempdir().unwrap();
        {
            // A server from before migration 004, holding a key far past today's bound.
            let db = trove_sqlite::Pool::open(&dir.path().join("trove-server.db"), &super::MIGRATIONS[..3]).unwrap();
            db.write(|tx| {
                let tx = &crate::db::Connection::sqlite(tx);
                accounts::ensure_admin(tx)?;
                let admin = Caller { user_id: tx.query_row("SELECT id FROM users WHERE name = 'admin'", [], |r| r.get(0))?, name: "admin".into(), is_admin: true };
                let ns = accounts::namespace_id(tx, accounts::ADMIN)?.unwrap();
                let project = projects::insert(tx, ns, "Photos", trove_protocol::ProjectKind::Image, "", false)?;
                let dataset = datasets::ensure(tx, project, "d")?;
                // That server's own insert of a collection (today's `collections::create` also
                // writes its history, a table it lacked).
                let c: i64 = tx.query_row(
                    "INSERT INTO collections (uuid, hex_id, project_id, namespace_id, title, title_slug, description, private, theme, owner_id, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, 'C', 'c', '', 0, 'orange', ?5, 0, 0) RETURNING id",
                    crate::db::params![super::new_uuid(), super::new_hex_id(), project, ns, admin.user_id],
                    |r| r.get(0),
                )?;
                for (k, key) in ["a0".to_string(), format!("a0{}", "z".repeat(200_000)), "a1".to_string()].iter().enumerate() {
                    // That server's own insert (today's `items::insert` writes columns it lacked).
                    let item: i64 = tx.query_row(
                        "INSERT INTO items (uuid, hex_id, project_id, dataset_id, kind, name, mime, size, created_at, updated_at, source, identity) \
                         VALUES (?1, ?2, ?3, ?4, 'image', ?5, 'image/jpeg', 1, 0, 0, '', ?6) RETURNING id",
                        crate::db::params![super::new_uuid(), super::new_hex_id(), project, dataset, format!("{k}.jpg"), format!("test:{k}")],
                        |r| r.get(0),
                    )?;
                    super::members::insert(tx, &admin, c, &[super::members::NewMember { item, position: key, note: "" }])?;
                }
                Ok::<_, crate::error::Error>(())
            })
            .unwrap();
        }
        let keys = |db: &crate::db::Db| -> Vec<String> {
            db.read(|c| c.prepare("SELECT position FROM memberships ORDER BY position, item_id")?.query_map([], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()).unwrap()
        };
        let (db, _) = super::open(dir.path(), None).unwrap();
        let after = keys(&db);
        assert!(after.iter().all(|k| k.len() < 10), "{:?}", after.iter().map(String::len).collect::<Vec<_>>());
        let order: Vec<i64> = db.read(|c| c.prepare("SELECT item_id FROM memberships ORDER BY position")?.query_map([], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()).unwrap();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "the order is kept: {order:?}");
        // The mark is spent: the next start reads nothing.
        let pending: i64 = db.read(|c| c.query_row("SELECT count(*) FROM counters WHERE name = 'respread_pending'", [], |r| r.get(0))).unwrap();
        assert_eq!(pending, 0);
    }
}
