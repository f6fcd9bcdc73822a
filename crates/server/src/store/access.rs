//! Who may see and change what. A caller's role in a project is their explicit project role,
//! else their role in the project's namespace; a server admin is admin everywhere. Anything a
//! caller may not read does not exist for them (404 with the same message as a missing id);
//! anything they may read but not change is 403.

use crate::db::{Connection, OptionalExtension};
use trove_protocol::api::Role;

use crate::error::{Error, Result};

/// The authenticated user behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub name: String,
    pub is_admin: bool,
}

fn parse_role(s: Option<String>) -> Option<Role> {
    s.and_then(|s| Role::parse(&s))
}

/// The caller's role in project `project`, or `None` when they may not see it (or it does not
/// exist).
pub fn project_role(conn: &Connection, caller: &Caller, project: i64) -> Result<Option<Role>> {
    let row: Option<(Option<String>, Option<String>)> = conn
        .query_row(
            "SELECT (SELECT role FROM project_roles r WHERE r.project_id = p.id AND r.user_id = ?2), \
                    (SELECT role FROM namespace_members m WHERE m.namespace_id = p.namespace_id AND m.user_id = ?2) \
             FROM projects p WHERE p.id = ?1",
            crate::db::params![project, caller.user_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((explicit, namespace)) = row else { return Ok(None) };
    if caller.is_admin {
        return Ok(Some(Role::Admin));
    }
    Ok(match (parse_role(explicit), parse_role(namespace)) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    })
}

pub fn project_not_found(project: i64) -> Error {
    Error::NotFound(format!("project {project} does not exist"))
}

/// The caller's role, requiring at least `need`: 404 when they cannot see the project, 403 when
/// they can but their role is too low.
pub fn require(conn: &Connection, caller: &Caller, project: i64, need: Role) -> Result<Role> {
    let role = project_role(conn, caller, project)?.ok_or_else(|| project_not_found(project))?;
    if role < need {
        return Err(Error::Forbidden(format!(
            "you have the {} role in project {project}; this needs the {} role",
            role.as_str(),
            need.as_str()
        )));
    }
    Ok(role)
}

/// The caller's role in namespace `namespace` (by id), if they belong to it.
pub fn namespace_role(conn: &Connection, caller: &Caller, namespace: i64) -> Result<Option<Role>> {
    if caller.is_admin {
        return Ok(Some(Role::Admin));
    }
    let role: Option<String> = conn
        .query_row(
            "SELECT role FROM namespace_members WHERE namespace_id = ?1 AND user_id = ?2",
            crate::db::params![namespace, caller.user_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(parse_role(role))
}

/// Whether the caller may see a collection of namespace `namespace` that is `private`.
pub fn sees_collection(conn: &Connection, caller: &Caller, namespace: i64, private: bool) -> Result<bool> {
    Ok(!private || namespace_role(conn, caller, namespace)?.is_some())
}

/// The live collections of `project` the caller may see: every public one, and the private ones
/// of namespaces they belong to. A filter over memberships ("in any collection") counts only
/// these, so its result says nothing about a collection the caller cannot see.
pub fn visible_collections(conn: &Connection, caller: &Caller, project: i64) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id FROM collections c WHERE c.project_id = ?1 AND c.deleted_at IS NULL \
         AND (c.private = 0 OR ?3 <> 0 OR c.namespace_id IN (SELECT namespace_id FROM namespace_members WHERE user_id = ?2))",
    )?;
    let ids = stmt.query_map(crate::db::params![project, caller.user_id, caller.is_admin], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
    Ok(ids)
}
