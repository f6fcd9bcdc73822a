//! Projects: created in a namespace, listed and read by whoever has a role in them.

use crate::db::{Connection, OptionalExtension, Row, Transaction};
use trove_protocol::api::{NewProject, ProjectInfo, Role};
use trove_protocol::ProjectKind;

use super::access::{self, Caller};
use super::{accounts, new_hex_id, new_uuid, now_ms};
use crate::error::{Error, Result};

/// A project or dataset name (`what`): the shared rule, `trove_protocol::rules::name`.
pub fn check_name(what: &'static str, raw: &str) -> Result<String> {
    trove_protocol::rules::name(what, raw).map_err(|e| Error::Invalid(e.to_string()))
}

const COLUMNS: &str = "p.id, p.uuid, p.hex_id, n.name, p.name, p.kind, p.description, \
    (SELECT count(*) FROM items i WHERE i.project_id = p.id), p.created_at, p.updated_at";

fn row(r: &Row, role: Role) -> crate::db::Result<ProjectInfo> {
    Ok(ProjectInfo {
        id: r.get(0)?,
        uuid: r.get(1)?,
        hex_id: r.get(2)?,
        namespace: r.get(3)?,
        name: r.get(4)?,
        kind: ProjectKind::parse(&r.get::<_, String>(5)?).unwrap_or(ProjectKind::Image),
        description: r.get(6)?,
        item_count: r.get::<_, i64>(7)? as u64,
        role,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
    })
}

/// Creates a project in `new.namespace` (the caller's own by default); needs the editor role
/// in that namespace.
pub fn create(tx: &Transaction, caller: &Caller, new: &NewProject) -> Result<ProjectInfo> {
    let ns_name = new.namespace.clone().unwrap_or_else(|| caller.name.clone());
    let ns = accounts::namespace_id(tx, &ns_name)?
        .ok_or_else(|| Error::NotFound(format!("namespace {ns_name:?} does not exist")))?;
    match access::namespace_role(tx, caller, ns)? {
        Some(role) if role >= Role::Editor => {}
        Some(_) => return Err(Error::Forbidden(format!("you are a viewer in namespace {ns_name:?}; creating projects needs the editor role"))),
        None => return Err(Error::Forbidden(format!("you are not a member of namespace {ns_name:?}"))),
    }
    let id = insert(tx, ns, &new.name, new.kind, &new.description, false)?;
    get(tx, caller, id)
}

/// Inserts a project without access checks (the CLI and the hub project use it).
pub fn insert(tx: &Transaction, namespace: i64, name: &str, kind: ProjectKind, description: &str, is_hub: bool) -> Result<i64> {
    let name = check_name("project", name)?;
    let description = trove_protocol::rules::description(description)?;
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM projects WHERE namespace_id = ?1 AND name = ?2)",
        crate::db::params![namespace, name],
        |r| r.get(0),
    )?;
    if exists {
        return Err(Error::Conflict(format!("a project named {name:?} already exists in this namespace")));
    }
    let now = now_ms();
    Ok(tx.query_row(
        "INSERT INTO projects (uuid, hex_id, namespace_id, name, kind, description, is_hub, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) RETURNING id",
        crate::db::params![new_uuid(), new_hex_id(), namespace, name, kind.as_str(), description, is_hub, now],
        |r| r.get(0),
    )?)
}

/// One project the caller can see; 404 otherwise.
pub fn get(conn: &Connection, caller: &Caller, id: i64) -> Result<ProjectInfo> {
    let role = access::require(conn, caller, id, Role::Viewer)?;
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM projects p JOIN namespaces n ON n.id = p.namespace_id WHERE p.id = ?1"),
        [id],
        |r| row(r, role),
    )
    .optional()?
    .ok_or_else(|| access::project_not_found(id))
}

/// Every project the caller has a role in, by namespace and name.
pub fn list(conn: &Connection, caller: &Caller) -> Result<Vec<ProjectInfo>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM projects p JOIN namespaces n ON n.id = p.namespace_id \
         WHERE ?1 <> 0 OR p.namespace_id IN (SELECT namespace_id FROM namespace_members WHERE user_id = ?2) \
            OR p.id IN (SELECT project_id FROM project_roles WHERE user_id = ?2) \
         ORDER BY n.name, p.name"
    ))?;
    let rows = stmt
        .query_map(crate::db::params![caller.is_admin, caller.user_id], |r| row(r, Role::Viewer))?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|mut p| {
            p.role = access::project_role(conn, caller, p.id)?.unwrap_or(Role::Viewer);
            Ok(p)
        })
        .collect()
}

/// The project named `name` in namespace `namespace` (for the command line).
pub fn find(conn: &Connection, namespace: &str, name: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT p.id FROM projects p JOIN namespaces n ON n.id = p.namespace_id WHERE n.name = ?1 AND p.name = ?2",
            crate::db::params![namespace, name],
            |r| r.get(0),
        )
        .optional()?)
}

/// The namespace's project for Hub items, created on first use.
pub fn hub(tx: &Transaction, namespace: i64) -> Result<i64> {
    if let Some(id) = tx
        .query_row("SELECT id FROM projects WHERE namespace_id = ?1 AND is_hub = 1", [namespace], |r| r.get(0))
        .optional()?
    {
        return Ok(id);
    }
    insert(tx, namespace, "Hub", ProjectKind::Hub, "Models, datasets, Spaces and papers collected from the Hub", true)
}

/// Marks the project as changed (its `updated_at`).
pub fn touch(tx: &Transaction, project: i64) -> Result<()> {
    tx.execute("UPDATE projects SET updated_at = ?1 WHERE id = ?2", crate::db::params![now_ms(), project])?;
    Ok(())
}

/// The kind of project `project`.
pub fn kind(conn: &Connection, project: i64) -> Result<ProjectKind> {
    let kind: String = conn.query_row("SELECT kind FROM projects WHERE id = ?1", [project], |r| r.get(0))?;
    ProjectKind::parse(&kind).ok_or_else(|| Error::Internal(anyhow::anyhow!("project {project} has the unknown kind {kind:?}")))
}

/// Whether namespace `namespace` has its Hub project already.
pub fn has_hub(conn: &Connection, namespace: i64) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM projects WHERE namespace_id = ?1 AND is_hub = 1)", [namespace], |r| r.get(0))?)
}
