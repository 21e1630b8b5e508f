//! The one interface between the server's modules and its database.
//!
//! Every module reads and writes through a [`Tx`], the transaction `Db::write`, `Db::read` and
//! `Db::read_kiosk` hand their closure, with an API shaped like rusqlite's (`execute`,
//! `query_row`, `prepare_cached` and a [`Statement`]'s `query_map`, a [`Row`]'s `get`, the
//! [`params!`] macro, [`OptionalExtension`]), so the SQL and the control flow of each module are
//! what they were. No rusqlite or postgres type crosses this API: the backend is a private enum,
//! SQLite or PostgreSQL (ARCHITECTURE.md, "Database"; docs/scale-out.md).
//!
//! On SQLite a call goes straight to rusqlite: parameters are bound from the Rust values in
//! place and a column's text or blob is lent to [`FromSql`] as rusqlite lends it, so reading
//! copies only what the target type owns.
//!
//! On PostgreSQL the statement's `?N` become `$N`, it is prepared on the connection once and
//! kept there (as long as the pool keeps the connection) with the types PostgreSQL infers, or,
//! where it cannot type a parameter from its place, with the types of the values bound; it is
//! run and its rows fetched at once; a column reads by its type (integers, booleans as 0/1,
//! floats, a whole `numeric` as an integer, bytea as a blob, the rest as text).

mod error;
mod postgres;
mod sqlite;
mod value;

pub use error::{Error, OptionalExtension, Result};
pub(crate) use postgres::{PgManager, PgTx};
pub use value::{
    FromSql, FromSqlError, FromSqlResult, Params, ToSql, ToSqlOutput, Value, ValueRef,
};

/// Parameters of different types as one list, bound by position (`?1`, `?2`, …).
macro_rules! params {
    () => {
        &[] as &[&dyn $crate::store::ToSql]
    };
    ($($param:expr),+ $(,)?) => {
        &[$(&$param as &dyn $crate::store::ToSql),+] as &[&dyn $crate::store::ToSql]
    };
}
pub(crate) use params;

/// One transaction, open for the length of a `Db` closure.
pub struct Tx<'a>(Backend<'a>);

enum Backend<'a> {
    Sqlite(&'a rusqlite::Transaction<'a>),
    Postgres(&'a dyn postgres::Conn),
}

impl<'a> Tx<'a> {
    /// The store's view of a SQLite transaction (for `db`, which opens it).
    pub(crate) fn sqlite(tx: &'a rusqlite::Transaction<'a>) -> Tx<'a> {
        Tx(Backend::Sqlite(tx))
    }

    /// The store's view of a PostgreSQL transaction (for `db`, which opens it).
    pub(crate) fn postgres(tx: &'a PgTx<'_>) -> Tx<'a> {
        Tx(Backend::Postgres(tx))
    }

    /// Whether the database is PostgreSQL, for the few statements written differently there
    /// (docs/scale-out.md, "Statements still SQLite-only").
    pub fn is_postgres(&self) -> bool {
        matches!(self.0, Backend::Postgres(_))
    }

    /// SQL for the text at top-level `key` of the JSON text in column `col` (`key` and `col` are
    /// the caller's constants, never input).
    pub fn json_text(&self, col: &str, key: &str) -> String {
        if self.is_postgres() {
            format!("({col}::jsonb ->> '{key}')")
        } else {
            format!("json_extract({col}, '$.{key}')")
        }
    }

    /// Runs one statement; the number of rows it changed.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        match &self.0 {
            Backend::Sqlite(tx) => Ok(tx.execute(sql, sqlite::params(&params))?),
            Backend::Postgres(_) => self.prepare(sql)?.execute(params),
        }
    }

    /// Runs statements separated by `;`, without parameters.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.0 {
            Backend::Sqlite(tx) => Ok(tx.execute_batch(sql)?),
            Backend::Postgres(tx) => tx.batch(sql),
        }
    }

    /// The first row `sql` returns, through `f`; [`Error::NoRows`] when there is none.
    pub fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        self.prepare(sql)?.query_row(params, f)
    }

    /// A statement compiled for this call only.
    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        match &self.0 {
            Backend::Sqlite(tx) => Ok(Statement(Stmt::Sqlite(tx.prepare(sql)?))),
            Backend::Postgres(tx) => Ok(Statement(Stmt::Postgres {
                tx: *tx,
                sql: postgres::placeholders(sql),
            })),
        }
    }

    /// A statement kept compiled by the connection, for SQL the server runs again and again.
    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>> {
        match &self.0 {
            Backend::Sqlite(tx) => Ok(Statement(Stmt::SqliteCached(tx.prepare_cached(sql)?))),
            Backend::Postgres(_) => self.prepare(sql),
        }
    }
}

