//! Usage counts kiosks send with their heartbeats (issue 19, part 5; `protocol::usage` says
//! what is counted and why nothing in it is personal), stored per org and hour in
//! `usage_hours` and kept [`KEPT_HOURS`].
//!
//! A kiosk is hostile until checked: a batch is cut to [`MAX_ROWS`] counts, unknown kinds are
//! dropped, keys are cut to `protocol::usage::MAX_KEY_CHARS` characters without control characters, an hour outside the
//! kept window (or in the future) is dropped, a count is capped at [`MAX_N`], and an org keeps
//! at most [`KEYS_PER_HOUR`] keys per kind and hour, so no kiosk can grow the table without
//! bound. The heartbeat's body limit bounds the rest.

use crate::store::{OptionalExtension, Tx, params};
use protocol::usage::{Count, MAX_ROWS, Usage, clean_key, kind};

use crate::error::AppResult;
use crate::orgs::Actor;
use crate::state::AppState;
use crate::trends::HOUR_MS;
use protocol::OrgId;

/// A heartbeat's body limit: one with its usage counts (`protocol::usage::MAX_ROWS` rows of at
/// most `MAX_KEY_CHARS` characters) fits well under it (`tests`).
pub const HEARTBEAT_LIMIT: usize = 64 * 1024;
/// How long usage counts are kept: 92 days (a quarter, the longest period the console shows).
pub const KEPT_HOURS: i64 = 92 * 24;
/// The most distinct keys an org keeps per kind and hour; counts for further keys are dropped.
pub const KEYS_PER_HOUR: i64 = 200;
/// The largest count taken from one row (an hour has 3,600 seconds; a tap a second is 3,600).
pub const MAX_N: u64 = 100_000;

/// What of `usage` is kept, received at `now` (ms); see the module documentation.
pub fn bound(usage: Usage, now: i64) -> Usage {
    let this_hour = now.div_euclid(HOUR_MS);
    let counts = usage
        .counts
        .into_iter()
        .take(MAX_ROWS)
        .filter(|c| kind::ALL.contains(&c.kind.as_str()))
        .filter(|c| c.hour > this_hour - KEPT_HOURS && c.hour <= this_hour + 1)
        .filter(|c| c.n > 0)
        .map(|c| Count {
            key: clean_key(&c.key),
            n: c.n.min(MAX_N),
            ..c
        })
        .collect();
    Usage {
        batch: usage.batch,
        counts,
    }
}

/// Adds kiosk `kiosk`'s (of org `org`) batch, once: a batch numbered as the last one added
/// for this kiosk is a resend and changes nothing. Forgets hours older than [`KEPT_HOURS`]
/// before `now` (ms). Runs inside the heartbeat flush's transaction.
pub fn record(
    tx: &Tx<'_>,
    kiosk: &str,
    org: i64,
    usage: &Usage,
    now: i64,
) -> crate::store::Result<()> {
    let last: Option<i64> = tx
        .prepare_cached("SELECT batch FROM usage_batches WHERE kiosk_id = ?1")?
        .query_row([kiosk], |r| r.get(0))
        .optional()?;
    if last == Some(usage.batch) {
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT INTO usage_batches (kiosk_id, batch) VALUES (?1, ?2)
         ON CONFLICT (kiosk_id) DO UPDATE SET batch = excluded.batch",
    )?
    .execute(params![kiosk, usage.batch])?;
    let mut add = tx.prepare_cached(
        "INSERT INTO usage_hours (hour, org_id, kind, key, n)
         SELECT ?1, ?2, ?3, ?4, ?5
         WHERE EXISTS (SELECT 1 FROM usage_hours
                       WHERE hour = ?1 AND org_id = ?2 AND kind = ?3 AND key = ?4)
            OR (SELECT COUNT(*) FROM usage_hours
                WHERE hour = ?1 AND org_id = ?2 AND kind = ?3) < ?6
         ON CONFLICT (hour, org_id, kind, key) DO UPDATE SET n = usage_hours.n + excluded.n",
    )?;
    for c in &usage.counts {
        add.execute(params![
            c.hour,
            org,
            c.kind,
            c.key,
            c.n as i64,
            KEYS_PER_HOUR
        ])?;
    }
    tx.prepare_cached("DELETE FROM usage_hours WHERE hour <= ?1")?
        .execute([now.div_euclid(HOUR_MS) - KEPT_HOURS])?;
    Ok(())
}

/// The stored path of the subtree a page shows: the actor's own, or `org`'s when it is within
/// the actor's (refused otherwise: `403`).
pub async fn scope(state: &AppState, actor: Actor, org: Option<OrgId>) -> AppResult<String> {
    state
        .db
        .read(move |tx| match org {
            Some(org) => {
                actor.check_org(tx, org)?;
                crate::orgs::path_of(tx, org)
            }
            None => Ok(actor.subtree_filter("").1),
        })
        .await
}

/// The SQL condition keeping `u.org_id` within the subtree at `?1`.
const IN_SUBTREE: &str = "u.org_id IN (SELECT id FROM orgs WHERE substr(path, 1, length(?1)) = ?1)";

