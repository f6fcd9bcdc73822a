//! Exporting a collection: its items in the collection's order as CSV or JSON (id, name,
//! dataset, path, note, position, tags), or their original files copied into a folder. A file
//! is written beside its destination and renamed over it, so a failed export never leaves half
//! a file under the chosen name.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde::Serialize;
use trove_protocol::import::{ExportFormat, ExportProgress, ExportReport, ExportRequest, FileFailure};

use crate::db::Store;
use crate::error::{Error, Result};
use crate::items::TAG_SEP;

/// One item of an exported collection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The item's local id (not exported).
    #[serde(skip)]
    pub item: i64,
    /// The item's UUID: the same on every device and on the server.
    pub id: String,
    pub name: String,
    pub dataset: String,
    /// The original's path for an imported file, else where the item comes from.
    pub path: String,
    pub note: String,
    /// 1 for the collection's first item.
    pub position: u64,
    pub tags: Vec<String>,
}

/// The collection's items in its order.
pub fn rows(c: &Connection, collection: i64) -> Result<Vec<Row>> {
    let exists: bool = c.query_row("SELECT EXISTS (SELECT 1 FROM collections WHERE id = ?1 AND deleted_at IS NULL)", [collection], |r| r.get(0))?;
    if !exists {
        return Err(Error::NotFound { what: "collection", id: collection });
    }
    let mut stmt = c.prepare(
        "SELECT i.uuid, i.name, d.name, i.source, m.note, i.tags_text, i.id FROM memberships m \
         JOIN items i ON i.id = m.item_id JOIN datasets d ON d.id = i.dataset_id \
         WHERE m.collection_id = ?1 ORDER BY m.position, m.item_id",
    )?;
    let rows = stmt.query_map([collection], |r| {
        let source: String = r.get(3)?;
        let tags: String = r.get(5)?;
        Ok(Row {
            item: r.get(6)?,
            id: r.get(0)?,
            name: r.get(1)?,
            dataset: r.get(2)?,
            path: source.strip_prefix("file:").map(str::to_string).unwrap_or(source),
            note: r.get(4)?,
            position: 0,
            tags: if tags.is_empty() { Vec::new() } else { tags.split(TAG_SEP).map(str::to_string).collect() },
        })
    })?;
    let mut out = rows.collect::<Result<Vec<_>, _>>()?;
    for (i, row) in out.iter_mut().enumerate() {
        row.position = i as u64 + 1;
    }
    Ok(out)
}

/// A cell as a spreadsheet will not run it: text starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return gets a leading apostrophe (OWASP's advice against CSV formula injection; a
/// name or a note comes from whoever made the item).
fn cell(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// The rows as CSV with a header line.
pub fn csv(rows: &[Row]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let failed = |e: csv::Error| Error::Invalid(format!("the CSV could not be written: {e}"));
    w.write_record(["id", "name", "dataset", "path", "note", "position", "tags"]).map_err(failed)?;
    for r in rows {
        let tags = r.tags.join(";");
        let position = r.position.to_string();
        w.write_record([r.id.as_str(), &cell(&r.name), &cell(&r.dataset), &cell(&r.path), &cell(&r.note), &position, &cell(&tags)])
            .map_err(failed)?;
    }
    w.into_inner().map_err(|e| Error::Invalid(format!("the CSV could not be written: {e}")))
}

/// Writes `bytes` to `path` through a temporary file beside it.
fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(Error::Invalid(format!("folder {:?} does not exist; choose where to save the export", dir.display().to_string())));
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| Error::Io(e.error))?;
    Ok(())
}

/// The name a copied file gets: its own (the last part of the item's name), numbered when
/// asked, made unique in the folder with " (2)", " (3)"…
fn file_name(row: &Row, numbered: bool, width: usize, taken: &mut HashSet<String>) -> String {
    let base = row.name.rsplit('/').next().filter(|b| !b.is_empty() && *b != "." && *b != "..").unwrap_or("item");
    let base: String = base.chars().map(|c| if c.is_control() || c == '\\' { '_' } else { c }).collect();
    let named = if numbered { format!("{:0width$} {base}", row.position) } else { base };
    let (stem, ext) = match named.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_string(), format!(".{e}")),
        _ => (named.clone(), String::new()),
    };
    let mut candidate = named;
    let mut k = 2;
    while !taken.insert(candidate.to_lowercase()) {
        candidate = format!("{stem} ({k}){ext}");
        k += 1;
    }
    candidate
}

