//! Items: read with the app's typed filter and sort (compiled by `trove-filters` over this
//! schema's [`SCHEMA`]), paged by keyset cursor; inserted by catalog import, deduplicated by
//! identity. [`COLUMNS`] and [`info`] are the one reader of an item row.

use crate::db::{Connection, OptionalExtension, Transaction};
use trove_filters::{self as filters, Collections, Datasets, ItemTags, Items, Memberships, NameIndex, QueueEntries, Queues, Schema, Sql, Tags};
use trove_protocol::api::{ItemInfo, ItemsPage, Role};
use trove_protocol::mutation::ImportedItem;
use trove_protocol::{Condition, Item, ItemKind, ItemQuery};

use super::access::{self, Caller};
use super::{collections, cursor, new_hex_id, new_uuid, now_ms};
use crate::error::{Error, Result};

/// Separates tags in `items.tags_text` (tags cannot contain control characters).
pub const TAG_SEP: char = '\u{1f}';

/// The server's tables as the filter compiler reads them (`migrations/001_init.sql`).
pub const SCHEMA: Schema = Schema {
    items: Items {
        table: "items",
        alias: "i",
        id: "id",
        project: "project_id",
        dataset: "dataset_id",
        name: "name",
        kind: "kind",
        size: "size",
        width: "width",
        height: "height",
        labels_count: "labels_count",
        created_at: "created_at",
        updated_at: "updated_at",
        tags_text: "tags_text",
    },
    datasets: Datasets { table: "datasets", id: "id", name: "name" },
    item_tags: ItemTags { table: "item_tags", item: "item_id", tag: "tag_id" },
    tags: Tags { table: "tags", id: "id", name: "name" },
    memberships: Memberships { table: "memberships", alias: "m", collection: "collection_id", item: "item_id", position: "position" },
    collections: Collections { table: "collections", id: "id", deleted_at: "deleted_at" },
    queues: Queues { table: "queues", id: "id", collection: "collection_id", closed: "closed" },
    queue_entries: QueueEntries { table: "queue_entries", queue: "queue_id", item: "item_id", status: "status" },
    // `migrations/008_names.sql`: a trigram index of `items.name`, caught up before every commit.
    names: Some(NameIndex { table: "items_names", pending: "items_names_pending" }),
    tag_sep: TAG_SEP,
};

/// The columns of an item row, in the order [`info`] reads them, from `items i`.
pub const COLUMNS: &str = "i.id, i.dataset_id, (SELECT d.name FROM datasets d WHERE d.id = i.dataset_id), i.kind, i.name, \
     i.mime, i.width, i.height, i.size, i.tags_text, i.labels_count, i.created_at, i.updated_at, i.thumb, i.source";

/// The columns after [`COLUMNS`] (and `m.note` when a collection is open) that make an
/// [`ItemInfo`].
pub const EXTRA: &str = "i.uuid, i.hex_id, i.project_id";

/// An [`Item`] from a row that starts with [`COLUMNS`] (then `m.note` when `with_note`).
fn item(r: &crate::db::Row, with_note: bool) -> crate::db::Result<Item> {
    let kind: String = r.get(3)?;
    let tags: String = r.get(9)?;
    Ok(Item {
        id: r.get(0)?,
        dataset_id: r.get(1)?,
        dataset_name: r.get(2)?,
        kind: ItemKind::parse(&kind).unwrap_or(ItemKind::Image),
        name: r.get(4)?,
        mime: r.get(5)?,
        width: r.get(6)?,
        height: r.get(7)?,
        size: r.get::<_, i64>(8)? as u64,
        tags: SCHEMA.split_tags(&tags),
        labels_count: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
        thumb: r.get(13)?,
        source: r.get(14)?,
        note: if with_note { r.get(15)? } else { None },
    })
}

