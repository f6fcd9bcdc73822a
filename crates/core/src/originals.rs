//! The original file of an item, for "Open original" and "Show in folder". Only an item this app
//! imported has one it may open: into a local project (its `source` is the path), or into a copy
//! of a server project (the path is kept on this computer only, `import_files`). A server's copy
//! otherwise names paths (`file:…`) that some other computer, or someone else, chose, and
//! opening one would run whatever that path is.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension};

use crate::error::{Error, Result};

/// The item's original file, if the app may open it and it is there.
pub fn path(conn: &Connection, project: i64, item: i64) -> Result<PathBuf> {
    let row: Option<(String, Option<String>, String)> = conn
        .query_row(
            "SELECT source, content, name FROM items WHERE id = ?1 AND project_id = ?2",
            [item, project],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((source, content, name)) = row else { return Err(Error::NotFound { what: "item", id: item }) };
    let path = if crate::registry::is_synced(conn, project)? {
        imported_here(conn, item)?.map(PathBuf::from)
    } else {
        source.strip_prefix("file:").map(PathBuf::from).filter(|p| content.is_some() && p.is_absolute())
    };
    let Some(path) = path else {
        return Err(Error::Invalid(format!("{} has no original file on this computer", trove_protocol::rules::quote(&name))));
    };
    if !path.is_file() {
        return Err(Error::Invalid(format!("the original of {} is no longer at {}", trove_protocol::rules::quote(&name), path.display())));
    }
    Ok(path)
}

/// Where the item's file was imported from on this computer, if it was (a synced project).
fn imported_here(conn: &Connection, item: i64) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT f.path FROM import_files f JOIN items i ON i.uuid = f.item WHERE i.id = ?1", [item], |r| r.get(0))
        .optional()?)
}

/// What the detail panel offers: the original's path on this computer (imported here, or
/// downloaded into `downloads` before), else whether it may be downloaded from the server.
pub fn shown(conn: &Connection, downloads: &Path, project: i64, item: i64) -> Result<(Option<String>, bool)> {
    match path(conn, project, item) {
        Ok(p) => Ok((Some(p.display().to_string()), false)),
        Err(Error::Invalid(_)) => match on_server(conn, downloads, project, item)? {
            Some(r) if r.dest.is_file() => Ok((Some(r.dest.display().to_string()), false)),
            Some(_) => Ok((None, true)),
            None => Ok((None, false)),
        },
        Err(e) => Err(e),
    }
}

/// An original the server may hold: an imported file (it has a content hash) of a copy of a
/// server project, and where this computer keeps it once downloaded.
#[derive(Debug, Clone, PartialEq)]
pub struct OnServer {
    /// The project's UUID.
    pub project: String,
    pub content: String,
    /// `<downloads>/<content[..2]>/<content>`.
    pub dest: PathBuf,
    /// The item's name, for messages.
    pub name: String,
}

fn on_server(conn: &Connection, downloads: &Path, project: i64, item: i64) -> Result<Option<OnServer>> {
    if !crate::registry::is_synced(conn, project)? {
        return Ok(None);
    }
    let row: Option<(String, Option<String>, String)> = conn
        .query_row(
            "SELECT p.uuid, i.content, i.name FROM items i JOIN projects p ON p.id = i.project_id WHERE i.id = ?1 AND i.project_id = ?2",
            [item, project],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(match row {
        Some((project, Some(content), name)) if trove_protocol::rules::sha256("content", &content).is_ok() => {
            let dest = downloads.join(&content[..2]).join(&content);
            Some(OnServer { project, content, dest, name })
        }
        _ => None,
    })
}

/// A file imported into a copy of a server project whose original waits to be uploaded.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitingOriginal {
    /// The item's UUID.
    pub item: String,
    /// The project's UUID.
    pub project: String,
    pub path: PathBuf,
    pub content: String,
    pub size: u64,
}

impl crate::Store {
    /// Where downloaded originals are kept: `originals/` beside the cache's database.
    pub fn downloads(&self) -> PathBuf {
        self.path().parent().unwrap_or(Path::new(".")).join("originals")
    }

