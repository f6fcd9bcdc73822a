//! The import primitives of [`CacheReplica`](super::CacheReplica) (`import_items`): the
//! dataset files go into and the items they become, written as trove-server writes them
//! (`store/items.rs::insert_upload`), so a pulled row matches what the app wrote.

use rusqlite::{Connection, OptionalExtension};
use trove_protocol::mutation::ImportedItem;

use crate::db::now_ms;
use crate::error::Result;

/// Whether `uuid` is the project's own UUID (a copy holds one server project).
pub(super) fn is_project(conn: &Connection, project: i64, uuid: &str) -> Result<bool> {
    Ok(conn.query_row("SELECT 1 FROM projects WHERE id = ?1 AND uuid = ?2", rusqlite::params![project, uuid], |_| Ok(())).optional()?.is_some())
}

/// The dataset `uuid` of the project, else its dataset named `name`.
pub(super) fn dataset(conn: &Connection, project: i64, uuid: &str, name: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT id FROM datasets WHERE project_id = ?1 AND uuid = ?2 \
             UNION ALL SELECT id FROM datasets WHERE project_id = ?1 AND name = ?3 LIMIT 1",
            rusqlite::params![project, uuid, name],
            |r| r.get(0),
        )
        .optional()?)
}

pub(super) fn create_dataset(conn: &Connection, project: i64, uuid: &str, name: &str) -> Result<i64> {
    conn.execute("INSERT INTO datasets (uuid, project_id, name) VALUES (?1, ?2, ?3)", rusqlite::params![uuid, project, name])?;
    Ok(conn.last_insert_rowid())
}

/// The item `uuid` if it is one of the project's.
pub(super) fn project_item(conn: &Connection, project: i64, uuid: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM items WHERE uuid = ?1 AND project_id = ?2")?
        .query_row(rusqlite::params![uuid, project], |r| r.get(0))
        .optional()?)
}

/// A new item for the file, unless its UUID is taken elsewhere in the cache (then nothing: the
/// server refuses that mutation, and the refusal undoes the rest).
pub(super) fn insert(conn: &Connection, project: i64, dataset: i64, file: &ImportedItem) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO items (uuid, project_id, dataset_id, kind, name, mime, width, height, size, labels_count, created_at, updated_at, thumb, source, content) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, ?11, ?12, ?13, ?14) ON CONFLICT (uuid) DO NOTHING",
    )?
    .execute(rusqlite::params![
        file.item,
        project,
        dataset,
        file.kind.as_str(),
        file.name,
        file.mime,
        file.width,
        file.height,
        file.size as i64,
        file.created_at,
        now_ms(),
        file.thumb,
        file.source(),
        file.content
    ])?;
    Ok(())
}

/// The file's new content on its item; `updated_at` changes only when a field did, and the
/// detail panel's preview is made again.
pub(super) fn update(conn: &Connection, item: i64, file: &ImportedItem) -> Result<()> {
    conn.prepare_cached(
        "UPDATE items SET kind = ?2, mime = ?3, width = ?4, height = ?5, size = ?6, thumb = ?7, content = ?8, preview = NULL, updated_at = ?9 \
         WHERE id = ?1 AND (kind IS NOT ?2 OR mime IS NOT ?3 OR width IS NOT ?4 OR height IS NOT ?5 OR size IS NOT ?6 \
                            OR thumb IS NOT ?7 OR content IS NOT ?8)",
    )?
    .execute(rusqlite::params![item, file.kind.as_str(), file.mime, file.width, file.height, file.size as i64, file.thumb, file.content, now_ms()])?;
    Ok(())
}
