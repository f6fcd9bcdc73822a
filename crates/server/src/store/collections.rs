//! Collections: created in a project, addressed by slug `{namespace}/{title-slug}-{24 hex}`
//! which resolves by its id suffix alone (so old slugs keep working after a rename), soft- or
//! hard-deleted. A private collection exists only for members of its namespace.

use crate::db::{Connection, OptionalExtension, Transaction};
use trove_protocol::api::{CollectionInfo, Role};
use trove_protocol::rules::{self, slugify};
use trove_protocol::{Collection, CollectionPatch, NewCollection, Theme};

use super::access::{self, Caller};
use super::history::{self, Named};
use super::{accounts, new_hex_id, new_uuid, now_ms, projects};
use trove_protocol::history::ChangeKind;
use crate::error::{Error, Result};

const COLUMNS: &str = "c.id, c.project_id, c.title, c.description, c.private, c.theme, \
    (SELECT count(*) FROM memberships m WHERE m.collection_id = c.id), c.created_at, c.updated_at, \
    c.uuid, c.hex_id, n.name, (SELECT u.name FROM users u WHERE u.id = c.owner_id), c.namespace_id";
const FROM: &str = "FROM collections c JOIN namespaces n ON n.id = c.namespace_id";

/// A collection row with what access checks need.
struct Row {
    info: CollectionInfo,
    namespace_id: i64,
}

fn row(r: &crate::db::Row) -> crate::db::Result<Row> {
    let title: String = r.get(2)?;
    let hex_id: String = r.get(10)?;
    let namespace: String = r.get(11)?;
    Ok(Row {
        info: CollectionInfo {
            collection: Collection {
                id: r.get(0)?,
                project_id: r.get(1)?,
                slug: rules::slug(&namespace, &title, &hex_id),
                title,
                description: r.get(3)?,
                private: r.get(4)?,
                theme: Theme::parse(&r.get::<_, String>(5)?).unwrap_or(Theme::Orange),
                item_count: r.get::<_, i64>(6)? as u64,
                created_at: r.get(7)?,
                updated_at: r.get(8)?,
            },
            uuid: r.get(9)?,
            hex_id,
            namespace,
            owner: r.get::<_, Option<String>>(12)?.unwrap_or_default(),
        },
        namespace_id: r.get(13)?,
    })
}

/// Reads a live collection by a condition on `c`, if the caller may see it.
fn find(conn: &Connection, caller: &Caller, cond: &str, value: &dyn crate::db::ToSql) -> Result<Option<CollectionInfo>> {
    let Some(found) = conn
        .query_row(&format!("SELECT {COLUMNS} {FROM} WHERE {cond} AND c.deleted_at IS NULL"), [value], row)
        .optional()?
    else {
        return Ok(None);
    };
    if access::project_role(conn, caller, found.info.collection.project_id)?.is_none()
        || !access::sees_collection(conn, caller, found.namespace_id, found.info.collection.private)?
    {
        return Ok(None);
    }
    Ok(Some(found.info))
}

/// The live collection with integer id `id` the caller may see; 404 otherwise.
pub fn by_id(conn: &Connection, caller: &Caller, id: i64) -> Result<CollectionInfo> {
    find(conn, caller, "c.id = ?1", &id)?.ok_or_else(|| Error::NotFound(format!("collection {id} does not exist")))
}

/// The live collection a slug (`{namespace}/{anything}-{id}`) names, resolved by the id suffix
/// only; 404 when it does not exist or the caller may not see it.
pub fn resolve(conn: &Connection, caller: &Caller, slug: &str) -> Result<CollectionInfo> {
    let missing = || Error::NotFound(format!("collection {} does not exist", rules::quote(slug)));
    let hex = slug.rsplit('-').next().unwrap_or_default();
    if hex.len() != 24 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(missing());
    }
    find(conn, caller, "c.hex_id = ?1", &hex.to_ascii_lowercase())?.ok_or_else(missing)
}

/// The live collections of a project that the caller may see, most recently changed first,
/// with their item counts.
pub fn list(conn: &Connection, caller: &Caller, project: i64) -> Result<Vec<CollectionInfo>> {
    access::require(conn, caller, project, Role::Viewer)?;
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} {FROM} WHERE c.project_id = ?1 AND c.deleted_at IS NULL ORDER BY c.updated_at DESC, c.id DESC"
    ))?;
    let rows = stmt.query_map([project], row)?.collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if access::sees_collection(conn, caller, r.namespace_id, r.info.collection.private)? {
            out.push(r.info);
        }
    }
    Ok(out)
}

