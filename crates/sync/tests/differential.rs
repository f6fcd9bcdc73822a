//! The differential test of the rulebook (issue 10): random sequences of mutations — refusals,
//! ties of position keys, deletes, causal lengths of both parities, tags — are applied through
//! the client's path (the app's replay of pending mutations over a downloaded copy) and through
//! the server's path (a push to the real `trove-server` binary, then a fresh download). The two
//! copies must be identical: the same collections with the same fields, the same members in the
//! same order with the same notes, the same tags, and the same items marked as changed. Bulk
//! mutations (items named by number, set-based on both sides) are among them.
//!
//! `TROVE_DIFF_CASES` sets the number of sequences (default 60), `TROVE_DIFF_SEED` the first seed.

mod common;

use std::collections::BTreeMap;

use common::{Client, World};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use trove_protocol::model::{CollectionPatch, Theme};
use trove_protocol::itemset::ItemSet;
use trove_protocol::Mutation;

const KEYS: &[&str] = &["a0", "a1", "a1", "a2", "Zz", "a0V", "b01"];
const TAGS: &[&str] = &["red", "blue", " green ", "red"];

/// One random sequence over the collections `pool` (some created in it, some deleted before).
fn sequence(rng: &mut ChaCha8Rng, case: u64, project: &str, items: &[String], numbers: &[i64], pool: &[String]) -> Vec<Mutation> {
    let mut out = Vec::new();
    if rng.random_bool(0.8) {
        // Most sequences start by making a collection, so that what follows has one to change.
        out.push(Mutation::CreateCollection {
            collection: pool[0].clone(),
            project: project.to_string(),
            hex_id: format!("{:024x}", rng.random::<u128>() >> 32),
            title: format!("t{case}"),
            description: String::new(),
            private: false,
            theme: Theme::Pink,
        });
    }
    let n = rng.random_range(3..14);
    let item = |rng: &mut ChaCha8Rng| items.choose(rng).unwrap().clone();
    let some_items = |rng: &mut ChaCha8Rng| -> Vec<String> { (0..rng.random_range(1..5)).map(|_| items.choose(rng).unwrap().clone()).collect() };
    for k in 0..n {
        // Mostly the first collection of the pool, so that changes meet each other.
        let c = if rng.random_bool(0.6) { pool[0].clone() } else { pool.choose(rng).unwrap().clone() };
        let title = format!("t{case}-{k}");
        if rng.random_bool(0.2) {
            out.push(set_mutation(rng, project, numbers, c));
            continue;
        }
        let m = match rng.random_range(0..100) {
            0..12 => Mutation::CreateCollection {
                collection: c,
                project: project.to_string(),
                hex_id: format!("{:024x}", rng.random::<u128>() >> 32),
                title,
                description: "made in a case".into(),
                private: false,
                theme: Theme::Pink,
            },
            12..20 => Mutation::UpdateCollection {
                collection: c,
                patch: CollectionPatch {
                    title: rng.random_bool(0.5).then_some(title),
                    description: rng.random_bool(0.5).then(|| format!("d{k}")),
                    private: None,
                    theme: rng.random_bool(0.3).then_some(Theme::Blue),
                },
            },
            20..25 => Mutation::DeleteCollection { collection: c },
            25..50 => {
                let items = some_items(rng);
                let mut positions: Vec<String> = items.iter().map(|_| KEYS.choose(rng).unwrap().to_string()).collect();
                match rng.random_range(0..10) {
                    0 => {
                        positions.pop(); // a missing position: refused everywhere
                    }
                    1 => positions[0] = "!!".into(), // not a key: refused everywhere
                    _ => {}
                }
                let cls = match rng.random_range(0..4) {
                    0 => Vec::new(),
                    1 => items.iter().map(|_| 2 * rng.random_range(0..3)).collect(), // wrong parity: refused
                    _ => items.iter().map(|_| 2 * rng.random_range(0..3) + 1).collect(),
                };
                Mutation::AddItems { collection: c, items, positions, cls }
            }
            50..65 => {
                let items = some_items(rng);
                let cls = match rng.random_range(0..4) {
                    0 => Vec::new(),
                    1 => items.iter().map(|_| 2 * rng.random_range(0..3) + 1).collect(), // wrong parity: refused
                    _ => items.iter().map(|_| 2 * rng.random_range(1..3)).collect(),
                };
                Mutation::RemoveItems { collection: c, items, cls }
            }
            65..75 => Mutation::SetNote { collection: c, item: item(rng), note: format!("note {k}") },
            75..85 => Mutation::MoveItem {
                collection: c,
                item: item(rng),
                position: if rng.random_bool(0.1) { "!".into() } else { KEYS.choose(rng).unwrap().to_string() },
            },
            85..93 => Mutation::TagItems { items: some_items(rng), tags: vec![TAGS.choose(rng).unwrap().to_string()] },
            _ => Mutation::UntagItems {
                items: some_items(rng),
                tags: if rng.random_bool(0.1) { vec!["  ".into()] } else { vec![TAGS.choose(rng).unwrap().to_string()] },
            },
        };
        out.push(m);
    }
    out
}

