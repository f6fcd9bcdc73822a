//! The store's one interface to its database, with two backends: embedded SQLite (the default,
//! `trove_sqlite::Pool`: one writer, a few readers, WAL) and PostgreSQL (`--database-url`,
//! [`pg`]: a pool of connections to a database that several server instances share).
//!
//! The store's functions take a [`Connection`] (reads) or a [`Transaction`] (one write
//! transaction) and run SQL written once, in SQLite's dialect; on PostgreSQL each statement is
//! translated ([`dialect`]) and prepared once per connection. The surface mirrors rusqlite's
//! (`execute`, `query_row`, `prepare(..).query_map`, `Row::get`, `params!`, `optional()`), so
//! the store reads the same on both, and values convert through rusqlite's `ToSql` and
//! `FromSql`, so every type the store binds or reads works on both. Errors keep rusqlite's
//! type on both backends (what every store function propagates); a PostgreSQL failure travels
//! in it as its source, with its message.
//!
//! What each backend guarantees a write: [`Db::write`] runs `f` in one transaction that commits
//! only if `f` returns `Ok`, and write transactions never interleave — SQLite has one writer;
//! on PostgreSQL each takes one advisory lock first, so versions are handed out in commit order
//! and a pull never misses a change that commits later with a lower version. A read sees one
//! snapshot (a SQLite read transaction; PostgreSQL's `REPEATABLE READ, READ ONLY`).

pub mod dialect;
pub mod pg;

use std::rc::Rc;

pub use rusqlite::types::{FromSql, ToSql, Value};
pub use rusqlite::{params, Error, OptionalExtension, Result};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::vtab::array::Array;

/// Which database a [`Db`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The server's database.
pub enum Db {
    Sqlite(trove_sqlite::Pool),
    Postgres(pg::Pool),
}

impl Db {
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs `f` on a connection that reads one snapshot.
    pub fn read<T: Send, E: From<Error> + Send>(&self, f: impl FnOnce(&Connection<'_>) -> Result<T, E> + Send) -> Result<T, E> {
        match self {
            Db::Sqlite(pool) => pool.read(|c| {
                // Deferred: the snapshot is taken by the first read and kept to the last.
                // Nothing is written, so dropping it (a rollback) is its end.
                let snapshot = c.unchecked_transaction()?;
                f(&Connection { inner: Inner::Sqlite(&snapshot) })
            }),
            Db::Postgres(pool) => pool.read(|s| f(&Connection { inner: Inner::Pg(s) })),
        }
    }

    /// Runs `f` in one write transaction: all of it or none of it.
    pub fn write<T: Send, E: From<Error> + Send>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T, E> + Send) -> Result<T, E> {
        match self {
            Db::Sqlite(pool) => pool.write(|tx| f(&Connection { inner: Inner::Sqlite(tx) })),
            Db::Postgres(pool) => pool.write(|s| f(&Connection { inner: Inner::Pg(s) })),
        }
    }

    /// Refreshes the query planner's statistics now: after a bulk load, so the first requests
    /// on the new rows are planned for what is there (each backend also does it by itself after
    /// every 20,000 rows written).
    pub fn refresh_statistics(&self) -> Result<()> {
        match self {
            Db::Sqlite(pool) => pool.refresh_statistics().map_err(|e| match e {
                trove_sqlite::Error::Db(e) => e,
                other => Error::ToSqlConversionFailure(Box::new(other)),
            }),
            Db::Postgres(pool) => pool.refresh_statistics(),
        }
    }

    /// The SQLite pool, for what only SQLite has (its online backup, its file).
    pub fn sqlite(&self) -> Option<&trove_sqlite::Pool> {
        match self {
            Db::Sqlite(pool) => Some(pool),
            Db::Postgres(_) => None,
        }
    }
}

/// A connection of either backend, inside a read snapshot or a write transaction.
pub struct Connection<'a> {
    inner: Inner<'a>,
}

/// Within [`Db::write`]: the same type, named for what it is.
pub type Transaction<'a> = Connection<'a>;

enum Inner<'a> {
    Sqlite(&'a rusqlite::Connection),
    Pg(&'a (dyn pg::Session + 'a)),
}

