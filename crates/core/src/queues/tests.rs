use std::collections::HashMap;

use rand::{Rng, SeedableRng};
use trove_protocol::queue::{MoveTarget, NewQueue, Queue, QueueCounts};
use trove_protocol::{Clause, Condition, ErrorCode, Filter, ItemQuery, Mutation, NewCollection, QueueStatus, Selection};

use crate::testing::{fixture, ids, Fixture};
use crate::Store;

/// Adds items `from..to` to project P (dataset A), untagged and unlabeled.
fn more_items(f: &Fixture, from: i64, to: i64) {
    f.store
        .write(|tx| {
            for id in from..to {
                tx.execute(
                    "INSERT INTO items (id, uuid, project_id, dataset_id, kind, name, mime, size, labels_count, created_at, updated_at, source)
                     VALUES (?1, 'item-' || ?1, ?2, ?3, 'image', 'n' || ?1, 'image/jpeg', 10, 0, 1, 1, 'test')",
                    [id, f.p, f.a],
                )?;
            }
            Ok(())
        })
        .unwrap();
}

/// A local project "L" with items 1001..=1000+n.
fn local(store: &Store, n: i64) -> i64 {
    store
        .write(|tx| {
            let p = crate::projects::create(tx, "L", trove_protocol::ProjectKind::Image, "")?;
            let d = crate::projects::create_dataset(tx, p, "D")?;
            for id in 1001..=1000 + n {
                tx.execute(
                    "INSERT INTO items (id, uuid, project_id, dataset_id, kind, name, mime, size, created_at, updated_at, source)
                     VALUES (?1, 'l-' || ?1, ?2, ?3, 'image', 'l' || ?1, 'image/jpeg', 10, 1, 1, 'test')",
                    [id, p, d],
                )?;
            }
            Ok(p)
        })
        .unwrap()
}

fn act_as(f: &Fixture, user: &str) {
    f.store.write(|tx| Ok(tx.execute("UPDATE sync_projects SET account = ?1 WHERE project_id = ?2", rusqlite::params![user, f.p])?)).unwrap();
}

fn collection(store: &Store, project: i64, title: &str) -> i64 {
    store.create_collection(project, &NewCollection { title: title.into(), description: String::new(), private: false, theme: None }).unwrap().id
}

fn counts(p: usize, a: usize, d: usize, acc: usize, r: usize) -> QueueCounts {
    QueueCounts { pending: p as u64, annotating: a as u64, done: d as u64, accepted: acc as u64, rejected: r as u64 }
}

/// The items the filter clause "status in queue" matches, sorted.
fn by_filter(store: &Store, project: i64, queue: i64, statuses: &[QueueStatus]) -> Vec<i64> {
    let query = ItemQuery {
        filter: Filter { clauses: vec![Clause { negate: false, cond: Condition::Queue { id: queue, statuses: statuses.to_vec() } }] },
        ..Default::default()
    };
    let mut got = store.item_ids(project, &query, 0, 100_000).unwrap();
    got.sort();
    got
}

