//! The PostgreSQL backend: a pool of connections (`r2d2` over the `postgres` client), the
//! embedded PostgreSQL migrations, and the value conversions between rusqlite's types (what the
//! store binds and reads) and PostgreSQL's.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::BytesMut;
use postgres::types::{IsNull, Kind, Type};
use postgres::{Client, IsolationLevel, NoTls};
use rusqlite::types::Value;

use super::{Bound, Error, Result};

/// Every write transaction takes this advisory lock first (see the module of [`super`]).
const WRITE_LOCK: i64 = 0x7472_6f76_6501;
/// Held while migrating, so instances starting together migrate once.
const MIGRATE_LOCK: i64 = 0x7472_6f76_6502;
/// Refreshes the planner's statistics of this schema's tables (a bare `ANALYZE` would also try,
/// and as a non-superuser fail with a warning each, the system catalogs).
const ANALYZE: &str = "DO $$ DECLARE t text; BEGIN \
     FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP EXECUTE format('ANALYZE %I', t); END LOOP; END $$";

/// Prepared statements one connection keeps before it starts afresh.
const STATEMENTS_KEPT: usize = 2000;

/// The `application_name` of every connection a trove-server opens.
pub const APPLICATION: &str = "trove-server";

const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/postgres/001_init.sql"),
    include_str!("../migrations/postgres/002_views.sql"),
    // Numbered as its SQLite twin; the runner counts entries, not file names.
    include_str!("../migrations/postgres/012_history.sql"),
];

thread_local! {
    /// Set while a thread runs blocking work for the async runtime (`AppState::blocking`).
    static BLOCKING: Cell<bool> = const { Cell::new(false) };
}

/// Marks the current thread as one that may block (a `spawn_blocking` thread) while `f` runs.
pub fn blocking_section<T>(f: impl FnOnce() -> T) -> T {
    let was = BLOCKING.with(|b| b.replace(true));
    let out = f();
    BLOCKING.with(|b| b.set(was));
    out
}

/// A failure of PostgreSQL, carried in rusqlite's error type.
#[derive(Debug)]
pub struct PgError(String);

impl std::fmt::Display for PgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PostgreSQL: {}", self.0)
    }
}

impl std::error::Error for PgError {}

pub fn error(e: postgres::Error) -> Error {
    Error::ToSqlConversionFailure(Box::new(PgError(describe(&e))))
}

fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({}){}", db.message(), db.code().code(), db.detail().map(|d| format!(": {d}")).unwrap_or_default()),
        None => e.to_string(),
    }
}

/// A statement PostgreSQL refused, with the statement cut short (logged, never sent).
fn in_statement(e: &postgres::Error, sql: &str) -> Error {
    let cut: String = sql.chars().take(300).collect();
    Error::ToSqlConversionFailure(Box::new(PgError(format!("{}, in: {cut}", describe(e)))))
}

fn pool_error(e: r2d2::Error) -> Error {
    Error::ToSqlConversionFailure(Box::new(PgError(format!("no connection to the database: {e}"))))
}

/// One pooled connection and the statements it has prepared.
pub struct PgConn {
    client: Client,
    statements: HashMap<(String, Vec<u32>), postgres::Statement>,
}

struct Manager {
    config: postgres::Config,
}

impl r2d2::ManageConnection for Manager {
    type Connection = PgConn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<PgConn, postgres::Error> {
        Ok(PgConn { client: self.config.connect(NoTls)?, statements: HashMap::new() })
    }

    fn is_valid(&self, conn: &mut PgConn) -> Result<(), postgres::Error> {
        conn.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.client.is_closed()
    }
}

/// Connections to one PostgreSQL database.
pub struct Pool {
    /// Always `Some` but while dropping.
    pool: Option<r2d2::Pool<Manager>>,
    /// SQL every write transaction runs last, before it commits.
    upkeep: Option<String>,
    /// Rows written since the planner's statistics were last refreshed.
    written: AtomicU64,
}

impl Drop for Pool {
    /// The connections close off any async runtime: closing one blocks on its own runtime.
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

/// What the store's [`super::Connection`] runs statements through.
pub trait Session {
    fn execute(&self, sql: &str, values: &[Bound]) -> Result<u64>;
    fn query(&self, sql: &str, values: &[Bound]) -> Result<Vec<postgres::Row>>;
    fn batch(&self, sql: &str) -> Result<()>;
    fn column_count(&self, sql: &str) -> Result<usize>;
}

struct Tx<'c> {
    tx: RefCell<postgres::Transaction<'c>>,
    statements: RefCell<&'c mut HashMap<(String, Vec<u32>), postgres::Statement>>,
    /// Rows this transaction's statements wrote.
    written: Cell<u64>,
}

