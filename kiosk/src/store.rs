//! The kiosk's local SQLite store: enrollment, the content cache with its feed cursor, and the
//! media cache index. Everything the screens show comes from here, so the kiosk works offline.
//!
//! A feed page and the cursor that follows it are written in one transaction: after a crash the
//! kiosk resumes exactly where the last applied page ended, never past a page it did not apply.

use base64::Engine as _;
use protocol::enroll::EnrollResponse;
use protocol::submission::{FormAnswers, SubmissionUpload, receipt};
use protocol::{
    Change, ChangesResponse, ContentId, ContentItem, ContentKind, Cursor, Fingerprint, KioskId,
    MediaHash, OrgSummary,
};
use rusqlite::{Connection, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("store/001_schema.sql")),
    M::up(include_str!("store/002_outbox.sql")),
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
    #[error("cannot use the data folder {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// What branch IT enrolled this kiosk with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrollment {
    pub server: Url,
    pub fingerprint: Fingerprint,
    pub kiosk_id: KioskId,
    pub secret: String,
    pub org: OrgSummary,
    pub receipt_prefix: String,
    /// The server's X25519 public key that submissions are sealed to.
    pub submission_key: [u8; 32],
}

/// How a page changed the cache.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    pub upserts: usize,
    pub deletes: usize,
    /// A resync from zero finished with this page; this many stale items were dropped.
    pub resync_dropped: Option<usize>,
    /// A library item was added, changed or removed (the search index needs rebuilding).
    pub library_changed: bool,
}

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

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    fn set(conn: &Connection, key: &str, value: &str) -> Result<()> {
        conn.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
            .execute([key, value])?;
        Ok(())
    }

    pub fn save_enrollment(
        &mut self,
        server: &Url,
        fingerprint: Fingerprint,
        creds: &EnrollResponse,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        Self::set(&tx, "server", server.as_str())?;
        Self::set(&tx, "fingerprint", &fingerprint.to_string())?;
        Self::set(&tx, "kiosk_id", &creds.kiosk_id.0)?;
        Self::set(&tx, "secret", &creds.secret)?;
        Self::set(&tx, "org", &serde_json::to_string(&creds.org)?)?;
        Self::set(&tx, "receipt_prefix", &creds.receipt_prefix)?;
        Self::set(&tx, "submission_key", &creds.submission_key)?;
        // A new enrollment starts a new cache: what another org's kiosk held does not belong here.
        tx.execute("DELETE FROM items", [])?;
        tx.execute(
            "DELETE FROM meta WHERE key IN ('cursor', 'resync_gen', 'resyncing')",
            [],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn enrollment(&self) -> Result<Option<Enrollment>> {
        let (Some(server), Some(fp), Some(id), Some(secret), Some(org), Some(prefix), Some(key)) = (
            self.get("server")?,
            self.get("fingerprint")?,
            self.get("kiosk_id")?,
            self.get("secret")?,
            self.get("org")?,
            self.get("receipt_prefix")?,
            self.get("submission_key")?,
        ) else {
            return Ok(None);
        };
        let key = base64::engine::general_purpose::STANDARD
            .decode(key)
            .ok()
            .and_then(|k| <[u8; 32]>::try_from(k).ok());
        let (Ok(server), Ok(fingerprint), Some(submission_key)) =
            (Url::parse(&server), fp.parse(), key)
        else {
            return Ok(None);
        };
        Ok(Some(Enrollment {
            server,
            fingerprint,
            kiosk_id: KioskId(id),
            secret,
            org: serde_json::from_str(&org)?,
            receipt_prefix: prefix,
            submission_key,
        }))
    }

    pub fn cursor(&self) -> Result<Option<Cursor>> {
        Ok(self.get("cursor")?.and_then(|c| c.parse().ok()))
    }

    fn generation(&self) -> Result<i64> {
        Ok(self
            .get("resync_gen")?
            .and_then(|g| g.parse().ok())
            .unwrap_or(0))
    }

    /// Applies one feed page and stores its cursor, in one transaction.
    pub fn apply(&mut self, page: &ChangesResponse) -> Result<Applied> {
        let mut generation = self.generation()?;
        let mut resyncing = self.get("resyncing")?.is_some();
        let tx = self.conn.transaction()?;
        if page.reset {
            // Keep showing the old cache; mark what the resync brings, drop the rest at its end.
            generation += 1;
            resyncing = true;
            Self::set(&tx, "resync_gen", &generation.to_string())?;
            Self::set(&tx, "resyncing", "1")?;
        }
        let mut applied = Applied::default();
        for change in &page.changes {
            match change {
                Change::Upsert { item, .. } => {
                    tx.prepare_cached(
                        "INSERT OR REPLACE INTO items (id, kind, org_id, version, item, gen)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )?
                    .execute(params![
                        item.id.0,
                        item.body.kind().as_str(),
                        item.org_id.0,
                        item.version,
                        serde_json::to_string(item)?,
                        generation
                    ])?;
                    applied.upserts += 1;
                    applied.library_changed |= item.body.kind() == ContentKind::LibraryItem;
                }
                Change::Delete { id, kind, .. } => {
                    applied.library_changed |= *kind == ContentKind::LibraryItem;
                    tx.prepare_cached("DELETE FROM items WHERE id = ?1")?
                        .execute([&id.0])?;
                    applied.deletes += 1;
                }
            }
        }
        if resyncing && !page.has_more {
            let dropped = tx.execute("DELETE FROM items WHERE gen < ?1", [generation])?;
            applied.library_changed |= dropped > 0;
            tx.execute("DELETE FROM meta WHERE key = 'resyncing'", [])?;
            applied.resync_dropped = Some(dropped);
        }
        Self::set(&tx, "cursor", &page.cursor.to_string())?;
        tx.commit()?;
        Ok(applied)
    }

    /// Every cached item of `kind`.
    pub fn items(&self, kind: ContentKind) -> Result<Vec<ContentItem>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT item FROM items WHERE kind = ?1")?;
        let rows = stmt.query_map([kind.as_str()], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(serde_json::from_str(&row?)?);
        }
        Ok(out)
    }

    /// Every cached library item, as the search index wants them.
    /// Every cached library item, for the search index and the shelf.
    pub fn library_items(
        &self,
    ) -> Result<Vec<(protocol::ContentId, protocol::content::LibraryItem)>> {
        let mut out = Vec::new();
        for item in self.items(ContentKind::LibraryItem)? {
            if let protocol::ContentBody::LibraryItem(l) = item.body {
                out.push((item.id, l));
            }
        }
        Ok(out)
    }

    pub fn item(&self, id: &protocol::ContentId) -> Result<Option<ContentItem>> {
        let text: Option<String> = self
            .conn
            .prepare_cached("SELECT item FROM items WHERE id = ?1")?
            .query_row([&id.0], |r| r.get(0))
            .optional()?;
        Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
    }

    pub fn count(&self, kind: Option<ContentKind>) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM items WHERE ?1 IS NULL OR kind = ?1",
            [kind.map(|k| k.as_str())],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as u64)
    }

    /// Every media hash the cached content refers to.
    pub fn needed_media(&self) -> Result<HashSet<MediaHash>> {
        let mut stmt = self.conn.prepare(
            "SELECT item FROM items WHERE kind IN ('news', 'attract_slide', 'reading_list')
                 OR (kind = 'library_item' AND item LIKE '%\"cover\"%')",
        )?;
        let mut needed = HashSet::new();
        for row in stmt.query_map([], |r| r.get::<_, String>(0))? {
            let item: ContentItem = serde_json::from_str(&row?)?;
            needed.extend(item.body.media().into_iter().cloned());
        }
        Ok(needed)
    }

    pub fn media_path(&self, hash: &MediaHash) -> PathBuf {
        self.dir.join("media").join(hash.as_str())
    }

    pub fn has_media(&self, hash: &MediaHash) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM media WHERE sha256 = ?1)")?
            .query_row([hash.as_str()], |r| r.get(0))?)
    }

    /// Records a media file already written (and verified) at `media_path(hash)`.
    pub fn add_media(&self, hash: &MediaHash, bytes: u64) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO media (sha256, bytes, last_used) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![hash.as_str(), bytes as i64, now_ms()])?;
        Ok(())
    }

    /// Marks a media file as just used (for least-recently-used eviction).
    pub fn touch_media(&self, hash: &MediaHash) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE media SET last_used = ?2 WHERE sha256 = ?1")?
            .execute(params![hash.as_str(), now_ms()])?;
        Ok(())
    }

    pub fn media_bytes(&self) -> Result<u64> {
        Ok(self
            .conn
            .query_row("SELECT coalesce(sum(bytes), 0) FROM media", [], |r| {
                r.get::<_, i64>(0)
            })? as u64)
    }

    /// Evicts least-recently-used media until the cache fits `budget` bytes, never a file in
    /// `keep` (what current content needs). Returns how many files were removed.
    pub fn evict_media(&self, budget: u64, keep: &HashSet<MediaHash>) -> Result<usize> {
        let mut total = self.media_bytes()?;
        if total <= budget {
            return Ok(0);
        }
        let candidates: Vec<(String, i64)> = self
            .conn
            .prepare("SELECT sha256, bytes FROM media ORDER BY last_used")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<std::result::Result<_, _>>()?;
        let mut removed = 0;
        for (hash, bytes) in candidates {
            if total <= budget {
                break;
            }
            let Ok(parsed) = hash.parse::<MediaHash>() else {
                continue;
            };
            if keep.contains(&parsed) {
                continue;
            }
            // The row goes first: a file without a row is only wasted space, a row without a
            // file would be a broken image.
            self.conn
                .execute("DELETE FROM media WHERE sha256 = ?1", [&hash])?;
            let _ = std::fs::remove_file(self.media_path(&parsed));
            total = total.saturating_sub(bytes as u64);
            removed += 1;
        }
        Ok(removed)
    }

    pub fn record_sync_ok(&self) -> Result<()> {
        Self::set(&self.conn, "last_sync_ok", &now_ms().to_string())?;
        self.conn.execute(
            "DELETE FROM meta WHERE key IN ('last_sync_error', 'offline_since', 'refused')",
            [],
        )?;
        Ok(())
    }

    /// A sync failed; `refused`: the server refused this kiosk rather than being unreachable.
    pub fn record_sync_error(&self, message: &str, refused: bool) -> Result<()> {
        Self::set(&self.conn, "last_sync_error", message)?;
        self.conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('offline_since', ?1)",
            [now_ms().to_string()],
        )?;
        if refused {
            Self::set(&self.conn, "refused", "1")?;
        }
        Ok(())
    }

    /// Since when syncs have been failing, if they are.
    pub fn offline_since(&self) -> Result<Option<jiff::Timestamp>> {
        Ok(self
            .get("offline_since")?
            .and_then(|v| v.parse::<i64>().ok())
            .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok()))
    }

    pub fn refused(&self) -> Result<bool> {
        Ok(self.get("refused")?.is_some())
    }

    pub fn last_sync_ok(&self) -> Result<Option<jiff::Timestamp>> {
        Ok(self
            .get("last_sync_ok")?
            .and_then(|v| v.parse::<i64>().ok())
            .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok()))
    }

    pub fn last_sync_error(&self) -> Result<Option<String>> {
        self.get("last_sync_error")
    }
}

