//! Replaying a pending mutation on top of the server's state, with the server's own rules.

use std::collections::HashSet;

use rusqlite::Connection;
use trove_protocol::{position, rules, Mutation};

use super::{collection_id, item_ids, key_at_end, live_collection, namespace};
use crate::db::now_ms;
use crate::error::Result;
use crate::tags;

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
            let key = if position::is_valid(key) { key.clone() } else { key_at_end(conn, collection)? };
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
            if !position::is_valid(position) {
                return Ok(()); // the server refuses it too; the item stays where it is
            }
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

