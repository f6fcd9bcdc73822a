//! Compiles the typed [`Filter`] and [`ItemQuery`] into parameterized SQL over `items i`.
//!
//! This is the only place that turns a filter into SQL. Every value is bound, never spliced
//! in; lists go through the `rarray` table-valued function so a filter or selection of any size
//! is one statement.

use std::rc::Rc;

use rusqlite::types::{ToSqlOutput, Value};
use rusqlite::vtab::array::Array;
use rusqlite::ToSql;
use trove_protocol::{Clause, Condition, Filter, ItemQuery, SortKey, TagMode};

use crate::error::{Error, Result};

/// A bound value: a scalar, or a list read through `rarray(?)`.
#[derive(Debug, Clone)]
pub enum Param {
    Value(Value),
    List(Array),
}

impl ToSql for Param {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Param::Value(v) => v.to_sql(),
            Param::List(a) => a.to_sql(),
        }
    }
}

/// A list parameter for `rarray(?)`.
pub fn list<T: Into<Value> + Clone>(values: &[T]) -> Param {
    Param::List(Rc::new(values.iter().cloned().map(Into::into).collect()))
}

/// A piece of SQL and the values its `?` placeholders take, in order.
#[derive(Debug, Default, Clone)]
pub struct Sql {
    pub text: String,
    pub params: Vec<Param>,
}

impl Sql {
    fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    fn bind(&mut self, v: impl Into<Value>) {
        self.text.push('?');
        self.params.push(Param::Value(v.into()));
    }

    fn bind_list<T: Into<Value> + Clone>(&mut self, values: &[T]) {
        self.text.push_str("rarray(?)");
        self.params.push(list(values));
    }

    pub fn params(&self) -> rusqlite::ParamsFromIter<std::slice::Iter<'_, Param>> {
        rusqlite::params_from_iter(self.params.iter())
    }
}

/// Refuses filters that cannot mean anything, naming the bad value.
pub fn check(filter: &Filter) -> Result<()> {
    filter.check()?;
    for clause in &filter.clauses {
        let bad = |msg: String| Err(Error::Invalid(msg));
        match &clause.cond {
            Condition::Datasets { ids } if ids.is_empty() => return bad("the dataset filter names no dataset; pick at least one".into()),
            Condition::Kinds { kinds } if kinds.is_empty() => return bad("the kind filter names no kind; pick at least one".into()),
            Condition::Tags { tags, .. } if tags.is_empty() => return bad("the tag filter names no tag; pick at least one".into()),
            Condition::Tags { tags, .. } => {
                for t in tags {
                    trove_protocol::rules::tag(t)?;
                }
            }
            Condition::Ids { ids } if ids.is_empty() => return bad("\"only selected\" needs a selection; nothing is selected".into()),
            Condition::Size { min: Some(a), max: Some(b) } if a > b => return bad(format!("size range {a}..{b} is empty; the minimum is above the maximum")),
            Condition::Width { min: Some(a), max: Some(b) } if a > b => return bad(format!("width range {a}..{b} is empty; the minimum is above the maximum")),
            Condition::Height { min: Some(a), max: Some(b) } if a > b => return bad(format!("height range {a}..{b} is empty; the minimum is above the maximum")),
            Condition::Created { from: Some(a), to: Some(b) } | Condition::Updated { from: Some(a), to: Some(b) } if a > b => {
                return bad("date range is empty; the start is after the end".into())
            }
            _ => {}
        }
    }
    Ok(())
}

fn range<T: Into<Value> + Copy>(sql: &mut Sql, column: &str, min: Option<T>, max: Option<T>) {
    sql.push("(");
    sql.push(column);
    sql.push(" IS NOT NULL");
    if let Some(min) = min {
        sql.push(" AND ");
        sql.push(column);
        sql.push(" >= ");
        sql.bind(min);
    }
    if let Some(max) = max {
        sql.push(" AND ");
        sql.push(column);
        sql.push(" <= ");
        sql.bind(max);
    }
    sql.push(")");
}

/// `SELECT it.item_id` of items carrying any of `tags` (not correlated with the outer row, so
/// SQLite materializes it once instead of probing per item).
fn tagged_with(sql: &mut Sql, tags: &[String]) {
    sql.push("SELECT it.item_id FROM item_tags it JOIN tags t ON t.id = it.tag_id WHERE t.name IN ");
    sql.bind_list(tags);
}

/// Which collections membership conditions may look at: all of them (the app's own cache holds
/// only what its user may see), or only the listed ones (the server, for one caller).
#[derive(Debug, Clone, Copy, Default)]
pub enum Scope<'a> {
    #[default]
    All,
    Collections(&'a [i64]),
}

