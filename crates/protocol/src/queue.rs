//! Labeling queues (DESIGN §1): a queue follows one collection live, and each of its items has a
//! status. The statuses, the wire records both replicas keep, the refusals, and the one rule of
//! which items a queue holds:
//!
//! - every live member of the source collection is in the queue: `pending` unless its entry says
//!   otherwise;
//! - an item that left the collection stays in the queue only when its entry is `done`,
//!   `accepted` or `rejected` ([`QueueStatus::kept_after_removal`]): its history is kept;
//! - a closed queue (closed by an editor, or whose collection was deleted) holds only those kept
//!   entries, and nobody works in it any more.
//!
//! What each action does to an entry is `trove_rulebook::queues`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Most annotators or reviewers a queue may name.
pub const QUEUE_USERS_MAX: usize = 100;
/// Most tag choices a queue may offer its annotators.
pub const QUEUE_TAGS_MAX: usize = 50;
/// Most characters in a queue's name.
pub const QUEUE_NAME_MAX: usize = 100;
/// Most characters in a reviewer's comment.
pub const COMMENT_MAX: usize = 500;
/// Most items one claim may take (a batch to work through offline).
pub const CLAIM_MAX: usize = 500;

/// An item's status in a queue.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum QueueStatus {
    /// Waiting for an annotator.
    Pending,
    /// Claimed by one annotator.
    Annotating,
    /// Submitted, waiting for a reviewer.
    Done,
    Accepted,
    /// Sent back to its annotator, with the reviewer's comment.
    Rejected,
}

impl QueueStatus {
    pub const ALL: [QueueStatus; 5] =
        [QueueStatus::Pending, QueueStatus::Annotating, QueueStatus::Done, QueueStatus::Accepted, QueueStatus::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            QueueStatus::Pending => "pending",
            QueueStatus::Annotating => "annotating",
            QueueStatus::Done => "done",
            QueueStatus::Accepted => "accepted",
            QueueStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether an item with this status stays in the queue after it left the collection (and
    /// in a closed queue): a submission or a review is history, a claim is not.
    pub fn kept_after_removal(self) -> bool {
        matches!(self, QueueStatus::Done | QueueStatus::Accepted | QueueStatus::Rejected)
    }

    /// The status on Supervisely's wire (`labeling-queues.stats.entities`): `null` for pending,
    /// `"none"` while the item is with its annotator (annotating, rejected), `"done"`,
    /// `"accepted"`.
    pub fn supervisely(self) -> Option<&'static str> {
        match self {
            QueueStatus::Pending => None,
            QueueStatus::Annotating | QueueStatus::Rejected => Some("none"),
            QueueStatus::Done => Some("done"),
            QueueStatus::Accepted => Some("accepted"),
        }
    }
}

/// One item's entry in a queue, as both replicas store it. An item of the collection without an
/// entry is `pending`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct QueueEntry {
    pub status: QueueStatus,
    /// The user who claimed or last submitted it (a user name); `None` while pending.
    pub annotator: Option<String>,
    /// How many times it was submitted: a review names the submission it decides on, so a
    /// decision on a stale one is refused.
    pub submission: u32,
    /// The reviewer's comment on the last review, shown to the annotator.
    pub comment: String,
    /// The user who reviewed it last; `None` before any review.
    pub reviewer: Option<String>,
}

impl QueueEntry {
    pub fn pending() -> Self {
        QueueEntry { status: QueueStatus::Pending, annotator: None, submission: 0, comment: String::new(), reviewer: None }
    }
}

