//! Operator metrics in Prometheus's text format, served at `/metrics` on their own plain-HTTP
//! listener (`metrics_listen` in the config, loopback by default when set; see
//! docs/install-server.md), never on the kiosks' and staff's TLS port.
//!
//! Each running server has its own registry (a `metrics-exporter-prometheus` recorder held in
//! [`Metrics`], not the process-global one), so several servers in one process (the tests) keep
//! apart. Labels are bounded: an org id, a route template, a status code, a fixed word; never a
//! kiosk id, a path as sent (it may carry a receipt code) or anything about a person.
//!
//! Counted as requests finish (`record_request`, from the request layer in `obs`): requests by
//! route and status, feed pulls and their duration, submissions received / duplicate / refused,
//! heartbeats, requests turned away while shedding load. Kept current: open event streams by org
//! ([`StreamGuard`]), the publish → event latency ([`PublishClock`]), the database writer's queue
//! wait (`db`). Read at scrape time: the feed head the hub announced, and the fleet's health
//! (online / stale / offline) from the kiosks table.

use crate::db::{now_ms, to_ms};
use crate::error::AppResult;
use crate::state::AppState;
use crate::workflow::fleet;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use metrics::{Counter, Gauge, Histogram, Key, KeyName, Label, Metadata, Recorder};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use protocol::OrgId;
use protocol::workflow::Health;
use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

pub const HTTP_REQUESTS: &str = "union_sync_http_requests_total";
pub const HTTP_DURATION: &str = "union_sync_http_request_duration_seconds";
pub const IN_FLIGHT: &str = "union_sync_http_requests_in_flight";
pub const SHED: &str = "union_sync_requests_shed_total";
pub const EVENT_STREAMS: &str = "union_sync_event_streams_open";
pub const PUBLISH_TO_EVENT: &str = "union_sync_publish_to_event_seconds";
pub const PULLS: &str = "union_sync_feed_pulls_total";
pub const PULL_DURATION: &str = "union_sync_feed_pull_duration_seconds";
pub const PAGES_MADE: &str = "union_sync_feed_pages_made_total";
pub const FEED_HEAD: &str = "union_sync_feed_head_seq";
pub const SUBMISSIONS_RECEIVED: &str = "union_sync_submissions_received_total";
pub const SUBMISSIONS_DUPLICATE: &str = "union_sync_submissions_duplicate_total";
pub const SUBMISSIONS_REFUSED: &str = "union_sync_submissions_refused_total";
pub const HEARTBEATS: &str = "union_sync_heartbeats_total";
pub const KIOSKS: &str = "union_sync_kiosks";
pub const DB_WRITE_WAIT: &str = "union_sync_db_write_wait_seconds";
pub const PERIODIC_JOBS: &str = "union_sync_periodic_jobs_running";

/// Every metric with its help line.
const DESCRIPTIONS: &[(&str, &str)] = &[
    (
        HTTP_REQUESTS,
        "Requests answered, by route template and status.",
    ),
    (
        HTTP_DURATION,
        "Time from a request's arrival to its response headers, by route template.",
    ),
    (IN_FLIGHT, "Requests being handled now."),
    (
        SHED,
        "Requests answered 503 server_busy because a limit was reached, by limit.",
    ),
    (
        EVENT_STREAMS,
        "Open event streams (GET /v1/events), by the kiosk's org.",
    ),
    (
        PUBLISH_TO_EVENT,
        "Time from a change committing to its notice being sent on an event stream.",
    ),
    (PULLS, "Feed pages asked for (GET /v1/changes), by status."),
    (PULL_DURATION, "Time to answer a feed page."),
    (
        PAGES_MADE,
        "Feed pages made (one query each) and kept for the kiosks asking for the same one; the pulls beyond it were answered from memory.",
    ),
    (FEED_HEAD, "The newest feed seq announced to event streams."),
    (SUBMISSIONS_RECEIVED, "Submissions sent by kiosks."),
    (
        SUBMISSIONS_DUPLICATE,
        "Submissions sent again that were already stored (acknowledged, stored once).",
    ),
    (
        SUBMISSIONS_REFUSED,
        "Submissions refused with a 4xx answer (invalid, unknown form version, ...).",
    ),
    (HEARTBEATS, "Kiosk heartbeats stored."),
    (
        KIOSKS,
        "Enrolled, unrevoked kiosks by health (online, stale, offline), at scrape time.",
    ),
    (
        PERIODIC_JOBS,
        "Periodic jobs (retention, deadlines) running on this instance: 2 on the instance that leads (PostgreSQL's leader lock, or the lone SQLite server), 0 elsewhere.",
    ),
    (
        DB_WRITE_WAIT,
        "Time a write transaction waited for the database writer.",
    ),
];

