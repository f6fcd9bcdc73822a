//! Intent-level mutations: what a user did, as the outbox records it and as the sync engine
//! will push it. Entities are named by their UUIDs, which every replica shares.

use serde::{Deserialize, Serialize};

use crate::model::{CollectionPatch, Theme};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", content = "args", rename_all = "snake_case")]
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
    SetNote { collection: String, item: String, note: String },
    MoveItem { collection: String, item: String, position: String },
    TagItems { items: Vec<String>, tags: Vec<String> },
    UntagItems { items: Vec<String>, tags: Vec<String> },
}

impl Mutation {
    /// The mutation's name as it appears on the wire (`add_items`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Mutation::CreateCollection { .. } => "create_collection",
            Mutation::UpdateCollection { .. } => "update_collection",
            Mutation::DeleteCollection { .. } => "delete_collection",
            Mutation::AddItems { .. } => "add_items",
            Mutation::RemoveItems { .. } => "remove_items",
            Mutation::SetNote { .. } => "set_note",
            Mutation::MoveItem { .. } => "move_item",
            Mutation::TagItems { .. } => "tag_items",
            Mutation::UntagItems { .. } => "untag_items",
        }
    }
}
