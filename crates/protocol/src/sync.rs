//! The sync messages between a desktop app and trove-server (DESIGN §4, Replicache-style):
//! the app pushes its outbox in order, the server applies each mutation exactly once and
//! remembers the client's last mutation id; the app pulls every change after its cookie,
//! tombstones included. A cookie is opaque to the client: usually the server's version, but a
//! download that started before history was pruned carries its place in another form.

use serde::{Deserialize, Serialize};

use crate::model::{ItemKind, Theme};
use crate::mutation::Mutation;
use crate::queue::{SyncQueue, SyncQueueEntry};
use crate::ApiError;

/// `POST /api/v1/sync/push`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// The pushing database's client id.
    pub client_id: String,
    /// Mutations in id order; ids must follow the client's last applied one without a gap
    /// (a new client may start anywhere). Ids already applied are skipped.
    pub mutations: Vec<PushedMutation>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushedMutation {
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub mutation: Mutation,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    /// The last mutation id of this client the server has applied (or refused for good).
    pub last_mutation_id: i64,
    /// Mutations of this push refused for a business reason; they count as applied.
    pub rejected: Vec<RejectedMutation>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RejectedMutation {
    pub id: i64,
    /// The mutation's name (`create_collection`, ...).
    pub name: String,
    pub error: ApiError,
}

/// `GET /api/v1/sync/pull`: one page of the changes after a cookie.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    /// Pass this as `cookie` next time.
    pub cookie: i64,
    /// The client's last mutation id the server applied: outbox entries up to it are done.
    pub last_mutation_id: i64,
    /// The cookie was not one this server can continue from: drop the synced copy of the
    /// project and apply this (from scratch) instead; keep the pending outbox.
    pub reset: bool,
    /// More changes follow: pull again with `cookie` right away.
    pub more: bool,
    pub datasets: Vec<SyncDataset>,
    pub items: Vec<SyncItem>,
    pub collections: Vec<SyncCollection>,
    pub memberships: Vec<SyncMembership>,
    /// Collections deleted for good since the cookie, by UUID.
    pub deleted_collections: Vec<String>,
    /// The refusals of this client's mutations from `pending_from` (a pull parameter) to
    /// `last_mutation_id`: a client whose push answer was lost learns them before it drops those
    /// mutations from its outbox.
    #[serde(default)]
    pub rejected: Vec<RejectedMutation>,
    /// Labeling queues changed since the cookie (created, renamed, closed).
    #[serde(default)]
    pub queues: Vec<SyncQueue>,
    /// Queue entries changed since the cookie: an item's status in a queue.
    #[serde(default)]
    pub queue_entries: Vec<SyncQueueEntry>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncDataset {
    pub uuid: String,
    pub name: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncItem {
    pub uuid: String,
    /// The item's number in its project: stable, unique in the project, never reused; bulk
    /// mutations name items by it (`crate::itemset`). 0 from a server that sends none.
    #[serde(default)]
    pub no: u64,
    /// The dataset's UUID.
    pub dataset: String,
    pub kind: ItemKind,
    pub name: String,
    pub mime: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub size: u64,
    pub labels_count: u32,
    pub created_at: i64,
    pub updated_at: i64,
    pub thumb: Option<String>,
    pub source: String,
    pub tags: Vec<String>,
    /// The SHA-256 of the file's bytes, for an item made from a file (an import): a re-import
    /// adds only files whose content is new. Absent for other items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncCollection {
    pub uuid: String,
    pub hex_id: String,
    pub namespace: String,
    pub title: String,
    pub description: String,
    pub private: bool,
    pub theme: Theme,
    pub owner: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Soft-deleted: it stays deleted, and mutations against it are acknowledged as no-ops.
    pub deleted: bool,
}

/// The state of one (collection, item) pair: present when `cl` is odd (with its position and
/// note), a tombstone when even.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncMembership {
    pub collection: String,
    pub item: String,
    /// Causal length: adds and removes seen; merge by maximum.
    pub cl: u32,
    pub position: Option<String>,
    pub note: Option<String>,
}
