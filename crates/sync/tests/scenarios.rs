//! Deterministic sync scenarios: a real `trove-server` process, several clients (each a
//! `trove-core` cache in its own SQLite file with a sync engine), and faults injected by a proxy
//! on 127.0.0.1 between them. Each ends with every client equal to the server.

mod common;

use std::time::Duration;

use common::{assert_converged, Client, World};
use trove_faultproxy::{Action, Rule};
use trove_protocol::CollectionPatch;

const PUSH: &str = "/api/v1/sync/push";
const PULL: &str = "/api/v1/sync/pull";

/// A collection both clients have synced, holding the given catalog items.
async fn shared(a: &Client, b: &Client, title: &str, items: &[usize]) -> (i64, i64) {
    let ca = a.create(title);
    if !items.is_empty() {
        a.add(ca, items);
    }
    a.sync().await;
    b.sync().await;
    (ca, b.collection(title))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_offline_add_the_same_item_and_it_is_in_once() {
    let w = World::new();
    let (a, b) = (w.client("alice").await, w.client("bob").await);
    let (ca, cb) = shared(&a, &b, "Picks", &[]).await;
    w.proxy.set_offline(true);
    a.add(ca, &[3, 1]);
    b.add(cb, &[1, 2]);
    assert!(a.engine.sync().await.is_err(), "offline: the push fails and is kept");
    assert_eq!(a.pending(), 1);
    w.proxy.set_offline(false);
    a.sync().await;
    b.sync().await;
    a.sync().await;
    assert_eq!(a.members(ca), b.members(cb));
    let mut m = a.members(ca);
    m.sort();
    assert_eq!(m, [1, 2, 3], "item 1 is in once");
    assert_converged(&w, &[&a, &b]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_re_add_the_remover_never_saw_survives_in_either_order() {
    for a_first in [true, false] {
        let w = World::new();
        let (a, b) = (w.client("alice").await, w.client("bob").await);
        let (ca, cb) = shared(&a, &b, "Picks", &[0, 5]).await;
        a.remove(ca, &[5]);
        b.remove(cb, &[5]);
        b.add(cb, &[5]);
        if a_first {
            a.sync().await;
            b.sync().await;
        } else {
            b.sync().await;
            a.sync().await;
        }
        a.sync().await;
        assert!(a.members(ca).contains(&5), "a_first={a_first}: item 5 is present");
        assert_converged(&w, &[&a, &b]).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_moves_converge_to_one_order() {
    let w = World::new();
    let (a, b) = (w.client("alice").await, w.client("bob").await);
    let (ca, cb) = shared(&a, &b, "Order", &[0, 1, 2, 3]).await;
    // A moves item 0 to the end; B moves item 0 before item 2 and item 3 to the front.
    a.store.move_item(ca, a.item(0), None).unwrap();
    b.store.move_item(cb, b.item(0), Some(b.item(2))).unwrap();
    b.store.move_item(cb, b.item(3), Some(b.item(1))).unwrap();
    a.sync().await;
    b.sync().await;
    a.sync().await;
    assert_eq!(a.members(ca), b.members(cb));
    assert_eq!(a.members(ca), [3, 1, 0, 2], "the later move (B's, in server order) of item 0 wins");
    assert_converged(&w, &[&a, &b]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rename_racing_a_delete_ends_deleted_everywhere_and_blocks_nothing() {
    for rename_first in [true, false] {
        let w = World::new();
        let (a, b) = (w.client("alice").await, w.client("bob").await);
        let (ca, cb) = shared(&a, &b, "Doomed", &[1]).await;
        a.store.update_collection(ca, &CollectionPatch { title: Some("Saved?".into()), ..Default::default() }).unwrap();
        a.add(ca, &[2]);
        let later = a.create("After"); // a later change of A's must still sync
        a.add(later, &[4]);
        b.store.delete_collection(cb).unwrap();
        if rename_first {
            a.sync().await;
            b.sync().await;
        } else {
            b.sync().await;
            a.sync().await;
        }
        a.sync().await;
        b.sync().await;
        assert_eq!(a.titles(), ["After"], "rename_first={rename_first}");
        assert_eq!(b.titles(), ["After"]);
        assert!(a.store.refusals().unwrap().is_empty(), "edits of a deleted collection are no-ops, not refusals");
        assert_converged(&w, &[&a, &b]).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_after_k_of_n_mutations_applies_each_exactly_once() {
    let w = World::new();
    let a = w.client("alice").await;
    let engine = a.engine.clone().with_push_batch(3);
    let c = a.create("Batch");
    for n in 0..8 {
        a.add(c, &[n]);
    }
    a.remove(c, &[2]);
    // The second push (mutations 4-6 of 10) is committed by the server, then answered 500.
    w.proxy.add_rule(Rule::on("POST", PUSH, Action::StatusAfterForward(500)).after(1).times(1));
    let err = engine.push().await.unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert_eq!(a.pending(), 7, "only the first batch was acknowledged");
    engine.push().await.unwrap();
    a.sync().await;
    assert_eq!(a.members(c), [0, 1, 3, 4, 5, 6, 7]);
    assert!(a.store.refusals().unwrap().is_empty());
    assert_converged(&w, &[&a]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_after_commit_and_a_duplicated_push_apply_once() {
    let w = World::new();
    let (a, b) = (w.client("alice").await, w.client("bob").await);
    let c = a.create("Once");
    a.add(c, &[1, 2]);
    w.proxy.add_rule(Rule::on("POST", PUSH, Action::DropResponse).times(1));
    let err = a.engine.push().await.unwrap_err();
    assert!(err.is_offline(), "a lost answer looks like a dropped connection: {err}");
    assert_eq!(a.pending(), 2, "nothing is dropped without an acknowledgement");
    a.remove(c, &[1]);
    w.proxy.add_rule(Rule::on("POST", PUSH, Action::Duplicate).times(1));
    a.sync().await;
    b.sync().await;
    assert_eq!(a.members(c), [2]);
    assert_eq!(b.members(b.collection("Once")), [2], "the create was not applied twice (no refusal), the add not redone after the remove");
    assert!(a.store.refusals().unwrap().is_empty());
    assert!(w.proxy.log().iter().any(|e| e.forwarded == 2), "the duplicate reached the server twice");
    assert_converged(&w, &[&a, &b]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_old_batch_has_no_effect() {
    let w = World::new();
    let a = w.client("alice").await;
    let c = a.create("Replay");
    a.add(c, &[7]);
    let old = trove_protocol::sync::PushRequest {
        client_id: a.store.client_id().to_string(),
        mutations: a.store.outbox().unwrap().into_iter().map(|(id, mutation)| trove_protocol::sync::PushedMutation { id, mutation }).collect(),
    };
    a.sync().await;
    a.remove(c, &[7]);
    a.store.update_collection(c, &CollectionPatch { title: Some("Renamed".into()), ..Default::default() }).unwrap();
    a.sync().await;
    // Somebody (a proxy, a bug) sends the first batch again.
    let answer = a.engine.remote().push(&old).await.unwrap();
    assert!(answer.rejected.is_empty());
    assert!(answer.last_mutation_id > old.mutations.last().unwrap().id, "the server's position did not move back");
    a.sync().await;
    assert_eq!(a.titles(), ["Renamed"]);
    assert_eq!(a.members(c), Vec::<usize>::new(), "the old add did not come back");
    assert_converged(&w, &[&a]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanently_refused_change_is_reported_and_later_ones_still_sync() {
    let w = World::new();
    let (a, b) = (w.client("alice").await, w.client("bob").await);
    a.create("Cats");
    let mine = b.create("cats!"); // the same title once slugified
    b.add(mine, &[1]);
    let other = b.create("Dogs");
    b.add(other, &[2]);
    a.sync().await;
    // The answer that carries the refusal is lost; a pull before any retry still says why (and
    // so would the retried push).
    w.proxy.add_rule(Rule::on("POST", PUSH, Action::DropResponse).times(1));
    assert!(b.engine.push().await.is_err());
    b.engine.pull(b.project, &|_| {}).await.unwrap();
    assert_eq!(b.store.refusals().unwrap().len(), 1, "the pull that acknowledged the refused create reported it");
    b.sync().await;
    let refused = b.store.refusals().unwrap();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].change, "Create the collection \u{201c}cats!\u{201d}");
    assert!(refused[0].reason.contains("already exists"), "{}", refused[0].reason);
    assert_eq!(b.titles(), ["Cats", "Dogs"], "the refused collection is gone, the later one synced");
    assert_eq!(b.members(b.collection("Dogs")), [2]);
    a.sync().await;
    assert_converged(&w, &[&a, &b]).await;

    // A viewer's edits are refused at once, here, and change nothing (the server would refuse
    // them and, since it re-stamps nothing for a caller without the role, no pull would undo
    // an optimistic effect).
    let v = w.client("vic").await;
    let cats = v.collection("Cats");
    let nine = trove_protocol::Selection::Ids { ids: vec![v.item(9)] };
    let err = v.store.add_to_collection(v.project, cats, &nine).unwrap_err().to_string();
    assert_eq!(err, "you are a viewer of lab/Photos; only its editors and admins can change it");
    assert!(v.store.tag_items(v.project, &nine, &["mine".into()]).is_err());
    assert_eq!(v.pending(), 0);
    v.sync().await;
    assert_eq!(v.members(cats), Vec::<usize>::new());
    assert_converged(&w, &[&a, &b, &v]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_while_edits_are_pending_does_not_overwrite_them() {
    let w = World::new();
    let (a, b) = (w.client("alice").await, w.client("bob").await);
    let (ca, cb) = shared(&a, &b, "Shared", &[0]).await;
    a.store.update_collection(ca, &CollectionPatch { title: Some("Mine".into()), ..Default::default() }).unwrap();
    a.add(ca, &[1]);
    a.store.set_note(ca, a.item(0), "my note").unwrap();
    b.store.update_collection(cb, &CollectionPatch { title: Some("Theirs".into()), ..Default::default() }).unwrap();
    b.add(cb, &[2]);
    b.store.set_note(cb, b.item(0), "their note").unwrap();
    b.sync().await;
    a.engine.pull(a.project, &|_| {}).await.unwrap();
    assert_eq!(a.titles(), ["Mine"], "the pending rename stays");
    let mut m = a.members(ca);
    m.sort();
    assert_eq!(m, [0, 1, 2], "B's add arrived, A's pending add stayed");
    assert_eq!(a.pending(), 3);
    a.sync().await;
    b.sync().await;
    assert_eq!(b.titles(), ["Mine"], "A's rename came later in server order");
    assert_converged(&w, &[&a, &b]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_killed_mid_push_and_restarted_loses_and_doubles_nothing() {
    let mut w = World::new();
    let a = w.client("alice").await;
    let c = a.create("Survivor");
    a.add(c, &(0..12).collect::<Vec<_>>());
    // Several rounds of 600 notes (one mutation each, one transaction each on the server); the
    // server is killed while a round is being applied.
    for round in 0..3 {
        for n in 0..600 {
            a.store.set_note(c, a.item(n % 12), &format!("round {round} note {n}")).unwrap();
        }
        let engine = a.engine.clone();
        let pushing = tokio::spawn(async move { engine.push().await });
        tokio::time::sleep(Duration::from_millis(10 + 15 * round)).await;
        w.server.kill();
        let outcome = pushing.await.unwrap();
        eprintln!("round {round}: push {}", if outcome.is_ok() { "finished before the kill" } else { "was cut by the kill" });
        if w.cluster.is_some() {
            // Two instances: the app retries through the other one while this one is down.
            a.sync().await;
            w.server.restart();
        } else {
            w.server.restart();
            a.sync().await;
        }
        let notes = &a.fp()["collections"][0]["members"];
        for (n, m) in notes.as_array().unwrap().iter().enumerate() {
            assert_eq!(m[2], format!("round {round} note {}", 588 + n), "round {round} (push {}): the last note of item {n} wins", if outcome.is_ok() { "finished" } else { "was cut" });
        }
        assert!(a.store.refusals().unwrap().is_empty());
        assert_converged(&w, &[&a]).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_that_fails_midway_is_resumed_from_its_cookie() {
    let w = World::new();
    let (a, b) = (w.client("alice").await, w.client("bob").await);
    let c = a.create("Paged");
    a.add(c, &(0..12).collect::<Vec<_>>());
    a.sync().await;
    w.proxy.add_rule(Rule::on("GET", PULL, Action::Status(503)).times(1).retry_after(1));
    let err = b.engine.sync().await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)), "Retry-After is read: {err}");
    b.sync().await;
    assert_converged(&w, &[&a, &b]).await;
}

/// Run as a child process by `a_client_killed_between_commit_and_push_pushes_after_restart`:
/// commits edits to the cache in `TROVE_CHILD_DIR`, says so, and waits to be killed.
#[test]
#[ignore = "a child process of another test, not a test by itself"]
fn child_commits_edits_then_waits() {
    use std::io::Write;
    let Ok(dir) = std::env::var("TROVE_CHILD_DIR") else { return };
    let dir = std::path::PathBuf::from(dir);
    let store = trove_core::Store::open(&dir.join("trove.db"), &dir.join("thumbs")).unwrap();
    let project = store.synced_projects().unwrap()[0].project;
    let input = trove_protocol::NewCollection { title: "From the killed process".into(), description: String::new(), private: false, theme: None };
    let c = store.create_collection(project, &input).unwrap();
    let ids = store.item_ids(project, &Default::default(), 0, 3).unwrap();
    store.add_to_collection(project, c.id, &trove_protocol::Selection::Ids { ids }).unwrap();
    println!("committed");
    std::io::stdout().flush().unwrap();
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_killed_between_commit_and_push_pushes_after_restart() {
    use std::io::BufRead;
    let w = World::new();
    let a = w.client("alice").await;
    let dir = a.dir.clone();
    drop(a);
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["child_commits_edits_then_waits", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env("TROVE_CHILD_DIR", &dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let out = std::io::BufReader::new(child.stdout.take().unwrap());
    assert!(out.lines().map_while(Result::ok).any(|l| l.contains("committed")), "the child committed its edits");
    child.kill().unwrap(); // SIGKILL: no shutdown, nothing pushed
    child.wait().unwrap();
    let a = Client::open(&dir, &w.proxy.url(), &w.tokens["alice"]).await;
    assert_eq!(a.pending(), 2, "the killed process's edits are in the cache, waiting");
    a.sync().await;
    assert_eq!(a.members(a.collection("From the killed process")), [0, 1, 2]);
    assert_converged(&w, &[&a]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_cookie_resets_the_copy_and_keeps_pending_edits() {
    let w = World::new();
    let (a, b) = (w.client("alice").await, w.client("bob").await);
    let (ca, cb) = shared(&a, &b, "Old", &[0, 1, 2]).await;
    // While B is away: A removes an item (a clock tombstone) and adds another, and the server
    // forgets the removal's history.
    a.remove(ca, &[1]);
    a.add(ca, &[3]);
    a.sync().await;
    b.store.update_collection(cb, &trove_protocol::CollectionPatch { title: Some("Renamed while away".into()), ..Default::default() }).unwrap();
    b.add(cb, &[4]);
    common::cli(&w.server.data, &["prune", "--older-than-days", "0"]);
    let cookie = b.store.synced_projects().unwrap()[0].cookie;
    let page = b.engine.remote().pull(&b.store.synced_projects().unwrap()[0].uuid, &b.store.client_id(), cookie, 10, None).await.unwrap();
    assert!(page.reset, "a cookie older than the pruned history is reset");
    b.engine.pull(b.project, &|_| {}).await.unwrap();
    assert_eq!(b.titles(), ["Renamed while away"], "the pending rename survived the reset");
    assert_eq!(b.members(cb), [0, 2, 3, 4], "the server's state plus the pending add");
    b.sync().await;
    a.sync().await;
    assert_converged(&w, &[&a, &b]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sync_task_pushes_by_itself_soon_after_the_server_returns() {
    use trove_protocol::remote::SyncState;
    let w = World::new();
    let a = w.client("alice").await;
    let driver = trove_sync::Driver::new(Duration::from_millis(500));
    driver.set_engine(Some(a.engine.clone()));
    let task = tokio::spawn(driver.clone().run());
    w.proxy.set_offline(true);
    let c = a.create("While away");
    // Two seconds of edits, each waking the task into a failing attempt.
    for n in 0..8 {
        a.add(c, &[n]);
        driver.wake();
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let away = driver.activity();
    assert_eq!(away.state, SyncState::Offline, "{away:?}");
    assert!(away.last_error.as_deref().is_some_and(|e| e.contains("cannot be reached")), "{away:?}");
    assert_eq!(a.pending(), 9);
    w.proxy.set_offline(false);
    // Retries wait at most about the interval (0.5 s, doubled by jitter), whatever the edits did.
    let back = std::time::Instant::now();
    while !(driver.activity().state == SyncState::Synced && a.pending() == 0) {
        assert!(back.elapsed() < Duration::from_secs(10), "not synced 10 s after the server returned: {:?}", driver.activity());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    task.abort();
    assert_converged(&w, &[&a]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn make_available_offline_fetches_every_thumbnail_within_the_budget() {
    let w = World::new();
    // A folder of three pictures (ImageMagick, which the test command installs), imported with
    // thumbnails on the server.
    let folder = w.root.path().join("pictures");
    std::fs::create_dir_all(&folder).unwrap();
    for (n, colour) in ["red", "green", "blue"].iter().enumerate() {
        let out = std::process::Command::new("convert")
            .args(["-size", &format!("{}x40", 50 + n), &format!("xc:{colour}"), folder.join(format!("p{n}.png")).to_str().unwrap()])
            .status()
            .expect("ImageMagick's convert (installed by scripts/setup)");
        assert!(out.success());
    }
    common::cli(&w.server.data, &["catalog", "import", "--namespace", "lab", "--project", "Pictures", "--dataset", "d", folder.to_str().unwrap()]);
    let c = Client::open_project(&w.root.path().join("offline"), &w.proxy.url(), &w.tokens["alice"], "lab/Pictures").await;
    let page = c.store.page(c.project, &Default::default(), 0, 10).unwrap().items;
    let hashes: Vec<String> = page.iter().filter_map(|i| i.thumb.clone()).collect();
    assert_eq!(hashes.len(), 3);
    assert!(hashes.iter().all(|h| !c.store.thumbs().contains(h)), "a download brings the catalog, not the thumbnails");
    // A budget smaller than one thumbnail fetches nothing and says so.
    let none = c.engine.prefetch_thumbnails(c.project, 1, &|_| {}).await.unwrap();
    assert_eq!((none.fetched, none.over_budget), (0, 3));
    let seen = std::sync::Mutex::new(Vec::new());
    let all = c.engine.prefetch_thumbnails(c.project, 64 << 20, &|p| seen.lock().unwrap().push((p.done, p.total))).await.unwrap();
    assert_eq!((all.fetched, all.over_budget, all.present), (3, 0, 0));
    assert!(hashes.iter().all(|h| c.store.thumbs().contains(h)), "every thumbnail is in the cache");
    assert_eq!(seen.lock().unwrap().last(), Some(&(3, Some(3))), "progress reached the total");
    // Offline now: the thumbnails are served from the cache.
    w.proxy.set_offline(true);
    let again = c.engine.prefetch_thumbnails(c.project, 64 << 20, &|_| {}).await.unwrap();
    assert_eq!((again.fetched, again.present), (0, 3));
}

/// A copy of the server's database as it is now, taken as an operator might without the
/// `backup` command: its files while the server is stopped (SQLite), `pg_dump` (PostgreSQL).
fn raw_backup(w: &mut World, to: &std::path::Path) {
    match trove_server::testing::database_url_for(&w.server.data) {
        Some(url) => {
            std::fs::create_dir_all(to).unwrap();
            trove_server::backup::postgres::backup(&url, &to.join("dump")).unwrap();
        }
        None => {
            w.server.kill();
            copy_server_db(&w.server.data, to);
            w.server.restart();
        }
    }
}

/// Puts a [`raw_backup`] back with every instance stopped, without the `restore` command (so
/// without its new era): the server simply forgets what came after.
fn raw_restore(w: &mut World, from: &std::path::Path) {
    w.kill_all();
    match trove_server::testing::database_url_for(&w.server.data) {
        Some(url) => {
            trove_server::backup::postgres::restore(&url, &from.join("dump")).unwrap();
        }
        None => copy_server_db(from, &w.server.data.clone()),
    }
    w.restart_all();
}

/// Copies the server's database files (the server must be stopped) from `from` to `to`.
fn copy_server_db(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let (src, dst) = (from.join(format!("trove-server.db{suffix}")), to.join(format!("trove-server.db{suffix}")));
        let _ = std::fs::remove_file(&dst);
        if src.exists() {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restored_from_a_backup_is_met_by_starting_over_and_nothing_pending_is_lost() {
    let mut w = World::new();
    let a = w.client("alice").await;
    let kept = a.create("Before the backup");
    a.add(kept, &[1]);
    a.sync().await;
    let backup = w.root.path().join("backup");
    raw_backup(&mut w, &backup);
    // Acknowledged by the server, then lost with it.
    let lost = a.create("Lost by the server");
    a.add(lost, &[2]);
    a.sync().await;
    raw_restore(&mut w, &backup);
    let after = a.create("After the restore");
    a.add(after, &[3]);
    a.add(kept, &[4]);
    let before = a.store.client_id();
    // The app's sync task: its next push meets the gap (409); it must say so, keep the pending
    // changes, start over and go on syncing.
    let driver = trove_sync::Driver::new(Duration::from_millis(100));
    driver.set_engine(Some(a.engine.clone()));
    let mut status = driver.subscribe();
    let task = tokio::spawn(driver.clone().run());
    let seen = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let s = status.borrow_and_update().clone();
            if s.state == trove_protocol::remote::SyncState::Synced && a.pending() == 0 {
                return s;
            }
            status.changed().await.unwrap();
        }
    })
    .await
    .expect("sync recovers by itself");
    task.abort();
    let said = seen.last_error.unwrap_or_default();
    assert!(said.contains("The server no longer has some changes from this computer that it had confirmed"), "{said}");
    assert!(said.contains("the 3 changes waiting here are kept and sent"), "{said}");
    assert_ne!(a.store.client_id(), before, "a new client id");
    assert_eq!(a.titles(), ["After the restore", "Before the backup"], "the copy is the server's: the lost collection is gone");
    assert_eq!(a.members(a.collection("Before the backup")), [1, 4]);
    assert_eq!(a.members(a.collection("After the restore")), [3]);
    assert!(a.store.refusals().unwrap().is_empty());
    assert_converged(&w, &[&a]).await;
    // And it keeps syncing.
    a.add(a.collection("After the restore"), &[5]);
    a.sync().await;
    assert_converged(&w, &[&a]).await;
}

/// The operator's way: `trove-server backup` while the server runs, `restore` once it is
/// stopped. Every app meets a new era: one that pulled a change the restore lost downloads its
/// copy afresh (it does not keep showing the lost collection), and one with changes waiting
/// gets them all to the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_and_restore_with_the_command_line_loses_nothing_pending_and_every_copy_follows() {
    let mut w = World::new();
    let a = w.client("alice").await;
    let b = w.client("bob").await;
    let kept = a.create("Before the backup");
    a.add(kept, &[1]);
    a.sync().await;
    let backup = w.root.path().join("trove-backup.db");
    let said = common::cli(&w.server.data, &["backup", "--to", backup.to_str().unwrap()]);
    assert!(said.starts_with("backed up "), "{said}");
    // Acknowledged by the server, pulled by bob, then lost with it.
    let lost = a.create("Lost by the server");
    a.add(lost, &[2]);
    a.sync().await;
    b.sync().await;
    assert_eq!(b.titles(), ["Before the backup", "Lost by the server"]);
    // Changes waiting in alice's app while the server is restored.
    let waiting = a.create("Waiting during the restore");
    a.add(waiting, &[3]);
    a.add(kept, &[4]);
    let refused = trove_server::testing::command(&common::server_bin(), &w.server.data).args(["restore", "--from", backup.to_str().unwrap()]).output().unwrap();
    assert!(!refused.status.success(), "a restore waits for the server to stop");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("a trove-server is running on"), "{}", String::from_utf8_lossy(&refused.stderr));
    w.kill_all();
    let said = common::cli(&w.server.data, &["restore", "--from", backup.to_str().unwrap()]);
    assert!(said.contains("the database it replaced is kept as") || said.contains("restored the PostgreSQL database from"), "{said}");
    w.restart_all();
    a.sync().await;
    b.sync().await;
    assert_eq!(a.titles(), ["Before the backup", "Waiting during the restore"], "alice's waiting changes reached the restored server");
    assert_eq!(a.members(a.collection("Before the backup")), [1, 4]);
    assert_eq!(a.members(a.collection("Waiting during the restore")), [3]);
    assert_eq!(b.titles(), a.titles(), "bob's copy no longer shows what the restore lost");
    assert_converged(&w, &[&a, &b]).await;
    // Both go on syncing in the new era.
    b.add(b.collection("Waiting during the restore"), &[5]);
    b.sync().await;
    a.sync().await;
    assert_converged(&w, &[&a, &b]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cache_restored_from_an_older_copy_gets_its_new_edits_to_the_server() {
    let w = World::new();
    let a = w.client("alice").await;
    let (dir, url, token) = (a.dir.clone(), w.proxy.url(), w.tokens["alice"].clone());
    let first = a.create("First");
    a.add(first, &[1]);
    a.sync().await;
    let id = a.store.client_id();
    // A copy of the cache is taken (the app closed: the database is one file), then more is
    // done and synced.
    drop(a);
    assert!(!dir.join("trove.db-wal").exists(), "closing checkpoints the WAL into the file");
    let backup = dir.join("backup.db");
    std::fs::copy(dir.join("trove.db"), &backup).unwrap();
    let a = Client::open(&dir, &url, &token).await;
    let later = a.create("Later");
    a.add(later, &[2, 3]);
    a.add(first, &[4]);
    a.sync().await;
    // The older copy is put back over the newer database.
    drop(a);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("trove.db{suffix}")));
    }
    std::fs::copy(&backup, dir.join("trove.db")).unwrap();
    let a = Client::open(&dir, &url, &token).await;
    assert_eq!(a.store.client_id(), id, "the same file at the same place keeps its client id");
    assert_eq!(a.titles(), ["First"], "the older copy");
    // New edits reuse the ids of "Later" and its adds: the server would skip them as repeats.
    // More of them than the server had after the copy, made before the first sync.
    let restored = a.create("Restored");
    for n in [5, 6, 7, 8] {
        a.add(restored, &[n]);
    }
    a.sync().await;
    assert_ne!(a.store.client_id(), id, "it syncs under a new client id");
    let notices = a.engine.take_notices();
    assert!(notices.iter().any(|n| n.contains("restored from an older copy")), "{notices:?}");
    let server = w.server_state().await;
    let titles: Vec<&str> = server["collections"].as_array().unwrap().iter().map(|c| c["title"].as_str().unwrap()).collect();
    let mut titles = titles;
    titles.sort();
    assert_eq!(titles, ["First", "Later", "Restored"], "the new edits reached the server, nothing was undone");
    assert_eq!(a.members(a.collection("Restored")), [5, 6, 7, 8]);
    assert_eq!(a.members(a.collection("First")), [1, 4], "the copy was brought up to date");
    assert_converged(&w, &[&a]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_access_removes_the_copy_and_reports_its_pending_edits() {
    let w = World::new();
    common::cli(&w.server.data, &["user", "add", "dan"]);
    let token = common::cli(&w.server.data, &["token", "create", "--user", "dan"]);
    common::cli(&w.server.data, &["project", "grant", "--project", common::PROJECT, "--user", "dan", "--role", "editor"]);
    let d = Client::open(&w.root.path().join("client-dan"), &w.proxy.url(), &token).await;
    let c = d.create("Dan's picks");
    d.add(c, &[1]);
    d.sync().await;
    d.add(c, &[2]);
    // An admin removes Dan's role.
    let removed = w.server_store().write(|tx| tx.execute("DELETE FROM project_roles WHERE user_id = (SELECT id FROM users WHERE name = 'dan')", [])).unwrap();
    assert_eq!(removed, 1);
    // The next pull answers 404: the copy goes, and the pending add is reported, not silently
    // dropped (had the push come first, the server would have refused it with its own reason).
    d.engine.pull(d.project, &|_| {}).await.unwrap();
    assert!(d.store.synced_projects().unwrap().is_empty(), "the copy is removed");
    let projects: i64 = d.store.read(|c| Ok(c.query_row("SELECT count(*) FROM projects", [], |r| r.get(0))?)).unwrap();
    assert_eq!(projects, 0);
    assert_eq!(d.pending(), 0);
    let refused = d.store.refusals().unwrap();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(refused[0].reason.contains("lab/Photos") && refused[0].change.contains("Add 1 item"), "{refused:?}");
    let notices = d.engine.take_notices();
    assert!(notices.iter().any(|n| n.starts_with("You no longer have access to lab/Photos")), "{notices:?}");
    // Sync goes on (nothing left to sync with this server).
    d.engine.sync().await.unwrap();
}

#[tokio::test]
async fn a_collection_made_private_leaves_the_copies_outside_its_namespace_and_comes_back_when_public() {
    let w = World::new();
    common::cli(&w.server.data, &["user", "add", "dan"]);
    let token = common::cli(&w.server.data, &["token", "create", "--user", "dan"]);
    common::cli(&w.server.data, &["project", "grant", "--project", common::PROJECT, "--user", "dan", "--role", "viewer"]);
    let a = w.client("alice").await;
    let c = a.create("Team picks");
    a.add(c, &[1, 2, 3]);
    a.sync().await;
    let d = Client::open(&w.root.path().join("client-dan"), &w.proxy.url(), &token).await;
    let dc = d.collection("Team picks");
    assert_eq!(d.members(dc), [1, 2, 3]);
    // Alice (in lab) makes it private: Dan, outside lab, can no longer see it, so his next sync
    // removes it from his copy, members and all.
    a.store.update_collection(c, &trove_protocol::CollectionPatch { private: Some(true), ..Default::default() }).unwrap();
    a.sync().await;
    d.sync().await;
    assert!(d.titles().is_empty(), "{:?}", d.titles());
    let members: i64 = d.store.read(|c| Ok(c.query_row("SELECT count(*) FROM memberships", [], |r| r.get(0))?)).unwrap();
    assert_eq!(members, 0);
    // Made public again, it comes back with its members.
    a.store.update_collection(c, &trove_protocol::CollectionPatch { private: Some(false), ..Default::default() }).unwrap();
    a.sync().await;
    d.sync().await;
    assert_eq!(d.members(d.collection("Team picks")), [1, 2, 3]);
}

/// The same push sent twice at once — on PostgreSQL to both instances, one each, bypassing the
/// balancer — applies each mutation once: the client's last mutation id advances in the
/// transaction that applies its mutations, and writes do not interleave.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_push_on_two_instances_at_once_applies_each_mutation_once() {
    let w = World::new();
    let a = w.client("alice").await;
    let c = a.create("Twice");
    for n in 0..12 {
        a.add(c, &[n]);
        a.store.set_note(c, a.item(n), &format!("note {n}")).unwrap();
    }
    let outbox = a.store.outbox().unwrap();
    let push = trove_protocol::sync::PushRequest {
        client_id: a.store.client_id().to_string(),
        mutations: outbox.iter().map(|(id, m)| trove_protocol::sync::PushedMutation { id: *id, mutation: m.clone() }).collect(),
    };
    let second = w.cluster.as_ref().map_or(w.server.addr, |(s, _)| s.addr);
    let one = trove_sync::Remote::new(&format!("http://{}", w.server.addr), &w.tokens["alice"]).unwrap();
    let two = trove_sync::Remote::new(&format!("http://{second}"), &w.tokens["alice"]).unwrap();
    let (first, again) = tokio::join!(one.push(&push), two.push(&push));
    let (first, again) = (first.unwrap(), again.unwrap());
    assert!(first.rejected.is_empty() && again.rejected.is_empty(), "{first:?} {again:?}");
    assert_eq!(first.last_mutation_id.max(again.last_mutation_id), outbox.last().unwrap().0);
    a.sync().await;
    assert_eq!(a.pending(), 0);
    assert_eq!(a.members(c), (0..12).collect::<Vec<_>>(), "each add applied once");
    assert_converged(&w, &[&a]).await;
}