/// Why a queue action was refused: a sentence about the user's action. The server answers
/// `NotAnnotator`/`NotReviewer` with 403, `NotInQueue` with 404 and the rest with 409.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    #[error("you are not an annotator of queue {queue}; only its annotators claim and submit items")]
    NotAnnotator { queue: String },
    #[error("you are not a reviewer of queue {queue}; only its reviewers accept and reject items")]
    NotReviewer { queue: String },
    #[error("queue {queue} is closed; nobody works in it any more")]
    Closed { queue: String },
    #[error("the item is not in queue {queue}")]
    NotInQueue { queue: String },
    #[error("{by} has this item ({status}); your submission was not applied")]
    Taken { by: String, status: &'static str },
    #[error("the item is {status}, not submitted; there is nothing to review")]
    NotSubmitted { status: &'static str },
    #[error("the item was submitted again since you saw it (submission {now}, you reviewed {seen}); look at it again")]
    Stale { seen: u32, now: u32 },
    #[error("{0}")]
    Invalid(String),
}

/// A queue's name: trimmed, 1 to [`QUEUE_NAME_MAX`] characters of one line of visible text.
pub fn name(name: &str) -> Result<String, QueueError> {
    let name = name.trim();
    let len = name.chars().count();
    if len == 0 {
        return Err(QueueError::Invalid("the queue's name is empty; a queue needs a name".into()));
    }
    if len > QUEUE_NAME_MAX {
        return Err(QueueError::Invalid(format!("the queue's name is {len} characters; at most {QUEUE_NAME_MAX} are allowed")));
    }
    if name.chars().any(|c| c.is_control()) {
        return Err(QueueError::Invalid(format!("the queue's name {} contains a control character", crate::rules::quote(name))));
    }
    Ok(name.to_string())
}

/// A reviewer's comment: at most [`COMMENT_MAX`] characters, line breaks and tabs allowed.
pub fn comment(text: &str) -> Result<String, QueueError> {
    let len = text.chars().count();
    if len > COMMENT_MAX {
        return Err(QueueError::Invalid(format!("the comment is {len} characters; at most {COMMENT_MAX} are allowed")));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(QueueError::Invalid("the comment contains a control character other than a line break or a tab".into()));
    }
    Ok(text.to_string())
}

/// A queue's user list (annotators or reviewers): at most [`QUEUE_USERS_MAX`] names, each a
/// well-formed user name, without repeats (the first kept).
pub fn users(what: &'static str, names: &[String]) -> Result<Vec<String>, QueueError> {
    if names.len() > QUEUE_USERS_MAX {
        return Err(QueueError::Invalid(format!("{} {what} in one queue; at most {QUEUE_USERS_MAX} are allowed", names.len())));
    }
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for n in names {
        if n.is_empty() || n.chars().count() > crate::rules::ID_MAX || n.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(QueueError::Invalid(format!("user name {} is not valid; names are 1 to 64 characters without spaces", crate::rules::quote(n))));
        }
        if !out.contains(n) {
            out.push(n.clone());
        }
    }
    Ok(out)
}

/// A queue's tag choices: at most [`QUEUE_TAGS_MAX`], each a valid tag, cleaned, without
/// repeats, in the order given.
pub fn tag_choices(tags: &[String]) -> Result<Vec<String>, QueueError> {
    if tags.len() > QUEUE_TAGS_MAX {
        return Err(QueueError::Invalid(format!("{} tag choices in one queue; at most {QUEUE_TAGS_MAX} are allowed", tags.len())));
    }
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for t in tags {
        let t = crate::rules::tag(t).map_err(|e| QueueError::Invalid(e.to_string()))?;
        if !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_the_supervisely_wire_and_history_is_kept() {
        let sly: Vec<Option<&str>> = QueueStatus::ALL.iter().map(|s| s.supervisely()).collect();
        assert_eq!(sly, [None, Some("none"), Some("done"), Some("accepted"), Some("none")]);
        let kept: Vec<bool> = QueueStatus::ALL.iter().map(|s| s.kept_after_removal()).collect();
        assert_eq!(kept, [false, false, true, true, true]);
        assert_eq!(QueueStatus::parse("done"), Some(QueueStatus::Done));
        assert_eq!(QueueStatus::parse("none"), None);
    }

    #[test]
    fn names_comments_users_and_tags_are_bounded() {
        assert_eq!(name("  Review batch 1 ").unwrap(), "Review batch 1");
        assert!(name(" ").is_err());
        assert!(name(&"x".repeat(QUEUE_NAME_MAX + 1)).is_err());
        assert!(comment(&"x".repeat(COMMENT_MAX)).is_ok());
        assert_eq!(comment(&"x".repeat(COMMENT_MAX + 1)).unwrap_err().to_string(), "the comment is 501 characters; at most 500 are allowed");
        assert_eq!(users("annotators", &["a".into(), "b".into(), "a".into()]).unwrap(), ["a", "b"]);
        assert!(users("annotators", &vec!["a".to_string(); QUEUE_USERS_MAX + 1]).is_err());
        assert_eq!(tag_choices(&[" cat ".into(), "dog".into(), "cat".into()]).unwrap(), ["cat", "dog"]);
        assert!(tag_choices(&["".into()]).is_err());
    }
}

/// A queue as a pull carries it (`PullResponse::queues`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncQueue {
    pub uuid: String,
    /// The server's integer id (the native API's and Supervisely's `id`).
    pub id: i64,
    /// The project's UUID.
    pub project: String,
    /// The source collection's UUID.
    pub collection: String,
    pub name: String,
    pub annotators: Vec<String>,
    pub reviewers: Vec<String>,
    pub tags: Vec<String>,
    /// Closed by an editor, or its collection was removed (the server closes the queue then).
    pub closed: bool,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One item's entry in a queue as a pull carries it (`PullResponse::queue_entries`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncQueueEntry {
    /// The queue's UUID.
    pub queue: String,
    /// The item's UUID.
    pub item: String,
    #[serde(flatten)]
    pub entry: QueueEntry,
}

