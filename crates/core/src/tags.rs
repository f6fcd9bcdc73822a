//! Tagging: a tag set on an item (from the gallery or from inside a collection) is set on the
//! item itself. Each action is one transaction with its outbox mutation.

use rusqlite::Connection;
use trove_protocol::itemset::{ItemSet, SET_MAX};
use trove_protocol::mutation::ITEMS_MAX;
use trove_protocol::{rules, Mutation, Selection};

use crate::error::Result;
use crate::filters::list;
use crate::members::item_uuids;
use crate::cache::{tag_ids, CacheReplica};
use crate::{history, outbox, selection};

fn clean(tags: &[String]) -> Result<Vec<String>> {
    let mut out = tags.iter().map(|t| rules::tag(t)).collect::<Result<Vec<_>, _>>()?;
    out.sort();
    out.dedup();
    if out.is_empty() {
        return Err(rules::RuleError::EmptyTag.into());
    }
    Ok(out)
}

/// Sets an item's tags to exactly `tags` (as a pull delivers them), creating tags as needed.
pub(crate) fn set_tags(conn: &Connection, project: i64, item: i64, tags: &[String]) -> Result<()> {
    conn.execute("DELETE FROM item_tags WHERE item_id = ?1", [item])?;
    if !tags.is_empty() {
        let ids = tag_ids(conn, project, tags, true)?;
        conn.execute(
            "INSERT OR IGNORE INTO item_tags (item_id, tag_id) SELECT ?1, value FROM rarray(?2)",
            rusqlite::params![item, list(&ids)],
        )?;
    }
    let text = crate::tags_text::of(tags);
    conn.execute("UPDATE items SET tags_text = ?1 WHERE id = ?2", rusqlite::params![text, item])?;
    Ok(())
}

/// Adds the tags to every selected item; returns how many items changed.
pub fn tag(conn: &Connection, project: i64, sel: &Selection, tags: &[String]) -> Result<u64> {
    Ok(retag(conn, project, &selection::resolve(conn, project, sel)?, tags, true)?.len() as u64)
}

/// Removes the tags from every selected item; returns how many items changed.
pub fn untag(conn: &Connection, project: i64, sel: &Selection, tags: &[String]) -> Result<u64> {
    Ok(retag(conn, project, &selection::resolve(conn, project, sel)?, tags, false)?.len() as u64)
}

/// Adds (`add`) or removes the tags on the selected items through the rulebook, and records
/// the change for a synced project: more than [`ITEMS_MAX`] items as one
/// `tag_item_set`/`untag_item_set` per [`SET_MAX`], named by number; fewer, or items without a
/// number, as lists of UUIDs. Returns the items that changed.
pub(crate) fn retag(conn: &Connection, project: i64, ids: &[i64], tags: &[String], add: bool) -> Result<Vec<i64>> {
    let tags = clean(tags)?;
    let mut cache = CacheReplica::new(conn, project, "")?;
    let changed = trove_rulebook::set_tags(&mut cache, ids, &tags, add)?;
    if changed.is_empty() || !cache.synced() {
        return Ok(changed);
    }
    let numbers = if changed.len() > ITEMS_MAX { cache.numbers_of(&changed)? } else { None };
    if let Some(numbers) = numbers {
        let uuid: String = conn.query_row("SELECT uuid FROM projects WHERE id = ?1", [project], |r| r.get(0))?;
        for chunk in numbers.chunks(SET_MAX) {
            let (p, items, tags) = (uuid.clone(), ItemSet::encode(chunk), tags.clone());
            let m = if add { Mutation::TagItemSet { project: p, items, tags } } else { Mutation::UntagItemSet { project: p, items, tags } };
            outbox::append(conn, project, &m)?;
        }
    } else {
        let uuids = item_uuids(conn, &changed)?;
        for chunk in changed.chunks(ITEMS_MAX) {
            let (items, tags) = (chunk.iter().map(|id| uuids[id].clone()).collect(), tags.clone());
            let m = if add { Mutation::TagItems { items, tags } } else { Mutation::UntagItems { items, tags } };
            outbox::append(conn, project, &m)?;
        }
    }
    Ok(changed)
}

