//! `trove-server demo`: the desktop app's demo projects (`trove-demo`: the same pictures,
//! tags, Hub items and collection) inserted into a namespace of the server. The items go in
//! like an import's; the collection is made by the namespace's admin through the same
//! `store` functions and access rules as an API call. A project already there is left alone.

use std::collections::BTreeMap;

use trove_demo::{self as app, HubItem, ImageSpec, HUB_ITEMS};
use trove_protocol::api::BulkAdd;
use trove_protocol::{ItemKind, ProjectKind};

use super::hub::{dataset_of, new_item};
use super::count;
use crate::store::accounts::namespace_admin;
use crate::store::projects::has_hub;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::access::Caller;
use crate::store::items::{self, NewItem};
use crate::store::{collections, datasets, members, now_ms, projects, tags};

/// Creates whichever demo project namespace `namespace` lacks, its image project with `images`
/// items (`trove_demo::image_items`: a large one reuses the default demo's 3,000 drawings), and
/// reports what it did.
pub fn demo(state: &AppState, namespace: &str, images: usize) -> anyhow::Result<String> {
    let (ns, has_images, owner) = state.db.read(|c| {
        let ns = super::namespace(c, namespace)?;
        let has_images = projects::find(c, namespace, app::IMAGE_PROJECT)?.is_some();
        // Who owns the collection is settled before minutes of drawing, not after.
        let owner = match projects::find(c, namespace, app::HUB_PROJECT)? {
            Some(_) => None,
            None => Some(namespace_admin(c, ns, namespace)?),
        };
        Ok::<_, Error>((ns, has_images, owner))
    })?;
    let mut made = Vec::new();
    let mut there = Vec::new();
    if has_images {
        there.push(format!("{:?}", app::IMAGE_PROJECT));
    } else {
        let pictures = app::image_pictures(images);
        let thumbs = app::render_thumbs(&state.thumbs, &pictures).map_err(Error::from)?;
        state.db.write(|tx| insert_images(tx, ns, app::image_items(images), &thumbs))?;
        let datasets: Vec<&str> = app::DATASETS.iter().map(|(name, _)| *name).collect();
        made.push(format!("{:?} ({} in {})", app::IMAGE_PROJECT, count(images, "image", "images"), datasets.join(", ")));
    }
    match owner {
        None => there.push(format!("{:?}", app::HUB_PROJECT)),
        Some(owner) => {
            let (title, members) = state.db.write(|tx| insert_hub(tx, ns, &owner, state.limits.bulk_max))?;
            made.push(format!(
                "{:?} ({}; collection {title:?} with {} of them, owned by {})",
                app::HUB_PROJECT,
                count(HUB_ITEMS.len(), "Hub item", "Hub items"),
                members,
                owner.name
            ));
        }
    }
    Ok(match (made.is_empty(), there.is_empty()) {
        (true, _) => format!("the demo projects are already there in namespace {namespace:?}; nothing was changed"),
        (false, true) => format!("created {} in namespace {namespace:?}", made.join(" and ")),
        (false, false) => format!("created {} in namespace {namespace:?}; {} was already there", made.join(" and "), there.join(" and ")),
    })
}

/// Inserts the items of `specs`, each with the thumbnail of its drawing (`thumbs[spec.picture]`),
/// then tags them set-based: one `tags::tag` per distinct tag set, not one per item.
fn insert_images(tx: &crate::db::Transaction, ns: i64, specs: impl Iterator<Item = ImageSpec>, thumbs: &[String]) -> Result<()> {
    let project = projects::insert(tx, ns, app::IMAGE_PROJECT, ProjectKind::Image, app::IMAGE_DESCRIPTION, false)?;
    let dataset_ids: Vec<i64> = app::DATASETS.iter().map(|(name, _)| datasets::ensure(tx, project, name)).collect::<Result<_>>()?;
    let now = now_ms();
    let mut by_tags: BTreeMap<Vec<&'static str>, Vec<i64>> = BTreeMap::new();
    for spec in specs {
        let item = NewItem {
            dataset: dataset_ids[spec.dataset],
            kind: ItemKind::Image,
            name: spec.name.clone(),
            mime: app::IMAGE_MIME.to_string(),
            width: Some(spec.width),
            height: Some(spec.height),
            size: spec.size,
            labels_count: spec.labels,
            created_at: spec.created_at(now),
            thumb: Some(thumbs[spec.picture].clone()),
            source: spec.source(),
            // A drawing has no file; its seed (and which reuse of it) is what makes it this item.
            identity: spec.identity(),
            tags: Vec::new(),
        };
        if let Some(id) = items::insert(tx, project, &item)? {
            if !spec.tags.is_empty() {
                by_tags.entry(spec.tags).or_default().push(id);
            }
        }
    }
    for (names, ids) in by_tags {
        let names: Vec<String> = names.iter().map(|t| t.to_string()).collect();
        tags::tag(tx, project, &ids, &names)?;
    }
    Ok(())
}