/// How many items of a queue have each status.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct QueueCounts {
    #[ts(type = "number")]
    pub pending: u64,
    #[ts(type = "number")]
    pub annotating: u64,
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub accepted: u64,
    #[ts(type = "number")]
    pub rejected: u64,
}

impl QueueCounts {
    pub fn add(&mut self, status: QueueStatus, n: u64) {
        match status {
            QueueStatus::Pending => self.pending += n,
            QueueStatus::Annotating => self.annotating += n,
            QueueStatus::Done => self.done += n,
            QueueStatus::Accepted => self.accepted += n,
            QueueStatus::Rejected => self.rejected += n,
        }
    }

    pub fn total(&self) -> u64 {
        self.pending + self.annotating + self.done + self.accepted + self.rejected
    }
}

// As the desktop app shows queues (Tauri IPC; ids are the local database's).

/// A labeling queue in the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Queue {
    #[ts(type = "number")]
    pub id: i64,
    /// The server's integer id (the API's and `data-queue-id`); `None` for a queue of a local
    /// project, or one not yet synced.
    #[ts(type = "number | null")]
    pub api_id: Option<i64>,
    pub uuid: String,
    #[ts(type = "number")]
    pub project_id: i64,
    /// The source collection (local id) and its title.
    #[ts(type = "number")]
    pub collection_id: i64,
    pub collection_title: String,
    pub name: String,
    pub annotators: Vec<String>,
    pub reviewers: Vec<String>,
    /// The tags annotators choose from.
    pub tags: Vec<String>,
    /// Closed by an editor, or its collection was deleted.
    pub closed: bool,
    pub counts: QueueCounts,
    /// What the app's user may do in it.
    pub can_annotate: bool,
    pub can_review: bool,
    pub can_manage: bool,
}

/// `create_queue`'s input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct NewQueue {
    #[ts(type = "number")]
    pub collection_id: i64,
    pub name: String,
    pub annotators: Vec<String>,
    pub reviewers: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// An item of a queue with its entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct QueueItem {
    pub item: crate::model::Item,
    pub entry: QueueEntry,
}

/// A page of a queue's items (`queue_items`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct QueueItemPage {
    pub items: Vec<QueueItem>,
    #[ts(type = "number")]
    pub total: u64,
}

/// What a review of several items did: how many took, and a sentence for each refused one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReviewOutcome {
    #[ts(type = "number")]
    pub applied: u64,
    pub refused: Vec<String>,
}

/// Where "Move accepted to collection…" moves the accepted items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum MoveTarget {
    Existing {
        #[ts(type = "number")]
        collection_id: i64,
    },
    New { title: String },
}

/// What "Move accepted to collection…" did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MoveOutcome {
    #[ts(type = "number")]
    pub moved: u64,
    pub collection: crate::model::Collection,
}

/// The counts of one queue among the items the current filter matches (its queue clauses left
/// out): the "queue status" facet.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct QueueFacet {
    #[ts(type = "number")]
    pub queue_id: i64,
    pub name: String,
    pub counts: QueueCounts,
}
