//! Labeling queues across devices (issue 12): a real `trove-server`, an editor who makes the
//! queue and reviews, and two annotators, one of whom works offline on a claimed batch. After
//! everyone syncs, every copy — and a fresh download — shows the same statuses and tags.

mod common;

use common::{Client, World};
use serde_json::{json, Value};
use trove_protocol::queue::{NewQueue, Queue};
use trove_protocol::QueueStatus;

/// The queue named `name` in this copy.
fn queue(c: &Client, name: &str) -> Queue {
    c.store.queues(c.project).unwrap().into_iter().find(|q| q.name == name).unwrap_or_else(|| panic!("no queue {name:?} here"))
}

/// What must agree everywhere: each item of the queue (by name) with its entry, its tags and
/// its labeled flag, and the counts.
fn state(c: &Client, name: &str) -> Value {
    let q = queue(c, name);
    let page = c.store.queue_items(q.id, None, 0, 1000).unwrap();
    let mut items: Vec<Value> = page
        .items
        .iter()
        .map(|i| {
            let e = &i.entry;
            json!([i.item.name, e.status.as_str(), e.annotator, e.submission, e.comment, e.reviewer, i.item.tags, i.item.labels_count > 0])
        })
        .collect();
    items.sort_by_key(|v| v[0].as_str().unwrap_or_default().to_string());
    json!({ "counts": serde_json::to_value(q.counts).unwrap(), "closed": q.closed, "items": items })
}

