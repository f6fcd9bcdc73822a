//! The load command: CLIENTS simulated apps, each with its own client id, pushing, pulling and
//! listing against a real `trove-server` for SECONDS, then p50, p99, throughput and errors per
//! kind of request. Each app first creates its own collection, then loops: push one mutation
//! (10 random items added to its collection as an item set, every fifth push removing them),
//! pull the project from its cookie to the head, list a page of 100 items. Any answer that is
//! not a success, a refused mutation, or a broken connection is an error.
//!
//! Without `--url` it starts `trove-server` from this build (beside this example) on a fresh
//! data directory on 127.0.0.1, with a Hub project of 10,000 items and one editor, and no rate
//! limits (all apps share one token and one address): on SQLite, or with `--database-url URL`
//! on that (empty) PostgreSQL database, and with `--instances N` (N > 1) as N instances on it
//! behind nginx (round robin, `trove_server::testing::Nginx`). With `--url URL --token T
//! --project NS/NAME` it loads that server (a load balancer in front of several instances, say).
//!
//! Usage: `cargo run --release -p trove-server --example server_load -- [--clients 50] [--seconds 60]
//!        [--database-url URL [--instances N]] [--url URL --token TOKEN --project NS/NAME]`.
//! Exit status 1 when any request failed.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use trove_protocol::itemset::ItemSet;
use trove_protocol::sync::{PullResponse, PushRequest, PushResponse, PushedMutation};
use trove_protocol::{Mutation, Theme};

const ITEMS: i64 = 10_000;

struct Target {
    url: String,
    token: String,
    project_id: i64,
    project_uuid: String,
    items: i64,
    _server: Option<ServerProcess>,
}

struct ServerProcess {
    children: Vec<Child>,
    _nginx: Option<trove_server::testing::Nginx>,
    _dir: tempfile::TempDir,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[derive(Default)]
struct Kind {
    times: Vec<Duration>,
    errors: u64,
    sample: Option<String>,
}

#[derive(Default)]
struct Tally {
    push: Kind,
    pull: Kind,
    list: Kind,
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let clients: usize = arg("--clients").map(|v| v.parse()).transpose()?.unwrap_or(50);
    let seconds: u64 = arg("--seconds").map(|v| v.parse()).transpose()?.unwrap_or(60);
    let target = match arg("--url") {
        Some(url) => remote(&url, &arg("--token").context("--url needs --token")?, &arg("--project").context("--url needs --project")?)?,
        None => {
            let instances: usize = arg("--instances").map(|v| v.parse()).transpose()?.unwrap_or(1);
            local(arg("--database-url"), instances.max(1))?
        }
    };
    let target = Arc::new(target);
    let tally = Arc::new(Mutex::new(Tally::default()));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|k| {
            let (target, tally) = (target.clone(), tally.clone());
            std::thread::spawn(move || app(k, &target, deadline, &tally))
        })
        .collect();
    for w in workers {
        w.join().expect("a simulated app panicked");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let tally = tally.lock().unwrap();
    println!("load: {clients} apps for {seconds} s against {} ({} items)", target.url, target.items);
    println!("| request | count | p50 | p99 | throughput | errors |");
    println!("|---|---|---|---|---|---|");
    let mut errors = 0;
    for (name, kind) in [("push (one mutation)", &tally.push), ("pull (to the head)", &tally.pull), ("list (100 items)", &tally.list)] {
        let mut t = kind.times.clone();
        t.sort();
        let q = |p: f64| t.get(((t.len() as f64 * p).ceil() as usize).saturating_sub(1)).map(|d| format!("{:.1} ms", d.as_secs_f64() * 1000.0)).unwrap_or("-".into());
        println!("| {name} | {} | {} | {} | {:.0}/s | {} |", t.len(), q(0.5), q(0.99), t.len() as f64 / elapsed, kind.errors);
        if let Some(s) = &kind.sample {
            eprintln!("load: {name}: first error: {s}");
        }
        errors += kind.errors;
    }
    if errors > 0 {
        bail!("{errors} requests failed");
    }
    Ok(())
}

/// One simulated app until `deadline`.
fn app(k: usize, target: &Target, deadline: Instant, tally: &Mutex<Tally>) {
    let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(k as u64);
    let client_id = format!("load-{k}-{}", rng.random::<u32>());
    let collection = uuid::Uuid::new_v4().to_string();
    let hex_id: String = (0..24).map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap()).collect();
    let mut next_id = 1i64;
    let mut cookie = 0i64;
    let create = Mutation::CreateCollection {
        collection: collection.clone(),
        project: target.project_uuid.clone(),
        hex_id,
        title: format!("Load {k} {}", &client_id[client_id.len() - 4..]),
        description: String::new(),
        private: false,
        theme: Theme::ALL[k % Theme::ALL.len()],
    };
    let mut pending = vec![create];
    let mut round = 0u32;
    while Instant::now() < deadline {
        let (kind, outcome) = match round % 3 {
            0 => {
                let m = pending.pop().unwrap_or_else(|| {
                    let mut numbers: Vec<i64> = (0..10).map(|_| rng.random_range(1..=target.items)).collect();
                    numbers.sort();
                    numbers.dedup();
                    let items = ItemSet::encode(&numbers);
                    if round % 15 == 12 {
                        Mutation::RemoveItemSet { collection: collection.clone(), items }
                    } else {
                        Mutation::AddItemSet { collection: collection.clone(), items, key: "a1".into(), first: round * 10 }
                    }
                });
                let req = PushRequest { client_id: client_id.clone(), mutations: vec![PushedMutation { id: next_id, mutation: m }] };
                next_id += 1;
                let t = Instant::now();
                let out = send(http.post(format!("{}/api/v1/sync/push", target.url)).bearer_auth(&target.token).json(&req)).and_then(|v| {
                    let r: PushResponse = serde_json::from_value(v)?;
                    match r.rejected.first() {
                        Some(x) => bail!("mutation refused: {}", x.error.message),
                        None => Ok(()),
                    }
                });
                ("push", out.map(|_| t.elapsed()))
            }
            1 => {
                let t = Instant::now();
                let mut out = Ok(());
                loop {
                    let url = format!("{}/api/v1/sync/pull?project={}&client_id={client_id}&cookie={cookie}&limit=5000", target.url, target.project_uuid);
                    match send(http.get(url).bearer_auth(&target.token)).and_then(|v| Ok(serde_json::from_value::<PullResponse>(v)?)) {
                        Ok(page) => {
                            cookie = page.cookie;
                            if !page.more {
                                break;
                            }
                        }
                        Err(e) => {
                            out = Err(e);
                            break;
                        }
                    }
                }
                ("pull", out.map(|_| t.elapsed()))
            }
            _ => {
                let t = Instant::now();
                let url = format!("{}/api/v1/projects/{}/items?limit=100&sort=name", target.url, target.project_id);
                ("list", send(http.get(url).bearer_auth(&target.token)).map(|_| t.elapsed()))
            }
        };
        round += 1;
        let mut tally = tally.lock().unwrap();
        let kind = match kind {
            "push" => &mut tally.push,
            "pull" => &mut tally.pull,
            _ => &mut tally.list,
        };
        match outcome {
            Ok(d) => kind.times.push(d),
            Err(e) => {
                kind.errors += 1;
                kind.sample.get_or_insert_with(|| e.to_string());
            }
        }
    }
}

