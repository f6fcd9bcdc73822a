//! Pruning: forgetting causal history older than a window, so that it does not grow forever.
//!
//! Tombstones of collections deleted for good and the clocks of removed memberships (even
//! causal lengths) exist only so that a client which has not pulled since the removal learns
//! of it. `trove-server prune --older-than-days N` (and `serve`, at start and every 24 h, with
//! `--prune-days`) deletes those that last changed more than N days ago.
//!
//! What that forgets, and why it is safe: the server no longer knows that those removals
//! happened, so a client whose cookie is older than one of them (in practice, one that has not
//! pulled for more than N days) could never learn of it. Such a client's next pull answers
//! `reset` (its cookie is below the `pruned` mark, the highest version a prune removed): it
//! drops its synced copy and downloads the current state, and keeps its pending mutations,
//! which it pushes as usual. Those are then applied against the shorter history: a stale add of
//! a pair whose removal was forgotten adds the item again, as an add of an item that was never
//! in the collection would. A client that pulled within the window loses nothing.

use crate::db::Transaction;

use crate::error::Result;
use crate::store::now_ms;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// What one prune removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pruned {
    /// The window: rows last changed more than this many days ago were removed.
    pub older_than_days: u32,
    /// Tombstones of collections deleted for good.
    pub tombstones: usize,
    /// Clocks of removed memberships.
    pub clocks: usize,
    /// Records of refused mutations (their reasons were reported long ago).
    pub refusals: usize,
    /// Changes of the collections' history (`store::history`), kept as long as tombstones.
    pub history: usize,
    /// The highest version any prune removed so far: a pull from a cookie below it is a reset.
    pub mark: i64,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl std::fmt::Display for Pruned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let days = if self.older_than_days == 1 { "1 day".to_string() } else { format!("{} days", self.older_than_days) };
        if self.tombstones == 0 && self.clocks == 0 && self.refusals == 0 && self.history == 0 {
            return write!(f, "nothing to prune: no tombstone, removed membership, refused change or collection history last changed more than {days} ago");
        }
        let history = plural(self.history, "change of a collection's history", "changes of collections' history");
        if self.tombstones == 0 && self.clocks == 0 {
            return write!(
                f,
                "removed {} and {history} older than {days}",
                plural(self.refusals, "record of a refused change", "records of refused changes")
            );
        }
        write!(
            f,
            "removed {} and {} last changed more than {days} ago; a client whose last pull is older than version {} is reset on its next pull",
            plural(self.tombstones, "tombstone of a deleted collection", "tombstones of deleted collections"),
            plural(self.clocks, "clock of a removed membership", "clocks of removed memberships"),
            self.mark
        )?;
        if self.refusals > 0 {
            write!(f, "; also removed {}", plural(self.refusals, "record of a refused change", "records of refused changes"))?;
        }
        if self.history > 0 {
            write!(f, "; also removed {history}")?;
        }
        Ok(())
    }
}

/// Deletes the tombstones, the clocks of removed memberships and the records of refused
/// mutations that last changed more than
/// `older_than_days` days ago (0: all of them), and raises the `pruned` mark to the highest
/// version removed (a raise also starts a new prune epoch, which ends full downloads begun
/// before it). One transaction: pulls see the rows and the mark change together.
pub fn prune(tx: &Transaction, older_than_days: u32) -> Result<Pruned> {
    let cutoff = now_ms() - i64::from(older_than_days) * DAY_MS;
    let highest: i64 = tx.query_row(
        "SELECT max(coalesce((SELECT max(version) FROM tombstones WHERE changed_at <= ?1), 0), \
                    coalesce((SELECT max(version) FROM membership_clocks WHERE cl % 2 = 0 AND changed_at <= ?1), 0))",
        [cutoff],
        |r| r.get(0),
    )?;
    let tombstones = tx.execute("DELETE FROM tombstones WHERE changed_at <= ?1", [cutoff])?;
    let clocks = tx.execute("DELETE FROM membership_clocks WHERE cl % 2 = 0 AND changed_at <= ?1", [cutoff])?;
    // A refusal is repeated to a client that lost the push answer; after the window it has long
    // learned it, and the record only fills the disk.
    let refusals = tx.execute("DELETE FROM rejected_mutations WHERE created_at <= ?1", [cutoff])?;
    // A collection's history is kept as long as the sync history it sits beside: one window to
    // document and to reason about (README, "Sync history").
    let history = crate::store::history::prune(tx, cutoff)?;
    let before: i64 = tx.query_row("SELECT value FROM counters WHERE name = 'pruned'", [], |r| r.get(0))?;
    if highest > before {
        tx.execute("UPDATE counters SET value = ?1 WHERE name = 'pruned'", [highest])?;
        tx.execute("UPDATE counters SET value = value + 1 WHERE name = 'prune_epoch'", [])?;
    }
    Ok(Pruned { older_than_days, tombstones, clocks, refusals, history, mark: before.max(highest) })
}
