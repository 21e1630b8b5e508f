//! A poll's tallies: read for staff, and written to the feed as the `poll_results` item where
//! the poll is published while staff show results on kiosks.

use super::Current;
use crate::db::to_ts;
use crate::error::AppResult;
use crate::feed;
use crate::store::{Tx, params};
use protocol::poll::{Poll, PollResults};
use protocol::{ContentBody, ContentId, ContentItem, ContentKind, OrgId};

/// The poll's counts as they stand: votes counted, and per question per bucket.
pub(crate) fn tally(tx: &Tx<'_>, poll_id: &str, poll: &Poll) -> AppResult<(u32, Vec<Vec<u32>>)> {
    let mut counts: Vec<Vec<u32>> = poll
        .questions
        .iter()
        .map(|q| vec![0; q.buckets()])
        .collect();
    let rows: Vec<(i64, i64, u32)> = tx
        .prepare_cached("SELECT question, bucket, votes FROM poll_tallies WHERE poll_id = ?1")?
        .query_map([poll_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (q, b, n) in rows {
        let slot = usize::try_from(q)
            .ok()
            .zip(usize::try_from(b).ok())
            .and_then(|(q, b)| counts.get_mut(q)?.get_mut(b));
        if let Some(slot) = slot {
            *slot = n;
        }
    }
    let votes: u32 = tx
        .prepare_cached("SELECT count(*) FROM poll_ballots WHERE poll_id = ?1 AND refusal IS NULL")?
        .query_row([poll_id], |r| r.get(0))?;
    Ok((votes, counts))
}

/// Rewrites the poll's results item: at the poll's org while the poll is shown and staff show
/// results on kiosks, tombstoned wherever it was published otherwise. Returns the orgs touched.
pub(crate) fn write(tx: &Tx<'_>, poll_id: &str, now: &Current, at: i64) -> AppResult<Vec<OrgId>> {
    let id = PollResults::id_for(&ContentId(poll_id.to_owned()));
    let shown = now.live && now.poll.show_results;
    let kind = ContentKind::PollResults;
    let elsewhere: Vec<i64> = tx
        .prepare_cached(
            "SELECT org_id FROM feed WHERE content_id = ?1 AND item IS NOT NULL
                 AND (org_id != ?2 OR NOT ?3)",
        )?
        .query_map(params![id.0, now.org.0, shown], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut touched = Vec::new();
    for org in elsewhere {
        feed::put(tx, &id, OrgId(org), kind, None)?;
        touched.push(OrgId(org));
    }
    if shown {
        let (votes, counts) = tally(tx, poll_id, &now.poll)?;
        let item = ContentItem {
            id: id.clone(),
            org_id: now.org,
            version: 1,
            updated_at: to_ts(at),
            publish_at: None,
            expire_at: None,
            body: ContentBody::PollResults(PollResults {
                poll: ContentId(poll_id.to_owned()),
                as_of: to_ts(at),
                votes,
                counts,
            }),
        };
        feed::put(tx, &id, now.org, kind, Some(&serde_json::to_string(&item)?))?;
        touched.push(now.org);
    }
    Ok(touched)
}

/// The poll was deleted: its results item goes from every kiosk that had it.
pub(crate) fn deleted(tx: &Tx<'_>, poll_id: &ContentId) -> AppResult<Vec<OrgId>> {
    let id = PollResults::id_for(poll_id);
    let orgs: Vec<i64> = tx
        .prepare_cached("SELECT org_id FROM feed WHERE content_id = ?1 AND item IS NOT NULL")?
        .query_map([&id.0], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for org in &orgs {
        feed::put(tx, &id, OrgId(*org), ContentKind::PollResults, None)?;
    }
    Ok(orgs.into_iter().map(OrgId).collect())
}
