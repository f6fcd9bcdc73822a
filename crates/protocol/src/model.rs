//! Domain records as they travel to the UI (and later to and from the server).
//!
//! Timestamps are milliseconds since the Unix epoch; ids are the local database ids.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ProjectKind {
    Image,
    Video,
    Pointcloud,
    Hub,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum ItemKind {
    Image,
    Video,
    Pointcloud,
    Model,
    Dataset,
    Space,
    Paper,
}

impl ItemKind {
    pub const ALL: [ItemKind; 7] = [
        ItemKind::Image,
        ItemKind::Video,
        ItemKind::Pointcloud,
        ItemKind::Model,
        ItemKind::Dataset,
        ItemKind::Space,
        ItemKind::Paper,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Image => "image",
            ItemKind::Video => "video",
            ItemKind::Pointcloud => "pointcloud",
            ItemKind::Model => "model",
            ItemKind::Dataset => "dataset",
            ItemKind::Space => "space",
            ItemKind::Paper => "paper",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl ProjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectKind::Image => "image",
            ProjectKind::Video => "video",
            ProjectKind::Pointcloud => "pointcloud",
            ProjectKind::Hub => "hub",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Image, Self::Video, Self::Pointcloud, Self::Hub].into_iter().find(|k| k.as_str() == s)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Project {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub kind: ProjectKind,
    pub description: String,
    #[ts(type = "number")]
    pub item_count: u64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Dataset {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub project_id: i64,
    pub name: String,
    #[ts(type = "number")]
    pub item_count: u64,
}

/// One item as the gallery and the table show it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Item {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub dataset_id: i64,
    pub dataset_name: String,
    pub kind: ItemKind,
    pub name: String,
    pub mime: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Bytes of the original.
    #[ts(type = "number")]
    pub size: u64,
    pub tags: Vec<String>,
    pub labels_count: u32,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number")]
    pub updated_at: i64,
    /// Content hash of the thumbnail in the thumbnail cache, when there is one.
    pub thumb: Option<String>,
    /// Where the item comes from: a file path, a Hub URL, or `demo:<seed>`.
    pub source: String,
    /// Set when the item is listed inside a collection: its note there.
    pub note: Option<String>,
}

/// A collection the item is in, as the detail panel lists it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CollectionRef {
    #[ts(type = "number")]
    pub id: i64,
    pub title: String,
    pub note: String,
}

/// Everything the detail panel shows for one item.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ItemDetail {
    pub item: Item,
    pub collections: Vec<CollectionRef>,
    /// Content hash of a larger preview image in the thumbnail cache, when one can be made.
    pub preview: Option<String>,
    /// The original file's path, when it is on this computer and the app may open it (an item
    /// imported here, or an original downloaded before): "Open original" and "Show in folder"
    /// are offered.
    #[serde(default)]
    pub original: Option<String>,
    /// The item is a file imported into this server project on another computer: its original
    /// may be on the server ("Upload originals"), and "Open original" downloads it first.
    #[serde(default)]
    pub original_on_server: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Theme {
    Orange,
    Blue,
    Green,
    Purple,
    Pink,
    Indigo,
}

impl Theme {
    pub const ALL: [Theme; 6] =
        [Theme::Orange, Theme::Blue, Theme::Green, Theme::Purple, Theme::Pink, Theme::Indigo];

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Orange => "orange",
            Theme::Blue => "blue",
            Theme::Green => "green",
            Theme::Purple => "purple",
            Theme::Pink => "pink",
            Theme::Indigo => "indigo",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Collection {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub project_id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub private: bool,
    pub theme: Theme,
    #[ts(type = "number")]
    pub item_count: u64,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number")]
    pub updated_at: i64,
}

/// What the user typed to create a collection.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct NewCollection {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub private: bool,
    #[serde(default)]
    pub theme: Option<Theme>,
}

/// A partial update of a collection: only the fields that are set change.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct CollectionPatch {
    #[ts(optional)]
    pub title: Option<String>,
    #[ts(optional)]
    pub description: Option<String>,
    #[ts(optional)]
    pub private: Option<bool>,
    #[ts(optional)]
    pub theme: Option<Theme>,
}

/// A page of the gallery: the items at `offset..offset + items.len()` of the query's order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ItemPage {
    #[ts(type = "number")]
    pub offset: u64,
    pub items: Vec<Item>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FacetCount {
    /// A dataset id (as text), a tag, or an item kind (`model`).
    pub value: String,
    pub label: String,
    #[ts(type = "number")]
    pub count: u64,
}

