//! The PostgreSQL side of the seam: the pool's connections (each with its prepared statements
//! and a statement timeout), the modules' `?N` placeholders as `$N`, the store's values bound
//! with the types they carry, columns read by their type into the store's values, and
//! PostgreSQL's errors as the store's.

use super::{Error, Params, Result, ToSqlOutput, Value, ValueRef};
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use tokio_postgres_rustls::MakeRustlsConnect;

/// How long one statement may run before PostgreSQL cancels it (a wait for a lock included):
/// a stuck statement fails its request instead of holding a pooled connection for ever.
const STATEMENT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The most statements one connection keeps prepared; past it, it starts again (a bound on
/// what texts built with a varying number of placeholders can cost the server).
const KEPT_STATEMENTS: usize = 512;

/// An r2d2 manager of [`PgConnection`]s: `r2d2_postgres`' connections, each set up with
/// [`STATEMENT_TIMEOUT`] and given a cache of prepared statements.
pub struct PgManager(r2d2_postgres::PostgresConnectionManager<MakeRustlsConnect>);

impl PgManager {
    /// Connections to `config`'s database over `tls` (`pg_tls`: none where the URL says so).
    pub fn new(config: postgres::Config, tls: MakeRustlsConnect) -> PgManager {
        PgManager(r2d2_postgres::PostgresConnectionManager::new(config, tls))
    }
}

impl r2d2::ManageConnection for PgManager {
    type Connection = PgConnection;
    type Error = postgres::Error;

    fn connect(&self) -> std::result::Result<PgConnection, postgres::Error> {
        let mut client = self.0.connect()?;
        let ms = STATEMENT_TIMEOUT.as_millis();
        client.batch_execute(&format!("SET statement_timeout = {ms}"))?;
        Ok(PgConnection {
            client,
            statements: Statements::default(),
        })
    }

    fn is_valid(&self, conn: &mut PgConnection) -> std::result::Result<(), postgres::Error> {
        self.0.is_valid(&mut conn.client)
    }

    fn has_broken(&self, conn: &mut PgConnection) -> bool {
        self.0.has_broken(&mut conn.client)
    }
}

/// A pooled connection and the statements prepared on it, which live as long as it does.
pub struct PgConnection {
    client: postgres::Client,
    statements: Statements,
}

impl PgConnection {
    /// Begins a write transaction (READ COMMITTED).
    pub fn write(&mut self) -> Result<PgTx<'_>> {
        let tx = self.client.transaction()?;
        Ok(PgTx::new(tx, &mut self.statements))
    }

    /// Begins a read: one read-only REPEATABLE READ snapshot.
    pub fn read(&mut self) -> Result<PgTx<'_>> {
        let tx = self
            .client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        Ok(PgTx::new(tx, &mut self.statements))
    }
}

/// A PostgreSQL transaction the store's `Tx` runs on, with its connection's statements.
pub struct PgTx<'a> {
    tx: RefCell<postgres::Transaction<'a>>,
    statements: RefCell<&'a mut Statements>,
}

impl<'a> PgTx<'a> {
    fn new(tx: postgres::Transaction<'a>, statements: &'a mut Statements) -> PgTx<'a> {
        PgTx {
            tx: RefCell::new(tx),
            statements: RefCell::new(statements),
        }
    }

    pub fn commit(self) -> Result<()> {
        Ok(self.tx.into_inner().commit()?)
    }

    /// `e` as the store's error, the connection's statements forgotten when it says a kept one
    /// is stale ("cached plan must not change result type": a migration changed what it
    /// returns), so that they are prepared again.
    fn stale(&self, e: postgres::Error) -> Error {
        if e.code() == Some(&postgres::error::SqlState::FEATURE_NOT_SUPPORTED) {
            let mut statements = self.statements.borrow_mut();
            statements.inferred.clear();
            statements.typed.clear();
        }
        e.into()
    }
}

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