impl<'a> Connection<'a> {
    /// A SQLite connection as the store's (tests and tools that open a file themselves).
    pub fn sqlite(conn: &'a rusqlite::Connection) -> Connection<'a> {
        Connection { inner: Inner::Sqlite(conn) }
    }

    pub fn backend(&self) -> Backend {
        match self.inner {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Pg(_) => Backend::Postgres,
        }
    }

    /// Runs one statement; returns the rows it changed.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        let values = params.values()?;
        match self.inner {
            Inner::Sqlite(c) => c.prepare_cached(sql)?.execute(rusqlite::params_from_iter(values.iter())),
            Inner::Pg(s) => s.execute(sql, &values).map(|n| n as usize),
        }
    }

    /// Runs several statements without parameters (schema work, upkeep).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match self.inner {
            Inner::Sqlite(c) => c.execute_batch(sql),
            Inner::Pg(s) => s.batch(sql),
        }
    }

    /// The first row's `f`; `Error::QueryReturnedNoRows` when there is none.
    pub fn query_row<T, P: Params, F: FnOnce(&Row<'_>) -> Result<T>>(&self, sql: &str, params: P, f: F) -> Result<T> {
        match self.inner {
            Inner::Sqlite(c) => {
                let values = params.values()?;
                c.prepare_cached(sql)?.query_row(rusqlite::params_from_iter(values.iter()), |r| f(&Row::Sqlite(r)))
            }
            Inner::Pg(_) => self.prepare(sql)?.query_row(params, f),
        }
    }

    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        match self.inner {
            Inner::Sqlite(c) => Ok(Statement::Sqlite(c.prepare_cached(sql)?)),
            Inner::Pg(s) => Ok(Statement::Pg { session: s, sql: sql.to_string() }),
        }
    }

    /// The same as [`Connection::prepare`]: both backends keep prepared statements.
    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>> {
        self.prepare(sql)
    }

    /// The SQLite connection under this one, for what only SQLite has (pragmas, its backup).
    pub fn as_sqlite(&self) -> Option<&rusqlite::Connection> {
        match self.inner {
            Inner::Sqlite(c) => Some(c),
            Inner::Pg(_) => None,
        }
    }
}

/// A prepared statement of either backend.
pub enum Statement<'c> {
    Sqlite(rusqlite::CachedStatement<'c>),
    Pg { session: &'c (dyn pg::Session + 'c), sql: String },
}

/// The rows of [`Statement::query_map`], each mapped.
pub type Rows<'s, T> = Box<dyn Iterator<Item = Result<T>> + 's>;

impl<'c> Statement<'c> {
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        let values = params.values()?;
        match self {
            Statement::Sqlite(s) => s.execute(rusqlite::params_from_iter(values.iter())),
            Statement::Pg { session, sql } => session.execute(sql, &values).map(|n| n as usize),
        }
    }

    /// Each row mapped by `f`, in order.
    pub fn query_map<'s, T: 's, P: Params, F: FnMut(&Row<'_>) -> Result<T> + 's>(&'s mut self, params: P, mut f: F) -> Result<Rows<'s, T>> {
        let values = params.values()?;
        match self {
            Statement::Sqlite(s) => {
                let rows = s.query(rusqlite::params_from_iter(values.iter()))?;
                Ok(Box::new(rows.mapped(move |r| f(&Row::Sqlite(r)))))
            }
            Statement::Pg { session, sql } => {
                let rows = session.query(sql, &values)?;
                Ok(Box::new(rows.into_iter().map(move |r| f(&Row::Pg(&r)))))
            }
        }
    }

    pub fn query_row<T, P: Params, F: FnOnce(&Row<'_>) -> Result<T>>(&mut self, params: P, f: F) -> Result<T> {
        let values = params.values()?;
        match self {
            Statement::Sqlite(s) => s.query_row(rusqlite::params_from_iter(values.iter()), |r| f(&Row::Sqlite(r))),
            Statement::Pg { session, sql } => {
                let rows = session.query(sql, &values)?;
                match rows.first() {
                    Some(r) => f(&Row::Pg(r)),
                    None => Err(Error::QueryReturnedNoRows),
                }
            }
        }
    }

    /// How many columns the statement's rows have.
    pub fn column_count(&self) -> usize {
        match self {
            Statement::Sqlite(s) => s.column_count(),
            Statement::Pg { session, sql } => session.column_count(sql).unwrap_or(0),
        }
    }
}

/// One row of either backend.
pub enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Pg(&'r postgres::Row),
}

impl Row<'_> {
    /// Column `idx` (a position or a name) as `T`.
    pub fn get<I: ColumnIndex, T: FromSql>(&self, idx: I) -> Result<T> {
        match self {
            Row::Sqlite(r) => r.get(idx),
            Row::Pg(r) => {
                let i = idx.position(r.columns()).ok_or_else(|| Error::InvalidColumnName(idx.to_string()))?;
                let value = pg::value(r, i)?;
                T::column_result(ValueRef::from(&value)).map_err(|e| match e {
                    rusqlite::types::FromSqlError::InvalidType => Error::InvalidColumnType(i, r.columns()[i].name().to_string(), value.data_type()),
                    e => Error::FromSqlConversionFailure(i, value.data_type(), Box::new(e)),
                })
            }
        }
    }
}

