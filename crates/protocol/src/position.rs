//! Fractional-index positions: ordered keys that always leave room between two neighbours, so
//! moving one item rewrites one row and concurrent inserts from several devices converge.
//!
//! This is the scheme of rocicorp's `fractional-indexing` (base-62 digits, a variable-length
//! integer part so that appending stays short): keys are ASCII strings compared bytewise;
//! ties between equal keys (possible after a merge) are broken by the membership id.
//!
//! Keys come from clients, so they are bounded: a key longer than [`KEY_MAX`] bytes is not
//! valid anywhere (push, REST, a pull into the app), and the arithmetic is iterative, so no key
//! can exhaust the stack. Keys only grow through many inserts at one spot; a collection whose
//! keys pass [`RESPREAD_AT`] gets fresh, short keys in the same order ([`spread`]).

const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ZERO: u8 = b'0';
/// The smallest integer part, which can never be decremented.
const SMALLEST_INT: &str = "A00000000000000000000000000";
/// Longest valid key, in bytes. About 5,000 inserts at one spot before a key gets this long;
/// a collection is re-spread long before (see [`RESPREAD_AT`]).
pub const KEY_MAX: usize = 1024;
/// A key this long or longer asks for its collection to be re-spread.
pub const RESPREAD_AT: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PositionError {
    #[error("position {} is not a valid order key", crate::rules::quote(.0))]
    Invalid(String),
    #[error("position is {0} characters; at most {KEY_MAX} are allowed")]
    TooLong(usize),
    #[error("position {} is not before {}", crate::rules::quote(.a), crate::rules::quote(.b))]
    NotOrdered { a: String, b: String },
    #[error("no room left at the end of the order")]
    Exhausted,
}

fn digit(c: u8) -> usize {
    DIGITS.iter().position(|&d| d == c).expect("validated digit")
}

fn integer_len(head: u8) -> Option<usize> {
    match head {
        b'a'..=b'z' => Some((head - b'a') as usize + 2),
        b'A'..=b'Z' => Some((b'Z' - head) as usize + 2),
        _ => None,
    }
}

fn split(key: &str) -> Result<(&str, &str), PositionError> {
    if key.len() > KEY_MAX {
        return Err(PositionError::TooLong(key.len()));
    }
    let bad = || PositionError::Invalid(key.to_string());
    let bytes = key.as_bytes();
    let head = *bytes.first().ok_or_else(bad)?;
    let n = integer_len(head).ok_or_else(bad)?;
    if n > bytes.len() || !bytes[1..].iter().all(|c| DIGITS.contains(c)) {
        return Err(bad());
    }
    let (i, f) = key.split_at(n);
    if key == SMALLEST_INT || f.as_bytes().last() == Some(&ZERO) {
        return Err(bad());
    }
    Ok((i, f))
}

/// Whether `key` is a well-formed position of at most [`KEY_MAX`] bytes.
pub fn is_valid(key: &str) -> bool {
    split(key).is_ok()
}

/// `key` if it is a well-formed position of at most [`KEY_MAX`] bytes, else why not.
pub fn check(key: &str) -> Result<&str, PositionError> {
    split(key).map(|_| key)
}

/// A fraction strictly between fractions `a` and `b` (`None`: the open end), in one pass over
/// the keys: no recursion, whatever their length.
fn midpoint(a: &[u8], b: Option<&[u8]>) -> Vec<u8> {
    let (mut a, mut b) = (a, b);
    let mut out = Vec::new();
    loop {
        if let Some(bb) = b {
            // The common prefix (with `a` padded by zeros) is kept as it is.
            let n = bb.iter().enumerate().take_while(|&(i, &c)| a.get(i).copied().unwrap_or(ZERO) == c).count();
            if n > 0 {
                out.extend_from_slice(&bb[..n]);
                a = a.get(n..).unwrap_or(&[]);
                b = Some(&bb[n..]);
            }
        }
        let da = a.first().map(|&c| digit(c)).unwrap_or(0);
        let db = b.and_then(|b| b.first()).map(|&c| digit(c)).unwrap_or(DIGITS.len());
        if db > da + 1 {
            out.push(DIGITS[(da + db).div_ceil(2)]);
            return out;
        }
        if let Some(b) = b.filter(|b| b.len() > 1) {
            out.push(b[0]);
            return out;
        }
        out.push(DIGITS[da]);
        a = a.get(1..).unwrap_or(&[]);
        b = None;
    }
}

