//! Supervisely's labeling-queue methods over a collection: `labeling-queues.add` (a queue that
//! follows the collection live; `userIds`/`reviewerIds` are the server's user row ids) and
//! `labeling-queues.stats.entities` (a queue's images with their status on Supervisely's wire,
//! `QueueStatus::supervisely`, filtered by `entityStatus` and the collection filter). Both go
//! through `store::queues`, so a queue made here is the native API's and the app's.

use serde_json::{json, Map, Value};
use trove_protocol::api::{CollectionRef, NewQueueRequest};
use trove_protocol::queue::QUEUE_USERS_MAX;
use trove_protocol::rules;
use trove_protocol::QueueStatus;

use super::body::{collection_filters, id_list, kind_of, opt_int, opt_str, req_int, req_str, Paging};
use super::shapes::image_json;
use super::{invalid, Result};
use crate::auth::Caller;
use crate::error::Error;
use crate::state::AppState;
use crate::store::{collections, queues};

/// The user names of the user ids `ids` (`what` names the field in a refusal).
fn user_names(conn: &crate::db::Connection, ids: &[i64], what: &str) -> crate::error::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached("SELECT name FROM users WHERE id = ?1")?;
    ids.iter()
        .map(|id| {
            use crate::db::OptionalExtension;
            stmt.query_row([id], |r| r.get(0))
                .optional()?
                .ok_or_else(|| Error::Invalid(format!("{what} names user {id}, who does not exist; use ids of users with a role in the project")))
        })
        .collect()
}

/// `labeling-queues.add`: `{name, userIds, reviewerIds, collectionId, meta?}` → `{"id": int}`.
/// A queue here always follows a collection; the rest of `meta` (classes, limits) has no
/// meaning in Trove and is accepted unread.
pub(super) async fn add(state: AppState, caller: Caller, body: &Map<String, Value>) -> Result<Value> {
    let name = req_str(body, "name")?;
    let annotators = id_list(body, "userIds", QUEUE_USERS_MAX)?;
    let reviewers = match body.get("reviewerIds") {
        None | Some(Value::Null) => Vec::new(),
        Some(_) => id_list(body, "reviewerIds", QUEUE_USERS_MAX)?,
    };
    let Some(collection) = opt_int(body, "collectionId")? else {
        return Err(invalid(if opt_int(body, "datasetId")?.is_some() {
            "this server makes labeling queues from a collection only; give \"collectionId\" instead of \"datasetId\"".into()
        } else {
            "\"collectionId\" is missing; a labeling queue follows a collection".into()
        }));
    };
    match body.get("meta") {
        None | Some(Value::Null) | Some(Value::Object(_)) => {}
        Some(v) => return Err(invalid(format!("\"meta\" must be an object, not {}", kind_of(v)))),
    }
    let q = state
        .write(move |tx| {
            let c = collections::by_id(tx, &caller, collection)?;
            let new = NewQueueRequest {
                collection: CollectionRef::Id(collection),
                name,
                annotators: user_names(tx, &annotators, "\"userIds\"")?,
                reviewers: user_names(tx, &reviewers, "\"reviewerIds\"")?,
                tags: Vec::new(),
            };
            queues::create(tx, &caller, c.collection.project_id, &new)
        })
        .await?;
    Ok(json!({"id": q.id}))
}

/// The statuses one Supervisely status names: `null` (or `"null"`) pending; `"none"` with the
/// annotator (annotating, rejected); `"done"`; `"accepted"`.
fn statuses_of(v: &Value, k: usize) -> Result<&'static [QueueStatus]> {
    use QueueStatus::*;
    Ok(match v {
        Value::Null => &[Pending],
        Value::String(s) => match s.as_str() {
            "null" => &[Pending],
            "none" => &[Annotating, Rejected],
            "done" => &[Done],
            "accepted" => &[Accepted],
            other => {
                return Err(invalid(format!("entity status {} is not valid; use null, \"none\", \"done\" or \"accepted\"", rules::quote(other))));
            }
        },
        other => return Err(invalid(format!("\"entityStatus\"[{k}] must be null or a string, not {}", kind_of(other)))),
    })
}

/// `entityStatus` (or `status`): one status or a list of them; `None` when absent (every item).
fn status_filter(body: &Map<String, Value>) -> Result<Option<Vec<QueueStatus>>> {
    let Some(v) = body.get("entityStatus").or_else(|| body.get("status")) else { return Ok(None) };
    let list: Vec<Value> = match v {
        Value::Array(l) => l.clone(),
        Value::Null => return Ok(None),
        one => vec![one.clone()],
    };
    if list.len() > 10 {
        return Err(invalid(format!("{} entity statuses in one request; at most 10 are allowed", list.len())));
    }
    let mut out = Vec::new();
    for (k, v) in list.iter().enumerate() {
        for s in statuses_of(v, k)? {
            if !out.contains(s) {
                out.push(*s);
            }
        }
    }
    Ok(Some(out))
}

/// `labeling-queues.stats.entities`: `{id, page, per_page, sort, sort_order, filters?,
/// entityStatus?}` → `{"images": [image + "status"], "total": n}`, one page of the queue's
/// images (only the collection's members, with an include filter).
pub(super) async fn entities(state: AppState, caller: Caller, body: &Map<String, Value>, page_max: i64) -> Result<Value> {
    let id = req_int(body, "id")?;
    let mut paging_body = body.clone();
    if opt_str(body, "sort")?.is_none() {
        paging_body.insert("sort".into(), Value::from("name"));
    }
    let p = Paging::of(&paging_body, page_max)?;
    if !p.filter.is_empty() {
        return Err(invalid("labeling-queues.stats.entities takes no \"filter\" conditions on this server; use \"filters\" with an entities_collection and \"entityStatus\"".into()));
    }
    let column = [("id", "id"), ("name", "name"), ("createdAt", "created_at"), ("updatedAt", "updated_at"), ("size", "size")]
        .into_iter()
        .find(|(k, _)| *k == p.sort)
        .map(|(_, col)| col)
        .ok_or_else(|| invalid(format!("entities cannot be sorted by {}; use id, name, createdAt, updatedAt or size", rules::quote(&p.sort))))?;
    let colls = collection_filters(body)?;
    let statuses = status_filter(body)?;
    let (page, per_page, desc) = (p.page, p.per_page, p.desc);
    let (total, items) = state
        .read(move |c| {
            let (q, _) = queues::by_id(c, &caller, id)?;
            let mut within = Vec::with_capacity(colls.len());
            for (cid, include) in colls {
                let coll = collections::by_id(c, &caller, cid)?;
                if coll.collection.project_id != q.project {
                    return Err(Error::NotFound(format!("collection {cid} does not exist in project {}", q.project)));
                }
                within.push(queues::Within { collection: cid, include });
            }
            let offset = (page - 1).saturating_mul(per_page) as u64;
            queues::page(c, &q, statuses.as_deref(), &within, queues::Order::Item { column, desc }, offset, per_page as u32)
        })
        .await?;
    let images: Vec<Value> = items
        .iter()
        .map(|i| {
            let mut v = image_json(&i.item);
            v["status"] = i.entry.status.supervisely().map_or(Value::Null, Value::from);
            v
        })
        .collect();
    Ok(json!({"images": images, "total": total}))
}
