//! Deep links reaching the app: the one it was started with (`trove <link>`, as the desktop
//! entry's `%u` passes it when a `trove://` link is clicked), and those a second start hands
//! over to the app already running on the same data folder, which shows them in its window.
//! What a link means is `trove_core::links`; this file only moves it.
//!
//! One instance per data folder: the first start holds `trove.lock` in it (an OS file lock, gone
//! with the process, whatever way it ends). A later start with a link writes the link into
//! `links/` there and exits; the running app picks it up within a moment. A later start without
//! a link starts as it always did.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager, Runtime};

/// The event a handed-over link arrives as in the UI.
pub const EVENT: &str = "open-link";
const IDENTIFIER: &str = "app.trove.desktop";

/// The link this process was started with, until the UI takes it.
#[derive(Default)]
pub struct Launch(Mutex<Option<String>>);

impl Launch {
    pub fn set(&self, link: Option<String>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = link;
    }

    pub fn take(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// A `trove:` link among the command-line arguments.
pub fn from_args() -> Option<String> {
    std::env::args().skip(1).find(|a| a.starts_with(&format!("{}:", trove_core::links::SCHEME)))
}

/// The app's data folder as Tauri resolves it on Linux (`$XDG_DATA_HOME`, else
/// `~/.local/share`, then the identifier), known before Tauri starts.
pub fn data_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(base.join(IDENTIFIER))
}

/// Takes the data folder's instance lock: `Some(lock)` (hold it while the app runs) when this
/// is the only instance, `None` when another one holds it.
pub fn claim(data: &Path) -> std::io::Result<Option<File>> {
    std::fs::create_dir_all(data)?;
    let file = File::options().create(true).truncate(false).write(true).open(data.join("trove.lock"))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// Gives `link` to the instance running on `data` (written whole, then renamed into place, so
/// the running app never reads half a link).
pub fn hand_over(data: &Path, link: &str) -> std::io::Result<()> {
    let dir = data.join("links");
    std::fs::create_dir_all(&dir)?;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    let name = format!("{nanos:024}-{}", std::process::id());
    let tmp = dir.join(format!("{name}.tmp"));
    std::fs::write(&tmp, link.as_bytes())?;
    std::fs::rename(&tmp, dir.join(format!("{name}.link")))
}

/// The links handed over since the last look, oldest first; each file is removed once read.
fn collect(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "link")).collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        // A link is small; anything bigger than the core's bound is not one.
        let text = std::fs::metadata(&f)
            .ok()
            .filter(|m| m.len() <= trove_core::links::LINK_MAX as u64)
            .and_then(|_| std::fs::read_to_string(&f).ok());
        let _ = std::fs::remove_file(&f);
        out.extend(text);
    }
    out
}

/// Watches `data/links/` for handed-over links and sends each to the window (and brings it
/// forward), for as long as the app runs.
pub async fn watch<R: Runtime>(app: AppHandle<R>, data: PathBuf) {
    let dir = data.join("links");
    let _ = std::fs::create_dir_all(&dir);
    // Links left from a start while no app was running are stale: the launch link is its own.
    let _ = collect(&dir);
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        for link in collect(&dir) {
            tracing::info!("a deep link was handed over");
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.unminimize();
                let _ = w.set_focus();
            }
            if let Err(e) = app.emit(EVENT, link) {
                tracing::warn!(error = %e, "a deep link could not reach the window");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_instance_hands_its_link_to_the_first_through_the_data_folder() {
        let dir = tempfile::tempdir().unwrap();
        let first = claim(dir.path()).unwrap();
        assert!(first.is_some(), "the first start holds the lock");
        assert!(claim(dir.path()).unwrap().is_none(), "a second start sees the first");
        hand_over(dir.path(), "trove://open?project=a").unwrap();
        hand_over(dir.path(), "trove://open?project=b").unwrap();
        std::fs::write(dir.path().join("links/half.tmp"), "trove://open?proj").unwrap();
        std::fs::write(dir.path().join("links/huge.link"), "x".repeat(trove_core::links::LINK_MAX + 1)).unwrap();
        let got = collect(&dir.path().join("links"));
        assert_eq!(got.len(), 2, "{got:?}: a half-written or oversized file is no link");
        assert!(got.contains(&"trove://open?project=a".to_string()) && got.contains(&"trove://open?project=b".to_string()));
        assert!(collect(&dir.path().join("links")).is_empty(), "each link is delivered once");
        drop(first);
        assert!(claim(dir.path()).unwrap().is_some(), "the lock goes with the instance");
    }
}
