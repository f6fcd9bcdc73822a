//! What one file is: [`read`], and [`read_all`] on every core.

use std::io::{Cursor, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::UNIX_EPOCH;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage};
use sha2::{Digest, Sha256};
use trove_protocol::ItemKind;
use trove_thumbs::THUMB_SIDE;

use crate::{Found, Kind, VIDEOS};

/// Largest picture read (it is decoded in memory); larger ones are reported, not read.
pub const MAX_PICTURE_BYTES: u64 = 1 << 30;

/// One file, read: what becomes an item.
#[derive(Debug, Clone, PartialEq)]
pub struct Scanned {
    pub kind: ItemKind,
    pub mime: String,
    /// As shown: after the EXIF orientation.
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub size: u64,
    /// The file's modification time (ms since the epoch), when the system knows it.
    pub modified: Option<i64>,
    /// SHA-256 of the file's bytes, lowercase hex: the same picture twice is one item.
    pub content: String,
    /// The thumbnail's bytes (JPEG, or PNG when it has transparency), upright; `None` for a video.
    pub thumb: Option<Vec<u8>>,
    /// The thumbnail's perceptual hash (near-duplicate search), taken before it is encoded.
    pub phash: Option<trove_thumbs::Phash>,
}

/// Why a file was not imported: a sentence for the import's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure(pub String);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The picture formats an import decodes.
pub(crate) fn readable(format: ImageFormat) -> bool {
    matches!(format, ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif | ImageFormat::Bmp | ImageFormat::Tiff)
}

fn corrupt(e: image::ImageError) -> Failure {
    let text = e.to_string();
    let short: String = text.chars().take(200).collect();
    Failure(format!("the picture cannot be decoded ({short})"))
}

/// What reading a file came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    New(Scanned),
    /// Its content (SHA-256) is one the caller already has: hashed, not decoded.
    Known { content: String, size: u64 },
    Failed(Failure),
}

/// Reads one file: its bytes are hashed, a picture is decoded (what it is comes from its bytes,
/// never its name) and its thumbnail made upright.
pub fn read(file: &Found) -> Result<Scanned, Failure> {
    match read_unless(file, &|_| false) {
        Outcome::New(s) => Ok(s),
        Outcome::Known { .. } => unreachable!("nothing is known"),
        Outcome::Failed(f) => Err(f),
    }
}

/// [`read`], but a file whose content `known` says the caller has is only hashed.
pub fn read_unless(file: &Found, known: &(dyn Fn(&str) -> bool + Sync)) -> Outcome {
    match read_inner(file, known) {
        Ok(Ok(s)) => Outcome::New(s),
        Ok(Err((content, size))) => Outcome::Known { content, size },
        Err(f) => Outcome::Failed(f),
    }
}

type Inner = Result<Result<Scanned, (String, u64)>, Failure>;

fn read_inner(file: &Found, known: &(dyn Fn(&str) -> bool + Sync)) -> Inner {
    let meta = std::fs::metadata(&file.path).map_err(|e| Failure(format!("the file cannot be read ({e})")))?;
    if meta.len() == 0 {
        return Err(Failure("the file is empty (0 bytes)".into()));
    }
    let modified = meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_millis() as i64);
    match file.kind {
        Kind::Picture => picture(file, meta.len(), modified, known),
        Kind::Video => video(file, meta.len(), modified, known),
    }
}

fn picture(file: &Found, size: u64, modified: Option<i64>, known: &(dyn Fn(&str) -> bool + Sync)) -> Inner {
    if size > MAX_PICTURE_BYTES {
        return Err(Failure(format!("the file is {size} bytes; pictures over 1 GiB are not read")));
    }
    let bytes = std::fs::read(&file.path).map_err(|e| Failure(format!("the file cannot be read ({e})")))?;
    let content = hex::encode(Sha256::digest(&bytes));
    if known(&content) {
        return Ok(Err((content, size)));
    }
    let reader = ImageReader::new(Cursor::new(&bytes)).with_guessed_format().map_err(|e| Failure(format!("the file cannot be read ({e})")))?;
    let format = match reader.format() {
        Some(f) if readable(f) => f,
        Some(f) => return Err(Failure(format!("a {} picture, which Trove does not read", f.extensions_str().first().unwrap_or(&"?").to_uppercase()))),
        None => return Err(Failure("not a picture: its bytes are in no format Trove reads".into())),
    };
    let (img, width, height, orientation) = match format {
        ImageFormat::Jpeg => match scaled_jpeg(&bytes) {
            Some(done) => done,
            None => decode(reader)?,
        },
        _ => decode(reader)?,
    };
    // The thumbnail is turned, not the whole picture: the same result for a fraction of the work.
    let mut thumb = trove_thumbs::fit(&img, THUMB_SIDE);
    thumb.apply_orientation(orientation);
    let turned = matches!(orientation, Orientation::Rotate90 | Orientation::Rotate270 | Orientation::Rotate90FlipH | Orientation::Rotate270FlipH);
    let (width, height) = if turned { (height, width) } else { (width, height) };
    let phash = Some(trove_thumbs::phash(&thumb));
    let thumb = trove_thumbs::photo(&thumb).map_err(|e| Failure(format!("its thumbnail could not be made ({e})")))?;
    Ok(Ok(Scanned {
        kind: ItemKind::Image,
        mime: format.to_mime_type().to_string(),
        width: Some(width),
        height: Some(height),
        size,
        modified,
        content,
        thumb: Some(thumb),
        phash,
    }))
}

