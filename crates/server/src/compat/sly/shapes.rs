//! The objects of Supervisely's wire format (B.4 of the spec) built from the store's rows.

use serde_json::{json, Value};
use trove_protocol::api::{CollectionInfo, ItemInfo, ProjectInfo};
use trove_protocol::ProjectKind;

use crate::auth::Caller;
use crate::clock::iso_utc as iso;
use crate::store::sly;

pub(super) fn user(c: &crate::db::Connection, caller: &Caller) -> crate::error::Result<Value> {
    let created = iso(sly::user_created_at(c, caller.user_id)?);
    Ok(json!({
        "id": caller.user_id, "login": caller.name, "name": caller.name, "email": null,
        "role": if caller.is_admin { "admin" } else { "user" }, "roleId": if caller.is_admin { 1 } else { 2 },
        "disabled": false, "lastLogin": null, "createdAt": created, "updatedAt": created,
    }))
}

pub(super) fn team_json(t: &sly::Team) -> Value {
    json!({"id": t.id, "name": t.name, "role": t.role, "createdAt": iso(t.created_at), "updatedAt": iso(t.created_at), "description": ""})
}

pub(super) fn workspace_json(t: &sly::Team) -> Value {
    json!({"id": t.id, "name": t.name, "description": "", "teamId": t.id, "createdAt": iso(t.created_at), "updatedAt": iso(t.created_at)})
}

pub(super) fn project_type(kind: ProjectKind) -> &'static str {
    match kind {
        ProjectKind::Image => "images",
        ProjectKind::Video => "videos",
        ProjectKind::Pointcloud => "point_clouds",
        ProjectKind::Hub => "hub",
    }
}

pub(super) fn project_json(c: &crate::db::Connection, p: &ProjectInfo) -> crate::error::Result<Value> {
    let ns = sly::project_namespace(c, p.id)?;
    Ok(json!({
        "id": p.id, "name": p.name, "description": p.description, "type": project_type(p.kind),
        "teamId": ns, "workspaceId": ns, "datasetsCount": sly::dataset_count(c, p.id)?,
        "imagesCount": p.item_count, "itemsCount": p.item_count, "size": "0", "readme": "",
        "createdAt": iso(p.created_at), "updatedAt": iso(p.updated_at), "customData": {}, "settings": {},
    }))
}

pub(super) fn collection_json(c: &crate::db::Connection, x: &CollectionInfo) -> crate::error::Result<Value> {
    let ns = sly::project_namespace(c, x.collection.project_id)?;
    Ok(json!({
        "id": x.collection.id, "name": x.collection.title, "teamId": ns, "projectId": x.collection.project_id,
        "description": x.collection.description, "options": {}, "type": "default", "meta": {},
        "createdAt": iso(x.collection.created_at), "updatedAt": iso(x.collection.updated_at),
    }))
}

pub(super) fn image_json(i: &ItemInfo) -> Value {
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
