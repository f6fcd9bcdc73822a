//! The sync client's part of the benchmark command (`scripts/bench`, third part): DESIGN §7's
//! two pull budgets, measured with the real `Engine` into a fresh `trove_core::Store`, against
//! an in-process `trove-server` (the real router) on 127.0.0.1.
//!
//! 1. First pull of the N-item catalog (default 1,000,000; budget ≤ 60 s): `Engine::connect`
//!    into an empty cache, beside the same rows read from the server's database in the same run
//!    (one `SELECT` of the items with their dataset, as the pull reads them). Also shown, to see
//!    where the time goes: the same pages fetched and decoded without applying them (with the
//!    bytes on the wire), and the server's pull function called directly (no HTTP).
//! 2. Incremental pull of 100 changes (budget ≤ 100 ms, flat in catalog size): 100 changes made
//!    on the server through its store, then one timed `Engine::pull`, for two kinds of change
//!    (100 memberships added to / removed from a collection; 100 items tagged / untagged), at
//!    1,000 items and at N items, rounds interleaved; p50/p95 and the ratio N : 1k.
//! 3. The echo of a local add (issue 10): a copy of an E-item project (default 100,000) adds
//!    every item to a collection (created and synced before) and pushes; the pull that follows brings the same
//!    memberships back. Measured by hand (the page fetched, then applied with the writer's
//!    `total_changes()` read before and after: the rows SQLite wrote) and through the real
//!    `Driver` (how often a round that pushed such an add told the UI to re-read: its
//!    `changes_seen`; the UI refreshes once by itself after an add).
//!
//! 4. A select-all add through sync (issue 13): on the first pull's cache (N items), every item
//!    is added to a new collection (local commit), the outbox is pushed (its mutations and JSON
//!    bytes shown), and a second app — its own cache, the project downloaded before — pulls it:
//!    the time from the add until that app holds N members.
//!
//! Usage: `cargo run --release -p trove-sync --example sync_bench -- [ITEMS] [ROUNDS] [E]` (defaults
//! 1,000,000, 20 and 100,000).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use trove_core::Store;
use trove_protocol::api::BulkAdd;
use trove_protocol::sync::PullResponse;
use trove_protocol::{ItemQuery, NewCollection, Selection};
use trove_server::bench_support::{self, BenchProject};
use trove_server::store::{collections, members, tags};
use trove_server::{AppState, Limits};
use trove_sync::{Driver, Engine, Remote, PULL_PAGE};

type ServerResult<T> = Result<T, trove_server::error::Error>;

/// Changes per incremental pull.
const CHANGES: usize = 100;

/// One server with a project of `n` items, served on 127.0.0.1, and one client cache.
struct Side {
    n: usize,
    _dir: tempfile::TempDir,
    state: AppState,
    bench: BenchProject,
    url: String,
    store: Arc<Store>,
    engine: Engine,
    /// The client's copy of the project (after the first pull).
    local: i64,
    /// A collection the membership changes go to, and the items that change.
    collection: i64,
    changed: Vec<i64>,
}

