use trove_protocol::import::{ExportFormat, ExportRequest};
use trove_protocol::{NewCollection, Selection};

use super::*;
use crate::import::Importer;
use crate::testing::fixture;

/// Project Q with the import fixture's pictures, and a collection "Picks" holding photo.jpg,
/// drawing.png (noted, tagged) and Q's own item 6 (tagged cat, no original file), in that order.
fn picks() -> (crate::testing::Fixture, tempfile::TempDir, i64) {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    trove_import::fixture::write(&dir.path().join("pictures"), &dir.path().join("outside"));
    let importer = Importer::default();
    let plan = importer.begin(&f.store, f.q, &dir.path().join("pictures").display().to_string(), None).unwrap();
    importer.run(&f.store, &plan);
    let id = |name: &str| -> i64 { f.store.read(|c| Ok(c.query_row("SELECT id FROM items WHERE name = ?1 AND project_id = ?2", rusqlite::params![name, f.q], |r| r.get(0))?)).unwrap() };
    let input = NewCollection { title: "Picks".into(), description: String::new(), private: false, theme: None };
    let c = f.store.create_collection(f.q, &input).unwrap().id;
    for item in [id("photo.jpg"), id("drawing.png"), 6] {
        f.store.add_to_collection(f.q, c, &Selection::Ids { ids: vec![item] }).unwrap();
    }
    f.store.set_note(c, id("drawing.png"), "=HYPERLINK(\"x\"), with \"quotes\"\nand a line").unwrap();
    f.store.tag_items(f.q, &Selection::Ids { ids: vec![id("drawing.png")] }, &["sky".into(), "blue".into()]).unwrap();
    (f, dir, c)
}

#[test]
fn a_collection_exports_as_csv_in_its_order_with_notes_and_tags_that_a_csv_reader_reads_back() {
    let (f, dir, c) = picks();
    let out = dir.path().join("picks.csv");
    let report = f.store.export_collection(&ExportRequest { collection_id: c, format: ExportFormat::Csv, path: out.display().to_string(), numbered: false }).unwrap();
    assert_eq!((report.written, report.message.clone()), (3, format!("Exported 3 items of Picks to {}", out.display())));
    let mut reader = csv::Reader::from_path(&out).unwrap();
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), ["id", "name", "dataset", "path", "note", "position", "tags"]);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let col = |k: usize| records.iter().map(|r| r[k].to_string()).collect::<Vec<_>>();
    assert_eq!(col(1), ["photo.jpg", "drawing.png", "alpha.jpg"]);
    assert_eq!(col(2), ["pictures", "pictures", "Q1"]);
    assert_eq!(col(5), ["1", "2", "3"]);
    let pictures = std::fs::canonicalize(dir.path().join("pictures")).unwrap();
    assert_eq!(col(3)[0], pictures.join("photo.jpg").display().to_string());
    assert_eq!(col(4)[1], "'=HYPERLINK(\"x\"), with \"quotes\"\nand a line", "a formula is defused, quotes and lines kept");
    assert_eq!(col(6), ["", "blue;sky", "cat"]);
    assert_eq!(col(0)[0].len(), 36, "the item's UUID");
}

#[test]
fn a_collection_exports_as_json_and_its_originals_copy_into_a_folder_in_order() {
    let (f, dir, c) = picks();
    let out = dir.path().join("picks.json");
    f.store.export_collection(&ExportRequest { collection_id: c, format: ExportFormat::Json, path: out.display().to_string(), numbered: false }).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(json[1]["name"], "drawing.png");
    assert_eq!(json[1]["tags"], serde_json::json!(["blue", "sky"]));
    assert_eq!(json[2]["position"], 3);

    let folder = dir.path().join("copies");
    let report = f.store.export_collection(&ExportRequest { collection_id: c, format: ExportFormat::Files, path: folder.display().to_string(), numbered: true }).unwrap();
    assert_eq!(report.written, 2);
    assert_eq!(report.failed.len(), 1);
    assert_eq!((report.failed[0].name.as_str(), report.failed[0].reason.as_str()), ("alpha.jpg", "\"alpha.jpg\" has no original file on this computer"));
    let mut names: Vec<String> = std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["0001 photo.jpg", "0002 drawing.png"]);
    assert_eq!(std::fs::read(folder.join("0001 photo.jpg")).unwrap(), std::fs::read(dir.path().join("pictures/photo.jpg")).unwrap());
    // Again, unnumbered, into the same folder: nothing is overwritten; the window hears how far
    // the copy is, to its end.
    let heard = std::sync::Mutex::new(Vec::new());
    let request = ExportRequest { collection_id: c, format: ExportFormat::Files, path: folder.display().to_string(), numbered: false };
    let again = f.store.export_collection_with(&request, &|p| heard.lock().unwrap().push((p.done, p.total))).unwrap();
    assert_eq!(heard.into_inner().unwrap().last(), Some(&(3, 3)));
    assert_eq!(again.written, 2);
    assert!(folder.join("photo.jpg").exists() && folder.join("drawing.png").exists());
    assert_eq!(again.message, format!("Copied 2 of 3 files of Picks to {}; 1 could not be copied", folder.display()));
}

#[test]
fn an_export_to_a_relative_path_or_a_missing_folder_or_of_no_collection_is_a_sentence() {
    let (f, dir, c) = picks();
    let req = |path: String, collection_id: i64| ExportRequest { collection_id, format: ExportFormat::Csv, path, numbered: false };
    let e = f.store.export_collection(&req("picks.csv".into(), c)).unwrap_err().to_string();
    assert_eq!(e, "\"picks.csv\" is not a full path; give the file to export to, starting with /");
    let missing = dir.path().join("nope/picks.csv");
    let e = f.store.export_collection(&req(missing.display().to_string(), c)).unwrap_err().to_string();
    assert!(e.ends_with("does not exist; choose where to save the export"), "{e}");
    let e = f.store.export_collection(&req(dir.path().join("x.csv").display().to_string(), 999)).unwrap_err().to_string();
    assert_eq!(e, "collection 999 does not exist");
}
