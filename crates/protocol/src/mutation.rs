//! Intent-level mutations: what a user did, as the outbox records it and as the sync engine
//! will push it. Entities are named by their UUIDs, which every replica shares.

use serde::{Deserialize, Serialize};

use crate::itemset::ItemSet;
use crate::model::{CollectionPatch, ItemKind, Theme};
use crate::position;
use crate::filter::Sort;
use crate::queue;
use crate::rules::{self, RuleError};
use crate::view::{self, ViewPatch};

/// Most items one mutation may name. A bigger action (a million-item add) is recorded as
/// several mutations of at most this many items, so every push stays small.
pub const ITEMS_MAX: usize = 10_000;
/// Most tags one `tag_items`/`untag_items` may name.
pub const TAGS_MAX: usize = 100;
/// Most files one `import_items` may carry (an import of 100,000 files is a few hundred).
pub const IMPORT_MAX: usize = 500;
/// Largest causal length a client may send: a billion adds and removes of one pair, far from
/// where the server's arithmetic (and a `u32` on the wire) would wrap.
pub const CL_MAX: u32 = 1 << 30;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", content = "args", rename_all = "snake_case", deny_unknown_fields)]
pub enum Mutation {
    CreateCollection {
        collection: String,
        project: String,
        hex_id: String,
        title: String,
        description: String,
        private: bool,
        theme: Theme,
    },
    UpdateCollection { collection: String, patch: CollectionPatch },
    DeleteCollection { collection: String },
    /// Items appended with the positions the client gave them, in the same order. `cls` is each
    /// pair's causal length after the add, as the client saw it (odd); the server keeps the
    /// maximum of its own and this. Left empty, the server takes its next odd length.
    AddItems {
        collection: String,
        items: Vec<String>,
        positions: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        cls: Vec<u32>,
    },
    /// `cls` as for `AddItems`, even (the length after the remove).
    RemoveItems {
        collection: String,
        items: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        cls: Vec<u32>,
    },
    /// A bulk append: the items of the collection's project named by number, in the user's
    /// order ([`ItemSet`], at most [`crate::itemset::SET_MAX`]); the `i`-th that becomes a
    /// member takes the key `position::ranked(key, first + i)`. A larger action is several of
    /// these with one `key` and consecutive `first`s. No causal lengths travel: each pair takes
    /// its next odd length where the mutation is applied.
    AddItemSet { collection: String, items: ItemSet, key: String, first: u32 },
    /// A bulk remove, items named as for [`Mutation::AddItemSet`]: each pair present takes its
    /// next even length.
    RemoveItemSet { collection: String, items: ItemSet },
    /// Bulk tags on items of `project`, named by number.
    TagItemSet { project: String, items: ItemSet, tags: Vec<String> },
    UntagItemSet { project: String, items: ItemSet, tags: Vec<String> },
    SetNote { collection: String, item: String, note: String },
    MoveItem { collection: String, item: String, position: String },
    TagItems { items: Vec<String>, tags: Vec<String> },
    UntagItems { items: Vec<String>, tags: Vec<String> },
    /// Files imported into dataset `dataset` of `project` ("Import folder…" in a synced
    /// project): the dataset is the one with this UUID, else the project's dataset named
    /// `dataset_name`, else a new one with both. Each file becomes the item with its UUID, or,
    /// when that item exists (a re-import found its file changed), updates that item's file
    /// fields. Editors of the project import.
    ImportItems { project: String, dataset: String, dataset_name: String, items: Vec<ImportedItem> },
    /// A labeling queue over `collection` (followed live). Editors of the project make one.
    CreateQueue {
        queue: String,
        project: String,
        collection: String,
        name: String,
        annotators: Vec<String>,
        reviewers: Vec<String>,
        /// The tags annotators choose from (they may add others).
        #[serde(default)]
        tags: Vec<String>,
    },
    /// Closes a queue: nobody works in it any more; its history stays.
    CloseQueue { queue: String },
    /// The acting annotator claims these items: each one still pending becomes theirs, the
    /// others are left alone (someone else was faster).
    ClaimItems { queue: String, items: Vec<String> },
    /// The acting annotator submits one item: its tags change by `add` and `remove`, it is
    /// marked labeled, and its status becomes `done`.
    SubmitItem {
        queue: String,
        item: String,
        #[serde(default)]
        add: Vec<String>,
        #[serde(default)]
        remove: Vec<String>,
    },
    /// The acting reviewer accepts or rejects submission `submission` of one item.
    ReviewItem { queue: String, item: String, submission: u32, accept: bool, #[serde(default)] comment: String },
    /// A saved view of `project`: a name, a portable filter (JSON, references by UUID) and a
    /// sort. Creates are idempotent. Editors of the project make, edit and delete views.
    CreateView { view: String, project: String, name: String, filter: String, sort: Sort },
    /// Last-writer-wins fields of a view.
    UpdateView { view: String, patch: ViewPatch },
    /// Delete wins: every later mutation of the view is a no-op.
    DeleteView { view: String },
}

/// One imported file as an [`Mutation::ImportItems`] carries it: what the file is, not where it
/// was (its path stays on the importing device).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportedItem {
    /// The item's UUID, chosen by the importing app.
    pub item: String,
    /// Its path inside the imported folder, `/`-separated.
    pub name: String,
    pub kind: ItemKind,
    pub mime: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub size: u64,
    /// The file's modification time (ms since the epoch).
    pub created_at: i64,
    /// The SHA-256 of the thumbnail, which the app uploads before it pushes this.
    pub thumb: Option<String>,
    /// The SHA-256 of the file's bytes.
    pub content: String,
}

