//! Users, namespaces (a user's own and organisations), API tokens and project grants. Managed
//! from the command line (`trove-server user add`, `token create`, `project grant`); the API
//! only reads them.

use rand::Rng;
use crate::db::{Connection, OptionalExtension, Transaction};
use sha2::{Digest, Sha256};
use trove_protocol::api::{Me, Membership, Role};

use super::access::Caller;
use super::now_ms;
use crate::error::{Error, Result};

/// The user a fresh server creates, with the admin role everywhere.
pub const ADMIN: &str = "admin";
/// Every token starts with this, so a leaked one is easy to recognise.
pub const TOKEN_PREFIX: &str = "trove_";

/// A user or organisation name: 1–40 ASCII letters, digits, `-`, `_` or `.`, starting with a
/// letter or digit (it is the first segment of every slug and path it appears in).
pub fn check_name(what: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 40
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "{what} name {name:?} is not valid; use 1 to 40 letters, digits, '-', '_' or '.', starting with a letter or digit"
        )))
    }
}

fn create_namespace(tx: &Transaction, name: &str, kind: &str) -> Result<i64> {
    if namespace_id(tx, name)?.is_some() {
        return Err(Error::Conflict(format!("the name {name:?} is taken by a user or organisation")));
    }
    Ok(tx.query_row("INSERT INTO namespaces (name, kind, created_at) VALUES (?1, ?2, ?3) RETURNING id", crate::db::params![name, kind, now_ms()], |r| r.get(0))?)
}

fn join(tx: &Transaction, namespace: i64, user: i64, role: Role) -> Result<()> {
    tx.execute(
        "INSERT INTO namespace_members (namespace_id, user_id, role) VALUES (?1, ?2, ?3) \
         ON CONFLICT (namespace_id, user_id) DO UPDATE SET role = excluded.role",
        crate::db::params![namespace, user, role.as_str()],
    )?;
    Ok(())
}