    /// The item's original on this computer: imported here, or downloaded before.
    pub fn original(&self, project: i64, item: i64) -> Result<PathBuf> {
        let downloads = self.downloads();
        self.read(|c| match path(c, project, item) {
            Err(Error::Invalid(why)) => match on_server(c, &downloads, project, item)? {
                Some(r) if r.dest.is_file() => Ok(r.dest),
                _ => Err(Error::Invalid(why)),
            },
            other => other,
        })
    }

    /// The item's original to download from the server, if it is an imported file of a server
    /// project that is not on this computer.
    pub fn original_on_server(&self, project: i64, item: i64) -> Result<Option<OnServer>> {
        let downloads = self.downloads();
        self.read(|c| on_server(c, &downloads, project, item))
    }

    /// Up to `limit` originals waiting to be uploaded ("Upload originals"), oldest import first,
    /// each for an item that still shows the content it was imported with.
    pub fn waiting_originals(&self, limit: u32) -> Result<Vec<WaitingOriginal>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT f.item, p.uuid, f.path, f.content, f.size FROM import_files f \
                 JOIN projects p ON p.id = f.project_id JOIN items i ON i.uuid = f.item AND i.content = f.content \
                 WHERE f.uploaded = 0 ORDER BY f.rowid LIMIT ?1",
            )?;
            let rows = stmt
                .query_map([limit], |r| {
                    Ok(WaitingOriginal {
                        item: r.get(0)?,
                        project: r.get(1)?,
                        path: PathBuf::from(r.get::<_, String>(2)?),
                        content: r.get(3)?,
                        size: r.get::<_, i64>(4)? as u64,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    /// Records an upload's end: on the server (`Ok`), or given up with the reason (`Err`).
    pub fn original_uploaded(&self, item: &str, outcome: std::result::Result<(), String>) -> Result<()> {
        let (state, failure) = match outcome {
            Ok(()) => (1, None),
            Err(why) => (2, Some(why)),
        };
        self.write(|tx| {
            tx.execute("UPDATE import_files SET uploaded = ?2, failure = ?3 WHERE item = ?1", rusqlite::params![item, state, failure])?;
            Ok(())
        })
    }

    /// How many originals wait to be uploaded.
    pub fn originals_waiting(&self) -> Result<u64> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM import_files f JOIN items i ON i.uuid = f.item AND i.content = f.content WHERE f.uploaded = 0",
                [],
                |r| r.get::<_, i64>(0),
            )? as u64)
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::import::Importer;
    use crate::testing::fixture;

    #[test]
    fn only_an_imported_file_of_a_local_project_is_opened_and_only_while_it_is_there() {
        let f = fixture();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("pictures");
        trove_import::fixture::write(&root, &dir.path().join("outside"));
        let importer = Importer::default();
        let plan = importer.begin(&f.store, f.q, &root.display().to_string(), None).unwrap();
        importer.run(&f.store, &plan);
        let id = |name: &str| -> i64 { f.store.read(|c| Ok(c.query_row("SELECT id FROM items WHERE name = ?1 AND project_id = ?2", rusqlite::params![name, f.q], |r| r.get(0))?)).unwrap() };
        let photo = id("photo.jpg");
        let expected = std::fs::canonicalize(&root).unwrap().join("photo.jpg");
        assert_eq!(f.store.original(f.q, photo).unwrap(), expected);
        assert_eq!(f.store.item(f.q, photo).unwrap().original, Some(expected.display().to_string()));

        // Q's own item came from elsewhere; P is a server's copy whose item names a local path.
        assert_eq!(f.store.original(f.q, 6).unwrap_err().to_string(), "\"alpha.jpg\" has no original file on this computer");
        assert_eq!(f.store.item(f.q, 6).unwrap().original, None);
        f.store.write(|tx| Ok(tx.execute("UPDATE items SET source = 'file:/etc/passwd', content = 'x' WHERE id = 1", [])?)).unwrap();
        assert_eq!(f.store.original(f.p, 1).unwrap_err().to_string(), "\"alpha.jpg\" has no original file on this computer");
        assert_eq!(f.store.original(f.q, 1).unwrap_err().to_string(), "item 1 does not exist", "not an item of Q");

        std::fs::remove_file(&expected).unwrap();
        let gone = f.store.original(f.q, photo).unwrap_err().to_string();
        assert_eq!(gone, format!("the original of \"photo.jpg\" is no longer at {}", expected.display()));
        assert_eq!(f.store.item(f.q, photo).unwrap().original, None);
    }
}