/// A bulk mutation naming items by number: a few of the project's, sometimes one that does
/// not exist, sometimes one twice (refused everywhere), with a key that is sometimes invalid.
fn set_mutation(rng: &mut ChaCha8Rng, project: &str, numbers: &[i64], c: String) -> Mutation {
    let mut picked: Vec<i64> = Vec::new();
    for _ in 0..rng.random_range(1..6) {
        let n = *numbers.choose(rng).unwrap();
        if !picked.contains(&n) {
            picked.push(n);
        }
    }
    match rng.random_range(0..10) {
        0 => picked.push(1_000_000), // no such item
        1 => picked.push(picked[0]), // named twice: refused
        _ => {}
    }
    let items = ItemSet::encode(&picked);
    let tags = vec![TAGS.choose(rng).unwrap().to_string()];
    match rng.random_range(0..4) {
        0 => Mutation::AddItemSet {
            collection: c,
            items,
            key: if rng.random_bool(0.1) { "!!".into() } else { KEYS.choose(rng).unwrap().to_string() },
            first: rng.random_range(0..3),
        },
        1 => Mutation::RemoveItemSet { collection: c, items },
        2 => Mutation::TagItemSet { project: project.to_string(), items, tags },
        _ => Mutation::UntagItemSet { project: project.to_string(), items, tags },
    }
}

/// `updated_at` of every item of the copy, by UUID.
fn updated(c: &Client) -> BTreeMap<String, i64> {
    c.store
        .read(|conn| {
            let mut stmt = conn.prepare("SELECT uuid, updated_at FROM items WHERE project_id = ?1")?;
            let rows = stmt.query_map([c.project], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .unwrap()
}

/// The copy's fingerprint and which items changed since `before`.
fn state(c: &Client, before: &BTreeMap<String, i64>) -> Value {
    let changed: Vec<String> = updated(c).into_iter().filter(|(u, at)| before.get(u) != Some(at)).map(|(u, _)| u).collect();
    json!({"copy": c.fp(), "items_changed": changed})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_and_the_server_apply_every_mutation_alike() {
    let cases: u64 = std::env::var("TROVE_DIFF_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(60);
    let seed: u64 = std::env::var("TROVE_DIFF_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let world = World::new();
    let url = world.direct_url();
    let mut deleted_before: Vec<String> = Vec::new();
    let (mut total, mut refused) = (0, 0);
    for case in seed..seed + cases {
        let mut rng = ChaCha8Rng::seed_from_u64(case);
        // The client's path: a fresh download, then every mutation replayed on top of it.
        let client = Client::open(&world.root.path().join(format!("diff-client-{case}")), &url, &world.tokens["alice"]).await;
        let (project, items, numbers): (String, Vec<String>, Vec<i64>) = client
            .store
            .read(|conn| {
                let project: String = conn.query_row("SELECT uuid FROM projects WHERE id = ?1", [client.project], |r| r.get(0))?;
                let mut stmt = conn.prepare("SELECT uuid, no FROM items WHERE project_id = ?1 ORDER BY uuid")?;
                let rows: Vec<(String, i64)> = stmt.query_map([client.project], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
                let (items, numbers) = rows.into_iter().unzip();
                Ok((project, items, numbers))
            })
            .unwrap();
        let mut pool: Vec<String> = (0..3).map(|n| format!("c{case:04}-{n}-0000-4000-8000-000000000000")).collect();
        if let Some(old) = deleted_before.choose(&mut rng) {
            pool.push(old.clone()); // a collection deleted in an earlier case: delete wins
        }
        let seq = sequence(&mut rng, case, &project, &items, &numbers, &pool);
        let before = updated(&client);
        client.replay(&seq);
        let by_client = state(&client, &before);

        // The server's path: the same mutations pushed to the real server, then a fresh download.
        let (rejected, fresh) = world.push_and_download(&format!("diff-{case}"), &format!("diff-server-{case}"), &seq).await;
        total += seq.len();
        refused += rejected;
        let by_server = state(&fresh, &before);

        assert_eq!(
            by_client,
            by_server,
            "case {case} (TROVE_DIFF_SEED={case} TROVE_DIFF_CASES=1): the client's replay and the server's apply disagree on\n{}",
            serde_json::to_string_pretty(&seq).unwrap()
        );
        for m in &seq {
            if let Mutation::DeleteCollection { collection } = m {
                deleted_before.push(collection.clone());
            }
        }
    }
    // Not a vacuous test: most mutations apply, and refusals are among them.
    eprintln!("{total} mutations in {cases} sequences, {refused} refused by the server");
    assert!(refused > 0 && refused * 2 < total, "{refused} of {total} refused");
}
