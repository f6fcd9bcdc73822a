//! The index against its reference, the SQL compiler: random catalogs, random queries, random
//! writes between them; every total and facet count must be the SQL path's, in its order.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use trove_protocol::{Clause, Condition, Filter, ItemKind, ItemQuery, ProjectKind, Sort, SortKey, TagMode};

use crate::{projects, Store};

const TAGS: [&str; 6] = ["cat", "dog", "night", "blurry", "a b", "Cat"];
const KINDS: [ItemKind; 4] = [ItemKind::Model, ItemKind::Dataset, ItemKind::Space, ItemKind::Paper];

struct World {
    store: Store,
    projects: Vec<i64>,
    datasets: Vec<i64>,
    collections: Vec<i64>,
    next_item: i64,
    _dir: tempfile::TempDir,
}

fn world(rng: &mut ChaCha8Rng) -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db"), &dir.path().join("thumbs")).unwrap();
    let (projects, datasets) = store
        .write(|tx| {
            let p = projects::create(tx, "P", ProjectKind::Hub, "")?;
            let q = projects::create(tx, "Q", ProjectKind::Image, "")?;
            let ds = vec![projects::create_dataset(tx, p, "A")?, projects::create_dataset(tx, p, "b")?, projects::create_dataset(tx, q, "Q1")?];
            Ok((vec![p, q], ds))
        })
        .unwrap();
    let mut w = World { store, projects, datasets, collections: Vec::new(), next_item: 1, _dir: dir };
    for _ in 0..250 {
        w.add_item(rng);
    }
    for k in 0..4 {
        w.add_collection(w.projects[k % 2]);
    }
    for _ in 0..150 {
        w.toggle_member(rng);
    }
    w
}

impl World {
    fn add_item(&mut self, rng: &mut ChaCha8Rng) {
        let id = self.next_item;
        self.next_item += 1;
        let in_p = rng.random_bool(0.8);
        let (project, dataset) = if in_p { (self.projects[0], self.datasets[rng.random_range(0..2)]) } else { (self.projects[1], self.datasets[2]) };
        let kind = if in_p { KINDS[rng.random_range(0..4)].as_str() } else { "image" };
        let dims = rng.random_bool(0.8).then(|| (rng.random_range(0..500), rng.random_range(0..500)));
        let name = format!("{}_{:03}.{}", ["img", "Photo", "scan", "Élan"][rng.random_range(0..4)], rng.random_range(0..1000), ["jpg", "PNG"][rng.random_range(0..2)]);
        let tags: Vec<&str> = TAGS.iter().copied().filter(|_| rng.random_bool(0.3)).collect();
        let (size, labels, created, updated) = (rng.random_range(0..5000), rng.random_range(0..3), rng.random_range(0..1000), rng.random_range(0..1000));
        self.store
            .write(|tx| {
                tx.execute(
                    "INSERT INTO items (id, uuid, project_id, dataset_id, kind, name, mime, width, height, size, labels_count, created_at, updated_at, source)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'image/jpeg', ?7, ?8, ?9, ?10, ?11, ?12, 'test')",
                    rusqlite::params![id, format!("item-{id}"), project, dataset, kind, name, dims.map(|d| d.0), dims.map(|d| d.1), size, labels, created, updated],
                )?;
                for t in tags {
                    tx.execute("INSERT OR IGNORE INTO tags (project_id, name) VALUES (?1, ?2)", rusqlite::params![project, t])?;
                    tx.execute("INSERT INTO item_tags (item_id, tag_id) SELECT ?1, id FROM tags WHERE project_id = ?2 AND name = ?3", rusqlite::params![id, project, t])?;
                }
                Ok(())
            })
            .unwrap();
    }

    /// A new empty collection in project `p`.
    fn add_collection(&mut self, p: i64) {
        let n = self.collections.len();
        let c = self
            .store
            .write(|tx| {
                tx.execute(
                    "INSERT INTO collections (uuid, hex_id, project_id, namespace, title, title_slug, theme, owner, created_at, updated_at)
                     VALUES (?1, ?2, ?3, '', 'c', 'c', 'blue', 'me', 0, 0)",
                    rusqlite::params![format!("c{n}"), format!("{n:024x}"), p],
                )?;
                Ok(tx.last_insert_rowid())
            })
            .unwrap();
        self.collections.push(c);
    }

    fn item(&self, rng: &mut ChaCha8Rng) -> i64 {
        rng.random_range(1..self.next_item)
    }

