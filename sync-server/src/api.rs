//! The HTTP surface: routes, versioned under `/v1`, grouped by who calls them.

pub(crate) mod extract;
mod kiosk_api;
mod staff_api;

use crate::error::AppError;
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use protocol::ErrorCode;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;

/// A sign-in body: a username and a password, with room to spare.
pub const LOGIN_BODY_LIMIT: usize = 4 * 1024;

pub fn router(state: AppState) -> Router {
    let media_limit = state.config.media.max_upload_bytes + 64 * 1024;
    let kiosk = Router::new()
        .route("/v1/health", get(kiosk_api::health))
        .route("/healthz", get(crate::obs::healthz))
        .route("/readyz", get(crate::obs::readyz))
        .route("/v1/enroll", post(kiosk_api::enroll))
        .route("/v1/kiosk", get(kiosk_api::me))
        .route("/v1/changes", get(kiosk_api::changes))
        .route("/v1/events", get(kiosk_api::events))
        .route("/v1/media/{sha256}", get(kiosk_api::media))
        .route("/v1/submissions", post(kiosk_api::submit))
        .route("/v1/status-check", post(kiosk_api::status_check))
        .route("/v1/bookings/cancel", post(crate::places::api::cancel))
        .route("/v1/heartbeat", post(kiosk_api::heartbeat))
        .route(
            "/v1/commands/{id}/result",
            post(kiosk_api::command_result)
                .layer(DefaultBodyLimit::max(kiosk_api::COMMAND_RESULT_LIMIT)),
        );
    let staff = Router::new()
        .route(
            "/v1/staff/login",
            post(staff_api::login).layer(DefaultBodyLimit::max(LOGIN_BODY_LIMIT)),
        )
        .route("/v1/staff/logout", post(staff_api::logout))
        .route("/v1/staff/me", get(staff_api::me))
        .route("/v1/staff/me/password", post(staff_api::change_password))
        .route(
            "/v1/staff/orgs",
            get(staff_api::list_orgs).post(staff_api::create_org),
        )
        .route("/v1/staff/orgs/{id}", put(staff_api::change_org))
        .route("/v1/staff/orgs/{id}/disable", post(staff_api::disable_org))
        .route("/v1/staff/orgs/{id}/enable", post(staff_api::enable_org))
        .route(
            "/v1/staff/users",
            get(staff_api::list_users).post(staff_api::create_user),
        )
        .route("/v1/staff/users/{id}", put(staff_api::edit_user))
        .route(
            "/v1/staff/users/{id}/disable",
            post(staff_api::disable_user),
        )
        .route("/v1/staff/users/{id}/enable", post(staff_api::enable_user))
        .route(
            "/v1/staff/users/{id}/password",
            post(staff_api::reset_password),
        )
        .route(
            "/v1/staff/users/{id}/sessions",
            delete(staff_api::end_sessions),
        )
        .route("/v1/staff/users/{id}/roles", put(staff_api::set_roles))
        .route(
            "/v1/staff/content",
            get(staff_api::list_content).post(staff_api::create_content),
        )
        .route(
            "/v1/staff/content/{id}",
            get(staff_api::get_content)
                .put(staff_api::replace_content)
                .delete(staff_api::delete_content),
        )
        .route(
            "/v1/staff/content/{id}/publish",
            post(staff_api::publish_content),
        )
        .route(
            "/v1/staff/content/{id}/unpublish",
            post(staff_api::unpublish_content),
        )
        .route(
            "/v1/staff/forms/{id}/versions/{version}",
            get(staff_api::form_version),
        )
        .route(
            "/v1/staff/media",
            post(staff_api::upload_media).layer(DefaultBodyLimit::max(media_limit)),
        )
        .route(
            "/v1/staff/enrollment-tokens",
            post(staff_api::create_enrollment_token),
        )
        .route("/v1/staff/kiosks", get(staff_api::list_kiosks))
        .route(
            "/v1/staff/kiosks/{id}/revoke",
            post(staff_api::revoke_kiosk),
        )
        .route("/v1/staff/kiosks/{id}/move", post(staff_api::move_kiosk))
        .route("/v1/staff/submissions", get(staff_api::list_submissions))
        .route(
            "/v1/staff/submissions/export.csv",
            get(staff_api::export_submissions),
        )
        .route("/v1/staff/submissions/{id}", get(staff_api::get_submission))
        .route(
            "/v1/staff/submissions/{id}/status",
            post(staff_api::change_submission),
        )
        .route(
            "/v1/staff/submissions/{id}/assign",
            post(staff_api::assign_submission),
        )
        .route(
            "/v1/staff/forms/{id}/deadline",
            put(staff_api::set_form_deadline),
        )
        .route("/v1/staff/audit", get(staff_api::audit_log))
        .route(
            "/v1/staff/offerings/{id}/bookings",
            get(crate::places::api::roster),
        )
        .route(
            "/v1/staff/offerings/{id}/sessions/{key}/close",
            post(crate::places::api::close),
        )
        .route(
            "/v1/staff/bookings/{id}/attended",
            post(crate::places::api::attended),
        )
        .route(
            "/v1/staff/bookings/{id}/move",
            post(crate::places::api::move_to),
        )
        .route("/v1/staff/proposals", get(crate::proposals::api::list))
        .route(
            "/v1/staff/proposals/{id}/review",
            post(crate::proposals::api::review),
        );
    let json_limit = state.config.staff.max_json_bytes;
    let console = crate::console::router(&state).layer(axum::middleware::map_response(
        crate::console::secure_headers,
    ));
    kiosk
        .merge(staff)
        .merge(console)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(refuse_long_uri))
        .layer(DefaultBodyLimit::max(json_limit))
        .layer(CompressionLayer::new())
        .layer(CatchPanicLayer::custom(panicked))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::obs::request,
        ))
        .with_state(state)
}

async fn not_found() -> AppError {
    AppError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::NoSuchEndpoint,
        "没有这个接口",
    )
}

/// The longest request address (path and query) answered; no endpoint needs more than a few
/// hundred bytes. (Past 64 KiB the HTTP layer itself answers a bare 414 before routing.)
pub const MAX_URI_BYTES: usize = 8 * 1024;

async fn refuse_long_uri(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if len > MAX_URI_BYTES {
        return AppError::new(
            StatusCode::URI_TOO_LONG,
            ErrorCode::UriTooLong,
            format!("请求地址太长：最多 {MAX_URI_BYTES} 字节"),
        )
        .into_response();
    }
    next.run(req).await
}

async fn method_not_allowed() -> AppError {
    AppError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "这个接口不支持该请求方法",
    )
}

fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    AppError::internal("handler panicked", "see the panic message above").into_response()
}
