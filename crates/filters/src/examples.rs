//! Test support (feature `testing`): one example of every clause, every sort and every facet,
//! and [`run_all`], which compiles each against a [`Schema`] and executes it on a real database.
//! Each side's test runs it on its own migrated schema (`trove-core` on the app's cache,
//! `trove-server` on the server's), so a column either side renames, or a clause this crate
//! adds, fails a test instead of a request.
//!
//! The lists are exhaustive by construction: [`condition_index`] and [`sort_index`] match every
//! variant without a wildcard, so a new `Condition` or `SortKey` does not compile until it is
//! given an example here.

use rusqlite::types::Value;
use rusqlite::Connection;
use trove_protocol::{Clause, Condition, Filter, ItemKind, ItemQuery, QueueStatus, Sort, SortKey, TagMode};

use crate::{after, check, from_where, from_where_in, order_by, order_terms, Schema, Scope};

/// Every facet a summary counts (`Condition::facet`): its clauses are left out of its counts.
pub const FACETS: [&str; 4] = ["datasets", "kinds", "tags", "queue"];

/// The rows the examples name. They need not exist: a statement over rows that are not there
/// still has to compile and run; rows that are there make the cursor examples use real values.
#[derive(Debug, Clone, Copy)]
pub struct Ids {
    pub project: i64,
    pub dataset: i64,
    pub collection: i64,
    pub item: i64,
}

const CONDITIONS: usize = 14;
const SORTS: usize = 8;

/// Which variant a condition is, `0..13`; written without a wildcard, so a new variant is a
/// compile error here until [`conditions`] has an example of it.
pub fn condition_index(cond: &Condition) -> usize {
    match cond {
        Condition::Datasets { .. } => 0,
        Condition::Name { .. } => 1,
        Condition::Kinds { .. } => 2,
        Condition::Tags { .. } => 3,
        Condition::Labeled { .. } => 4,
        Condition::Size { .. } => 5,
        Condition::Width { .. } => 6,
        Condition::Height { .. } => 7,
        Condition::Created { .. } => 8,
        Condition::Updated { .. } => 9,
        Condition::Collection { .. } => 10,
        Condition::AnyCollection => 11,
        Condition::Ids { .. } => 12,
        Condition::Queue { .. } => 13,
    }
}

/// Which sort key, `0..8`; written without a wildcard like [`condition_index`].
pub fn sort_index(key: SortKey) -> usize {
    match key {
        SortKey::Name => 0,
        SortKey::Dataset => 1,
        SortKey::Size => 2,
        SortKey::Dimensions => 3,
        SortKey::Tags => 4,
        SortKey::Created => 5,
        SortKey::Updated => 6,
        SortKey::Position => 7,
    }
}

/// At least one example of every condition (every tag mode, open and closed ranges).
pub fn conditions(ids: Ids) -> Vec<Condition> {
    let tags = |mode| Condition::Tags { tags: vec!["cat".into(), "dog".into()], mode };
    let out = vec![
        Condition::Datasets { ids: vec![ids.dataset, ids.dataset + 1] },
        Condition::Name { contains: "Alpha".into() },
        Condition::Name { contains: "ph".into() },
        Condition::Name { contains: "a \"quoted\" * OR name".into() },
        Condition::Kinds { kinds: vec![ItemKind::Image, ItemKind::Model] },
        tags(TagMode::Any),
        tags(TagMode::All),
        tags(TagMode::None),
        Condition::Labeled { value: true },
        Condition::Labeled { value: false },
        Condition::Size { min: Some(1), max: Some(1 << 40) },
        Condition::Size { min: None, max: Some(10) },
        Condition::Width { min: Some(10), max: None },
        Condition::Height { min: Some(10), max: Some(4000) },
        Condition::Created { from: Some(0), to: None },
        Condition::Updated { from: None, to: Some(i64::MAX) },
        Condition::Collection { id: ids.collection },
        Condition::AnyCollection,
        Condition::Ids { ids: vec![ids.item, ids.item + 1] },
        Condition::Queue { id: 1, statuses: vec![QueueStatus::Pending, QueueStatus::Accepted] },
    ];
    let mut seen = [false; CONDITIONS];
    out.iter().for_each(|c| seen[condition_index(c)] = true);
    assert!(seen.iter().all(|s| *s), "an example of every condition");
    out
}

