//! The server database: one SQLite file in WAL mode, one writer connection and a small pool of
//! readers; or, with `database = "postgres://…"` (issue 20, docs/scale-out.md), a PostgreSQL
//! database shared by several instances, where each write first takes one advisory lock (one
//! writer at a time, as SQLite) and each read is one read-only REPEATABLE READ snapshot. All
//! access runs on the blocking thread pool, never on the async workers.
//!
//! Within the server process every write goes through the single writer, so feed sequence numbers
//! commit in order: a reader that sees seq N has also seen every seq below it. The feed's no-gap
//! guarantee rests on that. The operator's CLI (`content put`, imports) opens the same file from
//! another process; SQLite's write lock still serialises its transactions with ours, but this
//! process's hub does not hear of them, so `app` polls the feed head once a second and wakes the
//! orgs of anything newer than it announced.
//!
//! Employees' answers are in this file, so it is owner-only: the data dir is made 0700 and the
//! database and its WAL files 0600 (also when an older server left them readable by others).
//!
//! Work runs inside the caller's tracing span (a request's id follows it to the blocking pool),
//! and each write's wait for the writer is recorded (`union_sync_db_write_wait_seconds`).
//!
//! Every time column holds milliseconds since the Unix epoch; [`to_ts`] and [`to_ms`] are the
//! one place they meet `jiff::Timestamp`, the type of every time on the wire.

use crate::error::{AppError, AppResult};
use crate::store::Tx;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("db/001_schema.sql")),
    M::up(include_str!("db/002_external_key.sql")),
    M::up(include_str!("db/003_submissions.sql")),
    M::up(include_str!("db/004_workflow.sql")),
    M::up(include_str!("db/005_staff_accounts.sql")),
    M::up(include_str!("db/006_privacy.sql")),
    M::up(include_str!("db/007_opening_hours.sql")),
    M::up(include_str!("db/008_kiosk_commands.sql")),
    M::up(include_str!("db/009_roles.sql")),
    M::up(include_str!("db/010_revisions.sql")),
    M::up(include_str!("db/011_revision_bodies.sql")),
    M::up(include_str!("db/013_places.sql")),
    M::up(include_str!("db/014_org_admin.sql")),
    M::up(include_str!("db/015_org_tasks.sql")),
    M::up(include_str!("db/016_import_jobs.sql")),
    M::up(include_str!("db/017_deadlines.sql")),
    M::up(include_str!("db/018_kiosk_hours.sql")),
    M::up(include_str!("db/019_org_hours.sql")),
    M::up(include_str!("db/020_branch_page.sql")),
    M::up(include_str!("db/021_usage.sql")),
    M::up(include_str!("db/023_quiz.sql")),
    M::up(include_str!("db/024_polls.sql")),
    M::up(include_str!("db/025_proposals.sql")),
    M::up(include_str!("db/026_poll_changed.sql")),
    M::up(include_str!("db/027_orgs_parent_name.sql")),
    M::up(include_str!("db/028_shared_limits.sql")),
    M::up(include_str!("db/030_server_keys.sql")),
];

/// PostgreSQL's migrations, paired by number and name with SQLite's (`MIGRATIONS`); e2e
/// `pg_cluster` checks the pairing and that both give the same schema.
pub const PG_MIGRATIONS: &[&str] = &[
    include_str!("db/pg/001_schema.sql"),
    include_str!("db/pg/002_external_key.sql"),
    include_str!("db/pg/003_submissions.sql"),
    include_str!("db/pg/004_workflow.sql"),
    include_str!("db/pg/005_staff_accounts.sql"),
    include_str!("db/pg/006_privacy.sql"),
    include_str!("db/pg/007_opening_hours.sql"),
    include_str!("db/pg/008_kiosk_commands.sql"),
    include_str!("db/pg/009_roles.sql"),
    include_str!("db/pg/010_revisions.sql"),
    include_str!("db/pg/011_revision_bodies.sql"),
    include_str!("db/pg/013_places.sql"),
    include_str!("db/pg/014_org_admin.sql"),
    include_str!("db/pg/015_org_tasks.sql"),
    include_str!("db/pg/016_import_jobs.sql"),
    include_str!("db/pg/017_deadlines.sql"),
    include_str!("db/pg/018_kiosk_hours.sql"),
    include_str!("db/pg/019_org_hours.sql"),
    include_str!("db/pg/020_branch_page.sql"),
    include_str!("db/pg/021_usage.sql"),
    include_str!("db/pg/023_quiz.sql"),
    include_str!("db/pg/024_polls.sql"),
    include_str!("db/pg/025_proposals.sql"),
    include_str!("db/pg/026_poll_changed.sql"),
    include_str!("db/pg/027_orgs_parent_name.sql"),
    include_str!("db/pg/028_shared_limits.sql"),
    include_str!("db/pg/030_server_keys.sql"),
];

