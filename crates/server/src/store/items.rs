//! Items: read with the app's typed filter and sort (compiled by `trove_core::filters`), paged
//! by keyset cursor; inserted by catalog import, deduplicated by identity.

use rusqlite::{Connection, OptionalExtension, Transaction};
use trove_core::filters::{self, Sql};
use trove_core::items::{item, COLUMNS};
use trove_protocol::api::{ItemInfo, ItemsPage, Role};
use trove_protocol::{Condition, ItemKind, ItemQuery};

use super::access::{self, Caller};
use super::{collections, cursor, new_hex_id, new_uuid, now_ms};
use crate::error::{Error, Result};

/// The columns after [`COLUMNS`] that make an [`ItemInfo`].
pub const EXTRA: &str = "i.uuid, i.hex_id, i.project_id";

/// An [`ItemInfo`] from a row of `{COLUMNS}[, m.note], {EXTRA}`.
pub fn info(r: &rusqlite::Row, with_note: bool) -> rusqlite::Result<ItemInfo> {
    let at = if with_note { 16 } else { 15 };
    Ok(ItemInfo { item: item(r, with_note)?, uuid: r.get(at)?, hex_id: r.get(at + 1)?, project_id: r.get(at + 2)? })
}

fn not_found(id: i64) -> Error {
    Error::NotFound(format!("item {id} does not exist"))
}

/// One item of a project the caller can see; 404 otherwise.
pub fn get(conn: &Connection, caller: &Caller, id: i64) -> Result<ItemInfo> {
    let project: i64 = conn
        .query_row("SELECT project_id FROM items WHERE id = ?1", [id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| not_found(id))?;
    if access::project_role(conn, caller, project)?.is_none() {
        return Err(not_found(id));
    }
    Ok(conn.query_row(&format!("SELECT {COLUMNS}, {EXTRA} FROM items i WHERE i.id = ?1"), [id], |r| info(r, false))?)
}

/// The page size a request asked for, checked against the limit.
pub fn page_size(limit: Option<i64>, default: u32, max: u32) -> Result<u32> {
    match limit {
        None => Ok(default),
        Some(n) if n < 1 => Err(Error::Invalid(format!("page size {n} is not valid; ask for 1 to {max} items per page"))),
        Some(n) if n > max as i64 => Err(Error::Invalid(format!("page size {n} is too large; at most {max} items per page"))),
        Some(n) => Ok(n as u32),
    }
}

/// Checks that every collection a query names is a live collection of `project` the caller may
/// see, so a filter cannot reveal the members of a private collection.
fn check_collections(conn: &Connection, caller: &Caller, project: i64, query: &ItemQuery) -> Result<()> {
    let named = query.filter.clauses.iter().filter_map(|c| match c.cond {
        Condition::Collection { id } => Some(id),
        _ => None,
    });
    for id in named.chain(query.collection) {
        let c = collections::by_id(conn, caller, id)?;
        if c.collection.project_id != project {
            return Err(Error::Invalid(format!("collection {id} is not in project {project}")));
        }
    }
    Ok(())
}

/// A name for the order of a query, so a cursor is only accepted for the order it came from.
fn order_name(query: &ItemQuery) -> String {
    format!("{:?}{}", query.sort.key, if query.sort.desc { "-desc" } else { "" }).to_lowercase()
}

/// One page of the project's items matching `query`, after `after` (a cursor from the previous
/// page).
pub fn page(conn: &Connection, caller: &Caller, project: i64, query: &ItemQuery, limit: u32, after: Option<&str>) -> Result<ItemsPage> {
    access::require(conn, caller, project, Role::Viewer)?;
    filters::check(&query.filter)?;
    check_collections(conn, caller, project, query)?;
    let terms = filters::order_terms(query);
    let order = order_name(query);
    // "In any collection" counts only the collections this caller may see.
    let visible = if query.filter.clauses.iter().any(|c| matches!(c.cond, Condition::AnyCollection)) {
        access::visible_collections(conn, caller, project)?
    } else {
        Vec::new()
    };
    let mut body = filters::from_where_in(project, query, |_| false, filters::Scope::Collections(&visible));
    if let Some(c) = after {
        let values = cursor::decode(c, &order, terms.len())?;
        filters::after(&mut body, query, &values);
    }
    let with_note = query.collection.is_some();
    let note = if with_note { ", m.note" } else { "" };
    let mut sql = Sql { text: format!("SELECT {COLUMNS}{note}, {EXTRA}, {}{}", terms.join(", "), body.text), params: body.params };
    sql.text.push_str(&filters::order_by(query));
    sql.text.push_str(&format!(" LIMIT {}", limit + 1));
    let first_term = if with_note { 19 } else { 18 };
    let mut stmt = conn.prepare(&sql.text)?;
    let mut rows = stmt
        .query_map(sql.params(), |r| Ok((info(r, with_note)?, cursor::values(r, first_term, terms.len())?)))?
        .collect::<Result<Vec<_>, _>>()?;
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|(_, v)| cursor::encode(&order, v))
    } else {
        None
    };
    Ok(ItemsPage { items: rows.into_iter().map(|(i, _)| i).collect(), next_cursor })
}

/// Whether the caller can see some item whose thumbnail is `hash`.
pub fn thumb_visible(conn: &Connection, caller: &Caller, hash: &str) -> Result<bool> {
    let mut stmt = conn.prepare("SELECT DISTINCT project_id FROM items WHERE thumb = ?1")?;
    let projects: Vec<i64> = stmt.query_map([hash], |r| r.get(0))?.collect::<Result<_, _>>()?;
    for p in projects {
        if access::project_role(conn, caller, p)?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// An item to insert (catalog import, demo).
#[derive(Debug, Clone)]
pub struct NewItem {
    pub dataset: i64,
    pub kind: ItemKind,
    pub name: String,
    pub mime: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub size: u64,
    pub labels_count: u32,
    pub created_at: i64,
    pub thumb: Option<String>,
    pub source: String,
    /// `sha256:<hex>` of a file, or `<type>:<id>` of a Hub item.
    pub identity: String,
    pub tags: Vec<String>,
}

/// Inserts `new` into `project` unless an item with the same identity is there; returns the new
/// id, or `None` for a duplicate.
pub fn insert(tx: &Transaction, project: i64, new: &NewItem) -> Result<Option<i64>> {
    let tags: Vec<String> = new.tags.iter().map(|t| trove_protocol::rules::tag(t)).collect::<Result<_, _>>()?;
    let now = now_ms();
    let inserted = tx.execute(
        "INSERT INTO items (uuid, hex_id, project_id, dataset_id, kind, name, mime, width, height, size, labels_count, \
                            created_at, updated_at, thumb, source, identity, tags_text) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) \
         ON CONFLICT (project_id, identity) DO NOTHING",
        rusqlite::params![
            new_uuid(),
            new_hex_id(),
            project,
            new.dataset,
            new.kind.as_str(),
            new.name,
            new.mime,
            new.width,
            new.height,
            new.size as i64,
            new.labels_count,
            new.created_at,
            now,
            new.thumb,
            new.source,
            new.identity,
            "",
        ],
    )?;
    if inserted == 0 {
        return Ok(None);
    }
    let id = tx.last_insert_rowid();
    if !tags.is_empty() {
        super::tags::tag(tx, project, &[id], &tags)?;
    }
    Ok(Some(id))
}

/// The id of the item with `identity` in `project`, if any.
pub fn by_identity(conn: &Connection, project: i64, identity: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row("SELECT id FROM items WHERE project_id = ?1 AND identity = ?2", rusqlite::params![project, identity], |r| r.get(0))
        .optional()?)
}

