//! The server's part of the benchmark command (`scripts/bench`): DESIGN §7's "push 100k
//! membership changes to a local trove-server" (≤ 5 s; ≤ 64 bytes per change on the wire),
//! through the real HTTP stack on 127.0.0.1, beside the same rows inserted straight into the
//! server's database in the same run.
//!
//! Usage: `cargo run --release -p trove-server --example server_bench -- [CHANGES]` (default 100,000).

use std::time::Instant;

use serde_json::json;
use trove_protocol::mutation::ITEMS_MAX;
use trove_protocol::position;
use trove_server::bench_support::{self, BenchProject};
use trove_server::store::collections;
use trove_server::{AppState, Limits};

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let state = AppState::open(dir.path(), Limits { per_second: 1_000_000, ..Limits::default() })?;
    let t = Instant::now();
    let BenchProject { token, caller, project, uuid: project_uuid, items: uuids } = bench_support::project(&state, n, false)?;
    println!("setup: {n} items in {:.1} s", t.elapsed().as_secs_f64());

    let runtime = tokio::runtime::Runtime::new()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let url = format!("http://{}/api/v1/sync/push", listener.local_addr()?);
    let app = trove_server::app(state.clone());
    runtime.spawn(async move { axum::serve(listener, app).await });
    let client = reqwest::blocking::Client::builder().timeout(None).build()?;

    for round in 1..=3 {
        // Measured: one push of the `add_items` mutations naming every item (at most ITEMS_MAX
        // each), as an app pushes after "select all → add" offline. Its collection is created by
        // the same push.
        let collection = uuid::Uuid::new_v4().to_string();
        let keys = position::n_between(None, None, n)?;
        let mut mutations = vec![json!({"id": 1, "mutation": {"name": "create_collection", "args": {"collection": collection, "project": project_uuid,
            "hex_id": format!("{:024x}", round), "title": format!("Pushed {round}"), "description": "", "private": false, "theme": "blue"}}})];
        for (k, (items, keys)) in uuids.chunks(ITEMS_MAX).zip(keys.chunks(ITEMS_MAX)).enumerate() {
            mutations.push(json!({"id": k + 2, "mutation": {"name": "add_items", "args": {"collection": collection, "items": items, "positions": keys, "cls": vec![1; items.len()]}}}));
        }
        let body = json!({"client_id": format!("bench-{round}"), "mutations": mutations}).to_string();
        let t = Instant::now();
        let r = client.post(&url).bearer_auth(&token).header("content-type", "application/json").body(body.clone()).send()?;
        let status = r.status();
        let answer = r.text()?;
        let push = t.elapsed().as_secs_f64();
        anyhow::ensure!(status.is_success() && answer.contains("\"rejected\":[]"), "push failed: {status} {answer}");

        // Baseline: the same rows inserted straight into the database, triggers and all.
        let t = Instant::now();
        let title = format!("Baseline {round}");
        let c = state.db.write(|tx| collections::create(tx, &caller, project, &trove_protocol::NewCollection { title, description: String::new(), private: false, theme: None }, None))?;
        state.db.write(|tx| {
            tx.execute(
                "INSERT INTO memberships (hex_id, collection_id, item_id, position, note, added_at, added_by) \
                 SELECT lower(hex(randomblob(12))), ?1, id, printf('a%07d', id), '', 0, ?2 FROM items WHERE project_id = ?3",
                rusqlite::params![c.collection.id, caller.user_id, project],
            )?;
            Ok::<_, trove_server::error::Error>(())
        })?;
        let baseline = t.elapsed().as_secs_f64();
        println!(
            "round {round}: push {n} membership changes over HTTP: {push:.2} s ({:.1} bytes per change on the wire); \
             baseline INSERT … SELECT of the same rows: {baseline:.2} s; ratio {:.1}×",
            body.len() as f64 / n as f64,
            push / baseline
        );
    }
    Ok(())
}
