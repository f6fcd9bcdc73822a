//! The invariants of ARCHITECTURE.md that the crate graph alone cannot enforce, checked over the
//! sources: no source file over 500 lines (tests aside), no import cycle between the modules of
//! `trove-core`, and the crate boundaries (the server never depends on the app's cache; the
//! rulebook depends on the wire types alone).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A file's lines before its `#[cfg(test)] mod tests` block.
fn code_of(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().collect();
    let end = lines.windows(2).position(|w| w[0].trim() == "#[cfg(test)]" && w[1].starts_with("mod tests")).unwrap_or(lines.len());
    lines[..end].to_vec()
}

#[test]
fn no_source_file_is_over_500_lines() {
    let root = root();
    let mut files = Vec::new();
    for dir in std::fs::read_dir(root.join("crates")).unwrap() {
        let src = dir.unwrap().path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    rust_files(&root.join("src-tauri/src"), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter(|f| f.file_name().is_some_and(|n| n != "tests.rs"))
        .filter_map(|f| {
            let n = code_of(&std::fs::read_to_string(f).unwrap()).len();
            (n > 500).then(|| format!("{} ({n} lines)", f.strip_prefix(&root).unwrap().display()))
        })
        .collect();
    assert!(long.is_empty(), "split these files (500 lines at most, tests aside): {long:?}");
}

#[test]
fn the_modules_of_core_import_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let module = rel.iter().next().unwrap().to_string_lossy().trim_end_matches(".rs").to_string();
        if module == "lib" || module == "testing" || rel.ends_with("tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        let deps = graph.entry(module.clone()).or_default();
        for line in code_of(&text) {
            let mut rest = line;
            while let Some(at) = rest.find("crate::") {
                rest = &rest[at + 7..];
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if name.chars().next().is_some_and(|c| c.is_lowercase()) && name != module {
                    deps.insert(name);
                }
            }
            if let Some(group) = line.trim().strip_prefix("use crate::{") {
                for name in group.trim_end_matches("};").split(',') {
                    let name = name.trim().split("::").next().unwrap().to_string();
                    if name.chars().next().is_some_and(|c| c.is_lowercase()) && name != module {
                        deps.insert(name);
                    }
                }
            }
        }
    }
    // Depth-first search for a back edge.
    fn visit(m: &str, graph: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut cycle = path[at..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for d in graph.get(m).into_iter().flatten() {
            if let Some(c) = visit(d, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        if let Some(cycle) = visit(m, &graph, &mut Vec::new(), &mut done) {
            panic!("trove-core's modules import each other in a cycle: {}", cycle.join(" -> "));
        }
    }
}

/// The `[dependencies]` of a crate's manifest (not its dev-dependencies).
fn dependencies(manifest: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join(manifest)).unwrap();
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with('[') {
            inside = line.trim() == "[dependencies]";
        } else if inside {
            if let Some((name, _)) = line.split_once('=') {
                out.push(name.trim().trim_end_matches(".workspace").to_string());
            }
        }
    }
    out
}

#[test]
fn the_crate_graph_keeps_each_part_in_its_place() {
    let server = dependencies("crates/server/Cargo.toml");
    assert!(!server.iter().any(|d| d == "trove-core" || d == "trove-sync"), "trove-server must not depend on the app's crates: {server:?}");
    let rulebook = dependencies("crates/rulebook/Cargo.toml");
    assert_eq!(rulebook, ["trove-protocol"], "the rulebook is pure: wire types only");
    let core = dependencies("crates/core/Cargo.toml");
    assert!(!core.iter().any(|d| d.starts_with("tauri") || d == "reqwest" || d == "axum"), "trove-core knows no Tauri or HTTP: {core:?}");
    let import = dependencies("crates/import/Cargo.toml");
    assert!(
        !import.iter().any(|d| d.starts_with("tauri") || d == "reqwest" || d == "axum" || d == "rusqlite" || d.starts_with("trove-core")),
        "trove-import reads files only: no database, HTTP or app crate: {import:?}"
    );
}
