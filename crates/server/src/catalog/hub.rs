//! `trove-server catalog import --hub FILE.json`: a JSON array of Hub items (models, datasets,
//! Spaces, papers) becomes items of a `hub` project, one dataset per type. Every entry is
//! checked before anything is written, so one bad entry imports nothing; an item already in the
//! project (same type and id) is counted as a duplicate.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use trove_demo::{hub_url, HUB_DATASETS};
use trove_protocol::{rules, ItemKind, ProjectKind};

use super::{count, ensure_project};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::items::{self, NewItem};
use crate::store::{datasets, now_ms, projects};

/// Longest part of a repository id (`org` or `name`).
const REPO_PART_MAX: usize = 96;

/// One entry of the list; fields other than these are ignored.
#[derive(Deserialize)]
struct Entry {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
}

/// An entry that passed every check.
struct Checked {
    kind: ItemKind,
    id: String,
    name: String,
    tags: Vec<String>,
}

/// Imports the Hub items listed in `file` into project `project` (a hub project, created if
/// new) of namespace `namespace`, and reports what it did.
pub fn import_hub(state: &AppState, namespace: &str, project: &str, file: &Path) -> anyhow::Result<String> {
    let project = projects::check_name("project", project)?;
    let entries = read(file)?;
    let (imported, duplicates) = state.db.write(|tx| {
        let ns = super::namespace(tx, namespace)?;
        let project_id = ensure_project(tx, ns, namespace, &project, ProjectKind::Hub, "")?;
        let mut imported: BTreeMap<usize, usize> = BTreeMap::new();
        let mut duplicates = 0;
        let mut dataset_ids = BTreeMap::new();
        let now = now_ms();
        for e in &entries {
            let (order, dataset) = dataset_of(e.kind);
            let dataset_id = match dataset_ids.get(&order) {
                Some(id) => *id,
                None => {
                    let id = datasets::ensure(tx, project_id, dataset)?;
                    dataset_ids.insert(order, id);
                    id
                }
            };
            match items::insert(tx, project_id, &new_item(dataset_id, e.kind, &e.id, &e.name, 0, &e.tags, now))? {
                Some(_) => *imported.entry(order).or_default() += 1,
                None => duplicates += 1,
            }
        }
        projects::touch(tx, project_id)?;
        Ok::<_, Error>((imported, duplicates))
    })?;
    let total: usize = imported.values().sum();
    let mut report = format!("imported {} into {namespace}/{project}", count(total, "Hub item", "Hub items"));
    if total > 0 {
        let kinds: Vec<String> = imported.iter().map(|(order, n)| count(*n, HUB_DATASETS[*order].0.as_str(), HUB_DATASETS[*order].1)).collect();
        report.push_str(&format!(" ({})", kinds.join(", ")));
    }
    if duplicates > 0 {
        report.push_str(&format!("; {}", count(duplicates, "duplicate", "duplicates")));
    }
    Ok(report)
}

/// Where a Hub item of `kind` goes: the index of its dataset in [`HUB_DATASETS`] and its name.
pub(crate) fn dataset_of(kind: ItemKind) -> (usize, &'static str) {
    let order = HUB_DATASETS.iter().position(|(k, _)| *k == kind).unwrap_or(0);
    (order, HUB_DATASETS[order].1)
}

/// The item for a Hub entry: identity `<type>:<id>`, its Hub page as the source, no picture.
pub(crate) fn new_item(dataset: i64, kind: ItemKind, id: &str, name: &str, size: u64, tags: &[String], created_at: i64) -> NewItem {
    NewItem {
        dataset,
        kind,
        name: name.to_string(),
        mime: format!("application/x-hub-{}", kind.as_str()),
        width: None,
        height: None,
        size,
        labels_count: 0,
        created_at,
        thumb: None,
        source: hub_url(kind, id),
        identity: format!("{}:{id}", kind.as_str()),
        tags: tags.to_vec(),
    }
}

/// Reads and checks every entry of the list.
fn read(file: &Path) -> Result<Vec<Checked>> {
    let shown = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::NotFound(format!("hub list {shown:?} does not exist")),
        _ => Error::Invalid(format!("hub list {shown:?} cannot be read: {e}")),
    })?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| Error::Invalid(format!("hub list {shown:?} is not valid JSON: {e}")))?;
    let serde_json::Value::Array(values) = value else {
        return Err(Error::Invalid(format!(
            "hub list {shown:?} is not a JSON array; expected [{{\"type\": \"model\", \"id\": \"org/name\"}}, ...]"
        )));
    };
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            check(v).map_err(|e| Error::Invalid(format!("hub list {shown:?}, entry at index {i}: {e}; nothing was imported")))
        })
        .collect()
}