/// Histogram buckets, in seconds: 1 ms to 10 s.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), metrics::Level::INFO, Some(module_path!()));

pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    open_streams: AtomicUsize,
    in_flight: AtomicUsize,
    periodic_jobs: AtomicUsize,
    publish_to_event: Histogram,
    db_write_wait: Histogram,
    /// A readiness check is waiting for the database writer (`watchdog::ready`).
    readiness_pending: Arc<AtomicBool>,
}

impl Default for Metrics {
    fn default() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets(BUCKETS)
            .expect("the bucket list is not empty")
            .build_recorder();
        for (name, help) in DESCRIPTIONS {
            // Described as a counter whatever it is: the kind only matters to the `metrics`
            // facade, the exporter keeps one help line per name.
            recorder.describe_counter(KeyName::from_const_str(name), None, (*help).into());
        }
        let handle = recorder.handle();
        let publish_to_event =
            recorder.register_histogram(&Key::from_name(PUBLISH_TO_EVENT), &METADATA);
        let db_write_wait = recorder.register_histogram(&Key::from_name(DB_WRITE_WAIT), &METADATA);
        Metrics {
            recorder,
            handle,
            open_streams: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            periodic_jobs: AtomicUsize::new(0),
            publish_to_event,
            db_write_wait,
            readiness_pending: Arc::default(),
        }
    }
}

fn key(name: &'static str, labels: &[(&'static str, String)]) -> Key {
    Key::from_parts(
        name,
        labels
            .iter()
            .map(|(k, v)| Label::new(*k, v.clone()))
            .collect::<Vec<_>>(),
    )
}

