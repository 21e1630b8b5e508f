//! `sync-server migrate --to postgres://…` (issue 20, part 5): copies a SQLite data dir's
//! database into an empty PostgreSQL database, so that a province moving to several instances
//! keeps its kiosks enrolled and their cursors good.
//!
//! The SQLite file is opened read-only (the server must be stopped: a non-empty `-wal` file
//! beside it, or a lock any process holds on its `-shm` file, is refused) and read in ONE read
//! transaction, so every row, count and hash comes from one state of it. Its tables and each
//! table's columns must be PostgreSQL's, by name (anything SQLite has that PostgreSQL lacks
//! would be lost: refused, naming it). In ONE PostgreSQL transaction: the PostgreSQL migrations
//! (`db/pg/`), every table in foreign-key order with every column and every id and seq as they
//! are (the feed's seq trigger is disabled for the copy and enabled again), each identity and
//! `feed_seq` set past the highest value copied, then a count per table and a SHA-256 of the
//! feed's rows and of the content's bodies compared on both sides. Any mismatch rolls
//! everything back. Keys stay files (the keys dir); their public halves are recorded in
//! `server_keys`, which the instances check theirs against.

use crate::db::PG_MIGRATIONS;
use anyhow::{Context, bail};
use postgres::types::ToSql;
use rusqlite::types::Value;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Every table, each after the tables its foreign keys point at, with the order its rows are
/// copied in (orgs parents first: a parent's path is a prefix of its children's).
const TABLES: &[(&str, &str)] = &[
    ("orgs", r#"length("path"), "id""#),
    ("staff", r#""id""#),
    ("staff_sessions", r#""token_hash""#),
    ("content", r#""id""#),
    ("form_versions", r#""form_id", "version""#),
    ("feed", r#""seq""#),
    ("media", r#""sha256""#),
    ("enrollment_tokens", r#""token_hash""#),
    ("kiosks", r#""id""#),
    ("submissions", r#""id""#),
    ("submission_history", r#""id""#),
    ("audit_log", r#""id""#),
    ("audit_submissions", r#""audit_id", "submission_id""#),
    ("kiosk_commands", r#""id""#),
    ("revisions", r#""content_id", "version""#),
    ("bookings", r#""id""#),
    ("closed_sessions", r#""offering_id", "session_key""#),
    ("admin_log", r#""id""#),
    ("org_tasks", r#""id""#),
    ("org_task_targets", r#""task_id", "org_id""#),
    ("import_jobs", r#""id""#),
    ("form_deadlines", r#""form_id""#),
    ("case_events", r#""id""#),
    ("closing_days", r#""org_id", "day""#),
    ("digest_sent", r#""staff_id", "day""#),
    ("kiosk_hours", r#""hour", "kiosk_id""#),
    ("org_hours", r#""hour", "org_id""#),
    ("usage_hours", r#""hour", "org_id", "kind", "key""#),
    ("usage_batches", r#""kiosk_id""#),
    ("quiz_rounds", r#""id""#),
    ("quiz_answers", r#""round_id", "question_key""#),
    ("poll_voters", r#""poll_id", "voter""#),
    ("poll_tallies", r#""poll_id", "question", "bucket""#),
    ("poll_ballots", r#""submission_id""#),
    ("proposals", r#""submission_id""#),
    ("server_keys", r#""name""#),
    ("login_attempts", r#""id""#),
    ("status_checks", r#""id""#),
    ("receipt_tries", r#""receipt_hash""#),
];

/// Rows per INSERT statement.
const BATCH: usize = 200;

/// Runs the migration from the database in `data_dir` to `url`, printing what it copied, and
/// records the public halves of the keys in `keys_dir` (`secrets`), so that every instance on
/// PostgreSQL must present the keys the kiosks already trust.
pub fn run(data_dir: &Path, keys_dir: &Path, url: &str) -> anyhow::Result<()> {
    let path = data_dir.join("server.db");
    if !path.exists() {
        bail!("no database at {}: is --data-dir right?", path.display());
    }
    // A running server keeps its write-ahead log beside the database (stopping it checkpoints
    // the log and removes it) and, while open, a lock on its shared memory.
    let wal = data_dir.join("server.db-wal");
    let in_use = if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        Some(format!("{} is not empty", wal.display()))
    } else if locked(&data_dir.join("server.db-shm")) {
        Some("a process has it open".to_owned())
    } else {
        None
    };
    if let Some(why) = in_use {
        bail!(
            "the database is in use ({why}): the server may be running. Stop the server first \
             (after a crash, start it once and stop it), then migrate"
        );
    }
    // TLS as the instances reach the database (`sslmode`, `sslrootcert`: `pg_tls`).
    let mut target = crate::pg_tls::Target::from_url(url)
        .context("--to is not a PostgreSQL URL (postgres://user@host[:port]/dbname)")?;
    if target.config.get_password().is_none()
        && let Ok(password) = std::env::var("PGPASSWORD")
    {
        target.config.password(password);
    }
    let keys = crate::secrets::public_halves(keys_dir)?;
    // The `postgres` client runs a runtime of its own, which must not start inside the CLI's.
    let report = std::thread::spawn(move || copy(&path, &target, &keys))
        .join()
        .map_err(|_| anyhow::anyhow!("the migration thread panicked"))??;
    println!("{:<20} {:>10} {:>10}", "table", "sqlite", "postgres");
    for (table, n) in &report.counts {
        println!("{table:<20} {n:>10} {n:>10}");
    }
    println!("feed rows SHA-256, both: {}", report.feed_sha);
    println!("content bodies SHA-256, both: {}", report.content_sha);
    println!("next feed seq: above {}", report.feed_seq);
    println!("keys recorded (public halves): {}", report.keys.join(", "));
    println!(
        "copied and checked. The keys stay files, not in the database, which records only their \
         public halves: an instance whose keys differ refuses to start. Copy {}'s \
         submission.key and tls/ (cert.pem, key.pem, and next-*.pem when a rotation is \
         prepared) to every instance's keys dir (or give them one shared keys_dir), and the \
         media directory to the shared media store.",
        keys_dir.display()
    );
    Ok(())
}

struct Report {
    counts: Vec<(&'static str, i64)>,
    /// The names of the keys whose public halves were recorded.
    keys: Vec<&'static str>,
    feed_sha: String,
    content_sha: String,
    feed_seq: i64,
}

fn copy(
    path: &Path,
    target: &crate::pg_tls::Target,
    keys: &[(&'static str, Vec<u8>)],
) -> anyhow::Result<Report> {
    let connection = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("opening {} read-only", path.display()))?;
    // One read transaction from the first read to the last hash: one state of the database.
    let sqlite = connection.unchecked_transaction()?;
    let version: i64 = sqlite.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version != PG_MIGRATIONS.len() as i64 {
        bail!(
            "the SQLite database is at schema version {version}, this build at {}: start this \
             version of the server on it once (it migrates it), stop it, then migrate",
            PG_MIGRATIONS.len()
        );
    }
    let mut pg = target
        .connect()
        .with_context(|| "connecting to the PostgreSQL database given by --to")?;
    let tables: i64 = pg
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
            &[],
        )?
        .get(0);
    if tables > 0 {
        bail!(
            "the PostgreSQL database is not empty ({tables} tables): migrate copies into an \
             empty database only (create one with CREATE DATABASE)"
        );
    }
    let mut tx = pg.transaction()?;
    crate::db::pg_migrate(&mut tx)?;
    let mut present: Vec<String> = tx
        .query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
               AND table_name <> 'schema_version'",
            &[],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    present.sort();
    let mut listed: Vec<String> = TABLES.iter().map(|(t, _)| (*t).to_owned()).collect();
    listed.sort();
    if present != listed {
        bail!("this build's table list does not match its schema: {present:?}");
    }
    same_tables_and_columns(&sqlite, &mut tx)?;
    tx.batch_execute(r#"ALTER TABLE "feed" DISABLE TRIGGER "feed_seq_in_commit_order""#)?;
    let mut counts = Vec::new();
    for (table, order) in TABLES {
        let copied = copy_table(&sqlite, &mut tx, table, order)
            .with_context(|| format!("copying table {table}"))?;
        let theirs: i64 = sqlite.query_row(
            &format!("SELECT count(*) FROM {}", quoted(table)),
            [],
            |r| r.get(0),
        )?;
        let ours: i64 = tx
            .query_one(&format!("SELECT count(*) FROM {}", quoted(table)), &[])?
            .get(0);
        if theirs != ours || copied != ours {
            bail!("table {table}: {theirs} rows in SQLite, {ours} in PostgreSQL");
        }
        counts.push((*table, ours));
    }
    tx.batch_execute(r#"ALTER TABLE "feed" ENABLE TRIGGER "feed_seq_in_commit_order""#)?;

    // Sequences past what was copied. The feed's also past SQLite's own counter, which the feed
    // head is read from (a kiosk's cursor may be there).
    let sqlite_seq = |name: &str| -> anyhow::Result<i64> {
        let mut stmt = sqlite.prepare("SELECT seq FROM sqlite_sequence WHERE name = ?1")?;
        let mut rows = stmt.query([name])?;
        Ok(match rows.next()? {
            Some(row) => row.get(0)?,
            None => 0,
        })
    };
    let feed_max: i64 = tx
        .query_one("SELECT coalesce(max(seq), 0) FROM feed", &[])?
        .get(0);
    let feed_seq = feed_max.max(sqlite_seq("feed")?);
    if feed_seq > 0 {
        tx.execute("SELECT setval('feed_seq', $1)", &[&feed_seq])?;
    }
    let identities: Vec<(String, String)> = tx
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = 'public' AND is_identity = 'YES'",
            &[],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for (table, column) in identities {
        let top: i64 = tx
            .query_one(
                &format!(
                    "SELECT coalesce(max({}), 0) FROM {}",
                    quoted(&column),
                    quoted(&table)
                ),
                &[],
            )?
            .get(0);
        let top = top.max(sqlite_seq(&table)?);
        if top > 0 {
            tx.execute(
                "SELECT setval(pg_get_serial_sequence($1, $2), $3)",
                &[&table, &column, &top],
            )?;
        }
    }

    let feed_sql =
        r#"SELECT "seq", "content_id", "org_id", "kind", "item" FROM "feed" ORDER BY "seq""#;
    let content_sql = r#"SELECT "id", "version", "body" FROM "content" ORDER BY "id""#;
    let feed_sha = sha_of_sqlite(&sqlite, feed_sql)?;
    let content_sha = sha_of_sqlite(&sqlite, content_sql)?;
    if sha_of_pg(&mut tx, feed_sql)? != feed_sha {
        bail!("the feed's rows differ after the copy");
    }
    if sha_of_pg(&mut tx, &format!(r#"{content_sql} COLLATE "C""#))? != content_sha {
        bail!("the content's bodies differ after the copy");
    }
    let now = crate::db::now_ms();
    for (name, public) in keys {
        tx.execute(
            "INSERT INTO server_keys (name, public, recorded_at) VALUES ($1, $2, $3)",
            &[name, public, &now],
        )?;
    }
    tx.commit()?;
    sqlite.finish()?;
    Ok(Report {
        counts,
        keys: keys.iter().map(|(name, _)| *name).collect(),
        feed_sha,
        content_sha,
        feed_seq,
    })
}

/// Whether any process, this one too, holds a POSIX lock on `shm`: every SQLite connection
/// with the database open in WAL mode holds one on its shared-memory file. Linux lists such
/// locks in /proc/locks by device and inode; where that cannot be read this says no, and the
/// `-wal` check stands alone.
fn locked(shm: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let (Ok(meta), Ok(locks)) = (
        std::fs::metadata(shm),
        std::fs::read_to_string("/proc/locks"),
    ) else {
        return false;
    };
    let dev = meta.dev();
    let major = ((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0x0fff);
    let minor = ((dev >> 12) & 0xffff_ff00) | (dev & 0xff);
    let id = format!("{major:02x}:{minor:02x}:{}", meta.ino());
    locks
        .lines()
        .any(|line| line.split_whitespace().any(|field| field == id))
}

/// An identifier quoted for SQL (both databases): in double quotes, any inner one doubled.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Refuses when SQLite has a table or a column PostgreSQL lacks, or the other way round: the
/// copy takes PostgreSQL's columns, so anything more in SQLite would be lost without a word.
fn same_tables_and_columns(
    sqlite: &rusqlite::Connection,
    tx: &mut postgres::Transaction<'_>,
) -> anyhow::Result<()> {
    let mut theirs: Vec<String> = sqlite
        .prepare(
            r"SELECT name FROM sqlite_master
              WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    theirs.sort();
    let ours: Vec<&str> = TABLES.iter().map(|(t, _)| *t).collect();
    for table in &theirs {
        if !ours.contains(&table.as_str()) {
            bail!(
                "the SQLite database has a table PostgreSQL lacks, {table}: it would be lost, so \
                 nothing was copied (is this database from a newer or a changed build?)"
            );
        }
    }
    for table in &ours {
        if !theirs.iter().any(|t| t == table) {
            bail!("the SQLite database lacks the table {table}: nothing was copied");
        }
        let mut sqlite_columns: Vec<String> = sqlite
            .prepare("SELECT name FROM pragma_table_info(?1)")?
            .query_map([table], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        sqlite_columns.sort();
        let mut pg_columns: Vec<String> = tx
            .query(
                "SELECT column_name::text FROM information_schema.columns
                 WHERE table_schema = 'public' AND table_name = $1",
                &[table],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        pg_columns.sort();
        if let Some(extra) = sqlite_columns.iter().find(|c| !pg_columns.contains(c)) {
            bail!(
                "the SQLite table {table} has a column PostgreSQL lacks, {extra}: it would be \
                 lost, so nothing was copied (is this database from a newer or a changed build?)"
            );
        }
        if let Some(missing) = pg_columns.iter().find(|c| !sqlite_columns.contains(c)) {
            bail!("the SQLite table {table} lacks the column {missing}: nothing was copied");
        }
    }
    Ok(())
}

/// Copies one table's rows, column by column as PostgreSQL names them; returns how many.
fn copy_table(
    sqlite: &rusqlite::Connection,
    tx: &mut postgres::Transaction<'_>,
    table: &str,
    order: &str,
) -> anyhow::Result<i64> {
    let columns: Vec<(String, String)> = tx
        .query(
            "SELECT column_name::text, data_type::text FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
            &[&table],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let names: Vec<String> = columns.iter().map(|(n, _)| quoted(n)).collect();
    let list = names.join(", ");
    let table = quoted(table);
    let mut stmt = sqlite.prepare(&format!("SELECT {list} FROM {table} ORDER BY {order}"))?;
    let mut rows = stmt.query([])?;
    let mut batch: Vec<Box<dyn ToSql + Sync>> = Vec::new();
    let mut in_batch = 0;
    let mut copied = 0;
    loop {
        let row = rows.next()?;
        if let Some(row) = row {
            for (i, (name, ty)) in columns.iter().enumerate() {
                let value: Value = row.get(i)?;
                batch.push(
                    to_pg(value, ty)
                        .with_context(|| format!("column {name} of a row of {table}"))?,
                );
            }
            in_batch += 1;
        }
        if in_batch == BATCH || (row.is_none() && in_batch > 0) {
            let width = columns.len();
            let values: Vec<String> = (0..in_batch)
                .map(|r| {
                    let params: Vec<String> =
                        (1..=width).map(|c| format!("${}", r * width + c)).collect();
                    format!("({})", params.join(", "))
                })
                .collect();
            let sql = format!("INSERT INTO {table} ({list}) VALUES {}", values.join(", "));
            let params: Vec<&(dyn ToSql + Sync)> = batch.iter().map(|b| b.as_ref()).collect();
            tx.execute(&sql, &params)?;
            copied += in_batch as i64;
            batch.clear();
            in_batch = 0;
        }
        if row.is_none() {
            return Ok(copied);
        }
    }
}

/// A SQLite value as the PostgreSQL column of type `ty` takes it (a NULL typed as the column).
fn to_pg(value: Value, ty: &str) -> anyhow::Result<Box<dyn ToSql + Sync>> {
    Ok(match (ty, value) {
        ("bigint", Value::Integer(i)) => Box::new(i),
        ("bigint", Value::Null) => Box::new(None::<i64>),
        ("text", Value::Text(s)) => Box::new(s),
        ("text", Value::Null) => Box::new(None::<String>),
        ("bytea", Value::Blob(b)) => Box::new(b),
        ("bytea", Value::Null) => Box::new(None::<Vec<u8>>),
        ("double precision", Value::Real(f)) => Box::new(f),
        ("double precision", Value::Integer(i)) => Box::new(i as f64),
        ("double precision", Value::Null) => Box::new(None::<f64>),
        (ty, value) => bail!("a {} value where PostgreSQL has {ty}", kind(&value)),
    })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "NULL",
        Value::Integer(_) => "integer",
        Value::Real(_) => "real",
        Value::Text(_) => "text",
        Value::Blob(_) => "blob",
    }
}

/// Feeds one column's value into a hash, the same for both databases: a tag, then its bytes.
fn hash_value(hash: &mut Sha256, value: Option<Vec<u8>>) {
    match value {
        None => hash.update([0u8]),
        Some(bytes) => {
            hash.update([1u8]);
            hash.update((bytes.len() as u64).to_be_bytes());
            hash.update(bytes);
        }
    }
}

fn sha_of_sqlite(sqlite: &rusqlite::Connection, sql: &str) -> anyhow::Result<String> {
    let mut stmt = sqlite.prepare(sql)?;
    let width = stmt.column_count();
    let mut rows = stmt.query([])?;
    let mut hash = Sha256::new();
    while let Some(row) = rows.next()? {
        for i in 0..width {
            let bytes = match row.get::<_, Value>(i)? {
                Value::Null => None,
                Value::Integer(n) => Some(n.to_string().into_bytes()),
                Value::Text(s) => Some(s.into_bytes()),
                other => bail!("hashing a {} value", kind(&other)),
            };
            hash_value(&mut hash, bytes);
        }
    }
    Ok(hex::encode(hash.finalize()))
}

fn sha_of_pg(tx: &mut postgres::Transaction<'_>, sql: &str) -> anyhow::Result<String> {
    // Every column as text, as SQLite's integers and texts are hashed.
    let rows = tx.query(sql, &[])?;
    let mut hash = Sha256::new();
    for row in rows {
        for i in 0..row.len() {
            let bytes = match row.columns()[i].type_() {
                &postgres::types::Type::INT8 => row
                    .get::<_, Option<i64>>(i)
                    .map(|n| n.to_string().into_bytes()),
                _ => row.get::<_, Option<String>>(i).map(String::into_bytes),
            };
            hash_value(&mut hash, bytes);
        }
    }
    Ok(hex::encode(hash.finalize()))
}