/// An integer part from its head character and digits.
fn integer(head: u8, digits: Vec<u8>) -> String {
    let mut out = vec![head];
    out.extend(digits);
    String::from_utf8(out).expect("ascii digits")
}

fn increment(int: &str) -> Option<String> {
    let bytes = int.as_bytes();
    let head = bytes[0];
    let mut digs = bytes[1..].to_vec();
    let mut carry = true;
    for d in digs.iter_mut().rev() {
        let next = digit(*d) + 1;
        if next == DIGITS.len() {
            *d = ZERO;
        } else {
            *d = DIGITS[next];
            carry = false;
            break;
        }
    }
    if carry {
        if head == b'Z' {
            return Some("a0".into());
        }
        if head == b'z' {
            return None;
        }
        let h = head + 1;
        if h > b'a' {
            digs.push(ZERO);
        } else {
            digs.pop();
        }
        return Some(integer(h, digs));
    }
    Some(integer(head, digs))
}

fn decrement(int: &str) -> Option<String> {
    let bytes = int.as_bytes();
    let head = bytes[0];
    let mut digs = bytes[1..].to_vec();
    let mut borrow = true;
    for d in digs.iter_mut().rev() {
        let v = digit(*d);
        if v == 0 {
            *d = DIGITS[DIGITS.len() - 1];
        } else {
            *d = DIGITS[v - 1];
            borrow = false;
            break;
        }
    }
    if borrow {
        if head == b'a' {
            return Some("Zz".into());
        }
        if head == b'A' {
            return None;
        }
        let h = head - 1;
        if h < b'Z' {
            digs.push(DIGITS[DIGITS.len() - 1]);
        } else {
            digs.pop();
        }
        return Some(integer(h, digs));
    }
    Some(integer(head, digs))
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("ascii digits")
}

/// A key strictly between `a` and `b` (`None` = the open end).
pub fn between(a: Option<&str>, b: Option<&str>) -> Result<String, PositionError> {
    let sa = a.map(split).transpose()?;
    let sb = b.map(split).transpose()?;
    if let (Some(a), Some(b)) = (a, b) {
        if a >= b {
            return Err(PositionError::NotOrdered { a: a.into(), b: b.into() });
        }
    }
    match (sa, sb) {
        (None, None) => Ok("a0".into()),
        (None, Some((ib, fb))) => {
            if ib == SMALLEST_INT {
                return Ok(format!("{ib}{}", text(midpoint(b"", Some(fb.as_bytes())))));
            }
            if ib.len() < b.unwrap().len() {
                return Ok(ib.to_string());
            }
            decrement(ib).ok_or(PositionError::Exhausted)
        }
        (Some((ia, fa)), None) => match increment(ia) {
            Some(i) => Ok(i),
            None => Ok(format!("{ia}{}", text(midpoint(fa.as_bytes(), None)))),
        },
        (Some((ia, fa)), Some((ib, fb))) => {
            if ia == ib {
                return Ok(format!("{ia}{}", text(midpoint(fa.as_bytes(), Some(fb.as_bytes())))));
            }
            let i = increment(ia).ok_or(PositionError::Exhausted)?;
            if i.as_str() < b.unwrap() {
                Ok(i)
            } else {
                Ok(format!("{ia}{}", text(midpoint(fa.as_bytes(), None))))
            }
        }
    }
}

/// `n` ordered keys strictly between `a` and `b`, as short as the scheme allows.
pub fn n_between(a: Option<&str>, b: Option<&str>, n: usize) -> Result<Vec<String>, PositionError> {
    match (n, a, b) {
        (0, _, _) => Ok(Vec::new()),
        (1, _, _) => Ok(vec![between(a, b)?]),
        (_, _, None) => {
            let mut out = Vec::with_capacity(n);
            let mut c = between(a, None)?;
            for _ in 1..n {
                let next = between(Some(&c), None)?;
                out.push(std::mem::replace(&mut c, next));
            }
            out.push(c);
            Ok(out)
        }
        (_, None, Some(_)) => {
            let mut out = Vec::with_capacity(n);
            let mut c = between(None, b)?;
            for _ in 1..n {
                let next = between(None, Some(&c))?;
                out.push(std::mem::replace(&mut c, next));
            }
            out.push(c);
            out.reverse();
            Ok(out)
        }
        (_, Some(a), Some(b)) => {
            // Bisection with an explicit stack (nothing here recurses, whatever `n`): a range
            // asks for `k` keys between two keys; a key is emitted once everything before it is.
            enum Todo {
                Range(String, String, usize),
                Key(String),
            }
            let mut out = Vec::with_capacity(n);
            let mut todo = vec![Todo::Range(a.to_string(), b.to_string(), n)];
            while let Some(next) = todo.pop() {
                match next {
                    Todo::Key(k) => out.push(k),
                    Todo::Range(_, _, 0) => {}
                    Todo::Range(lo, hi, 1) => out.push(between(Some(&lo), Some(&hi))?),
                    Todo::Range(lo, hi, k) => {
                        let mid = between(Some(&lo), Some(&hi))?;
                        let left = k / 2;
                        todo.push(Todo::Range(mid.clone(), hi, k - left - 1));
                        todo.push(Todo::Key(mid.clone()));
                        todo.push(Todo::Range(lo, mid, left));
                    }
                }
            }
            Ok(out)
        }
    }
}