/// The Hub guide project, its items and its collection; the collection's title and how many
/// items it holds.
fn insert_hub(tx: &crate::db::Transaction, ns: i64, owner: &Caller, bulk_max: usize) -> Result<(String, usize)> {
    // The first Hub project of a namespace is the one the Hugging Face compatible API adds to.
    let is_hub = !has_hub(tx, ns)?;
    let project = projects::insert(tx, ns, app::HUB_PROJECT, ProjectKind::Hub, app::HUB_DESCRIPTION, is_hub)?;
    let mut dataset_ids = BTreeMap::new();
    for (kind, name) in app::HUB_DATASETS {
        dataset_ids.insert(dataset_of(kind).0, datasets::ensure(tx, project, name)?);
    }
    let now = now_ms();
    let mut noted = BulkAdd { items: Vec::new(), notes: BTreeMap::new() };
    for (n, hub) in HUB_ITEMS.iter().enumerate() {
        let tags: Vec<String> = hub.tags.iter().map(|t| t.to_string()).collect();
        let dataset = dataset_ids[&dataset_of(hub.kind).0];
        let item = new_item(dataset, hub.kind, hub.id, hub.id, hub.size, &tags, HubItem::created_at(n, now));
        let id = items::insert(tx, project, &item)?
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("the demo lists {} twice", item.identity)))?;
        if let Some(note) = hub.note {
            noted.items.push(id);
            noted.notes.insert(id.to_string(), note.to_string());
        }
    }
    let collection = collections::create(tx, owner, project, &app::showcase(), None)?;
    let added = members::bulk_add(tx, owner, &collection, &noted, bulk_max)?;
    Ok((collection.collection.title, added.added.len()))
}

#[cfg(test)]
mod tests {
    use trove_protocol::api::Role;

    use super::*;
    use crate::catalog::testing::server;
    use crate::store::{access, accounts};

    fn caller(state: &AppState, name: &str) -> Caller {
        let user_id = state.db.read(|c| accounts::user_id(c, name)).unwrap().unwrap();
        Caller { user_id, name: name.into(), is_admin: false }
    }

