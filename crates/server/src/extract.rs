//! Extractors that turn axum's plain-text rejections (malformed JSON, a wrong type, an unknown
//! field, a body over the limit, a path segment that is not a number) into the server's error
//! shape, keeping serde's message, which names the bad field and value.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;

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
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                Error::UnsupportedMediaType("the request body must be JSON, sent with `Content-Type: application/json`".into())
            }
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