impl Metrics {
    fn counter(&self, name: &'static str, labels: &[(&'static str, String)]) -> Counter {
        self.recorder
            .register_counter(&key(name, labels), &METADATA)
    }

    fn gauge(&self, name: &'static str, labels: &[(&'static str, String)]) -> Gauge {
        self.recorder.register_gauge(&key(name, labels), &METADATA)
    }

    fn histogram(&self, name: &'static str, labels: &[(&'static str, String)]) -> Histogram {
        self.recorder
            .register_histogram(&key(name, labels), &METADATA)
    }

    /// The histogram the database writer records its queue wait in.
    pub fn db_write_wait(&self) -> Histogram {
        self.db_write_wait.clone()
    }

    /// Set while a readiness check waits for the database writer.
    pub fn readiness_pending(&self) -> &Arc<AtomicBool> {
        &self.readiness_pending
    }

    /// Event streams open now, all orgs together.
    pub fn open_streams(&self) -> usize {
        self.open_streams.load(Ordering::Relaxed)
    }

    /// A request starts being handled; the guard counts it until dropped.
    pub fn request_started(self: &Arc<Self>) -> InFlight {
        let now = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        self.gauge(IN_FLIGHT, &[]).set(now as f64);
        InFlight(self.clone())
    }

    /// Requests being handled now (including the caller's).
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// A request was answered 503 because `limit` was reached.
    pub fn shed(&self, limit: &'static str) {
        self.counter(SHED, &[("limit", limit.to_owned())])
            .increment(1);
    }

    /// A request finished: `route` is its template (`/v1/changes`, `/console/kiosks/{id}`) or
    /// `unmatched`, never the path as sent.
    pub fn record_request(&self, route: &str, status: StatusCode, took: Duration) {
        let route = route.to_owned();
        let code = status.as_u16();
        self.counter(
            HTTP_REQUESTS,
            &[("route", route.clone()), ("status", code.to_string())],
        )
        .increment(1);
        self.histogram(HTTP_DURATION, &[("route", route.clone())])
            .record(took.as_secs_f64());
        match route.as_str() {
            "/v1/changes" => {
                self.counter(PULLS, &[("status", code.to_string())])
                    .increment(1);
                if status.is_success() {
                    self.histogram(PULL_DURATION, &[])
                        .record(took.as_secs_f64());
                }
            }
            "/v1/submissions" => {
                self.counter(SUBMISSIONS_RECEIVED, &[]).increment(1);
                if status == StatusCode::OK {
                    self.counter(SUBMISSIONS_DUPLICATE, &[]).increment(1);
                } else if status.is_client_error() {
                    self.counter(SUBMISSIONS_REFUSED, &[]).increment(1);
                }
            }
            "/v1/heartbeat" if status.is_success() => {
                self.counter(HEARTBEATS, &[]).increment(1);
            }
            _ => {}
        }
    }

    /// A periodic job started running here (`leader::Leader::lead`); the guard counts it until
    /// the job is dropped (this instance no longer leads, or stops).
    pub fn periodic_job_started(self: &Arc<Self>) -> JobGuard {
        let now = self.periodic_jobs.fetch_add(1, Ordering::SeqCst) + 1;
        self.gauge(PERIODIC_JOBS, &[]).set(now as f64);
        JobGuard(self.clone())
    }

    /// Periodic jobs running here now.
    pub fn periodic_jobs(&self) -> usize {
        self.periodic_jobs.load(Ordering::SeqCst)
    }

    /// An event stream opened for a kiosk at `org`; the guard counts it until the stream ends.
    pub fn stream_opened(self: &Arc<Self>, org: OrgId) -> StreamGuard {
        self.open_streams.fetch_add(1, Ordering::Relaxed);
        let gauge = self.gauge(EVENT_STREAMS, &[("org", org.0.to_string())]);
        gauge.increment(1.0);
        StreamGuard {
            metrics: self.clone(),
            gauge,
        }
    }

    /// A `changes` notice for feed position `seq` is being sent on a stream (not the first
    /// notice of a new stream, which tells the head rather than a change).
    pub fn notice_sent(&self, clock: &PublishClock, seq: u64) {
        if let Some(took) = clock.since(seq) {
            self.publish_to_event.record(took.as_secs_f64());
        }
    }

    /// The registry in Prometheus's text format, with the values read at scrape time set first.
    pub async fn render(&self, state: &AppState) -> AppResult<String> {
        self.gauge(FEED_HEAD, &[]).set(state.hub.announced() as f64);
        self.counter(PAGES_MADE, &[]).absolute(state.pages.made());
        let fleet = state.db.read(fleet_health).await?;
        for (health, count) in [
            ("online", fleet.online),
            ("stale", fleet.stale),
            ("offline", fleet.offline),
        ] {
            self.gauge(KIOSKS, &[("health", health.to_owned())])
                .set(count as f64);
        }
        Ok(self.handle.render())
    }

    /// Drains histogram samples into their buckets even when nobody scrapes (bounded memory).
    pub fn upkeep(&self) {
        self.handle.run_upkeep();
    }
}

/// Counts one request in flight until dropped.
pub struct InFlight(Arc<Metrics>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let now = self.0.in_flight.fetch_sub(1, Ordering::Relaxed) - 1;
        self.0.gauge(IN_FLIGHT, &[]).set(now as f64);
    }
}

/// Counts one running periodic job until dropped.
pub struct JobGuard(Arc<Metrics>);

impl Drop for JobGuard {
    fn drop(&mut self) {
        let now = self.0.periodic_jobs.fetch_sub(1, Ordering::SeqCst) - 1;
        self.0.gauge(PERIODIC_JOBS, &[]).set(now as f64);
    }
}

/// Counts one open event stream until dropped.
pub struct StreamGuard {
    metrics: Arc<Metrics>,
    gauge: Gauge,
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.metrics.open_streams.fetch_sub(1, Ordering::Relaxed);
        self.gauge.decrement(1.0);
    }
}

/// A stream that holds a [`StreamGuard`] for as long as it lives (the connection is closed or
/// the stream ends).
pub struct Counted<S> {
    inner: Pin<Box<S>>,
    _guard: StreamGuard,
}

impl<S> Counted<S> {
    pub fn new(inner: S, guard: StreamGuard) -> Counted<S> {
        Counted {
            inner: Box::pin(inner),
            _guard: guard,
        }
    }
}

impl<S: Stream> Stream for Counted<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// When the most recent feed positions were announced, to time publish → event.
#[derive(Default)]
pub struct PublishClock {
    recent: Mutex<VecDeque<(u64, Instant)>>,
}

/// Announcements remembered: a stream woken late (coalesced wakes) still finds its seq.
const CLOCK_SPAN: usize = 256;