impl ImportedItem {
    /// Where the item says it came from, on every replica: the file's name, uploaded (its path
    /// on the importing device is not shared).
    pub fn source(&self) -> String {
        format!("upload:{}", self.name)
    }

    fn check(&self) -> Result<(), RuleError> {
        rules::id("item", &self.item)?;
        rules::item_name(&self.name)?;
        if !matches!(self.kind, ItemKind::Image | ItemKind::Video) {
            return Err(RuleError::BadId { what: "kind", value: self.kind.as_str().into(), expected: "an imported file is an image or a video" });
        }
        if self.mime.is_empty() || self.mime.len() > 100 || !self.mime.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(RuleError::BadId { what: "mime type", value: self.mime.clone(), expected: "it is 1 to 100 visible ASCII characters" });
        }
        if self.size > i64::MAX as u64 {
            return Err(RuleError::BadId { what: "size", value: self.size.to_string(), expected: "a size fits in 63 bits" });
        }
        if let Some(t) = &self.thumb {
            rules::sha256("thumbnail", t)?;
        }
        rules::sha256("content", &self.content)?;
        Ok(())
    }
}

impl Mutation {
    /// Checks every bound a mutation must keep before anything applies it: ids well formed and
    /// short, at most [`ITEMS_MAX`] items and [`TAGS_MAX`] tags, titles, descriptions, notes and
    /// tags within their rules, one valid position (of at most [`position::KEY_MAX`] bytes) per
    /// added item, and causal lengths of the right parity. The server refuses a mutation that
    /// fails it; the app never records one.
    pub fn check(&self) -> Result<(), RuleError> {
        let items = |items: &[String]| -> Result<(), RuleError> {
            rules::at_most("items", self.name(), items.len(), ITEMS_MAX)?;
            items.iter().try_for_each(|i| rules::id("item", i).map(|_| ()))
        };
        let cls_parity = |cls: &[u32], n: usize, odd: bool| -> Result<(), RuleError> {
            if !(cls.is_empty() || cls.len() == n) {
                return Err(RuleError::TooMany { what: "causal lengths", action: self.name(), n: cls.len(), max: n });
            }
            if let Some(cl) = cls.iter().find(|cl| **cl > CL_MAX) {
                return Err(RuleError::BadId { what: "causal length", value: cl.to_string(), expected: "it is at most 1073741824" });
            }
            match cls.iter().find(|cl| (**cl % 2 == 1) != odd) {
                Some(cl) => Err(RuleError::BadId {
                    what: "causal length",
                    value: cl.to_string(),
                    expected: if odd { "an add's causal length is odd" } else { "a remove's causal length is even" },
                }),
                None => Ok(()),
            }
        };
        match self {
            Mutation::CreateCollection { collection, project, hex_id, title, description, .. } => {
                rules::id("collection", collection)?;
                rules::id("project", project)?;
                rules::hex_id(hex_id)?;
                rules::title(title)?;
                rules::description(description)?;
            }
            Mutation::UpdateCollection { collection, patch } => {
                rules::id("collection", collection)?;
                if let Some(t) = &patch.title {
                    rules::title(t)?;
                }
                if let Some(d) = &patch.description {
                    rules::description(d)?;
                }
            }
            Mutation::DeleteCollection { collection } => {
                rules::id("collection", collection)?;
            }
            Mutation::AddItems { collection, items: ids, positions, cls } => {
                rules::id("collection", collection)?;
                items(ids)?;
                if positions.len() != ids.len() {
                    return Err(RuleError::TooMany { what: "positions", action: "add_items", n: positions.len(), max: ids.len() });
                }
                positions.iter().try_for_each(|k| position::check(k).map(|_| ()))?;
                cls_parity(cls, ids.len(), true)?;
            }
            Mutation::RemoveItems { collection, items: ids, cls } => {
                rules::id("collection", collection)?;
                items(ids)?;
                cls_parity(cls, ids.len(), false)?;
            }
            Mutation::AddItemSet { collection, items, key, first } => {
                rules::id("collection", collection)?;
                let n = items.decode()?.len() as u64;
                let last = (*first as u64 + n.saturating_sub(1)).min(u32::MAX as u64) as u32;
                position::ranked(key, last)?;
            }
            Mutation::RemoveItemSet { collection, items } => {
                rules::id("collection", collection)?;
                items.decode()?;
            }
            Mutation::TagItemSet { project, items, tags } | Mutation::UntagItemSet { project, items, tags } => {
                rules::id("project", project)?;
                items.decode()?;
                rules::at_most("tags", self.name(), tags.len(), TAGS_MAX)?;
                tags.iter().try_for_each(|t| rules::tag(t).map(|_| ()))?;
            }
            Mutation::SetNote { collection, item, note } => {
                rules::id("collection", collection)?;
                rules::id("item", item)?;
                rules::note(note)?;
            }
            Mutation::MoveItem { collection, item, position: key } => {
                rules::id("collection", collection)?;
                rules::id("item", item)?;
                position::check(key)?;
            }
            Mutation::TagItems { items: ids, tags } | Mutation::UntagItems { items: ids, tags } => {
                items(ids)?;
                rules::at_most("tags", self.name(), tags.len(), TAGS_MAX)?;
                tags.iter().try_for_each(|t| rules::tag(t).map(|_| ()))?;
            }
            Mutation::CreateQueue { queue: q, project, collection, name, annotators, reviewers, tags } => {
                rules::id("queue", q)?;
                rules::id("project", project)?;
                rules::id("collection", collection)?;
                queue::name(name)?;
                queue::users("annotators", annotators)?;
                queue::users("reviewers", reviewers)?;
                queue::tag_choices(tags)?;
            }
            Mutation::ImportItems { project, dataset, dataset_name, items } => {
                rules::id("project", project)?;
                rules::id("dataset", dataset)?;
                rules::name("dataset", dataset_name)?;
                rules::at_most("items", self.name(), items.len(), IMPORT_MAX)?;
                items.iter().try_for_each(ImportedItem::check)?;
            }
            Mutation::CloseQueue { queue: q } => {
                rules::id("queue", q)?;
            }
            Mutation::ClaimItems { queue: q, items: ids } => {
                rules::id("queue", q)?;
                rules::at_most("items", self.name(), ids.len(), queue::CLAIM_MAX)?;
                ids.iter().try_for_each(|i| rules::id("item", i).map(|_| ()))?;
            }
            Mutation::SubmitItem { queue: q, item, add, remove } => {
                rules::id("queue", q)?;
                rules::id("item", item)?;
                for tags in [add, remove] {
                    rules::at_most("tags", self.name(), tags.len(), TAGS_MAX)?;
                    tags.iter().try_for_each(|t| rules::tag(t).map(|_| ()))?;
                }
            }
            Mutation::ReviewItem { queue: q, item, comment, .. } => {
                rules::id("queue", q)?;
                rules::id("item", item)?;
                queue::comment(comment)?;
            }
            Mutation::CreateView { view: v, project, name, filter, .. } => {
                rules::id("view", v)?;
                rules::id("project", project)?;
                view::name(name)?;
                view::check_filter(filter)?;
            }
            Mutation::UpdateView { view: v, patch } => {
                rules::id("view", v)?;
                if let Some(n) = &patch.name {
                    view::name(n)?;
                }
                if let Some(f) = &patch.filter {
                    view::check_filter(f)?;
                }
            }
            Mutation::DeleteView { view: v } => {
                rules::id("view", v)?;
            }
        }
        Ok(())
    }


