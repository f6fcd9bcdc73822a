//! Saved views (smart collections): a named filter and sort of a project, listed with their
//! live counts, opened, renamed, re-saved, deleted, and converted into a collection.
//!
//! Every change is a mutation (`create_view`, `update_view`, `delete_view`) applied by the
//! rulebook to this cache, as the server applies it, and queued for sync. The filter is stored
//! portable (`trove_protocol::view`): opening a view translates it back into this cache's ids,
//! and a clause naming what is gone is left out and said in `missing`, never an error.

use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;
use trove_protocol::view::{self, Portable, Ref, ViewPatch};
use trove_protocol::{AddedToNew, Filter, ItemQuery, Mutation, NewCollection, SavedView, Selection, Sort};

use crate::cache::CacheReplica;
use crate::error::{Error, Result};
use crate::{outbox, projects};

/// Most views a project lists (each is counted live).
pub const LIST_MAX: usize = 200;

/// The table a portable reference names.
fn table(what: Ref) -> &'static str {
    match what {
        Ref::Dataset => "datasets",
        Ref::Collection => "collections",
        Ref::Queue => "queues",
    }
}

fn invalid<E>(e: Portable<E>) -> Error
where
    Error: From<E>,
{
    match e {
        Portable::Bad(why) => Error::Invalid(why),
        Portable::Store(e) => e.into(),
    }
}

/// The UUID of this cache's `what` with id `id` in the project (a collection only while live).
pub(crate) fn uuid_of(conn: &Connection, what: Ref, project: i64, id: i64) -> Result<Option<String>> {
    let live = if what == Ref::Collection { " AND deleted_at IS NULL" } else { "" };
    let sql = format!("SELECT uuid FROM {} WHERE id = ?1 AND project_id = ?2{live}", table(what));
    Ok(conn.query_row(&sql, [id, project], |r| r.get(0)).optional()?)
}

/// This cache's id of the project's `what` with UUID `uuid` (a collection only while live).
pub(crate) fn id_of(conn: &Connection, what: Ref, project: i64, uuid: &str) -> Result<Option<i64>> {
    let live = if what == Ref::Collection { " AND deleted_at IS NULL" } else { "" };
    let sql = format!("SELECT id FROM {} WHERE uuid = ?1 AND project_id = ?2{live}", table(what));
    Ok(conn.query_row(&sql, rusqlite::params![uuid, project], |r| r.get(0)).optional()?)
}

/// The filter with its references named by UUID (JSON), as a view or a link carries it.
pub fn portable(conn: &Connection, project: i64, filter: &Filter) -> Result<Value> {
    view::to_portable(filter, |what, id| uuid_of(conn, what, project, id)).map_err(invalid)
}

/// A portable filter back in this cache's ids; what it names that is not here is left out and
/// described in `missing`.
pub fn local(conn: &Connection, project: i64, value: Value, missing: &mut Vec<String>) -> Result<Filter> {
    view::to_local(value, |what, uuid| id_of(conn, what, project, uuid), missing).map_err(invalid)
}

/// One view row, its filter still portable.
struct Row {
    id: i64,
    uuid: String,
    project_id: i64,
    name: String,
    filter: String,
    sort: String,
    updated_at: i64,
}

const COLUMNS: &str = "id, uuid, project_id, name, filter, sort, updated_at";

fn row(r: &rusqlite::Row) -> rusqlite::Result<Row> {
    Ok(Row { id: r.get(0)?, uuid: r.get(1)?, project_id: r.get(2)?, name: r.get(3)?, filter: r.get(4)?, sort: r.get(5)?, updated_at: r.get(6)? })
}

fn live(conn: &Connection, id: i64) -> Result<Row> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM views WHERE id = ?1 AND deleted_at IS NULL"), [id], row)
        .optional()?
        .ok_or(Error::NotFound { what: "saved view", id })
}

/// The view as the app shows it, without its count: its filter in this cache's ids.
fn opened(conn: &Connection, v: Row) -> Result<SavedView> {
    let mut missing = Vec::new();
    let filter = match serde_json::from_str::<Value>(&v.filter) {
        Ok(value) => local(conn, v.project_id, value, &mut missing)?,
        Err(_) => {
            missing.push("its filter, which this version of Trove cannot read".into());
            Filter::default()
        }
    };
    let sort: Sort = serde_json::from_str(&v.sort).unwrap_or_default();
    Ok(SavedView {
        id: v.id,
        uuid: v.uuid,
        project_id: v.project_id,
        name: v.name,
        query: ItemQuery { filter, collection: None, sort },
        missing,
        count: 0,
        updated_at: v.updated_at,
    })
}

fn project_uuid(conn: &Connection, project: i64) -> Result<String> {
    Ok(conn.query_row("SELECT uuid FROM projects WHERE id = ?1", [project], |r| r.get(0))?)
}

