//! The saved-view primitives of [`CacheReplica`](super::CacheReplica): the `views` rows of one
//! project, written as the rulebook says (create once, fields last-writer-wins, delete wins).

use rusqlite::{Connection, OptionalExtension};
use trove_protocol::view::ViewPatch;
use trove_protocol::Sort;
use trove_rulebook::NewView;

use crate::db::now_ms;
use crate::error::Result;

pub(crate) fn sort_text(sort: &Sort) -> String {
    serde_json::to_string(sort).expect("a sort serializes")
}

pub(super) fn exists(conn: &Connection, uuid: &str) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM views WHERE uuid = ?1)", [uuid], |r| r.get(0))?)
}

/// Makes the view in `project` when the mutation names that project (a view of a project this
/// cache does not hold is left out).
pub(super) fn create(conn: &Connection, project: i64, actor: &str, v: &NewView<'_>) -> Result<()> {
    let ours: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM projects WHERE id = ?1 AND uuid = ?2)", rusqlite::params![project, v.project], |r| r.get(0))?;
    if ours {
        conn.execute(
            "INSERT INTO views (uuid, project_id, name, filter, sort, created_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            rusqlite::params![v.view, project, v.name, v.filter, sort_text(&v.sort), actor, now_ms()],
        )?;
    }
    Ok(())
}

/// The live view `uuid` of the project, by id.
pub(super) fn live(conn: &Connection, project: i64, uuid: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row("SELECT id FROM views WHERE uuid = ?1 AND project_id = ?2 AND deleted_at IS NULL", rusqlite::params![uuid, project], |r| r.get(0))
        .optional()?)
}

pub(super) fn update(conn: &Connection, id: i64, patch: &ViewPatch) -> Result<()> {
    conn.execute(
        "UPDATE views SET name = coalesce(?2, name), filter = coalesce(?3, filter), sort = coalesce(?4, sort), updated_at = ?5 WHERE id = ?1",
        rusqlite::params![id, patch.name, patch.filter, patch.sort.as_ref().map(sort_text), now_ms()],
    )?;
    Ok(())
}

pub(super) fn delete(conn: &Connection, id: i64) -> Result<()> {
    conn.execute("UPDATE views SET deleted_at = ?2, updated_at = ?2 WHERE id = ?1", rusqlite::params![id, now_ms()])?;
    Ok(())
}
