//! The outbox: submissions sealed to the server's key, each with its receipt code, waiting on
//! disk until the server confirms them; retries are scheduled with backoff. A submission the
//! server refuses for good leaves the retry loop but stays, marked refused, for branch IT.

use super::meta::{self, MetaKey};
use super::{Result, Store, StoreError, now_ms};
use base64::Engine as _;
use protocol::submission::{FormAnswers, SubmissionUpload, receipt};
use protocol::{ContentId, ErrorCode};
use rusqlite::params;
use std::time::Duration;

/// A submission waiting in the outbox, as it will be uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub upload: SubmissionUpload,
    pub attempts: u32,
}

/// A submission the server refused for good: kept, no longer sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub receipt: String,
    pub form_id: ContentId,
    pub submitted_at: jiff::Timestamp,
    /// The server's code, as on the wire.
    pub code: String,
    /// The server's sentence.
    pub message: String,
}

/// What the employee is told at once: the receipt, and that the submission is safe on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub id: String,
    pub receipt: String,
}

/// The key that makes this kiosk's receipt codes unguessable: derived from its secret, so it is
/// as private as the credentials and changes when the kiosk is enrolled again (with a new prefix).
fn receipt_key(secret: &str) -> [u8; 16] {
    use sha2::Digest as _;
    let digest = sha2::Sha256::new()
        .chain_update(b"union-kiosk receipt key\0")
        .chain_update(secret.as_bytes())
        .finalize();
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
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
        let counter: u64 = meta::get(&tx, MetaKey::ReceiptCounter)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let receipt = receipt::generate(
            &enrollment.receipt_prefix,
            counter,
            &receipt_key(&enrollment.secret),
        )
        .ok_or(StoreError::ReceiptsExhausted)?;
        meta::set(&tx, MetaKey::ReceiptCounter, &(counter + 1).to_string())?;
        let now = now_ms();
        tx.execute(
            "INSERT INTO outbox (id, receipt, form_id, form_version, submitted_at, sealed, next_attempt_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5)",
            params![id, receipt, form_id.0, form_version, now, sealed],
        )?;
        tx.commit()?;
        Ok(Saved { id, receipt })
    }

    /// Submissions whose next attempt is due, oldest first.
    pub fn due(&self) -> Result<Vec<Pending>> {
        self.due_by(now_ms())
    }

    /// Every waiting submission, whatever its backoff says (as for "sync now"), oldest first.
    pub fn all_pending(&self) -> Result<Vec<Pending>> {
        self.due_by(i64::MAX)
    }

    /// Submissions whose next attempt is due at `time` (milliseconds since the epoch).
    fn due_by(&self, time: i64) -> Result<Vec<Pending>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, receipt, form_id, form_version, submitted_at, sealed, attempts
             FROM outbox WHERE refused_code IS NULL AND next_attempt_at <= ?1
             ORDER BY submitted_at",
        )?;
        let rows = stmt.query_map([time], |r| {
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

    /// The server refused it for good: it stops being sent, and is kept with the reason.
    pub fn refuse(&self, id: &str, code: ErrorCode, message: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, refused_code = ?2, last_error = ?3 WHERE id = ?1",
            params![id, code.as_str(), message],
        )?;
        Ok(())
    }

    /// Every refused submission, oldest first.
    pub fn refused_submissions(&self) -> Result<Vec<Refused>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT receipt, form_id, submitted_at, refused_code, coalesce(last_error, '')
             FROM outbox WHERE refused_code IS NOT NULL ORDER BY submitted_at",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Refused {
                receipt: r.get(0)?,
                form_id: ContentId(r.get(1)?),
                submitted_at: jiff::Timestamp::from_millisecond(r.get(2)?)
                    .unwrap_or(jiff::Timestamp::UNIX_EPOCH),
                code: r.get(3)?,
                message: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    pub fn refused_count(&self) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE refused_code IS NOT NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as u64)
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

    /// Submissions waiting for delivery (not those refused for good).
    pub fn outbox_depth(&self) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE refused_code IS NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as u64)
    }
}
