//! Limited places: allocating booking requests, atomically, in the order they reach the server.
//!
//! A booking request is a submission whose form is an offering (see `protocol::places`). It is
//! stored and allocated in the one write transaction that stores the submission
//! ([`book`], called from `submissions::store`): the server has a single writer, so requests are
//! allocated strictly one after another, and a booking's row id is its arrival order. A request
//! gets a place, a place in the waiting list, or a refusal with its reason; a cancellation
//! ([`cancel`], from the status check) passes its place to the first in line. After every change
//! the offering's `places_left` item is rewritten in the feed, in the same transaction, so kiosks
//! in scope learn what is left on their next pull.

pub mod api;
pub(crate) mod edits;
pub mod roster;

use crate::db::{now_ms, to_ms, to_ts};
use crate::error::{AppError, AppResult};
use crate::feed;
use crate::kiosks::Kiosk;
use crate::state::AppState;
use crate::store::{OptionalExtension, Tx, params};
use axum::http::StatusCode;
use jiff::Timestamp;
use protocol::places::{
    BookingOutcome, BookingRequest, BookingStatus, Offering, PlacesLeft, Refusal, SessionPlaces,
};
use protocol::submission::{FormAnswers, SubmissionUpload};
use protocol::workflow::{StatusAnswer, StatusQuery};
use protocol::{ContentBody, ContentId, ContentItem, ContentKind, ErrorCode, OrgId};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The offering as it stands now: its org, whether kiosks show it, and its body.
pub(crate) struct Current {
    pub org: OrgId,
    pub live: bool,
    pub offering: Offering,
}

pub(crate) fn current(tx: &Tx<'_>, id: &str) -> AppResult<Option<Current>> {
    let row: Option<(i64, bool, String)> = tx
        .prepare_cached("SELECT org_id, live, body FROM content WHERE id = ?1 AND kind = ?2")?
        .query_row(params![id, ContentKind::Offering.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((org, live, body)) = row else {
        return Ok(None);
    };
    match serde_json::from_str(&body)? {
        ContentBody::Offering(offering) => Ok(Some(Current {
            org: OrgId(org),
            live,
            offering,
        })),
        _ => Err(AppError::internal(
            "content",
            "an offering row holds another kind",
        )),
    }
}

/// The title of an offering's stored version body (`form_versions.body`), for the inbox: a
/// booking's "form" is its offering. `None` for another kind.
pub(crate) fn offering_title(body: &str) -> Option<String> {
    match serde_json::from_str(body).ok()? {
        ContentBody::Offering(o) => Some(format!("{}（预约）", o.title)),
        _ => None,
    }
}

/// Who a request is for, as far as the per-person limit goes, without keeping the phone number.
fn person(offering: &str, phone: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(offering.as_bytes());
    h.update([0]);
    h.update(phone.as_bytes());
    h.finalize().to_vec()
}

fn count(tx: &Tx<'_>, sql: &str, p: impl crate::store::Params) -> AppResult<u32> {
    Ok(tx.prepare_cached(sql)?.query_row(p, |r| r.get(0))?)
}

fn confirmed_in(tx: &Tx<'_>, offering: &str, session: &str) -> AppResult<u32> {
    count(
        tx,
        "SELECT count(*) FROM bookings
         WHERE offering_id = ?1 AND session_key = ?2 AND status = 'confirmed'",
        params![offering, session],
    )
}

fn closed(tx: &Tx<'_>, offering: &str, session: &str) -> AppResult<bool> {
    Ok(tx
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM closed_sessions WHERE offering_id = ?1 AND session_key = ?2)",
        )?
        .query_row(params![offering, session], |r| r.get(0))?)
}

