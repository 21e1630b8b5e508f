//! Kiosk-facing endpoints: enroll, who-am-I, the delta feed, live events, media.

use super::extract::{Json, KioskAuth, Path, Query, SmallJson};
use crate::content::feed_head;
use crate::error::{AppError, AppResult};
use crate::feed;
use crate::orgs::ids_in_path;
use crate::state::AppState;
use crate::{kiosks, media, workflow};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use protocol::enroll::{EnrollRequest, EnrollResponse};
use protocol::{Cursor, ErrorCode, FeedNotice, KioskInfo, MediaHash};
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::watch;

pub async fn health() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

/// The largest enrollment, heartbeat or status-check body: a few hundred bytes in use.
pub const SMALL_BODY_LIMIT: usize = 4 * 1024;

pub async fn enroll(
    State(state): State<AppState>,
    SmallJson(req): SmallJson<EnrollRequest, SMALL_BODY_LIMIT>,
) -> AppResult<Json<EnrollResponse>> {
    Ok(Json(kiosks::enroll(&state, req).await?))
}

pub async fn me(
    State(state): State<AppState>,
    KioskAuth(kiosk): KioskAuth,
) -> AppResult<Json<KioskInfo>> {
    Ok(Json(kiosks::info(&state, kiosk).await?))
}

#[derive(serde::Deserialize)]
pub struct ChangesQuery {
    since: Option<String>,
    limit: Option<u32>,
}

/// `GET /v1/changes`: the page after `since`. The body is made once per (scope, cursor) at the
/// announced head and sent as it is to every kiosk asking for it (`feed::PageCache`), already
/// compressed as the client accepts (the router's compression layer leaves it alone).
pub async fn changes(
    State(state): State<AppState>,
    KioskAuth(kiosk): KioskAuth,
    Query(q): Query<ChangesQuery>,
    headers: axum::http::HeaderMap,
) -> AppResult<Response> {
    let since = q
        .since
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<Cursor>())
        .transpose()
        .map_err(|e| {
            AppError::bad_request(
                ErrorCode::InvalidCursor,
                format!("同步位置（since）无法识别，请不带 since 从头同步：{e}"),
            )
        })?;
    let feed = &state.config.feed;
    let limit = q
        .limit
        .unwrap_or(feed.default_limit)
        .clamp(1, feed.max_limit);
    let encoding = feed::Encoding::accepted(
        headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok()),
    );
    let body = feed::changes(&state, kiosk, since, limit, encoding).await?;
    let mut resp = Response::new(axum::body::Body::from(body));
    let out = resp.headers_mut();
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    out.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(name) = encoding.header() {
        out.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
    }
    Ok(resp)
}

/// What woke an event stream.
enum Wake {
    Changes(u64),
    Reset,
    /// Staff queued a command for this kiosk.
    Commands,
    Closed,
}

struct Listener {
    orgs: Vec<watch::Receiver<u64>>,
    kiosk: watch::Receiver<u64>,
    /// Commands queued for this kiosk; `None` when the kiosk did not ask for them.
    commands: Option<watch::Receiver<u64>>,
    shutdown: watch::Receiver<bool>,
    /// Events to send before waiting again: the open commands found on connect, or on a wake.
    queue: std::collections::VecDeque<Event>,
    first: Option<u64>,
    /// The kiosk was revoked or moved before the stream subscribed: its first notice is `reset`.
    stale: bool,
    ended: bool,
    /// When the last `changes` notice went (after the first), and the newest change heard
    /// since that waits for [`notice_gap`] to pass.
    sent: Option<tokio::time::Instant>,
    held: Option<u64>,
}

/// The least time between two `changes` notices on one stream: a second, and longer with more
/// streams open (a fifth of a millisecond each: 2 s at 10,000), so that a burst of publishes
/// sends at most about 5,000 notices a second in all. A kiosk's pull takes everything up to the
/// head, so the notices a burst would send it while it pulls are worth nothing, and each one
/// costs the server a wake-up and a write (and at 10,000 kiosks 200 publishes in a row sent
/// two million of them: BENCHMARKS.md, fleet scale). A notice after a quiet gap goes at once:
/// a single publish is not delayed.
pub fn notice_gap(open_streams: usize) -> Duration {
    Duration::from_millis((open_streams as u64 / 5).max(1000))
}

