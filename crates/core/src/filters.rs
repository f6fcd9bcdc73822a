//! The app's side of the filter compiler (`trove-filters`): [`SCHEMA`], the names the cache's
//! migrations give items, datasets, tags, memberships and collections, and the compiler's
//! functions bound to it. Every value is bound, never spliced in; lists go through `rarray(?)`
//! ([`list`]), so a filter or selection of any size is one statement.

use trove_filters::{Collections, Datasets, ItemTags, Items, Memberships, NameIndex, QueueEntries, Queues, Schema, Tags};
use trove_protocol::{Clause, Filter, ItemQuery};

/// Separates tags in `items.tags_text` (tags cannot contain control characters).
pub const TAG_SEP: char = '\u{1f}';

pub use trove_filters::{Param, Scope, Sql};
pub use trove_sqlite::list;

use crate::error::{Error, Result};

/// The cache's tables as the filter compiler reads them (`migrations/001_init.sql`).
pub const SCHEMA: Schema = Schema {
    items: Items {
        table: "items",
        alias: "i",
        id: "id",
        project: "project_id",
        dataset: "dataset_id",
        name: "name",
        kind: "kind",
        size: "size",
        width: "width",
        height: "height",
        labels_count: "labels_count",
        created_at: "created_at",
        updated_at: "updated_at",
        tags_text: "tags_text",
    },
    datasets: Datasets { table: "datasets", id: "id", name: "name" },
    item_tags: ItemTags { table: "item_tags", item: "item_id", tag: "tag_id" },
    tags: Tags { table: "tags", id: "id", name: "name" },
    memberships: Memberships { table: "member_order", alias: "m", collection: "collection_id", item: "item_id", position: "position" },
    collections: Collections { table: "collections", id: "id", deleted_at: "deleted_at" },
    queues: Queues { table: "queues", id: "id", collection: "collection_id", closed: "closed" },
    queue_entries: QueueEntries { table: "queue_entries", queue: "queue_id", item: "item_id", status: "status" },
    // `migrations/005_names.sql`: a trigram index of `items.name`, caught up before every commit.
    names: Some(NameIndex { table: "items_names", pending: "items_names_pending" }),
    tag_sep: TAG_SEP,
};

impl From<trove_filters::Error> for Error {
    fn from(e: trove_filters::Error) -> Self {
        match e {
            trove_filters::Error::Rule(e) => Error::Rule(e),
            trove_filters::Error::Invalid(message) => Error::Invalid(message),
        }
    }
}

/// Refuses filters that cannot mean anything, naming the bad value.
pub fn check(filter: &Filter) -> Result<()> {
    Ok(trove_filters::check(filter)?)
}

/// `FROM items i [JOIN member_order m] WHERE ...` for a project and a query, compiled with
/// `schema` (the cache's [`SCHEMA`] as [`planned`] chose it for the query), leaving out the
/// clauses `skip` says to (used for facet counts).
pub fn from_where(schema: &Schema, project: i64, query: &ItemQuery, skip: impl Fn(&Clause) -> bool) -> Sql {
    trove_filters::from_where(schema, project, query, skip)
}

/// The cache's schema as the query is best compiled with (`trove_filters::planned`: without the
/// name index for a search that most names hold).
pub fn planned(conn: &rusqlite::Connection, query: &ItemQuery) -> rusqlite::Result<Schema> {
    trove_filters::planned(conn, &SCHEMA, query)
}

/// The `ORDER BY` of a query.
pub fn order_by(query: &ItemQuery) -> String {
    trove_filters::order_by(&SCHEMA, query)
}

#[cfg(test)]
mod plans;

#[cfg(test)]
mod tests {
    use trove_protocol::{Condition, Sort, SortKey, TagMode};

    use super::*;
    use crate::testing::{fixture, ids, Fixture};

    fn clause(cond: Condition) -> Clause {
        Clause { negate: false, cond }
    }

    fn not(cond: Condition) -> Clause {
        Clause { negate: true, cond }
    }