impl Side {
    fn new(rt: &tokio::runtime::Runtime, n: usize) -> anyhow::Result<Side> {
        let dir = tempfile::tempdir()?;
        if std::env::var_os("BENCH_KEEP").is_some() {
            println!("  (keeping {})", dir.path().display());
        }
        let state = AppState::open(&dir.path().join("server"), Limits { per_second: 1_000_000, ..Limits::default() })?;
        let t = Instant::now();
        let bench = bench_support::project(&state, n, true)?;
        println!("setup: a server project of {n} items in {:.1} s", t.elapsed().as_secs_f64());
        let collection = state.db.write(|tx| {
            let input = NewCollection { title: "Bench picks".into(), description: String::new(), private: false, theme: None };
            Ok::<_, trove_server::error::Error>(collections::create(tx, &bench.caller, bench.project, &input, None)?.collection.id)
        })?;
        // The items that change: CHANGES of them spread over the catalog.
        let changed: Vec<i64> = state.db.read(|c| {
            let mut stmt = c.prepare("SELECT id FROM items WHERE project_id = ?1 ORDER BY id")?;
            let all = stmt.query_map([bench.project], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
            Ok::<_, rusqlite::Error>(all.iter().step_by((all.len() / CHANGES).max(1)).take(CHANGES).copied().collect())
        })?;
        ensure!(changed.len() == CHANGES.min(n), "expected {CHANGES} items to change, found {}", changed.len());

        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let url = format!("http://{}", listener.local_addr()?);
        let app = trove_server::app(state.clone());
        rt.spawn(async move { axum::serve(listener, app).await });

        let store = Arc::new(Store::open(&dir.path().join("client/trove.db"), &dir.path().join("client/thumbs"))?);
        let engine = Engine::new(store.clone(), Remote::new(&url, &bench.token)?);
        Ok(Side { n, _dir: dir, state, bench, url, store, engine, local: 0, collection, changed })
    }

    /// The first pull: downloads the whole project into the empty cache. Returns its time.
    fn first_pull(&mut self, rt: &tokio::runtime::Runtime) -> anyhow::Result<Duration> {
        let pages = AtomicUsize::new(0);
        let t = Instant::now();
        self.local = rt.block_on(self.engine.connect(&self.bench.uuid, &|_| {
            pages.fetch_add(1, Ordering::Relaxed);
        }))?;
        let took = t.elapsed();
        let (items, tagged): (i64, i64) = self.store.read(|c| {
            Ok(c.query_row(
                "SELECT count(*), (SELECT count(DISTINCT item_id) FROM item_tags) FROM items WHERE project_id = ?1",
                [self.local],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })?;
        ensure!(items as usize == self.n, "the cache has {items} items after the first pull, expected {}", self.n);
        println!("  (first pull of {} items: {} pages of {PULL_PAGE}; {tagged} tagged items)", self.n, pages.load(Ordering::Relaxed).saturating_sub(2));
        Ok(took)
    }

    /// The same pages as the first pull, fetched over HTTP as the app asks for them (zstd) and
    /// decoded but not applied: time and bytes on the wire (compressed bodies).
    fn download_only(&self, rt: &tokio::runtime::Runtime) -> anyhow::Result<(Duration, u64)> {
        // Decompressed here, not by reqwest, so the bytes counted are those that crossed the wire.
        let http = reqwest::Client::builder().no_zstd().build()?;
        let client_id = self.store.client_id().to_string();
        rt.block_on(async {
            let t = Instant::now();
            let (mut cookie, mut bytes, mut rows) = (0i64, 0u64, 0usize);
            loop {
                let query = [("project", self.bench.uuid.clone()), ("client_id", client_id.clone()), ("cookie", cookie.to_string()), ("limit", PULL_PAGE.to_string())];
                let resp = http
                    .get(format!("{}/api/v1/sync/pull", self.url))
                    .bearer_auth(&self.bench.token)
                    .header(reqwest::header::ACCEPT_ENCODING, "zstd")
                    .query(&query)
                    .send()
                    .await?
                    .error_for_status()?;
                let zstd = resp.headers().get(reqwest::header::CONTENT_ENCODING).is_some_and(|v| v == "zstd");
                let body = resp.bytes().await?;
                bytes += body.len() as u64;
                let json = if zstd { zstd::decode_all(&body[..])? } else { body.to_vec() };
                let page: PullResponse = serde_json::from_slice(&json)?;
                rows += page.items.len();
                cookie = page.cookie;
                if !page.more {
                    break;
                }
            }
            ensure!(rows == self.n, "the download carried {rows} items, expected {}", self.n);
            Ok((t.elapsed(), bytes))
        })
    }

    /// The server's pull function called page by page, no HTTP: what serving the pages costs.
    fn server_pages(&self) -> anyhow::Result<Duration> {
        let client_id = self.store.client_id().to_string();
        let t = Instant::now();
        let (mut cookie, mut rows) = (0i64, 0usize);
        loop {
            let page = self.state.db.read(|c| trove_server::store::sync::pull(c, &self.bench.caller, &self.bench.uuid, &client_id, cookie, PULL_PAGE, None))?;
            rows += page.items.len();
            cookie = page.cookie;
            if !page.more {
                break;
            }
        }
        ensure!(rows == self.n, "the server's pages carried {rows} items, expected {}", self.n);
        Ok(t.elapsed())
    }

    /// Baseline: the same item rows read from the server's database in one `SELECT`, each
    /// made into the value the pull sends.
    fn baseline(&self) -> anyhow::Result<Duration> {
        let t = Instant::now();
        let rows = self.state.db.read(|c| {
            let mut stmt = c.prepare(
                "SELECT i.uuid, d.uuid, i.kind, i.name, i.mime, i.width, i.height, i.size, i.labels_count, i.created_at, i.updated_at, i.thumb, i.source, i.tags_text, i.no, i.content \
                 FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE i.project_id = ?1 ORDER BY i.version",
            )?;
            let rows = stmt
                .query_map([self.bench.project], trove_server::store::sync::sync_item)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, rusqlite::Error>(rows)
        })?;
        ensure!(rows.len() == self.n, "the baseline read {} rows, expected {}", rows.len(), self.n);
        Ok(t.elapsed())
    }

    /// Round `round` of membership changes: adds the changing items to the collection (even
    /// rounds) or removes them (odd rounds), on the server.
    fn change_memberships(&self, round: usize) -> anyhow::Result<()> {
        self.state.db.write(|tx| -> ServerResult<()> {
            let c = collections::by_id(tx, &self.bench.caller, self.collection)?;
            if round % 2 == 0 {
                let out = members::bulk_add(tx, &self.bench.caller, &c, &BulkAdd { items: self.changed.clone(), notes: Default::default() }, CHANGES)?;
                assert_eq!(out.added.len(), self.changed.len());
            } else {
                let out = members::bulk_remove(tx, &self.bench.caller, &c, &self.changed, CHANGES)?;
                assert_eq!(out.removed.len(), self.changed.len());
            }
            Ok(())
        })?;
        Ok(())
    }

    /// Round `round` of item changes: tags the changing items "reviewed" (even rounds) or
    /// removes the tag (odd rounds), on the server.
    fn change_items(&self, round: usize) -> anyhow::Result<()> {
        let tag = ["reviewed".to_string()];
        self.state.db.write(|tx| -> ServerResult<()> {
            if round % 2 == 0 {
                tags::tag(tx, self.bench.project, &self.changed, &tag).map(|_| ())
            } else {
                tags::untag(tx, self.bench.project, &self.changed, &tag).map(|_| ())
            }
        })?;
        Ok(())
    }

    /// One timed incremental pull; checks that it carried the changes.
    fn pull(&self, rt: &tokio::runtime::Runtime) -> anyhow::Result<Duration> {
        let t = Instant::now();
        let pulled = rt.block_on(self.engine.pull(self.local, &|_| {}))?;
        let took = t.elapsed();
        ensure!(pulled.changed as usize >= self.changed.len(), "an incremental pull changed {pulled:?} rows, expected at least {}", self.changed.len());
        Ok(took)
    }

    /// The cache's members of the collection and items tagged "reviewed": what the pulls did.
    fn local_state(&self) -> anyhow::Result<(i64, i64)> {
        Ok(self.store.read(|c| {
            Ok(c.query_row(
                "SELECT (SELECT count(*) FROM memberships m JOIN collections c ON c.id = m.collection_id WHERE c.project_id = ?1), \
                        (SELECT count(*) FROM item_tags it JOIN tags t ON t.id = it.tag_id WHERE t.project_id = ?1 AND t.name = 'reviewed')",
                [self.local],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })?)
    }
}

/// Part 3: the pull that follows a local add of every item of an `n`-item copy.
fn echo(rt: &tokio::runtime::Runtime, n: usize) -> anyhow::Result<()> {
    let mut side = Side::new(rt, n)?;
    side.first_pull(rt)?;
    let (store, local) = (side.store.clone(), side.local);
    // A new collection, synced (its create comes back with what the server fills in, the owner:
    // a real change), then every item added to it here.
    let create = |title: &str| -> anyhow::Result<i64> {
        let input = NewCollection { title: title.into(), description: String::new(), private: false, theme: None };
        Ok(store.create_collection(local, &input)?.id)
    };
    let add_all = |collection: i64| -> anyhow::Result<()> {
        let all = Selection::Matching { query: ItemQuery::default(), except: vec![] };
        let out = store.add_to_collection(local, collection, &all)?;
        ensure!(out.added as usize == n, "added {} items, expected {n}", out.added);
        Ok(())
    };
    let total_changes = || store.write(|tx| Ok(tx.total_changes()));

    // By hand: add, push, then fetch the pages the next pull gets and apply them.
    let c = create("Echo by hand")?;
    rt.block_on(side.engine.sync_until_settled())?;
    add_all(c)?;
    let pushed = rt.block_on(side.engine.push())?;
    let (mut carried, mut written, mut took, mut applied) = ((0, 0, 0), 0, Duration::ZERO, Vec::new());
    loop {
        let synced = store.synced_projects()?.into_iter().find(|p| p.project == local).context("the copy is synced")?;
        let page = rt.block_on(side.engine.remote().pull(&synced.uuid, &store.client_id(), synced.cookie, PULL_PAGE, store.first_pending()?))?;
        carried = (carried.0 + page.memberships.len(), carried.1 + page.collections.len(), carried.2 + page.items.len());
        let before = total_changes()?;
        let t = Instant::now();
        applied.push(store.apply_pull(local, &page)?);
        took += t.elapsed();
        written += total_changes()? - before;
        if !page.more {
            break;
        }
    }
    println!(
        "echo of a local add of {n} items (pushed {} changes): the next pull carried {} memberships, {} collections, {} items in {} pages; \
         applying them wrote {written} rows (total_changes) in {:.0} ms; apply_pull said {applied:?}",
        pushed.acknowledged,
        carried.0,
        carried.1,
        carried.2,
        applied.len(),
        ms(took)
    );

    // Through the driver: one round after the same add.
    let driver = Driver::new(Duration::from_secs(3600));
    driver.set_engine(Some(side.engine.clone()));
    rt.spawn(driver.clone().run());
    let settled = |after: Option<i64>| -> anyhow::Result<trove_sync::Activity> {
        let t = Instant::now();
        loop {
            let a = driver.activity();
            if a.state == trove_protocol::remote::SyncState::Synced && a.last_synced_at.is_some() && a.last_synced_at != after && store.pending()? == 0 {
                return Ok(a);
            }
            ensure!(t.elapsed() < Duration::from_secs(600), "the driver did not settle: {a:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let c = create("Echo through the driver")?;
    driver.wake();
    let idle = settled(None)?;
    std::thread::sleep(Duration::from_millis(5)); // a later last_synced_at
    add_all(c)?;
    let t = Instant::now();
    driver.wake();
    let round = settled(idle.last_synced_at)?;
    println!(
        "  through the Driver: the round that pushed the add and pulled it back took {:.0} ms and told the UI to re-read {} time(s) \
         (changes_seen {} -> {}); with the UI's own refresh after the add: {} refresh(es)",
        ms(t.elapsed()),
        round.changes_seen - idle.changes_seen,
        idle.changes_seen,
        round.changes_seen,
        1 + round.changes_seen - idle.changes_seen
    );
    Ok(())
}

fn pct(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args().nth(1).map(|s| s.parse()).transpose().context("ITEMS")?.unwrap_or(1_000_000);
    let rounds: usize = std::env::args().nth(2).map(|s| s.parse()).transpose().context("ROUNDS")?.unwrap_or(20);
    let echo_items: usize = std::env::args().nth(3).map(|s| s.parse()).transpose().context("E")?.unwrap_or(100_000);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;

    // 1. First pull of the big catalog, beside the same rows read from the server's database.
    let mut big = Side::new(&rt, n)?;
    let first = big.first_pull(&rt)?;
    let (download, bytes) = big.download_only(&rt)?;
    let server = big.server_pages()?;
    let baseline = big.baseline()?;
    println!(
        "first pull of the {n}-item catalog (Engine::connect into an empty cache): {:.1} s (budget <= 60 s); \
         baseline SELECT of the same rows from the server's database: {:.2} s; ratio {:.1}x",
        first.as_secs_f64(),
        baseline.as_secs_f64(),
        first.as_secs_f64() / baseline.as_secs_f64()
    );
    println!(
        "  of which: the same pages fetched + decoded, not applied: {:.1} s, {:.1} MB on the wire ({:.0} B/item); \
         the server's pull function alone (no HTTP): {:.1} s",
        download.as_secs_f64(),
        bytes as f64 / 1e6,
        bytes as f64 / n as f64,
        server.as_secs_f64()
    );

    // 2. Incremental pulls of CHANGES changes at 1k items and at N items, rounds interleaved.
    let mut small = Side::new(&rt, 1000)?;
    small.first_pull(&rt)?;
    let sides = [&small, &big];
    // Kind × side: samples.
    let mut samples: [[Vec<Duration>; 2]; 2] = Default::default();
    // One round of each kind untimed first (warms the connections and statement caches).
    for round in 0..=rounds {
        for (s, side) in sides.iter().enumerate() {
            side.change_memberships(round)?;
            let t = side.pull(&rt)?;
            side.change_items(round)?;
            let u = side.pull(&rt)?;
            if round > 0 {
                samples[0][s].push(t);
                samples[1][s].push(u);
            }
        }
    }
    for side in sides {
        let expect = if rounds % 2 == 0 { CHANGES as i64 } else { 0 };
        ensure!(side.local_state()? == (expect, expect), "the cache of {} items does not hold the pulled changes: {:?}", side.n, side.local_state()?);
    }
    for (kind, name) in ["100 membership changes (add/remove)", "100 item changes (tag/untag)"].iter().enumerate() {
        let [at_small, at_big] = &samples[kind];
        let (s50, s95) = (pct(at_small.clone(), 0.5), pct(at_small.clone(), 0.95));
        let (b50, b95) = (pct(at_big.clone(), 0.5), pct(at_big.clone(), 0.95));
        println!(
            "incremental pull of {name}, {rounds} rounds: at {n} items p50 {:.1} ms, p95 {:.1} ms (budget <= 100 ms); \
             baseline the same at 1000 items: p50 {:.1} ms, p95 {:.1} ms; ratio p50 {:.2}x, p95 {:.2}x",
            ms(b50),
            ms(b95),
            ms(s50),
            ms(s95),
            ms(b50) / ms(s50),
            ms(b95) / ms(s95)
        );
    }
    // 3. The echo of a local add.
    echo(&rt, echo_items)?;

    // 4. A select-all add of the big copy, through the server to a second app.
    bulk_through_sync(&rt, &big)?;
    if std::env::var_os("BENCH_KEEP").is_some() {
        let _ = (small._dir.keep(), big._dir.keep());
    }
    Ok(())
}

/// Part 4: select all -> add on `side`'s app, pushed, pulled by a second app.
fn bulk_through_sync(rt: &tokio::runtime::Runtime, side: &Side) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let other = Arc::new(Store::open(&dir.path().join("trove.db"), &dir.path().join("thumbs"))?);
    let other_engine = Engine::new(other.clone(), Remote::new(&side.url, &side.bench.token)?);
    let t = Instant::now();
    rt.block_on(other_engine.connect(&side.bench.uuid, &|_| {}))?;
    println!("  (a second app downloaded the {}-item project in {:.1} s)", side.n, t.elapsed().as_secs_f64());
    let input = NewCollection { title: "Everything".into(), description: String::new(), private: false, theme: None };
    let c = side.store.create_collection(side.local, &input)?;
    rt.block_on(side.engine.sync_until_settled())?;
    rt.block_on(other_engine.sync_until_settled())?;

    let start = Instant::now();
    let all = Selection::Matching { query: ItemQuery::default(), except: vec![] };
    let out = side.store.add_to_collection(side.local, c.id, &all)?;
    let local = start.elapsed();
    ensure!(out.added as usize == side.n, "added {} items, expected {}", out.added, side.n);
    let (mutations, bytes): (i64, i64) =
        side.store.read(|c| Ok(c.query_row("SELECT count(*), coalesce(sum(length(mutation)), 0) FROM outbox", [], |r| Ok((r.get(0)?, r.get(1)?)))?))?;
    let t = Instant::now();
    let pushed = rt.block_on(side.engine.push())?;
    let push = t.elapsed();
    ensure!(pushed.refused == 0, "the server refused {} of the add's mutations", pushed.refused);
    let t = Instant::now();
    rt.block_on(other_engine.sync_until_settled())?;
    let pull = t.elapsed();
    let total = start.elapsed();
    let members: i64 = other.read(|conn| {
        Ok(conn.query_row(
            "SELECT count(*) FROM memberships m JOIN collections c ON c.id = m.collection_id WHERE c.title = 'Everything' AND c.project_id = ?1",
            [other.synced_projects()?.first().map(|p| p.project).unwrap_or(0)],
            |r| r.get(0),
        )?)
    })?;
    ensure!(members as usize == side.n, "the second app holds {members} members, expected {}", side.n);
    println!(
        "select all ({}) -> add, through sync to a second app: {:.1} s from the add until the second app holds every member (budget <= 60 s); \
         local commit {:.2} s; push {:.1} s ({mutations} mutations, {:.1} MB of JSON, {:.2} B/item); the second app's pull {:.1} s",
        side.n,
        total.as_secs_f64(),
        local.as_secs_f64(),
        push.as_secs_f64(),
        bytes as f64 / 1e6,
        bytes as f64 / side.n as f64,
        pull.as_secs_f64()
    );
    Ok(())
}