impl Listener {
    async fn next(&mut self, metrics: &crate::metrics::Metrics) -> Wake {
        if std::mem::take(&mut self.stale) {
            return Wake::Reset;
        }
        if let Some(seq) = self.first.take() {
            return Wake::Changes(seq);
        }
        loop {
            let gap = notice_gap(metrics.open_streams());
            let hold_until = self.sent.map(|sent| sent + gap);
            let org_changes = futures_util::future::select_all(self.orgs.iter_mut().map(|rx| {
                Box::pin(async move {
                    match rx.changed().await {
                        Ok(()) => Some(*rx.borrow_and_update()),
                        Err(_) => None,
                    }
                })
            }));
            let commands = async {
                match &mut self.commands {
                    Some(rx) => rx.changed().await,
                    None => std::future::pending().await,
                }
            };
            let release_at = self.held.and(hold_until);
            let release = async move {
                match release_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            let seq = tokio::select! {
                _ = self.kiosk.changed() => return Wake::Reset,
                Ok(()) = commands => return Wake::Commands,
                _ = self.shutdown.wait_for(|down| *down) => return Wake::Closed,
                () = release => self.held.take().expect("released only while holding"),
                (seq, _, _) = org_changes => match seq {
                    None => return Wake::Closed,
                    Some(seq) if hold_until.is_some_and(|at| tokio::time::Instant::now() < at) => {
                        self.held = self.held.max(Some(seq));
                        continue;
                    }
                    Some(seq) => seq.max(self.held.take().unwrap_or(0)),
                },
            };
            self.sent = Some(tokio::time::Instant::now());
            return Wake::Changes(seq);
        }
    }
}

fn command_event(command: &protocol::command::KioskCommand) -> Event {
    let data = serde_json::to_string(command).expect("a command always serialises");
    Event::default().event("command").data(data)
}

fn notice(name: &str, seq: u64) -> Event {
    let data = serde_json::to_string(&FeedNotice { seq }).expect("a notice always serialises");
    Event::default().event(name).data(data)
}

/// `GET /v1/events`: a `changes` notice at once with the current head, then one whenever content
/// in the kiosk's scope changes; a `reset` notice (and the end of the stream) when the kiosk was
/// moved or revoked. No database query runs per notice. A `command` event carries each command
/// staff queued for this kiosk: every open one after the first notice, then each as it is queued.
#[derive(serde::Deserialize)]
pub struct EventsQuery {
    /// `1`: also send this kiosk's console commands (`command` events). A kiosk that does not
    /// ask (an older build) is never sent one; its commands wait and expire.
    #[serde(default)]
    commands: u8,
}

pub async fn events(
    State(state): State<AppState>,
    KioskAuth(kiosk): KioskAuth,
    Query(q): Query<EventsQuery>,
) -> AppResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    // Subscribe to the kiosk's channel first, then read: a revoke or move that committed between
    // authentication and the subscription woke nobody, so the read must see it instead. (Either
    // the subscription came first and hears the wake, or the commit did and the read sees it.)
    let kiosk_changes = state.hub.subscribe_kiosk(&kiosk.id);
    // Likewise for commands: subscribed before the open ones are read.
    let commands = (q.commands == 1).then(|| state.hub.subscribe_commands(&kiosk.id));
    let id = kiosk.id.clone();
    let (org, epoch) = (kiosk.org, kiosk.epoch);
    // The org channels start from what was announced before the read, not from the database's
    // head: a write that is committed but not announced yet (the CLI's, for up to a second)
    // must still wake this stream when it is announced, since a pull serves pages up to the
    // announced seq only (`feed::PageCache`). The first notice is the database's head, so a
    // kiosk that is behind pulls at once.
    let announced = state.hub.announced();
    let (head, current) = state
        .db
        .read_kiosk(move |tx| {
            let current: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM kiosks WHERE id = ?1 AND revoked_at IS NULL
                                 AND org_id = ?2 AND scope_epoch = ?3)",
                crate::store::params![id.0, org.0, epoch],
                |r| r.get(0),
            )?;
            Ok((feed_head(tx)?, current))
        })
        .await?;
    let open = if commands.is_some() {
        crate::commands::to_deliver(&state, kiosk.id.clone(), true).await?
    } else {
        Vec::new()
    };
    let listener = Listener {
        orgs: ids_in_path(&kiosk.org_path)
            .into_iter()
            .map(|org| state.hub.subscribe_org(org, announced))
            .collect(),
        kiosk: kiosk_changes,
        commands,
        shutdown: state.shutdown.clone(),
        queue: open.iter().map(command_event).collect(),
        first: Some(head),
        stale: !current,
        ended: false,
        sent: None,
        held: None,
    };
    let keepalive = Duration::from_secs(state.config.feed.keepalive_seconds.max(1));
    let id = kiosk.id.clone();
    let open = state.metrics.stream_opened(kiosk.org);
    let stream = futures_util::stream::unfold(listener, move |mut l| {
        let (state, id) = (state.clone(), id.clone());
        async move { next_event(&mut l, &state, id).await.map(|e| (Ok(e), l)) }
    });
    let stream = crate::metrics::Counted::new(stream, open);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(keepalive)))
}

