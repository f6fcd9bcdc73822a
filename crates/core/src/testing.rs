//! A small hand-made catalog for unit tests, so expectations can be checked by hand.
//!
//! Project "P" (image) has datasets A and B:
//!
//! | id | name        | ds | w×h     | size | tags        | labels |
//! |----|-------------|----|---------|------|-------------|--------|
//! | 1  | alpha.jpg   | A  | 100×50  | 1000 | cat         | 0      |
//! | 2  | beta.png    | A  | 200×100 | 2000 | cat, dog    | 2      |
//! | 3  | gamma.jpg   | B  | 300×300 | 3000 | dog, night  | 1      |
//! | 4  | delta.jpg   | B  | 400×200 | 4000 |             | 0      |
//! | 5  | Epsilon.JPG | B  | (none)  | 5000 | blurry      | 3      |
//!
//! Project "Q" holds item 6 ("alpha.jpg"), to prove nothing leaks across projects.
//! P is a synced copy of a server project (namespace "lab"); Q is a local project.
//! `created_at = updated_at = id * 1000`.

use trove_protocol::{ItemQuery, ProjectKind, Selection};

use crate::{projects, Store};

pub struct Fixture {
    pub store: Store,
    pub p: i64,
    pub q: i64,
    pub a: i64,
    pub b: i64,
    _dir: tempfile::TempDir,
}

pub fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db"), &dir.path().join("thumbs")).unwrap();
    let (p, q, a, b) = store
        .write(|tx| {
            let p = projects::create(tx, "P", ProjectKind::Image, "")?;
            let q = projects::create(tx, "Q", ProjectKind::Image, "")?;
            let a = projects::create_dataset(tx, p, "A")?;
            let b = projects::create_dataset(tx, p, "B")?;
            let qd = projects::create_dataset(tx, q, "Q1")?;
            #[allow(clippy::type_complexity)]
            let rows: [(i64, &str, i64, Option<(u32, u32)>, i64, &[&str], u32, i64); 6] = [
                (1, "alpha.jpg", a, Some((100, 50)), 1000, &["cat"], 0, p),
                (2, "beta.png", a, Some((200, 100)), 2000, &["cat", "dog"], 2, p),
                (3, "gamma.jpg", b, Some((300, 300)), 3000, &["dog", "night"], 1, p),
                (4, "delta.jpg", b, Some((400, 200)), 4000, &[], 0, p),
                (5, "Epsilon.JPG", b, None, 5000, &["blurry"], 3, p),
                (6, "alpha.jpg", qd, Some((10, 10)), 10, &["cat"], 0, q),
            ];
            for (id, name, ds, dims, size, tags, labels, project) in rows {
                tx.execute(
                    "INSERT INTO items (id, uuid, project_id, dataset_id, kind, name, mime, width, height, size, labels_count, created_at, updated_at, source, tags_text)
                     VALUES (?1, ?2, ?3, ?4, 'image', ?5, 'image/jpeg', ?6, ?7, ?8, ?9, ?10, ?10, 'test', ?11)",
                    rusqlite::params![
                        id,
                        format!("item-{id}"),
                        project,
                        ds,
                        name,
                        dims.map(|d| d.0),
                        dims.map(|d| d.1),
                        size,
                        labels,
                        id * 1000,
                        tags.join("\u{1f}")
                    ],
                )?;
                for t in tags {
                    tx.execute("INSERT OR IGNORE INTO tags (project_id, name) VALUES (?1, ?2)", rusqlite::params![project, t])?;
                    tx.execute(
                        "INSERT INTO item_tags (item_id, tag_id) SELECT ?1, id FROM tags WHERE project_id = ?2 AND name = ?3",
                        rusqlite::params![id, project, t],
                    )?;
                }
            }
            // P is a copy of a server project (its actions reach the outbox); Q is local only.
            tx.execute("INSERT INTO sync_projects (project_id, server, namespace, role) VALUES (?1, 'http://server.test', 'lab', 'editor')", [p])?;
            Ok((p, q, a, b))
        })
        .unwrap();
    Fixture { store, p, q, a, b, _dir: dir }
}

impl Fixture {
    /// Ids the query matches in project P, in its order.
    pub fn ids(&self, query: &ItemQuery) -> Vec<i64> {
        self.store.item_ids(self.p, query, 0, 1000).unwrap()
    }

    /// A new collection in project P titled `title` (no description, public); its id.
    pub fn collection(&self, title: &str) -> i64 {
        let input = trove_protocol::NewCollection { title: title.into(), description: String::new(), private: false, theme: None };
        self.store.create_collection(self.p, &input).unwrap().id
    }

    pub fn outbox_len(&self) -> u64 {
        self.store.read(crate::outbox::len).unwrap()
    }

    /// The ids of a collection in its order.
    pub fn members(&self, collection: i64) -> Vec<i64> {
        let q = ItemQuery {
            collection: Some(collection),
            sort: trove_protocol::Sort { key: trove_protocol::SortKey::Position, desc: false },
            ..Default::default()
        };
        self.ids(&q)
    }

    /// Adds `n` items to `project` (ids from 1001 on, names `bulk-00001.jpg`, ...), numbered
    /// `10 * id` when `numbered` (as a pull from a server that numbers items leaves them);
    /// returns their ids.
    pub fn add_items(&self, project: i64, n: usize, numbered: bool) -> Vec<i64> {
        self.store
            .write(|tx| {
                let ds: i64 = tx.query_row("SELECT min(id) FROM datasets WHERE project_id = ?1", [project], |r| r.get(0))?;
                let first: i64 = tx.query_row("SELECT max(1000, max(id)) + 1 FROM items", [], |r| r.get(0))?;
                let ids: Vec<i64> = (first..first + n as i64).collect();
                let mut stmt = tx.prepare(
                    "INSERT INTO items (id, uuid, project_id, dataset_id, kind, name, mime, size, created_at, updated_at, source, no)
                     VALUES (?1, 'item-' || ?1, ?2, ?3, 'image', printf('bulk-%05d.jpg', ?1 - ?4 + 1), 'image/jpeg', 1, ?1, ?1, 'test', ?5)",
                )?;
                for id in &ids {
                    stmt.execute(rusqlite::params![id, project, ds, first, numbered.then_some(id * 10)])?;
                }
                Ok(ids)
            })
            .unwrap()
    }

    /// A full snapshot of every table a user action may change, to prove "no change".
    pub fn snapshot(&self) -> String {
        self.store
            .read(|c| {
                let mut out = String::new();
                for table in ["collections", "memberships", "member_order", "membership_clocks", "items", "item_tags", "tags", "outbox"] {
                    let mut stmt = c.prepare(&format!("SELECT * FROM {table} ORDER BY 1"))?;
                    let n = stmt.column_count();
                    let rows = stmt.query_map([], |r| {
                        let mut line = String::new();
                        for i in 0..n {
                            line.push_str(&format!("{:?}|", r.get::<_, rusqlite::types::Value>(i)?));
                        }
                        Ok(line)
                    })?;
                    for row in rows {
                        out.push_str(table);
                        out.push(':');
                        out.push_str(&row?);
                        out.push('\n');
                    }
                }
                Ok(out)
            })
            .unwrap()
    }
}

pub fn ids(v: &[i64]) -> Selection {
    Selection::Ids { ids: v.to_vec() }
}
