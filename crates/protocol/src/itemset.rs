//! A compact, ordered list of item numbers: how a bulk action names its items on the wire.
//!
//! Every item of a synced project has a number, stable and unique within its project
//! ([`crate::sync::SyncItem::no`]). A bulk mutation (`add_item_set`, ...) names up to
//! [`SET_MAX`] items by number, in the user's order, as the base64url text of the differences
//! between consecutive numbers (zigzag, LEB128 varints): about one byte per item for a
//! selection in catalog order, three or four for a shuffled one — where a list of UUIDs takes
//! forty. The order is kept because it is the order the items are placed in.
//!
//! Decoding is bounded: at most [`SET_MAX`] numbers, each in `1..=i64::MAX`, from at most
//! [`TEXT_MAX`] characters; anything else is a [`RuleError`] that quotes the text cut short.

use serde::{Deserialize, Serialize};

use crate::rules::RuleError;

/// Most items one set names. A bigger action is recorded as several mutations.
pub const SET_MAX: usize = 100_000;
/// Largest item number: 2^36 - 1 (68 billion items in one project), so that a number and its
/// index in a set pack into one integer ([`packed`]).
pub const NUMBER_MAX: i64 = (1 << 36) - 1;
/// Bits of a [`packed`] value that hold the index (2^27 = 134,217,728 > `position::RANK_MAX`).
pub const INDEX_BITS: u32 = 27;
/// Longest encoded text: ten bytes per number at most, in base64.
pub const TEXT_MAX: usize = (SET_MAX * 10).div_ceil(3) * 4;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Item numbers in order, encoded (see the module's documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ItemSet(String);

fn bad(text: &str, why: &'static str) -> RuleError {
    RuleError::BadId { what: "item set", value: text.to_string(), expected: why }
}

impl ItemSet {
    /// Encodes numbers (each at least 1) in the order given.
    pub fn encode(numbers: &[i64]) -> ItemSet {
        let mut bytes = Vec::with_capacity(numbers.len() + 8);
        let mut prev = 0i64;
        for &n in numbers {
            debug_assert!(n >= 1, "item numbers start at 1");
            let d = n.wrapping_sub(prev);
            prev = n;
            let mut z = ((d << 1) ^ (d >> 63)) as u64;
            loop {
                let b = (z & 0x7f) as u8;
                z >>= 7;
                if z == 0 {
                    bytes.push(b);
                    break;
                }
                bytes.push(b | 0x80);
            }
        }
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let v = chunk.iter().enumerate().fold(0u32, |v, (i, b)| v | (*b as u32) << (16 - 8 * i));
            for k in 0..chunk.len() + 1 {
                out.push(ALPHABET[(v >> (18 - 6 * k) & 63) as usize] as char);
            }
        }
        ItemSet(out)
    }

    /// Text read back from elsewhere (a stored history entry); [`ItemSet::decode`] checks it.
    pub fn from_text(text: String) -> ItemSet {
        ItemSet(text)
    }

    /// The encoded text, as it travels.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The numbers, in order; refuses text that is not a well-formed set of at most
    /// [`SET_MAX`] distinct numbers in `1..=i64::MAX`.
    pub fn decode(&self) -> Result<Vec<i64>, RuleError> {
        let text = self.0.as_bytes();
        if text.len() > TEXT_MAX {
            return Err(RuleError::TooMany { what: "characters", action: "item set", n: text.len(), max: TEXT_MAX });
        }
        if text.len() % 4 == 1 {
            return Err(bad(&self.0, "it is base64url text without padding"));
        }
        let mut bytes = Vec::with_capacity(text.len() / 4 * 3 + 2);
        for chunk in text.chunks(4) {
            let mut v = 0u32;
            for (i, c) in chunk.iter().enumerate() {
                let d = ALPHABET.iter().position(|a| a == c).ok_or_else(|| bad(&self.0, "it is base64url text without padding"))?;
                v |= (d as u32) << (18 - 6 * i);
            }
            for k in 0..chunk.len() - 1 {
                bytes.push((v >> (16 - 8 * k)) as u8);
            }
        }
        let mut out = Vec::new();
        let (mut prev, mut z, mut shift) = (0i64, 0u64, 0u32);
        for (at, b) in bytes.iter().enumerate() {
            if shift > 63 || (shift == 63 && b & 0x7e != 0) {
                return Err(bad(&self.0, "a number is out of range"));
            }
            z |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 != 0 {
                shift += 7;
                if at + 1 == bytes.len() {
                    return Err(bad(&self.0, "it ends inside a number"));
                }
                continue;
            }
            let d = (z >> 1) as i64 ^ -((z & 1) as i64);
            prev = prev.checked_add(d).filter(|n| (1..=NUMBER_MAX).contains(n)).ok_or_else(|| bad(&self.0, "item numbers are 1 to 68719476735"))?;
            if out.len() == SET_MAX {
                return Err(RuleError::TooMany { what: "items", action: "item set", n: SET_MAX + 1, max: SET_MAX });
            }
            out.push(prev);
            (z, shift) = (0, 0);
        }
        let mut sorted = out.clone();
        sorted.sort_unstable();
        if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(RuleError::BadId { what: "item set", value: format!("naming item {} twice", w[0]), expected: "each item is named once" });
        }
        Ok(out)
    }
}