#[test]
fn the_whole_workflow_in_a_local_project_counts_right_at_every_step() {
    let f = fixture();
    let l = local(&f.store, 7);
    let c = collection(&f.store, l, "Found");
    f.store.add_to_collection(l, c, &ids(&[1001, 1002, 1003, 1004, 1005])).unwrap();
    let input = NewQueue { collection_id: c, name: " Batch 1 ".into(), annotators: vec![], reviewers: vec![], tags: vec!["cat".into(), "dog".into()] };
    let q = f.store.create_queue(l, &input).unwrap();
    assert_eq!((q.name.as_str(), &q.annotators[..], &q.reviewers[..]), ("Batch 1", &["you".to_string()][..], &["you".to_string()][..]));
    assert!(q.can_annotate && q.can_review && q.can_manage && !q.closed);
    assert_eq!((q.counts, q.collection_title.as_str()), (counts(5, 0, 0, 0, 0), "Found"));
    assert_eq!(f.store.current_user(l).unwrap(), "you");
    assert_eq!(f.store.project_people(l).unwrap(), ["you"]);
    // The queue follows its collection live.
    f.store.add_to_collection(l, c, &ids(&[1006, 1007])).unwrap();
    assert_eq!(f.store.queue(q.id).unwrap().counts, counts(7, 0, 0, 0, 0));
    let claimed = f.store.claim_queue_items(q.id, 3).unwrap();
    assert_eq!(claimed.iter().map(|i| i.item.id).collect::<Vec<_>>(), [1001, 1002, 1003], "the next pending items in the collection's order");
    assert!(claimed.iter().all(|i| i.entry.status == QueueStatus::Annotating && i.entry.annotator.as_deref() == Some("you")));
    assert_eq!(f.store.queue(q.id).unwrap().counts, counts(4, 3, 0, 0, 0));
    for (n, item) in claimed.iter().enumerate() {
        let q = f.store.submit_queue_item(q.id, item.item.id, &["cat".into()], &[]).unwrap();
        assert_eq!(q.counts, counts(4, 2 - n, n + 1, 0, 0));
    }
    let detail = f.store.item(l, 1001).unwrap().item;
    assert_eq!((detail.tags, detail.labels_count), (vec!["cat".to_string()], 1), "tags and the labeled flag on the item itself");
    let out = f.store.review_queue_items(q.id, &[1001, 1002], true, "").unwrap();
    assert_eq!((out.applied, out.refused.len()), (2, 0));
    let out = f.store.review_queue_items(q.id, &[1003, 1004], false, "blurry").unwrap();
    assert_eq!(out.applied, 1);
    assert_eq!(out.refused.len(), 1);
    assert!(out.refused[0].starts_with("l1004: the item is pending, not submitted"), "{:?}", out.refused);
    assert_eq!(f.store.queue(q.id).unwrap().counts, counts(4, 0, 0, 2, 1));
    let mine = f.store.my_queue_work(q.id).unwrap();
    assert_eq!(mine.iter().map(|i| (i.item.id, i.entry.status, i.entry.comment.as_str())).collect::<Vec<_>>(), [(1003, QueueStatus::Rejected, "blurry")]);
    let page = f.store.queue_items(q.id, Some(QueueStatus::Pending), 1, 2).unwrap();
    assert_eq!((page.total, page.items.iter().map(|i| i.item.id).collect::<Vec<_>>()), (4, vec![1005, 1006]));
    // Move accepted: a new collection of 2, the source drops to 5, the history stays.
    let moved = f.store.move_accepted(q.id, &MoveTarget::New { title: "For training".into() }).unwrap();
    assert_eq!((moved.moved, moved.collection.item_count, moved.collection.title.as_str()), (2, 2, "For training"));
    let source = f.store.collections(l).unwrap().into_iter().find(|x| x.id == c).unwrap();
    assert_eq!(source.item_count, 5);
    let after = f.store.queue(q.id).unwrap();
    assert_eq!(after.counts, counts(4, 0, 0, 2, 1));
    assert_eq!(by_filter(&f.store, l, q.id, &[QueueStatus::Accepted]), [1001, 1002], "accepted in queue Q, after they left");
    let all = f.store.queue_items(q.id, None, 0, 100).unwrap();
    assert_eq!(all.items.iter().map(|i| i.item.id).collect::<Vec<_>>(), [1003, 1004, 1005, 1006, 1007, 1001, 1002], "members first, then history");
    assert_eq!(f.store.outbox().unwrap().len(), 0, "a local project records nothing to push");
    f.store.close_queue(q.id).unwrap();
    let closed = f.store.queue(q.id).unwrap();
    assert!(closed.closed && !closed.can_annotate);
    assert_eq!(closed.counts, counts(0, 0, 0, 2, 1));
}

