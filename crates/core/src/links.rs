//! Deep links: `trove://open?project=…&collection=…&filter=…&sort=…` names a place in a project
//! by UUIDs — the project, the open collection, the filter with its datasets, collections and
//! queues named by UUID — so that a link means the same on every device that has a copy of the
//! project.
//!
//! A link is hostile input: its length is bounded, its filter parsed into the typed `Filter` and
//! checked like any other, and what it names that this cache does not have (a deleted
//! collection, a dataset that is not here) is left out and said in words, never an error that
//! keeps the rest from opening. The filter travels as a saved view's does (`crate::views`).

use rusqlite::{Connection, OptionalExtension};
use trove_protocol::{Filter, ItemQuery, LinkTarget, Sort};

use crate::error::{Error, Result};
use crate::views::{id_of, local, portable, uuid_of};
use trove_protocol::view::Ref;

pub const SCHEME: &str = "trove";
/// Longest link taken, in bytes.
pub const LINK_MAX: usize = 16 * 1024;

/// Bad input quoted cut short.
fn cut(s: &str) -> String {
    let mut out: String = s.chars().take(80).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// The link to `query` in `project`: the open collection, the filter and the sort.
pub fn link(conn: &Connection, project: i64, query: &ItemQuery) -> Result<String> {
    let uuid: String = conn
        .query_row("SELECT uuid FROM projects WHERE id = ?1", [project], |r| r.get(0))
        .optional()?
        .ok_or(Error::NotFound { what: "project", id: project })?;
    let mut url = url::Url::parse(&format!("{SCHEME}://open")).map_err(|e| Error::Invalid(e.to_string()))?;
    {
        let mut pairs = url.query_pairs_mut();
        pairs.append_pair("project", &uuid);
        if let Some(c) = query.collection {
            let c = uuid_of(conn, Ref::Collection, project, c)?.ok_or(Error::NotFound { what: "collection", id: c })?;
            pairs.append_pair("collection", &c);
        }
        if !query.filter.clauses.is_empty() {
            pairs.append_pair("filter", &portable(conn, project, &query.filter)?.to_string());
        }
        pairs.append_pair("sort", &serde_json::to_string(&query.sort).map_err(|e| Error::Invalid(e.to_string()))?);
    }
    Ok(url.into())
}

/// Where a link points in this cache: the project, the query to show, and what it names that
/// is not here.
pub fn resolve(conn: &Connection, text: &str) -> Result<LinkTarget> {
    let text = text.trim();
    if text.len() > LINK_MAX {
        return Err(Error::Invalid(format!("this link is too long ({} characters; a Trove link has at most {LINK_MAX})", text.len())));
    }
    let not_ours = || Error::Invalid(format!("“{}” is not a Trove link (trove://open?project=…)", cut(text)));
    let url = url::Url::parse(text).map_err(|_| not_ours())?;
    if url.scheme() != SCHEME || url.host_str() != Some("open") || !matches!(url.path(), "" | "/") {
        return Err(not_ours());
    }
    let (mut project, mut collection, mut filter, mut sort) = (None, None, None, None);
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "project" => project = Some(v.into_owned()),
            "collection" => collection = Some(v.into_owned()),
            "filter" => filter = Some(v.into_owned()),
            "sort" => sort = Some(v.into_owned()),
            _ => {}
        }
    }
    let project = project.ok_or_else(not_ours)?;
    let project_id: i64 = conn
        .query_row("SELECT id FROM projects WHERE uuid = ?1", [&project], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::Invalid("the project of this link is not on this computer: download it from its server first".into()))?;
    let mut missing = Vec::new();
    let collection = match collection {
        Some(uuid) => {
            let id = id_of(conn, Ref::Collection, project_id, &uuid)?;
            if id.is_none() {
                missing.push("the collection it opens (deleted, or not here): all items are shown".into());
            }
            id
        }
        None => None,
    };
    let filter = match filter {
        Some(f) => {
            let value = serde_json::from_str(&f).map_err(|e| Error::Invalid(format!("the link's filter is not one Trove reads: {}", cut(&e.to_string()))))?;
            local(conn, project_id, value, &mut missing)?
        }
        None => Filter::default(),
    };
    let sort: Sort = match sort {
        Some(s) => serde_json::from_str(&s).map_err(|_| Error::Invalid(format!("the link's sort “{}” is not one Trove reads", cut(&s))))?,
        None => Sort::default(),
    };
    Ok(LinkTarget { project_id, query: ItemQuery { filter, collection, sort }, missing })
}

impl crate::Store {
    /// The deep link to what `query` shows in `project`.
    pub fn link(&self, project: i64, query: &ItemQuery) -> Result<String> {
        self.read(|c| link(c, project, query))
    }

    /// Where a deep link points in this cache.
    pub fn resolve_link(&self, text: &str) -> Result<LinkTarget> {
        self.read(|c| resolve(c, text))
    }
}

#[cfg(test)]
#[path = "links_tests.rs"]
mod tests;
