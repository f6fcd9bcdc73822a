//! A large first pull writes its items without the secondary indexes of `items` and
//! `item_tags` and builds them once at its end: a row inserted into seven indexes with random
//! keys is B-tree work on pages that no longer fit the page cache (most of a million-item pull's
//! time), while building an index from the finished table sorts once. Only the plain
//! (non-unique) indexes are deferred: the unique ones are constraints. Their own definitions,
//! read from `sqlite_master`, are kept in `deferred_indexes` until they are built again, so
//! nothing here repeats the migrations, and a pull that stops half-way (a crash, a lost
//! connection) leaves the cache able to build them when it next opens ([`restore`], called by
//! `Store::open` and at a pull's last page).
//!
//! Meanwhile the writer keeps a larger page cache ([`PULL_CACHE_KIB`]): the unique index on the
//! items' random UUIDs is still written per row, and past the usual 64 MiB its pages were read
//! back from disk for most inserts. The index builds at the end sort with two threads and that
//! cache. Both go back to the usual once the indexes are built.

use rusqlite::Connection;

use crate::error::Result;

/// Items in one page from which deferring pays.
pub const PAGE_MIN: usize = 20_000;

/// The writer's page cache while a large first pull fills the copy, KiB (the index on a million
/// items' UUIDs is ~70 MB).
pub const PULL_CACHE_KIB: i64 = 256 * 1024;

/// The tables whose plain indexes wait: the items, and their tags (a pulled item's tag pair went
/// into the by-tag index at one of as many places as there are tags).
const TABLES: &str = "'items', 'item_tags'";

/// Drops the plain indexes of [`TABLES`], keeping their definitions, when a page of at least
/// [`PAGE_MIN`] items starts filling an empty copy and more pages follow.
pub fn defer(conn: &Connection, project: i64, items: usize, more: bool) -> Result<bool> {
    if !more || items < PAGE_MIN {
        return Ok(false);
    }
    let empty: bool = conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM items WHERE project_id = ?1)", [project], |r| r.get(0))?;
    if !empty {
        return Ok(false);
    }
    let plain: Vec<(String, String)> = {
        let mut stmt = conn.prepare(
            &format!(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({TABLES}) AND sql IS NOT NULL \
                 AND upper(sql) NOT LIKE 'CREATE UNIQUE%' ORDER BY name"
            ),
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        rows
    };
    for (name, sql) in &plain {
        conn.execute("INSERT OR IGNORE INTO deferred_indexes (name, sql) VALUES (?1, ?2)", [name, sql])?;
        conn.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
    }
    conn.pragma_update(None, "cache_size", -PULL_CACHE_KIB)?;
    Ok(!plain.is_empty())
}

/// Builds every deferred index again; how many.
pub fn restore(conn: &Connection) -> Result<usize> {
    let deferred: Vec<(String, String)> = {
        let mut stmt = conn.prepare("SELECT name, sql FROM deferred_indexes ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        rows
    };
    if deferred.is_empty() {
        return Ok(0);
    }
    conn.pragma_update(None, "cache_size", -PULL_CACHE_KIB)?;
    conn.pragma_update(None, "threads", 2)?;
    for (name, sql) in &deferred {
        let exists: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?1)", [name], |r| r.get(0))?;
        if !exists {
            conn.execute_batch(sql)?;
        }
    }
    conn.execute("DELETE FROM deferred_indexes", [])?;
    conn.pragma_update(None, "threads", 0)?;
    conn.pragma_update(None, "cache_size", -trove_sqlite::WRITER_CACHE_KIB)?;
    Ok(deferred.len())
}

#[cfg(test)]
mod tests {
    use trove_protocol::sync::{PullResponse, SyncDataset, SyncItem};
    use trove_protocol::{ItemQuery, ProjectKind};

    use crate::testing::fixture;

