//! The admin panel's PIN: how it is made (`kiosk hash-pin`), checked, and guarded against
//! guessing. A lobby kiosk is within reach of anyone, and six digits are only a million tries:
//! after a few wrong ones the pad locks for a while, longer each time.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2};
use std::time::{Duration, Instant};

/// The fewest digits a PIN may have.
pub const MIN_DIGITS: usize = 6;
/// The most digits a PIN may have (the panel's pad takes no more).
pub const MAX_DIGITS: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error(
        "the PIN must be {MIN_DIGITS} to {MAX_DIGITS} digits (the panel has a digit pad), not {0} characters"
    )]
    Shape(usize),
    #[error("the PIN cannot be hashed: {0}")]
    Hash(String),
}

fn well_formed(pin: &str) -> Result<(), PinError> {
    let ok =
        (MIN_DIGITS..=MAX_DIGITS).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(PinError::Shape(pin.chars().count()))
    }
}

/// The argon2id hash (PHC string) of `pin`, for `admin_pin_hash` in the config.
pub fn hash(pin: &str) -> Result<String, PinError> {
    well_formed(pin)?;
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PinError::Hash(e.to_string()))
}

/// Whether `pin` is the one `hash` was made from. A PIN shorter than `MIN_DIGITS` never opens
/// the panel, even if an old hash was made from one.
pub fn verify(hash: &str, pin: &str) -> bool {
    well_formed(pin).is_ok()
        && PasswordHash::new(hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(pin.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
}

/// Why a configured `admin_pin_hash` cannot be used, as a sentence; `None` when it can.
pub fn check_hash(hash: &str) -> Option<String> {
    match PasswordHash::new(hash) {
        Err(e) => Some(format!(
            "admin_pin_hash is not a hash made by `kiosk hash-pin` ({e}): run `kiosk hash-pin` with a PIN of {MIN_DIGITS} to {MAX_DIGITS} digits and paste the line it prints"
        )),
        Ok(h) if h.algorithm != Algorithm::Argon2id.ident() => Some(format!(
            "admin_pin_hash uses {}, not argon2id: run `kiosk hash-pin` with a PIN of {MIN_DIGITS} to {MAX_DIGITS} digits and paste the line it prints",
            h.algorithm
        )),
        Ok(_) => None,
    }
}

/// Wrong tries allowed in a row before the pad locks.
pub const TRIES: u32 = 5;
/// How long the first lock lasts; each lock after it lasts twice as long, up to `MAX_LOCK`.
pub const FIRST_LOCK: Duration = Duration::from_secs(60);
pub const MAX_LOCK: Duration = Duration::from_secs(30 * 60);

/// Counts wrong PINs and locks the pad after `TRIES` in a row: for `FIRST_LOCK`, doubling with
/// each further lock up to `MAX_LOCK`, until a right PIN resets it. Pure: the caller says what
/// time it is, so it is tested without waiting. Keep one for the life of the app (not per
/// screen), or leaving the panel would reset the count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PinGuard {
    /// Wrong tries since the last lock or the last right PIN.
    wrong: u32,
    /// Locks since the last right PIN.
    locks: u32,
    locked_until: Option<Instant>,
}

/// The pad is locked: no PIN is checked until this much time has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locked {
    pub remaining: Duration,
}

impl PinGuard {
    /// Whether a PIN may be checked at `now`; call before verifying.
    pub fn check(&self, now: Instant) -> Result<(), Locked> {
        match self.locked_until {
            Some(until) if until > now => Err(Locked {
                remaining: until - now,
            }),
            _ => Ok(()),
        }
    }

    /// Tries left before the pad locks.
    pub fn tries_left(&self) -> u32 {
        TRIES - self.wrong
    }

    /// Records the outcome of a checked PIN; a wrong one may lock the pad (returned).
    pub fn record(&mut self, right: bool, now: Instant) -> Option<Locked> {
        if right {
            *self = PinGuard::default();
            return None;
        }
        self.wrong += 1;
        if self.wrong < TRIES {
            return None;
        }
        self.wrong = 0;
        self.locks += 1;
        let lock = FIRST_LOCK
            .saturating_mul(1 << (self.locks - 1).min(16))
            .min(MAX_LOCK);
        self.locked_until = Some(now + lock);
        Some(Locked { remaining: lock })
    }
}

#[cfg(test)]
mod tests;
