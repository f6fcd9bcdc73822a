//! A gallery page from the index: the query's matches are a bitmap, so the page is the first
//! rows of the query's order that are in it. For few matches SQL sorts just those; for many, in
//! name order (the default) the project's ids in that order, kept in memory, are tested against
//! the bitmap; under another order an index of the cache serves (size, updated, a collection's
//! own order) the rows are read in that order and tested until the page is full, instead of
//! testing every clause of the filter on each row.

use rusqlite::Connection;
use trove_protocol::{ItemQuery, SortKey};

use super::Facts;
use crate::error::Result;
use crate::filters::{self, list, Sql};

/// Up to this many matches, SQL sorts the matches themselves (tests take the other way too).
const SORT_AT_MOST: u64 = if cfg!(test) { 40 } else { 20_000 };

impl Facts {
    /// The ids at `offset..offset + limit` of the query's order, or `None` when SQL alone
    /// answers as fast (no clause under an order other than name, or many matches under an
    /// order no index serves).
    pub(crate) fn page_ids(&self, conn: &Connection, project: i64, query: &ItemQuery, offset: u64, limit: u32) -> Result<Option<Vec<i64>>> {
        let by_name = query.collection.is_none() && matches!(query.sort.key, SortKey::Name | SortKey::Position);
        if query.filter.clauses.is_empty() && by_name {
            // Every item in name order: the page is a slice of it, at any depth (no OFFSET read
            // of the rows before it when the scrollbar is dragged to the end).
            let order = self.name_order(conn, project)?;
            let (from, to) = (offset.min(order.len() as u64) as usize, offset.saturating_add(u64::from(limit)).min(order.len() as u64) as usize);
            let slice: Vec<i64> =
                if query.sort.desc { order.iter().rev().skip(from).take(to - from).map(|&id| i64::from(id)).collect() } else { order[from..to].iter().map(|&id| i64::from(id)).collect() };
            return Ok(Some(slice));
        }
        if query.filter.clauses.is_empty() {
            return Ok(None);
        }
        let found = self.matches(conn, project, query)?;
        let order = filters::order_by(query);
        let scope = scope(project, query);
        if found.len() <= SORT_AT_MOST {
            let ids: Vec<i64> = found.iter().map(i64::from).collect();
            let mut sql = Sql { text: format!("SELECT i.id{} AND i.id IN rarray(?){order} LIMIT {limit} OFFSET {offset}", scope.text), params: scope.params };
            sql.params.push(filters::Param::List(list(&ids)));
            let mut stmt = conn.prepare(&sql.text)?;
            let page = stmt.query_map(sql.params(), |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            return Ok(Some(page));
        }
        if by_name {
            // Skipping a non-match costs a bitmap lookup, not a row read: ~5 ms for a page
            // behind 600,000 items of other datasets in name order.
            let order = self.name_order(conn, project)?;
            let pick = |ids: &mut dyn Iterator<Item = &u32>| -> Vec<i64> {
                ids.filter(|&&id| found.contains(id)).skip(offset as usize).take(limit as usize).map(|&id| i64::from(id)).collect()
            };
            return Ok(Some(if query.sort.desc { pick(&mut order.iter().rev()) } else { pick(&mut order.iter()) }));
        }
        let indexed = matches!((query.sort.key, query.collection), (SortKey::Name | SortKey::Size | SortKey::Updated, _) | (SortKey::Position, _));
        if !indexed {
            return Ok(None);
        }
        let mut stmt = conn.prepare(&format!("SELECT i.id{}{order}", scope.text))?;
        let mut rows = stmt.query(scope.params())?;
        let (mut skip, mut page) = (offset, Vec::with_capacity(limit as usize));
        while page.len() < limit as usize {
            let Some(r) = rows.next()? else { break };
            let id: i64 = r.get(0)?;
            if !super::key(id).is_some_and(|k| found.contains(k)) {
                continue;
            }
            if skip > 0 {
                skip -= 1;
            } else {
                page.push(id);
            }
        }
        Ok(Some(page))
    }
}

impl Facts {
    /// Reads every project's name order now (~0.3 s per million items), as the index is built
    /// ahead of the first summary.
    pub(crate) fn warm(&self, conn: &Connection) -> Result<()> {
        for &project in self.projects.keys() {
            self.name_order(conn, project)?;
        }
        Ok(())
    }

    /// The project's item ids in the order of [`SortKey::Name`] ascending (SQL's, by its index).
    fn name_order(&self, conn: &Connection, project: i64) -> Result<std::sync::Arc<Vec<u32>>> {
        let mut orders = self.by_name.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(order) = orders.get(&project) {
            return Ok(order.clone());
        }
        let name = ItemQuery::default();
        let scope = scope(project, &name);
        let mut stmt = conn.prepare(&format!("SELECT i.id{}{}", scope.text, filters::order_by(&name)))?;
        let ids = stmt.query_map(scope.params(), |r| r.get::<_, i64>(0))?;
        let order: Vec<u32> = ids.filter_map(|id| id.map(super::key).transpose()).collect::<rusqlite::Result<_>>()?;
        let order = std::sync::Arc::new(order);
        orders.insert(project, order.clone());
        Ok(order)
    }
}

/// `FROM items i [JOIN memberships m] WHERE i.project_id = ?`: the query's scope, no clause.
pub(super) fn scope(project: i64, query: &ItemQuery) -> Sql {
    filters::from_where(&filters::SCHEMA, project, query, |_| true)
}