    /// The mutation's name as it appears on the wire (`add_items`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Mutation::CreateCollection { .. } => "create_collection",
            Mutation::UpdateCollection { .. } => "update_collection",
            Mutation::DeleteCollection { .. } => "delete_collection",
            Mutation::AddItems { .. } => "add_items",
            Mutation::RemoveItems { .. } => "remove_items",
            Mutation::AddItemSet { .. } => "add_item_set",
            Mutation::RemoveItemSet { .. } => "remove_item_set",
            Mutation::TagItemSet { .. } => "tag_item_set",
            Mutation::UntagItemSet { .. } => "untag_item_set",
            Mutation::SetNote { .. } => "set_note",
            Mutation::MoveItem { .. } => "move_item",
            Mutation::TagItems { .. } => "tag_items",
            Mutation::UntagItems { .. } => "untag_items",
            Mutation::ImportItems { .. } => "import_items",
            Mutation::CreateQueue { .. } => "create_queue",
            Mutation::CloseQueue { .. } => "close_queue",
            Mutation::ClaimItems { .. } => "claim_items",
            Mutation::SubmitItem { .. } => "submit_item",
            Mutation::ReviewItem { .. } => "review_item",
            Mutation::CreateView { .. } => "create_view",
            Mutation::UpdateView { .. } => "update_view",
            Mutation::DeleteView { .. } => "delete_view",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::ITEM_NAME_MAX;