/// A submission waiting in the outbox, as it will be uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub upload: SubmissionUpload,
    pub attempts: u32,
}

/// What the employee is told at once: the receipt, and that the submission is safe on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub id: String,
    pub receipt: String,
}

impl Store {
    /// Seals the answers to the server's key and writes the submission to the outbox, durably,
    /// with a fresh receipt code, in one transaction. Only then may the screen say "submitted".
    pub fn enqueue(
        &mut self,
        form_id: &ContentId,
        form_version: u32,
        answers: &FormAnswers,
    ) -> Result<Saved> {
        let enrollment = self.enrollment()?.ok_or(StoreError::NotEnrolled)?;
        let plain = serde_json::to_vec(answers)?;
        let sealed = crypto_box::PublicKey::from_bytes(enrollment.submission_key)
            .seal(&mut crypto_box::aead::OsRng, &plain)
            .map_err(|_| StoreError::Seal)?;
        let id = uuid::Uuid::new_v4().to_string();
        let tx = self.conn.transaction()?;
        let counter: u64 = tx
            .query_row(
                "SELECT value FROM meta WHERE key = 'receipt_counter'",
                [],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let receipt = receipt::code(&enrollment.receipt_prefix, counter)
            .ok_or(StoreError::ReceiptsExhausted)?;
        Self::set(&tx, "receipt_counter", &(counter + 1).to_string())?;
        let now = now_ms();
        tx.execute(
            "INSERT INTO outbox (id, receipt, form_id, form_version, submitted_at, sealed, next_attempt_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5)",
            params![id, receipt, form_id.0, form_version, now, sealed],
        )?;
        tx.commit()?;
        Ok(Saved { id, receipt })
    }

    /// Submissions whose next attempt is due (all of them when `everything`, as for "sync now"),
    /// oldest first.
    pub fn due(&self, everything: bool) -> Result<Vec<Pending>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, receipt, form_id, form_version, submitted_at, sealed, attempts
             FROM outbox WHERE ?1 OR next_attempt_at <= ?2 ORDER BY submitted_at",
        )?;
        let rows = stmt.query_map(params![everything, now_ms()], |r| {
            let submitted: i64 = r.get(4)?;
            let sealed: Vec<u8> = r.get(5)?;
            Ok(Pending {
                upload: SubmissionUpload {
                    id: r.get(0)?,
                    receipt: r.get(1)?,
                    form_id: ContentId(r.get(2)?),
                    form_version: r.get(3)?,
                    submitted_at: jiff::Timestamp::from_millisecond(submitted)
                        .unwrap_or(jiff::Timestamp::UNIX_EPOCH),
                    sealed: base64::engine::general_purpose::STANDARD.encode(sealed),
                },
                attempts: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// The server has it: it leaves the outbox.
    pub fn delivered(&self, id: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM outbox WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Delivery failed; try again after `retry_in`.
    pub fn failed(&self, id: &str, error: &str, retry_in: Duration) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3 WHERE id = ?1",
            params![id, error, now_ms() + retry_in.as_millis() as i64],
        )?;
        Ok(())
    }

    /// Whether the submission is still waiting in the outbox (not yet confirmed by the server).
    pub fn in_outbox(&self, id: &str) -> Result<bool> {
        let n: i64 =
            self.conn
                .query_row("SELECT count(*) FROM outbox WHERE id = ?1", [id], |r| {
                    r.get(0)
                })?;
        Ok(n > 0)
    }

    pub fn outbox_depth(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }
}

/// The data folder holds the kiosk's secret: only its owner may read it.
fn restrict(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}
