//! Supervisely's entities-collections API (`../shared/specs/supervisely-collections-api.md`):
//! `POST /public/api/v3/{method}` with a JSON body, as the `supervisely` SDK sends it. An
//! adapter: integer ids are the server's row ids, a team (and its one workspace) is a
//! namespace, collections change through `store::collections` and memberships through
//! `store::members` (the rulebook), labeling queues through `store::queues` (`queues.rs`);
//! reads the native API has no shape for are in `store::sly`.
//!
//! Errors have Supervisely's body `{"error": "<short>", "details": {"message": "<human>"}}`, and a
//! client's mistake is never a 5xx (the SDK retries those ten times).

use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use trove_protocol::api::BulkAdd;
use trove_protocol::rules;
use trove_protocol::{CollectionPatch, NewCollection};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::Error;
use crate::state::AppState;
use crate::store::{collections, datasets, members, projects, sly};

mod body;
mod queues;
mod shapes;

use body::{check_type, collection_filters, entity_items, id_list, opt_int, opt_str, page_json, parse_body, req_int, req_str, Paging};
use shapes::{collection_json, image_json, project_json, team_json, user, workspace_json};

/// The version `instance.version` reports: the lowest the SDK 6.74.51 accepts without a warning.
pub const VERSION: &str = "6.18.3";

/// The methods this server answers: [`dispatch`] refuses any other before its `match`, and the
/// OpenAPI document lists these in the `method` parameter.
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
    "labeling-queues.add",
    "labeling-queues.stats.entities",
];

/// The one dispatcher route, with its OpenAPI operation (tag `supervisely`).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(call))
}

/// The `method` parameter's description, from [`METHODS`].
fn methods_doc() -> String {
    let names: Vec<String> = METHODS.iter().map(|m| format!("`{m}`")).collect();
    format!("The API method, one of: {}. Any other is a 404.", names.join(", "))
}

/// An error as Supervisely answers it (documentation only; [`SlyError`] writes it).
#[derive(ToSchema)]
#[allow(dead_code)]
struct SlyErrorBody {
    /// The status in words: `Bad request`, `Unauthorized`, `Forbidden`, `Not found`, …
    error: String,
    details: SlyErrorDetails,
}

#[derive(ToSchema)]
#[allow(dead_code)]
struct SlyErrorDetails {
    /// What went wrong, in a sentence.
    message: String,
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

/// `POST /public/api/v3/{method}`: one Supervisely API method, its arguments the JSON body, as
/// the `supervisely` SDK sends it. `instance.version` needs no token; every other method needs
/// `x-api-key: <token>` (or `Authorization: Bearer <token>`). A client's mistake is never a 5xx.
#[utoipa::path(post, path = "/public/api/v3/{method}", tag = "supervisely",
    params(("method" = String, Path, description = methods_doc())),
    request_body(content = Object, content_type = "application/json",
        description = "The method's arguments as one JSON object (free-form: each method reads its own fields, \
            such as `projectId`, `id`, `collectionId`, `entityIds`, `page`, `per_page`); `{}` when it takes none."),
    responses(
        (status = 200, description = "The method's answer (an object; lists are `{total, perPage, pagesCount, entities}`).", body = Object),
        (status = 400, description = "Arguments missing, of the wrong type, or refused by the rules; or a body that is not a JSON object.", body = SlyErrorBody),
        (status = 401, description = "No valid token.", body = SlyErrorBody),
        (status = 403, description = "The caller may not do this to that project or collection.", body = SlyErrorBody),
        (status = 404, description = "No such method, or no such project, dataset, collection or queue the caller can see.", body = SlyErrorBody),
        (status = 409, description = "A collection with that name exists in the project already.", body = SlyErrorBody),
        (status = 413, description = "The body, or a list in it, is larger than this server accepts.", body = SlyErrorBody),
    ))]
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
        return Ok(json!({"version": VERSION, "features": ["labeling-queues"]}));
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
                    let items: Vec<Value> = rows.iter().map(|m| json!({"id": m.id, "entityId": m.item, "createdAt": crate::clock::iso_utc(m.added_at)})).collect();
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
        "labeling-queues.add" => queues::add(state, caller, &body).await?,
        "labeling-queues.stats.entities" => queues::entities(state, caller, &body, page_max).await?,
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
    let colls = collection_filters(body)?;
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
