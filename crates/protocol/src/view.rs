//! Saved views (smart collections): a named filter and sort of a project that syncs like a
//! collection, and the portable form of a filter that lets it mean the same on every replica.
//!
//! A filter names datasets, collections and queues by each replica's own integer ids. A view
//! (and a deep link) stores it *portable*: those references replaced by UUIDs, which every
//! replica shares. [`to_portable`] and [`to_local`] translate, each replica looking up its own
//! ids; a reference the replica does not have (a collection deleted since, a private one the
//! caller cannot see) leaves its clause out and says so, so a view always opens.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::filter::{Filter, ItemQuery, Sort, VALUES_MAX};
use crate::rules::{self, RuleError};

/// Longest portable filter a view may store, in bytes of JSON.
pub const FILTER_MAX: usize = 16 * 1024;

/// A saved view as the app shows it: its filter back in this cache's ids, with the clauses
/// that name something missing left out and described in `missing`, and its live count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SavedView {
    #[ts(type = "number")]
    pub id: i64,
    pub uuid: String,
    #[ts(type = "number")]
    pub project_id: i64,
    pub name: String,
    /// The view's filter and sort; `collection` is always `null` (a view spans the project).
    pub query: ItemQuery,
    pub missing: Vec<String>,
    /// How many items the filter matches now.
    #[ts(type = "number")]
    pub count: u64,
    #[ts(type = "number")]
    pub updated_at: i64,
}

/// What a view's edit changes; `None` leaves a field as it is. Fields are last-writer-wins.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The portable filter, as JSON text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<Sort>,
}

/// A view's row in a pull: `deleted` is final (delete wins).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncView {
    pub uuid: String,
    pub project: String,
    pub name: String,
    pub filter: String,
    pub sort: Sort,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted: bool,
}

/// A view over the native API (`GET /projects/{project}/views`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViewInfo {
    pub uuid: String,
    pub project: i64,
    pub name: String,
    /// The portable filter (references by UUID), as JSON.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub filter: Value,
    pub sort: Sort,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A view's name: as a project's name, 1 to 100 characters of one line.
pub fn name(raw: &str) -> Result<String, RuleError> {
    rules::name("view", raw)
}

/// A stored filter: at most [`FILTER_MAX`] bytes of JSON whose shape is a filter's (an object
/// with a list of clauses). What the clauses name is checked where the view is opened.
pub fn check_filter(text: &str) -> Result<(), RuleError> {
    let bad = |expected| RuleError::BadId { what: "view filter", value: text.chars().take(rules::QUOTE_MAX).collect(), expected };
    if text.len() > FILTER_MAX {
        return Err(bad("a view's filter is at most 16 KiB of JSON"));
    }
    let value: Value = serde_json::from_str(text).map_err(|_| bad("a view's filter is JSON"))?;
    match value.get("clauses") {
        Some(Value::Array(clauses)) if clauses.len() <= crate::filter::CLAUSES_MAX => Ok(()),
        Some(Value::Array(_)) => Err(bad("a filter has at most 50 clauses")),
        _ if value.as_object().is_some_and(|o| o.is_empty()) => Ok(()),
        _ => Err(bad("a filter is an object with a list of clauses")),
    }
}

/// What a filter clause may name that differs between replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref {
    Dataset,
    Collection,
    Queue,
}

impl Ref {
    fn of(field: &str) -> Option<(Ref, &'static str)> {
        match field {
            "datasets" => Some((Ref::Dataset, "ids")),
            "collection" => Some((Ref::Collection, "id")),
            "queue" => Some((Ref::Queue, "id")),
            _ => None,
        }
    }

    /// The sentence for a clause left out because what it names is not here.
    fn missing(self) -> &'static str {
        match self {
            Ref::Dataset => "a dataset filter (its datasets are not in this project)",
            Ref::Collection => "an “in collection” filter (the collection was deleted or is not here)",
            Ref::Queue => "a labeling-queue filter (the queue is not here)",
        }
    }
}

/// A translation that failed: the filter cannot travel or be read (`Bad`, a sentence), or the
/// replica's lookup failed (`Store`).
#[derive(Debug)]
pub enum Portable<E> {
    Bad(String),
    Store(E),
}

