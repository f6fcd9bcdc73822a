//! Reading items: gallery pages by range, ids by range (for Shift-click and box selection),
//! the total and facet counts of a query, and one item's detail.

use rusqlite::{Connection, OptionalExtension};
use trove_protocol::rules::PAGE_MAX;
use trove_protocol::queue::QueueFacet;
use trove_protocol::{CollectionRef, FacetCount, Item, ItemDetail, ItemKind, ItemPage, ItemQuery, ProjectKind, Summary};

use crate::error::{Error, Result};
use crate::filters::{self, Sql};
use trove_filters::Schema;
use crate::projects;

pub use crate::filters::TAG_SEP;

/// The columns [`item`] reads, in order, from `items i`.
pub const COLUMNS: &str = "i.id, i.dataset_id, (SELECT d.name FROM datasets d WHERE d.id = i.dataset_id), i.kind, i.name, \
     i.mime, i.width, i.height, i.size, i.tags_text, i.labels_count, i.created_at, i.updated_at, i.thumb, i.source";

/// An [`Item`] from a row that starts with [`COLUMNS`] (then `m.note` when `with_note`).
pub fn item(r: &rusqlite::Row, with_note: bool) -> rusqlite::Result<Item> {
    let kind: String = r.get(3)?;
    let tags: String = r.get(9)?;
    Ok(Item {
        id: r.get(0)?,
        dataset_id: r.get(1)?,
        dataset_name: r.get(2)?,
        kind: ItemKind::parse(&kind).unwrap_or(ItemKind::Image),
        name: r.get(4)?,
        mime: r.get(5)?,
        width: r.get(6)?,
        height: r.get(7)?,
        size: r.get::<_, i64>(8)? as u64,
        tags: filters::SCHEMA.split_tags(&tags),
        labels_count: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
        thumb: r.get(13)?,
        source: r.get(14)?,
        note: if with_note { r.get(15)? } else { None },
    })
}

/// Checks the query's references (project, open collection) and its filter's values.
pub fn check_query(conn: &Connection, project: i64, query: &ItemQuery) -> Result<()> {
    projects::require(conn, project)?;
    filters::check(&query.filter)?;
    if let Some(c) = query.collection {
        crate::collections::live(conn, c)?;
    }
    Ok(())
}

fn check_range(limit: u32) -> Result<()> {
    if limit > PAGE_MAX {
        return Err(Error::Invalid(format!("page size {limit} is too large; at most {PAGE_MAX} items per page")));
    }
    Ok(())
}

/// The open collection's note on each item of a page (`m` is its order, `member_order`; the
/// note is on the row).
const NOTE: &str = ", (SELECT mn.note FROM memberships mn WHERE mn.collection_id = m.collection_id AND mn.item_id = m.item_id)";

/// The items at `offset..offset + limit` of the query's order.
/// Pages of an unfiltered query that start before this offset are read from SQL alone (see
/// `Store::page`): an `OFFSET` this small costs nothing.
const SHALLOW: u64 = 2_000;

pub fn page(conn: &Connection, project: i64, query: &ItemQuery, offset: u64, limit: u32) -> Result<ItemPage> {
    check_query(conn, project, query)?;
    check_range(limit)?;
    let body = filters::from_where(&filters::planned(conn, query)?, project, query, |_| false);
    let note = if query.collection.is_some() { NOTE } else { "" };
    let mut sql = Sql { text: format!("SELECT {COLUMNS}{note}{}", body.text), params: body.params };
    sql.text.push_str(&filters::order_by(query));
    sql.text.push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
    let mut stmt = conn.prepare(&sql.text)?;
    let with_note = query.collection.is_some();
    let items = stmt.query_map(sql.params(), |r| item(r, with_note))?.collect::<Result<Vec<_>, _>>()?;
    Ok(ItemPage { offset, items })
}

