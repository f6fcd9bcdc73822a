//! The local copy of a server project (DESIGN §4): which projects are copies, applying a pulled
//! page in one transaction, and replaying the pending mutations on top of it.
//!
//! The copy is always "the server's state as of the cookie, plus this cache's pending mutations".
//! Applying a page overwrites every row it carries with the server's state, then replays the
//! still-pending mutations (the server has not seen them, so they must win over what it sent).
//! Replay mirrors the server's own rules (`trove-server`'s `store::sync`): every mutation is
//! idempotent, so replaying one whose effect is already in place changes nothing. A row touched
//! by a mutation that the server refused is re-sent by the server with its true state, so the
//! optimistic local effect disappears on the next pull.

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension};
use serde_json::json;
use trove_protocol::remote::Refusal;
use trove_protocol::sync::{PullResponse, RejectedMutation};
use trove_protocol::{rules, Mutation, ProjectKind};

use crate::db::now_ms;
use crate::error::Result;
use crate::{outbox, tags};

/// A server project to keep a copy of.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteProject {
    pub uuid: String,
    pub name: String,
    pub kind: ProjectKind,
    pub description: String,
    /// The server's base URL.
    pub server: String,
    /// Where collections created here go, and the caller's role.
    pub namespace: String,
    pub role: String,
}

/// A synced project as the engine needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Synced {
    pub project: i64,
    pub uuid: String,
    pub server: String,
    pub cookie: i64,
    pub synced_at: Option<i64>,
}

/// What applying one page did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Applied {
    /// Rows the page carried (0: nothing changed on the server).
    pub rows: usize,
    /// Outbox rows dropped because the server has applied them.
    pub acknowledged: u64,
    /// Pending mutations replayed on top.
    pub replayed: usize,
}

pub fn is_synced(conn: &Connection, project: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM sync_projects WHERE project_id = ?1)")?
        .query_row([project], |r| r.get(0))?)
}

/// The namespace a new collection of `project` belongs to.
pub fn namespace(conn: &Connection, project: i64) -> Result<String> {
    let ns: Option<String> =
        conn.query_row("SELECT namespace FROM sync_projects WHERE project_id = ?1", [project], |r| r.get(0)).optional()?;
    Ok(ns.filter(|n| !n.is_empty()).unwrap_or_else(|| crate::meta::LOCAL_NAMESPACE.to_string()))
}

/// Makes (or refreshes) the local copy's project row and its sync state; returns its id. The
/// local project takes the server project's UUID, which is how the two are matched.
pub fn attach(conn: &Connection, p: &RemoteProject) -> Result<i64> {
    let existing: Option<i64> = conn.query_row("SELECT id FROM projects WHERE uuid = ?1", [&p.uuid], |r| r.get(0)).optional()?;
    let id = match existing {
        Some(id) => {
            conn.execute(
                "UPDATE projects SET name = ?1, description = ?2 WHERE id = ?3",
                rusqlite::params![p.name, p.description, id],
            )?;
            id
        }
        None => {
            conn.execute(
                "INSERT INTO projects (uuid, name, kind, description, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![p.uuid, p.name, p.kind.as_str(), p.description, now_ms()],
            )?;
            conn.last_insert_rowid()
        }
    };
    conn.execute(
        "INSERT INTO sync_projects (project_id, server, namespace, role) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (project_id) DO UPDATE SET server = excluded.server, namespace = excluded.namespace, role = excluded.role",
        rusqlite::params![id, p.server, p.namespace, p.role],
    )?;
    Ok(id)
}

/// Every synced project.
pub fn synced(conn: &Connection) -> Result<Vec<Synced>> {
    let mut stmt = conn.prepare(
        "SELECT s.project_id, p.uuid, s.server, s.cookie, s.synced_at FROM sync_projects s JOIN projects p ON p.id = s.project_id ORDER BY s.project_id",
    )?;
    let rows = stmt
        .query_map([], |r| Ok(Synced { project: r.get(0)?, uuid: r.get(1)?, server: r.get(2)?, cookie: r.get(3)?, synced_at: r.get(4)? }))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Drops the synced copy of the project's data (a reset); the outbox is kept and replayed.
fn wipe(conn: &Connection, project: i64) -> Result<()> {
    conn.execute_batch(&format!(
        "DELETE FROM membership_clocks WHERE collection_id IN (SELECT id FROM collections WHERE project_id = {project});
         DELETE FROM memberships WHERE collection_id IN (SELECT id FROM collections WHERE project_id = {project});
         DELETE FROM collections WHERE project_id = {project};
         DELETE FROM item_tags WHERE item_id IN (SELECT id FROM items WHERE project_id = {project});
         DELETE FROM tags WHERE project_id = {project};
         DELETE FROM items WHERE project_id = {project};
         DELETE FROM datasets WHERE project_id = {project};"
    ))?;
    Ok(())
}

fn hard_delete_collection(conn: &Connection, id: i64) -> Result<()> {
    conn.execute("DELETE FROM membership_clocks WHERE collection_id = ?1", [id])?;
    conn.execute("DELETE FROM memberships WHERE collection_id = ?1", [id])?;
    conn.execute("DELETE FROM collections WHERE id = ?1", [id])?;
    Ok(())
}

fn collection_id(conn: &Connection, uuid: &str) -> Result<Option<i64>> {
    Ok(conn.prepare_cached("SELECT id FROM collections WHERE uuid = ?1")?.query_row([uuid], |r| r.get(0)).optional()?)
}

/// The live collection `uuid` of `project`.
fn live_collection(conn: &Connection, project: i64, uuid: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM collections WHERE uuid = ?1 AND project_id = ?2 AND deleted_at IS NULL")?
        .query_row(rusqlite::params![uuid, project], |r| r.get(0))
        .optional()?)
}

