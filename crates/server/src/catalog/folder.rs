//! `trove-server catalog import --dataset NAME FOLDER`: every image under a folder (recursively)
//! becomes an item of one dataset. What a file is comes from its bytes, never its extension;
//! its identity is the SHA-256 of its bytes, so a copy already in the project is skipped. Files
//! that are not images, that cannot be decoded or that a link outside the folder leads to are
//! skipped, counted and named in the report; none of them stops the import.

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::UNIX_EPOCH;

use image::{ImageFormat, ImageReader};
use sha2::{Digest, Sha256};
use trove_thumbs::{self as thumbs, THUMB_SIDE};
use trove_protocol::{ItemKind, ProjectKind};

use super::{count, ensure_project, names};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::items::{self, NewItem};
use crate::store::{datasets, now_ms, projects};

/// Files read (in parallel) and then inserted in one transaction.
const BATCH: usize = 500;

/// Imports the images under `root` into dataset `dataset` of project `project` (an image
/// project, created if new) in namespace `namespace`, and reports what it did.
pub fn import_folder(state: &AppState, namespace: &str, project: &str, dataset: &str, root: &Path) -> anyhow::Result<String> {
    let project = projects::check_name("project", project)?;
    let dataset = projects::check_name("dataset", dataset)?;
    let root = folder(root)?;
    let (project_id, dataset_id) = state.db.write(|tx| {
        let ns = super::namespace(tx, namespace)?;
        let project = ensure_project(tx, ns, namespace, &project, ProjectKind::Image, "")?;
        Ok::<_, Error>((project, datasets::ensure(tx, project, &dataset)?))
    })?;
    let found = walk(&root);
    let mut tally = Tally { not_image: found.not_image, unreadable: found.unreadable, outside: found.outside, ..Tally::default() };
    for batch in found.files.chunks(BATCH) {
        let outcomes = read_all(state, project_id, dataset_id, batch);
        state.db.write(|tx| {
            for ((name, _), outcome) in batch.iter().zip(outcomes) {
                match outcome {
                    Outcome::New(item) => match items::insert(tx, project_id, &item)? {
                        Some(_) => tally.imported += 1,
                        None => tally.duplicates += 1,
                    },
                    Outcome::Known => tally.duplicates += 1,
                    Outcome::NotImage => tally.not_image += 1,
                    Outcome::Unsupported(format) => tally.unsupported.push(format!("{name} ({format:?})")),
                    Outcome::Unreadable(why) => {
                        tracing::warn!(file = %name, error = %why, "skipped an unreadable image");
                        tally.unreadable.push(name.clone());
                    }
                    Outcome::Failed(e) => return Err(e),
                }
            }
            projects::touch(tx, project_id)
        })?;
    }
    Ok(tally.report(&format!("{namespace}/{project}"), &dataset))
}

/// The import root as an absolute path without links; a clear error when it is no folder.
fn folder(root: &Path) -> Result<PathBuf> {
    match std::fs::metadata(root) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(Error::Invalid(format!("{:?} is not a folder; give the folder of images to import", root.display().to_string()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::NotFound(format!("folder {:?} does not exist", root.display().to_string())))
        }
        Err(e) => return Err(Error::Invalid(format!("folder {:?} cannot be read: {e}", root.display().to_string()))),
    }
    Ok(std::fs::canonicalize(root)?)
}

#[derive(Default)]
struct Tally {
    imported: usize,
    duplicates: usize,
    not_image: usize,
    unsupported: Vec<String>,
    unreadable: Vec<String>,
    outside: Vec<String>,
}

impl Tally {
    fn report(&self, project: &str, dataset: &str) -> String {
        let mut out = format!("imported {} into {project} (dataset {dataset:?})", count(self.imported, "image", "images"));
        let mut skipped = Vec::new();
        if self.duplicates > 0 {
            skipped.push(count(self.duplicates, "duplicate", "duplicates"));
        }
        if self.not_image > 0 {
            skipped.push(count(self.not_image, "not an image", "not images"));
        }
        if !self.unsupported.is_empty() {
            skipped.push(format!("{} in a format not read: {}", self.unsupported.len(), names(&self.unsupported)));
        }
        if !self.unreadable.is_empty() {
            skipped.push(format!("{} unreadable: {}", self.unreadable.len(), names(&self.unreadable)));
        }
        if !self.outside.is_empty() {
            let links = count(self.outside.len(), "link", "links");
            skipped.push(format!("{links} to outside the folder not followed: {}", names(&self.outside)));
        }
        if !skipped.is_empty() {
            out.push_str("; ");
            out.push_str(&skipped.join(", "));
        }
        out
    }
}

/// What a walk of the folder found: the files to read, by name relative to the root.
#[derive(Default)]
struct Found {
    files: Vec<(String, PathBuf)>,
    not_image: usize,
    unreadable: Vec<String>,
    outside: Vec<String>,
}