/// Counts in the subtree at `path` over the `hours` hours up to the one holding `now` (ms):
/// per kind and key, summed over orgs and hours, the largest first.
pub async fn totals(
    state: &AppState,
    path: String,
    now: i64,
    hours: i64,
) -> AppResult<Vec<(String, String, u64)>> {
    let last = now.div_euclid(HOUR_MS);
    let first = last - hours + 1;
    state
        .db
        .read(move |tx| {
            let scope = IN_SUBTREE;
            let mut stmt = tx.prepare(&format!(
                "SELECT u.kind, u.key, SUM(u.n) AS total FROM usage_hours u
                 WHERE u.hour >= ?2 AND u.hour <= ?3 AND {scope}
                 GROUP BY u.kind, u.key ORDER BY total DESC, u.kind, u.key"
            ))?;
            let rows = stmt
                .query_map(params![path, first, last], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64))
                })?
                .collect::<crate::store::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
}

/// Screens opened in the subtree at `path` over the same hours as [`totals`], per hour of the
/// day in China time (index 0 is 00:00–01:00): the fleet's busiest hours.
pub async fn views_by_hour_of_day(
    state: &AppState,
    path: String,
    now: i64,
    hours: i64,
) -> AppResult<[u64; 24]> {
    let last = now.div_euclid(HOUR_MS);
    let first = last - hours + 1;
    state
        .db
        .read(move |tx| {
            let scope = IN_SUBTREE;
            let mut stmt = tx.prepare(&format!(
                "SELECT (u.hour + 8) % 24, SUM(u.n) FROM usage_hours u
                 WHERE u.hour >= ?2 AND u.hour <= ?3 AND u.kind = ?4 AND {scope}
                 GROUP BY (u.hour + 8) % 24"
            ))?;
            let mut by_hour = [0u64; 24];
            let mut rows = stmt.query(params![path, first, last, kind::VIEW])?;
            while let Some(r) = rows.next()? {
                let h: i64 = r.get(0)?;
                by_hour[h.rem_euclid(24) as usize] = r.get::<_, i64>(1)? as u64;
            }
            Ok(by_hour)
        })
        .await
}

/// The titles of the forms among `ids` that the kiosks of the subtree at `path` can show
/// (published in it or above it): a kiosk sends form ids, and one could send another org's,
/// whose title is not this subtree's to read.
pub async fn form_titles(
    state: &AppState,
    path: String,
    ids: Vec<String>,
) -> AppResult<std::collections::HashMap<String, String>> {
    state
        .db
        .read(move |tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT c.body FROM content c JOIN orgs o ON o.id = c.org_id
                 WHERE c.id = ?1 AND c.kind = 'form'
                   AND (substr(o.path, 1, length(?2)) = ?2 OR substr(?2, 1, length(o.path)) = o.path)",
            )?;
            let mut titles = std::collections::HashMap::new();
            for id in ids {
                let body: Option<String> = stmt
                    .query_row(params![id, path], |r| r.get(0))
                    .optional()?;
                let title = body
                    .and_then(|b| serde_json::from_str::<protocol::ContentBody>(&b).ok())
                    .and_then(|b| match b {
                        protocol::ContentBody::Form(f) => Some(f.title),
                        _ => None,
                    });
                if let Some(title) = title {
                    titles.insert(id, title);
                }
            }
            Ok(titles)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::usage::MAX_KEY_CHARS;

    #[test]
    fn the_largest_batch_a_kiosk_makes_fits_the_heartbeat_limit() {
        let key: String = "𠀀".repeat(MAX_KEY_CHARS);
        let beat = protocol::workflow::Heartbeat {
            version: "v".repeat(40),
            cursor: Some("9".repeat(64)),
            outbox_depth: u64::MAX,
            free_disk_bytes: Some(u64::MAX),
            uptime_seconds: u64::MAX,
            last_sync_at: Some(jiff::Timestamp::MAX),
            usage: Some(Usage {
                batch: i64::MIN,
                counts: (0..MAX_ROWS)
                    .map(|_| Count {
                        hour: i64::MIN,
                        kind: kind::FORM_SUBMITTED.to_owned(),
                        key: key.clone(),
                        n: u64::MAX,
                    })
                    .collect(),
            }),
        };
        let size = serde_json::to_vec(&beat).expect("serialises").len();
        assert!(size < HEARTBEAT_LIMIT, "{size} bytes");
    }

    #[test]
    fn hostile_batches_are_bounded() {
        let now = 500_000 * HOUR_MS;
        let hour = 500_000;
        let row = |kind: &str, key: &str, hour: i64, n: u64| Count {
            hour,
            kind: kind.to_owned(),
            key: key.to_owned(),
            n,
        };
        let mut counts = vec![
            row(kind::VIEW, &"x".repeat(10_000), hour, u64::MAX),
            row("mystery", "a", hour, 1),
            row(kind::TAP, "old", hour - KEPT_HOURS - 5, 1),
            row(kind::TAP, "future", hour + 50, 1),
            row(kind::TAP, "zero", hour, 0),
            row(kind::TAP, "bell\u{7}", hour, 2),
        ];
        counts.extend((0..MAX_ROWS * 4).map(|i| row(kind::SLIDE, &format!("s{i}"), hour, 1)));
        let kept = bound(Usage { batch: 1, counts }, now);
        assert_eq!(kept.counts.len(), MAX_ROWS - 4);
        assert_eq!(kept.counts[0].key.chars().count(), MAX_KEY_CHARS);
        assert_eq!(kept.counts[0].n, MAX_N);
        assert_eq!(kept.counts[1].key, "bell");
        assert!(kept.counts.iter().all(|c| c.kind != "mystery"));
    }
}