    fn add(items: Vec<String>, positions: Vec<String>, cls: Vec<u32>) -> Mutation {
        Mutation::AddItems { collection: "c-1".into(), items, positions, cls }
    }

    #[test]
    fn checks_every_bound() {
        let ok = add(vec!["i-1".into()], vec!["a0".into()], vec![1]);
        assert_eq!(ok.check(), Ok(()));
        // The crash key: valid but for its length.
        let long = format!("a{}1", "z".repeat(200_000));
        assert!(matches!(add(vec!["i-1".into()], vec![long], vec![]).check(), Err(RuleError::Position(_))));
        assert!(add(vec!["i-1".into()], vec!["a0".into()], vec![2]).check().is_err(), "an even length on an add");
        assert!(add(vec!["i-1".into()], vec![], vec![]).check().is_err(), "a missing position");
        let many = vec!["i".to_string(); ITEMS_MAX + 1];
        let err = add(many.clone(), many.iter().map(|_| "a0".to_string()).collect(), vec![]).check().unwrap_err();
        assert_eq!(err.to_string(), format!("{} items in one add_items; at most {ITEMS_MAX} are allowed", ITEMS_MAX + 1));
        let huge_id = Mutation::DeleteCollection { collection: "x".repeat(8 << 20) };
        assert!(huge_id.check().unwrap_err().to_string().len() < 250);
        let remove = Mutation::RemoveItems { collection: "c".into(), items: vec!["i".into()], cls: vec![3] };
        assert!(remove.check().is_err(), "an odd length on a remove");
        assert!(add(vec!["i".into()], vec!["a0".into()], vec![u32::MAX]).check().is_err(), "a length that would wrap");
        let unknown = serde_json::json!({"name": "delete_collection", "args": {"collection": "c", "extra": 1}});
        assert!(serde_json::from_value::<Mutation>(unknown).is_err(), "unknown fields are refused");
        let tags = Mutation::TagItems { items: vec!["i".into()], tags: vec!["t".into(); TAGS_MAX + 1] };
        assert!(tags.check().is_err());
    }