#[derive(Clone)]
pub struct Db {
    conns: Conns,
    kiosk_turns: Arc<tokio::sync::Semaphore>,
    /// Where a write's wait for the writer is recorded (the server's metrics; none for the CLI).
    write_wait: metrics::Histogram,
    /// Set by a write whose page images must not stay in the WAL (an anonymous vote: its
    /// tallies' before and after would tell its choices); [`Db::checkpoint_if_wanted`] clears it.
    checkpoint_wanted: Arc<AtomicBool>,
}

/// The database's connections: SQLite's one writer and readers, or PostgreSQL's pools.
#[derive(Clone)]
enum Conns {
    Sqlite {
        writer: Arc<Mutex<Connection>>,
        readers: r2d2::Pool<SqliteConnectionManager>,
        /// Kiosks' reads (authentication, the delta feed) have readers of their own, and at
        /// most as many of them wait on the blocking pool as there are readers, so that a herd
        /// of kiosks pulling after a publish never queues a staff request behind it.
        kiosk_readers: r2d2::Pool<SqliteConnectionManager>,
    },
    Postgres(Arc<PgPools>),
}

type PgPool = r2d2::Pool<crate::store::PgManager>;

/// Writes and staff reads, then kiosks' reads (as on SQLite); `None` only while dropped.
struct PgPools(Option<(PgPool, PgPool)>);

impl PgPools {
    fn get(&self, kiosk: bool) -> PgPool {
        let (pool, kiosk_pool) = self.0.as_ref().expect("the pools are there until dropped");
        if kiosk { kiosk_pool } else { pool }.clone()
    }
}

/// A `postgres` client blocks on a runtime of its own to close, which must not happen on the
/// server's async workers (where the last `Db` is dropped): the pools close on a thread.
impl Drop for PgPools {
    fn drop(&mut self) {
        if let Some(pools) = self.0.take() {
            drop(std::thread::spawn(move || drop(pools)));
        }
    }
}

/// The advisory lock every PostgreSQL write transaction takes first, so writes from every
/// instance run one at a time as SQLite's do, and each module's read-then-write stays correct.
const PG_WRITE_LOCK: i64 = 0x756e_696f_6e01;
/// The advisory lock migrations run under, so instances starting together migrate once.
const PG_MIGRATE_LOCK: i64 = 0x756e_696f_6e02;

/// Whether the schema is at this build's version (every migration applied).
pub fn schema_current(tx: &Tx<'_>) -> AppResult<bool> {
    let (sql, wanted) = if tx.is_postgres() {
        ("SELECT version FROM schema_version", PG_MIGRATIONS.len())
    } else {
        ("PRAGMA user_version", MIGRATIONS.len())
    };
    let version: i64 = tx.query_row(sql, [], |r| r.get(0))?;
    Ok(version == wanted as i64)
}

