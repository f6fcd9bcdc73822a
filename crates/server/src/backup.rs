//! `trove-server backup` and `restore` (embedded SQLite): a consistent copy of the database
//! taken while the server runs, with SQLite's online backup API, and the return to one.
//!
//! A restore puts the server back in time, so every app's copy may hold versions and mutation
//! ids the restored database never gave out. It therefore starts a new era: the version counter
//! jumps far past anything the lost timeline can have reached and the prune mark follows it, so
//! every app's next pull is a reset (a full download with its pending changes kept and replayed),
//! and an app whose acknowledged mutations the restored database lacks takes the "server is
//! behind this client" path (a new client id, its outbox kept). The database it replaces is kept
//! beside it. A restore needs the server stopped: every `serve` holds a shared lock on the data
//! directory, which a restore takes alone.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use rusqlite::{Connection, OpenFlags};

pub mod postgres;

/// The database file in a data directory.
pub const DB_FILE: &str = "trove-server.db";
/// How far the version counter jumps at a restore: more versions than a server gives out
/// between a backup and the restore of it (the prune scheme's places stay below 2^40, room for
/// a thousand restores).
pub const RESTORE_JUMP: i64 = 1 << 30;

/// The data directory's lock: shared by every `serve` on it for its lifetime, exclusive for
/// `restore` while it works.
pub struct DataLock {
    _file: File,
}

/// Takes the data directory's lock for a server (shared: several servers may share a directory).
pub fn serving(data: &Path) -> anyhow::Result<DataLock> {
    take(data, libc::LOCK_SH)
        .map_err(|_| anyhow::anyhow!("a restore is running on {}; start the server when it has finished", data.display()))
}

/// Takes the data directory's lock alone, or says that a server holds it.
pub fn lock(data: &Path) -> anyhow::Result<DataLock> {
    take(data, libc::LOCK_EX)
}

fn take(data: &Path, how: libc::c_int) -> anyhow::Result<DataLock> {
    use std::os::fd::AsRawFd;
    std::fs::create_dir_all(data).with_context(|| format!("could not create the data directory {}", data.display()))?;
    let path = data.join("trove-server.lock");
    let file = File::options().create(true).truncate(false).write(true).open(&path).with_context(|| format!("could not open {}", path.display()))?;
    // SAFETY: flock on a descriptor this function owns; it is released when the file closes.
    if unsafe { libc::flock(file.as_raw_fd(), how | libc::LOCK_NB) } != 0 {
        bail!("a trove-server is running on {} (it holds {}); stop it first", data.display(), path.display());
    }
    Ok(DataLock { _file: file })
}

/// Copies the database of `data` into `to` (which must not exist), consistently, while the
/// server may be running. Returns the sentence to print.
pub fn backup(data: &Path, to: &Path) -> anyhow::Result<String> {
    let db = data.join(DB_FILE);
    if !db.is_file() {
        bail!("there is no database to back up in {}", data.display());
    }
    if to.exists() {
        bail!("{} exists already; choose another file (a backup never overwrites)", to.display());
    }
    let partial = with_suffix(to, ".partial");
    let _ = std::fs::remove_file(&partial);
    let copied = (|| -> anyhow::Result<()> {
        let src = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        src.busy_timeout(Duration::from_secs(30))?;
        let mut dst = Connection::open(&partial)?;
        // One step copies every page inside one read transaction: a consistent snapshot, while
        // the server goes on writing to its WAL.
        copy_all(&src, &mut dst)?;
        let check: String = dst.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if check != "ok" {
            bail!("the copy failed its integrity check: {check}");
        }
        dst.execute_batch("PRAGMA journal_mode = DELETE")?;
        drop(dst);
        File::open(&partial)?.sync_all()?;
        Ok(())
    })();
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(e.context(format!("could not back up {}", db.display())));
    }
    std::fs::rename(&partial, to).with_context(|| format!("could not move the backup to {}", to.display()))?;
    let size = std::fs::metadata(to)?.len();
    Ok(format!("backed up {} to {} ({:.1} MiB)", db.display(), to.display(), size as f64 / 1_048_576.0))
}

