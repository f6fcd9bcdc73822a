//! `trove-core`: Trove's domain logic over the local SQLite cache.
//!
//! A [`Store`] is one cache: the database (WAL, embedded forward-only migrations) and the
//! content-addressed thumbnail directory. Reads go through [`Store::read`], every user action
//! through [`Store::write`] — one transaction that makes the change *and* appends its
//! intent-level mutation to the outbox, so a failed action leaves neither.
//!
//! Modules are named after the domain: [`filters`] (the typed filter compiled to SQL),
//! [`selection`], [`items`], [`collections`], [`members`], [`tags`], [`queues`], [`outbox`],
//! [`thumbs`], [`demo`]. This crate knows nothing of Tauri, HTTP or the UI; wire types come from
//! `trove-protocol`.

mod cache;
pub mod changelog;
pub mod collections;
mod db;
pub mod deferred;
pub mod demo;
pub mod dupes;
pub mod export;
mod error;
mod facts;
pub mod filters;
pub mod import;
pub mod items;
pub mod links;
pub mod members;
pub mod meta;
pub mod originals;
pub mod outbox;
pub mod projects;
pub mod queues;
mod registry;
pub mod replica;
pub mod selection;
pub mod tags;
mod tags_text;
pub mod thumbs;
pub mod views;
mod history;
mod undo;

pub use db::{now_ms, Pool, Store, SYNCHRONOUS};
pub use error::{Error, Result};
pub use trove_protocol as protocol;

#[cfg(test)]
mod testing;
