//! The kiosk's local SQLite store: everything the screens show comes from here, so the kiosk
//! works offline. `meta` keeps the facts about this kiosk (enrollment, sync health) under typed
//! keys, `cache` the content with its feed cursor, `media` the index of cached files, and
//! `outbox` the sealed submissions waiting for the server.
//!
//! A feed page and the cursor that follows it are written in one transaction: after a crash the
//! kiosk resumes exactly where the last applied page ended, never past a page it did not apply.

mod cache;
mod media;
mod meta;
mod outbox;
#[cfg(test)]
mod tests;
mod usage;

pub use cache::{Applied, LibraryPage};
pub use meta::Enrollment;
pub use outbox::{Pending, Refused, Saved};

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("store/001_schema.sql")),
    M::up(include_str!("store/002_outbox.sql")),
    M::up(include_str!("store/003_refused.sql")),
    M::up(include_str!("store/004_usage.sql")),
];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the kiosk's local database failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the kiosk's local database could not be upgraded: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("cached data could not be read: {0}")]
    Json(#[from] serde_json::Error),
    #[error("this kiosk is not enrolled yet")]
    NotEnrolled,
    #[error("the submission could not be sealed")]
    Seal,
    #[error("this kiosk has used up its receipt codes; enroll it again")]
    ReceiptsExhausted,
    #[error(
        "{0} submission(s) are still waiting to be sent to the server, sealed to its key: enrolling again now would strand them. Connect the kiosk to the network and run `kiosk sync --once` until `kiosk doctor` shows an empty outbox, then enroll again"
    )]
    OutboxNotEmpty(u64),
    #[error("cannot use the data folder {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// With less free space than this under the data dir the kiosk counts its disk as full: a
/// sealed submission, SQLite's journal or an image may no longer fit. The admin panel and
/// `kiosk doctor` say so; the console flags it from the heartbeat's free bytes.
pub const DISK_FULL_BYTES: u64 = 16 * 1024 * 1024;

impl StoreError {
    /// The disk under the data dir is full (SQLite's `SQLITE_FULL`, or `ENOSPC` writing a
    /// file): nothing was written, and the same write works again once space is freed.
    pub fn is_disk_full(&self) -> bool {
        match self {
            StoreError::Sqlite(e) => e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull),
            StoreError::Io { source, .. } => source.kind() == std::io::ErrorKind::StorageFull,
            _ => false,
        }
    }
}

/// The kiosk's database and its data folder; see the module documentation.
pub struct Store {
    conn: Connection,
    dir: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

impl Store {
    /// Opens (creating) the store in `dir`: `kiosk.db` and the `media/` folder.
    pub fn open(dir: &Path) -> Result<Store> {
        let io = |source| StoreError::Io {
            path: dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir.join("media")).map_err(io)?;
        restrict(dir).map_err(io)?;
        let mut conn = Connection::open(dir.join("kiosk.db"))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: the outbox and the cursor must survive a power cut once written.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(Duration::from_secs(10))?;
        Migrations::from_slice(MIGRATIONS).to_latest(&mut conn)?;
        Ok(Store {
            conn,
            dir: dir.to_path_buf(),
        })
    }

    /// Free space under the data dir, if the file system says.
    pub fn free_disk_bytes(&self) -> Option<u64> {
        fs4::available_space(&self.dir).ok()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Runs `f` with the store locked on tokio's blocking pool: SQLite never runs on an async
/// worker thread, nor on the UI thread.
pub async fn blocking<T, F>(store: &Arc<Mutex<Store>>, f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&mut Store) -> Result<T> + Send + 'static,
{
    let store = store.clone();
    tokio::task::spawn_blocking(move || {
        f(&mut store
            .lock()
            .expect("the store lock is never held across a panic"))
    })
    .await
    .expect("store work does not panic")
}

/// The data folder holds the kiosk's secret: only its owner may read it.
fn restrict(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}
