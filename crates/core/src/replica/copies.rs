//! What the app and the sync engine ask of the copies: which local project is a downloaded copy
//! of a server project, and which thumbnails a copy names (for "Make available offline").

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;

/// Which copy [`downloaded`] looks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CopyOf<'a> {
    /// The server project with this UUID.
    Uuid(&'a str),
    /// A project named so (`namespace/name` or `name`: the name's last part is compared).
    Name(&'a str),
}

/// The local project that is a downloaded copy of a server project: one whose download finished
/// once (an interrupted first download is no copy, and is not opened offline).
pub fn downloaded(conn: &Connection, of: CopyOf<'_>) -> Result<Option<i64>> {
    let (uuid, name) = match of {
        CopyOf::Uuid(uuid) => (Some(uuid), None),
        CopyOf::Name(name) => (None, Some(name.rsplit('/').next().unwrap_or(name))),
    };
    Ok(conn
        .prepare_cached(
            "SELECT p.id FROM projects p JOIN sync_projects s ON s.project_id = p.id \
             WHERE s.synced_at IS NOT NULL AND (p.uuid = ?1 OR p.name = ?2) ORDER BY p.id LIMIT 1",
        )?
        .query_row(rusqlite::params![uuid, name], |r| r.get(0))
        .optional()?)
}

/// The thumbnails the items of `project` name, each once.
pub fn thumbnails(conn: &Connection, project: i64) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT DISTINCT thumb FROM items WHERE project_id = ?1 AND thumb IS NOT NULL")?;
    let rows = stmt.query_map([project], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
    Ok(rows)
}

impl crate::Store {
    /// See [`downloaded`].
    pub fn downloaded_copy(&self, of: CopyOf<'_>) -> Result<Option<i64>> {
        self.read(|c| downloaded(c, of))
    }

    /// See [`thumbnails`].
    pub fn thumbnails_of(&self, project: i64) -> Result<Vec<String>> {
        self.read(|c| thumbnails(c, project))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replica::{attach, RemoteProject};
    use crate::testing::fixture;

    #[test]
    fn a_copy_counts_as_downloaded_once_its_download_finished() {
        let f = fixture();
        let remote = RemoteProject {
            uuid: "u-street".into(),
            name: "Street photos".into(),
            kind: trove_protocol::ProjectKind::Image,
            description: String::new(),
            server: "http://server.test".into(),
            namespace: "acme".into(),
            role: "editor".into(),
        };
        let id = f.store.write(|tx| attach(tx, &remote)).unwrap();
        let find = |of| f.store.downloaded_copy(of).unwrap();
        assert_eq!(find(CopyOf::Uuid("u-street")), None, "attached, but nothing arrived yet");
        assert_eq!(find(CopyOf::Name("acme/Street photos")), None);
        f.store.write(|tx| Ok(tx.execute("UPDATE sync_projects SET synced_at = 1 WHERE project_id = ?1", [id])?)).unwrap();
        assert_eq!(find(CopyOf::Uuid("u-street")), Some(id));
        assert_eq!(find(CopyOf::Name("acme/Street photos")), Some(id));
        assert_eq!(find(CopyOf::Name("Street photos")), Some(id));
        assert_eq!(find(CopyOf::Name("Q")), None, "a local project is no copy");
        assert_eq!(find(CopyOf::Uuid("u-other")), None);
    }

    #[test]
    fn a_copy_names_each_thumbnail_once() {
        let f = fixture();
        f.store
            .write(|tx| Ok(tx.execute("UPDATE items SET thumb = CASE WHEN id < 3 THEN 'aa' WHEN id < 5 THEN 'bb' END", [])?))
            .unwrap();
        let mut thumbs = f.store.thumbnails_of(f.p).unwrap();
        thumbs.sort();
        assert_eq!(thumbs, ["aa", "bb"]);
        assert!(f.store.thumbnails_of(f.q).unwrap().is_empty());
    }
}
