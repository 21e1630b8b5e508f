//! An offering edited, unpublished or deleted while people hold places in it, inside the content
//! write's transaction (`content::ContentTx` calls these for kind `offering`, whichever way it is
//! written: the console's form, its JSON editor, the staff API, a restored revision).
//!
//! The rule: an edit never takes a place from anyone. A new version that drops a session or slot
//! where people hold a place or wait, or gives a session fewer places than are confirmed in it,
//! is refused with what to do instead (move the people, or close the session early); more places
//! pass at once to those waiting, in line order. Unpublishing keeps every booking and removes
//! the `places_left` item from kiosks; publishing again brings it back.

use super::{Current, promote, write_places};
use crate::error::{AppError, AppResult};
use crate::feed;
use crate::store::{Tx, params};
use axum::http::StatusCode;
use protocol::places::{Offering, PlacesLeft};
use protocol::{ContentId, ContentKind, ErrorCode, OrgId};

/// Refuses a new version of offering `id` that would take a place from someone (see the module).
pub(crate) fn check_edit(tx: &Tx<'_>, id: &ContentId, new: &Offering) -> AppResult<()> {
    let held: Vec<(String, u32, u32)> = tx
        .prepare_cached(
            "SELECT session_key, count(*) FILTER (WHERE status = 'confirmed'),
                    count(*) FILTER (WHERE status = 'waitlisted')
             FROM bookings WHERE offering_id = ?1 AND status IN ('confirmed', 'waitlisted')
             GROUP BY session_key ORDER BY session_key",
        )?
        .query_map([&id.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let mut zh = Vec::new();
    let mut en = Vec::new();
    for (key, confirmed, waiting) in held {
        match new.slot(&key) {
            None => {
                zh.push(format!(
                    "场次“{key}”已有 {confirmed} 人约上、{waiting} 人候补，不能删除（可先在报名名单里把他们调到其他场次）"
                ));
                en.push(format!(
                    "session “{key}” has {confirmed} confirmed and {waiting} waiting, so it cannot be removed (move them to another session on the sign-up list first)"
                ));
            }
            Some(slot) if slot.capacity < confirmed => {
                zh.push(format!(
                    "场次“{key}”已有 {confirmed} 人约上，名额不能少于 {confirmed}（不再收人可以“提前截止报名”）"
                ));
                en.push(format!(
                    "session “{key}” has {confirmed} confirmed places, so it cannot have fewer than {confirmed} (to take nobody more, close its sign-up early)"
                ));
            }
            Some(_) => {}
        }
    }
    if zh.is_empty() {
        return Ok(());
    }
    Err(AppError::new(
        StatusCode::CONFLICT,
        ErrorCode::InvalidContent,
        format!(
            "已有人预约，不能这样修改：{}。/ People hold places: {}.",
            zh.join("；"),
            en.join("; ")
        ),
    ))
}

/// Every session key bookings of offering `id` name, whatever their status.
pub(crate) async fn booked_keys(
    state: &crate::state::AppState,
    id: &str,
) -> AppResult<Vec<String>> {
    let id = id.to_owned();
    state
        .db
        .read(move |tx| {
            Ok(tx
                .prepare_cached("SELECT DISTINCT session_key FROM bookings WHERE offering_id = ?1")?
                .query_map([&id], |r| r.get(0))?
                .collect::<Result<_, _>>()?)
        })
        .await
}

/// After offering `id` was written at `org` (`live`: whether kiosks show it now): passes any new
/// places to those waiting and rewrites its `places_left` item, or removes it from kiosks when
/// the offering is no longer shown. Nothing is written for an offering nobody has booked.
/// Returns the orgs whose kiosks must hear of it.
pub(crate) fn written(
    tx: &Tx<'_>,
    id: &ContentId,
    org: OrgId,
    live: bool,
    offering: &Offering,
    at: i64,
) -> AppResult<Vec<OrgId>> {
    let places = PlacesLeft::id_for(id);
    let booked: bool = tx
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM bookings WHERE offering_id = ?1)
                 OR EXISTS(SELECT 1 FROM closed_sessions WHERE offering_id = ?1)
                 OR EXISTS(SELECT 1 FROM feed WHERE content_id = ?2 AND item IS NOT NULL)",
        )?
        .query_row(params![id.0, places.0], |r| r.get(0))?;
    if !booked {
        return Ok(Vec::new());
    }
    if live {
        let waiting: Vec<String> = tx
            .prepare_cached(
                "SELECT DISTINCT session_key FROM bookings
                 WHERE offering_id = ?1 AND status = 'waitlisted'",
            )?
            .query_map([&id.0], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for key in waiting {
            while promote(tx, &id.0, &key, at)?.is_some() {}
        }
    }
    let now = Current {
        org,
        live,
        offering: offering.clone(),
    };
    write_places(tx, &id.0, &now, at)
}

/// Offering `id` is deleted: kiosks drop its `places_left` item. Its bookings stay on record.
pub(crate) fn deleted(tx: &Tx<'_>, id: &ContentId) -> AppResult<Vec<OrgId>> {
    let places = PlacesLeft::id_for(id);
    let orgs: Vec<i64> = tx
        .prepare_cached("SELECT org_id FROM feed WHERE content_id = ?1 AND item IS NOT NULL")?
        .query_map([&places.0], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for org in &orgs {
        feed::put(tx, &places, OrgId(*org), ContentKind::PlacesLeft, None)?;
    }
    Ok(orgs.into_iter().map(OrgId).collect())
}
