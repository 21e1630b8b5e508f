//! The staff JSON API: sign-in, orgs, accounts, content, media, enrollment tokens, the fleet.

use super::extract::{Authed, Json, Path, Query, too_large};
use crate::content::{self, ListQuery};
use crate::error::{AppError, AppResult};
use crate::multipart::MultipartForm;
use crate::staff::accounts;
use crate::staff::roles::{Roles, gate};
use crate::state::AppState;
use crate::workflow::audit;
use crate::workflow::inbox::{self, Filter};
use crate::{kiosks, media, orgs, staff};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{ConnectInfo, Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use protocol::ErrorCode;
use protocol::content::ContentBody;
use protocol::staff::{
    AuditEntry, ContentRecord, ContentWrite, EnrollmentTokenCreated, KioskRecord, LoginRequest,
    LoginResponse, MediaUploaded, MoveKiosk, NewEnrollmentToken, NewOrg, NewStaff, Org, OrgChange,
    PasswordChange, PasswordReset, RolesChange, StaffAccount, StaffEdit, StaffInfo,
    TemporaryPassword,
};
use protocol::{ContentId, KioskId};
use std::net::SocketAddr;

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Json(req): Json<LoginRequest>,
) -> AppResult<Json<LoginResponse>> {
    Ok(Json(
        staff::login(&state, req.username, req.password, Some(client.ip())).await?,
    ))
}

