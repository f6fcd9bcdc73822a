//! Causal lengths: how many times a pair (collection, item) was added or removed. Odd means
//! present. Two replicas merge a pair by taking the larger length, so a re-add that the remover
//! never saw survives, and a remove that saw the add wins over it.

/// Whether a pair of this length is in the collection.
pub fn present(cl: i64) -> bool {
    cl % 2 == 1
}

/// The length after an add (`add`) or a remove by someone who saw `current`: unchanged when the
/// pair already is as wanted, else one more.
pub fn next(current: i64, add: bool) -> i64 {
    if present(current) == add {
        current
    } else {
        current + 1
    }
}

/// The length after merging what a client sent (`sent`, already checked to be of the action's
/// parity) into `current`; with nothing sent, the [`next`] length of the action.
pub fn merge(current: i64, sent: Option<u32>, add: bool) -> i64 {
    match sent {
        Some(cl) => current.max(cl as i64),
        None => next(current, add),
    }
}

/// A pair's length after an add (`add`) or a remove by someone who sent no length, from the
/// pair's stored length (0 when none is stored) and whether its row exists. A row stored
/// without an odd length (one written before lengths were kept, or a fresh add a replica keeps
/// no length for) counts as its next odd length, so that the length and the row never
/// disagree. [`members::plan`](crate::members::plan) decides each pair of a listed mutation by
/// it; [`after_sql`] is the same rule for a replica that applies a set in SQL.
pub fn after(stored: i64, present: bool, add: bool) -> i64 {
    let current = if present && !self::present(stored) { stored + 1 } else { stored };
    next(current, add)
}

/// [`after`] as an SQL expression over the SQL expressions `stored` (an integer, 0 when none is
/// stored) and `present` (0 or 1). A test of each replica evaluates it against [`after`].
pub fn after_sql(stored: &str, present: &str, add: bool) -> String {
    let current = format!("(CASE WHEN ({present}) AND ({stored}) % 2 = 0 THEN ({stored}) + 1 ELSE ({stored}) END)");
    let wanted = if add { 1 } else { 0 };
    format!("(CASE WHEN {current} % 2 = {wanted} THEN {current} ELSE {current} + 1 END)")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SQL twins the replicas write sets with give what the rules give, in the SQLite both
    /// embed: a pair's length, and an added item's key.
    #[test]
    fn the_sql_of_a_length_and_a_key_is_the_rule() {
        use trove_protocol::position;
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        for stored in 0..9i64 {
            for present in [false, true] {
                for add in [false, true] {
                    let sql = format!("SELECT {}", after_sql("?1", "?2", add));
                    let got: i64 = conn.query_row(&sql, rusqlite::params![stored, present], |r| r.get(0)).unwrap();
                    assert_eq!(got, after(stored, present, add), "stored {stored}, present {present}, add {add}");
                }
            }
        }
        for (base, rank) in [("a0", 0u32), ("a1V", 7), ("Zz", 12_345), ("b00", position::RANK_MAX)] {
            let sql = format!("SELECT {}", position::ranked_sql("?1", "?2"));
            let got: String = conn.query_row(&sql, rusqlite::params![base, rank], |r| r.get(0)).unwrap();
            assert_eq!(got, position::ranked(base, rank).unwrap());
        }
    }

    #[test]
    fn lengths_follow_adds_and_removes() {
        assert_eq!(next(0, true), 1);
        assert_eq!(next(1, true), 1, "adding a present pair changes nothing");
        assert_eq!(next(1, false), 2);
        assert_eq!(next(2, false), 2);
        assert_eq!(next(2, true), 3);
        assert!(present(3) && !present(4) && !present(0));
    }

    #[test]
    fn a_re_add_the_remover_never_saw_survives() {
        // A removes at length 2; B, who saw the remove, re-adds at 3. A's remove arrives late.
        assert_eq!(merge(3, Some(2), false), 3);
        // A stale add (1) does not undo a remove (2).
        assert_eq!(merge(2, Some(1), true), 2);
        assert_eq!(merge(0, None, false), 0, "removing what was never added leaves no clock");
    }
}
