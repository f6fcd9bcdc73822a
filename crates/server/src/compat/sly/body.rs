//! Reading a Supervisely request body: typed fields with messages that name them (a caller's
//! value is never echoed whole), bounded lists, and the paging of lists (B.2 of the spec).

use std::cmp::Ordering;

use serde_json::{json, Map, Value};
use trove_protocol::rules;

use super::{invalid, Result, SlyError};
use crate::error::Error;

/// The request body: a JSON object (an empty body counts as `{}`).
pub(super) fn parse_body(bytes: &[u8]) -> Result<Map<String, Value>> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(invalid("the request body must be a JSON object".into())),
        Err(e) => Err(invalid(format!("the request body is not valid JSON: {}", rules::quote(&e.to_string())))),
    }
}

pub(super) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// `body[key]` as an integer, `None` when absent or null.
pub(super) fn opt_int(body: &Map<String, Value>, key: &str) -> Result<Option<i64>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_i64().map(Some).ok_or_else(|| invalid(format!("{key:?} must be a whole number, not {}", kind_of(v)))),
    }
}

pub(super) fn req_int(body: &Map<String, Value>, key: &str) -> Result<i64> {
    opt_int(body, key)?.ok_or_else(|| invalid(format!("{key:?} is missing; it must be a whole number")))
}

pub(super) fn opt_str(body: &Map<String, Value>, key: &str) -> Result<Option<String>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(invalid(format!("{key:?} must be a string, not {}", kind_of(v)))),
    }
}

pub(super) fn req_str(body: &Map<String, Value>, key: &str) -> Result<String> {
    opt_str(body, key)?.ok_or_else(|| invalid(format!("{key:?} is missing; it must be a string")))
}

/// A collection `type`: absent or `default`; `ai_search` is accepted for listing only (there
/// are none). Returns whether it is `ai_search`.
pub(super) fn check_type(body: &Map<String, Value>) -> Result<bool> {
    match opt_str(body, "type")?.as_deref() {
        None | Some("default") => Ok(false),
        Some("ai_search") => Ok(true),
        Some(other) => Err(invalid(format!("collection type {} is not supported; this server has \"default\" collections", rules::quote(other)))),
    }
}

pub(super) fn check_len(key: &str, n: usize, max: usize) -> Result<()> {
    if n > max {
        return Err(SlyError(Error::TooLarge(format!("{n} entries in {key:?}; at most {max} are allowed, send them in batches"))));
    }
    Ok(())
}

/// `body[key]`: a list of at most `max` integers.
pub(super) fn id_list(body: &Map<String, Value>, key: &str, max: usize) -> Result<Vec<i64>> {
    let Some(Value::Array(list)) = body.get(key) else {
        return Err(invalid(format!("{key:?} must be a list of whole numbers")));
    };
    check_len(key, list.len(), max)?;
    list.iter()
        .enumerate()
        .map(|(k, v)| v.as_i64().ok_or_else(|| invalid(format!("{key:?}[{k}] must be a whole number, not {}", kind_of(v)))))
        .collect()
}

/// `entityItems`: `[{"entityId": int, "meta"?: object}]`, the ids. The meta (a score) is
/// accepted and not kept: a membership has no place for it.
pub(super) fn entity_items(body: &Map<String, Value>, max: usize) -> Result<Vec<i64>> {
    let Some(Value::Array(list)) = body.get("entityItems") else {
        return Err(invalid("\"entityItems\" must be a list of {\"entityId\": ...} objects".into()));
    };
    check_len("entityItems", list.len(), max)?;
    list.iter()
        .enumerate()
        .map(|(k, v)| {
            let Value::Object(o) = v else { return Err(invalid(format!("\"entityItems\"[{k}] must be an object, not {}", kind_of(v)))) };
            match o.get("meta") {
                None | Some(Value::Null) | Some(Value::Object(_)) => {}
                Some(m) => return Err(invalid(format!("\"entityItems\"[{k}].meta must be an object, not {}", kind_of(m)))),
            }
            opt_int(o, "entityId")?.ok_or_else(|| invalid(format!("\"entityItems\"[{k}].entityId is missing; it must be a whole number")))
        })
        .collect()
}

