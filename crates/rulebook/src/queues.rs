//! What each queue action does to one item's entry: the status machine of a labeling queue.
//!
//! ```text
//! pending ──claim──▶ annotating(A) ──submit(A)──▶ done(A, n+1) ──accept(n)──▶ accepted
//!    │                                               ▲      └──reject(n)──▶ rejected(A)
//!    └───────────────submit(A)───────────────────────┘                        │
//!                                    done(A, n+1) ◀──────submit(A)────────────┘
//! ```
//!
//! Conflict rules, in the order the server receives mutations:
//!
//! - **claim** takes only pending items of the collection; an item someone else claimed or
//!   submitted first is left alone, not refused (a batch claim races with others by nature);
//! - **submit** is taken from the annotator who holds the item (claimed it, or had it sent
//!   back), or from any annotator while it is still pending. Otherwise — another annotator's
//!   submission came first — it is refused **whole**: its tags are not applied either, so the
//!   item keeps the labels of the submission that won and a reviewer sees what was submitted;
//!   the refused annotator is told who has the item;
//! - **review** decides on one submission, named by its number: a decision on an item that is
//!   not `done`, or was submitted again since the reviewer saw it, is refused, never applied to
//!   the newer submission;
//! - a claim, submit or review in a closed queue is refused; closing twice is a no-op.

use trove_protocol::queue::{QueueEntry, QueueError, QueueStatus};

/// An item as a queue sees it: whether it is a live member of the source collection, and its
/// entry if it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen<I> {
    pub item: I,
    pub member: bool,
    pub entry: Option<QueueEntry>,
}

impl<I> Seen<I> {
    /// The item's status, or `None` when it is not in the queue (it left the collection and its
    /// entry is not history).
    pub fn status(&self) -> Option<QueueStatus> {
        match (&self.entry, self.member) {
            (Some(e), true) => Some(e.status),
            (None, true) => Some(QueueStatus::Pending),
            (Some(e), false) if e.status.kept_after_removal() => Some(e.status),
            _ => None,
        }
    }
}

/// The entry after `me` claims the item, or `None` when it is not theirs to take.
pub fn claim<I>(seen: &Seen<I>, me: &str) -> Option<QueueEntry> {
    match seen.status()? {
        QueueStatus::Pending => {
            let mut e = seen.entry.clone().unwrap_or_else(QueueEntry::pending);
            e.status = QueueStatus::Annotating;
            e.annotator = Some(me.to_string());
            Some(e)
        }
        _ => None,
    }
}

/// The entry after `me` submits the item, or why not.
pub fn submit<I>(seen: &Seen<I>, me: &str, queue: &str) -> Result<QueueEntry, QueueError> {
    let status = seen.status().ok_or_else(|| QueueError::NotInQueue { queue: queue.to_string() })?;
    let base = seen.entry.clone().unwrap_or_else(QueueEntry::pending);
    let holder = base.annotator.as_deref();
    let mine = holder == Some(me);
    match status {
        QueueStatus::Pending => {}
        QueueStatus::Annotating | QueueStatus::Rejected if mine => {}
        other => {
            return Err(QueueError::Taken { by: holder.unwrap_or("somebody").to_string(), status: other.as_str() });
        }
    }
    Ok(QueueEntry {
        status: QueueStatus::Done,
        annotator: Some(me.to_string()),
        submission: base.submission.saturating_add(1),
        comment: base.comment,
        reviewer: base.reviewer,
    })
}

