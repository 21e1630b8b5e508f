//! What the dashboard's charts draw (issue 17, part 9), always within the asking staff
//! member's subtree, and counts only (no answers are read): kiosks online hour by hour over the
//! last days, submissions per week by form and status, and open cases past their due time by
//! org.
//!
//! A kiosk's heartbeat says it is online; the heartbeat flush (`workflow::fleet`) also notes
//! the hour in `kiosk_hours` (one row per kiosk and hour, kept [`KEPT_HOURS`]), since the
//! kiosk row keeps only the last one, and the first time in an hour adds the kiosk to its org's
//! count for the hour (`org_hours`), which is what the chart sums over a subtree.

use std::collections::HashMap;

use crate::store::{Tx, params};
use protocol::ContentBody;
use protocol::workflow::Status;

use crate::error::AppResult;
use crate::orgs::Actor;
use crate::state::AppState;

pub const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// China time's offset from UTC: weeks and days are China's.
const CHINA_MS: i64 = 8 * HOUR_MS;
/// How long the hours a kiosk was online are kept: a week and a day.
pub const KEPT_HOURS: i64 = 8 * 24;

/// Notes, inside the heartbeat flush's transaction, the hour each kiosk was heard from at
/// (`(kiosk id, ms)`), and forgets hours older than [`KEPT_HOURS`].
pub fn note_online<'a>(
    tx: &Tx<'_>,
    beats: impl Iterator<Item = (&'a str, i64)>,
) -> crate::store::Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO kiosk_hours (hour, kiosk_id) VALUES (?1, ?2)
         ON CONFLICT (hour, kiosk_id) DO NOTHING",
    )?;
    let mut count = tx.prepare_cached(
        "INSERT INTO org_hours (hour, org_id, kiosks)
         SELECT ?1, org_id, 1 FROM kiosks WHERE id = ?2
         ON CONFLICT (hour, org_id) DO UPDATE SET kiosks = org_hours.kiosks + 1",
    )?;
    let mut latest = 0;
    for (kiosk, at) in beats {
        let hour = at.div_euclid(HOUR_MS);
        latest = latest.max(hour);
        if insert.execute(params![hour, kiosk])? > 0 {
            count.execute(params![hour, kiosk])?;
        }
    }
    let old = latest - KEPT_HOURS;
    tx.prepare_cached("DELETE FROM kiosk_hours WHERE hour < ?1")?
        .execute([old])?;
    tx.prepare_cached("DELETE FROM org_hours WHERE hour < ?1")?
        .execute([old])?;
    Ok(())
}

/// Kiosks in the actor's subtree heard from in each of the `hours` hours up to the one holding
/// `now` (ms), oldest first.
pub async fn online_by_hour(
    state: &AppState,
    actor: Actor,
    now: i64,
    hours: i64,
) -> AppResult<Vec<u64>> {
    let last = now.div_euclid(HOUR_MS);
    let first = last - hours + 1;
    state
        .db
        .read(move |tx| {
            let (scope, path) = actor.subtree_filter("h.org_id");
            let mut stmt = tx.prepare(&format!(
                "SELECT h.hour, SUM(h.kiosks) FROM org_hours h
                 WHERE h.hour >= ?2 AND h.hour <= ?3 AND {scope} GROUP BY h.hour"
            ))?;
            let mut counts = vec![0u64; hours as usize];
            let mut rows = stmt.query(params![path, first, last])?;
            while let Some(r) = rows.next()? {
                let hour: i64 = r.get(0)?;
                counts[(hour - first) as usize] = r.get::<_, i64>(1)? as u64;
            }
            Ok(counts)
        })
        .await
}

/// The start (ms) of the China-time hour `hour` (an index of [`online_by_hour`]'s first hour).
pub fn hour_start(now: i64, hours: i64, index: usize) -> i64 {
    (now.div_euclid(HOUR_MS) - hours + 1 + index as i64) * HOUR_MS
}

/// Submissions per week, by form and status.
#[derive(Debug, Clone)]
pub struct Weekly {
    /// Each week's Monday (China time, ms), oldest first.
    pub weeks: Vec<i64>,
    /// Forms with any submission in those weeks, the most submitted first.
    pub forms: Vec<FormWeeks>,
}

#[derive(Debug, Clone)]
pub struct FormWeeks {
    pub title: String,
    /// Per status (in `Status::ALL` order, only those that occur), a count per week.
    pub by_status: Vec<(Status, Vec<u64>)>,
    pub total: u64,
}

/// The China-time week (counted from the Monday before the epoch) holding `ms`.
fn week_of(ms: i64) -> i64 {
    ((ms + CHINA_MS).div_euclid(DAY_MS) + 3).div_euclid(7)
}

/// The Monday (China time, ms) that starts week `week`.
fn monday(week: i64) -> i64 {
    (week * 7 - 3) * DAY_MS - CHINA_MS
}