    /// Adds an item to a collection of its project, or takes it out.
    fn toggle_member(&self, rng: &mut ChaCha8Rng) {
        let (item, c) = (self.item(rng), self.collections[rng.random_range(0..self.collections.len())]);
        self.store
            .write(|tx| {
                let gone = tx.execute("DELETE FROM memberships WHERE collection_id = ?1 AND item_id = ?2", [c, item])?;
                if gone == 0 {
                    tx.execute(
                        "INSERT INTO memberships (collection_id, item_id, position, added_at, added_by)
                         SELECT ?1, i.id, 'a', 0, 'me' FROM items i JOIN collections c ON c.id = ?1 AND c.project_id = i.project_id WHERE i.id = ?2",
                        [c, item],
                    )?;
                }
                crate::facts::members_changed(tx, c, &[item])?;
                Ok(())
            })
            .unwrap();
    }

    /// One random write of any kind the index follows.
    fn change(&mut self, rng: &mut ChaCha8Rng) {
        let item = self.item(rng);
        match rng.random_range(0..10) {
            9 => self.add_collection(self.projects[rng.random_range(0..2)]),
            8 => {
                let name = format!("renamed_{}.png", rng.random_range(0..1000));
                self.store.write(|tx| Ok(tx.execute("UPDATE items SET name = ?2 WHERE id = ?1", rusqlite::params![item, name])?)).unwrap();
            }
            0 => self.add_item(rng),
            1 | 2 => self.toggle_member(rng),
            3 => {
                let tag = TAGS[rng.random_range(0..TAGS.len())];
                self.store
                    .write(|tx| {
                        let gone = tx.execute("DELETE FROM item_tags WHERE item_id = ?1 AND tag_id IN (SELECT id FROM tags WHERE name = ?2)", rusqlite::params![item, tag])?;
                        if gone == 0 {
                            tx.execute("INSERT OR IGNORE INTO tags (project_id, name) SELECT project_id, ?2 FROM items WHERE id = ?1", rusqlite::params![item, tag])?;
                            tx.execute(
                                "INSERT INTO item_tags (item_id, tag_id) SELECT i.id, t.id FROM items i JOIN tags t ON t.project_id = i.project_id AND t.name = ?2 WHERE i.id = ?1",
                                rusqlite::params![item, tag],
                            )?;
                        }
                        Ok(())
                    })
                    .unwrap();
            }
            4 => {
                let (size, labels, width) = (rng.random_range(0..5000), rng.random_range(0..3), rng.random_bool(0.7).then(|| rng.random_range(0..500)));
                self.store
                    .write(|tx| Ok(tx.execute("UPDATE items SET size = ?2, labels_count = ?3, width = ?4, updated_at = updated_at + 1 WHERE id = ?1", rusqlite::params![item, size, labels, width])?))
                    .unwrap();
            }
            5 => {
                let ds = self.datasets[rng.random_range(0..2)];
                self.store.write(|tx| Ok(tx.execute("UPDATE items SET dataset_id = ?2 WHERE id = ?1 AND project_id = ?3", [item, ds, self.projects[0]])?)).unwrap();
            }
            6 => {
                self.store
                    .write(|tx| {
                        tx.execute("DELETE FROM item_tags WHERE item_id = ?1", [item])?;
                        let holding: Vec<i64> = tx.prepare("SELECT collection_id FROM memberships WHERE item_id = ?1")?.query_map([item], |r| r.get(0))?.collect::<Result<_, _>>()?;
                        tx.execute("DELETE FROM memberships WHERE item_id = ?1", [item])?;
                        for c in holding {
                            crate::facts::members_changed(tx, c, &[item])?;
                        }
                        tx.execute("DELETE FROM queue_entries WHERE item_id = ?1", [item])?;
                        Ok(tx.execute("DELETE FROM items WHERE id = ?1", [item])?)
                    })
                    .unwrap();
            }
            _ => {
                let c = self.collections[rng.random_range(0..self.collections.len())];
                self.store
                    .write(|tx| Ok(tx.execute("UPDATE collections SET deleted_at = CASE WHEN deleted_at IS NULL THEN 1 ELSE NULL END WHERE id = ?1", [c])?))
                    .unwrap();
            }
        }
    }

