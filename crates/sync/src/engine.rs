//! One sync client: a local cache ([`Store`]) and a server ([`Remote`]). Pushes the outbox in
//! batches, pulls each synced project's changes page by page (each page applied in one
//! transaction with the pending mutations replayed on top), downloads a project on connect, and
//! prefetches thumbnails.

use std::sync::Arc;

use trove_core::replica::{RemoteProject, Synced};
use trove_core::Store;
use trove_protocol::api::ProjectInfo;
use trove_protocol::remote::Progress;
use trove_protocol::sync::{PullResponse, PushRequest, PushedMutation};
use trove_protocol::ErrorCode;

use crate::remote::{Remote, Result, SyncError};

mod uploads;
mod people;

/// Most mutations in one push (the server takes up to 1000).
pub const PUSH_BATCH: usize = 500;
/// Most JSON bytes in one push beyond its first mutation: half the server's push body limit
/// (8 MiB), so a batch with its envelope always fits. A single mutation larger than this is
/// still sent, alone (the server bounds the items of one mutation so that it fits).
pub const PUSH_BYTES: usize = 4 * 1024 * 1024;
/// Rows per pulled page.
pub const PULL_PAGE: u32 = 50_000;

/// What one push did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pushed {
    /// Mutations the server acknowledged (applied, repeated or refused).
    pub acknowledged: u64,
    /// Of those, refused for good.
    pub refused: usize,
}

/// What one pull did, over all its pages.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Pulled {
    /// Rows the pages carried (a download's progress).
    pub carried: u64,
    /// Of those, rows that changed the copy in a way that can show: 0 when the pull only
    /// brought back what this cache had (the echo of its own push), and then the UI need not
    /// read anything again.
    pub changed: u64,
}

impl Pulled {
    fn add(&mut self, applied: trove_core::replica::Applied) {
        self.carried += applied.carried as u64;
        self.changed += applied.changed as u64;
    }
}

/// What a prefetch did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prefetched {
    pub fetched: u64,
    /// Already in the cache.
    pub present: u64,
    /// Left out because the size budget was reached.
    pub over_budget: u64,
    /// Refused: the server sent bytes that are not the thumbnail asked for, or too many.
    pub refused: u64,
    pub bytes: u64,
}

impl Prefetched {
    /// What the prefetch did, in a sentence for the status line.
    pub fn sentence(&self) -> String {
        let mut message =
            format!("{} thumbnails fetched ({:.1} MiB); {} were already here", self.fetched, self.bytes as f64 / 1048576.0, self.present);
        if self.over_budget > 0 {
            message.push_str(&format!("; {} left out by the offline budget", self.over_budget));
        }
        if self.refused > 0 {
            message.push_str(&format!("; {} refused because the server sent something else than the thumbnail asked for", self.refused));
        }
        message
    }
}

#[derive(Clone)]
pub struct Engine {
    store: Arc<Store>,
    remote: Remote,
    push_batch: usize,
    /// One push and one pull at a time per engine: two pulls applying pages out of order would
    /// set an older cookie and older rows over newer ones until the next pull.
    pushing: Arc<tokio::sync::Mutex<()>>,
    pulling: Arc<tokio::sync::Mutex<()>>,
    /// Sentences for the status area about what sync did by itself (started over under a new
    /// client id, removed a project the caller lost access to), until the driver takes them.
    notices: Arc<std::sync::Mutex<Vec<String>>>,
    /// Whether [`probe`](Self::probe) has run.
    probed: Arc<std::sync::atomic::AtomicBool>,
    /// Who the token signs in as, once this engine asked (`people::ensure_account`).
    account: Arc<std::sync::Mutex<Option<String>>>,
    /// "Upload originals" is on (`uploads.rs`).
    originals: bool,
    /// Thumbnails this engine has uploaded (a push that failed after them does not send them
    /// again).
    thumbs_sent: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

/// Why this database and the server disagree on which of its changes the server has.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Divergence {
    /// A push met a gap: the server lost changes it had confirmed (restored from a backup).
    ServerLost,
    /// The server applied higher ids for this client id than this database ever issued: this
    /// file is an older copy restored over a newer one, and its new changes reuse their ids.
    Restored,
}

