//! `trove-filters`: compiles the typed [`Filter`] and [`ItemQuery`] of `trove-protocol` into
//! parameterized SQL, for any database that describes its tables in a [`Schema`].
//!
//! This is the only code that turns a filter into SQL, for the app's cache (`trove-core`) and
//! the server (`trove-server`) alike; each passes its own schema, so neither has to mirror the
//! other's table or column names. Every value is bound, never spliced in; the only names in the
//! SQL are the schema's, which are `'static` strings of the program. Lists go through the
//! `rarray` table-valued function (`trove_sqlite::list`), so a filter or selection of any size
//! is one statement.
//!
//! With the `testing` feature, [`examples`] lists one example of every clause, sort and facet
//! and runs them all against a real database, so each schema's own test proves that every
//! filter compiles against it.

#[cfg(any(test, feature = "testing"))]
pub mod examples;
mod schema;

use rusqlite::types::{ToSqlOutput, Value};
use rusqlite::vtab::array::Array;
use rusqlite::ToSql;
use trove_protocol::rules::RuleError;
use trove_protocol::{Clause, Condition, Filter, ItemQuery, QueueStatus, SortKey, TagMode};

pub use schema::{Collections, Datasets, ItemTags, Items, Memberships, NameIndex, QueueEntries, Queues, Schema, Tags};

/// A filter refused for what it says, with a message that names the bad value.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Past a shared bound of `trove-protocol` (clauses, values, characters), or a bad tag.
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// A clause that cannot mean anything (an empty list, a range whose ends are swapped).
    #[error("{0}")]
    Invalid(String),
}

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
        self.params.push(Param::List(trove_sqlite::list(values)));
    }

    pub fn params(&self) -> rusqlite::ParamsFromIter<std::slice::Iter<'_, Param>> {
        rusqlite::params_from_iter(self.params.iter())
    }
}