/// Each number with its index in `numbers` packed into one integer (`number << INDEX_BITS |
/// index`), sorted by number: a replica reads them from one bound array (`number_sql`,
/// `index_sql`) and writes its rows in key order instead of at random places. `None` when a
/// number is out of range or there are too many to index.
pub fn packed(numbers: &[i64]) -> Option<Vec<i64>> {
    if numbers.len() > 1 << INDEX_BITS || numbers.iter().any(|n| !(1..=NUMBER_MAX).contains(n)) {
        return None;
    }
    let mut out: Vec<i64> = numbers.iter().enumerate().map(|(i, n)| n << INDEX_BITS | i as i64).collect();
    out.sort_unstable();
    Some(out)
}

/// The number of a [`packed`] value, as SQL over the expression `v`.
pub fn number_sql(v: &str) -> String {
    format!("({v} >> {INDEX_BITS})")
}

/// The index of a [`packed`] value, as SQL over the expression `v`.
pub fn index_sql(v: &str) -> String {
    format!("({v} & {})", (1i64 << INDEX_BITS) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(numbers: &[i64]) {
        let set = ItemSet::encode(numbers);
        assert_eq!(set.decode().unwrap(), numbers, "{}", set.as_str());
    }

    #[test]
    fn numbers_come_back_in_their_order() {
        round(&[]);
        round(&[1]);
        round(&[1, 2, 3, 4]);
        round(&[5, 3, 900, 1, NUMBER_MAX, 2, NUMBER_MAX - 7, 4]);
        let mut state = 7u64;
        let mut seen = std::collections::HashSet::new();
        let shuffled: Vec<i64> = (0..5000)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (state >> 33) as i64 + 1
            })
            .filter(|n| seen.insert(*n))
            .collect();
        round(&shuffled);
        for len in 0..12 {
            round(&(1..=len).collect::<Vec<_>>());
        }
    }

    #[test]
    fn packed_values_sort_by_number_and_keep_their_index() {
        let p = packed(&[30, 10, 20, NUMBER_MAX]).unwrap();
        let unpack = |v: i64| (v >> INDEX_BITS, v & ((1 << INDEX_BITS) - 1));
        assert_eq!(p.iter().map(|v| unpack(*v)).collect::<Vec<_>>(), [(10, 1), (20, 2), (30, 0), (NUMBER_MAX, 3)]);
        assert_eq!(packed(&[NUMBER_MAX + 1]), None);
        assert_eq!(packed(&[0]), None);
        assert!(ItemSet::encode(&[NUMBER_MAX + 1]).decode().is_err(), "a number too large to pack");
    }

    #[test]
    fn a_selection_in_catalog_order_takes_about_a_byte_per_item() {
        let set = ItemSet::encode(&(1..=SET_MAX as i64).collect::<Vec<_>>());
        assert!(set.as_str().len() <= SET_MAX * 4 / 3 + 4, "{}", set.as_str().len());
        assert_eq!(set.decode().unwrap().len(), SET_MAX);
    }

    #[test]
    fn hostile_text_is_refused_with_a_short_quote() {
        let too_many = ItemSet::encode(&(1..=SET_MAX as i64 + 1).collect::<Vec<_>>());
        assert_eq!(
            too_many.decode().unwrap_err().to_string(),
            format!("{} items in one item set; at most {SET_MAX} are allowed", SET_MAX + 1)
        );
        for text in ["A", "AB*", "gA", "____________________", "AA=="] {
            let err = ItemSet(text.into()).decode().unwrap_err().to_string();
            assert!(err.starts_with("item set "), "{text}: {err}");
        }
        assert_eq!(
            ItemSet::encode(&[4, 9, 4]).decode().unwrap_err().to_string(),
            "item set \"naming item 4 twice\" is not valid; each item is named once"
        );
        // A difference that goes below 1.
        assert!(ItemSet("AgE".into()).decode().is_err(), "1, then 1 - 1 = 0");
        assert!(ItemSet("AA".into()).decode().is_err(), "0 is not an item number");
        let long = ItemSet("A".repeat(TEXT_MAX + 4));
        assert!(long.decode().unwrap_err().to_string().len() < 100);
        let err = ItemSet("*".repeat(10_000)).decode().unwrap_err().to_string();
        assert!(err.len() < 250, "{err}");
    }
}
