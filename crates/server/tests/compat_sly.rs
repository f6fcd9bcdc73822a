//! Supervisely's entities-collections API (`compat::sly`) through the real router: the logic
//! of each method, the exact error shape `{"error", "details": {"message"}}`, and that a
//! refused request changes nothing and is never a 5xx.

mod common;

use axum::http::{Method, StatusCode};
use common::{Response, Server};
use serde_json::{json, Value};

async fn sly(s: &Server, method: &str, token: Option<&str>, body: Value) -> Response {
    let raw = body.to_string();
    let key = token.map(|t| ("x-api-key", t));
    s.raw(Method::POST, &format!("/public/api/v3/{method}"), None, Some(&raw), key.as_slice()).await
}

/// Asserts Supervisely's error shape and returns (short, message).
fn sly_error(r: &Response, status: StatusCode) -> (String, String) {
    assert_eq!(r.status, status, "{:?}", r.body);
    let o = r.body.as_object().unwrap_or_else(|| panic!("not an object: {:?}", r.body));
    assert_eq!(o.len(), 2, "{:?}", r.body);
    let message = r.body["details"]["message"].as_str().unwrap().to_string();
    assert_eq!(r.body["details"].as_object().unwrap().len(), 1);
    (r.body["error"].as_str().unwrap().to_string(), message)
}

