//! The employee's status check at a kiosk: a receipt code plus the last four phone digits.
//!
//! An unknown code and a wrong pair get the same answer, and each kiosk may ask only so often,
//! so codes cannot be probed from a lobby.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use protocol::workflow::{Status, StatusAnswer, StatusQuery};
use protocol::{ErrorCode, KioskId};
use rusqlite::OptionalExtension;

use super::form_of;
use crate::db::to_ts;
use crate::error::{AppError, AppResult};
use crate::kiosks::Kiosk;
use crate::state::AppState;

/// Status checks a kiosk may make per minute.
pub const CHECKS_PER_MINUTE: usize = 10;

/// Per-kiosk sliding window of recent status checks.
#[derive(Debug, Default)]
pub struct CheckLimiter {
    recent: Mutex<HashMap<String, Vec<Instant>>>,
}

impl CheckLimiter {
    fn allow(&self, kiosk: &KioskId) -> bool {
        let now = Instant::now();
        let mut recent = self
            .recent
            .lock()
            .expect("the limiter lock is never held across a panic");
        let times = recent.entry(kiosk.0.clone()).or_default();
        times.retain(|t| now.duration_since(*t) < Duration::from_secs(60));
        if times.len() >= CHECKS_PER_MINUTE {
            return false;
        }
        times.push(now);
        true
    }
}

/// A typed receipt code as stored: upper case, spaces gone, the dash put back.
pub fn normalise_receipt(typed: &str) -> String {
    let mut code: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if code.len() > 3 {
        code.insert(3, '-');
    }
    code
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
    if !state.checks.allow(&kiosk.id) {
        return Err(AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooManyChecks,
            "查询太频繁了，请一分钟后再试。",
        ));
    }
    let receipt = normalise_receipt(&query.receipt);
    let last4: String = query
        .phone_last4
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if last4.len() != 4 {
        return Err(not_found());
    }
    state.db.read(move |tx| {
        let found = tx
            .query_row(
                "SELECT s.receipt, fv.body, s.status, s.reply, s.submitted_at,
                        COALESCE(s.updated_at, s.received_at), s.phone_last4
                 FROM submissions s
                 LEFT JOIN form_versions fv ON fv.form_id = s.form_id AND fv.version = s.form_version
                 WHERE s.receipt = ?1",
                [&receipt],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, Option<String>>(6)?,
                    ))
                },
            )
            .optional()?;
        match found {
            Some((receipt, body, status, reply, submitted, updated, Some(phone)))
                if crate::secrets::hashes_equal(phone.as_bytes(), last4.as_bytes()) =>
            {
                Ok(StatusAnswer {
                    receipt,
                    form_title: body
                        .as_deref()
                        .and_then(form_of)
                        .map(|f| f.title)
                        .unwrap_or_default(),
                    status: Status::parse(&status).unwrap_or(Status::Received),
                    reply,
                    submitted_at: to_ts(submitted),
                    updated_at: to_ts(updated),
                })
            }
            _ => Err(not_found()),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_receipts_are_normalised() {
        assert_eq!(normalise_receipt("k7p-2q4x"), "K7P-2Q4X");
        assert_eq!(normalise_receipt(" K7P 2Q4X "), "K7P-2Q4X");
        assert_eq!(normalise_receipt("k7p2q4x"), "K7P-2Q4X");
        assert_eq!(normalise_receipt("k7"), "K7");
    }
}
