//! Intent-level mutations: what a user did, as the outbox records it and as the sync engine
//! will push it. Entities are named by their UUIDs, which every replica shares.

use serde::{Deserialize, Serialize};

use crate::itemset::ItemSet;
use crate::model::{CollectionPatch, Theme};
use crate::position;
use crate::queue;
use crate::rules::{self, RuleError};

/// Most items one mutation may name. A bigger action (a million-item add) is recorded as
/// several mutations of at most this many items, so every push stays small.
pub const ITEMS_MAX: usize = 10_000;
/// Most tags one `tag_items`/`untag_items` may name.
pub const TAGS_MAX: usize = 100;
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
            Mutation::CreateQueue { .. } => "create_queue",
            Mutation::CloseQueue { .. } => "close_queue",
            Mutation::ClaimItems { .. } => "claim_items",
            Mutation::SubmitItem { .. } => "submit_item",
            Mutation::ReviewItem { .. } => "review_item",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
