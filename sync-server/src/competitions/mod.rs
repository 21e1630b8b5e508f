//! 劳动竞赛 — labour competitions (`protocol::competition`): a `competition` content item whose
//! body holds its participants, metrics, period and every score. Staff define one, enter a day's
//! scores in a table or import them from CSV (`import`); each change is a new version of the
//! item through `content::create` / `content::edit` (which check the caller's org scope), so the
//! feed carries it to kiosks, which compute the standings themselves.

pub mod import;

use std::collections::HashMap;

use jiff::civil::Date;
use protocol::competition::{Competition, Participant, Score};
use protocol::content::ContentBody;
use protocol::staff::{ContentRecord, ContentWrite};
use protocol::{ContentId, ContentKind, OrgId};

use crate::content::{self, Edited, ListQuery};
use crate::error::{AppError, AppResult};
use crate::orgs::Actor;
use crate::state::AppState;

/// One stored competition.
#[derive(Debug, Clone)]
pub struct Stored {
    pub record: ContentRecord,
    pub competition: Competition,
}

fn stored(record: ContentRecord) -> AppResult<Stored> {
    match &record.item.body {
        ContentBody::Competition(c) => Ok(Stored {
            competition: c.clone(),
            record,
        }),
        _ => Err(AppError::not_found("劳动竞赛")),
    }
}

/// Every competition in the actor's subtree, newest first.
pub async fn list(state: &AppState, actor: Actor) -> AppResult<Vec<Stored>> {
    let q = ListQuery {
        kind: Some(ContentKind::Competition),
        limit: Some(200),
        ..ListQuery::default()
    };
    content::list(state, actor, q)
        .await?
        .into_iter()
        .map(stored)
        .collect()
}

/// One competition, if it is in the actor's subtree.
pub async fn get(state: &AppState, actor: Actor, id: ContentId) -> AppResult<Stored> {
    stored(content::get(state, actor, id).await?)
}

/// A new competition at `org`, published at once.
pub async fn create(
    state: &AppState,
    actor: Actor,
    org: OrgId,
    competition: Competition,
) -> AppResult<ContentRecord> {
    let w = ContentWrite {
        org_id: org,
        published: true,
        publish_at: None,
        expire_at: None,
        body: ContentBody::Competition(competition),
    };
    content::create(state, actor, w).await
}

/// Saves `competition` as the next version of `id`, made from version `base`.
pub async fn save(
    state: &AppState,
    actor: Actor,
    id: ContentId,
    base: u32,
    competition: Competition,
) -> AppResult<Edited> {
    let schedule = content::get(state, actor.clone(), id.clone()).await?;
    content::edit(
        state,
        actor,
        id,
        base,
        ContentBody::Competition(competition),
        schedule.item.publish_at,
        schedule.item.expire_at,
    )
    .await
}

/// `scores` laid over `into`: an entry for the same day, participant and metric is replaced,
/// the rest kept; entries stay in day order.
pub fn merge(into: &mut Competition, scores: Vec<Score>) {
    let mut at: HashMap<(Date, String, String), usize> = into
        .scores
        .iter()
        .enumerate()
        .map(|(i, s)| ((s.day, s.participant.clone(), s.metric.clone()), i))
        .collect();
    for s in scores {
        let key = (s.day, s.participant.clone(), s.metric.clone());
        match at.get(&key) {
            Some(&i) => into.scores[i].value = s.value,
            None => {
                at.insert(key, into.scores.len());
                into.scores.push(s);
            }
        }
    }
    into.scores.sort_by_key(|s| s.day);
}

/// Keys for participants given by name (and org), keeping the key each had in `old` when its
/// org or name matches and numbering new ones after the highest `p<n>` in use.
pub fn keep_keys(old: &[Participant], new: &mut [Participant]) {
    let mut next = next_number(old.iter().map(|p| p.key.as_str()), 'p');
    for p in new.iter_mut() {
        let found = old.iter().find(|o| match (&o.org_id, &p.org_id) {
            (Some(a), Some(b)) => a == b,
            _ => o.name == p.name,
        });
        p.key = match found {
            Some(o) => o.key.clone(),
            None => {
                next += 1;
                format!("p{next}")
            }
        };
    }
}

/// The same for metrics, matched by name, numbered `m<n>`.
pub fn keep_metric_keys(
    old: &[protocol::competition::Metric],
    new: &mut [protocol::competition::Metric],
) {
    let mut next = next_number(old.iter().map(|m| m.key.as_str()), 'm');
    for m in new.iter_mut() {
        m.key = match old.iter().find(|o| o.name == m.name) {
            Some(o) => o.key.clone(),
            None => {
                next += 1;
                format!("m{next}")
            }
        };
    }
}

fn next_number<'a>(keys: impl Iterator<Item = &'a str>, prefix: char) -> u32 {
    keys.filter_map(|k| k.strip_prefix(prefix)?.parse::<u32>().ok())
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use protocol::competition::{Metric, Total};

    fn participant(name: &str, org: Option<i64>) -> Participant {
        Participant {
            key: String::new(),
            name: name.into(),
            name_en: String::new(),
            org_id: org.map(OrgId),
        }
    }

    fn score(day: i8, p: &str, value: f64) -> Score {
        Score {
            day: date(2026, 11, day),
            participant: p.into(),
            metric: "m1".into(),
            value,
        }
    }

    #[test]
    fn keys_survive_an_edit_and_new_ones_come_after() {
        let mut old = vec![participant("一车间", None), participant("二分会", Some(7))];
        old[0].key = "p1".into();
        old[1].key = "p4".into();
        let mut new = vec![
            participant("二分会（改名）", Some(7)),
            participant("三车间", None),
            participant("一车间", None),
        ];
        keep_keys(&old, &mut new);
        let keys: Vec<&str> = new.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["p4", "p5", "p1"]);
        let metric = |name: &str, key: &str| Metric {
            key: key.into(),
            name: name.into(),
            name_en: String::new(),
            unit: String::new(),
            unit_en: String::new(),
            higher_is_better: true,
            total: Total::Sum,
        };
        let mut metrics = vec![metric("合格率", ""), metric("产量", "")];
        keep_metric_keys(&[metric("产量", "m2")], &mut metrics);
        assert_eq!(metrics[0].key, "m3");
        assert_eq!(metrics[1].key, "m2");
    }

    #[test]
    fn a_merge_replaces_the_same_entry_and_keeps_the_rest() {
        let mut c = Competition {
            title: "t".into(),
            title_en: String::new(),
            description: String::new(),
            description_en: String::new(),
            first_day: date(2026, 11, 1),
            last_day: date(2026, 11, 30),
            participants: Vec::new(),
            metrics: Vec::new(),
            scores: vec![score(2, "p1", 1.0), score(1, "p2", 2.0)],
        };
        merge(&mut c, vec![score(2, "p1", 5.0), score(1, "p1", 3.0)]);
        assert_eq!(
            c.scores,
            [
                score(1, "p2", 2.0),
                score(1, "p1", 3.0),
                score(2, "p1", 5.0)
            ]
        );
    }
}
