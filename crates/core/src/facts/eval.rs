//! A query's total and facet counts from the index: each clause becomes a bitmap of the items
//! it keeps; the total intersects them all, and each facet intersects all but its own.

use std::collections::HashMap;

use roaring::RoaringBitmap;
use rusqlite::Connection;
use trove_protocol::{Clause, Condition, FacetCount, Filter, ItemQuery, ProjectKind, Summary, TagMode};

use super::{key, Facts, Row, NONE};
use crate::error::Result;
use crate::filters::{self, list};

impl Facts {
    /// The items of `project` the query's scope holds (the open collection's members, if any).
    fn base(&self, project: i64, query: &ItemQuery) -> RoaringBitmap {
        let mut base = self.projects.get(&project).cloned().unwrap_or_default();
        if let Some(c) = query.collection {
            match self.collections.get(&c) {
                Some(members) => base &= members,
                None => base.clear(),
            }
        }
        base
    }

    /// Each clause's facet and the items of `base` it keeps.
    fn clause_sets(&self, conn: &Connection, project: i64, base: &RoaringBitmap, query: &ItemQuery) -> Result<Vec<(&'static str, RoaringBitmap)>> {
        let mut sets = Vec::with_capacity(query.filter.clauses.len());
        for clause in &query.filter.clauses {
            let kept = match self.keeps(conn, base, &clause.cond)? {
                Some(mut pos) => {
                    pos &= base;
                    if clause.negate {
                        base - &pos
                    } else {
                        pos
                    }
                }
                // Answered by SQL, negation included, then narrowed to the scope.
                None => sql_set(conn, project, clause)? & base,
            };
            sets.push((clause.cond.facet(), kept));
        }
        Ok(sets)
    }

    /// The items a condition holds (not yet narrowed to `base`), or `None` for the condition
    /// SQL answers (queue statuses).
    fn keeps(&self, conn: &Connection, base: &RoaringBitmap, cond: &Condition) -> Result<Option<RoaringBitmap>> {
        let union = |maps: &mut dyn Iterator<Item = Option<&RoaringBitmap>>| maps.flatten().fold(RoaringBitmap::new(), |acc, b| acc | b);
        Ok(Some(match cond {
            Condition::Datasets { ids } => union(&mut ids.iter().map(|d| self.datasets.get(d))),
            Condition::Kinds { kinds } => union(&mut kinds.iter().map(|k| self.kinds.get(k.as_str()))),
            Condition::Tags { tags, mode } => self.tagged(conn, base, tags, *mode)?,
            Condition::Labeled { value: true } => self.labeled.clone(),
            Condition::Labeled { value: false } => base - &self.labeled,
            Condition::Size { min, max } => self.scan(base, |r| in_range(r.size, min.map(|v| v as i64), max.map(|v| v as i64))),
            Condition::Width { min, max } => self.scan(base, |r| r.width != NONE && in_range(r.width, *min, *max)),
            Condition::Height { min, max } => self.scan(base, |r| r.height != NONE && in_range(r.height, *min, *max)),
            Condition::Created { from, to } => self.scan(base, |r| in_range(r.created, *from, *to)),
            Condition::Updated { from, to } => self.scan(base, |r| in_range(r.updated, *from, *to)),
            Condition::Collection { id } => self.collections.get(id).cloned().unwrap_or_default(),
            Condition::AnyCollection => union(&mut self.live.iter().map(|c| self.collections.get(c))),
            Condition::Ids { ids } => ids.iter().filter_map(|&id| key(id)).collect(),
            Condition::Name { contains } => self.names.containing(contains),
            Condition::Queue { .. } => return Ok(None),
        }))
    }

    /// Items carrying any, all or none of the tags (by name, trimmed, as the SQL compiler).
    fn tagged(&self, conn: &Connection, base: &RoaringBitmap, tags: &[String], mode: TagMode) -> Result<RoaringBitmap> {
        let mut names: Vec<String> = tags.iter().map(|t| t.trim().to_string()).collect();
        names.sort();
        names.dedup();
        let mut stmt = conn.prepare_cached("SELECT name, id FROM tags WHERE name IN rarray(?1)")?;
        let mut by_name: HashMap<String, RoaringBitmap> = HashMap::new();
        let rows = stmt.query_map([list(&names)], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (name, id) = row?;
            let carried = by_name.entry(name).or_default();
            if let Some(b) = self.tags.get(&id) {
                *carried |= b;
            }
        }
        let any = || by_name.values().fold(RoaringBitmap::new(), |acc, b| acc | b);
        Ok(match mode {
            TagMode::Any => any(),
            TagMode::None => base - &any(),
            TagMode::All => {
                let mut all = base.clone();
                for name in &names {
                    match by_name.get(name) {
                        Some(b) => all &= b,
                        None => all.clear(),
                    }
                }
                all
            }
        })
    }