/// Digits of the rank in a [`ranked`] key.
pub const RANK_DIGITS: usize = 8;
/// Largest rank a [`ranked`] key holds.
pub const RANK_MAX: u32 = 99_999_999;

/// The key of the `rank`-th item of a bulk append after the key `base`: `base`, then the rank in
/// [`RANK_DIGITS`] decimal digits, then `V` (a fraction never ends in `0`). Fixed width, so the
/// keys sort by rank; all come after `base` and before any key `between(base, None)` gives, so
/// an append of a million items needs one new key, and a replica computes each item's key in
/// SQL ([`ranked_sql`]) instead of building a million strings.
pub fn ranked(base: &str, rank: u32) -> Result<String, PositionError> {
    if base.len() + RANK_DIGITS + 1 > KEY_MAX {
        return Err(PositionError::TooLong(base.len() + RANK_DIGITS + 1));
    }
    split(base)?;
    if rank > RANK_MAX {
        return Err(PositionError::Exhausted);
    }
    Ok(format!("{base}{rank:0width$}V", width = RANK_DIGITS))
}

/// [`ranked`] as an SQLite expression over the SQL expressions `base` and `rank` (its
/// arguments already checked: `base` valid and short enough, `rank` at most [`RANK_MAX`]).
pub fn ranked_sql(base: &str, rank: &str) -> String {
    format!("({base} || printf('%0{RANK_DIGITS}dV', {rank}))")
}