/// Creates user `name` with their own namespace, unless they exist; then, with `org`, makes
/// them a member of that organisation (created if new) with `role`. Returns whether the user
/// was created.
pub fn add_user(tx: &Transaction, name: &str, org: Option<&str>, role: Role, is_admin: bool) -> Result<bool> {
    check_name("user", name)?;
    let existing = user_id(tx, name)?;
    let user = match existing {
        Some(id) => id,
        None => {
            let ns = create_namespace(tx, name, "user")?;
            let id: i64 = tx.query_row(
                "INSERT INTO users (name, is_admin, created_at) VALUES (?1, ?2, ?3) RETURNING id",
                crate::db::params![name, is_admin, now_ms()],
                |r| r.get(0),
            )?;
            join(tx, ns, id, Role::Admin)?;
            id
        }
    };
    match org {
        Some(org) => {
            check_name("organisation", org)?;
            let ns = match tx
                .query_row("SELECT id, kind FROM namespaces WHERE name = ?1", [org], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                .optional()?
            {
                Some((_, kind)) if kind == "user" => {
                    return Err(Error::Invalid(format!("{org:?} is a user, not an organisation")))
                }
                Some((id, _)) => id,
                None => create_namespace(tx, org, "org")?,
            };
            join(tx, ns, user, role)?;
        }
        None if existing.is_some() => {
            return Err(Error::Conflict(format!("user {name:?} exists already; pass --org to add them to an organisation")))
        }
        None => {}
    }
    Ok(existing.is_none())
}

/// Creates the admin user on a server that has no user yet. Returns whether it did.
pub fn ensure_admin(tx: &Transaction) -> Result<bool> {
    let users: i64 = tx.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
    if users > 0 {
        return Ok(false);
    }
    add_user(tx, ADMIN, None, Role::Admin, true)
}

pub fn user_id(conn: &Connection, name: &str) -> Result<Option<i64>> {
    Ok(conn.query_row("SELECT id FROM users WHERE name = ?1", [name], |r| r.get(0)).optional()?)
}

pub fn namespace_id(conn: &Connection, name: &str) -> Result<Option<i64>> {
    Ok(conn.query_row("SELECT id FROM namespaces WHERE name = ?1", [name], |r| r.get(0)).optional()?)
}

/// Whether `token` has the shape of the tokens [`create_token`] makes (the prefix and 40
/// lowercase hex digits), so anything else is refused without a database lookup.
pub fn is_token_shaped(token: &str) -> bool {
    token.strip_prefix(TOKEN_PREFIX).is_some_and(|hex| hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Creates a token for user `name` and returns it; only its hash is kept.
pub fn create_token(tx: &Transaction, name: &str) -> Result<String> {
    let user = user_id(tx, name)?.ok_or_else(|| Error::NotFound(format!("user {name:?} does not exist; create it with `trove-server user add {name}`")))?;
    let secret: [u8; 20] = rand::rng().random();
    let token = format!("{TOKEN_PREFIX}{}", hex::encode(secret));
    tx.execute(
        "INSERT INTO tokens (user_id, hash, created_at) VALUES (?1, ?2, ?3)",
        crate::db::params![user, hash(&token), now_ms()],
    )?;
    Ok(token)
}

/// A token as `token list` shows it: never the token, which the server does not keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: i64,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
}

/// User `name`'s tokens, oldest first.
pub fn tokens(conn: &Connection, name: &str) -> Result<Vec<TokenInfo>> {
    let user = user_id(conn, name)?.ok_or_else(|| Error::NotFound(format!("user {name:?} does not exist")))?;
    let mut stmt = conn.prepare("SELECT id, created_at FROM tokens WHERE user_id = ?1 ORDER BY id")?;
    let rows = stmt.query_map([user], |r| Ok(TokenInfo { id: r.get(0)?, created_at: r.get(1)? }))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Deletes token `id`, so the next request that carries it is refused (tokens are looked up on
/// every request, never cached). Returns the name of the user it belonged to.
pub fn revoke_token(tx: &Transaction, id: i64) -> Result<String> {
    let user: String = tx
        .query_row("SELECT u.name FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?1", [id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("token {id} does not exist; `trove-server token list --user NAME` lists a user's tokens")))?;
    tx.execute("DELETE FROM tokens WHERE id = ?1", [id])?;
    Ok(user)
}

/// The caller a token belongs to, if the server issued it.
pub fn caller(conn: &Connection, token: &str) -> Result<Option<(i64, Caller)>> {
    Ok(conn
        .query_row(
            "SELECT t.id, u.id, u.name, u.is_admin FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?1",
            [hash(token)],
            |r| Ok((r.get(0)?, Caller { user_id: r.get(1)?, name: r.get(2)?, is_admin: r.get(3)? })),
        )
        .optional()?)
}

pub fn me(conn: &Connection, caller: &Caller) -> Result<Me> {
    let mut stmt = conn.prepare(
        "SELECT n.name, n.kind, m.role FROM namespace_members m JOIN namespaces n ON n.id = m.namespace_id \
         WHERE m.user_id = ?1 ORDER BY n.kind DESC, n.name",
    )?;
    let namespaces = stmt
        .query_map([caller.user_id], |r| {
            Ok(Membership { namespace: r.get(0)?, kind: r.get(1)?, role: Role::parse(&r.get::<_, String>(2)?).unwrap_or(Role::Viewer) })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Me { id: caller.user_id, name: caller.name.clone(), is_admin: caller.is_admin, namespaces })
}

/// Gives user `name` the role `role` on project `project`.
pub fn grant(tx: &Transaction, project: i64, name: &str, role: Role) -> Result<()> {
    let user = user_id(tx, name)?.ok_or_else(|| Error::NotFound(format!("user {name:?} does not exist")))?;
    tx.execute(
        "INSERT INTO project_roles (project_id, user_id, role) VALUES (?1, ?2, ?3) \
         ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role",
        crate::db::params![project, user, role.as_str()],
    )?;
    Ok(())
}

/// The namespace's first admin member (for a user's namespace, that user), acting with no
/// server-admin powers: what is written in their name meets the rules an API call meets.
pub fn namespace_admin(conn: &Connection, namespace: i64, name: &str) -> Result<Caller> {
    conn.query_row(
        "SELECT u.id, u.name FROM namespace_members m JOIN users u ON u.id = m.user_id \
         WHERE m.namespace_id = ?1 AND m.role = 'admin' ORDER BY u.id LIMIT 1",
        [namespace],
        |r| Ok(Caller { user_id: r.get(0)?, name: r.get(1)?, is_admin: false }),
    )
    .optional()?
    .ok_or_else(|| {
        Error::Invalid(format!(
            "namespace {name:?} has no admin member; add one with `trove-server user add USER --org {name} --role admin`"
        ))
    })
}