    /// The ids `clauses` match in project P, sorted by id (name order is checked separately).
    fn check(f: &Fixture, clauses: Vec<Clause>, want: &[i64]) {
        let query = ItemQuery { filter: Filter { clauses: clauses.clone() }, ..Default::default() };
        let mut got = f.ids(&query);
        got.sort();
        assert_eq!(got, want, "filter {clauses:?}");
        let total = f.store.summary(f.p, &query).unwrap().total;
        assert_eq!(total, want.len() as u64, "count of {clauses:?}");
    }

    #[test]
    fn every_clause_sort_and_facet_compiles_and_runs_against_the_caches_schema() {
        let f = fixture();
        let c = f.store.create_collection(f.p, &trove_protocol::NewCollection { title: "C".into(), description: String::new(), private: false, theme: None }).unwrap();
        f.store.add_to_collection(f.p, c.id, &ids(&[1, 3])).unwrap();
        let ran = f
            .store
            .read(|conn| Ok(trove_filters::examples::run_all(&SCHEMA, conn, trove_filters::examples::Ids { project: f.p, dataset: f.a, collection: c.id, item: 1 })))
            .unwrap()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(ran > 100, "{ran} statements");
    }

    #[test]
    fn the_filter_bar_refuses_a_filter_past_its_bounds_as_the_server_does() {
        let f = fixture();
        let many = ItemQuery { filter: Filter { clauses: vec![clause(Condition::AnyCollection); 1000] }, ..Default::default() };
        let err = f.store.summary(f.p, &many).unwrap_err();
        assert_eq!(err.to_string(), "1000 clauses in one filter; at most 50 are allowed");
        let err = f.store.page(f.p, &many, 0, 10).unwrap_err();
        assert_eq!(err.to_string(), "1000 clauses in one filter; at most 50 are allowed");
        let long = ItemQuery { filter: Filter { clauses: vec![clause(Condition::Name { contains: "x".repeat(201) })] }, ..Default::default() };
        assert!(f.store.summary(f.p, &long).is_err());
        let fifty = ItemQuery { filter: Filter { clauses: vec![clause(Condition::Labeled { value: true }); 50] }, ..Default::default() };
        assert!(f.store.summary(f.p, &fifty).is_ok());
    }

