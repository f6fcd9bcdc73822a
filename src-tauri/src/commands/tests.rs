//! The commands through Tauri's mock runtime: the IPC names, argument casing and error shape
//! the UI relies on, over a real store in a temporary directory.

use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;
use trove_protocol::{AddOutcome, ApiError, Collection, ErrorCode, ItemPage, Project, Summary};

use crate::AppState;

struct App {
    window: WebviewWindow<MockRuntime>,
    _app: tauri::App<MockRuntime>,
    _dir: tempfile::TempDir,
}

fn app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let store = trove_core::Store::open(&dir.path().join("trove.db"), &dir.path().join("thumbs")).unwrap();
    trove_core::demo::ensure(&store).unwrap();
    let app = crate::builder(mock_builder())
        .manage(AppState::ready(store))
        .build(mock_context(noop_assets()))
        .unwrap();
    let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    App { window, _app: app, _dir: dir }
}

impl App {
    fn call<T: DeserializeOwned>(&self, cmd: &str, args: Value) -> Result<T, ApiError> {
        let response = get_ipc_response(
            &self.window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: tauri::ipc::InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        );
        match response {
            Ok(body) => Ok(body.deserialize().unwrap()),
            Err(err) => Err(serde_json::from_value(err).expect("errors cross IPC as {code, message}")),
        }
    }

    fn project(&self) -> Project {
        let projects: Vec<Project> = self.call("list_projects", json!({})).unwrap();
        projects.into_iter().find(|p| p.kind == trove_protocol::ProjectKind::Image).unwrap()
    }
}

#[test]
fn near_duplicates_of_the_demo_over_ipc() {
    let app = app();
    let p = app.project();
    let found: trove_protocol::Duplicates = app.call("near_duplicates", json!({ "projectId": p.id, "query": {}, "distance": 28 })).unwrap();
    assert!(found.group_count >= 30 && found.checked == 3000, "{} groups of {}", found.group_count, found.checked);
    assert!(found.groups.iter().all(|g| g.items[1..].iter().all(|i| i.name.contains("_copy"))));
    let err = app.call::<trove_protocol::Duplicates>("near_duplicates", json!({ "projectId": p.id, "query": {}, "distance": 99 })).unwrap_err();
    assert!(err.message.contains("99 bits is too far"), "{}", err.message);
}

#[test]
fn gallery_filter_select_and_collect_over_ipc() {
    let app = app();
    let p = app.project();
    assert_eq!(p.item_count, 3000);
    let datasets: Vec<trove_protocol::Dataset> = app.call("list_datasets", json!({ "projectId": p.id })).unwrap();
    let park = datasets.iter().find(|d| d.name == "park").unwrap();
    let query = json!({ "filter": { "clauses": [{ "negate": false, "cond": { "field": "datasets", "ids": [park.id] } }] }, "collection": null, "sort": { "key": "name", "desc": false } });
    let summary: Summary = app.call("summarize", json!({ "projectId": p.id, "query": query })).unwrap();
    assert_eq!(summary.total, 1000);
    let page: ItemPage = app.call("query_items", json!({ "projectId": p.id, "query": query, "offset": 0, "limit": 200 })).unwrap();
    assert_eq!(page.items.len(), 200);
    assert!(page.items.iter().all(|i| i.dataset_name == "park" && i.thumb.is_some()));
    let range: Vec<i64> = app.call("item_ids", json!({ "projectId": p.id, "query": query, "offset": 0, "limit": 10 })).unwrap();
    assert_eq!(range, page.items[..10].iter().map(|i| i.id).collect::<Vec<_>>());

    let c: Collection = app
        .call("create_collection", json!({ "projectId": p.id, "input": { "title": "False positives", "description": "from the park" } }))
        .unwrap();
    let out: AddOutcome = app
        .call("add_to_collection", json!({ "projectId": p.id, "collectionId": c.id, "selection": { "type": "ids", "ids": range } }))
        .unwrap();
    assert_eq!(out, AddOutcome { added: 10, already: 0 });
    // Select all matching, except two: one bulk statement.
    let all = json!({ "type": "matching", "query": query, "except": [range[0], range[1]] });
    let n: u64 = app.call("count_selection", json!({ "projectId": p.id, "selection": all })).unwrap();
    assert_eq!(n, 998);
    let out: AddOutcome = app.call("add_to_collection", json!({ "projectId": p.id, "collectionId": c.id, "selection": all })).unwrap();
    assert_eq!(out, AddOutcome { added: 990, already: 8 });
    let cols: Vec<Collection> = app.call("list_collections", json!({ "projectId": p.id })).unwrap();
    assert_eq!(cols.iter().find(|x| x.id == c.id).unwrap().item_count, 1000);
    let removed: u64 = app
        .call("remove_from_collection", json!({ "projectId": p.id, "collectionId": c.id, "selection": { "type": "ids", "ids": &range[..3] } }))
        .unwrap();
    assert_eq!(removed, 3);

    // The demo is a local project: its history is this session's, newest first, by "You".
    let h: trove_protocol::history::CollectionHistory = app.call("collection_history", json!({ "collectionId": c.id, "query": {} })).unwrap();
    let kinds: Vec<(&str, u64)> = h.entries.iter().map(|e| (e.kind.as_str(), e.count)).collect();
    assert_eq!(kinds, [("removed", 3), ("added", 990), ("added", 10), ("created", 0)]);
    assert!(h.entries.iter().all(|e| e.author == "You" && !e.pending));
    assert!(h.notice.unwrap().contains("only on this device"));
    let err = app.call::<trove_protocol::history::CollectionHistory>("collection_history", json!({ "collectionId": c.id, "query": { "limit": 0 } })).unwrap_err();
    assert_eq!(err.message, "history not shown: limit 0 is out of range; a page holds 1 to 100 changes");
}