impl Tx<'_> {
    fn statement(&self, sql: &str, values: &[Bound]) -> Result<postgres::Statement> {
        let types: Vec<Type> = values.iter().map(declared).collect();
        let key = (sql.to_string(), types.iter().map(Type::oid).collect::<Vec<_>>());
        if let Some(s) = self.statements.borrow().get(&key) {
            return Ok(s.clone());
        }
        let text = super::dialect::postgres(sql);
        // The statement goes with the error: it is logged, never sent to a client.
        let prepared = self.tx.borrow_mut().prepare_typed(&text, &types).map_err(|e| in_statement(&e, &text))?;
        let mut statements = self.statements.borrow_mut();
        if statements.len() >= STATEMENTS_KEPT {
            statements.clear();
        }
        statements.insert(key, prepared.clone());
        Ok(prepared)
    }
}

impl Session for Tx<'_> {
    fn execute(&self, sql: &str, values: &[Bound]) -> Result<u64> {
        let stmt = self.statement(sql, values)?;
        let params: Vec<Param<'_>> = values.iter().map(Param::of).collect();
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = params.iter().map(|p| p as _).collect();
        let n = self.tx.borrow_mut().execute(&stmt, &refs).map_err(error)?;
        self.written.set(self.written.get() + n);
        Ok(n)
    }

    fn query(&self, sql: &str, values: &[Bound]) -> Result<Vec<postgres::Row>> {
        let stmt = self.statement(sql, values)?;
        let params: Vec<Param<'_>> = values.iter().map(Param::of).collect();
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = params.iter().map(|p| p as _).collect();
        let rows = self.tx.borrow_mut().query(&stmt, &refs).map_err(error)?;
        // A write that returns its rows (`INSERT … RETURNING id`) counts as written too.
        if !sql.trim_start().get(..6).is_some_and(|verb| verb.eq_ignore_ascii_case("SELECT")) {
            self.written.set(self.written.get() + rows.len() as u64);
        }
        Ok(rows)
    }

    fn batch(&self, sql: &str) -> Result<()> {
        self.tx.borrow_mut().batch_execute(sql).map_err(error)
    }

    fn column_count(&self, sql: &str) -> Result<usize> {
        Ok(self.statement(sql, &[])?.columns().len())
    }
}

impl Pool {
    /// Connects to `url` (`postgres://user:password@host:port/database`) and migrates the
    /// database to the latest of the embedded migrations.
    /// Every write transaction runs `upkeep` last, before it commits.
    pub fn open(url: &str, upkeep: Option<String>) -> anyhow::Result<Pool> {
        let mut config: postgres::Config = url.parse().map_err(|e| anyhow::anyhow!("the database URL is not one PostgreSQL understands: {e}"))?;
        // How `restore` recognizes a running instance.
        config.application_name(APPLICATION);
        let pool = off_runtime(|| {
            r2d2::Pool::builder()
                .max_size(16)
                .min_idle(Some(1))
                .connection_timeout(Duration::from_secs(10))
                .build(Manager { config })
        })
        .map_err(|e| anyhow::anyhow!("could not connect to PostgreSQL: {e}"))?;
        let pool = Pool { pool: Some(pool), upkeep, written: AtomicU64::new(0) };
        pool.migrate()?;
        Ok(pool)
    }

