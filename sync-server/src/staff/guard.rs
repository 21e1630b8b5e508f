//! Password guessing: how many sign-in attempts a username and a client address may make, and
//! how many password hashes may be checked at once.
//!
//! An attempt is counted before its password is checked, so parallel requests cannot all slip
//! under the limit while the slow argon2 check runs; an attempt that succeeds is given back.
//! Attempts are counted in the database (`login_attempts`, migration 028), so that on
//! PostgreSQL every instance counts the same ones (issue 20): the count and the new attempt are
//! one write transaction, which runs alone (one writer on SQLite, the write lock on
//! PostgreSQL). Only an HMAC-SHA256 of what is counted is stored (the username as typed, which
//! is sometimes a password typed into the wrong box, and the address), keyed by a secret derived
//! from the submission key: the instances share it, a copy of the database does not have it, so
//! the rows cannot be tested against guesses. Attempts older than the window are deleted as new ones are counted, and at most
//! [`MAX_ROWS`] of them are kept: a client posting endless made-up usernames cannot grow the
//! table, it only pushes out the oldest attempts.
//! Argon2 checks run on the blocking pool behind a semaphore (this instance's CPU), so a flood
//! of sign-ins waits its turn instead of taking every blocking thread from the database.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use protocol::ErrorCode;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::StaffConfig;
use crate::db::{Db, now_ms};
use crate::error::{AppError, AppResult};
use crate::store::{Tx, params};

/// The most attempts remembered at once (two rows each: the username's and the address's).
pub const MAX_ROWS: i64 = 20_000;

/// Usernames longer than any real one are cut to this many characters before they are counted.
const MAX_KEY_CHARS: usize = 64;

#[derive(Debug)]
pub struct LoginGuard {
    /// What the counted keys are signed with (module docs).
    key: ring::hmac::Key,
    verifications: Arc<Semaphore>,
    per_user: usize,
    per_address: usize,
    window: Duration,
    max_rows: i64,
}

/// An attempt that was counted; [`Attempt::succeeded`] gives it back.
#[must_use = "an attempt that succeeded must be given back"]
pub struct Attempt {
    db: Db,
    ids: Vec<i64>,
}

impl Attempt {
    /// The password was right: the attempt does not count against the user or the address.
    /// Should that fail, the attempt stays counted until its window passes (logged).
    pub async fn succeeded(self) {
        let ids = self.ids;
        let given_back = self
            .db
            .write(move |tx| {
                for id in ids {
                    tx.execute("DELETE FROM login_attempts WHERE id = ?1", [id])?;
                }
                Ok(())
            })
            .await;
        if let Err(e) = given_back {
            e.log_cause();
        }
    }
}

impl LoginGuard {
    /// `secret`: the submission key's secret bytes, from which the key of the counted rows is
    /// derived.
    pub fn new(config: &StaffConfig, secret: &[u8]) -> LoginGuard {
        let root = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
        let derived = ring::hmac::sign(&root, b"union-kiosk sign-in attempts");
        LoginGuard {
            key: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, derived.as_ref()),
            verifications: Arc::new(Semaphore::new(config.max_concurrent_password_checks.max(1))),
            per_user: config.login_attempts_per_user.max(1),
            per_address: config.login_attempts_per_address.max(1),
            window: Duration::from_secs(config.login_window_seconds),
            max_rows: MAX_ROWS,
        }
    }

    /// What an attempt is counted by: the username (trimmed, lower case, cut short) and the
    /// address, each signed with what it is, with the limit of each.
    fn keys(&self, user: &str, ip: Option<IpAddr>) -> [(Vec<u8>, usize); 2] {
        let user: String = user
            .trim()
            .to_lowercase()
            .chars()
            .take(MAX_KEY_CHARS)
            .collect();
        let address = ip.map(|i| i.to_string()).unwrap_or_default();
        let sign = |what: String| {
            ring::hmac::sign(&self.key, what.as_bytes())
                .as_ref()
                .to_vec()
        };
        [
            (sign(format!("user:{user}")), self.per_user),
            (sign(format!("address:{address}")), self.per_address),
        ]
    }

    /// Counts an attempt to sign in as `user` from `ip`, or refuses it when either has used up
    /// its attempts in the window.
    pub async fn begin(&self, db: &Db, user: &str, ip: Option<IpAddr>) -> AppResult<Attempt> {
        let (keys, window_ms, max_rows) = (
            self.keys(user, ip),
            self.window.as_millis() as i64,
            self.max_rows,
        );
        // Refused at a read when the limit is already used up, so a flood of refused attempts
        // never takes the writer; the write counts again, with the attempts that came between.
        let checked = keys.clone();
        let used_up = db
            .read(move |tx| used_up(tx, &checked, now_ms() - window_ms))
            .await?;
        if used_up {
            return Err(self.refusal());
        }
        let counted = db
            .write(move |tx| count(tx, &keys, now_ms(), window_ms, max_rows))
            .await?;
        match counted {
            Some(ids) => Ok(Attempt {
                db: db.clone(),
                ids,
            }),
            None => Err(self.refusal()),
        }
    }

    fn refusal(&self) -> AppError {
        let minutes = self.window.as_secs().div_ceil(60).max(1);
        AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooManyLogins,
            format!("登录尝试次数太多，请 {minutes} 分钟后再试"),
        )
    }

    /// A turn to check a password; waits while the most allowed are running.
    pub async fn verification(&self) -> OwnedSemaphorePermit {
        self.verifications
            .clone()
            .acquire_owned()
            .await
            .expect("the verification semaphore is never closed")
    }
}

/// Whether any key has as many attempts after `since` as its limit.
fn used_up(tx: &Tx<'_>, keys: &[(Vec<u8>, usize)], since: i64) -> AppResult<bool> {
    for (key, limit) in keys {
        let recent: i64 = tx.query_row(
            "SELECT count(*) FROM login_attempts WHERE key_hash = ?1 AND at > ?2",
            params![key, since],
            |r| r.get(0),
        )?;
        if recent >= *limit as i64 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// In one write transaction: deletes attempts older than the window (and beyond the newest
/// `max_rows`), then refuses (`None`) when any key has used up its limit in the window, else
/// records the attempt under each key and returns their ids.
fn count(
    tx: &Tx<'_>,
    keys: &[(Vec<u8>, usize)],
    now: i64,
    window_ms: i64,
    max_rows: i64,
) -> AppResult<Option<Vec<i64>>> {
    tx.execute(
        "DELETE FROM login_attempts WHERE at <= ?1",
        [now - window_ms],
    )?;
    if used_up(tx, keys, now - window_ms)? {
        return Ok(None);
    }
    let mut ids = Vec::with_capacity(keys.len());
    for (key, _) in keys {
        ids.push(tx.query_row(
            "INSERT INTO login_attempts (key_hash, at) VALUES (?1, ?2) RETURNING id",
            params![key, now],
            |r| r.get(0),
        )?);
    }
    if let Some(last) = ids.last() {
        tx.execute(
            "DELETE FROM login_attempts WHERE id <= ?1",
            [last - max_rows],
        )?;
    }
    Ok(Some(ids))
}

#[cfg(test)]
mod tests;
