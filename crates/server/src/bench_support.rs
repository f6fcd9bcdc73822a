//! Not an API: what the benchmarks (`examples/bench.rs` here and in `trove-sync`) share to fill
//! a server's database with a big project straight through the store, without HTTP.

use crate::db::Transaction;
use trove_protocol::api::Role;
use trove_protocol::{ItemKind, ProjectKind};

use crate::error::Result;
use crate::store::access::Caller;
use crate::store::{accounts, datasets, items, projects, tags};
use crate::AppState;

/// A project made by [`project`], and who may use it.
pub struct BenchProject {
    /// An API token of `caller`, who owns the project's namespace.
    pub token: String,
    pub caller: Caller,
    pub project: i64,
    pub uuid: String,
    /// The items' UUIDs, in id order.
    pub items: Vec<String>,
}

/// Tags a catalog's items may carry (each with probability 1/5, as in the app's bench, `crates/core/examples/bench.rs`).
pub const TAGS: [&str; 6] = ["blurry", "car", "cat", "dog", "night", "person"];

/// A deterministic 64-bit mix of `k` (splitmix64), for varied but repeatable rows.
fn mix(k: u64) -> u64 {
    let mut z = k.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49eb_1331_11eb);
    z ^ (z >> 31)
}

/// A user `bench` (admin of its namespace) with a token, and a project of `n` items in one
/// dataset, inserted in one transaction through `store::items::insert` (triggers and all).
///
/// With `catalog`, the items look like an imported catalog: three datasets, a thumbnail hash,
/// a source path, varied sizes, and each of [`TAGS`] with probability 1/5. Without it, plain
/// rows (what the push benchmark needs).
pub fn project(state: &AppState, n: usize, catalog: bool) -> Result<BenchProject> {
    // The writer's page cache is raised for the fill (the random UUID and size indexes of a
    // million rows outgrow the usual 64 MiB) and put back for what is measured after.
    let Some(sqlite) = state.db.sqlite() else { return fill(state, n, catalog) };
    let cache: i64 = sqlite.write(|tx| Ok::<_, crate::error::Error>(tx.pragma_query_value(None, "cache_size", |r| r.get(0))?))?;
    sqlite.write(|tx| Ok::<_, crate::error::Error>(tx.pragma_update(None, "cache_size", -1_048_576)?))?;
    let made = fill(state, n, catalog);
    sqlite.write(|tx| Ok::<_, crate::error::Error>(tx.pragma_update(None, "cache_size", cache)?))?;
    made
}

fn fill(state: &AppState, n: usize, catalog: bool) -> Result<BenchProject> {
    state.db.write(|tx| {
        accounts::add_user(tx, "bench", None, Role::Admin, false)?;
        let token = accounts::create_token(tx, "bench")?;
        let ns = accounts::namespace_id(tx, "bench")?.unwrap_or_default();
        let project = projects::insert(tx, ns, "Bench", ProjectKind::Image, "", false)?;
        let sets: Vec<i64> = if catalog {
            ["train", "val", "test"].iter().map(|d| datasets::ensure(tx, project, d)).collect::<Result<_>>()?
        } else {
            vec![datasets::ensure(tx, project, "d")?]
        };
        // Items grouped by their tag set (a bit mask over TAGS), tagged once per group below.
        let mut by_tags: Vec<Vec<i64>> = vec![Vec::new(); 1 << TAGS.len()];
        for k in 0..n {
            let r = mix(k as u64);
            let new = items::NewItem {
                dataset: sets[(r % sets.len() as u64) as usize],
                kind: ItemKind::Image,
                name: format!("img-{k:07}.jpg"),
                mime: "image/jpeg".into(),
                width: Some(if catalog { 100 + (r >> 8) as u32 % 3900 } else { 640 }),
                height: Some(if catalog { 100 + (r >> 20) as u32 % 3900 } else { 480 }),
                size: if catalog { 10_000 + (r >> 32) % 5_000_000 } else { 1000 + k as u64 },
                labels_count: if catalog { (r >> 40) as u32 % 10 } else { 0 },
                created_at: if catalog { 1_600_000_000_000 + (r >> 24) as i64 % 100_000_000_000 } else { 0 },
                thumb: catalog.then(|| format!("{:016x}{:016x}{:016x}{:016x}", r, mix(r), mix(r ^ 1), mix(r ^ 2))),
                source: if catalog { format!("s3://bench-bucket/images/{:02x}/img-{k:07}.jpg", r & 0xff) } else { String::new() },
                identity: format!("bench:{k}"),
                tags: vec![],
            };
            let id = items::insert(tx, project, &new)?;
            if catalog {
                let mask = (0..TAGS.len()).filter(|t| mix(r ^ (*t as u64 + 7)) % 5 == 0).fold(0, |m, t| m | 1 << t);
                if let Some(id) = id.filter(|_| mask != 0) {
                    by_tags[mask].push(id);
                }
            }
        }
        tag_groups(tx, project, &by_tags)?;
        let uuid: String = tx.query_row("SELECT uuid FROM projects WHERE id = ?1", [project], |r| r.get(0))?;
        let mut stmt = tx.prepare("SELECT uuid FROM items WHERE project_id = ?1 ORDER BY id")?;
        let items = stmt.query_map([project], |r| r.get(0))?.collect::<std::result::Result<Vec<String>, _>>()?;
        let caller = Caller { user_id: accounts::user_id(tx, "bench")?.unwrap_or_default(), name: "bench".into(), is_admin: false };
        Ok(BenchProject { token, caller, project, uuid, items })
    })
}

/// Tags each group of items (indexed by a mask over [`TAGS`]) with its tags, set-based.
fn tag_groups(tx: &Transaction, project: i64, groups: &[Vec<i64>]) -> Result<()> {
    for (mask, ids) in groups.iter().enumerate().filter(|(_, ids)| !ids.is_empty()) {
        let names: Vec<String> = (0..TAGS.len()).filter(|t| mask & 1 << t != 0).map(|t| TAGS[t].to_string()).collect();
        tags::tag(tx, project, ids, &names)?;
    }
    Ok(())
}
