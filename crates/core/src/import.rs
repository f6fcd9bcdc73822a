//! "Import folder…": the pictures and videos of a folder become a dataset of an image project:
//! a local one, written directly, or a copy of a server project, where each batch is one
//! `import_items` mutation (the rulebook applies it to the copy; the sync engine uploads its
//! thumbnails and pushes it, so the upload survives a restart or a lost connection like any
//! pending change).
//! Which files and what each one is, `trove-import` decides (shared with the server's folder
//! import); this module keeps the run's [`ImportStatus`], writes the items in batches (each a
//! transaction, so the gallery shows them as they come and a crash or a cancel keeps what is
//! done), and decides what a file is to the dataset: new, changed (its item is updated in
//! place, keeping its collections, tags and notes), unchanged, or a copy of another file of
//! this run.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension};
use trove_import::{Found, Outcome, Scanned};
use trove_protocol::import::{FileFailure, ImportState, ImportStatus, FAILURES_LISTED};
use trove_protocol::ProjectKind;

use crate::db::{now_ms, Store};
use crate::error::{Error, Result};

/// Files read (on every core) and then written in one transaction.
const BATCH: usize = 96;

/// What an import was asked to do, checked before it starts.
#[derive(Debug, Clone)]
pub struct Plan {
    pub project: i64,
    pub root: PathBuf,
    pub dataset: String,
}

/// The app's one import at a time: its status, read by the window while it runs, and its
/// cancel switch.
#[derive(Default)]
pub struct Importer {
    status: Mutex<ImportStatus>,
    cancel: AtomicBool,
}

impl Importer {
    pub fn status(&self) -> ImportStatus {
        self.lock().clone()
    }

    /// Asks the running import to stop after the files it is reading; what is done is kept.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ImportStatus> {
        self.status.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Checks the request (the folder, the project, the dataset's name) and claims the importer
    /// for it: an error, and nothing claimed, when another import is running or the request
    /// cannot be done.
    pub fn begin(&self, store: &Store, project: i64, folder: &str, dataset: Option<&str>) -> Result<Plan> {
        let root = trove_import::folder(Path::new(folder.trim())).map_err(|e| Error::Invalid(e.to_string()))?;
        let default_name = root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "Imported".into());
        let dataset = trove_protocol::rules::name("dataset", dataset.filter(|d| !d.trim().is_empty()).unwrap_or(&default_name))?;
        store.read(|c| importable(c, project))?;
        let mut status = self.lock();
        if status.state == ImportState::Running {
            return Err(Error::Invalid(format!("an import of {} is running; wait for it or cancel it first", trove_protocol::rules::quote(&status.folder))));
        }
        self.cancel.store(false, Ordering::Relaxed);
        *status = ImportStatus {
            state: ImportState::Running,
            project_id: project,
            dataset: dataset.clone(),
            folder: root.display().to_string(),
            message: format!("Looking for pictures in {}…", root.display()),
            ..ImportStatus::default()
        };
        Ok(Plan { project, root, dataset })
    }

    /// Runs a [`begin`](Self::begin)ed import to its end (blocking: call it off the UI's
    /// thread) and leaves its outcome in the status.
    pub fn run(&self, store: &Store, plan: &Plan) {
        self.run_with(store, plan, &|| {})
    }

    /// [`run`](Self::run), calling `written` after each batch written (the app wakes its sync
    /// task there, so a synced project's upload starts while the import goes on).
    pub fn run_with(&self, store: &Store, plan: &Plan, written: &dyn Fn()) {
        let end = match self.import(store, plan, written) {
            Ok(()) if self.cancel.load(Ordering::Relaxed) => (ImportState::Cancelled, None),
            Ok(()) => (ImportState::Done, None),
            Err(e) => {
                tracing::error!(error = %e, folder = %plan.root.display(), "an import failed");
                (ImportState::Failed, Some(format!("The import stopped: {e}. What was imported before is kept.")))
            }
        };
        let mut status = self.lock();
        status.state = end.0;
        status.message = end.1.unwrap_or_else(|| summary(&status));
    }