/// The stream's next event, or `None` when it ends.
async fn next_event(l: &mut Listener, state: &AppState, kiosk: protocol::KioskId) -> Option<Event> {
    loop {
        if l.ended {
            return None;
        }
        // The first notice goes before any queued command.
        if l.first.is_none()
            && !l.stale
            && let Some(event) = l.queue.pop_front()
        {
            return Some(event);
        }
        let first = l.first.is_some();
        return match l.next(&state.metrics).await {
            Wake::Changes(seq) => {
                if !first {
                    state.metrics.notice_sent(&state.hub.published, seq);
                }
                Some(notice("changes", seq))
            }
            Wake::Commands => {
                match crate::commands::to_deliver(state, kiosk.clone(), false).await {
                    Ok(new) => l.queue.extend(new.iter().map(command_event)),
                    Err(e) => e.log_cause(),
                }
                continue;
            }
            Wake::Reset => {
                l.ended = true;
                let seq = l.orgs.first().map_or(0, |rx| *rx.borrow());
                Some(notice("reset", seq))
            }
            Wake::Closed => None,
        };
    }
}

/// `GET /v1/media/{sha256}`: immutable, cacheable for ever, with Range support.
pub async fn media(
    State(state): State<AppState>,
    Path(hash): Path<String>,
    req: Request,
) -> AppResult<Response> {
    let hash: MediaHash = hash.parse().map_err(|e: protocol::ids::InvalidMediaHash| {
        AppError::bad_request(
            ErrorCode::InvalidHash,
            format!("图片地址有误：应为 64 位十六进制的 SHA-256：{e}"),
        )
    })?;
    let etag = format!("\"{hash}\"");
    let (file, mime) = media::locate(&state, hash).await?;
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut resp = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mime: mime::Mime = mime
            .parse()
            .map_err(|e| AppError::internal("stored media type", e))?;
        state.media.serve(&file, &mime, req).await?
    };
    let headers = resp.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    headers.insert(
        header::ETAG,
        HeaderValue::from_str(&etag).map_err(|e| AppError::internal("etag", e))?,
    );
    Ok(resp)
}

/// `POST /v1/submissions`: stores a submission exactly once; see `submissions::store`.
pub async fn submit(
    State(state): State<AppState>,
    KioskAuth(kiosk): KioskAuth,
    Json(upload): Json<protocol::submission::SubmissionUpload>,
) -> AppResult<(StatusCode, Json<protocol::submission::SubmissionStored>)> {
    let stored = crate::submissions::store(&state, kiosk, upload).await?;
    let status = if stored.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(stored)))
}

pub async fn status_check(
    State(state): State<AppState>,
    KioskAuth(kiosk): KioskAuth,
    SmallJson(query): SmallJson<protocol::workflow::StatusQuery, SMALL_BODY_LIMIT>,
) -> AppResult<Json<protocol::workflow::StatusAnswer>> {
    Ok(Json(
        workflow::status_check::check(&state, kiosk, query).await?,
    ))
}

pub async fn heartbeat(
    State(state): State<AppState>,
    KioskAuth(kiosk): KioskAuth,
    SmallJson(beat): SmallJson<protocol::workflow::Heartbeat, { crate::usage::HEARTBEAT_LIMIT }>,
) -> AppResult<StatusCode> {
    workflow::fleet::heartbeat(&state, kiosk, beat).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The largest answer to a command: a screenshot, with room for the request around it.
pub const COMMAND_RESULT_LIMIT: usize = protocol::command::MAX_SCREENSHOT_BYTES + 64 * 1024;

/// `POST /v1/commands/{id}/result`: the kiosk answers one of its own commands, with a PNG
/// (`Content-Type: image/png`, a screenshot) or a JSON [`protocol::command::CommandReport`].
pub async fn command_result(
    State(state): State<AppState>,
    KioskAuth(kiosk): KioskAuth,
    Path(id): Path<i64>,
    headers: axum::http::HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> AppResult<StatusCode> {
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            super::extract::too_large()
        } else {
            AppError::bad_request(ErrorCode::UnreadableBody, "请求内容无法读取")
        }
    })?;
    let is_png = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("image/png"));
    let answer = if is_png {
        crate::commands::Answer::Screenshot(body.to_vec())
    } else {
        let req = Request::builder()
            .header(
                header::CONTENT_TYPE,
                headers
                    .get(header::CONTENT_TYPE)
                    .cloned()
                    .unwrap_or(HeaderValue::from_static("")),
            )
            .body(axum::body::Body::from(body))
            .map_err(|e| AppError::internal("rebuilding the request", e))?;
        let Json(report) = <Json<protocol::command::CommandReport> as axum::extract::FromRequest<
            (),
        >>::from_request(req, &())
        .await?;
        crate::commands::Answer::Report(report)
    };
    crate::commands::answer(&state, kiosk, id, answer).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests;
