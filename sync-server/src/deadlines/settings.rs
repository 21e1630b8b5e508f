//! What staff set: a form's response deadline (publishers, for forms of their subtree) and an
//! org's own closing days (administrators, for orgs of their subtree). A form or org outside the
//! caller's subtree answers as an unknown one.

use crate::store::{OptionalExtension, Tx, params};
use jiff::civil::Date;
use protocol::ErrorCode;

use super::{Allowance, MAX_AMOUNT, allowance_of};
use crate::db::now_ms;
use crate::error::{AppError, AppResult};
use crate::orgs::Actor;
use crate::state::AppState;

/// A form's deadline as its page shows it: the allowance, and whether it is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormDeadline {
    pub allowance: Allowance,
    pub is_default: bool,
}

/// Checks that `form_id` is a form in the actor's subtree.
fn form_in_scope(tx: &Tx<'_>, actor: &Actor, form_id: &str) -> AppResult<()> {
    let (cond, path) = actor.subtree_filter("c.org_id");
    let found: Option<i64> = tx
        .query_row(
            &format!("SELECT 1 FROM content c WHERE c.id = ?2 AND c.kind = 'form' AND {cond}"),
            params![path, form_id],
            |r| r.get(0),
        )
        .optional()?;
    found
        .map(|_| ())
        .ok_or_else(|| AppError::not_found(&format!("表单 {form_id}")))
}

pub async fn form_deadline(
    state: &AppState,
    actor: Actor,
    form_id: String,
) -> AppResult<FormDeadline> {
    state
        .db
        .read(move |tx| {
            form_in_scope(tx, &actor, &form_id)?;
            let set: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM form_deadlines WHERE form_id = ?1",
                    [&form_id],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(FormDeadline {
                allowance: allowance_of(tx, &form_id)?,
                is_default: set.is_none(),
            })
        })
        .await
}

/// Sets a form's deadline; cases already received keep the due time they were given.
pub async fn set_form_deadline(
    state: &AppState,
    actor: Actor,
    form_id: String,
    unit: String,
    amount: u32,
) -> AppResult<Allowance> {
    let allowance = Allowance::of(&unit, amount).ok_or_else(|| {
        AppError::bad_request(
            ErrorCode::InvalidDeadline,
            format!("答复时限须为 1 到 {MAX_AMOUNT} 小时或个工作日"),
        )
    })?;
    state
        .db
        .write(move |tx| {
            form_in_scope(tx, &actor, &form_id)?;
            tx.execute(
                "INSERT INTO form_deadlines (form_id, unit, amount, set_by, set_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (form_id) DO UPDATE SET unit = ?2, amount = ?3, set_by = ?4,
                     set_at = ?5",
                params![
                    form_id,
                    allowance.unit(),
                    allowance.amount(),
                    actor.staff_id(),
                    now_ms()
                ],
            )?;
            Ok(allowance)
        })
        .await
}

/// One of an org's closing days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosingDay {
    pub org_id: i64,
    pub org_name: String,
    pub day: Date,
    pub note: String,
}

/// The closing days of the orgs in the actor's subtree and above it (those above count for it
/// too), from today on.
pub async fn closing_days(
    state: &AppState,
    actor: Actor,
    from: Date,
) -> AppResult<Vec<ClosingDay>> {
    let path = match &actor {
        Actor::Operator => "/".to_owned(),
        Actor::Staff { org_path, .. } => org_path.clone(),
    };
    state
        .db
        .read(move |tx| {
            let rows = tx
                .prepare(
                    "SELECT c.org_id, o.name, c.day, c.note FROM closing_days c
                     JOIN orgs o ON o.id = c.org_id
                     WHERE (substr(o.path, 1, length(?1)) = ?1 OR substr(?1, 1, length(o.path)) = o.path)
                       AND c.day >= ?2
                     ORDER BY c.day, o.path",
                )?
                .query_map(params![path, from.to_string()], |r| {
                    let day: String = r.get(2)?;
                    Ok((r.get(0)?, r.get(1)?, day, r.get(3)?))
                })?
                .filter_map(|row| {
                    let (org_id, org_name, day, note): (i64, String, String, String) = row.ok()?;
                    Some(ClosingDay {
                        org_id,
                        org_name,
                        day: day.parse().ok()?,
                        note,
                    })
                })
                .collect();
            Ok(rows)
        })
        .await
}

/// The longest note on a closing day.
pub const NOTE_MAX: usize = 100;

/// Adds (or, with `remove`, takes away) a closing day of `org`, an org in the actor's subtree.
/// Cases already received keep their due times.
pub async fn set_closing_day(
    state: &AppState,
    actor: Actor,
    org: protocol::OrgId,
    day: Date,
    note: String,
    remove: bool,
) -> AppResult<()> {
    let note = note.trim().to_owned();
    if note.chars().count() > NOTE_MAX {
        return Err(AppError::bad_request(
            ErrorCode::InvalidDeadline,
            format!("说明最多 {NOTE_MAX} 个字"),
        ));
    }
    state
        .db
        .write(move |tx| {
            actor.check_org(tx, org)?;
            if remove {
                tx.execute(
                    "DELETE FROM closing_days WHERE org_id = ?1 AND day = ?2",
                    params![org.0, day.to_string()],
                )?;
            } else {
                tx.execute(
                    "INSERT INTO closing_days (org_id, day, note, added_by) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (org_id, day) DO UPDATE SET note = ?3, added_by = ?4",
                    params![org.0, day.to_string(), note, actor.staff_id()],
                )?;
            }
            Ok(())
        })
        .await
}
