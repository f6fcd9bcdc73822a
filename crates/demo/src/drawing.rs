//! The procedural drawing of a demo picture ([`render`]) and the passes that draw every
//! picture of the demo into a thumbnail cache: gallery thumbnails ([`render_thumbs`]) and the
//! detail panel's larger previews ([`render_previews`]).

use image::{ImageBuffer, Rgb, RgbImage};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use trove_thumbs::{phash, png, Phash, Result, ThumbCache, THUMB_SIDE};

use crate::{ImageSpec, PREVIEW_SIDE};

/// Draws each picture's gallery thumbnail into `cache`; their hashes, in the order of `specs`.
pub fn render_thumbs(cache: &ThumbCache, specs: &[ImageSpec]) -> Result<Vec<String>> {
    draw(cache, specs, THUMB_SIDE)
}

/// [`render_thumbs`] with each thumbnail's perceptual hash, taken from the drawn picture (no
/// decoding), for near-duplicate search.
pub fn render_thumbs_hashed(cache: &ThumbCache, specs: &[ImageSpec]) -> Result<Vec<(String, Phash)>> {
    in_parallel(specs, |sp| {
        let img = render_spec(sp, THUMB_SIDE);
        let hash = cache.put(&png(&img)?)?;
        Ok((hash, phash(&image::DynamicImage::ImageRgb8(img))))
    })
}

/// Draws each picture's detail-panel preview ([`PREVIEW_SIDE`]) into `cache`; their hashes, in
/// the order of `specs`.
pub fn render_previews(cache: &ThumbCache, specs: &[ImageSpec]) -> Result<Vec<String>> {
    draw(cache, specs, PREVIEW_SIDE)
}

/// Draws each picture with its longest side `side` into `cache` (on a few threads); their
/// hashes, in the order of `specs`.
pub fn draw(cache: &ThumbCache, specs: &[ImageSpec], side: u32) -> Result<Vec<String>> {
    in_parallel(specs, |sp| cache.put(&png(&render_spec(sp, side))?))
}

/// `each` of `specs` on a few threads, in order.
fn in_parallel<T: Send>(specs: &[ImageSpec], each: impl Fn(&ImageSpec) -> Result<T> + Sync) -> Result<Vec<T>> {
    if specs.is_empty() {
        return Ok(Vec::new()); // nothing to draw (`chunks(0)` would panic)
    }
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).min(4);
    let chunk = specs.len().div_ceil(workers);
    std::thread::scope(|s| {
        let handles: Vec<_> = specs
            .chunks(chunk)
            .map(|part| {
                let each = &each;
                s.spawn(move || part.iter().map(each).collect::<Result<Vec<_>>>())
            })
            .collect();
        let mut all = Vec::with_capacity(specs.len());
        for h in handles {
            all.extend(h.join().expect("thumbnail worker panicked")?);
        }
        Ok(all)
    })
}

/// Draws the picture of `spec` with its longest side `side`: its own drawing, or for a
/// near-copy the original's, changed.
pub fn render_spec(spec: &ImageSpec, side: u32) -> RgbImage {
    match &spec.near {
        Some(near) => crate::copies::render_copy(near, side, spec.night(), spec.blurry()),
        None => render(spec.seed, spec.width, spec.height, side, spec.night(), spec.blurry()),
    }
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
    let n = rng.random_range(2..=7);
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
    // Uneven light over the whole scene, as a photo has: a coarse grid of random brightness,
    // smoothly interpolated. It makes each picture's shading its own, which is what tells
    // pictures apart to a perceptual hash (flat colours alone look alike to it).
    let cells = rng.random_range(4..=7usize);
    let light: Vec<f32> = (0..(cells + 1) * (cells + 1)).map(|_| rng.random_range(-1.0f32..1.0)).collect();
    for y in 0..h {
        let fy = (y as f32 + 0.5) / h as f32 * cells as f32;
        let (cy, ty) = ((fy as usize).min(cells - 1), fy - (fy as usize).min(cells - 1) as f32);
        for x in 0..w {
            let fx = (x as f32 + 0.5) / w as f32 * cells as f32;
            let (cx, tx) = ((fx as usize).min(cells - 1), fx - (fx as usize).min(cells - 1) as f32);
            let at = |i: usize, j: usize| light[j * (cells + 1) + i];
            let top = at(cx, cy) * (1.0 - tx) + at(cx + 1, cy) * tx;
            let bottom = at(cx, cy + 1) * (1.0 - tx) + at(cx + 1, cy + 1) * tx;
            let f = 1.0 + 0.3 * (top * (1.0 - ty) + bottom * ty);
            let p = img.get_pixel_mut(x, y);
            p.0 = p.0.map(|c| (c as f32 * f).clamp(0.0, 255.0) as u8);
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

