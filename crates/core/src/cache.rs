//! The app's cache as the rulebook sees it ([`trove_rulebook::ReplicaStore`]): the primitives
//! that write the cache's schema for one project. What a mutation does is decided by
//! `trove_rulebook`, the same code trove-server applies pushed mutations with; the app's own
//! actions (`members`, `tags`, `queues`) and the replay of pending mutations both go through it.
//! The labeling-queue primitives, and THE ONE RULE's counts, are in `cache/queues.rs`.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension};
use trove_protocol::model::CollectionPatch;
use trove_protocol::mutation::ImportedItem;
use trove_protocol::rules;
use trove_protocol::QueueEntry;
use trove_protocol::view::ViewPatch;
use trove_rulebook::{NewCollection, NewQueue, NewView, PairState, Plan, QueueState, Ranked, ReplicaStore, Seen};

use crate::registry::{account, is_synced, namespace};
use crate::db::now_ms;
use crate::error::{Error, Result};
use crate::filters::list;

/// One project of the cache, changed in the caller's transaction.
pub struct CacheReplica<'c> {
    conn: &'c Connection,
    project: i64,
    /// Only a copy of a server project keeps causal lengths.
    synced: bool,
    /// Who a new collection or membership is made by (empty when replaying: the pull brings it).
    actor: &'c str,
    /// Who queue actions are taken as, and a membership added here is recorded as added by
    /// (`registry::account`; empty while unknown, which holds no role in any queue). A few
    /// bytes where the client id took 36 per row: a million-item add wrote 36 MB of it.
    user: String,
    /// Set writes name items by local id, not by number (`sets.rs`).
    by_id: bool,
    /// The tag change the next `touch_items` writes into `tags_text` (`tagging.rs`): the
    /// rulebook tags, then touches the items that changed, and both are one row rewrite.
    retext: Option<tagging::Retext>,
}

mod files;
mod queues;
mod sets;
mod tagging;
pub(crate) mod views;
pub(crate) use queues::{counts as queue_counts, entries_of, entry_at, kept, queue_id, QueueRow};
pub(crate) use sets::{in_order, last_key, ORDER_DELETE};
pub(crate) use tagging::tag_ids;
#[cfg(test)]
pub(crate) use tagging::BULK;

impl<'c> CacheReplica<'c> {
    pub fn new(conn: &'c Connection, project: i64, actor: &'c str) -> Result<Self> {
        Ok(CacheReplica { conn, project, synced: is_synced(conn, project)?, actor, user: account(conn, project)?.unwrap_or_default(), by_id: false, retext: None })
    }

    pub fn synced(&self) -> bool {
        self.synced
    }

    /// The state of the pairs (collection, item) for items given by local id, in the order
    /// given, all present or all absent as the caller found them.
    pub fn pairs_by_id(&self, collection: i64, ids: &[i64], present: bool) -> Result<Vec<PairState<i64>>> {
        let mut stmt = self.conn.prepare("SELECT item_id, cl FROM membership_clocks WHERE collection_id = ?1 AND item_id IN rarray(?2)")?;
        let cls: std::collections::HashMap<i64, i64> =
            stmt.query_map(rusqlite::params![collection, list(ids)], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        Ok(ids.iter().enumerate().map(|(index, id)| PairState { index, item: *id, cl: cls.get(id).copied().unwrap_or(0), present }).collect())
    }
}

impl Drop for CacheReplica<'_> {
    fn drop(&mut self) {
        debug_assert!(self.retext.is_none() || std::thread::panicking(), "a tag change was not followed by the touch that writes tags_text");
    }
}