    #[test]
    fn fills_a_namespace_with_the_apps_demo_once() {
        let (_dir, state) = server();
        let report = demo(&state, "lab", app::DEFAULT_IMAGES).unwrap();
        assert_eq!(
            report,
            "created \"Demo: street and park photos\" (3000 images in city, park, night-drive) and \
             \"Demo: Hub collections guide\" (21 Hub items; collection \"ICCV 2023\" with 4 of them, owned by alice) \
             in namespace \"lab\""
        );

        // A viewer of the namespace sees both projects; its editors may change them.
        let bob = caller(&state, "bob");
        let projects = state.db.read(|c| projects::list(c, &bob)).unwrap();
        let names: Vec<(&str, u64, ProjectKind)> = projects.iter().map(|p| (p.name.as_str(), p.item_count, p.kind)).collect();
        assert_eq!(names, [(app::HUB_PROJECT, 21, ProjectKind::Hub), (app::IMAGE_PROJECT, 3000, ProjectKind::Image)]);
        let (hub, images) = (projects[0].id, projects[1].id);
        let alice = caller(&state, "alice");
        assert_eq!(state.db.read(|c| access::require(c, &alice, images, Role::Editor)).unwrap(), Role::Admin);

        // The very pictures of the app's demo: names, datasets, sizes, labels, tags, thumbnails.
        let specs = app::image_specs();
        type Row = (String, String, u32, u32, u64, u32, String, String, String);
        let rows: Vec<Row> = state
            .db
            .read(|c| {
                let mut stmt = c.prepare(
                    "SELECT d.name, i.name, i.width, i.height, i.size, i.labels_count, replace(i.tags_text, char(31), ','), i.thumb, i.mime \
                     FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE i.project_id = ?1 ORDER BY i.id",
                )?;
                let rows = stmt
                    .query_map([images], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?)))?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok::<_, Error>(rows)
            })
            .unwrap();
        assert_eq!(rows.len(), specs.len());
        for (row, spec) in rows.iter().zip(&specs) {
            let want = (spec.dataset_name(), spec.name.as_str(), spec.width, spec.height, spec.size, spec.labels, spec.tags.join(","));
            assert_eq!((row.0.as_str(), row.1.as_str(), row.2, row.3, row.4, row.5, row.6.clone()), want);
            assert_eq!(row.8, "image/jpeg");
        }
        assert!(rows.iter().take(50).all(|r| state.thumbs.contains(&r.7)));
        let cats = rows.iter().filter(|r| r.6.split(',').any(|t| t == "cat")).count();
        assert!(cats > 300, "{cats} cats");
        let datasets = state.db.read(|c| datasets::list(c, &bob, images)).unwrap();
        let counts: Vec<(&str, u64)> = datasets.iter().map(|d| (d.dataset.name.as_str(), d.dataset.item_count)).collect();
        assert_eq!(counts, [("city", 1200), ("night-drive", 800), ("park", 1000)]);

        // The Hub guide: its items, and the collection with its notes in the app's order.
        let hub_items = state.db.read(|c| projects::get(c, &bob, hub)).unwrap();
        assert_eq!(hub_items.item_count, HUB_ITEMS.len() as u64);
        let talks = state.db.read(|c| collections::list(c, &bob, hub)).unwrap();
        assert_eq!(talks.len(), 1);
        assert_eq!((talks[0].collection.title.as_str(), talks[0].owner.as_str()), ("ICCV 2023", "alice"));
        assert_eq!(talks[0].collection.description, app::showcase().description);
        let page = state.db.read(|c| members::page(c, &talks[0], 100, None)).unwrap();
        let got: Vec<(String, String)> = page.items.iter().map(|m| (m.item.item.name.clone(), m.item.item.note.clone().unwrap_or_default())).collect();
        let want: Vec<(String, String)> =
            HUB_ITEMS.iter().filter_map(|h| h.note.map(|n| (h.id.to_string(), n.to_string()))).collect();
        assert_eq!(got, want);
        let ns = state.db.read(|c| accounts::namespace_id(c, "lab")).unwrap().unwrap();
        assert_eq!(state.db.write(|tx| projects::hub(tx, ns)).unwrap(), hub, "the Hub API finds these items");

        assert_eq!(demo(&state, "lab", 20).unwrap(), "the demo projects are already there in namespace \"lab\"; nothing was changed");
        let again = state.db.read(|c| projects::list(c, &bob)).unwrap();
        assert_eq!(again.iter().map(|p| p.item_count).collect::<Vec<_>>(), [21, 3000]);
        assert_eq!(state.db.read(|c| collections::list(c, &bob, hub)).unwrap().len(), 1);
    }

    #[test]
    fn an_unknown_namespace_or_one_without_an_admin_is_a_clear_error() {
        let (_dir, state) = server();
        let e = demo(&state, "nowhere", 1).unwrap_err().to_string();
        assert!(e.starts_with("namespace \"nowhere\" does not exist"), "{e}");
        state.db.write(|tx| accounts::add_user(tx, "carol", Some("readers"), Role::Viewer, false)).unwrap();
        let e = demo(&state, "readers", 1).unwrap_err().to_string();
        assert!(e.starts_with("namespace \"readers\" has no admin member"), "{e}");
        assert!(state.db.read(|c| projects::list(c, &caller(&state, "carol"))).unwrap().is_empty(), "nothing made");
    }
}
