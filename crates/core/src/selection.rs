//! Selections: explicit ids, or "everything the query matches except these ids". Both resolve
//! to one `SELECT i.id ...` so bulk actions on a million items are single statements.

use std::collections::{HashMap, HashSet};

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
    /// [`resolve`], through the index of counts where it answers as the gallery does (a
    /// matching selection in name order: the project's name order held in memory, tested
    /// against the query's bitmap; 77 ms of SQL at a million items), in SQL otherwise. A bulk
    /// action calls it in its write transaction before it writes: the reader then sees what
    /// the writer does, since nothing else can commit meanwhile.
    pub(crate) fn resolve_selection(&self, project: i64, selection: &Selection) -> Result<Vec<i64>> {
        self.read_facts(|c, facts| {
            if let (Selection::Matching { query, except }, Some(facts)) = (selection, facts) {
                check(c, project, selection)?;
                if let Some(mut ids) = facts.page_ids(c, project, query, 0, u32::MAX)? {
                    if !except.is_empty() {
                        let except: HashSet<i64> = except.iter().copied().collect();
                        ids.retain(|id| !except.contains(id));
                    }
                    return Ok(ids);
                }
            }
            resolve(c, project, selection)
        })
    }

    pub fn count_selection(&self, project: i64, selection: &Selection) -> Result<u64> {
        self.read(|c| count(c, project, selection))
    }
}

#[cfg(test)]
mod tests {
    use trove_protocol::{Clause, Condition, Filter, ItemQuery, Selection, Sort, SortKey, TagMode};

    use crate::testing::fixture;

    /// A bulk action's selection resolves through the index of counts to the ids SQL gives, in
    /// the same order (names sort apart from ids in the fixture), less the exceptions.
    #[test]
    fn a_selection_resolves_alike_through_the_index_of_counts_and_in_sql() {
        let f = fixture();
        f.store.warm_counts().unwrap();
        let query = |clauses: Vec<Condition>, key, desc| ItemQuery {
            filter: Filter { clauses: clauses.into_iter().map(|cond| Clause { negate: false, cond }).collect() },
            sort: Sort { key, desc },
            ..Default::default()
        };
        let cat = || Condition::Tags { tags: vec!["cat".into(), "dog".into()], mode: TagMode::Any };
        let selections = [
            Selection::Matching { query: query(vec![], SortKey::Name, false), except: vec![] },
            Selection::Matching { query: query(vec![], SortKey::Name, true), except: vec![4] },
            Selection::Matching { query: query(vec![cat()], SortKey::Name, false), except: vec![] },
            Selection::Matching { query: query(vec![Condition::Datasets { ids: vec![f.b] }], SortKey::Size, true), except: vec![5] },
            Selection::Ids { ids: vec![3, 1, 6, 2] },
        ];
        for sel in &selections {
            let sql = f.store.read(|c| super::resolve(c, f.p, sel)).unwrap();
            assert!(!sql.is_empty(), "{sel:?}");
            assert_eq!(f.store.resolve_selection(f.p, sel).unwrap(), sql, "{sel:?}");
        }
        let all = f.store.resolve_selection(f.p, &selections[0]).unwrap();
        assert_eq!(all, vec![1, 2, 4, 5, 3], "alpha, beta, delta, Epsilon, gamma");
    }
}
