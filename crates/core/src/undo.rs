//! Undo and redo: the last [`DEPTH`](crate::history::DEPTH) collection actions of this session, each kept with what it
//! changed, so that it can be undone and redone.
//!
//! An undo is itself a change: it runs the inverse actions (remove what an add put in, put back
//! what a remove took out where it stood and with its note, rename back, ...) through the same
//! functions, the rulebook and the outbox as the user's own actions, in one transaction, so it
//! syncs like them. A deleted collection cannot come back under its identity (delete wins), so
//! undoing a delete, or redoing a create, makes a new collection with the same fields, members,
//! order and notes, and the history follows it to its new id. When the inverse no longer means
//! anything (the collection was deleted elsewhere, the item left it), the undo changes nothing,
//! says why, and the action leaves the history.
//!
//! What an entry keeps: the items an action actually changed (an add remembers the items it put
//! in, not those already there), by local id. More than `ITEMS_MAX` items are put back as one
//! set appended in their old order rather than at each old key, since a bulk mutation names no
//! key per item.

use std::collections::HashSet;

use rusqlite::Transaction;
use trove_protocol::{UndoState, Undone};

use crate::error::{Error, Result};
use crate::history::{bounded, Entry, Op, Placed, Stacks};
use crate::{collections, members, tags, Store};

/// Does an action's change (`forward`, a redo) or its inverse (an undo). Returns the
/// collection's new id when it had to be made anew.
fn run_op(op: &Op, tx: &Transaction, project: i64, actor: &str, forward: bool) -> Result<Option<i64>> {
    match (op, forward) {
        (Op::Created { collection, .. }, false) | (Op::Deleted { collection, .. }, true) => collections::delete(tx, *collection)?,
        (Op::Created { input, .. }, true) => return Ok(Some(collections::create(tx, project, input, actor)?.id)),
        (Op::Deleted { input, items, .. }, false) => {
            let id = collections::create(tx, project, input, actor)?.id;
            put_back(tx, project, id, items, actor)?;
            return Ok(Some(id));
        }
        (Op::Updated { collection, before, after }, forward) => {
            collections::update(tx, *collection, if forward { after } else { before })?;
        }
        (Op::Added { collection, items }, true) | (Op::Removed { collection, items }, false) => put_back(tx, project, *collection, items, actor)?,
        (Op::Added { collection, items }, false) | (Op::Removed { collection, items }, true) => {
            members::remove_ids(tx, project, *collection, &items.items)?;
        }
        (Op::Moved { collection, item, from, to }, forward) => {
            members::move_to_key(tx, *collection, *item, if forward { to } else { from }.clone())?;
        }
        (Op::Noted { collection, item, from, to }, forward) => {
            members::set_note(tx, *collection, *item, if forward { to } else { from })?;
        }
        (Op::Tagged { tag, items, add }, forward) => {
            tags::retag(tx, project, items, std::slice::from_ref(tag), *add == forward)?;
        }
    }
    Ok(None)
}

/// Puts items back into a collection: at their keys when kept, else appended in their order;
/// then their notes.
fn put_back(tx: &Transaction, project: i64, collection: i64, placed: &Placed, actor: &str) -> Result<()> {
    members::add_ids(tx, project, collection, &placed.items, placed.keys.as_deref(), actor)?;
    for (item, note) in &placed.notes {
        members::set_note(tx, collection, *item, note)?;
    }
    Ok(())
}

/// Runs the entry forward (redo) or backward (undo) in `tx`; returns the collections made
/// anew, old id to new.
fn run_entry(entry: &Entry, tx: &Transaction, actor: &str, forward: bool) -> Result<Vec<(i64, i64)>> {
    let mut ops = entry.ops.clone();
    if !forward {
        ops.reverse();
    }
    // Undoing a create deletes the collection: what the action then did to it needs no undo.
    let created: HashSet<i64> =
        ops.iter().filter_map(|op| if let Op::Created { collection, .. } = op { Some(*collection) } else { None }).collect();
    let mut remaps: Vec<(i64, i64)> = Vec::new();
    for mut op in ops {
        let is_create = matches!(op, Op::Created { .. });
        if let Some(c) = op.collection_mut() {
            if !forward && created.contains(c) && !is_create {
                continue;
            }
            if let Some((_, new)) = remaps.iter().find(|(old, _)| old == c) {
                *c = *new;
            }
        }
        let old = op.collection_mut().map(|c| *c);
        if let (Some(new), Some(old)) = (run_op(&op, tx, entry.project, actor, forward)?, old) {
            remaps.push((old, new));
        }
    }
    Ok(remaps)
}

/// Why an undo can never be done, when that is the failure's reason.
fn never(e: &Error) -> Option<String> {
    Some(match e {
        Error::NotFound { what: "collection", .. } => "the collection no longer exists (it was deleted, perhaps on another device)".into(),
        Error::NotFound { what, .. } => format!("the {what} no longer exists"),
        Error::NotMember { .. } => "the item is no longer in the collection".into(),
        Error::DuplicateTitle { existing } => format!("a collection titled \"{existing}\" exists now"),
        _ => return None,
    })
}

impl Store {
    /// Runs an action in one write transaction and, once it committed, keeps it in the history
    /// when it changed something.
    pub(crate) fn journaled<T>(&self, f: impl FnOnce(&Transaction) -> Result<(T, Option<Entry>)>) -> Result<T> {
        let (out, entry) = self.write(f)?;
        if let Some(entry) = entry {
            self.journal().record(entry);
        }
        Ok(out)
    }

    /// What an undo and a redo would do now in the project.
    pub fn undo_state(&self, project: i64) -> UndoState {
        self.journal().lock().state(project)
    }

    /// Undoes the project's last action; `None` when there is nothing to undo.
    pub fn undo(&self, project: i64) -> Result<Option<Undone>> {
        self.step(project, false)
    }

    /// Redoes the project's last undone action; `None` when there is nothing to redo.
    pub fn redo(&self, project: i64) -> Result<Option<Undone>> {
        self.step(project, true)
    }

    fn step(&self, project: i64, forward: bool) -> Result<Option<Undone>> {
        let mut s = self.journal().lock();
        let from = if forward { &s.undone } else { &s.done };
        let Some(at) = Stacks::last(from, project) else { return Ok(None) };
        let entry = from[at].clone();
        match self.write(|tx| run_entry(&entry, tx, self.actor(), forward)) {
            Ok(remaps) => {
                let moved = if forward { s.undone.remove(at) } else { s.done.remove(at) };
                if forward { s.done.push(moved) } else { s.undone.push(moved) }
                bounded(&mut s.done);
                bounded(&mut s.undone);
                s.remap(&remaps);
                Ok(Some(Undone { action: entry.label, state: s.state(project) }))
            }
            Err(e) => match never(&e) {
                Some(reason) => {
                    if forward { s.undone.remove(at) } else { s.done.remove(at) };
                    Err(Error::CannotUndo { verb: if forward { "redo" } else { "undo" }, action: entry.label, reason })
                }
                None => Err(e),
            },
        }
    }
}

#[cfg(test)]
#[path = "undo_tests.rs"]
mod tests;
