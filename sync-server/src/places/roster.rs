//! Staff work on an offering's bookings: each session's people with their status, moving a
//! person to another session, closing a session early, ticking who came. Every route is scoped:
//! an offering outside the staff member's org subtree reads as unknown. Reading the people is a
//! read of employees' answers, so it is written to the audit log first.

use super::{Current, current, release, write_places};
use crate::db::{now_ms, to_ts};
use crate::error::{AppError, AppResult};
use crate::orgs::Actor;
use crate::state::AppState;
use crate::store::{OptionalExtension, Tx, params};
use crate::workflow::audit;
use protocol::places::{Booked, BookingRequest, BookingStatus, Refusal, Roster};
use protocol::staff::AuditAction;
use protocol::{ContentId, ErrorCode, OrgId};
use std::collections::BTreeMap;

/// The offering `id` if the actor may act on it; unknown (404) otherwise.
fn own(tx: &Tx<'_>, actor: &Actor, id: &str) -> AppResult<Current> {
    let unknown = || AppError::not_found(&format!("预约项目 {id}"));
    let now = current(tx, id)?.ok_or_else(unknown)?;
    match actor.check_org(tx, now.org) {
        Ok(()) => Ok(now),
        Err(e) if e.code == ErrorCode::OutsideYourOrg => Err(unknown()),
        Err(e) => Err(e),
    }
}

/// The offering a booking belongs to, if the actor may act on it.
fn own_booking(tx: &Tx<'_>, actor: &Actor, booking: i64) -> AppResult<(String, Current)> {
    let unknown = || AppError::not_found(&format!("预约 {booking}"));
    let offering: String = tx
        .prepare_cached("SELECT offering_id FROM bookings WHERE id = ?1")?
        .query_row([booking], |r| r.get(0))
        .optional()?
        .ok_or_else(unknown)?;
    match own(tx, actor, &offering) {
        Ok(now) => Ok((offering, now)),
        Err(e) if e.code == ErrorCode::NotFound => Err(unknown()),
        Err(e) => Err(e),
    }
}

/// One booking as the roster reads it.
struct Row {
    booking: i64,
    key: String,
    receipt: String,
    answers: String,
    status: String,
    refusal: Option<String>,
    attended: bool,
    submission: String,
    at: i64,
}

