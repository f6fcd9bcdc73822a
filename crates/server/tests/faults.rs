//! Push under network and process faults, against the real binary behind the fault proxy
//! (`trove-faultproxy`): whatever is lost or repeated on the way, a retried push applies each
//! mutation exactly once.

mod common;

use std::path::Path;
use std::time::Duration;

use common::process::{cli, Server};
use reqwest::Method;
use serde_json::{json, Value};
use trove_faultproxy::{Action, FaultProxy, Rule};

/// A server with user `alice` (admin of org `lab`) and a Hub project of 30 items.
fn setup(root: &Path) -> (Server, String, String, Vec<String>) {
    let data = root.join("data");
    cli(&data, &["user", "add", "alice", "--org", "lab", "--role", "admin"]);
    let token = cli(&data, &["token", "create", "--user", "alice"]);
    let list: Vec<Value> = (0..30).map(|k| json!({"type": "model", "id": format!("lab/model-{k:02}")})).collect();
    let file = root.join("hub.json");
    std::fs::write(&file, serde_json::to_string(&list).unwrap()).unwrap();
    cli(&data, &["catalog", "import", "--namespace", "lab", "--project", "Models", "--hub", file.to_str().unwrap()]);
    let server = Server::start(&data, &root.join("server.log"));
    let projects = server.expect(200, Method::GET, "/api/v1/projects", &token, None);
    let project = projects.as_array().unwrap().iter().find(|p| p["name"] == "Models").unwrap().clone();
    let items = server.expect(200, Method::GET, &format!("/api/v1/projects/{}/items?limit=100&sort=name", project["id"]), &token, None);
    let uuids = items["items"].as_array().unwrap().iter().map(|i| i["uuid"].as_str().unwrap().to_string()).collect();
    (server, token, project["uuid"].as_str().unwrap().to_string(), uuids)
}

const COLLECTION: &str = "00000000-0000-4000-8000-00000000c011";

/// Mutation 1 creates the collection; mutation k ≥ 2 adds item k−2 at the end.
fn batch(project: &str, items: &[String], ids: std::ops::RangeInclusive<i64>) -> Value {
    let keys = trove_protocol::position::n_between(None, None, items.len()).unwrap();
    let mutations: Vec<Value> = ids
        .map(|id| {
            let m = if id == 1 {
                json!({"name": "create_collection", "args": {"collection": COLLECTION, "project": project, "hex_id": "c011ec7104c011ec7104c011",
                    "title": "Under faults", "description": "", "private": false, "theme": "orange"}})
            } else {
                let k = (id - 2) as usize;
                json!({"name": "add_items", "args": {"collection": COLLECTION, "items": [items[k]], "positions": [keys[k]], "cls": [1]}})
            };
            json!({"id": id, "mutation": m})
        })
        .collect();
    json!({"client_id": "laptop", "mutations": mutations})
}

/// Pushes `body` to `url`; `None` when the answer never came.
fn push(url: &str, token: &str, body: &Value) -> Option<(u16, Value)> {
    let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
    let res = http.post(format!("{url}/api/v1/sync/push")).bearer_auth(token).json(body).send().ok()?;
    let status = res.status().as_u16();
    Some((status, res.json().unwrap_or(Value::Null)))
}

/// The collection's members in order, as item indexes, and the collection's item count.
fn members(server: &Server, token: &str, items: &[String]) -> Vec<usize> {
    let page = server.expect(200, Method::GET, "/api/v1/collections/lab/x-c011ec7104c011ec7104c011/items?limit=1000", token, None);
    page["items"].as_array().unwrap().iter().map(|m| items.iter().position(|u| u == m["uuid"].as_str().unwrap()).unwrap()).collect()
}

#[test]
fn a_lost_answer_a_500_after_commit_and_a_duplicate_each_apply_once() {
    let root = tempfile::tempdir().unwrap();
    let (server, token, project, items) = setup(root.path());
    let addr = server.url.trim_start_matches("http://").parse().unwrap();
    let proxy = FaultProxy::start(addr);
    let url = proxy.url();

    // The server commits the first batch, but its answer is lost: the client retries it.
    proxy.add_rule(Rule::on("POST", "/api/v1/sync/push", Action::DropResponse));
    let first = batch(&project, &items, 1..=11);
    assert!(push(&url, &token, &first).is_none(), "the answer was dropped");
    assert_eq!(push(&url, &token, &first).unwrap(), (200, json!({"last_mutation_id": 11, "rejected": []})));
    assert_eq!(members(&server, &token, &items), (0..10).collect::<Vec<_>>());

    // The server applies the next batch, then a 500 reaches the client (a failing gateway after
    // the commit); the retry is skipped mutation by mutation.
    proxy.add_rule(Rule::on("POST", "/api/v1/sync/push", Action::StatusAfterForward(500)));
    let second = batch(&project, &items, 12..=21);
    assert_eq!(push(&url, &token, &second).unwrap().0, 500);
    assert_eq!(push(&url, &token, &second).unwrap().1["last_mutation_id"], 21);

    // A request duplicated on the way: the second copy finds everything applied.
    proxy.add_rule(Rule::on("POST", "/api/v1/sync/push", Action::Duplicate));
    let third = batch(&project, &items, 22..=31);
    assert_eq!(push(&url, &token, &third).unwrap(), (200, json!({"last_mutation_id": 31, "rejected": []})));

    // And an old batch replayed much later changes nothing.
    assert_eq!(push(&url, &token, &first).unwrap().1["last_mutation_id"], 31);
    assert_eq!(members(&server, &token, &items), (0..30).collect::<Vec<_>>(), "each add applied exactly once, in order");
    let log = proxy.log();
    assert!(log.iter().any(|e| e.forwarded == 2), "the duplicate reached the server twice");
}

#[test]
fn a_server_killed_mid_push_loses_nothing_committed_and_doubles_nothing() {
    let root = tempfile::tempdir().unwrap();
    let (mut server, token, project, items) = setup(root.path());
    // Slow the push down at the proxy so the kill lands while the batch is in flight.
    let addr = server.url.trim_start_matches("http://").parse().unwrap();
    let proxy = FaultProxy::start(addr);
    proxy.add_rule(Rule::on("POST", "/api/v1/sync/push", Action::Delay(Duration::from_millis(300))));
    let body = batch(&project, &items, 1..=31);
    let url = proxy.url();
    let (t, b) = (token.clone(), body.clone());
    let pushing = std::thread::spawn(move || push(&url, &t, &b));
    std::thread::sleep(Duration::from_millis(320));
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    let _ = pushing.join().unwrap();

    // Whatever had committed is there; the retry against the restarted server does the rest.
    let server = Server::start(&root.path().join("data"), &root.path().join("server2.log"));
    let (status, answer) = push(&server.url, &token, &body).unwrap();
    assert_eq!((status, answer["last_mutation_id"].clone(), answer["rejected"].clone()), (200, json!(31), json!([])));
    assert_eq!(members(&server, &token, &items), (0..30).collect::<Vec<_>>());
}