    fn migrate(&self) -> anyhow::Result<()> {
        off_runtime(|| {
            let mut conn = self.connection()?;
            let mut tx = conn.client.transaction().map_err(error)?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATE_LOCK]).map_err(error)?;
            let known: bool = tx.query_one("SELECT to_regclass('trove_schema') IS NOT NULL", &[]).map_err(error)?.get(0);
            if !known {
                tx.batch_execute("CREATE TABLE trove_schema (version BIGINT NOT NULL)").map_err(error)?;
            }
            let row = tx.query_opt("SELECT version FROM trove_schema", &[]).map_err(error)?;
            let at: i64 = match row {
                Some(r) => r.get(0),
                None => {
                    tx.execute("INSERT INTO trove_schema (version) VALUES (0)", &[]).map_err(error)?;
                    0
                }
            };
            if at as usize > MIGRATIONS.len() {
                return Err(anyhow::anyhow!(
                    "the database is at schema version {at}, written by a newer trove-server (this one knows {}): upgrade trove-server",
                    MIGRATIONS.len()
                ));
            }
            for (k, sql) in MIGRATIONS.iter().enumerate().skip(at as usize) {
                tx.batch_execute(sql).map_err(|e| anyhow::anyhow!("PostgreSQL migration {} failed: {}", k + 1, error(e)))?;
                tx.execute("UPDATE trove_schema SET version = $1", &[&(k as i64 + 1)]).map_err(error)?;
                tracing::info!("PostgreSQL database migrated to version {}", k + 1);
            }
            tx.commit().map_err(error)?;
            Ok(())
        })
    }

    fn connection(&self) -> Result<r2d2::PooledConnection<Manager>> {
        self.pool.as_ref().expect("a pool is used only before it is dropped").get().map_err(pool_error)
    }

    /// Refreshes the planner's statistics now (after a bulk load, say).
    pub fn refresh_statistics(&self) -> Result<()> {
        off_runtime(|| {
            self.written.store(0, Ordering::Relaxed);
            self.connection()?.client.batch_execute(ANALYZE).map_err(error)
        })
    }

    /// Runs `f` in a `REPEATABLE READ, READ ONLY` transaction: one snapshot.
    pub fn read<T: Send, E: From<Error> + Send>(&self, f: impl FnOnce(&dyn Session) -> Result<T, E> + Send) -> Result<T, E> {
        off_runtime(|| {
            let mut conn = self.connection()?;
            let PgConn { client, statements } = &mut *conn;
            let tx = client.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start().map_err(error)?;
            let session = Tx { tx: RefCell::new(tx), statements: RefCell::new(statements), written: Cell::new(0) };
            let out = f(&session)?;
            session.tx.into_inner().commit().map_err(error)?;
            Ok(out)
        })
    }

    /// Runs `f` in one write transaction, after every other instance's and thread's write.
    pub fn write<T: Send, E: From<Error> + Send>(&self, f: impl FnOnce(&dyn Session) -> Result<T, E> + Send) -> Result<T, E> {
        off_runtime(|| {
            let mut conn = self.connection()?;
            let (out, written) = {
                let PgConn { client, statements } = &mut *conn;
                let mut tx = client.build_transaction().isolation_level(IsolationLevel::ReadCommitted).start().map_err(error)?;
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK]).map_err(error)?;
                let session = Tx { tx: RefCell::new(tx), statements: RefCell::new(statements), written: Cell::new(0) };
                let out = f(&session)?;
                let written = session.written.get();
                let mut tx = session.tx.into_inner();
                if let Some(upkeep) = &self.upkeep {
                    tx.batch_execute(upkeep).map_err(error)?;
                }
                tx.commit().map_err(error)?;
                (out, written)
            };
            // As trove_sqlite does: after many rows the planner learns the data's new shape (a
            // project imported a moment ago is otherwise planned as an empty table until
            // autovacuum's next analyze). Best effort: the commit stands whatever this does.
            if self.written.fetch_add(written, Ordering::Relaxed) + written >= trove_sqlite::STATISTICS_AFTER {
                self.written.store(0, Ordering::Relaxed);
                if let Err(e) = conn.client.batch_execute(ANALYZE) {
                    tracing::warn!("refreshing PostgreSQL's statistics failed: {}", describe(&e));
                }
            }
            Ok(out)
        })
    }
}