impl ReplicaStore for CacheReplica<'_> {
    type Collection = i64;
    type Item = i64;
    type Queue = i64;
    type Dataset = i64;
    type View = i64;
    type Error = Error;

    fn exists(&mut self, collection: &str) -> Result<bool> {
        Ok(collection_id(self.conn, collection)?.is_some())
    }

    fn create(&mut self, c: NewCollection<'_>) -> Result<()> {
        let now = now_ms();
        self.conn.execute(
            "INSERT INTO collections (uuid, hex_id, project_id, namespace, title, title_slug, description, private, theme, owner, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
            rusqlite::params![
                c.collection,
                c.hex_id,
                self.project,
                namespace(self.conn, self.project)?,
                c.title,
                rules::slugify(c.title),
                c.description,
                c.private,
                c.theme.as_str(),
                self.actor,
                now
            ],
        )?;
        Ok(())
    }

    fn target(&mut self, collection: &str) -> Result<Option<i64>> {
        live_collection(self.conn, self.project, collection)
    }

    fn update(&mut self, id: i64, patch: &CollectionPatch) -> Result<()> {
        let conn = self.conn;
        if let Some(t) = &patch.title {
            conn.execute("UPDATE collections SET title = ?1, title_slug = ?2 WHERE id = ?3", rusqlite::params![t, rules::slugify(t), id])?;
        }
        if let Some(d) = &patch.description {
            conn.execute("UPDATE collections SET description = ?1 WHERE id = ?2", rusqlite::params![d, id])?;
        }
        if let Some(p) = patch.private {
            conn.execute("UPDATE collections SET private = ?1 WHERE id = ?2", rusqlite::params![p, id])?;
        }
        if let Some(t) = patch.theme {
            conn.execute("UPDATE collections SET theme = ?1 WHERE id = ?2", rusqlite::params![t.as_str(), id])?;
        }
        Ok(())
    }

    fn delete(&mut self, id: i64) -> Result<()> {
        self.conn.execute("UPDATE collections SET deleted_at = ?1, updated_at = ?1 WHERE id = ?2", rusqlite::params![now_ms(), id])?;
        Ok(())
    }

    fn touch(&mut self, id: i64) -> Result<()> {
        self.conn.execute("UPDATE collections SET updated_at = ?1 WHERE id = ?2", rusqlite::params![now_ms(), id])?;
        Ok(())
    }

    fn pairs(&mut self, collection: i64, items: &[String]) -> Result<Vec<PairState<i64>>> {
        // CROSS JOIN keeps the UUIDs as the outer loop, each found through the UUID index.
        let mut stmt = self.conn.prepare_cached(
            "SELECT j.key, i.id, coalesce(k.cl, 0), m.item_id IS NOT NULL \
             FROM json_each(?1) j CROSS JOIN items i ON i.uuid = j.value AND i.project_id = ?2 \
             LEFT JOIN membership_clocks k ON k.collection_id = ?3 AND k.item_id = i.id \
             LEFT JOIN memberships m ON m.collection_id = ?3 AND m.item_id = i.id",
        )?;
        let rows = stmt
            .query_map(rusqlite::params![serde_json::to_string(items).expect("strings serialize"), self.project, collection], |r| {
                Ok(PairState { index: r.get(0)?, item: r.get(1)?, cl: r.get(2)?, present: r.get(3)? })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn write_pairs(&mut self, collection: i64, plan: &Plan<'_, i64>) -> Result<()> {
        let conn = self.conn;
        if self.synced && !plan.clocks.is_empty() {
            let mut clock = conn.prepare_cached(
                "INSERT INTO membership_clocks (collection_id, item_id, cl) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (collection_id, item_id) DO UPDATE SET cl = excluded.cl",
            )?;
            let mut clocks: Vec<&(i64, i64)> = plan.clocks.iter().collect();
            clocks.sort_unstable_by_key(|(item, _)| *item);
            for (item, cl) in clocks {
                clock.execute(rusqlite::params![collection, item, cl])?;
            }
        }
        if !plan.inserts.is_empty() {
            let mut insert = conn.prepare_cached(
                "INSERT INTO memberships (collection_id, item_id, position, added_at, added_by) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            // In item-id order: the primary key then grows at its end instead of taking a random
            // page per row (the order, `member_order`, is written by a trigger: few rows here).
            let mut rows: Vec<&(i64, &str)> = plan.inserts.iter().collect();
            rows.sort_unstable_by_key(|(item, _)| *item);
            let now = now_ms();
            for (item, key) in &rows {
                insert.execute(rusqlite::params![collection, item, key, now, self.user])?;
            }
            crate::facts::members_changed(conn, collection, &rows.iter().map(|(item, _)| *item).collect::<Vec<_>>())?;
        }
        if !plan.deletes.is_empty() {
            conn.execute(
                "DELETE FROM memberships WHERE collection_id = ?1 AND item_id IN rarray(?2)",
                rusqlite::params![collection, list(&plan.deletes)],
            )?;
            crate::facts::members_changed(conn, collection, &plan.deletes)?;
        }
        Ok(())
    }

    fn write_set(&mut self, collection: i64, numbers: &[i64], add: Option<Ranked<'_>>) -> Result<usize> {
        self.set(collection, numbers, add)
    }

    fn numbered(&mut self, project: &str, numbers: &[i64]) -> Result<Vec<i64>> {
        self.numbered_items(project, numbers)
    }

    fn member(&mut self, collection: i64, item: &str) -> Result<Option<i64>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            // The item by its UUID, then the pair by its key (memberships has no index by item).
            .prepare_cached("SELECT m.item_id FROM items i CROSS JOIN memberships m ON m.collection_id = ?1 AND m.item_id = i.id WHERE i.uuid = ?2")?
            .query_row(rusqlite::params![collection, item], |r| r.get(0))
            .optional()?)
    }

    fn set_note(&mut self, collection: i64, item: i64, note: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE memberships SET note = ?1 WHERE collection_id = ?2 AND item_id = ?3",
            rusqlite::params![note, collection, item],
        )?;
        Ok(())
    }

    fn set_position(&mut self, collection: i64, item: i64, key: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE memberships SET position = ?1 WHERE collection_id = ?2 AND item_id = ?3",
            rusqlite::params![key, collection, item],
        )?;
        Ok(())
    }

    fn items(&mut self, uuids: &[String]) -> Result<Vec<i64>> {
        Ok(item_ids(self.conn, self.project, uuids)?.into_iter().flatten().collect())
    }

    fn tag(&mut self, items: &[i64], names: &[String], add: bool) -> Result<Vec<i64>> {
        let changed = if add { tagging::add_tags(self.conn, self.project, items, names)? } else { tagging::remove_tags(self.conn, self.project, items, names)? };
        if !changed.is_empty() {
            self.retext = Some(tagging::Retext { names: names.to_vec(), add });
        }
        Ok(changed)
    }

    fn touch_items(&mut self, items: &[i64]) -> Result<()> {
        tagging::touch(self.conn, self.project, items, self.retext.take().as_ref())
    }

    fn import_into(&mut self, project: &str) -> Result<bool> {
        files::is_project(self.conn, self.project, project)
    }

    fn dataset(&mut self, _project: &str, uuid: &str, name: &str) -> Result<Option<i64>> {
        files::dataset(self.conn, self.project, uuid, name)
    }

    fn create_dataset(&mut self, _project: &str, uuid: &str, name: &str) -> Result<i64> {
        files::create_dataset(self.conn, self.project, uuid, name)
    }

    fn project_item(&mut self, _dataset: i64, uuid: &str) -> Result<Option<i64>> {
        files::project_item(self.conn, self.project, uuid)
    }

    fn insert_item(&mut self, dataset: i64, file: &ImportedItem) -> Result<()> {
        files::insert(self.conn, self.project, dataset, file)
    }

    fn update_file(&mut self, item: i64, file: &ImportedItem) -> Result<()> {
        files::update(self.conn, item, file)
    }

    fn actor(&self) -> String {
        self.user.clone()
    }

    fn queue_exists(&mut self, queue: &str) -> Result<bool> {
        Ok(queue_id(self.conn, queue)?.is_some())
    }

    fn create_queue(&mut self, q: NewQueue<'_>) -> Result<()> {
        queues::create(self.conn, self.project, &q, &self.user)
    }

    fn queue(&mut self, queue: &str) -> Result<Option<QueueState<i64>>> {
        Ok(QueueRow::find(self.conn, self.project, queue)?.map(|q| QueueState {
            handle: q.id,
            name: q.name.clone(),
            closed: !q.open(),
            annotators: q.annotators,
            reviewers: q.reviewers,
        }))
    }

    fn close_queue(&mut self, q: i64) -> Result<()> {
        self.conn.execute("UPDATE queues SET closed = 1, updated_at = ?1 WHERE id = ?2", rusqlite::params![now_ms(), q])?;
        Ok(())
    }

    fn queue_items(&mut self, q: i64, items: &[String]) -> Result<Vec<Seen<i64>>> {
        queues::seen(self.conn, self.project, q, items)
    }

    fn write_entry(&mut self, q: i64, item: i64, entry: &QueueEntry) -> Result<()> {
        queues::write_entry(self.conn, q, item, entry)
    }

    fn mark_labeled(&mut self, items: &[i64]) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare_cached("UPDATE items SET labels_count = 1 WHERE id IN rarray(?1) AND labels_count = 0 RETURNING id")?;
        let changed = stmt.query_map([list(items)], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
        Ok(changed)
    }

    fn view_exists(&mut self, view: &str) -> Result<bool> {
        views::exists(self.conn, view)
    }

    fn create_view(&mut self, v: NewView<'_>) -> Result<()> {
        views::create(self.conn, self.project, self.actor, &v)
    }

    fn view(&mut self, view: &str) -> Result<Option<i64>> {
        views::live(self.conn, self.project, view)
    }

    fn update_view(&mut self, id: i64, patch: &ViewPatch) -> Result<()> {
        views::update(self.conn, id, patch)
    }

    fn delete_view(&mut self, id: i64) -> Result<()> {
        views::delete(self.conn, id)
    }
}