#[test]
fn roles_closed_queues_and_bad_input_are_refused_in_words_and_change_nothing() {
    let f = fixture();
    act_as(&f, "ann");
    let c = collection(&f.store, f.p, "Source");
    f.store.add_to_collection(f.p, c, &ids(&[1, 2, 3])).unwrap();
    let new = |annotators: &[&str], reviewers: &[&str]| NewQueue {
        collection_id: c,
        name: "Q".into(),
        annotators: annotators.iter().map(|s| s.to_string()).collect(),
        reviewers: reviewers.iter().map(|s| s.to_string()).collect(),
        tags: vec![],
    };
    let q = f.store.create_queue(f.p, &new(&["bob"], &["ann"])).unwrap();
    assert!(!q.can_annotate && q.can_review, "{q:?}");
    let before = f.snapshot();
    let err = f.store.claim_queue_items(q.id, 2).unwrap_err();
    assert_eq!((err.code(), err.to_string().as_str()), (ErrorCode::Forbidden, "you are not an annotator of queue \u{201c}Q\u{201d}; only its annotators claim and submit items"));
    let err = f.store.submit_queue_item(q.id, 1, &[], &[]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
    assert_eq!(f.store.claim_queue_items(q.id, 501).unwrap_err().to_string(), "a claim takes 1 to 500 items; 501 were asked for");
    let err = f.store.review_queue_items(q.id, &[1], true, &"x".repeat(501)).unwrap_err();
    assert_eq!(err.to_string(), "the comment is 501 characters; at most 500 are allowed");
    let err = f.store.create_queue(f.p, &NewQueue { name: "  ".into(), ..new(&[], &[]) }).unwrap_err();
    assert_eq!((err.code(), err.to_string().as_str()), (ErrorCode::InvalidInput, "the queue's name is empty; a queue needs a name"));
    let err = f.store.create_queue(f.q, &NewQueue { collection_id: c, ..new(&[], &[]) }).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound, "a collection of another project");
    assert_eq!(f.snapshot(), before, "refusals changed nothing");
    // Bob claims and submits; ann reviews; each action is one mutation in the outbox.
    act_as(&f, "bob");
    assert_eq!(f.store.claim_queue_items(q.id, 2).unwrap().len(), 2);
    f.store.submit_queue_item(q.id, 1, &["dog".into()], &["cat".into()]).unwrap();
    let err = f.store.review_queue_items(q.id, &[1], true, "").unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
    act_as(&f, "ann");
    assert_eq!(f.store.review_queue_items(q.id, &[1, 2, 99], true, "").unwrap().refused.len(), 2, "item 2 is not submitted, 99 does not exist");
    assert_eq!(f.store.project_people(f.p).unwrap(), ["ann", "bob"]);
    f.store.set_people(f.p, &["carol".into(), "ann".into()]).unwrap();
    assert_eq!(f.store.project_people(f.p).unwrap(), ["ann", "bob", "carol"], "the server's list as last fetched, and everyone a queue names");
    let names: Vec<&str> = f.store.outbox().unwrap().iter().map(|(_, m)| m.name()).collect::<Vec<_>>().leak().to_vec();
    assert_eq!(&names[names.len() - 4..], ["create_queue", "claim_items", "submit_item", "review_item"]);
    match f.store.outbox().unwrap().last().unwrap() {
        (_, Mutation::ReviewItem { item, submission, accept, .. }) => assert_eq!((item.as_str(), *submission, *accept), ("item-1", 1, true)),
        other => panic!("{other:?}"),
    }
    // A viewer manages no queue, but works in one that names them (the server lets them too).
    f.store.write(|tx| Ok(tx.execute("UPDATE sync_projects SET role = 'viewer'", [])?)).unwrap();
    assert!(f.store.close_queue(q.id).unwrap_err().to_string().starts_with("you are a viewer"));
    assert!(f.store.create_queue(f.p, &new(&["ann"], &["ann"])).unwrap_err().to_string().starts_with("you are a viewer"));
    assert!(!f.store.queue(q.id).unwrap().can_manage);
    assert_eq!(f.store.review_queue_items(q.id, &[1], false, "again").unwrap().applied, 0, "item 1 was accepted already");
    act_as(&f, "bob");
    assert_eq!(f.store.claim_queue_items(q.id, 1).unwrap().len(), 1, "a viewer who annotates claims");
    act_as(&f, "ann");
    // Unknown account: said in words.
    act_as(&f, "");
    assert!(f.store.current_user(f.p).unwrap_err().to_string().contains("does not know your account"));
}