    #[test]
    fn every_field_includes_and_excludes_as_checked_by_hand() {
        let f = fixture();
        let (a, b) = (f.a, f.b);
        check(&f, vec![], &[1, 2, 3, 4, 5]);
        check(&f, vec![clause(Condition::Datasets { ids: vec![a] })], &[1, 2]);
        check(&f, vec![not(Condition::Datasets { ids: vec![a] })], &[3, 4, 5]);
        check(&f, vec![clause(Condition::Datasets { ids: vec![a, b] })], &[1, 2, 3, 4, 5]);
        check(&f, vec![clause(Condition::Name { contains: "ALPHA".into() })], &[1]);
        check(&f, vec![clause(Condition::Name { contains: ".jpg".into() })], &[1, 3, 4, 5]);
        check(&f, vec![not(Condition::Name { contains: ".jpg".into() })], &[2]);
        check(&f, vec![clause(Condition::Name { contains: "%".into() })], &[]);
        check(&f, vec![clause(Condition::Kinds { kinds: vec![trove_protocol::ItemKind::Image] })], &[1, 2, 3, 4, 5]);
        check(&f, vec![not(Condition::Kinds { kinds: vec![trove_protocol::ItemKind::Model] })], &[1, 2, 3, 4, 5]);
        let tags = |t: &[&str], mode| Condition::Tags { tags: t.iter().map(|s| s.to_string()).collect(), mode };
        check(&f, vec![clause(tags(&["cat"], TagMode::Any))], &[1, 2]);
        check(&f, vec![clause(tags(&["cat", "night"], TagMode::Any))], &[1, 2, 3]);
        check(&f, vec![clause(tags(&["cat", "dog"], TagMode::All))], &[2]);
        check(&f, vec![clause(tags(&["cat", "cat", "dog"], TagMode::All))], &[2]);
        check(&f, vec![clause(tags(&["cat", "dog"], TagMode::None))], &[4, 5]);
        check(&f, vec![not(tags(&["cat"], TagMode::Any))], &[3, 4, 5]);
        check(&f, vec![not(tags(&["cat", "dog"], TagMode::All))], &[1, 3, 4, 5]);
        check(&f, vec![clause(tags(&["unknown"], TagMode::Any))], &[]);
        check(&f, vec![clause(Condition::Labeled { value: true })], &[2, 3, 5]);
        check(&f, vec![clause(Condition::Labeled { value: false })], &[1, 4]);
        check(&f, vec![not(Condition::Labeled { value: true })], &[1, 4]);
        check(&f, vec![clause(Condition::Size { min: Some(2000), max: Some(4000) })], &[2, 3, 4]);
        check(&f, vec![clause(Condition::Size { min: None, max: Some(1999) })], &[1]);
        check(&f, vec![not(Condition::Size { min: Some(2000), max: None })], &[1]);
        check(&f, vec![clause(Condition::Width { min: Some(200), max: Some(300) })], &[2, 3]);
        check(&f, vec![not(Condition::Width { min: Some(200), max: None })], &[1, 5]);
        check(&f, vec![clause(Condition::Height { min: Some(100), max: None })], &[2, 3, 4]);
        check(&f, vec![not(Condition::Height { min: None, max: Some(100) })], &[3, 4, 5]);
        check(&f, vec![clause(Condition::Created { from: Some(2000), to: Some(3000) })], &[2, 3]);
        check(&f, vec![not(Condition::Updated { from: Some(4000), to: None })], &[1, 2, 3]);
        check(&f, vec![clause(Condition::Ids { ids: vec![2, 4, 6] })], &[2, 4]);
        check(&f, vec![not(Condition::Ids { ids: vec![2, 4] })], &[1, 3, 5]);
        // AND of several clauses.
        check(
            &f,
            vec![clause(Condition::Datasets { ids: vec![b] }), clause(Condition::Labeled { value: true }), not(tags(&["blurry"], TagMode::Any))],
            &[3],
        );
    }

    #[test]
    fn collection_membership_filters() {
        let f = fixture();
        let c = f.store.create_collection(f.p, &trove_protocol::NewCollection { title: "C".into(), description: String::new(), private: false, theme: None }).unwrap();
        let d = f.store.create_collection(f.p, &trove_protocol::NewCollection { title: "D".into(), description: String::new(), private: false, theme: None }).unwrap();
        f.store.add_to_collection(f.p, c.id, &ids(&[1, 3])).unwrap();
        f.store.add_to_collection(f.p, d.id, &ids(&[4])).unwrap();
        check(&f, vec![clause(Condition::Collection { id: c.id })], &[1, 3]);
        check(&f, vec![not(Condition::Collection { id: c.id })], &[2, 4, 5]);
        check(&f, vec![clause(Condition::AnyCollection)], &[1, 3, 4]);
        check(&f, vec![not(Condition::AnyCollection)], &[2, 5]);
        // A deleted collection no longer counts as "in a collection".
        f.store.delete_collection(d.id).unwrap();
        check(&f, vec![not(Condition::AnyCollection)], &[2, 4, 5]);
    }

    #[test]
    fn sorts_are_total_and_reversible() {
        let f = fixture();
        let order = |key, desc| f.ids(&ItemQuery { sort: Sort { key, desc }, ..Default::default() });
        assert_eq!(order(SortKey::Name, false), [1, 2, 4, 5, 3], "name, case-insensitive");
        assert_eq!(order(SortKey::Name, true), [3, 5, 4, 2, 1]);
        assert_eq!(order(SortKey::Size, true), [5, 4, 3, 2, 1]);
        assert_eq!(order(SortKey::Dataset, false), [1, 2, 4, 5, 3]);
        assert_eq!(order(SortKey::Dimensions, false), [5, 1, 2, 4, 3]);
        assert_eq!(order(SortKey::Tags, false), [5, 1, 2, 3, 4], "blurry, cat, cat+dog, dog+night, then untagged");
        assert_eq!(order(SortKey::Updated, true), [5, 4, 3, 2, 1]);
        // Pages by range agree with the full order.
        let q = ItemQuery::default();
        let page = f.store.page(f.p, &q, 2, 2).unwrap();
        assert_eq!(page.items.iter().map(|i| i.id).collect::<Vec<_>>(), [4, 5]);
        assert_eq!(page.items[0].tags, Vec::<String>::new());
        assert_eq!(f.store.page(f.p, &q, 1, 1).unwrap().items[0].tags, ["cat", "dog"]);
    }

