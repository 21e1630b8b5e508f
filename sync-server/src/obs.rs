//! What operators see of requests: a request id on every log line a request causes, one `info`
//! line per request, the request counted in the metrics, and load shedding; also `/healthz` and
//! `/readyz`.
//!
//! Every request gets a fresh id (16 hex digits; one sent by the client is not trusted, so a
//! client cannot forge or flood log fields), echoed in the `x-request-id` response header. The
//! request runs inside a `request{id=…}` span, so every line it logs carries the id, including
//! work it hands to the blocking pool: [`spawn_blocking`] carries the span there (tokio's own
//! does not). When the request is answered one line is logged at `info`: method, route template
//! (never the path as sent: paths can carry receipt codes), status, milliseconds.
//!
//! Load shedding (`[load]` in the config): past `max_requests_in_flight` requests being handled,
//! or `max_event_streams` open event streams for a new stream, a request is answered
//! `503 server_busy` with `Retry-After` (between `retry_after_seconds` and twice that, so the
//! retries of a turned-away herd spread out) instead of queueing until everything is slow.
//! Health and readiness checks are never shed.

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use protocol::ErrorCode;
use rand::Rng;
use std::time::{Duration, Instant};
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Routes never shed: the probes must tell the truth while the server is busy.
const NEVER_SHED: &[&str] = &["/healthz", "/readyz", "/v1/health"];

/// The request layer (outermost on the router): id, span, shedding, metrics, the log line.
pub async fn request(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = format!("{:016x}", rand::random::<u64>());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_owned();
    let method = req.method().clone();
    let span = tracing::info_span!("request", id = %id);
    let in_flight = state.metrics.request_started();
    let mut resp = match shed(&state, &route) {
        Some(refusal) => refusal,
        None => next.run(req).instrument(span.clone()).await,
    };
    drop(in_flight);
    let took = started.elapsed();
    let status = resp.status();
    state.metrics.record_request(&route, status, took);
    span.in_scope(|| {
        tracing::info!(
            method = %method,
            route = %route,
            status = status.as_u16(),
            ms = took.as_millis() as u64,
            "request"
        )
    });
    resp.headers_mut().insert(
        REQUEST_ID,
        HeaderValue::from_str(&id).expect("hex digits are a valid header value"),
    );
    resp
}

/// The 503 answer when a limit is reached, or `None` to go on.
fn shed(state: &AppState, route: &str) -> Option<Response> {
    if NEVER_SHED.contains(&route) {
        return None;
    }
    let load = &state.config.load;
    // `in_flight` counts this request too.
    let limit = if load.max_requests_in_flight > 0
        && state.metrics.in_flight() > load.max_requests_in_flight
    {
        "requests_in_flight"
    } else if route == "/v1/events"
        && load.max_event_streams > 0
        && state.metrics.open_streams() >= load.max_event_streams
    {
        "event_streams"
    } else {
        return None;
    };
    state.metrics.shed(limit);
    Some(busy(load.retry_after_seconds))
}

/// `503 server_busy` with a `Retry-After` between `base` and twice `base` seconds.
pub fn busy(base: u64) -> Response {
    let base = base.max(1);
    let after = rand::rng().random_range(base..=base * 2);
    let mut resp = AppError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::ServerBusy,
        format!("服务器繁忙，请 {after} 秒后再试"),
    )
    .into_response();
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(after));
    resp
}

/// Runs `f` on the blocking pool inside the caller's span, so what it logs carries the
/// request's id. Use it instead of `tokio::task::spawn_blocking` in request paths.
pub fn spawn_blocking<T, F>(f: F) -> tokio::task::JoinHandle<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f))
}

/// `GET /healthz`: the process is up and its runtime answers. Nothing else is checked.
pub async fn healthz() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

/// How long the readiness check waits for the database writer.
pub const READY_WITHIN: Duration = Duration::from_secs(2);

/// `GET /readyz`: 200 when the server can take work (the database writer commits a
/// transaction within [`READY_WITHIN`], the schema is at this build's version, and the server
/// is not shutting down); 503 with `{"status": "not_ready", "problem": …}` otherwise.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let problem = if *state.shutdown.borrow() {
        Some("shutting down")
    } else {
        crate::watchdog::ready_within(&state.db, state.metrics.readiness_pending(), READY_WITHIN)
            .await
            .err()
    };
    match problem {
        None => axum::Json(serde_json::json!({ "status": "ready" })).into_response(),
        Some(problem) => {
            tracing::warn!(problem, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({ "status": "not_ready", "problem": problem })),
            )
                .into_response()
        }
    }
}
