//! Kiosk heartbeats, and the fleet health staff see from them.

use std::time::Duration;

use crate::store::params;
use protocol::workflow::{Health, Heartbeat};

use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::kiosks::Kiosk;
use crate::state::AppState;
use std::sync::Mutex;
use tokio::sync::oneshot;

/// The longest version string kept, as at enrollment; the console shows it.
pub const VERSION_CHARS: usize = 40;
/// The longest cursor kept (`<epoch>.<seq>` is under 25 characters).
pub const CURSOR_CHARS: usize = 64;

/// Stores a kiosk's heartbeat, its free-text fields cut to what the console can show. Returns
/// once it is committed; heartbeats arriving together share one transaction (see
/// [`HeartbeatQueue`]).
pub async fn heartbeat(state: &AppState, kiosk: Kiosk, mut beat: Heartbeat) -> AppResult<()> {
    beat.version = beat.version.trim().chars().take(VERSION_CHARS).collect();
    beat.cursor = beat
        .cursor
        .map(|c| c.trim().chars().take(CURSOR_CHARS).collect());
    // The usage counts go to their own table (`crate::usage`), not into the kiosk's row.
    let usage = beat.usage.take().map(|u| crate::usage::bound(u, now_ms()));
    let json = serde_json::to_string(&beat)?;
    let (done, stored) = oneshot::channel();
    let lead = {
        let mut q = state
            .heartbeats
            .inner
            .lock()
            .expect("the heartbeat queue lock is never held across a panic");
        q.waiting.push(Beat {
            kiosk: kiosk.id.0,
            org: kiosk.org.0,
            usage,
            json,
            version: beat.version,
            at: now_ms(),
            done,
        });
        !std::mem::replace(&mut q.flushing, true)
    };
    if lead {
        // Its own task, so a client hanging up cannot stop the flush half way.
        tokio::spawn(flush(state.clone()));
    }
    stored
        .await
        .map_err(|e| AppError::internal("heartbeat flush", e))?
}

/// Heartbeats waiting for the database writer. When thousands of kiosks pull after a publish,
/// each sends a heartbeat; one transaction (one fsync) each queued a publish behind thousands
/// of them (the fleet bench: a burst of 200 publishes to 1,000 kiosks took 217 s). While one
/// batch is written the next gathers, so the writer does one transaction per batch (group
/// commit), and a lone heartbeat is written at once as before.
#[derive(Default)]
pub struct HeartbeatQueue {
    inner: Mutex<Queue>,
}

#[derive(Default)]
struct Queue {
    waiting: Vec<Beat>,
    /// A flush task is running; it takes what waits until nothing does.
    flushing: bool,
}

struct Beat {
    kiosk: String,
    org: i64,
    usage: Option<protocol::usage::Usage>,
    json: String,
    version: String,
    at: i64,
    done: oneshot::Sender<AppResult<()>>,
}

/// Writes waiting heartbeats, a batch per transaction, until none wait.
async fn flush(state: AppState) {
    loop {
        let mut batch = {
            let mut q = state
                .heartbeats
                .inner
                .lock()
                .expect("the heartbeat queue lock is never held across a panic");
            if q.waiting.is_empty() {
                q.flushing = false;
                return;
            }
            std::mem::take(&mut q.waiting)
        };
        let rows: Vec<(String, String, String, i64)> = batch
            .iter()
            .map(|b| (b.kiosk.clone(), b.json.clone(), b.version.clone(), b.at))
            .collect();
        let usage: Vec<(String, i64, protocol::usage::Usage, i64)> = batch
            .iter_mut()
            .filter_map(|b| Some((b.kiosk.clone(), b.org, b.usage.take()?, b.at)))
            .collect();
        let written = state
            .db
            .write(move |tx| {
                let mut update = tx.prepare_cached(
                    "UPDATE kiosks SET heartbeat = ?2, heartbeat_at = ?3, last_seen_at = ?3,
                     version = ?4 WHERE id = ?1",
                )?;
                for (kiosk, json, version, at) in &rows {
                    update.execute(params![kiosk, json, at, version])?;
                }
                crate::trends::note_online(tx, rows.iter().map(|r| (r.0.as_str(), r.3)))?;
                for (kiosk, org, counts, at) in &usage {
                    crate::usage::record(tx, kiosk, *org, counts, *at)?;
                }
                Ok(())
            })
            .await;
        let failed = written.err().map(|e| {
            e.log_cause();
            e.to_string()
        });
        for b in batch {
            let _ = b.done.send(match &failed {
                None => Ok(()),
                Some(message) => Err(AppError::internal("storing heartbeats", message.clone())),
            });
        }
    }
}

/// How often kiosks send heartbeats (the kiosk's sync engine uses the same figure).
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(120);

/// A kiosk's health at `now` from when it was last heard from and its last good sync (all in
/// ms since the epoch).
pub fn health(now: i64, heartbeat_at: Option<i64>, last_sync_at: Option<i64>) -> Health {
    let window = 2 * HEARTBEAT_EVERY.as_millis() as i64;
    match heartbeat_at {
        Some(at) if now - at <= window => {
            let synced_recently = last_sync_at.is_some_and(|t| now - t <= 30 * 60 * 1000);
            if synced_recently {
                Health::Online
            } else {
                Health::Stale
            }
        }
        _ => Health::Offline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_follows_heartbeats_and_syncs() {
        let now = 10 * 3600 * 1000;
        let synced = Some(now - 60_000);
        assert_eq!(health(now, Some(now - 60_000), synced), Health::Online);
        assert_eq!(
            health(now, Some(now - 60_000), Some(now - 3 * 3600 * 1000)),
            Health::Stale
        );
        assert_eq!(
            health(now, Some(now - 3600 * 1000), synced),
            Health::Offline
        );
        assert_eq!(health(now, None, None), Health::Offline);
    }
}