    #[test]
    fn facets_leave_out_their_own_clauses() {
        let f = fixture();
        let q = ItemQuery {
            filter: Filter {
                clauses: vec![
                    clause(Condition::Datasets { ids: vec![f.a] }),
                    clause(Condition::Tags { tags: vec!["cat".into()], mode: TagMode::Any }),
                ],
            },
            ..Default::default()
        };
        let s = f.store.summary(f.p, &q).unwrap();
        assert_eq!(s.total, 2);
        // Datasets counted with the tag clause only: cat items are 1 and 2, both in A.
        let ds: Vec<(String, u64)> = s.datasets.iter().map(|d| (d.label.clone(), d.count)).collect();
        assert_eq!(ds, [("A".to_string(), 2), ("B".to_string(), 0)]);
        // Tags counted with the dataset clause only: items 1, 2.
        let tags: Vec<(String, u64)> = s.tags.iter().map(|t| (t.value.clone(), t.count)).collect();
        assert_eq!(tags, [("cat".to_string(), 2), ("dog".to_string(), 1)]);
    }

    #[test]
    fn the_tag_facet_reads_the_tag_index_when_nothing_else_narrows_and_says_the_same() {
        let f = fixture();
        let tags = |q: &ItemQuery| -> Vec<(String, u64)> { f.store.summary(f.p, q).unwrap().tags.iter().map(|t| (t.value.clone(), t.count)).collect() };
        let all = |v: &[(&str, u64)]| v.iter().map(|(t, n)| (t.to_string(), *n)).collect::<Vec<_>>();
        // No filter, or only tag clauses: every item of P counts (Q's "cat" on item 6 does not).
        let every = all(&[("cat", 2), ("dog", 2), ("blurry", 1), ("night", 1)]);
        assert_eq!(tags(&ItemQuery::default()), every);
        let only_tags = ItemQuery { filter: Filter { clauses: vec![not(Condition::Tags { tags: vec!["dog".into()], mode: TagMode::Any })] }, ..Default::default() };
        assert_eq!(tags(&only_tags), every);
        // The same counts through the general path: a clause that keeps every item of P.
        let keeps_all = ItemQuery { filter: Filter { clauses: vec![clause(Condition::Size { min: Some(0), max: None })] }, ..Default::default() };
        assert_eq!(tags(&keeps_all), every);
    }

    #[test]
    fn refuses_meaningless_filters_with_a_message() {
        let f = fixture();
        let bad = |cond: Condition| {
            let q = ItemQuery { filter: Filter { clauses: vec![clause(cond)] }, ..Default::default() };
            f.store.page(f.p, &q, 0, 10).unwrap_err().to_string()
        };
        assert_eq!(bad(Condition::Size { min: Some(5), max: Some(1) }), "size range 5..1 is empty; the minimum is above the maximum");
        assert!(bad(Condition::Datasets { ids: vec![] }).contains("names no dataset"));
        assert!(bad(Condition::Tags { tags: vec!["  ".into()], mode: TagMode::Any }).contains("tag is empty"));
        let too_big = f.store.page(f.p, &ItemQuery::default(), 0, 5000).unwrap_err().to_string();
        assert_eq!(too_big, "page size 5000 is too large; at most 1000 items per page");
        // An unknown field in the wire form is refused by serde, naming it.
        let err = serde_json::from_str::<Filter>(r#"{"clauses":[{"negate":false,"cond":{"field":"colour","value":"red"}}]}"#).unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
    }
}
