//! `trove-thumbs`: how a thumbnail is made from a picture ([`fit`], [`photo`], [`png`]) and the
//! content-addressed cache that keeps them ([`ThumbCache`]). Each image is stored once under the
//! SHA-256 of its bytes, and only a well-formed hash can be turned back into a path, so whoever
//! serves these files (the app's `thumb:` protocol, the server's thumbnail route) can never be
//! led outside the cache directory. The demo (`trove-demo`) and the server's folder import both
//! make theirs here; the app's cache (`trove-core`) and the server each keep one.
//!
//! This crate knows no database and no HTTP.

use std::io::Write;
use std::path::{Path, PathBuf};

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{DynamicImage, ExtendedColorType, ImageEncoder, RgbImage};
use sha2::{Digest, Sha256};

mod phash;

pub use phash::{distance, from_bytes, phash, phash_bytes, to_bytes, Phash, PHASH_BITS};

/// Why a thumbnail could not be made or stored.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bytes or a name refused as a thumbnail (a download that is not what was asked for).
    #[error("{0}")]
    Invalid(String),
    #[error("a file operation failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("an image could not be made: {0}")]
    Image(#[from] image::ImageError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Longest side of a gallery thumbnail, in pixels.
pub const THUMB_SIDE: u32 = 256;
/// Most bytes one thumbnail may take. A 256-pixel JPEG or PNG is tens of kilobytes; anything
/// near this is not a thumbnail, and a server sending it is not believed.
pub const MAX_THUMB_BYTES: usize = 4 << 20;
/// Quality of a photo's JPEG thumbnail (1–100).
const JPEG_QUALITY: u8 = 82;

/// `img` scaled down (never up) so its longest side is at most `side` pixels, keeping its
/// aspect ratio.
pub fn fit(img: &DynamicImage, side: u32) -> DynamicImage {
    if img.width().max(img.height()) <= side {
        return img.clone();
    }
    img.resize(side, side, image::imageops::FilterType::Triangle)
}

/// A drawn picture as PNG with fast compression: ten times quicker than JPEG for flat colours
/// and no larger.
pub fn png(img: &RgbImage) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Sub).write_image(
        img.as_raw(),
        img.width(),
        img.height(),
        ExtendedColorType::Rgb8,
    )?;
    Ok(out)
}

/// A photo as JPEG, or as PNG when it has transparency (which JPEG would lose).
pub fn photo(img: &DynamicImage) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    if img.color().has_alpha() {
        let rgba = img.to_rgba8();
        PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Sub).write_image(
            rgba.as_raw(),
            rgba.width(),
            rgba.height(),
            ExtendedColorType::Rgba8,
        )?;
    } else {
        let rgb = img.to_rgb8();
        JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY).write_image(rgb.as_raw(), rgb.width(), rgb.height(), ExtendedColorType::Rgb8)?;
    }
    Ok(out)
}

/// The thumbnail directory: `<sha256[..2]>/<sha256>` files, written once, never changed.
pub struct ThumbCache {
    dir: PathBuf,
}

/// Whether `hash` is a lowercase hex SHA-256 (`trove_protocol::rules::sha256`), the only name
/// the cache knows.
pub fn is_hash(hash: &str) -> bool {
    trove_protocol::rules::sha256("thumbnail", hash).is_ok()
}

impl ThumbCache {
    pub fn open(dir: &Path) -> Result<ThumbCache> {
        std::fs::create_dir_all(dir)?;
        Ok(ThumbCache { dir: dir.to_path_buf() })
    }

    /// Stores `bytes` (once) and returns their hash.
    pub fn put(&self, bytes: &[u8]) -> Result<String> {
        let hash = hex::encode(Sha256::digest(bytes));
        let path = self.file(&hash);
        if !path.exists() {
            std::fs::create_dir_all(path.parent().expect("sharded path has a parent"))?;
            // Write beside, then rename: a crash never leaves a half file under a valid name. The
            // temporary name is unique to this call, so threads storing the same bytes at once
            // (two copies of a picture) never write into each other's file.
            let tmp = path.with_extension(format!("tmp{}-{:016x}", std::process::id(), rand::random::<u64>()));
            std::fs::File::create(&tmp)?.write_all(bytes)?;
            std::fs::rename(&tmp, &path)?;
        }
        Ok(hash)
    }

    /// Stores bytes that were asked for by their hash `expected` (a download): only if they hash
    /// to exactly that name and are at most [`MAX_THUMB_BYTES`]; otherwise nothing is stored.
    pub fn put_expected(&self, expected: &str, bytes: &[u8]) -> Result<()> {
        if !is_hash(expected) {
            return Err(Error::Invalid(format!("{} is not a thumbnail name; expected 64 lowercase hex digits", trove_protocol::rules::quote(expected))));
        }
        if bytes.len() > MAX_THUMB_BYTES {
            return Err(Error::Invalid(format!(
                "thumbnail {expected} is {} bytes; at most {MAX_THUMB_BYTES} are stored",
                bytes.len()
            )));
        }
        let got = hex::encode(Sha256::digest(bytes));
        if got != expected {
            return Err(Error::Invalid(format!("the bytes received for thumbnail {expected} hash to {got}; they were not stored")));
        }
        self.put(bytes).map(|_| ())
    }

