//! Supervisely's entities-collections API (`../shared/specs/supervisely-collections-api.md`):
//! `POST /public/api/v3/{method}` with a JSON body, as the `supervisely` SDK sends it. An
//! adapter: integer ids are the server's row ids, a team (and its one workspace) is a
//! namespace, collections change through `store::collections` and memberships through
//! `store::members` (the rulebook); reads the native API has no shape for are in `store::sly`.
//!
//! Errors have Supervisely's body `{"error": "<short>", "details": {"message": "<human>"}}`, and a
//! client's mistake is never a 5xx (the SDK retries those ten times).

use std::cmp::Ordering;

use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Map, Value};
use trove_protocol::api::{BulkAdd, CollectionInfo, ItemInfo, ProjectInfo};
use trove_protocol::rules;
use trove_protocol::{CollectionPatch, NewCollection, ProjectKind};

use crate::auth::Caller;
use crate::error::Error;
use crate::state::AppState;
use crate::store::{collections, datasets, members, projects, sly};

/// The version `instance.version` reports: the lowest the SDK 6.74.51 accepts without a warning.
pub const VERSION: &str = "6.18.3";

/// The methods this server answers.
pub const METHODS: &[&str] = &[
    "instance.version",
    "users.me",
    "teams.list",
    "workspaces.list",
    "projects.list",
    "projects.info",
    "datasets.list",
    "images.list",
    "entities-collections.add",
    "entities-collections.info",
    "entities-collections.list",
    "entities-collections.editInfo",
    "entities-collections.remove",
    "entities-collections.items.bulk.add",
    "entities-collections.items.bulk.remove",
];

pub fn router() -> Router<AppState> {
    Router::new().route("/public/api/v3/{method}", post(call))
}

/// An [`Error`] in Supervisely's error shape.
pub struct SlyError(pub Error);

impl From<Error> for SlyError {
    fn from(e: Error) -> Self {
        SlyError(e)
    }
}

impl From<rules::RuleError> for SlyError {
    fn from(e: rules::RuleError) -> Self {
        SlyError(Error::Rule(e))
    }
}

impl IntoResponse for SlyError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let short = match status {
            StatusCode::BAD_REQUEST => "Bad request",
            StatusCode::UNAUTHORIZED => "Unauthorized",
            StatusCode::FORBIDDEN => "Forbidden",
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::CONFLICT => "Conflict",
            StatusCode::PAYLOAD_TOO_LARGE => "Payload too large",
            StatusCode::TOO_MANY_REQUESTS => "Too many requests",
            StatusCode::REQUEST_TIMEOUT => "Request timeout",
            _ => "Internal server error",
        };
        let message = self.0.to_api().message;
        let mut response = (status, axum::Json(json!({"error": short, "details": {"message": message}}))).into_response();
        if let Error::RateLimited { retry_after, .. } = self.0 {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, retry_after.into());
        }
        response
    }
}

type Result<T, E = SlyError> = std::result::Result<T, E>;

fn invalid(message: String) -> SlyError {
    SlyError(Error::Invalid(message))
}