#[test]
fn bad_input_comes_back_as_a_readable_error() {
    let app = app();
    let p = app.project();
    let err = app.call::<Collection>("create_collection", json!({ "projectId": p.id, "input": { "title": "   " } })).unwrap_err();
    assert_eq!(err, ApiError::new(ErrorCode::InvalidInput, "title is empty; a collection needs a title"));
    let c: Collection = app.call("create_collection", json!({ "projectId": p.id, "input": { "title": "Keep" } })).unwrap();
    let err = app.call::<Collection>("create_collection", json!({ "projectId": p.id, "input": { "title": "keep" } })).unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    let ids: Vec<i64> = app.call("item_ids", json!({ "projectId": p.id, "query": {}, "offset": 0, "limit": 1 })).unwrap();
    app.call::<AddOutcome>("add_to_collection", json!({ "projectId": p.id, "collectionId": c.id, "selection": { "type": "ids", "ids": ids } }))
        .unwrap();
    let err = app.call::<()>("set_note", json!({ "collectionId": c.id, "itemId": ids[0], "note": "x".repeat(501) })).unwrap_err();
    assert_eq!(err.message, "note is 501 characters; at most 500 are allowed");
    let err = app.call::<u64>("tag_items", json!({ "projectId": p.id, "selection": { "type": "ids", "ids": ids }, "tags": ["  "] })).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = app.call::<ItemPage>("query_items", json!({ "projectId": 999, "query": {}, "offset": 0, "limit": 10 })).unwrap_err();
    assert_eq!(err, ApiError::new(ErrorCode::NotFound, "project 999 does not exist"));
}

#[test]
fn without_a_server_the_app_works_offline_and_says_why_server_actions_wait() {
    use trove_protocol::remote::{ServerSettings, SyncState, SyncStatus};
    let app = app();
    let status: SyncStatus = app.call("sync_status", json!({})).unwrap();
    assert_eq!((status.state, status.pending, status.server_url.as_deref()), (SyncState::Offline, 0, None));
    let settings: ServerSettings = app.call("get_server_settings", json!({})).unwrap();
    assert!(!settings.has_token && !settings.managed);
    // Local (demo) projects record nothing to push.
    let p = app.project();
    app.call::<Collection>("create_collection", json!({ "projectId": p.id, "input": { "title": "Local only" } })).unwrap();
    let status: SyncStatus = app.call("sync_status", json!({})).unwrap();
    assert_eq!(status.pending, 0);
    let err = app.call::<Vec<trove_protocol::remote::RemoteProject>>("remote_projects", json!({})).unwrap_err();
    assert!(err.message.starts_with("no server is in use"), "{}", err.message);
    let bad = json!({ "input": { "server_url": "localhost:8080", "token": "t", "work_offline": false, "offline_budget_mb": 100 } });
    let err = app.call::<ServerSettings>("save_server_settings", bad).unwrap_err();
    assert_eq!(err.message, "\"localhost:8080\" is not a server address; use http://host:port or https://host");
    let no_token = json!({ "input": { "server_url": "http://127.0.0.1:9", "token": null, "work_offline": false, "offline_budget_mb": 100 } });
    let err = app.call::<ServerSettings>("save_server_settings", no_token).unwrap_err();
    assert!(err.message.starts_with("an API token is needed to sign in to http://127.0.0.1:9"), "{}", err.message);
    let settings: ServerSettings = app.call("get_server_settings", json!({})).unwrap();
    assert_eq!(settings.server_url, None, "refused settings change nothing");
}