/// Every session of the offering (and every slot with bookings) with its people in arrival
/// order. The read is logged (as `logged_as`: a view, or an export for a sign-in sheet) before
/// the names are handed out.
pub async fn roster(
    state: &AppState,
    actor: Actor,
    id: ContentId,
    logged_as: AuditAction,
) -> AppResult<Vec<Roster>> {
    let reader = actor.clone();
    let (rosters, seen) = state
        .db
        .read(move |tx| {
            let now = own(tx, &reader, &id.0)?;
            let mut by_key: BTreeMap<String, Roster> = BTreeMap::new();
            for slot in now
                .offering
                .slots(jiff::civil::Date::constant(2000, 1, 1), 0)
            {
                by_key.insert(
                    slot.key.clone(),
                    Roster {
                        key: slot.key,
                        starts_at: Some(slot.starts_at),
                        capacity: slot.capacity,
                        closed: false,
                        people: Vec::new(),
                    },
                );
            }
            let rows: Vec<Row> = tx
                .prepare(
                    "SELECT b.id, b.session_key, s.receipt, s.answers, b.status, b.refusal,
                            b.attended, s.id, b.created_at
                     FROM bookings b JOIN submissions s ON s.id = b.submission_id
                     WHERE b.offering_id = ?1 ORDER BY b.id",
                )?
                .query_map([&id.0], |r| {
                    Ok(Row {
                        booking: r.get(0)?,
                        key: r.get(1)?,
                        receipt: r.get(2)?,
                        answers: r.get(3)?,
                        status: r.get(4)?,
                        refusal: r.get(5)?,
                        attended: r.get(6)?,
                        submission: r.get(7)?,
                        at: r.get(8)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
            let shut: Vec<String> = tx
                .prepare("SELECT session_key FROM closed_sessions WHERE offering_id = ?1")?
                .query_map([&id.0], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let mut seen = Vec::with_capacity(rows.len());
            for Row {
                booking,
                key,
                receipt,
                answers,
                status,
                refusal,
                attended,
                submission,
                at,
            } in rows
            {
                let roster = by_key.entry(key.clone()).or_insert_with(|| {
                    let slot = now.offering.slot(&key);
                    Roster {
                        starts_at: slot.as_ref().map(|s| s.starts_at),
                        capacity: slot.map_or(0, |s| s.capacity),
                        key,
                        closed: false,
                        people: Vec::new(),
                    }
                });
                let status = BookingStatus::parse(&status)
                    .ok_or_else(|| AppError::internal("bookings", "an unknown status"))?;
                let position = (status == BookingStatus::Waitlisted).then(|| {
                    1 + roster
                        .people
                        .iter()
                        .filter(|p| p.status == BookingStatus::Waitlisted)
                        .count() as u32
                });
                // Answers erased by retention read as blank.
                let req = serde_json::from_str(&answers)
                    .ok()
                    .and_then(|a| BookingRequest::from_answers(&a).ok());
                roster.people.push(Booked {
                    booking_id: booking,
                    receipt,
                    name: req.as_ref().map(|r| r.name.clone()).unwrap_or_default(),
                    phone: req.as_ref().map(|r| r.phone.clone()).unwrap_or_default(),
                    member: req.is_some_and(|r| r.member),
                    status,
                    position,
                    refusal: refusal.as_deref().and_then(Refusal::parse),
                    attended,
                    requested_at: to_ts(at),
                });
                seen.push(submission);
            }
            for key in shut {
                if let Some(r) = by_key.get_mut(&key) {
                    r.closed = true;
                }
            }
            let mut rosters: Vec<Roster> = by_key.into_values().collect();
            if now.offering.members_first {
                rosters.iter_mut().for_each(members_first);
            }
            rosters.sort_by(|a, b| a.starts_at.cmp(&b.starts_at).then(a.key.cmp(&b.key)));
            Ok((rosters, seen))
        })
        .await?;
    if !seen.is_empty() {
        audit::record_read(state, actor, logged_as, seen).await?;
    }
    Ok(rosters)
}

/// Members first: the waiting list's positions count every member waiting before any
/// non-member, each in arrival order (what `promote` follows).
fn members_first(r: &mut Roster) {
    let mut waiting: Vec<&mut Booked> = r
        .people
        .iter_mut()
        .filter(|p| p.status == BookingStatus::Waitlisted)
        .collect();
    // A stable sort keeps arrival order within members and within non-members.
    waiting.sort_by_key(|p| !p.member);
    for (n, p) in waiting.into_iter().enumerate() {
        p.position = Some(n as u32 + 1);
    }
}

/// Runs a staff change to bookings and tells the kiosks in scope the new figures.
async fn change<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&Tx<'_>, i64) -> AppResult<(T, Option<(String, OrgId)>)> + Send + 'static,
) -> AppResult<T> {
    let (out, touched, head) = state
        .db
        .write(move |tx| {
            let at = now_ms();
            let (out, offering) = f(tx, at)?;
            let mut touched = Vec::new();
            if let Some((offering, _)) = offering
                && let Some(now) = current(tx, &offering)?
            {
                touched = write_places(tx, &offering, &now, at)?;
            }
            Ok((out, touched, crate::content::feed_head(tx)?))
        })
        .await?;
    super::announce(state, &touched, head);
    Ok(out)
}

/// Closes a session early: no more requests are taken (those already placed or waiting keep
/// their place).
pub async fn close(
    state: &AppState,
    actor: Actor,
    id: ContentId,
    session: String,
) -> AppResult<()> {
    change(state, move |tx, at| {
        let now = own(tx, &actor, &id.0)?;
        if now.offering.slot(&session).is_none() {
            return Err(AppError::not_found(&format!("场次 {session}")));
        }
        tx.execute(
            "INSERT INTO closed_sessions (offering_id, session_key, closed_at, closed_by)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (offering_id, session_key) DO NOTHING",
            params![id.0, session, at, actor.staff_id()],
        )?;
        Ok(((), Some((id.0, now.org))))
    })
    .await
}

/// Ticks (or unticks) that a person came.
pub async fn attended(state: &AppState, actor: Actor, booking: i64, came: bool) -> AppResult<()> {
    change(state, move |tx, at| {
        own_booking(tx, &actor, booking)?;
        let n = tx.execute(
            "UPDATE bookings SET attended = ?2, updated_at = ?3
             WHERE id = ?1 AND status = 'confirmed'",
            params![booking, came, at],
        )?;
        if n == 0 {
            return Err(AppError::conflict(
                ErrorCode::InvalidTransition,
                "只有已约上的人才能登记到场",
            ));
        }
        Ok(((), None))
    })
    .await
}

/// Moves a person with a place or in line to another session of the same offering: a place
/// there if it has room, otherwise in its line (in their original arrival order) when the
/// offering keeps one. Their old place passes to the first in line there.
pub async fn move_to(
    state: &AppState,
    actor: Actor,
    booking: i64,
    session: String,
) -> AppResult<BookingStatus> {
    change(state, move |tx, at| {
        let (offering, now) = own_booking(tx, &actor, booking)?;
        let Some(slot) = now.offering.slot(&session) else {
            return Err(AppError::not_found(&format!("场次 {session}")));
        };
        let (from, status): (String, String) = tx.query_row(
            "SELECT session_key, status FROM bookings WHERE id = ?1",
            [booking],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let cannot = |m: &str| AppError::conflict(ErrorCode::InvalidTransition, m);
        if from == session {
            return Err(cannot("已经在这一场了"));
        }
        if !matches!(
            BookingStatus::parse(&status),
            Some(BookingStatus::Confirmed | BookingStatus::Waitlisted)
        ) {
            return Err(cannot("只能调整已约上或候补中的人"));
        }
        let room = super::confirmed_in(tx, &offering, &session)? < slot.capacity;
        let to = if room {
            BookingStatus::Confirmed
        } else if now.offering.waitlist {
            BookingStatus::Waitlisted
        } else {
            return Err(cannot("这一场已满"));
        };
        // Leave the old session first (passing on the place), then take the new one.
        release(tx, booking, BookingStatus::Cancelled, at)?;
        tx.execute(
            "UPDATE bookings SET session_key = ?2, status = ?3, updated_at = ?4 WHERE id = ?1",
            params![booking, session, to.as_str(), at],
        )?;
        Ok((to, Some((offering, now.org))))
    })
    .await
}
