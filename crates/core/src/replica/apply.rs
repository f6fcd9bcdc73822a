//! Applying one pulled page to a project's copy: the server's rows overwrite the copy (a reset
//! drops it first), the acknowledged outbox rows go, and what is still pending is replayed.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension};
use trove_protocol::{position, rules};
use trove_protocol::sync::PullResponse;

use super::{collection_id, item_ids, key_at_end, record_refusals, replay, Applied};
use crate::db::now_ms;
use crate::error::Result;
use crate::{outbox, tags};

/// Drops the synced copy of the project's data (a reset); the outbox is kept and replayed.
pub(super) fn wipe(conn: &Connection, project: i64) -> Result<()> {
    // The collections' order goes in one range each, and the rows then without the trigger that
    // would delete it row by row.
    conn.execute("DELETE FROM member_order WHERE collection_id IN (SELECT id FROM collections WHERE project_id = ?1)", [project])?;
    crate::facts::quietly(conn, &[crate::cache::ORDER_DELETE], || wipe_rows(conn, project))
}

fn wipe_rows(conn: &Connection, project: i64) -> Result<()> {
    for sql in [
        "DELETE FROM queue_entries WHERE queue_id IN (SELECT id FROM queues WHERE project_id = ?1)",
        "DELETE FROM queues WHERE project_id = ?1",
        "DELETE FROM views WHERE project_id = ?1",
        "DELETE FROM membership_clocks WHERE collection_id IN (SELECT id FROM collections WHERE project_id = ?1)",
        // Logged for the index of counts by the collections' own deletion just below.
        "DELETE FROM memberships WHERE collection_id IN (SELECT id FROM collections WHERE project_id = ?1)",
        "DELETE FROM collections WHERE project_id = ?1",
        "DELETE FROM item_tags WHERE item_id IN (SELECT id FROM items WHERE project_id = ?1)",
        "DELETE FROM tags WHERE project_id = ?1",
        "DELETE FROM items WHERE project_id = ?1",
        "DELETE FROM datasets WHERE project_id = ?1",
    ] {
        conn.execute(sql, [project])?;
    }
    Ok(())
}

fn hard_delete_collection(conn: &Connection, id: i64) -> Result<()> {
    // Its queues stay, closed by the rule (their collection is gone), with their history.
    conn.execute("UPDATE queues SET collection_id = NULL WHERE collection_id = ?1", [id])?;
    conn.execute("DELETE FROM membership_clocks WHERE collection_id = ?1", [id])?;
    conn.execute("DELETE FROM member_order WHERE collection_id = ?1", [id])?;
    crate::facts::quietly(conn, &[crate::cache::ORDER_DELETE], || Ok(conn.execute("DELETE FROM memberships WHERE collection_id = ?1", [id])?))?;
    crate::facts::collection_changed(conn, id)?;
    conn.execute("DELETE FROM collections WHERE id = ?1", [id])?;
    Ok(())
}


/// Applies one pulled page to the project's copy, in the caller's transaction: the server's rows
/// first (a reset drops the copy before), then the acknowledgement of the outbox, then the replay
/// of what is still pending, then the new cookie.
///
/// Only a row that differs from the copy is written: the pull after a push brings back what this
/// cache has just sent (an add of 100,000 items comes back as 100,000 memberships), and such a
/// page writes no row of them, replays nothing and reports no change.
/// Whether applying `page` rebuilds the copy: a reset the server asked for, or one this cache
/// asked itself (`recovery::start_over`).
pub fn resets(conn: &Connection, project: i64, page: &PullResponse) -> Result<bool> {
    let pending: bool = conn.query_row("SELECT reset_pending FROM sync_projects WHERE project_id = ?1", [project], |r| r.get(0))?;
    Ok(page.reset || pending)
}

