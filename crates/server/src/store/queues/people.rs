//! Who has a role in a project: the people a queue may name as annotators and reviewers.

use std::collections::BTreeMap;

use crate::db::Connection;
use trove_protocol::api::{ProjectPerson, Role};

use crate::error::Result;
use crate::store::access::{self, Caller};

/// The users with a role in the project (an explicit grant or a role in its namespace; the
/// higher one), by name. Needs the viewer role.
pub fn people(conn: &Connection, caller: &Caller, project: i64) -> Result<Vec<ProjectPerson>> {
    access::require(conn, caller, project, Role::Viewer)?;
    let mut stmt = conn.prepare(
        "SELECT u.name, r.role FROM project_roles r JOIN users u ON u.id = r.user_id WHERE r.project_id = ?1 \
         UNION ALL SELECT u.name, m.role FROM namespace_members m JOIN users u ON u.id = m.user_id \
         WHERE m.namespace_id = (SELECT namespace_id FROM projects WHERE id = ?1)",
    )?;
    let mut best: BTreeMap<String, Role> = BTreeMap::new();
    let rows = stmt.query_map([project], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (name, role) = row?;
        if let Some(role) = Role::parse(&role) {
            let e = best.entry(name).or_insert(role);
            *e = (*e).max(role);
        }
    }
    Ok(best.into_iter().map(|(name, role)| ProjectPerson { name, role }).collect())
}
