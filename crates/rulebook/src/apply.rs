//! [`apply`]: one mutation, applied to any replica through [`ReplicaStore`].

use std::hash::Hash;

use trove_protocol::model::{CollectionPatch, Theme};
use trove_protocol::rules::{self, RuleError};
use trove_protocol::queue::{self, QueueEntry, QueueError};
use trove_protocol::mutation::ImportedItem;
use trove_protocol::view::{self, ViewPatch};
use trove_protocol::{itemset, Mutation, Sort};

use crate::members::{self, PairState, Plan};
use crate::queues::{self, Seen};

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
    /// The replica's handle for a labeling queue.
    type Queue: Copy;
    /// The replica's handle for a dataset.
    type Dataset: Copy;
    /// The replica's handle for a live saved view.
    type View: Copy;
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
    /// Applies an add (`add`: `Some`, with where new rows go) or a remove to the pairs
    /// (c, item) of the items numbered `numbers` (distinct, in order; items of c's project;
    /// unknown numbers left out), set-based: each pair's length becomes
    /// [`cl::after`](crate::cl::after) of its stored length and row (in SQL:
    /// [`cl::after_sql`](crate::cl::after_sql)); its row exists exactly when that is odd; the
    /// item at index `i` that gains a row gets the key
    /// `position::ranked(add.key, add.first + i)`. A replica may keep no length for a pair whose
    /// length is 1 and whose row exists. Returns how many rows it inserted or deleted.
    fn write_set(&mut self, c: Self::Collection, numbers: &[i64], add: Option<Ranked<'_>>) -> Result<usize, Self::Error>;
    /// The items of the project `project` (by UUID) numbered `numbers`; unknown ones left out.
    /// The server refuses a project the caller may not edit.
    fn numbered(&mut self, project: &str, numbers: &[i64]) -> Result<Vec<Self::Item>, Self::Error>;
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

    // Imports (`Mutation::ImportItems`).

    /// Whether files may be imported into project `project` (by UUID) here: `false` for a
    /// project the replica does not hold (the mutation is then a no-op); the server refuses a
    /// project the caller may not edit.
    fn import_into(&mut self, project: &str) -> Result<bool, Self::Error>;
    /// The dataset of project `project` with UUID `uuid`, else the project's dataset named
    /// `name`; `None` when it has neither.
    fn dataset(&mut self, project: &str, uuid: &str, name: &str) -> Result<Option<Self::Dataset>, Self::Error>;
    /// Makes dataset `uuid` named `name` in project `project` (by UUID, which the replica knows).
    fn create_dataset(&mut self, project: &str, uuid: &str, name: &str) -> Result<Self::Dataset, Self::Error>;
    /// The item `uuid` if it is an item of dataset `d`'s project (wherever else it is: `None`).
    fn project_item(&mut self, d: Self::Dataset, uuid: &str) -> Result<Option<Self::Item>, Self::Error>;
    /// Inserts the file as a new item of dataset `d`.
    fn insert_item(&mut self, d: Self::Dataset, file: &ImportedItem) -> Result<(), Self::Error>;
    /// Shows the file's new content on its item: kind, mime, dimensions, size, thumbnail and
    /// content, and `updated_at` when one of them changed.
    fn update_file(&mut self, item: Self::Item, file: &ImportedItem) -> Result<(), Self::Error>;

    // Labeling queues (`crate::queues`).

    /// The user name of whoever the mutation is applied for (the pusher; the app's account).
    fn actor(&self) -> String;
    /// Whether a queue with this UUID exists, open or closed.
    fn queue_exists(&mut self, queue: &str) -> Result<bool, Self::Error>;
    /// Makes a queue. The server refuses a caller who is not an editor of the project, a
    /// collection of another project, and users without a role in it.
    fn create_queue(&mut self, q: NewQueue<'_>) -> Result<(), Self::Error>;
    /// The queue to act in, with who may do what in it; `None` when the replica does not know
    /// it (the server refuses that itself).
    fn queue(&mut self, queue: &str) -> Result<Option<QueueState<Self::Queue>>, Self::Error>;
    fn close_queue(&mut self, q: Self::Queue) -> Result<(), Self::Error>;
    /// How the queue sees the items named, by UUID; unknown items left out.
    fn queue_items(&mut self, q: Self::Queue, items: &[String]) -> Result<Vec<Seen<Self::Item>>, Self::Error>;
    /// Stores an item's entry in the queue.
    fn write_entry(&mut self, q: Self::Queue, item: Self::Item, entry: &QueueEntry) -> Result<(), Self::Error>;
    /// Marks the items labeled; returns those that were not (to be touched).
    fn mark_labeled(&mut self, items: &[Self::Item]) -> Result<Vec<Self::Item>, Self::Error>;

    // Saved views.

    /// Whether a view with this UUID exists, live or deleted.
    fn view_exists(&mut self, view: &str) -> Result<bool, Self::Error>;
    /// Makes a view. The server refuses a caller who is not an editor of the project; a
    /// replica that does not hold the project leaves it out.
    fn create_view(&mut self, v: NewView<'_>) -> Result<(), Self::Error>;
    /// The live view to change, or `None` when it was deleted (delete wins) or is not here.
    /// The server refuses one that never existed or the caller may not edit.
    fn view(&mut self, view: &str) -> Result<Option<Self::View>, Self::Error>;
    /// Writes the fields the patch names (already checked) and marks the view changed.
    fn update_view(&mut self, v: Self::View, patch: &ViewPatch) -> Result<(), Self::Error>;
    fn delete_view(&mut self, v: Self::View) -> Result<(), Self::Error>;
}

/// A saved view to create, as the mutation names it (its fields checked).
#[derive(Debug, Clone, Copy)]
pub struct NewView<'a> {
    pub view: &'a str,
    pub project: &'a str,
    pub name: &'a str,
    pub filter: &'a str,
    pub sort: Sort,
}

/// Where the rows of a set add go: the `i`-th named item at `position::ranked(key, first + i)`.
#[derive(Debug, Clone, Copy)]
pub struct Ranked<'a> {
    pub key: &'a str,
    pub first: u32,
}

