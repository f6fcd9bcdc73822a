//! The demo projects the app opens into on first start, generated here with no network: a few
//! thousand procedurally drawn images in three datasets (tags, labeled/unlabeled), and a `hub`
//! project with the models, datasets, Spaces and papers of the Hugging Face collections guide.
//!
//! The demo is data first ([`image_specs`], [`render_thumbs`], [`HUB_ITEMS`], [`showcase`]),
//! then [`ensure`] inserts it into the app's cache; `trove-server demo` inserts the same data
//! into the server's own schema. Every picture is a pure function of its seed
//! (`source = "demo:<seed>"`), so a thumbnail and a larger preview of the same item show the
//! same scene.

use image::{ImageBuffer, Rgb, RgbImage};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::Connection;
use trove_protocol::{ItemKind, NewCollection, ProjectKind, Selection, Theme};

use crate::db::{now_ms, Store};
use crate::error::Result;
use crate::items::TAG_SEP;
use crate::thumbs::png;
use trove_thumbs::ThumbCache;
use crate::{collections, members, projects};

pub use crate::thumbs::THUMB_SIDE;
/// Longest side of the detail panel's preview, in pixels.
pub const PREVIEW_SIDE: u32 = 720;

pub const IMAGE_PROJECT: &str = "Demo: street and park photos";
pub const IMAGE_DESCRIPTION: &str = "Generated pictures in three datasets, with tags and a labeled flag, to try Trove with.";
pub const HUB_PROJECT: &str = "Demo: Hub collections guide";
pub const HUB_DESCRIPTION: &str = "Models, datasets, Spaces and papers from the Hugging Face collections guide.";

/// The image project's datasets and how many pictures each holds, in order.
pub const DATASETS: [(&str, usize); 3] = [("city", 1200), ("park", 1000), ("night-drive", 800)];
/// Every tag a demo picture can have.
pub const TAGS: [&str; 6] = ["blurry", "car", "cat", "dog", "night", "person"];
/// What every demo picture claims to be (its name ends in `.jpg`).
pub const IMAGE_MIME: &str = "image/jpeg";
const DIMENSIONS: [(u32, u32); 8] =
    [(640, 480), (800, 600), (1024, 768), (1280, 720), (1920, 1080), (512, 512), (480, 640), (1080, 1350)];

/// Creates the demo projects if the cache holds no project yet. Returns whether it did.
pub fn ensure(store: &Store) -> Result<bool> {
    if !store.read(projects::list)?.is_empty() {
        return Ok(false);
    }
    let specs = image_specs();
    let thumbs = render_thumbs(store.thumbs().cache(), &specs)?;
    store.write(|tx| {
        insert_images(tx, &specs, &thumbs)?;
        insert_hub(tx, store.actor())?;
        // Seed data is not something the user did: nothing to push.
        tx.execute("DELETE FROM outbox", [])?;
        Ok(())
    })?;
    Ok(true)
}

/// One demo picture: everything an item row needs but its thumbnail.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageSpec {
    /// Index into [`DATASETS`].
    pub dataset: usize,
    /// What the picture is drawn from ([`render`]).
    pub seed: u64,
    pub name: String,
    pub width: u32,
    pub height: u32,
    /// The size in bytes the picture claims.
    pub size: u64,
    pub labels: u32,
    /// Sorted.
    pub tags: Vec<&'static str>,
    pub age_days: f64,
}

impl ImageSpec {
    pub fn dataset_name(&self) -> &'static str {
        DATASETS[self.dataset].0
    }

    /// `demo:<seed>`: how a preview finds its way back to the drawing.
    pub fn source(&self) -> String {
        format!("demo:{}", self.seed)
    }

    /// When the picture was "taken", `age_days` before `now` (ms).
    pub fn created_at(&self, now: i64) -> i64 {
        now - (self.age_days * 86_400_000.0) as i64
    }

    fn night(&self) -> bool {
        self.dataset_name() == "night-drive"
    }

    fn blurry(&self) -> bool {
        self.tags.contains(&"blurry")
    }
}

