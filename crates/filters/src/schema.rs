//! [`Schema`]: the names a database gives what a filter looks at. The compiler splices these
//! names into SQL as they are, so they are `'static` strings written in the program (each side's
//! schema is a `const`), never anything that came from input; every value is bound.

/// The tables and columns the filter compiler reads, and the aliases the statements it writes
/// use. A caller writes the rest of its statement with the same aliases (`SELECT i.id` before
/// [`from_where_in`](crate::from_where_in)'s text, `m.note` when the query opens a collection).
///
/// Inside its sub-queries the compiler uses the aliases `fd`, `fit`, `ft`, `fm`, `fc`; the
/// caller's aliases must differ from them.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    pub items: Items,
    pub datasets: Datasets,
    pub item_tags: ItemTags,
    pub tags: Tags,
    pub memberships: Memberships,
    pub collections: Collections,
    pub queues: Queues,
    pub queue_entries: QueueEntries,
    /// The full-text index of item names that answers name substring searches of three
    /// characters or more; without it every search reads every item's name.
    pub names: Option<NameIndex>,
    /// What separates tags in [`Items::tags_text`]. It must sort below every character a tag
    /// may hold (tags cannot contain control characters), so the tags sort orders `cat` before
    /// `cat<sep>dog` before `dog`.
    pub tag_sep: char,
}

/// The items table: one row per item, in one project and one dataset.
#[derive(Debug, Clone, Copy)]
pub struct Items {
    pub table: &'static str,
    /// The alias the statement gives the items table (`i`).
    pub alias: &'static str,
    pub id: &'static str,
    pub project: &'static str,
    pub dataset: &'static str,
    pub name: &'static str,
    /// `ItemKind::as_str` of the item.
    pub kind: &'static str,
    pub size: &'static str,
    /// Pixels; `NULL` when unknown.
    pub width: &'static str,
    pub height: &'static str,
    pub labels_count: &'static str,
    /// Milliseconds since the Unix epoch.
    pub created_at: &'static str,
    pub updated_at: &'static str,
    /// The item's tags, sorted, joined by [`Schema::tag_sep`]; `''` for none.
    pub tags_text: &'static str,
}

/// An external-content FTS5 table over the items' names (`content` = the items table,
/// `tokenize='trigram case_sensitive 0'`) whose rowid is the item's id, and the plain table of
/// items whose name it has not caught up with (`pending`: `id INTEGER PRIMARY KEY, fresh,
/// old_name`), filled by triggers on the items table: `fresh = 1` for an item inserted since
/// (not in the index yet), `0` with the indexed `old_name` for one renamed or deleted.
/// [`name_upkeep`](crate::name_upkeep) catches the index up in one statement per kind, before
/// every commit. The index is not written by row triggers because FTS5 flushes its pending
/// terms at every statement boundary: a million one-row inserts would write a million tiny
/// segments and merge them (minutes instead of seconds).
///
/// A trigram index finds every name holding a text of 3 characters or more, folding case over
/// all of Unicode; the compiler keeps the plain `instr` test on the rows it finds, so a search
/// means exactly what it means without the index (ASCII case folding).
#[derive(Debug, Clone, Copy)]
pub struct NameIndex {
    pub table: &'static str,
    pub pending: &'static str,
}

/// The datasets table (for the sort by dataset name).
#[derive(Debug, Clone, Copy)]
pub struct Datasets {
    pub table: &'static str,
    pub id: &'static str,
    pub name: &'static str,
}

/// Which item carries which tag.
#[derive(Debug, Clone, Copy)]
pub struct ItemTags {
    pub table: &'static str,
    pub item: &'static str,
    pub tag: &'static str,
}

/// The tags table: a tag's id and its name.
#[derive(Debug, Clone, Copy)]
pub struct Tags {
    pub table: &'static str,
    pub id: &'static str,
    pub name: &'static str,
}

/// Which item is in which collection, at which fractional position.
#[derive(Debug, Clone, Copy)]
pub struct Memberships {
    pub table: &'static str,
    /// The alias of the open collection's memberships, joined when a query opens one (`m`).
    pub alias: &'static str,
    pub collection: &'static str,
    pub item: &'static str,
    pub position: &'static str,
}

/// The collections table; a collection whose `deleted_at` is not `NULL` holds nothing.
#[derive(Debug, Clone, Copy)]
pub struct Collections {
    pub table: &'static str,
    pub id: &'static str,
    pub deleted_at: &'static str,
}

/// The labeling queues table: a queue follows its collection while it is not `closed` (0/1).
#[derive(Debug, Clone, Copy)]
pub struct Queues {
    pub table: &'static str,
    pub id: &'static str,
    pub collection: &'static str,
    pub closed: &'static str,
}

/// The queue entries table: an item's status (`QueueStatus::as_str`) in a queue.
#[derive(Debug, Clone, Copy)]
pub struct QueueEntries {
    pub table: &'static str,
    pub queue: &'static str,
    pub item: &'static str,
    pub status: &'static str,
}

impl Schema {
    /// `<items alias>.<column>`.
    pub(crate) fn item(&self, column: &str) -> String {
        format!("{}.{column}", self.items.alias)
    }

    /// `<memberships alias>.<column>`.
    pub(crate) fn member(&self, column: &str) -> String {
        format!("{}.{column}", self.memberships.alias)
    }

    /// The tags of a `tags_text` value, in their stored (sorted) order.
    pub fn split_tags(&self, text: &str) -> Vec<String> {
        if text.is_empty() {
            Vec::new()
        } else {
            text.split(self.tag_sep).map(str::to_string).collect()
        }
    }

    /// The `tags_text` of sorted `tags`.
    pub fn join_tags<S: AsRef<str>>(&self, tags: &[S]) -> String {
        let mut out = String::new();
        for (n, t) in tags.iter().enumerate() {
            if n > 0 {
                out.push(self.tag_sep);
            }
            out.push_str(t.as_ref());
        }
        out
    }
}
