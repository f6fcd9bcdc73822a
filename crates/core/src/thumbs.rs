//! The content-addressed thumbnail cache: each image is stored once under the SHA-256 of its
//! bytes, and only a well-formed hash can be turned back into a path, so whoever serves these
//! files (the app's `thumb:` protocol) can never be led outside the cache directory.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::Result;

pub struct ThumbCache {
    dir: PathBuf,
}

/// Whether `hash` is a lowercase hex SHA-256, the only name the cache knows.
pub fn is_hash(hash: &str) -> bool {
    hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
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
            // Write beside, then rename: a crash never leaves a half file under a valid name.
            let tmp = path.with_extension(format!("tmp{}", std::process::id()));
            std::fs::File::create(&tmp)?.write_all(bytes)?;
            std::fs::rename(&tmp, &path)?;
        }
        Ok(hash)
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

    fn file(&self, hash: &str) -> PathBuf {
        self.dir.join(&hash[..2]).join(hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_by_content_and_refuses_anything_but_a_hash() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ThumbCache::open(&dir.path().join("t")).unwrap();
        let a = cache.put(b"hello").unwrap();
        assert_eq!(a, cache.put(b"hello").unwrap());
        assert_eq!(std::fs::read(cache.get(&a).unwrap()).unwrap(), b"hello");
        std::fs::write(dir.path().join("secret"), "x").unwrap();
        for bad in ["../secret", "..%2Fsecret", "", &a[..63], &a.to_uppercase(), "/etc/passwd", &format!("{a}/..")] {
            assert!(cache.get(bad).is_none(), "{bad:?} must not resolve");
        }
        assert!(cache.get(&"0".repeat(64)).is_none(), "unknown hash");
    }
}