/// The 3000 demo pictures, in dataset order; the same on every call.
pub fn image_specs() -> Vec<ImageSpec> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut out = Vec::new();
    for (d, (name, n)) in DATASETS.iter().enumerate() {
        for k in 0..*n {
            let (width, height) = DIMENSIONS[rng.random_range(0..DIMENSIONS.len())];
            let night = *name == "night-drive";
            let mut tags = Vec::new();
            for (tag, p) in [("cat", 0.18), ("dog", 0.2), ("person", 0.3), ("car", if d == 1 { 0.05 } else { 0.35 })] {
                if rng.random_bool(p) {
                    tags.push(tag);
                }
            }
            if rng.random_bool(0.12) {
                tags.push("blurry");
            }
            if night || rng.random_bool(0.05) {
                tags.push("night");
            }
            tags.sort();
            out.push(ImageSpec {
                dataset: d,
                seed: rng.random(),
                name: format!("{name}_{:05}.jpg", k + 1),
                width,
                height,
                size: (width as f64 * height as f64 * 3.0 / rng.random_range(5.0..14.0)) as u64,
                labels: if rng.random_bool(0.35) { 0 } else { rng.random_range(1..13) },
                tags,
                age_days: rng.random_range(0.0..180.0),
            });
        }
    }
    out
}

/// Draws each picture's gallery thumbnail into `cache` (on a few threads); their hashes, in
/// the order of `specs`.
pub fn render_thumbs(cache: &ThumbCache, specs: &[ImageSpec]) -> Result<Vec<String>> {
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).min(4);
    let chunk = specs.len().div_ceil(workers);
    std::thread::scope(|s| {
        let handles: Vec<_> = specs
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|sp| Ok(cache.put(&png(&render(sp.seed, sp.width, sp.height, THUMB_SIDE, sp.night(), sp.blurry()))?)?))
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(specs.len());
        for h in handles {
            all.extend(h.join().expect("thumbnail worker panicked")?);
        }
        Ok(all)
    })
}

fn insert_images(tx: &Connection, specs: &[ImageSpec], thumbs: &[String]) -> Result<()> {
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
        "INSERT INTO items (uuid, project_id, dataset_id, kind, name, mime, width, height, size, labels_count, created_at, updated_at, thumb, source, tags_text)
         VALUES (?1, ?2, ?3, 'image', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, ?13)",
    )?;
    let mut tag = tx.prepare("INSERT INTO item_tags (item_id, tag_id) VALUES (?1, ?2)")?;
    for (sp, thumb) in specs.iter().zip(thumbs) {
        item.execute(rusqlite::params![
            uuid::Uuid::new_v4().to_string(),
            project,
            datasets[sp.dataset],
            sp.name,
            IMAGE_MIME,
            sp.width,
            sp.height,
            sp.size as i64,
            sp.labels,
            sp.created_at(now),
            thumb,
            sp.source(),
            sp.tags.join(&TAG_SEP.to_string()),
        ])?;
        let id = tx.last_insert_rowid();
        for t in &sp.tags {
            tag.execute([id, tag_ids[t]])?;
        }
    }
    Ok(())
}

/// One item of the Hub guide project.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HubItem {
    pub kind: ItemKind,
    /// `org/name` for a repository, the arXiv id for a paper.
    pub id: &'static str,
    pub size: u64,
    pub tags: &'static [&'static str],
    /// Its note in the [`showcase`] collection; only noted items are in it.
    pub note: Option<&'static str>,
}

impl HubItem {
    pub fn url(&self) -> String {
        hub_url(self.kind, self.id)
    }

    /// When the `index`-th item of [`HUB_ITEMS`] was added: an hour apart, newest first.
    pub fn created_at(index: usize, now: i64) -> i64 {
        now - index as i64 * 3_600_000
    }
}

/// The Hub page of a model, dataset, Space or paper.
pub fn hub_url(kind: ItemKind, id: &str) -> String {
    match kind {
        ItemKind::Dataset => format!("https://huggingface.co/datasets/{id}"),
        ItemKind::Space => format!("https://huggingface.co/spaces/{id}"),
        ItemKind::Paper => format!("https://huggingface.co/papers/{id}"),
        _ => format!("https://huggingface.co/{id}"),
    }
}

/// The datasets of a Hub project, one per kind of Hub item, in order.
pub const HUB_DATASETS: [(ItemKind, &str); 4] =
    [(ItemKind::Model, "models"), (ItemKind::Dataset, "datasets"), (ItemKind::Space, "spaces"), (ItemKind::Paper, "papers")];