/// Submissions to the actor's subtree received in the `weeks` weeks up to the one holding
/// `now`, by form (its latest published title) and current status.
pub async fn submissions_by_week(
    state: &AppState,
    actor: Actor,
    now: i64,
    weeks: i64,
) -> AppResult<Weekly> {
    let last = week_of(now);
    let first = last - weeks + 1;
    let since = monday(first);
    state
        .db
        .read(move |tx| {
            let (scope, path) = actor.subtree_filter("s.org_id");
            let mut stmt = tx.prepare(&format!(
                "SELECT s.form_id, s.status, ((s.received_at + ?3) / ?4 + 3) / 7 AS week, COUNT(*),
                        (SELECT body FROM form_versions fv WHERE fv.form_id = s.form_id
                         ORDER BY fv.version DESC LIMIT 1)
                 FROM submissions s
                 WHERE s.received_at >= ?2 AND {scope}
                 GROUP BY s.form_id, s.status, week"
            ))?;
            let mut forms: HashMap<String, FormWeeks> = HashMap::new();
            let mut rows = stmt.query(params![path, since, CHINA_MS, DAY_MS])?;
            while let Some(r) = rows.next()? {
                let form_id: String = r.get(0)?;
                let status: String = r.get(1)?;
                let week: i64 = r.get(2)?;
                let count = r.get::<_, i64>(3)? as u64;
                let body: Option<String> = r.get(4)?;
                let Some(status) = Status::ALL.into_iter().find(|s| s.as_str() == status) else {
                    continue;
                };
                let Some(at) = usize::try_from(week - first)
                    .ok()
                    .filter(|&w| w < weeks as usize)
                else {
                    continue;
                };
                let form = forms.entry(form_id.clone()).or_insert_with(|| FormWeeks {
                    title: body.as_deref().and_then(title_of).unwrap_or(form_id),
                    by_status: Vec::new(),
                    total: 0,
                });
                form.total += count;
                match form.by_status.iter_mut().find(|(s, _)| *s == status) {
                    Some((_, counts)) => counts[at] += count,
                    None => {
                        let mut counts = vec![0; weeks as usize];
                        counts[at] = count;
                        form.by_status.push((status, counts));
                    }
                }
            }
            let mut forms: Vec<FormWeeks> = forms.into_values().collect();
            for f in &mut forms {
                f.by_status
                    .sort_by_key(|(s, _)| Status::ALL.iter().position(|a| a == s));
            }
            forms.sort_by(|a, b| b.total.cmp(&a.total).then(a.title.cmp(&b.title)));
            Ok(Weekly {
                weeks: (first..=last).map(monday).collect(),
                forms,
            })
        })
        .await
}

/// Open cases in the actor's subtree past their due time at `now`, by the org each belongs to,
/// the most overdue first (ties by name), at most `limit` orgs.
pub async fn overdue_by_org(
    state: &AppState,
    actor: Actor,
    now: i64,
    limit: u32,
) -> AppResult<Vec<(String, u64)>> {
    state
        .db
        .read(move |tx| {
            let (scope, path) = actor.subtree_filter("s.org_id");
            let mut stmt = tx.prepare(&format!(
                "SELECT o.name, COUNT(*) AS n FROM submissions s JOIN orgs o ON o.id = s.org_id
                 WHERE s.status IN ('received', 'processing') AND s.due_at <= ?2 AND {scope}
                 GROUP BY s.org_id, o.name ORDER BY n DESC, o.name LIMIT ?3"
            ))?;
            let rows = stmt
                .query_map(params![path, now, limit], |r| {
                    Ok((r.get(0)?, r.get::<_, i64>(1)? as u64))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
}

/// A form's title (or a booked offering's: its body's `title`, at the top or one level in)
/// from a stored form version's body.
fn title_of(body: &str) -> Option<String> {
    if let Ok(ContentBody::Form(f)) = serde_json::from_str::<ContentBody>(body) {
        return Some(f.title);
    }
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let title = |v: &serde_json::Value| v.get("title")?.as_str().map(str::to_owned);
    title(&value).or_else(|| value.as_object()?.values().find_map(title))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday_in_china_time() {
        // 2026-11-30 is a Monday; 00:30 China time is 16:30 UTC the day before.
        let monday_0030 = jiff::Timestamp::from_second(1_795_969_800)
            .expect("a time")
            .as_millisecond();
        let sunday_2330 = monday_0030 - HOUR_MS;
        assert_eq!(week_of(monday_0030), week_of(sunday_2330) + 1);
        let start = monday(week_of(monday_0030));
        assert_eq!(start, monday_0030 - 30 * 60 * 1000);
        assert_eq!(week_of(start), week_of(monday_0030));
        assert_eq!(week_of(start - 1), week_of(monday_0030) - 1);
    }
}
