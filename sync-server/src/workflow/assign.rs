//! Assigning a case: to a case handler, or to an org, who must be able to see it (the case's
//! org is in their subtree) and be in the assigner's subtree. The assignee sees it first in the
//! inbox (`inbox::Filter::sort`, `urgency`); an assignment is a case event and an audit entry,
//! in the same transaction as the change. A case outside the caller's subtree is "not found".

use crate::store::{OptionalExtension, Tx, params};
use protocol::ErrorCode;
use protocol::OrgId;
use protocol::staff::{AuditAction, Role};
use protocol::workflow::{Assign, CaseEvent, CaseEventKind, SubmissionDetail};

use super::audit;
use super::inbox::detail;
use crate::db::{now_ms, to_ts};
use crate::error::{AppError, AppResult};
use crate::orgs::Actor;
use crate::staff::roles::Roles;
use crate::state::AppState;

fn refused(message: &str) -> AppError {
    AppError::bad_request(ErrorCode::InvalidAssignee, message)
}

/// A case handler or an org a case can be assigned to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub staff_id: Option<i64>,
    pub org_id: OrgId,
    /// A person's display name with their org, or an org's name.
    pub name: String,
}

/// The path of the org a case (already found in the actor's scope) came from.
fn case_path(tx: &Tx<'_>, id: &str) -> AppResult<String> {
    Ok(tx.query_row(
        "SELECT o.path FROM submissions s JOIN orgs o ON o.id = s.org_id WHERE s.id = ?1",
        [id],
        |r| r.get(0),
    )?)
}

fn actor_path(actor: &Actor) -> String {
    match actor {
        Actor::Operator => "/".to_owned(),
        Actor::Staff { org_path, .. } => org_path.clone(),
    }
}