fn condition(sql: &mut Sql, cond: &Condition, scope: Scope) {
    match cond {
        Condition::Datasets { ids } => {
            sql.push("i.dataset_id IN ");
            sql.bind_list(ids);
        }
        Condition::Name { contains } => {
            sql.push("instr(lower(i.name), lower(");
            sql.bind(contains.clone());
            sql.push(")) > 0");
        }
        Condition::Kinds { kinds } => {
            sql.push("i.kind IN ");
            sql.bind_list(&kinds.iter().map(|k| k.as_str().to_string()).collect::<Vec<_>>());
        }
        Condition::Tags { tags, mode } => {
            let mut distinct: Vec<String> = tags.iter().map(|t| t.trim().to_string()).collect();
            distinct.sort();
            distinct.dedup();
            sql.push(if *mode == TagMode::None { "i.id NOT IN (" } else { "i.id IN (" });
            tagged_with(sql, &distinct);
            if *mode == TagMode::All {
                sql.push(" GROUP BY it.item_id HAVING count(*) = ");
                sql.bind(distinct.len() as i64);
            }
            sql.push(")");
        }
        Condition::Labeled { value } => sql.push(if *value { "i.labels_count > 0" } else { "i.labels_count = 0" }),
        Condition::Size { min, max } => range(sql, "i.size", min.map(|v| v as i64), max.map(|v| v as i64)),
        Condition::Width { min, max } => range(sql, "i.width", *min, *max),
        Condition::Height { min, max } => range(sql, "i.height", *min, *max),
        Condition::Created { from, to } => range(sql, "i.created_at", *from, *to),
        Condition::Updated { from, to } => range(sql, "i.updated_at", *from, *to),
        Condition::Collection { id } => {
            sql.push("i.id IN (SELECT m2.item_id FROM memberships m2 WHERE m2.collection_id = ");
            sql.bind(*id);
            sql.push(")");
        }
        Condition::AnyCollection => {
            sql.push(
                "i.id IN (SELECT m2.item_id FROM memberships m2 JOIN collections c2 ON c2.id = m2.collection_id \
                 WHERE c2.deleted_at IS NULL",
            );
            if let Scope::Collections(ids) = scope {
                sql.push(" AND c2.id IN ");
                sql.bind_list(ids);
            }
            sql.push(")");
        }
        Condition::Ids { ids } => {
            sql.push("i.id IN ");
            sql.bind_list(ids);
        }
    }
}

/// `AND`-joined conditions of `clauses`, each `NOT`-wrapped when negated. An excluded clause
/// also excludes nothing it cannot judge: `NOT (width >= 100)` keeps items with no width.
pub fn conditions<'a>(sql: &mut Sql, clauses: impl IntoIterator<Item = &'a Clause>, scope: Scope) {
    for clause in clauses {
        sql.push(" AND ");
        if clause.negate {
            sql.push("NOT coalesce((");
            condition(sql, &clause.cond, scope);
            sql.push("), 0)");
        } else {
            sql.push("(");
            condition(sql, &clause.cond, scope);
            sql.push(")");
        }
    }
}

/// `FROM items i [JOIN memberships m] WHERE ...` for a project and a query, leaving out the
/// clauses `skip` says to (used for facet counts).
pub fn from_where(project: i64, query: &ItemQuery, skip: impl Fn(&Clause) -> bool) -> Sql {
    from_where_in(project, query, skip, Scope::All)
}

/// [`from_where`] with membership conditions limited to `scope`'s collections.
pub fn from_where_in(project: i64, query: &ItemQuery, skip: impl Fn(&Clause) -> bool, scope: Scope) -> Sql {
    let mut sql = Sql::default();
    sql.push(" FROM items i");
    if let Some(collection) = query.collection {
        sql.push(" JOIN memberships m ON m.item_id = i.id AND m.collection_id = ");
        sql.bind(collection);
    }
    sql.push(" WHERE i.project_id = ");
    sql.bind(project);
    conditions(&mut sql, query.filter.clauses.iter().filter(|c| !skip(c)), scope);
    sql
}

/// The terms a query is ordered by, most significant first, ending in the item id so the order
/// is total; all of them go in the same direction (`desc`). A keyset cursor is the values of
/// these terms on the last row of a page: the next page is `(terms) > (values)`.
pub fn order_terms(query: &ItemQuery) -> Vec<&'static str> {
    match (query.sort.key, query.collection) {
        (SortKey::Position, Some(_)) => vec!["m.position", "m.item_id"],
        (SortKey::Position, None) | (SortKey::Name, _) => vec!["i.name COLLATE NOCASE", "i.id"],
        (SortKey::Dataset, _) => vec![
            "(SELECT d.name FROM datasets d WHERE d.id = i.dataset_id) COLLATE NOCASE",
            "i.name COLLATE NOCASE",
            "i.id",
        ],
        (SortKey::Size, _) => vec!["i.size", "i.id"],
        (SortKey::Dimensions, _) => vec!["coalesce(i.width * i.height, -1)", "i.id"],
        (SortKey::Tags, _) => vec!["i.tags_text = ''", "i.tags_text", "i.id"],
        (SortKey::Created, _) => vec!["i.created_at", "i.id"],
        (SortKey::Updated, _) => vec!["i.updated_at", "i.id"],
    }
}

/// The `ORDER BY` of a query: its [`order_terms`], each in the sort's direction.
pub fn order_by(query: &ItemQuery) -> String {
    let dir = if query.sort.desc { " DESC" } else { "" };
    let terms: Vec<String> = order_terms(query).iter().map(|t| format!("{t}{dir}")).collect();
    format!(" ORDER BY {}", terms.join(", "))
}

/// `AND (terms) > (?, ?, ...)` (or `<` when descending): the rows after a keyset cursor.
pub fn after(sql: &mut Sql, query: &ItemQuery, values: &[Value]) {
    let terms = order_terms(query);
    sql.push(" AND (");
    sql.push(&terms.join(", "));
    sql.push(if query.sort.desc { ") < (" } else { ") > (" });
    for (k, v) in values.iter().enumerate() {
        if k > 0 {
            sql.push(", ");
        }
        sql.bind(v.clone());
    }
    sql.push(")");
}

#[cfg(test)]
mod tests {
    use trove_protocol::{Sort, TagMode};

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