impl crate::Store {
    pub fn tag_items(&self, project: i64, sel: &Selection, tags: &[String]) -> Result<u64> {
        self.retag_journaled(project, sel, tags, true)
    }

    pub fn untag_items(&self, project: i64, sel: &Selection, tags: &[String]) -> Result<u64> {
        self.retag_journaled(project, sel, tags, false)
    }

    /// A tag or an untag as one step of the undo history: each tag is set on its own, so that
    /// the history knows, per tag, exactly the items that gained or lost it.
    fn retag_journaled(&self, project: i64, sel: &Selection, tags: &[String], add: bool) -> Result<u64> {
        self.journaled(|tx| {
            let tags = clean(tags)?;
            let ids = self.resolve_selection(project, sel)?;
            let mut per_tag = std::collections::HashMap::new();
            let mut all: Vec<i64> = Vec::new();
            for t in &tags {
                let changed = retag(tx, project, &ids, std::slice::from_ref(t), add)?;
                all.extend_from_slice(&changed);
                per_tag.insert(t.clone(), changed);
            }
            if tags.len() > 1 {
                all.sort_unstable();
                all.dedup();
            }
            let what = tags.join(", ");
            let label = if add { format!("Tag {} with {what}", history::items(all.len())) } else { format!("Remove tag {what} from {}", history::items(all.len())) };
            Ok((all.len() as u64, history::Entry::new(project, label, history::tagged(per_tag, add))))
        })
    }
}

#[cfg(test)]
#[path = "tags_bulk_tests.rs"]
mod bulk_tests;

/// Past how many items a tag is written set-based (for the tests).
#[cfg(test)]
fn cache_bulk() -> usize {
    crate::cache::BULK
}

#[cfg(test)]
mod tests {
    use trove_protocol::{ErrorCode, ItemQuery};

    use crate::testing::{fixture, ids};

    #[test]
    fn tag_and_untag_change_the_items_themselves() {
        let f = fixture();
        assert_eq!(f.store.tag_items(f.p, &ids(&[1, 2, 4]), &["dog".into(), " new ".into()]).unwrap(), 3);
        let page = f.store.page(f.p, &ItemQuery::default(), 0, 10).unwrap();
        let tags = |id: i64| page.items.iter().find(|i| i.id == id).unwrap().tags.clone();
        assert_eq!(tags(1), ["cat", "dog", "new"]);
        assert_eq!(tags(4), ["dog", "new"]);
        assert_eq!(f.store.tag_items(f.p, &ids(&[1]), &["dog".into()]).unwrap(), 0, "already tagged");
        assert_eq!(f.store.untag_items(f.p, &ids(&[1, 3, 5]), &["dog".into()]).unwrap(), 2);
        assert_eq!(f.store.untag_items(f.p, &ids(&[5]), &["never-used".into()]).unwrap(), 0);
        let item = f.store.item(f.p, 3).unwrap().item;
        assert_eq!(item.tags, ["night"]);
        assert!(item.updated_at > 3000, "tagging touches updated_at");
        assert_eq!(f.store.tags(f.p).unwrap(), ["blurry", "cat", "dog", "new", "night"]);
    }

    #[test]
    fn a_tag_of_only_spaces_is_refused_and_changes_nothing() {
        let f = fixture();
        let before = f.snapshot();
        for bad in [vec!["   ".to_string()], vec![], vec!["ok".into(), "\t".into()]] {
            let err = f.store.tag_items(f.p, &ids(&[1]), &bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidInput);
            assert_eq!(err.to_string(), "tag is empty or only spaces; a tag needs at least one visible character");
        }
        assert_eq!(f.snapshot(), before);
    }
}
