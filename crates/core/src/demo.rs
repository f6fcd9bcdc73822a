//! The demo projects the app opens into on first start (their data, pictures and drawing are
//! `trove-demo`'s): [`ensure`] inserts them into the app's cache with each picture's gallery
//! thumbnail (and its perceptual hash, for near-duplicate search), and [`draw_previews`], run in the background after it, draws the larger
//! detail-panel previews (the panel shows the thumbnail until then). Reading an item never
//! draws anything.

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;
use trove_demo::{
    image_items, image_pictures, image_specs, render_previews, render_thumbs_hashed, showcase, HubItem, ImageSpec, DATASETS,
    HUB_DATASETS, HUB_DESCRIPTION, HUB_ITEMS, HUB_PROJECT, IMAGE_DESCRIPTION, IMAGE_MIME, IMAGE_PROJECT, TAGS,
};
use trove_protocol::{ProjectKind, Selection};

/// What a first start needs to size the demo (`TROVE_DEMO_ITEMS`).
pub use trove_demo::{parse_image_count, DEFAULT_IMAGES, MAX_IMAGES};

use crate::db::{now_ms, Store};
use crate::error::Result;
use crate::items::TAG_SEP;
use crate::{collections, members, projects};

/// Creates the demo projects if the cache holds no project yet. Returns whether it did.
pub fn ensure(store: &Store) -> Result<bool> {
    ensure_with(store, || DEFAULT_IMAGES)
}

/// [`ensure`] with an image project of `images()` items (`trove_demo::image_items`), asked for
/// only when the cache is empty. Only the distinct drawings are drawn (at most 3,000, however
/// large the demo); the items go in through prepared statements in the one transaction.
pub fn ensure_with(store: &Store, images: impl FnOnce() -> usize) -> Result<bool> {
    if !store.read(projects::list)?.is_empty() {
        return Ok(false);
    }
    let images = images();
    let pictures = image_pictures(images);
    let drawn = render_thumbs_hashed(store.thumbs().cache(), &pictures)?;
    let thumbs: Vec<String> = drawn.iter().map(|(thumb, _)| thumb.clone()).collect();
    store.write(|tx| {
        crate::dupes::store_hashes(tx, &drawn)?;
        insert_images(tx, image_items(images), &thumbs)?;
        insert_hub(tx, store.actor())?;
        // Seed data is not something the user did: nothing to push.
        tx.execute("DELETE FROM outbox", [])?;
        Ok(())
    })?;
    Ok(true)
}

/// Inserts `specs`, each with the thumbnail of its drawing (`thumbs[spec.picture]`).
fn insert_images(tx: &Connection, specs: impl Iterator<Item = ImageSpec>, thumbs: &[String]) -> Result<()> {
    let project = projects::create(tx, IMAGE_PROJECT, ProjectKind::Image, IMAGE_DESCRIPTION)?;
    let datasets: Vec<i64> =
        DATASETS.iter().map(|(name, _)| projects::create_dataset(tx, project, name)).collect::<Result<_>>()?;
    let mut tag_ids = std::collections::HashMap::new();
    for tag in TAGS {
        tx.execute("INSERT INTO tags (project_id, name) VALUES (?1, ?2)", rusqlite::params![project, tag])?;
        tag_ids.insert(tag, tx.last_insert_rowid());
    }
    let now = now_ms();
    let mut item = tx.prepare(
        "INSERT INTO items (uuid, project_id, dataset_id, kind, name, mime, width, height, size, labels_count, created_at, updated_at, thumb, preview, source, tags_text)
         VALUES (?1, ?2, ?3, 'image', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, NULL, ?12, ?13)",
    )?;
    let mut tag = tx.prepare("INSERT INTO item_tags (item_id, tag_id) VALUES (?1, ?2)")?;
    let sep = TAG_SEP.to_string();
    // UUIDs of one random prefix and a counter in the last 48 bits: still unique, and they go
    // into the UUID index in order instead of at a random place each (a third of a large
    // demo's insert time).
    let prefix = uuid::Uuid::new_v4().as_u128() & !0xffff_ffff_ffff;
    for (k, sp) in specs.enumerate() {
        item.execute(rusqlite::params![
            uuid::Uuid::from_u128(prefix | k as u128).to_string(),
            project,
            datasets[sp.dataset],
            sp.name,
            IMAGE_MIME,
            sp.width,
            sp.height,
            sp.size as i64,
            sp.labels,
            sp.created_at(now),
            thumbs[sp.picture],
            sp.source(),
            sp.tags.join(&sep),
        ])?;
        let id = tx.last_insert_rowid();
        for t in &sp.tags {
            tag.execute([id, tag_ids[t]])?;
        }
    }
    Ok(())
}

