//! Import throughput (issue 14): `cargo run --release -p trove-core --example import_bench --
//! [FILES] [WIDTH]` writes FILES photo-like JPEGs of WIDTH×(2/3 WIDTH) pixels (default 300 at
//! 3000 px: a camera's 6 megapixels), each with its own bytes, and reads them four ways on every
//! core, each as images per second and per second per core:
//! 1. baseline: the image crate's full decode and a Triangle resize to the 256 px thumbnail,
//!    nothing else (what any importer must at least do with that library);
//! 2. `trove_import::read_all`: what an import reads per file (read, SHA-256, decode, upright
//!    thumbnail, JPEG encode);
//! 3. the DCT-scaled decode alone (jpeg-decoder at 1/8) and the same resize;
//! 4. the whole "Import folder…" into a fresh cache (`trove_core::import`: the above, the
//!    thumbnails stored, the items written in batches).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use trove_import::{walk, Found};
use trove_thumbs::THUMB_SIDE;

fn photo(w: u32, h: u32, seed: u32) -> DynamicImage {
    // Smooth gradients with fine texture: compresses like a photo (about 1–2 MB at 6 MP).
    DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
        let n = (x.wrapping_mul(2654435761) ^ y.wrapping_mul(40503) ^ seed.wrapping_mul(97)) >> 27;
        Rgb([((x * 255 / w) as u8).wrapping_add(n as u8), ((y * 255 / h) as u8).wrapping_add(seed as u8), (((x + y) / 7) as u8) ^ (n as u8)])
    }))
}

fn on_every_core(files: &[Found], work: impl Fn(&Found) + Sync) -> f64 {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let next = AtomicUsize::new(0);
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..cores {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(f) = files.get(i) else { break };
                work(f);
            });
        }
    });
    t.elapsed().as_secs_f64()
}

fn main() {
    let n: usize = std::env::args().nth(1).map(|s| s.parse().expect("FILES")).unwrap_or(300);
    let w: u32 = std::env::args().nth(2).map(|s| s.parse().expect("WIDTH")).unwrap_or(3000);
    let h = w * 2 / 3;
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let dir = tempfile::tempdir().expect("temporary folder");
    let root: PathBuf = dir.path().join("photos");
    std::fs::create_dir_all(&root).expect("folder");
    let t = Instant::now();
    // A few distinct pictures, each written with its own bytes (a comment segment) so that every
    // file is a different content.
    let bases: Vec<Vec<u8>> = (0..8)
        .map(|k| {
            let mut out = Vec::new();
            photo(w, h, k).write_to(&mut std::io::Cursor::new(&mut out), ImageFormat::Jpeg).expect("jpeg");
            out
        })
        .collect();
    let mut bytes = 0u64;
    for i in 0..n {
        let base = &bases[i % bases.len()];
        let mut file = base[..2].to_vec();
        let comment = format!("file {i}");
        file.extend_from_slice(&[0xFF, 0xFE]);
        file.extend_from_slice(&((comment.len() + 2) as u16).to_be_bytes());
        file.extend_from_slice(comment.as_bytes());
        file.extend_from_slice(&base[2..]);
        bytes += file.len() as u64;
        std::fs::write(root.join(format!("IMG_{i:05}.jpg")), file).expect("write");
    }
    println!(
        "setup: {n} JPEGs of {w}x{h} ({:.1} MB each) in {:.1} s; {cores} cores",
        bytes as f64 / n as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let files = walk(&std::fs::canonicalize(&root).expect("root")).files;
    assert_eq!(files.len(), n);
    // Warm the page cache so each way reads from memory.
    for f in &files {
        std::hint::black_box(std::fs::read(&f.path).expect("read"));
    }

    let rate = |secs: f64| (n as f64 / secs, n as f64 / secs / cores as f64);
    let base = on_every_core(&files, |f| {
        let img = image::open(&f.path).expect("decode");
        std::hint::black_box(trove_thumbs::fit(&img, THUMB_SIDE));
    });
    let t = Instant::now();
    let out = trove_import::read_all(&files, &AtomicBool::new(false), &|_| false);
    let import = t.elapsed().as_secs_f64();
    assert!(out.iter().all(|o| matches!(o, Some(trove_import::Outcome::New(_)))));
    let scaled = on_every_core(&files, |f| {
        let data = std::fs::read(&f.path).expect("read");
        let mut d = jpeg_decoder::Decoder::new(std::io::Cursor::new(data));
        d.scale(THUMB_SIDE as u16, THUMB_SIDE as u16).expect("scale");
        let pixels = d.decode().expect("decode");
        let info = d.info().expect("info");
        let img = DynamicImage::ImageRgb8(RgbImage::from_raw(info.width as u32, info.height as u32, pixels).expect("rgb"));
        std::hint::black_box(trove_thumbs::fit(&img, THUMB_SIDE));
    });
    let (b, bc) = rate(base);
    let (i, ic) = rate(import);
    let (s, sc) = rate(scaled);
    println!("baseline: image crate full decode + resize to {THUMB_SIDE} px: {b:.1} images/s ({bc:.1} per core)");
    println!("import (trove_import::read_all, everything an import reads per file): {i:.1} images/s ({ic:.1} per core); ratio to baseline {:.2}x", i / b);
    println!("DCT-scaled decode (jpeg-decoder, 1/8) + resize: {s:.1} images/s ({sc:.1} per core); {:.1}x the baseline", s / b);

    let store = trove_core::Store::open(&dir.path().join("cache/trove.db"), &dir.path().join("cache/thumbs")).expect("cache");
    let project = store.write(|tx| trove_core::projects::create(tx, "Photos", trove_protocol::ProjectKind::Image, "")).expect("project");
    let importer = trove_core::import::Importer::default();
    let t = Instant::now();
    let plan = importer.begin(&store, project, &root.display().to_string(), None).expect("begin");
    importer.run(&store, &plan);
    let whole = t.elapsed().as_secs_f64();
    let status = importer.status();
    assert_eq!(status.indexed as usize, n, "{}", status.message);
    let (a, ac) = rate(whole);
    println!("whole import into the cache (trove_core::import): {a:.1} images/s ({ac:.1} per core); ratio to baseline {:.2}x", a / b);
}