/// Runs a store call on the blocking pool.
async fn blocking<T: Send + 'static>(store: &Arc<Store>, f: impl FnOnce(&Store) -> trove_core::Result<T> + Send + 'static) -> Result<T> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || f(&store))
        .await
        .map_err(|e| SyncError::Protocol(format!("a local task failed: {e}")))?
        .map_err(SyncError::from)
}

impl Engine {
    pub fn new(store: Arc<Store>, remote: Remote) -> Engine {
        Engine { store, remote, push_batch: PUSH_BATCH, pushing: Default::default(), pulling: Default::default(), notices: Default::default(), probed: Default::default(), account: Default::default(), originals: false, thumbs_sent: Default::default() }
    }

    /// The same engine uploading the originals of imported files (`upload_originals`) or not.
    pub fn with_originals(mut self, on: bool) -> Engine {
        self.originals = on;
        self
    }

    /// The same engine pushing at most `n` mutations at a time (tests use small batches).
    pub fn with_push_batch(mut self, n: usize) -> Engine {
        self.push_batch = n.max(1);
        self
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    pub fn remote(&self) -> &Remote {
        &self.remote
    }

    /// What sync did by itself since the last call, in sentences for the status area.
    pub fn take_notices(&self) -> Vec<String> {
        std::mem::take(&mut *self.notices.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn notice(&self, sentence: String) {
        tracing::warn!(%sentence, "sync notice");
        self.notices.lock().unwrap_or_else(|p| p.into_inner()).push(sentence);
    }

    /// Recovers from a [`Divergence`]: a new client id, a full re-download of this server's
    /// projects, the pending outbox kept and replayed (`trove_core::replica::start_over`).
    async fn start_over(&self, why: Divergence) -> Result<()> {
        let server = self.remote.base().to_string();
        let id = blocking(&self.store, move |s| s.start_over(&server)).await?;
        let pending = blocking(&self.store, |s| s.pending()).await?;
        let kept = match pending {
            0 => "nothing was waiting here".to_string(),
            1 => "the 1 change waiting here is kept and sent".to_string(),
            n => format!("the {n} changes waiting here are kept and sent"),
        };
        tracing::warn!(?why, new_client_id = %id, "sync starts over under a new client id");
        self.notice(match why {
            Divergence::ServerLost => format!(
                "The server no longer has some changes from this computer that it had confirmed (it may have been restored from a backup); \
                 those cannot be sent again. Sync started over: this copy is downloaded again and {kept}."
            ),
            Divergence::Restored => format!(
                "This computer's data was restored from an older copy, so its new changes reused numbers the server had already seen. \
                 Sync started over under a new client id: this copy is downloaded again and {kept}."
            ),
        });
        Ok(())
    }

    /// Starts over as a restored copy, once per push or pull: the same answer again from a
    /// client that has just begun is not something starting over can mend.
    async fn start_over_once(&self, started_over: &mut bool, server_last: i64) -> Result<()> {
        if std::mem::replace(started_over, true) {
            return Err(SyncError::Protocol(format!("the server says it applied change {server_last} of a client that has just begun")));
        }
        self.start_over(Divergence::Restored).await
    }

    /// Whether the server has applied a higher id for this client than this database ever sent
    /// (it is an older copy, restored; `trove_core::outbox::sent`).
    async fn restored(&self, server_last: i64) -> Result<bool> {
        Ok(server_last > blocking(&self.store, |s| s.sent()).await?)
    }

    /// Once per engine (the app's start, where a file restored while the app was closed first
    /// syncs), before the first push: asks the server, with a one-row pull of a project of this
    /// server, how far it has applied this client's mutations. Beyond what this database ever
    /// sent, the database is a restored older copy, and it starts over before any of its new
    /// mutations can be skipped as repeats — however many it made meanwhile.
    async fn probe(&self) -> Result<()> {
        if self.probed.load(std::sync::atomic::Ordering::Acquire) || blocking(&self.store, |s| s.pending()).await? == 0 {
            return Ok(());
        }
        let projects = blocking(&self.store, |s| s.synced_projects()).await?;
        if let Some(p) = projects.iter().find(|p| p.server == self.remote.base()) {
            match self.remote.pull(&p.uuid, &self.store.client_id(), p.cookie, 1, None).await {
                Ok(page) if self.restored(page.last_mutation_id).await? => self.start_over(Divergence::Restored).await?,
                Ok(_) => {}
                // Access lost: the pull after the push finds it out and says so.
                Err(SyncError::Refused { status: 404, .. }) => {}
                Err(e) => return Err(e),
            }
        }
        self.probed.store(true, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// Pushes the whole outbox, batch after batch, until it is empty. A push that meets a gap
    /// (409), or an answer that shows this database is a restored older copy, starts over under
    /// a new client id once and goes on; the pending changes are kept either way.
    pub async fn push(&self) -> Result<Pushed> {
        let _one = self.pushing.lock().await;
        let mut total = Pushed::default();
        let limit = self.push_batch;
        let mut started_over = false;
        self.probe().await?;
        loop {
            let batch = blocking(&self.store, move |s| s.read(|c| trove_core::outbox::batch(c, 0, limit, PUSH_BYTES))).await?;
            let batch = uploads::bounded(batch, |p| matches!(p.mutation, trove_protocol::Mutation::ImportItems { .. }));
            let Some(last) = batch.last().map(|p| p.id) else { return Ok(total) };
            self.upload_thumbnails(batch.iter().map(|p| &p.mutation)).await?;
            // Durably, before it leaves: what the server can have applied is never above it.
            blocking(&self.store, move |s| s.record_sent(last)).await?;
            let req = PushRequest {
                client_id: self.store.client_id(),
                mutations: batch.into_iter().map(|p| PushedMutation { id: p.id, mutation: p.mutation }).collect(),
            };
            let resp = match self.remote.push(&req).await {
                Err(SyncError::Refused { status: 409, .. }) if !started_over => {
                    started_over = true;
                    self.start_over(Divergence::ServerLost).await?;
                    continue;
                }
                answer => answer?,
            };
            if self.restored(resp.last_mutation_id).await? {
                // The server skipped this batch as repeats: nothing of it is acknowledged.
                self.start_over_once(&mut started_over, resp.last_mutation_id).await?;
                continue;
            }
            if resp.last_mutation_id < last {
                return Err(SyncError::Protocol(format!(
                    "the server acknowledged changes up to {} of a push that ended at {last}",
                    resp.last_mutation_id
                )));
            }
            let refused = resp.rejected.len();
            for r in &resp.rejected {
                tracing::warn!(id = r.id, name = %r.name, reason = %r.error.message, "the server refused a change");
            }
            let acknowledged = blocking(&self.store, move |s| s.acknowledge(resp.last_mutation_id, &resp.rejected)).await?;
            total.acknowledged += acknowledged;
            total.refused += refused;
        }
    }

    /// Pulls every change of one synced project since its cookie, page by page; `progress`
    /// hears the rows carried so far. Returns what the pages carried and changed. A project the server no longer shows the caller is removed from
    /// the cache (see [`lost_access`](Self::lost_access)); a page that shows this database is a
    /// restored older copy starts over before anything of it is applied.
    pub async fn pull(&self, project: i64, progress: &(dyn Fn(u64) + Send + Sync)) -> Result<Pulled> {
        let _one = self.pulling.lock().await;
        let mut pulled = Pulled::default();
        let mut started_over = false;
        // The next page, fetched while the previous one was applied, with the cookie, client id
        // and `pending_from` it was asked with.
        let mut ahead: Option<(i64, String, Option<i64>, Result<PullResponse>)> = None;
        loop {
            let synced = self.synced(project).await?;
            let pending_from = blocking(&self.store, |s| s.first_pending()).await?;
            let client = self.store.client_id();
            // A page fetched ahead is used only if it was asked exactly as it would be now (a
            // failed one is asked again, now, as it would have been without fetching ahead).
            let page = match ahead.take() {
                Some((cookie, id, from, Ok(page))) if cookie == synced.cookie && id == client && from == pending_from => page,
                _ => match self.remote.pull(&synced.uuid, &client, synced.cookie, PULL_PAGE, pending_from).await {
                    Err(e @ SyncError::Refused { status: 404, .. }) => return self.lost_access(&synced, e).await,
                    page => page?,
                },
            };
            if self.restored(page.last_mutation_id).await? {
                self.start_over_once(&mut started_over, page.last_mutation_id).await?;
                continue;
            }
            let more = page.more;
            if !more {
                pulled.add(blocking(&self.store, move |s| s.apply_pull(project, &page)).await?);
                progress(pulled.carried);
                return Ok(pulled);
            }
            // Fetch the next page while this one is applied: it continues from this page's
            // cookie and asks for the refusals from the first mutation this page leaves pending.
            let (cookie, last) = (page.cookie, page.last_mutation_id);
            let next_from = blocking(&self.store, move |s| s.first_pending_after(last)).await?;
            let apply = blocking(&self.store, move |s| s.apply_pull(project, &page));
            let fetch = self.remote.pull(&synced.uuid, &client, cookie, PULL_PAGE, next_from);
            let (applied, fetched) = tokio::join!(apply, fetch);
            pulled.add(applied?);
            progress(pulled.carried);
            ahead = Some((cookie, client, next_from, fetched));
        }
    }

    /// A pull answered 404: if the server's project list confirms the caller no longer sees the
    /// project (a role removed), its copy is removed from the cache and its pending changes are
    /// listed as refused ("you no longer have access to lab/Photos"); otherwise the 404 stands.
    async fn lost_access(&self, synced: &Synced, not_found: SyncError) -> Result<Pulled> {
        if self.remote.projects().await?.iter().any(|p| p.uuid == synced.uuid) {
            return Err(not_found);
        }
        let project = synced.project;
        let (name, refused) =
            blocking(&self.store, move |s| s.forget_project(project, |name| format!("you no longer have access to {name}"))).await?;
        let waiting = match refused {
            0 => String::new(),
            1 => "; the 1 change waiting for it could not be sent and is listed as refused".to_string(),
            n => format!("; the {n} changes waiting for it could not be sent and are listed as refused"),
        };
        self.notice(format!("You no longer have access to {name} on {}: its copy was removed from this computer{waiting}.", self.remote.base()));
        Ok(Pulled::default())
    }

    async fn synced(&self, project: i64) -> Result<Synced> {
        let all = blocking(&self.store, |s| s.synced_projects()).await?;
        all.into_iter()
            .find(|s| s.project == project)
            .ok_or_else(|| SyncError::Local(trove_core::Error::NotFound { what: "synced project", id: project }))
    }

    /// Push, then pull every project of this server: one round of sync. Returns what was
    /// pushed and what the pulls carried and changed.
    pub async fn sync(&self) -> Result<(Pushed, Pulled)> {
        self.ensure_account().await?;
        let pushed = self.push().await?;
        self.upload_originals().await?;
        let mut pulled = Pulled::default();
        let projects = blocking(&self.store, |s| s.synced_projects()).await?;
        for p in projects.into_iter().filter(|p| p.server == self.remote.base()) {
            let one = self.pull(p.project, &|_| {}).await?;
            pulled.carried += one.carried;
            pulled.changed += one.changed;
        }
        Ok((pushed, pulled))
    }

    /// Pushes until the outbox is empty, then pulls until nothing is left: what "quiesce" means.
    pub async fn sync_until_settled(&self) -> Result<()> {
        loop {
            self.sync().await?;
            if blocking(&self.store, |s| s.pending()).await? == 0 {
                return Ok(());
            }
        }
    }

    /// The server's projects the caller may see.
    pub async fn remote_projects(&self) -> Result<Vec<ProjectInfo>> {
        self.remote.projects().await
    }

    /// Downloads the server project `uuid` (or makes an existing copy current) and returns the
    /// local project id. `progress` hears how many rows have arrived, against the item count.
    pub async fn connect(&self, uuid: &str, progress: &(dyn Fn(Progress) + Send + Sync)) -> Result<i64> {
        let projects = self.remote.projects().await?;
        let info = projects.into_iter().find(|p| p.uuid == uuid).ok_or_else(|| SyncError::Refused {
            status: 404,
            code: ErrorCode::NotFound,
            message: format!("project {uuid} is not on this server, or you have no access to it"),
            retry_after: None,
        })?;
        self.connect_info(info, progress).await
    }

    /// As [`connect`](Self::connect), by name: `namespace/name` or a name the caller sees once.
    pub async fn connect_by_name(&self, name: &str, progress: &(dyn Fn(Progress) + Send + Sync)) -> Result<i64> {
        let projects = self.remote.projects().await?;
        let matches: Vec<ProjectInfo> = projects
            .into_iter()
            .filter(|p| format!("{}/{}", p.namespace, p.name) == name || p.name == name || p.uuid == name)
            .collect();
        match <[ProjectInfo; 1]>::try_from(matches) {
            Ok([info]) => self.connect_info(info, progress).await,
            Err(found) => Err(SyncError::Refused {
                status: 404,
                code: ErrorCode::NotFound,
                message: if found.is_empty() {
                    format!("no project named {name:?} is on this server for you")
                } else {
                    format!("{} projects are named {name:?}; give it as namespace/name", found.len())
                },
                retry_after: None,
            }),
        }
    }

    async fn connect_info(&self, info: ProjectInfo, progress: &(dyn Fn(Progress) + Send + Sync)) -> Result<i64> {
        let role = serde_json::to_value(info.role).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
        let remote = RemoteProject {
            uuid: info.uuid.clone(),
            name: info.name.clone(),
            kind: info.kind,
            description: info.description.clone(),
            server: self.remote.base().to_string(),
            namespace: info.namespace.clone(),
            role,
        };
        let id = blocking(&self.store, move |s| s.attach_remote(&remote)).await?;
        self.ensure_account().await?;
        let label = format!("Downloading {}", info.name);
        let total = info.item_count;
        progress(Progress { label: label.clone(), done: 0, total: Some(total) });
        self.pull(id, &|rows| progress(Progress { label: label.clone(), done: rows.min(total), total: Some(total) })).await?;
        progress(Progress { label, done: total, total: Some(total) });
        Ok(id)
    }

    /// Fetches one thumbnail into the cache (for a gallery tile the cache does not have yet).
    /// Bytes that do not hash to `hash`, or are over the size limit, are refused and not stored.
    pub async fn fetch_thumbnail(&self, hash: &str) -> Result<()> {
        let bytes = self.remote.thumbnail(hash).await?;
        let expected = hash.to_string();
        blocking(&self.store, move |s| s.thumbs().put_expected(&expected, &bytes)).await
    }

    /// "Make available offline": fetches every thumbnail of the project the cache lacks, while
    /// the cache stays within `budget` bytes.
    pub async fn prefetch_thumbnails(&self, project: i64, budget: u64, progress: &(dyn Fn(Progress) + Send + Sync)) -> Result<Prefetched> {
        let (missing, present, mut used) = blocking(&self.store, move |s| {
            let hashes = s.thumbnails_of(project)?;
            let (present, missing): (Vec<String>, Vec<String>) = hashes.into_iter().partition(|h| s.thumbs().contains(h));
            Ok((missing, present.len() as u64, s.thumbs().size()?))
        })
        .await?;
        let mut out = Prefetched { present, ..Default::default() };
        let label = "Making thumbnails available offline".to_string();
        let total = missing.len() as u64;
        progress(Progress { label: label.clone(), done: 0, total: Some(total) });
        let mut tasks = tokio::task::JoinSet::new();
        let mut queue = missing.into_iter();
        let mut done = 0u64;
        loop {
            while tasks.len() < 8 && used < budget {
                let Some(hash) = queue.next() else { break };
                let remote = self.remote.clone();
                tasks.spawn(async move { (remote.thumbnail(&hash).await, hash) });
            }
            let Some(joined) = tasks.join_next().await else { break };
            let (fetched, hash) = joined.map_err(|e| SyncError::Protocol(format!("a download task failed: {e}")))?;
            let bytes = match fetched {
                Ok(bytes) => bytes,
                Err(e @ SyncError::Protocol(_)) => {
                    tracing::warn!(error = %e, "a thumbnail was refused");
                    out.refused += 1;
                    done += 1;
                    progress(Progress { label: label.clone(), done, total: Some(total) });
                    continue;
                }
                Err(e) => return Err(e),
            };
            let n = bytes.len() as u64;
            if used + n > budget {
                out.over_budget += 1;
            } else {
                match blocking(&self.store, move |s| s.thumbs().put_expected(&hash, &bytes)).await {
                    Ok(()) => {
                        used += n;
                        out.fetched += 1;
                        out.bytes += n;
                    }
                    Err(SyncError::Local(e @ trove_core::Error::Invalid(_))) => {
                        tracing::warn!(error = %e, "a thumbnail was refused");
                        out.refused += 1;
                    }
                    Err(e) => return Err(e),
                }
            }
            done += 1;
            progress(Progress { label: label.clone(), done, total: Some(total) });
        }
        out.over_budget += queue.count() as u64;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefetch_says_what_it_did() {
        let done = Prefetched { fetched: 3, present: 2, over_budget: 0, refused: 0, bytes: 3 << 20 };
        assert_eq!(done.sentence(), "3 thumbnails fetched (3.0 MiB); 2 were already here");
        let partly = Prefetched { over_budget: 4, refused: 1, ..done };
        assert_eq!(
            partly.sentence(),
            "3 thumbnails fetched (3.0 MiB); 2 were already here; 4 left out by the offline budget; \
             1 refused because the server sent something else than the thumbnail asked for"
        );
    }

    /// trove-server's push body limit (DESIGN §6 bounds every body; 8 MiB).
    const SERVER_PUSH_BODY: usize = 8 << 20;

    #[test]
    fn every_push_fits_the_servers_body_limit_and_a_huge_mutation_goes_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db"), &dir.path().join("thumbs")).unwrap();
        // 30 mutations of about 1 MiB each (a 40,000-item add is about that), one of about 9 MiB.
        let add = |n: usize, tag: &str| trove_protocol::Mutation::TagItems { items: vec![format!("{tag}{}", "x".repeat(20)); n], tags: vec!["t".into()] };
        let project = store
            .attach_remote(&trove_core::replica::RemoteProject {
                uuid: "u".into(),
                name: "P".into(),
                kind: trove_protocol::ProjectKind::Image,
                description: String::new(),
                server: "http://server.test".into(),
                namespace: "lab".into(),
                role: "editor".into(),
            })
            .unwrap();
        store
            .write(|tx| {
                for k in 0..31 {
                    let m = if k == 10 { add(10 << 20 >> 5, "huge") } else { add(1 << 20 >> 5, "item") };
                    trove_core::outbox::append(tx, project, &m)?;
                }
                Ok(())
            })
            .unwrap();
        let (mut after, mut pushes) = (0, Vec::new());
        loop {
            let batch = store.read(|c| trove_core::outbox::batch(c, after, PUSH_BATCH, PUSH_BYTES)).unwrap();
            let Some(last) = batch.last() else { break };
            after = last.id;
            let req = PushRequest { client_id: "c".into(), mutations: batch.into_iter().map(|p| PushedMutation { id: p.id, mutation: p.mutation }).collect() };
            pushes.push((req.mutations.len(), serde_json::to_vec(&req).unwrap().len()));
        }
        assert_eq!(pushes.iter().map(|p| p.0).sum::<usize>(), 31, "everything is pushed");
        let huge = pushes.iter().find(|p| p.1 > SERVER_PUSH_BODY).expect("the 9 MiB mutation is pushed");
        assert_eq!(huge.0, 1, "a mutation over the batch limit goes alone");
        for (n, bytes) in pushes.iter().filter(|p| p.1 <= SERVER_PUSH_BODY || p.0 > 1) {
            assert!(*bytes <= SERVER_PUSH_BODY / 2 + 64 * 1024, "a push of {n} mutations is {bytes} bytes");
        }
    }
}