    fn import(&self, store: &Store, plan: &Plan, written: &dyn Fn()) -> Result<()> {
        let walk = trove_import::walk(&plan.root);
        {
            let mut status = self.lock();
            status.found = walk.files.len() as u64;
            status.ignored = (walk.hidden + walk.other) as u64;
            status.skipped = walk.outside.iter().map(|n| format!("{n}: a link to outside the folder, not followed")).collect();
            status.skipped.extend(walk.unreadable.iter().map(|(n, why)| format!("{n}: {why}")));
            status.message = format!("Importing {} files…", walk.files.len());
        }
        let into = store.write(|tx| Destination::choose(tx, plan.project, &plan.dataset))?;
        let mut known = match into.dataset() {
            Some(d) => store.read(|c| Known::read(c, d))?,
            None => Known::default(),
        };
        let mut seen: HashSet<String> = HashSet::new();
        for batch in walk.files.chunks(BATCH) {
            if self.cancel.load(Ordering::Relaxed) {
                break;
            }
            let have = |content: &str| known.by_content.contains_key(content);
            let outcomes = trove_import::read_all(batch, &self.cancel, &have);
            let mut tally = Tally::default();
            let mut new = Vec::new();
            let mut same = Vec::new();
            for (file, outcome) in batch.iter().zip(outcomes) {
                match outcome {
                    None => {}
                    Some(Outcome::Failed(why)) => tally.failures.push(FileFailure { name: file.name.clone(), reason: why.0 }),
                    Some(Outcome::Known { content, .. }) => same.push((file, content)),
                    Some(Outcome::New(scanned)) => new.push((file, scanned)),
                }
            }
            self.write_to(store, &into, new, &mut known, &mut seen, &mut tally)?;
            // A file whose content the dataset had before this batch's changes: unchanged if it
            // still has it; else (its item now shows a changed file) it is read again as new.
            let mut again = Vec::new();
            for (file, content) in same {
                if seen.contains(&content) {
                    tally.duplicates += 1;
                } else if known.by_content.contains_key(&content) {
                    seen.insert(content);
                    tally.unchanged += 1;
                } else {
                    match trove_import::read(file) {
                        Ok(scanned) => again.push((file, scanned)),
                        Err(why) => tally.failures.push(FileFailure { name: file.name.clone(), reason: why.0 }),
                    }
                }
            }
            self.write_to(store, &into, again, &mut known, &mut seen, &mut tally)?;
            written();
            let mut status = self.lock();
            status.done += batch.len() as u64;
            status.indexed += tally.indexed;
            status.updated += tally.updated;
            status.unchanged += tally.unchanged;
            status.duplicates += tally.duplicates;
            status.failed += tally.failures.len() as u64;
            let room = FAILURES_LISTED.saturating_sub(status.failures.len());
            status.failures.extend(tally.failures.into_iter().take(room));
        }
        Ok(())
    }

    /// Writes files read as new: a copy of a file written earlier in this run is a duplicate
    /// (and, in a synced project, a name the server cannot take a failure); the others' thumbnails
    /// are stored (outside the transaction: a crash between leaves only unused thumbnail files),
    /// then they go to the destination.
    fn write_to(&self, store: &Store, into: &Destination, files: Vec<(&Found, Scanned)>, known: &mut Known, seen: &mut HashSet<String>, tally: &mut Tally) -> Result<()> {
        let mut rows = Vec::new();
        let mut hashed = Vec::new();
        for (file, scanned) in files {
            if let (Destination::Synced(_), Err(why)) = (into, trove_protocol::rules::item_name(&file.name)) {
                tally.failures.push(FileFailure { name: file.name.clone(), reason: format!("its name cannot be uploaded: {why}") });
                continue;
            }
            if !seen.insert(scanned.content.clone()) {
                tally.duplicates += 1;
                continue;
            }
            let thumb = match &scanned.thumb {
                Some(bytes) => Some(store.thumbs().cache().put(bytes).map_err(|e| Error::Invalid(format!("a thumbnail could not be stored: {e}")))?),
                None => None,
            };
            if let (Some(thumb), Some(phash)) = (&thumb, scanned.phash) {
                hashed.push((thumb.clone(), phash));
            }
            rows.push((file, scanned, thumb));
        }
        if rows.is_empty() {
            return Ok(());
        }
        // Hashes are kept by thumbnail, like the files: written before the items that use them.
        store.write(|tx| crate::dupes::store_hashes(tx, &hashed))?;
        match into {
            Destination::Local { project, dataset } => self.write(store, *project, *dataset, rows, known, tally),
            Destination::Synced(upload) => self.upload(store, upload, rows, known, tally),
        }
    }