/// `filters`: `[{"type": "entities_collection", "data": {"collectionId": int, "include": bool}}]`
/// (at most 20), as `(collection, include)`; the only filter type this server knows.
pub(super) fn collection_filters(body: &Map<String, Value>) -> Result<Vec<(i64, bool)>> {
    let mut colls = Vec::new();
    match body.get("filters") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            check_len("filters", list.len(), 20)?;
            for (k, f) in list.iter().enumerate() {
                let ty = f.get("type").and_then(Value::as_str).unwrap_or_default();
                if ty != "entities_collection" {
                    return Err(invalid(format!("filter type {} is not supported; this server filters by \"entities_collection\"", rules::quote(ty))));
                }
                let Some(Value::Object(data)) = f.get("data") else {
                    return Err(invalid(format!("\"filters\"[{k}].data must be an object")));
                };
                let id = req_int(data, "collectionId")?;
                let include = match data.get("include") {
                    None | Some(Value::Null) => true,
                    Some(Value::Bool(b)) => *b,
                    Some(v) => return Err(invalid(format!("\"filters\"[{k}].data.include must be true or false, not {}", kind_of(v)))),
                };
                colls.push((id, include));
            }
        }
        Some(v) => return Err(invalid(format!("\"filters\" must be a list, not {}", kind_of(v)))),
    }
    Ok(colls)
}

/// Supervisely's paging of a list (`page`, `per_page`, `sort`, `sort_order`, `filter`).
pub(super) struct Paging {
    pub(super) page: i64,
    pub(super) per_page: i64,
    pub(super) sort: String,
    pub(super) desc: bool,
    pub(super) filter: Vec<(String, String, Value)>,
}

impl Paging {
    pub(super) fn of(body: &Map<String, Value>, max: i64) -> Result<Paging> {
        let page = opt_int(body, "page")?.unwrap_or(1);
        if page < 1 {
            return Err(invalid(format!("page {page} is not valid; pages count from 1")));
        }
        let per_page = opt_int(body, "per_page")?.unwrap_or(max);
        if !(1..=max).contains(&per_page) {
            return Err(invalid(format!("per_page {per_page} is not valid; ask for 1 to {max} entries per page")));
        }
        let sort = opt_str(body, "sort")?.unwrap_or_else(|| "id".into());
        if sort.chars().count() > 40 {
            return Err(invalid(format!("sort {} is not a field", rules::quote(&sort))));
        }
        let desc = match opt_str(body, "sort_order")?.as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(o) => return Err(invalid(format!("sort_order {} is not valid; use \"asc\" or \"desc\"", rules::quote(o)))),
        };
        let filter = match body.get("filter") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(list)) => {
                check_len("filter", list.len(), 20)?;
                list.iter()
                    .enumerate()
                    .map(|(k, f)| {
                        let Value::Object(o) = f else { return Err(invalid(format!("\"filter\"[{k}] must be an object"))) };
                        let field = opt_str(o, "field")?.ok_or_else(|| invalid(format!("\"filter\"[{k}].field is missing")))?;
                        let op = opt_str(o, "operator")?.unwrap_or_else(|| "=".into());
                        if !["=", "!=", "in", "!in"].contains(&op.as_str()) {
                            return Err(invalid(format!("filter operator {} is not supported; use =, !=, in or !in", rules::quote(&op))));
                        }
                        Ok((field, op, o.get("value").cloned().unwrap_or(Value::Null)))
                    })
                    .collect::<Result<_>>()?
            }
            Some(v) => return Err(invalid(format!("\"filter\" must be a list, not {}", kind_of(v)))),
        };
        Ok(Paging { page, per_page, sort, desc, filter })
    }

    /// Filters, sorts and pages a whole list of entities.
    pub(super) fn list(&self, mut all: Vec<Value>) -> Value {
        all.retain(|e| {
            self.filter.iter().all(|(field, op, value)| {
                let got = e.get(field).unwrap_or(&Value::Null);
                let within = |v: &Value| v.as_array().is_some_and(|l| l.contains(got));
                match op.as_str() {
                    "=" => got == value,
                    "!=" => got != value,
                    "in" => within(value),
                    _ => !within(value),
                }
            })
        });
        all.sort_by(|a, b| {
            let o = compare(a.get(&self.sort), b.get(&self.sort)).then_with(|| compare(a.get("id"), b.get("id")));
            if self.desc {
                o.reverse()
            } else {
                o
            }
        });
        let total = all.len() as i64;
        let start = ((self.page - 1).saturating_mul(self.per_page)).min(total) as usize;
        let entities: Vec<Value> = all.into_iter().skip(start).take(self.per_page as usize).collect();
        page_json(total, self.per_page, entities)
    }
}

pub(super) fn page_json(total: i64, per_page: i64, entities: Vec<Value>) -> Value {
    json!({"total": total, "perPage": per_page, "pagesCount": (total + per_page - 1) / per_page, "entities": entities})
}

pub(super) fn compare(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x.as_f64().partial_cmp(&y.as_f64()).unwrap_or(Ordering::Equal),
        (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
        (None | Some(Value::Null), None | Some(Value::Null)) => Ordering::Equal,
        (None | Some(Value::Null), _) => Ordering::Less,
        (_, None | Some(Value::Null)) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}
