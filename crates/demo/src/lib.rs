//! `trove-demo`: Trove's demo projects as data, generated with no network — a few thousand
//! procedurally drawn images in three datasets (tags, labeled/unlabeled) and a `hub` project
//! with the models, datasets, Spaces and papers of the Hugging Face collections guide.
//!
//! The app's cache (`trove_core::demo`) and the server (`trove-server demo`) each insert this
//! same data into their own schema; this crate knows no database. Every picture is a pure
//! function of its seed (`source = "demo:<seed>"`), so its gallery thumbnail and its larger
//! preview ([`draw`]) show the same scene wherever they are drawn.

mod copies;
mod drawing;
mod sizing;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use trove_protocol::{ItemKind, NewCollection, Theme};

pub use copies::{Change, NearCopy, GROUPS_PER_DATASET};
pub use drawing::{draw, render, render_previews, render_spec, render_thumbs, render_thumbs_hashed};
pub use sizing::{image_items, image_pictures, parse_image_count, DEFAULT_IMAGES, MAX_IMAGES};
pub use trove_thumbs::THUMB_SIDE;

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

/// One demo picture: everything an item row needs but its thumbnail and preview.
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
    /// Index into [`image_pictures`] of the drawing this item shows (a large demo shares them).
    pub picture: usize,
    /// 0 for the first item showing its drawing, then 1, 2, ... for the items that reuse it.
    pub copy: usize,
    /// Drawn as a near-copy of another picture (the demo's deliberate near-duplicates).
    pub near: Option<NearCopy>,
}

impl ImageSpec {
    pub fn dataset_name(&self) -> &'static str {
        DATASETS[self.dataset].0
    }

    /// `demo:<seed>`: how a preview finds its way back to the drawing.
    pub fn source(&self) -> String {
        format!("demo:{}", self.seed)
    }

    /// What makes this item unique in its project on a server: [`source`](Self::source) for a
    /// drawing's first item, `demo:<seed>/<copy>` for the items that reuse it.
    pub fn identity(&self) -> String {
        match self.copy {
            0 => self.source(),
            copy => format!("demo:{}/{copy}", self.seed),
        }
    }

    /// When the picture was "taken", `age_days` before `now` (ms).
    pub fn created_at(&self, now: i64) -> i64 {
        now - (self.age_days * 86_400_000.0) as i64
    }

    /// Drawn darker: a picture of the night-drive dataset.
    pub fn night(&self) -> bool {
        self.dataset_name() == "night-drive"
    }

    /// Drawn blurred: a picture tagged `blurry`.
    pub fn blurry(&self) -> bool {
        self.tags.contains(&"blurry")
    }
}

/// The 3000 demo pictures, in dataset order; the same on every call. The last few dozen of each
/// dataset are near-copies of earlier ones ([`NearCopy`]).
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
                picture: out.len(),
                copy: 0,
                near: None,
            });
        }
    }
    copies::make(&mut out);
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pictures_are_the_same_on_every_call_and_each_is_drawn_at_both_sizes() {
        let specs = image_specs();
        assert_eq!(specs.len(), DATASETS.iter().map(|(_, n)| n).sum::<usize>());
        assert_eq!(specs, image_specs(), "a pure function of the fixed seed");
        assert!(specs.iter().all(|s| s.tags.windows(2).all(|w| w[0] < w[1]) && s.name.ends_with(".jpg")));
        let dir = tempfile::tempdir().unwrap();
        let cache = trove_thumbs::ThumbCache::open(dir.path()).unwrap();
        let few = &specs[..3];
        let thumbs = render_thumbs(&cache, few).unwrap();
        let previews = render_previews(&cache, few).unwrap();
        assert_eq!(thumbs, render_thumbs(&cache, few).unwrap(), "drawn the same twice");
        for ((spec, thumb), preview) in few.iter().zip(&thumbs).zip(&previews) {
            let side = |hash: &str| {
                let img = image::load_from_memory(&std::fs::read(cache.get(hash).unwrap()).unwrap()).unwrap();
                (img.width().max(img.height()), img.width() >= img.height())
            };
            let wide = spec.width >= spec.height;
            assert_eq!(side(thumb), (THUMB_SIDE, wide));
            assert_eq!(side(preview), (PREVIEW_SIDE, wide));
        }
    }

    #[test]
    fn every_hub_item_has_its_page_and_a_dataset_of_its_kind() {
        for hub in HUB_ITEMS {
            assert!(HUB_DATASETS.iter().any(|(kind, _)| *kind == hub.kind), "{}", hub.id);
            assert!(hub.url().starts_with("https://huggingface.co/") && hub.url().ends_with(hub.id));
        }
        assert_eq!(hub_url(ItemKind::Paper, "2306.00637"), "https://huggingface.co/papers/2306.00637");
        assert_eq!(HUB_ITEMS.iter().filter(|h| h.note.is_some()).count(), 4, "the showcase's items");
    }
}
