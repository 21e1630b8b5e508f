//! Extractors whose rejections are JSON errors, and the two kinds of authentication.

use crate::error::AppError;
use crate::kiosks::{self, Kiosk};
use crate::orgs::Actor;
use crate::staff::{self, roles, roles::Gate};
use crate::state::AppState;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use protocol::ErrorCode;
use protocol::staff::StaffInfo;
use std::marker::PhantomData;

/// `axum::Json`, with malformed or oversized bodies answered as JSON errors.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// [`Json`] with a body limit of `MAX` bytes, below the router's: for kiosk bodies that are
/// small by nature (enrollment, heartbeat, status check), so nobody can park megabytes there.
pub struct SmallJson<T, const MAX: usize>(pub T);

impl<T, S, const MAX: usize> FromRequest<S> for SmallJson<T, MAX>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        use futures_util::StreamExt;
        let (parts, body) = req.into_parts();
        let mut stream = body.into_data_stream();
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|_| {
                AppError::bad_request(ErrorCode::UnreadableBody, "请求内容无法读取：连接中断")
            })?;
            if bytes.len() + chunk.len() > MAX {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        let req = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
        let axum::Json(value) = axum::Json::<T>::from_request(req, state).await?;
        Ok(SmallJson(value))
    }
}

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct Query<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct Path<T>(pub T);

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        let status = r.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            return too_large();
        }
        let code = match r {
            JsonRejection::MissingJsonContentType(_) => ErrorCode::ExpectedJson,
            JsonRejection::JsonSyntaxError(_) => ErrorCode::MalformedJson,
            JsonRejection::JsonDataError(_) => ErrorCode::InvalidJsonFields,
            _ => ErrorCode::UnreadableBody,
        };
        AppError::new(status, code, format!("请求内容无法读取：{}", r.body_text()))
    }
}

pub fn too_large() -> AppError {
    AppError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
        "上传的内容太大了",
    )
}

impl From<QueryRejection> for AppError {
    fn from(r: QueryRejection) -> Self {
        AppError::bad_request(
            ErrorCode::InvalidQuery,
            format!("查询参数有误：{}", r.body_text()),
        )
    }
}

impl From<PathRejection> for AppError {
    fn from(r: PathRejection) -> Self {
        AppError::bad_request(
            ErrorCode::InvalidPath,
            format!("地址有误：{}", r.body_text()),
        )
    }
}

fn bearer(parts: &Parts) -> Result<&str, AppError> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            AppError::unauthorized(
                ErrorCode::MissingCredentials,
                "需要登录：请求缺少 Authorization 凭据",
            )
        })
}

/// A signed-in staff member whose roles open gate `G` (`staff::roles`): the only way a staff
/// route learns who is asking, so none can skip the role check. Anyone else is refused before
/// the handler runs: no session `401`, a session without the role `403 role_required`.
pub struct Authed<G: Gate> {
    pub info: StaffInfo,
    pub actor: Actor,
    pub token: String,
    gate: PhantomData<fn() -> G>,
}

impl<G: Gate> FromRequestParts<AppState> for Authed<G> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer(parts)?.to_owned();
        let (info, actor) = staff::authenticate(state, &token).await?;
        roles::require_actor::<G>(&actor)?;
        Ok(Authed {
            info,
            actor,
            token,
            gate: PhantomData,
        })
    }
}

/// An enrolled, unrevoked kiosk.
pub struct KioskAuth(pub Kiosk);

impl FromRequestParts<AppState> for KioskAuth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let credentials = bearer(parts)?.to_owned();
        Ok(KioskAuth(kiosks::authenticate(state, &credentials).await?))
    }
}