#[test]
fn the_summary_counts_each_queue_over_the_filters_matches_without_its_queue_clauses() {
    let f = fixture();
    act_as(&f, "ann");
    let c = collection(&f.store, f.p, "Source");
    f.store.add_to_collection(f.p, c, &ids(&[1, 2, 3, 4])).unwrap();
    let q = f.store.create_queue(f.p, &NewQueue { collection_id: c, name: "Q".into(), annotators: vec!["ann".into()], reviewers: vec![], tags: vec![] }).unwrap();
    f.store.claim_queue_items(q.id, 1).unwrap();
    let cat = Clause { negate: false, cond: Condition::Tags { tags: vec!["cat".into()], mode: trove_protocol::TagMode::Any } };
    let queue = Clause { negate: false, cond: Condition::Queue { id: q.id, statuses: vec![QueueStatus::Annotating] } };
    let s = f.store.summary(f.p, &ItemQuery { filter: Filter { clauses: vec![cat, queue] }, ..Default::default() }).unwrap();
    assert_eq!(s.total, 1, "item 1: cat and annotating");
    assert_eq!(s.queues.len(), 1);
    assert_eq!((s.queues[0].queue_id, s.queues[0].counts), (q.id, counts(1, 1, 0, 0, 0)), "cat items 1, 2; the queue clause left out");
}

