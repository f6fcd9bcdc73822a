//! The real parts for sync tests: a `trove-server` process on 127.0.0.1 with a small project,
//! a fault-injecting proxy in front of it, and clients that are each a `trove-core` cache in
//! its own database file with a sync engine talking through the proxy.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use serde_json::Value;
use trove_core::Store;
use trove_faultproxy::FaultProxy;
use trove_protocol::sync::{PushRequest, PushedMutation};
use trove_protocol::{Mutation, NewCollection, Selection};
use trove_sync::{Engine, Remote};

/// The `trove-server` binary: `TROVE_SERVER_BIN`, else beside this test's target directory
/// (built first if missing, so `cargo test -p trove-sync` works on its own). A binary that is
/// there is used as it is: after changing the server, `cargo build -p trove-server` (the
/// workspace test command builds everything first).
pub fn server_bin() -> PathBuf {
    if let Ok(bin) = std::env::var("TROVE_SERVER_BIN") {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps").to_path_buf();
    let bin = dir.join("trove-server");
    static BUILD: std::sync::Once = std::sync::Once::new();
    BUILD.call_once(|| {
        if !bin.exists() {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let mut args = vec!["build", "-p", "trove-server"];
            if dir.ends_with("release") {
                args.push("--release");
            }
            let status = Command::new(cargo).args(&args).status().expect("run cargo build");
            assert!(status.success(), "building trove-server failed");
        }
    });
    bin
}

/// Runs `trove-server --data DIR ARGS...`, which must succeed; returns stdout.
pub fn cli(data: &Path, args: &[&str]) -> String {
    let out = trove_server::testing::command(&server_bin(), data)
        .args(args)
        .output()
        .expect("run trove-server");
    assert!(out.status.success(), "trove-server {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A running `trove-server serve`, killed (SIGKILL) when dropped.
pub struct ServerProcess {
    child: Child,
    pub addr: std::net::SocketAddr,
    pub data: PathBuf,
}

impl ServerProcess {
    /// Serves `data` on `listen` (`127.0.0.1:0` for a free port) and waits until it says where.
    pub fn start(data: &Path, listen: &str) -> ServerProcess {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(data.with_extension("log")).unwrap();
        let mut child = trove_server::testing::command(&server_bin(), data)
            .args(["serve", "--listen", listen, "--rate-limit", "100000", "--ip-rate-limit", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawn trove-server");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("trove-server listening on http://") {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let addr = rx.recv_timeout(Duration::from_secs(60)).expect("the server says where it listens").parse().unwrap();
        ServerProcess { child, addr, data: data.to_path_buf() }
    }

    /// SIGKILL: no graceful shutdown, whatever was in flight is cut.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts again on the same address and data.
    pub fn restart(&mut self) {
        self.kill();
        let addr = self.addr.to_string();
        let mut last = None;
        for _ in 0..50 {
            match std::panic::catch_unwind(|| ServerProcess::start(&self.data, &addr)) {
                Ok(mut fresh) => {
                    std::mem::swap(&mut self.child, &mut fresh.child);
                    std::mem::forget(fresh);
                    return;
                }
                Err(e) => last = Some(e),
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        std::panic::resume_unwind(last.unwrap());
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A server with the organisation `lab` (editors alice, bob and carol; viewer vic) and the project
/// `lab/Photos` of 12 items, behind a fault proxy.
///
/// When the suite runs on PostgreSQL (`TROVE_TEST_DATABASE_URL`), the server is two instances
/// on one database and one data directory behind nginx (round robin), and the fault proxy sits
/// in front of nginx: every client's requests are spread over both, and `server` is the first
/// instance, the one a test kills.
pub struct World {
    pub server: ServerProcess,
    /// The second instance and the load balancer, on PostgreSQL.
    pub cluster: Option<(ServerProcess, trove_server::testing::Nginx)>,
    pub proxy: FaultProxy,
    pub tokens: std::collections::HashMap<&'static str, String>,
    pub root: tempfile::TempDir,
}

pub const PROJECT: &str = "lab/Photos";
pub const ITEMS: usize = 12;

impl World {
    pub fn new() -> World {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("server");
        let mut tokens = std::collections::HashMap::new();
        for (user, role) in [("alice", "editor"), ("bob", "editor"), ("carol", "editor"), ("vic", "viewer")] {
            cli(&data, &["user", "add", user, "--org", "lab", "--role", role]);
            tokens.insert(user, cli(&data, &["token", "create", "--user", user]));
        }
        let items: Vec<Value> = (0..ITEMS).map(|n| serde_json::json!({"type": "model", "id": format!("lab/model-{n:02}")})).collect();
        let file = root.path().join("items.json");
        std::fs::write(&file, serde_json::to_string(&items).unwrap()).unwrap();
        cli(&data, &["catalog", "import", "--namespace", "lab", "--project", "Photos", "--hub", file.to_str().unwrap()]);
        let server = ServerProcess::start(&data, "127.0.0.1:0");
        let cluster = trove_server::testing::on_postgres().then(|| {
            let second = ServerProcess::start(&data, "127.0.0.1:0");
            let nginx = trove_server::testing::Nginx::start(&[server.addr, second.addr]).expect("start nginx");
            (second, nginx)
        });
        let front = cluster.as_ref().map_or(server.addr, |(_, nginx)| nginx.addr);
        let proxy = FaultProxy::start(front);
        World { server, cluster, proxy, tokens, root }
    }

    /// SIGKILL every instance.
    pub fn kill_all(&mut self) {
        self.server.kill();
        if let Some((second, _)) = &mut self.cluster {
            second.kill();
        }
    }

    /// Starts every instance again, each on its address.
    pub fn restart_all(&mut self) {
        self.server.restart();
        if let Some((second, _)) = &mut self.cluster {
            second.restart();
        }
    }

    /// The server without the fault proxy: the instance, or the load balancer of the cluster.
    pub fn direct_url(&self) -> String {
        match &self.cluster {
            Some((_, nginx)) => nginx.url(),
            None => format!("http://{}", self.server.addr),
        }
    }

    /// A new client (its own database) signed in as `user`, with the project downloaded.
    pub async fn client(&self, user: &str) -> Client {
        let dir = self.root.path().join(format!("client-{user}-{}", rand_suffix()));
        Client::open(&dir, &self.proxy.url(), &self.tokens[user]).await
    }

    /// The server's path of a differential test: `seq` pushed as alice (client `client_id`,
    /// straight to the server, ids 1..), then the project downloaded into a fresh cache `name`.
    /// Returns how many mutations the server refused, and that fresh copy.
    pub async fn push_and_download(&self, client_id: &str, name: &str, seq: &[Mutation]) -> (usize, Client) {
        let url = self.direct_url();
        let remote = Remote::new(&url, &self.tokens["alice"]).unwrap();
        let pushed = PushRequest {
            client_id: client_id.into(),
            mutations: seq.iter().enumerate().map(|(n, m)| PushedMutation { id: n as i64 + 1, mutation: m.clone() }).collect(),
        };
        let answer = remote.push(&pushed).await.unwrap_or_else(|e| panic!("{client_id}: the push failed: {e}"));
        let fresh = Client::open(&self.root.path().join(name), &url, &self.tokens["alice"]).await;
        (answer.rejected.len(), fresh)
    }

    /// What the server holds now, as a fresh client downloads it.
    pub async fn server_state(&self) -> Value {
        let c = Client::open(&self.root.path().join(format!("fresh-{}", rand_suffix())), &self.direct_url(), &self.tokens["carol"]).await;
        c.fp()
    }
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed).to_string()
}

/// One device: a cache and its sync engine.
pub struct Client {
    pub store: Arc<Store>,
    pub engine: Engine,
    pub project: i64,
    pub dir: PathBuf,
    url: String,
    token: String,
}

impl Client {
    /// Opens (or reopens) the cache in `dir` and downloads the project if it is not there yet.
    pub async fn open(dir: &Path, url: &str, token: &str) -> Client {
        let store = Arc::new(Store::open(&dir.join("trove.db"), &dir.join("thumbs")).unwrap());
        let engine = Engine::new(store.clone(), Remote::new(url, token).unwrap());
        let project = match store.synced_projects().unwrap().first() {
            Some(p) => p.project,
            None => engine.connect_by_name(PROJECT, &|_| {}).await.expect("connect to lab/Photos"),
        };
        Client { store, engine, project, dir: dir.to_path_buf(), url: url.into(), token: token.into() }
    }

    /// The same database opened again (after a crash or a restart).
    pub async fn reopen(self) -> Client {
        let (dir, url, token) = (self.dir.clone(), self.url.clone(), self.token.clone());
        drop(self);
        Client::open(&dir, &url, &token).await
    }

    /// The app's path of a differential test: `seq` replayed into this cache in one
    /// transaction, as the app replays its pending mutations over a pulled page.
    pub fn replay(&self, seq: &[Mutation]) {
        self.store
            .write(|tx| {
                for m in seq {
                    trove_core::replica::replay(tx, self.project, m)?;
                }
                Ok(())
            })
            .unwrap();
    }

    /// Pushes and pulls until nothing is pending.
    pub async fn sync(&self) {
        self.engine.sync_until_settled().await.unwrap_or_else(|e| panic!("sync failed: {e}"));
    }

    pub fn fp(&self) -> Value {
        self.store.fingerprint(self.project).unwrap()
    }

    /// Whether the app's index of counts says what its SQL says, for the whole project and for
    /// each collection and "in no collection": `Err` names the first difference. Pulls write
    /// memberships set-based and log them for the index themselves (no trigger), so a sync is
    /// where a missed log would show.
    pub fn counts_agree(&self) -> Result<(), String> {
        use trove_protocol::{Clause, Condition, Filter, ItemQuery};
        let mut queries = vec![ItemQuery::default(), ItemQuery { filter: Filter { clauses: vec![Clause { negate: true, cond: Condition::AnyCollection }] }, ..Default::default() }];
        for c in self.store.collections(self.project).unwrap() {
            queries.push(ItemQuery { filter: Filter { clauses: vec![Clause { negate: false, cond: Condition::Collection { id: c.id } }] }, ..Default::default() });
        }
        for q in queries {
            let index = serde_json::to_value(self.store.summary(self.project, &q).unwrap()).unwrap();
            let sql = serde_json::to_value(self.store.read(|c| trove_core::items::summary(c, self.project, &q)).unwrap()).unwrap();
            if index != sql {
                return Err(format!("the index of counts says {index} where SQL says {sql}, for {q:?}"));
            }
        }
        Ok(())
    }

    pub fn pending(&self) -> u64 {
        self.store.pending().unwrap()
    }

    /// Local item ids of the catalog, by name order (`model-00` first).
    pub fn items(&self) -> Vec<i64> {
        self.store.item_ids(self.project, &Default::default(), 0, 1000).unwrap()
    }

    pub fn item(&self, n: usize) -> i64 {
        self.items()[n]
    }

    pub fn create(&self, title: &str) -> i64 {
        let input = NewCollection { title: title.into(), description: String::new(), private: false, theme: None };
        self.store.create_collection(self.project, &input).unwrap().id
    }

    /// The live collection titled `title`.
    pub fn collection(&self, title: &str) -> i64 {
        self.store
            .collections(self.project)
            .unwrap()
            .into_iter()
            .find(|c| c.title == title)
            .unwrap_or_else(|| panic!("no collection {title:?} here"))
            .id
    }

    pub fn titles(&self) -> Vec<String> {
        self.store.collections(self.project).unwrap().into_iter().map(|c| c.title).collect()
    }

    pub fn add(&self, collection: i64, items: &[usize]) {
        let ids = items.iter().map(|n| self.item(*n)).collect();
        self.store.add_to_collection(self.project, collection, &Selection::Ids { ids }).unwrap();
    }

    pub fn remove(&self, collection: i64, items: &[usize]) {
        let ids = items.iter().map(|n| self.item(*n)).collect();
        self.store.remove_from_collection(self.project, collection, &Selection::Ids { ids }).unwrap();
    }

    /// The collection's members as catalog numbers, in order.
    pub fn members(&self, collection: i64) -> Vec<usize> {
        let all = self.items();
        let q = trove_protocol::ItemQuery {
            collection: Some(collection),
            sort: trove_protocol::Sort { key: trove_protocol::SortKey::Position, desc: false },
            ..Default::default()
        };
        self.store.item_ids(self.project, &q, 0, 1000).unwrap().into_iter().map(|id| all.iter().position(|x| *x == id).unwrap()).collect()
    }
}

/// Many cases against one server: each case imports its own project (`lab/<name>`) into the
/// running server (the CLI writes the same SQLite file) and connects fresh clients to it.
impl World {
    /// Imports the project `lab/<name>` of `items` catalog items while the server runs.
    pub fn import_project(&self, name: &str, items: usize) {
        let list: Vec<Value> = (0..items).map(|n| serde_json::json!({"type": "model", "id": format!("lab/{name}-item-{n:02}")})).collect();
        let file = self.root.path().join(format!("items-{name}.json"));
        std::fs::write(&file, serde_json::to_string(&list).unwrap()).unwrap();
        cli(&self.server.data, &["catalog", "import", "--namespace", "lab", "--project", name, "--hub", file.to_str().unwrap()]);
        let _ = std::fs::remove_file(&file);
    }

    /// A new client (its own database) signed in as `user`, through the proxy, with the project
    /// `project` (`namespace/name`) downloaded.
    pub async fn client_of(&self, user: &str, project: &str) -> Client {
        let dir = self.root.path().join(format!("client-{user}-{}", rand_suffix()));
        Client::open_project(&dir, &self.proxy.url(), &self.tokens[user], project).await
    }

    /// What the server holds of `project` now, as a fresh client downloads it (directly, not
    /// through the proxy). The client's files are removed afterwards.
    pub async fn server_state_of(&self, project: &str) -> Value {
        let dir = self.root.path().join(format!("fresh-{}", rand_suffix()));
        let c = Client::open_project(&dir, &self.direct_url(), &self.tokens["carol"], project).await;
        let fp = c.fp();
        drop(c);
        let _ = std::fs::remove_dir_all(&dir);
        fp
    }

    /// The server's database file (to read, e.g., `clients` and `rejected_mutations`).
    /// The server's database, whichever backend it runs on (opened beside the running server).
    pub fn server_store(&self) -> trove_server::db::Db {
        let url = trove_server::testing::database_url_for(&self.server.data);
        trove_server::store::open(&self.server.data, url.as_deref()).expect("open the server's database").0
    }
}

impl Client {
    /// As [`Client::open`], for the server project `project` (`namespace/name`).
    pub async fn open_project(dir: &Path, url: &str, token: &str, project: &str) -> Client {
        let store = Arc::new(Store::open(&dir.join("trove.db"), &dir.join("thumbs")).unwrap());
        let engine = Engine::new(store.clone(), Remote::new(url, token).unwrap());
        let project = match store.synced_projects().unwrap().first() {
            Some(p) => p.project,
            None => engine.connect_by_name(project, &|_| {}).await.unwrap_or_else(|e| panic!("connect to {project}: {e}")),
        };
        Client { store, engine, project, dir: dir.to_path_buf(), url: url.into(), token: token.into() }
    }
}

/// Every client shows what the server holds.
pub async fn assert_converged(world: &World, clients: &[&Client]) {
    let server = world.server_state().await;
    for (n, c) in clients.iter().enumerate() {
        assert_eq!(c.pending(), 0, "client {n} has nothing pending");
        assert_eq!(c.fp(), server, "client {n} equals the server");
    }
}
