//! A collection's change log for the history panel (issue 16): the changes the server accepted
//! (a page the caller fetched — this crate does no HTTP), merged with this device's changes
//! still waiting in the outbox, newest first, each with its author and the items it names as
//! local ids (so the panel can select them). Offline, the pending changes are listed with a
//! sentence saying older history needs the server; a local project, which has no server,
//! lists this session's changes (`history::Stacks::log`).
//!
//! Not to be confused with `history`, the session's undo history, whose actions this reads
//! for a local project.

use rusqlite::Connection;
use trove_protocol::history::{ChangeKind, ChangesPage, CheckedQuery, CollectionHistory, HistoryEntry, HistoryQuery};
use trove_protocol::history::detail as cut;
use trove_protocol::itemset::ItemSet;
use trove_protocol::{rules, Mutation};
use trove_sqlite::list;

use crate::error::{Error, Result};
use crate::history::{Logged, Op};
use crate::{collections, registry, Store};

/// The author of this device's own changes when the account's name is not known.
pub const YOU: &str = "You";

/// What the server said of the collection's history.
#[derive(Debug, Clone)]
pub enum Remote {
    /// A page of its accepted changes (empty when it does not have the collection yet).
    Page(ChangesPage),
    /// It could not be asked: why, as a sentence.
    Unavailable(String),
}

/// Where a collection's history comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A copy of a server project: ask the server for `slug`'s history.
    Server { slug: String },
    /// A local project: this device is all there is.
    Local,
}

/// Checks a history query, in the app's words.
pub fn check(query: &HistoryQuery) -> Result<CheckedQuery> {
    query.check().map_err(|e| Error::Invalid(format!("history not shown: {e}")))
}