/// A live collection of the project that the caller can see, whose title slugifies like
/// `title_slug`, other than `except`, as `(title, hex id, namespace)`.
///
/// Titles are unique among the collections a caller can see (the public ones and the private
/// ones of their namespaces): a title taken only by a collection hidden from the caller is free
/// for them, so a conflict never names, or even hints at, a collection the caller cannot see.
/// Members of that namespace may then see two collections with one title, told apart by slug.
/// With `public_only`, only public collections count (a collection about to be made public).
fn same_title(conn: &Connection, caller: &Caller, project: i64, title_slug: &str, except: i64, public_only: bool) -> Result<Option<(String, String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.title, c.hex_id, n.name, c.namespace_id, c.private FROM collections c JOIN namespaces n ON n.id = c.namespace_id \
         WHERE c.project_id = ?1 AND c.title_slug = ?2 AND c.deleted_at IS NULL AND c.id <> ?3",
    )?;
    let rows = stmt
        .query_map(crate::db::params![project, title_slug, except], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)?, r.get::<_, bool>(4)?)))?
        .collect::<Result<Vec<(String, String, String, i64, bool)>, _>>()?;
    for (title, hex, ns, ns_id, private) in rows {
        if !(public_only && private) && access::sees_collection(conn, caller, ns_id, private)? {
            return Ok(Some((title, hex, ns)));
        }
    }
    Ok(None)
}

/// A title in use by a collection the caller can see, as a sentence that names only it.
fn title_taken(conn: &Connection, caller: &Caller, project: i64, title: &str, except: i64, public_only: bool) -> Result<()> {
    match same_title(conn, caller, project, &slugify(title), except, public_only)? {
        Some((t, hex, ns)) => Err(duplicate(&t, &hex, &ns)),
        None => Ok(()),
    }
}

fn duplicate(title: &str, hex: &str, ns: &str) -> Error {
    Error::Conflict(format!(
        "a collection titled {title:?} already exists in this project ({}); choose another title",
        rules::slug(ns, title, hex)
    ))
}

/// Creates a collection in `project` under `namespace` (the project's own when `None`, else one
/// the caller belongs to). Needs the editor role in the project.
pub fn create(tx: &Transaction, caller: &Caller, project: i64, input: &NewCollection, namespace: Option<&str>) -> Result<CollectionInfo> {
    create_as(tx, caller, project, input, namespace, Ids { uuid: new_uuid(), hex_id: new_hex_id() })
}

/// The identities of a new collection: fresh ones, or those a desktop app chose offline.
pub struct Ids {
    pub uuid: String,
    pub hex_id: String,
}

/// [`create`] with given identities (sync: the app made the collection offline).
pub fn create_as(tx: &Transaction, caller: &Caller, project: i64, input: &NewCollection, namespace: Option<&str>, ids: Ids) -> Result<CollectionInfo> {
    access::require(tx, caller, project, Role::Editor)?;
    rules::hex_id(&ids.hex_id)?;
    // A short id another collection holds (perhaps one this caller cannot see) is not refused,
    // which would tell them it exists: the new collection gets a fresh one, which the app
    // learns with its next pull.
    let taken: bool = tx.query_row("SELECT EXISTS (SELECT 1 FROM collections WHERE hex_id = ?1)", [&ids.hex_id], |r| r.get(0))?;
    let hex_id = if taken { new_hex_id() } else { ids.hex_id };
    let title = rules::title(&input.title)?;
    let description = rules::description(&input.description)?;
    let namespace_id = match namespace {
        None => tx.query_row("SELECT namespace_id FROM projects WHERE id = ?1", [project], |r| r.get(0))?,
        Some(name) => {
            let id = accounts::namespace_id(tx, name)?.ok_or_else(|| Error::NotFound(format!("namespace {} does not exist", rules::quote(name))))?;
            if access::namespace_role(tx, caller, id)?.is_none() {
                return Err(Error::Forbidden(format!("you are not a member of namespace {}", rules::quote(name))));
            }
            id
        }
    };
    let title_slug = slugify(&title);
    title_taken(tx, caller, project, &title, 0, false)?;
    let now = now_ms();
    let id: i64 = tx.query_row(
        "INSERT INTO collections (uuid, hex_id, project_id, namespace_id, title, title_slug, description, private, theme, owner_id, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11) RETURNING id",
        crate::db::params![
            ids.uuid,
            hex_id,
            project,
            namespace_id,
            title,
            title_slug,
            description,
            input.private,
            input.theme.unwrap_or(Theme::Orange).as_str(),
            caller.user_id,
            now
        ],
        |r| r.get(0),
    )?;
    history::record(tx, caller, project, id, ChangeKind::Created, Named::Nothing, &title)?;
    projects::touch(tx, project)?;
    by_id(tx, caller, id)
}

