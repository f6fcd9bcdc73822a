//! `trove-rulebook`: the one place that decides what a mutation does.
//!
//! Both replicas of a project change it through here: trove-server when it applies a pushed
//! mutation (and when a REST call adds or removes items), the app's cache when a user acts and
//! when it replays its pending mutations on top of a pulled page. Each implements
//! [`ReplicaStore`] over its own schema — the storage primitives, and the authority checks that
//! only the server can make — and [`apply`] decides, in one piece of code:
//!
//! - the bounds a mutation must keep before anything happens (`Mutation::check`): one that fails
//!   changes nothing, anywhere;
//! - delete wins: every mutation against a deleted collection is a no-op;
//! - creates are idempotent: a collection that exists is left as it is;
//! - collection fields are last-writer-wins in the order mutations are applied;
//! - memberships are a causal-length set ([`cl`], [`members::plan`]): a pair's length merges by
//!   maximum, the row exists exactly when it is odd, the first place of an item named twice
//!   counts, a new row takes the key the client chose;
//! - a note or a move changes only a membership that exists; a collection is touched only when
//!   a mutation changed it;
//! - a tag or an untag changes the item, and so its `updated_at`, only when its tag set changes;
//! - saved views are created once, their fields are last-writer-wins and delete wins, as a
//!   collection's;
//! - labeling queues follow their collection live, and each item's status moves only as
//!   [`queues`] allows (the first submission wins, a stale review is refused).
//!
//! This crate does no I/O and knows no schema.

pub mod cl;
pub mod members;
pub mod queues;
mod apply;

pub use apply::{apply, merge_pairs, merge_set, set_tags, NewCollection, NewQueue, NewView, QueueState, Ranked, ReplicaStore};
pub use queues::Seen;
pub use members::{PairState, Plan};
