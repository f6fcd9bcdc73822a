//! Filling a server without the app, from the command line: a folder of images
//! ([`import_folder`]), a JSON list of Hub items ([`import_hub`]), and the demo projects the
//! desktop app generates ([`demo`]). Each writes through the same `store` functions as the API
//! (the demo's collection through the same access rules), into the server's own schema, and
//! answers with a one-line report for a person.
//!
//! Heavy work (reading and decoding files, drawing thumbnails) happens outside any
//! transaction; the inserts go in batches, each one transaction.

mod demo;
mod folder;
pub(crate) mod hub;

pub use demo::demo;
pub use folder::import_folder;
pub use hub::import_hub;

use crate::db::{Connection, Transaction};
use trove_protocol::ProjectKind;

use crate::error::{Error, Result};
use crate::store::{accounts, projects};

/// The id of namespace `name`.
fn namespace(conn: &Connection, name: &str) -> Result<i64> {
    accounts::namespace_id(conn, name)?.ok_or_else(|| {
        Error::NotFound(format!("namespace {name:?} does not exist; create it with `trove-server user add USER --org {name}`"))
    })
}

/// The project `name` of namespace `ns` (named `ns_name`), created with `kind` if new; an
/// existing one must be of that kind. A new Hub project becomes the namespace's Hub project
/// (the one the Hugging Face compatible API adds to) when the namespace has none yet.
fn ensure_project(tx: &Transaction, ns: i64, ns_name: &str, name: &str, kind: ProjectKind, description: &str) -> Result<i64> {
    let name = projects::check_name("project", name)?;
    if let Some(id) = projects::find(tx, ns_name, &name)? {
        let found = projects::kind(tx, id)?;
        if found != kind {
            return Err(Error::Invalid(format!(
                "project \"{ns_name}/{name}\" holds {} items; this import needs a {} project, so choose another project name",
                found.as_str(),
                kind.as_str()
            )));
        }
        return Ok(id);
    }
    let is_hub = kind == ProjectKind::Hub && !projects::has_hub(tx, ns)?;
    projects::insert(tx, ns, &name, kind, description, is_hub)
}

/// `n` and its noun: `1 image`, `12 images`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Up to ten names, then how many more.
fn names(list: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut out = list.iter().take(SHOWN).cloned().collect::<Vec<_>>().join(", ");
    if list.len() > SHOWN {
        out.push_str(&format!(" and {} more", list.len() - SHOWN));
    }
    out
}

#[cfg(test)]
pub(crate) mod testing {
    use trove_protocol::api::Role;

    use crate::store::accounts;
    use crate::{AppState, Limits};

    /// A fresh server in its own directory with the admin, and `alice` as admin of org `lab`
    /// and `bob` as its viewer.
    pub fn server() -> (tempfile::TempDir, AppState) {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::open(&dir.path().join("data"), Limits::default()).unwrap();
        state
            .db
            .write(|tx| {
                accounts::ensure_admin(tx)?;
                accounts::add_user(tx, "alice", Some("lab"), Role::Admin, false)?;
                accounts::add_user(tx, "bob", Some("lab"), Role::Viewer, false)
            })
            .unwrap();
        (dir, state)
    }
}
