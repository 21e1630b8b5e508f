//! The employee's status check at a kiosk: a receipt code plus the last four phone digits.
//!
//! An unknown code and a wrong pair get the same answer. Guessing is limited three ways: each
//! kiosk may ask only so often; each receipt code may be tried wrongly only a few times, then it
//! is locked for a while whichever kiosk asks (so enrolling more kiosks buys no more tries); and
//! the whole fleet has a ceiling. Receipt codes themselves are unguessable (see
//! `protocol::submission::receipt`). The counts are in the database (`status_checks`,
//! `receipt_tries`, migration 028), so that on PostgreSQL every instance counts the same
//! checks (issue 20); a receipt code is kept there only as its SHA-256.

use std::time::Duration;

use crate::store::{OptionalExtension, Tx, params};
use axum::http::StatusCode;
use protocol::submission::receipt;
use protocol::workflow::{Status, StatusAnswer, StatusQuery};
use protocol::{ErrorCode, KioskId};

use super::form_of;
use crate::db::{now_ms, to_ts};
use crate::error::{AppError, AppResult};
use crate::kiosks::Kiosk;
use crate::state::AppState;

/// How many status checks are allowed, and how long a receipt stays locked.
#[derive(Debug, Clone, Copy)]
pub struct CheckLimits {
    /// Checks one kiosk may make per minute.
    pub per_kiosk_per_minute: usize,
    /// Checks the whole fleet may make per minute.
    pub fleet_per_minute: usize,
    /// Wrong tries of one receipt code before it is locked.
    pub tries_per_receipt: u32,
    /// How long wrong tries are remembered, and how long a locked receipt stays locked.
    pub receipt_lock: Duration,
}

impl Default for CheckLimits {
    fn default() -> Self {
        CheckLimits {
            per_kiosk_per_minute: 10,
            fleet_per_minute: 300,
            tries_per_receipt: 5,
            receipt_lock: Duration::from_secs(3600),
        }
    }
}

/// Why a check was not even looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Kiosk,
    Fleet,
    ReceiptLocked,
}

/// Recent checks per kiosk and fleet-wide (sliding minute), and wrong tries per receipt code.
/// A try counts as wrong from the moment it is asked and is forgiven only when it succeeds, so
/// parallel requests cannot slip past the count (each count is one write transaction, which
/// runs alone). The fleet ceiling bounds how many checks and receipts are remembered at once.
#[derive(Debug, Default)]
pub struct CheckLimiter {
    limits: CheckLimits,
}

const MINUTE_MS: i64 = 60_000;

impl CheckLimiter {
    pub fn new(limits: CheckLimits) -> Self {
        CheckLimiter { limits }
    }

    /// Counts a check of `receipt` from `kiosk` at `now` (ms) as a wrong try, or refuses it;
    /// inside a write transaction, after deleting what is past its window.
    fn begin(
        &self,
        tx: &Tx<'_>,
        kiosk: &KioskId,
        receipt: &str,
        now: i64,
    ) -> AppResult<Result<(), Refusal>> {
        let lock_ms = self.limits.receipt_lock.as_millis() as i64;
        tx.execute(
            "DELETE FROM receipt_tries WHERE last_at <= ?1",
            [now - lock_ms],
        )?;
        tx.execute(
            "DELETE FROM status_checks WHERE at <= ?1",
            [now - MINUTE_MS],
        )?;
        if let Some(refusal) = self.refusal(tx, kiosk, receipt, now)? {
            return Ok(Err(refusal));
        }
        let hash = crate::secrets::token_hash(receipt);
        tx.execute(
            "INSERT INTO receipt_tries (receipt_hash, wrong, last_at) VALUES (?1, 1, ?2)
             ON CONFLICT (receipt_hash) DO UPDATE SET wrong = receipt_tries.wrong + 1,
                 last_at = excluded.last_at",
            params![hash, now],
        )?;
        tx.execute(
            "INSERT INTO status_checks (kiosk_id, at) VALUES (?1, ?2)",
            params![kiosk.0, now],
        )?;
        Ok(Ok(()))
    }