/// A labeling queue to create, as the mutation names it (its fields already checked).
#[derive(Debug, Clone, Copy)]
pub struct NewQueue<'a> {
    pub queue: &'a str,
    pub project: &'a str,
    pub collection: &'a str,
    pub name: &'a str,
    pub annotators: &'a [String],
    pub reviewers: &'a [String],
    pub tags: &'a [String],
}

/// A queue as an action in it needs it.
#[derive(Debug, Clone)]
pub struct QueueState<Q> {
    pub handle: Q,
    /// Its name, as refusals name it.
    pub name: String,
    /// Closed by an editor, or its collection was deleted.
    pub closed: bool,
    pub annotators: Vec<String>,
    pub reviewers: Vec<String>,
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
        Mutation::AddItemSet { collection, items, key, first } => {
            if let Some(c) = store.target(collection)? {
                merge_set(store, c, &items.decode()?, Some(Ranked { key, first: *first }))?;
            }
        }
        Mutation::RemoveItemSet { collection, items } => {
            if let Some(c) = store.target(collection)? {
                merge_set(store, c, &items.decode()?, None)?;
            }
        }
        Mutation::TagItemSet { project, items, tags } | Mutation::UntagItemSet { project, items, tags } => {
            let items = store.numbered(project, &items.decode()?)?;
            set_tags(store, &items, tags, matches!(m, Mutation::TagItemSet { .. }))?;
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
        Mutation::ImportItems { project, dataset, dataset_name, items } => {
            let name = rules::name("dataset", dataset_name)?;
            if store.import_into(project)? {
                let d = match store.dataset(project, dataset, &name)? {
                    Some(d) => d,
                    None => store.create_dataset(project, dataset, &name)?,
                };
                for file in items {
                    match store.project_item(d, &file.item)? {
                        Some(item) => store.update_file(item, file)?,
                        None => store.insert_item(d, file)?,
                    }
                }
            }
        }
        Mutation::CreateQueue { queue, project, collection, name, annotators, reviewers, tags } => {
            if !store.queue_exists(queue)? {
                let name = queue::name(name).map_err(RuleError::from)?;
                let annotators = queue::users("annotators", annotators).map_err(RuleError::from)?;
                let reviewers = queue::users("reviewers", reviewers).map_err(RuleError::from)?;
                let tags = queue::tag_choices(tags).map_err(RuleError::from)?;
                store.create_queue(NewQueue { queue, project, collection, name: &name, annotators: &annotators, reviewers: &reviewers, tags: &tags })?;
            }
        }
        Mutation::CloseQueue { queue } => {
            if let Some(q) = store.queue(queue)? {
                if !q.closed {
                    store.close_queue(q.handle)?;
                }
            }
        }
        Mutation::ClaimItems { queue, items } => {
            if let Some((q, _)) = open_queue(store, queue, Role::Annotator)? {
                let me = store.actor();
                for seen in store.queue_items(q, items)? {
                    if let Some(entry) = queues::claim(&seen, &me) {
                        store.write_entry(q, seen.item, &entry)?;
                    }
                }
            }
        }
        Mutation::SubmitItem { queue, item, add, remove } => {
            if let Some((q, name)) = open_queue(store, queue, Role::Annotator)? {
                let me = store.actor();
                let seen = store.queue_items(q, std::slice::from_ref(item))?;
                let seen = seen.first().ok_or_else(|| RuleError::from(QueueError::NotInQueue { queue: name.clone() }))?;
                let entry = queues::submit(seen, &me, &name).map_err(RuleError::from)?;
                let one = [seen.item];
                set_tags(store, &one, add, true)?;
                set_tags(store, &one, remove, false)?;
                let labeled = store.mark_labeled(&one)?;
                if !labeled.is_empty() {
                    store.touch_items(&labeled)?;
                }
                store.write_entry(q, seen.item, &entry)?;
            }
        }
        Mutation::ReviewItem { queue, item, submission, accept, comment } => {
            if let Some((q, name)) = open_queue(store, queue, Role::Reviewer)? {
                let me = store.actor();
                let comment = queue::comment(comment).map_err(RuleError::from)?;
                let seen = store.queue_items(q, std::slice::from_ref(item))?;
                let seen = seen.first().ok_or_else(|| RuleError::from(QueueError::NotInQueue { queue: name.clone() }))?;
                let entry = queues::review(seen, *submission, *accept, &comment, &me, &name).map_err(RuleError::from)?;
                store.write_entry(q, seen.item, &entry)?;
            }
        }
        Mutation::CreateView { view: v, project, name, filter, sort } => {
            if !store.view_exists(v)? {
                let name = view::name(name)?;
                store.create_view(NewView { view: v, project, name: &name, filter, sort: *sort })?;
            }
        }
        Mutation::UpdateView { view: v, patch } => {
            if let Some(handle) = store.view(v)? {
                let clean = ViewPatch { name: patch.name.as_deref().map(view::name).transpose()?, ..patch.clone() };
                store.update_view(handle, &clean)?;
            }
        }
        Mutation::DeleteView { view: v } => {
            if let Some(handle) = store.view(v)? {
                store.delete_view(handle)?;
            }
        }
    }
    Ok(())
}