/// Decides one request against the offering as it stands and the bookings before it.
fn decide(
    tx: &Tx<'_>,
    offering_id: &str,
    now: Option<&Current>,
    req: &BookingRequest,
    who: &[u8],
    asked_at: Timestamp,
) -> AppResult<Result<BookingStatus, Refusal>> {
    let Some(Current { offering, .. }) = now.filter(|c| c.live) else {
        return Ok(Err(Refusal::Withdrawn));
    };
    let Some(slot) = offering.slot(&req.session) else {
        return Ok(Err(Refusal::NoSuchSession));
    };
    if closed(tx, offering_id, &slot.key)? {
        return Ok(Err(Refusal::SessionClosed));
    }
    if !offering.window_open(&slot, asked_at) {
        return Ok(Err(Refusal::WindowClosed));
    }
    if offering.eligibility == protocol::places::Eligibility::MembersOnly && !req.member {
        return Ok(Err(Refusal::MembersOnly));
    }
    let (held, here) = tx
        .prepare_cached(
            "SELECT count(*), count(*) FILTER (WHERE session_key = ?3) FROM bookings
             WHERE offering_id = ?1 AND person = ?2 AND status IN ('confirmed', 'waitlisted')",
        )?
        .query_row(params![offering_id, who, slot.key], |r| {
            Ok((r.get::<_, u32>(0)?, r.get::<_, u32>(1)?))
        })?;
    if held >= offering.per_person || here > 0 {
        return Ok(Err(Refusal::OverLimit));
    }
    if confirmed_in(tx, offering_id, &slot.key)? < slot.capacity {
        Ok(Ok(BookingStatus::Confirmed))
    } else if offering.waitlist {
        Ok(Ok(BookingStatus::Waitlisted))
    } else {
        Ok(Err(Refusal::SlotTaken))
    }
}

fn invalid_request(message: &str) -> AppError {
    AppError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidAnswers,
        format!("预约申请未通过检查：{message}"),
    )
}

/// Stores a booking request as a submission and allocates it, inside the caller's write
/// transaction (`submissions::store`, which has already recognised resends). Returns the orgs
/// whose kiosks must hear of the new figures.
pub(crate) fn book(
    tx: &Tx<'_>,
    kiosk: &Kiosk,
    upload: &SubmissionUpload,
    receipt: &str,
    fingerprint: &[u8],
    answers: &FormAnswers,
) -> AppResult<Vec<OrgId>> {
    let req = BookingRequest::from_answers(&answers.answers)
        .map_err(|e| invalid_request(e.message_zh()))?;
    let received = Timestamp::now();
    // Judged as of when the employee asked (a late delivery from an offline queue keeps its
    // window), never later than now: a kiosk clock running ahead gains nothing.
    let asked_at = upload.submitted_at.min(received);
    let offering_id = upload.form_id.0.as_str();
    tx.prepare_cached(
        "INSERT INTO submissions (id, receipt, kiosk_id, org_id, form_id, form_version,
             upload_sha256, answers, phone_last4, submitted_at, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        upload.id,
        receipt,
        kiosk.id.0,
        kiosk.org.0,
        offering_id,
        upload.form_version,
        fingerprint,
        serde_json::to_string(&req.to_answers().answers)?,
        &req.phone[req.phone.len() - 4..],
        to_ms(asked_at),
        to_ms(received)
    ])?;
    let now = current(tx, offering_id)?;
    let who = person(offering_id, &req.phone);
    let decided = decide(tx, offering_id, now.as_ref(), &req, &who, asked_at)?;
    let (status, refusal) = match decided {
        Ok(status) => (status, None),
        Err(refusal) => (BookingStatus::Refused, Some(refusal)),
    };
    let at = to_ms(received);
    tx.prepare_cached(
        "INSERT INTO bookings (submission_id, offering_id, session_key, person, member, status,
             refusal, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
    )?
    .execute(params![
        upload.id,
        offering_id,
        req.session,
        who,
        req.member,
        status.as_str(),
        refusal.map(Refusal::as_str),
        at
    ])?;
    match (now, status) {
        (Some(now), BookingStatus::Confirmed | BookingStatus::Waitlisted) => {
            write_places(tx, offering_id, &now, at)
        }
        _ => Ok(Vec::new()),
    }
}

