//! The cache's thumbnail directory: `trove-thumbs`' content-addressed [`ThumbCache`], with its
//! failures in this crate's [`Error`](crate::Error) so the app and the sync engine handle them
//! like any other. What a thumbnail is and how one is made live in `trove-thumbs`.

use std::path::{Path, PathBuf};

pub use trove_thumbs::{fit, is_hash, photo, png, MAX_THUMB_BYTES, THUMB_SIDE};

use crate::error::{Error, Result};

/// The thumbnail directory of one cache (see [`trove_thumbs::ThumbCache`]).
pub struct ThumbCache(trove_thumbs::ThumbCache);

impl From<trove_thumbs::Error> for Error {
    fn from(e: trove_thumbs::Error) -> Self {
        match e {
            trove_thumbs::Error::Invalid(message) => Error::Invalid(message),
            trove_thumbs::Error::Io(e) => Error::Io(e),
            trove_thumbs::Error::Image(e) => Error::Image(e),
        }
    }
}

impl ThumbCache {
    pub fn open(dir: &Path) -> Result<ThumbCache> {
        Ok(ThumbCache(trove_thumbs::ThumbCache::open(dir)?))
    }

    /// The directory itself, for code that draws into it (the demo).
    pub fn cache(&self) -> &trove_thumbs::ThumbCache {
        &self.0
    }

    /// Stores `bytes` (once) and returns their hash.
    pub fn put(&self, bytes: &[u8]) -> Result<String> {
        Ok(self.0.put(bytes)?)
    }

    /// Stores a download only if it hashes to `expected` and is at most [`MAX_THUMB_BYTES`].
    pub fn put_expected(&self, expected: &str, bytes: &[u8]) -> Result<()> {
        Ok(self.0.put_expected(expected, bytes)?)
    }

    /// The file of a stored hash; `None` for anything that is not a hash or is not stored.
    pub fn get(&self, hash: &str) -> Option<PathBuf> {
        self.0.get(hash)
    }

    pub fn contains(&self, hash: &str) -> bool {
        self.0.contains(hash)
    }

    /// Bytes the stored thumbnails take (what an offline budget is measured against).
    pub fn size(&self) -> Result<u64> {
        Ok(self.0.size()?)
    }
}