/// The entry after `me` accepts (`accept`) or rejects submission `seen_submission`, or why not.
pub fn review<I>(seen: &Seen<I>, seen_submission: u32, accept: bool, comment: &str, me: &str, queue: &str) -> Result<QueueEntry, QueueError> {
    let status = seen.status().ok_or_else(|| QueueError::NotInQueue { queue: queue.to_string() })?;
    let base = seen.entry.clone().unwrap_or_else(QueueEntry::pending);
    if status != QueueStatus::Done {
        return Err(QueueError::NotSubmitted { status: status.as_str() });
    }
    if base.submission != seen_submission {
        return Err(QueueError::Stale { seen: seen_submission, now: base.submission });
    }
    Ok(QueueEntry {
        status: if accept { QueueStatus::Accepted } else { QueueStatus::Rejected },
        annotator: base.annotator,
        submission: base.submission,
        comment: comment.to_string(),
        reviewer: Some(me.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(member: bool, status: Option<QueueStatus>, by: Option<&str>, n: u32) -> Seen<u32> {
        Seen {
            item: 1,
            member,
            entry: status.map(|s| QueueEntry { status: s, annotator: by.map(str::to_string), submission: n, comment: String::new(), reviewer: None }),
        }
    }

    #[test]
    fn an_item_is_in_the_queue_while_a_member_and_afterwards_only_as_history() {
        assert_eq!(seen(true, None, None, 0).status(), Some(QueueStatus::Pending));
        assert_eq!(seen(false, None, None, 0).status(), None);
        assert_eq!(seen(false, Some(QueueStatus::Annotating), Some("a"), 0).status(), None, "a claim is not history");
        assert_eq!(seen(false, Some(QueueStatus::Done), Some("a"), 1).status(), Some(QueueStatus::Done));
    }

    #[test]
    fn claims_take_only_pending_members() {
        let e = claim(&seen(true, None, None, 0), "ann").unwrap();
        assert_eq!((e.status, e.annotator.as_deref()), (QueueStatus::Annotating, Some("ann")));
        assert_eq!(claim(&seen(true, Some(QueueStatus::Annotating), Some("bob"), 0), "ann"), None);
        assert_eq!(claim(&seen(true, Some(QueueStatus::Done), Some("bob"), 1), "ann"), None);
        assert_eq!(claim(&seen(false, None, None, 0), "ann"), None);
    }

    #[test]
    fn the_first_submission_wins_and_the_second_is_refused_naming_the_holder() {
        let first = submit(&seen(true, None, None, 0), "ann", "q").unwrap();
        assert_eq!((first.status, first.submission), (QueueStatus::Done, 1));
        let err = submit(&seen(true, Some(QueueStatus::Done), Some("ann"), 1), "bob", "q").unwrap_err();
        assert_eq!(err.to_string(), "ann has this item (done); your submission was not applied");
        assert!(submit(&seen(true, Some(QueueStatus::Annotating), Some("ann"), 0), "bob", "q").is_err());
        // The holder may submit what they claimed, and again after a rejection.
        assert!(submit(&seen(true, Some(QueueStatus::Annotating), Some("ann"), 0), "ann", "q").is_ok());
        let again = submit(&seen(false, Some(QueueStatus::Rejected), Some("ann"), 1), "ann", "q").unwrap();
        assert_eq!(again.submission, 2);
        assert!(submit(&seen(true, Some(QueueStatus::Accepted), Some("ann"), 1), "ann", "q").is_err());
        assert!(matches!(submit(&seen(false, None, None, 0), "ann", "q"), Err(QueueError::NotInQueue { .. })));
    }

    #[test]
    fn a_review_decides_only_the_submission_it_saw() {
        let ok = review(&seen(true, Some(QueueStatus::Done), Some("ann"), 2), 2, false, "blurry", "rev", "q").unwrap();
        assert_eq!((ok.status, ok.comment.as_str(), ok.annotator.as_deref()), (QueueStatus::Rejected, "blurry", Some("ann")));
        assert_eq!(
            review(&seen(true, Some(QueueStatus::Done), Some("ann"), 3), 2, true, "", "rev", "q").unwrap_err(),
            QueueError::Stale { seen: 2, now: 3 }
        );
        assert!(matches!(review(&seen(true, None, None, 0), 0, true, "", "rev", "q"), Err(QueueError::NotSubmitted { status: "pending" })));
        assert!(review(&seen(true, Some(QueueStatus::Accepted), Some("ann"), 1), 1, true, "", "rev", "q").is_err());
    }
}