    /// The items of `base` whose row passes `test`: one pass over the rows in id order (a
    /// sequential read of the array, then the bitmap built from sorted ids), then narrowed.
    fn scan(&self, base: &RoaringBitmap, test: impl Fn(&Row) -> bool) -> RoaringBitmap {
        let passing: Vec<u32> = self.rows.iter().enumerate().filter(|(_, r)| test(r)).map(|(id, _)| id as u32).collect();
        let mut out = RoaringBitmap::from_sorted_iter(passing).unwrap_or_default();
        out &= base;
        out
    }

    /// The items the query matches in `project`.
    pub(super) fn matches(&self, conn: &Connection, project: i64, query: &ItemQuery) -> Result<RoaringBitmap> {
        let base = self.base(project, query);
        let sets = self.clause_sets(conn, project, &base, query)?;
        Ok(narrowed(&base, &sets, None))
    }

    /// The number of items the query matches in `project`.
    pub(crate) fn count(&self, conn: &Connection, project: i64, query: &ItemQuery) -> Result<u64> {
        Ok(self.matches(conn, project, query)?.len())
    }

    /// `items::summary` from the index: the same total and counts, in the same order,
    /// but for the queue facet (left empty).
    pub(crate) fn summary(&self, conn: &Connection, project: i64, query: &ItemQuery) -> Result<Summary> {
        let base = self.base(project, query);
        let sets = self.clause_sets(conn, project, &base, query)?;
        let total = narrowed(&base, &sets, None).len();

        let within = narrowed(&base, &sets, Some("datasets"));
        let mut stmt = conn.prepare_cached("SELECT id, name FROM datasets WHERE project_id = ?1 ORDER BY name COLLATE NOCASE")?;
        let datasets = stmt
            .query_map([project], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
            .map(|row| {
                let (id, name) = row?;
                let count = self.datasets.get(&id).map_or(0, |b| within.intersection_len(b));
                Ok(FacetCount { value: id.to_string(), label: name, count })
            })
            .collect::<rusqlite::Result<Vec<_>>>()?;

        let within = narrowed(&base, &sets, Some("tags"));
        let mut stmt = conn.prepare_cached("SELECT id, name FROM tags WHERE project_id = ?1")?;
        let mut tags = stmt
            .query_map([project], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
            .filter_map(|row| match row {
                Ok((id, name)) => {
                    let count = self.tags.get(&id).map_or(0, |b| within.intersection_len(b));
                    (count > 0).then(|| Ok(FacetCount { value: name.clone(), label: name, count }))
                }
                Err(e) => Some(Err(e)),
            })
            .collect::<rusqlite::Result<Vec<_>>>()?;
        tags.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));

        let kind: String = conn.query_row("SELECT kind FROM projects WHERE id = ?1", [project], |r| r.get(0))?;
        let mut kinds = Vec::new();
        if ProjectKind::parse(&kind) == Some(ProjectKind::Hub) {
            let within = narrowed(&base, &sets, Some("kinds"));
            for (kind, b) in &self.kinds {
                let count = within.intersection_len(b);
                if count > 0 {
                    kinds.push(FacetCount { value: kind.clone(), label: kind.clone(), count });
                }
            }
            kinds.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        }
        // Queue statuses are counted by `items::summary`'s SQL, which the caller adds.
        Ok(Summary { total, datasets, tags, queues: Vec::new(), kinds })
    }
}

/// `base` narrowed by every clause's set but those of facet `leave_out`.
fn narrowed(base: &RoaringBitmap, sets: &[(&'static str, RoaringBitmap)], leave_out: Option<&str>) -> RoaringBitmap {
    let mut out = base.clone();
    for (facet, set) in sets {
        if Some(*facet) != leave_out {
            out &= set;
        }
    }
    out
}

fn in_range<T: PartialOrd>(v: T, min: Option<T>, max: Option<T>) -> bool {
    min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m)
}

/// The items of `project` one clause keeps, as SQL answers it (only queue statuses come here,
/// so the name index plays no part and the cache's schema is used as is).
fn sql_set(conn: &Connection, project: i64, clause: &Clause) -> Result<RoaringBitmap> {
    let one = ItemQuery { filter: Filter { clauses: vec![clause.clone()] }, ..Default::default() };
    let body = filters::from_where(&filters::SCHEMA, project, &one, |_| false);
    let mut stmt = conn.prepare(&format!("SELECT i.id{}", body.text))?;
    let ids = stmt.query_map(body.params(), |r| r.get::<_, i64>(0))?;
    let mut out = RoaringBitmap::new();
    for id in ids {
        if let Some(id) = key(id?) {
            out.insert(id);
        }
    }
    Ok(out)
}
