//! The Hub's wire shapes: collections and items as the client parses them, the list query's
//! decoding, and how a Hub item reference becomes an item row.

use serde_json::{json, Value};
use trove_protocol::rules;
use trove_protocol::ItemKind;

use super::extract::{HfError, Result};
use crate::catalog::hub::{dataset_of, is_paper_id, is_repo_id, new_item};
use crate::store::access::Caller;
use crate::store::hub::{self, HubCollection, HubMember};
use crate::store::items::NewItem;
use crate::store::now_ms;
pub use crate::clock::iso_utc;

/// The item types the Hub knows.
pub(super) const TYPES: [&str; 6] = ["model", "dataset", "space", "paper", "collection", "bucket"];

pub(super) fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

pub(super) fn item_json(m: &HubMember, position: usize) -> Value {
    let mut v = json!({ "_id": m.hex_id, "id": m.id, "type": m.kind, "position": position });
    if !m.note.is_empty() {
        v["note"] = json!({ "text": m.note, "html": html_escape(&m.note) });
    }
    if m.kind == "collection" {
        v["slug"] = Value::String(m.id.clone());
    }
    v
}

/// A collection as the client's `Collection(**json)` takes it; `position` only for a single
/// collection (a list entry with it crashes the client).
pub(super) fn collection_json(c: &HubCollection, items: &[HubMember], position: Option<usize>) -> Value {
    let mut v = json!({
        "_id": c.hex_id,
        "slug": c.slug(),
        "title": c.title,
        "description": if c.description.is_empty() { Value::Null } else { Value::String(c.description.clone()) },
        "owner": { "name": c.namespace, "type": "user" },
        "items": items.iter().enumerate().map(|(k, m)| item_json(m, k)).collect::<Vec<_>>(),
        "lastUpdated": iso_utc(c.updated_at),
        "private": c.private,
        "theme": c.theme,
        "upvotes": 0,
        "isUpvotedByUser": false,
        "gating": false,
    });
    if let Some(p) = position {
        v["position"] = json!(p);
    }
    v
}

/// The collection with every item and its place on its owner's page (as the caller sees that
/// page), as a single-collection answer.
pub(super) fn full(conn: &crate::db::Connection, caller: &Caller, c: &HubCollection) -> crate::error::Result<Value> {
    Ok(collection_json(c, &hub::members(conn, c.id, None)?, Some(hub::page_position(conn, caller, c)?)))
}

/// `%xx` and `+` decoded; `None` when the result is not UTF-8.
pub(super) fn decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut k = 0;
    while k < bytes.len() {
        match bytes[k] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(k + 1..k + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                k += 2;
            }
            b => out.push(b),
        }
        k += 1;
    }
    String::from_utf8(out).ok()
}

/// `item=models/org/name` (the Hub's filter form) as an identity `model:org/name`.
pub(super) fn item_filter(value: &str) -> Option<String> {
    let (plural, id) = value.split_once('/')?;
    let kind = TYPES.iter().find(|t| plural == format!("{t}s"))?;
    Some(format!("{kind}:{id}"))
}

/// A collection slug as an item id: `{namespace}/{title-slug}-{id}`.
pub(super) fn is_collection_slug(id: &str) -> bool {
    let Some((ns, rest)) = id.split_once('/') else { return false };
    let Some((title, hex)) = rest.rsplit_once('-') else { return false };
    (1..=64).contains(&ns.len())
        && ns.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        && title.len() <= 100
        && title.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && (1..=64).contains(&hex.len())
        && hex.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// How a Hub item of `kind` with `id` is registered: its dataset and the item to insert, or a
/// 400 when the type is unknown or the id is malformed for it.
pub(super) fn hub_item(kind: &str, id: &str) -> Result<(&'static str, Box<dyn FnOnce(i64) -> NewItem + Send>)> {
    let malformed = |expected: &str| HfError::bad(format!("{kind} id {} is not valid; expected {expected}", rules::quote(id)));
    let now = now_ms();
    match kind {
        "model" | "dataset" | "space" | "paper" => {
            let k = ItemKind::parse(kind).unwrap_or(ItemKind::Model);
            if k == ItemKind::Paper && !is_paper_id(id) {
                return Err(malformed("an arXiv id such as 2306.00637"));
            }
            if k != ItemKind::Paper && !is_repo_id(id) {
                return Err(malformed("NAME or ORG/NAME, each part 1 to 96 letters, digits, '.', '_' or '-'"));
            }
            let id = id.to_string();
            Ok((dataset_of(k).1, Box::new(move |dataset| new_item(dataset, k, &id, &id, 0, &[], now))))
        }
        "collection" | "bucket" => {
            if kind == "collection" && !is_collection_slug(id) {
                return Err(malformed("a collection slug NAMESPACE/TITLE-ID"));
            }
            if kind == "bucket" && !is_repo_id(id) {
                return Err(malformed("NAME or ORG/NAME"));
            }
            let (dataset, url) = if kind == "collection" {
                ("collections", format!("https://huggingface.co/collections/{id}"))
            } else {
                ("buckets", format!("https://huggingface.co/buckets/{id}"))
            };
            let (kind, id) = (kind.to_string(), id.to_string());
            // The items table knows no collection or bucket kind yet: these references are kept
            // as `model` rows, told apart by their identity, mime type and dataset.
            Ok((
                dataset,
                Box::new(move |dataset| {
                    let mut item = new_item(dataset, ItemKind::Model, &id, &id, 0, &[], now);
                    item.mime = format!("application/x-hub-{kind}");
                    item.source = url;
                    item.identity = format!("{kind}:{id}");
                    item
                }),
            ))
        }
        other => Err(HfError::bad(format!("item type {} is not one of {}", rules::quote(other), TYPES.join(", ")))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_decode_and_item_filters_map_to_identities() {
        assert_eq!(decode("models%2Fa%2Fb+c").as_deref(), Some("models/a/b c"));
        assert_eq!(decode("%zz"), None);
        assert_eq!(decode("%4"), None);
        assert_eq!(item_filter("models/teknium/OpenHermes").as_deref(), Some("model:teknium/OpenHermes"));
        assert_eq!(item_filter("papers/2311.12983").as_deref(), Some("paper:2311.12983"));
        assert_eq!(item_filter("model/x"), None);
        assert!(is_collection_slug("lab/iccv-2023-0123456789abcdef01234567"));
        assert!(!is_collection_slug("lab/iccv 2023-01"));
        assert!(!is_collection_slug("iccv-2023"));
    }
}
