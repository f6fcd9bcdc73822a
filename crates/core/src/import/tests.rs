use trove_protocol::import::ImportState;
use trove_protocol::mutation::ImportedItem;
use trove_protocol::{ItemQuery, Mutation};

use super::*;
use crate::testing::fixture;

/// The import fixture (`trove_import::fixture`) under a temporary folder.
fn pictures() -> (tempfile::TempDir, PathBuf, trove_import::fixture::Expected) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("pictures");
    let expected = trove_import::fixture::write(&root, &dir.path().join("outside"));
    (dir, root, expected)
}

fn import(store: &Store, importer: &Importer, project: i64, root: &Path, dataset: Option<&str>) -> ImportStatus {
    let plan = importer.begin(store, project, &root.display().to_string(), dataset).unwrap();
    importer.run(store, &plan);
    importer.status()
}

/// (name, kind, mime, width, height, size, thumb, content) of the dataset's items, by name.
type Row = (String, String, String, Option<u32>, Option<u32>, i64, Option<String>, Option<String>);

fn rows(store: &Store, project: i64, dataset: &str) -> Vec<Row> {
    store
        .read(|c| {
            let mut stmt = c.prepare(
                "SELECT i.name, i.kind, i.mime, i.width, i.height, i.size, i.thumb, i.content FROM items i \
                 JOIN datasets d ON d.id = i.dataset_id WHERE i.project_id = ?1 AND d.name = ?2 ORDER BY i.name",
            )?;
            let rows = stmt
                .query_map(rusqlite::params![project, dataset], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .unwrap()
}

#[test]
fn a_folder_becomes_a_dataset_with_its_counts_and_report_and_the_facets_see_it() {
    let f = fixture();
    let (_dir, root, expected) = pictures();
    let importer = Importer::default();
    let s = import(&f.store, &importer, f.q, &root, None);
    assert_eq!(s.state, ImportState::Done, "{}", s.message);
    assert_eq!(s.dataset, "pictures", "named after the folder");
    assert_eq!(
        (s.found, s.done, s.indexed, s.updated, s.unchanged, s.duplicates, s.failed),
        (13, 13, expected.indexed as u64, 0, 0, expected.duplicates as u64, 2)
    );
    let failed: Vec<&str> = s.failures.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(failed, expected.failed);
    assert_eq!(s.failures[1].reason, "the file is empty (0 bytes)");
    assert_eq!(s.skipped, ["secret.png: a link to outside the folder, not followed"]);
    assert_eq!(s.ignored, 3, "two hidden entries and a text file");
    assert_eq!(s.message, "Import finished: 9 items added to pictures, 2 duplicates, 2 files could not be read.");

    let got = rows(&f.store, f.q, "pictures");
    let names: Vec<&str> = got.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        names,
        ["anim.gif", "clip.mp4", "drawing.png", "nested/cat.jpeg", "nested/deeper/page.tiff", "nested/rotated.jpg", "photo.jpg", "scan.bmp", "sticker.webp"]
    );
    let rotated = got.iter().find(|r| r.0 == "nested/rotated.jpg").unwrap();
    assert_eq!((rotated.3, rotated.4), (Some(40), Some(80)), "measured upright");
    let thumb = image::load_from_memory(&std::fs::read(f.store.thumbs().cache().get(rotated.6.as_ref().unwrap()).unwrap()).unwrap()).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (40, 80), "thumbnail upright");
    let clip = got.iter().find(|r| r.0 == "clip.mp4").unwrap();
    assert_eq!((clip.1.as_str(), clip.2.as_str(), clip.6.is_none()), ("video", "video/mp4", true), "a video, with a placeholder");
    for r in &got {
        assert_eq!(r.5 as u64, std::fs::metadata(root.join(&r.0)).unwrap().len(), "{}", r.0);
        assert_eq!(r.7.as_ref().map(String::len), Some(64));
    }
    // The gallery's counts see the new dataset.
    let summary = f.store.summary(f.q, &ItemQuery::default()).unwrap();
    assert_eq!(summary.total, 10, "Q's own item and the nine imported");
    assert!(summary.datasets.iter().any(|d| d.label == "pictures" && d.count == 9), "{:?}", summary.datasets);
    assert_eq!(f.outbox_len(), 0, "a local project records nothing to push");
}

#[test]
fn a_reimport_adds_only_new_or_changed_files_and_keeps_the_changed_items() {
    let f = fixture();
    let (_dir, root, _) = pictures();
    let importer = Importer::default();
    import(&f.store, &importer, f.q, &root, Some("  Street  "));
    let before = rows(&f.store, f.q, "Street");
    let id_of = |name: &str| -> i64 {
        f.store.read(|c| Ok(c.query_row("SELECT id FROM items WHERE name = ?1 AND project_id = ?2", rusqlite::params![name, f.q], |r| r.get(0))?)).unwrap()
    };
    let photo = id_of("photo.jpg");

    let again = import(&f.store, &importer, f.q, &root, Some("Street"));
    assert_eq!((again.indexed, again.updated, again.unchanged, again.duplicates, again.failed), (0, 0, 9, 2, 2));
    assert_eq!(rows(&f.store, f.q, "Street"), before, "nothing changed");

    // One file changes, one is new.
    trove_import::fixture::halves(90, 60).save_with_format(root.join("photo.jpg"), image::ImageFormat::Jpeg).unwrap();
    trove_import::fixture::halves(30, 60).save_with_format(root.join("new.png"), image::ImageFormat::Png).unwrap();
    let third = import(&f.store, &importer, f.q, &root, Some("Street"));
    // The copy of the old photo is no longer shown by any item: it becomes one.
    assert_eq!((third.indexed, third.updated, third.unchanged, third.duplicates), (3, 1, 8, 1), "{}", third.message);
    assert_eq!(third.message, "Import finished: 2 items added to Street, 1 changed file updated, 8 unchanged, 1 duplicate, 2 files could not be read.");
    assert_eq!(id_of("photo.jpg"), photo, "the changed file's item is the same item");
    let after = rows(&f.store, f.q, "Street");
    let photo_row = after.iter().find(|r| r.0 == "photo.jpg").unwrap();
    assert_eq!((photo_row.3, photo_row.4), (Some(90), Some(60)));
    assert_eq!(after.len(), 11);
    assert!(after.iter().any(|r| r.0 == "nested/photo copy.jpg"));
}

#[test]
fn what_cannot_be_imported_is_refused_with_a_sentence_and_claims_nothing() {
    let f = fixture();
    let (dir, root, _) = pictures();
    let importer = Importer::default();
    f.store.write(|tx| Ok(tx.execute("UPDATE sync_projects SET role = 'viewer' WHERE project_id = ?1", [f.p])?)).unwrap();
    let e = importer.begin(&f.store, f.p, &root.display().to_string(), None).unwrap_err().to_string();
    assert_eq!(e, "you are a viewer of lab/P; only its editors and admins can import into it");
    let missing = dir.path().join("nope");
    let e = importer.begin(&f.store, f.q, &missing.display().to_string(), None).unwrap_err().to_string();
    assert_eq!(e, format!("folder {:?} does not exist", missing.display().to_string()));
    let e = importer.begin(&f.store, f.q, &root.display().to_string(), Some(&"x".repeat(101))).unwrap_err().to_string();
    assert_eq!(e, "dataset name is 101 characters; at most 100 are allowed");
    let e = importer.begin(&f.store, 999, &root.display().to_string(), None).unwrap_err().to_string();
    assert_eq!(e, "project 999 does not exist");
    assert_eq!(importer.status().state, ImportState::Idle, "nothing claimed");

    // One import at a time.
    let plan = importer.begin(&f.store, f.q, &root.display().to_string(), None).unwrap();
    let e = importer.begin(&f.store, f.q, &root.display().to_string(), None).unwrap_err().to_string();
    assert!(e.starts_with("an import of ") && e.ends_with("is running; wait for it or cancel it first"), "{e}");
    // Cancelled before it read anything: it ends cancelled, and nothing is added.
    importer.cancel();
    importer.run(&f.store, &plan);
    let s = importer.status();
    assert_eq!((s.state, s.indexed), (ImportState::Cancelled, 0));
    assert!(s.message.starts_with("Import cancelled: 0 items added"), "{}", s.message);
    assert!(importer.begin(&f.store, f.q, &root.display().to_string(), None).is_ok(), "a new import may start");
}

/// In a copy of a server project the import is the same for the person (the same counts, the
/// items in the gallery at once), and each batch is one `import_items` mutation in the outbox,
/// naming the thumbnails the sync engine uploads. A re-import of a changed file names the
/// item it updates by its UUID.
#[test]
fn an_import_into_a_synced_copy_queues_its_upload() {
    let f = fixture();
    let (_dir, root, expected) = pictures();
    let importer = Importer::default();
    let pending = |store: &Store| -> Vec<Mutation> {
        store
            .read(|c| {
                let mut stmt = c.prepare("SELECT mutation FROM outbox WHERE project_id = ?1 ORDER BY id")?;
                let rows = stmt.query_map([f.p], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
                Ok(rows.iter().map(|j| serde_json::from_str::<Mutation>(j).unwrap()).collect())
            })
            .unwrap()
    };
    let before = pending(&f.store).len();
    let first = import(&f.store, &importer, f.p, &root, Some("Street"));
    assert_eq!(first.state, ImportState::Done, "{}", first.message);
    assert_eq!((first.indexed, first.duplicates, first.failed), (expected.indexed as u64, expected.duplicates as u64, expected.failed.len() as u64), "{}", first.message);
    let items = rows(&f.store, f.p, "Street");
    assert_eq!(items.len(), expected.indexed);
    let queued: Vec<Mutation> = pending(&f.store).into_iter().skip(before).collect();
    assert!(!queued.is_empty());
    let mut uploaded = Vec::new();
    for m in &queued {
        let Mutation::ImportItems { dataset_name, items, .. } = m else { panic!("{m:?}") };
        assert_eq!(dataset_name, "Street");
        uploaded.extend(items.iter().map(|i| (i.name.clone(), i.content.clone(), i.thumb.clone())));
    }
    uploaded.sort();
    let local: Vec<(String, String, Option<String>)> = items.iter().map(|r| (r.0.clone(), r.7.clone().unwrap(), r.6.clone())).collect();
    assert_eq!(uploaded, local, "every item the copy shows is queued, with its content and thumbnail");
    for (_, _, thumb) in &uploaded {
        if let Some(t) = thumb {
            assert!(f.store.thumbs().cache().get(t).is_some(), "the thumbnail to upload is in the cache");
        }
    }

    // A changed file updates its item: same UUID, new content, one more mutation.
    let uuid_of = |name: &str| -> String { f.store.read(|c| Ok(c.query_row("SELECT uuid FROM items WHERE name = ?1 AND project_id = ?2", rusqlite::params![name, f.p], |r| r.get(0))?)).unwrap() };
    let photo = uuid_of("photo.jpg");
    trove_import::fixture::halves(90, 60).save_with_format(root.join("photo.jpg"), image::ImageFormat::Jpeg).unwrap();
    let again = import(&f.store, &importer, f.p, &root, Some("Street"));
    // The copy of the old photo is no longer shown by any item: it becomes one.
    assert_eq!((again.indexed, again.updated), (2, 1), "{}", again.message);
    assert_eq!(uuid_of("photo.jpg"), photo);
    let later: Vec<ImportedItem> = pending(&f.store)
        .into_iter()
        .skip(before + queued.len())
        .flat_map(|m| match m {
            Mutation::ImportItems { items, .. } => items,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(later.len(), 2);
    let update = later.iter().find(|i| i.name == "photo.jpg").expect("the changed file is uploaded");
    assert_eq!((update.item.as_str(), update.width), (photo.as_str(), Some(90)));
}
