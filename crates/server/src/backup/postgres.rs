//! `backup` and `restore` on PostgreSQL: `pg_dump` in its custom format while the instances run
//! (one consistent snapshot), and `pg_restore` into the database (every instance stopped), after
//! which the caller starts a new era ([`super::new_era`]) as after a SQLite restore. Both tools
//! come with PostgreSQL's client package and must match the server's major version.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context};

/// Dumps the database at `url` into `to` (which must not exist). Returns the sentence to print.
pub fn backup(url: &str, to: &Path) -> anyhow::Result<String> {
    if to.exists() {
        bail!("{} exists already; choose another file (a backup never overwrites)", to.display());
    }
    let partial = super::with_suffix(to, ".partial");
    let _ = std::fs::remove_file(&partial);
    let out = Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--no-privileges"])
        .arg(format!("--file={}", partial.display()))
        .arg(format!("--dbname={url}"))
        .output()
        .context("could not run pg_dump (install PostgreSQL's client tools)")?;
    if !out.status.success() {
        let _ = std::fs::remove_file(&partial);
        bail!("pg_dump failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    std::fs::rename(&partial, to).with_context(|| format!("could not write {}", to.display()))?;
    let size = std::fs::metadata(to).map(|m| m.len()).unwrap_or(0);
    Ok(format!("backed up the PostgreSQL database to {} ({size} bytes)", to.display()))
}

/// Replaces the contents of the database at `url` with the dump `from`, in one transaction: a
/// failed restore leaves the database as it was.
pub fn restore(url: &str, from: &Path) -> anyhow::Result<String> {
    if !from.is_file() {
        bail!("{} is not a backup file", from.display());
    }
    let running = instances(url)?;
    if running > 0 {
        bail!("a trove-server is running on this database ({running} connections); stop every instance first");
    }
    let out = Command::new("pg_restore")
        .args(["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"])
        .arg(format!("--dbname={url}"))
        .arg(from)
        .output()
        .context("could not run pg_restore (install PostgreSQL's client tools)")?;
    if !out.status.success() {
        bail!("pg_restore failed; the database is as it was: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(format!("restored the PostgreSQL database from {}", from.display()))
}

/// How many connections other trove-server instances hold to the database at `url`.
fn instances(url: &str) -> anyhow::Result<i64> {
    crate::db::pg::off_runtime(|| {
        let mut client = postgres::Client::connect(url, postgres::NoTls).context("could not connect to PostgreSQL")?;
        let row = client.query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()",
            &[&crate::db::pg::APPLICATION],
        )?;
        Ok(row.get(0))
    })
}
