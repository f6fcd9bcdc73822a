//! Saved views (`trove_protocol::view`): the primitives the rulebook writes them with, their
//! rows in a pull, and the native API's list and items. A view's filter is stored portable
//! (references by UUID); reading its items translates it into this server's ids, leaving out a
//! clause whose collection, dataset or queue is gone or hidden from the caller (so a view never
//! reveals a private collection, and always opens).

use serde_json::Value;
use trove_protocol::api::{ItemsPage, Role};
use trove_protocol::view::{self, Portable, Ref, SyncView, ViewInfo, ViewPatch};
use trove_protocol::{ItemQuery, Sort};
use trove_rulebook::NewView;

use crate::db::{Connection, OptionalExtension, Transaction};
use crate::error::{Error, Result};
use crate::store::access::{self, Caller};
use crate::store::{collections, items, now_ms, queues};

/// A live view: its id and its project's.
#[derive(Debug, Clone, Copy)]
pub struct ViewHandle {
    pub id: i64,
    pub project: i64,
}

fn sort_text(sort: &Sort) -> Result<String> {
    Ok(serde_json::to_string(sort)?)
}

fn sort_of(text: &str) -> Sort {
    serde_json::from_str(text).unwrap_or_default()
}

pub fn exists(conn: &Connection, uuid: &str) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM views WHERE uuid = ?1)", [uuid], |r| r.get(0))?)
}

/// Makes a view in a project the caller is an editor of.
pub fn create(tx: &Transaction, caller: &Caller, v: NewView<'_>) -> Result<()> {
    let project = crate::store::sync::project_by_uuid(tx, caller, v.project, Role::Editor)?;
    let now = now_ms();
    tx.execute(
        "INSERT INTO views (uuid, project_id, name, filter, sort, created_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        crate::db::params![v.view, project, v.name, v.filter, sort_text(&v.sort)?, caller.name, now],
    )?;
    Ok(())
}

