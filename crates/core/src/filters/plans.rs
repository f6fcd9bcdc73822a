//! The query plan of every filter clause on the cache's real schema: a clause that an index can
//! answer must be answered by it, not by reading every item of the project and testing each.
//! Run with `--nocapture` to see the plans.

use trove_protocol::{Clause, Condition, Filter, ItemQuery, QueueStatus, TagMode};

use crate::testing::fixture;

/// `EXPLAIN QUERY PLAN` of the count the filter bar runs for `cond`, one line per step.
fn plan(conn: &rusqlite::Connection, project: i64, cond: &Condition) -> String {
    let query = ItemQuery { filter: Filter { clauses: vec![Clause { negate: false, cond: cond.clone() }] }, ..Default::default() };
    let body = super::from_where(&super::SCHEMA, project, &query, |_| false);
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN SELECT count(*){}", body.text)).unwrap();
    let steps = stmt.query_map(body.params(), |r| r.get::<_, String>(3)).unwrap();
    steps.map(|s| s.unwrap()).collect::<Vec<_>>().join("\n")
}

#[test]
fn every_clause_an_index_can_answer_reads_that_index() {
    let f = fixture();
    let c = f.store.create_collection(f.p, &trove_protocol::NewCollection { title: "C".into(), description: String::new(), private: false, theme: None }).unwrap();
    // A project as large as a real one: a write this large refreshes the planner's statistics
    // (`trove_sqlite::STATISTICS_AFTER`), as a demo, a first pull or an import does.
    f.store
        .write(|tx| {
            tx.execute(
                "WITH RECURSIVE n(k) AS (SELECT 100 UNION ALL SELECT k + 1 FROM n WHERE k < 25100)
                 INSERT INTO items (id, uuid, project_id, dataset_id, kind, name, mime, size, labels_count, created_at, updated_at, source, tags_text)
                 SELECT k, 'bulk-' || k, ?1, ?2, 'image', 'bulk-' || k || '.jpg', 'image/jpeg', k, 0, k * 1000, k * 1000, 'test', '' FROM n",
                rusqlite::params![f.p, f.b],
            )?;
            // Every bulk item is tagged "bulk", so a rare tag is rare among many tagged items.
            tx.execute("INSERT OR IGNORE INTO tags (project_id, name) VALUES (?1, 'bulk')", [f.p])?;
            tx.execute(
                "INSERT INTO item_tags (item_id, tag_id) SELECT i.id, t.id FROM items i JOIN tags t ON t.project_id = i.project_id AND t.name = 'bulk' WHERE i.id >= 100",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    let tags = |mode| Condition::Tags { tags: vec!["cat".into()], mode };
    // (clause, what its plan must say). A clause that narrows to a few items starts from them
    // (`SEARCH i USING INTEGER PRIMARY KEY`) found through its own index; a range reads its
    // index's range. Clauses that no index can narrow (a negation, tags none, not in any
    // collection, kinds in a one-kind project, width and height) are printed, not asserted.
    const BY_ID: &str = "SEARCH i USING INTEGER PRIMARY KEY (rowid=?)";
    const BY_TAG: &str = "SEARCH fit USING COVERING INDEX item_tags_by_tag (tag_id=?)";
    let cases: Vec<(Condition, &[&str])> = vec![
        (Condition::Datasets { ids: vec![f.a] }, &["SEARCH i USING COVERING INDEX items_by_dataset (project_id=? AND dataset_id=?)"]),
        (Condition::Name { contains: "alpha".into() }, &[BY_ID, "SCAN items_names VIRTUAL TABLE"]),
        (Condition::Tags { tags: vec!["cat".into(), "dog".into()], mode: TagMode::All }, &[BY_ID, BY_TAG]),
        (tags(TagMode::Any), &[BY_ID, BY_TAG]),
        (tags(TagMode::None), &[]),
        (Condition::Labeled { value: true }, &["items_by_labels (project_id=? AND labels_count>?)"]),
        (Condition::Size { min: Some(1500), max: Some(4500) }, &["items_by_size (project_id=? AND size>? AND size<?)"]),
        (Condition::Created { from: Some(1500), to: Some(3500) }, &["items_by_created (project_id=? AND created_at>? AND created_at<?)"]),
        (Condition::Updated { from: Some(1500), to: None }, &["items_by_updated (project_id=? AND updated_at>?)"]),
        (Condition::Collection { id: c.id }, &[BY_ID, "SEARCH fm USING PRIMARY KEY (collection_id=?)"]),
        (Condition::AnyCollection, &[]),
        (Condition::Ids { ids: vec![1, 2] }, &[BY_ID]),
        (Condition::Queue { id: 1, statuses: vec![QueueStatus::Accepted] }, &[BY_ID, "queue_entries_by_status (queue_id=? AND status=?)"]),
        (Condition::Kinds { kinds: vec![trove_protocol::ItemKind::Image] }, &[]),
        (Condition::Width { min: Some(10), max: None }, &[]),
    ];
    let mut wrong = Vec::new();
    f.store
        .read(|conn| {
            for (cond, must) in &cases {
                let plan = plan(conn, f.p, cond);
                println!("{cond:?}\n  {}\n", plan.replace('\n', "\n  "));
                for must in must.iter().filter(|m| !plan.contains(*m)) {
                    wrong.push(format!("{cond:?} does not {must}:\n  {}", plan.replace('\n', "\n  ")));
                }
            }
            Ok(())
        })
        .unwrap();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