async fn call(State(state): State<AppState>, Path(method): Path<String>, req: Request) -> Response {
    match dispatch(state, method, req).await {
        Ok(v) => (StatusCode::OK, axum::Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn dispatch(state: AppState, method: String, req: Request) -> Result<Value> {
    if !METHODS.contains(&method.as_str()) {
        return Err(SlyError(Error::NotFound(format!("this server has no method {}", rules::quote(&method)))));
    }
    if method == "instance.version" {
        // Without a token: the SDK sends it with whatever key failed.
        return Ok(json!({"version": VERSION, "features": []}));
    }
    let (mut parts, body) = req.into_parts();
    let caller = Caller::from_request_parts(&mut parts, &state).await?;
    let bytes = axum::body::to_bytes(body, state.limits.body_bytes).await.map_err(|_| {
        SlyError(Error::TooLarge(format!("the request body is larger than {} bytes, the most this server accepts", state.limits.body_bytes)))
    })?;
    let body = parse_body(&bytes)?;
    let max = state.limits.bulk_max;
    let page_max = state.limits.page_max as i64;
    match method.as_str() {
        "users.me" => state.read(move |c| user(c, &caller)).await?,
        "teams.list" => {
            let p = Paging::of(&body, page_max)?;
            let teams = state.read(move |c| sly::teams(c, &caller)).await?;
            p.list(teams.iter().map(team_json).collect())
        }
        "workspaces.list" => {
            let team = req_int(&body, "teamId")?;
            let p = Paging::of(&body, page_max)?;
            let t = state.read(move |c| sly::team(c, &caller, team)).await?;
            p.list(vec![workspace_json(&t)])
        }
        "projects.list" => {
            let ns = match (opt_int(&body, "workspaceId")?, opt_int(&body, "teamId")?) {
                (Some(w), Some(t)) if w != t => return Err(invalid(format!("workspace {w} is not in team {t}"))),
                (w, t) => w.or(t),
            };
            let p = Paging::of(&body, page_max)?;
            let list = state
                .read(move |c| {
                    let mut out = Vec::new();
                    for project in projects::list(c, &caller)? {
                        let pns = sly::project_namespace(c, project.id)?;
                        if ns.is_none_or(|n| n == pns) {
                            out.push(project_json(c, &project)?);
                        }
                    }
                    Ok(out)
                })
                .await?;
            p.list(list)
        }
        "projects.info" => {
            let id = req_int(&body, "id")?;
            state.read(move |c| project_json(c, &projects::get(c, &caller, id)?)).await?
        }
        "datasets.list" => {
            let project = req_int(&body, "projectId")?;
            let p = Paging::of(&body, page_max)?;
            let list = state
                .read(move |c| {
                    let ns = sly::project_namespace(c, project).ok();
                    let list = datasets::list(c, &caller, project)?;
                    Ok(list
                        .iter()
                        .map(|d| {
                            json!({
                                "id": d.dataset.id, "name": d.dataset.name, "projectId": d.dataset.project_id,
                                "imagesCount": d.dataset.item_count, "itemsCount": d.dataset.item_count, "parentId": null,
                                "teamId": ns, "workspaceId": ns, "description": "", "createdAt": null, "updatedAt": null,
                            })
                        })
                        .collect())
                })
                .await?;
            p.list(list)
        }
        "images.list" => images(state, caller, &body, page_max).await?,
        "entities-collections.add" => {
            let project = req_int(&body, "projectId")?;
            let name = req_str(&body, "name")?;
            check_type(&body)?;
            let description = opt_str(&body, "description")?.unwrap_or_default();
            let new = NewCollection { title: name, description, private: false, theme: None };
            state.write(move |tx| collection_json(tx, &collections::create(tx, &caller, project, &new, None)?)).await?
        }
        "entities-collections.info" => {
            let id = req_int(&body, "id")?;
            state.read(move |c| collection_json(c, &collections::by_id(c, &caller, id)?)).await?
        }
        "entities-collections.list" => {
            let project = req_int(&body, "projectId")?;
            let ai = check_type(&body)?;
            let p = Paging::of(&body, page_max)?;
            let list = state
                .read(move |c| {
                    if ai {
                        // This server makes no AI-search collections: the project has none.
                        projects::get(c, &caller, project)?;
                        return Ok(Vec::new());
                    }
                    collections::list(c, &caller, project)?.iter().map(|x| collection_json(c, x)).collect()
                })
                .await?;
            p.list(list)
        }
        "entities-collections.editInfo" => {
            let id = req_int(&body, "id")?;
            let patch = CollectionPatch { title: opt_str(&body, "name")?, description: opt_str(&body, "description")?, private: None, theme: None };
            state.write(move |tx| collection_json(tx, &collections::update(tx, &caller, id, &patch)?)).await?
        }
        "entities-collections.remove" => {
            let id = req_int(&body, "id")?;
            let hard = match body.get("hardDelete") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err(invalid("\"hardDelete\" must be true or false".into())),
            };
            state.write(move |tx| collections::delete(tx, &caller, id, hard)).await?;
            json!({"success": true})
        }
        "entities-collections.items.bulk.add" => {
            let id = req_int(&body, "collectionId")?;
            let items = match (body.get("entityIds").filter(|v| !v.is_null()), body.get("entityItems").filter(|v| !v.is_null())) {
                (Some(_), Some(_)) => return Err(invalid("send either \"entityIds\" or \"entityItems\", not both".into())),
                (None, None) => return Err(invalid("\"entityIds\" (a list of image ids) is missing".into())),
                (Some(_), None) => id_list(&body, "entityIds", max)?,
                (None, Some(_)) => entity_items(&body, max)?,
            };
            state
                .write(move |tx| {
                    let c = collections::by_id(tx, &caller, id)?;
                    let out = members::bulk_add(tx, &caller, &c, &BulkAdd { items: items.clone(), notes: Default::default() }, max)?;
                    let present: Vec<i64> = items.iter().copied().filter(|i| !out.missing.contains(i)).collect();
                    let rows = sly::memberships(tx, id, &dedup(&present))?;
                    let items: Vec<Value> = rows.iter().map(|m| json!({"id": m.id, "entityId": m.item, "createdAt": iso(m.added_at)})).collect();
                    Ok(json!({"items": items, "missing": out.missing}))
                })
                .await?
        }
        "entities-collections.items.bulk.remove" => {
            let id = req_int(&body, "collectionId")?;
            let items = id_list(&body, "entityIds", max)?;
            state
                .write(move |tx| {
                    let c = collections::by_id(tx, &caller, id)?;
                    let before = sly::memberships(tx, id, &dedup(&items))?;
                    let out = members::bulk_remove(tx, &caller, &c, &items, max)?;
                    let removed: Vec<Value> =
                        before.iter().filter(|m| out.removed.contains(&m.item)).map(|m| json!({"id": m.id, "entityId": m.item})).collect();
                    Ok(json!({"items": removed, "missing": out.not_members}))
                })
                .await?
        }
        _ => return Err(SlyError(Error::NotFound(format!("this server has no method {}", rules::quote(&method))))),
    }
    .pipe(Ok)
}

trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl<T> Pipe for T {}

fn dedup(ids: &[i64]) -> Vec<i64> {
    let mut seen = std::collections::HashSet::new();
    ids.iter().copied().filter(|i| seen.insert(*i)).collect()
}

/// The request body: a JSON object (an empty body counts as `{}`).
fn parse_body(bytes: &[u8]) -> Result<Map<String, Value>> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(invalid("the request body must be a JSON object".into())),
        Err(e) => Err(invalid(format!("the request body is not valid JSON: {}", rules::quote(&e.to_string())))),
    }
}