/// Rewrites the offering's `places_left` item in the feed at its org (and tombstones it where
/// the offering was published before, or everywhere when it is not shown). Returns the orgs
/// touched.
pub(crate) fn write_places(
    tx: &Tx<'_>,
    offering_id: &str,
    now: &Current,
    at: i64,
) -> AppResult<Vec<OrgId>> {
    let id = PlacesLeft::id_for(&ContentId(offering_id.to_owned()));
    let mut sessions: BTreeMap<String, SessionPlaces> = BTreeMap::new();
    let counts: Vec<(String, u32, u32)> = tx
        .prepare_cached(
            "SELECT session_key, count(*) FILTER (WHERE status = 'confirmed'),
                    count(*) FILTER (WHERE status = 'waitlisted')
             FROM bookings WHERE offering_id = ?1 GROUP BY session_key",
        )?
        .query_map([offering_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let shut: Vec<String> = tx
        .prepare_cached("SELECT session_key FROM closed_sessions WHERE offering_id = ?1")?
        .query_map([offering_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for (key, taken, waiting) in counts {
        if let Some(slot) = now.offering.slot(&key) {
            sessions.insert(
                key,
                SessionPlaces {
                    capacity: slot.capacity,
                    taken,
                    waiting,
                    closed: false,
                },
            );
        }
    }
    for key in shut {
        if let Some(slot) = now.offering.slot(&key) {
            sessions
                .entry(key)
                .or_insert(SessionPlaces {
                    capacity: slot.capacity,
                    taken: 0,
                    waiting: 0,
                    closed: true,
                })
                .closed = true;
        }
    }
    let item = ContentItem {
        id: id.clone(),
        org_id: now.org,
        version: 1,
        updated_at: to_ts(at),
        publish_at: None,
        expire_at: None,
        body: ContentBody::PlacesLeft(PlacesLeft {
            offering: ContentId(offering_id.to_owned()),
            as_of: to_ts(at),
            sessions,
        }),
    };
    let kind = ContentKind::PlacesLeft;
    // Kiosks elsewhere (the offering moved) drop it, and so do its own org's when it is no
    // longer shown (unpublished, expired).
    let elsewhere: Vec<i64> = tx
        .prepare_cached(
            "SELECT org_id FROM feed WHERE content_id = ?1 AND item IS NOT NULL
                 AND (org_id != ?2 OR NOT ?3)",
        )?
        .query_map(params![id.0, now.org.0, now.live], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut touched = vec![now.org];
    for org in elsewhere {
        feed::put(tx, &id, OrgId(org), kind, None)?;
        touched.push(OrgId(org));
    }
    if now.live {
        feed::put(tx, &id, now.org, kind, Some(&serde_json::to_string(&item)?))?;
    }
    Ok(touched)
}

/// Tells the kiosks at `orgs` that the feed moved, after the commit.
pub(crate) fn announce(state: &AppState, orgs: &[OrgId], head: u64) {
    if !orgs.is_empty() {
        state.hub.content_changed(orgs, head);
    }
}

/// Where the booking of submission `submission` stands; `None` when it is not a booking.
/// `version_body`: the offering as the request was made against it, for its title and the
/// session's time when the offering has since changed or gone.
pub(crate) fn outcome(
    tx: &Tx<'_>,
    submission: &str,
    version_body: Option<&str>,
) -> AppResult<Option<BookingOutcome>> {
    let row: Option<(i64, String, String, String, Option<String>, bool)> = tx
        .prepare_cached(
            "SELECT id, offering_id, session_key, status, refusal, member FROM bookings
             WHERE submission_id = ?1",
        )?
        .query_row([submission], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .optional()?;
    let Some((id, offering_id, session, status, refusal, member)) = row else {
        return Ok(None);
    };
    let status = BookingStatus::parse(&status)
        .ok_or_else(|| AppError::internal("bookings", "an unknown status"))?;
    let asked: Option<Offering> = version_body
        .and_then(|b| serde_json::from_str::<ContentBody>(b).ok())
        .and_then(|b| match b {
            ContentBody::Offering(o) => Some(o),
            _ => None,
        });
    let now = current(tx, &offering_id)?.map(|c| c.offering);
    let shown = now.as_ref().or(asked.as_ref());
    let slot = shown.and_then(|o| o.slot(&session));
    let position = if status == BookingStatus::Waitlisted {
        // Members first: every member waiting is ahead of a non-member.
        let members_first = now.as_ref().is_some_and(|o| o.members_first);
        Some(count(
            tx,
            "SELECT count(*) FROM bookings WHERE offering_id = ?1 AND session_key = ?2
                 AND status = 'waitlisted'
                 AND (CASE WHEN ?4 THEN member > ?5 OR (member = ?5 AND id <= ?3)
                      ELSE id <= ?3 END)",
            params![offering_id, session, id, members_first, member],
        )?)
    } else {
        None
    };
    Ok(Some(BookingOutcome {
        offering_title: shown.map(|o| o.title.clone()).unwrap_or_default(),
        session,
        starts_at: slot.as_ref().map(|s| s.starts_at),
        place: slot.map(|s| s.place).unwrap_or_default(),
        status,
        position,
        refusal: refusal.as_deref().and_then(Refusal::parse),
    }))
}

/// Ends a booking (cancelled by the employee, or moved by staff) and passes a confirmed place to
/// the first in line while the session has room. Returns the promoted booking's id, if any.
pub(crate) fn release(
    tx: &Tx<'_>,
    booking: i64,
    to: BookingStatus,
    at: i64,
) -> AppResult<Option<i64>> {
    let (offering_id, session, was): (String, String, String) = tx
        .prepare_cached("SELECT offering_id, session_key, status FROM bookings WHERE id = ?1")?
        .query_row([booking], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    tx.prepare_cached("UPDATE bookings SET status = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![booking, to.as_str(), at])?;
    if was != BookingStatus::Confirmed.as_str() {
        return Ok(None);
    }
    promote(tx, &offering_id, &session, at)
}

/// Confirms the first in line for `session` if it has a free place. Returns whom.
pub(crate) fn promote(
    tx: &Tx<'_>,
    offering_id: &str,
    session: &str,
    at: i64,
) -> AppResult<Option<i64>> {
    let Some(now) = current(tx, offering_id)? else {
        return Ok(None);
    };
    let Some(slot) = now.offering.slot(session) else {
        return Ok(None);
    };
    if confirmed_in(tx, offering_id, session)? >= slot.capacity {
        return Ok(None);
    }
    // Members first: the first member waiting, else the first in line.
    let first: Option<i64> = tx
        .prepare_cached(
            "SELECT id FROM bookings WHERE offering_id = ?1 AND session_key = ?2
                 AND status = 'waitlisted'
             ORDER BY (CASE WHEN ?3 THEN member ELSE 0 END) DESC, id LIMIT 1",
        )?
        .query_row(
            params![offering_id, session, now.offering.members_first],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(first) = first {
        tx.prepare_cached(
            "UPDATE bookings SET status = 'confirmed', updated_at = ?2 WHERE id = ?1",
        )?
        .execute(params![first, at])?;
    }
    Ok(first)
}

/// The employee cancels a booking from the status check (receipt code and the last four phone
/// digits, rate-limited like the check itself). Cancelling what is no longer active changes
/// nothing and answers where it stands.
pub async fn cancel(state: &AppState, kiosk: Kiosk, query: StatusQuery) -> AppResult<StatusAnswer> {
    let mut answer = crate::workflow::status_check::check(state, kiosk, query).await?;
    let not_a_booking = || {
        AppError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "这条记录不是预约，没有可取消的名额。",
        )
    };
    if !answer
        .booking
        .as_ref()
        .ok_or_else(not_a_booking)?
        .cancellable()
    {
        return Ok(answer);
    }
    let receipt = answer.receipt.clone();
    let (booking, touched, head) = state
        .db
        .write(move |tx| {
            let at = now_ms();
            let (submission, booking, offering_id, status, body): (
                String,
                i64,
                String,
                String,
                Option<String>,
            ) = tx.query_row(
                "SELECT s.id, b.id, b.offering_id, b.status, fv.body FROM submissions s
                 JOIN bookings b ON b.submission_id = s.id
                 LEFT JOIN form_versions fv ON fv.form_id = s.form_id AND fv.version = s.form_version
                 WHERE s.receipt = ?1",
                [&receipt],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )?;
            let mut touched = Vec::new();
            if matches!(
                BookingStatus::parse(&status),
                Some(BookingStatus::Confirmed | BookingStatus::Waitlisted)
            ) {
                release(tx, booking, BookingStatus::Cancelled, at)?;
                if let Some(now) = current(tx, &offering_id)? {
                    touched = write_places(tx, &offering_id, &now, at)?;
                }
            }
            let outcome = outcome(tx, &submission, body.as_deref())?;
            Ok((outcome, touched, crate::content::feed_head(tx)?))
        })
        .await?;
    announce(state, &touched, head);
    answer.booking = booking.map(Box::new);
    Ok(answer)
}