pub fn apply_pull(conn: &Connection, project: i64, page: &PullResponse) -> Result<Applied> {
    let carried = page.datasets.len()
        + page.items.len()
        + page.collections.len()
        + page.memberships.len()
        + page.deleted_collections.len()
        + page.queues.len()
        + page.queue_entries.len()
        + page.views.len();
    // A reset the server asked for, or one this cache asked itself (`recovery::start_over`):
    // the copy is rebuilt from this page on.
    let reset = resets(conn, project, page)?;
    let mut out = Written::default();
    if reset {
        let before = conn.total_changes();
        wipe(conn, project)?;
        out.row(conn.total_changes() - before > 0);
    }
    apply_datasets(conn, project, page, &mut out)?;
    crate::deferred::defer(conn, project, page.items.len(), page.more)?;
    if page.items.len() >= crate::facts::REBUILD_AT / 2 {
        // A large page (a first pull's) is past what the index of counts patches row by row
        // (an item and its tags are two log rows or more): its rows are not logged one by
        // one, and the index is built again.
        crate::facts::quietly(conn, crate::facts::ITEM_TRIGGERS, || apply_items(conn, project, page, &mut out))?;
        crate::facts::rebuild(conn)?;
    } else {
        apply_items(conn, project, page, &mut out)?;
    }
    apply_collections(conn, project, page, &mut out)?;
    apply_memberships(conn, project, page, &mut out)?;
    for uuid in &page.deleted_collections {
        if let Some(id) = collection_id(conn, uuid)? {
            hard_delete_collection(conn, id)?;
            out.row(true);
        }
    }
    super::queues::apply_queues(conn, project, page, &mut out)?;
    super::queues::apply_entries(conn, project, page, &mut out)?;
    apply_views(conn, project, page, &mut out)?;
    // Refusals the push answer carried may have been lost with it: the page repeats them.
    let undo = record_refusals(conn, &page.rejected)?;
    let acknowledged = outbox::acknowledge(conn, page.last_mutation_id)?;
    // Nothing was overwritten when the page wrote nothing: the pending effects are still in place.
    let mut replayed = 0;
    if out.written > 0 || reset {
        for p in outbox::of_project(conn, project)? {
            replay(conn, project, &p.mutation)?;
            replayed += 1;
        }
    }
    conn.execute(
        "UPDATE sync_projects SET cookie = ?1, synced_at = CASE WHEN ?2 THEN synced_at ELSE ?3 END, reset_pending = 0 WHERE project_id = ?4",
        rusqlite::params![page.cookie, page.more, now_ms(), project],
    )?;
    super::refetch(conn, &undo)?;
    if !page.more {
        crate::deferred::restore(conn)?;
    }
    Ok(Applied { carried, written: out.written, changed: out.changed, acknowledged, replayed })
}

/// Writes the page's saved views where they differ (a deleted one keeps its row, deleted).
fn apply_views(conn: &Connection, project: i64, page: &PullResponse, out: &mut Written) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO views (uuid, project_id, name, filter, sort, created_by, created_at, updated_at, deleted_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, CASE WHEN ?9 THEN ?8 END) \
         ON CONFLICT (uuid) DO UPDATE SET name = excluded.name, filter = excluded.filter, sort = excluded.sort, \
           created_by = excluded.created_by, created_at = excluded.created_at, updated_at = excluded.updated_at, deleted_at = excluded.deleted_at \
         WHERE views.project_id = excluded.project_id AND (views.name IS NOT excluded.name OR views.filter IS NOT excluded.filter \
           OR views.sort IS NOT excluded.sort OR views.created_by IS NOT excluded.created_by OR views.updated_at IS NOT excluded.updated_at \
           OR views.deleted_at IS NOT excluded.deleted_at)",
    )?;
    for v in &page.views {
        let sort = crate::cache::views::sort_text(&v.sort);
        let written = stmt.execute(rusqlite::params![v.uuid, project, v.name, v.filter, sort, v.created_by, v.created_at, v.updated_at, v.deleted])?;
        out.row(written > 0);
    }
    Ok(())
}

/// Rows a page wrote, and of those the ones whose change shows.
#[derive(Default)]
pub(super) struct Written {
    written: usize,
    changed: usize,
}

impl Written {
    /// A row that was written (or not), its change shown.
    pub(super) fn row(&mut self, written: bool) {
        self.seen(written, written);
    }

    fn seen(&mut self, written: bool, shows: bool) {
        self.written += written as usize;
        self.changed += (written && shows) as usize;
    }
}

fn apply_datasets(conn: &Connection, project: i64, page: &PullResponse, out: &mut Written) -> Result<()> {
    // A dataset this cache made for an import (`import_items`) while the server made one of the
    // same name (another device's import): the rulebook put the files into the server's, and the
    // copy's takes its UUID.
    let mut adopt = conn.prepare_cached(
        "UPDATE datasets SET uuid = ?1 WHERE project_id = ?2 AND name = ?3 AND uuid IS NOT ?1 \
         AND NOT EXISTS (SELECT 1 FROM datasets WHERE uuid = ?1)",
    )?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO datasets (uuid, project_id, name) VALUES (?1, ?2, ?3) \
         ON CONFLICT (uuid) DO UPDATE SET name = excluded.name WHERE datasets.name IS NOT excluded.name",
    )?;
    for d in &page.datasets {
        adopt.execute(rusqlite::params![d.uuid, project, d.name])?;
        out.row(stmt.execute(rusqlite::params![d.uuid, project, d.name])? > 0);
    }
    Ok(())
}

