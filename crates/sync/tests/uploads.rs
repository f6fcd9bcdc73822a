//! "Import folder…" in a synced project, end to end: the real app cache and sync engine, the
//! fault proxy and the real `trove-server` binary. The items and their thumbnails reach the
//! server in the background and other apps see the new dataset, and an upload cut short (a lost
//! answer, the app killed in the middle) resumes where it was after a restart, leaving every
//! item and every thumbnail on the server exactly once.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{cli, Client, World};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use trove_core::import::Importer;
use trove_faultproxy::{Action, Rule};
use trove_protocol::import::ImportState;

/// `n` distinct small pictures under `root` (nested, in two formats).
fn pictures(root: &Path, n: u32) {
    for k in 0..n {
        let img = DynamicImage::ImageRgb8(RgbImage::from_fn(40 + k % 7, 30, |x, y| Rgb([(k % 256) as u8, (k / 256) as u8 * 40 + x as u8, y as u8])));
        let (path, format) = if k % 2 == 0 { (root.join(format!("a/p{k:03}.png")), ImageFormat::Png) } else { (root.join(format!("b/p{k:03}.jpg")), ImageFormat::Jpeg) };
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        img.save_with_format(path, format).unwrap();
    }
}

/// An image project `lab/Pictures` on the server, with one picture in dataset `seed`.
fn image_project(world: &World) {
    let seed = world.root.path().join("seed");
    pictures(&seed, 1);
    cli(&world.server.data, &["catalog", "import", "--namespace", "lab", "--project", "Pictures", "--dataset", "seed", seed.to_str().unwrap()]);
}

fn import(client: &Client, folder: &Path, dataset: &str) -> trove_protocol::import::ImportStatus {
    let importer = Importer::default();
    let plan = importer.begin(&client.store, client.project, &folder.display().to_string(), Some(dataset)).unwrap();
    importer.run(&client.store, &plan);
    importer.status()
}