impl Store {
    /// Exports a collection as the request says; a sentence when it cannot.
    pub fn export_collection(&self, req: &ExportRequest) -> Result<ExportReport> {
        self.export_collection_with(req, &|_| {})
    }

    /// [`export_collection`](Self::export_collection), telling `progress` how far a copy of
    /// files is (at most ten times a second, and at its end).
    pub fn export_collection_with(&self, req: &ExportRequest, progress: &dyn Fn(ExportProgress)) -> Result<ExportReport> {
        let path = PathBuf::from(req.path.trim());
        if req.path.trim().is_empty() || !path.is_absolute() {
            return Err(Error::Invalid(format!(
                "{} is not a full path; give the {} to export to, starting with /",
                trove_protocol::rules::quote(req.path.trim()),
                if req.format == ExportFormat::Files { "folder" } else { "file" }
            )));
        }
        // One read: the rows, the collection's title and, for a copy, each row's original.
        let (rows, title, originals) = self.read(|c| {
            let rows = rows(c, req.collection_id)?;
            let (title, project): (String, i64) =
                c.query_row("SELECT title, project_id FROM collections WHERE id = ?1", [req.collection_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let originals: Vec<Result<PathBuf>> = match req.format {
                ExportFormat::Files => rows.iter().map(|r| crate::originals::path(c, project, r.item)).collect(),
                _ => Vec::new(),
            };
            Ok((rows, title, originals))
        })?;
        let items = |n: usize| if n == 1 { "1 item".to_string() } else { format!("{n} items") };
        match req.format {
            ExportFormat::Csv | ExportFormat::Json => {
                let bytes = match req.format {
                    ExportFormat::Csv => csv(&rows)?,
                    _ => serde_json::to_vec_pretty(&rows).map_err(|e| Error::Invalid(format!("the JSON could not be written: {e}")))?,
                };
                write_file(&path, &bytes)?;
                Ok(ExportReport {
                    written: rows.len() as u64,
                    failed: Vec::new(),
                    path: path.display().to_string(),
                    message: format!("Exported {} of {title} to {}", items(rows.len()), path.display()),
                })
            }
            ExportFormat::Files => copy_files(&rows, originals, &path, req.numbered, &title, progress),
        }
    }
}

/// Copies each item's original (`originals`, in the rows' order: only an imported file of a
/// local project has one) into `dir`; items without one are reported.
fn copy_files(rows: &[Row], originals: Vec<Result<PathBuf>>, dir: &Path, numbered: bool, title: &str, progress: &dyn Fn(ExportProgress)) -> Result<ExportReport> {
    std::fs::create_dir_all(dir).map_err(|e| Error::Invalid(format!("folder {:?} cannot be made: {e}", dir.display().to_string())))?;
    let mut taken: HashSet<String> = std::fs::read_dir(dir)?.flatten().map(|e| e.file_name().to_string_lossy().to_lowercase()).collect();
    let width = rows.len().to_string().len().max(4);
    let mut written = 0u64;
    let mut failed = Vec::new();
    let total = rows.len() as u64;
    let mut told = std::time::Instant::now();
    for (k, (row, original)) in rows.iter().zip(originals).enumerate() {
        if told.elapsed() >= std::time::Duration::from_millis(100) {
            progress(ExportProgress { done: k as u64, total });
            told = std::time::Instant::now();
        }
        let source = match original {
            Ok(p) => p,
            Err(Error::Invalid(why)) => {
                failed.push(FileFailure { name: row.name.clone(), reason: why });
                continue;
            }
            Err(e) => return Err(e),
        };
        let target = dir.join(file_name(row, numbered, width, &mut taken));
        match std::fs::copy(&source, &target) {
            Ok(_) => written += 1,
            Err(e) => failed.push(FileFailure { name: row.name.clone(), reason: format!("its original could not be copied ({e})") }),
        }
    }
    progress(ExportProgress { done: total, total });
    let mut message = format!("Copied {} of {} files of {title} to {}", written, rows.len(), dir.display());
    if !failed.is_empty() {
        message.push_str(&format!("; {} could not be copied", failed.len()));
    }
    Ok(ExportReport { written, failed, path: dir.display().to_string(), message })
}

#[cfg(test)]
mod tests;
