//! `items.tags_text`: an item's tags, sorted in byte order (as SQL's `ORDER BY name`), joined
//! by [`TAG_SEP`], so that pages and the tags column need no join. [`edit`] changes one in
//! place, and is callable from SQL on the cache's writer ([`register`]) so that a bulk tag edits
//! a million rows in one statement.

use rusqlite::functions::FunctionFlags;
use rusqlite::Connection;

use crate::filters::TAG_SEP;

/// The SQL name of [`edit`], registered on the cache's writer by [`register`].
pub(crate) const EDIT: &str = "trove_tags_edit";

/// The `tags_text` of exactly `tags` (any order, repeats allowed).
pub(crate) fn of(tags: &[String]) -> String {
    let mut sorted: Vec<&str> = tags.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.dedup();
    sorted.join(&TAG_SEP.to_string())
}

/// `text` (sorted tags joined by [`TAG_SEP`]) with `names` (joined the same way) added or
/// removed, still sorted in byte order as `ORDER BY name` sorts them.
pub(crate) fn edit(text: &str, names: &str, add: bool) -> String {
    let mut tags: Vec<&str> = text.split(TAG_SEP).filter(|t| !t.is_empty()).collect();
    for name in names.split(TAG_SEP).filter(|t| !t.is_empty()) {
        match (tags.binary_search(&name), add) {
            (Err(at), true) => tags.insert(at, name),
            (Ok(at), false) => {
                tags.remove(at);
            }
            _ => {}
        }
    }
    tags.join(&TAG_SEP.to_string())
}

/// Makes [`edit`] callable from SQL on `conn` as `trove_tags_edit(text, names, add)`.
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(EDIT, 3, FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC, |ctx| {
        let text = ctx.get_raw(0).as_str().map_err(|e| rusqlite::Error::UserFunctionError(e.into()))?;
        let names = ctx.get_raw(1).as_str().map_err(|e| rusqlite::Error::UserFunctionError(e.into()))?;
        Ok(edit(text, names, ctx.get::<bool>(2)?))
    })
}

#[cfg(test)]
mod tests {
    use super::edit;

    #[test]
    fn edit_keeps_the_tags_sorted_and_unique() {
        let s = |t: &[&str]| t.join("\u{1f}");
        assert_eq!(edit("", &s(&["cat"]), true), "cat");
        assert_eq!(edit(&s(&["cat", "dog"]), &s(&["car"]), true), s(&["car", "cat", "dog"]));
        assert_eq!(edit(&s(&["cat", "dog"]), &s(&["dog", "zebra", "Ant"]), true), s(&["Ant", "cat", "dog", "zebra"]));
        assert_eq!(edit(&s(&["cat", "dog"]), &s(&["cat"]), false), "dog");
        assert_eq!(edit(&s(&["cat"]), &s(&["cat", "dog"]), false), "");
        assert_eq!(edit(&s(&["cat"]), &s(&["bird"]), false), "cat");
        assert_eq!(edit(&s(&["z", "é"]), &s(&["ü"]), true), s(&["z", "é", "ü"]), "byte order, as SQLite's BINARY");
        let tags = |t: &[&str]| t.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        assert_eq!(super::of(&tags(&["dog", "cat", "dog"])), s(&["cat", "dog"]));
        assert_eq!(edit("", &super::of(&tags(&["dog", "cat"])), true), super::of(&tags(&["cat", "dog"])), "edit and of agree");
    }
}
