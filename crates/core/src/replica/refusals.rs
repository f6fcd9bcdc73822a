//! Changes the server refused for good, in words, kept until the person dismisses them.

use rusqlite::{Connection, OptionalExtension};
use trove_protocol::remote::Refusal;
use trove_protocol::sync::RejectedMutation;
use trove_protocol::{ErrorCode, Mutation};

use crate::db::now_ms;
use crate::error::Result;

/// What a mutation was, in words, for the list of refused changes.
pub fn describe(conn: &Connection, m: &Mutation) -> Result<String> {
    let title = |uuid: &str| -> Result<String> {
        let t: Option<String> = conn.query_row("SELECT title FROM collections WHERE uuid = ?1", [uuid], |r| r.get(0)).optional()?;
        Ok(t.map(|t| format!("\u{201c}{t}\u{201d}")).unwrap_or_else(|| "a collection".into()))
    };
    let queue_name = |uuid: &str| -> Result<String> {
        let t: Option<String> = conn.query_row("SELECT name FROM queues WHERE uuid = ?1", [uuid], |r| r.get(0)).optional()?;
        Ok(t.map(|t| format!("the queue \u{201c}{t}\u{201d}")).unwrap_or_else(|| "a labeling queue".into()))
    };
    let view_name = |uuid: &str| -> Result<String> {
        let t: Option<String> = conn.query_row("SELECT name FROM views WHERE uuid = ?1", [uuid], |r| r.get(0)).optional()?;
        Ok(t.filter(|t| !t.is_empty()).map(|t| format!("the view \u{201c}{t}\u{201d}")).unwrap_or_else(|| "a saved view".into()))
    };
    let items = |n: usize| if n == 1 { "1 item".to_string() } else { format!("{n} items") };
    Ok(match m {
        Mutation::CreateCollection { title, .. } => format!("Create the collection \u{201c}{title}\u{201d}"),
        Mutation::UpdateCollection { collection, patch } => match &patch.title {
            Some(t) => format!("Rename {} to \u{201c}{t}\u{201d}", title(collection)?),
            None => format!("Edit {}", title(collection)?),
        },
        Mutation::DeleteCollection { collection } => format!("Delete {}", title(collection)?),
        Mutation::AddItems { collection, items: i, .. } => format!("Add {} to {}", items(i.len()), title(collection)?),
        Mutation::RemoveItems { collection, items: i, .. } => format!("Remove {} from {}", items(i.len()), title(collection)?),
        Mutation::AddItemSet { collection, items: i, .. } => format!("Add {} to {}", items(counted(i)), title(collection)?),
        Mutation::RemoveItemSet { collection, items: i } => format!("Remove {} from {}", items(counted(i)), title(collection)?),
        Mutation::TagItemSet { items: i, tags, .. } => format!("Tag {} with {}", items(counted(i)), tags.join(", ")),
        Mutation::UntagItemSet { items: i, tags, .. } => format!("Remove the tags {} from {}", tags.join(", "), items(counted(i))),
        Mutation::SetNote { collection, .. } => format!("Set a note in {}", title(collection)?),
        Mutation::MoveItem { collection, .. } => format!("Reorder {}", title(collection)?),
        Mutation::TagItems { items: i, tags } => format!("Tag {} with {}", items(i.len()), tags.join(", ")),
        Mutation::UntagItems { items: i, tags } => format!("Remove the tags {} from {}", tags.join(", "), items(i.len())),
        Mutation::ImportItems { dataset_name, items: i, .. } => format!("Upload {} imported into \u{201c}{dataset_name}\u{201d}", items(i.len())),
        Mutation::CreateQueue { name, .. } => format!("Create the labeling queue \u{201c}{name}\u{201d}"),
        Mutation::CloseQueue { queue } => format!("Close {}", queue_name(queue)?),
        Mutation::ClaimItems { queue, items: i } => format!("Claim {} in {}", items(i.len()), queue_name(queue)?),
        Mutation::SubmitItem { queue, .. } => format!("Submit an item in {}", queue_name(queue)?),
        Mutation::ReviewItem { queue, accept, .. } => {
            format!("{} an item in {}", if *accept { "Accept" } else { "Reject" }, queue_name(queue)?)
        }
        Mutation::CreateView { name, .. } => format!("Save the view \u{201c}{name}\u{201d}"),
        Mutation::UpdateView { view, patch } => match &patch.name {
            Some(n) => format!("Rename {} to \u{201c}{n}\u{201d}", view_name(view)?),
            None => format!("Edit {}", view_name(view)?),
        },
        Mutation::DeleteView { view } => format!("Delete {}", view_name(view)?),
    })
}

/// How many items a set names (0 for one that does not decode: the server refused it).
fn counted(set: &trove_protocol::itemset::ItemSet) -> usize {
    set.decode().map(|v| v.len()).unwrap_or(0)
}

/// Records the server's refusals of pending mutations (call before acknowledging them), and
/// returns the projects whose copy must be downloaded again to undo them.
///
/// The server re-sends what a refused mutation named so the next pull undoes the local effect,
/// but only to a caller who may change those rows: for a refusal because the caller lacks the
/// role (`forbidden`) or cannot see the collection (`not_found`), it re-sends nothing (so that
/// nobody can make every client's pull carry the project), and only a fresh download undoes it;
/// so it is for any refused import (`import_items`), whose items the server never made.
pub fn record_refusals(conn: &Connection, rejected: &[RejectedMutation]) -> Result<Vec<i64>> {
    let mut refetch = Vec::new();
    for r in rejected {
        let row: Option<(String, Option<i64>)> = conn
            .query_row("SELECT mutation, project_id FROM outbox WHERE id = ?1", [r.id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let (change, project, import) = match row {
            Some((json, project)) => match serde_json::from_str::<Mutation>(&json) {
                Ok(m) => (describe(conn, &m)?, project, matches!(m, Mutation::ImportItems { .. })),
                Err(_) => (r.name.replace('_', " "), project, false),
            },
            None => (r.name.replace('_', " "), None, false),
        };
        conn.execute(
            "INSERT OR REPLACE INTO refusals (mutation_id, project_id, change, reason, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![r.id, project, change, r.error.message, now_ms()],
        )?;
        // An import the server refused made items it never had: nothing it re-sends undoes them.
        let undone_by_download = import || matches!(r.error.code, ErrorCode::Forbidden | ErrorCode::NotFound);
        if let (Some(p), true) = (project, undone_by_download) {
            if !refetch.contains(&p) {
                refetch.push(p);
            }
        }
    }
    Ok(refetch)
}

/// Marks the projects' copies to be downloaded afresh by their next pull (pending mutations
/// are kept and replayed on top).
pub fn refetch(conn: &Connection, projects: &[i64]) -> Result<()> {
    for p in projects {
        conn.execute("UPDATE sync_projects SET cookie = 0, reset_pending = 1 WHERE project_id = ?1", [p])?;
    }
    Ok(())
}

/// Refused changes, newest first.
pub fn refusals(conn: &Connection) -> Result<Vec<Refusal>> {
    let mut stmt = conn.prepare("SELECT mutation_id, change, reason, at FROM refusals ORDER BY mutation_id DESC LIMIT 200")?;
    let rows = stmt
        .query_map([], |r| Ok(Refusal { mutation_id: r.get(0)?, change: r.get(1)?, reason: r.get(2)?, at: r.get(3)? }))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