/// (uuid, thumb) of the server's items in dataset `dataset`, and whether each thumbnail file is
/// in the server's store.
fn server_items(world: &World, dataset: &str) -> Vec<(String, String, bool)> {
    let rows: Vec<(String, String)> = world
        .server_store()
        .read(|c| {
            let mut stmt = c.prepare("SELECT i.uuid, i.thumb FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = ?1 ORDER BY i.uuid")?;
            let rows = stmt.query_map([dataset], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            rows.collect()
        })
        .unwrap();
    rows.into_iter().map(|(uuid, thumb)| {
        let stored = world.server.data.join("thumbs").join(&thumb[..2]).join(&thumb).is_file();
        (uuid, thumb, stored)
    })
    .collect()
}

/// The cache's items of dataset `dataset`: (uuid, thumb).
fn local_items(client: &Client, dataset: &str) -> Vec<(String, String)> {
    client
        .store
        .read(|c| {
            let mut stmt = c.prepare("SELECT i.uuid, i.thumb FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = ?1 ORDER BY i.uuid")?;
            let rows = stmt.query_map([dataset], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_reaches_the_server_once_through_lost_answers_and_a_restart() {
    let world = World::new();
    image_project(&world);
    let folder = world.root.path().join("holiday");
    pictures(&folder, 250);

    let alice = world.client_of("alice", "lab/Pictures").await;
    let status = import(&alice, &folder, "Holiday");
    assert_eq!((status.state, status.indexed, status.failed), (ImportState::Done, 250, 0), "{}", status.message);
    // The gallery shows them at once, before any upload.
    let local = local_items(&alice, "Holiday");
    assert_eq!(local.len(), 250);
    assert_eq!(alice.pending(), 3, "three batches of at most 96 files, one mutation each");

    // The answer to the third thumbnail upload and to the second push are lost; the app is
    // then killed while it pushes (its task dropped mid-flight), and restarted.
    world.proxy.add_rule(Rule::on("PUT", "/api/v1/sync/thumbnails", Action::DropResponse).after(2).times(1));
    world.proxy.add_rule(Rule::on("POST", "/api/v1/sync/push", Action::DropResponse).after(1).times(1));
    let engine = alice.engine.clone();
    let first = tokio::spawn(async move { engine.push().await });
    assert!(first.await.unwrap().is_err(), "a lost answer stops the first attempt");
    let engine = alice.engine.clone();
    let second = tokio::spawn(async move { engine.push().await });
    tokio::time::sleep(Duration::from_millis(30)).await;
    second.abort();
    let _ = second.await;
    let alice = alice.reopen().await;
    assert!(alice.pending() >= 1, "what the server has not acknowledged is still pending");
    alice.sync().await;
    assert_eq!(alice.pending(), 0);

    let server = server_items(&world, "Holiday");
    let mut uuids: Vec<&String> = server.iter().map(|(u, ..)| u).collect();
    uuids.dedup();
    assert_eq!(uuids.len(), 250, "every item exactly once");
    assert!(server.iter().all(|(.., stored)| *stored), "every thumbnail is on the server");
    let pairs: Vec<(String, String)> = server.iter().map(|(u, t, _)| (u.clone(), t.clone())).collect();
    assert_eq!(pairs, local_items(&alice, "Holiday"), "the server has what the app imported, under the same UUIDs");
    let (n, distinct): (i64, i64) = world
        .server_store()
        .read(|c| c.query_row("SELECT count(*), count(DISTINCT content) FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = 'Holiday'", [], |r| Ok((r.get(0)?, r.get(1)?))))
        .unwrap();
    assert_eq!((n, distinct), (250, 250));

    // Another app sees the new dataset after sync, and its thumbnails load.
    let bob = world.client_of("bob", "lab/Pictures").await;
    let seen = local_items(&bob, "Holiday");
    assert_eq!(seen, pairs);
    bob.engine.fetch_thumbnail(&seen[0].1).await.expect("bob loads an uploaded thumbnail");
    assert!(bob.store.thumbs().cache().get(&seen[0].1).is_some());
    assert_eq!(bob.fp(), alice.fp(), "both copies agree");

    // A re-import in bob's app adds nothing: the pulled items carry their content.
    let again = import(&bob, &folder, "Holiday");
    assert_eq!((again.indexed, again.unchanged), (0, 250), "{}", again.message);
    assert_eq!(bob.pending(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_the_server_refuses_is_undone_in_the_app() {
    let world = World::new();
    image_project(&world);
    let folder = world.root.path().join("mine");
    pictures(&folder, 3);
    let carol = world.client_of("carol", "lab/Pictures").await;
    assert_eq!(import(&carol, &folder, "Mine").indexed, 3);
    // Carol loses the editor role before her app uploads.
    cli(&world.server.data, &["project", "grant", "--project", "lab/Pictures", "--user", "carol", "--role", "viewer"]);
    world.server_store().write(|tx| tx.execute("DELETE FROM namespace_members WHERE user_id = (SELECT id FROM users WHERE name = 'carol')", [])).unwrap();
    carol.sync().await;
    assert_eq!(carol.pending(), 0);
    assert!(local_items(&carol, "Mine").is_empty(), "the refused items are gone from her copy");
    assert!(server_items(&world, "Mine").is_empty());
    let refusals = carol.store.refusals().unwrap();
    assert!(refusals.iter().any(|r| r.change == "Upload 3 items imported into \u{201c}Mine\u{201d}"), "{refusals:?}");
}

/// "Upload originals": after the push, each imported file goes up streamed from its folder; a
/// lost answer and a restart in the middle leave each original on the server once; a file gone
/// since its import is given up with the reason, and nothing waits any more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn originals_are_uploaded_when_asked_and_resume_after_a_restart() {
    use trove_sync::{Engine, Remote};
    let world = World::new();
    image_project(&world);
    let folder = world.root.path().join("raw");
    pictures(&folder, 6);
    let alice = world.client_of("alice", "lab/Pictures").await;
    assert_eq!(import(&alice, &folder, "Raw").indexed, 6);
    std::fs::remove_file(folder.join("a/p004.png")).unwrap();
    let engine = || Engine::new(alice.store.clone(), Remote::new(&world.proxy.url(), &world.tokens["alice"]).unwrap()).with_originals(true);

    world.proxy.add_rule(Rule::on("PUT", "/api/v1/sync/originals", Action::DropResponse).after(1).times(1));
    assert!(engine().sync().await.is_err(), "a lost answer stops the first attempt");
    assert!(alice.store.originals_waiting().unwrap() > 0);
    // A restart: a new engine over the same cache goes on from what is recorded.
    let again = engine();
    again.sync_until_settled().await.unwrap();
    again.sync().await.unwrap();
    assert_eq!(alice.store.originals_waiting().unwrap(), 0);

    let rows: Vec<(String, String)> = world
        .server_store()
        .read(|c| {
            let mut stmt = c.prepare("SELECT i.name, i.content FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = 'Raw' ORDER BY i.name")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })
        .unwrap();
    assert_eq!(rows.len(), 6);
    for (name, content) in &rows {
        let stored = world.server.data.join("originals").join(&content[..2]).join(content);
        if name == "a/p004.png" {
            assert!(!stored.exists(), "the file gone since its import is not on the server");
        } else {
            assert_eq!(std::fs::read(&stored).unwrap(), std::fs::read(folder.join(name)).unwrap(), "{name} is on the server as it was imported");
        }
    }
    let failure: String = alice.store.read(|c| Ok(c.query_row("SELECT failure FROM import_files WHERE uploaded = 2", [], |r| r.get(0))?)).unwrap();
    assert!(failure.ends_with("p004.png is no longer there"), "{failure}");
    let leftovers = std::fs::read_dir(world.server.data.join("originals/tmp")).unwrap().count();
    assert_eq!(leftovers, 0, "no partial upload is left on the server");

    // Another computer opens an uploaded original: downloaded once, checked, then kept.
    let bob = world.client_of("bob", "lab/Pictures").await;
    let id_of = |name: &str| -> i64 { bob.store.read(|c| Ok(c.query_row("SELECT id FROM items WHERE name = ?1 AND project_id = ?2", rusqlite::params![name, bob.project], |r| r.get(0))?)).unwrap() };
    let shot = id_of("b/p003.jpg");
    let detail = bob.store.item(bob.project, shot).unwrap();
    assert_eq!((detail.original.as_deref(), detail.original_on_server), (None, true));
    let remote = bob.store.original_on_server(bob.project, shot).unwrap().expect("an imported file of a server project");
    bob.engine.fetch_original(&remote).await.unwrap();
    assert_eq!(std::fs::read(bob.store.original(bob.project, shot).unwrap()).unwrap(), std::fs::read(folder.join("b/p003.jpg")).unwrap());
    let detail = bob.store.item(bob.project, shot).unwrap();
    assert!(detail.original.is_some() && !detail.original_on_server, "kept for next time");
    let gone = bob.store.original_on_server(bob.project, id_of("a/p004.png")).unwrap().unwrap();
    let e = bob.engine.fetch_original(&gone).await.unwrap_err().to_string();
    assert_eq!(e, "the original of \"a/p004.png\" is not on the server: the computer that imported it did not upload it (Upload originals)");
    assert!(!gone.dest.exists() && !gone.dest.with_extension("partial").exists(), "nothing kept of a failed download");

    // Without the setting nothing is uploaded.
    let other = world.root.path().join("other");
    pictures(&other, 2);
    assert_eq!(import(&bob, &other, "Other").indexed, 2);
    bob.sync().await;
    assert_eq!(bob.store.originals_waiting().unwrap(), 2, "waiting for the setting");
}

/// The server's rate limit (429 with Retry-After) on thumbnail uploads is waited out, not taken
/// for a refusal: every item reaches the server with its thumbnail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_uploads_wait_and_lose_no_thumbnail() {
    let world = World::new();
    image_project(&world);
    let folder = world.root.path().join("busy");
    pictures(&folder, 30);
    let alice = world.client_of("alice", "lab/Pictures").await;
    assert_eq!(import(&alice, &folder, "Busy").indexed, 30);
    world.proxy.add_rule(Rule::on("PUT", "/api/v1/sync/thumbnails", Action::Status(429)).retry_after(1).after(5).times(3));
    alice.sync().await;
    let server = server_items(&world, "Busy");
    assert_eq!(server.len(), 30);
    assert!(server.iter().all(|(.., stored)| *stored), "every thumbnail is on the server");
}