/// The Hub guide's items, in order.
pub const HUB_ITEMS: &[HubItem] = &[
    HubItem { kind: ItemKind::Model, id: "warp-ai/wuerstchen", size: 5_100_000_000, tags: &["text-to-image"], note: Some("Würstchen is a new fast and efficient high resolution text-to-image architecture and model") },
    HubItem { kind: ItemKind::Model, id: "TheBloke/TigerBot-70B-Chat-GPTQ", size: 35_300_000_000, tags: &["llm"], note: None },
    HubItem { kind: ItemKind::Model, id: "TheBloke/Llama-2-7B-GGUF", size: 4_080_000_000, tags: &["llm"], note: None },
    HubItem { kind: ItemKind::Model, id: "meta-llama/Llama-2-7b-chat-hf", size: 13_500_000_000, tags: &["llm"], note: None },
    HubItem { kind: ItemKind::Model, id: "mistralai/Mistral-7B-v0.1", size: 14_500_000_000, tags: &["llm"], note: None },
    HubItem { kind: ItemKind::Model, id: "openai/whisper-large-v3", size: 3_090_000_000, tags: &["speech"], note: None },
    HubItem { kind: ItemKind::Model, id: "stabilityai/stable-diffusion-xl-base-1.0", size: 6_940_000_000, tags: &["text-to-image"], note: None },
    HubItem { kind: ItemKind::Model, id: "coqui/XTTS-v2", size: 1_870_000_000, tags: &["speech"], note: None },
    HubItem { kind: ItemKind::Dataset, id: "lmsys/lmsys-chat-1m", size: 2_440_000_000, tags: &["llm", "chat"], note: Some("One million real-world conversations with 25 LLMs") },
    HubItem { kind: ItemKind::Dataset, id: "HuggingFaceH4/ultrachat_200k", size: 1_600_000_000, tags: &["llm", "chat"], note: None },
    HubItem { kind: ItemKind::Dataset, id: "openai/gsm8k", size: 4_900_000, tags: &["math"], note: None },
    HubItem { kind: ItemKind::Dataset, id: "mozilla-foundation/common_voice_13_0", size: 85_000_000_000, tags: &["speech"], note: None },
    HubItem { kind: ItemKind::Space, id: "coqui/xtts", size: 0, tags: &["speech", "demo"], note: Some("Try the voice cloning live") },
    HubItem { kind: ItemKind::Space, id: "warp-ai/Wuerstchen", size: 0, tags: &["text-to-image", "demo"], note: None },
    HubItem { kind: ItemKind::Space, id: "HuggingFaceH4/open_llm_leaderboard", size: 0, tags: &["leaderboard", "llm"], note: None },
    HubItem { kind: ItemKind::Space, id: "lmsys/chatbot-arena-leaderboard", size: 0, tags: &["leaderboard", "llm"], note: None },
    HubItem { kind: ItemKind::Paper, id: "2306.00637", size: 0, tags: &["text-to-image"], note: Some("Würstchen: an efficient architecture for large-scale text-to-image diffusion models") },
    HubItem { kind: ItemKind::Paper, id: "2309.11998", size: 0, tags: &["llm", "chat"], note: None },
    HubItem { kind: ItemKind::Paper, id: "2307.09288", size: 0, tags: &["llm"], note: None },
    HubItem { kind: ItemKind::Paper, id: "2310.06825", size: 0, tags: &["llm"], note: None },
    HubItem { kind: ItemKind::Paper, id: "2212.04356", size: 0, tags: &["speech"], note: None },
];

