//! `trove-import`: what an import reads from a folder, shared by the app's "Import folder…"
//! (`trove-core::import`) and the server's `catalog import`. [`walk`] finds the files (hidden
//! ones skipped, links followed only to files inside the folder), [`read`] makes one file into
//! a [`Scanned`] item (kind, MIME type, dimensions after EXIF orientation, size, modification
//! time, SHA-256 of its bytes and a thumbnail) or a [`Failure`] sentence, and [`read_all`] does
//! that on every core. Nothing outside the chosen folder is read.
//!
//! This crate knows no database and no HTTP.

mod read;
pub mod video;
mod walk;

pub use read::{read, read_all, read_unless, Failure, Outcome, Scanned, MAX_PICTURE_BYTES};
pub use walk::{folder, walk, Found, Walk};

/// Why an import could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("folder {0} does not exist")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
}

/// What a file is by its name: a picture (read and decoded), a video (hashed, no decoder here:
/// its tile shows a placeholder), or something else, looked at only when its first bytes say it is
/// a picture after all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Picture,
    Video,
}

/// Picture extensions (lowercase) an import reads: JPEG, PNG, WebP, GIF, BMP and TIFF.
pub const PICTURES: &[&str] = &["jpg", "jpeg", "jpe", "png", "webp", "gif", "bmp", "tif", "tiff"];
/// Video extensions and their MIME types.
pub const VIDEOS: &[(&str, &str)] = &[("mp4", "video/mp4"), ("m4v", "video/mp4"), ("webm", "video/webm"), ("mov", "video/quicktime")];

/// A file's kind by its extension, if it has one an import reads.
pub fn kind_of(name: &str) -> Option<Kind> {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
    if PICTURES.contains(&ext.as_str()) {
        Some(Kind::Picture)
    } else if VIDEOS.iter().any(|(e, _)| *e == ext) {
        Some(Kind::Video)
    } else {
        None
    }
}

#[cfg(any(test, feature = "fixture"))]
pub mod fixture;

#[cfg(test)]
mod tests;