/// The live view `uuid` the caller may edit; `None` when it was deleted. One that never
/// existed, or whose project the caller may not see, is not found.
pub fn target(tx: &Transaction, caller: &Caller, uuid: &str) -> Result<Option<ViewHandle>> {
    let row: Option<(i64, i64, bool)> = tx
        .query_row("SELECT id, project_id, deleted <> 0 FROM views WHERE uuid = ?1", [uuid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let missing = || Error::NotFound(format!("view {uuid} does not exist"));
    let (id, project, deleted) = row.ok_or_else(missing)?;
    if access::project_role(tx, caller, project)?.is_none() {
        return Err(missing());
    }
    if deleted {
        return Ok(None);
    }
    access::require(tx, caller, project, Role::Editor)?;
    Ok(Some(ViewHandle { id, project }))
}

pub fn update(tx: &Transaction, v: ViewHandle, patch: &ViewPatch) -> Result<()> {
    let sort = patch.sort.as_ref().map(sort_text).transpose()?;
    tx.execute(
        "UPDATE views SET name = coalesce(?2, name), filter = coalesce(?3, filter), sort = coalesce(?4, sort), updated_at = ?5 WHERE id = ?1",
        crate::db::params![v.id, patch.name, patch.filter, sort, now_ms()],
    )?;
    Ok(())
}

/// Marks the view deleted for good; its row stays (without its name and filter) so that pulls
/// carry the delete.
pub fn delete(tx: &Transaction, v: ViewHandle) -> Result<()> {
    tx.execute("UPDATE views SET deleted = 1, name = '', filter = '{}', updated_at = ?2 WHERE id = ?1", crate::db::params![v.id, now_ms()])?;
    Ok(())
}

/// The views of `project` with a version in `(since, upto]`, for a pull (whoever may pull the
/// project sees its views).
pub fn changed(conn: &Connection, project: i64, since: i64, upto: i64) -> Result<Vec<SyncView>> {
    let mut stmt = conn.prepare(
        "SELECT v.uuid, p.uuid, v.name, v.filter, v.sort, v.created_by, v.created_at, v.updated_at, v.deleted <> 0 \
         FROM views v JOIN projects p ON p.id = v.project_id \
         WHERE v.project_id = ?1 AND v.version > ?2 AND v.version <= ?3 ORDER BY v.version",
    )?;
    let rows = stmt
        .query_map(crate::db::params![project, since, upto], |r| {
            Ok(SyncView {
                uuid: r.get(0)?,
                project: r.get(1)?,
                name: r.get(2)?,
                filter: r.get(3)?,
                sort: sort_of(&r.get::<_, String>(4)?),
                created_by: r.get(5)?,
                created_at: r.get(6)?,
                updated_at: r.get(7)?,
                deleted: r.get(8)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

const INFO: &str = "SELECT v.uuid, v.project_id, v.name, v.filter, v.sort, v.created_by, v.created_at, v.updated_at FROM views v";

fn info(r: &crate::db::Row) -> crate::db::Result<ViewInfo> {
    Ok(ViewInfo {
        uuid: r.get(0)?,
        project: r.get(1)?,
        name: r.get(2)?,
        filter: serde_json::from_str(&r.get::<_, String>(3)?).unwrap_or(Value::Null),
        sort: sort_of(&r.get::<_, String>(4)?),
        created_by: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

/// The live views of a project the caller may see, by name.
pub fn list(conn: &Connection, caller: &Caller, project: i64) -> Result<Vec<ViewInfo>> {
    access::require(conn, caller, project, Role::Viewer)?;
    let mut stmt = conn.prepare(&format!("{INFO} WHERE v.project_id = ?1 AND v.deleted = 0 ORDER BY v.name COLLATE NOCASE, v.id"))?;
    let rows = stmt.query_map([project], info)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The live view `uuid` in a project the caller may see (404 otherwise, as for an unknown one).
pub fn get(conn: &Connection, caller: &Caller, uuid: &str) -> Result<ViewInfo> {
    let missing = || Error::NotFound(format!("view {} does not exist", trove_protocol::rules::quote(uuid)));
    let v = conn.query_row(&format!("{INFO} WHERE v.uuid = ?1 AND v.deleted = 0"), [uuid], info).optional()?.ok_or_else(missing)?;
    if access::project_role(conn, caller, v.project)?.is_none() {
        return Err(missing());
    }
    Ok(v)
}

/// What the caller sees of a reference in a view's filter, in this server's ids.
fn id_of(conn: &Connection, caller: &Caller, project: i64, what: Ref, uuid: &str) -> Result<Option<i64>> {
    let id: Option<i64> = match what {
        Ref::Dataset => conn.query_row("SELECT id FROM datasets WHERE uuid = ?1 AND project_id = ?2", crate::db::params![uuid, project], |r| r.get(0)).optional()?,
        Ref::Collection => match collections::by_uuid(conn, uuid)? {
            Some((id, p, false)) if p == project => collections::by_id(conn, caller, id).ok().map(|_| id),
            _ => None,
        },
        Ref::Queue => {
            let id: Option<i64> =
                conn.query_row("SELECT id FROM queues WHERE uuid = ?1 AND project_id = ?2", crate::db::params![uuid, project], |r| r.get(0)).optional()?;
            id.filter(|id| queues::by_id(conn, caller, *id).is_ok())
        }
    };
    Ok(id)
}

/// One page of the items a view's filter matches now, in its sort; the clauses it names that
/// are gone or hidden are left out.
pub fn items(conn: &Connection, caller: &Caller, uuid: &str, limit: u32, after: Option<&str>) -> Result<ItemsPage> {
    let v = get(conn, caller, uuid)?;
    let mut missing = Vec::new();
    let filter = view::to_local(v.filter, |what, r| id_of(conn, caller, v.project, what, r), &mut missing).map_err(|e| match e {
        Portable::Bad(why) => Error::Invalid(why),
        Portable::Store(e) => e,
    })?;
    let query = ItemQuery { filter, collection: None, sort: v.sort };
    items::page(conn, caller, v.project, &query, limit, after)
}