#[test]
fn a_labeling_queue_from_create_to_move_accepted_over_ipc() {
    use trove_protocol::queue::{MoveOutcome, Queue, QueueCounts, QueueItem, QueueItemPage, ReviewOutcome};
    let app = app();
    let p = app.project();
    let counts = |p, a, d, acc, r| QueueCounts { pending: p, annotating: a, done: d, accepted: acc, rejected: r };
    let ids: Vec<i64> = app.call("item_ids", json!({ "projectId": p.id, "query": {}, "offset": 0, "limit": 7 })).unwrap();
    let source: Collection = app.call("create_collection", json!({ "projectId": p.id, "input": { "title": "Found" } })).unwrap();
    let add = |ids: &[i64]| {
        app.call::<AddOutcome>("add_to_collection", json!({ "projectId": p.id, "collectionId": source.id, "selection": { "type": "ids", "ids": ids } }))
            .unwrap()
    };
    add(&ids[..5]);
    let input = json!({ "collection_id": source.id, "name": "Batch 1", "annotators": [], "reviewers": [], "tags": ["cat", "dog"] });
    let q: Queue = app.call("create_queue", json!({ "projectId": p.id, "input": input })).unwrap();
    assert_eq!((q.counts, q.can_annotate, q.can_review), (counts(5, 0, 0, 0, 0), true, true));
    let user: String = app.call("current_user", json!({ "projectId": p.id })).unwrap();
    let people: Vec<String> = app.call("project_people", json!({ "projectId": p.id })).unwrap();
    assert_eq!((user.as_str(), people), ("you", vec!["you".to_string()]));
    add(&ids[5..]);
    let listed: Vec<Queue> = app.call("list_queues", json!({ "projectId": p.id })).unwrap();
    assert_eq!(listed.iter().map(|x| (x.id, x.counts)).collect::<Vec<_>>(), [(q.id, counts(7, 0, 0, 0, 0))]);
    let claimed: Vec<QueueItem> = app.call("claim_queue_items", json!({ "queueId": q.id, "count": 3 })).unwrap();
    assert_eq!(claimed.iter().map(|i| i.item.id).collect::<Vec<_>>(), ids[..3]);
    let mine: Vec<QueueItem> = app.call("my_queue_work", json!({ "queueId": q.id })).unwrap();
    assert_eq!(mine.len(), 3);
    for item in &claimed {
        let args = json!({ "queueId": q.id, "itemId": item.item.id, "add": ["checked"], "remove": [] });
        app.call::<Queue>("submit_queue_item", args).unwrap();
    }
    let done: QueueItemPage = app.call("queue_items", json!({ "queueId": q.id, "status": "done", "offset": 0, "limit": 50 })).unwrap();
    assert_eq!(done.total, 3);
    assert!(done.items.iter().all(|i| i.item.tags.contains(&"checked".to_string()) && i.item.labels_count > 0), "tags and labeled on the items");
    let out: ReviewOutcome = app.call("review_queue_items", json!({ "queueId": q.id, "itemIds": &ids[..2], "accept": true, "comment": "" })).unwrap();
    assert_eq!((out.applied, out.refused.len()), (2, 0));
    let out: ReviewOutcome = app.call("review_queue_items", json!({ "queueId": q.id, "itemIds": [ids[2]], "accept": false, "comment": "blurry" })).unwrap();
    assert_eq!(out.applied, 1);
    let listed: Vec<Queue> = app.call("list_queues", json!({ "projectId": p.id })).unwrap();
    assert_eq!(listed[0].counts, counts(4, 0, 0, 2, 1));
    let moved: MoveOutcome = app.call("move_accepted", json!({ "queueId": q.id, "target": { "type": "new", "title": "For training" } })).unwrap();
    assert_eq!((moved.moved, moved.collection.item_count), (2, 2));
    let cols: Vec<Collection> = app.call("list_collections", json!({ "projectId": p.id })).unwrap();
    assert_eq!(cols.iter().find(|c| c.id == source.id).unwrap().item_count, 5);
    let all: QueueItemPage = app.call("queue_items", json!({ "queueId": q.id, "status": null, "offset": 0, "limit": 50 })).unwrap();
    assert_eq!(all.total, 7, "5 members and the 2 accepted, kept as history");
    let summary: Summary = app.call("summarize", json!({ "projectId": p.id, "query": {} })).unwrap();
    assert_eq!(summary.queues[0].counts, counts(4, 0, 0, 2, 1));
    let err = app.call::<Vec<QueueItem>>("claim_queue_items", json!({ "queueId": q.id, "count": 0 })).unwrap_err();
    assert_eq!(err, ApiError::new(ErrorCode::InvalidInput, "a claim takes 1 to 500 items; 0 were asked for"));
    app.call::<()>("close_queue", json!({ "queueId": q.id })).unwrap();
    let err = app.call::<Vec<QueueItem>>("claim_queue_items", json!({ "queueId": q.id, "count": 1 })).unwrap_err();
    assert_eq!((err.code, err.message.as_str()), (ErrorCode::Conflict, "queue \u{201c}Batch 1\u{201d} is closed; nobody works in it any more"));
    let err = app.call::<Queue>("submit_queue_item", json!({ "queueId": 999, "itemId": ids[0], "add": [], "remove": [] })).unwrap_err();
    assert_eq!(err, ApiError::new(ErrorCode::NotFound, "queue 999 does not exist"));
}

