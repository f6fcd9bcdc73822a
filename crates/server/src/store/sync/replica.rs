//! The server's storage as the rulebook sees it ([`trove_rulebook::ReplicaStore`]): the
//! primitives that write the server's schema, and the authority checks only the server can
//! make (the caller's role, what they may see, unique titles). What a mutation does is decided
//! by `trove_rulebook::apply`, the same code the app replays its pending mutations with.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::db::{Connection, OptionalExtension, Transaction};
use serde_json::json;
use trove_protocol::api::Role;
use trove_protocol::model::CollectionPatch;
use trove_protocol::NewCollection as CollectionInput;
use trove_protocol::mutation::ImportedItem;
use trove_protocol::queue::QueueEntry;
use trove_protocol::rules;
use trove_protocol::view::ViewPatch;
use trove_rulebook::{NewCollection, NewQueue, NewView, PairState, Plan, QueueState, Ranked, ReplicaStore, Seen};

use super::next_version;
use crate::error::{Error, Result};
use crate::store::access::{self, Caller};
use crate::store::queues::replica::{self as queues, QueueHandle};
use crate::store::views::{self, ViewHandle};
use crate::store::history::{self, Named};
use crate::store::{collections, datasets, items, members, now_ms, tags};
use trove_protocol::history::ChangeKind;

/// One transaction of the server, changed with one caller's rights.
pub struct ServerReplica<'t, 'c> {
    tx: &'t Transaction<'c>,
    caller: &'t Caller,
    /// The project of every item [`ReplicaStore::items`] returned.
    projects: HashMap<i64, i64>,
    /// Projects whose editor role the caller was found to have.
    editable: HashSet<i64>,
    /// Image projects files may be imported into, by UUID.
    importable: HashMap<String, i64>,
}

/// A dataset files are imported into: its id and its project's.
#[derive(Debug, Clone, Copy)]
pub struct DatasetHandle {
    pub id: i64,
    pub project: i64,
}

/// A live collection: its id and its project's.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub id: i64,
    pub project: i64,
}

impl<'t, 'c> ServerReplica<'t, 'c> {
    pub fn new(tx: &'t Transaction<'c>, caller: &'t Caller) -> Self {
        ServerReplica { tx, caller, projects: HashMap::new(), editable: HashSet::new(), importable: HashMap::new() }
    }

    /// The state of the pairs (c, item) for items given by id (the REST API's way to name them).
    pub fn pairs_by_id(&self, c: Target, ids: &[i64]) -> Result<Vec<PairState<i64>>> {
        pair_states(self.tx, c, "id", &serde_json::to_string(ids)?)
    }
}

