//! Extractors that turn axum's plain-text rejections (malformed JSON, a wrong type, an unknown
//! field, a body over the limit, a path segment that is not a number) into the server's error
//! shape, keeping serde's message, which names the bad field and value. Also the checks a
//! handler that reads its own body needs: [`is_json`], [`json_values_over`].

use std::cell::Cell;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::Error;

#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(Error))]
pub struct Json<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Error))]
pub struct Query<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Error))]
pub struct Path<T>(pub T);

impl From<JsonRejection> for Error {
    fn from(r: JsonRejection) -> Self {
        match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Error::TooLarge(format!(
                "the request body is larger than {} bytes, the most this server accepts",
                crate::state::Limits::default().body_bytes
            )),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => not_json(),
            _ => Error::Invalid(clean(&r.body_text())),
        }
    }
}

impl From<QueryRejection> for Error {
    fn from(r: QueryRejection) -> Self {
        Error::Invalid(clean(&r.body_text()))
    }
}

impl From<PathRejection> for Error {
    fn from(r: PathRejection) -> Self {
        use axum::extract::path::ErrorKind;
        if let PathRejection::FailedToDeserializePathParams(e) = &r {
            let (key, value, expected) = match e.kind() {
                ErrorKind::ParseErrorAtKey { key, value, expected_type } => (Some(key.as_str()), value, *expected_type),
                ErrorKind::ParseErrorAtIndex { value, expected_type, .. } | ErrorKind::ParseError { value, expected_type } => {
                    (None, value, *expected_type)
                }
                _ => return Error::Invalid(clean(&r.body_text())),
            };
            let what = key.map(|k| format!("{k} ")).unwrap_or_default();
            return Error::Invalid(format!("{what}{value:?} in the path is not {}", plain_type(expected)));
        }
        Error::Invalid(clean(&r.body_text()))
    }
}

/// A Rust type name as a person would say it.
fn plain_type(rust: &str) -> &'static str {
    match rust {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a non-negative whole number",
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number",
        "f32" | "f64" => "a number",
        "bool" => "true or false",
        _ => "of the expected form",
    }
}

/// axum's messages start with a capital and a generic prefix; keep the informative part in the
/// house style (lowercase, no trailing period).
fn clean(text: &str) -> String {
    let mut text = text.to_string();
    // serde names Rust types; say what a caller sends instead.
    for (rust, plain) in [("u64", "a non-negative whole number"), ("u32", "a non-negative whole number"), ("i64", "a whole number"), ("i32", "a whole number")] {
        text = text.replace(&format!("expected {rust}"), &format!("expected {plain}"));
    }
    while let Some(at) = text.find("expected struct ") {
        let end = text[at + 16..].find(|c: char| !c.is_alphanumeric() && c != '_').map_or(text.len(), |k| at + 16 + k);
        text.replace_range(at..end, "expected a JSON object");
    }
    let text = text
        .replace("Failed to deserialize the JSON body into the target type: ", "the request body is not valid: ")
        .replace("Failed to parse the request body as JSON: ", "the request body is not valid JSON: ")
        .replace("Failed to deserialize query string: ", "the query string is not valid: ")
        .replace("Invalid URL: ", "the URL is not valid: ");
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect::<String>().trim_end_matches('.').to_string(),
        None => text,
    }
}

/// The refusal of a body that is not declared as JSON.
pub fn not_json() -> Error {
    Error::UnsupportedMediaType("the request body must be JSON, sent with `Content-Type: application/json`".into())
}

/// Whether the request says its body is JSON (`application/json`, or a `+json` type), as
/// axum's `Json` extractor requires.
pub fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    match essence.split_once('/') {
        Some((kind, sub)) => kind == "application" && (sub == "json" || sub.ends_with("+json")),
        None => false,
    }
}

/// Whether the JSON document in `bytes` holds more than `max` values (scalars, arrays,
/// objects, and object keys), found without keeping any of them: a document's size does not
/// bound what parsing it allocates, its number of values does. Stops counting at `max + 1`.
/// A document that is not JSON counts only what came before the error (the real parse then
/// says what is wrong). Nesting is bounded by serde_json's recursion limit.
pub fn json_values_over(bytes: &[u8], max: usize) -> bool {
    let count = Cell::new(0usize);
    let _ = Count { count: &count, max }.deserialize(&mut serde_json::Deserializer::from_slice(bytes));
    count.get() > max
}

#[derive(Clone, Copy)]
struct Count<'a> {
    count: &'a Cell<usize>,
    max: usize,
}

impl Count<'_> {
    fn one<E: serde::de::Error>(self) -> Result<(), E> {
        self.count.set(self.count.get() + 1);
        if self.count.get() > self.max {
            return Err(E::custom("too many values"));
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Count<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Count<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<(), E> {
        self.one()
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<(), E> {
        self.one()
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<(), E> {
        self.one()
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<(), E> {
        self.one()
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<(), E> {
        self.one()
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.one()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.one()?;
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.one()?;
        while map.next_key::<IgnoredAny>()?.is_some() {
            self.one()?;
            map.next_value_seed(self)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_counted_to_the_limit_and_no_further() {
        assert!(!json_values_over(br#"{"a": [1, "x", null, true, {"b": []}]}"#, 10));
        assert!(json_values_over(br#"{"a": [1, "x", null, true, {"b": []}]}"#, 9));
        let many = format!("[{}\"a\"]", "\"a\",".repeat(2_000_000));
        assert!(json_values_over(many.as_bytes(), 1_000_000));
        // Not JSON: the count so far, and the real parse reports the error.
        assert!(!json_values_over(b"[1, 2,", 10));
    }

    #[test]
    fn json_content_types() {
        let with = |v: &str| HeaderMap::from_iter([(header::CONTENT_TYPE, v.parse().unwrap())]);
        assert!(is_json(&with("application/json")));
        assert!(is_json(&with("Application/JSON; charset=utf-8")));
        assert!(is_json(&with("application/vnd.api+json")));
        assert!(!is_json(&with("text/plain")));
        assert!(!is_json(&HeaderMap::new()));
    }
}