/// Refuses filters that cannot mean anything, naming the bad value.
pub fn check(filter: &Filter) -> Result<(), Error> {
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

/// `SELECT fit.<item>` of items carrying any of `tags` (not correlated with the outer row, so
/// SQLite materializes it once instead of probing per item).
fn tagged_with(s: &Schema, sql: &mut Sql, tags: &[String]) {
    let (it, t) = (&s.item_tags, &s.tags);
    sql.push(&format!(
        "SELECT fit.{} FROM {} fit JOIN {} ft ON ft.{} = fit.{} WHERE ft.{} IN ",
        it.item, it.table, t.table, t.id, it.tag, t.name
    ));
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

fn condition(s: &Schema, sql: &mut Sql, cond: &Condition, scope: Scope) {
    let (m, c) = (&s.memberships, &s.collections);
    match cond {
        Condition::Datasets { ids } => {
            sql.push(&format!("{} IN ", s.item(s.items.dataset)));
            sql.bind_list(ids);
        }
        Condition::Name { contains } => name_contains(s, sql, contains),
        Condition::Kinds { kinds } => {
            sql.push(&format!("{} IN ", s.item(s.items.kind)));
            sql.bind_list(&kinds.iter().map(|k| k.as_str().to_string()).collect::<Vec<_>>());
        }
        Condition::Tags { tags, mode } => {
            let mut distinct: Vec<String> = tags.iter().map(|t| t.trim().to_string()).collect();
            distinct.sort();
            distinct.dedup();
            if *mode == TagMode::All && !distinct.is_empty() {
                // Every tag: one `IN` per tag, each read along the tag's index, so the planner
                // can start from the rarest tag instead of grouping every tagged item.
                sql.push("(");
                for (k, tag) in distinct.iter().enumerate() {
                    if k > 0 {
                        sql.push(" AND ");
                    }
                    sql.push(&format!("{} IN (", s.item(s.items.id)));
                    tagged_with(s, sql, std::slice::from_ref(tag));
                    sql.push(")");
                }
                sql.push(")");
            } else {
                let not = if *mode == TagMode::None { " NOT" } else { "" };
                sql.push(&format!("{}{not} IN (", s.item(s.items.id)));
                tagged_with(s, sql, &distinct);
                if *mode == TagMode::All {
                    sql.push(" AND 0"); // all of no tags: refused by `check`, matches nothing here
                }
                sql.push(")");
            }
        }
        Condition::Labeled { value } => {
            sql.push(&s.item(s.items.labels_count));
            sql.push(if *value { " > 0" } else { " = 0" });
        }
        Condition::Size { min, max } => range(sql, &s.item(s.items.size), min.map(|v| v as i64), max.map(|v| v as i64)),
        Condition::Width { min, max } => range(sql, &s.item(s.items.width), *min, *max),
        Condition::Height { min, max } => range(sql, &s.item(s.items.height), *min, *max),
        Condition::Created { from, to } => range(sql, &s.item(s.items.created_at), *from, *to),
        Condition::Updated { from, to } => range(sql, &s.item(s.items.updated_at), *from, *to),
        Condition::Collection { id } => {
            sql.push(&format!("{} IN (SELECT fm.{} FROM {} fm WHERE fm.{} = ", s.item(s.items.id), m.item, m.table, m.collection));
            sql.bind(*id);
            sql.push(")");
        }
        Condition::AnyCollection => {
            sql.push(&format!(
                "{} IN (SELECT fm.{} FROM {} fm JOIN {} fc ON fc.{} = fm.{} WHERE fc.{} IS NULL",
                s.item(s.items.id),
                m.item,
                m.table,
                c.table,
                c.id,
                m.collection,
                c.deleted_at
            ));
            if let Scope::Collections(ids) = scope {
                sql.push(&format!(" AND fc.{} IN ", c.id));
                sql.bind_list(ids);
            }
            sql.push(")");
        }
        Condition::Ids { ids } => {
            sql.push(&format!("{} IN ", s.item(s.items.id)));
            sql.bind_list(ids);
        }
        Condition::Queue { id, statuses } => queue_status(s, sql, *id, statuses),
    }
}

/// Items whose name holds `text`, ignoring ASCII case. With a name index and a text of 3
/// characters or more (a trigram index cannot answer fewer), the index finds the candidates
/// and the same `instr` test as without it decides, so both mean the same.
fn name_contains(s: &Schema, sql: &mut Sql, text: &str) {
    if let (Some(names), true) = (s.names, text.chars().count() >= 3) {
        sql.push(&format!("{} IN (SELECT rowid FROM {} WHERE {} MATCH ", s.item(s.items.id), names.table, names.table));
        sql.bind(fts_string(text));
        sql.push(") AND ");
    }
    sql.push(&format!("instr(lower({}), lower(", s.item(s.items.name)));
    sql.bind(text.to_string());
    sql.push(")) > 0");
}

/// The statements that bring the schema's name index up to date with its pending table (see
/// [`NameIndex`]): drop what renamed or deleted items had indexed, index every pending item
/// that exists, in id order (FTS5 appends in rowid order cheaply), empty the pending table.
/// Run in the writing transaction before it commits (`trove_sqlite::Pool::open_with_upkeep`),
/// so every reader sees an index that matches the items. `None` without a name index.
pub fn name_upkeep(s: &Schema) -> Option<String> {
    let n = s.names?;
    let i = &s.items;
    Some(format!(
        "INSERT INTO {t} ({t}, rowid, {name}) SELECT 'delete', id, old_name FROM {p} WHERE fresh = 0 ORDER BY id;
         INSERT INTO {t} (rowid, {name}) SELECT x.{id}, x.{name} FROM {p} p JOIN {items} x ON x.{id} = p.id ORDER BY p.id;
         DELETE FROM {p};",
        t = n.table,
        p = n.pending,
        name = i.name,
        id = i.id,
        items = i.table
    ))
}

/// `schema` as `query` is best compiled with: without its name index when one of the query's
/// name searches is held by so many names (a quarter of the table, and at least 10,000) that
/// looking each one up costs more than testing every name of the project, as for `jpg` or
/// `img_` in a catalog of `img_NNNN.jpg`; with it otherwise. The answer is the same either way
/// (see [`NameIndex`]); only the time differs. Costs one index read of at most that many rows
/// per name search.
pub fn planned(conn: &rusqlite::Connection, schema: &Schema, query: &ItemQuery) -> rusqlite::Result<Schema> {
    let Some(names) = schema.names else { return Ok(*schema) };
    let texts: Vec<&str> = query
        .filter
        .clauses
        .iter()
        .filter_map(|c| match &c.cond {
            Condition::Name { contains } if contains.chars().count() >= 3 => Some(contains.as_str()),
            _ => None,
        })
        .collect();
    if texts.is_empty() {
        return Ok(*schema);
    }
    let size: i64 = conn.query_row(&format!("SELECT coalesce(max({}), 0) FROM {}", schema.items.id, schema.items.table), [], |r| r.get(0))?;
    let enough = (size / 4).max(10_000);
    let probe = format!("SELECT count(*) FROM (SELECT 1 FROM {t} WHERE {t} MATCH ?1 LIMIT ?2)", t = names.table);
    for text in texts {
        let hits: i64 = conn.query_row(&probe, rusqlite::params![fts_string(text), enough], |r| r.get(0))?;
        if hits >= enough {
            return Ok(Schema { names: None, ..*schema });
        }
    }
    Ok(*schema)
}

/// `text` as one FTS5 string: in double quotes, each inner double quote doubled. Inside it
/// nothing else is syntax (`*`, `:`, `^`, `AND`, parentheses are literal).
pub fn fts_string(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// `item IN (the items with one of `statuses` in queue `queue`)`, by the rule of
/// `trove_protocol::queue`: a live member of the source collection of an open queue is in it
/// (`pending` without an entry), an entry of another item counts only when it is history.
fn queue_status(s: &Schema, sql: &mut Sql, queue: i64, statuses: &[QueueStatus]) {
    let (m, c, q, e) = (&s.memberships, &s.collections, &s.queues, &s.queue_entries);
    let kept: Vec<String> = QueueStatus::ALL.iter().filter(|st| st.kept_after_removal()).map(|st| st.as_str().to_string()).collect();
    let wanted: Vec<String> = statuses.iter().filter(|st| **st != QueueStatus::Pending).map(|st| st.as_str().to_string()).collect();
    // The live members of the queue's collection while the queue is open.
    let members = |sql: &mut Sql| {
        sql.push(&format!(
            "SELECT qm.{} FROM {} qm JOIN {} qq ON qq.{} = qm.{} JOIN {} qc ON qc.{} = qq.{} WHERE qq.{} = ",
            m.item, m.table, q.table, q.collection, m.collection, c.table, c.id, q.collection, q.id
        ));
        sql.bind(queue);
        sql.push(&format!(" AND qq.{} = 0 AND qc.{} IS NULL", q.closed, c.deleted_at));
    };
    sql.push(&format!("{} IN (SELECT qe.{} FROM {} qe WHERE qe.{} = ", s.item(s.items.id), e.item, e.table, e.queue));
    sql.bind(queue);
    sql.push(&format!(" AND qe.{} IN ", e.status));
    sql.bind_list(&wanted);
    sql.push(&format!(" AND (qe.{} IN ", e.status));
    sql.bind_list(&kept);
    sql.push(&format!(" OR qe.{} IN (", e.item));
    members(sql);
    sql.push("))");
    if statuses.contains(&QueueStatus::Pending) {
        sql.push(" UNION ");
        members(sql);
        sql.push(&format!(" AND qm.{} NOT IN (SELECT qx.{} FROM {} qx WHERE qx.{} = ", m.item, e.item, e.table, e.queue));
        sql.bind(queue);
        sql.push(&format!(" AND qx.{} <> 'pending')", e.status));
    }
    sql.push(")");
}

/// `AND`-joined conditions of `clauses`, each `NOT`-wrapped when negated. An excluded clause
/// also excludes nothing it cannot judge: `NOT (width >= 100)` keeps items with no width.
pub fn conditions<'a>(schema: &Schema, sql: &mut Sql, clauses: impl IntoIterator<Item = &'a Clause>, scope: Scope) {
    for clause in clauses {
        sql.push(" AND ");
        if clause.negate {
            sql.push("NOT coalesce((");
            condition(schema, sql, &clause.cond, scope);
            sql.push("), false)");
        } else {
            sql.push("(");
            condition(schema, sql, &clause.cond, scope);
            sql.push(")");
        }
    }
}

/// `FROM items i [JOIN memberships m] WHERE ...` for a project and a query, leaving out the
/// clauses `skip` says to (used for facet counts).
pub fn from_where(schema: &Schema, project: i64, query: &ItemQuery, skip: impl Fn(&Clause) -> bool) -> Sql {
    from_where_in(schema, project, query, skip, Scope::All)
}

/// [`from_where`] with membership conditions limited to `scope`'s collections.
pub fn from_where_in(schema: &Schema, project: i64, query: &ItemQuery, skip: impl Fn(&Clause) -> bool, scope: Scope) -> Sql {
    let (i, m) = (&schema.items, &schema.memberships);
    let mut sql = Sql::default();
    sql.push(&format!(" FROM {} {}", i.table, i.alias));
    if let Some(collection) = query.collection {
        sql.push(&format!(
            " JOIN {} {} ON {} = {} AND {} = ",
            m.table,
            m.alias,
            schema.member(m.item),
            schema.item(i.id),
            schema.member(m.collection)
        ));
        sql.bind(collection);
    }
    sql.push(&format!(" WHERE {} = ", schema.item(i.project)));
    sql.bind(project);
    conditions(schema, &mut sql, query.filter.clauses.iter().filter(|c| !skip(c)), scope);
    sql
}

/// The terms a query is ordered by, most significant first, ending in the item id so the order
/// is total; all of them go in the same direction (`desc`). A keyset cursor is the values of
/// these terms on the last row of a page: the next page is `(terms) > (values)`.
pub fn order_terms(schema: &Schema, query: &ItemQuery) -> Vec<String> {
    let (s, i) = (schema, &schema.items);
    let id = s.item(i.id);
    let name = format!("{} COLLATE NOCASE", s.item(i.name));
    match (query.sort.key, query.collection) {
        (SortKey::Position, Some(_)) => vec![s.member(s.memberships.position), s.member(s.memberships.item)],
        (SortKey::Position, None) | (SortKey::Name, _) => vec![name, id],
        (SortKey::Dataset, _) => {
            let d = &s.datasets;
            let dataset = format!("(SELECT fd.{} FROM {} fd WHERE fd.{} = {}) COLLATE NOCASE", d.name, d.table, d.id, s.item(i.dataset));
            vec![dataset, name, id]
        }
        (SortKey::Size, _) => vec![s.item(i.size), id],
        (SortKey::Dimensions, _) => vec![format!("coalesce({} * {}, -1)", s.item(i.width), s.item(i.height)), id],
        (SortKey::Tags, _) => vec![format!("(CASE WHEN {} = '' THEN 1 ELSE 0 END)", s.item(i.tags_text)), s.item(i.tags_text), id],
        (SortKey::Created, _) => vec![s.item(i.created_at), id],
        (SortKey::Updated, _) => vec![s.item(i.updated_at), id],
    }
}

/// The `ORDER BY` of a query: its [`order_terms`], each in the sort's direction.
pub fn order_by(schema: &Schema, query: &ItemQuery) -> String {
    let dir = if query.sort.desc { " DESC" } else { "" };
    let terms: Vec<String> = order_terms(schema, query).iter().map(|t| format!("{t}{dir}")).collect();
    format!(" ORDER BY {}", terms.join(", "))
}

/// `AND (terms) > (?, ?, ...)` (or `<` when descending): the rows after a keyset cursor.
pub fn after(schema: &Schema, sql: &mut Sql, query: &ItemQuery, values: &[Value]) {
    let terms = order_terms(schema, query);
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
mod tests;