pub(crate) fn collection_id(conn: &Connection, uuid: &str) -> Result<Option<i64>> {
    Ok(conn.prepare_cached("SELECT id FROM collections WHERE uuid = ?1")?.query_row([uuid], |r| r.get(0)).optional()?)
}

/// The live collection `uuid` of `project`.
pub(crate) fn live_collection(conn: &Connection, project: i64, uuid: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM collections WHERE uuid = ?1 AND project_id = ?2 AND deleted_at IS NULL")?
        .query_row(rusqlite::params![uuid, project], |r| r.get(0))
        .optional()?)
}

/// Local ids of items by UUID within the project, in the order given (unknown: `None`).
pub(crate) fn item_ids(conn: &Connection, project: i64, uuids: &[String]) -> Result<Vec<Option<i64>>> {
    // CROSS JOIN keeps the UUIDs as the outer loop, each found through the UUID index: left to
    // itself the planner walks every item of the project (an index on `project_id`) once per
    // UUID, which made a pull of 100 memberships take 1.5 s at 100k items.
    let mut stmt = conn.prepare_cached("SELECT j.key, i.id FROM json_each(?1) j CROSS JOIN items i ON i.uuid = j.value AND i.project_id = ?2")?;
    let found: HashMap<usize, i64> = stmt
        .query_map(rusqlite::params![serde_json::to_string(uuids).expect("strings serialize"), project], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok((0..uuids.len()).map(|n| found.get(&n).copied()).collect())
}