    /// The file of a stored hash; `None` for anything that is not a hash or is not stored.
    pub fn get(&self, hash: &str) -> Option<PathBuf> {
        if !is_hash(hash) {
            return None;
        }
        let path = self.file(hash);
        path.is_file().then_some(path)
    }

    pub fn contains(&self, hash: &str) -> bool {
        self.get(hash).is_some()
    }

    /// Bytes the stored thumbnails take (what an offline budget is measured against).
    pub fn size(&self) -> Result<u64> {
        let mut total = 0;
        for shard in std::fs::read_dir(&self.dir)? {
            let shard = shard?;
            if shard.file_type()?.is_dir() {
                for f in std::fs::read_dir(shard.path())? {
                    let meta = f?.metadata()?;
                    if meta.is_file() {
                        total += meta.len();
                    }
                }
            }
        }
        Ok(total)
    }

    fn file(&self, hash: &str) -> PathBuf {
        self.dir.join(&hash[..2]).join(hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_download_is_stored_only_under_its_own_hash_and_within_the_size_limit() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ThumbCache::open(dir.path()).unwrap();
        let good = hex::encode(Sha256::digest(b"tile"));
        let err = cache.put_expected(&good, b"not the tile").unwrap_err().to_string();
        assert!(err.contains("hash to") && err.contains("not stored"), "{err}");
        assert_eq!(cache.size().unwrap(), 0, "wrong bytes are not stored under any name");
        let big = vec![7u8; MAX_THUMB_BYTES + 1];
        let big_hash = hex::encode(Sha256::digest(&big));
        let err = cache.put_expected(&big_hash, &big).unwrap_err().to_string();
        assert!(err.contains("at most 4194304"), "{err}");
        assert!(!cache.contains(&big_hash));
        assert!(cache.put_expected(&"x".repeat(500), b"tile").unwrap_err().to_string().contains("…"));
        cache.put_expected(&good, b"tile").unwrap();
        assert_eq!(std::fs::read(cache.get(&good).unwrap()).unwrap(), b"tile");
    }

    #[test]
    fn stores_by_content_and_refuses_anything_but_a_hash() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ThumbCache::open(&dir.path().join("t")).unwrap();
        let a = cache.put(b"hello").unwrap();
        assert_eq!(a, cache.put(b"hello").unwrap());
        cache.put(b"world!").unwrap();
        assert_eq!(cache.size().unwrap(), 11, "each content is stored once");
        assert_eq!(std::fs::read(cache.get(&a).unwrap()).unwrap(), b"hello");
        std::fs::write(dir.path().join("secret"), "x").unwrap();
        for bad in ["../secret", "..%2Fsecret", "", &a[..63], &a.to_uppercase(), "/etc/passwd", &format!("{a}/..")] {
            assert!(cache.get(bad).is_none(), "{bad:?} must not resolve");
        }
        assert!(cache.get(&"0".repeat(64)).is_none(), "unknown hash");
    }

    #[test]
    fn threads_storing_the_same_bytes_at_once_all_succeed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ThumbCache::open(dir.path()).unwrap();
        for round in 0..20u8 {
            let bytes = vec![round; 256 << 10];
            let start = std::sync::Barrier::new(8);
            let hashes: Vec<String> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..8)
                    .map(|_| {
                        s.spawn(|| {
                            start.wait();
                            cache.put(&bytes).unwrap()
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            assert!(hashes.iter().all(|h| h == &hashes[0]));
            assert_eq!(std::fs::read(cache.get(&hashes[0]).unwrap()).unwrap(), bytes);
        }
    }

    #[test]
    fn a_photo_fits_the_side_and_keeps_its_transparency() {
        let wide = DynamicImage::ImageRgb8(RgbImage::new(1000, 400));
        let small = fit(&wide, THUMB_SIDE);
        assert_eq!((small.width(), small.height()), (256, 102));
        let tiny = DynamicImage::ImageRgb8(RgbImage::new(40, 30));
        assert_eq!(fit(&tiny, THUMB_SIDE).width(), 40, "never scaled up");
        let jpeg = photo(&small).unwrap();
        assert_eq!(image::guess_format(&jpeg).unwrap(), image::ImageFormat::Jpeg);
        let clear = DynamicImage::ImageRgba8(image::RgbaImage::new(10, 10));
        assert_eq!(image::guess_format(&photo(&clear).unwrap()).unwrap(), image::ImageFormat::Png);
    }
}