/// The command names a source file calls with `call<…>('name'` or `call('name'`.
fn called_commands(ts: &str) -> std::collections::BTreeSet<String> {
    ts.match_indices("call")
        .filter_map(|(at, _)| {
            let rest = &ts[at + 4..];
            let rest = if rest.starts_with('<') { &rest[rest.find(">(")? + 1..] } else { rest };
            let name = rest.strip_prefix("('")?;
            Some(name[..name.find('\'')?].to_string())
        })
        .collect()
}

#[test]
fn the_ui_calls_exactly_the_commands_the_shell_handles_and_the_dev_mock_answers() {
    let handled: std::collections::BTreeSet<String> = include_str!("mod.rs")
        .split("generate_handler![")
        .nth(1)
        .and_then(|s| s.split(']').next())
        .unwrap()
        .split(',')
        .filter_map(|path| path.trim().rsplit("::").next().filter(|n| !n.is_empty()).map(String::from))
        .collect();
    let called = called_commands(include_str!("../../../ui/src/lib/api/index.ts"));
    assert!(called.len() > 20, "{called:?}");
    assert_eq!(called, handled, "ui/src/lib/api/index.ts and commands::handler() must name the same commands");
    let mock = [include_str!("../../../ui/dev/mock-backend.ts"), include_str!("../../../ui/dev/mock-sync.ts"), include_str!("../../../ui/dev/mock-undo.ts"), include_str!("../../../ui/dev/mock-history.ts")].concat();
    let unmocked: Vec<&String> = called.iter().filter(|c| !mock.contains(&format!("{c}:")) && !mock.contains(&format!("{c}(")) && !mock.contains(&format!("'{c}'"))).collect();
    assert!(unmocked.is_empty(), "the dev mock backend (ui/dev) does not answer {unmocked:?}");
}

/// The argument names each command is called with in a source file: `call<…>('name', { a, b })`
/// (none without an object).
fn called_arguments(ts: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    ts.split("call")
        .skip(1)
        .filter_map(|rest| {
            let rest = if rest.starts_with('<') { &rest[rest.find(">(")? + 1..] } else { rest };
            let rest = rest.strip_prefix("('")?;
            let name = &rest[..rest.find('\'')?];
            let after = &rest[name.len() + 1..];
            let args = match after.trim_start().strip_prefix(',') {
                Some(obj) => {
                    let obj = obj.trim_start().strip_prefix('{')?;
                    obj[..obj.find('}')?].split(',').map(|a| a.split(':').next().unwrap_or(a).trim().to_string()).filter(|a| !a.is_empty()).collect()
                }
                None => Vec::new(),
            };
            Some((name.to_string(), args))
        })
        .collect()
}

/// The arguments the UI names for each command of `source` (a `commands/*.rs` file): the
/// parameters of its `#[tauri::command]` functions in camelCase, without the injected ones.
fn handled_arguments(source: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    let camel = |snake: &str| {
        let mut out = String::new();
        let mut up = false;
        for c in snake.chars() {
            if c == '_' {
                up = true;
            } else {
                out.push(if up { c.to_ascii_uppercase() } else { c });
                up = false;
            }
        }
        out
    };
    source
        .split("#[tauri::command]")
        .skip(1)
        .filter_map(|rest| {
            let rest = &rest[rest.find("fn ")? + 3..];
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let params = &rest[rest.find('(')? + 1..rest.find(") ->")?];
            let args = params
                .split(',')
                .filter_map(|p| p.split_once(':'))
                .filter(|(_, ty)| !ty.trim().starts_with("State<") && !ty.trim().starts_with("AppHandle<"))
                .map(|(n, _)| camel(n.trim()))
                .collect();
            Some((name, args))
        })
        .collect()
}

