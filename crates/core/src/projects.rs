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

/// Renames a dataset of a local project (an import names it after its folder). A server
/// project's copy takes its datasets' names from the server, so it refuses.
pub fn rename_dataset(conn: &Connection, project: i64, dataset: i64, raw: &str) -> Result<Dataset> {
    require(conn, project)?;
    let name = trove_protocol::rules::name("dataset", raw)?;
    let exists: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM datasets WHERE id = ?1 AND project_id = ?2)", [dataset, project], |r| r.get(0))?;
    if !exists {
        return Err(Error::NotFound { what: "dataset", id: dataset });
    }
    if crate::registry::is_synced(conn, project)? {
        return Err(Error::Invalid("this project is a copy of a server project; its datasets are renamed on the server".into()));
    }
    let taken: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM datasets WHERE project_id = ?1 AND name = ?2 AND id <> ?3)",
        rusqlite::params![project, name, dataset],
        |r| r.get(0),
    )?;
    if taken {
        return Err(Error::Invalid(format!("a dataset named {} already exists in this project; choose another name", trove_protocol::rules::quote(&name))));
    }
    conn.execute("UPDATE datasets SET name = ?2 WHERE id = ?1", rusqlite::params![dataset, name])?;
    datasets(conn, project)?.into_iter().find(|d| d.id == dataset).ok_or(Error::NotFound { what: "dataset", id: dataset })
}

impl crate::Store {
    pub fn rename_dataset(&self, project: i64, dataset: i64, name: &str) -> Result<Dataset> {
        self.write(|tx| rename_dataset(tx, project, dataset, name))
    }

    pub fn projects(&self) -> Result<Vec<Project>> {
        self.read(list)
    }

    pub fn datasets(&self, project: i64) -> Result<Vec<Dataset>> {
        self.read(|c| datasets(c, project))
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::fixture;

    #[test]
    fn a_local_dataset_is_renamed_with_the_shared_name_rule_and_a_servers_copy_refuses() {
        let f = fixture();
        let q1: i64 = f.store.read(|c| Ok(c.query_row("SELECT id FROM datasets WHERE name = 'Q1'", [], |r| r.get(0))?)).unwrap();
        let renamed = f.store.rename_dataset(f.q, q1, "  Holiday 2026 ").unwrap();
        assert_eq!((renamed.name.as_str(), renamed.item_count), ("Holiday 2026", 1));
        let summary = f.store.summary(f.q, &trove_protocol::ItemQuery::default()).unwrap();
        assert_eq!(summary.datasets.iter().map(|d| d.label.as_str()).collect::<Vec<_>>(), ["Holiday 2026"], "the facet shows the new name");

        let e = |r: crate::Result<trove_protocol::Dataset>| r.unwrap_err().to_string();
        assert_eq!(e(f.store.rename_dataset(f.q, q1, " ")), "dataset name is empty; give the dataset a name");
        assert_eq!(e(f.store.rename_dataset(f.q, f.a, "x")), format!("dataset {} does not exist", f.a), "A is P's");
        assert_eq!(e(f.store.rename_dataset(f.p, f.a, "B")), "this project is a copy of a server project; its datasets are renamed on the server");
        f.store.write(|tx| crate::projects::create_dataset(tx, f.q, "Other")).unwrap();
        assert_eq!(e(f.store.rename_dataset(f.q, q1, "Other")), "a dataset named \"Other\" already exists in this project; choose another name");
    }
}
