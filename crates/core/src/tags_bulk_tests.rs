//! Tags and untags of more than `cache::tagging::BULK` items: the set-based path (pairs in key
//! order, `tags_text` edited in the touch's row rewrite, the index of counts told once per tag
//! and once per touch instead of by row triggers).

use trove_protocol::{Clause, Condition, Filter, ItemQuery, Mutation, TagMode};

use crate::testing::{fixture, ids, Fixture};

fn query(cond: Condition) -> ItemQuery {
    ItemQuery { filter: Filter { clauses: vec![Clause { negate: false, cond }] }, ..Default::default() }
}

fn tagged(tag: &str) -> ItemQuery {
    query(Condition::Tags { tags: vec![tag.into()], mode: TagMode::Any })
}

/// Every item's `tags_text` against its item-tag rows, as `tags_text` is defined.
fn stale_texts(f: &Fixture) -> i64 {
    f.store
        .read(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM items WHERE tags_text <> coalesce((SELECT group_concat(name, char(31)) FROM
                   (SELECT t.name FROM item_tags it JOIN tags t ON t.id = it.tag_id WHERE it.item_id = items.id ORDER BY t.name)), '')",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap()
}

/// The count of `q` from the index of counts and from SQL agree; returns it.
fn count(f: &Fixture, q: &ItemQuery) -> u64 {
    let indexed = f.store.count(f.p, q).unwrap();
    let sql = f.store.read(|c| crate::items::count(c, f.p, q)).unwrap();
    assert_eq!(indexed, sql, "{q:?}");
    indexed
}

#[test]
fn a_bulk_tag_and_untag_keep_texts_counts_and_dates_true() {
    let f = fixture();
    let items = f.add_items(f.p, super::cache_bulk() + 40, true);
    // A few already hold the tag, one holds another that sorts after it.
    f.store.tag_items(f.p, &ids(&items[..3]), &["dog".into()]).unwrap();
    f.store.tag_items(f.p, &ids(&items[..1]), &["zebra".into()]).unwrap();
    let dogs_before = count(&f, &tagged("dog"));
    let start = crate::db::now_ms();
    let outbox = f.outbox_len();

    let n = f.store.tag_items(f.p, &ids(&items), &["dog".into()]).unwrap();
    assert_eq!(n as usize, items.len() - 3, "the three that held it are unchanged");
    assert_eq!(stale_texts(&f), 0);
    assert_eq!(count(&f, &tagged("dog")), dogs_before + n);
    let touched = query(Condition::Updated { from: Some(start), to: None });
    assert_eq!(count(&f, &touched), n, "exactly the changed items are stamped updated");
    let page = f.store.page(f.p, &tagged("zebra"), 0, 10).unwrap();
    assert_eq!(page.items[0].tags, ["dog", "zebra"]);
    assert_eq!(f.outbox_len(), outbox + 1);
    match f.store.outbox().unwrap().last().map(|(_, m)| m) {
        Some(Mutation::TagItemSet { items: set, tags, .. }) => {
            assert_eq!(tags, &["dog"]);
            assert_eq!(set.decode().unwrap().len(), n as usize);
        }
        other => panic!("unexpected {other:?}"),
    }

    let n = f.store.untag_items(f.p, &ids(&items[1..]), &["dog".into(), "zebra".into()]).unwrap();
    assert_eq!(n as usize, items.len() - 1);
    assert_eq!(stale_texts(&f), 0);
    assert_eq!(count(&f, &tagged("dog")), dogs_before + 1 - 3, "only the first keeps it");
    assert_eq!(f.store.page(f.p, &tagged("zebra"), 0, 10).unwrap().items[0].tags, ["dog", "zebra"]);

    // Undone and redone in bulk too.
    f.store.undo(f.p).unwrap().unwrap();
    assert_eq!(stale_texts(&f), 0);
    assert_eq!(count(&f, &tagged("dog")), dogs_before + items.len() as u64 - 3);
    f.store.redo(f.p).unwrap().unwrap();
    assert_eq!(stale_texts(&f), 0);
    assert_eq!(count(&f, &tagged("dog")), dogs_before + 1 - 3);
    let triggers: i64 = f.store.read(|c| Ok(c.query_row("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'facts_%'", [], |r| r.get(0))?)).unwrap();
    assert_eq!(triggers, 8, "the change-log triggers are all back");
}