#[test]
fn the_ui_names_exactly_the_arguments_each_command_takes() {
    let sources = [
        include_str!("collections.rs"),
        include_str!("dupes.rs"),
        include_str!("import.rs"),
        include_str!("items.rs"),
        include_str!("links.rs"),
        include_str!("members.rs"),
        include_str!("projects.rs"),
        include_str!("queues.rs"),
        include_str!("settings.rs"),
        include_str!("sync.rs"),
        include_str!("tags.rs"),
        include_str!("undo.rs"),
        include_str!("views.rs"),
    ];
    let handled: std::collections::BTreeMap<String, Vec<String>> = sources.iter().flat_map(|s| handled_arguments(s)).collect();
    let called = called_arguments(include_str!("../../../ui/src/lib/api/index.ts"));
    assert_eq!(handled.keys().collect::<Vec<_>>(), called.keys().collect::<Vec<_>>(), "every handled command is in these files");
    assert_eq!(handled["add_to_collection"], ["projectId", "collectionId", "selection"]);
    for (name, args) in &called {
        let mut want = handled[name].clone();
        let mut got = args.clone();
        want.sort();
        got.sort();
        assert_eq!(got, want, "ui/src/lib/api/index.ts calls {name} with other arguments than the shell's handler takes");
    }
}

#[test]
fn a_folder_is_imported_in_the_background_and_its_status_read_over_ipc() {
    use trove_protocol::import::{ImportState, ImportStatus};
    let app = app();
    let p = app.project();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("Holiday");
    let expected = trove_import::fixture::write(&root, &dir.path().join("outside"));
    let missing: ApiError = app.call::<ImportStatus>("import_folder", json!({"projectId": p.id, "path": "/no/such/folder"})).unwrap_err();
    assert_eq!((missing.code, missing.message.as_str()), (ErrorCode::InvalidInput, "folder \"/no/such/folder\" does not exist"));

    let started: ImportStatus = app.call("import_folder", json!({"projectId": p.id, "path": root.display().to_string(), "dataset": null})).unwrap();
    assert_eq!((started.dataset.as_str(), started.project_id), ("Holiday", p.id));
    let mut status = started;
    for _ in 0..600 {
        status = app.call("import_status", json!({})).unwrap();
        if status.state != ImportState::Running {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(status.state, ImportState::Done, "{}", status.message);
    assert_eq!((status.indexed, status.duplicates, status.failed), (expected.indexed as u64, expected.duplicates as u64, 2));
    let datasets: Vec<trove_protocol::Dataset> = app.call("list_datasets", json!({"projectId": p.id})).unwrap();
    assert!(datasets.iter().any(|d| d.name == "Holiday"), "the new dataset is listed");
    let cancelled: ImportStatus = app.call("cancel_import", json!({})).unwrap();
    assert_eq!(cancelled.state, ImportState::Done, "cancelling after the end changes nothing");
}

#[test]
fn add_to_a_new_collection_is_one_undo_step_and_redo_brings_it_back_over_ipc() {
    use trove_protocol::{AddedToNew, UndoState, Undone};
    let app = app();
    let p = app.project();
    let nothing: Option<Undone> = app.call("undo", json!({ "projectId": p.id })).unwrap();
    assert_eq!(nothing, None, "nothing to undo yet");
    let made: AddedToNew = app
        .call(
            "create_collection_and_add",
            json!({ "projectId": p.id, "input": { "title": "Keepers" }, "selection": { "type": "ids", "ids": [1, 2, 3] } }),
        )
        .unwrap();
    assert_eq!((made.collection.item_count, made.outcome.added), (3, 3));
    let state: UndoState = app.call("undo_state", json!({ "projectId": p.id })).unwrap();
    assert_eq!(state.undo.as_deref(), Some("Add 3 items to a new collection Keepers"));
    let undone: Option<Undone> = app.call("undo", json!({ "projectId": p.id })).unwrap();
    let undone = undone.unwrap();
    assert_eq!((undone.action.as_str(), undone.state.undo.as_deref()), ("Add 3 items to a new collection Keepers", None));
    let list: Vec<Collection> = app.call("list_collections", json!({ "projectId": p.id })).unwrap();
    assert!(list.iter().all(|c| c.title != "Keepers"));
    let _: Option<Undone> = app.call("redo", json!({ "projectId": p.id })).unwrap();
    let list: Vec<Collection> = app.call("list_collections", json!({ "projectId": p.id })).unwrap();
    assert_eq!(list.iter().find(|c| c.title == "Keepers").map(|c| c.item_count), Some(3));
}
