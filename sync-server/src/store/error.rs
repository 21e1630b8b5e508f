//! The seam's error: the cases the server tells apart, each keeping the backend's own error
//! (its message, as the logs showed it before the seam) as the source.

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `query_row` found no row (see [`OptionalExtension`]).
    #[error("query returned no rows")]
    NoRows,
    /// A column's value did not convert to the type asked for.
    #[error("column {column} could not be read")]
    Conversion {
        column: usize,
        #[source]
        source: BoxError,
    },
    /// A parameter's value could not be bound (an unsigned number past `i64::MAX`).
    #[error("parameter out of range: {0}")]
    Bind(BoxError),
    /// A unique, foreign-key, check or not-null constraint refused the write.
    #[error(transparent)]
    Constraint(BoxError),
    /// The disk under the database is full: the write was rolled back.
    #[error(transparent)]
    DiskFull(BoxError),
    /// Another writer held the database past the wait.
    #[error(transparent)]
    Busy(BoxError),
    /// Anything else, with the backend's message.
    #[error(transparent)]
    Other(BoxError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A column that held a value its reader could not make sense of (stored JSON that does not
    /// parse, say).
    pub fn conversion(
        column: usize,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Error {
        Error::Conversion {
            column,
            source: source.into(),
        }
    }
}

/// `query_row`'s "no row" as `None`, like rusqlite's extension of the same name.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        use rusqlite::Error as E;
        use rusqlite::ErrorCode as C;
        // A parameter the store refused to bind comes back as the store's own error.
        let e = match e {
            E::ToSqlConversionFailure(cause) => {
                return cause
                    .downcast::<Error>()
                    .map_or_else(Error::Bind, |own| *own);
            }
            e => e,
        };
        match &e {
            E::QueryReturnedNoRows => Error::NoRows,
            E::FromSqlConversionFailure(column, ..)
            | E::IntegralValueOutOfRange(column, _)
            | E::Utf8Error(column, _)
            | E::InvalidColumnType(column, ..) => Error::conversion(*column, e),
            E::SqliteFailure(f, _) => match f.code {
                C::DiskFull => Error::DiskFull(Box::new(e)),
                C::ConstraintViolation => Error::Constraint(Box::new(e)),
                C::DatabaseBusy | C::DatabaseLocked => Error::Busy(Box::new(e)),
                _ => Error::Other(Box::new(e)),
            },
            _ => Error::Other(Box::new(e)),
        }
    }
}