/// The filter with its references named by UUID, as JSON. `uuid_of` answers a replica id
/// with its UUID, `None` when it is not there (the reference is then dropped).
pub fn to_portable<E>(filter: &Filter, mut uuid_of: impl FnMut(Ref, i64) -> Result<Option<String>, E>) -> Result<Value, Portable<E>> {
    let mut value = serde_json::to_value(filter).map_err(|e| Portable::Bad(e.to_string()))?;
    let clauses = value.get_mut("clauses").and_then(Value::as_array_mut).into_iter().flatten();
    for clause in clauses {
        let Some(cond) = clause.get_mut("cond").and_then(Value::as_object_mut) else { continue };
        let field = cond.get("field").and_then(Value::as_str).unwrap_or_default().to_string();
        if field == "ids" {
            return Err(Portable::Bad(
                "an “only selected” filter cannot be saved or linked: add the items to a collection first".into(),
            ));
        }
        let Some((what, key)) = Ref::of(&field) else { continue };
        let named = match cond.get(key) {
            Some(Value::Array(ids)) => {
                let mut out = Vec::new();
                for id in ids.iter().filter_map(Value::as_i64) {
                    out.extend(uuid_of(what, id).map_err(Portable::Store)?.map(Value::String));
                }
                Value::Array(out)
            }
            Some(v) => v.as_i64().map(|id| uuid_of(what, id)).transpose().map_err(Portable::Store)?.flatten().map_or(Value::Null, Value::String),
            None => Value::Null,
        };
        cond.insert(key.into(), named);
    }
    Ok(value)
}

/// A portable filter back in a replica's ids (`id_of` answers a UUID with the replica's id,
/// `None` when it is not there or not visible). A clause whose references are all missing is
/// left out and described in `missing`; a list keeps the references found. The result is a
/// checked [`Filter`].
pub fn to_local<E>(
    mut value: Value,
    mut id_of: impl FnMut(Ref, &str) -> Result<Option<i64>, E>,
    missing: &mut Vec<String>,
) -> Result<Filter, Portable<E>> {
    if let Some(clauses) = value.get_mut("clauses").and_then(Value::as_array_mut) {
        let mut kept = Vec::with_capacity(clauses.len());
        for mut clause in std::mem::take(clauses).into_iter().take(crate::filter::CLAUSES_MAX + 1) {
            let Some(cond) = clause.get_mut("cond").and_then(Value::as_object_mut) else {
                kept.push(clause);
                continue;
            };
            let field = cond.get("field").and_then(Value::as_str).unwrap_or_default().to_string();
            if field == "ids" {
                missing.push("an “only selected” filter (a saved filter names no selection)".into());
                continue;
            }
            let Some((what, key)) = Ref::of(&field) else {
                kept.push(clause);
                continue;
            };
            let found = match cond.get(key) {
                Some(Value::Array(uuids)) => {
                    let mut ids = Vec::new();
                    for uuid in uuids.iter().take(VALUES_MAX).filter_map(Value::as_str) {
                        ids.extend(id_of(what, uuid).map_err(Portable::Store)?);
                    }
                    (!ids.is_empty()).then(|| Value::from(ids))
                }
                Some(Value::String(uuid)) => id_of(what, uuid).map_err(Portable::Store)?.map(Value::from),
                _ => None,
            };
            match found {
                Some(v) => {
                    cond.insert(key.into(), v);
                    kept.push(clause);
                }
                None => missing.push(what.missing().into()),
            }
        }
        *clauses = kept;
    }
    let filter: Filter = serde_json::from_value(value)
        .map_err(|e| Portable::Bad(format!("the saved filter is not one Trove reads: {}", rules::clip(&e.to_string()))))?;
    filter.check().map_err(|e| Portable::Bad(e.to_string()))?;
    Ok(filter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::{Clause, Condition};

    fn in_collection(id: i64) -> Filter {
        Filter { clauses: vec![Clause { negate: false, cond: Condition::Collection { id } }] }
    }

    #[test]
    fn a_filter_travels_by_uuid_and_comes_back_in_the_other_replicas_ids() {
        let portable = to_portable::<()>(&in_collection(7), |_, id| Ok((id == 7).then(|| "c-uuid".to_string()))).unwrap();
        assert_eq!(portable["clauses"][0]["cond"]["id"], "c-uuid");
        let mut missing = Vec::new();
        let back = to_local::<()>(portable, |_, uuid| Ok((uuid == "c-uuid").then_some(42)), &mut missing).unwrap();
        assert_eq!(back, in_collection(42));
        assert!(missing.is_empty());
    }

    #[test]
    fn a_clause_naming_what_is_not_here_is_left_out_and_said() {
        let portable = to_portable::<()>(&in_collection(7), |_, _| Ok(Some("gone".to_string()))).unwrap();
        let mut missing = Vec::new();
        let back = to_local::<()>(portable, |_, _| Ok(None), &mut missing).unwrap();
        assert_eq!(back, Filter::default());
        assert_eq!(missing.len(), 1);
        assert!(missing[0].contains("collection was deleted"), "{missing:?}");
    }

    #[test]
    fn stored_filters_are_bounded_and_shaped() {
        assert_eq!(check_filter(r#"{"clauses":[]}"#), Ok(()));
        assert_eq!(check_filter("{}"), Ok(()));
        assert!(check_filter("[1,2]").is_err());
        assert!(check_filter("not json").is_err());
        let long = format!(r#"{{"clauses":[],"x":"{}"}}"#, "a".repeat(FILTER_MAX));
        let err = check_filter(&long).unwrap_err().to_string();
        assert!(err.contains("16 KiB") && err.len() < 400, "{err}");
    }
}
