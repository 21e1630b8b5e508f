//! The staff routes of proposals (case handlers: they answer employees' proposals).

use super::StaffProposal;
use crate::api::extract::{Authed, Json, Path, Query};
use crate::error::AppResult;
use crate::staff::roles::gate;
use crate::state::AppState;
use axum::extract::State;
use protocol::proposal::{ProposalStatus, Review};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Filter {
    pub call: Option<String>,
    pub status: Option<ProposalStatus>,
}

/// `GET /v1/staff/proposals?call=&status=`
pub async fn list(
    State(state): State<AppState>,
    auth: Authed<gate::Cases>,
    Query(filter): Query<Filter>,
) -> AppResult<Json<Vec<StaffProposal>>> {
    Ok(Json(
        super::list(&state, auth.actor, filter.call, filter.status).await?,
    ))
}

/// `POST /v1/staff/proposals/{id}/review`
pub async fn review(
    State(state): State<AppState>,
    auth: Authed<gate::Cases>,
    Path(id): Path<String>,
    Json(body): Json<Review>,
) -> AppResult<Json<StaffProposal>> {
    Ok(Json(super::review(&state, auth.actor, id, body).await?))
}
