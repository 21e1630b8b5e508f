//! The PostgreSQL side of the seam: the modules' `?N` placeholders as `$N`, the store's values
//! bound with the types they carry, columns read by their type into the store's values, and
//! PostgreSQL's errors as the store's.

use super::{Error, Params, Result, ToSqlOutput, Value, ValueRef};
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use std::cell::RefCell;

/// A transaction the store runs statements on (object-safe, so a statement can borrow it without
/// naming the transaction's own lifetime). `sql` has its placeholders written `$N` already.
pub(super) trait Conn {
    /// Runs `sql`; the number of rows it changed (or returned).
    fn execute(&self, sql: &str, params: &dyn Params) -> Result<usize>;
    /// Runs `sql`; every row it returns.
    fn query(&self, sql: &str, params: &dyn Params) -> Result<Vec<postgres::Row>>;
    /// Runs statements separated by `;`, without parameters.
    fn batch(&self, sql: &str) -> Result<()>;
}

impl Conn for RefCell<postgres::Transaction<'_>> {
    fn execute(&self, sql: &str, params: &dyn Params) -> Result<usize> {
        let binds = bind(params)?;
        let mut tx = self.borrow_mut();
        let stmt = prepare(&mut tx, sql, &binds)?;
        let refs: Vec<&(dyn ToSql + Sync)> = binds.iter().map(|b| b as _).collect();
        let n = tx.execute(&stmt, &refs)?;
        usize::try_from(n).map_err(|e| Error::Other(Box::new(e)))
    }

    fn query(&self, sql: &str, params: &dyn Params) -> Result<Vec<postgres::Row>> {
        let binds = bind(params)?;
        let mut tx = self.borrow_mut();
        let stmt = prepare(&mut tx, sql, &binds)?;
        let refs: Vec<&(dyn ToSql + Sync)> = binds.iter().map(|b| b as _).collect();
        Ok(tx.query(&stmt, &refs)?)
    }

    fn batch(&self, sql: &str) -> Result<()> {
        Ok(self.borrow_mut().batch_execute(sql)?)
    }
}

/// `sql` prepared with the parameter types PostgreSQL infers from their places; where it cannot
/// infer one (`?9` named nowhere in the text, say), with the types of the values bound. Inside a
/// transaction the failed attempt would abort it, so it runs under a savepoint.
fn prepare(
    tx: &mut postgres::Transaction<'_>,
    sql: &str,
    binds: &[Bind],
) -> Result<postgres::Statement> {
    let mut attempt = tx.savepoint("store_prepare")?;
    match attempt.prepare(sql) {
        Ok(stmt) => {
            attempt.commit()?;
            Ok(stmt)
        }
        Err(e) if e.code() == Some(&postgres::error::SqlState::INDETERMINATE_DATATYPE) => {
            attempt.rollback()?;
            let types: Vec<Type> = binds.iter().map(Bind::ty).collect();
            Ok(tx.prepare_typed(sql, &types)?)
        }
        Err(e) => Err(e.into()),
    }
}

/// `sql` with each `?N` outside quotes written `$N`, PostgreSQL's placeholder.
pub(super) fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '?') if chars.peek().is_some_and(char::is_ascii_digit) => {
                out.push('$');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// One parameter, owned, bound as the type PostgreSQL gave its place.
#[derive(Debug)]
struct Bind(Value);

impl Bind {
    /// The type PostgreSQL is told when it cannot infer one; a NULL leaves it to the statement.
    fn ty(&self) -> Type {
        match self.0 {
            Value::Null => Type::UNKNOWN,
            Value::Integer(_) => Type::INT8,
            Value::Real(_) => Type::FLOAT8,
            Value::Text(_) => Type::TEXT,
            Value::Blob(_) => Type::BYTEA,
        }
    }
}

impl ToSql for Bind {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        let text_like = [
            Type::TEXT,
            Type::VARCHAR,
            Type::BPCHAR,
            Type::NAME,
            Type::UNKNOWN,
        ];
        match &self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(i) if *ty == Type::INT8 => i.to_sql(ty, out),
            // A place PostgreSQL typed narrower or otherwise (an int4 column, `NOT ?3`).
            Value::Integer(i) if *ty == Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
            Value::Integer(i) if *ty == Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
            Value::Integer(i) if *ty == Type::BOOL => (*i != 0).to_sql(ty, out),
            Value::Integer(i) if *ty == Type::FLOAT8 => (*i as f64).to_sql(ty, out),
            Value::Integer(i) if text_like.contains(ty) => text(out, &i.to_string()),
            Value::Real(f) if *ty == Type::FLOAT8 => f.to_sql(ty, out),
            Value::Real(f) if *ty == Type::FLOAT4 => (*f as f32).to_sql(ty, out),
            Value::Real(f) if text_like.contains(ty) => text(out, &f.to_string()),
            Value::Text(s) if text_like.contains(ty) || *ty == Type::JSON => text(out, s),
            Value::Text(s) if *ty == Type::JSONB => {
                // jsonb's binary form: a version byte, then the text.
                out.extend_from_slice(&[1]);
                text(out, s)
            }
            Value::Blob(b) if *ty == Type::BYTEA => b.to_sql(ty, out),
            // Never bytes of one type read as another (the value itself is not named: logs).
            v => Err(format!("{} cannot be bound where PostgreSQL expects {ty}", kind(v)).into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A text parameter's bytes (PostgreSQL's binary form of text is its UTF-8).
fn text(
    out: &mut bytes::BytesMut,
    s: &str,
) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
    out.extend_from_slice(s.as_bytes());
    Ok(IsNull::No)
}

/// A value's type, as an error names it.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "a null",
        Value::Integer(_) => "an integer",
        Value::Real(_) => "a float",
        Value::Text(_) => "a text",
        Value::Blob(_) => "a blob",
    }
}

