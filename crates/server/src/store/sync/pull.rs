//! Reading a project's changes after a cookie: the rows whose version is past it, paged by
//! version, as the caller may see them, tombstones included.
//!
//! A cookie is the version a client has pulled up to, with one exception. A cookie below the
//! prune mark (`counters.pruned`, see `prune.rs`) is a reset: the client may have missed a
//! removal the server has forgotten. But a full download (from 0, or after a reset) pages
//! through the current rows in version order, and most of them are older than the mark, so
//! its pages cannot carry plain versions without resetting at every page. Below the mark such
//! a page's cookie is [`DOWNLOAD`] plus the prune epoch and the place reached: the next pull
//! continues from that place while no prune has raised the mark since, and starts over (a
//! reset) otherwise. Clients pass cookies back unread, so this stays between the server and
//! itself.

use crate::db::{Connection, OptionalExtension};
use trove_protocol::api::Role;
use trove_protocol::sync::{PullResponse, RejectedMutation, SyncCollection, SyncDataset, SyncItem, SyncMembership};
use trove_protocol::ApiError;
use trove_protocol::{ItemKind, Theme};

use super::{check_client_id, client_state};
use crate::error::{Error, Result};
use crate::store::access::{self, Caller};
use crate::store::items::TAG_SEP;

/// Cookies from this value up are a full download's place below the prune mark: the low
/// [`PLACE_BITS`] bits are the place (a version), the bits above it the prune epoch (modulo
/// [`EPOCHS`]) the download began in. Versions never come near it.
const DOWNLOAD: i64 = 1 << 62;
const PLACE_BITS: u32 = 40;
const PLACE_MASK: i64 = (1 << PLACE_BITS) - 1;
const EPOCHS: i64 = 1 << (62 - PLACE_BITS);

/// Where a pull from `cookie` starts, and whether it is a reset (a start from scratch).
fn start(cookie: i64, head: i64, mark: i64, epoch: i64) -> (i64, bool) {
    if cookie >= DOWNLOAD {
        let (began, place) = ((cookie - DOWNLOAD) >> PLACE_BITS, (cookie - DOWNLOAD) & PLACE_MASK);
        return if began == epoch % EPOCHS && place < mark { (place, false) } else { (0, true) };
    }
    // Not a version this server gave out, or older than what a prune forgot.
    if cookie < 0 || cookie > head || (cookie > 0 && cookie < mark) {
        return (0, true);
    }
    (cookie, false)
}

/// The cookie of a page that ends at version `upto` (see the module doc).
fn cookie_after(upto: i64, mark: i64, epoch: i64) -> i64 {
    if upto < mark && upto <= PLACE_MASK {
        DOWNLOAD + ((epoch % EPOCHS) << PLACE_BITS) + upto
    } else {
        upto
    }
}