/// The total of a filter and the facet counts next to its values.
///
/// Each facet counts what the filter would match if that facet's own clauses were left out,
/// so a user sees how many items choosing another value would give.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Summary {
    #[ts(type = "number")]
    pub total: u64,
    pub datasets: Vec<FacetCount>,
    pub tags: Vec<FacetCount>,
    /// The "queue status" facet: each queue of the project, counted over the filter's matches.
    #[serde(default)]
    pub queues: Vec<crate::queue::QueueFacet>,
    /// The "type" facet of hub projects: each item kind among the matches, its kinds clause left
    /// out. Empty for the other projects, whose items are all of one kind.
    #[serde(default)]
    pub kinds: Vec<FacetCount>,
}

/// Items that look alike: their thumbnails' perceptual hashes differ in at most the distance
/// searched for. The best item (the most pixels, then the largest file, then the oldest) first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DuplicateGroup {
    /// At most [`DUPLICATE_GROUP_ITEMS_MAX`], best first.
    pub items: Vec<Item>,
    /// Items in the group (more than `items` holds when capped).
    #[ts(type = "number")]
    pub size: u64,
    /// The largest distance, in bits, between two hashes of the group.
    pub distance: u32,
}

/// What "Find near-duplicates" found among the items a filter matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Duplicates {
    /// The largest groups first, at most [`DUPLICATE_GROUPS_MAX`].
    pub groups: Vec<DuplicateGroup>,
    /// Every group found (more than `groups` holds when capped).
    #[ts(type = "number")]
    pub group_count: u64,
    /// Items in some group, and items that are all but the best of theirs.
    #[ts(type = "number")]
    pub items_in_groups: u64,
    #[ts(type = "number")]
    pub extra_items: u64,
    /// Items the filter matched.
    #[ts(type = "number")]
    pub checked: u64,
    /// Matching items whose thumbnail has no hash yet (a later search hashes more).
    #[ts(type = "number")]
    pub unhashed: u64,
    /// Matching items with no thumbnail: nothing to compare.
    #[ts(type = "number")]
    pub no_thumbnail: u64,
    /// Thumbnails this search hashed.
    #[ts(type = "number")]
    pub hashed_now: u64,
    /// Found by sampling (very many pictures at a low similarity): a pair at the edge of the
    /// similarity may have been missed (about 1 in 100); closer pairs are found.
    pub sampled: bool,
}

/// Most groups one near-duplicate answer carries.
pub const DUPLICATE_GROUPS_MAX: usize = 100;
/// Most items of one group an answer carries.
pub const DUPLICATE_GROUP_ITEMS_MAX: usize = 50;
/// The largest distance, in bits of a 256-bit hash, a near-duplicate search takes (75% alike).
pub const DUPLICATE_DISTANCE_MAX: u32 = 64;

/// Where a deep link (`trove://open?…`) points in this cache: the project, the query to show
/// (its collection, filter and sort), and what the link names that is not here, in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LinkTarget {
    #[ts(type = "number")]
    pub project_id: i64,
    pub query: crate::filter::ItemQuery,
    pub missing: Vec<String>,
}

/// What "Add to a new collection" did: the collection made, with its count, and the add.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AddedToNew {
    pub collection: Collection,
    pub outcome: AddOutcome,
}

/// What Ctrl+Z and Ctrl+Shift+Z would do now in a project: the action each would undo or redo,
/// in words ("Add 3 items to Birds"), or nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UndoState {
    pub undo: Option<String>,
    pub redo: Option<String>,
}

/// An undo or a redo that was done: the action it undid or redid, and what comes next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Undone {
    pub action: String,
    pub state: UndoState,
}

/// What adding a selection to a collection did.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AddOutcome {
    #[ts(type = "number")]
    pub added: u64,
    /// Items of the selection that were in the collection already.
    #[ts(type = "number")]
    pub already: u64,
}

/// User settings kept between runs (tauri-plugin-store).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct Settings {
    /// Edge of a gallery tile in CSS pixels.
    pub thumb_size: u32,
    #[ts(type = "number | null")]
    pub last_project: Option<i64>,
    pub view: GalleryView,
}

impl Default for Settings {
    fn default() -> Self {
        Self { thumb_size: 160, last_project: None, view: GalleryView::Grid }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum GalleryView {
    Grid,
    Table,
    Datasets,
}