/// `path` relative to `root`, with `/` between its parts.
fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Every regular file under `root` (which is canonical), sorted by name. A link is followed
/// only to a file inside the root; a link to a folder inside the root is not followed (its
/// files are found under their own names), one leading outside is skipped and counted.
fn walk(root: &Path) -> Found {
    let mut found = Found::default();
    let mut folders = vec![root.to_path_buf()];
    while let Some(dir) = folders.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                tracing::warn!(folder = %dir.display(), error = %e, "skipped an unreadable folder");
                found.unreadable.push(format!("{}/", relative(root, &dir)));
                continue;
            }
        };
        for entry in entries {
            let Ok(entry) = entry else { continue };
            let path = entry.path();
            let name = relative(root, &path);
            let Ok(file_type) = entry.file_type() else {
                found.unreadable.push(name);
                continue;
            };
            if file_type.is_symlink() {
                match std::fs::canonicalize(&path) {
                    Err(_) => found.unreadable.push(name),
                    Ok(target) if !target.starts_with(root) => found.outside.push(name),
                    Ok(target) if target.is_file() => found.files.push((name, path)),
                    Ok(target) if target.is_dir() => {}
                    Ok(_) => found.not_image += 1,
                }
            } else if file_type.is_dir() {
                folders.push(path);
            } else if file_type.is_file() {
                found.files.push((name, path));
            } else {
                found.not_image += 1;
            }
        }
    }
    found.files.sort();
    found.unreadable.sort();
    found.outside.sort();
    found
}

/// What reading one file came to.
enum Outcome {
    New(NewItem),
    /// Its bytes are an item of the project already.
    Known,
    NotImage,
    /// An image format this server does not decode.
    Unsupported(ImageFormat),
    Unreadable(String),
    /// A failure of the server's own (the thumbnail store), which stops the import.
    Failed(Error),
}

/// Reads the files of one batch on a few threads; the outcomes in the batch's order.
fn read_all(state: &AppState, project: i64, dataset: i64, files: &[(String, PathBuf)]) -> Vec<Outcome> {
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(1, 8).min(files.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Vec<(usize, Outcome)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((name, path)) = files.get(i) else { break };
                        // A decoder that panics on a hostile file costs that file, not the import.
                        let outcome = catch_unwind(AssertUnwindSafe(|| read_one(state, project, dataset, name, path)))
                            .unwrap_or_else(|_| Outcome::Unreadable("the decoder failed".into()));
                        done.push((i, outcome));
                    }
                    done
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    let mut out: Vec<Option<Outcome>> = files.iter().map(|_| None).collect();
    for (i, outcome) in results {
        out[i] = Some(outcome);
    }
    // Only a worker that panicked outside `catch_unwind` loses outcomes; never silently.
    out.into_iter().map(|o| o.unwrap_or_else(|| Outcome::Unreadable("lost by a failed worker".into()))).collect()
}