/// The catalog numbers of the queue's items with `status`, in the queue's order.
fn with_status(c: &Client, q: i64, status: QueueStatus) -> Vec<usize> {
    let all = c.items();
    let page = c.store.queue_items(q, Some(status), 0, 1000).unwrap();
    page.items.iter().map(|i| all.iter().position(|x| *x == i.item.id).unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_annotator_works_offline_on_a_claimed_batch_while_a_reviewer_reviews_others_and_all_agree() {
    let w = World::new();
    let (alice, bob, carol) = (w.client("alice").await, w.client("bob").await, w.client("carol").await);
    assert_eq!(bob.store.current_user(bob.project).unwrap(), "bob", "the account is learned from the server");
    alice.engine.refresh_people(alice.project).await.unwrap();
    let people = alice.store.project_people(alice.project).unwrap();
    assert!(["alice", "bob", "carol"].iter().all(|n| people.contains(&n.to_string())), "the server's people: {people:?}");

    // Alice (editor) makes the source collection and the queue: bob and carol annotate, she reviews.
    let source = alice.create("Source");
    alice.add(source, &[0, 1, 2, 3, 4, 5, 6, 7]);
    let input = NewQueue {
        collection_id: source,
        name: "Batch 1".into(),
        annotators: vec!["bob".into(), "carol".into()],
        reviewers: vec!["alice".into()],
        tags: vec!["cat".into(), "dog".into()],
    };
    alice.store.create_queue(alice.project, &input).unwrap();
    alice.sync().await;
    bob.sync().await;
    carol.sync().await;
    let (qb, qc, qa) = (queue(&bob, "Batch 1"), queue(&carol, "Batch 1"), queue(&alice, "Batch 1"));
    assert!(qb.api_id.is_some() && qb.api_id == qc.api_id, "the server's id reaches every copy");
    assert!(qb.can_annotate && !qb.can_review && qa.can_review && !qa.can_annotate);
    assert_eq!(qb.counts.pending, 8);

    // Online, bob claims a batch of 3, then carol claims the next 3 and submits them.
    assert_eq!(bob.store.claim_queue_items(qb.id, 3).unwrap().len(), 3);
    bob.sync().await;
    carol.sync().await;
    let claimed = carol.store.claim_queue_items(qc.id, 3).unwrap();
    assert_eq!(with_status(&carol, qc.id, QueueStatus::Annotating), [0, 1, 2, 3, 4, 5]);
    for i in &claimed {
        carol.store.submit_queue_item(qc.id, i.item.id, &["dog".into()], &[]).unwrap();
    }
    carol.sync().await;

    // Bob goes offline (he does not sync): he submits his batch, and item 6, still pending.
    for i in bob.store.my_queue_work(qb.id).unwrap() {
        bob.store.submit_queue_item(qb.id, i.item.id, &["cat".into()], &[]).unwrap();
    }
    bob.store.submit_queue_item(qb.id, bob.item(6), &["bird".into()], &[]).unwrap();
    assert!(bob.pending() >= 4);
    // Meanwhile carol submits item 6 first, and alice reviews carol's batch.
    carol.store.submit_queue_item(qc.id, carol.item(6), &["fish".into()], &[]).unwrap();
    carol.sync().await;
    alice.sync().await;
    let done: Vec<i64> = with_status(&alice, qa.id, QueueStatus::Done).iter().map(|n| alice.item(*n)).collect();
    assert_eq!(done.len(), 4, "carol's 3 and item 6");
    let out = alice.store.review_queue_items(qa.id, &[alice.item(3), alice.item(4)], true, "").unwrap();
    assert_eq!((out.applied, out.refused.len()), (2, 0));
    let out = alice.store.review_queue_items(qa.id, &[alice.item(5)], false, "blurry").unwrap();
    assert_eq!(out.applied, 1);
    alice.sync().await;

    // Bob comes back: his batch lands; his submission of item 6 is refused whole (carol's came
    // first), so its tags are carol's only, and he is told who has it.
    bob.sync().await;
    let refusals = bob.store.refusals().unwrap();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert!(refusals[0].reason.contains("carol has this item"), "{}", refusals[0].reason);
    alice.sync().await;
    carol.sync().await;

    let expect = state(&alice, "Batch 1");
    for (who, c) in [("bob", &bob), ("carol", &carol)] {
        assert_eq!(c.pending(), 0, "{who} has nothing pending");
        assert_eq!(state(c, "Batch 1"), expect, "{who} agrees with alice");
    }
    let fresh = w.client("carol").await;
    assert_eq!(state(&fresh, "Batch 1"), expect, "a fresh download agrees");
    let q = queue(&alice, "Batch 1");
    assert_eq!(with_status(&alice, q.id, QueueStatus::Done), [0, 1, 2, 6]);
    assert_eq!(with_status(&alice, q.id, QueueStatus::Accepted), [3, 4]);
    assert_eq!(with_status(&alice, q.id, QueueStatus::Rejected), [5]);
    assert_eq!(with_status(&alice, q.id, QueueStatus::Pending), [7]);
    let six = alice.store.item(alice.project, alice.item(6)).unwrap().item;
    assert!(six.tags.contains(&"fish".to_string()) && !six.tags.contains(&"bird".to_string()), "{:?}", six.tags);
    // Carol sees the rejection sent back to her, with the comment.
    let back = carol.store.my_queue_work(queue(&carol, "Batch 1").id).unwrap();
    assert_eq!(back.iter().map(|i| (i.entry.status, i.entry.comment.as_str())).collect::<Vec<_>>(), [(QueueStatus::Rejected, "blurry")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_made_over_the_api_reaches_the_app_and_closing_it_in_the_app_reaches_everyone() {
    let w = World::new();
    let (alice, bob) = (w.client("alice").await, w.client("bob").await);
    let source = alice.create("Source");
    alice.add(source, &[0, 1, 2]);
    alice.sync().await;
    let collection: String = alice.store.read(|c| Ok(c.query_row("SELECT uuid FROM collections WHERE id = ?1", [source], |r| r.get(0))?)).unwrap();
    let project = alice.engine.remote().projects().await.unwrap().into_iter().find(|p| format!("{}/{}", p.namespace, p.name) == common::PROJECT).unwrap();
    let base = w.direct_url();
    let made = reqwest::Client::new()
        .post(format!("{base}/api/v1/projects/{}/queues", project.id))
        .bearer_auth(&w.tokens["alice"])
        .json(&json!({"collection": collection, "name": "Over the API", "annotators": ["bob", "vic"], "reviewers": ["alice"], "tags": ["cat"]}))
        .send()
        .await
        .unwrap();
    assert!(made.status().is_success(), "{}", made.text().await.unwrap());
    let id = made.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    bob.sync().await;
    let q = queue(&bob, "Over the API");
    assert_eq!((q.api_id, q.counts.pending, q.can_annotate, q.tags.clone()), (Some(id), 3, true, vec!["cat".to_string()]));
    assert_eq!(bob.store.claim_queue_items(q.id, 1).unwrap().len(), 1);
    bob.sync().await;
    // Vic, a viewer of the project, annotates in it: queue work needs a role, not the editor's.
    let vic = w.client("vic").await;
    let qv = queue(&vic, "Over the API");
    assert!(qv.can_annotate && !qv.can_manage);
    let mine = vic.store.claim_queue_items(qv.id, 1).unwrap();
    vic.store.submit_queue_item(qv.id, mine[0].item.id, &["cat".into()], &[]).unwrap();
    vic.sync().await;
    assert!(vic.store.refusals().unwrap().is_empty(), "{:?}", vic.store.refusals().unwrap());

    alice.sync().await;
    alice.store.close_queue(queue(&alice, "Over the API").id).unwrap();
    alice.sync().await;
    bob.sync().await;
    let closed = queue(&bob, "Over the API");
    assert!(closed.closed && !closed.can_annotate);
    assert_eq!(closed.counts.total(), 1, "a closed queue holds only history");
    assert!(bob.store.claim_queue_items(closed.id, 1).unwrap_err().to_string().contains("is closed"));
    assert_eq!(closed.counts.done, 1, "vic's submission is history");
    assert_eq!(state(&bob, "Over the API"), state(&alice, "Over the API"));
}
