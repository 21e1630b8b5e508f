//! The employee's status check at a kiosk: a receipt code plus the last four phone digits.
//!
//! An unknown code and a wrong pair get the same answer. Guessing is limited three ways: each
//! kiosk may ask only so often; each receipt code may be tried wrongly only a few times, then it
//! is locked for a while whichever kiosk asks (so enrolling more kiosks buys no more tries); and
//! the whole fleet has a ceiling. Receipt codes themselves are unguessable (see
//! `protocol::submission::receipt`).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::store::OptionalExtension;
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
/// parallel requests cannot slip past the count. The fleet ceiling bounds how many receipts can
/// be remembered at once.
#[derive(Debug, Default)]
pub struct CheckLimiter {
    limits: CheckLimits,
    state: Mutex<Windows>,
}

#[derive(Debug, Default)]
struct Windows {
    kiosks: HashMap<String, VecDeque<Instant>>,
    fleet: VecDeque<Instant>,
    receipts: HashMap<String, Tries>,
}

#[derive(Debug)]
struct Tries {
    wrong: u32,
    last: Instant,
}

const MINUTE: Duration = Duration::from_secs(60);

fn within_minute(times: &mut VecDeque<Instant>, now: Instant, limit: usize) -> bool {
    while times
        .front()
        .is_some_and(|t| now.saturating_duration_since(*t) >= MINUTE)
    {
        times.pop_front();
    }
    times.len() < limit
}

impl CheckLimiter {
    pub fn new(limits: CheckLimits) -> Self {
        CheckLimiter {
            limits,
            state: Mutex::default(),
        }
    }

    /// Counts a check of `receipt` from `kiosk` at `now` as a wrong try, or refuses it.
    pub fn begin(&self, kiosk: &KioskId, receipt: &str, now: Instant) -> Result<(), Refusal> {
        let limits = self.limits;
        let mut w = self
            .state
            .lock()
            .expect("the limiter lock is never held across a panic");
        w.receipts
            .retain(|_, t| now.saturating_duration_since(t.last) < limits.receipt_lock);
        w.kiosks.retain(|_, times| {
            times
                .back()
                .is_some_and(|t| now.saturating_duration_since(*t) < MINUTE)
        });
        let kiosk_times = w.kiosks.entry(kiosk.0.clone()).or_default();
        if !within_minute(kiosk_times, now, limits.per_kiosk_per_minute) {
            return Err(Refusal::Kiosk);
        }
        if !within_minute(&mut w.fleet, now, limits.fleet_per_minute) {
            return Err(Refusal::Fleet);
        }
        let tries = w.receipts.entry(receipt.to_owned()).or_insert(Tries {
            wrong: 0,
            last: now,
        });
        if tries.wrong >= limits.tries_per_receipt {
            return Err(Refusal::ReceiptLocked);
        }
        tries.wrong += 1;
        tries.last = now;
        w.kiosks.entry(kiosk.0.clone()).or_default().push_back(now);
        w.fleet.push_back(now);
        Ok(())
    }

    /// The check of `receipt` found its submission: its wrong tries are forgotten.
    pub fn succeeded(&self, receipt: &str) {
        self.state
            .lock()
            .expect("the limiter lock is never held across a panic")
            .receipts
            .remove(receipt);
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
    state
        .checks
        .begin(&kiosk.id, &receipt, Instant::now())
        .map_err(|refusal| match refusal {
            Refusal::Kiosk => busy("查询太频繁了，请一分钟后再试。"),
            Refusal::Fleet => busy("现在查询的人太多了，请稍后再试。"),
            Refusal::ReceiptLocked => {
                busy("这个回执编号输错的次数太多，已暂时锁定，请一小时后再试。")
            }
        })?;
    let last4: String = query
        .phone_last4
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if last4.len() != 4 {
        return Err(not_found());
    }
    let checks = state.checks.clone();
    state.db.read(move |tx| {
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
                checks.succeeded(&receipt);
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
    .await
}

#[cfg(test)]
mod tests;