/// `n` fresh keys in order, as short as the scheme allows: the keys a collection of `n` members
/// gets when it is re-spread.
pub fn spread(n: usize) -> Vec<String> {
    n_between(None, None, n).expect("keys from an empty range never run out")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(a: Option<&str>, b: Option<&str>, want: &str) {
        assert_eq!(between(a, b).unwrap(), want, "between({a:?}, {b:?})");
    }

    #[test]
    fn ranked_keys_sort_by_rank_after_their_base() {
        let base = between(Some("a5"), None).unwrap();
        let keys: Vec<String> = [0, 1, 9, 10, 99_999, 1_000_000, RANK_MAX].iter().map(|r| ranked(&base, *r).unwrap()).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        assert!(keys.iter().all(|k| is_valid(k) && k.as_str() > "a5" && k.as_str() > base.as_str()));
        let after = between(keys.last().map(String::as_str), None).unwrap();
        assert!(after.as_str() > keys.last().unwrap().as_str() && after.len() <= 3, "{after}");
        let inside = between(Some(&keys[1]), Some(&keys[2])).unwrap();
        assert!(inside > keys[1] && inside < keys[2]);
        assert_eq!(ranked("a0", RANK_MAX + 1), Err(PositionError::Exhausted));
        assert!(ranked("a00", 1).is_err(), "an invalid base");
        assert!(ranked(&format!("a0{}", "V".repeat(KEY_MAX - 8)), 1).is_err(), "a base too long for a rank");
    }

    #[test]
    fn matches_the_reference_implementation() {
        // Expectations from rocicorp/fractional-indexing's own test table.
        check(None, None, "a0");
        check(None, Some("a0"), "Zz");
        check(None, Some("Zz"), "Zy");
        check(Some("a0"), None, "a1");
        check(Some("a1"), None, "a2");
        check(Some("a0"), Some("a1"), "a0V");
        check(Some("a1"), Some("a2"), "a1V");
        check(Some("a0V"), Some("a1"), "a0l");
        check(Some("Zz"), Some("a0"), "ZzV");
        check(Some("Zz"), Some("a1"), "a0");
        check(None, Some("Y00"), "Xzzz");
        check(Some("bzz"), None, "c000");
        check(Some("a0"), Some("a0V"), "a0G");
        check(Some("a0"), Some("a0G"), "a08");
        check(Some("b125"), Some("b129"), "b127");
        check(Some("a0"), Some("a1V"), "a1");
        check(Some("Zz"), Some("a01"), "a0");
        check(None, Some("a0V"), "a0");
        check(None, Some("b999"), "b99");
        check(Some("zzzzzzzzzzzzzzzzzzzzzzzzzzy"), None, "zzzzzzzzzzzzzzzzzzzzzzzzzzz");
        check(Some("zzzzzzzzzzzzzzzzzzzzzzzzzzz"), None, "zzzzzzzzzzzzzzzzzzzzzzzzzzzV");
    }

    #[test]
    fn refuses_bad_keys() {
        assert!(between(Some("a00"), None).is_err());
        assert!(between(Some("a0"), Some("a0")).is_err());
        assert!(between(Some("a1"), Some("a0")).is_err());
        assert!(between(None, Some("A00000000000000000000000000")).is_err());
        assert!(!is_valid(""));
        assert!(!is_valid("a"));
        assert!(is_valid("a0V"));
    }

    #[test]
    fn many_keys_stay_ordered_and_short() {
        let keys = n_between(None, None, 100_000).unwrap();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert!(keys.iter().all(|k| k.len() <= 5), "longest {:?}", keys.iter().map(String::len).max());
        let inner = n_between(Some("a0"), Some("a1"), 1000).unwrap();
        assert!(inner.windows(2).all(|w| w[0] < w[1]));
        assert!(inner.first().unwrap().as_str() > "a0" && inner.last().unwrap().as_str() < "a1");
    }

    #[test]
    fn a_hostile_long_key_is_refused_and_never_overflows_the_stack() {
        // The key that crashed the server: valid but for its length, 200,001 characters.
        let long = format!("a{}", "z".repeat(200_000)) + "1";
        assert_eq!(between(Some(&long), None), Err(PositionError::TooLong(long.len())));
        assert_eq!(super::check(&long), Err(PositionError::TooLong(long.len())));
        assert!(!is_valid(&long));
        // The message quotes nothing of it.
        assert!(PositionError::TooLong(long.len()).to_string().len() < 80);
        let bad = "!".repeat(5000);
        assert!(PositionError::Invalid(bad).to_string().len() < 150);
        // The arithmetic itself is iterative: a fraction far longer than any valid key.
        let a = vec![b'z'; 1_000_000];
        let mut b = vec![b'z'; 1_000_000];
        b.push(b'1');
        let m = midpoint(&a, Some(&b));
        assert!(m.as_slice() > a.as_slice() && m.as_slice() < b.as_slice());
        assert!(midpoint(&a, None).as_slice() > a.as_slice());
    }

    #[test]
    fn keys_up_to_the_limit_are_valid() {
        let at = format!("a0{}", "V".repeat(KEY_MAX - 2));
        assert!(is_valid(&at));
        assert!(!is_valid(&format!("{at}V")));
    }

    #[test]
    fn spread_keys_are_short_and_ordered() {
        let keys = spread(1_000_000);
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert!(keys.iter().all(|k| k.len() < RESPREAD_AT));
        let inner = n_between(Some("a0"), Some("a1"), 100_000).unwrap();
        assert_eq!(inner.len(), 100_000);
        assert!(inner.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn inserting_at_one_spot_reaches_the_respread_mark_long_before_the_limit() {
        let (lo, hi) = ("a0".to_string(), "a1".to_string());
        let mut k = hi.clone();
        let mut steps = 0;
        while k.len() < RESPREAD_AT {
            k = between(Some(&lo), Some(&k)).unwrap();
            steps += 1;
        }
        assert!(steps > 500, "{steps} inserts at one spot reach {RESPREAD_AT} characters");
        assert!(k.as_str() > lo.as_str() && k.as_str() < hi.as_str());
    }

    #[test]
    fn repeated_insertion_at_the_front_stays_ordered() {
        let mut first = between(None, None).unwrap();
        for _ in 0..500 {
            let k = between(None, Some(&first)).unwrap();
            assert!(k < first);
            first = k;
        }
        let mut lo = "a0".to_string();
        let hi = "a1".to_string();
        for _ in 0..200 {
            let k = between(Some(&lo), Some(&hi)).unwrap();
            assert!(lo < k && k < hi);
            lo = k;
        }
    }
}
