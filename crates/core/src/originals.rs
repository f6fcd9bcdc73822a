//! The original file of an item, for "Open original" and "Show in folder". Only an item this app
//! imported into a local project has one it may open: a server's copy names paths (`file:…`) that
//! some other computer, or someone else, chose, and opening one would run whatever that path is.

use std::path::PathBuf;

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
    let local = content.is_some() && !crate::registry::is_synced(conn, project)?;
    let path = source.strip_prefix("file:").map(PathBuf::from).filter(|p| local && p.is_absolute());
    let Some(path) = path else {
        return Err(Error::Invalid(format!("{} has no original file on this computer", trove_protocol::rules::quote(&name))));
    };
    if !path.is_file() {
        return Err(Error::Invalid(format!("the original of {} is no longer at {}", trove_protocol::rules::quote(&name), path.display())));
    }
    Ok(path)
}

/// [`path`] when there is one, for the detail panel's buttons.
pub fn shown(conn: &Connection, project: i64, item: i64) -> Result<Option<String>> {
    match path(conn, project, item) {
        Ok(p) => Ok(Some(p.display().to_string())),
        Err(Error::Invalid(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

impl crate::Store {
    pub fn original(&self, project: i64, item: i64) -> Result<PathBuf> {
        self.read(|c| path(c, project, item))
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