/// One page (at most `limit` changed rows) of the changes to project `project_uuid` after
/// `cookie`, as the caller may see them, with the client's last applied mutation id.
///
/// Everything is read from one snapshot (one read transaction): a push committing meanwhile
/// is either wholly in the page or wholly after it, so the head version, the client's last
/// mutation id and every kind of row agree.
pub fn pull(conn: &Connection, caller: &Caller, project_uuid: &str, client_id: &str, cookie: i64, limit: u32, pending_from: Option<i64>) -> Result<PullResponse> {
    check_client_id(client_id)?;
    // `conn` reads one snapshot (`Db::read`), from the first read below to the last.
    let project = {
        let id: Option<i64> = conn.query_row("SELECT id FROM projects WHERE uuid = ?1", [project_uuid], |r| r.get(0)).optional()?;
        let id = id.ok_or_else(|| Error::NotFound(format!("project {project_uuid} does not exist")))?;
        access::require(conn, caller, id, Role::Viewer).map_err(|_| Error::NotFound(format!("project {project_uuid} does not exist")))?;
        id
    };
    // Read before the rows (within the snapshot it makes no difference, but never after them:
    // the client drops the outbox entries up to it, so the rows must include their effects).
    let last_mutation_id = client_state(conn, caller, client_id)?;
    let counter = |name: &str| -> Result<i64> { Ok(conn.query_row("SELECT value FROM counters WHERE name = ?1", [name], |r| r.get(0))?) };
    let (head, mark, epoch) = (counter("version")?, counter("pruned")?, counter("prune_epoch")?);
    let (since, reset) = start(cookie, head, mark, epoch);
    let limit = limit as i64;

    // The versions of the next `limit` changed rows across all kinds: everything up to `upto`
    // goes in this page.
    let versions: Vec<i64> = {
        let mut stmt = conn.prepare(
            "SELECT version FROM ( \
               SELECT version FROM datasets WHERE project_id = ?1 AND version > ?2 \
               UNION ALL SELECT version FROM items WHERE project_id = ?1 AND version > ?2 \
               UNION ALL SELECT version FROM collections WHERE project_id = ?1 AND version > ?2 \
               UNION ALL SELECT version FROM membership_clocks WHERE project_id = ?1 AND version > ?2 \
               UNION ALL SELECT version FROM tombstones WHERE project_id = ?1 AND version > ?2 \
               UNION ALL SELECT version FROM queues WHERE project_id = ?1 AND version > ?2 \
               UNION ALL SELECT version FROM queue_entries WHERE project_id = ?1 AND version > ?2 \
               UNION ALL SELECT version FROM views WHERE project_id = ?1 AND version > ?2) \
             ORDER BY version LIMIT ?3",
        )?;
        let rows = stmt.query_map(crate::db::params![project, since, limit + 1], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
        rows
    };
    let more = versions.len() as i64 > limit;
    let upto = if more { versions[limit as usize - 1] } else { head };
    let range = crate::db::params![project, since, upto];

    let mut stmt = conn.prepare("SELECT uuid, name FROM datasets WHERE project_id = ?1 AND version > ?2 AND version <= ?3 ORDER BY version")?;
    let datasets = stmt.query_map(range, |r| Ok(SyncDataset { uuid: r.get(0)?, name: r.get(1)? }))?.collect::<Result<Vec<_>, _>>()?;

    let mut stmt = conn.prepare(
        "SELECT i.uuid, d.uuid, i.kind, i.name, i.mime, i.width, i.height, i.size, i.labels_count, i.created_at, i.updated_at, i.thumb, i.source, i.tags_text, i.no, i.content \
         FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE i.project_id = ?1 AND i.version > ?2 AND i.version <= ?3 ORDER BY i.version",
    )?;
    let items = stmt
        .query_map(range, sync_item)?
        .collect::<Result<Vec<_>, _>>()?;

    // Collections (and their memberships) the caller may not see are left out.
    let mut stmt = conn.prepare(
        "SELECT c.uuid, c.hex_id, n.name, c.title, c.description, c.private, c.theme, (SELECT u.name FROM users u WHERE u.id = c.owner_id), \
                c.created_at, c.updated_at, c.deleted_at IS NOT NULL, c.namespace_id \
         FROM collections c JOIN namespaces n ON n.id = c.namespace_id \
         WHERE c.project_id = ?1 AND c.version > ?2 AND c.version <= ?3 ORDER BY c.version",
    )?;
    let rows = stmt
        .query_map(range, |r| {
            Ok((
                SyncCollection {
                    uuid: r.get(0)?,
                    hex_id: r.get(1)?,
                    namespace: r.get(2)?,
                    title: r.get(3)?,
                    description: r.get(4)?,
                    private: r.get(5)?,
                    theme: Theme::parse(&r.get::<_, String>(6)?).unwrap_or(Theme::Orange),
                    owner: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
                    created_at: r.get(8)?,
                    updated_at: r.get(9)?,
                    deleted: r.get(10)?,
                },
                r.get::<_, i64>(11)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    // Whether the caller sees a collection depends only on its namespace and privacy: ask once
    // per pair.
    let mut seen: std::collections::HashMap<(i64, bool), bool> = Default::default();
    let mut visible = |ns: i64, private: bool| -> Result<bool> {
        if let Some(v) = seen.get(&(ns, private)) {
            return Ok(*v);
        }
        let v = access::sees_collection(conn, caller, ns, private)?;
        seen.insert((ns, private), v);
        Ok(v)
    };
    let mut collections_out = Vec::new();
    for (c, ns) in rows {
        if visible(ns, c.private)? {
            collections_out.push(c);
        }
    }

    let mut stmt = conn.prepare(
        "SELECT c.uuid, i.uuid, k.cl, m.position, m.note, c.namespace_id, c.private \
         FROM membership_clocks k JOIN collections c ON c.id = k.collection_id JOIN items i ON i.id = k.item_id \
         LEFT JOIN memberships m ON m.collection_id = k.collection_id AND m.item_id = k.item_id \
         WHERE k.project_id = ?1 AND k.version > ?2 AND k.version <= ?3 ORDER BY k.version",
    )?;
    let rows = stmt
        .query_map(range, |r| {
            Ok((
                SyncMembership { collection: r.get(0)?, item: r.get(1)?, cl: u32::try_from(r.get::<_, i64>(2)?).unwrap_or(u32::MAX), position: r.get(3)?, note: r.get(4)? },
                r.get::<_, i64>(5)?,
                r.get::<_, bool>(6)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut memberships = Vec::with_capacity(rows.len());
    for (m, ns, private) in rows {
        if visible(ns, private)? {
            memberships.push(m);
        }
    }

    // Tombstones are filtered like the rows they stand for: a deleted private collection's only
    // for its namespace, a refused create's only for the user who tried it. A 'hidden' one (a
    // collection made private) goes to those who cannot see the collection now, and only in
    // an incremental pull: they had it, and must drop it; a fresh download never learns of it.
    let mut stmt = conn.prepare(
        "SELECT t.uuid, t.kind, t.namespace_id, t.private, t.user_id, c.namespace_id, c.private \
         FROM tombstones t LEFT JOIN collections c ON t.kind = 'hidden' AND c.uuid = t.uuid \
         WHERE t.project_id = ?1 AND t.version > ?2 AND t.version <= ?3 ORDER BY t.version",
    )?;
    #[allow(clippy::type_complexity)]
    let rows: Vec<(String, String, Option<i64>, bool, Option<i64>, Option<i64>, Option<bool>)> = stmt
        .query_map(range, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut deleted_collections = Vec::new();
    for (uuid, kind, ns, private, user, now_ns, now_private) in rows {
        let send = match kind.as_str() {
            "hidden" => match (now_ns, now_private) {
                (Some(ns), Some(private)) => since > 0 && !reset && !visible(ns, private)?,
                _ => false,
            },
            _ => user.is_none_or(|u| u == caller.user_id) && match ns {
                Some(ns) => visible(ns, private)?,
                None => !private,
            },
        };
        if send {
            deleted_collections.push(uuid);
        }
    }

    let (queues, queue_entries) = super::pull_queues::changed(conn, project, since, upto, &mut visible)?;
    let views = crate::store::views::changed(conn, project, since, upto)?;

    let rejected = match pending_from {
        Some(from) => {
            let mut stmt = conn.prepare(
                "SELECT mutation_id, name, code, message FROM rejected_mutations WHERE client_id = ?1 AND mutation_id >= ?2 AND mutation_id <= ?3 ORDER BY mutation_id",
            )?;
            let rows = stmt
                .query_map(crate::db::params![client_id, from, last_mutation_id], |r| {
                    let code: String = r.get(2)?;
                    Ok(RejectedMutation {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        error: ApiError {
                            code: serde_json::from_value(serde_json::Value::String(code)).unwrap_or(trove_protocol::ErrorCode::InvalidInput),
                            message: r.get(3)?,
                        },
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows
        }
        None => Vec::new(),
    };

    // The last page ends at the head, which is never below the mark.
    Ok(PullResponse { cookie: cookie_after(upto, mark, epoch), last_mutation_id, reset, more, datasets, items, collections: collections_out, memberships, deleted_collections, rejected, queues, queue_entries, views })
}

/// The columns `i.uuid, d.uuid, i.kind, i.name, i.mime, i.width, i.height, i.size,
/// i.labels_count, i.created_at, i.updated_at, i.thumb, i.source, i.tags_text, i.no, i.content` (items joined to
/// their dataset) as a pulled item.
pub fn sync_item(r: &crate::db::Row) -> crate::db::Result<SyncItem> {
    let tags: String = r.get(13)?;
    Ok(SyncItem {
        uuid: r.get(0)?,
        no: r.get::<_, Option<i64>>(14)?.unwrap_or(0) as u64,
        dataset: r.get(1)?,
        kind: ItemKind::parse(&r.get::<_, String>(2)?).unwrap_or(ItemKind::Image),
        name: r.get(3)?,
        mime: r.get(4)?,
        width: r.get(5)?,
        height: r.get(6)?,
        size: r.get::<_, i64>(7)? as u64,
        labels_count: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
        thumb: r.get(11)?,
        source: r.get(12)?,
        tags: if tags.is_empty() { vec![] } else { tags.split(TAG_SEP).map(String::from).collect() },
        content: r.get(15)?,
    })
}