/// Changes the fields `patch` sets. Needs the editor role in the collection's project.
pub fn update(tx: &Transaction, caller: &Caller, id: i64, patch: &CollectionPatch) -> Result<CollectionInfo> {
    let c = by_id(tx, caller, id)?;
    access::require(tx, caller, c.collection.project_id, Role::Editor)?;
    let title = patch.title.as_deref().map(rules::title).transpose()?;
    let description = patch.description.as_deref().map(rules::description).transpose()?;
    let mut changed = 0;
    let mut renamed = 0;
    if let Some(title) = &title {
        title_taken(tx, caller, c.collection.project_id, title, id, false)?;
        renamed = tx.execute("UPDATE collections SET title = ?1, title_slug = ?2 WHERE id = ?3 AND title IS NOT ?1", crate::db::params![title, slugify(title), id])?;
        changed += renamed;
    }
    if let Some(d) = description {
        changed += tx.execute("UPDATE collections SET description = ?1 WHERE id = ?2 AND description IS NOT ?1", crate::db::params![d, id])?;
    }
    if let Some(p) = patch.private {
        if !p && c.collection.private {
            // Made public, it must not share its title with a public collection (one everybody
            // in the project, not only this namespace, would then see twice).
            title_taken(tx, caller, c.collection.project_id, title.as_deref().unwrap_or(&c.collection.title), id, true)?;
        }
        changed += tx.execute("UPDATE collections SET private = ?1 WHERE id = ?2 AND private IS NOT ?1", crate::db::params![p, id])?;
    }
    if let Some(t) = patch.theme {
        changed += tx.execute("UPDATE collections SET theme = ?1 WHERE id = ?2 AND theme IS NOT ?1", crate::db::params![t.as_str(), id])?;
    }
    // As the rulebook's rule: a collection is touched only when one of its fields changed.
    if changed > 0 {
        touch(tx, id)?;
        let (kind, detail) = match &title {
            Some(t) if renamed > 0 => (ChangeKind::Renamed, t.as_str()),
            _ => (ChangeKind::Updated, ""),
        };
        history::record(tx, caller, c.collection.project_id, id, kind, Named::Nothing, detail)?;
    }
    by_id(tx, caller, id)
}

/// Deletes a collection: softly (it disappears from every route; memberships kept) or, with
/// `hard`, for good with its memberships. Needs the editor role.
pub fn delete(tx: &Transaction, caller: &Caller, id: i64, hard: bool) -> Result<()> {
    let c = by_id(tx, caller, id)?;
    access::require(tx, caller, c.collection.project_id, Role::Editor)?;
    if hard {
        tx.execute("DELETE FROM memberships WHERE collection_id = ?1", [id])?;
        tx.execute("DELETE FROM collections WHERE id = ?1", [id])?;
        history::forget(tx, id)?;
    } else {
        tx.execute("UPDATE collections SET deleted_at = ?1, updated_at = ?1 WHERE id = ?2", crate::db::params![now_ms(), id])?;
        history::record(tx, caller, c.collection.project_id, id, ChangeKind::Deleted, Named::Nothing, "")?;
    }
    projects::touch(tx, c.collection.project_id)
}

/// Marks the collection as changed now.
pub fn touch(tx: &Transaction, id: i64) -> Result<()> {
    tx.execute("UPDATE collections SET updated_at = ?1 WHERE id = ?2", crate::db::params![now_ms(), id])?;
    Ok(())
}

/// A collection by UUID, deleted or not: `(id, project, deleted)`; `None` when there is no such
/// row (never made, or deleted for good).
pub fn by_uuid(conn: &Connection, uuid: &str) -> Result<Option<(i64, i64, bool)>> {
    Ok(conn
        .query_row("SELECT id, project_id, deleted_at IS NOT NULL FROM collections WHERE uuid = ?1", [uuid], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?)
}
