//! The Hub's view of the store, for the Hugging Face collections API (`compat::hf`): the
//! collections of hub projects as the Hub shows them (public ones to anybody, private ones only
//! to their namespace), their members as `(type, id)` pairs read from the items' identities
//! (`<type>:<id>`), and the registration of a Hub item the server has not seen. Reads only, but
//! for [`ensure_item`]: every change of a collection or a membership goes through
//! `store::collections` and `store::members`.

use crate::db::{Connection, OptionalExtension, Transaction};
use trove_protocol::rules::{self, slugify};

use super::access::{self, Caller};
use super::items::{self, NewItem};
use super::{datasets, projects};
use crate::error::{Error, Result};

/// Nobody: the caller of a request without a token. No user has id 0, so it belongs to no
/// namespace and sees only public collections.
pub fn anonymous() -> Caller {
    Caller { user_id: 0, name: String::new(), is_admin: false }
}

/// A live collection of a hub project, as the Hub API shows it.
#[derive(Debug, Clone)]
pub struct HubCollection {
    pub id: i64,
    pub project_id: i64,
    pub hex_id: String,
    pub title: String,
    pub description: String,
    pub private: bool,
    pub theme: String,
    pub updated_at: i64,
    pub namespace: String,
    pub namespace_id: i64,
}

impl HubCollection {
    pub fn slug(&self) -> String {
        rules::slug(&self.namespace, &self.title, &self.hex_id)
    }
}

/// One member in order: its membership `_id`, its `(type, id)` and note.
#[derive(Debug, Clone)]
pub struct HubMember {
    pub item: i64,
    pub hex_id: String,
    pub kind: String,
    pub id: String,
    pub note: String,
}

const COLUMNS: &str = "c.id, c.project_id, c.hex_id, c.title, c.description, c.private, c.theme, c.updated_at, n.name, c.namespace_id";
const FROM: &str = "FROM collections c JOIN namespaces n ON n.id = c.namespace_id JOIN projects p ON p.id = c.project_id \
    WHERE c.deleted_at IS NULL AND p.kind = 'hub'";

fn row(r: &crate::db::Row) -> crate::db::Result<HubCollection> {
    Ok(HubCollection {
        id: r.get(0)?,
        project_id: r.get(1)?,
        hex_id: r.get(2)?,
        title: r.get(3)?,
        description: r.get(4)?,
        private: r.get(5)?,
        theme: r.get(6)?,
        updated_at: r.get(7)?,
        namespace: r.get(8)?,
        namespace_id: r.get(9)?,
    })
}

/// The live hub collection a slug names, resolved by its id suffix alone (the title part may be
/// stale after a rename), if the caller may see it; 404 otherwise, with the same message
/// whether it does not exist or is another namespace's private collection.
pub fn resolve(conn: &Connection, caller: &Caller, slug: &str) -> Result<HubCollection> {
    let missing = || Error::NotFound(format!("collection {} does not exist", rules::quote(slug)));
    let hex = slug.rsplit('-').next().unwrap_or_default();
    if hex.len() != 24 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(missing());
    }
    let found = conn
        .query_row(&format!("SELECT {COLUMNS} {FROM} AND c.hex_id = ?1"), [hex.to_ascii_lowercase()], row)
        .optional()?
        .ok_or_else(missing)?;
    if !access::sees_collection(conn, caller, found.namespace_id, found.private)? {
        return Err(missing());
    }
    Ok(found)
}

/// What `GET /api/collections` filters by.
#[derive(Debug, Default)]
pub struct ListFilter {
    /// Namespace names (any of them); empty for all.
    pub owners: Vec<String>,
    /// Item identities `<type>:<id>` (a collection holding any of them); empty for all.
    pub items: Vec<String>,
}

/// The live hub collections the caller may see, most recently changed first, `limit` of them
/// after the first `skip`.
pub fn list(conn: &Connection, caller: &Caller, filter: &ListFilter, limit: u32, skip: u64) -> Result<Vec<HubCollection>> {
    let mut sql = format!(
        "SELECT {COLUMNS} {FROM} AND (c.private = 0 OR ?1 <> 0 OR c.namespace_id IN (SELECT namespace_id FROM namespace_members WHERE user_id = ?2))"
    );
    if !filter.owners.is_empty() {
        sql.push_str(" AND n.name IN (SELECT value FROM json_each(?3))");
    }
    if !filter.items.is_empty() {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM memberships m JOIN items i ON i.id = m.item_id \
             WHERE m.collection_id = c.id AND i.identity IN (SELECT value FROM json_each(?4)))",
        );
    }
    sql.push_str(" ORDER BY c.updated_at DESC, c.id DESC LIMIT ?5 OFFSET ?6");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map(
            crate::db::params![
                caller.is_admin,
                caller.user_id,
                serde_json::to_string(&filter.owners)?,
                serde_json::to_string(&filter.items)?,
                limit,
                skip as i64
            ],
            row,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The ids of the namespace's live hub collections the caller may see, in the order of the
/// namespace's page: those given a place by [`set_page_position`] by it, then the rest oldest
/// first. Counting only what the caller sees keeps private collections out of the positions
/// that others read.
fn page(conn: &Connection, caller: &Caller, namespace_id: i64) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id FROM collections c JOIN projects p ON p.id = c.project_id LEFT JOIN hub_pages h ON h.collection_id = c.id \
         WHERE c.deleted_at IS NULL AND p.kind = 'hub' AND c.namespace_id = ?1 \
         AND (c.private = 0 OR ?2 <> 0 OR c.namespace_id IN (SELECT namespace_id FROM namespace_members WHERE user_id = ?3)) \
         ORDER BY h.rank IS NULL, h.rank, c.id",
    )?;
    let ids = stmt
        .query_map(crate::db::params![namespace_id, caller.is_admin, caller.user_id], |r| r.get(0))?
        .collect::<Result<Vec<i64>, _>>()?;
    Ok(ids)
}

