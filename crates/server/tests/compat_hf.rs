//! The Hugging Face collections API at router level: the wire shapes the real client needs,
//! the exact error bodies (`{"error": "..."}`, plus `slug` on a create conflict), privacy, and
//! that HF edits are ordinary edits the native API sees. `tests/compat/test_hf.py` drives the
//! same routes with the real `huggingface_hub`.

mod common;

use axum::http::{Method, StatusCode};
use common::{Response, Server};
use serde_json::{json, Value};

/// The message of an HF error answer, asserting its shape: `{"error": "<message>"}` only.
fn hf_error(r: &Response) -> String {
    let obj = r.body.as_object().unwrap_or_else(|| panic!("not a JSON object: {} {:?}", r.status, r.bytes));
    assert_eq!(obj.len(), 1, "only `error` at the top: {:?}", r.body);
    assert!(r.headers.get("x-error-code").is_none());
    r.body["error"].as_str().unwrap_or_else(|| panic!("error is not a string: {:?}", r.body)).to_string()
}

async fn create(s: &Server, token: &str, body: Value) -> Value {
    let r = s.call(Method::POST, "/api/collections", Some(token), Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
}

async fn add(s: &Server, slug: &str, id: &str, kind: &str, note: Option<&str>) -> Response {
    let mut body = json!({"item": {"id": id, "type": kind}});
    if let Some(n) = note {
        body["note"] = json!(n);
    }
    s.call(Method::POST, &format!("/api/collections/{slug}/items"), Some(&s.alice), Some(body)).await
}

fn pairs(c: &Value) -> Vec<(String, String, u64)> {
    c["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["id"].as_str().unwrap().to_string(), i["type"].as_str().unwrap().to_string(), i["position"].as_u64().unwrap()))
        .collect()
}

#[tokio::test]
async fn whoami_names_the_user_and_their_orgs_and_needs_a_valid_token() {
    let s = Server::new();
    let r = s.call(Method::GET, "/api/whoami-v2", Some(&s.carol), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["name"], "carol");
    assert_eq!(r.body["type"], "user");
    assert_eq!(r.body["orgs"], json!([{"type": "org", "name": "lab", "fullname": "lab", "roleInOrg": "editor"}]));

    let r = s.call(Method::GET, "/api/whoami-v2", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(hf_error(&r).starts_with("this route needs an API token"));
    let r = s.call(Method::GET, "/api/whoami-v2", Some("trove_not-a-token"), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(hf_error(&r), "the API token is not valid on this server");
}

#[tokio::test]
async fn a_created_collection_has_every_field_the_client_reads() {
    let s = Server::new();
    let c = create(&s, &s.alice, json!({"title": "ICCV 2023", "namespace": "lab", "description": "Portfolio", "private": false})).await;
    let slug = c["slug"].as_str().unwrap();
    let hex = slug.strip_prefix("lab/iccv-2023-").unwrap();
    assert_eq!(hex.len(), 24);
    assert_eq!(c["_id"], hex);
    assert_eq!(c["title"], "ICCV 2023");
    assert_eq!(c["description"], "Portfolio");
    assert_eq!(c["owner"], json!({"name": "lab", "type": "user"}));
    assert_eq!(c["items"], json!([]));
    assert_eq!(c["private"], false);
    assert_eq!(c["theme"], "orange");
    assert_eq!(c["upvotes"], 0);
    assert_eq!(c["position"], 0);
    let last = c["lastUpdated"].as_str().unwrap();
    assert!(last.ends_with('Z') && last.len() == 24, "{last}");

    // The native API sees the same collection, in lab's hub project.
    let r = s.call(Method::GET, &format!("/api/v1/collections/{slug}"), Some(&s.alice), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["title"], "ICCV 2023");

    // Without a namespace: the caller's own.
    let own = create(&s, &s.bob, json!({"title": "Mine"})).await;
    assert!(own["slug"].as_str().unwrap().starts_with("bob/mine-"));
}

#[tokio::test]
async fn a_title_conflict_is_a_409_naming_the_existing_slug_and_changes_nothing() {
    let s = Server::new();
    let c = create(&s, &s.alice, json!({"title": "ICCV 2023", "namespace": "lab", "description": "first"})).await;
    let before = s.snapshot();
    let r = s.call(Method::POST, "/api/collections", Some(&s.carol), Some(json!({"title": "iccv  2023!", "namespace": "lab", "description": "second"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        r.body,
        json!({"error": format!("you already have a collection titled \"ICCV 2023\" ({})", c["slug"].as_str().unwrap()), "slug": c["slug"]})
    );
    assert_eq!(s.snapshot(), before);
}

#[tokio::test]
async fn writes_need_a_token_and_a_role_and_bad_input_is_a_400() {
    let s = Server::new();
    let before = s.snapshot();
    let cases: Vec<(Option<&str>, Value, StatusCode, &str)> = vec![
        (None, json!({"title": "T", "namespace": "lab"}), StatusCode::UNAUTHORIZED, "this route needs an API token"),
        (Some("trove_bad"), json!({"title": "T", "namespace": "lab"}), StatusCode::UNAUTHORIZED, "the API token is not valid on this server"),
        (Some(&s.mallory), json!({"title": "T", "namespace": "lab"}), StatusCode::FORBIDDEN, "you cannot create collections in namespace \"lab\""),
        (Some(&s.mallory), json!({"title": "T", "namespace": "nowhere"}), StatusCode::FORBIDDEN, "you cannot create collections in namespace \"nowhere\""),
        (Some(&s.alice), json!({"title": "  ", "namespace": "lab"}), StatusCode::BAD_REQUEST, "title is empty; a collection needs a title"),
        (Some(&s.alice), json!({"namespace": "lab"}), StatusCode::BAD_REQUEST, "the request body is not valid: missing field `title`"),
        (Some(&s.alice), json!({"title": "T", "description": "d".repeat(151)}), StatusCode::BAD_REQUEST, "description"),
    ];
    for (token, body, status, message) in cases {
        let r = s.call(Method::POST, "/api/collections", token, Some(body.clone())).await;
        assert_eq!(r.status, status, "{body}: {:?}", r.body);
        assert!(hf_error(&r).starts_with(message), "{body}: {:?}", r.body);
    }
    let r = s.raw(Method::POST, "/api/collections", Some(&s.alice), Some("{"), &[]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(hf_error(&r).starts_with("the request body is not valid JSON"));
    assert_eq!(s.snapshot(), before, "a refused create changes nothing");
}

#[tokio::test]
async fn private_collections_exist_only_for_their_namespace_public_ones_for_everybody() {
    let s = Server::new();
    let private = create(&s, &s.alice, json!({"title": "Secret", "namespace": "lab", "private": true})).await;
    let public = create(&s, &s.alice, json!({"title": "Open", "namespace": "lab"})).await;
    let (ps, us) = (private["slug"].as_str().unwrap(), public["slug"].as_str().unwrap());

    for token in [None, Some(s.mallory.as_str())] {
        let r = s.call(Method::GET, &format!("/api/collections/{ps}"), token, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(hf_error(&r), format!("collection \"{ps}\" does not exist"));
        let r = s.call(Method::GET, &format!("/api/collections/{us}"), token, None).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        let r = s.call(Method::GET, "/api/collections?owner=lab", token, None).await;
        let slugs: Vec<&str> = r.body.as_array().unwrap().iter().map(|c| c["slug"].as_str().unwrap()).collect();
        assert_eq!(slugs, [us]);
    }
    let r = s.call(Method::GET, &format!("/api/collections/{ps}"), Some(&s.carol), None).await;
    assert_eq!(r.status, StatusCode::OK);

    // Someone else's: invisible is 404, visible but not theirs is 403; nothing changes.
    let before = s.snapshot();
    let r = s.call(Method::PATCH, &format!("/api/collections/{ps}"), Some(&s.mallory), Some(json!({"title": "Mine"}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = s.call(Method::PATCH, &format!("/api/collections/{us}"), Some(&s.mallory), Some(json!({"title": "Mine"}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(hf_error(&r), format!("you cannot change collection {us}"));
    let r = s.call(Method::DELETE, &format!("/api/collections/{us}"), Some(&s.mallory), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = s.call(Method::POST, &format!("/api/collections/{us}/items"), Some(&s.mallory), Some(json!({"item": {"id": "gpt2", "type": "model"}}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = s.call(Method::DELETE, &format!("/api/collections/{us}"), None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(s.snapshot(), before);

    // A collection of an image project is not a Hub collection.
    let native = s.collection("Photos picks", false).await;
    let r = s.call(Method::GET, &format!("/api/collections/{}", native["slug"].as_str().unwrap()), Some(&s.alice), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn metadata_updates_rename_the_slug_and_the_old_one_keeps_resolving() {
    let s = Server::new();
    let c = create(&s, &s.alice, json!({"title": "ICCV 2023", "namespace": "lab"})).await;
    let old = c["slug"].as_str().unwrap();
    let r = s
        .call(Method::PATCH, &format!("/api/collections/{old}"), Some(&s.alice), Some(json!({"title": "ICCV Oct. 2023", "description": "d", "private": true, "theme": "pink", "position": 0})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["success"], true);
    let data = &r.body["data"];
    let new = data["slug"].as_str().unwrap();
    assert_eq!(new, old.replace("iccv-2023-", "iccv-oct-2023-"));
    assert_eq!((data["private"].clone(), data["theme"].clone(), data["position"].clone()), (json!(true), json!("pink"), json!(0)));
    for slug in [old, new] {
        let r = s.call(Method::GET, &format!("/api/collections/{slug}"), Some(&s.alice), None).await;
        assert_eq!(r.body["slug"], new);
    }
    let before = s.snapshot();
    for (body, message) in [
        (json!({"theme": "plaid"}), "theme \"plaid\" is not one of orange, blue, green, purple, pink, indigo"),
        (json!({"position": -1}), "position \"-1\" is not a non-negative whole number"),
        (json!({"title": "x".repeat(61)}), "title is 61 characters"),
        (json!({"private": "yes"}), "the request body is not valid"),
    ] {
        let r = s.call(Method::PATCH, &format!("/api/collections/{old}"), Some(&s.alice), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(hf_error(&r).starts_with(message), "{body}: {:?}", r.body);
    }
    assert_eq!(s.snapshot(), before);

    // Delete: then 404 everywhere.
    let r = s.call(Method::DELETE, &format!("/api/collections/{old}"), Some(&s.alice), None).await;
    assert_eq!(r.status, StatusCode::OK);
    for method in [Method::GET, Method::DELETE] {
        let r = s.call(method, &format!("/api/collections/{new}"), Some(&s.alice), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(hf_error(&r), format!("collection \"{new}\" does not exist"));
    }
}

#[tokio::test]
async fn items_are_registered_appended_moved_noted_and_removed_through_the_store() {
    let s = Server::new();
    let c = create(&s, &s.alice, json!({"title": "OS Week", "namespace": "lab"})).await;
    let slug = c["slug"].as_str().unwrap().to_string();
    for (id, kind, note) in [
        ("coqui/xtts", "space", None),
        ("warp-ai/wuerstchen", "model", Some("fast & <small>")),
        ("lmsys/lmsys-chat-1m", "dataset", None),
        ("warp-ai/wuerstchen", "space", None),
    ] {
        let r = add(&s, &slug, id, kind, note).await;
        assert_eq!(r.status, StatusCode::OK, "{id}: {:?}", r.body);
        assert_eq!(r.body["position"], 0, "a full collection with its position");
    }
    let r = s.call(Method::GET, &format!("/api/collections/{slug}"), None, None).await;
    let c = r.body;
    assert_eq!(
        pairs(&c),
        [("coqui/xtts".into(), "space".into(), 0), ("warp-ai/wuerstchen".into(), "model".into(), 1), ("lmsys/lmsys-chat-1m".into(), "dataset".into(), 2), ("warp-ai/wuerstchen".into(), "space".into(), 3)]
    );
    assert_eq!(c["items"][1]["note"], json!({"text": "fast & <small>", "html": "fast &amp; &lt;small&gt;"}));
    assert!(c["items"][0].get("note").is_none());
    let ids: Vec<String> = c["items"].as_array().unwrap().iter().map(|i| i["_id"].as_str().unwrap().to_string()).collect();

    // Duplicates, bad types, malformed ids, long notes: refused, nothing written.
    let before = s.snapshot();
    for (id, kind, note, status, message) in [
        ("warp-ai/wuerstchen", "model", None, StatusCode::CONFLICT, format!("item \"warp-ai/wuerstchen\" of type model is already in collection {slug}")),
        ("gpt2", "repo", None, StatusCode::BAD_REQUEST, "item type \"repo\" is not one of model, dataset, space, paper, collection, bucket".into()),
        ("a/b/c", "model", None, StatusCode::BAD_REQUEST, "model id \"a/b/c\" is not valid; expected NAME or ORG/NAME, each part 1 to 96 letters, digits, '.', '_' or '-'".into()),
        ("2306.637", "paper", None, StatusCode::BAD_REQUEST, "paper id \"2306.637\" is not valid; expected an arXiv id such as 2306.00637".into()),
        ("iccv", "collection", None, StatusCode::BAD_REQUEST, "collection id \"iccv\" is not valid; expected a collection slug NAMESPACE/TITLE-ID".into()),
        ("gpt2", "model", Some("x".repeat(501)), StatusCode::BAD_REQUEST, "note is 501 characters; at most 500 are allowed".into()),
    ] {
        let r = add(&s, &slug, id, kind, note.as_deref()).await;
        assert_eq!(r.status, status, "{id} {kind}: {:?}", r.body);
        assert_eq!(hf_error(&r), message);
    }
    let r = s.call(Method::POST, &format!("/api/collections/{slug}/items"), Some(&s.alice), Some(json!({"item": {"id": "gpt2"}}))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(s.snapshot(), before);
    let r = s.call(Method::POST, &format!("/api/collections/{slug}/items"), Some(&s.alice), Some(json!({"item": {"id": "warp-ai/wuerstchen", "type": "model"}, "exists_ok": true}))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(s.snapshot(), before, "exists_ok leaves it unchanged");
    let r = add(&s, &slug, "gpt2", "model", Some(&"x".repeat(500))).await;
    assert_eq!(r.status, StatusCode::OK, "exactly 500 characters is accepted");

    // Note and move (index 3 to 2), through members::update.
    let item = |k: usize| format!("/api/collections/{slug}/items/{}", ids[k]);
    let r = s.call(Method::PATCH, &item(2), Some(&s.alice), Some(json!({"note": "a million"}))).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = s.call(Method::PATCH, &item(2), Some(&s.alice), Some(json!({"note": "x".repeat(501)}))).await;
    assert_eq!((r.status, hf_error(&r)), (StatusCode::BAD_REQUEST, "note is 501 characters; at most 500 are allowed".into()));
    let r = s.call(Method::PATCH, &item(3), Some(&s.alice), Some(json!({"position": 1}))).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = s.call(Method::PATCH, &item(0), Some(&s.alice), Some(json!({"position": 1000}))).await;
    let order: Vec<&str> = r.body["items"].as_array().unwrap().iter().map(|i| i["_id"].as_str().unwrap()).collect();
    assert_eq!(order[..3], [ids[3].as_str(), ids[1].as_str(), ids[2].as_str()]);
    assert_eq!(order.last().copied(), Some(ids[0].as_str()), "a position past the end is clamped to the last index");
    assert_eq!(r.body["items"][2]["note"]["text"], "a million");

    // The native API sees the same members, in the same order, with the same notes.
    let r = s.call(Method::GET, &format!("/api/v1/collections/{slug}/items"), Some(&s.alice), None).await;
    let native: Vec<String> = r.body["items"].as_array().unwrap().iter().map(|m| m["membership_hex_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(native, order);

    // Unknown item ids; removal; removing again.
    let r = s.call(Method::PATCH, &format!("/api/collections/{slug}/items/{}", "0".repeat(24)), Some(&s.alice), Some(json!({"note": "x"}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(hf_error(&r), format!("item \"{}\" is not in collection {slug}", "0".repeat(24)));
    let r = s.call(Method::DELETE, &item(0), Some(&s.alice), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = s.call(Method::DELETE, &item(0), Some(&s.alice), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = s.call(Method::GET, &format!("/api/collections/{slug}"), None, None).await;
    let positions: Vec<u64> = r.body["items"].as_array().unwrap().iter().map(|i| i["position"].as_u64().unwrap()).collect();
    assert_eq!(positions, [0, 1, 2, 3], "positions stay contiguous");
}

#[tokio::test]
async fn list_entries_have_no_position_and_at_most_four_items_and_filter_by_owner_and_item() {
    let s = Server::new();
    let a = create(&s, &s.alice, json!({"title": "Five", "namespace": "lab"})).await;
    let slug = a["slug"].as_str().unwrap();
    for k in 0..5 {
        assert_eq!(add(&s, slug, &format!("org/m{k}"), "model", None).await.status, StatusCode::OK);
    }
    create(&s, &s.bob, json!({"title": "Bob's"})).await;
    let r = s.call(Method::GET, "/api/collections?owner=lab&sort=lastModified", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let list = r.body.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert!(list[0].get("position").is_none());
    assert_eq!(list[0]["items"].as_array().unwrap().len(), 4);
    let r = s.call(Method::GET, "/api/collections?owner=lab&owner=bob", None, None).await;
    assert_eq!(r.body.as_array().unwrap().len(), 2);
    let r = s.call(Method::GET, "/api/collections?item=models%2Forg%2Fm4", None, None).await;
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    let r = s.call(Method::GET, "/api/collections?item=datasets/org/m4", None, None).await;
    assert_eq!(r.body, json!([]));
    let r = s.call(Method::GET, "/api/collections?limit=1", None, None).await;
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    assert!(r.headers.get("link").is_none(), "a limit the page covers needs no next page");
    for (q, message) in [
        ("limit=0", "limit \"0\" is not a whole number of at least 1"),
        ("sort=best", "sort \"best\" is not one of lastModified, trending, upvotes"),
        ("item=gpt2", "item \"gpt2\" is not of the form TYPE/ID"),
    ] {
        let r = s.call(Method::GET, &format!("/api/collections?{q}"), None, None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
        assert!(hf_error(&r).starts_with(message), "{q}: {:?}", r.body);
    }
}

#[tokio::test]
async fn a_collection_keeps_its_place_on_the_owners_page_and_others_count_only_what_they_see() {
    let s = Server::new();
    let a = create(&s, &s.alice, json!({"title": "First", "namespace": "lab"})).await;
    let hidden = create(&s, &s.alice, json!({"title": "Hidden", "namespace": "lab", "private": true})).await;
    let c = create(&s, &s.alice, json!({"title": "Third", "namespace": "lab"})).await;
    let place = |v: &Value| v["position"].as_u64().unwrap();
    assert_eq!([place(&a), place(&hidden), place(&c)], [0, 1, 2], "new collections join the end of the page");

    let slug = |v: &Value| v["slug"].as_str().unwrap().to_string();
    let r = s.call(Method::PATCH, &format!("/api/collections/{}", slug(&c)), Some(&s.alice), Some(json!({"position": 0}))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["data"]["position"], 0);
    let s = &s;
    let at = |token: Option<&'static str>, v: &Value| {
        let path = format!("/api/collections/{}", slug(v));
        async move { s.call(Method::GET, &path, token.map(|_| s.carol.as_str()), None).await.body["position"].as_u64().unwrap() }
    };
    assert_eq!([at(Some("carol"), &c).await, at(Some("carol"), &a).await, at(Some("carol"), &hidden).await], [0, 1, 2]);
    // Past the end is the last place; a private collection is not counted for outsiders.
    let r = s.call(Method::PATCH, &format!("/api/collections/{}", slug(&a)), Some(&s.alice), Some(json!({"position": 99}))).await;
    assert_eq!(r.body["data"]["position"], 2);
    assert_eq!([at(None, &c).await, at(None, &a).await], [0, 1], "anonymous readers see no gap where the private one is");

    // The place is page presentation only: the collection's synced fields did not change.
    let before = s.call(Method::GET, &format!("/api/collections/{}", slug(&c)), Some(&s.alice), None).await.body["lastUpdated"].clone();
    s.call(Method::PATCH, &format!("/api/collections/{}", slug(&c)), Some(&s.alice), Some(json!({"position": 1}))).await;
    let after = s.call(Method::GET, &format!("/api/collections/{}", slug(&c)), Some(&s.alice), None).await;
    assert_eq!((after.body["position"].clone(), after.body["lastUpdated"].clone()), (json!(1), before));
}