/// Every condition, plain and negated, one clause each.
pub fn clauses(ids: Ids) -> Vec<Clause> {
    conditions(ids).into_iter().flat_map(|cond| [Clause { negate: false, cond: cond.clone() }, Clause { negate: true, cond }]).collect()
}

/// Every sort key in both directions, over the whole project and inside a collection, each
/// with every clause at once.
pub fn queries(ids: Ids) -> Vec<ItemQuery> {
    let keys = [SortKey::Name, SortKey::Dataset, SortKey::Size, SortKey::Dimensions, SortKey::Tags, SortKey::Created, SortKey::Updated, SortKey::Position];
    let mut seen = [false; SORTS];
    keys.iter().for_each(|k| seen[sort_index(*k)] = true);
    assert!(seen.iter().all(|s| *s), "every sort key");
    let filter = Filter { clauses: clauses(ids).into_iter().filter(|c| !c.negate).collect() };
    let mut out = Vec::new();
    for key in keys {
        for desc in [false, true] {
            for collection in [None, Some(ids.collection)] {
                out.push(ItemQuery { filter: filter.clone(), collection, sort: Sort { key, desc } });
            }
        }
    }
    out
}

fn run(conn: &Connection, text: &str, params: impl rusqlite::Params) -> Result<Vec<Vec<Value>>, String> {
    let mut stmt = conn.prepare(text).map_err(|e| format!("{e}\n  in: {text}"))?;
    let columns = stmt.column_count();
    let rows = stmt
        .query_map(params, |r| (0..columns).map(|k| r.get::<_, Value>(k)).collect::<rusqlite::Result<Vec<_>>>())
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(|e| format!("{e}\n  in: {text}"))?;
    Ok(rows)
}

/// Compiles every example against `schema` and executes it on `conn`: each clause alone (in
/// every scope), each facet's counts, and each sort's first page and the page after it (keyset
/// cursor). Returns how many statements ran; an error names the statement that failed.
pub fn run_all(schema: &Schema, conn: &Connection, ids: Ids) -> Result<usize, String> {
    run_all_with(schema, ids, |text, params| run(conn, text, rusqlite::params_from_iter(params.iter())))
}

/// [`run_all`] with `run` executing each statement and its parameters (on another database
/// than SQLite, say) and returning its rows.
pub fn run_all_with(schema: &Schema, ids: Ids, mut run: impl FnMut(&str, &[crate::Param]) -> Result<Vec<Vec<Value>>, String>) -> Result<usize, String> {
    let id = format!("{}.{}", schema.items.alias, schema.items.id);
    let visible = [ids.collection];
    let mut ran = 0;
    for clause in clauses(ids) {
        let query = ItemQuery { filter: Filter { clauses: vec![clause] }, ..Default::default() };
        check(&query.filter).map_err(|e| e.to_string())?;
        for scope in [Scope::All, Scope::Collections(&visible), Scope::Collections(&[])] {
            let sql = from_where_in(schema, ids.project, &query, |_| false, scope);
            run(&format!("SELECT {id}{}{}", sql.text, order_by(schema, &query)), &sql.params)?;
            ran += 1;
        }
    }
    for query in queries(ids) {
        for facet in FACETS {
            let sql = from_where(schema, ids.project, &query, |c| c.cond.facet() == facet);
            run(&format!("SELECT count(*){}", sql.text), &sql.params)?;
            ran += 1;
        }
        let terms = order_terms(schema, &query);
        let sql = from_where_in(schema, ids.project, &query, |_| false, Scope::Collections(&visible));
        let page = format!("SELECT {id}, {}{}{} LIMIT 2", terms.join(", "), sql.text, order_by(schema, &query));
        let rows = run(&page, &sql.params)?;
        let values = match rows.first() {
            Some(row) => row[1..].to_vec(),
            None => vec![Value::Null; terms.len()],
        };
        let mut next = from_where_in(schema, ids.project, &query, |_| false, Scope::Collections(&visible));
        after(schema, &mut next, &query, &values);
        run(&format!("SELECT {id}{}{} LIMIT 2", next.text, order_by(schema, &query)), &next.params)?;
        ran += 2;
    }
    Ok(ran)
}