/// Writes the page's collections that differ from the copy. A collection whose only difference
/// is `updated_at` is written (the copy keeps the server's time) but is no change to show: the
/// server touches a collection when it applies this cache's add, at its own clock, and the
/// app shows no collection's time.
fn apply_collections(conn: &Connection, project: i64, page: &PullResponse, out: &mut Written) -> Result<()> {
    if page.collections.is_empty() {
        return Ok(());
    }
    let mut current = conn.prepare_cached(
        "SELECT namespace, title, description, private, theme, owner, deleted_at IS NOT NULL, updated_at FROM collections WHERE uuid = ?1",
    )?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO collections (uuid, hex_id, project_id, namespace, title, title_slug, description, private, theme, owner, created_at, updated_at, deleted_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, CASE WHEN ?13 THEN ?12 END) \
         ON CONFLICT (uuid) DO UPDATE SET namespace = excluded.namespace, title = excluded.title, title_slug = excluded.title_slug, \
           description = excluded.description, private = excluded.private, theme = excluded.theme, owner = excluded.owner, \
           updated_at = excluded.updated_at, deleted_at = CASE WHEN ?13 THEN coalesce(collections.deleted_at, excluded.updated_at) END",
    )?;
    for c in &page.collections {
        type Row = (String, String, String, bool, String, String, bool, i64);
        let had: Option<Row> = current
            .query_row([&c.uuid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))
            .optional()?;
        let shown = (c.namespace.clone(), c.title.clone(), c.description.clone(), c.private, c.theme.as_str().to_string(), c.owner.clone(), c.deleted);
        let (shows, time) = match had {
            Some((namespace, title, description, private, theme, owner, deleted, updated_at)) => {
                ((namespace, title, description, private, theme, owner, deleted) != shown, updated_at != c.updated_at)
            }
            None => (true, true),
        };
        if !shows && !time {
            out.row(false);
            continue;
        }
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
        out.seen(true, shows);
    }
    Ok(())
}

/// Writes the page's items. A new item (every item of a first download) goes in with its tags
/// in a few cached statements: one insert that carries `tags_text`, then its `item_tags` rows,
/// with tag ids looked up once per page. An item the copy has is updated, and its tags rewritten
/// only when they differ.
fn apply_items(conn: &Connection, project: i64, page: &PullResponse, out: &mut Written) -> Result<()> {
    if page.items.is_empty() {
        return Ok(());
    }
    let datasets: HashMap<String, i64> = {
        let mut stmt = conn.prepare("SELECT uuid, id FROM datasets WHERE project_id = ?1")?;
        let rows = stmt.query_map([project], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        rows
    };
    let mut insert = conn.prepare_cached(
        "INSERT INTO items (uuid, project_id, dataset_id, kind, name, mime, width, height, size, labels_count, created_at, updated_at, thumb, source, tags_text, no, content) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) ON CONFLICT (uuid) DO NOTHING",
    )?;
    // Only a row that differs is written: SQLite rewrites the entry of every index whose
    // columns an UPDATE sets, changed or not, and those pages are what a commit writes.
    let mut update = conn.prepare_cached(
        "UPDATE items SET dataset_id = ?2, kind = ?3, name = ?4, mime = ?5, width = ?6, height = ?7, size = ?8, labels_count = ?9, \
           created_at = ?10, updated_at = ?11, thumb = ?12, source = ?13, no = ?14, content = ?15 \
         WHERE uuid = ?1 AND (dataset_id IS NOT ?2 OR kind IS NOT ?3 OR name IS NOT ?4 OR mime IS NOT ?5 OR width IS NOT ?6 \
           OR height IS NOT ?7 OR size IS NOT ?8 OR labels_count IS NOT ?9 OR created_at IS NOT ?10 OR updated_at IS NOT ?11 \
           OR thumb IS NOT ?12 OR source IS NOT ?13 OR no IS NOT ?14 OR content IS NOT ?15) \
         RETURNING id, tags_text",
    )?;
    let mut unchanged = conn.prepare_cached("SELECT id, tags_text FROM items WHERE uuid = ?1")?;
    let mut clear = conn.prepare_cached("DELETE FROM item_tags WHERE item_id = ?1")?;
    let mut tag = conn.prepare_cached("INSERT OR IGNORE INTO item_tags (item_id, tag_id) VALUES (?1, ?2)")?;
    let mut tag_ids = TagIds::new(conn, project)?;
    for i in &page.items {
        let Some(dataset) = datasets.get(&i.dataset) else {
            tracing::warn!(item = %i.uuid, dataset = %i.dataset, "a pulled item names a dataset the copy does not have; skipped");
            continue;
        };
        let mut wanted = i.tags.clone();
        wanted.sort();
        wanted.dedup();
        let text = crate::tags_text::of(&wanted);
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
            text,
            number(i.no),
            i.content
        ])?;
        if inserted == 1 {
            out.row(true);
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
                    i.source,
                    number(i.no),
                    i.content
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let written = updated.is_some();
        let (id, tags_text) = match updated {
            Some(row) => row,
            None => unchanged.query_row([&i.uuid], |r| Ok((r.get(0)?, r.get(1)?)))?,
        };
        let retag = tags_text != text;
        if retag {
            tags::set_tags(conn, project, id, &wanted)?;
        }
        out.row(written || retag);
    }
    Ok(())
}

