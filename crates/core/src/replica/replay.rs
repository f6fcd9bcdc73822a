//! Replaying a pending mutation on top of the server's state, by the rulebook the server applies
//! it with (`trove_rulebook::apply` over [`CacheReplica`]).

use rusqlite::Connection;
use trove_protocol::{ErrorCode, Mutation};

use crate::cache::CacheReplica;
use crate::error::Result;

/// Applies a pending mutation again on top of the server's state, as the server will apply it.
/// Idempotent: replaying a mutation whose effect is in place changes nothing. A mutation the
/// rulebook refuses (one the server will refuse too, say a causal length of the wrong parity)
/// leaves no effect at all: what it wrote before the refusal is rolled back, as on the server.
pub fn replay(conn: &Connection, project: i64, m: &Mutation) -> Result<()> {
    conn.execute_batch("SAVEPOINT replay")?;
    let applied = CacheReplica::new(conn, project, "").and_then(|mut cache| trove_rulebook::apply(m, &mut cache));
    match applied {
        Ok(()) => conn.execute_batch("RELEASE replay")?,
        Err(e) => {
            conn.execute_batch("ROLLBACK TO replay; RELEASE replay")?;
            if e.code() == ErrorCode::Internal {
                return Err(e);
            }
            tracing::debug!(mutation = m.name(), reason = %e, "a pending mutation the server will refuse was replayed without effect");
        }
    }
    Ok(())
}