    /// Writes staged files into a local project's dataset in one transaction: a file whose name
    /// is an item of the dataset updates that item, any other file becomes an item.
    fn write(&self, store: &Store, project: i64, dataset: i64, rows: Vec<Staged<'_>>, known: &mut Known, tally: &mut Tally) -> Result<()> {
        let now = now_ms();
        store.write(|tx| {
            for (file, scanned, thumb) in &rows {
                match known.by_name.get(&file.name) {
                    Some((id, ..)) => update(tx, *id, file, scanned, thumb.as_deref(), now)?,
                    None => insert(tx, project, dataset, file, scanned, thumb.as_deref(), now)?,
                }
            }
            Ok(())
        })?;
        known.wrote(rows.into_iter().map(|(file, scanned, _)| (file, scanned.content)), tally);
        Ok(())
    }
}

/// A file to write: what was read of it, and its thumbnail's hash once stored.
type Staged<'f> = (&'f Found, Scanned, Option<String>);

#[derive(Default)]
struct Tally {
    indexed: u64,
    updated: u64,
    unchanged: u64,
    duplicates: u64,
    failures: Vec<FileFailure>,
}

/// The sentence the status ends with.
fn summary(s: &ImportStatus) -> String {
    let what = match s.state {
        ImportState::Cancelled => "Import cancelled",
        _ => "Import finished",
    };
    let mut parts = vec![format!("{} added to {}", plural(s.indexed - s.updated, "item"), s.dataset)];
    if s.updated > 0 {
        parts.push(format!("{} updated", plural(s.updated, "changed file")));
    }
    if s.unchanged > 0 {
        parts.push(format!("{} unchanged", s.unchanged));
    }
    if s.duplicates > 0 {
        parts.push(plural(s.duplicates, "duplicate"));
    }
    if s.failed > 0 {
        parts.push(format!("{} could not be read", plural(s.failed, "file")));
    }
    format!("{what}: {}.", parts.join(", "))
}