/// The collection's 0-based place on its owner's page, as the caller sees that page.
pub fn page_position(conn: &Connection, caller: &Caller, c: &HubCollection) -> Result<usize> {
    Ok(page(conn, caller, c.namespace_id)?.iter().position(|&id| id == c.id).unwrap_or(0))
}

/// Moves the collection to place `position` on its owner's page (clamped to the last place),
/// shifting the others, and gives every collection of the page its new rank. Only a caller who
/// may change the namespace calls this, and such a caller sees the whole page.
pub fn set_page_position(tx: &Transaction, caller: &Caller, c: &HubCollection, position: u64) -> Result<()> {
    let mut ids = page(tx, caller, c.namespace_id)?;
    ids.retain(|&id| id != c.id);
    let at = usize::try_from(position).unwrap_or(usize::MAX).min(ids.len());
    ids.insert(at, c.id);
    let mut stmt = tx.prepare_cached("INSERT INTO hub_pages (collection_id, rank) VALUES (?1, ?2) ON CONFLICT (collection_id) DO UPDATE SET rank = excluded.rank")?;
    for (rank, id) in ids.iter().enumerate() {
        stmt.execute(crate::db::params![id, rank as i64])?;
    }
    Ok(())
}

/// The collection's members in order (by position key, ties by item id), the first `limit`.
pub fn members(conn: &Connection, collection: i64, limit: Option<u32>) -> Result<Vec<HubMember>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.item_id, m.hex_id, i.identity, m.note FROM memberships m JOIN items i ON i.id = m.item_id \
         WHERE m.collection_id = ?1 ORDER BY m.position, m.item_id LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(crate::db::params![collection, limit.map_or(i64::MAX, i64::from)], |r| {
            let identity: String = r.get(2)?;
            let (kind, id) = identity.split_once(':').unwrap_or(("", identity.as_str()));
            Ok(HubMember { item: r.get(0)?, hex_id: r.get(1)?, kind: kind.to_string(), id: id.to_string(), note: r.get::<_, Option<String>>(3)?.unwrap_or_default() })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The item id of the membership `_id` `hex` in the collection, if there is one.
pub fn member_by_hex(conn: &Connection, collection: i64, hex: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row("SELECT item_id FROM memberships WHERE collection_id = ?1 AND hex_id = ?2", crate::db::params![collection, hex], |r| r.get(0))
        .optional()?)
}

/// A live hub collection of `project` that the caller can see whose title slugifies like
/// `title`: the one a create with that title conflicts with.
pub fn same_title(conn: &Connection, caller: &Caller, project: i64, title: &str) -> Result<Option<HubCollection>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} {FROM} AND c.project_id = ?1 AND c.title_slug = ?2 ORDER BY c.id"))?;
    let rows = stmt.query_map(crate::db::params![project, slugify(title)], row)?.collect::<Result<Vec<_>, _>>()?;
    for c in rows {
        if access::sees_collection(conn, caller, c.namespace_id, c.private)? {
            return Ok(Some(c));
        }
    }
    Ok(None)
}

/// The item with `new.identity` in hub project `project`, registered in dataset `dataset` (made
/// if new) when the project does not hold it yet.
pub fn ensure_item(tx: &Transaction, project: i64, dataset: &str, new: impl FnOnce(i64) -> NewItem, identity: &str) -> Result<i64> {
    if let Some(id) = items::by_identity(tx, project, identity)? {
        return Ok(id);
    }
    let dataset = datasets::ensure(tx, project, dataset)?;
    let item = new(dataset);
    let id = match items::insert(tx, project, &item)? {
        Some(id) => id,
        None => items::by_identity(tx, project, identity)?.ok_or_else(|| Error::Internal(anyhow::anyhow!("item {identity:?} vanished")))?,
    };
    projects::touch(tx, project)?;
    Ok(id)
}