/// The JSON of a successful answer; an error naming the status and body otherwise.
fn send(req: reqwest::blocking::RequestBuilder) -> anyhow::Result<Value> {
    let resp = req.send()?;
    let status = resp.status();
    let text = resp.text()?;
    if !status.is_success() {
        bail!("{status}: {}", text.chars().take(200).collect::<String>());
    }
    Ok(serde_json::from_str(&text)?)
}

/// A server someone else runs: the project `ns/name` as the token's holder sees it.
fn remote(url: &str, token: &str, project: &str) -> anyhow::Result<Target> {
    let http = reqwest::blocking::Client::new();
    let url = url.trim_end_matches('/').to_string();
    let projects = send(http.get(format!("{url}/api/v1/projects")).bearer_auth(token))?;
    let (ns, name) = project.split_once('/').context("--project is NS/NAME")?;
    let p = projects.as_array().into_iter().flatten().find(|p| p["namespace"] == ns && p["name"] == name).with_context(|| format!("{project} is not listed"))?;
    let items = p["item_count"].as_i64().unwrap_or(ITEMS).max(1);
    Ok(Target { url, token: token.into(), project_id: p["id"].as_i64().unwrap(), project_uuid: p["uuid"].as_str().unwrap().into(), items, _server: None })
}

/// This build's `trove-server` on a fresh data directory with a 10,000-item project.
fn local(database_url: Option<String>, instances: usize) -> anyhow::Result<Target> {
    let exe = std::env::current_exe()?;
    let bin: PathBuf = exe.parent().and_then(|p| p.parent()).context("target/<profile>/examples")?.join("trove-server");
    if !bin.exists() {
        bail!("{} is missing: cargo build -p trove-server (same profile)", bin.display());
    }
    if instances > 1 && database_url.is_none() {
        bail!("--instances needs --database-url: several instances share one PostgreSQL database");
    }
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let command = || {
        let mut c = Command::new(&bin);
        c.arg("--data").arg(&data).env_remove("TROVE_DATABASE_URL");
        if let Some(url) = &database_url {
            c.arg("--database-url").arg(url);
        }
        c
    };
    let cli = |args: &[&str]| -> anyhow::Result<String> {
        let out = command().args(args).output()?;
        if !out.status.success() {
            bail!("trove-server {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    cli(&["user", "add", "loader", "--org", "lab", "--role", "editor"])?;
    let token = cli(&["token", "create", "--user", "loader"])?;
    let entries: Vec<Value> = (0..ITEMS).map(|n| json!({"type": "model", "id": format!("lab/model-{n:05}")})).collect();
    let list = dir.path().join("items.json");
    std::fs::write(&list, serde_json::to_vec(&entries)?)?;
    cli(&["catalog", "import", "--namespace", "lab", "--project", "Load", "--hub", list.to_str().unwrap()])?;
    let mut children = Vec::new();
    let mut addrs = Vec::new();
    for _ in 0..instances {
        let mut child = command()
            .args(["serve", "--listen", "127.0.0.1:0", "--rate-limit", "1000000", "--ip-rate-limit", "0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let url = loop {
            match lines.next() {
                Some(line) => {
                    if let Some(addr) = line?.strip_prefix("trove-server listening on ") {
                        break addr.trim().to_string();
                    }
                }
                None => bail!("trove-server exited before it listened"),
            }
        };
        std::thread::spawn(move || for _ in lines.by_ref() {});
        children.push(child);
        addrs.push(url.trim_start_matches("http://").parse::<std::net::SocketAddr>()?);
    }
    let nginx = if instances > 1 { Some(trove_server::testing::Nginx::start(&addrs)?) } else { None };
    let url = nginx.as_ref().map_or_else(|| format!("http://{}", addrs[0]), |n| n.url());
    let server = ServerProcess { children, _nginx: nginx, _dir: dir };
    let mut target = remote(&url, &token, "lab/Load")?;
    target.items = ITEMS;
    target._server = Some(server);
    Ok(target)
}