    #[test]
    fn an_import_checks_every_file() {
        let file = ImportedItem {
            item: "i-1".into(),
            name: "trips/2024/beach.jpg".into(),
            kind: ItemKind::Image,
            mime: "image/jpeg".into(),
            width: Some(4000),
            height: Some(3000),
            size: 123,
            created_at: 1,
            thumb: Some("ab".repeat(32)),
            content: "0f".repeat(32),
        };
        let import = |items: Vec<ImportedItem>| Mutation::ImportItems { project: "p".into(), dataset: "d".into(), dataset_name: "Trips".into(), items };
        assert_eq!(import(vec![file.clone()]).check(), Ok(()));
        let bad = |f: &dyn Fn(&mut ImportedItem)| {
            let mut one = file.clone();
            f(&mut one);
            import(vec![one]).check().unwrap_err().to_string()
        };
        assert!(bad(&|f| f.name = "x".repeat(ITEM_NAME_MAX + 1)).contains("at most 1024"));
        assert!(bad(&|f| f.name = "a\nb".into()).contains("control character"));
        assert!(bad(&|f| f.kind = ItemKind::Model).contains("an image or a video"));
        assert!(bad(&|f| f.mime = "image/jpeg; x".into()).contains("mime type"));
        assert!(bad(&|f| f.content = "AB".repeat(32)).starts_with("content"));
        assert!(bad(&|f| f.thumb = Some("../etc/passwd".into())).starts_with("thumbnail"));
        assert!(bad(&|f| f.size = u64::MAX).starts_with("size"));
        let err = import(vec![file.clone(); IMPORT_MAX + 1]).check().unwrap_err().to_string();
        assert_eq!(err, format!("{} items in one import_items; at most {IMPORT_MAX} are allowed", IMPORT_MAX + 1));
        let empty_dataset = Mutation::ImportItems { project: "p".into(), dataset: "d".into(), dataset_name: " ".into(), items: vec![] };
        assert!(empty_dataset.check().is_err());
    }

    #[test]
    fn a_set_checks_its_numbers_key_and_ranks() {
        let set = |n: i64| ItemSet::encode(&(1..=n).collect::<Vec<_>>());
        let add = |key: &str, first: u32| Mutation::AddItemSet { collection: "c".into(), items: set(3), key: key.into(), first };
        assert_eq!(add("a1", 0).check(), Ok(()));
        assert!(add("a1", position::RANK_MAX - 2).check().is_ok());
        assert!(add("a1", position::RANK_MAX - 1).check().is_err(), "a rank past the last");
        assert!(add("a00", 0).check().is_err(), "an invalid key");
        let too_many = Mutation::RemoveItemSet { collection: "c".into(), items: set(crate::itemset::SET_MAX as i64 + 1) };
        assert!(too_many.check().is_err());
        let tags = Mutation::TagItemSet { project: "p".into(), items: set(2), tags: vec![" ".into()] };
        assert!(tags.check().is_err(), "an empty tag");
        let json = serde_json::to_value(add("a1", 7)).unwrap();
        assert_eq!(json, serde_json::json!({"name": "add_item_set", "args": {"collection": "c", "items": set(3).as_str(), "key": "a1", "first": 7}}));
    }
}