/// Draws the detail-panel preview of every demo picture in the cache that has none yet (a new
/// demo, a synced copy of a server's demo, a start that ended before this finished), a batch at
/// a time, and names it on the item. Items that show the same drawing (a large demo reuses
/// them) share its preview, drawn once. Returns how many previews it drew. Meant for a
/// background thread after [`ensure`]: the first start does not wait for 3,000 larger pictures.
pub fn draw_previews(store: &Store) -> Result<usize> {
    // At most this many new drawings per batch, so previews appear as they are drawn.
    const DRAWN_PER_BATCH: usize = 64;
    // The pictures' specs are made only when a picture lacks its preview (not on every start).
    let mut specs: Option<HashMap<String, ImageSpec>> = None;
    let mut done: HashMap<String, String> = HashMap::new();
    let (mut after, mut drawn) = (0i64, 0usize);
    loop {
        let batch: Vec<(i64, String)> = store.read(|c| {
            let mut stmt = c.prepare(
                "SELECT id, source FROM items WHERE id > ?1 AND preview IS NULL AND source LIKE 'demo:%' ORDER BY id LIMIT 2048",
            )?;
            let rows = stmt.query_map([after], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
            Ok(rows)
        })?;
        if batch.is_empty() {
            return Ok(drawn);
        }
        let specs = specs.get_or_insert_with(|| image_specs().into_iter().map(|s| (s.source(), s)).collect());
        // The rows up to the one that would need one drawing too many; sources no demo
        // picture has are passed over.
        let mut wanted: Vec<ImageSpec> = Vec::new();
        let mut seen = HashSet::new();
        let mut upto = 0;
        for (_, source) in &batch {
            if !done.contains_key(source) && !seen.contains(source) {
                if let Some(spec) = specs.get(source) {
                    if wanted.len() == DRAWN_PER_BATCH {
                        break;
                    }
                    seen.insert(source.clone());
                    wanted.push(spec.clone());
                }
            }
            upto += 1;
        }
        let hashes = render_previews(store.thumbs().cache(), &wanted)?;
        drawn += hashes.len();
        done.extend(wanted.iter().map(|s| s.source()).zip(hashes));
        let rows = &batch[..upto];
        after = rows.last().map_or(after, |(id, _)| *id);
        store.write(|tx| {
            let mut set = tx.prepare("UPDATE items SET preview = ?1 WHERE id = ?2 AND preview IS NULL")?;
            for (id, source) in rows {
                if let Some(hash) = done.get(source) {
                    set.execute(rusqlite::params![hash, id])?;
                }
            }
            Ok(())
        })?;
    }
}

fn insert_hub(tx: &Connection, actor: &str) -> Result<()> {
    let project = projects::create(tx, HUB_PROJECT, ProjectKind::Hub, HUB_DESCRIPTION)?;
    let mut datasets = std::collections::HashMap::new();
    for (kind, name) in HUB_DATASETS {
        datasets.insert(kind, projects::create_dataset(tx, project, name)?);
    }
    let now = now_ms();
    let mut noted = Vec::new();
    for (n, hub) in HUB_ITEMS.iter().enumerate() {
        let HubItem { kind, id, size, tags, note } = hub;
        let mut sorted: Vec<&str> = tags.to_vec();
        sorted.sort();
        tx.execute(
            "INSERT INTO items (uuid, project_id, dataset_id, kind, name, mime, size, created_at, updated_at, source, tags_text, labels_count)
             VALUES (?1, ?2, ?3, ?4, ?5, 'application/x-hub-repo', ?6, ?7, ?7, ?8, ?9, 0)",
            rusqlite::params![
                uuid::Uuid::new_v4().to_string(),
                project,
                datasets[kind],
                kind.as_str(),
                id,
                *size as i64,
                HubItem::created_at(n, now),
                hub.url(),
                sorted.join(&TAG_SEP.to_string())
            ],
        )?;
        let item = tx.last_insert_rowid();
        for t in *tags {
            tx.execute("INSERT OR IGNORE INTO tags (project_id, name) VALUES (?1, ?2)", rusqlite::params![project, t])?;
            tx.execute(
                "INSERT INTO item_tags (item_id, tag_id) SELECT ?1, id FROM tags WHERE project_id = ?2 AND name = ?3",
                rusqlite::params![item, project, t],
            )?;
        }
        if let Some(note) = note {
            noted.push((item, *note));
        }
    }
    let talk = collections::create(tx, project, &showcase(), actor)?;
    let ids: Vec<i64> = noted.iter().map(|(id, _)| *id).collect();
    members::add(tx, project, talk.id, &Selection::Ids { ids }, actor)?;
    for (item, note) in noted {
        members::set_note(tx, talk.id, item, note)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_both_demo_projects_once_with_their_thumbnails() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db"), &dir.path().join("thumbs")).unwrap();
        assert!(ensure(&store).unwrap());
        assert!(!ensure(&store).unwrap(), "a second start keeps the data");
        let projects = store.projects().unwrap();
        let names: Vec<(&str, u64)> = projects.iter().map(|p| (p.name.as_str(), p.item_count)).collect();
        assert_eq!(names, [(IMAGE_PROJECT, 3000), (HUB_PROJECT, HUB_ITEMS.len() as u64)]);
        let images = &projects[0];
        let page = store.page(images.id, &Default::default(), 0, 50).unwrap();
        assert!(page.items.iter().all(|i| store.thumbs().contains(i.thumb.as_deref().unwrap())));
        let distinct: std::collections::HashSet<_> = page.items.iter().map(|i| i.thumb.clone()).collect();
        assert_eq!(distinct.len(), 50, "thumbnails are distinguishable");
        let summary = store.summary(images.id, &Default::default()).unwrap();
        assert!(summary.tags.iter().any(|t| t.value == "cat" && t.count > 300));
        let hub = store.collections(projects[1].id).unwrap();
        assert_eq!(hub.len(), 1);
        assert_eq!(hub[0].item_count, 4);
        assert!(store.outbox().unwrap().is_empty(), "seed data is not a user action");
        // The larger previews are drawn after the demo, in the background; the detail only names them.
        assert_eq!(store.item(images.id, page.items[0].id).unwrap().preview, None, "no preview drawn yet");
        assert_eq!(draw_previews(&store).unwrap(), 3000);
        assert_eq!(draw_previews(&store).unwrap(), 0, "drawn once");
        let previews: Vec<Option<String>> =
            store.read(|c| Ok(c.prepare("SELECT preview FROM items WHERE project_id = ?1")?.query_map([images.id], |r| r.get(0))?.collect::<Result<_, _>>()?)).unwrap();
        assert_eq!(previews.len(), 3000);
        assert!(previews.iter().all(|p| p.as_deref().is_some_and(|h| store.thumbs().contains(h))));
        let first = &page.items[0];
        let detail = store.item(images.id, first.id).unwrap();
        let preview = detail.preview.unwrap();
        assert_ne!(Some(&preview), first.thumb.as_ref(), "larger than the thumbnail");
        let img = image::load_from_memory(&std::fs::read(store.thumbs().get(&preview).unwrap()).unwrap()).unwrap();
        assert_eq!(img.width().max(img.height()), trove_demo::PREVIEW_SIDE);
        // A preview missing from the cache is not drawn on reading: the panel shows the thumbnail.
        std::fs::remove_file(store.thumbs().get(&preview).unwrap()).unwrap();
        assert_eq!(store.item(images.id, first.id).unwrap().preview, None);
        let hub_item = store.page(projects[1].id, &Default::default(), 0, 1).unwrap().items[0].id;
        assert_eq!(store.item(projects[1].id, hub_item).unwrap().preview, None);
    }

    #[test]
    fn a_large_demo_shares_the_default_demos_drawings() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db"), &dir.path().join("thumbs")).unwrap();
        assert!(ensure_with(&store, || 20_000).unwrap());
        assert!(!ensure_with(&store, || panic!("the size is asked for only by a first start")).unwrap());
        let images = &store.projects().unwrap()[0];
        assert_eq!((images.name.as_str(), images.item_count), (IMAGE_PROJECT, 20_000));
        let counts: Vec<u64> = store.summary(images.id, &Default::default()).unwrap().datasets.iter().map(|d| d.count).collect();
        assert_eq!(counts.iter().sum::<u64>(), 20_000);
        assert_eq!(counts.len(), 3, "{counts:?}");
        let (thumbs, distinct, missing): (i64, i64, Vec<String>) = store
            .read(|c| {
                let (n, d) = c.query_row("SELECT count(thumb), count(DISTINCT thumb) FROM items WHERE project_id = ?1", [images.id], |r| Ok((r.get(0)?, r.get(1)?)))?;
                let all: Vec<String> = c.prepare("SELECT DISTINCT thumb FROM items WHERE project_id = ?1")?.query_map([images.id], |r| r.get(0))?.collect::<Result<_, _>>()?;
                Ok((n, d, all.into_iter().filter(|h| !store.thumbs().contains(h)).collect()))
            })
            .unwrap();
        assert_eq!((thumbs, distinct), (20_000, DEFAULT_IMAGES as i64), "every item has a thumbnail, shared");
        assert!(missing.is_empty(), "{missing:?} not in the cache");
        let tags: i64 = store.read(|c| Ok(c.query_row("SELECT count(*) FROM item_tags it JOIN items i ON i.id = it.item_id WHERE i.project_id = ?1", [images.id], |r| r.get(0))?)).unwrap();
        assert!(tags > 20_000, "{tags} tags");
        // The detail previews: each drawing once, every item given its own. Past the first
        // 3,000 items, whole batches need no new drawing (this drew nothing and panicked).
        assert_eq!(draw_previews(&store).unwrap(), DEFAULT_IMAGES);
        let without: i64 = store.read(|c| Ok(c.query_row("SELECT count(*) FROM items WHERE project_id = ?1 AND preview IS NULL", [images.id], |r| r.get(0))?)).unwrap();
        assert_eq!(without, 0);
        assert_eq!(trove_demo::render_previews(store.thumbs().cache(), &[]).unwrap(), Vec::<String>::new());
    }
}
