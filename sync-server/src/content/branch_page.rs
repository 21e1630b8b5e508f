//! 职工之家: one `branch_page` item per org at most (migration 020 holds to it), edited by staff
//! whose subtree holds the org. Saving again makes a new version of the same item, so kiosks
//! replace the page rather than gaining a second one.

use super::{ContentTx, Schedule, Upserted, commit, row};
use crate::error::AppResult;
use crate::orgs::{self, Actor};
use crate::state::AppState;
use jiff::Timestamp;
use protocol::branch_page::BranchPage;
use protocol::content::ContentBody;
use protocol::staff::ContentWrite;
use protocol::{ContentId, ContentKind, OrgId};

/// An org's page as stored, and when it was last saved.
#[derive(Debug, Clone)]
pub struct OwnPage {
    /// The item that holds it (its history has every earlier version).
    pub id: ContentId,
    pub page: BranchPage,
    pub updated_at: Timestamp,
}

/// What the console shows beside the form: the org's own page and its parent's name.
#[derive(Debug, Clone)]
pub struct PageAt {
    pub own: Option<OwnPage>,
    /// The parent org (the city for a branch), whose page the kiosks show next to this one.
    pub parent: Option<String>,
}

/// `org`'s page, if any, and its parent's name. `org` must be in the actor's subtree.
pub async fn at(state: &AppState, actor: Actor, org: OrgId) -> AppResult<PageAt> {
    state
        .db
        .read(move |tx| {
            actor.check_org(tx, org)?;
            let own = match super::one_at(tx, ContentKind::BranchPage, org)? {
                Some(id) => {
                    let row = row::load(tx, &id)?;
                    match row.body {
                        ContentBody::BranchPage(page) => Some(OwnPage {
                            id,
                            page,
                            updated_at: crate::db::to_ts(row.updated_at),
                        }),
                        _ => None,
                    }
                }
                None => None,
            };
            let path = orgs::path_of(tx, org)?;
            let parent = match orgs::ids_in_path(&path).into_iter().rev().nth(1) {
                Some(p) => {
                    Some(tx.query_row("SELECT name FROM orgs WHERE id = ?1", [p.0], |r| r.get(0))?)
                }
                None => None,
            };
            Ok(PageAt { own, parent })
        })
        .await
}

/// Saves `org`'s page (a new version when it differs from what is stored), published at once.
pub async fn set(
    state: &AppState,
    actor: Actor,
    org: OrgId,
    page: BranchPage,
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
                body: ContentBody::BranchPage(page),
            };
            match super::one_at(cx.tx, ContentKind::BranchPage, org)? {
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
