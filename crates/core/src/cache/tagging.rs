//! The cache's tag primitives for the rulebook (`ReplicaStore::tag`, `touch_items`): the
//! item-tag pairs, and the denormalized `items.tags_text` (`crate::tags_text`) that pages read
//! without a join.
//!
//! A tag of a few items is a handful of indexed statements. A tag of many (past [`BULK`] items:
//! "select all → tag") is written set-based: which items change is a set difference against the
//! tag's items read in one pass, the pairs go in in key order, `tags_text` is edited in place by
//! `tags_text::edit` (a SQL function) in the same row rewrite that stamps `updated_at`, and the index of
//! counts is told once per tag and once per touch instead of by a trigger per row
//! (`facts::quietly`). At a million items the row triggers alone cost seconds.

use roaring::RoaringBitmap;
use rusqlite::Connection;

use crate::db::now_ms;
use crate::error::Result;
use crate::filters::list;

/// Past this many items a tag change is written set-based (see the module doc).
pub(crate) const BULK: usize = 10_000;

/// The tag change a touch carries into `tags_text`: the clean tag names, and whether they were
/// added or removed.
#[derive(Debug, Clone)]
pub(crate) struct Retext {
    pub names: Vec<String>,
    pub add: bool,
}

pub(crate) fn tag_ids(conn: &Connection, project: i64, tags: &[String], create: bool) -> Result<Vec<i64>> {
    if create {
        let mut ins = conn.prepare("INSERT OR IGNORE INTO tags (project_id, name) VALUES (?1, ?2)")?;
        for t in tags {
            ins.execute(rusqlite::params![project, t])?;
        }
    }
    let mut stmt = conn.prepare("SELECT id FROM tags WHERE project_id = ?1 AND name IN rarray(?2)")?;
    let ids = stmt.query_map(rusqlite::params![project, list(tags)], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(ids)
}

/// Adds the (clean) tags to the items `ids` of `project`; returns the items that changed, in id
/// order. Their `tags_text` is left to the touch that follows (`touch`, with a [`Retext`]).
pub(crate) fn add_tags(conn: &Connection, project: i64, ids: &[i64], tags: &[String]) -> Result<Vec<i64>> {
    let tag_ids = tag_ids(conn, project, tags, true)?;
    let changed = changing(conn, ids, &tag_ids, true)?;
    if changed.is_empty() {
        return Ok(changed);
    }
    let insert = || -> Result<()> {
        conn.execute(
            "INSERT OR IGNORE INTO item_tags (item_id, tag_id) SELECT a.value, t.value FROM rarray(?1) a, rarray(?2) t",
            rusqlite::params![list(&changed), list(&tag_ids)],
        )?;
        Ok(())
    };
    write(conn, changed.len(), "facts_tag_insert", &tag_ids, insert)?;
    Ok(changed)
}

/// Removes the (clean) tags from the items `ids` of `project`; returns the items that changed,
/// in id order.
pub(crate) fn remove_tags(conn: &Connection, project: i64, ids: &[i64], tags: &[String]) -> Result<Vec<i64>> {
    let tag_ids = tag_ids(conn, project, tags, false)?;
    if tag_ids.is_empty() {
        return Ok(Vec::new());
    }
    let changed = changing(conn, ids, &tag_ids, false)?;
    if changed.is_empty() {
        return Ok(changed);
    }
    let delete = || -> Result<()> {
        conn.execute("DELETE FROM item_tags WHERE item_id IN rarray(?1) AND tag_id IN rarray(?2)", rusqlite::params![list(&changed), list(&tag_ids)])?;
        Ok(())
    };
    write(conn, changed.len(), "facts_tag_delete", &tag_ids, delete)?;
    Ok(changed)
}

/// Runs the pair statement `f` over `items` items: past [`BULK`], without the row trigger
/// `trigger`, logging each tag once instead.
fn write(conn: &Connection, items: usize, trigger: &str, tag_ids: &[i64], f: impl FnOnce() -> Result<()>) -> Result<()> {
    if items <= BULK {
        return f();
    }
    crate::facts::quietly(conn, &[trigger], f)?;
    for &tag in tag_ids {
        crate::facts::tag_changed(conn, tag)?;
    }
    Ok(())
}

/// The items of `ids` that an add (`add`) or a remove of the tags `tag_ids` changes, in id
/// order: those missing one of the tags, or holding one.
fn changing(conn: &Connection, ids: &[i64], tag_ids: &[i64], add: bool) -> Result<Vec<i64>> {
    let wanted: Option<RoaringBitmap> = if ids.len() > BULK { ids.iter().map(|&id| u32::try_from(id).ok()).collect() } else { None };
    let mut changed: Vec<i64> = match wanted {
        // Many items: each tag's items in one pass of its index, then set operations.
        Some(wanted) => {
            let mut out = RoaringBitmap::new();
            let mut stmt = conn.prepare_cached("SELECT item_id FROM item_tags WHERE tag_id = ?1 ORDER BY item_id")?;
            for &tag in tag_ids {
                let tagged: RoaringBitmap =
                    stmt.query_map([tag], |r| r.get::<_, i64>(0))?.filter_map(|id| id.map(|id| u32::try_from(id).ok()).transpose()).collect::<rusqlite::Result<_>>()?;
                out |= if add { &wanted - &tagged } else { &wanted & &tagged };
            }
            out.iter().map(i64::from).collect()
        }
        None => {
            // How many of the tags each item holds: fewer than all changes on an add, any on a remove.
            let held = "(SELECT count(*) FROM item_tags it WHERE it.item_id = a.value AND it.tag_id IN rarray(?2))";
            let bound = if add { tag_ids.len() as i64 } else { 1 };
            let changes = if add { "<" } else { ">=" };
            let mut stmt = conn.prepare_cached(&format!("SELECT a.value FROM rarray(?1) a WHERE {held} {changes} ?3"))?;
            let rows = stmt.query_map(rusqlite::params![list(ids), list(tag_ids), bound], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        }
    };
    changed.sort_unstable();
    changed.dedup();
    Ok(changed)
}

/// Stamps `items` of `project` updated now and, with a [`Retext`], edits their `tags_text` in
/// the same row rewrite. Past [`BULK`] items the row trigger is quiet and the touch is logged once.
pub(crate) fn touch(conn: &Connection, project: i64, items: &[i64], retext: Option<&Retext>) -> Result<()> {
    let now = now_ms();
    let (names, add) = retext.map_or((None, false), |r| (Some(crate::tags_text::of(&r.names)), r.add));
    let update = || -> Result<()> {
        conn.prepare_cached(&format!(
            "UPDATE items SET updated_at = ?1, tags_text = CASE WHEN ?3 IS NULL THEN tags_text ELSE {}(tags_text, ?3, ?4) END \
             WHERE id IN rarray(?2)",
            crate::tags_text::EDIT
        ))?
        .execute(rusqlite::params![now, list(items), names, add])?;
        Ok(())
    };
    if items.len() <= BULK {
        return update();
    }
    crate::facts::quietly(conn, &["facts_item_update"], update)?;
    crate::facts::items_touched(conn, project, now)?;
    Ok(())
}
