//! The reads Supervisely's entities-collections API (`compat::sly`) needs beyond the other
//! modules: teams (= namespaces), the namespace of a project, a dataset's project, images by
//! offset page (Supervisely pages by number, not by cursor) and membership rows for the shape
//! of `items.bulk.*` answers. Read-only: every write goes through `collections`/`members`.

use crate::db::{Connection, OptionalExtension};
use trove_protocol::api::{ItemInfo, Role};
use trove_sqlite::list;

use super::access::{self, Caller};
use super::collections;
use super::items::{info, COLUMNS, EXTRA};
use crate::error::{Error, Result};

/// A namespace seen as a Supervisely team (and its one workspace).
#[derive(Debug, Clone)]
pub struct Team {
    pub id: i64,
    pub name: String,
    /// The caller's role in the namespace, or `viewer` when they only hold project grants in it.
    pub role: String,
    pub created_at: i64,
}

/// The namespaces the caller belongs to or holds a project grant in (every namespace for a
/// server admin), by id.
pub fn teams(conn: &Connection, caller: &Caller) -> Result<Vec<Team>> {
    let mut stmt = conn.prepare(
        "SELECT n.id, n.name, (SELECT m.role FROM namespace_members m WHERE m.namespace_id = n.id AND m.user_id = ?2), n.created_at \
         FROM namespaces n WHERE ?1 <> 0 \
            OR n.id IN (SELECT namespace_id FROM namespace_members WHERE user_id = ?2) \
            OR n.id IN (SELECT p.namespace_id FROM projects p JOIN project_roles r ON r.project_id = p.id WHERE r.user_id = ?2) \
         ORDER BY n.id",
    )?;
    let rows = stmt
        .query_map(crate::db::params![caller.is_admin, caller.user_id], |r| {
            Ok(Team { id: r.get(0)?, name: r.get(1)?, role: r.get::<_, Option<String>>(2)?.unwrap_or_default(), created_at: r.get(3)? })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .map(|mut t| {
            if t.role.is_empty() {
                t.role = if caller.is_admin { Role::Admin } else { Role::Viewer }.as_str().to_string();
            }
            t
        })
        .collect())
}

/// One team the caller can see; 404 otherwise (the same answer as for an id that does not exist).
pub fn team(conn: &Connection, caller: &Caller, id: i64) -> Result<Team> {
    teams(conn, caller)?.into_iter().find(|t| t.id == id).ok_or_else(|| Error::NotFound(format!("team {id} does not exist")))
}

/// The namespace id of project `project` (which the caller has been checked to see).
pub fn project_namespace(conn: &Connection, project: i64) -> Result<i64> {
    Ok(conn.query_row("SELECT namespace_id FROM projects WHERE id = ?1", [project], |r| r.get(0))?)
}

/// How many datasets project `project` has.
pub fn dataset_count(conn: &Connection, project: i64) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM datasets WHERE project_id = ?1", [project], |r| r.get(0))?)
}

/// When user `id` was created (ms).
pub fn user_created_at(conn: &Connection, id: i64) -> Result<i64> {
    Ok(conn.query_row("SELECT created_at FROM users WHERE id = ?1", [id], |r| r.get(0))?)
}

/// The project of dataset `dataset`, if the caller can see it; 404 otherwise.
pub fn dataset_project(conn: &Connection, caller: &Caller, dataset: i64) -> Result<i64> {
    let missing = || Error::NotFound(format!("dataset {dataset} does not exist"));
    let project: i64 = conn.query_row("SELECT project_id FROM datasets WHERE id = ?1", [dataset], |r| r.get(0)).optional()?.ok_or_else(missing)?;
    if access::project_role(conn, caller, project)?.is_none() {
        return Err(missing());
    }
    Ok(project)
}

/// Which images `images` lists: a project, optionally one of its datasets, optionally only the
/// members of (`true`) or the non-members of (`false`) some collections.
#[derive(Debug, Clone)]
pub struct ImageQuery {
    pub project: i64,
    pub dataset: Option<i64>,
    pub collections: Vec<(i64, bool)>,
    /// A column of `items i` (checked by the caller against a fixed list) and its direction.
    pub order: &'static str,
    pub desc: bool,
}

/// The total and one page (1-based `page` of `per_page`) of the images `q` names. The caller
/// must see the project, the dataset must be in it, and every collection must be a live one
/// of the project they may see (404 otherwise, as for any id they cannot see).
pub fn images(conn: &Connection, caller: &Caller, q: &ImageQuery, page: i64, per_page: i64) -> Result<(i64, Vec<ItemInfo>)> {
    access::require(conn, caller, q.project, Role::Viewer)?;
    let mut cond = String::from(" FROM items i WHERE i.project_id = ?1");
    let mut params: Vec<crate::db::Value> = vec![q.project.into()];
    if let Some(d) = q.dataset {
        if dataset_project(conn, caller, d)? != q.project {
            return Err(Error::NotFound(format!("dataset {d} does not exist in project {}", q.project)));
        }
        params.push(d.into());
        cond.push_str(&format!(" AND i.dataset_id = ?{}", params.len()));
    }
    for (id, include) in &q.collections {
        let c = collections::by_id(conn, caller, *id)?;
        if c.collection.project_id != q.project {
            return Err(Error::NotFound(format!("collection {id} does not exist in project {}", q.project)));
        }
        params.push((*id).into());
        let not = if *include { "" } else { "NOT " };
        cond.push_str(&format!(" AND i.id {not}IN (SELECT item_id FROM memberships WHERE collection_id = ?{})", params.len()));
    }
    let total: i64 = conn.query_row(&format!("SELECT count(*){cond}"), crate::db::params_from_iter(params.iter()), |r| r.get(0))?;
    let offset = (page - 1).saturating_mul(per_page);
    let dir = if q.desc { "DESC" } else { "ASC" };
    let sql = format!("SELECT {COLUMNS}, {EXTRA}{cond} ORDER BY i.{} {dir}, i.id {dir} LIMIT {per_page} OFFSET {offset}", q.order);
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(crate::db::params_from_iter(params.iter()), |r| info(r, false))?.collect::<Result<Vec<_>, _>>()?;
    Ok((total, rows))
}

/// A membership as Supervisely shows it: its id, the item's id, when it was added (ms).
#[derive(Debug, Clone, Copy)]
pub struct MembershipRow {
    pub id: i64,
    pub item: i64,
    pub added_at: i64,
}

/// The memberships of `items` in collection `collection`, in the order of `items`.
pub fn memberships(conn: &Connection, collection: i64, items: &[i64]) -> Result<Vec<MembershipRow>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare("SELECT id, item_id, added_at FROM memberships WHERE collection_id = ?1 AND item_id IN rarray(?2)")?;
    let found: std::collections::HashMap<i64, MembershipRow> = stmt
        .query_map(crate::db::params![collection, list(items)], |r| Ok(MembershipRow { id: r.get(0)?, item: r.get(1)?, added_at: r.get(2)? }))?
        .map(|m| m.map(|m| (m.item, m)))
        .collect::<Result<_, _>>()?;
    Ok(items.iter().filter_map(|i| found.get(i).copied()).collect())
}
