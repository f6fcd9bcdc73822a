//! What two replicas of a project must agree on after syncing.

use rusqlite::Connection;
use serde_json::json;

use crate::error::Result;

/// A comparable picture of one project's copy: collections (live) with their fields, and their
/// members in order with notes; tags; saved views (live) with their portable filters. What two replicas must agree on after syncing.
pub fn fingerprint(conn: &Connection, project: i64) -> Result<serde_json::Value> {
    let mut out = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT id, uuid, title, description, private, theme FROM collections WHERE project_id = ?1 AND deleted_at IS NULL ORDER BY uuid",
    )?;
    let cols = stmt
        .query_map([project], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, bool>(4)?, r.get::<_, String>(5)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    // The order as the gallery reads it (`member_order`), each key with its row's note: a key
    // without its row, or a row without its key, makes the fingerprint differ.
    let mut members = conn.prepare(
        "SELECT i.uuid, o.position, coalesce(m.note, '(no row)') FROM member_order o JOIN items i ON i.id = o.item_id \
         LEFT JOIN memberships m ON m.collection_id = o.collection_id AND m.item_id = o.item_id AND m.position = o.position \
         WHERE o.collection_id = ?1 ORDER BY o.position, i.uuid",
    )?;
    for (id, uuid, title, description, private, theme) in cols {
        let list = members
            .query_map([id], |r| Ok(json!([r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?])))?
            .collect::<Result<Vec<_>, _>>()?;
        out.push(json!({"uuid": uuid, "title": title, "description": description, "private": private, "theme": theme, "members": list}));
    }
    let mut stmt = conn.prepare("SELECT uuid, tags_text FROM items WHERE project_id = ?1 AND tags_text <> '' ORDER BY uuid")?;
    let tagged = stmt
        .query_map([project], |r| Ok(json!([r.get::<_, String>(0)?, r.get::<_, String>(1)?.replace(crate::items::TAG_SEP, ",")])))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut stmt = conn.prepare("SELECT uuid, name, filter, sort FROM views WHERE project_id = ?1 AND deleted_at IS NULL ORDER BY uuid")?;
    let views = stmt
        .query_map([project], |r| Ok(json!([r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?])))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({"collections": out, "tags": tagged, "views": views}))
}