/// Runs `f` where the synchronous client may block: at once on a blocking thread or outside
/// any async runtime, else on a scoped thread of its own (a test's or a command's async body).
pub(crate) fn off_runtime<T: Send, E: Send>(f: impl FnOnce() -> Result<T, E> + Send) -> Result<T, E> {
    if BLOCKING.with(Cell::get) || tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    match std::thread::scope(|s| s.spawn(f).join()) {
        Ok(out) => out,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// The type a value is declared with when a statement is prepared: PostgreSQL infers the rest
/// (a NULL, an empty list) from where the parameter stands.
fn declared(b: &Bound) -> Type {
    let unspecified = || Type::new("unspecified".into(), 0, Kind::Pseudo, "pg_catalog".into());
    match b {
        Bound::Value(Value::Integer(_)) => Type::INT8,
        Bound::Value(Value::Real(_)) => Type::FLOAT8,
        Bound::Value(Value::Text(_)) => Type::TEXT,
        Bound::Value(Value::Blob(_)) => Type::BYTEA,
        Bound::Value(Value::Null) => unspecified(),
        Bound::List(list) => match list.first() {
            Some(Value::Integer(_)) => Type::INT8_ARRAY,
            Some(Value::Text(_)) => Type::TEXT_ARRAY,
            _ => unspecified(),
        },
    }
}

/// A bound value as PostgreSQL reads it, converted to the type the statement declares. It
/// borrows the value: a large text (a push's JSON) is not copied again.
#[derive(Debug)]
enum Param<'a> {
    Value(&'a Value),
    List(&'a [Value]),
}

impl Param<'_> {
    fn of(b: &Bound) -> Param<'_> {
        match b {
            Bound::Value(v) => Param::Value(v),
            Bound::List(list) => Param::List(list.as_slice()),
        }
    }
}

type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl postgres::types::ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match self {
            Param::Value(v) => scalar(v, ty, out),
            Param::List(list) => match ty.kind() {
                Kind::Array(element) => match *element {
                    Type::INT8 => list.iter().map(integer).collect::<Result<Vec<i64>, _>>()?.to_sql(ty, out),
                    Type::INT4 => list.iter().map(|v| Ok(i32::try_from(integer(v)?)?)).collect::<Result<Vec<i32>, BoxError>>()?.to_sql(ty, out),
                    _ => list.iter().map(text).collect::<Result<Vec<String>, _>>()?.to_sql(ty, out),
                },
                _ => Err(format!("a list bound where PostgreSQL expects {ty}").into()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

fn integer(v: &Value) -> Result<i64, BoxError> {
    match v {
        Value::Integer(i) => Ok(*i),
        other => Err(format!("{other:?} in a list of integers").into()),
    }
}

fn text(v: &Value) -> Result<String, BoxError> {
    match v {
        Value::Text(s) => Ok(s.clone()),
        Value::Integer(i) => Ok(i.to_string()),
        other => Err(format!("{other:?} in a list of text").into()),
    }
}

fn scalar(v: &Value, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
    use postgres::types::ToSql;
    match (v, ty) {
        (Value::Null, _) => Ok(IsNull::Yes),
        (Value::Integer(i), &Type::INT8) => i.to_sql(ty, out),
        (Value::Integer(i), &Type::INT4) => i32::try_from(*i)?.to_sql(ty, out),
        (Value::Integer(i), &Type::INT2) => i16::try_from(*i)?.to_sql(ty, out),
        (Value::Integer(i), &Type::BOOL) => (*i != 0).to_sql(ty, out),
        (Value::Integer(i), &Type::FLOAT8) => (*i as f64).to_sql(ty, out),
        (Value::Integer(i), _) => i.to_string().to_sql(&Type::TEXT, out),
        (Value::Real(f), &Type::FLOAT4) => (*f as f32).to_sql(ty, out),
        (Value::Real(f), _) => f.to_sql(&Type::FLOAT8, out),
        (Value::Text(s), _) => s.as_str().to_sql(&Type::TEXT, out),
        (Value::Blob(b), _) => b.as_slice().to_sql(&Type::BYTEA, out),
    }
}

/// Column `i` of a PostgreSQL row as the value SQLite would hold.
pub fn value(r: &postgres::Row, i: usize) -> Result<Value> {
    let ty = r.columns()[i].type_().clone();
    let got = match ty {
        Type::INT8 => r.try_get::<_, Option<i64>>(i).map(|v| v.map(Value::Integer)),
        Type::INT4 => r.try_get::<_, Option<i32>>(i).map(|v| v.map(|v| Value::Integer(v.into()))),
        Type::INT2 => r.try_get::<_, Option<i16>>(i).map(|v| v.map(|v| Value::Integer(v.into()))),
        Type::BOOL => r.try_get::<_, Option<bool>>(i).map(|v| v.map(|v| Value::Integer(v.into()))),
        Type::FLOAT8 => r.try_get::<_, Option<f64>>(i).map(|v| v.map(Value::Real)),
        Type::FLOAT4 => r.try_get::<_, Option<f32>>(i).map(|v| v.map(|v| Value::Real(v.into()))),
        Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i).map(|v| v.map(Value::Blob)),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => r.try_get::<_, Option<String>>(i).map(|v| v.map(Value::Text)),
        other => {
            return Err(Error::InvalidColumnType(i, format!("{} (PostgreSQL {other}: cast it in the query)", r.columns()[i].name()), rusqlite::types::Type::Null));
        }
    };
    Ok(got.map_err(error)?.unwrap_or(Value::Null))
}