/// A decoded picture (perhaps scaled down), the original's width and height, and how to turn it.
type Decoded = (DynamicImage, u32, u32, Orientation);

/// The image crate's full decode, for every format.
fn decode(reader: ImageReader<Cursor<&Vec<u8>>>) -> Result<Decoded, Failure> {
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let img = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    let (w, h) = (img.width(), img.height());
    Ok((img, w, h, orientation))
}

/// A large JPEG decoded at 1/2, 1/4 or 1/8 of its size by DCT scaling (still at least the
/// thumbnail's size): twice as fast for a 6-megapixel photo (trove-core's examples/import_bench.rs). `None` for a
/// JPEG this path does not take (small, CMYK, or one jpeg-decoder cannot read), which then gets
/// the full decode.
fn scaled_jpeg(bytes: &[u8]) -> Option<Decoded> {
    let mut d = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    d.read_info().ok()?;
    let info = d.info()?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    if w.max(h) < 2 * THUMB_SIDE || !matches!(info.pixel_format, jpeg_decoder::PixelFormat::RGB24 | jpeg_decoder::PixelFormat::L8) {
        return None;
    }
    // The smallest scale with a side still at least the thumbnail's (jpeg-decoder meets either
    // requested side; only the longer side can).
    let side = THUMB_SIDE as u16;
    d.scale(side, side).ok()?;
    let pixels = d.decode().ok()?;
    let scaled = d.info()?;
    let (sw, sh) = (u32::from(scaled.width), u32::from(scaled.height));
    let img = match scaled.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => RgbImage::from_raw(sw, sh, pixels).map(DynamicImage::ImageRgb8),
        _ => image::GrayImage::from_raw(sw, sh, pixels).map(DynamicImage::ImageLuma8),
    }?;
    let orientation = d.exif_data().and_then(Orientation::from_exif_chunk).unwrap_or(Orientation::NoTransforms);
    Some((img, w, h, orientation))
}

/// A video is hashed as it streams; its size and poster frame come from ffmpeg when it is
/// installed (`crate::video`), else its tile shows a placeholder.
fn video(file: &Found, size: u64, modified: Option<i64>, known: &(dyn Fn(&str) -> bool + Sync)) -> Inner {
    let ext = file.name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let mime = VIDEOS.iter().find(|(e, _)| *e == ext).map(|(_, m)| *m).unwrap_or("video/mp4");
    let mut f = std::fs::File::open(&file.path).map_err(|e| Failure(format!("the file cannot be read ({e})")))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| Failure(format!("the file cannot be read ({e})")))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    let content = hex::encode(hasher.finalize());
    if known(&content) {
        return Ok(Err((content, size)));
    }
    let (width, height, thumb, phash) = match crate::video::poster(&file.path, &ext) {
        Some((w, h, frame)) => {
            let small = trove_thumbs::fit(&frame, THUMB_SIDE);
            (Some(w), Some(h), trove_thumbs::photo(&small).ok(), Some(trove_thumbs::phash(&small)))
        }
        None => (None, None, None, None),
    };
    Ok(Ok(Scanned { kind: ItemKind::Video, mime: mime.to_string(), width, height, size, modified, content, thumb, phash }))
}

/// Reads `files` ([`read_unless`]) on every core (at most 16 threads); the outcomes in their
/// order. Once `cancel` is set, files not started yet are not read (`None`). A decoder that
/// panics on a hostile file costs that file, not the import.
pub fn read_all(files: &[Found], cancel: &AtomicBool, known: &(dyn Fn(&str) -> bool + Sync)) -> Vec<Option<Outcome>> {
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(1, 16).min(files.len().max(1));
    let next = AtomicUsize::new(0);
    let mut out: Vec<Option<Outcome>> = files.iter().map(|_| None).collect();
    let done: Vec<(usize, Outcome)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    while !cancel.load(Ordering::Relaxed) {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(file) = files.get(i) else { break };
                        let outcome = catch_unwind(AssertUnwindSafe(|| read_unless(file, known)))
                            .unwrap_or_else(|_| Outcome::Failed(Failure("the picture cannot be decoded (the decoder failed)".into())));
                        done.push((i, outcome));
                    }
                    done
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    for (i, outcome) in done {
        out[i] = Some(outcome);
    }
    out
}
