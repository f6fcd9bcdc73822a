//! The differential test of the queue rules (issue 12), like `differential.rs` for collections:
//! random sequences of queue mutations — claims of members and non-members, submits by the
//! holder and by others, reviews of stale and fresh submissions, closes, and the collection's
//! members coming and going — are applied through the app's replay over a downloaded copy and
//! through a push to the real `trove-server`, then a fresh download. Both copies must show the
//! same entries, counts, tags and labeled flags.
//!
//! `TROVE_DIFF_CASES` sets the number of sequences (default 30), `TROVE_DIFF_SEED` the first seed.

mod common;

use common::{Client, World};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use trove_protocol::model::Theme;
use trove_protocol::Mutation;

const TAGS: &[&str] = &["cat", "dog", " bird "];

/// One random sequence: a collection and a queue over it (alice annotates and reviews, with
/// bob), then work in it.
fn sequence(rng: &mut ChaCha8Rng, case: u64, project: &str, items: &[String]) -> Vec<Mutation> {
    let collection = format!("c{case:04}-0000-0000-4000-8000-000000000000");
    let queue = format!("q{case:04}-0000-0000-4000-8000-000000000000");
    let keys = ["a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7"];
    let start: Vec<String> = items.iter().take(6).cloned().collect();
    let mut out = vec![
        Mutation::CreateCollection {
            collection: collection.clone(),
            project: project.to_string(),
            hex_id: format!("{:024x}", rng.random::<u128>() >> 32),
            title: format!("q{case}"),
            description: String::new(),
            private: false,
            theme: Theme::Green,
        },
        Mutation::AddItems { collection: collection.clone(), items: start.clone(), positions: keys[..start.len()].iter().map(|k| k.to_string()).collect(), cls: vec![] },
        Mutation::CreateQueue {
            queue: queue.clone(),
            project: project.to_string(),
            collection: collection.clone(),
            name: format!("Queue {case}"),
            annotators: vec!["alice".into(), "bob".into()],
            reviewers: vec!["alice".into()],
            tags: vec!["cat".into()],
        },
    ];
    let some = |rng: &mut ChaCha8Rng| -> Vec<String> { (0..rng.random_range(1..4)).map(|_| items.choose(rng).unwrap().clone()).collect() };
    let tags = |rng: &mut ChaCha8Rng| -> Vec<String> { (0..rng.random_range(0..3)).map(|_| TAGS.choose(rng).unwrap().to_string()).collect() };
    for _ in 0..rng.random_range(4..16) {
        let m = match rng.random_range(0..100) {
            0..10 => {
                let items = some(rng);
                let positions = items.iter().map(|_| keys.choose(rng).unwrap().to_string()).collect();
                Mutation::AddItems { collection: collection.clone(), items, positions, cls: vec![] }
            }
            10..18 => Mutation::RemoveItems { collection: collection.clone(), items: some(rng), cls: vec![] },
            18..38 => Mutation::ClaimItems { queue: queue.clone(), items: some(rng) },
            38..68 => Mutation::SubmitItem { queue: queue.clone(), item: items.choose(rng).unwrap().clone(), add: tags(rng), remove: tags(rng) },
            68..94 => Mutation::ReviewItem {
                queue: queue.clone(),
                item: items.choose(rng).unwrap().clone(),
                submission: rng.random_range(0..3),
                accept: rng.random_bool(0.6),
                comment: if rng.random_bool(0.3) { "look again".into() } else { String::new() },
            },
            94..97 => Mutation::CloseQueue { queue: queue.clone() },
            _ => Mutation::DeleteCollection { collection: collection.clone() },
        };
        out.push(m);
    }
    out
}

/// The queue `uuid` as this copy has it (entries by item name, counts, closed), and every
/// item's tags and labels count.
fn state(c: &Client, uuid: &str) -> Value {
    let queue = c.store.queues(c.project).unwrap().into_iter().find(|q| q.uuid == uuid);
    let queue = queue.map(|q| {
        let page = c.store.queue_items(q.id, None, 0, 1000).unwrap();
        let mut items: Vec<Value> = page
            .items
            .iter()
            .map(|i| json!([i.item.name, i.entry.status.as_str(), i.entry.annotator, i.entry.submission, i.entry.comment, i.entry.reviewer]))
            .collect();
        items.sort_by_key(|v| v[0].as_str().unwrap_or_default().to_string());
        json!({"closed": q.closed, "counts": serde_json::to_value(q.counts).unwrap(), "items": items})
    });
    let items: Vec<Value> = c
        .store
        .read(|conn| {
            let mut stmt = conn.prepare("SELECT name, tags_text, labels_count FROM items WHERE project_id = ?1 ORDER BY name")?;
            let rows = stmt
                .query_map([c.project], |r| Ok(json!([r.get::<_, String>(0)?, r.get::<_, String>(1)?.replace('\u{1f}', ","), r.get::<_, i64>(2)?])))?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .unwrap();
    json!({"queue": queue, "items": items})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_and_the_server_apply_every_queue_mutation_alike() {
    let cases: u64 = std::env::var("TROVE_DIFF_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(30);
    let seed: u64 = std::env::var("TROVE_DIFF_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let world = World::new();
    let url = world.direct_url();
    let (mut total, mut refused) = (0, 0);
    for case in seed..seed + cases {
        let mut rng = ChaCha8Rng::seed_from_u64(case);
        let client = Client::open(&world.root.path().join(format!("qdiff-client-{case}")), &url, &world.tokens["alice"]).await;
        assert_eq!(client.store.current_user(client.project).unwrap(), "alice");
        let (project, items): (String, Vec<String>) = client
            .store
            .read(|conn| {
                let project: String = conn.query_row("SELECT uuid FROM projects WHERE id = ?1", [client.project], |r| r.get(0))?;
                let mut stmt = conn.prepare("SELECT uuid FROM items WHERE project_id = ?1 ORDER BY uuid")?;
                let items = stmt.query_map([client.project], |r| r.get(0))?.collect::<Result<_, _>>()?;
                Ok((project, items))
            })
            .unwrap();
        let seq = sequence(&mut rng, case, &project, &items);
        let queue = match &seq[2] {
            Mutation::CreateQueue { queue, .. } => queue.clone(),
            _ => unreachable!(),
        };
        client.replay(&seq);
        let by_client = state(&client, &queue);

        let (rejected, fresh) = world.push_and_download(&format!("qdiff-{case}"), &format!("qdiff-server-{case}"), &seq).await;
        total += seq.len();
        refused += rejected;
        let by_server = state(&fresh, &queue);
        assert_eq!(
            by_client,
            by_server,
            "case {case} (TROVE_DIFF_SEED={case} TROVE_DIFF_CASES=1): the client's replay and the server's apply disagree on\n{}",
            serde_json::to_string_pretty(&seq).unwrap()
        );
    }
    eprintln!("{total} queue mutations in {cases} sequences, {refused} refused by the server");
    assert!(refused > 0 && refused * 2 < total, "{refused} of {total} refused");
}