/// A compiled statement, run any number of times with parameters.
pub struct Statement<'a>(Stmt<'a>);

enum Stmt<'a> {
    Sqlite(rusqlite::Statement<'a>),
    SqliteCached(rusqlite::CachedStatement<'a>),
    /// Prepared when run (or taken from the connection's statements), by its text and, where
    /// PostgreSQL needs them, the types of the values it is run with.
    Postgres {
        tx: &'a dyn postgres::Conn,
        sql: String,
    },
}

impl Statement<'_> {
    /// Runs the statement; the number of rows it changed.
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        match &mut self.0 {
            Stmt::Sqlite(s) => Ok(s.execute(sqlite::params(&params))?),
            Stmt::SqliteCached(s) => Ok(s.execute(sqlite::params(&params))?),
            Stmt::Postgres { tx, sql } => tx.execute(sql, &params),
        }
    }

    /// The rows the statement returns, read one at a time with [`Rows::next`].
    pub fn query<P: Params>(&mut self, params: P) -> Result<Rows<'_>> {
        match &mut self.0 {
            Stmt::Sqlite(s) => Ok(Rows(RowsOf::Sqlite(s.query(sqlite::params(&params))?))),
            Stmt::SqliteCached(s) => Ok(Rows(RowsOf::Sqlite(s.query(sqlite::params(&params))?))),
            Stmt::Postgres { tx, sql } => Ok(Rows(RowsOf::Postgres {
                rows: tx.query(sql, &params)?,
                next: 0,
            })),
        }
    }

    /// The rows the statement returns, each through `f`.
    pub fn query_map<T, P, F>(&mut self, params: P, f: F) -> Result<MappedRows<'_, F>>
    where
        P: Params,
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        Ok(MappedRows {
            rows: self.query(params)?,
            f,
        })
    }

    /// The first row the statement returns, through `f`; [`Error::NoRows`] when there is none.
    pub fn query_row<T, P, F>(&mut self, params: P, f: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        match self.query(params)?.next()? {
            Some(row) => f(&row),
            None => Err(Error::NoRows),
        }
    }

    /// Whether the statement returns any row.
    pub fn exists<P: Params>(&mut self, params: P) -> Result<bool> {
        Ok(self.query(params)?.next()?.is_some())
    }
}

/// A statement's rows, in order.
pub struct Rows<'s>(RowsOf<'s>);

enum RowsOf<'s> {
    Sqlite(rusqlite::Rows<'s>),
    /// Fetched whole; `next` is the row to hand out next.
    Postgres {
        rows: Vec<::postgres::Row>,
        next: usize,
    },
}

impl Rows<'_> {
    /// The next row, or `None` after the last. Not an `Iterator`: the row borrows the cursor.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Row<'_>>> {
        match &mut self.0 {
            RowsOf::Sqlite(rows) => Ok(rows.next()?.map(|r| Row(RowOf::Sqlite(r)))),
            RowsOf::Postgres { rows, next } => {
                let row = rows.get(*next).map(|r| Row(RowOf::Postgres(r)));
                *next += 1;
                Ok(row)
            }
        }
    }
}

/// [`Statement::query_map`]'s rows, each through its function.
pub struct MappedRows<'s, F> {
    rows: Rows<'s>,
    f: F,
}

impl<T, F> Iterator for MappedRows<'_, F>
where
    F: FnMut(&Row<'_>) -> Result<T>,
{
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        match self.rows.next() {
            Ok(Some(row)) => Some((self.f)(&row)),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

/// One row of a result.
pub struct Row<'r>(RowOf<'r>);

enum RowOf<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r ::postgres::Row),
}

/// How a column is named in [`Row::get`]: by position, the first 0.
pub trait RowIndex {
    fn index(self) -> usize;
}

impl RowIndex for usize {
    fn index(self) -> usize {
        self
    }
}

impl Row<'_> {
    /// Column `idx` of the row, as `T`.
    pub fn get<I: RowIndex, T: FromSql>(&self, idx: I) -> Result<T> {
        let idx = idx.index();
        let value = match &self.0 {
            RowOf::Sqlite(row) => sqlite::value(row, idx)?,
            RowOf::Postgres(row) => postgres::value(row, idx)?,
        };
        T::column_result(value).map_err(|source| {
            Error::conversion(
                idx,
                ReadAs {
                    found: value.type_name(),
                    wanted: std::any::type_name::<T>(),
                    source,
                },
            )
        })
    }
}

/// A column whose value is not of the type its reader asked for.
#[derive(Debug, thiserror::Error)]
#[error("{found} value read as {wanted}")]
struct ReadAs {
    found: &'static str,
    wanted: &'static str,
    #[source]
    source: FromSqlError,
}

#[cfg(test)]
mod tests;
