//! `trove-sync` has no SQL: what it needs of the cache is a `trove-core` function (ARCHITECTURE:
//! core is the only code with SQL for the app). Fails when a source file under `src/` holds a
//! statement or runs one.

use std::path::Path;

const SQL: [&str; 8] = ["SELECT ", "INSERT ", "UPDATE ", "DELETE ", "CREATE ", ".execute(", ".prepare(", ".query_row("];

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_source_file_of_trove_sync_holds_sql() {
    let mut files = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    assert!(files.len() >= 4, "{files:?}");
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            for word in SQL.iter().filter(|w| line.contains(*w)) {
                found.push(format!("{}:{}: {word:?} in {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "trove-sync has SQL; move it into a trove-core function:\n{}", found.join("\n"));
}