/// The state of the pairs (c, item) for the items whose `column` (`id` or `uuid`) is in the JSON
/// array `values`, each with its index in the array; items not in the project left out.
fn pair_states(tx: &Transaction, c: Target, column: &str, values: &str) -> Result<Vec<PairState<i64>>> {
    let by = if column == "id" { "i.id = CAST(j.value AS BIGINT)" } else { "i.uuid = j.value" };
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT j.key, i.id, coalesce(k.cl, 0), m.item_id IS NOT NULL \
         FROM json_each(?1) j JOIN items i ON {by} AND i.project_id = ?2 \
         LEFT JOIN membership_clocks k ON k.collection_id = ?3 AND k.item_id = i.id \
         LEFT JOIN memberships m ON m.collection_id = ?3 AND m.item_id = i.id ORDER BY j.key"
    ))?;
    let rows = stmt
        .query_map(crate::db::params![values, c.project, c.id], |r| {
            Ok(PairState { index: r.get(0)?, item: r.get(1)?, cl: r.get(2)?, present: r.get(3)? })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

impl ReplicaStore for ServerReplica<'_, '_> {
    type Collection = Target;
    type Item = i64;
    type Queue = QueueHandle;
    type Dataset = DatasetHandle;
    type View = ViewHandle;
    type Error = Error;

    fn exists(&mut self, collection: &str) -> Result<bool> {
        Ok(collections::by_uuid(self.tx, collection)?.is_some())
    }

    fn create(&mut self, c: NewCollection<'_>) -> Result<()> {
        let project = project_by_uuid(self.tx, self.caller, c.project, Role::Editor)?;
        let input = CollectionInput {
            title: c.title.to_string(),
            description: c.description.to_string(),
            private: c.private,
            theme: Some(c.theme),
        };
        let ids = collections::Ids { uuid: c.collection.to_string(), hex_id: c.hex_id.to_string() };
        collections::create_as(self.tx, self.caller, project, &input, None, ids).map(|_| ())
    }

    /// The live collection `uuid` the caller may edit; `None` when it was deleted (softly or
    /// for good). One that never existed, or that the caller may not see, is not found.
    fn target(&mut self, uuid: &str) -> Result<Option<Target>> {
        let tx = self.tx;
        let tombstone: bool =
            tx.query_row("SELECT EXISTS (SELECT 1 FROM tombstones WHERE kind = 'collection' AND uuid = ?1)", [uuid], |r| r.get(0))?;
        match collections::by_uuid(tx, uuid)? {
            None if tombstone => Ok(None),
            None => Err(Error::NotFound(format!("collection {uuid} does not exist"))),
            Some((_, _, true)) => Ok(None),
            Some((id, project, false)) => {
                collections::by_id(tx, self.caller, id)?;
                access::require(tx, self.caller, project, Role::Editor)?;
                Ok(Some(Target { id, project }))
            }
        }
    }

    fn update(&mut self, c: Target, patch: &CollectionPatch) -> Result<()> {
        collections::update(self.tx, self.caller, c.id, patch).map(|_| ())
    }

    fn delete(&mut self, c: Target) -> Result<()> {
        collections::delete(self.tx, self.caller, c.id, false)
    }

    fn touch(&mut self, c: Target) -> Result<()> {
        collections::touch(self.tx, c.id)
    }

    fn pairs(&mut self, c: Target, items: &[String]) -> Result<Vec<PairState<i64>>> {
        pair_states(self.tx, c, "uuid", &serde_json::to_string(items)?)
    }

    /// The clocks first, each with a new version (the membership triggers only stamp versions),
    /// then the rows.
    fn write_pairs(&mut self, c: Target, plan: &Plan<'_, i64>) -> Result<()> {
        let tx = self.tx;
        if !plan.clocks.is_empty() {
            let clocks: Vec<serde_json::Value> = plan.clocks.iter().map(|(item, cl)| json!([item, cl])).collect();
            let first = next_version(tx)?;
            tx.execute(
                "INSERT INTO membership_clocks (collection_id, item_id, cl, project_id, version, changed_at) \
                 SELECT ?1, CAST(value ->> 0 AS BIGINT), CAST(value ->> 1 AS BIGINT), ?2, ?3 + key, ?5 FROM json_each(?4) WHERE true \
                 ON CONFLICT (collection_id, item_id) DO UPDATE SET cl = excluded.cl, version = excluded.version, changed_at = excluded.changed_at",
                crate::db::params![c.id, c.project, first, serde_json::to_string(&clocks)?, now_ms()],
            )?;
            crate::store::versions::set_last(tx, first + clocks.len() as i64 - 1)?;
        }
        let inserts: Vec<members::NewMember> =
            plan.inserts.iter().map(|(item, key)| members::NewMember { item: *item, position: key, note: "" }).collect();
        members::insert(tx, self.caller, c.id, &inserts)?;
        members::delete(tx, c.id, &plan.deletes)?;
        let added: Vec<i64> = plan.inserts.iter().map(|(item, _)| *item).collect();
        history::record(tx, self.caller, c.project, c.id, ChangeKind::Added, Named::Ids(&added), "")?;
        history::record(tx, self.caller, c.project, c.id, ChangeKind::Removed, Named::Ids(&plan.deletes), "")
    }

    fn keys_written(&mut self, c: Target, keys: &[&str]) -> Result<()> {
        members::respread_if_long(self.tx, c.id, keys.iter().copied())
    }

    fn write_set(&mut self, c: Target, numbers: &[i64], add: Option<Ranked<'_>>) -> Result<usize> {
        let changed = super::sets::write_set(self.tx, self.caller, c, numbers, add)?;
        let kind = if add.is_some() { ChangeKind::Added } else { ChangeKind::Removed };
        history::record(self.tx, self.caller, c.project, c.id, kind, Named::Numbers(numbers, changed), "")?;
        Ok(changed)
    }

    /// Items of `project` (which the caller must be an editor of) by number.
    fn numbered(&mut self, project: &str, numbers: &[i64]) -> Result<Vec<i64>> {
        let project = project_by_uuid(self.tx, self.caller, project, Role::Editor)?;
        self.editable.insert(project);
        let mut stmt = self.tx.prepare(&format!("SELECT item FROM ({}) ORDER BY rank", super::sets::named()))?;
        let numbers = super::sets::packed(numbers);
        let ids: Vec<i64> = stmt.query_map(crate::db::params![trove_sqlite::list(&numbers), project], |r| r.get(0))?.collect::<crate::db::Result<_>>()?;
        for id in &ids {
            self.projects.insert(*id, project);
        }
        Ok(ids)
    }

    fn member(&mut self, c: Target, item: &str) -> Result<Option<i64>> {
        Ok(self
            .tx
            .prepare_cached("SELECT m.item_id FROM memberships m JOIN items i ON i.id = m.item_id WHERE m.collection_id = ?1 AND i.uuid = ?2")?
            .query_row(crate::db::params![c.id, item], |r| r.get(0))
            .optional()?)
    }

    fn set_note(&mut self, c: Target, item: i64, note: &str) -> Result<()> {
        self.tx.execute("UPDATE memberships SET note = ?1 WHERE collection_id = ?2 AND item_id = ?3", crate::db::params![note, c.id, item])?;
        history::record(self.tx, self.caller, c.project, c.id, ChangeKind::Noted, Named::Ids(&[item]), note)
    }

    fn set_position(&mut self, c: Target, item: i64, key: &str) -> Result<()> {
        self.tx.execute("UPDATE memberships SET position = ?1 WHERE collection_id = ?2 AND item_id = ?3", crate::db::params![key, c.id, item])?;
        history::record(self.tx, self.caller, c.project, c.id, ChangeKind::Moved, Named::Ids(&[item]), "")
    }

    /// Items by UUID; every project they belong to needs the caller's editor role.
    fn items(&mut self, uuids: &[String]) -> Result<Vec<i64>> {
        let mut stmt = self.tx.prepare_cached("SELECT id, project_id FROM items WHERE uuid = ?1")?;
        let mut out = Vec::with_capacity(uuids.len());
        for u in uuids {
            if let Some((id, project)) = stmt.query_row([u], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))).optional()? {
                if !self.editable.contains(&project) {
                    access::require(self.tx, self.caller, project, Role::Editor)?;
                    self.editable.insert(project);
                }
                self.projects.insert(id, project);
                out.push(id);
            }
        }
        Ok(out)
    }

    fn tag(&mut self, items: &[i64], names: &[String], add: bool) -> Result<Vec<i64>> {
        let mut by_project: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for id in items {
            by_project.entry(self.projects[id]).or_default().push(*id);
        }
        let mut changed = Vec::new();
        for (project, ids) in by_project {
            changed.extend(if add { tags::tag(self.tx, project, &ids, names)? } else { tags::untag(self.tx, project, &ids, names)? });
        }
        Ok(changed)
    }

    fn touch_items(&mut self, items: &[i64]) -> Result<()> {
        tags::touch(self.tx, items)
    }

    // Imports: an editor of an image project uploads the files the app imported.

    fn import_into(&mut self, project: &str) -> Result<bool> {
        if !self.importable.contains_key(project) {
            let id = import_target(self.tx, self.caller, project)?;
            self.editable.insert(id);
            self.importable.insert(project.to_string(), id);
        }
        Ok(true)
    }

    fn dataset(&mut self, project: &str, uuid: &str, name: &str) -> Result<Option<DatasetHandle>> {
        let project = self.imported(project)?;
        let id: Option<i64> = self
            .tx
            .query_row(
                "SELECT id FROM datasets WHERE project_id = ?1 AND uuid = ?2 \
                 UNION ALL SELECT id FROM datasets WHERE project_id = ?1 AND name = ?3 LIMIT 1",
                crate::db::params![project, uuid, name],
                |r| r.get(0),
            )
            .optional()?;
        Ok(id.map(|id| DatasetHandle { id, project }))
    }

    fn create_dataset(&mut self, project: &str, uuid: &str, name: &str) -> Result<DatasetHandle> {
        let project = self.imported(project)?;
        if self.tx.query_row("SELECT 1 FROM datasets WHERE uuid = ?1", [uuid], |_| Ok(())).optional()?.is_some() {
            return Err(Error::Conflict(format!("dataset id {} is taken; import into a new dataset again", rules::quote(uuid))));
        }
        Ok(DatasetHandle { id: datasets::insert_with(self.tx, project, uuid, name)?, project })
    }

    fn project_item(&mut self, d: DatasetHandle, uuid: &str) -> Result<Option<i64>> {
        let found: Option<(i64, i64)> =
            self.tx.prepare_cached("SELECT id, project_id FROM items WHERE uuid = ?1")?.query_row([uuid], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
        match found {
            Some((id, project)) if project == d.project => Ok(Some(id)),
            // A UUID is unique on the server: one of another project cannot be taken.
            Some(_) => Err(Error::Conflict(format!("item id {} is taken; import the file again", rules::quote(uuid)))),
            None => Ok(None),
        }
    }

    fn insert_item(&mut self, d: DatasetHandle, file: &ImportedItem) -> Result<()> {
        items::insert_upload(self.tx, d.project, d.id, file)
    }

    fn update_file(&mut self, item: i64, file: &ImportedItem) -> Result<()> {
        items::update_upload(self.tx, item, file)
    }

    // Labeling queues: the primitives and authority checks are `store::queues::replica`'s.

    fn actor(&self) -> String {
        self.caller.name.clone()
    }

    fn queue_exists(&mut self, queue: &str) -> Result<bool> {
        queues::exists(self.tx, queue)
    }

    fn create_queue(&mut self, q: NewQueue<'_>) -> Result<()> {
        queues::create(self.tx, self.caller, q)
    }

    /// Never `None`: a queue the server does not know (or the caller may not see) is refused.
    fn queue(&mut self, queue: &str) -> Result<Option<QueueState<QueueHandle>>> {
        queues::state(self.tx, self.caller, queue).map(Some)
    }

    fn close_queue(&mut self, q: QueueHandle) -> Result<()> {
        queues::close(self.tx, self.caller, q)
    }

    /// Items of the queue's project only. An annotator's submission tags the item with the
    /// queue's authority (`tag` needs no editor role for the items found here).
    fn queue_items(&mut self, q: QueueHandle, items: &[String]) -> Result<Vec<Seen<i64>>> {
        let seen = queues::items(self.tx, q, items)?;
        for s in &seen {
            self.projects.insert(s.item, q.project);
        }
        Ok(seen)
    }

    fn write_entry(&mut self, q: QueueHandle, item: i64, entry: &QueueEntry) -> Result<()> {
        queues::write_entry(self.tx, q, item, entry)
    }

    fn mark_labeled(&mut self, items: &[i64]) -> Result<Vec<i64>> {
        queues::mark_labeled(self.tx, items)
    }

    // Saved views: `store::views`.

    fn view_exists(&mut self, view: &str) -> Result<bool> {
        views::exists(self.tx, view)
    }

    fn create_view(&mut self, v: NewView<'_>) -> Result<()> {
        views::create(self.tx, self.caller, v)
    }

    fn view(&mut self, view: &str) -> Result<Option<ViewHandle>> {
        views::target(self.tx, self.caller, view)
    }

    fn update_view(&mut self, v: ViewHandle, patch: &ViewPatch) -> Result<()> {
        views::update(self.tx, v, patch)
    }

    fn delete_view(&mut self, v: ViewHandle) -> Result<()> {
        views::delete(self.tx, v)
    }
}

impl ServerReplica<'_, '_> {
    /// The project `import_into` accepted (by UUID); the rulebook asks for it first.
    fn imported(&self, project: &str) -> Result<i64> {
        self.importable.get(project).copied().ok_or_else(|| Error::Internal(anyhow::anyhow!("import_into was not asked for project {project}")))
    }
}

/// The project (by UUID) the caller may import files into, or upload their thumbnails for: one
/// they are an editor of (404 or 403 otherwise), of pictures (a Hub project takes none).
pub fn import_target(conn: &Connection, caller: &Caller, project: &str) -> Result<i64> {
    let id = project_by_uuid(conn, caller, project, Role::Editor)?;
    let (name, kind): (String, String) = conn.query_row("SELECT name, kind FROM projects WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if kind == "hub" {
        return Err(Error::Invalid(format!("project {} is a Hub project; files are imported into an image project", rules::quote(&name))));
    }
    Ok(id)
}

/// The project (by UUID) the caller may read (404 otherwise).
pub fn readable_project(conn: &Connection, caller: &Caller, project: &str) -> Result<i64> {
    project_by_uuid(conn, caller, project, Role::Viewer)
}

pub fn project_by_uuid(tx: &Connection, caller: &Caller, uuid: &str, need: Role) -> Result<i64> {
    let id: i64 = tx
        .query_row("SELECT id FROM projects WHERE uuid = ?1", [uuid], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("project {uuid} does not exist")))?;
    access::require(tx, caller, id, need)?;
    Ok(id)
}