    /// Why a check of `receipt` from `kiosk` at `now` would be refused, if it would; reads
    /// only, so a flood of refused checks is refused at a read and never takes the writer.
    fn refusal(
        &self,
        tx: &Tx<'_>,
        kiosk: &KioskId,
        receipt: &str,
        now: i64,
    ) -> AppResult<Option<Refusal>> {
        let limits = self.limits;
        let by_kiosk: i64 = tx.query_row(
            "SELECT count(*) FROM status_checks WHERE kiosk_id = ?1 AND at > ?2",
            params![kiosk.0, now - MINUTE_MS],
            |r| r.get(0),
        )?;
        if by_kiosk >= limits.per_kiosk_per_minute as i64 {
            return Ok(Some(Refusal::Kiosk));
        }
        let fleet: i64 = tx.query_row(
            "SELECT count(*) FROM status_checks WHERE at > ?1",
            [now - MINUTE_MS],
            |r| r.get(0),
        )?;
        if fleet >= limits.fleet_per_minute as i64 {
            return Ok(Some(Refusal::Fleet));
        }
        let wrong: i64 = tx
            .query_row(
                "SELECT wrong FROM receipt_tries WHERE receipt_hash = ?1 AND last_at > ?2",
                params![
                    crate::secrets::token_hash(receipt),
                    now - limits.receipt_lock.as_millis() as i64
                ],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        Ok((wrong >= i64::from(limits.tries_per_receipt)).then_some(Refusal::ReceiptLocked))
    }

    /// The check of `receipt` found its submission: its wrong tries are forgotten.
    fn succeeded(tx: &Tx<'_>, receipt: &str) -> AppResult<()> {
        tx.execute(
            "DELETE FROM receipt_tries WHERE receipt_hash = ?1",
            [crate::secrets::token_hash(receipt)],
        )?;
        Ok(())
    }
}

fn not_found() -> AppError {
    AppError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        "没有找到这条记录：请核对回执编号和手机号后四位。",
    )
}

/// The employee's status check, through a kiosk.
pub async fn check(state: &AppState, kiosk: Kiosk, query: StatusQuery) -> AppResult<StatusAnswer> {
    let receipt = receipt::parse(&query.receipt).map_err(|e| {
        AppError::bad_request(
            ErrorCode::InvalidReceipt,
            match e {
                receipt::InvalidReceipt::Check => {
                    "回执编号有一位输错了，请对照回执重新输入。".to_owned()
                }
                _ => "回执编号格式不对，请对照回执重新输入。".to_owned(),
            },
        )
    })?;
    let busy = |message: &str| {
        AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooManyChecks,
            message,
        )
    };
    let (checks, id, tried) = (state.checks.clone(), kiosk.id.clone(), receipt.clone());
    let refused = state
        .db
        .read(move |tx| checks.refusal(tx, &id, &tried, now_ms()))
        .await?;
    let counted = match refused {
        Some(refusal) => Err(refusal),
        None => {
            let (checks, id, tried) = (state.checks.clone(), kiosk.id.clone(), receipt.clone());
            state
                .db
                .write(move |tx| checks.begin(tx, &id, &tried, now_ms()))
                .await?
        }
    };
    counted.map_err(|refusal| match refusal {
        Refusal::Kiosk => busy("查询太频繁了，请一分钟后再试。"),
        Refusal::Fleet => busy("现在查询的人太多了，请稍后再试。"),
        Refusal::ReceiptLocked => busy("这个回执编号输错的次数太多，已暂时锁定，请一小时后再试。"),
    })?;
    let last4: String = query
        .phone_last4
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if last4.len() != 4 {
        return Err(not_found());
    }
    let answer = state.db.read(move |tx| {
        let found = tx
            .query_row(
                "SELECT s.receipt, fv.body, s.status, s.reply, s.submitted_at,
                        COALESCE(s.updated_at, s.received_at), s.phone_last4, s.id, s.due_at
                 FROM submissions s
                 LEFT JOIN form_versions fv ON fv.form_id = s.form_id AND fv.version = s.form_version
                 WHERE s.receipt = ?1",
                [receipt.as_str()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, Option<String>>(6)?,
                        r.get::<_, String>(7)?,
                        r.get::<_, Option<i64>>(8)?,
                    ))
                },
            )
            .optional()?;
        match found {
            Some((receipt, body, status, reply, submitted, updated, Some(phone), id, due))
                if crate::secrets::hashes_equal(phone.as_bytes(), last4.as_bytes()) =>
            {
                let status = Status::parse(&status).unwrap_or(Status::Received);
                // The day promised, while it is still ahead: a passed deadline is not repeated
                // to the employee as a promise.
                let expected_by = due
                    .filter(|due| {
                        matches!(status, Status::Received | Status::Processing) && *due > now_ms()
                    })
                    .map(crate::deadlines::due_date);
                let booking = crate::places::outcome(tx, &id, body.as_deref())?.map(Box::new);
                let vote = crate::polls::outcome(tx, &id, body.as_deref())?;
                Ok(StatusAnswer {
                    receipt,
                    form_title: match &booking {
                        Some(b) => b.offering_title.clone(),
                        None if vote.is_some() => vote
                            .as_ref()
                            .map(|v| v.poll_title.clone())
                            .unwrap_or_default(),
                        None => body
                            .as_deref()
                            .and_then(form_of)
                            .map(|f| f.title)
                            .or_else(|| body.as_deref().and_then(crate::proposals::call_title))
                            .unwrap_or_default(),
                    },
                    status,
                    reply,
                    submitted_at: to_ts(submitted),
                    updated_at: to_ts(updated),
                    booking,
                    vote,
                    expected_by,
                })
            }
            _ => Err(not_found()),
        }
    })
    .await?;
    let found = answer.receipt.clone();
    state
        .db
        .write(move |tx| CheckLimiter::succeeded(tx, &found))
        .await?;
    Ok(answer)
}

#[cfg(test)]
mod tests;
