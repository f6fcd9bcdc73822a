//! Bulk writes of the server's replica: the pairs of a set of items named by their number in
//! the project (`Mutation::AddItemSet`, ...), in a few set-based statements as
//! `trove_rulebook::merge_set` asks. Every named pair whose length changes gets its clock (with
//! a version of its own) before the rows change; the membership triggers then stamp the rows'
//! versions as for any write.

use crate::db::Transaction;
use trove_protocol::{itemset, position};
use trove_rulebook::{cl, Ranked};
use trove_sqlite::list;

use super::replica::Target;
use crate::error::Result;
use crate::store::access::Caller;
use crate::store::now_ms;

/// The named items of the project: `rank` (index in the set) and `item`, from the packed
/// numbers in `?1` (`itemset::packed`: sorted by number, which is the order the items' ids
/// grow in, so rows are written in key order) and the project in `?2`. Numbers of other
/// projects name nothing.
pub(super) fn named() -> String {
    let (number, index) = (itemset::number_sql("a.value"), itemset::index_sql("a.value"));
    format!("SELECT {index} AS rank, i.id AS item FROM rarray(?1) a CROSS JOIN items i ON i.project_id = ?2 AND i.no = {number}")
}

/// `numbers` packed for [`named`] (decoded sets hold only numbers in range).
pub(super) fn packed(numbers: &[i64]) -> Vec<i64> {
    itemset::packed(numbers).unwrap_or_default()
}

/// `ReplicaStore::write_set` for the server: returns the rows inserted or deleted.
pub(super) fn write_set(tx: &Transaction, caller: &Caller, c: Target, numbers: &[i64], add: Option<Ranked<'_>>) -> Result<usize> {
    let (named, count, numbers) = (named(), numbers.len() as i64, packed(numbers));
    let base = crate::store::versions::last_given(tx)?;
    let after = cl::after_sql("coalesce(k.cl, 0)", "m.id IS NOT NULL", add.is_some());
    tx.execute(
        &format!(
            "INSERT INTO membership_clocks (collection_id, item_id, cl, project_id, version, changed_at) \
             SELECT ?3, n.item, {after}, ?2, ?4 + n.rank + 1, ?5 FROM ({named}) n \
             LEFT JOIN memberships m ON m.collection_id = ?3 AND m.item_id = n.item \
             LEFT JOIN membership_clocks k ON k.collection_id = ?3 AND k.item_id = n.item \
             WHERE {after} <> coalesce(k.cl, 0) \
             ON CONFLICT (collection_id, item_id) DO UPDATE SET cl = excluded.cl, version = excluded.version, changed_at = excluded.changed_at"
        ),
        crate::db::params![list(&numbers), c.project, c.id, base, now_ms()],
    )?;
    crate::store::versions::set_last(tx, base + count)?;
    let changed = match add {
        Some(r) => {
            let key = position::ranked_sql("?4", "n.rank + ?5");
            tx.execute(
                &format!(
                    "INSERT INTO memberships (hex_id, collection_id, item_id, position, note, added_at, added_by) \
                     SELECT lower(hex(randomblob(12))), ?3, n.item, {key}, '', ?6, ?7 FROM ({named}) n WHERE true ON CONFLICT DO NOTHING"
                ),
                crate::db::params![list(&numbers), c.project, c.id, r.key, r.first, now_ms(), caller.user_id],
            )?
        }
        None => tx.execute(
            &format!("DELETE FROM memberships WHERE collection_id = ?3 AND item_id IN (SELECT item FROM ({named}))"),
            crate::db::params![list(&numbers), c.project, c.id],
        )?,
    };
    Ok(changed)
}