    fn query(&self, rng: &mut ChaCha8Rng) -> ItemQuery {
        let mut clauses = Vec::new();
        for _ in 0..rng.random_range(0..4) {
            let range = |rng: &mut ChaCha8Rng, top: i64| {
                let a = rng.random_bool(0.7).then(|| rng.random_range(0..top));
                let b = rng.random_bool(0.7).then(|| rng.random_range(a.unwrap_or(0)..=top));
                (a, b)
            };
            let cond = match rng.random_range(0..13) {
                0 => Condition::Datasets { ids: self.datasets.iter().copied().filter(|_| rng.random_bool(0.5)).chain([self.datasets[0]]).collect() },
                1 => Condition::Kinds { kinds: vec![KINDS[rng.random_range(0..4)], KINDS[rng.random_range(0..4)]] },
                2 | 3 => Condition::Tags {
                    tags: (0..rng.random_range(1..4)).map(|_| ["cat", " dog", "night", "blurry", "a b", "Cat", "nothing"][rng.random_range(0..7)].to_string()).collect(),
                    mode: [TagMode::Any, TagMode::All, TagMode::None][rng.random_range(0..3)],
                },
                4 => Condition::Labeled { value: rng.random_bool(0.5) },
                5 => {
                    let (min, max) = range(rng, 5000);
                    Condition::Size { min: min.map(|v| v as u64), max: max.map(|v| v as u64) }
                }
                6 => {
                    let (min, max) = range(rng, 500);
                    if rng.random_bool(0.5) {
                        Condition::Width { min: min.map(|v| v as u32), max: max.map(|v| v as u32) }
                    } else {
                        Condition::Height { min: min.map(|v| v as u32), max: max.map(|v| v as u32) }
                    }
                }
                7 => {
                    let (from, to) = range(rng, 1000);
                    if rng.random_bool(0.5) {
                        Condition::Created { from, to }
                    } else {
                        Condition::Updated { from, to }
                    }
                }
                8 => Condition::Collection { id: self.collections[rng.random_range(0..self.collections.len())] },
                9 => Condition::AnyCollection,
                10 => Condition::Ids { ids: (0..rng.random_range(1..40)).map(|_| rng.random_range(-1..self.next_item + 3)).collect() },
                _ => Condition::Name { contains: ["img", "PHOTO", "_1", "12", "png", "x", "renamed", "É", "élan", "LAN_"][rng.random_range(0..10)].to_string() },
            };
            clauses.push(Clause { negate: rng.random_bool(0.3), cond });
        }
        let collection = rng.random_bool(0.15).then(|| self.collections[rng.random_range(0..self.collections.len())]);
        ItemQuery { filter: Filter { clauses }, collection, ..Default::default() }
    }

    /// A page of the query under a random order, through the index and through SQL alone.
    fn same_pages(&self, rng: &mut ChaCha8Rng, project: i64, mut query: ItemQuery, at: (u64, usize)) {
        let keys = [SortKey::Name, SortKey::Size, SortKey::Updated, SortKey::Position, SortKey::Dataset, SortKey::Tags, SortKey::Dimensions];
        query.sort = Sort { key: keys[rng.random_range(0..keys.len())], desc: rng.random_bool(0.5) };
        let (offset, limit) = (rng.random_range(0..40), rng.random_range(1..60));
        let show = |r: crate::Result<trove_protocol::ItemPage>| match r {
            Ok(p) => serde_json::to_string(&p).unwrap(),
            Err(e) => format!("error: {e}"),
        };
        let sql = show(self.store.read(|c| crate::items::page(c, project, &query, offset, limit)));
        assert_eq!(show(self.store.page(project, &query, offset, limit)), sql, "{at:?}, page {offset}+{limit} of {query:?}");
    }

    /// The index's answer and the SQL path's, for the same query, as JSON.
    fn both(&self, project: i64, query: &ItemQuery) -> (String, String) {
        let sql = self.store.read(|c| crate::items::summary(c, project, query));
        let facts = self.store.summary(project, query);
        let show = |r: crate::Result<trove_protocol::Summary>| match r {
            Ok(s) => serde_json::to_string(&s).unwrap(),
            Err(e) => format!("error: {e}"),
        };
        (show(facts), show(sql))
    }
}

#[test]
fn the_index_counts_what_sql_counts_through_random_writes() {
    for seed in 0..4 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut w = world(&mut rng);
        for round in 0..60 {
            for _ in 0..rng.random_range(0..6) {
                w.change(&mut rng);
            }
            for _ in 0..5 {
                let q = w.query(&mut rng);
                let project = w.projects[usize::from(rng.random_bool(0.2))];
                let (facts, sql) = w.both(project, &q);
                assert_eq!(facts, sql, "seed {seed}, round {round}, project {project}, query {q:?}");
                w.same_pages(&mut rng, project, q.clone(), (seed, round));
                if !facts.starts_with("error") {
                    let count = w.store.count(project, &q).unwrap();
                    assert!(facts.starts_with(&format!("{{\"total\":{count},")), "count {count} vs {facts}");
                }
            }
        }
    }
}