fn plural(n: u64, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// Pictures go into an image project: a local one, or a server's copy where the person is an
/// editor (the import is then uploaded).
fn importable(c: &Connection, project: i64) -> Result<()> {
    let row: Option<(String, ProjectKind)> = c
        .query_row("SELECT name, kind FROM projects WHERE id = ?1", [project], |r| {
            let kind: String = r.get(1)?;
            Ok((r.get(0)?, ProjectKind::parse(&kind).unwrap_or(ProjectKind::Image)))
        })
        .optional()?;
    let Some((name, kind)) = row else { return Err(Error::NotFound { what: "project", id: project }) };
    if kind == ProjectKind::Hub {
        return Err(Error::Invalid(format!("{name} is a Hub project; pictures are imported into an image project")));
    }
    if crate::registry::role(c, project)?.as_deref() == Some("viewer") {
        let name = crate::registry::full_name(c, project)?;
        return Err(Error::Invalid(format!("you are a viewer of {name}; only its editors and admins can import into it")));
    }
    Ok(())
}


/// The dataset named `name` in the project, created if new (a re-import goes into the same one).
fn dataset_id(c: &Connection, project: i64, name: &str) -> Result<i64> {
    let id: Option<i64> = c.query_row("SELECT id FROM datasets WHERE project_id = ?1 AND name = ?2", rusqlite::params![project, name], |r| r.get(0)).optional()?;
    match id {
        Some(id) => Ok(id),
        None => crate::projects::create_dataset(c, project, name),
    }
}

/// The dataset's items as an import compares files with them: how many items show each
/// content, and each item's id and content by name.
#[derive(Default)]
struct Known {
    by_content: HashMap<String, u32>,
    /// Each item's id, content and UUID, by name.
    by_name: HashMap<String, (i64, Option<String>, String)>,
}

impl Known {
    fn read(c: &Connection, dataset: i64) -> Result<Known> {
        let mut known = Known { by_content: HashMap::new(), by_name: HashMap::new() };
        let mut stmt = c.prepare("SELECT id, name, content, uuid FROM items WHERE dataset_id = ?1")?;
        let mut rows = stmt.query([dataset])?;
        while let Some(r) = rows.next()? {
            let content: Option<String> = r.get(2)?;
            if let Some(content) = &content {
                *known.by_content.entry(content.clone()).or_insert(0) += 1;
            }
            known.by_name.insert(r.get(1)?, (r.get(0)?, content, r.get(3)?));
        }
        Ok(known)
    }

    /// Files were written (`content` each): an item of a name known before now shows its new
    /// content (an update); every file is counted as indexed. (A walk names each file once, so
    /// the items just made need not be learnt by name.)
    fn wrote<'f>(&mut self, written: impl Iterator<Item = (&'f Found, String)>, tally: &mut Tally) {
        for (file, content) in written {
            let old = self.by_name.get(&file.name).map(|(_, content, _)| content.clone());
            if let Some(old) = old {
                tally.updated += 1;
                self.forget(old.as_deref());
                let entry = self.by_name.get_mut(&file.name).expect("known by name");
                entry.1 = Some(content.clone());
            }
            *self.by_content.entry(content).or_insert(0) += 1;
            tally.indexed += 1;
        }
    }

    /// An item no longer shows `content`.
    fn forget(&mut self, content: Option<&str>) {
        let Some(content) = content else { return };
        if let Some(n) = self.by_content.get_mut(content) {
            *n -= 1;
            if *n == 0 {
                self.by_content.remove(content);
            }
        }
    }
}

fn source(file: &Found) -> String {
    format!("file:{}", file.path.display())
}

fn insert(c: &Connection, project: i64, dataset: i64, file: &Found, s: &Scanned, thumb: Option<&str>, now: i64) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO items (uuid, project_id, dataset_id, kind, name, mime, width, height, size, labels_count, created_at, updated_at, thumb, source, content) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(rusqlite::params![
        uuid::Uuid::new_v4().to_string(),
        project,
        dataset,
        s.kind.as_str(),
        file.name,
        s.mime,
        s.width,
        s.height,
        s.size as i64,
        s.modified.unwrap_or(now),
        now,
        thumb,
        source(file),
        s.content
    ])?;
    Ok(())
}

/// A file whose bytes changed since it was imported: its item shows the new picture and keeps
/// its collections, tags and notes.
fn update(c: &Connection, id: i64, file: &Found, s: &Scanned, thumb: Option<&str>, now: i64) -> Result<()> {
    c.prepare_cached(
        "UPDATE items SET kind = ?2, mime = ?3, width = ?4, height = ?5, size = ?6, thumb = ?7, preview = NULL, source = ?8, content = ?9, updated_at = ?10 \
         WHERE id = ?1",
    )?
    .execute(rusqlite::params![id, s.kind.as_str(), s.mime, s.width, s.height, s.size as i64, thumb, source(file), s.content, now])?;
    Ok(())
}

mod upload;
use upload::Destination;

#[cfg(test)]
mod tests;