#[test]
fn a_pulled_queue_lands_the_echo_writes_nothing_and_pending_work_is_replayed_on_top() {
    use trove_protocol::queue::{SyncQueue, SyncQueueEntry};
    use trove_protocol::sync::PullResponse;
    use trove_protocol::QueueEntry;
    let f = fixture();
    act_as(&f, "ann");
    let c = collection(&f.store, f.p, "Source");
    f.store.add_to_collection(f.p, c, &ids(&[1, 2, 3])).unwrap();
    let cu = f.store.read(|conn| crate::collections::uuid_of(conn, c)).unwrap();
    let acked = f.store.outbox().unwrap().last().unwrap().0;
    let sq = SyncQueue {
        uuid: "q-1".into(),
        id: 42,
        project: "p".into(),
        collection: cu,
        name: "From the server".into(),
        annotators: vec!["ann".into(), "bob".into()],
        reviewers: vec!["rev".into()],
        tags: vec!["cat".into()],
        closed: false,
        created_by: "rev".into(),
        created_at: 1,
        updated_at: 2,
    };
    let entry = |item: &str, status, by: &str, n| SyncQueueEntry {
        queue: "q-1".into(),
        item: item.into(),
        entry: QueueEntry { status, annotator: Some(by.into()), submission: n, comment: String::new(), reviewer: None },
    };
    let mut page = PullResponse {
        cookie: 5, last_mutation_id: acked, reset: false, more: false, datasets: vec![], items: vec![], collections: vec![],
        memberships: vec![], deleted_collections: vec![], rejected: vec![], queues: vec![sq.clone()], queue_entries: vec![entry("item-1", QueueStatus::Annotating, "bob", 0)], views: vec![],
    };
    let applied = f.store.apply_pull(f.p, &page).unwrap();
    assert_eq!(applied.written, 2);
    let q = f.store.queues(f.p).unwrap().pop().unwrap();
    assert_eq!((q.api_id, q.counts, q.can_annotate, q.can_review), (Some(42), counts(2, 1, 0, 0, 0), true, false));
    assert_eq!(f.store.apply_pull(f.p, &page).unwrap().written, 0, "the same rows again write nothing");
    // Ann claims offline (pending), then a page brings bob's submission of item 1 and bob's
    // claim of item 2: ann's replayed claim keeps only item 3.
    let mine = f.store.claim_queue_items(q.id, 2).unwrap();
    assert_eq!(mine.iter().map(|i| i.item.id).collect::<Vec<_>>(), [2, 3]);
    page.queue_entries = vec![entry("item-1", QueueStatus::Done, "bob", 1), entry("item-2", QueueStatus::Annotating, "bob", 0)];
    page.queues.clear();
    assert_eq!(f.store.apply_pull(f.p, &page).unwrap().replayed, 1);
    let work = f.store.my_queue_work(q.id).unwrap();
    assert_eq!(work.iter().map(|i| i.item.id).collect::<Vec<_>>(), [3]);
    assert_eq!(f.store.queue(q.id).unwrap().counts, counts(0, 2, 1, 0, 0));
    // Ann submits item 3 offline, but bob's submission of it reached the server first: her
    // replayed submit is refused and leaves nothing (the first submission wins whole).
    f.store.submit_queue_item(q.id, 3, &["bird".into()], &[]).unwrap();
    page.queue_entries = vec![entry("item-3", QueueStatus::Done, "bob", 1)];
    // The page carries item 3 as bob's submission left it on the server.
    let dataset: String = f.store.read(|c| Ok(c.query_row("SELECT uuid FROM datasets WHERE id = ?1", [f.b], |r| r.get(0))?)).unwrap();
    page.items = vec![trove_protocol::sync::SyncItem {
        no: 0,
        uuid: "item-3".into(),
        dataset,
        kind: trove_protocol::ItemKind::Image,
        name: "gamma.jpg".into(),
        mime: "image/jpeg".into(),
        width: Some(300),
        height: Some(300),
        size: 3000,
        labels_count: 1,
        created_at: 3000,
        updated_at: 9000,
        thumb: None,
        source: "test".into(),
        tags: vec!["dog".into(), "night".into(), "owl".into()],
        content: None,
    }];
    assert_eq!(f.store.apply_pull(f.p, &page).unwrap().replayed, 2, "ann's claim and submit");
    let three = f.store.queue_items(q.id, Some(QueueStatus::Done), 0, 10).unwrap().items.into_iter().find(|i| i.item.id == 3).unwrap();
    assert_eq!((three.entry.annotator.as_deref(), three.entry.submission), (Some("bob"), 1));
    assert_eq!(three.item.tags, ["dog", "night", "owl"], "bob's tags; the refused replay wrote none of ann's");
    assert!(f.store.my_queue_work(q.id).unwrap().is_empty());
    assert_eq!(f.store.queue(q.id).unwrap().counts, counts(0, 1, 2, 0, 0));
    // The collection deleted for good: the queue is closed, its history stays.
    page.queue_entries.clear();
    page.items.clear();
    page.deleted_collections = vec![f.store.read(|conn| crate::collections::uuid_of(conn, c)).unwrap()];
    page.last_mutation_id = f.store.outbox().unwrap().last().unwrap().0;
    f.store.apply_pull(f.p, &page).unwrap();
    let closed = f.store.queue(q.id).unwrap();
    assert!(closed.closed);
    assert_eq!(closed.counts, counts(0, 0, 2, 0, 0));
}

