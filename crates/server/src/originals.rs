//! Originals: the files an app imported into a synced project, uploaded when the person asked
//! for it (the app's "Upload originals" setting), stored by content under `originals/` in the
//! data directory (`<sha256[..2]>/<sha256>`), and served to whoever may see an item that shows
//! them. An upload is streamed to a temporary file while it is hashed, never held in memory,
//! and kept only when it hashes to the name it was sent under.

use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::body::Body;
use http_body_util::BodyExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::error::{Error, Result};

pub use trove_protocol::import::ORIGINAL_MAX;

#[derive(Debug, Clone)]
pub struct Originals {
    root: PathBuf,
}

impl Originals {
    /// The store under `dir` (created, with its `tmp/` for uploads in progress, rid of what a
    /// crash left there over an hour ago: another server on the same directory may be receiving
    /// the newer ones).
    pub fn open(dir: &Path) -> std::io::Result<Originals> {
        let tmp = dir.join("tmp");
        std::fs::create_dir_all(&tmp)?;
        let hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
        for entry in std::fs::read_dir(&tmp)?.flatten() {
            if entry.metadata().and_then(|m| m.modified()).is_ok_and(|at| at < hour_ago) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(Originals { root: dir.to_path_buf() })
    }

    /// The file of a stored original; `None` for anything that is not a hash or not stored.
    pub fn get(&self, hash: &str) -> Option<PathBuf> {
        if !trove_thumbs::is_hash(hash) {
            return None;
        }
        let path = self.root.join(&hash[..2]).join(hash);
        path.is_file().then_some(path)
    }

    /// Streams `body` into the store as the original `hash`: at most [`ORIGINAL_MAX`] bytes (413
    /// beyond), kept only if its SHA-256 is `hash` (400 otherwise); nothing is left on failure.
    /// Returns its size.
    pub async fn put(&self, hash: &str, body: Body) -> Result<u64> {
        if !trove_thumbs::is_hash(hash) {
            return Err(Error::Invalid(format!("{} is not a content hash; expected 64 lowercase hex characters", trove_protocol::rules::quote(hash))));
        }
        let tmp = self.root.join("tmp").join(uuid::Uuid::new_v4().to_string());
        let result = self.receive(hash, body, &tmp).await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&tmp).await;
        }
        result
    }

    async fn receive(&self, hash: &str, mut body: Body, tmp: &Path) -> Result<u64> {
        let io = |e: std::io::Error| Error::Internal(e.into());
        let mut file = tokio::fs::File::create(tmp).await.map_err(io)?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| Error::Invalid("the request body ended before it was complete".into()))?;
            let Ok(data) = frame.into_data() else { continue };
            size += data.len() as u64;
            if size > ORIGINAL_MAX {
                return Err(Error::TooLarge(format!("the file is larger than {ORIGINAL_MAX} bytes; originals are at most 64 MiB")));
            }
            hasher.update(&data);
            file.write_all(&data).await.map_err(io)?;
        }
        let got = hex::encode(hasher.finalize());
        if got != hash {
            return Err(Error::Invalid(format!("the bytes received for original {hash} hash to {got}; they were not stored")));
        }
        file.sync_all().await.map_err(io)?;
        drop(file);
        let dir = self.root.join(&hash[..2]);
        tokio::fs::create_dir_all(&dir).await.map_err(io)?;
        tokio::fs::rename(tmp, dir.join(hash)).await.map_err(io)?;
        Ok(size)
    }
}