/// Applies the PostgreSQL migrations `tx`'s database lacks, in order, and records the version
/// in `schema_version`; under an advisory lock held to the end of `tx`.
/// A database a newer build migrated is refused.
pub fn pg_migrate(tx: &mut postgres::Transaction<'_>) -> anyhow::Result<()> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PG_MIGRATE_LOCK])?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version bigint NOT NULL)")?;
    let applied: Option<i64> = tx
        .query_opt("SELECT version FROM schema_version", &[])?
        .map(|r| r.get(0));
    if applied.is_none() {
        tx.execute("INSERT INTO schema_version (version) VALUES (0)", &[])?;
    }
    let applied = usize::try_from(applied.unwrap_or(0))?;
    if applied > PG_MIGRATIONS.len() {
        anyhow::bail!(
            "the PostgreSQL database is at schema version {applied}, newer than this build's {}",
            PG_MIGRATIONS.len()
        );
    }
    for sql in PG_MIGRATIONS.iter().skip(applied) {
        tx.batch_execute(sql)?;
    }
    let version = PG_MIGRATIONS.len() as i64;
    tx.execute("UPDATE schema_version SET version = $1", &[&version])?;
    Ok(())
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Freed pages are zeroed, so a deleted or rewritten row (an anonymous poll's old tallies)
    // leaves no copy in the file's free pages; this workload frees few pages.
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(())
}

/// Creates `dir` (and its parents) if needed and makes it owner-only (0700).
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// Makes the database at `path` owner-only (0600), creating it empty if it is not there:
/// SQLite gives its WAL and shared-memory files the database file's mode.
fn make_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        match std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

impl Db {
    /// Opens (creating if needed) the database at `path`, owner-only, and applies pending
    /// migrations.
    pub fn open(path: &Path) -> anyhow::Result<Db> {
        make_private(path)?;
        let mut writer = Connection::open(path)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        configure(&writer)?;
        // A submission is acknowledged only once it would survive a power cut.
        writer.pragma_update(None, "synchronous", "FULL")?;
        Migrations::from_slice(MIGRATIONS).to_latest(&mut writer)?;
        let readers = |size| {
            let manager = SqliteConnectionManager::file(path).with_init(|c| {
                configure(c)?;
                c.pragma_update(None, "query_only", "ON")
            });
            r2d2::Pool::builder().max_size(size).build(manager)
        };
        let (kiosk_readers, readers) = (readers(KIOSK_READERS)?, readers(READERS)?);
        Ok(Db {
            conns: Conns::Sqlite {
                writer: Arc::new(Mutex::new(writer)),
                readers,
                kiosk_readers,
            },
            kiosk_turns: Arc::new(tokio::sync::Semaphore::new(KIOSK_READERS as usize)),
            write_wait: metrics::Histogram::noop(),
            checkpoint_wanted: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Opens the PostgreSQL database at `url` (`postgres://…`) and applies pending migrations.
    /// Runs on a thread of its own: the `postgres` client must not block inside the server's
    /// async runtime.
    pub fn open_postgres(url: &str) -> anyhow::Result<Db> {
        let target = crate::pg_tls::Target::from_url(url)?;
        std::thread::spawn(move || -> anyhow::Result<Db> {
            let mut client = target.connect()?;
            let mut tx = client.transaction()?;
            pg_migrate(&mut tx)?;
            tx.commit()?;
            let pool = |size| {
                let manager =
                    crate::store::PgManager::new(target.config.clone(), target.tls.clone());
                r2d2::Pool::builder().max_size(size).build(manager)
            };
            Ok(Db {
                conns: Conns::Postgres(Arc::new(PgPools(Some((
                    pool(READERS + 1)?,
                    pool(KIOSK_READERS)?,
                ))))),
                kiosk_turns: Arc::new(tokio::sync::Semaphore::new(KIOSK_READERS as usize)),
                write_wait: metrics::Histogram::noop(),
                checkpoint_wanted: Arc::new(AtomicBool::new(false)),
            })
        })
        .join()
        .map_err(|_| anyhow::anyhow!("opening the PostgreSQL database panicked"))?
    }

    /// Whether this is a PostgreSQL database (`database = "postgres://…"`).
    pub fn is_postgres(&self) -> bool {
        matches!(self.conns, Conns::Postgres(_))
    }

    /// Asks for [`Db::checkpoint_if_wanted`]'s next run to empty the WAL. Called inside the
    /// write whose pages must go: the checkpoint takes the writer, so it runs after that commit.
    pub fn want_checkpoint(&self) {
        self.checkpoint_wanted.store(true, Ordering::SeqCst);
    }

    /// When asked since the last run, copies the WAL into the database and truncates it to zero
    /// bytes (`PRAGMA wal_checkpoint(TRUNCATE)`), so the page images of earlier commits are gone
    /// from it. A reader in the way (waited for at most a second) leaves the request standing
    /// for the next run. Returns whether the WAL was emptied.
    pub async fn checkpoint_if_wanted(&self) -> AppResult<bool> {
        let Conns::Sqlite { writer, .. } = &self.conns else {
            return Ok(false);
        };
        if !self.checkpoint_wanted.swap(false, Ordering::SeqCst) {
            return Ok(false);
        }
        let (writer, wanted) = (writer.clone(), self.checkpoint_wanted.clone());
        let done = blocking(move || {
            let conn = writer
                .lock()
                .map_err(|_| AppError::internal("database writer", "lock poisoned"))?;
            conn.busy_timeout(Duration::from_secs(1))?;
            let busy: rusqlite::Result<i64> =
                conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0));
            conn.busy_timeout(Duration::from_secs(10))?;
            Ok(busy? == 0)
        })
        .await;
        if !matches!(done, Ok(true)) {
            wanted.store(true, Ordering::SeqCst);
        }
        done
    }

    /// The same database, recording each write's wait for the writer in `histogram`.
    pub fn with_write_wait(mut self, histogram: metrics::Histogram) -> Db {
        self.write_wait = histogram;
        self
    }

    /// Runs `f` in one write transaction on the blocking pool; commits if it returns `Ok`.
    pub async fn write<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Tx<'_>) -> AppResult<T> + Send + 'static,
    {
        let (queued, wait) = (std::time::Instant::now(), self.write_wait.clone());
        let writer = match &self.conns {
            Conns::Sqlite { writer, .. } => writer.clone(),
            Conns::Postgres(pools) => {
                let pool = pools.get(false);
                return blocking(move || {
                    let mut conn = pool.get()?;
                    let tx = conn.write()?;
                    Tx::postgres(&tx)
                        .execute("SELECT pg_advisory_xact_lock(?1)", [PG_WRITE_LOCK])?;
                    let waited = queued.elapsed();
                    wait.record(waited.as_secs_f64());
                    tracing::debug!(wait_ms = waited.as_millis() as u64, "database write");
                    let out = f(&Tx::postgres(&tx))?;
                    tx.commit()?;
                    Ok(out)
                })
                .await;
            }
        };
        blocking(move || {
            let mut conn = writer
                .lock()
                .map_err(|_| AppError::internal("database writer", "lock poisoned"))?;
            let waited = queued.elapsed();
            wait.record(waited.as_secs_f64());
            tracing::debug!(wait_ms = waited.as_millis() as u64, "database write");
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let out = f(&Tx::sqlite(&tx))?;
            tx.commit()?;
            Ok(out)
        })
        .await
    }

    /// Runs `f` in one read transaction (a consistent snapshot) on the blocking pool.
    pub async fn read<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Tx<'_>) -> AppResult<T> + Send + 'static,
    {
        match &self.conns {
            Conns::Sqlite { readers, .. } => read_on(readers.clone(), f).await,
            Conns::Postgres(pools) => read_pg(pools.get(false), f).await,
        }
    }

    /// [`Db::read`] for a kiosk's request, on the kiosks' own readers: it waits its turn here,
    /// off the blocking pool, so thousands of kiosks asking at once hold at most
    /// [`KIOSK_READERS`] blocking threads and no reader staff requests need.
    pub async fn read_kiosk<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Tx<'_>) -> AppResult<T> + Send + 'static,
    {
        let _turn = self
            .kiosk_turns
            .acquire()
            .await
            .map_err(|e| AppError::internal("kiosk readers", e))?;
        match &self.conns {
            Conns::Sqlite { kiosk_readers, .. } => read_on(kiosk_readers.clone(), f).await,
            Conns::Postgres(pools) => read_pg(pools.get(true), f).await,
        }
    }
}

/// Readers for everything but kiosks' requests (staff, the console, the scheduler).
const READERS: u32 = 4;
/// Readers for kiosks' requests.
pub const KIOSK_READERS: u32 = 4;

async fn read_on<T, F>(pool: r2d2::Pool<SqliteConnectionManager>, f: F) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&Tx<'_>) -> AppResult<T> + Send + 'static,
{
    blocking(move || {
        let mut conn = pool.get()?;
        let tx = conn.transaction()?;
        f(&Tx::sqlite(&tx))
    })
    .await
}

/// A read on PostgreSQL: one snapshot for the whole closure, read-only.
async fn read_pg<T, F>(pool: PgPool, f: F) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce(&Tx<'_>) -> AppResult<T> + Send + 'static,
{
    blocking(move || {
        let mut conn = pool.get()?;
        let tx = conn.read()?;
        f(&Tx::postgres(&tx))
    })
    .await
}

async fn blocking<T, F>(f: F) -> AppResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> AppResult<T> + Send + 'static,
{
    crate::obs::spawn_blocking(f)
        .await
        .map_err(|e| AppError::internal("database task failed", e))?
}

/// Milliseconds since the Unix epoch, as stored in every time column.
pub fn now_ms() -> i64 {
    to_ms(jiff::Timestamp::now())
}

/// A stored time as a timestamp (out-of-range values read as the epoch).
pub fn to_ts(ms: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// A timestamp as stored.
pub fn to_ms(ts: jiff::Timestamp) -> i64 {
    ts.as_millisecond()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        Migrations::from_slice(MIGRATIONS)
            .validate()
            .expect("migrations apply to an empty database");
    }

    /// 011 keeps a revision's body only once the item has moved past it: the current version's
    /// body is dropped from `revisions` (the content row has it), older ones stay.
    #[test]
    fn revision_bodies_are_kept_once() {
        let mut conn = Connection::open_in_memory().expect("memory db");
        configure(&conn).expect("configure");
        let migrations = Migrations::from_slice(MIGRATIONS);
        migrations.to_version(&mut conn, 10).expect("up to 010");
        conn.execute_batch(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO content (id, kind, org_id, state, version, body, created_at, updated_at)
                 VALUES ('c1', 'news', 1, 'published', 2, '{\"v\":2}', 1, 2);
             DELETE FROM revisions;
             INSERT INTO revisions (content_id, version, body, author, saved_at, changed)
                 VALUES ('c1', 1, '{\"v\":1}', '', 1, ''), ('c1', 2, '{\"v\":2}', '', 2, 'v');
             PRAGMA foreign_keys = ON;",
        )
        .expect("rows");
        migrations.to_latest(&mut conn).expect("to the latest");
        let rows: Vec<(i64, Option<String>)> = conn
            .prepare("SELECT version, body FROM revisions ORDER BY version")
            .expect("select")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("read");
        assert_eq!(rows, vec![(1, Some("{\"v\":1}".to_owned())), (2, None)]);
    }

    /// 008 rebuilds the audit log (to record screenshots): its rows, ids and the links of
    /// `audit_submissions` to them survive, and its foreign keys still hold.
    #[test]
    fn audit_log_survives_its_rebuild() {
        let mut conn = Connection::open_in_memory().expect("memory db");
        configure(&conn).expect("configure");
        let migrations = Migrations::from_slice(MIGRATIONS);
        migrations.to_version(&mut conn, 6).expect("up to 006");
        // The link's submission is not there: foreign keys are off for this setup only.
        conn.execute_batch(
            "INSERT INTO audit_log (id, at, staff_id, action) VALUES (5, 1, NULL, 'erase');
             INSERT INTO audit_log (id, at, staff_id, action) VALUES (9, 2, NULL, 'erase');
             PRAGMA foreign_keys = OFF;
             INSERT INTO audit_submissions VALUES (9, 'sub-1');
             PRAGMA foreign_keys = ON;",
        )
        .expect("audit rows");
        migrations.to_latest(&mut conn).expect("to the latest");
        let rows: Vec<(i64, String)> = conn
            .prepare("SELECT id, action FROM audit_log ORDER BY id")
            .expect("select")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("read");
        assert_eq!(rows, vec![(5, "erase".to_owned()), (9, "erase".to_owned())]);
        conn.execute(
            "INSERT INTO audit_log (at, action, kiosk_id) VALUES (3, 'screenshot', NULL)",
            [],
        )
        .expect("a screenshot entry is allowed");
        let parents: Vec<String> = conn
            .prepare("SELECT \"table\" FROM pragma_foreign_key_list('audit_submissions')")
            .expect("pragma")
            .query_map([], |r| r.get(0))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("read");
        assert!(parents.contains(&"audit_log".to_owned()), "{parents:?}");
        let linked: i64 = conn
            .query_row("SELECT audit_id FROM audit_submissions", [], |r| r.get(0))
            .expect("the link is kept");
        assert_eq!(linked, 9);
    }
}