fn check(value: serde_json::Value) -> Result<Checked, String> {
    let e: Entry = serde_json::from_value(value).map_err(|e| e.to_string())?;
    let kind = match e.kind.as_str() {
        "model" => ItemKind::Model,
        "dataset" => ItemKind::Dataset,
        "space" => ItemKind::Space,
        "paper" => ItemKind::Paper,
        other => return Err(format!("type {other:?} is not a Hub item type; use model, dataset, space or paper")),
    };
    if kind == ItemKind::Paper && !is_paper_id(&e.id) {
        return Err(format!("paper id {:?} is not an arXiv id like 2306.00637", e.id));
    }
    if kind != ItemKind::Paper && !is_repo_id(&e.id) {
        return Err(format!(
            "{} id {:?} is not valid; expected NAME or ORG/NAME, each 1 to {REPO_PART_MAX} letters, digits, '.', '_' or '-', \
             not starting or ending with '.' or '-'",
            kind.as_str(),
            e.id
        ));
    }
    let name = match &e.name {
        Some(name) => projects::check_name("item", name).map_err(|e| e.to_string())?,
        None => e.id.clone(),
    };
    let tags = e.tags.iter().map(|t| rules::tag(t).map_err(|e| e.to_string())).collect::<Result<_, _>>()?;
    Ok(Checked { kind, id: e.id, name, tags })
}

/// `name` or `org/name`: each part 1 to 96 of `[A-Za-z0-9._-]`, not starting or ending with
/// `.` or `-`.
pub(crate) fn is_repo_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('/').collect();
    parts.len() <= 2
        && parts.iter().all(|p| {
            (1..=REPO_PART_MAX).contains(&p.len())
                && p.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
                && !p.starts_with(['.', '-'])
                && !p.ends_with(['.', '-'])
        })
}

