//! `trove-server catalog import --dataset NAME FOLDER`: every picture and video under a folder
//! (recursively, hidden files skipped) becomes an item of one dataset. Which files, and what each
//! one is, `trove-import` decides, as for the app's "Import folder…": what a file is comes from
//! its bytes, its identity is the SHA-256 of its bytes (a copy already in the project is
//! skipped), and nothing outside the folder is read. Files that cannot be decoded, empty files
//! and links leading outside are skipped, counted and named in the report; none of them stops
//! the import.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use trove_protocol::ProjectKind;

use super::{count, ensure_project, names};
use crate::error::Error;
use crate::state::AppState;
use crate::store::items::{self, NewItem};
use crate::store::{datasets, now_ms, projects};

/// Files read (in parallel) and then inserted in one transaction.
const BATCH: usize = 500;

/// Imports the pictures and videos under `root` into dataset `dataset` of project `project` (an
/// image project, created if new) in namespace `namespace`, and reports what it did.
pub fn import_folder(state: &AppState, namespace: &str, project: &str, dataset: &str, root: &Path) -> anyhow::Result<String> {
    let project = projects::check_name("project", project)?;
    let dataset = projects::check_name("dataset", dataset)?;
    let root = trove_import::folder(root).map_err(|e| match e {
        trove_import::Error::NotFound(_) => Error::NotFound(e.to_string()),
        trove_import::Error::Invalid(_) => Error::Invalid(e.to_string()),
    })?;
    let (project_id, dataset_id) = state.db.write(|tx| {
        let ns = super::namespace(tx, namespace)?;
        let project = ensure_project(tx, ns, namespace, &project, ProjectKind::Image, "")?;
        Ok::<_, Error>((project, datasets::ensure(tx, project, &dataset)?))
    })?;
    let found = trove_import::walk(&root);
    let mut tally = Tally { not_image: found.other, outside: found.outside, ..Tally::default() };
    tally.unreadable.extend(found.unreadable.into_iter().map(|(name, _)| name));
    let never = AtomicBool::new(false);
    for batch in found.files.chunks(BATCH) {
        // A file whose bytes are an item of the project already is only hashed.
        let known = |content: &str| matches!(state.db.read(|c| items::by_identity(c, project_id, &format!("sha256:{content}"))), Ok(Some(_)));
        let outcomes = trove_import::read_all(batch, &never, &known);
        state.db.write(|tx| {
            for (file, outcome) in batch.iter().zip(outcomes) {
                match outcome {
                    Some(trove_import::Outcome::Known { .. }) => tally.duplicates += 1,
                    Some(trove_import::Outcome::New(scanned)) => {
                        let identity = format!("sha256:{}", scanned.content);
                        if items::by_identity(tx, project_id, &identity)?.is_some() {
                            tally.duplicates += 1;
                            continue;
                        }
                        let thumb = match &scanned.thumb {
                            Some(bytes) => Some(state.thumbs.put(bytes).map_err(|e| Error::Internal(e.into()))?),
                            None => None,
                        };
                        let item = NewItem {
                            dataset: dataset_id,
                            kind: scanned.kind,
                            name: file.name.clone(),
                            mime: scanned.mime,
                            width: scanned.width,
                            height: scanned.height,
                            size: scanned.size,
                            labels_count: 0,
                            created_at: scanned.modified.unwrap_or_else(now_ms),
                            thumb,
                            source: format!("file:{}", root.join(&file.name).display()),
                            identity,
                            tags: Vec::new(),
                        };
                        match items::insert(tx, project_id, &item)? {
                            Some(_) => tally.imported += 1,
                            None => tally.duplicates += 1,
                        }
                    }
                    Some(trove_import::Outcome::Failed(why)) => {
                        tracing::warn!(file = %file.name, reason = %why, "skipped a file");
                        tally.unreadable.push(file.name.clone());
                    }
                    None => tally.unreadable.push(file.name.clone()),
                }
            }
            projects::touch(tx, project_id)
        })?;
    }
    tally.unreadable.sort();
    Ok(tally.report(&format!("{namespace}/{project}"), &dataset))
}

#[derive(Default)]
struct Tally {
    imported: usize,
    duplicates: usize,
    not_image: usize,
    unreadable: Vec<String>,
    outside: Vec<String>,
}

impl Tally {
    fn report(&self, project: &str, dataset: &str) -> String {
        let mut out = format!("imported {} into {project} (dataset {dataset:?})", count(self.imported, "item", "items"));
        let mut skipped = Vec::new();
        if self.duplicates > 0 {
            skipped.push(count(self.duplicates, "duplicate", "duplicates"));
        }
        if self.not_image > 0 {
            skipped.push(count(self.not_image, "not a picture or video", "not pictures or videos"));
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

#[cfg(test)]
mod tests {
    use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
    use sha2::{Digest, Sha256};
    use trove_thumbs::THUMB_SIDE;

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
            "imported 4 items into lab/Photos (dataset \"street\"); 2 duplicates, 1 not a picture or video, \
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
        assert!(again.starts_with("imported 0 items into lab/Photos (dataset \"street\"); 6 duplicates, 1 not a picture or video"), "{again}");
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