/// Replaces the database of `data` with the backup `from` (the server must be stopped): checks
/// the backup, keeps the current database beside it as `trove-server.db.before-restore-<ms>`,
/// puts the backup in its place, migrates it if it is older, and starts a new era (see the
/// module doc). Returns the sentence to print.
pub fn restore(data: &Path, from: &Path, migrations: usize) -> anyhow::Result<String> {
    let _lock = lock(data)?;
    let db = data.join(DB_FILE);
    let incoming = data.join(format!("{DB_FILE}.restoring"));
    let _ = std::fs::remove_file(&incoming);
    (|| -> anyhow::Result<()> {
        let src = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .with_context(|| format!("{} cannot be opened as a database", from.display()))?;
        let check: String = src.query_row("PRAGMA integrity_check", [], |r| r.get(0)).with_context(|| format!("{} is not a database", from.display()))?;
        if check != "ok" {
            bail!("{} is damaged (integrity check: {check}); nothing was restored", from.display());
        }
        let is_ours: bool = src
            .query_row("SELECT count(*) = 1 FROM sqlite_master WHERE type = 'table' AND name = 'counters'", [], |r| r.get(0))
            .unwrap_or(false);
        if !is_ours {
            bail!("{} is not a trove-server backup; nothing was restored", from.display());
        }
        let level: i64 = src.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if level > migrations as i64 {
            bail!("{} was made by a newer trove-server (schema {level}, this one knows {migrations}); nothing was restored", from.display());
        }
        let mut dst = Connection::open(&incoming)?;
        copy_all(&src, &mut dst)?;
        drop(dst);
        File::open(&incoming)?.sync_all()?;
        Ok(())
    })()
    .inspect_err(|_| {
        let _ = std::fs::remove_file(&incoming);
    })?;
    // The current database and its WAL go aside together (a WAL belongs to its database).
    let aside = data.join(format!("{DB_FILE}.before-restore-{}", trove_sqlite::now_ms()));
    if db.exists() {
        std::fs::rename(&db, &aside)?;
        for ext in ["-wal", "-shm"] {
            let f = with_suffix(&db, ext);
            if f.exists() {
                std::fs::rename(&f, with_suffix(&aside, ext))?;
            }
        }
    }
    std::fs::rename(&incoming, &db)?;
    if let Ok(dir) = File::open(data) {
        let _ = dir.sync_all();
    }
    let kept = if aside.exists() { format!("; the database it replaced is kept as {}", aside.display()) } else { String::new() };
    Ok(format!("restored {} from {}{kept}", db.display(), from.display()))
}

/// Starts a new era after a restore (see the module doc), in the restored database's own
/// transaction: the version jumps by [`RESTORE_JUMP`], the prune mark follows it and the prune
/// epoch moves, so every cookie an app holds is a reset.
pub fn new_era(tx: &crate::db::Transaction) -> crate::error::Result<i64> {
    let head = crate::store::versions::reserve(tx, RESTORE_JUMP)? + RESTORE_JUMP;
    tx.execute("UPDATE counters SET value = ?1 WHERE name = 'pruned'", [head])?;
    tx.execute("UPDATE counters SET value = value + 1 WHERE name = 'prune_epoch'", [])?;
    Ok(head)
}

/// Copies every page of `src` into `dst` in one step (one read transaction of `src`: a
/// consistent snapshot), waiting while `src` is busy.
fn copy_all(src: &Connection, dst: &mut Connection) -> anyhow::Result<()> {
    use rusqlite::backup::{Backup, StepResult};
    let backup = Backup::new(src, dst)?;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            StepResult::Busy | StepResult::Locked if std::time::Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            _ => bail!("the database stayed busy for a minute; try again"),
        }
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}