    fn indexes(store: &crate::Store) -> Vec<(String, String)> {
        store
            .read(|c| {
                let mut stmt = c.prepare(&format!(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({}) AND sql IS NOT NULL ORDER BY name",
                    super::TABLES
                ))?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .unwrap()
    }

    /// A page of `n` items starting at `from`, in a dataset `ds`.
    fn page(from: usize, n: usize, more: bool) -> PullResponse {
        let items = (from..from + n)
            .map(|k| SyncItem {
                uuid: format!("00000000-0000-4000-8000-{k:012}"),
                no: k as u64 + 1,
                dataset: "ds-uuid".into(),
                kind: trove_protocol::ItemKind::Image,
                name: format!("img_{:08}.jpg", (k * 7919) % 100_003),
                mime: "image/jpeg".into(),
                width: Some(640),
                height: Some(480),
                size: (k * 31 % 5000) as u64,
                labels_count: 0,
                created_at: k as i64,
                updated_at: k as i64,
                thumb: None,
                source: String::new(),
                tags: if k % 5 == 0 { vec!["cat".into()] } else { vec![] },
                content: None,
            })
            .collect();
        PullResponse {
            cookie: (from + n) as i64,
            last_mutation_id: 0,
            reset: false,
            more,
            datasets: vec![SyncDataset { uuid: "ds-uuid".into(), name: "train".into() }],
            items,
            collections: vec![],
            memberships: vec![],
            deleted_collections: vec![],
            rejected: vec![],
            queues: vec![],
            queue_entries: vec![],
            views: vec![],
        }
    }

    /// Items tagged "cat" (every fifth item of [`page`]).
    fn cats() -> ItemQuery {
        ItemQuery {
            filter: trove_protocol::Filter {
                clauses: vec![trove_protocol::Clause { negate: false, cond: trove_protocol::Condition::Tags { tags: vec!["cat".into()], mode: trove_protocol::TagMode::Any } }],
            },
            ..Default::default()
        }
    }

    /// An empty copy of a server project.
    fn synced_project(store: &crate::Store) -> i64 {
        store
            .write(|tx| {
                let p = crate::projects::create(tx, "Big", ProjectKind::Image, "")?;
                tx.execute("INSERT INTO sync_projects (project_id, server, namespace, role) VALUES (?1, 'http://server.test', 'lab', 'editor')", [p])?;
                Ok(p)
            })
            .unwrap()
    }

    #[test]
    fn a_large_first_pull_builds_the_items_indexes_once_at_its_end_or_when_the_cache_reopens() {
        let f = fixture();
        let before = indexes(&f.store);
        assert!(before.iter().any(|(n, _)| n == "items_by_name") && before.iter().any(|(n, _)| n == "item_tags_by_tag"));
        let fresh = synced_project(&f.store);
        let n = super::PAGE_MIN;
        f.store.apply_pull(fresh, &page(0, n, true)).unwrap();
        let during = indexes(&f.store);
        assert!(
            !during.iter().any(|(name, _)| name == "items_by_name" || name == "items_by_size" || name == "item_tags_by_tag"),
            "plain indexes wait: {during:?}"
        );
        assert!(during.iter().any(|(name, _)| name == "items_by_no"), "unique indexes stay: they are constraints");
        let cache = |store: &crate::Store| store.write(|tx| Ok(tx.pragma_query_value(None, "cache_size", |r| r.get::<_, i64>(0))?)).unwrap();
        assert_eq!(cache(&f.store), -super::PULL_CACHE_KIB, "the writer keeps the UUID index in memory meanwhile");
        // A page of a copy that has items already changes nothing about the indexes.
        f.store.apply_pull(fresh, &page(n, 100, true)).unwrap();
        f.store.apply_pull(fresh, &page(n + 100, 100, false)).unwrap();
        assert_eq!(indexes(&f.store), before, "the last page builds them again, exactly as they were");
        assert_eq!(cache(&f.store), -trove_sqlite::WRITER_CACHE_KIB, "and the writer's cache is back to its usual size");
        let q = |store: &crate::Store| store.summary(fresh, &ItemQuery::default()).unwrap().total;
        assert_eq!(q(&f.store), (n + 200) as u64);
        assert_eq!(f.store.summary(fresh, &cats()).unwrap().total, (n + 200).div_ceil(5) as u64, "the tag pairs are all there");

        // A pull that stops after its first page: the next open builds them.
        let dir = tempfile::tempdir().unwrap();
        let (db, thumbs) = (dir.path().join("t.db"), dir.path().join("thumbs"));
        {
            let store = crate::Store::open(&db, &thumbs).unwrap();
            let p = synced_project(&store);
            store.apply_pull(p, &page(0, n, true)).unwrap();
            assert_ne!(indexes(&store), before);
        }
        let reopened = crate::Store::open(&db, &thumbs).unwrap();
        assert_eq!(indexes(&reopened), before);
    }

    #[test]
    fn a_page_too_large_to_log_row_by_row_leaves_the_index_of_counts_true() {
        let f = fixture();
        let p = synced_project(&f.store);
        let cats = cats();
        let counts = |store: &crate::Store| {
            let indexed = (store.count(p, &ItemQuery::default()).unwrap(), store.count(p, &cats).unwrap());
            let sql = store.read(|c| Ok((crate::items::count(c, p, &ItemQuery::default())?, crate::items::count(c, p, &cats)?))).unwrap();
            assert_eq!(indexed, sql);
            indexed
        };
        assert_eq!(counts(&f.store), (0, 0), "the index is built before the pull");
        let n = crate::facts::REBUILD_AT / 2;
        let seq = |store: &crate::Store| -> i64 { store.read(|c| Ok(c.query_row("SELECT coalesce(max(seq), 0) FROM facts_log", [], |r| r.get(0))?)).unwrap() };
        let from = seq(&f.store);
        f.store.apply_pull(p, &page(0, n, true)).unwrap();
        let logged = seq(&f.store) - from;
        assert_eq!(counts(&f.store), (n as u64, (n / 5) as u64));
        assert!(logged < 10, "the page's rows were not logged one by one ({logged} log rows)");
        // A small page after it is logged row by row again: the triggers are back.
        f.store.apply_pull(p, &page(n, 10, false)).unwrap();
        assert_eq!(counts(&f.store), (n as u64 + 10, (n / 5 + 2) as u64));
    }
}