impl PublishClock {
    /// The feed reached `seq` now (a write committed).
    pub fn announce(&self, seq: u64) {
        let mut recent = self
            .recent
            .lock()
            .expect("clock lock is never held across a panic");
        if recent.back().is_some_and(|(last, _)| *last >= seq) {
            return;
        }
        if recent.len() == CLOCK_SPAN {
            recent.pop_front();
        }
        recent.push_back((seq, Instant::now()));
    }

    /// How long ago `seq` was announced, if it is among the recent ones.
    pub fn since(&self, seq: u64) -> Option<Duration> {
        let recent = self
            .recent
            .lock()
            .expect("clock lock is never held across a panic");
        recent
            .iter()
            .rev()
            .find(|(s, _)| *s == seq)
            .map(|(_, at)| at.elapsed())
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Fleet {
    online: u64,
    stale: u64,
    offline: u64,
}

fn fleet_health(tx: &crate::store::Tx<'_>) -> AppResult<Fleet> {
    let now = now_ms();
    let mut fleet = Fleet::default();
    let mut stmt = tx.prepare(&format!(
        "SELECT heartbeat_at, {} FROM kiosks WHERE revoked_at IS NULL",
        tx.json_text("heartbeat", "last_sync_at")
    ))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let beat_at: Option<i64> = r.get(0)?;
        let synced: Option<String> = r.get(1)?;
        let synced = synced
            .and_then(|s| s.parse::<jiff::Timestamp>().ok())
            .map(to_ms);
        match fleet::health(now, beat_at, synced) {
            Health::Online => fleet.online += 1,
            Health::Stale => fleet.stale += 1,
            Health::Offline => fleet.offline += 1,
        }
    }
    Ok(fleet)
}

/// `GET /metrics` on the metrics listener.
pub async fn scrape(State(state): State<AppState>) -> Response {
    match state.metrics.render(&state).await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// The router of the metrics listener: `/metrics`, `/healthz`, `/readyz`.
pub fn router(state: AppState) -> axum::Router {
    axum::Router::new()
        .route("/metrics", axum::routing::get(scrape))
        .route("/healthz", axum::routing::get(crate::obs::healthz))
        .route("/readyz", axum::routing::get(crate::obs::readyz))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_route_template_and_outcome() {
        let m = Metrics::default();
        m.record_request("/v1/changes", StatusCode::OK, Duration::from_millis(3));
        m.record_request("/v1/submissions", StatusCode::CREATED, Duration::ZERO);
        m.record_request("/v1/submissions", StatusCode::OK, Duration::ZERO);
        m.record_request(
            "/v1/submissions",
            StatusCode::UNPROCESSABLE_ENTITY,
            Duration::ZERO,
        );
        m.record_request("/v1/heartbeat", StatusCode::NO_CONTENT, Duration::ZERO);
        let text = m.handle.render();
        for line in [
            "union_sync_feed_pulls_total{status=\"200\"} 1",
            "union_sync_feed_pull_duration_seconds_count 1",
            "union_sync_submissions_received_total 3",
            "union_sync_submissions_duplicate_total 1",
            "union_sync_submissions_refused_total 1",
            "union_sync_heartbeats_total 1",
            "union_sync_http_requests_total{route=\"/v1/submissions\",status=\"201\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
        assert!(
            text.contains("# HELP union_sync_feed_pulls_total "),
            "{text}"
        );
    }

    #[test]
    fn streams_are_counted_by_org_while_open() {
        let m = Arc::new(Metrics::default());
        let a = m.stream_opened(OrgId(4));
        let b = m.stream_opened(OrgId(4));
        let c = m.stream_opened(OrgId(9));
        assert_eq!(m.open_streams(), 3);
        drop(b);
        let text = m.handle.render();
        assert!(
            text.contains("union_sync_event_streams_open{org=\"4\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("union_sync_event_streams_open{org=\"9\"} 1\n"),
            "{text}"
        );
        drop((a, c));
        assert_eq!(m.open_streams(), 0);
    }

    #[test]
    fn the_clock_remembers_recent_announcements_only() {
        let clock = PublishClock::default();
        for seq in 1..=(CLOCK_SPAN as u64 + 10) {
            clock.announce(seq);
        }
        clock.announce(3);
        assert!(clock.since(5).is_none(), "forgotten");
        assert!(clock.since(CLOCK_SPAN as u64 + 10).is_some());
        assert!(
            clock.since(CLOCK_SPAN as u64 + 11).is_none(),
            "not yet announced"
        );
    }
}