/// Local ids of the project's items with these numbers.
fn by_number(conn: &Connection, project: i64, numbers: &[i64]) -> Result<Vec<i64>> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached("SELECT id FROM items WHERE project_id = ?1 AND no IN rarray(?2) ORDER BY id")?;
    let ids = stmt.query_map(rusqlite::params![project, list(numbers)], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// Local ids of the items with these UUIDs.
fn by_uuid(conn: &Connection, uuids: &[String]) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM items WHERE uuid IN rarray(?1) ORDER BY id")?;
    let ids = stmt.query_map([list(uuids)], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// What a pending mutation did to collection `uuid`, if it named it: kind, items, count, detail.
fn pending_change(conn: &Connection, project: i64, uuid: &str, m: &Mutation) -> Result<Option<(ChangeKind, Vec<i64>, u64, String)>> {
    let set = |items: &ItemSet| -> Result<(Vec<i64>, u64)> {
        let numbers = items.decode()?;
        Ok((by_number(conn, project, &numbers)?, numbers.len() as u64))
    };
    Ok(Some(match m {
        Mutation::CreateCollection { collection, title, .. } if collection == uuid => (ChangeKind::Created, vec![], 0, cut(title)),
        Mutation::UpdateCollection { collection, patch } if collection == uuid => match &patch.title {
            Some(t) => (ChangeKind::Renamed, vec![], 0, cut(t)),
            None => (ChangeKind::Updated, vec![], 0, String::new()),
        },
        Mutation::DeleteCollection { collection } if collection == uuid => (ChangeKind::Deleted, vec![], 0, String::new()),
        Mutation::AddItems { collection, items, .. } if collection == uuid => (ChangeKind::Added, by_uuid(conn, items)?, items.len() as u64, String::new()),
        Mutation::RemoveItems { collection, items, .. } if collection == uuid => {
            (ChangeKind::Removed, by_uuid(conn, items)?, items.len() as u64, String::new())
        }
        Mutation::AddItemSet { collection, items, .. } if collection == uuid => {
            let (ids, n) = set(items)?;
            (ChangeKind::Added, ids, n, String::new())
        }
        Mutation::RemoveItemSet { collection, items } if collection == uuid => {
            let (ids, n) = set(items)?;
            (ChangeKind::Removed, ids, n, String::new())
        }
        Mutation::SetNote { collection, item, note } if collection == uuid => {
            (ChangeKind::Noted, by_uuid(conn, std::slice::from_ref(item))?, 1, cut(note))
        }
        Mutation::MoveItem { collection, item, .. } if collection == uuid => {
            (ChangeKind::Moved, by_uuid(conn, std::slice::from_ref(item))?, 1, String::new())
        }
        _ => return Ok(None),
    }))
}

fn wanted(q: &CheckedQuery, author: &str, kind: ChangeKind) -> bool {
    q.author.as_deref().is_none_or(|a| a == author) && q.kind.is_none_or(|k| k == kind)
}

/// This device's pending changes of the collection, newest first, as `q` filters them.
fn pending(conn: &Connection, project: i64, uuid: &str, author: &str, q: &CheckedQuery) -> Result<Vec<HistoryEntry>> {
    // `instr` only narrows the rows parsed: each is then read as a mutation and matched.
    let mut stmt = conn.prepare("SELECT id, mutation, created_at FROM outbox WHERE project_id = ?1 AND instr(mutation, ?2) > 0 ORDER BY id DESC")?;
    let rows: Vec<(i64, String, i64)> =
        stmt.query_map(rusqlite::params![project, uuid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for (id, json, at) in rows {
        if out.len() >= q.limit as usize {
            break;
        }
        let Ok(m) = serde_json::from_str::<Mutation>(&json) else { continue };
        let Some((kind, items, count, detail)) = pending_change(conn, project, uuid, &m)? else { continue };
        if wanted(q, author, kind) {
            out.push(HistoryEntry { key: format!("p{id}"), author: author.to_string(), at, kind, count, detail, pending: true, items });
        }
    }
    Ok(out)
}

/// The server's page as entries, its items mapped to this copy's local ids.
fn accepted(conn: &Connection, project: i64, page: &ChangesPage) -> Result<Vec<HistoryEntry>> {
    page.changes
        .iter()
        .map(|c| {
            let numbers = if c.items.is_empty() { Vec::new() } else { ItemSet::from_text(c.items.clone()).decode()? };
            Ok(HistoryEntry {
                key: format!("s{}", c.id),
                author: c.author.clone(),
                at: c.at,
                kind: c.kind,
                count: c.count,
                detail: cut(&c.detail),
                pending: false,
                items: by_number(conn, project, &numbers)?,
            })
        })
        .collect()
}

/// A local project's changes of this session, newest first.
fn session(log: &[Logged], collection: i64, q: &CheckedQuery) -> Vec<HistoryEntry> {
    let mut out = Vec::new();
    for (n, l) in log.iter().enumerate().rev() {
        for op in l.ops.iter().rev() {
            let Some((kind, items, detail)) = logged_change(op, l.forward, collection) else { continue };
            if wanted(q, YOU, kind) && out.len() < q.limit as usize {
                let count = items.len() as u64;
                out.push(HistoryEntry { key: format!("l{n}-{}", out.len()), author: YOU.into(), at: l.at, kind, count, detail, pending: false, items });
            }
        }
    }
    out
}

/// What one logged step did to `collection` (an undo, `forward == false`, did the inverse).
fn logged_change(op: &Op, forward: bool, collection: i64) -> Option<(ChangeKind, Vec<i64>, String)> {
    let (c, kind, items, detail) = match (op, forward) {
        (Op::Created { collection, input }, true) | (Op::Deleted { collection, input, .. }, false) => {
            (*collection, ChangeKind::Created, vec![], cut(&input.title))
        }
        (Op::Created { collection, .. }, false) | (Op::Deleted { collection, .. }, true) => (*collection, ChangeKind::Deleted, vec![], String::new()),
        (Op::Updated { collection, before, after }, forward) => {
            let patch = if forward { after } else { before };
            match &patch.title {
                Some(t) => (*collection, ChangeKind::Renamed, vec![], cut(t)),
                None => (*collection, ChangeKind::Updated, vec![], String::new()),
            }
        }
        (Op::Added { collection, items }, true) | (Op::Removed { collection, items }, false) => (*collection, ChangeKind::Added, items.items.clone(), String::new()),
        (Op::Added { collection, items }, false) | (Op::Removed { collection, items }, true) => {
            (*collection, ChangeKind::Removed, items.items.clone(), String::new())
        }
        (Op::Moved { collection, item, .. }, _) => (*collection, ChangeKind::Moved, vec![*item], String::new()),
        (Op::Noted { collection, item, from, to }, forward) => (*collection, ChangeKind::Noted, vec![*item], cut(if forward { to } else { from })),
        (Op::Tagged { .. }, _) => return None,
    };
    (c == collection).then_some((kind, items, detail))
}

impl Store {
    /// Where the history of collection `collection` comes from.
    pub fn history_source(&self, collection: i64) -> Result<Source> {
        self.read(|c| {
            let live = collections::live(c, collection)?;
            if !registry::is_synced(c, live.project_id)? {
                return Ok(Source::Local);
            }
            let slug = c.query_row("SELECT namespace, title, hex_id FROM collections WHERE id = ?1", [collection], |r| {
                Ok(rules::slug(&r.get::<_, String>(0)?, &r.get::<_, String>(1)?, &r.get::<_, String>(2)?))
            })?;
            Ok(Source::Server { slug })
        })
    }

    /// The collection's history as the panel shows it: on the first page (no `before`), this
    /// device's pending changes first, then the server's page (`remote`; `None` for a local
    /// project), newest first, filtered by `query`.
    pub fn collection_history(&self, collection: i64, query: &HistoryQuery, remote: Option<Remote>) -> Result<CollectionHistory> {
        let q = check(query)?;
        let Some(remote) = remote else {
            self.read(|c| collections::live(c, collection))?;
            let entries = if q.before.is_none() { session(&self.journal().lock().log, collection, &q) } else { Vec::new() };
            return Ok(CollectionHistory {
                entries,
                next_before: None,
                notice: Some("This project is kept only on this device: its history lists the changes made since Trove started.".into()),
            });
        };
        self.read(|c| {
            let live = collections::live(c, collection)?;
            let project = live.project_id;
            let author = registry::account(c, project)?.filter(|a| !a.is_empty()).unwrap_or_else(|| YOU.to_string());
            let uuid = collections::uuid_of(c, collection)?;
            let mut entries = if q.before.is_none() { pending(c, project, &uuid, &author, &q)? } else { Vec::new() };
            let (next_before, notice) = match remote {
                Remote::Page(page) => {
                    entries.extend(accepted(c, project, &page)?);
                    (page.next_before, None)
                }
                Remote::Unavailable(why) => {
                    let what = if entries.is_empty() { "No change of this device waits to be sent" } else { "Shown: this device's changes waiting to be sent" };
                    (None, Some(format!("{what}; older history needs the server, which could not be asked: {why}")))
                }
            };
            Ok(CollectionHistory { entries, next_before, notice })
        })
    }
}

#[cfg(test)]
#[path = "changelog_tests.rs"]
mod tests;
