//! Selections: explicit ids, or "everything the query matches except these ids". Both resolve
//! to one `SELECT i.id ...` so bulk actions on a million items are single statements.

use std::collections::HashMap;

use rusqlite::types::Value;
use rusqlite::Connection;
use trove_protocol::Selection;

use crate::error::Result;
use crate::filters::{self, list, Param, Sql};
use crate::items;

/// `SELECT i.id FROM ... WHERE ...` for the selection's items in `project`, without order.
pub fn ids_sql(conn: &Connection, project: i64, selection: &Selection) -> Result<Sql> {
    Ok(match selection {
        Selection::Ids { ids } => Sql {
            text: "SELECT i.id FROM items i WHERE i.project_id = ? AND i.id IN rarray(?)".into(),
            params: vec![Param::Value(Value::Integer(project)), Param::List(list(ids))],
        },
        Selection::Matching { query, except } => {
            let mut sql = filters::from_where(&filters::planned(conn, query)?, project, query, |_| false);
            sql.text = format!("SELECT i.id{}", sql.text);
            if !except.is_empty() {
                sql.text.push_str(" AND i.id NOT IN rarray(?)");
                sql.params.push(Param::List(list(except)));
            }
            sql
        }
    })
}

/// Checks what the selection refers to (its query's project, collection and filter).
pub fn check(conn: &Connection, project: i64, selection: &Selection) -> Result<()> {
    match selection {
        Selection::Ids { .. } => crate::projects::require(conn, project),
        Selection::Matching { query, .. } => items::check_query(conn, project, query),
    }
}

pub fn count(conn: &Connection, project: i64, selection: &Selection) -> Result<u64> {
    check(conn, project, selection)?;
    let sql = ids_sql(conn, project, selection)?;
    let n: i64 = conn.query_row(&format!("SELECT count(*) FROM ({})", sql.text), sql.params(), |r| r.get(0))?;
    Ok(n as u64)
}

/// The selection's item ids in a meaningful order: the query's order for a matching
/// selection, the given order for explicit ids (ids of other projects or unknown are dropped).
pub fn resolve(conn: &Connection, project: i64, selection: &Selection) -> Result<Vec<i64>> {
    check(conn, project, selection)?;
    let mut sql = ids_sql(conn, project, selection)?;
    if let Selection::Matching { query, .. } = selection {
        sql.text.push_str(&filters::order_by(query));
    }
    let mut stmt = conn.prepare(&sql.text)?;
    let mut found: Vec<i64> = stmt.query_map(sql.params(), |r| r.get(0))?.collect::<Result<_, _>>()?;
    if let Selection::Ids { ids } = selection {
        let rank: HashMap<i64, usize> = ids.iter().enumerate().map(|(n, &id)| (id, n)).collect();
        found.sort_by_key(|id| rank[id]);
        found.dedup();
    }
    Ok(found)
}

impl crate::Store {
    pub fn count_selection(&self, project: i64, selection: &Selection) -> Result<u64> {
        self.read(|c| count(c, project, selection))
    }
}