/// A column by position or by name, on either backend.
pub trait ColumnIndex: rusqlite::RowIndex + std::fmt::Display + Copy {
    fn position(&self, columns: &[postgres::Column]) -> Option<usize>;
}

impl ColumnIndex for usize {
    fn position(&self, columns: &[postgres::Column]) -> Option<usize> {
        (*self < columns.len()).then_some(*self)
    }
}

impl ColumnIndex for &str {
    fn position(&self, columns: &[postgres::Column]) -> Option<usize> {
        columns.iter().position(|c| c.name() == *self)
    }
}

/// A bound value: a scalar, or a list (`trove_sqlite::list`, read in SQL as `rarray(?)`).
#[derive(Debug, Clone)]
pub enum Bound {
    Value(Value),
    List(Array),
}

impl ToSql for Bound {
    fn to_sql(&self) -> Result<ToSqlOutput<'_>> {
        match self {
            Bound::Value(v) => v.to_sql(),
            Bound::List(a) => Ok(ToSqlOutput::Array(Rc::clone(a))),
        }
    }
}

fn bound(p: &dyn ToSql) -> Result<Bound> {
    Ok(match p.to_sql()? {
        ToSqlOutput::Borrowed(v) => Bound::Value(v.into()),
        ToSqlOutput::Owned(v) => Bound::Value(v),
        ToSqlOutput::Array(a) => Bound::List(a),
        other => return Err(Error::ToSqlConversionFailure(format!("a value the store cannot bind: {other:?}").into())),
    })
}

/// What a statement's parameters may be given as: `params![..]`, an array (`[id]`), `()`, or
/// [`params_from_iter`].
pub trait Params {
    fn values(self) -> Result<Vec<Bound>>;
}

impl Params for () {
    fn values(self) -> Result<Vec<Bound>> {
        Ok(Vec::new())
    }
}

impl Params for &[&dyn ToSql] {
    fn values(self) -> Result<Vec<Bound>> {
        self.iter().map(|p| bound(*p)).collect()
    }
}

impl Params for [&dyn ToSql; 0] {
    fn values(self) -> Result<Vec<Bound>> {
        Ok(Vec::new())
    }
}

macro_rules! array_params {
    ($($n:literal)*) => {$(
        impl<T: ToSql> Params for [T; $n] {
            fn values(self) -> Result<Vec<Bound>> {
                self.iter().map(|p| bound(p)).collect()
            }
        }

        impl<T: ToSql> Params for &[T; $n] {
            fn values(self) -> Result<Vec<Bound>> {
                self.iter().map(|p| bound(p)).collect()
            }
        }
    )*};
}

array_params!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);

/// Parameters from an iterator of values.
pub struct ParamsFromIter<I>(I);

pub fn params_from_iter<I: IntoIterator>(iter: I) -> ParamsFromIter<I>
where
    I::Item: ToSql,
{
    ParamsFromIter(iter)
}

impl<I: IntoIterator> Params for ParamsFromIter<I>
where
    I::Item: ToSql,
{
    fn values(self) -> Result<Vec<Bound>> {
        self.0.into_iter().map(|p| bound(&p)).collect()
    }
}