async fn create(s: &Server, name: &str) -> Value {
    let r = sly(s, "entities-collections.add", Some(&s.alice), json!({"projectId": s.project, "name": name, "type": "default", "description": "d"})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
}

#[tokio::test]
async fn instance_version_needs_no_token_and_everything_else_does() {
    let s = Server::new();
    let r = sly(&s, "instance.version", Some("wrong"), json!({})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, json!({"version": "6.18.3", "features": ["labeling-queues"]}));
    for token in [None, Some("wrong"), Some("trove_0000000000000000000000000000000000000000")] {
        let r = sly(&s, "users.me", token, json!({})).await;
        assert_eq!(sly_error(&r, StatusCode::UNAUTHORIZED).0, "Unauthorized");
    }
    let r = sly(&s, "users.me", Some(&s.alice), json!({})).await;
    assert_eq!(r.body["login"], "alice");
    assert!(r.body["id"].is_i64());
}

#[tokio::test]
async fn unknown_methods_are_404_and_other_http_methods_are_refused() {
    let s = Server::new();
    let (short, message) = sly_error(&sly(&s, "entities-collections.purge", Some(&s.alice), json!({})).await, StatusCode::NOT_FOUND);
    assert_eq!(short, "Not found");
    assert_eq!(message, "this server has no method \"entities-collections.purge\"");
    let long = "x".repeat(5000);
    let (_, message) = sly_error(&sly(&s, &long, Some(&s.alice), json!({})).await, StatusCode::NOT_FOUND);
    assert!(message.len() < 200, "the input is quoted, bounded: {message}");
    let r = s.call(Method::GET, "/public/api/v3/users.me", Some(&s.alice), None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn a_collection_from_create_to_remove() {
    let s = Server::new();
    let c = create(&s, "my collection").await;
    let id = c["id"].as_i64().unwrap();
    assert_eq!(c["name"], "my collection");
    assert_eq!(c["projectId"], s.project);
    assert_eq!(c["description"], "d");
    assert_eq!(c["type"], "default");
    assert!(c["meta"].is_object(), "meta is an object, never null");
    assert!(c["createdAt"].as_str().unwrap().ends_with('Z'));

    let info = sly(&s, "entities-collections.info", Some(&s.bob), json!({"id": id, "extraFields": ["meta"]})).await;
    assert_eq!(info.body["name"], "my collection", "a viewer of the project reads it");

    // Add: duplicates and re-adds are idempotent, unknown ids are `missing`, the rest is added.
    let [a, b, c3, d, _] = s.items[..] else { panic!() };
    let r = sly(&s, "entities-collections.items.bulk.add", Some(&s.alice), json!({"collectionId": id, "entityIds": [d, a, 999_999, d]})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["missing"], json!([999_999]));
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.iter().map(|i| i["entityId"].as_i64().unwrap()).collect::<Vec<_>>(), vec![d, a]);
    assert!(items.iter().all(|i| i["id"].is_i64() && i["createdAt"].is_string()));
    let r = sly(&s, "entities-collections.items.bulk.add", Some(&s.carol), json!({"collectionId": id, "entityItems": [{"entityId": a, "meta": {"score": 0.5}}, {"entityId": b}]})).await;
    assert_eq!(r.body["missing"], json!([]));
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);

    // The members through the native API, in the order they were added (the rulebook's keys).
    let slug = c_slug(&s, id).await;
    let native = s.call(Method::GET, &format!("/api/v1/collections/{slug}/items"), Some(&s.alice), None).await;
    let order: Vec<i64> = native.body["items"].as_array().unwrap().iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(order, vec![d, a, b]);

    // images.list: include, exclude, per dataset.
    let ids = |r: &Response| r.body["entities"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect::<Vec<_>>();
    let filter = |include: bool| json!([{"type": "entities_collection", "data": {"collectionId": id, "include": include}}]);
    let r = sly(&s, "images.list", Some(&s.bob), json!({"projectId": s.project, "datasetId": null, "filter": [], "filters": filter(true), "sort": "id", "sort_order": "asc"})).await;
    assert_eq!(ids(&r), vec![a, b, d]);
    assert_eq!(r.body["total"], 3);
    let r = sly(&s, "images.list", Some(&s.bob), json!({"projectId": s.project, "filters": filter(false)})).await;
    assert_eq!(ids(&r), vec![c3, s.items[4]]);
    let dataset = r.body["entities"][0]["datasetId"].as_i64().unwrap();
    let r = sly(&s, "images.list", Some(&s.bob), json!({"projectId": null, "datasetId": dataset, "filters": filter(true)})).await;
    assert_eq!(ids(&r), vec![a, b]);
    let image = &r.body["entities"][0];
    assert_eq!(image["mime"], "image/jpeg");
    assert_eq!(image["projectId"], s.project);

    // Remove items: `missing` lists those not in it.
    let r = sly(&s, "entities-collections.items.bulk.remove", Some(&s.alice), json!({"collectionId": id, "entityIds": [a, c3]})).await;
    assert_eq!(r.body["missing"], json!([c3]));
    assert_eq!(r.body["items"].as_array().unwrap().iter().map(|i| i["entityId"].as_i64().unwrap()).collect::<Vec<_>>(), vec![a]);

    // Partial update.
    let r = sly(&s, "entities-collections.editInfo", Some(&s.alice), json!({"id": id, "name": "renamed"})).await;
    assert_eq!((r.body["name"].as_str(), r.body["description"].as_str()), (Some("renamed"), Some("d")));
    let r = sly(&s, "entities-collections.editInfo", Some(&s.alice), json!({"id": id, "description": "e"})).await;
    assert_eq!((r.body["name"].as_str(), r.body["description"].as_str()), (Some("renamed"), Some("e")));

    // Remove: info 404, left out of the list.
    let r = sly(&s, "entities-collections.remove", Some(&s.alice), json!({"id": id, "hardDelete": false})).await;
    assert_eq!(r.body, json!({"success": true}));
    sly_error(&sly(&s, "entities-collections.info", Some(&s.alice), json!({"id": id})).await, StatusCode::NOT_FOUND);
    let r = sly(&s, "entities-collections.list", Some(&s.alice), json!({"projectId": s.project, "filter": [], "type": "default"})).await;
    assert_eq!(r.body, json!({"total": 0, "perPage": 1000, "pagesCount": 0, "entities": []}));
    sly_error(&sly(&s, "entities-collections.remove", Some(&s.alice), json!({"id": id, "hardDelete": true})).await, StatusCode::NOT_FOUND);
}

async fn c_slug(s: &Server, id: i64) -> String {
    let r = s.call(Method::GET, &format!("/api/v1/projects/{}/collections", s.project), Some(&s.alice), None).await;
    r.body.as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()["slug"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn lists_are_paged_as_the_sdk_expects() {
    let s = Server::new();
    for k in 0..3 {
        create(&s, &format!("c{k}")).await;
    }
    let r = sly(&s, "entities-collections.list", Some(&s.alice), json!({"projectId": s.project, "page": 2, "per_page": 2})).await;
    assert_eq!((r.body["total"].as_i64(), r.body["perPage"].as_i64(), r.body["pagesCount"].as_i64()), (Some(3), Some(2), Some(2)));
    assert_eq!(r.body["entities"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["entities"][0]["name"], "c2", "sorted by id");
    let r = sly(&s, "images.list", Some(&s.alice), json!({"projectId": s.project, "page": 3, "per_page": 2, "sort": "id", "sort_order": "asc"})).await;
    assert_eq!((r.body["total"].as_i64(), r.body["pagesCount"].as_i64()), (Some(5), Some(3)));
    assert_eq!(r.body["entities"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect::<Vec<_>>(), vec![s.items[4]]);
    let r = sly(&s, "entities-collections.list", Some(&s.alice), json!({"projectId": s.project, "filter": [{"field": "name", "operator": "=", "value": "c1"}]})).await;
    assert_eq!(r.body["total"], 1);
    // Teams, workspaces, projects, datasets.
    let r = sly(&s, "teams.list", Some(&s.alice), json!({"filter": []})).await;
    let lab = r.body["entities"].as_array().unwrap().iter().find(|t| t["name"] == "lab").unwrap().clone();
    let r = sly(&s, "workspaces.list", Some(&s.alice), json!({"teamId": lab["id"]})).await;
    assert_eq!(r.body["entities"][0]["teamId"], lab["id"]);
    let r = sly(&s, "projects.list", Some(&s.alice), json!({"workspaceId": lab["id"], "filter": []})).await;
    assert_eq!(r.body["entities"][0]["id"], s.project);
    assert_eq!(r.body["entities"][0]["type"], "images");
    let r = sly(&s, "datasets.list", Some(&s.alice), json!({"projectId": s.project, "filter": [], "recursive": false})).await;
    assert_eq!(r.body["total"], 2);
    // bob sees the project through a grant: its team is listed, with the viewer role.
    let r = sly(&s, "teams.list", Some(&s.bob), json!({})).await;
    assert!(r.body["entities"].as_array().unwrap().iter().any(|t| t["name"] == "lab" && t["role"] == "viewer"), "{:?}", r.body);
}

#[tokio::test]
async fn what_a_caller_cannot_see_is_404_and_what_they_cannot_change_is_403() {
    let s = Server::new();
    let id = create(&s, "private-ish").await["id"].as_i64().unwrap();
    let before = s.snapshot();
    for (method, body) in [
        ("entities-collections.info", json!({"id": id})),
        ("entities-collections.list", json!({"projectId": s.project})),
        ("entities-collections.editInfo", json!({"id": id, "name": "x"})),
        ("entities-collections.remove", json!({"id": id})),
        ("entities-collections.items.bulk.add", json!({"collectionId": id, "entityIds": [s.items[0]]})),
        ("entities-collections.add", json!({"projectId": s.project, "name": "mine"})),
        ("images.list", json!({"projectId": s.project})),
        ("projects.info", json!({"id": s.project})),
        ("workspaces.list", json!({"teamId": 1})),
    ] {
        let r = sly(&s, method, Some(&s.mallory), body.clone()).await;
        sly_error(&r, StatusCode::NOT_FOUND);
        assert!(!r.body.to_string().contains("private-ish"), "{method}: {:?}", r.body);
    }
    // A viewer reads, but may not change.
    let r = sly(&s, "entities-collections.items.bulk.add", Some(&s.bob), json!({"collectionId": id, "entityIds": [s.items[0]]})).await;
    assert_eq!(sly_error(&r, StatusCode::FORBIDDEN).0, "Forbidden");
    assert_eq!(s.snapshot(), before, "refused requests changed nothing");
    let r = sly(&s, "projects.list", Some(&s.mallory), json!({})).await;
    assert_eq!(r.body["total"], 0);
}

#[tokio::test]
async fn bad_input_is_a_4xx_that_names_the_field_and_changes_nothing() {
    let s = Server::new();
    let id = create(&s, "c").await["id"].as_i64().unwrap();
    let before = s.snapshot();
    let huge = "z".repeat(100_000);
    let cases: Vec<(&str, Value, StatusCode, &str)> = vec![
        ("entities-collections.info", json!({}), StatusCode::BAD_REQUEST, "\"id\" is missing; it must be a whole number"),
        ("entities-collections.info", json!({"id": "7"}), StatusCode::BAD_REQUEST, "\"id\" must be a whole number, not a string"),
        ("entities-collections.info", json!({"id": 1.5}), StatusCode::BAD_REQUEST, "\"id\" must be a whole number, not a number"),
        ("entities-collections.add", json!({"projectId": s.project, "name": huge}), StatusCode::BAD_REQUEST, ""),
        ("entities-collections.add", json!({"projectId": s.project, "name": "c"}), StatusCode::CONFLICT, ""),
        ("entities-collections.add", json!({"projectId": 987_654, "name": "n"}), StatusCode::NOT_FOUND, "project 987654 does not exist"),
        ("entities-collections.add", json!({"projectId": s.project, "name": "n", "type": huge}), StatusCode::BAD_REQUEST, ""),
        ("entities-collections.editInfo", json!({"id": id, "name": 5}), StatusCode::BAD_REQUEST, "\"name\" must be a string, not a number"),
        ("entities-collections.remove", json!({"id": id, "hardDelete": "yes"}), StatusCode::BAD_REQUEST, "\"hardDelete\" must be true or false"),
        ("entities-collections.items.bulk.add", json!({"collectionId": id}), StatusCode::BAD_REQUEST, "\"entityIds\" (a list of image ids) is missing"),
        ("entities-collections.items.bulk.add", json!({"collectionId": id, "entityIds": [1], "entityItems": []}), StatusCode::BAD_REQUEST, ""),
        ("entities-collections.items.bulk.add", json!({"collectionId": id, "entityIds": [1, "2"]}), StatusCode::BAD_REQUEST, "\"entityIds\"[1] must be a whole number, not a string"),
        ("entities-collections.items.bulk.add", json!({"collectionId": id, "entityItems": [{"entityId": 1, "meta": 3}]}), StatusCode::BAD_REQUEST, "\"entityItems\"[0].meta must be an object, not a number"),
        ("entities-collections.items.bulk.add", json!({"collectionId": id, "entityIds": vec![1; 10_001]}), StatusCode::PAYLOAD_TOO_LARGE, ""),
        ("entities-collections.items.bulk.remove", json!({"collectionId": id, "entityIds": 3}), StatusCode::BAD_REQUEST, "\"entityIds\" must be a list of whole numbers"),
        ("images.list", json!({"projectId": null, "datasetId": null}), StatusCode::BAD_REQUEST, "give \"projectId\" or \"datasetId\""),
        ("images.list", json!({"projectId": s.project, "page": 0}), StatusCode::BAD_REQUEST, "page 0 is not valid; pages count from 1"),
        ("images.list", json!({"projectId": s.project, "per_page": 1001}), StatusCode::BAD_REQUEST, ""),
        ("images.list", json!({"projectId": s.project, "sort": huge}), StatusCode::BAD_REQUEST, ""),
        ("images.list", json!({"projectId": s.project, "filters": [{"type": "entities_collection", "data": {"collectionId": 424_242}}]}), StatusCode::NOT_FOUND, "collection 424242 does not exist"),
        ("images.list", json!({"projectId": s.project, "datasetId": 424_242}), StatusCode::NOT_FOUND, "dataset 424242 does not exist"),
        ("datasets.list", json!({"projectId": s.project, "filter": [{"field": "name", "operator": "~"}]}), StatusCode::BAD_REQUEST, ""),
    ];
    for (method, body, status, message) in cases {
        let r = sly(&s, method, Some(&s.alice), body).await;
        let (_, got) = sly_error(&r, status);
        assert!(got.len() < 400, "{method}: a bounded message, {} chars", got.len());
        if !message.is_empty() {
            assert_eq!(got, message, "{method}");
        }
    }
    for raw in ["{not json", "[1, 2]", "\"id\"", &format!("{{\"id\": \"{huge}\"")] {
        let r = s.raw(Method::POST, "/public/api/v3/entities-collections.info", None, Some(raw), &[("x-api-key", &s.alice)]).await;
        let (_, message) = sly_error(&r, StatusCode::BAD_REQUEST);
        assert!(message.len() < 400);
    }
    assert_eq!(s.snapshot(), before, "refused requests changed nothing");
}

#[tokio::test]
async fn labeling_queues_follow_a_collection_and_list_their_entities_by_supervisely_status() {
    let s = Server::new();
    let id_of = |r: Response| r.body["id"].as_i64().unwrap();
    let bob = id_of(sly(&s, "users.me", Some(&s.bob), json!({})).await);
    let alice = id_of(sly(&s, "users.me", Some(&s.alice), json!({})).await);
    let coll = create(&s, "for labeling").await["id"].as_i64().unwrap();
    let meta = json!({"classes": [], "projectTags": [], "imageTags": [], "imageFiguresLimit": 0, "imageTagsLimit": 0, "dynamicClasses": false, "dynamicTags": false, "hideFigureAuthor": false});
    let r = sly(&s, "labeling-queues.add", Some(&s.alice), json!({"name": "Queue 1", "userIds": [bob], "reviewerIds": [alice], "collectionId": coll, "meta": meta})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let q = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body, json!({"id": q}));
    // The collection was empty; items added later are in the queue, pending (`null`).
    let it = s.items.clone();
    sly(&s, "entities-collections.items.bulk.add", Some(&s.alice), json!({"collectionId": coll, "entityIds": [it[2], it[0], it[1]]})).await;
    let entities = |extra: Value| {
        let mut body = json!({"id": q, "page": 1, "per_page": 25, "sort": "name", "sort_order": "asc"});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        sly(&s, "labeling-queues.stats.entities", Some(&s.alice), body)
    };
    let names = |r: &Response| r.body["images"].as_array().unwrap().iter().map(|i| format!("{}:{}", i["name"].as_str().unwrap(), i["status"])).collect::<Vec<_>>();
    let r = entities(json!({"per_page": 2})).await;
    assert_eq!((names(&r), r.body["total"].as_i64()), (vec!["alpha.jpg:null".to_string(), "beta.png:null".into()], Some(3)));
    assert_eq!((r.body["images"][0]["id"].as_i64(), r.body["images"][0]["mime"].as_str()), (Some(s.items[0]), Some("image/jpeg")));
    let r = entities(json!({"per_page": 2, "page": 2})).await;
    assert_eq!(names(&r), ["gamma.jpg:null"]);
    // Work through the native API: bob claims two and submits one; alice accepts it.
    s.call(Method::POST, &format!("/api/v1/queues/{q}/claim"), Some(&s.bob), Some(json!({"count": 2}))).await;
    let r = s.call(Method::POST, &format!("/api/v1/queues/{q}/items/{}/submit", it[2]), Some(&s.bob), Some(json!({"add": ["ok"]}))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let r = s.call(Method::POST, &format!("/api/v1/queues/{q}/review"), Some(&s.alice), Some(json!({"items": [{"item": it[2], "submission": 1}], "accept": true}))).await;
    assert_eq!(r.body["applied"], 1);
    let r = entities(json!({})).await;
    assert_eq!(names(&r), ["alpha.jpg:\"none\"", "beta.png:null", "gamma.jpg:\"accepted\""]);
    for (status, want) in [
        (json!(["accepted"]), vec!["gamma.jpg:\"accepted\""]),
        (json!("accepted"), vec!["gamma.jpg:\"accepted\""]),
        (json!([null]), vec!["beta.png:null"]),
        (json!(["null"]), vec!["beta.png:null"]),
        (json!(["none", "done"]), vec!["alpha.jpg:\"none\""]),
    ] {
        let r = entities(json!({"entityStatus": status.clone(), "filters": [{"type": "entities_collection", "data": {"collectionId": coll, "include": true}}]})).await;
        assert_eq!((names(&r), r.body["total"].as_u64()), (want.iter().map(|w| w.to_string()).collect::<Vec<_>>(), Some(want.len() as u64)), "{status}");
    }
    // Removing the collection is not blocked; the accepted history stays.
    sly(&s, "entities-collections.remove", Some(&s.alice), json!({"id": coll, "hardDelete": false})).await;
    assert_eq!(names(&entities(json!({})).await), ["gamma.jpg:\"accepted\""]);

    // Mistakes are 4xx with a sentence, never a 5xx.
    let c2 = create(&s, "other").await["id"].as_i64().unwrap();
    let cases: Vec<(&str, &str, Value, StatusCode, String)> = vec![
        ("labeling-queues.stats.entities", &s.alice, json!({"id": q, "entityStatus": ["weird"]}), StatusCode::BAD_REQUEST, "entity status \"weird\" is not valid; use null, \"none\", \"done\" or \"accepted\"".into()),
        ("labeling-queues.stats.entities", &s.alice, json!({"id": q, "entityStatus": [3]}), StatusCode::BAD_REQUEST, "\"entityStatus\"[0] must be null or a string, not a number".into()),
        ("labeling-queues.stats.entities", &s.alice, json!({"id": 424_242}), StatusCode::NOT_FOUND, "queue 424242 does not exist".into()),
        ("labeling-queues.stats.entities", &s.mallory, json!({"id": q}), StatusCode::NOT_FOUND, format!("queue {q} does not exist")),
        ("labeling-queues.stats.entities", &s.alice, json!({"id": q, "sort": "color"}), StatusCode::BAD_REQUEST, "entities cannot be sorted by \"color\"; use id, name, createdAt, updatedAt or size".into()),
        ("labeling-queues.stats.entities", &s.alice, json!({"id": q, "per_page": 0}), StatusCode::BAD_REQUEST, "per_page 0 is not valid; ask for 1 to 1000 entries per page".into()),
        ("labeling-queues.add", &s.alice, json!({"name": "q", "userIds": [424_242], "collectionId": c2}), StatusCode::BAD_REQUEST,
            "\"userIds\" names user 424242, who does not exist; use ids of users with a role in the project".into()),
        ("labeling-queues.add", &s.alice, json!({"name": "q", "userIds": [], "datasetId": 1}), StatusCode::BAD_REQUEST,
            "this server makes labeling queues from a collection only; give \"collectionId\" instead of \"datasetId\"".into()),
        ("labeling-queues.add", &s.alice, json!({"name": "", "userIds": [], "collectionId": c2}), StatusCode::BAD_REQUEST, "the queue's name is empty; a queue needs a name".into()),
        ("labeling-queues.add", &s.alice, json!({"name": "q", "userIds": "me", "collectionId": c2}), StatusCode::BAD_REQUEST, "\"userIds\" must be a list of whole numbers".into()),
        ("labeling-queues.add", &s.bob, json!({"name": "q", "userIds": [], "collectionId": c2}), StatusCode::FORBIDDEN, format!("you have the viewer role in project {}; this needs the editor role", s.project)),
        ("labeling-queues.add", &s.alice, json!({"name": "q", "userIds": [], "collectionId": coll}), StatusCode::NOT_FOUND, format!("collection {coll} does not exist")),
    ];
    let before = s.snapshot();
    for (method, token, body, status, message) in cases {
        let (_, got) = sly_error(&sly(&s, method, Some(token), body.clone()).await, status);
        assert_eq!(got, message, "{method} {body}");
    }
    assert_eq!(s.snapshot(), before, "refused requests changed nothing");
}
