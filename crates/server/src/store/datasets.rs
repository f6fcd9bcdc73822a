//! Datasets: named parts of a project; every item belongs to one.

use crate::db::{Connection, OptionalExtension, Transaction};
use trove_protocol::api::{DatasetInfo, NewDataset, Role};
use trove_protocol::Dataset;

use super::access::{self, Caller};
use super::projects::check_name;
use super::{new_hex_id, new_uuid, now_ms};
use crate::error::{Error, Result};

const SELECT: &str = "SELECT d.id, d.project_id, d.name, (SELECT count(*) FROM items i WHERE i.dataset_id = d.id), d.uuid, d.hex_id FROM datasets d";

fn row(r: &crate::db::Row) -> crate::db::Result<DatasetInfo> {
    Ok(DatasetInfo {
        dataset: Dataset { id: r.get(0)?, project_id: r.get(1)?, name: r.get(2)?, item_count: r.get::<_, i64>(3)? as u64 },
        uuid: r.get(4)?,
        hex_id: r.get(5)?,
    })
}

pub fn create(tx: &Transaction, caller: &Caller, project: i64, new: &NewDataset) -> Result<DatasetInfo> {
    access::require(tx, caller, project, Role::Editor)?;
    let name = check_name("dataset", &new.name)?;
    if find(tx, project, &name)?.is_some() {
        return Err(Error::Conflict(format!("a dataset named {name:?} already exists in project {project}")));
    }
    let id = insert(tx, project, &name)?;
    Ok(tx.query_row(&format!("{SELECT} WHERE d.id = ?1"), [id], row)?)
}

pub fn list(conn: &Connection, caller: &Caller, project: i64) -> Result<Vec<DatasetInfo>> {
    access::require(conn, caller, project, Role::Viewer)?;
    let mut stmt = conn.prepare(&format!("{SELECT} WHERE d.project_id = ?1 ORDER BY d.name COLLATE NOCASE, d.id"))?;
    let rows = stmt.query_map([project], row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn find(conn: &Connection, project: i64, name: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row("SELECT id FROM datasets WHERE project_id = ?1 AND name = ?2", crate::db::params![project, name], |r| r.get(0))
        .optional()?)
}

/// Inserts a dataset without access checks (import uses it); the name must be checked.
pub fn insert(tx: &Transaction, project: i64, name: &str) -> Result<i64> {
    Ok(tx.query_row(
        "INSERT INTO datasets (uuid, hex_id, project_id, name, created_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        crate::db::params![new_uuid(), new_hex_id(), project, name, now_ms()],
        |r| r.get(0),
    )?)
}

/// Inserts dataset `uuid` (an app chose it: `import_items`); the name must be checked, the
/// UUID free.
pub fn insert_with(tx: &Transaction, project: i64, uuid: &str, name: &str) -> Result<i64> {
    Ok(tx.query_row(
        "INSERT INTO datasets (uuid, hex_id, project_id, name, created_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        crate::db::params![uuid, new_hex_id(), project, name, now_ms()],
        |r| r.get(0),
    )?)
}

/// The dataset named `name` in `project`, created if new.
pub fn ensure(tx: &Transaction, project: i64, name: &str) -> Result<i64> {
    let name = check_name("dataset", name)?;
    match find(tx, project, &name)? {
        Some(id) => Ok(id),
        None => insert(tx, project, &name),
    }
}