#[test]
fn the_log_is_emptied_as_the_index_applies_it() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let w = world(&mut rng);
    let log = |w: &World| w.store.read(|c| Ok(c.query_row("SELECT count(*) FROM facts_log", [], |r| r.get::<_, i64>(0))?)).unwrap();
    assert!(log(&w) > 250, "every write so far is logged");
    w.store.summary(w.projects[0], &ItemQuery::default()).unwrap();
    w.store.write(|_| Ok(())).unwrap();
    assert_eq!(log(&w), 1, "the first write after the index read the log deletes it, but its last row");
    let last = |w: &World| w.store.read(|c| Ok(c.query_row("SELECT max(seq) FROM facts_log", [], |r| r.get::<_, i64>(0))?)).unwrap();
    let before = last(&w);
    w.store.write(|tx| Ok(tx.execute("UPDATE items SET size = size + 1 WHERE id = 1", [])?)).unwrap();
    assert_eq!(last(&w), before + 1, "sequence numbers keep growing");
}

#[test]
fn a_remembered_name_search_is_forgotten_when_a_name_changes() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let w = world(&mut rng);
    let p = w.projects[0];
    let q = ItemQuery { filter: Filter { clauses: vec![Clause { negate: false, cond: Condition::Name { contains: "zebra".into() } }] }, ..Default::default() };
    assert_eq!(w.store.count(p, &q).unwrap(), 0);
    let one: i64 = w.store.read(|c| Ok(c.query_row("SELECT min(id) FROM items WHERE project_id = ?1", [p], |r| r.get(0))?)).unwrap();
    w.store.write(|tx| Ok(tx.execute("UPDATE items SET name = 'zebra.jpg' WHERE id = ?1", [one])?)).unwrap();
    assert_eq!(w.store.count(p, &q).unwrap(), 1);
}

#[test]
fn a_bulk_membership_change_is_logged_as_its_collection_and_read_again() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let w = world(&mut rng);
    let (p, c) = (w.projects[0], w.collections[0]);
    let q = ItemQuery { filter: Filter { clauses: vec![Clause { negate: false, cond: Condition::Collection { id: c } }] }, ..Default::default() };
    let before = w.store.count(p, &q).unwrap();
    let all: Vec<i64> = w.store.read(|c| Ok(c.prepare("SELECT id FROM items")?.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?)).unwrap();
    let many: Vec<i64> = (1..=1500).map(|k| k + 10_000).collect();
    w.store
        .write(|tx| {
            tx.execute("DELETE FROM memberships WHERE collection_id = ?1", [c])?;
            tx.execute(
                "INSERT INTO memberships (collection_id, item_id, position, added_at, added_by) SELECT ?1, id, 'a', 0, 'me' FROM items WHERE project_id = ?2",
                [c, p],
            )?;
            // Past PAIRS_AT_MOST: logged as the collection, whatever the list names.
            crate::facts::members_changed(tx, c, &many)?;
            Ok(())
        })
        .unwrap();
    let in_p = w.store.count(p, &ItemQuery::default()).unwrap();
    assert!(in_p > before && (all.len() as u64) > in_p);
    assert_eq!(w.store.count(p, &q).unwrap(), in_p);
    let whole: i64 = w.store.read(|c| Ok(c.query_row("SELECT count(*) FROM facts_log WHERE what = 5", [], |r| r.get(0))?)).unwrap();
    assert_eq!(whole, 1);
}

/// Memberships have no trigger: every statement of the core that inserts or deletes them must
/// log them for the index (`facts::members_changed` / `collection_changed`) in its function.
#[test]
fn every_membership_write_of_the_core_logs_itself() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src];
    let mut unlogged = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.file_name().is_some_and(|n| n == "tests.rs") || path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // The core's code, not its test modules (which sit at the end of a file).
            let text = text.split("#[cfg(test)]").next().unwrap_or_default();
            // Each function (split at `fn `) that writes memberships also logs them.
            for body in text.split("\nfn ").flat_map(|f| f.split("    fn ")) {
                let writes = body.contains("INTO memberships") || body.contains("DELETE FROM memberships");
                let logs = body.contains("facts::members_changed") || body.contains("facts::collection_changed") || body.contains("collections' own deletion");
                if writes && !logs {
                    unlogged.push(format!("{}: {}", path.display(), body.lines().next().unwrap_or("")));
                }
            }
        }
    }
    assert!(unlogged.is_empty(), "these write memberships without logging them for the index of counts: {unlogged:#?}");
}
