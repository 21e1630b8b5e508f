//! The `meta` table: facts about this kiosk under typed keys — its enrollment, and how its syncs
//! have been going.

use super::{Result, Store, cache, now_ms};
use base64::Engine as _;
use protocol::enroll::EnrollResponse;
use protocol::{Fingerprint, KioskId, OrgSummary};
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use url::Url;

/// Every key of the `meta` table. `as_str` is what is on disk: changing a string loses the fact
/// stored under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MetaKey {
    Server,
    Fingerprint,
    KioskId,
    Secret,
    Org,
    ReceiptPrefix,
    SubmissionKey,
    /// The feed cursor after the last applied page.
    Cursor,
    /// The resync generation that the newest items were written under.
    ResyncGeneration,
    /// Present while a resync from zero is under way.
    Resyncing,
    /// The number of the next receipt code.
    ReceiptCounter,
    LastSyncOk,
    LastSyncError,
    OfflineSince,
    /// Present while the server refuses this kiosk.
    Refused,
    /// The key pins the server last announced over the pinned channel (a JSON list).
    AnnouncedPins,
    /// Present while the server holds back content because this kiosk's org is disabled.
    Paused,
}

impl MetaKey {
    fn as_str(self) -> &'static str {
        match self {
            MetaKey::Server => "server",
            MetaKey::Fingerprint => "fingerprint",
            MetaKey::KioskId => "kiosk_id",
            MetaKey::Secret => "secret",
            MetaKey::Org => "org",
            MetaKey::ReceiptPrefix => "receipt_prefix",
            MetaKey::SubmissionKey => "submission_key",
            MetaKey::Cursor => "cursor",
            MetaKey::ResyncGeneration => "resync_gen",
            MetaKey::Resyncing => "resyncing",
            MetaKey::ReceiptCounter => "receipt_counter",
            MetaKey::LastSyncOk => "last_sync_ok",
            MetaKey::LastSyncError => "last_sync_error",
            MetaKey::OfflineSince => "offline_since",
            MetaKey::Refused => "refused",
            MetaKey::AnnouncedPins => "announced_pins",
            MetaKey::Paused => "paused",
        }
    }
}

/// Takes a `Connection` rather than the store so that it also reads inside a transaction.
pub(super) fn get(conn: &Connection, key: MetaKey) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key.as_str()], |r| r.get(0))
        .optional()?)
}

pub(super) fn set(conn: &Connection, key: MetaKey, value: &str) -> Result<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
        .execute([key.as_str(), value])?;
    Ok(())
}

fn set_if_absent(conn: &Connection, key: MetaKey, value: &str) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)")?
        .execute([key.as_str(), value])?;
    Ok(())
}

/// Removes the keys in one statement.
pub(super) fn remove(conn: &Connection, keys: &[MetaKey]) -> Result<()> {
    let placeholders = vec!["?"; keys.len()].join(", ");
    conn.prepare_cached(&format!("DELETE FROM meta WHERE key IN ({placeholders})"))?
        .execute(params_from_iter(keys.iter().map(|k| k.as_str())))?;
    Ok(())
}

fn get_time(conn: &Connection, key: MetaKey) -> Result<Option<jiff::Timestamp>> {
    Ok(get(conn, key)?
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok()))
}

/// What branch IT enrolled this kiosk with.
#[derive(Clone, PartialEq, Eq)]
pub struct Enrollment {
    pub server: Url,
    /// The pin from the enrollment string (a key pin, or a certificate hash from before key
    /// pinning).
    pub fingerprint: Fingerprint,
    /// The key pins the server announced since (its current key, and the next one while a
    /// rotation is prepared); empty until the first announcement.
    pub announced_pins: Vec<Fingerprint>,
    pub kiosk_id: KioskId,
    pub secret: String,
    pub org: OrgSummary,
    pub receipt_prefix: String,
    /// The server's X25519 public key that submissions are sealed to.
    pub submission_key: [u8; 32],
}

/// Never prints the secret: with the kiosk id it is the kiosk's credential, and `Debug` output
/// ends up in logs. The submission key is the server's public key, shown as on the wire.
impl std::fmt::Debug for Enrollment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrollment")
            .field("server", &self.server.as_str())
            .field("fingerprint", &self.fingerprint)
            .field("announced_pins", &self.announced_pins)
            .field("kiosk_id", &self.kiosk_id)
            .field("secret", &"<redacted>")
            .field("org", &self.org)
            .field("receipt_prefix", &self.receipt_prefix)
            .field(
                "submission_key",
                &base64::engine::general_purpose::STANDARD.encode(self.submission_key),
            )
            .finish()
    }
}

impl Enrollment {
    /// The pins the kiosk accepts the server under: those it announced last, or before any
    /// announcement the one from enrollment.
    pub fn pins(&self) -> Vec<Fingerprint> {
        if self.announced_pins.is_empty() {
            vec![self.fingerprint]
        } else {
            self.announced_pins.clone()
        }
    }
}

impl Store {
    /// Refuses when submissions are still waiting for delivery: they are sealed to this
    /// server's key and sent with this kiosk's credentials, so a new enrollment would strand
    /// them. (Submissions the server refused for good do not hold it up.)
    pub fn ready_to_enroll_again(&self) -> Result<()> {
        match self.outbox_depth()? {
            0 => Ok(()),
            n => Err(super::StoreError::OutboxNotEmpty(n)),
        }
    }

