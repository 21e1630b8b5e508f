//! Branch IT operations: enroll the kiosk, check its health (`kiosk doctor`), and the admin
//! panel's PIN (`pin`).

pub mod pin;

use crate::net::{ClientError, ServerClient};
use crate::store::{Enrollment, Store};
use protocol::enroll::EnrollRequest;
use protocol::{EnrollmentString, ErrorCode};
use std::sync::Mutex;

#[derive(Debug, thiserror::Error)]
pub enum EnrollError {
    #[error("{0}")]
    Invalid(#[from] protocol::enroll::InvalidEnrollmentString),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// Enrolls with the server in `string`, verifying its key against the pin in the string before
/// the token is sent, and stores the credentials. Refused before the token is spent while
/// submissions wait in the outbox (a new enrollment would strand them).
pub async fn enroll(
    store: &mut Store,
    string: &str,
    name: &str,
) -> Result<Enrollment, EnrollError> {
    let parsed: EnrollmentString = string.parse()?;
    store.ready_to_enroll_again()?;
    let client = ServerClient::new(parsed.server.clone(), parsed.fingerprint)?;
    let creds = client
        .enroll(&EnrollRequest {
            token: parsed.token,
            name: name.to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        })
        .await?;
    store.save_enrollment(&parsed.server, parsed.fingerprint, &creds)?;
    Ok(store.enrollment()?.expect("an enrollment was just saved"))
}

/// One line of `kiosk doctor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub ok: bool,
    pub message: String,
}

fn ok(message: String) -> Check {
    Check { ok: true, message }
}

fn problem(message: String) -> Check {
    Check { ok: false, message }
}

/// What the store says, read in one short lock so no lock is held during network checks.
struct LocalFacts {
    enrollment: Result<Option<Enrollment>, String>,
    last_ok: Result<Option<jiff::Timestamp>, String>,
    last_error: Option<String>,
    cache: Result<(u64, u64), String>,
    outbox: Result<u64, String>,
    refused: Result<Vec<crate::store::Refused>, String>,
    free_disk: Option<u64>,
}

fn local_facts(store: &Mutex<Store>) -> LocalFacts {
    let store = store
        .lock()
        .expect("the store lock is never held across a panic");
    LocalFacts {
        enrollment: store.enrollment().map_err(|e| e.to_string()),
        last_ok: store.last_sync_ok().map_err(|e| e.to_string()),
        last_error: store.last_sync_error().ok().flatten(),
        cache: store
            .count(None)
            .and_then(|items| Ok((items, store.media_bytes()?)))
            .map_err(|e| e.to_string()),
        outbox: store.outbox_depth().map_err(|e| e.to_string()),
        refused: store.refused_submissions().map_err(|e| e.to_string()),
        free_disk: store.free_disk_bytes(),
    }
}

/// Checks enrollment, the server (reachable, pinned certificate, credentials accepted), the last
/// successful sync and the cache. Each problem is one plain sentence.
pub async fn doctor(store: &Mutex<Store>) -> Vec<Check> {
    let facts = local_facts(store);
    let mut checks = Vec::new();
    let enrollment = match facts.enrollment {
        Ok(Some(e)) => e,
        Ok(None) => {
            checks.push(problem(
                "This kiosk is not enrolled: run `kiosk enroll <enrollment string>` with the string from the union office.".to_owned(),
            ));
            return checks;
        }
        Err(e) => {
            checks.push(problem(format!("The local database cannot be read: {e}.")));
            return checks;
        }
    };
    checks.push(ok(format!(
        "Enrolled as kiosk {} at {} with {}.",
        enrollment.kiosk_id,
        enrollment.org.path.join(" / "),
        enrollment.server
    )));
    match ServerClient::with_pins(enrollment.server.clone(), enrollment.pins()) {
        Err(e) => checks.push(problem(format!("The network client cannot start: {e}."))),
        Ok(client) => match client.health().await {
            Err(ClientError::PinMismatch) => checks.push(problem(format!(
                "The server at {} presents a key this kiosk does not trust: if the server's key was replaced without announcing it first, enroll this kiosk again.",
                enrollment.server
            ))),
            Err(e) => checks.push(problem(format!(
                "The server at {} cannot be reached ({e}); the kiosk keeps working from its cache.",
                enrollment.server
            ))),
            Ok(()) => {
                checks.push(ok(format!(
                    "The server at {} answers with a pinned key.",
                    enrollment.server
                )));
                let authed = client.with_credentials(&enrollment.kiosk_id, &enrollment.secret);
                match authed.me().await {
                    Ok(me) if me.name.is_empty() => checks.push(ok(format!(
                        "The server accepts this kiosk (no name given) at {}.",
                        me.org.name
                    ))),
                    Ok(me) => checks.push(ok(format!(
                        "The server knows this kiosk as “{}” at {}.",
                        me.name, me.org.name
                    ))),
                    Err(e) if e.code() == Some(ErrorCode::KioskRevoked) => checks.push(problem(
                        "The union office has revoked this kiosk: ask them for a new enrollment string.".to_owned(),
                    )),
                    Err(e) => checks.push(problem(format!(
                        "The server refuses this kiosk's credentials: {e}."
                    ))),
                }
            }
        },
    }
    match facts.last_ok {
        Ok(Some(t)) => {
            let minutes = jiff::Timestamp::now().duration_since(t).as_secs() / 60;
            let line = format!("Last successful sync: {t} ({minutes} minutes ago).");
            checks.push(if minutes > 24 * 60 {
                problem(line)
            } else {
                ok(line)
            });
        }
        Ok(None) => checks.push(problem(
            "The kiosk has never synced successfully: run `kiosk sync --once`.".to_owned(),
        )),
        Err(e) => checks.push(problem(format!("The sync record cannot be read: {e}."))),
    }
    if let Some(e) = facts.last_error {
        checks.push(problem(format!("The last sync attempt failed: {e}")));
    }
    match facts.free_disk {
        Some(free) if free < crate::store::DISK_FULL_BYTES => checks.push(problem(format!(
            "The disk is full ({:.1} MiB free): new submissions and images cannot be saved (employees are told so). Free some space on this disk; the kiosk carries on by itself once there is room.",
            free as f64 / 1024.0 / 1024.0
        ))),
        Some(free) => checks.push(ok(format!(
            "Disk: {:.0} MiB free.",
            free as f64 / 1024.0 / 1024.0
        ))),
        None => {}
    }
    match facts.cache {
        Ok((items, bytes)) => checks.push(ok(format!(
            "Cache: {items} items, {:.1} MiB of images.",
            bytes as f64 / 1024.0 / 1024.0
        ))),
        Err(e) => checks.push(problem(format!("The cache cannot be read: {e}."))),
    }
    match facts.outbox {
        Ok(0) => checks.push(ok("Outbox: empty, every submission delivered.".to_owned())),
        Ok(n) => checks.push(problem(format!(
            "Outbox: {n} submissions waiting to be delivered (they are safe on disk and are sent when the server is reachable)."
        ))),
        Err(e) => checks.push(problem(format!("The outbox cannot be read: {e}."))),
    }
    match facts.refused {
        Ok(refused) => {
            if !refused.is_empty() {
                checks.push(problem(format!(
                    "{} submission(s) were refused by the server for good and are kept on this kiosk, no longer sent; tell the union office these receipt codes:",
                    refused.len()
                )));
            }
            for r in refused {
                checks.push(problem(format!(
                    "  {} (form {}, submitted {}): {}",
                    r.receipt, r.form_id, r.submitted_at, r.message
                )));
            }
        }
        Err(e) => checks.push(problem(format!(
            "The refused submissions cannot be read: {e}."
        ))),
    }
    checks
}
