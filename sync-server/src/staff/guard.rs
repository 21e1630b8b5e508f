//! Password guessing: how many sign-in attempts a username and a client address may make, and
//! how many password hashes may be checked at once.
//!
//! An attempt is counted before its password is checked, so parallel requests cannot all slip
//! under the limit while the slow argon2 check runs; an attempt that succeeds is given back.
//! The table of recent attempts holds at most [`MAX_KEYS`] usernames and addresses: a client
//! posting endless made-up usernames cannot grow it, it only pushes out the stalest entries.
//! Argon2 checks run on the blocking pool behind a semaphore, so a flood of sign-ins waits its
//! turn instead of taking every blocking thread from the database.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use protocol::ErrorCode;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::StaffConfig;
use crate::error::AppError;

/// The most usernames and addresses remembered at once.
pub const MAX_KEYS: usize = 10_000;

/// Usernames longer than any real one are cut to this many characters before they are counted,
/// so a key's size is bounded too.
const MAX_KEY_CHARS: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    User,
    Address,
}

type Key = (Kind, String);

#[derive(Debug)]
pub struct LoginGuard {
    attempts: Mutex<HashMap<Key, VecDeque<Instant>>>,
    verifications: Arc<Semaphore>,
    per_user: usize,
    per_address: usize,
    window: Duration,
}

/// An attempt that was counted; [`Attempt::succeeded`] gives it back.
#[must_use = "an attempt that succeeded must be given back"]
pub struct Attempt<'a> {
    guard: &'a LoginGuard,
    keys: [Key; 2],
    at: Instant,
}

impl Attempt<'_> {
    /// The password was right: the attempt does not count against the user or the address.
    pub fn succeeded(self) {
        let mut table = self.guard.table();
        for key in &self.keys {
            if let Some(list) = table.get_mut(key)
                && let Some(i) = list.iter().position(|t| *t == self.at)
            {
                list.remove(i);
                if list.is_empty() {
                    table.remove(key);
                }
            }
        }
    }
}

impl LoginGuard {
    pub fn new(config: &StaffConfig) -> LoginGuard {
        LoginGuard {
            attempts: Mutex::new(HashMap::new()),
            verifications: Arc::new(Semaphore::new(config.max_concurrent_password_checks.max(1))),
            per_user: config.login_attempts_per_user.max(1),
            per_address: config.login_attempts_per_address.max(1),
            window: Duration::from_secs(config.login_window_seconds),
        }
    }

    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<Key, VecDeque<Instant>>> {
        self.attempts
            .lock()
            .expect("the attempts lock is never held across a panic")
    }

    fn keys(user: &str, ip: Option<IpAddr>) -> [Key; 2] {
        let user: String = user
            .trim()
            .to_lowercase()
            .chars()
            .take(MAX_KEY_CHARS)
            .collect();
        let address = ip.map(|i| i.to_string()).unwrap_or_default();
        [(Kind::User, user), (Kind::Address, address)]
    }

    fn limit(&self, kind: Kind) -> usize {
        match kind {
            Kind::User => self.per_user,
            Kind::Address => self.per_address,
        }
    }

    /// Counts an attempt to sign in as `user` from `ip`, or refuses it when either has used up
    /// its attempts in the window.
    pub fn begin(&self, user: &str, ip: Option<IpAddr>) -> Result<Attempt<'_>, AppError> {
        self.begin_at(user, ip, Instant::now())
    }

    fn begin_at(
        &self,
        user: &str,
        ip: Option<IpAddr>,
        now: Instant,
    ) -> Result<Attempt<'_>, AppError> {
        let keys = Self::keys(user, ip);
        let mut table = self.table();
        let window = self.window;
        let recent = |list: &mut VecDeque<Instant>| {
            while list
                .front()
                .is_some_and(|t| now.duration_since(*t) >= window)
            {
                list.pop_front();
            }
            list.len()
        };
        for key in &keys {
            if let Some(list) = table.get_mut(key)
                && recent(list) >= self.limit(key.0)
            {
                return Err(self.refusal());
            }
        }
        for key in &keys {
            if !table.contains_key(key) && table.len() >= MAX_KEYS {
                make_room(&mut table, now, window);
            }
            table.entry(key.clone()).or_default().push_back(now);
        }
        Ok(Attempt {
            guard: self,
            keys,
            at: now,
        })
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

    /// How many usernames and addresses are remembered now.
    pub fn remembered(&self) -> usize {
        self.table().len()
    }
}

/// Drops every entry whose attempts are all outside the window; if the table is still full,
/// drops the tenth of it whose last attempts are the oldest (a tenth at once, so a flood of new
/// names sorts the table once per thousand names, not once per name).
fn make_room(table: &mut HashMap<Key, VecDeque<Instant>>, now: Instant, window: Duration) {
    table.retain(|_, list| list.back().is_some_and(|t| now.duration_since(*t) < window));
    if table.len() < MAX_KEYS {
        return;
    }
    let mut by_age: Vec<(Instant, Key)> = table
        .iter()
        .filter_map(|(key, list)| Some((*list.back()?, key.clone())))
        .collect();
    by_age.sort_unstable_by_key(|(last, _)| *last);
    for (_, key) in by_age.into_iter().take(MAX_KEYS / 10) {
        table.remove(&key);
    }
}

#[cfg(test)]
mod tests;
