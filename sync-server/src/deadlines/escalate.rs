//! Escalation: an open case whose deadline has passed goes one org up — the org above the one
//! answering for it (the org it was escalated to last, else the org it is assigned to, else
//! its assignee's org, else the org of the kiosk it came from). That org's case handlers see it
//! marked 已升级 first in their inbox and in their digest. If it is still open when the same
//! allowance has passed again, it goes one more level up, and so on to the top org.
//!
//! Idempotent: a run escalates a case only while its `next_escalation_at` has passed, and each
//! escalation moves that time on by one allowance, so running twice at the same `now` changes
//! nothing the second time, and a case is escalated once per level per deadline passed. Each
//! escalation is a case event and an audit entry, in the same transaction. `now` is a parameter
//! so that a test can stand in the future (there is no clock to move in the server).

use crate::store::{OptionalExtension, Tx, params};
use protocol::staff::AuditAction;

use super::{OPEN, allowance_of, closing_days, fill_in};
use crate::error::AppResult;
use crate::orgs::Actor;
use crate::state::AppState;
use crate::workflow::audit;

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    /// Escalations made (a case moved two levels counts twice).
    pub escalated: usize,
    /// Old cases given a due time.
    pub filled_in: usize,
}

struct Overdue {
    id: String,
    form_id: String,
    next: i64,
    /// The org answering for it now.
    answering: i64,
    level: i64,
}

fn overdue(tx: &Tx<'_>, now: i64) -> AppResult<Vec<Overdue>> {
    let rows = tx
        .prepare(
            "SELECT s.id, s.form_id, s.next_escalation_at,
                    COALESCE(s.escalated_org_id, s.assigned_org_id, st.org_id, s.org_id),
                    s.escalation_level
             FROM submissions s LEFT JOIN staff st ON st.id = s.assigned_staff_id
             WHERE s.next_escalation_at IS NOT NULL AND s.next_escalation_at <= ?1
               AND s.status IN (?2, ?3)
             ORDER BY s.next_escalation_at",
        )?
        .query_map(params![now, OPEN[0], OPEN[1]], |r| {
            Ok(Overdue {
                id: r.get(0)?,
                form_id: r.get(1)?,
                next: r.get(2)?,
                answering: r.get(3)?,
                level: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Escalates one case as many levels as deadlines have passed by `now`.
fn escalate_one(
    tx: &Tx<'_>,
    calendar: &super::Calendar,
    case: Overdue,
    now: i64,
) -> AppResult<usize> {
    let allowance = allowance_of(tx, &case.form_id)?;
    let (mut next, mut org, mut level, mut made) = (case.next, case.answering, case.level, 0);
    while next <= now {
        let parent: Option<(i64, String)> = tx
            .query_row(
                "SELECT p.id, p.path FROM orgs o JOIN orgs p ON p.id = o.parent_id
                 WHERE o.id = ?1",
                [org],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((parent, parent_path)) = parent else {
            // The top org answers for it: nowhere further to go.
            tx.execute(
                "UPDATE submissions SET next_escalation_at = NULL WHERE id = ?1",
                [&case.id],
            )?;
            return Ok(made);
        };
        level += 1;
        org = parent;
        next = allowance.due(calendar, next, &closing_days(tx, &parent_path)?);
        tx.execute(
            "UPDATE submissions SET escalated_org_id = ?2, escalation_level = ?3,
                 next_escalation_at = ?4 WHERE id = ?1",
            params![case.id, org, level, next],
        )?;
        tx.execute(
            "INSERT INTO case_events (submission_id, at, kind, to_org_id, level)
             VALUES (?1, ?2, 'escalated', ?3, ?4)",
            params![case.id, now, org, level],
        )?;
        audit::record(
            tx,
            &Actor::Operator,
            AuditAction::Escalate,
            std::slice::from_ref(&case.id),
            now,
        )?;
        made += 1;
    }
    Ok(made)
}

/// Fills in old cases' due times, then escalates every open case overdue at `now` (ms).
pub async fn run(state: &AppState, now: i64) -> AppResult<Report> {
    let calendar = state.calendar.clone();
    state
        .db
        .write(move |tx| {
            let filled_in = fill_in(tx, &calendar)?;
            let mut escalated = 0;
            for case in overdue(tx, now)? {
                escalated += escalate_one(tx, &calendar, case, now)?;
            }
            Ok(Report {
                escalated,
                filled_in,
            })
        })
        .await
}
