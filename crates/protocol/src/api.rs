//! The bodies of trove-server's native HTTP API (`/api/v1`): what scripts and the desktop
//! app's sync engine send and receive. Records reuse the app's [`model`](crate::model) types,
//! flattened, and add the server-side identities (UUID, 24-hex id, namespace).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Collection, Dataset, Item, ProjectKind};

/// What a user may do in a project (or a namespace): each role includes the ones before it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Read projects, items and the collections visible to them.
    Viewer,
    /// Also create and change datasets, collections and memberships.
    Editor,
    /// Also manage the project itself.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [Role::Viewer, Role::Editor, Role::Admin].into_iter().find(|r| r.as_str() == s)
    }
}

/// A namespace the caller belongs to, and their role in it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub namespace: String,
    /// `user` for a person's own namespace, `org` for an organisation.
    pub kind: String,
    pub role: Role,
}

/// `GET /api/v1/me`: who the token belongs to.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: i64,
    pub name: String,
    pub is_admin: bool,
    pub namespaces: Vec<Membership>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    /// The namespace that owns the project; the caller's own namespace when left out.
    #[serde(default)]
    pub namespace: Option<String>,
    pub name: String,
    pub kind: ProjectKind,
    #[serde(default)]
    pub description: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectInfo {
    pub id: i64,
    pub uuid: String,
    pub hex_id: String,
    pub namespace: String,
    pub name: String,
    pub kind: ProjectKind,
    pub description: String,
    pub item_count: u64,
    /// The caller's role in this project.
    pub role: Role,
    pub created_at: i64,
    pub updated_at: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDataset {
    pub name: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    #[serde(flatten)]
    pub dataset: Dataset,
    pub uuid: String,
    pub hex_id: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemInfo {
    #[serde(flatten)]
    pub item: Item,
    pub uuid: String,
    pub hex_id: String,
    pub project_id: i64,
}

/// One page of a keyset-paged listing. `next_cursor` is absent on the last page.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemsPage {
    pub items: Vec<ItemInfo>,
    pub next_cursor: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectionInfo {
    #[serde(flatten)]
    pub collection: Collection,
    pub uuid: String,
    pub hex_id: String,
    pub namespace: String,
    /// The user who created it.
    pub owner: String,
}

/// An item in a collection: the item, and where and how it sits there.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    #[serde(flatten)]
    pub item: ItemInfo,
    pub membership_id: i64,
    pub membership_hex_id: String,
    /// The fractional-index key that orders the collection (compared bytewise).
    pub position: String,
    pub added_at: i64,
    pub added_by: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MembersPage {
    pub items: Vec<Member>,
    pub next_cursor: Option<String>,
}

/// `POST .../items`: add one item.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddItem {
    pub item: i64,
    #[serde(default)]
    pub note: Option<String>,
    /// Answer with the existing membership instead of 409 when the item is there already.
    #[serde(default)]
    pub exists_ok: bool,
}

/// `POST .../items/bulk-add`: items appended in the order given, each with an optional note.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkAdd {
    pub items: Vec<i64>,
    /// Notes by item id (as a string key, since JSON keys are strings).
    #[serde(default)]
    pub notes: BTreeMap<String, String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BulkAddOutcome {
    /// Now in the collection, in the order given.
    pub added: Vec<i64>,
    /// In the collection before the request (left as they were).
    pub already: Vec<i64>,
    /// Not an item of the collection's project.
    pub missing: Vec<i64>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkRemove {
    pub items: Vec<i64>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BulkRemoveOutcome {
    pub removed: Vec<i64>,
    /// Not in the collection (nothing to remove).
    pub not_members: Vec<i64>,
}

/// `PATCH .../items/{item}`: a new note, a new place, or both.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    #[serde(default)]
    pub note: Option<String>,
    /// The 0-based index the item moves to (clamped to the last index); the others shift.
    #[serde(default)]
    pub position: Option<u64>,
}

/// `GET /api/v1/health`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `ok`, or `unavailable` (answered 503) when the database does not answer.
    pub status: String,
    pub version: String,
    /// The database's state for a load balancer: `ok`, or why it is not.
    #[serde(default)]
    pub database: String,
}

/// The body of every error answer: `{"error": {"code": "...", "message": "..."}}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: crate::ApiError,
}

// Labeling queues (`/api/v1/projects/{project}/queues`, `/api/v1/queues/{id}/...`).

/// Which collection a new queue follows: its integer id or its UUID.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CollectionRef {
    Id(i64),
    Uuid(String),
}

/// `POST /projects/{project}/queues`: a queue over one of the project's collections.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewQueueRequest {
    pub collection: CollectionRef,
    pub name: String,
    /// User names with a role in the project.
    #[serde(default)]
    pub annotators: Vec<String>,
    #[serde(default)]
    pub reviewers: Vec<String>,
    /// The tags annotators choose from.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A labeling queue with its counts, and what the caller may do in it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueInfo {
    /// The queue's integer id (also Supervisely's).
    pub id: i64,
    pub uuid: String,
    pub project_id: i64,
    /// The source collection's id (it may have been removed since: the queue is closed then).
    pub collection_id: i64,
    pub collection_uuid: String,
    pub name: String,
    pub annotators: Vec<String>,
    pub reviewers: Vec<String>,
    pub tags: Vec<String>,
    /// Closed by an editor, or its collection was removed: nobody works in it any more.
    pub closed: bool,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub counts: crate::queue::QueueCounts,
    pub can_annotate: bool,
    pub can_review: bool,
    /// An editor of the project: may close it.
    pub can_manage: bool,
}

/// An item of a queue, with its status and entry (an item without an entry is pending).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueItemInfo {
    #[serde(flatten)]
    pub item: ItemInfo,
    pub entry: crate::queue::QueueEntry,
}

/// `GET /queues/{id}/items`: one page and the total of the items with the status asked.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueItemsPage {
    pub items: Vec<QueueItemInfo>,
    pub total: u64,
}

/// `POST /queues/{id}/claim`: take the next `count` pending items (1 to 500).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    pub count: u32,
}

/// `POST /queues/{id}/items/{item}/submit`: the item's tag changes (it is marked labeled).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    #[serde(default)]
    pub add: Vec<String>,
    #[serde(default)]
    pub remove: Vec<String>,
}

/// One item a reviewer decides on, at the submission they saw (`entry.submission`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewedItem {
    pub item: i64,
    /// The entry's `submission` the reviewer saw.
    // Documented as the u32 it is: utoipa's default `int32` would call 2^31 invalid input,
    // which the server accepts (and answers "not found" or "stale").
    #[cfg_attr(feature = "openapi", schema(format = Int64, minimum = 0, maximum = 4294967295_u64))]
    pub submission: u32,
}

/// `POST /queues/{id}/review`: accept or reject items (at most 500), with an optional comment.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    pub items: Vec<ReviewedItem>,
    pub accept: bool,
    #[serde(default)]
    pub comment: String,
}

/// An item a review did not apply to, and why.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRefusal {
    pub item: i64,
    pub code: crate::ErrorCode,
    pub message: String,
}

/// What a review did: how many items took, and each refused one with its reason.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewResult {
    pub applied: u64,
    pub refused: Vec<ReviewRefusal>,
}

/// A user with a role in a project (who may be made an annotator or a reviewer).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectPerson {
    pub name: String,
    pub role: Role,
}