pub async fn logout(
    State(state): State<AppState>,
    auth: Authed<gate::Signed>,
) -> AppResult<StatusCode> {
    staff::logout(&state, &auth.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(auth: Authed<gate::Signed>) -> Json<StaffInfo> {
    Json(auth.info)
}

pub async fn list_orgs(
    State(state): State<AppState>,
    auth: Authed<gate::View>,
) -> AppResult<Json<Vec<Org>>> {
    Ok(Json(orgs::list(&state, auth.actor).await?))
}

pub async fn create_org(
    State(state): State<AppState>,
    auth: Authed<gate::Admin>,
    Json(new): Json<NewOrg>,
) -> AppResult<(StatusCode, Json<Org>)> {
    let org = orgs::create(&state, auth.actor, new.parent_id, new.name).await?;
    Ok((StatusCode::CREATED, Json(org)))
}

/// `PUT /v1/staff/orgs/{id}`: rename the org, move it under another parent, or both.
pub async fn change_org(
    State(state): State<AppState>,
    auth: Authed<gate::Admin>,
    Path(id): Path<i64>,
    Json(change): Json<OrgChange>,
) -> AppResult<StatusCode> {
    let id = protocol::OrgId(id);
    if let Some(name) = change.name {
        orgs::manage::rename(&state, auth.actor.clone(), id, name).await?;
    }
    if let Some(parent) = change.parent_id {
        orgs::manage::move_under(&state, auth.actor, id, parent).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn disable_org(
    State(state): State<AppState>,
    auth: Authed<gate::Admin>,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    orgs::manage::set_disabled(&state, auth.actor, protocol::OrgId(id), true).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn enable_org(
    State(state): State<AppState>,
    auth: Authed<gate::Admin>,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    orgs::manage::set_disabled(&state, auth.actor, protocol::OrgId(id), false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /v1/staff/users/{id}`: an account's display name.
pub async fn edit_user(
    State(state): State<AppState>,
    auth: Authed<gate::Admin>,
    Path(id): Path<i64>,
    Json(edit): Json<StaffEdit>,
) -> AppResult<StatusCode> {
    accounts::edit(&state, auth.actor, id, edit.display_name).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list_users(
    State(state): State<AppState>,
    auth: Authed<gate::Admin>,
) -> AppResult<Json<Vec<StaffAccount>>> {
    Ok(Json(staff::list(&state, auth.actor).await?))
}

pub async fn disable_user(
    State(state): State<AppState>,
    auth: Authed<gate::Admin>,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    accounts::disable(&state, auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn enable_user(
    State(state): State<AppState>,
    auth: Authed<gate::Admin>,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    accounts::enable(&state, auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn reset_password(
    State(state): State<AppState>,
    auth: Authed<gate::Admin>,
    Path(id): Path<i64>,
    Json(reset): Json<PasswordReset>,
) -> AppResult<Json<TemporaryPassword>> {
    let temporary_password =
        accounts::reset_password(&state, auth.actor, id, reset.new_password).await?;
    Ok(Json(TemporaryPassword { temporary_password }))
}

pub async fn end_sessions(
    State(state): State<AppState>,
    auth: Authed<gate::Admin>,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    accounts::end_sessions(&state, auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /v1/staff/users/{id}/roles {"roles": [...]}`.
pub async fn set_roles(
    State(state): State<AppState>,
    auth: Authed<gate::Admin>,
    Path(id): Path<i64>,
    Json(change): Json<RolesChange>,
) -> AppResult<StatusCode> {
    accounts::set_roles(&state, auth.actor, id, Roles::of(&change.roles)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn change_password(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    auth: Authed<gate::Signed>,
    Json(change): Json<PasswordChange>,
) -> AppResult<StatusCode> {
    accounts::change_own_password(
        &state,
        auth.actor,
        &auth.token,
        change.current_password,
        change.new_password,
        Some(client.ip()),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn create_user(
    State(state): State<AppState>,
    auth: Authed<gate::Admin>,
    Json(new): Json<NewStaff>,
) -> AppResult<(StatusCode, Json<StaffInfo>)> {
    Ok((
        StatusCode::CREATED,
        Json(staff::create(&state, auth.actor, new).await?),
    ))
}

pub async fn list_content(
    State(state): State<AppState>,
    auth: Authed<gate::View>,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<Vec<ContentRecord>>> {
    Ok(Json(content::list(&state, auth.actor, q).await?))
}

pub async fn create_content(
    State(state): State<AppState>,
    auth: Authed<gate::Publish>,
    Json(w): Json<ContentWrite>,
) -> AppResult<(StatusCode, Json<ContentRecord>)> {
    Ok((
        StatusCode::CREATED,
        Json(content::create(&state, auth.actor, w).await?),
    ))
}

pub async fn get_content(
    State(state): State<AppState>,
    auth: Authed<gate::View>,
    Path(id): Path<String>,
) -> AppResult<Json<ContentRecord>> {
    Ok(Json(content::get(&state, auth.actor, ContentId(id)).await?))
}

pub async fn replace_content(
    State(state): State<AppState>,
    auth: Authed<gate::Publish>,
    Path(id): Path<String>,
    Json(w): Json<ContentWrite>,
) -> AppResult<Json<ContentRecord>> {
    Ok(Json(
        content::replace(&state, auth.actor, ContentId(id), w).await?,
    ))
}

pub async fn publish_content(
    State(state): State<AppState>,
    auth: Authed<gate::Publish>,
    Path(id): Path<String>,
) -> AppResult<Json<ContentRecord>> {
    Ok(Json(
        content::publish(&state, auth.actor, ContentId(id)).await?,
    ))
}

pub async fn unpublish_content(
    State(state): State<AppState>,
    auth: Authed<gate::Publish>,
    Path(id): Path<String>,
) -> AppResult<Json<ContentRecord>> {
    Ok(Json(
        content::unpublish(&state, auth.actor, ContentId(id)).await?,
    ))
}

pub async fn delete_content(
    State(state): State<AppState>,
    auth: Authed<gate::Publish>,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    content::delete(&state, auth.actor, ContentId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn form_version(
    State(state): State<AppState>,
    auth: Authed<gate::View>,
    Path((id, version)): Path<(String, u32)>,
) -> AppResult<Json<ContentBody>> {
    Ok(Json(
        content::form_version(&state, auth.actor, ContentId(id), version).await?,
    ))
}

fn multipart_error(e: impl std::fmt::Display, status: StatusCode) -> AppError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        AppError::bad_request(ErrorCode::InvalidUpload, format!("上传内容无法读取：{e}"))
    }
}

/// `POST /v1/staff/media`, multipart with one part named `file`.
pub async fn upload_media(
    State(state): State<AppState>,
    _auth: Authed<gate::Publish>,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<(StatusCode, Json<MediaUploaded>)> {
    let mut multipart = multipart.map_err(|e| {
        let status = e.status();
        multipart_error(e, status)
    })?;
    let mut form = MultipartForm::read(&mut multipart, &["file"])
        .await
        .map_err(|u| {
            let status = u.error.status();
            multipart_error(u.error, status)
        })?;
    let bytes = form.take_file("file").ok_or_else(|| {
        AppError::bad_request(ErrorCode::MissingFile, "上传内容里没有名为 file 的文件")
    })?;
    if bytes.is_empty() {
        return Err(AppError::bad_request(
            ErrorCode::EmptyUpload,
            "上传的文件是空的",
        ));
    }
    let stored = media::store_upload(&state, bytes.to_vec()).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

pub async fn create_enrollment_token(
    State(state): State<AppState>,
    auth: Authed<gate::Admin>,
    Json(req): Json<NewEnrollmentToken>,
) -> AppResult<(StatusCode, Json<EnrollmentTokenCreated>)> {
    let created = kiosks::create_token(&state, auth.actor, req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub async fn list_kiosks(
    State(state): State<AppState>,
    auth: Authed<gate::View>,
) -> AppResult<Json<Vec<KioskRecord>>> {
    Ok(Json(kiosks::list(&state, auth.actor).await?))
}

pub async fn revoke_kiosk(
    State(state): State<AppState>,
    auth: Authed<gate::Admin>,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    kiosks::revoke(&state, auth.actor, KioskId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn move_kiosk(
    State(state): State<AppState>,
    auth: Authed<gate::Admin>,
    Path(id): Path<String>,
    Json(m): Json<MoveKiosk>,
) -> AppResult<StatusCode> {
    kiosks::move_to(&state, auth.actor, KioskId(id), m.org_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list_submissions(
    State(state): State<AppState>,
    auth: Authed<gate::Cases>,
    Query(filter): Query<Filter>,
) -> AppResult<Json<Vec<protocol::workflow::SubmissionSummary>>> {
    Ok(Json(inbox::list(&state, auth.actor, filter).await?))
}

pub async fn get_submission(
    State(state): State<AppState>,
    auth: Authed<gate::Cases>,
    Path(id): Path<String>,
) -> AppResult<Json<protocol::workflow::SubmissionDetail>> {
    Ok(Json(inbox::get(&state, auth.actor, id).await?))
}

pub async fn change_submission(
    State(state): State<AppState>,
    auth: Authed<gate::Cases>,
    Path(id): Path<String>,
    Json(change): Json<protocol::workflow::StatusChange>,
) -> AppResult<Json<protocol::workflow::SubmissionDetail>> {
    Ok(Json(inbox::change(&state, auth.actor, id, change).await?))
}

pub async fn assign_submission(
    State(state): State<AppState>,
    auth: Authed<gate::Cases>,
    Path(id): Path<String>,
    Json(to): Json<protocol::workflow::Assign>,
) -> AppResult<Json<protocol::workflow::SubmissionDetail>> {
    Ok(Json(
        crate::workflow::assign::assign(&state, auth.actor, id, to).await?,
    ))
}

/// A form's response deadline, `PUT /v1/staff/forms/{id}/deadline`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineBody {
    /// `hours` or `working_days`.
    pub unit: String,
    pub amount: u32,
}

pub async fn set_form_deadline(
    State(state): State<AppState>,
    auth: Authed<gate::Publish>,
    Path(id): Path<String>,
    Json(body): Json<DeadlineBody>,
) -> AppResult<StatusCode> {
    crate::deadlines::settings::set_form_deadline(&state, auth.actor, id, body.unit, body.amount)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn export_submissions(
    State(state): State<AppState>,
    auth: Authed<gate::Cases>,
    Query(filter): Query<Filter>,
) -> AppResult<impl IntoResponse> {
    let csv = inbox::export_csv(&state, auth.actor, filter).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"submissions.csv\"",
            ),
        ],
        csv,
    ))
}

#[derive(Debug, serde::Deserialize)]
pub struct AuditQuery {
    before: Option<i64>,
    #[serde(default = "audit_page")]
    limit: u32,
}

fn audit_page() -> u32 {
    100
}

/// `GET /v1/staff/audit?before=&limit=`: the top org's staff only.
pub async fn audit_log(
    State(state): State<AppState>,
    auth: Authed<gate::Admin>,
    Query(q): Query<AuditQuery>,
) -> AppResult<Json<Vec<AuditEntry>>> {
    Ok(Json(
        audit::list(&state, auth.actor, q.before, q.limit).await?,
    ))
}