/// Local ids of items by UUID within the project, in the order given (unknown: `None`).
fn item_ids(conn: &Connection, project: i64, uuids: &[String]) -> Result<Vec<Option<i64>>> {
    // CROSS JOIN keeps the UUIDs as the outer loop, each found through the UUID index: left to
    // itself the planner walks every item of the project (an index on `project_id`) once per
    // UUID, which made a pull of 100 memberships take 1.5 s at 100k items.
    let mut stmt = conn.prepare_cached("SELECT j.key, i.id FROM json_each(?1) j CROSS JOIN items i ON i.uuid = j.value AND i.project_id = ?2")?;
    let found: HashMap<usize, i64> = stmt
        .query_map(rusqlite::params![serde_json::to_string(uuids).expect("strings serialize"), project], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok((0..uuids.len()).map(|n| found.get(&n).copied()).collect())
}

/// Applies one pulled page to the project's copy, in the caller's transaction: the server's rows
/// first (a reset drops the copy before), then the acknowledgement of the outbox, then the replay
/// of what is still pending, then the new cookie.
pub fn apply_pull(conn: &Connection, project: i64, page: &PullResponse) -> Result<Applied> {
    let rows = page.datasets.len() + page.items.len() + page.collections.len() + page.memberships.len() + page.deleted_collections.len();
    if page.reset {
        wipe(conn, project)?;
    }
    {
        let mut stmt = conn.prepare_cached(
            "INSERT INTO datasets (uuid, project_id, name) VALUES (?1, ?2, ?3) ON CONFLICT (uuid) DO UPDATE SET name = excluded.name",
        )?;
        for d in &page.datasets {
            stmt.execute(rusqlite::params![d.uuid, project, d.name])?;
        }
    }
    apply_items(conn, project, page)?;
    {
        let mut stmt = conn.prepare_cached(
            "INSERT INTO collections (uuid, hex_id, project_id, namespace, title, title_slug, description, private, theme, owner, created_at, updated_at, deleted_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, CASE WHEN ?13 THEN ?12 END) \
             ON CONFLICT (uuid) DO UPDATE SET namespace = excluded.namespace, title = excluded.title, title_slug = excluded.title_slug, \
               description = excluded.description, private = excluded.private, theme = excluded.theme, owner = excluded.owner, \
               updated_at = excluded.updated_at, deleted_at = CASE WHEN ?13 THEN coalesce(collections.deleted_at, excluded.updated_at) END",
        )?;
        for c in &page.collections {
            stmt.execute(rusqlite::params![
                c.uuid,
                c.hex_id,
                project,
                c.namespace,
                c.title,
                rules::slugify(&c.title),
                c.description,
                c.private,
                c.theme.as_str(),
                c.owner,
                c.created_at,
                c.updated_at,
                c.deleted
            ])?;
        }
    }
    apply_memberships(conn, project, page)?;
    for uuid in &page.deleted_collections {
        if let Some(id) = collection_id(conn, uuid)? {
            hard_delete_collection(conn, id)?;
        }
    }
    // Refusals the push answer carried may have been lost with it: the page repeats them.
    record_refusals(conn, &page.rejected)?;
    let acknowledged = outbox::acknowledge(conn, page.last_mutation_id)?;
    // Nothing was overwritten when the page is empty: the pending effects are still in place.
    let mut replayed = 0;
    if rows > 0 || page.reset {
        for p in outbox::of_project(conn, project)? {
            replay(conn, project, &p.mutation)?;
            replayed += 1;
        }
    }
    conn.execute(
        "UPDATE sync_projects SET cookie = ?1, synced_at = CASE WHEN ?2 THEN synced_at ELSE ?3 END WHERE project_id = ?4",
        rusqlite::params![page.cookie, page.more, now_ms(), project],
    )?;
    Ok(Applied { rows, acknowledged, replayed })
}

/// Writes the page's items. A new item (every item of a first download) goes in with its tags
/// in a few cached statements: one insert that carries `tags_text`, then its `item_tags` rows,
/// with tag ids looked up once per page. An item the copy has is updated, and its tags rewritten
/// only when they differ.
fn apply_items(conn: &Connection, project: i64, page: &PullResponse) -> Result<()> {
    if page.items.is_empty() {
        return Ok(());
    }
    let datasets: HashMap<String, i64> = {
        let mut stmt = conn.prepare("SELECT uuid, id FROM datasets WHERE project_id = ?1")?;
        let rows = stmt.query_map([project], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        rows
    };
    let mut insert = conn.prepare_cached(
        "INSERT INTO items (uuid, project_id, dataset_id, kind, name, mime, width, height, size, labels_count, created_at, updated_at, thumb, source, tags_text) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) ON CONFLICT (uuid) DO NOTHING",
    )?;
    // Only a row that differs is written: SQLite rewrites the entry of every index whose
    // columns an UPDATE sets, changed or not, and those pages are what a commit writes.
    let mut update = conn.prepare_cached(
        "UPDATE items SET dataset_id = ?2, kind = ?3, name = ?4, mime = ?5, width = ?6, height = ?7, size = ?8, labels_count = ?9, \
           created_at = ?10, updated_at = ?11, thumb = ?12, source = ?13 \
         WHERE uuid = ?1 AND (dataset_id IS NOT ?2 OR kind IS NOT ?3 OR name IS NOT ?4 OR mime IS NOT ?5 OR width IS NOT ?6 \
           OR height IS NOT ?7 OR size IS NOT ?8 OR labels_count IS NOT ?9 OR created_at IS NOT ?10 OR updated_at IS NOT ?11 \
           OR thumb IS NOT ?12 OR source IS NOT ?13) \
         RETURNING id, tags_text",
    )?;
    let mut unchanged = conn.prepare_cached("SELECT id, tags_text FROM items WHERE uuid = ?1")?;
    let mut clear = conn.prepare_cached("DELETE FROM item_tags WHERE item_id = ?1")?;
    let mut tag = conn.prepare_cached("INSERT OR IGNORE INTO item_tags (item_id, tag_id) VALUES (?1, ?2)")?;
    let mut tag_ids = TagIds::new(conn, project)?;
    let sep = crate::items::TAG_SEP.to_string();
    for i in &page.items {
        let Some(dataset) = datasets.get(&i.dataset) else {
            tracing::warn!(item = %i.uuid, dataset = %i.dataset, "a pulled item names a dataset the copy does not have; skipped");
            continue;
        };
        let mut wanted = i.tags.clone();
        wanted.sort();
        wanted.dedup();
        let text = wanted.join(&sep);
        let inserted = insert.execute(rusqlite::params![
            i.uuid,
            project,
            dataset,
            i.kind.as_str(),
            i.name,
            i.mime,
            i.width,
            i.height,
            i.size as i64,
            i.labels_count,
            i.created_at,
            i.updated_at,
            i.thumb,
            i.source,
            text
        ])?;
        if inserted == 1 {
            if !wanted.is_empty() {
                let id = conn.last_insert_rowid();
                clear.execute([id])?;
                for name in &wanted {
                    tag.execute([id, tag_ids.get(name)?])?;
                }
            }
            continue;
        }
        let updated: Option<(i64, String)> = update
            .query_row(
                rusqlite::params![
                    i.uuid,
                    dataset,
                    i.kind.as_str(),
                    i.name,
                    i.mime,
                    i.width,
                    i.height,
                    i.size as i64,
                    i.labels_count,
                    i.created_at,
                    i.updated_at,
                    i.thumb,
                    i.source
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (id, tags_text) = match updated {
            Some(row) => row,
            None => unchanged.query_row([&i.uuid], |r| Ok((r.get(0)?, r.get(1)?)))?,
        };
        if tags_text != text {
            tags::set_tags(conn, project, id, &wanted)?;
        }
    }
    Ok(())
}

/// Tag ids of a project by name, each created on first use and then remembered (within one
/// transaction: tags are not deleted while a page is applied).
struct TagIds<'c> {
    project: i64,
    known: HashMap<String, i64>,
    create: rusqlite::CachedStatement<'c>,
    find: rusqlite::CachedStatement<'c>,
}

impl<'c> TagIds<'c> {
    fn new(conn: &'c Connection, project: i64) -> Result<TagIds<'c>> {
        Ok(TagIds {
            project,
            known: HashMap::new(),
            create: conn.prepare_cached("INSERT OR IGNORE INTO tags (project_id, name) VALUES (?1, ?2)")?,
            find: conn.prepare_cached("SELECT id FROM tags WHERE project_id = ?1 AND name = ?2")?,
        })
    }

    fn get(&mut self, name: &str) -> Result<i64> {
        if let Some(id) = self.known.get(name) {
            return Ok(*id);
        }
        self.create.execute(rusqlite::params![self.project, name])?;
        let id: i64 = self.find.query_row(rusqlite::params![self.project, name], |r| r.get(0))?;
        self.known.insert(name.to_string(), id);
        Ok(id)
    }
}

fn apply_memberships(conn: &Connection, project: i64, page: &PullResponse) -> Result<()> {
    if page.memberships.is_empty() {
        return Ok(());
    }
    let mut collections: HashMap<&str, Option<i64>> = HashMap::new();
    let item_uuids: Vec<String> = page.memberships.iter().map(|m| m.item.clone()).collect();
    let items = item_ids(conn, project, &item_uuids)?;
    let mut clock = conn.prepare_cached(
        "INSERT INTO membership_clocks (collection_id, item_id, cl) VALUES (?1, ?2, ?3) ON CONFLICT (collection_id, item_id) DO UPDATE SET cl = excluded.cl",
    )?;
    let mut upsert = conn.prepare_cached(
        "INSERT INTO memberships (collection_id, item_id, position, note, added_at, added_by) VALUES (?1, ?2, ?3, ?4, ?5, '') \
         ON CONFLICT (collection_id, item_id) DO UPDATE SET position = excluded.position, note = excluded.note",
    )?;
    let mut delete = conn.prepare_cached("DELETE FROM memberships WHERE collection_id = ?1 AND item_id = ?2")?;
    let now = now_ms();
    for (m, item) in page.memberships.iter().zip(items) {
        let collection = match collections.get(m.collection.as_str()) {
            Some(c) => *c,
            None => {
                let c = collection_id(conn, &m.collection)?;
                collections.insert(&m.collection, c);
                c
            }
        };
        let (Some(collection), Some(item)) = (collection, item) else { continue };
        clock.execute(rusqlite::params![collection, item, m.cl])?;
        if m.cl % 2 == 1 {
            let position = m.position.as_deref().unwrap_or("a0");
            upsert.execute(rusqlite::params![collection, item, position, m.note.as_deref().unwrap_or(""), now])?;
        } else {
            delete.execute(rusqlite::params![collection, item])?;
        }
    }
    Ok(())
}

/// Merges causal lengths into the pairs of `collection` for `items` exactly as the server does:
/// each pair's length becomes the maximum of its own and the one sent (or, when none was sent,
/// the next length of the wanted parity), and the membership row exists exactly when it is odd.
/// New rows take `keys` (one per item).
fn merge(conn: &Connection, project: i64, collection: i64, add: bool, items: &[String], cls: &[u32], keys: &[String]) -> Result<()> {
    let ids = item_ids(conn, project, items)?;
    let mut state = conn.prepare_cached(
        "SELECT coalesce((SELECT cl FROM membership_clocks WHERE collection_id = ?1 AND item_id = ?2), 0), \
                EXISTS (SELECT 1 FROM memberships WHERE collection_id = ?1 AND item_id = ?2)",
    )?;
    let mut clock = conn.prepare_cached(
        "INSERT INTO membership_clocks (collection_id, item_id, cl) VALUES (?1, ?2, ?3) ON CONFLICT (collection_id, item_id) DO UPDATE SET cl = excluded.cl",
    )?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO memberships (collection_id, item_id, position, added_at, added_by) VALUES (?1, ?2, ?3, ?4, '')",
    )?;
    let mut delete = conn.prepare_cached("DELETE FROM memberships WHERE collection_id = ?1 AND item_id = ?2")?;
    let mut seen = HashSet::new();
    let now = now_ms();
    for (index, id) in ids.into_iter().enumerate() {
        let Some(item) = id else { continue };
        if !seen.insert(item) {
            continue; // the same item twice in one mutation: its first place counts
        }
        let (current, present): (i64, bool) = state.query_row(rusqlite::params![collection, item], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let wanted = match cls.get(index) {
            Some(cl) => current.max(*cl as i64),
            None if (current % 2 == 1) == add => current,
            None => current + 1,
        };
        if wanted % 2 == 1 && !present {
            let Some(key) = keys.get(index) else { continue };
            insert.execute(rusqlite::params![collection, item, key, now])?;
        } else if wanted % 2 == 0 && present {
            delete.execute(rusqlite::params![collection, item])?;
        }
        if wanted != current {
            clock.execute(rusqlite::params![collection, item, wanted])?;
        }
    }
    Ok(())
}

/// Applies a pending mutation again on top of the server's state, as the server will apply it.
/// Idempotent: replaying a mutation whose effect is in place changes nothing.
pub fn replay(conn: &Connection, project: i64, m: &Mutation) -> Result<()> {
    match m {
        Mutation::CreateCollection { collection, hex_id, title, description, private, theme, .. } => {
            if collection_id(conn, collection)?.is_none() {
                let now = now_ms();
                conn.execute(
                    "INSERT INTO collections (uuid, hex_id, project_id, namespace, title, title_slug, description, private, theme, owner, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, '', ?10, ?10)",
                    rusqlite::params![
                        collection,
                        hex_id,
                        project,
                        namespace(conn, project)?,
                        title,
                        rules::slugify(title),
                        description,
                        private,
                        theme.as_str(),
                        now
                    ],
                )?;
            }
        }
        Mutation::UpdateCollection { collection, patch } => {
            if let Some(id) = live_collection(conn, project, collection)? {
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
            }
        }
        Mutation::DeleteCollection { collection } => {
            if let Some(id) = live_collection(conn, project, collection)? {
                conn.execute("UPDATE collections SET deleted_at = ?1 WHERE id = ?2", rusqlite::params![now_ms(), id])?;
            }
        }
        Mutation::AddItems { collection, items, positions, cls } => {
            if let Some(id) = live_collection(conn, project, collection)? {
                merge(conn, project, id, true, items, cls, positions)?;
            }
        }
        Mutation::RemoveItems { collection, items, cls } => {
            if let Some(id) = live_collection(conn, project, collection)? {
                merge(conn, project, id, false, items, cls, &[])?;
            }
        }
        Mutation::SetNote { collection, item, note } => {
            if let (Some(id), [Some(item)]) = (live_collection(conn, project, collection)?, item_ids(conn, project, std::slice::from_ref(item))?.as_slice()) {
                conn.execute("UPDATE memberships SET note = ?1 WHERE collection_id = ?2 AND item_id = ?3", rusqlite::params![note, id, item])?;
            }
        }
        Mutation::MoveItem { collection, item, position } => {
            if let (Some(id), [Some(item)]) = (live_collection(conn, project, collection)?, item_ids(conn, project, std::slice::from_ref(item))?.as_slice()) {
                conn.execute("UPDATE memberships SET position = ?1 WHERE collection_id = ?2 AND item_id = ?3", rusqlite::params![position, id, item])?;
            }
        }
        Mutation::TagItems { items, tags: names } | Mutation::UntagItems { items, tags: names } => {
            let ids: Vec<i64> = item_ids(conn, project, items)?.into_iter().flatten().collect();
            if !ids.is_empty() && !names.is_empty() {
                if matches!(m, Mutation::TagItems { .. }) {
                    tags::add_tags(conn, project, &ids, names)?;
                } else {
                    tags::remove_tags(conn, project, &ids, names)?;
                }
            }
        }
    }
    Ok(())
}

/// What a mutation was, in words, for the list of refused changes.
pub fn describe(conn: &Connection, m: &Mutation) -> Result<String> {
    let title = |uuid: &str| -> Result<String> {
        let t: Option<String> = conn.query_row("SELECT title FROM collections WHERE uuid = ?1", [uuid], |r| r.get(0)).optional()?;
        Ok(t.map(|t| format!("\u{201c}{t}\u{201d}")).unwrap_or_else(|| "a collection".into()))
    };
    let items = |n: usize| if n == 1 { "1 item".to_string() } else { format!("{n} items") };
    Ok(match m {
        Mutation::CreateCollection { title, .. } => format!("Create the collection \u{201c}{title}\u{201d}"),
        Mutation::UpdateCollection { collection, patch } => match &patch.title {
            Some(t) => format!("Rename {} to \u{201c}{t}\u{201d}", title(collection)?),
            None => format!("Edit {}", title(collection)?),
        },
        Mutation::DeleteCollection { collection } => format!("Delete {}", title(collection)?),
        Mutation::AddItems { collection, items: i, .. } => format!("Add {} to {}", items(i.len()), title(collection)?),
        Mutation::RemoveItems { collection, items: i, .. } => format!("Remove {} from {}", items(i.len()), title(collection)?),
        Mutation::SetNote { collection, .. } => format!("Set a note in {}", title(collection)?),
        Mutation::MoveItem { collection, .. } => format!("Reorder {}", title(collection)?),
        Mutation::TagItems { items: i, tags } => format!("Tag {} with {}", items(i.len()), tags.join(", ")),
        Mutation::UntagItems { items: i, tags } => format!("Remove the tags {} from {}", tags.join(", "), items(i.len())),
    })
}

/// Records the server's refusals of pending mutations (call before acknowledging them).
pub fn record_refusals(conn: &Connection, rejected: &[RejectedMutation]) -> Result<()> {
    for r in rejected {
        let row: Option<(String, Option<i64>)> = conn
            .query_row("SELECT mutation, project_id FROM outbox WHERE id = ?1", [r.id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let (change, project) = match row {
            Some((json, project)) => match serde_json::from_str::<Mutation>(&json) {
                Ok(m) => (describe(conn, &m)?, project),
                Err(_) => (r.name.replace('_', " "), project),
            },
            None => (r.name.replace('_', " "), None),
        };
        conn.execute(
            "INSERT OR REPLACE INTO refusals (mutation_id, project_id, change, reason, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![r.id, project, change, r.error.message, now_ms()],
        )?;
    }
    Ok(())
}

/// Refused changes, newest first.
pub fn refusals(conn: &Connection) -> Result<Vec<Refusal>> {
    let mut stmt = conn.prepare("SELECT mutation_id, change, reason, at FROM refusals ORDER BY mutation_id DESC LIMIT 200")?;
    let rows = stmt
        .query_map([], |r| Ok(Refusal { mutation_id: r.get(0)?, change: r.get(1)?, reason: r.get(2)?, at: r.get(3)? }))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// A comparable picture of one project's copy: collections (live) with their fields, and their
/// members in order with notes. What two replicas must agree on after syncing.
pub fn fingerprint(conn: &Connection, project: i64) -> Result<serde_json::Value> {
    let mut out = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT id, uuid, title, description, private, theme FROM collections WHERE project_id = ?1 AND deleted_at IS NULL ORDER BY uuid",
    )?;
    let cols = stmt
        .query_map([project], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, bool>(4)?, r.get::<_, String>(5)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut members = conn.prepare(
        "SELECT i.uuid, m.position, m.note FROM memberships m JOIN items i ON i.id = m.item_id WHERE m.collection_id = ?1 ORDER BY m.position, i.uuid",
    )?;
    for (id, uuid, title, description, private, theme) in cols {
        let list = members
            .query_map([id], |r| Ok(json!([r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?])))?
            .collect::<Result<Vec<_>, _>>()?;
        out.push(json!({"uuid": uuid, "title": title, "description": description, "private": private, "theme": theme, "members": list}));
    }
    let mut stmt = conn.prepare("SELECT uuid, tags_text FROM items WHERE project_id = ?1 AND tags_text <> '' ORDER BY uuid")?;
    let tagged = stmt
        .query_map([project], |r| Ok(json!([r.get::<_, String>(0)?, r.get::<_, String>(1)?.replace(crate::items::TAG_SEP, ",")])))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({"collections": out, "tags": tagged}))
}

impl crate::Store {
    /// Attaches a server project (see [`attach`]).
    pub fn attach_remote(&self, p: &RemoteProject) -> Result<i64> {
        self.write(|tx| attach(tx, p))
    }

    pub fn synced_projects(&self) -> Result<Vec<Synced>> {
        self.read(synced)
    }

    /// Applies one pulled page in one transaction.
    pub fn apply_pull(&self, project: i64, page: &PullResponse) -> Result<Applied> {
        self.write(|tx| apply_pull(tx, project, page))
    }

    /// After a push: records the refusals and drops every mutation up to `last`, in one
    /// transaction.
    pub fn acknowledge(&self, last: i64, rejected: &[RejectedMutation]) -> Result<u64> {
        self.write(|tx| {
            record_refusals(tx, rejected)?;
            outbox::acknowledge(tx, last)
        })
    }

    pub fn refusals(&self) -> Result<Vec<Refusal>> {
        self.read(refusals)
    }

    pub fn dismiss_refusals(&self) -> Result<()> {
        self.write(|tx| Ok(tx.execute("DELETE FROM refusals", []).map(|_| ())?))
    }

    /// See [`fingerprint`].
    pub fn fingerprint(&self, project: i64) -> Result<serde_json::Value> {
        self.read(|c| fingerprint(c, project))
    }

    /// The local project that copies the server project `uuid`, if any.
    pub fn project_by_uuid(&self, uuid: &str) -> Result<Option<i64>> {
        self.read(|c| Ok(c.query_row("SELECT id FROM projects WHERE uuid = ?1", [uuid], |r| r.get(0)).optional()?))
    }

    /// This database's client id (what it pushes and pulls as).
    pub fn client_id(&self) -> &str {
        self.actor()
    }

    /// What [`first_pending`](Self::first_pending) will be once a page acknowledging the
    /// mutations up to `last` is applied: the sync engine asks for the next page with it while
    /// applying this one.
    pub fn first_pending_after(&self, last: i64) -> Result<Option<i64>> {
        self.read(|c| Ok(c.query_row("SELECT min(id) FROM outbox WHERE id > ?1", [last], |r| r.get(0))?))
    }
}

#[cfg(test)]
mod tests {
    use trove_protocol::sync::{SyncCollection, SyncMembership};
    use trove_protocol::{ApiError, CollectionPatch, ErrorCode, NewCollection, Theme};

    use super::*;
    use crate::testing::{fixture, ids, Fixture};

    fn page(last_mutation_id: i64) -> PullResponse {
        PullResponse {
            cookie: 10,
            last_mutation_id,
            reset: false,
            more: false,
            datasets: vec![],
            items: vec![],
            collections: vec![],
            memberships: vec![],
            deleted_collections: vec![],
            rejected: vec![],
        }
    }

    fn server_collection(uuid: &str, title: &str) -> SyncCollection {
        SyncCollection {
            uuid: uuid.into(),
            hex_id: "0123456789abcdef01234567".into(),
            namespace: "lab".into(),
            title: title.into(),
            description: String::new(),
            private: false,
            theme: Theme::Blue,
            owner: "carol".into(),
            created_at: 1,
            updated_at: 2,
            deleted: false,
        }
    }

    fn collection(f: &Fixture, title: &str) -> (i64, String) {
        let input = NewCollection { title: title.into(), description: String::new(), private: false, theme: None };
        let c = f.store.create_collection(f.p, &input).unwrap();
        (c.id, f.store.read(|conn| crate::collections::uuid_of(conn, c.id)).unwrap())
    }

    fn last_id(f: &Fixture) -> i64 {
        f.store.outbox().unwrap().last().unwrap().0
    }

    #[test]
    fn adds_and_removes_carry_the_causal_lengths_they_reach() {
        let f = fixture();
        let (c, _) = collection(&f, "Picks");
        f.store.add_to_collection(f.p, c, &ids(&[1, 2])).unwrap();
        f.store.remove_from_collection(f.p, c, &ids(&[1])).unwrap();
        f.store.add_to_collection(f.p, c, &ids(&[1])).unwrap();
        let cls: Vec<Vec<u32>> = f
            .store
            .outbox()
            .unwrap()
            .into_iter()
            .filter_map(|(_, m)| match m {
                Mutation::AddItems { cls, .. } | Mutation::RemoveItems { cls, .. } => Some(cls),
                _ => None,
            })
            .collect();
        assert_eq!(cls, [vec![1, 1], vec![2], vec![3]]);
    }

    #[test]
    fn a_pull_overwrites_with_the_server_state_then_replays_what_is_pending() {
        let f = fixture();
        let (c, uuid) = collection(&f, "Mine");
        f.store.add_to_collection(f.p, c, &ids(&[1])).unwrap();
        let acked = last_id(&f);
        f.store.update_collection(c, &CollectionPatch { title: Some("Renamed here".into()), ..Default::default() }).unwrap();
        f.store.add_to_collection(f.p, c, &ids(&[2])).unwrap();
        // The server has applied the create and the first add; meanwhile someone else renamed the
        // collection and removed item 1, and added item 3 (cl 1) and set its note.
        let mut p = page(acked);
        p.collections.push(server_collection(&uuid, "Renamed there"));
        p.memberships.push(SyncMembership { collection: uuid.clone(), item: "item-1".into(), cl: 2, position: None, note: None });
        p.memberships.push(SyncMembership { collection: uuid.clone(), item: "item-3".into(), cl: 1, position: Some("a0".into()), note: Some("n".into()) });
        let applied = f.store.apply_pull(f.p, &p).unwrap();
        assert_eq!((applied.acknowledged, applied.replayed), (2, 2));
        let now = f.store.collections(f.p).unwrap();
        assert_eq!(now[0].title, "Renamed here", "the pending rename is applied after the server's");
        assert_eq!(f.members(c), [3, 2], "the remove from the server stands; the pending add is kept");
        assert_eq!(f.store.pending().unwrap(), 2);
        // An empty page changes nothing and replays nothing.
        let before = f.snapshot();
        let applied = f.store.apply_pull(f.p, &page(acked)).unwrap();
        assert_eq!(applied.replayed, 0);
        assert_eq!(f.snapshot(), before);
    }

    #[test]
    fn a_re_add_the_remover_never_saw_survives_a_replayed_remove() {
        let f = fixture();
        let (c, uuid) = collection(&f, "Picks");
        f.store.add_to_collection(f.p, c, &ids(&[1])).unwrap();
        let acked = last_id(&f);
        f.store.remove_from_collection(f.p, c, &ids(&[1])).unwrap(); // pending, cl 2
        // Elsewhere item 1 was removed and added again (cl 3).
        let mut p = page(acked);
        p.memberships.push(SyncMembership { collection: uuid, item: "item-1".into(), cl: 3, position: Some("a5".into()), note: Some(String::new()) });
        f.store.apply_pull(f.p, &p).unwrap();
        assert_eq!(f.members(c), [1]);
    }

    #[test]
    fn a_reset_rebuilds_the_copy_and_keeps_pending_edits() {
        let f = fixture();
        let (c, uuid) = collection(&f, "Pending");
        f.store.add_to_collection(f.p, c, &ids(&[4])).unwrap();
        let ds: String = f.store.read(|conn| Ok(conn.query_row("SELECT uuid FROM datasets WHERE id = ?1", [f.b], |r| r.get(0))?)).unwrap();
        let mut p = page(0);
        p.reset = true;
        p.datasets.push(trove_protocol::sync::SyncDataset { uuid: ds.clone(), name: "B".into() });
        p.items.push(trove_protocol::sync::SyncItem {
            uuid: "item-4".into(),
            dataset: ds,
            kind: trove_protocol::ItemKind::Image,
            name: "delta.jpg".into(),
            mime: "image/jpeg".into(),
            width: None,
            height: None,
            size: 1,
            labels_count: 0,
            created_at: 1,
            updated_at: 1,
            thumb: None,
            source: "s".into(),
            tags: vec!["x".into(), "a".into()],
        });
        f.store.apply_pull(f.p, &p).unwrap();
        let items = f.store.page(f.p, &Default::default(), 0, 10).unwrap().items;
        assert_eq!(items.iter().map(|i| (i.name.as_str(), i.tags.clone())).collect::<Vec<_>>(), [("delta.jpg", vec!["a".to_string(), "x".into()])]);
        let cols = f.store.collections(f.p).unwrap();
        assert_eq!(cols.len(), 1, "the pending create was replayed");
        let fp = f.store.fingerprint(f.p).unwrap();
        assert_eq!(fp["collections"][0]["uuid"], uuid);
        assert_eq!(fp["collections"][0]["members"][0][0], "item-4");
    }

    #[test]
    fn pulled_items_are_inserted_or_updated_with_exactly_their_tags() {
        let f = fixture();
        let ds: String = f.store.read(|conn| Ok(conn.query_row("SELECT uuid FROM datasets WHERE id = ?1", [f.a], |r| r.get(0))?)).unwrap();
        let item = |uuid: &str, name: &str, tags: &[&str]| trove_protocol::sync::SyncItem {
            uuid: uuid.into(),
            dataset: ds.clone(),
            kind: trove_protocol::ItemKind::Image,
            name: name.into(),
            mime: "image/jpeg".into(),
            width: Some(10),
            height: None,
            size: 7,
            labels_count: 1,
            created_at: 1,
            updated_at: 1,
            thumb: None,
            source: "s".into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
        };
        let state = |f: &Fixture| -> Vec<(String, String, String, String)> {
            f.store
                .read(|c| {
                    let mut stmt = c.prepare(
                        "SELECT i.uuid, i.name, i.tags_text, coalesce((SELECT group_concat(name, ',') FROM \
                           (SELECT t.name FROM item_tags it JOIN tags t ON t.id = it.tag_id WHERE it.item_id = i.id ORDER BY t.name)), '') \
                         FROM items i WHERE i.project_id = ?1 ORDER BY i.uuid",
                    )?;
                    let rows = stmt.query_map([f.p], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)?.replace(crate::items::TAG_SEP, ","), r.get(3)?)))?;
                    Ok(rows.collect::<Result<Vec<_>, _>>()?)
                })
                .unwrap()
        };
        // New items, one repeated within the page (the last one wins), and known items changed:
        // one renamed and retagged, one with a tag less. Applied again, the page (now the same
        // as the rows) changes nothing.
        let mut p = page(0);
        p.items = vec![
            item("new-1", "n1.jpg", &["x", "a", "x"]),
            item("new-2", "n2.jpg", &[]),
            item("new-1", "n1b.jpg", &["b"]),
            item("item-1", "alpha2.jpg", &["dog", "zebra"]),
            item("item-2", "beta.png", &["cat"]),
        ];
        let before_beta: (i64, String) = f.store.read(|c| Ok(c.query_row("SELECT id, tags_text FROM items WHERE uuid = 'item-2'", [], |r| Ok((r.get(0)?, r.get(1)?)))?)).unwrap();
        assert_eq!(before_beta.1.replace(crate::items::TAG_SEP, ","), "cat,dog");
        f.store.apply_pull(f.p, &p).unwrap();
        let got = state(&f);
        let row = |uuid: &str| got.iter().find(|r| r.0 == uuid).cloned().unwrap();
        assert_eq!(row("new-1"), ("new-1".into(), "n1b.jpg".into(), "b".into(), "b".into()));
        assert_eq!(row("new-2"), ("new-2".into(), "n2.jpg".into(), "".into(), "".into()));
        assert_eq!(row("item-1"), ("item-1".into(), "alpha2.jpg".into(), "dog,zebra".into(), "dog,zebra".into()));
        assert_eq!(row("item-2"), ("item-2".into(), "beta.png".into(), "cat".into(), "cat".into()));
        // The same page again changes nothing.
        f.store.apply_pull(f.p, &p).unwrap();
        assert_eq!(state(&f), got);
    }

    #[test]
    fn refusals_are_listed_in_words_and_a_tombstone_drops_the_refused_collection() {
        let f = fixture();
        let (c, uuid) = collection(&f, "Cats");
        f.store.add_to_collection(f.p, c, &ids(&[1, 2])).unwrap();
        let all = f.store.outbox().unwrap();
        let refused = |id: i64, name: &str| RejectedMutation {
            id,
            name: name.into(),
            error: ApiError::new(ErrorCode::Conflict, "a collection titled \"Cats\" already exists in this project; choose another title"),
        };
        f.store.acknowledge(all[1].0, &[refused(all[0].0, "create_collection")]).unwrap();
        assert_eq!(f.store.pending().unwrap(), 0);
        let list = f.store.refusals().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].change, "Create the collection \u{201c}Cats\u{201d}");
        assert!(list[0].reason.contains("already exists"));
        let mut p = page(all[1].0);
        p.deleted_collections.push(uuid);
        f.store.apply_pull(f.p, &p).unwrap();
        assert!(f.store.collections(f.p).unwrap().is_empty());
        f.store.dismiss_refusals().unwrap();
        assert!(f.store.refusals().unwrap().is_empty());
    }
}