/// An [`ItemInfo`] from a row of `{COLUMNS}[, m.note], {EXTRA}`.
pub fn info(r: &crate::db::Row, with_note: bool) -> crate::db::Result<ItemInfo> {
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
/// see, so a filter cannot reveal the members of a private collection; and every queue a queue
/// status clause names, one of the project's the caller may see (404 otherwise, as for an
/// unknown id).
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
    for clause in &query.filter.clauses {
        if let Condition::Queue { id, .. } = clause.cond {
            let (q, _) = super::queues::by_id(conn, caller, id)?;
            if q.project != project {
                return Err(Error::Invalid(format!("queue {id} is not in project {project}")));
            }
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
    let terms = filters::order_terms(&SCHEMA, query);
    let order = order_name(query);
    // "In any collection" counts only the collections this caller may see.
    let visible = if query.filter.clauses.iter().any(|c| matches!(c.cond, Condition::AnyCollection)) {
        access::visible_collections(conn, caller, project)?
    } else {
        Vec::new()
    };
    // PostgreSQL has no FTS5 name index: its name search is the plain substring test.
    let schema = match conn.as_sqlite() {
        Some(sqlite) => filters::planned(sqlite, &SCHEMA, query)?,
        None => Schema { names: None, ..SCHEMA },
    };
    let mut body = filters::from_where_in(&schema, project, query, |_| false, filters::Scope::Collections(&visible));
    if let Some(c) = after {
        let values = cursor::decode(c, &order, terms.len())?;
        filters::after(&SCHEMA, &mut body, query, &values);
    }
    let with_note = query.collection.is_some();
    let note = if with_note { ", m.note" } else { "" };
    let mut sql = Sql { text: format!("SELECT {COLUMNS}{note}, {EXTRA}, {}{}", terms.join(", "), body.text), params: body.params };
    sql.text.push_str(&filters::order_by(&SCHEMA, query));
    sql.text.push_str(&format!(" LIMIT {}", limit + 1));
    let first_term = if with_note { 19 } else { 18 };
    let mut stmt = conn.prepare(&sql.text)?;
    let mut rows = stmt
        .query_map(crate::db::params_from_iter(sql.params.iter()), |r| Ok((info(r, with_note)?, cursor::values(r, first_term, terms.len())?)))?
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
    let inserted: Option<i64> = tx.query_row(
        "INSERT INTO items (uuid, hex_id, project_id, dataset_id, kind, name, mime, width, height, size, labels_count, \
                            created_at, updated_at, thumb, source, identity, tags_text, content) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) \
         ON CONFLICT (project_id, identity) DO NOTHING RETURNING id",
        crate::db::params![
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
            new.identity.strip_prefix("sha256:"),
        ],
        |r| r.get(0),
    )
    .optional()?;
    let Some(id) = inserted else { return Ok(None) };

    if !tags.is_empty() {
        super::tags::tag(tx, project, &[id], &tags)?;
    }
    Ok(Some(id))
}

/// Inserts a file an app imported (`import_items`) as item `file.item` of `dataset`: its identity
/// is `upload:<uuid>` (see `migrations/010_uploads.sql`). The UUID must be free.
pub fn insert_upload(tx: &Transaction, project: i64, dataset: i64, file: &ImportedItem) -> Result<()> {
    let thumb = own_thumb(tx, project, file.thumb.as_deref())?;
    tx.prepare_cached(
        "INSERT INTO items (uuid, hex_id, project_id, dataset_id, kind, name, mime, width, height, size, labels_count, \
                            created_at, updated_at, thumb, source, identity, tags_text, content) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, ?11, ?12, ?13, ?14, ?15, '', ?16)",
    )?
    .execute(crate::db::params![
        file.item,
        new_hex_id(),
        project,
        dataset,
        file.kind.as_str(),
        file.name,
        file.mime,
        file.width,
        file.height,
        file.size as i64,
        file.created_at,
        now_ms(),
        thumb,
        file.source(),
        format!("upload:{}", file.item),
        file.content,
    ])?;
    Ok(())
}

/// Shows an imported file's new content on its item (`import_items` naming an existing item):
/// its `updated_at` (and version) change only when a field did.
pub fn update_upload(tx: &Transaction, item: i64, file: &ImportedItem) -> Result<()> {
    let project: i64 = tx.query_row("SELECT project_id FROM items WHERE id = ?1", [item], |r| r.get(0))?;
    let thumb = own_thumb(tx, project, file.thumb.as_deref())?;
    tx.prepare_cached(
        "UPDATE items SET kind = ?2, mime = ?3, width = ?4, height = ?5, size = ?6, thumb = ?7, content = ?8, updated_at = ?9 \
         WHERE id = ?1 AND (kind IS NOT ?2 OR mime IS NOT ?3 OR width IS NOT ?4 OR height IS NOT ?5 OR size IS NOT ?6 \
                            OR thumb IS NOT ?7 OR content IS NOT ?8)",
    )?
    .execute(crate::db::params![item, file.kind.as_str(), file.mime, file.width, file.height, file.size as i64, thumb, file.content, now_ms()])?;
    Ok(())
}

/// Whether some item of `project` shows the file content `content` (a SHA-256).
pub fn with_content(conn: &Connection, project: i64, content: &str) -> Result<bool> {
    Ok(conn
        .query_row("SELECT 1 FROM items WHERE project_id = ?1 AND content = ?2 LIMIT 1", crate::db::params![project, content], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Records that an editor of `project` uploaded the thumbnail `hash` (its bytes were checked).
pub fn record_thumb(tx: &Transaction, project: i64, hash: &str) -> Result<()> {
    tx.execute("INSERT INTO project_thumbs (project_id, hash) VALUES (?1, ?2) ON CONFLICT DO NOTHING", crate::db::params![project, hash])?;
    Ok(())
}

/// The thumbnail an imported item of `project` may name: `thumb`, unless it is another
/// project's (named by an item there or uploaded for it) and this project's editors never
/// uploaded it: an item cannot borrow a thumbnail by its hash, so the hash of a picture tells
/// nobody whether another project holds it. (The app uploads before it pushes, so its items
/// keep theirs.)
fn own_thumb<'a>(conn: &Connection, project: i64, thumb: Option<&'a str>) -> Result<Option<&'a str>> {
    let Some(hash) = thumb else { return Ok(None) };
    let keep: bool = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM project_thumbs WHERE project_id = ?1 AND hash = ?2) \
             OR NOT (EXISTS (SELECT 1 FROM items WHERE thumb = ?2 AND project_id <> ?1) \
                     OR EXISTS (SELECT 1 FROM project_thumbs WHERE hash = ?2 AND project_id <> ?1))",
    )?
    .query_row(crate::db::params![project, hash], |r| r.get(0))?;
    Ok(keep.then_some(hash))
}

/// Whether the original with this content was uploaded for `project`.
pub fn has_original(conn: &Connection, project: i64, content: &str) -> Result<bool> {
    Ok(conn
        .query_row("SELECT 1 FROM project_originals WHERE project_id = ?1 AND content = ?2", crate::db::params![project, content], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Records that `user` uploaded the original `content` (`size` bytes) for `project`.
pub fn record_original(tx: &Transaction, project: i64, content: &str, size: u64, user: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO project_originals (project_id, content, size, user_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        crate::db::params![project, content, size as i64, user, now_ms()],
    )?;
    Ok(())
}

/// The content hash of an item made from a file (`None` for others); the caller checked access.
pub fn content(conn: &Connection, id: i64) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT content FROM items WHERE id = ?1", [id], |r| r.get(0)).optional()?.flatten())
}

/// The id of the item with `identity` in `project`, if any.
pub fn by_identity(conn: &Connection, project: i64, identity: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row("SELECT id FROM items WHERE project_id = ?1 AND identity = ?2", crate::db::params![project, identity], |r| r.get(0))
        .optional()?)
}


#[cfg(test)]
mod tests {
    use trove_filters::examples::{run_all_with, Ids};
    use trove_protocol::NewCollection;

    use super::*;
    use crate::store::{accounts, datasets, members, projects};

    #[test]
    fn every_clause_sort_and_facet_compiles_and_runs_against_the_servers_schema() {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::testing::database_url();
        let (db, _) = crate::store::open(dir.path(), url.as_deref()).unwrap();
        let ids = db
            .write(|tx| {
                accounts::ensure_admin(tx)?;
                let admin = Caller { user_id: tx.query_row("SELECT id FROM users WHERE name = 'admin'", [], |r| r.get(0))?, name: "admin".into(), is_admin: true };
                let ns = accounts::namespace_id(tx, accounts::ADMIN)?.unwrap();
                let project = projects::insert(tx, ns, "Photos", trove_protocol::ProjectKind::Image, "", false)?;
                let dataset = datasets::ensure(tx, project, "d")?;
                let new = NewItem {
                    dataset,
                    kind: ItemKind::Image,
                    name: "Alpha.jpg".into(),
                    mime: "image/jpeg".into(),
                    width: Some(10),
                    height: Some(20),
                    size: 30,
                    labels_count: 1,
                    created_at: 1000,
                    thumb: None,
                    source: String::new(),
                    identity: "test:1".into(),
                    tags: vec!["cat".into(), "dog".into()],
                };
                let item = insert(tx, project, &new)?.unwrap();
                let c = collections::create(tx, &admin, project, &NewCollection { title: "C".into(), description: String::new(), private: false, theme: None }, None)?;
                members::insert(tx, &admin, c.collection.id, &[members::NewMember { item, position: "a0", note: "" }])?;
                Ok::<_, Error>(Ids { project, dataset, collection: c.collection.id, item })
            })
            .unwrap();
        // On PostgreSQL as its store compiles them: without the FTS5 name index.
        let schema = if url.is_some() { Schema { names: None, ..SCHEMA } } else { SCHEMA };
        let ran = db
            .read(|c| {
                Ok::<_, Error>(run_all_with(&schema, ids, |text, params| {
                    let rows = (|| {
                        let mut stmt = c.prepare(text)?;
                        let columns = stmt.column_count();
                        let rows = stmt.query_map(crate::db::params_from_iter(params.iter()), |r| (0..columns).map(|k| r.get::<_, crate::db::Value>(k)).collect())?;
                        rows.collect::<crate::db::Result<Vec<Vec<_>>>>()
                    })();
                    rows.map_err(|e| format!("{e}\n  in: {text}"))
                }))
            })
            .unwrap()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(ran > 100, "{ran} statements");
    }
}
