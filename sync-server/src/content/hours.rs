//! Opening hours: one `opening_hours` item per org at most (migration 007 holds to it), set,
//! read and cleared by staff whose subtree holds the org. They reach kiosks through the feed
//! like any content; a kiosk uses the nearest org's.

use super::{ContentTx, Schedule, Upserted, commit, row};
use crate::error::AppResult;
use crate::orgs::{self, Actor};
use crate::state::AppState;
use jiff::Timestamp;
use protocol::content::{ContentBody, OpeningHours};
use protocol::staff::ContentWrite;
use protocol::{ContentId, ContentKind, OrgId};

/// The hours an org set itself, and when.
#[derive(Debug, Clone)]
pub struct OwnHours {
    /// The item that holds them (its history has every earlier set).
    pub id: ContentId,
    pub hours: OpeningHours,
    pub updated_at: Timestamp,
}

/// What an org's kiosks go by: its own hours, an ancestor's, or none (always open).
#[derive(Debug, Clone)]
pub struct HoursAt {
    pub own: Option<OwnHours>,
    /// The nearest ancestor that set hours, by name, when the org set none itself.
    pub inherited: Option<(String, OpeningHours)>,
}

/// The hours `org`'s kiosks go by. `org` must be in the actor's subtree.
pub async fn at(state: &AppState, actor: Actor, org: OrgId) -> AppResult<HoursAt> {
    state
        .db
        .read(move |tx| {
            actor.check_org(tx, org)?;
            let own = match super::one_at(tx, ContentKind::OpeningHours, org)? {
                Some(id) => {
                    let row = row::load(tx, &id)?;
                    match row.body {
                        ContentBody::OpeningHours(hours) => Some(OwnHours {
                            id,
                            hours,
                            updated_at: crate::db::to_ts(row.updated_at),
                        }),
                        _ => None,
                    }
                }
                None => None,
            };
            let mut inherited = None;
            if own.is_none() {
                let path = orgs::path_of(tx, org)?;
                for ancestor in orgs::ids_in_path(&path).into_iter().rev().skip(1) {
                    if let Some(id) = super::one_at(tx, ContentKind::OpeningHours, ancestor)?
                        && let ContentBody::OpeningHours(hours) = row::load(tx, &id)?.body
                    {
                        let name: String = tx.query_row(
                            "SELECT name FROM orgs WHERE id = ?1",
                            [ancestor.0],
                            |r| r.get(0),
                        )?;
                        inherited = Some((name, hours));
                        break;
                    }
                }
            }
            Ok(HoursAt { own, inherited })
        })
        .await
}

/// Sets `org`'s hours (a new version when they differ from what is stored), published at once.
pub async fn set(
    state: &AppState,
    actor: Actor,
    org: OrgId,
    hours: OpeningHours,
) -> AppResult<Upserted> {
    commit(
        state,
        actor,
        Schedule::Kept,
        move |cx: &mut ContentTx<'_>| {
            cx.actor.check_org(cx.tx, org)?;
            let w = ContentWrite {
                org_id: org,
                published: true,
                publish_at: None,
                expire_at: None,
                body: ContentBody::OpeningHours(hours),
            };
            match super::one_at(cx.tx, ContentKind::OpeningHours, org)? {
                None => {
                    cx.create(w, None)?;
                    Ok(Upserted::Created)
                }
                Some(id) => {
                    let old = super::load_own(cx.tx, cx.actor, &id)?;
                    if old.same_as(&w) {
                        return Ok(Upserted::Unchanged);
                    }
                    cx.replace(id, w)?;
                    Ok(Upserted::Updated)
                }
            }
        },
    )
    .await
}

/// Removes `org`'s own hours: its kiosks go by an ancestor's again, or are always open.
/// Returns whether there were any.
pub async fn clear(state: &AppState, actor: Actor, org: OrgId) -> AppResult<bool> {
    commit(
        state,
        actor,
        Schedule::Kept,
        move |cx: &mut ContentTx<'_>| {
            cx.actor.check_org(cx.tx, org)?;
            match super::one_at(cx.tx, ContentKind::OpeningHours, org)? {
                Some(id) => cx.delete(id).map(|()| true),
                None => Ok(false),
            }
        },
    )
    .await
}
