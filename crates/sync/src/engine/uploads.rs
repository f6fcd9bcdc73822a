//! What "Import folder…" in a synced project sends besides its `import_items` mutations: the
//! thumbnails they name, uploaded before the push (an item is never on the server without its
//! thumbnail), and with "Upload originals" the files themselves, after the push has made their
//! items: one at a time, streamed from where they were imported from, each recorded in the cache
//! (`import_files`) so an upload goes on after a restart from the first file not yet sent.

use std::time::Duration;

use trove_protocol::import::ORIGINAL_MAX;
use trove_protocol::Mutation;

use super::{blocking, Engine};
use crate::remote::{Result, SyncError};

/// Files asked of the cache at a time.
const BATCH: u32 = 16;
/// Most `import_items` mutations in one push: their thumbnails (up to 96 each) are uploaded
/// first, so a push commits an import's progress every few hundred files.
pub(super) const IMPORTS_PER_PUSH: usize = 4;
/// How long an upload keeps waiting out the server's rate limit (429) before it gives up for
/// this round (the next sync goes on from there).
const PATIENCE: Duration = Duration::from_secs(120);

/// `batch` cut after its [`IMPORTS_PER_PUSH`]-th import (order kept).
pub(super) fn bounded<T>(mut batch: Vec<T>, is_import: impl Fn(&T) -> bool) -> Vec<T> {
    let mut imports = 0;
    if let Some(cut) = batch.iter().position(|m| {
        imports += is_import(m) as usize;
        imports > IMPORTS_PER_PUSH
    }) {
        batch.truncate(cut);
    }
    batch
}

/// Runs an upload again while the server answers 429, waiting what it asks (a second when it
/// does not say, at most 30 s at a time), for at most [`PATIENCE`].
async fn patiently<F, Fut>(mut upload: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let started = std::time::Instant::now();
    loop {
        match upload().await {
            Err(SyncError::Refused { status: 429, retry_after, .. } | SyncError::Server { status: 429, retry_after, .. }) if started.elapsed() < PATIENCE => {
                tokio::time::sleep(retry_after.unwrap_or(Duration::from_secs(1)).min(Duration::from_secs(30))).await;
            }
            other => return other,
        }
    }
}

impl Engine {
    /// Uploads the thumbnails the imports among `mutations` name, from this cache, before they
    /// are pushed: an item is never on the server without its thumbnail. A thumbnail this cache
    /// no longer has is left out (the item shows a placeholder).
    pub(super) async fn upload_thumbnails(&self, mutations: impl Iterator<Item = &Mutation>) -> Result<()> {
        let mut wanted: Vec<(String, String)> = Vec::new();
        for m in mutations {
            if let Mutation::ImportItems { project, items, .. } = m {
                for hash in items.iter().filter_map(|i| i.thumb.as_ref()) {
                    if !wanted.iter().any(|(_, h)| h == hash) {
                        wanted.push((project.clone(), hash.clone()));
                    }
                }
            }
        }
        for (project, hash) in wanted {
            if self.thumbs_sent.lock().unwrap_or_else(|p| p.into_inner()).contains(&hash) {
                continue;
            }
            let bytes = match self.store.thumbs().cache().get(&hash) {
                Some(path) => tokio::fs::read(path).await.ok(),
                None => None,
            };
            let Some(bytes) = bytes else {
                tracing::warn!(thumb = %hash, "an imported item's thumbnail is not in the cache; its item is uploaded without it");
                continue;
            };
            match patiently(|| self.remote.put_thumbnail(&project, &hash, bytes.clone())).await {
                Ok(()) => {
                    let mut sent = self.thumbs_sent.lock().unwrap_or_else(|p| p.into_inner());
                    if sent.len() > 200_000 {
                        sent.clear();
                    }
                    sent.insert(hash);
                }
                // Still rate-limited after a while: this push waits for the next round.
                Err(e @ SyncError::Refused { status: 429, .. }) => return Err(e),
                // Refused for good (no role, say): the push that follows is refused for the same
                // reason, and that refusal is what the person sees and what undoes the import.
                Err(SyncError::Refused { message, .. }) => tracing::warn!(thumb = %hash, reason = %message, "a thumbnail upload was refused"),
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Downloads an original the server holds for "Open original" of a file imported on another
    /// computer; a 404 says, in words, that its computer did not upload it.
    pub async fn fetch_original(&self, original: &trove_core::originals::OnServer) -> Result<()> {
        match self.remote.get_original(&original.project, &original.content, &original.dest).await {
            Err(SyncError::Refused { status: 404, code, retry_after, .. }) => Err(SyncError::Refused {
                status: 404,
                code,
                message: format!(
                    "the original of {} is not on the server: the computer that imported it did not upload it (Upload originals)",
                    trove_protocol::rules::quote(&original.name)
                ),
                retry_after,
            }),
            other => other,
        }
    }

    /// Uploads the originals waiting, when "Upload originals" is on; returns how many went up.
    /// A file that is gone, changed since its import or larger than the server takes is given up
    /// with the reason; one whose item the server does not have yet (its import is still
    /// pending) waits for the next sync; a transient failure stops here (the next sync goes on).
    pub async fn upload_originals(&self) -> Result<u64> {
        if !self.originals {
            return Ok(0);
        }
        let mut sent = 0;
        loop {
            let batch = blocking(&self.store, |s| s.waiting_originals(BATCH)).await?;
            let mut settled = 0;
            let n = batch.len();
            for f in batch {
                let outcome = match tokio::fs::metadata(&f.path).await {
                    Err(_) => Some(Err(format!("{} is no longer there", f.path.display()))),
                    Ok(m) if m.len() > ORIGINAL_MAX => Some(Err(format!("the file is {} MiB; the server keeps originals of at most 64 MiB", m.len() >> 20))),
                    Ok(m) if m.len() != f.size => Some(Err("the file changed since it was imported; import the folder again".to_string())),
                    Ok(_) => match patiently(|| self.remote.put_original(&f.project, &f.content, &f.path)).await {
                        Ok(()) => Some(Ok(())),
                        // Its import is not on the server yet: after the next push.
                        Err(SyncError::Refused { status: 404, .. }) => None,
                        // Still rate-limited: the next sync goes on from here.
                        Err(SyncError::Refused { status: 429, .. }) => return Ok(sent),
                        Err(SyncError::Refused { message, .. }) => Some(Err(message)),
                        Err(e) => return Err(e),
                    },
                };
                if let Some(outcome) = outcome {
                    sent += outcome.is_ok() as u64;
                    settled += 1;
                    let item = f.item.clone();
                    blocking(&self.store, move |s| s.original_uploaded(&item, outcome)).await?;
                }
            }
            if n < BATCH as usize || settled == 0 {
                return Ok(sent);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_push_carries_at_most_a_few_imports_and_everything_before_them() {
        // 'i' an import, 'o' any other mutation.
        let batch: Vec<char> = "ooioiiioiio".chars().collect();
        let cut = bounded(batch, |m| *m == 'i');
        assert_eq!(cut.iter().collect::<String>(), "ooioiiio", "cut before the fifth import");
        assert_eq!(bounded(vec!['o', 'o'], |m| *m == 'i'), ['o', 'o']);
    }
}