/// A pulled item's number as the cache keeps it (0: a server that sends none).
fn number(no: u64) -> Option<i64> {
    i64::try_from(no).ok().filter(|n| *n > 0)
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

/// Writes the page's memberships: a pair's clock, and its row (present: position and note;
/// absent: none), each only where it differs from the copy.
fn apply_memberships(conn: &Connection, project: i64, page: &PullResponse, out: &mut Written) -> Result<()> {
    if page.memberships.is_empty() {
        return Ok(());
    }
    let mut collections: HashMap<&str, Option<i64>> = HashMap::new();
    let item_uuids: Vec<String> = page.memberships.iter().map(|m| m.item.clone()).collect();
    let items = item_ids(conn, project, &item_uuids)?;
    // A present pair of length 1 needs no stored length (a row without one counts as 1, see
    // `cache/sets.rs`): the echo of a bulk add, which stored none, then writes nothing.
    let mut clock = conn.prepare_cached(
        "INSERT INTO membership_clocks (collection_id, item_id, cl) SELECT ?1, ?2, ?3 \
         WHERE ?3 <> 1 OR EXISTS (SELECT 1 FROM membership_clocks WHERE collection_id = ?1 AND item_id = ?2) \
         ON CONFLICT (collection_id, item_id) DO UPDATE SET cl = excluded.cl WHERE membership_clocks.cl IS NOT excluded.cl",
    )?;
    let mut upsert = conn.prepare_cached(
        "INSERT INTO memberships (collection_id, item_id, position, note, added_at, added_by) VALUES (?1, ?2, ?3, ?4, ?5, '') \
         ON CONFLICT (collection_id, item_id) DO UPDATE SET position = excluded.position, note = excluded.note \
         WHERE memberships.position IS NOT excluded.position OR memberships.note IS NOT excluded.note",
    )?;
    let mut delete = conn.prepare_cached("DELETE FROM memberships WHERE collection_id = ?1 AND item_id = ?2")?;
    let now = now_ms();
    let mut changed: HashMap<i64, Vec<i64>> = HashMap::new();
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
        let mut written = clock.execute(rusqlite::params![collection, item, m.cl])?;
        if m.cl % 2 == 1 {
            let position = match m.position.as_deref() {
                Some(key) if position::is_valid(key) => key.to_string(),
                key => {
                    tracing::warn!(collection = %m.collection, item = %m.item, len = key.map_or(0, str::len), "a pulled membership has no valid position; placed at the end");
                    key_at_end(conn, collection)?
                }
            };
            written += upsert.execute(rusqlite::params![collection, item, position, m.note.as_deref().unwrap_or(""), now])?;
        } else {
            written += delete.execute(rusqlite::params![collection, item])?;
        }
        if written > 0 {
            changed.entry(collection).or_default().push(item);
        }
        out.row(written > 0);
    }
    for (collection, items) in changed {
        crate::facts::members_changed(conn, collection, &items)?;
    }
    Ok(())
}
