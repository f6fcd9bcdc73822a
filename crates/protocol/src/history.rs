//! The history of a collection (issue 16): who changed it, how, and when. The server keeps one
//! [`Change`] per accepted change and serves them newest first
//! (`GET /api/v1/collections/{namespace}/{slug}/history`, a [`ChangesPage`]); the app merges
//! them with its own pending mutations into [`HistoryEntry`]s for the history panel.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::rules;

/// Most changes one page of history holds; a page asks for 1 to this many.
pub const PAGE_MAX: u32 = 100;
/// The page size when the caller names none.
pub const PAGE_DEFAULT: u32 = 50;
/// Longest user name a history filter may name (longer names exist nowhere).
pub const AUTHOR_MAX: usize = 64;
/// Longest `detail` kept with a change (a new title, a note's start).
pub const DETAIL_MAX: usize = 100;

/// An entry's detail (a title, a note) cut to [`DETAIL_MAX`] characters, `…` marking a cut.
pub fn detail(text: &str) -> String {
    match text.char_indices().nth(DETAIL_MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}
/// Most characters of item sets one page carries: a page ends early (with `next_before` set)
/// once its changes' `items` pass this, so that a page of bulk adds stays a few megabytes. A
/// page always holds at least one change.
pub const PAGE_ITEMS_TEXT_MAX: usize = 4 << 20;

/// What kind of change a history entry records.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ChangeKind {
    Created,
    /// The title changed (perhaps with other fields).
    Renamed,
    /// The description, privacy or theme changed.
    Updated,
    Deleted,
    Added,
    Removed,
    Moved,
    Noted,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 8] = [
        ChangeKind::Created,
        ChangeKind::Renamed,
        ChangeKind::Updated,
        ChangeKind::Deleted,
        ChangeKind::Added,
        ChangeKind::Removed,
        ChangeKind::Moved,
        ChangeKind::Noted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Created => "created",
            ChangeKind::Renamed => "renamed",
            ChangeKind::Updated => "updated",
            ChangeKind::Deleted => "deleted",
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Moved => "moved",
            ChangeKind::Noted => "noted",
        }
    }

    pub fn parse(s: &str) -> Option<ChangeKind> {
        ChangeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A bad history query, as a sentence that quotes the input cut short.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("kind {0} is not a kind of change; use one of created, renamed, updated, deleted, added, removed, moved, noted")]
    Kind(String),
    #[error("limit {0} is out of range; a page holds 1 to {PAGE_MAX} changes")]
    Limit(u32),
    #[error("author {0} is not a user name; names are 1 to {AUTHOR_MAX} characters")]
    Author(String),
    #[error("before {0} is not valid; it is the id of a change, 1 or more")]
    Before(i64),
}

/// What a page of history asks for (the route's query, the app's request).
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct HistoryQuery {
    /// Only the changes of this user (by name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub author: Option<String>,
    /// Only this kind of change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub kind: Option<String>,
    /// Only changes older than the change with this id (the previous page's `next_before`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub before: Option<i64>,
    /// 1 to [`PAGE_MAX`]; [`PAGE_DEFAULT`] when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub limit: Option<u32>,
}

/// A [`HistoryQuery`] once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedQuery {
    pub author: Option<String>,
    pub kind: Option<ChangeKind>,
    pub before: Option<i64>,
    pub limit: u32,
}

impl HistoryQuery {
    /// Checks every field against its bound.
    pub fn check(&self) -> Result<CheckedQuery, QueryError> {
        let kind = match self.kind.as_deref().filter(|k| !k.is_empty()) {
            None => None,
            Some(k) => Some(ChangeKind::parse(k).ok_or_else(|| QueryError::Kind(rules::quote(k)))?),
        };
        let author = match self.author.as_deref().filter(|a| !a.is_empty()) {
            None => None,
            Some(a) if a.chars().count() > AUTHOR_MAX || a.chars().any(char::is_control) => return Err(QueryError::Author(rules::quote(a))),
            Some(a) => Some(a.to_string()),
        };
        let limit = self.limit.unwrap_or(PAGE_DEFAULT);
        if !(1..=PAGE_MAX).contains(&limit) {
            return Err(QueryError::Limit(limit));
        }
        if let Some(b) = self.before.filter(|b| *b < 1) {
            return Err(QueryError::Before(b));
        }
        Ok(CheckedQuery { author, kind, before: self.before, limit })
    }
}

/// One accepted change of a collection, as the server keeps it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Grows with every change the server accepts: newer changes have larger ids.
    pub id: i64,
    /// The user name of whoever made it.
    pub author: String,
    /// When the server accepted it (ms since the epoch).
    pub at: i64,
    pub kind: ChangeKind,
    /// How many items it changed.
    pub count: u64,
    /// The items it named, by number in the project ([`crate::itemset::ItemSet`] text; empty
    /// for a change of the collection's fields).
    pub items: String,
    /// A new title, or the start of a new note.
    pub detail: String,
}

/// A page of a collection's history, newest first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangesPage {
    pub changes: Vec<Change>,
    /// Pass as `before` for the next, older page; `None` on the last page.
    pub next_before: Option<i64>,
}

/// One line of the history panel: a change the server accepted, or one of this device's
/// changes still waiting to be sent (`pending`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct HistoryEntry {
    /// Unique in the list: `s<id>` for the server's changes, `p<outbox id>` for pending ones,
    /// `l<n>` for a local project's.
    pub key: String,
    pub author: String,
    #[ts(type = "number")]
    pub at: i64,
    pub kind: ChangeKind,
    #[ts(type = "number")]
    pub count: u64,
    pub detail: String,
    pub pending: bool,
    /// The items it names that this copy holds (local ids), for "select these".
    #[ts(type = "Array<number>")]
    pub items: Vec<i64>,
}

/// What the history panel shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CollectionHistory {
    /// Newest first.
    pub entries: Vec<HistoryEntry>,
    /// Pass as `before` for older server changes; `None` when there are none.
    #[ts(type = "number | null")]
    pub next_before: Option<i64>,
    /// Why part of the history is not shown (offline, a local project), as a sentence.
    pub notice: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_checked_against_its_bounds() {
        let ok = HistoryQuery { author: Some("alice".into()), kind: Some("added".into()), before: Some(9), limit: Some(10) };
        assert_eq!(ok.check().unwrap(), CheckedQuery { author: Some("alice".into()), kind: Some(ChangeKind::Added), before: Some(9), limit: 10 });
        assert_eq!(HistoryQuery::default().check().unwrap().limit, PAGE_DEFAULT);
        let bad = |q: HistoryQuery| q.check().unwrap_err().to_string();
        assert!(bad(HistoryQuery { kind: Some("exploded".into()), ..Default::default() }).starts_with("kind \"exploded\" is not"));
        assert!(bad(HistoryQuery { limit: Some(0), ..Default::default() }).contains("1 to 100"));
        assert!(bad(HistoryQuery { limit: Some(101), ..Default::default() }).starts_with("limit 101"));
        assert!(bad(HistoryQuery { before: Some(0), ..Default::default() }).starts_with("before 0"));
        let long = bad(HistoryQuery { author: Some("a".repeat(500)), ..Default::default() });
        assert!(long.len() < 250, "the author is quoted cut short: {long}");
    }
}
