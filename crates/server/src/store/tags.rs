//! Tags on items: set on the item itself (a tag set through a collection view is the item's).

use rusqlite::Transaction;
use trove_sqlite::list;

use super::items::TAG_SEP;
use crate::error::Result;

/// Rewrites `tags_text` of `items` from `item_tags`.
fn refresh(tx: &Transaction, items: &[i64]) -> Result<()> {
    tx.execute(
        "UPDATE items SET tags_text = coalesce((SELECT group_concat(name, char(?2)) FROM \
            (SELECT t.name FROM item_tags it JOIN tags t ON t.id = it.tag_id WHERE it.item_id = items.id ORDER BY t.name)), '') \
         WHERE id IN rarray(?1)",
        rusqlite::params![list(items), TAG_SEP as u32],
    )?;
    Ok(())
}

/// Adds `tags` (already checked) to `items` of `project`.
pub fn tag(tx: &Transaction, project: i64, items: &[i64], tags: &[String]) -> Result<()> {
    for t in tags {
        tx.execute("INSERT INTO tags (project_id, name) VALUES (?1, ?2) ON CONFLICT DO NOTHING", rusqlite::params![project, t])?;
        tx.execute(
            "INSERT OR IGNORE INTO item_tags (item_id, tag_id) \
             SELECT i.value, t.id FROM rarray(?1) i, tags t WHERE t.project_id = ?2 AND t.name = ?3",
            rusqlite::params![list(items), project, t],
        )?;
    }
    refresh(tx, items)
}

/// Removes `tags` from `items` of `project`.
pub fn untag(tx: &Transaction, project: i64, items: &[i64], tags: &[String]) -> Result<()> {
    tx.execute(
        "DELETE FROM item_tags WHERE item_id IN rarray(?1) \
         AND tag_id IN (SELECT id FROM tags WHERE project_id = ?2 AND name IN rarray(?3))",
        rusqlite::params![list(items), project, list(tags)],
    )?;
    refresh(tx, items)
}
