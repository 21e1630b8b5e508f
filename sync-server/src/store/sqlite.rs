//! The SQLite side of the seam: rusqlite's values, rows and errors in and out of the store's.

use super::{Error, Params, Result, ToSql, ToSqlOutput, Value, ValueRef};
use rusqlite::types as sql;

/// One parameter as rusqlite binds it: borrowed through, nothing copied.
pub(super) struct Bind<'a>(&'a dyn ToSql);

impl rusqlite::ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<sql::ToSqlOutput<'_>> {
        let out = self
            .0
            .to_sql()
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        Ok(match out {
            ToSqlOutput::Borrowed(v) => sql::ToSqlOutput::Borrowed(match v {
                ValueRef::Null => sql::ValueRef::Null,
                ValueRef::Integer(i) => sql::ValueRef::Integer(i),
                ValueRef::Real(f) => sql::ValueRef::Real(f),
                ValueRef::Text(s) => sql::ValueRef::Text(s.as_bytes()),
                ValueRef::Blob(b) => sql::ValueRef::Blob(b),
            }),
            ToSqlOutput::Owned(v) => sql::ToSqlOutput::Owned(match v {
                Value::Null => sql::Value::Null,
                Value::Integer(i) => sql::Value::Integer(i),
                Value::Real(f) => sql::Value::Real(f),
                Value::Text(s) => sql::Value::Text(s),
                Value::Blob(b) => sql::Value::Blob(b),
            }),
        })
    }
}

/// The store's parameters as rusqlite's, bound one by one in place.
pub(super) fn params<P: Params>(p: &P) -> rusqlite::ParamsFromIter<impl Iterator<Item = Bind<'_>>> {
    rusqlite::params_from_iter((0..p.count()).map(|i| Bind(p.param(i))))
}

/// A column of the current row, as the store's value; text must be UTF-8.
pub(super) fn value<'r>(row: &'r rusqlite::Row<'_>, idx: usize) -> Result<ValueRef<'r>> {
    Ok(match row.get_ref(idx)? {
        sql::ValueRef::Null => ValueRef::Null,
        sql::ValueRef::Integer(i) => ValueRef::Integer(i),
        sql::ValueRef::Real(f) => ValueRef::Real(f),
        sql::ValueRef::Text(t) => {
            ValueRef::Text(std::str::from_utf8(t).map_err(|e| Error::conversion(idx, e))?)
        }
        sql::ValueRef::Blob(b) => ValueRef::Blob(b),
    })
}