/// Who the actor may assign case `id` to: the orgs from the actor's own down to the case's, and
/// the enabled case handlers of those orgs.
pub async fn candidates(state: &AppState, actor: Actor, id: String) -> AppResult<Vec<Candidate>> {
    state
        .db
        .read(move |tx| {
            let case = detail(tx, &actor, &id)?;
            let case_path = case_path(tx, &case.summary.id)?;
            let mine = actor_path(&actor);
            let mut out = Vec::new();
            let orgs: Vec<(i64, String)> = tx
                .prepare(
                    "SELECT id, name FROM orgs
                     WHERE substr(?1, 1, length(path)) = path AND substr(path, 1, length(?2)) = ?2
                     ORDER BY length(path)",
                )?
                .query_map(params![case_path, mine], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            for (org, org_name) in &orgs {
                out.extend(handlers_of(tx, *org, org_name)?);
                out.push(Candidate {
                    staff_id: None,
                    org_id: OrgId(*org),
                    name: org_name.clone(),
                });
            }
            Ok(out)
        })
        .await
}

/// Checks the assignee and writes the assignment, inside the caller's write transaction.
pub(super) fn assign_in(
    tx: &Tx<'_>,
    actor: &Actor,
    id: &str,
    to: &Assign,
    now: i64,
) -> AppResult<()> {
    let case = detail(tx, actor, id)?;
    let case_path = case_path(tx, &case.summary.id)?;
    let mine = actor_path(actor);
    let (staff, org) = match (to.staff_id, to.org_id) {
        (Some(staff), None) => {
            let found: Option<(i64, String, String)> = tx
                .query_row(
                    "SELECT s.org_id, o.path, s.roles FROM staff s JOIN orgs o ON o.id = s.org_id
                     WHERE s.id = ?1 AND s.disabled_at IS NULL",
                    [staff],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((org, path, roles)) = found else {
                return Err(refused("没有这位工作人员，或其账号已停用"));
            };
            if !path.starts_with(&mine) || !case_path.starts_with(&path) {
                return Err(refused(
                    "只能分派给本单位及下级单位中能看到这件事项的工作人员",
                ));
            }
            if !Roles::from_column(&roles).has(Role::CaseHandler) {
                return Err(refused("这位工作人员没有“办理人”角色"));
            }
            (Some(staff), org)
        }
        (None, Some(org)) => {
            let path: Option<String> = tx
                .query_row("SELECT path FROM orgs WHERE id = ?1", [org.0], |r| r.get(0))
                .optional()?;
            match path {
                Some(path) if path.starts_with(&mine) && case_path.starts_with(&path) => {}
                _ => {
                    return Err(refused("只能分派给本单位或事项所在单位之上的下级单位"));
                }
            }
            (None, org.0)
        }
        _ => return Err(refused("请选择一位工作人员或一个单位")),
    };
    tx.execute(
        "UPDATE submissions SET assigned_staff_id = ?2, assigned_org_id = ?3 WHERE id = ?1",
        params![case.summary.id, staff, staff.is_none().then_some(org)],
    )?;
    tx.execute(
        "INSERT INTO case_events (submission_id, at, kind, staff_id, to_staff_id, to_org_id)
         VALUES (?1, ?2, 'assigned', ?3, ?4, ?5)",
        params![case.summary.id, now, actor.staff_id(), staff, org],
    )?;
    audit::record(
        tx,
        actor,
        AuditAction::Assign,
        std::slice::from_ref(&case.summary.id),
        now,
    )
}

/// Assigns case `id` (an id or a receipt code).
pub async fn assign(
    state: &AppState,
    actor: Actor,
    id: String,
    to: Assign,
) -> AppResult<SubmissionDetail> {
    state
        .db
        .write(move |tx| {
            assign_in(tx, &actor, &id, &to, now_ms())?;
            detail(tx, &actor, &id)
        })
        .await
}

/// A case's assignments and escalations, oldest first.
pub(super) fn events(tx: &Tx<'_>, id: &str) -> AppResult<Vec<CaseEvent>> {
    let rows = tx
        .prepare(
            "SELECT e.at, e.kind, COALESCE(st.display_name, '系统'),
                    COALESCE(ts.display_name, o.name, ''), COALESCE(e.level, 0)
             FROM case_events e
             LEFT JOIN staff st ON st.id = e.staff_id
             LEFT JOIN staff ts ON ts.id = e.to_staff_id
             LEFT JOIN orgs o ON o.id = e.to_org_id
             WHERE e.submission_id = ?1 ORDER BY e.id",
        )?
        .query_map([id], |r| {
            let kind: String = r.get(1)?;
            Ok(CaseEvent {
                at: to_ts(r.get(0)?),
                kind: if kind == "escalated" {
                    CaseEventKind::Escalated
                } else {
                    CaseEventKind::Assigned
                },
                by: r.get(2)?,
                to: r.get(3)?,
                level: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Everyone the actor may assign cases to, whichever case: the orgs of their subtree and the
/// enabled case handlers in them (for bulk assignment; each case is still checked on its own).
pub async fn in_scope(state: &AppState, actor: Actor) -> AppResult<Vec<Candidate>> {
    state
        .db
        .read(move |tx| {
            let mine = actor_path(&actor);
            let orgs: Vec<(i64, String)> = tx
                .prepare(
                    "SELECT id, name FROM orgs WHERE substr(path, 1, length(?1)) = ?1
                     ORDER BY path",
                )?
                .query_map([&mine], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            let mut out = Vec::new();
            for (org, org_name) in &orgs {
                out.extend(handlers_of(tx, *org, org_name)?);
                out.push(Candidate {
                    staff_id: None,
                    org_id: OrgId(*org),
                    name: org_name.clone(),
                });
            }
            Ok(out)
        })
        .await
}

/// The enabled case handlers of one org.
fn handlers_of(tx: &Tx<'_>, org: i64, org_name: &str) -> AppResult<Vec<Candidate>> {
    let people: Vec<(i64, String, String)> = tx
        .prepare(
            "SELECT id, display_name, roles FROM staff
             WHERE org_id = ?1 AND disabled_at IS NULL ORDER BY display_name, id",
        )?
        .query_map([org], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    Ok(people
        .into_iter()
        .filter(|(_, _, roles)| Roles::from_column(roles).has(Role::CaseHandler))
        .map(|(staff, name, _)| Candidate {
            staff_id: Some(staff),
            org_id: OrgId(org),
            name: format!("{name}（{org_name}）"),
        })
        .collect())
}
