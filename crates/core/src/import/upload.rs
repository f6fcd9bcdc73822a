//! "Import folder…" into a copy of a server project: where the files go ([`Destination`]), and
//! how a batch becomes an `import_items` mutation, applied to the copy by the rulebook and queued
//! in the outbox in one transaction with the files' places on this computer (`import_files`).

use rusqlite::{Connection, OptionalExtension};
use trove_protocol::mutation::ImportedItem;
use trove_protocol::Mutation;

use super::{dataset_id, Importer, Known, Staged, Tally};
use crate::cache::CacheReplica;
use crate::db::{now_ms, Store};
use crate::error::Result;
use crate::outbox;

/// Where an import's files go.
pub(super) enum Destination {
    /// A dataset of a local project, written directly.
    Local { project: i64, dataset: i64 },
    /// A copy of a server project: through `import_items` mutations.
    Synced(Upload),
}

/// The dataset of a synced project an import goes into (made by its first mutation if new).
pub(super) struct Upload {
    /// The project's id in the cache and its UUID.
    pub(super) id: i64,
    pub(super) project: String,
    pub(super) dataset: String,
    pub(super) name: String,
    /// The dataset's id if it exists already.
    pub(super) existing: Option<i64>,
}

impl Destination {
    pub(super) fn choose(c: &Connection, project: i64, name: &str) -> Result<Destination> {
        if !crate::registry::is_synced(c, project)? {
            return Ok(Destination::Local { project, dataset: dataset_id(c, project, name)? });
        }
        let uuid: String = c.query_row("SELECT uuid FROM projects WHERE id = ?1", [project], |r| r.get(0))?;
        let existing: Option<(i64, String)> = c
            .query_row("SELECT id, uuid FROM datasets WHERE project_id = ?1 AND name = ?2", rusqlite::params![project, name], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(Destination::Synced(Upload {
            id: project,
            project: uuid,
            dataset: existing.as_ref().map(|(_, u)| u.clone()).unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            name: name.to_string(),
            existing: existing.map(|(id, _)| id),
        }))
    }

    pub(super) fn dataset(&self) -> Option<i64> {
        match self {
            Destination::Local { dataset, .. } => Some(*dataset),
            Destination::Synced(u) => u.existing,
        }
    }
}

impl Importer {
    /// [`write`](Self::write) for a copy of a server project: the files become one
    /// `import_items` mutation, applied to the copy by the rulebook and queued in the outbox in
    /// the same transaction; the sync engine uploads their thumbnails and pushes it. A file whose
    /// name is an item of the dataset updates that item (by its UUID), on every replica.
    pub(super) fn upload(&self, store: &Store, into: &Upload, staged: Vec<Staged<'_>>, known: &mut Known, tally: &mut Tally) -> Result<()> {
        let mut rows = Vec::new();
        for (file, scanned, thumb) in staged {
            let item = known.by_name.get(&file.name).map(|(.., uuid)| uuid.clone()).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            let now = now_ms();
            let imported = ImportedItem {
                item,
                name: file.name.clone(),
                kind: scanned.kind,
                mime: scanned.mime.clone(),
                width: scanned.width,
                height: scanned.height,
                size: scanned.size,
                created_at: scanned.modified.unwrap_or(now),
                thumb,
                content: scanned.content.clone(),
            };
            rows.push((file, imported, scanned.size));
        }
        if rows.is_empty() {
            return Ok(());
        }
        let m = Mutation::ImportItems {
            project: into.project.clone(),
            dataset: into.dataset.clone(),
            dataset_name: into.name.clone(),
            items: rows.iter().map(|(_, i, _)| i.clone()).collect(),
        };
        let project = into.id;
        store.write(|tx| {
            trove_rulebook::apply(&m, &mut CacheReplica::new(tx, project, "")?)?;
            outbox::append(tx, project, &m)?;
            let mut file_of = tx.prepare_cached(
                "INSERT OR REPLACE INTO import_files (item, project_id, path, content, size) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (file, i, size) in &rows {
                file_of.execute(rusqlite::params![i.item, project, file.path.display().to_string(), i.content, *size as i64])?;
            }
            Ok(())
        })?;
        known.wrote(rows.into_iter().map(|(file, i, _)| (file, i.content)), tally);
        Ok(())
    }
}