impl Conn for PgTx<'_> {
    fn execute(&self, sql: &str, params: &dyn Params) -> Result<usize> {
        let binds = bind(params)?;
        let mut tx = self.tx.borrow_mut();
        let stmt = prepare(&mut tx, &mut self.statements.borrow_mut(), sql, &binds)?;
        let refs: Vec<&(dyn ToSql + Sync)> = binds.iter().map(|b| b as _).collect();
        let n = tx.execute(&stmt, &refs).map_err(|e| self.stale(e))?;
        usize::try_from(n).map_err(|e| Error::Other(Box::new(e)))
    }

    fn query(&self, sql: &str, params: &dyn Params) -> Result<Vec<postgres::Row>> {
        let binds = bind(params)?;
        let mut tx = self.tx.borrow_mut();
        let stmt = prepare(&mut tx, &mut self.statements.borrow_mut(), sql, &binds)?;
        let refs: Vec<&(dyn ToSql + Sync)> = binds.iter().map(|b| b as _).collect();
        tx.query(&stmt, &refs).map_err(|e| self.stale(e))
    }

    fn batch(&self, sql: &str) -> Result<()> {
        Ok(self.tx.borrow_mut().batch_execute(sql)?)
    }
}

/// The statements prepared on one connection: by text where PostgreSQL typed every parameter
/// from its place, by text and the bound values' types where it could not.
#[derive(Default)]
struct Statements {
    inferred: HashMap<String, postgres::Statement>,
    typed: HashMap<(String, Vec<Type>), postgres::Statement>,
}

impl Statements {
    /// Makes room for one more (all are dropped, and closed on the server, when full).
    fn room(&mut self) {
        if self.inferred.len() + self.typed.len() >= KEPT_STATEMENTS {
            self.inferred.clear();
            self.typed.clear();
        }
    }
}

/// Whether PostgreSQL can type every parameter of a text from its place (`true`) or needs the
/// values' types (`false`), learned once per process for every connection: only a text never
/// prepared before in this process is tried under a savepoint.
fn typable() -> &'static Mutex<HashMap<String, bool>> {
    static TYPABLE: OnceLock<Mutex<HashMap<String, bool>>> = OnceLock::new();
    TYPABLE.get_or_init(Default::default)
}

/// `sql` prepared on this connection, or taken from its cache: with the parameter types
/// PostgreSQL infers from their places; where it cannot infer one (`?9` named nowhere in the
/// text, say), with the types of the values bound. Only the first prepare of a text in this
/// process, which may fail and would abort the transaction, runs under a savepoint.
fn prepare(
    tx: &mut postgres::Transaction<'_>,
    statements: &mut Statements,
    sql: &str,
    binds: &[Bind],
) -> Result<postgres::Statement> {
    if let Some(stmt) = statements.inferred.get(sql) {
        return Ok(stmt.clone());
    }
    let known = typable()
        .lock()
        .map_err(|_| Error::Other("the statement shapes' lock is poisoned".into()))?
        .get(sql)
        .copied();
    let inferred = match known {
        Some(true) => Some(tx.prepare(sql)?),
        Some(false) => None,
        None => {
            let mut attempt = tx.savepoint("store_prepare")?;
            let prepared = match attempt.prepare(sql) {
                Ok(stmt) => {
                    attempt.commit()?;
                    Some(stmt)
                }
                Err(e) if e.code() == Some(&postgres::error::SqlState::INDETERMINATE_DATATYPE) => {
                    attempt.rollback()?;
                    None
                }
                Err(e) => return Err(e.into()),
            };
            let mut shapes = typable()
                .lock()
                .map_err(|_| Error::Other("the statement shapes' lock is poisoned".into()))?;
            if shapes.len() >= 4 * KEPT_STATEMENTS {
                shapes.clear();
            }
            shapes.insert(sql.to_owned(), prepared.is_some());
            prepared
        }
    };
    statements.room();
    if let Some(stmt) = inferred {
        statements.inferred.insert(sql.to_owned(), stmt.clone());
        return Ok(stmt);
    }
    let key = (
        sql.to_owned(),
        binds.iter().map(Bind::ty).collect::<Vec<_>>(),
    );
    if let Some(stmt) = statements.typed.get(&key) {
        return Ok(stmt.clone());
    }
    let stmt = tx.prepare_typed(sql, &key.1)?;
    statements.typed.insert(key, stmt.clone());
    Ok(stmt)
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