enum Role {
    Annotator,
    Reviewer,
}

/// The open queue `queue` to work in as `role`, with its name quoted as refusals name it:
/// `None` when the replica does not know it; a refusal when it is closed or the actor does not
/// hold the role.
fn open_queue<S: ReplicaStore>(store: &mut S, queue: &str, role: Role) -> Result<Option<(S::Queue, String)>, S::Error> {
    let Some(q) = store.queue(queue)? else { return Ok(None) };
    let me = store.actor();
    let name = rules::quote(&q.name);
    let (allowed, refusal) = match role {
        Role::Annotator => (q.annotators.contains(&me), QueueError::NotAnnotator { queue: name.clone() }),
        Role::Reviewer => (q.reviewers.contains(&me), QueueError::NotReviewer { queue: name.clone() }),
    };
    if !allowed {
        return Err(RuleError::from(refusal).into());
    }
    if q.closed {
        return Err(RuleError::from(QueueError::Closed { queue: name }).into());
    }
    Ok(Some((q.handle, name)))
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

/// Adds (`add`: `Some`, with where the new rows go) or removes the items numbered `numbers`
/// (distinct) of collection `c`, set-based ([`ReplicaStore::write_set`]): the bulk twin of
/// [`merge_pairs`], without lengths from the client (each pair takes its next one). Lets the
/// replica see the new keys and touches the collection if a row changed; returns how many
/// rows were inserted or deleted. The app's bulk actions call this directly.
pub fn merge_set<S: ReplicaStore>(store: &mut S, c: S::Collection, numbers: &[i64], add: Option<Ranked<'_>>) -> Result<usize, S::Error> {
    if numbers.is_empty() {
        return Ok(0);
    }
    // What a replica packs (`itemset::packed`): a set decoded from the wire always is; a local
    // action's ids are checked here.
    if let Some(n) = numbers.iter().find(|n| !(1..=itemset::NUMBER_MAX).contains(*n)) {
        return Err(RuleError::BadId { what: "item number", value: n.to_string(), expected: "item numbers are 1 to 68719476735" }.into());
    }
    if let Some(r) = add {
        let last = r.first as u64 + numbers.len() as u64 - 1;
        trove_protocol::position::ranked(r.key, u32::try_from(last).unwrap_or(u32::MAX)).map_err(RuleError::from)?;
    }
    let changed = store.write_set(c, numbers, add)?;
    if changed > 0 {
        if let Some(r) = add {
            let first = trove_protocol::position::ranked(r.key, r.first).map_err(RuleError::from)?;
            store.keys_written(c, &[first.as_str()])?;
        }
        store.touch(c)?;
    }
    Ok(changed)
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