/// An arXiv id: four digits, a dot, four or five digits.
pub(crate) fn is_paper_id(id: &str) -> bool {
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    id.split_once('.').is_some_and(|(a, b)| a.len() == 4 && (4..=5).contains(&b.len()) && digits(a) && digits(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::testing::server;

    fn write(dir: &Path, json: &str) -> std::path::PathBuf {
        let path = dir.join("items.json");
        std::fs::write(&path, json).unwrap();
        path
    }

    /// (dataset, kind, name, mime, size, source, identity, tags) of every item, in insert order.
    fn items(state: &AppState) -> Vec<[String; 8]> {
        state
            .db
            .read(|c| {
                let mut stmt = c.prepare(
                    "SELECT d.name, i.kind, i.name, i.mime, CAST(i.size AS TEXT), i.source, i.identity, replace(i.tags_text, char(31), ',') \
                     FROM items i JOIN datasets d ON d.id = i.dataset_id ORDER BY i.id",
                )?;
                let rows = stmt
                    .query_map([], |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?]))?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok::<_, Error>(rows)
            })
            .unwrap()
    }

    #[test]
    fn imports_hub_items_into_one_dataset_per_type_and_again_as_duplicates() {
        let (dir, state) = server();
        let file = write(
            dir.path(),
            r#"[
                {"type": "model", "id": "warp-ai/wuerstchen", "tags": ["text-to-image"], "likes": 12},
                {"type": "dataset", "id": "openai/gsm8k", "name": "GSM8K", "tags": ["math", "llm"]},
                {"type": "space", "id": "coqui/xtts"},
                {"type": "paper", "id": "2306.00637"},
                {"type": "model", "id": "gpt2"},
                {"type": "model", "id": "gpt2"}
            ]"#,
        );
        let report = import_hub(&state, "lab", "Hub", &file).unwrap();
        assert_eq!(report, "imported 5 Hub items into lab/Hub (2 models, 1 dataset, 1 space, 1 paper); 1 duplicate");
        let row = |cols: [&str; 8]| cols.map(String::from);
        assert_eq!(
            items(&state),
            [
                row(["models", "model", "warp-ai/wuerstchen", "application/x-hub-model", "0", "https://huggingface.co/warp-ai/wuerstchen", "model:warp-ai/wuerstchen", "text-to-image"]),
                row(["datasets", "dataset", "GSM8K", "application/x-hub-dataset", "0", "https://huggingface.co/datasets/openai/gsm8k", "dataset:openai/gsm8k", "llm,math"]),
                row(["spaces", "space", "coqui/xtts", "application/x-hub-space", "0", "https://huggingface.co/spaces/coqui/xtts", "space:coqui/xtts", ""]),
                row(["papers", "paper", "2306.00637", "application/x-hub-paper", "0", "https://huggingface.co/papers/2306.00637", "paper:2306.00637", ""]),
                row(["models", "model", "gpt2", "application/x-hub-model", "0", "https://huggingface.co/gpt2", "model:gpt2", ""]),
            ]
        );
        let hub = state.db.write(|tx| {
            let ns = crate::store::accounts::namespace_id(tx, "lab")?.unwrap();
            Ok::<_, Error>((projects::find(tx, "lab", "Hub")?, Some(projects::hub(tx, ns)?)))
        });
        let (found, hub) = hub.unwrap();
        assert_eq!(found, hub, "the namespace's first hub project is its Hub project");

        let again = import_hub(&state, "lab", "Hub", &file).unwrap();
        assert_eq!(again, "imported 0 Hub items into lab/Hub; 6 duplicates");
        assert_eq!(items(&state).len(), 5);
    }

    #[test]
    fn a_bad_entry_imports_nothing_and_names_its_index_and_value() {
        let (dir, state) = server();
        let cases = [
            (r#"[{"type": "model", "id": "ok/fine"}, {"type": "model", "id": "a/b/c"}]"#, "entry at index 1: model id \"a/b/c\" is not valid"),
            (r#"[{"type": "model", "id": "ok"}, {"type": "repo", "id": "x"}]"#, "entry at index 1: type \"repo\" is not a Hub item type"),
            (r#"[{"type": "space", "id": "-dash/start"}]"#, "entry at index 0: space id \"-dash/start\" is not valid"),
            (r#"[{"type": "dataset", "id": "org/"}]"#, "entry at index 0: dataset id \"org/\" is not valid"),
            (r#"[{"type": "paper", "id": "2306.637"}]"#, "entry at index 0: paper id \"2306.637\" is not an arXiv id"),
            (r#"[{"type": "paper", "id": "2306.00637"}, {"id": "x"}]"#, "entry at index 1: missing field `type`"),
            (r#"[{"type": "model", "id": "ok", "tags": [""]}]"#, "entry at index 0: tag is empty"),
            (r#"{"type": "model"}"#, "is not a JSON array"),
            ("[{", "is not valid JSON"),
        ];
        for (json, want) in cases {
            let file = write(dir.path(), json);
            let e = import_hub(&state, "lab", "Hub", &file).unwrap_err().to_string();
            assert!(e.contains(want), "{json}: {e}");
            assert!(e.contains("items.json"), "names the file: {e}");
        }
        assert!(items(&state).is_empty(), "nothing imported");
        assert_eq!(state.db.read(|c| projects::find(c, "lab", "Hub")).unwrap(), None, "no project made either");
        let long = format!("{}/x", "a".repeat(97));
        assert!(!is_repo_id(&long) && is_repo_id(&long[1..]));
        assert!(is_paper_id("2310.06825") && is_paper_id("2310.0682") && !is_paper_id("231.06825") && !is_paper_id("2310.068255"));
    }

    #[test]
    fn a_hub_list_needs_a_hub_project_and_an_existing_file() {
        let (dir, state) = server();
        state
            .db
            .write(|tx| {
                let ns = crate::store::accounts::namespace_id(tx, "lab")?.unwrap();
                projects::insert(tx, ns, "Photos", ProjectKind::Image, "", false)
            })
            .unwrap();
        let file = write(dir.path(), r#"[{"type": "model", "id": "gpt2"}]"#);
        let e = import_hub(&state, "lab", "Photos", &file).unwrap_err().to_string();
        assert_eq!(e, "project \"lab/Photos\" holds image items; this import needs a hub project, so choose another project name");
        let missing = dir.path().join("none.json");
        let e = import_hub(&state, "lab", "Hub", &missing).unwrap_err().to_string();
        assert_eq!(e, format!("hub list {:?} does not exist", missing.display().to_string()));
    }
}
