//! What an add or a remove does to each pair (collection, item): the plan a replica then
//! writes. Pure: the replica reads the pairs' state, [`plan`] decides, the replica writes.

use std::collections::HashSet;
use std::hash::Hash;

use crate::cl;

/// One named item of a mutation, as the replica holds it: its place in the mutation's list
/// (`index`), the replica's handle for it, the pair's causal length (0 when the pair never
/// existed) and whether the membership row exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairState<I> {
    pub index: usize,
    pub item: I,
    pub cl: i64,
    pub present: bool,
}

/// What to write: memberships to insert (with their key), to delete, and every pair whose
/// causal length changes, with its new length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan<'k, I> {
    pub inserts: Vec<(I, &'k str)>,
    pub deletes: Vec<I>,
    pub clocks: Vec<(I, i64)>,
}

impl<I> Plan<'_, I> {
    /// Whether the plan changes anything the user sees (a row); a clock alone does not.
    pub fn changes_rows(&self) -> bool {
        !self.inserts.is_empty() || !self.deletes.is_empty()
    }

    pub fn is_empty(&self) -> bool {
        self.inserts.is_empty() && self.deletes.is_empty() && self.clocks.is_empty()
    }
}

/// Why a plan cannot be made: an add without a key for an item that becomes present. Pushed
/// mutations never get here (`Mutation::check` refuses them first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingPosition;

/// Plans an add (`add`) or a remove of the pairs `states` (unknown items left out, in any order),
/// merging the lengths the client sent (`cls`, by index; empty when it sent none) and giving
/// each new membership the key at its index in `keys`.
pub fn plan<'k, I: Copy + Eq + Hash>(
    states: &[PairState<I>],
    add: bool,
    cls: &[u32],
    keys: &'k [String],
) -> Result<Plan<'k, I>, MissingPosition> {
    let mut order: Vec<&PairState<I>> = states.iter().collect();
    order.sort_by_key(|s| s.index);
    let mut plan = Plan { inserts: Vec::new(), deletes: Vec::new(), clocks: Vec::new() };
    let mut seen = HashSet::with_capacity(order.len());
    for s in order {
        if !seen.insert(s.item) {
            continue; // the same item twice in one mutation: its first place counts
        }
        // A row without an odd clock (one written before clocks were kept) counts as its next
        // odd length, so that the pair's length and its row never disagree after a merge.
        let current = if s.present && !cl::present(s.cl) { s.cl + 1 } else { s.cl };
        let wanted = match cls.get(s.index) {
            Some(&sent) => cl::merge(current, Some(sent), add),
            None => cl::after(s.cl, s.present, add),
        };
        if cl::present(wanted) && !s.present {
            let key = keys.get(s.index).ok_or(MissingPosition)?;
            plan.inserts.push((s.item, key.as_str()));
        } else if !cl::present(wanted) && s.present {
            plan.deletes.push(s.item);
        }
        if wanted != s.cl {
            plan.clocks.push((s.item, wanted));
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(index: usize, item: i64, cl: i64, present: bool) -> PairState<i64> {
        PairState { index, item, cl, present }
    }

    #[test]
    fn an_add_inserts_absent_pairs_and_advances_their_clock() {
        let keys = vec!["a0".to_string(), "a1".to_string(), "a2".to_string()];
        let p = plan(&[s(0, 10, 0, false), s(1, 11, 1, true), s(2, 12, 2, false)], true, &[], &keys).unwrap();
        assert_eq!(p.inserts, vec![(10, "a0"), (12, "a2")]);
        assert_eq!(p.clocks, vec![(10, 1), (12, 3)]);
        assert!(p.deletes.is_empty());
    }

    #[test]
    fn a_stale_remove_loses_to_a_re_add() {
        let p = plan(&[s(0, 10, 3, true)], false, &[2], &[]).unwrap();
        assert!(p.is_empty());
        let p = plan(&[s(0, 10, 3, true)], false, &[4], &[]).unwrap();
        assert_eq!((p.deletes, p.clocks), (vec![10], vec![(10, 4)]));
    }

    #[test]
    fn the_first_place_of_an_item_named_twice_counts() {
        let keys = vec!["a5".to_string(), "a1".to_string()];
        let p = plan(&[s(1, 10, 0, false), s(0, 10, 0, false)], true, &[], &keys).unwrap();
        assert_eq!(p.inserts, vec![(10, "a5")]);
    }

    #[test]
    fn a_row_without_a_clock_is_removed_with_an_even_length() {
        let p = plan(&[s(0, 10, 0, true)], false, &[], &[]).unwrap();
        assert_eq!((p.deletes, p.clocks), (vec![10], vec![(10, 2)]));
    }

    #[test]
    fn a_set_decides_each_pair_as_a_list_without_lengths_does() {
        let keys = vec!["a0".to_string()];
        for stored in 0..9 {
            for present in [false, true] {
                for add in [false, true] {
                    let p = plan(&[s(0, 10, stored, present)], add, &[], &keys).unwrap();
                    let after = cl::after(stored, present, add);
                    let clock = p.clocks.first().map(|c| c.1).unwrap_or(stored);
                    assert_eq!(clock, after, "stored {stored}, present {present}, add {add}");
                    let row = if cl::present(after) { !p.deletes.contains(&10) && (present || !p.inserts.is_empty()) } else { false };
                    assert_eq!(row, cl::present(after), "the row exists exactly when the length is odd");
                }
            }
        }
    }

    #[test]
    fn an_add_without_its_key_is_refused() {
        assert_eq!(plan(&[s(0, 10, 0, false)], true, &[], &[]), Err(MissingPosition));
    }
}