/// Applies a view mutation to this cache (the rulebook decides) and queues it for sync.
fn change(conn: &Connection, project: i64, actor: &str, m: &Mutation) -> Result<()> {
    trove_rulebook::apply(m, &mut CacheReplica::new(conn, project, actor)?)?;
    outbox::append(conn, project, m)?;
    Ok(())
}

/// The portable filter text of a query (a view spans the project: an open collection becomes
/// an "in collection" clause).
fn filter_text(conn: &Connection, project: i64, query: &ItemQuery) -> Result<String> {
    let mut filter = query.filter.clone();
    if let Some(c) = query.collection {
        let cond = trove_protocol::Condition::Collection { id: c };
        filter.clauses.push(trove_protocol::Clause { negate: false, cond });
    }
    filter.check()?;
    let text = portable(conn, project, &filter)?.to_string();
    view::check_filter(&text)?;
    Ok(text)
}

/// A view's sort: the collection's own order means nothing outside it.
fn sort_of(query: &ItemQuery) -> Sort {
    match query.sort.key {
        trove_protocol::SortKey::Position => Sort::default(),
        _ => query.sort,
    }
}

pub fn create(conn: &Connection, project: i64, name: &str, query: &ItemQuery, actor: &str) -> Result<SavedView> {
    projects::require(conn, project)?;
    let name = view::name(name)?;
    let uuid = uuid::Uuid::new_v4().to_string();
    let m = Mutation::CreateView {
        view: uuid.clone(),
        project: project_uuid(conn, project)?,
        name,
        filter: filter_text(conn, project, query)?,
        sort: sort_of(query),
    };
    change(conn, project, actor, &m)?;
    let id: i64 = conn.query_row("SELECT id FROM views WHERE uuid = ?1", [&uuid], |r| r.get(0))?;
    opened(conn, live(conn, id)?)
}

/// Renames the view and/or saves `query` into it.
pub fn update(conn: &Connection, id: i64, name: Option<&str>, query: Option<&ItemQuery>) -> Result<SavedView> {
    let v = live(conn, id)?;
    let patch = ViewPatch {
        name: name.map(view::name).transpose()?,
        filter: query.map(|q| filter_text(conn, v.project_id, q)).transpose()?,
        sort: query.map(sort_of),
    };
    if patch != ViewPatch::default() {
        change(conn, v.project_id, "", &Mutation::UpdateView { view: v.uuid.clone(), patch })?;
    }
    opened(conn, live(conn, id)?)
}

pub fn delete(conn: &Connection, id: i64) -> Result<()> {
    let v = live(conn, id)?;
    change(conn, v.project_id, "", &Mutation::DeleteView { view: v.uuid })
}

impl crate::Store {
    /// The project's live views by name, each with what its filter matches now.
    pub fn views(&self, project: i64) -> Result<Vec<SavedView>> {
        let mut views = self.read(|c| {
            projects::require(c, project)?;
            let mut stmt = c.prepare(&format!(
                "SELECT {COLUMNS} FROM views WHERE project_id = ?1 AND deleted_at IS NULL ORDER BY name COLLATE NOCASE, id LIMIT {LIST_MAX}"
            ))?;
            let rows = stmt.query_map([project], row)?.collect::<Result<Vec<_>, _>>()?;
            rows.into_iter().map(|v| opened(c, v)).collect::<Result<Vec<_>>>()
        })?;
        for v in &mut views {
            v.count = self.count(project, &v.query)?;
        }
        Ok(views)
    }

    /// One view, opened: its filter and sort in this cache's ids, with its count.
    pub fn view(&self, id: i64) -> Result<SavedView> {
        let mut v = self.read(|c| opened(c, live(c, id)?))?;
        v.count = self.count(v.project_id, &v.query)?;
        Ok(v)
    }

    /// "Save view…": the query's filter and sort under a name.
    pub fn create_view(&self, project: i64, name: &str, query: &ItemQuery) -> Result<SavedView> {
        let mut v = self.write(|tx| create(tx, project, name, query, self.actor()))?;
        v.count = self.count(project, &v.query)?;
        Ok(v)
    }

    /// Renames a view (`name`) and/or saves the current filter and sort into it (`query`).
    pub fn update_view(&self, id: i64, name: Option<&str>, query: Option<&ItemQuery>) -> Result<SavedView> {
        let mut v = self.write(|tx| update(tx, id, name, query))?;
        v.count = self.count(v.project_id, &v.query)?;
        Ok(v)
    }

    pub fn delete_view(&self, id: i64) -> Result<()> {
        self.write(|tx| delete(tx, id))
    }

    /// "Convert to collection": a new collection holding what the view matches now (one undo
    /// step, like "Add to a new collection"). The collection is titled `title`.
    pub fn convert_view(&self, id: i64, title: &str) -> Result<AddedToNew> {
        let v = self.view(id)?;
        let input = NewCollection { title: title.to_string(), description: String::new(), private: false, theme: None };
        self.create_collection_and_add(v.project_id, &input, &Selection::Matching { query: v.query, except: Vec::new() })
    }
}

#[cfg(test)]
#[path = "views_tests.rs"]
mod tests;
