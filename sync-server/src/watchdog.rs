//! systemd's notify protocol for `serve` (the packaged unit is `Type=notify` with
//! `WatchdogSec=`): `READY=1` once the TLS listener is bound, `WATCHDOG=1` heartbeats at half
//! the period systemd gives in `WATCHDOG_USEC`, and `STOPPING=1` when shutdown starts. Outside
//! systemd (`NOTIFY_SOCKET` unset) every call does nothing.
//!
//! A heartbeat is a claim that the server works, so it is sent only after the two things every
//! request needs have answered: the async runtime (a freshly spawned task runs) and the database
//! writer (a trivial write transaction commits within half the period). A stuck writer, a wedged
//! runtime or an exhausted blocking pool therefore stop the heartbeats, and systemd restarts the
//! server one period after the last one.

use crate::db::Db;
use sd_notify::NotifyState;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// Tells systemd the server is ready to take connections.
pub fn ready() {
    send(&[NotifyState::Ready, NotifyState::Status("serving")]);
}

/// Tells systemd the server is stopping (so a slow shutdown is not taken for a hang).
pub fn stopping() {
    send(&[NotifyState::Stopping, NotifyState::Status("shutting down")]);
}

fn send(states: &[NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}

/// Sends heartbeats for as long as the server is healthy, when systemd asks for them
/// (`WATCHDOG_USEC` set for this process); returns at once when it does not.
pub async fn heartbeat(db: Db) {
    let Some(period) = sd_notify::watchdog_enabled() else {
        return;
    };
    let interval = period / 2;
    tracing::info!(period_ms = period.as_millis() as u64, "systemd watchdog on");
    loop {
        let started = Instant::now();
        match check(&db, interval).await {
            Ok(()) => send(&[NotifyState::Watchdog]),
            Err(problem) => tracing::warn!(problem, "no watchdog heartbeat"),
        }
        tokio::time::sleep_until(started + interval).await;
    }
}

/// The runtime runs a new task, and the writer commits a transaction (which finds the schema at
/// this build's version), within `limit`. A check that takes longer is waited for (never two at
/// once), but it earns no heartbeat. `/readyz` asks the same through [`ready_within`].
pub async fn check(db: &Db, limit: Duration) -> Result<(), &'static str> {
    let started = Instant::now();
    tokio::spawn(async {})
        .await
        .map_err(|_| "the runtime did not run a task")?;
    let current = db
        .write(crate::db::schema_current)
        .await
        .map_err(|_| "the database writer failed a transaction")?;
    if !current {
        return Err("the database schema is not at this build's version");
    }
    if started.elapsed() > limit {
        return Err("the database writer did not answer in time");
    }
    Ok(())
}

/// [`check`] for the readiness probe: answers within `limit` whatever the writer does. A check
/// still waiting for a stuck writer is not joined by another (`pending` says one is under way),
/// so probes cannot pile up blocked threads.
pub async fn ready_within(
    db: &Db,
    pending: &Arc<AtomicBool>,
    limit: Duration,
) -> Result<(), &'static str> {
    if pending.swap(true, Ordering::SeqCst) {
        return Err("an earlier check still waits for the database writer");
    }
    let (db, flag) = (db.clone(), pending.clone());
    let checked = tokio::spawn(async move {
        let outcome = check(&db, limit).await;
        flag.store(false, Ordering::SeqCst);
        outcome
    });
    match tokio::time::timeout(limit, checked).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(_)) => Err("the check failed"),
        Err(_) => Err("the database writer did not answer in time"),
    }
}