    /// Stores the credentials from enrollment, and empties the content cache: what another
    /// org's kiosk held does not belong here. Refused while the outbox holds submissions
    /// waiting for delivery (see `ready_to_enroll_again`).
    pub fn save_enrollment(
        &mut self,
        server: &Url,
        fingerprint: Fingerprint,
        creds: &EnrollResponse,
    ) -> Result<()> {
        self.ready_to_enroll_again()?;
        let tx = self.conn.transaction()?;
        remove(&tx, &[MetaKey::AnnouncedPins])?;
        set(&tx, MetaKey::Server, server.as_str())?;
        set(&tx, MetaKey::Fingerprint, &fingerprint.to_string())?;
        set(&tx, MetaKey::KioskId, &creds.kiosk_id.0)?;
        set(&tx, MetaKey::Secret, &creds.secret)?;
        set(&tx, MetaKey::Org, &serde_json::to_string(&creds.org)?)?;
        set(&tx, MetaKey::ReceiptPrefix, &creds.receipt_prefix)?;
        set(&tx, MetaKey::SubmissionKey, &creds.submission_key)?;
        cache::clear(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// `None` until enrolled (or when what is stored cannot be read back).
    pub fn enrollment(&self) -> Result<Option<Enrollment>> {
        let get = |key| get(&self.conn, key);
        let (Some(server), Some(fp), Some(id), Some(secret), Some(org), Some(prefix), Some(key)) = (
            get(MetaKey::Server)?,
            get(MetaKey::Fingerprint)?,
            get(MetaKey::KioskId)?,
            get(MetaKey::Secret)?,
            get(MetaKey::Org)?,
            get(MetaKey::ReceiptPrefix)?,
            get(MetaKey::SubmissionKey)?,
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
        let announced_pins = get(MetaKey::AnnouncedPins)?
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default();
        Ok(Some(Enrollment {
            server,
            fingerprint,
            announced_pins,
            kiosk_id: KioskId(id),
            secret,
            org: serde_json::from_str(&org)?,
            receipt_prefix: prefix,
            submission_key,
        }))
    }

    /// Keeps the key pins the server announced; returns whether they changed.
    pub fn save_announced_pins(&self, pins: &[Fingerprint]) -> Result<bool> {
        let json = serde_json::to_string(pins)?;
        if get(&self.conn, MetaKey::AnnouncedPins)?.as_deref() == Some(json.as_str()) {
            return Ok(false);
        }
        set(&self.conn, MetaKey::AnnouncedPins, &json)?;
        Ok(true)
    }

    /// Keeps the org as the server has it now (renamed, or moved with its ancestors); returns
    /// whether it changed.
    pub fn save_org(&self, org: &OrgSummary) -> Result<bool> {
        let json = serde_json::to_string(org)?;
        if get(&self.conn, MetaKey::Org)?.as_deref() == Some(json.as_str()) {
            return Ok(false);
        }
        set(&self.conn, MetaKey::Org, &json)?;
        Ok(true)
    }

    pub fn record_sync_ok(&self) -> Result<()> {
        set(&self.conn, MetaKey::LastSyncOk, &now_ms().to_string())?;
        remove(
            &self.conn,
            &[
                MetaKey::LastSyncError,
                MetaKey::OfflineSince,
                MetaKey::Refused,
                MetaKey::Paused,
            ],
        )
    }

    /// A sync was refused because this kiosk's org is disabled: nothing is wrong with the
    /// kiosk or the network, and nothing needs doing here.
    pub fn record_sync_paused(&self, message: &str) -> Result<()> {
        set(&self.conn, MetaKey::LastSyncError, message)?;
        set(&self.conn, MetaKey::Paused, "1")
    }

    pub fn paused(&self) -> Result<bool> {
        Ok(get(&self.conn, MetaKey::Paused)?.is_some())
    }

    /// A sync failed because the server could not be reached or answered with an error.
    pub fn record_sync_error(&self, message: &str) -> Result<()> {
        set(&self.conn, MetaKey::LastSyncError, message)?;
        set_if_absent(&self.conn, MetaKey::OfflineSince, &now_ms().to_string())
    }

    /// A sync failed because the server refuses this kiosk (revoked, or unknown credentials):
    /// only branch IT can fix that.
    pub fn record_sync_refused(&self, message: &str) -> Result<()> {
        self.record_sync_error(message)?;
        set(&self.conn, MetaKey::Refused, "1")
    }

    /// Since when syncs have been failing, if they are.
    pub fn offline_since(&self) -> Result<Option<jiff::Timestamp>> {
        get_time(&self.conn, MetaKey::OfflineSince)
    }

    pub fn refused(&self) -> Result<bool> {
        Ok(get(&self.conn, MetaKey::Refused)?.is_some())
    }

    pub fn last_sync_ok(&self) -> Result<Option<jiff::Timestamp>> {
        get_time(&self.conn, MetaKey::LastSyncOk)
    }

    pub fn last_sync_error(&self) -> Result<Option<String>> {
        get(&self.conn, MetaKey::LastSyncError)
    }
}
