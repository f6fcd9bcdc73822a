//! The undo history's data: this session's last [`DEPTH`] collection actions, each kept with
//! what it changed (`undo.rs` does and undoes them). Plain data, so that the store can own it
//! without the domain modules.

use std::collections::HashMap;
use std::sync::Mutex;

use trove_protocol::mutation::ITEMS_MAX;
use trove_protocol::{CollectionPatch, NewCollection, UndoState};

/// How many actions the history keeps.
pub const DEPTH: usize = 50;

/// A membership as it was: where the item stood and its note (what an undo of a remove puts
/// back).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Member {
    pub item: i64,
    pub position: String,
    pub note: String,
}

/// One change of an action, with what it needs to be undone and redone.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Created { collection: i64, input: NewCollection },
    Deleted { collection: i64, input: NewCollection, items: Placed },
    Updated { collection: i64, before: CollectionPatch, after: CollectionPatch },
    Added { collection: i64, items: Placed },
    Removed { collection: i64, items: Placed },
    Moved { collection: i64, item: i64, from: String, to: String },
    Noted { collection: i64, item: i64, from: String, to: String },
    Tagged { tag: String, items: Vec<i64>, add: bool },
}

/// Items of a collection in its order, with their keys when few enough to put back one by one,
/// and their notes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Placed {
    pub items: Vec<i64>,
    pub keys: Option<Vec<String>>,
    pub notes: Vec<(i64, String)>,
}

impl Placed {
    pub(crate) fn of(members: Vec<Member>) -> Placed {
        let keep_keys = members.len() <= ITEMS_MAX;
        let mut placed = Placed { items: Vec::with_capacity(members.len()), keys: keep_keys.then(Vec::new), notes: Vec::new() };
        for m in members {
            placed.items.push(m.item);
            if let Some(keys) = &mut placed.keys {
                keys.push(m.position);
            }
            if !m.note.is_empty() {
                placed.notes.push((m.item, m.note));
            }
        }
        placed
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }
}

impl Op {
    pub(crate) fn collection_mut(&mut self) -> Option<&mut i64> {
        match self {
            Op::Created { collection, .. }
            | Op::Deleted { collection, .. }
            | Op::Updated { collection, .. }
            | Op::Added { collection, .. }
            | Op::Removed { collection, .. }
            | Op::Moved { collection, .. }
            | Op::Noted { collection, .. } => Some(collection),
            Op::Tagged { .. } => None,
        }
    }
}

/// One action of the history: its project, what it is called, its changes in order.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub project: i64,
    pub label: String,
    pub ops: Vec<Op>,
}

impl Entry {
    pub(crate) fn new(project: i64, label: String, ops: Vec<Op>) -> Option<Entry> {
        (!ops.is_empty()).then_some(Entry { project, label, ops })
    }

    fn remap(&mut self, old: i64, new: i64) {
        for op in &mut self.ops {
            if let Some(c) = op.collection_mut() {
                if *c == old {
                    *c = new;
                }
            }
        }
    }
}

/// The session's history: actions done (the last is undone first) and undone (the last is
/// redone first), of every project, at most [`DEPTH`] each.
#[derive(Default)]
pub(crate) struct Journal {
    stacks: Mutex<Stacks>,
}

#[derive(Default)]
pub(crate) struct Stacks {
    pub done: Vec<Entry>,
    pub undone: Vec<Entry>,
}

impl Stacks {
    pub(crate) fn last(stack: &[Entry], project: i64) -> Option<usize> {
        stack.iter().rposition(|e| e.project == project)
    }

    pub(crate) fn state(&self, project: i64) -> UndoState {
        UndoState {
            undo: Self::last(&self.done, project).map(|i| self.done[i].label.clone()),
            redo: Self::last(&self.undone, project).map(|i| self.undone[i].label.clone()),
        }
    }

    pub(crate) fn remap(&mut self, remaps: &[(i64, i64)]) {
        for (old, new) in remaps {
            for e in self.done.iter_mut().chain(self.undone.iter_mut()) {
                e.remap(*old, *new);
            }
        }
    }
}

pub(crate) fn bounded(stack: &mut Vec<Entry>) {
    if stack.len() > DEPTH {
        stack.drain(..stack.len() - DEPTH);
    }
}

impl Journal {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Stacks> {
        self.stacks.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forgets the project's history: its copy was rebuilt (a reset) or dropped, and the local
    /// ids the entries name may now be other rows.
    pub(crate) fn forget(&self, project: i64) {
        let mut s = self.lock();
        s.done.retain(|e| e.project != project);
        s.undone.retain(|e| e.project != project);
    }

    /// A new action: it can be undone; what was undone in its project can no longer be redone.
    pub(crate) fn record(&self, entry: Entry) {
        let mut s = self.lock();
        s.undone.retain(|e| e.project != entry.project);
        s.done.push(entry);
        bounded(&mut s.done);
    }
}

/// "1 item", "3 items", "1,000,000 items".
pub(crate) fn items(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out} item{}", if n == 1 { "" } else { "s" })
}

/// The label of an add or a remove.
pub(crate) fn members_label(verb: &str, n: usize, prep: &str, title: &str) -> String {
    format!("{verb} {} {prep} {title}", items(n))
}

/// The history entry of a tag or an untag: per tag, the items it changed.
pub(crate) fn tagged(per_tag: HashMap<String, Vec<i64>>, add: bool) -> Vec<Op> {
    let mut tags: Vec<_> = per_tag.into_iter().filter(|(_, items)| !items.is_empty()).collect();
    tags.sort_by(|a, b| a.0.cmp(&b.0));
    tags.into_iter().map(|(tag, items)| Op::Tagged { tag, items, add }).collect()
}