fn read_one(state: &AppState, project: i64, dataset: i64, name: &str, path: &Path) -> Outcome {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return Outcome::Unreadable(e.to_string()),
    };
    let reader = match ImageReader::new(Cursor::new(&bytes)).with_guessed_format() {
        Ok(r) => r,
        Err(e) => return Outcome::Unreadable(e.to_string()),
    };
    let Some(format) = reader.format() else { return Outcome::NotImage };
    if !format.reading_enabled() {
        return Outcome::Unsupported(format);
    }
    let identity = format!("sha256:{}", hex::encode(Sha256::digest(&bytes)));
    match state.db.read(|c| items::by_identity(c, project, &identity)) {
        Ok(Some(_)) => return Outcome::Known,
        Ok(None) => {}
        Err(e) => return Outcome::Failed(e),
    }
    let img = match reader.decode() {
        Ok(img) => img,
        Err(e) => return Outcome::Unreadable(e.to_string()),
    };
    let thumb = match thumbs::photo(&thumbs::fit(&img, THUMB_SIDE)).and_then(|t| state.thumbs.put(&t)) {
        Ok(hash) => hash,
        Err(e) => return Outcome::Failed(e.into()),
    };
    let created_at = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as i64)
        .unwrap_or_else(now_ms);
    Outcome::New(NewItem {
        dataset,
        kind: ItemKind::Image,
        name: name.to_string(),
        mime: format.to_mime_type().to_string(),
        width: Some(img.width()),
        height: Some(img.height()),
        size: bytes.len() as u64,
        labels_count: 0,
        created_at,
        thumb: Some(thumb),
        source: format!("file:{}", path.display()),
        identity,
        tags: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};

    use super::*;
    use crate::catalog::testing::server;

    fn picture(w: u32, h: u32, shade: u8) -> DynamicImage {
        DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| Rgb([shade, (x % 256) as u8, (y % 256) as u8])))
    }

    fn save(path: &Path, img: &DynamicImage, format: ImageFormat) -> u64 {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        img.save_with_format(path, format).unwrap();
        std::fs::metadata(path).unwrap().len()
    }

    /// (name, mime, width, height, size, thumb, identity, source) of an item.
    type Row = (String, String, u32, u32, u64, String, String, String);

    /// Every item, by name.
    fn items(state: &AppState) -> Vec<Row> {
        state
            .db
            .read(|c| {
                let mut stmt = c.prepare("SELECT name, mime, width, height, size, thumb, identity, source FROM items ORDER BY name")?;
                let rows = stmt
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok::<_, Error>(rows)
            })
            .unwrap()
    }

    #[test]
    fn imports_a_folder_by_content_and_skips_what_is_not_an_image() {
        let (dir, state) = server();
        let root = dir.path().join("pictures");
        let a = save(&root.join("a.png"), &picture(64, 48, 10), ImageFormat::Png);
        let b = save(&root.join("sub/b.jpg"), &picture(300, 200, 20), ImageFormat::Jpeg);
        let gif = save(&root.join("sub/anim.gif"), &picture(20, 30, 30), ImageFormat::Gif);
        // A PNG with a photo's extension, with transparency: what it is comes from its bytes.
        let clear = DynamicImage::ImageRgba8(RgbaImage::from_pixel(500, 1000, Rgba([1, 2, 3, 0])));
        let misnamed = save(&root.join("misnamed.jpg"), &clear, ImageFormat::Png);
        std::fs::create_dir_all(root.join("sub/deeper")).unwrap();
        std::fs::copy(root.join("a.png"), root.join("sub/deeper/copy.png")).unwrap();
        std::fs::write(root.join("notes.txt"), "not a picture").unwrap();
        std::fs::write(root.join("sub/broken.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 2, 3]).unwrap();
        let secret = dir.path().join("secret.png");
        save(&secret, &picture(8, 8, 99), ImageFormat::Png);
        std::os::unix::fs::symlink(&secret, root.join("sub/link.png")).unwrap();
        std::os::unix::fs::symlink(root.join("a.png"), root.join("inside.png")).unwrap();
        std::os::unix::fs::symlink(root.join("sub"), root.join("again")).unwrap();

        let report = import_folder(&state, "lab", "Photos", "street", &root).unwrap();
        assert_eq!(
            report,
            "imported 4 images into lab/Photos (dataset \"street\"); 2 duplicates, 1 not an image, \
             1 unreadable: sub/broken.jpg, 1 link to outside the folder not followed: sub/link.png"
        );
        let got = items(&state);
        let rows: Vec<(&str, &str, u32, u32, u64)> =
            got.iter().map(|(n, m, w, h, s, ..)| (n.as_str(), m.as_str(), *w, *h, *s)).collect();
        assert_eq!(
            rows,
            [
                ("a.png", "image/png", 64, 48, a),
                ("misnamed.jpg", "image/png", 500, 1000, misnamed),
                ("sub/anim.gif", "image/gif", 20, 30, gif),
                ("sub/b.jpg", "image/jpeg", 300, 200, b),
            ]
        );
        let canonical = std::fs::canonicalize(&root).unwrap();
        let load = |hash: &str| image::load_from_memory(&std::fs::read(state.thumbs.get(hash).expect("thumbnail in the cache")).unwrap()).unwrap();
        for (name, _, _, _, _, thumb, identity, source) in &got {
            let file = std::fs::read(root.join(name)).unwrap();
            assert_eq!(identity, &format!("sha256:{}", hex::encode(Sha256::digest(&file))));
            assert_eq!(source, &format!("file:{}", canonical.join(name).display()));
            let stored = load(thumb);
            assert!(stored.width().max(stored.height()) <= THUMB_SIDE);
        }
        let thumb = |name: &str| load(&got.iter().find(|r| r.0 == name).unwrap().5);
        assert_eq!((thumb("sub/b.jpg").width(), thumb("sub/b.jpg").height()), (256, 171), "scaled to the longest side");
        assert_eq!((thumb("a.png").width(), thumb("a.png").height()), (64, 48), "never scaled up");
        assert!(thumb("misnamed.jpg").color().has_alpha(), "transparency kept");

        let again = import_folder(&state, "lab", "Photos", "street", &root).unwrap();
        assert!(again.starts_with("imported 0 images into lab/Photos (dataset \"street\"); 6 duplicates, 1 not an image"), "{again}");
        assert_eq!(items(&state).len(), 4);
    }

    #[test]
    fn a_missing_folder_or_a_file_or_a_namespace_is_a_clear_error() {
        let (dir, state) = server();
        let missing = dir.path().join("nope");
        let e = import_folder(&state, "lab", "Photos", "d", &missing).unwrap_err().to_string();
        assert_eq!(e, format!("folder {:?} does not exist", missing.display().to_string()));
        let file = dir.path().join("one.png");
        save(&file, &picture(4, 4, 0), ImageFormat::Png);
        let e = import_folder(&state, "lab", "Photos", "d", &file).unwrap_err().to_string();
        assert!(e.contains("is not a folder") && e.contains("one.png"), "{e}");
        let e = import_folder(&state, "nobody", "Photos", "d", dir.path()).unwrap_err().to_string();
        assert!(e.starts_with("namespace \"nobody\" does not exist"), "{e}");
        let e = import_folder(&state, "lab", "Photos", " ", dir.path()).unwrap_err().to_string();
        assert!(e.starts_with("dataset name is empty"), "{e}");
        assert!(items(&state).is_empty());
    }
}