/// The store's parameters, owned for the call.
fn bind(p: &dyn Params) -> Result<Vec<Bind>> {
    let binds = (0..p.count())
        .map(|i| {
            Ok(Bind(match p.param(i).to_sql()? {
                ToSqlOutput::Owned(v) => v,
                ToSqlOutput::Borrowed(v) => match v {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(i) => Value::Integer(i),
                    ValueRef::Real(f) => Value::Real(f),
                    ValueRef::Text(s) => Value::Text(s.to_owned()),
                    ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                },
            }))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(binds)
}

/// Column `idx` of `row`, as the store's value, by the column's type.
pub(super) fn value(row: &postgres::Row, idx: usize) -> Result<ValueRef<'_>> {
    let column = row
        .columns()
        .get(idx)
        .ok_or_else(|| Error::conversion(idx, format!("no column {idx}")))?;
    let ty = column.type_().clone();
    let get = |e: postgres::Error| Error::conversion(idx, e);
    let v = match ty {
        Type::INT8 => row
            .try_get::<_, Option<i64>>(idx)
            .map_err(get)?
            .map(ValueRef::Integer),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(idx)
            .map_err(get)?
            .map(|i| ValueRef::Integer(i.into())),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(idx)
            .map_err(get)?
            .map(|i| ValueRef::Integer(i.into())),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(idx)
            .map_err(get)?
            .map(|b| ValueRef::Integer(b.into())),
        Type::FLOAT8 => row
            .try_get::<_, Option<f64>>(idx)
            .map_err(get)?
            .map(ValueRef::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(idx)
            .map_err(get)?
            .map(|f| ValueRef::Real(f.into())),
        Type::NUMERIC => row
            .try_get::<_, Option<Numeric>>(idx)
            .map_err(get)?
            .map(|n| n.0),
        Type::BYTEA => row
            .try_get::<_, Option<&[u8]>>(idx)
            .map_err(get)?
            .map(ValueRef::Blob),
        // text, varchar, name, json: read as text
        _ => row
            .try_get::<_, Option<&str>>(idx)
            .map_err(get)?
            .map(ValueRef::Text),
    };
    Ok(v.unwrap_or(ValueRef::Null))
}

/// A `numeric` (what `sum` of a bigint gives) as an integer when it is whole and fits, else a
/// float, decoded from PostgreSQL's binary form: base-10000 digits with a weight and a sign.
struct Numeric(ValueRef<'static>);

impl FromSql<'_> for Numeric {
    fn from_sql(
        _: &Type,
        raw: &[u8],
    ) -> std::result::Result<Numeric, Box<dyn std::error::Error + Sync + Send>> {
        let word = |i: usize| -> std::result::Result<i16, String> {
            raw.get(2 * i..2 * i + 2)
                .map(|b| i16::from_be_bytes([b[0], b[1]]))
                .ok_or_else(|| "a numeric cut short".to_owned())
        };
        let (ndigits, weight, sign, scale) = (word(0)?, word(1)?, word(2)? as u16, word(3)?);
        if sign == 0xC000 {
            return Ok(Numeric(ValueRef::Real(f64::NAN)));
        }
        let mut whole: Option<i64> = Some(0);
        let mut real = 0f64;
        for k in 0..usize::try_from(ndigits)? {
            let digit = i64::from(word(4 + k)?);
            let power = i32::from(weight) - i32::try_from(k)?;
            real += digit as f64 * 10_000f64.powi(power);
            whole = match u32::try_from(power) {
                Ok(p) => {
                    whole.and_then(|w| 10_000i64.checked_pow(p)?.checked_mul(digit)?.checked_add(w))
                }
                Err(_) if digit == 0 => whole,
                Err(_) => None,
            };
        }
        let negative = sign == 0x4000;
        Ok(Numeric(match whole {
            Some(w) if scale == 0 || real.fract() == 0.0 => {
                ValueRef::Integer(if negative { -w } else { w })
            }
            _ => ValueRef::Real(if negative { -real } else { real }),
        }))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::NUMERIC
    }
}

impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Error {
        use postgres::error::SqlState;
        match e.code() {
            Some(c)
                if [
                    SqlState::UNIQUE_VIOLATION,
                    SqlState::FOREIGN_KEY_VIOLATION,
                    SqlState::CHECK_VIOLATION,
                    SqlState::NOT_NULL_VIOLATION,
                ]
                .contains(c) =>
            {
                Error::Constraint(Box::new(e))
            }
            Some(&SqlState::DISK_FULL) => Error::DiskFull(Box::new(e)),
            _ => Error::Other(Box::new(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_outside_quotes_only() {
        assert_eq!(
            placeholders(
                "SELECT '?1', \"?2\" FROM t WHERE a = ?1 AND b IN (?10, ?2) AND c = 'it''s ?3'"
            ),
            "SELECT '?1', \"?2\" FROM t WHERE a = $1 AND b IN ($10, $2) AND c = 'it''s ?3'"
        );
        assert_eq!(placeholders("SELECT ? FROM t"), "SELECT ? FROM t");
    }

    fn bound(value: Value, ty: &Type) -> Option<Vec<u8>> {
        let mut out = bytes::BytesMut::new();
        match Bind(value).to_sql(ty, &mut out).ok()? {
            IsNull::Yes => Some(Vec::new()),
            IsNull::No => Some(out.to_vec()),
        }
    }

    #[test]
    fn a_value_binds_as_the_type_postgresql_gave_its_place() {
        assert_eq!(
            bound(Value::Integer(7), &Type::INT8),
            Some(7i64.to_be_bytes().to_vec())
        );
        assert_eq!(
            bound(Value::Integer(7), &Type::INT4),
            Some(7i32.to_be_bytes().to_vec())
        );
        assert_eq!(bound(Value::Integer(1), &Type::BOOL), Some(vec![1]));
        assert_eq!(bound(Value::Integer(42), &Type::TEXT), Some(b"42".to_vec()));
        assert_eq!(
            bound(Value::Text("{}".into()), &Type::JSONB),
            Some(b"\x01{}".to_vec())
        );
        assert_eq!(bound(Value::Null, &Type::INT8), Some(Vec::new()));
        // Refused rather than bytes of one type read as another.
        assert_eq!(bound(Value::Integer(1 << 40), &Type::INT4), None);
        assert_eq!(bound(Value::Blob(vec![1; 8]), &Type::INT8), None);
        assert_eq!(bound(Value::Text("7".into()), &Type::INT8), None);
    }

    /// PostgreSQL's binary numeric: ndigits, weight, sign, dscale, then base-10000 digits.
    fn numeric(weight: i16, sign: u16, scale: i16, digits: &[i16]) -> ValueRef<'static> {
        let mut raw = Vec::new();
        for w in [digits.len() as i16, weight, sign as i16, scale]
            .into_iter()
            .chain(digits.iter().copied())
        {
            raw.extend_from_slice(&w.to_be_bytes());
        }
        Numeric::from_sql(&Type::NUMERIC, &raw).expect("decodes").0
    }

    #[test]
    fn a_whole_numeric_reads_as_an_integer_and_a_fraction_as_a_float() {
        assert_eq!(numeric(0, 0, 0, &[]), ValueRef::Integer(0));
        assert_eq!(numeric(1, 0, 0, &[1, 2345]), ValueRef::Integer(12_345));
        assert_eq!(
            numeric(1, 0x4000, 0, &[1, 2345]),
            ValueRef::Integer(-12_345)
        );
        assert_eq!(numeric(2, 0, 0, &[7]), ValueRef::Integer(700_000_000));
        assert_eq!(numeric(0, 0x4000, 1, &[1, 5000]), ValueRef::Real(-1.5));
        assert_eq!(numeric(0, 0, 2, &[2, 5000]), ValueRef::Real(2.5));
    }
}