/// The collection the Hub guide opens with; its items are the noted [`HUB_ITEMS`], in order.
pub fn showcase() -> NewCollection {
    NewCollection {
        title: "ICCV 2023".into(),
        description: "Portfolio of models, papers and demos I presented at ICCV 2023".into(),
        private: false,
        theme: Some(Theme::Green),
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

/// Renders the demo item with `seed` (of `width`×`height`) so its longest side is `side`.
pub fn render(seed: u64, width: u32, height: u32, side: u32, night: bool, blurry: bool) -> RgbImage {
    let scale = side as f32 / width.max(height) as f32;
    let (w, h) = (((width as f32 * scale).round() as u32).max(1), ((height as f32 * scale).round() as u32).max(1));
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let dim = if night { 0.35 } else { 1.0 };
    let colour = |rng: &mut ChaCha8Rng, light: f32| -> [f32; 3] {
        let hue: f32 = rng.random_range(0.0..360.0);
        hsv(hue, rng.random_range(0.35..0.9), light * dim)
    };
    let top = colour(&mut rng, 0.9);
    let bottom = colour(&mut rng, 0.55);
    enum Shape {
        Disc { x: f32, y: f32, r: f32 },
        Ring { x: f32, y: f32, r: f32, t: f32 },
        Rect { x0: f32, y0: f32, x1: f32, y1: f32 },
        Tri { a: (f32, f32), b: (f32, f32), c: (f32, f32) },
    }
    let n = rng.random_range(1..=5);
    let mut shapes = Vec::new();
    for _ in 0..n {
        let x = rng.random_range(0.1..0.9);
        let y = rng.random_range(0.1..0.9);
        let r = rng.random_range(0.06..0.3);
        let shape = match rng.random_range(0..4) {
            0 => Shape::Disc { x, y, r },
            1 => Shape::Ring { x, y, r, t: r * rng.random_range(0.2..0.5) },
            2 => Shape::Rect { x0: x - r, y0: y - r * rng.random_range(0.4..1.2), x1: x + r * rng.random_range(0.4..1.4), y1: y + r },
            _ => Shape::Tri { a: (x, y - r), b: (x - r, y + r), c: (x + r * 1.2, y + r * 0.8) },
        };
        let light = rng.random_range(0.5..1.0);
        shapes.push((shape, colour(&mut rng, light)));
    }
    let aspect = w as f32 / h as f32;
    let inside = |s: &Shape, px: f32, py: f32| -> bool {
        let d = |x: f32, y: f32| ((px - x) * aspect).hypot(py - y);
        match *s {
            Shape::Disc { x, y, r } => d(x, y) <= r,
            Shape::Ring { x, y, r, t } => {
                let dd = d(x, y);
                dd <= r && dd >= r - t
            }
            Shape::Rect { x0, y0, x1, y1 } => px >= x0 && px <= x1 && py >= y0 && py <= y1,
            Shape::Tri { a, b, c } => {
                let sign = |p: (f32, f32), q: (f32, f32)| (px - q.0) * (p.1 - q.1) - (p.0 - q.0) * (py - q.1);
                let (d1, d2, d3) = (sign(a, b), sign(b, c), sign(c, a));
                !((d1 < 0.0 || d2 < 0.0 || d3 < 0.0) && (d1 > 0.0 || d2 > 0.0 || d3 > 0.0))
            }
        }
    };
    let to_px = |c: [f32; 3]| Rgb(c.map(|v| (v.clamp(0.0, 1.0) * 255.0) as u8));
    // Background gradient, one colour per row.
    let mut img: RgbImage = ImageBuffer::new(w, h);
    for y in 0..h {
        let py = (y as f32 + 0.5) / h as f32;
        let row = to_px([0, 1, 2].map(|k| top[k] * (1.0 - py) + bottom[k] * py));
        for x in 0..w {
            img.put_pixel(x, y, row);
        }
    }
    // Each shape only over its bounding box.
    for (s, col) in &shapes {
        let (x0, y0, x1, y1) = match *s {
            Shape::Disc { x, y, r } | Shape::Ring { x, y, r, .. } => (x - r / aspect, y - r, x + r / aspect, y + r),
            Shape::Rect { x0, y0, x1, y1 } => (x0, y0, x1, y1),
            Shape::Tri { a, b, c } => (a.0.min(b.0).min(c.0), a.1.min(b.1).min(c.1), a.0.max(b.0).max(c.0), a.1.max(b.1).max(c.1)),
        };
        let px = |v: f32, n: u32| ((v * n as f32).floor().max(0.0) as u32).min(n);
        let colour = to_px(*col);
        for y in px(y0, h)..px(y1, h).saturating_add(1).min(h) {
            for x in px(x0, w)..px(x1, w).saturating_add(1).min(w) {
                if inside(s, (x as f32 + 0.5) / w as f32, (y as f32 + 0.5) / h as f32) {
                    img.put_pixel(x, y, colour);
                }
            }
        }
    }
    if blurry {
        img = image::imageops::fast_blur(&img, side as f32 / 60.0);
    }
    img
}

fn hsv(h: f32, s: f32, v: f32) -> [f32; 3] {
    let c = v * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = v - c;
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    [r + m, g + m, b + m]
}

/// The larger preview of a demo item, rendered once into the thumbnail cache.
pub fn preview(store: &Store, source: &str, width: u32, height: u32, tags: &[String], dataset: &str) -> Result<Option<String>> {
    let Some(seed) = source.strip_prefix("demo:").and_then(|s| s.parse::<u64>().ok()) else {
        return Ok(None);
    };
    let img = render(seed, width, height, PREVIEW_SIDE, dataset == "night-drive", tags.iter().any(|t| t == "blurry"));
    Ok(Some(store.thumbs().put(&png(&img)?)?))
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
        let detail = store.item(images.id, page.items[0].id).unwrap();
        let preview = detail.preview.unwrap();
        assert!(store.thumbs().contains(&preview));
        let stored: Option<String> = store.read(|c| Ok(c.query_row("SELECT preview FROM items WHERE id = ?1", [page.items[0].id], |r| r.get(0))?)).unwrap();
        assert_eq!(stored.as_deref(), Some(preview.as_str()), "made once, then read");
        assert_eq!(store.item(images.id, page.items[0].id).unwrap().preview.unwrap(), preview);
    }
}
