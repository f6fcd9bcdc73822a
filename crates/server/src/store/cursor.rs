//! Keyset cursors: the values of a listing's order terms on the last row of a page, with the
//! order they belong to, as an opaque URL-safe string. The next page starts strictly after
//! them, so paging is stable under inserts and costs the same on page 1 and page 10,000.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use crate::db::Value;
use serde_json::Value as Json;

use crate::error::{Error, Result};

/// Encodes `values` for the order named `order`.
pub fn encode(order: &str, values: &[Value]) -> String {
    let values: Vec<Json> = values
        .iter()
        .map(|v| match v {
            Value::Integer(i) => Json::from(*i),
            Value::Real(f) => Json::from(*f),
            Value::Text(t) => Json::from(t.clone()),
            Value::Null | Value::Blob(_) => Json::Null,
        })
        .collect();
    URL_SAFE_NO_PAD.encode(serde_json::json!([order, values]).to_string())
}

/// Decodes a cursor this server gave out for the order named `order` with `terms` values.
pub fn decode(cursor: &str, order: &str, terms: usize) -> Result<Vec<Value>> {
    let bad = || Error::Invalid(format!("cursor {cursor:?} is not one this server gave out for this listing; start again without a cursor"));
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let (got, values): (String, Vec<Json>) = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if got != order || values.len() != terms {
        return Err(bad());
    }
    values
        .into_iter()
        .map(|v| match v {
            Json::Null => Ok(Value::Null),
            Json::Bool(b) => Ok(Value::Integer(b as i64)),
            Json::Number(n) => n.as_i64().map(Value::Integer).or(n.as_f64().map(Value::Real)).ok_or_else(bad),
            Json::String(s) => Ok(Value::Text(s)),
            _ => Err(bad()),
        })
        .collect()
}

/// Reads the last `terms` columns of a row (the order terms selected after the data).
pub fn values(row: &crate::db::Row, first: usize, terms: usize) -> crate::db::Result<Vec<Value>> {
    (first..first + terms).map(|k| row.get::<_, Value>(k)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_foreign_cursors() {
        let values = vec![Value::Text("a b".into()), Value::Integer(7), Value::Null];
        let c = encode("name", &values);
        assert_eq!(decode(&c, "name", 3).unwrap(), values);
        assert!(decode(&c, "size", 3).is_err(), "a cursor of another order");
        assert!(decode(&c, "name", 2).is_err());
        assert!(decode("not base64!", "name", 3).unwrap_err().to_string().contains("not one this server gave out"));
    }
}
