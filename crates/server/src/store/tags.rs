//! Tags on items: set on the item itself (a tag set through a collection view is the item's).

use crate::db::Transaction;
use trove_sqlite::list;

use super::items::TAG_SEP;
use crate::error::Result;

/// Rewrites `tags_text` of `items` from `item_tags`.
fn refresh(tx: &Transaction, items: &[i64]) -> Result<()> {
    tx.execute(
        "UPDATE items SET tags_text = coalesce((SELECT group_concat(name, char(?2)) FROM \
            (SELECT t.name FROM item_tags it JOIN tags t ON t.id = it.tag_id WHERE it.item_id = items.id ORDER BY t.name) AS sorted), '') \
         WHERE id IN rarray(?1)",
        crate::db::params![list(items), TAG_SEP as u32],
    )?;
    Ok(())
}

/// Adds `tags` (already checked) to `items` of `project`; returns the items that lacked one
/// of them (those whose tag set changed).
pub fn tag(tx: &Transaction, project: i64, items: &[i64], tags: &[String]) -> Result<Vec<i64>> {
    for t in tags {
        tx.execute("INSERT INTO tags (project_id, name) VALUES (?1, ?2) ON CONFLICT DO NOTHING", crate::db::params![project, t])?;
    }
    let changed: Vec<i64> = {
        let mut stmt = tx.prepare(
            "SELECT a.value FROM rarray(?1) a WHERE (SELECT count(*) FROM item_tags it JOIN tags t ON t.id = it.tag_id \
               WHERE it.item_id = a.value AND t.project_id = ?2 AND t.name IN rarray(?3)) < ?4",
        )?;
        let rows = stmt.query_map(crate::db::params![list(items), project, list(tags), tags.len() as i64], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    if changed.is_empty() {
        return Ok(changed);
    }
    tx.execute(
        "INSERT INTO item_tags (item_id, tag_id) \
         SELECT i.value, t.id FROM rarray(?1) i, tags t WHERE t.project_id = ?2 AND t.name IN rarray(?3) ON CONFLICT DO NOTHING",
        crate::db::params![list(&changed), project, list(tags)],
    )?;
    refresh(tx, &changed)?;
    Ok(changed)
}

/// Removes `tags` from `items` of `project`; returns the items that had one of them.
pub fn untag(tx: &Transaction, project: i64, items: &[i64], tags: &[String]) -> Result<Vec<i64>> {
    let changed: Vec<i64> = {
        let mut stmt = tx.prepare(
            "SELECT DISTINCT it.item_id FROM item_tags it JOIN tags t ON t.id = it.tag_id \
             WHERE it.item_id IN rarray(?1) AND t.project_id = ?2 AND t.name IN rarray(?3)",
        )?;
        let rows = stmt.query_map(crate::db::params![list(items), project, list(tags)], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    if changed.is_empty() {
        return Ok(changed);
    }
    tx.execute(
        "DELETE FROM item_tags WHERE item_id IN rarray(?1) \
         AND tag_id IN (SELECT id FROM tags WHERE project_id = ?2 AND name IN rarray(?3))",
        crate::db::params![list(&changed), project, list(tags)],
    )?;
    refresh(tx, &changed)?;
    Ok(changed)
}

/// Marks `items` as changed now (their `updated_at`): what the rulebook does to an item whose
/// tag set changed.
pub fn touch(tx: &Transaction, items: &[i64]) -> Result<()> {
    tx.execute("UPDATE items SET updated_at = ?1 WHERE id IN rarray(?2)", crate::db::params![super::now_ms(), list(items)])?;
    Ok(())
}
