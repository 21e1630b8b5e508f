//! The routes of limited places: the kiosk's cancel (`POST /v1/bookings/cancel`) and the staff
//! routes on an offering's bookings (case handlers: they read and change employees' bookings).

use crate::api::extract::{Authed, Json, KioskAuth, Path, SmallJson};
use crate::error::AppResult;
use crate::staff::roles::gate;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use protocol::ContentId;
use protocol::places::{BookingStatus, Roster};
use protocol::staff::AuditAction;
use protocol::workflow::{StatusAnswer, StatusQuery};
use serde::{Deserialize, Serialize};

/// A cancel body: a receipt code and four digits.
const CANCEL_LIMIT: usize = 4 * 1024;

/// `POST /v1/bookings/cancel`: the employee gives up a place or a place in line.
pub async fn cancel(
    State(state): State<AppState>,
    KioskAuth(kiosk): KioskAuth,
    SmallJson(query): SmallJson<StatusQuery, CANCEL_LIMIT>,
) -> AppResult<Json<StatusAnswer>> {
    Ok(Json(super::cancel(&state, kiosk, query).await?))
}

/// `GET /v1/staff/offerings/{id}/bookings`
pub async fn roster(
    State(state): State<AppState>,
    auth: Authed<gate::Cases>,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<Roster>>> {
    Ok(Json(
        super::roster::roster(&state, auth.actor, ContentId(id), AuditAction::View).await?,
    ))
}

/// `POST /v1/staff/offerings/{id}/sessions/{key}/close`
pub async fn close(
    State(state): State<AppState>,
    auth: Authed<gate::Cases>,
    Path((id, key)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    super::roster::close(&state, auth.actor, ContentId(id), key).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Attended {
    pub attended: bool,
}

/// `POST /v1/staff/bookings/{id}/attended`
pub async fn attended(
    State(state): State<AppState>,
    auth: Authed<gate::Cases>,
    Path(id): Path<i64>,
    Json(body): Json<Attended>,
) -> AppResult<StatusCode> {
    super::roster::attended(&state, auth.actor, id, body.attended).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, Deserialize)]
pub struct MoveTo {
    pub session: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Moved {
    pub status: BookingStatus,
}

/// `POST /v1/staff/bookings/{id}/move`
pub async fn move_to(
    State(state): State<AppState>,
    auth: Authed<gate::Cases>,
    Path(id): Path<i64>,
    Json(body): Json<MoveTo>,
) -> AppResult<Json<Moved>> {
    let status = super::roster::move_to(&state, auth.actor, id, body.session).await?;
    Ok(Json(Moved { status }))
}
