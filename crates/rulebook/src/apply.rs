//! [`apply`]: one mutation, applied to any replica through [`ReplicaStore`].

use std::hash::Hash;

use trove_protocol::model::{CollectionPatch, Theme};
use trove_protocol::rules::{self, RuleError};
use trove_protocol::Mutation;

use crate::members::{self, PairState, Plan};

/// A collection to create, as the mutation names it.
#[derive(Debug, Clone, Copy)]
pub struct NewCollection<'a> {
    pub collection: &'a str,
    pub project: &'a str,
    pub hex_id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub private: bool,
    pub theme: Theme,
}

/// The storage of one replica, over its own schema. Methods are primitives: they write what they
/// are told and decide nothing about what a mutation means — except the authority checks only
/// the server can make (roles, visibility, unique titles), which its implementation answers
/// with an error that refuses the whole mutation.
pub trait ReplicaStore {
    /// The replica's handle for a live collection.
    type Collection: Copy;
    /// The replica's handle for an item.
    type Item: Copy + Eq + Hash;
    type Error: From<RuleError>;

    /// Whether a collection with this UUID exists, live or deleted.
    fn exists(&mut self, collection: &str) -> Result<bool, Self::Error>;
    fn create(&mut self, c: NewCollection<'_>) -> Result<(), Self::Error>;
    /// The live collection to change, or `None` when it was deleted (delete wins: the mutation
    /// is then a no-op). The server refuses one that never existed or the caller may not edit.
    fn target(&mut self, collection: &str) -> Result<Option<Self::Collection>, Self::Error>;
    fn update(&mut self, c: Self::Collection, patch: &CollectionPatch) -> Result<(), Self::Error>;
    fn delete(&mut self, c: Self::Collection) -> Result<(), Self::Error>;
    /// Marks the collection as changed (its `updated_at`).
    fn touch(&mut self, c: Self::Collection) -> Result<(), Self::Error>;

    /// The state of the pairs (c, item) for the items named, by UUID; unknown items left out.
    fn pairs(&mut self, c: Self::Collection, items: &[String]) -> Result<Vec<PairState<Self::Item>>, Self::Error>;
    /// Writes a plan: the clocks first, then the rows.
    fn write_pairs(&mut self, c: Self::Collection, plan: &Plan<'_, Self::Item>) -> Result<(), Self::Error>;
    /// Keys were written into the collection (a replica that bounds key length re-spreads here).
    fn keys_written(&mut self, _c: Self::Collection, _keys: &[&str]) -> Result<(), Self::Error> {
        Ok(())
    }
    /// The item `uuid` if it is a member of the collection.
    fn member(&mut self, c: Self::Collection, item: &str) -> Result<Option<Self::Item>, Self::Error>;
    fn set_note(&mut self, c: Self::Collection, item: Self::Item, note: &str) -> Result<(), Self::Error>;
    fn set_position(&mut self, c: Self::Collection, item: Self::Item, key: &str) -> Result<(), Self::Error>;

    /// The items named, by UUID; unknown ones left out. The server refuses items of a project
    /// the caller may not edit.
    fn items(&mut self, items: &[String]) -> Result<Vec<Self::Item>, Self::Error>;
    /// Adds (`add`) or removes the tags on the items; returns the items whose tag set changed.
    fn tag(&mut self, items: &[Self::Item], tags: &[String], add: bool) -> Result<Vec<Self::Item>, Self::Error>;
    /// Marks the items as changed (their `updated_at`).
    fn touch_items(&mut self, items: &[Self::Item]) -> Result<(), Self::Error>;
}

/// Applies one mutation to a replica. `Err` refuses it: the caller rolls back whatever it wrote
/// (the server records the refusal; the app's replay leaves the mutation without effect, as
/// the server will).
pub fn apply<S: ReplicaStore>(m: &Mutation, store: &mut S) -> Result<(), S::Error> {
    // Every bound first (ids, sizes, keys, parity), before any row is read.
    m.check()?;
    match m {
        Mutation::CreateCollection { collection, project, hex_id, title, description, private, theme } => {
            if !store.exists(collection)? {
                store.create(NewCollection { collection, project, hex_id, title, description, private: *private, theme: *theme })?;
            }
        }
        Mutation::UpdateCollection { collection, patch } => {
            if let Some(c) = store.target(collection)? {
                store.update(c, patch)?;
                store.touch(c)?;
            }
        }
        Mutation::DeleteCollection { collection } => {
            if let Some(c) = store.target(collection)? {
                store.delete(c)?;
            }
        }
        Mutation::AddItems { collection, items, positions, cls } => {
            if let Some(c) = store.target(collection)? {
                let states = store.pairs(c, items)?;
                merge_pairs(store, c, &states, true, cls, positions)?;
            }
        }
        Mutation::RemoveItems { collection, items, cls } => {
            if let Some(c) = store.target(collection)? {
                let states = store.pairs(c, items)?;
                merge_pairs(store, c, &states, false, cls, &[])?;
            }
        }
        Mutation::SetNote { collection, item, note } => {
            if let Some(c) = store.target(collection)? {
                let note = rules::note(note)?;
                if let Some(item) = store.member(c, item)? {
                    store.set_note(c, item, &note)?;
                    store.touch(c)?;
                }
            }
        }
        Mutation::MoveItem { collection, item, position } => {
            if let Some(c) = store.target(collection)? {
                if let Some(item) = store.member(c, item)? {
                    store.set_position(c, item, position)?;
                    store.keys_written(c, &[position.as_str()])?;
                    store.touch(c)?;
                }
            }
        }
        Mutation::TagItems { items, tags } | Mutation::UntagItems { items, tags } => {
            let items = store.items(items)?;
            set_tags(store, &items, tags, matches!(m, Mutation::TagItems { .. }))?;
        }
    }
    Ok(())
}

/// Adds (`add`) or removes the pairs `states` of collection `c`: plans them ([`members::plan`]),
/// writes the plan, lets the replica see the new keys and touches the collection if a row
/// changed. Returns the plan, whose clocks are what a local action tells the server. The app's
/// actions call this directly with the pairs of a selection.
pub fn merge_pairs<'k, S: ReplicaStore>(
    store: &mut S,
    c: S::Collection,
    states: &[PairState<S::Item>],
    add: bool,
    cls: &[u32],
    keys: &'k [String],
) -> Result<Plan<'k, S::Item>, S::Error> {
    let plan = members::plan(states, add, cls, keys)
        .map_err(|_| RuleError::TooMany { what: "positions", action: "add_items", n: keys.len(), max: states.len() })?;
    if plan.is_empty() {
        return Ok(plan);
    }
    store.write_pairs(c, &plan)?;
    if plan.changes_rows() {
        let written: Vec<&str> = plan.inserts.iter().map(|(_, k)| *k).collect();
        if !written.is_empty() {
            store.keys_written(c, &written)?;
        }
        store.touch(c)?;
    }
    Ok(plan)
}

/// Adds (`add`) or removes `tags` on `items`: the tags are cleaned by the shared rules, and the
/// items whose tag set changed — only those — are touched. Returns them.
pub fn set_tags<S: ReplicaStore>(store: &mut S, items: &[S::Item], tags: &[String], add: bool) -> Result<Vec<S::Item>, S::Error> {
    let mut names: Vec<String> = tags.iter().map(|t| rules::tag(t)).collect::<Result<_, _>>()?;
    names.sort();
    names.dedup();
    if items.is_empty() || names.is_empty() {
        return Ok(Vec::new());
    }
    let changed = store.tag(items, &names, add)?;
    if !changed.is_empty() {
        store.touch_items(&changed)?;
    }
    Ok(changed)
}
