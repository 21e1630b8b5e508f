//! Values crossing the seam: what a column holds when read ([`ValueRef`], borrowed from the
//! row, so reading copies only what the target type owns) and what a parameter binds
//! ([`ToSqlOutput`]), with the conversions for the types the server reads and binds.

use super::{Error, Result};

/// A column's value as the backend hands it over, borrowed from the current row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ValueRef<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl ValueRef<'_> {
    /// The value's type, as error messages name it.
    pub fn type_name(&self) -> &'static str {
        match self {
            ValueRef::Null => "null",
            ValueRef::Integer(_) => "integer",
            ValueRef::Real(_) => "real",
            ValueRef::Text(_) => "text",
            ValueRef::Blob(_) => "blob",
        }
    }
}

/// An owned value to bind, for a type that has to compute it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// What a parameter binds: borrowed from the Rust value where it can be.
#[derive(Clone, Debug, PartialEq)]
pub enum ToSqlOutput<'a> {
    Borrowed(ValueRef<'a>),
    Owned(Value),
}

/// Why a column's value did not convert to the type asked for.
#[derive(Debug, thiserror::Error)]
pub enum FromSqlError {
    #[error("invalid type")]
    InvalidType,
    #[error("value {0} out of range")]
    OutOfRange(i64),
    #[error(transparent)]
    Other(Box<dyn std::error::Error + Send + Sync>),
}

pub type FromSqlResult<T> = std::result::Result<T, FromSqlError>;

/// A type a column reads as.
pub trait FromSql: Sized {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self>;
}

/// A type a parameter binds from.
pub trait ToSql {
    fn to_sql(&self) -> Result<ToSqlOutput<'_>>;
}

impl FromSql for i64 {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Integer(i) => Ok(i),
            _ => Err(FromSqlError::InvalidType),
        }
    }
}

macro_rules! integral {
    ($($t:ty),*) => {$(
        impl FromSql for $t {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let i = i64::column_result(value)?;
                <$t>::try_from(i).map_err(|_| FromSqlError::OutOfRange(i))
            }
        }

        impl ToSql for $t {
            fn to_sql(&self) -> Result<ToSqlOutput<'_>> {
                let i = i64::try_from(*self).map_err(|e| Error::Bind(Box::new(e)))?;
                Ok(ToSqlOutput::Borrowed(ValueRef::Integer(i)))
            }
        }
    )*};
}

integral!(i8, i16, i32, u8, u16, u32, u64, usize);

impl ToSql for i64 {
    fn to_sql(&self) -> Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Integer(*self)))
    }
}

impl FromSql for f64 {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Integer(i) => Ok(i as f64),
            ValueRef::Real(f) => Ok(f),
            _ => Err(FromSqlError::InvalidType),
        }
    }
}

impl ToSql for f64 {
    fn to_sql(&self) -> Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Real(*self)))
    }
}

/// Stored as 0 or 1; any integer but 0 reads as true.
impl FromSql for bool {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        i64::column_result(value).map(|i| i != 0)
    }
}

impl ToSql for bool {
    fn to_sql(&self) -> Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*self))))
    }
}

impl FromSql for String {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Text(s) => Ok(s.to_owned()),
            _ => Err(FromSqlError::InvalidType),
        }
    }
}

impl ToSql for str {
    fn to_sql(&self) -> Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Text(self)))
    }
}

impl ToSql for String {
    fn to_sql(&self) -> Result<ToSqlOutput<'_>> {
        self.as_str().to_sql()
    }
}

impl FromSql for Vec<u8> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Blob(b) => Ok(b.to_vec()),
            _ => Err(FromSqlError::InvalidType),
        }
    }
}

impl ToSql for [u8] {
    fn to_sql(&self) -> Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Blob(self)))
    }
}

impl<const N: usize> ToSql for [u8; N] {
    fn to_sql(&self) -> Result<ToSqlOutput<'_>> {
        self.as_slice().to_sql()
    }
}

impl ToSql for Vec<u8> {
    fn to_sql(&self) -> Result<ToSqlOutput<'_>> {
        self.as_slice().to_sql()
    }
}

impl<T: FromSql> FromSql for Option<T> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Null => Ok(None),
            v => T::column_result(v).map(Some),
        }
    }
}

impl<T: ToSql> ToSql for Option<T> {
    fn to_sql(&self) -> Result<ToSqlOutput<'_>> {
        match self {
            None => Ok(ToSqlOutput::Borrowed(ValueRef::Null)),
            Some(v) => v.to_sql(),
        }
    }
}

impl<T: ToSql + ?Sized> ToSql for &T {
    fn to_sql(&self) -> Result<ToSqlOutput<'_>> {
        (**self).to_sql()
    }
}

impl ToSql for Value {
    fn to_sql(&self) -> Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

/// What a statement's parameters are: `[]`, an array or a tuple of values, or [`params!`](super::params)'s
/// slice of `&dyn ToSql`. Bound by position, the first as `?1`.
pub trait Params {
    fn count(&self) -> usize;
    fn param(&self, i: usize) -> &dyn ToSql;
}

/// `[]`: no parameters.
impl Params for [&(dyn ToSql + Send + Sync); 0] {
    fn count(&self) -> usize {
        0
    }
    fn param(&self, i: usize) -> &dyn ToSql {
        unreachable!("no parameter {i} in an empty list")
    }
}

impl<T: ToSql + ?Sized> Params for &[&T] {
    fn count(&self) -> usize {
        self.len()
    }
    fn param(&self, i: usize) -> &dyn ToSql {
        &self[i]
    }
}

macro_rules! arrays {
    ($($n:literal)*) => {$(
        impl<T: ToSql> Params for [T; $n] {
            fn count(&self) -> usize {
                $n
            }
            fn param(&self, i: usize) -> &dyn ToSql {
                &self[i]
            }
        }

        impl<T: ToSql> Params for &[T; $n] {
            fn count(&self) -> usize {
                $n
            }
            fn param(&self, i: usize) -> &dyn ToSql {
                &self[i]
            }
        }
    )*};
}

arrays!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);

macro_rules! tuples {
    ($(($n:literal: $($i:tt $t:ident),+))*) => {$(
        impl<$($t: ToSql),+> Params for ($($t,)+) {
            fn count(&self) -> usize {
                $n
            }
            fn param(&self, i: usize) -> &dyn ToSql {
                match i {
                    $($i => &self.$i,)+
                    _ => unreachable!("no parameter {i} in a list of {}", $n),
                }
            }
        }
    )*};
}

tuples! {
    (1: 0 A)
    (2: 0 A, 1 B)
    (3: 0 A, 1 B, 2 C)
    (4: 0 A, 1 B, 2 C, 3 D)
    (5: 0 A, 1 B, 2 C, 3 D, 4 E)
    (6: 0 A, 1 B, 2 C, 3 D, 4 E, 5 F)
}