/// One user action of the model test, and what the model says it does.
#[derive(Debug, Clone)]
enum Op {
    Add(Vec<i64>),
    Remove(Vec<i64>),
    Claim(&'static str, u32),
    Submit(&'static str, i64),
    Review(&'static str, i64, bool),
    Close,
    DeleteCollection,
}

/// The rules, written again independently: members in order, entries, closed.
#[derive(Default, Clone)]
struct Model {
    members: Vec<i64>,
    entries: HashMap<i64, (QueueStatus, &'static str, u32)>,
    closed: bool,
    deleted: bool,
}

impl Model {
    fn status(&self, item: i64) -> Option<QueueStatus> {
        let entry = self.entries.get(&item).map(|e| e.0);
        if self.open() && self.members.contains(&item) {
            return Some(entry.unwrap_or(QueueStatus::Pending));
        }
        entry.filter(|s| s.kept_after_removal())
    }

    fn open(&self) -> bool {
        !self.closed && !self.deleted
    }

    /// Applies `op`; `false` when it is refused as a whole.
    fn apply(&mut self, op: &Op) -> bool {
        const ANNOTATORS: [&str; 2] = ["ann", "bob"];
        match op {
            Op::Add(items) => {
                if self.deleted {
                    return false;
                }
                for i in items {
                    if !self.members.contains(i) {
                        self.members.push(*i);
                    }
                }
                true
            }
            Op::Remove(items) => {
                if self.deleted {
                    return false;
                }
                self.members.retain(|m| !items.contains(m));
                true
            }
            Op::Claim(who, n) => {
                if !ANNOTATORS.contains(who) || !self.open() {
                    return false;
                }
                let pending: Vec<i64> = self.members.iter().copied().filter(|i| self.status(*i) == Some(QueueStatus::Pending)).take(*n as usize).collect();
                for i in pending {
                    let n = self.entries.get(&i).map_or(0, |e| e.2);
                    self.entries.insert(i, (QueueStatus::Annotating, who, n));
                }
                true
            }
            Op::Submit(who, item) => {
                let holder = self.entries.get(item).map(|e| e.1);
                let ok = ANNOTATORS.contains(who)
                    && self.open()
                    && match self.status(*item) {
                        Some(QueueStatus::Pending) => true,
                        Some(QueueStatus::Annotating | QueueStatus::Rejected) => holder == Some(*who),
                        _ => false,
                    };
                if ok {
                    let n = self.entries.get(item).map_or(0, |e| e.2);
                    self.entries.insert(*item, (QueueStatus::Done, who, n + 1));
                }
                ok
            }
            Op::Review(who, item, accept) => {
                let ok = *who == "rev" && self.open() && self.status(*item) == Some(QueueStatus::Done);
                if ok {
                    let e = self.entries.get_mut(item).unwrap();
                    e.0 = if *accept { QueueStatus::Accepted } else { QueueStatus::Rejected };
                }
                ok
            }
            Op::Close => {
                self.closed = true;
                true
            }
            Op::DeleteCollection => !std::mem::replace(&mut self.deleted, true),
        }
    }
}

fn legal(from: Option<QueueStatus>, to: Option<QueueStatus>, op: &Op) -> bool {
    use QueueStatus::*;
    match (from, to) {
        (a, b) if a == b => true,
        (None, Some(Pending)) => matches!(op, Op::Add(_)),
        (Some(Pending | Annotating), None) => matches!(op, Op::Remove(_) | Op::Close | Op::DeleteCollection),
        (Some(Pending), Some(Annotating)) => matches!(op, Op::Claim(..)),
        (Some(Pending | Annotating | Rejected), Some(Done)) => matches!(op, Op::Submit(..)),
        (Some(Done), Some(Accepted | Rejected)) => matches!(op, Op::Review(..)),
        // An item that left while annotating and comes back is pending again... only by an add.
        (None, Some(Annotating)) => matches!(op, Op::Add(_)),
        _ => false,
    }
}

#[test]
fn random_work_in_a_queue_only_makes_legal_transitions_and_counts_agree_with_the_filter() {
    let mut took: HashMap<&'static str, usize> = HashMap::new();
    for seed in 0..12u64 {
        let f = fixture();
        more_items(&f, 100, 130);
        act_as(&f, "rev");
        let c = collection(&f.store, f.p, "Source");
        let q = f
            .store
            .create_queue(f.p, &NewQueue { collection_id: c, name: "Q".into(), annotators: vec!["ann".into(), "bob".into()], reviewers: vec!["rev".into()], tags: vec![] })
            .unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut model = Model::default();
        let users = ["ann", "bob", "rev"];
        for step in 0..80 {
            let pick = |rng: &mut rand_chacha::ChaCha8Rng| rng.random_range(100..130i64);
            let op = match rng.random_range(0..100) {
                0..20 => {
                    let mut items: Vec<i64> = Vec::new();
                    for _ in 0..rng.random_range(1..6) {
                        let i = pick(&mut rng);
                        if !items.contains(&i) {
                            items.push(i);
                        }
                    }
                    Op::Add(items)
                }
                20..30 => Op::Remove((0..rng.random_range(1..4)).map(|_| pick(&mut rng)).collect()),
                30..50 => Op::Claim(users[rng.random_range(0..3)], rng.random_range(1..4)),
                50..75 => {
                    // Mostly an item someone holds, submitted by its holder; else anything.
                    let held: Vec<(i64, &'static str)> = model
                        .entries
                        .iter()
                        .filter(|(i, e)| matches!(model.status(**i), Some(QueueStatus::Annotating | QueueStatus::Rejected)) && !e.1.is_empty())
                        .map(|(i, e)| (*i, e.1))
                        .collect();
                    match rng.random_bool(0.7) && !held.is_empty() {
                        true => {
                            let (i, who) = held[rng.random_range(0..held.len())];
                            Op::Submit(who, i)
                        }
                        false => Op::Submit(users[rng.random_range(0..3)], pick(&mut rng)),
                    }
                }
                75..97 => {
                    let done: Vec<i64> = (100..130).filter(|i| model.status(*i) == Some(QueueStatus::Done)).collect();
                    match rng.random_bool(0.7) && !done.is_empty() {
                        true => Op::Review("rev", done[rng.random_range(0..done.len())], rng.random_bool(0.6)),
                        false => Op::Review(users[rng.random_range(0..3)], pick(&mut rng), rng.random_bool(0.6)),
                    }
                }
                97 if step > 40 => Op::Close,
                97..99 => Op::Claim("ann", 1),
                _ => Op::DeleteCollection,
            };
            if std::env::var("MODEL_TRACE").is_ok() { eprintln!("{step}: {op:?} members {:?}", model.members); }
            let before: Vec<Option<QueueStatus>> = (100..130).map(|i| model.status(i)).collect();
            let accepted = model.clone().apply(&op);
            let done = match &op {
                Op::Add(items) => f.store.add_to_collection(f.p, c, &ids(items)).map(|_| ()),
                Op::Remove(items) => f.store.remove_from_collection(f.p, c, &ids(items)).map(|_| ()),
                Op::Claim(who, n) => {
                    act_as(&f, who);
                    f.store.claim_queue_items(q.id, *n).map(|_| ())
                }
                Op::Submit(who, item) => {
                    act_as(&f, who);
                    f.store.submit_queue_item(q.id, *item, &["t".into()], &[]).map(|_| ())
                }
                Op::Review(who, item, accept) => {
                    act_as(&f, who);
                    f.store.review_queue_items(q.id, &[*item], *accept, "").and_then(|o| {
                        if o.applied == 1 { Ok(()) } else { Err(crate::Error::Invalid(o.refused.join("; "))) }
                    })
                }
                Op::Close => f.store.close_queue(q.id),
                Op::DeleteCollection => f.store.delete_collection(c),
            };
            assert_eq!(done.is_ok(), accepted, "seed {seed} step {step}: {op:?} gave {done:?}");
            if accepted {
                *took.entry(format!("{op:?}").split('(').next().unwrap().to_string().leak()).or_default() += 1;
            }
            model.apply(&op);
            let queue: Queue = f.store.queue(q.id).unwrap();
            let all = f.store.queue_items(q.id, None, 0, 1000).unwrap();
            let got: HashMap<i64, QueueStatus> = all.items.iter().map(|i| (i.item.id, i.entry.status)).collect();
            let mut want_counts = QueueCounts::default();
            for (k, item) in (100..130).enumerate() {
                let (from, to) = (before[k], model.status(item));
                assert_eq!(got.get(&item).copied(), to, "seed {seed} step {step} item {item} after {op:?}");
                assert!(legal(from, to, &op), "seed {seed} step {step}: {op:?} moved item {item} from {from:?} to {to:?}");
                if let Some(s) = to {
                    want_counts.add(s, 1);
                }
            }
            assert_eq!(queue.counts, want_counts, "seed {seed} step {step}");
            assert_eq!(queue.counts.total(), all.total);
            for s in QueueStatus::ALL {
                let mut page: Vec<i64> = f.store.queue_items(q.id, Some(s), 0, 1000).unwrap().items.iter().map(|i| i.item.id).collect();
                page.sort();
                assert_eq!(by_filter(&f.store, f.p, q.id, &[s]), page, "seed {seed} step {step}: the filter clause for {s:?}");
            }
            let facet = f.store.summary(f.p, &ItemQuery::default()).unwrap().queues;
            assert_eq!(facet[0].counts, queue.counts);
            let members = if model.deleted { Vec::new() } else { f.members(c) };
            let mut live: Vec<i64> = model.members.clone();
            live.sort();
            let mut members = members;
            members.sort();
            if !model.deleted {
                assert_eq!(members, live, "live membership");
            }
        }
    }
    for kind in ["Add", "Remove", "Claim", "Submit", "Review", "Close", "DeleteCollection"] {
        assert!(took.get(kind).copied().unwrap_or(0) >= 2, "the random runs applied too few {kind}: {took:?}");
    }
}

#[test]
fn claims_and_counts_stay_set_statements_on_a_large_collection() {
    let f = fixture();
    more_items(&f, 100, 20_100);
    act_as(&f, "ann");
    let c = collection(&f.store, f.p, "Big");
    let all = Selection::Matching { query: ItemQuery::default(), except: vec![] };
    f.store.add_to_collection(f.p, c, &all).unwrap();
    let q = f.store.create_queue(f.p, &NewQueue { collection_id: c, name: "Big".into(), annotators: vec!["ann".into()], reviewers: vec![], tags: vec![] }).unwrap();
    let started = std::time::Instant::now();
    assert_eq!(f.store.claim_queue_items(q.id, 500).unwrap().len(), 500);
    let queue = f.store.queue(q.id).unwrap();
    assert_eq!(queue.counts, counts(20_005 - 500, 500, 0, 0, 0));
    assert_eq!(f.store.queue_items(q.id, Some(QueueStatus::Pending), 19_000, 1000).unwrap().total, 19_505);
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
}

#[test]
fn an_item_named_twice_in_a_claim_is_seen_once() {
    let f = fixture();
    act_as(&f, "ann");
    let c = collection(&f.store, f.p, "Source");
    f.store.add_to_collection(f.p, c, &ids(&[1, 2])).unwrap();
    let q = f.store.create_queue(f.p, &NewQueue { collection_id: c, name: "Q".into(), annotators: vec!["ann".into()], reviewers: vec![], tags: vec![] }).unwrap();
    f.store.submit_queue_item(q.id, 1, &[], &[]).unwrap();
    let claim = Mutation::ClaimItems { queue: q.uuid.clone(), items: vec!["item-2".into(), "item-1".into(), "item-1".into()] };
    f.store.write(|tx| crate::replica::replay(tx, f.p, &claim)).unwrap();
    assert_eq!(f.store.queue(q.id).unwrap().counts, counts(0, 1, 1, 0, 0), "the done item stays done");
}
