//! Projects and their datasets.

use rusqlite::{Connection, OptionalExtension};
use trove_protocol::{Dataset, Project, ProjectKind};

use crate::error::{Error, Result};

pub fn list(conn: &Connection) -> Result<Vec<Project>> {
    let mut stmt = conn.prepare(
        "SELECT p.id, p.name, p.kind, p.description, (SELECT count(*) FROM items i WHERE i.project_id = p.id)
         FROM projects p ORDER BY p.id",
    )?;
    let rows = stmt.query_map([], row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn row(r: &rusqlite::Row) -> rusqlite::Result<Project> {
    let kind: String = r.get(2)?;
    Ok(Project {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: ProjectKind::parse(&kind).unwrap_or(ProjectKind::Image),
        description: r.get(3)?,
        item_count: r.get::<_, i64>(4)? as u64,
    })
}

pub fn get(conn: &Connection, id: i64) -> Result<Project> {
    conn.query_row(
        "SELECT p.id, p.name, p.kind, p.description, (SELECT count(*) FROM items i WHERE i.project_id = p.id)
         FROM projects p WHERE p.id = ?1",
        [id],
        row,
    )
    .optional()?
    .ok_or(Error::NotFound { what: "project", id })
}

/// Fails with `NotFound` unless the project exists (no counting, unlike [`get`]).
pub fn require(conn: &Connection, id: i64) -> Result<()> {
    conn.query_row("SELECT 1 FROM projects WHERE id = ?1", [id], |_| Ok(()))
        .optional()?
        .ok_or(Error::NotFound { what: "project", id })
}

pub fn datasets(conn: &Connection, project: i64) -> Result<Vec<Dataset>> {
    require(conn, project)?;
    let mut stmt = conn.prepare(
        "SELECT d.id, d.project_id, d.name, (SELECT count(*) FROM items i WHERE i.dataset_id = d.id)
         FROM datasets d WHERE d.project_id = ?1 ORDER BY d.name COLLATE NOCASE",
    )?;
    let rows = stmt
        .query_map([project], |r| {
            Ok(Dataset { id: r.get(0)?, project_id: r.get(1)?, name: r.get(2)?, item_count: r.get::<_, i64>(3)? as u64 })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn create(conn: &Connection, name: &str, kind: ProjectKind, description: &str) -> Result<i64> {
    conn.execute(
        "INSERT INTO projects (uuid, name, kind, description, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![uuid::Uuid::new_v4().to_string(), name, kind.as_str(), description, crate::db::now_ms()],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn create_dataset(conn: &Connection, project: i64, name: &str) -> Result<i64> {
    conn.execute(
        "INSERT INTO datasets (uuid, project_id, name) VALUES (?1, ?2, ?3)",
        rusqlite::params![uuid::Uuid::new_v4().to_string(), project, name],
    )?;
    Ok(conn.last_insert_rowid())
}

impl crate::Store {
    pub fn projects(&self) -> Result<Vec<Project>> {
        self.read(list)
    }

    pub fn datasets(&self, project: i64) -> Result<Vec<Dataset>> {
        self.read(|c| datasets(c, project))
    }
}