/// The items `ids` names, in that order, as a page of `query` shows them (with the open
/// collection's notes).
pub(crate) fn by_ids(conn: &Connection, project: i64, query: &ItemQuery, ids: &[i64]) -> Result<Vec<Item>> {
    let scope = filters::from_where(&filters::SCHEMA, project, query, |_| true);
    let with_note = query.collection.is_some();
    let note = if with_note { NOTE } else { "" };
    let mut params = scope.params;
    params.push(filters::Param::List(filters::list(ids)));
    let sql = Sql { text: format!("SELECT {COLUMNS}{note}{} AND i.id IN rarray(?)", scope.text), params };
    let mut stmt = conn.prepare(&sql.text)?;
    let mut found: std::collections::HashMap<i64, Item> =
        stmt.query_map(sql.params(), |r| item(r, with_note))?.map(|r| r.map(|i| (i.id, i))).collect::<Result<_, _>>()?;
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// The ids at `offset..offset + limit` of the query's order (no page-size cap: a Shift-click
/// range may span far more than a page, and ids are cheap).
pub fn ids(conn: &Connection, project: i64, query: &ItemQuery, offset: u64, limit: u64) -> Result<Vec<i64>> {
    check_query(conn, project, query)?;
    let body = filters::from_where(&filters::planned(conn, query)?, project, query, |_| false);
    let mut sql = format!("SELECT i.id{}", body.text);
    sql.push_str(&filters::order_by(query));
    sql.push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
    let mut stmt = conn.prepare(&sql)?;
    let ids = stmt.query_map(body.params(), |r| r.get(0))?.collect::<Result<Vec<_>, _>>()?;
    Ok(ids)
}

pub fn count(conn: &Connection, project: i64, query: &ItemQuery) -> Result<u64> {
    count_with(conn, &filters::planned(conn, query)?, project, query)
}

fn count_with(conn: &Connection, schema: &Schema, project: i64, query: &ItemQuery) -> Result<u64> {
    let body = filters::from_where(schema, project, query, |_| false);
    let n: i64 = conn.query_row(&format!("SELECT count(*){}", body.text), body.params(), |r| r.get(0))?;
    Ok(n as u64)
}

/// The query's total and the facet counts of datasets, tags, queues and (hub projects) kinds.
/// Each facet is counted with that facet's own clauses left out, so its numbers say what
/// choosing a value would give.
pub fn summary(conn: &Connection, project: i64, query: &ItemQuery) -> Result<Summary> {
    check_query(conn, project, query)?;
    let schema = filters::planned(conn, query)?;
    let total = count_with(conn, &schema, project, query)?;

    let body = filters::from_where(&schema, project, query, |c| c.cond.facet() == "datasets");
    let mut stmt = conn.prepare(&format!(
        "SELECT d.id, d.name, coalesce(n.count, 0) FROM datasets d
         LEFT JOIN (SELECT i.dataset_id AS id, count(*) AS count{} GROUP BY i.dataset_id) n ON n.id = d.id
         WHERE d.project_id = {project} ORDER BY d.name COLLATE NOCASE",
        body.text
    ))?;
    let datasets = stmt
        .query_map(body.params(), |r| {
            Ok(FacetCount { value: r.get::<_, i64>(0)?.to_string(), label: r.get(1)?, count: r.get::<_, i64>(2)? as u64 })
        })?
        .collect::<Result<Vec<_>, _>>()?;

    let body = if narrows_only(query, "tags") {
        // Nothing but tag clauses: every item of the project counts, so each tag's count is
        // its run in the tag index, not a lookup per item of a list of them all.
        Sql {
            text: "SELECT t.name, count(*) FROM tags t JOIN item_tags it ON it.tag_id = t.id
                   WHERE t.project_id = ? GROUP BY t.id ORDER BY count(*) DESC, t.name"
                .into(),
            params: vec![filters::Param::Value(project.into())],
        }
    } else {
        let body = filters::from_where(&schema, project, query, |c| c.cond.facet() == "tags");
        Sql {
            text: format!(
                "SELECT t.name, count(*) FROM item_tags it JOIN tags t ON t.id = it.tag_id
                 WHERE it.item_id IN (SELECT i.id{}) GROUP BY t.id ORDER BY count(*) DESC, t.name",
                body.text
            ),
            params: body.params,
        }
    };
    let mut stmt = conn.prepare(&body.text)?;
    let tags = stmt
        .query_map(body.params(), |r| {
            let name: String = r.get(0)?;
            Ok(FacetCount { value: name.clone(), label: name, count: r.get::<_, i64>(1)? as u64 })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Summary { total, datasets, tags, queues: queue_facet(conn, project, query)?, kinds: kind_facet(conn, &schema, project, query)? })
}

/// Whether `query` narrows the project only by clauses of `facet`, which that facet's counts
/// leave out: then they count every item of the project.
fn narrows_only(query: &ItemQuery, facet: &str) -> bool {
    query.collection.is_none() && query.filter.clauses.iter().all(|c| c.cond.facet() == facet)
}

/// Each item kind among the query's matches, its kinds clauses left out, most items first. Only
/// hub projects mix kinds (model, dataset, space, paper); the items of any other project are all
/// of the project's one kind, so its facet is empty rather than a scan that says nothing.
fn kind_facet(conn: &Connection, schema: &Schema, project: i64, query: &ItemQuery) -> Result<Vec<FacetCount>> {
    let kind: String = conn.query_row("SELECT kind FROM projects WHERE id = ?1", [project], |r| r.get(0))?;
    if ProjectKind::parse(&kind) != Some(ProjectKind::Hub) {
        return Ok(Vec::new());
    }
    let body = filters::from_where(schema, project, query, |c| c.cond.facet() == "kinds");
    let mut stmt = conn.prepare(&format!("SELECT i.kind, count(*){} GROUP BY i.kind ORDER BY count(*) DESC, i.kind", body.text))?;
    let kinds = stmt
        .query_map(body.params(), |r| {
            let kind: String = r.get(0)?;
            Ok(FacetCount { value: kind.clone(), label: kind, count: r.get::<_, i64>(1)? as u64 })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(kinds)
}

/// Each queue's counts over the items the query matches, its queue clauses left out.
/// (The query's schema is chosen only when the project has queues: most have none.)
fn queue_facet(conn: &Connection, project: i64, query: &ItemQuery) -> Result<Vec<QueueFacet>> {
    let queues = crate::cache::QueueRow::of_project(conn, project)?;
    if queues.is_empty() {
        return Ok(Vec::new());
    }
    let mut matching = filters::from_where(&filters::planned(conn, query)?, project, query, |c| c.cond.facet() == "queue");
    matching.text = format!("SELECT i.id{}", matching.text);
    let mut counts = crate::cache::queue_counts(conn, project, Some(&matching))?;
    Ok(queues.into_iter().map(|q| QueueFacet { queue_id: q.id, counts: counts.remove(&q.id).unwrap_or_default(), name: q.name }).collect())
}

fn get_item(conn: &Connection, project: i64, id: i64) -> Result<Item> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM items i WHERE i.id = ?1 AND i.project_id = ?2"), [id, project], |r| {
        item(r, false)
    })
    .optional()?
    .ok_or(Error::NotFound { what: "item", id })
}

/// One item with the collections that hold it (and its note in each).
pub fn detail(conn: &Connection, downloads: &std::path::Path, project: i64, id: i64) -> Result<ItemDetail> {
    let item = get_item(conn, project, id)?;
    let mut stmt = conn.prepare(
        // From the project's collections, each a look-up of the pair: memberships has no index
        // by item (a bulk add would write it at random places).
        "SELECT c.id, c.title, m.note FROM collections c CROSS JOIN memberships m ON m.collection_id = c.id AND m.item_id = ?1
         WHERE c.project_id = ?2 AND c.deleted_at IS NULL ORDER BY c.title COLLATE NOCASE",
    )?;
    let collections = stmt
        .query_map([id, project], |r| Ok(CollectionRef { id: r.get(0)?, title: r.get(1)?, note: r.get(2)? }))?
        .collect::<Result<Vec<_>, _>>()?;
    let preview = conn.query_row("SELECT preview FROM items WHERE id = ?1", [id], |r| r.get(0))?;
    let (original, original_on_server) = crate::originals::shown(conn, downloads, project, id)?;
    Ok(ItemDetail { item, collections, preview, original, original_on_server })
}

/// Every tag used in the project, for suggestions.
pub fn tags(conn: &Connection, project: i64) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT name FROM tags WHERE project_id = ?1 ORDER BY name")?;
    let rows = stmt.query_map([project], |r| r.get(0))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

impl crate::Store {
    /// The items at `offset..offset + limit` of the query's order (see [`page`]); a filtered
    /// page is found through the index of counts when it can hold the cache.
    pub fn page(&self, project: i64, query: &ItemQuery, offset: u64, limit: u32) -> Result<ItemPage> {
        if query.filter.clauses.is_empty() && offset < SHALLOW {
            // Every item, near the top: SQL's indexed page, in the order the index of counts
            // would give, without waiting for it (the first page of a project that is opening
            // while the index is built).
            return self.read(|c| page(c, project, query, offset, limit));
        }
        self.read_facts(|c, facts| {
            check_query(c, project, query)?;
            check_range(limit)?;
            match facts.map(|f| f.page_ids(c, project, query, offset, limit)).transpose()?.flatten() {
                Some(ids) => Ok(ItemPage { offset, items: by_ids(c, project, query, &ids)? }),
                None => page(c, project, query, offset, limit),
            }
        })
    }

    pub fn item_ids(&self, project: i64, query: &ItemQuery, offset: u64, limit: u64) -> Result<Vec<i64>> {
        self.read(|c| ids(c, project, query, offset, limit))
    }

    /// The query's total and facet counts (see [`summary`]), from the in-memory index of
    /// counts when it can hold the cache.
    pub fn summary(&self, project: i64, query: &ItemQuery) -> Result<Summary> {
        self.read_facts(|c, facts| {
            check_query(c, project, query)?;
            match facts {
                Some(facts) => {
                    let mut summary = facts.summary(c, project, query)?;
                    summary.queues = queue_facet(c, project, query)?;
                    Ok(summary)
                }
                None => summary(c, project, query),
            }
        })
    }

    /// Builds the index of counts now (the first summary would otherwise), e.g. while the UI
    /// loads.
    pub fn warm_counts(&self) -> Result<()> {
        self.read_facts(|conn, facts| match facts {
            Some(facts) => facts.warm(conn),
            None => Ok(()),
        })
    }

    /// The number of items the query matches (see [`Store::summary`]).
    pub fn count(&self, project: i64, query: &ItemQuery) -> Result<u64> {
        self.read_facts(|c, facts| {
            check_query(c, project, query)?;
            match facts {
                Some(facts) => facts.count(c, project, query),
                None => count(c, project, query),
            }
        })
    }

    pub fn tags(&self, project: i64) -> Result<Vec<String>> {
        self.read(|c| tags(c, project))
    }

    /// One item's detail. Its larger preview is whatever was drawn when the item was made (the
    /// demo draws one per picture); none, or one no longer in the thumbnail cache, is left out,
    /// and the panel shows the thumbnail instead. Reading draws nothing.
    pub fn item(&self, project: i64, id: i64) -> Result<ItemDetail> {
        let downloads = self.downloads();
        let mut detail = self.read(|c| detail(c, &downloads, project, id))?;
        if detail.preview.as_deref().is_some_and(|h| !self.thumbs().contains(h)) {
            detail.preview = None;
        }
        Ok(detail)
    }
}

#[cfg(test)]
mod tests {
    use trove_protocol::{Clause, Condition, Filter, ItemKind, ItemQuery, ProjectKind};

    use crate::testing::fixture;

    fn query(conds: Vec<Condition>) -> ItemQuery {
        ItemQuery { filter: Filter { clauses: conds.into_iter().map(|cond| Clause { negate: false, cond }).collect() }, ..Default::default() }
    }

    #[test]
    fn kinds_facet_counts_hub_items_without_its_own_clause() {
        let f = fixture();
        // Make P a hub project: items 1, 2 models; 3 a dataset; 4, 5 papers.
        f.store
            .write(|tx| {
                tx.execute("UPDATE projects SET kind = 'hub' WHERE id = ?1", [f.p])?;
                tx.execute("UPDATE items SET kind = CASE WHEN id <= 2 THEN 'model' WHEN id = 3 THEN 'dataset' ELSE 'paper' END WHERE project_id = ?1", [f.p])?;
                Ok(())
            })
            .unwrap();
        let kinds = |q: &ItemQuery| -> (u64, Vec<(String, u64)>) {
            let s = f.store.summary(f.p, q).unwrap();
            (s.total, s.kinds.iter().map(|k| (k.value.clone(), k.count)).collect())
        };
        let all = [("model".to_string(), 2), ("paper".to_string(), 2), ("dataset".to_string(), 1)];
        assert_eq!(kinds(&ItemQuery::default()), (5, all.to_vec()));
        // Choosing a kind narrows the total, not the kinds facet.
        assert_eq!(kinds(&query(vec![Condition::Kinds { kinds: vec![ItemKind::Paper] }])), (2, all.to_vec()));
        // Another clause narrows it: items 1 and 2 have the tag "cat".
        let cat = Condition::Tags { tags: vec!["cat".into()], mode: trove_protocol::TagMode::Any };
        let kinds_and_cat = query(vec![Condition::Kinds { kinds: vec![ItemKind::Paper] }, cat]);
        assert_eq!(kinds(&kinds_and_cat), (0, vec![("model".to_string(), 2)]));
        // The other facets do leave the kinds clause in.
        let s = f.store.summary(f.p, &kinds_and_cat).unwrap();
        assert!(s.datasets.iter().all(|d| d.count == 0));
    }

    #[test]
    fn kinds_facet_is_empty_outside_hub_projects() {
        let f = fixture();
        assert!(f.store.summary(f.p, &ItemQuery::default()).unwrap().kinds.is_empty());
        let q = f.store.write(|tx| crate::projects::create(tx, "H", ProjectKind::Hub, "")).unwrap();
        assert!(f.store.summary(q, &ItemQuery::default()).unwrap().kinds.is_empty(), "no items, no kinds");
    }
}