fn kind_of(v: &Value) -> &'static str {
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
fn opt_int(body: &Map<String, Value>, key: &str) -> Result<Option<i64>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_i64().map(Some).ok_or_else(|| invalid(format!("{key:?} must be a whole number, not {}", kind_of(v)))),
    }
}

fn req_int(body: &Map<String, Value>, key: &str) -> Result<i64> {
    opt_int(body, key)?.ok_or_else(|| invalid(format!("{key:?} is missing; it must be a whole number")))
}

fn opt_str(body: &Map<String, Value>, key: &str) -> Result<Option<String>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(invalid(format!("{key:?} must be a string, not {}", kind_of(v)))),
    }
}

fn req_str(body: &Map<String, Value>, key: &str) -> Result<String> {
    opt_str(body, key)?.ok_or_else(|| invalid(format!("{key:?} is missing; it must be a string")))
}

/// A collection `type`: absent or `default`; `ai_search` is accepted for listing only (there
/// are none). Returns whether it is `ai_search`.
fn check_type(body: &Map<String, Value>) -> Result<bool> {
    match opt_str(body, "type")?.as_deref() {
        None | Some("default") => Ok(false),
        Some("ai_search") => Ok(true),
        Some(other) => Err(invalid(format!("collection type {} is not supported; this server has \"default\" collections", rules::quote(other)))),
    }
}

fn check_len(key: &str, n: usize, max: usize) -> Result<()> {
    if n > max {
        return Err(SlyError(Error::TooLarge(format!("{n} entries in {key:?}; at most {max} are allowed, send them in batches"))));
    }
    Ok(())
}

