//! Kiosk heartbeats, and the fleet health staff see from them.

use std::time::Duration;

use protocol::workflow::{Health, Heartbeat};
use rusqlite::params;

use crate::db::now_ms;
use crate::error::AppResult;
use crate::kiosks::Kiosk;
use crate::state::AppState;

/// The longest version string kept, as at enrollment; the console shows it.
pub const VERSION_CHARS: usize = 40;
/// The longest cursor kept (`<epoch>.<seq>` is under 25 characters).
pub const CURSOR_CHARS: usize = 64;

/// Stores a kiosk's heartbeat, its free-text fields cut to what the console can show.
pub async fn heartbeat(state: &AppState, kiosk: Kiosk, mut beat: Heartbeat) -> AppResult<()> {
    beat.version = beat.version.trim().chars().take(VERSION_CHARS).collect();
    beat.cursor = beat
        .cursor
        .map(|c| c.trim().chars().take(CURSOR_CHARS).collect());
    let json = serde_json::to_string(&beat)?;
    state
        .db
        .write(move |tx| {
            tx.execute(
                "UPDATE kiosks SET heartbeat = ?2, heartbeat_at = ?3, last_seen_at = ?3,
                 version = ?4 WHERE id = ?1",
                params![kiosk.id.0, json, now_ms(), beat.version],
            )?;
            Ok(())
        })
        .await
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