/// `body[key]`: a list of at most `max` integers.
fn id_list(body: &Map<String, Value>, key: &str, max: usize) -> Result<Vec<i64>> {
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
fn entity_items(body: &Map<String, Value>, max: usize) -> Result<Vec<i64>> {
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

/// Supervisely's paging of a list (`page`, `per_page`, `sort`, `sort_order`, `filter`).
struct Paging {
    page: i64,
    per_page: i64,
    sort: String,
    desc: bool,
    filter: Vec<(String, String, Value)>,
}

impl Paging {
    fn of(body: &Map<String, Value>, max: i64) -> Result<Paging> {
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
    fn list(&self, mut all: Vec<Value>) -> Value {
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

fn page_json(total: i64, per_page: i64, entities: Vec<Value>) -> Value {
    json!({"total": total, "perPage": per_page, "pagesCount": (total + per_page - 1) / per_page, "entities": entities})
}

fn compare(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x.as_f64().partial_cmp(&y.as_f64()).unwrap_or(Ordering::Equal),
        (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
        (None | Some(Value::Null), None | Some(Value::Null)) => Ordering::Equal,
        (None | Some(Value::Null), _) => Ordering::Less,
        (_, None | Some(Value::Null)) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

/// `images.list`: a dataset's or a whole project's images, optionally only (or all but) a
/// collection's members; paged in SQL.
async fn images(state: AppState, caller: Caller, body: &Map<String, Value>, page_max: i64) -> Result<Value> {
    let project = opt_int(body, "projectId")?;
    let dataset = opt_int(body, "datasetId")?;
    if project.is_none() && dataset.is_none() {
        return Err(invalid("give \"projectId\" or \"datasetId\"".into()));
    }
    let p = Paging::of(body, page_max)?;
    if !p.filter.is_empty() {
        return Err(invalid("images.list takes no \"filter\" conditions on this server; use \"filters\" with an entities_collection".into()));
    }
    let (order, _) = [("id", "id"), ("name", "name"), ("createdAt", "created_at"), ("updatedAt", "updated_at"), ("size", "size")]
        .into_iter()
        .find(|(k, _)| *k == p.sort)
        .map(|(_, col)| (col, ()))
        .ok_or_else(|| invalid(format!("images cannot be sorted by {}; use id, name, createdAt, updatedAt or size", rules::quote(&p.sort))))?;
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
    let (page, per_page, desc) = (p.page, p.per_page, p.desc);
    let (total, items) = state
        .read(move |c| {
            let project = match (project, dataset) {
                (Some(p), _) => p,
                (None, Some(d)) => sly::dataset_project(c, &caller, d)?,
                (None, None) => unreachable!(),
            };
            let q = sly::ImageQuery { project, dataset, collections: colls, order, desc };
            sly::images(c, &caller, &q, page, per_page)
        })
        .await?;
    Ok(page_json(total, per_page, items.iter().map(image_json).collect()))
}

/// Milliseconds since the Unix epoch as `2025-04-10T08:49:41.852Z`.
pub fn iso(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z", rest / 3600, rest % 3600 / 60, rest % 60, ms.rem_euclid(1000))
}

fn user(c: &rusqlite::Connection, caller: &Caller) -> crate::error::Result<Value> {
    let created = iso(sly::user_created_at(c, caller.user_id)?);
    Ok(json!({
        "id": caller.user_id, "login": caller.name, "name": caller.name, "email": null,
        "role": if caller.is_admin { "admin" } else { "user" }, "roleId": if caller.is_admin { 1 } else { 2 },
        "disabled": false, "lastLogin": null, "createdAt": created, "updatedAt": created,
    }))
}

fn team_json(t: &sly::Team) -> Value {
    json!({"id": t.id, "name": t.name, "role": t.role, "createdAt": iso(t.created_at), "updatedAt": iso(t.created_at), "description": ""})
}

fn workspace_json(t: &sly::Team) -> Value {
    json!({"id": t.id, "name": t.name, "description": "", "teamId": t.id, "createdAt": iso(t.created_at), "updatedAt": iso(t.created_at)})
}

fn project_type(kind: ProjectKind) -> &'static str {
    match kind {
        ProjectKind::Image => "images",
        ProjectKind::Video => "videos",
        ProjectKind::Pointcloud => "point_clouds",
        ProjectKind::Hub => "hub",
    }
}

fn project_json(c: &rusqlite::Connection, p: &ProjectInfo) -> crate::error::Result<Value> {
    let ns = sly::project_namespace(c, p.id)?;
    Ok(json!({
        "id": p.id, "name": p.name, "description": p.description, "type": project_type(p.kind),
        "teamId": ns, "workspaceId": ns, "datasetsCount": sly::dataset_count(c, p.id)?,
        "imagesCount": p.item_count, "itemsCount": p.item_count, "size": "0", "readme": "",
        "createdAt": iso(p.created_at), "updatedAt": iso(p.updated_at), "customData": {}, "settings": {},
    }))
}

fn collection_json(c: &rusqlite::Connection, x: &CollectionInfo) -> crate::error::Result<Value> {
    let ns = sly::project_namespace(c, x.collection.project_id)?;
    Ok(json!({
        "id": x.collection.id, "name": x.collection.title, "teamId": ns, "projectId": x.collection.project_id,
        "description": x.collection.description, "options": {}, "type": "default", "meta": {},
        "createdAt": iso(x.collection.created_at), "updatedAt": iso(x.collection.updated_at),
    }))
}

fn image_json(i: &ItemInfo) -> Value {
    let it = &i.item;
    let mime = if it.mime.contains('/') { Value::from(it.mime.clone()) } else { Value::Null };
    json!({
        "id": it.id, "name": it.name, "datasetId": it.dataset_id, "projectId": i.project_id, "mime": mime,
        "link": null, "hash": it.thumb, "size": it.size, "width": it.width, "height": it.height,
        "labelsCount": it.labels_count, "createdAt": iso(it.created_at), "updatedAt": iso(it.updated_at),
        "meta": {}, "tags": it.tags.iter().map(|t| json!({"name": t, "value": null})).collect::<Vec<_>>(),
        "createdBy": null, "description": "", "pathOriginal": null, "fullStorageUrl": null, "parentId": null,
    })
}
