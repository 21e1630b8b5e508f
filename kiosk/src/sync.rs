//! The sync engine: pulls the feed until caught up, fetches the media current content needs,
//! listens on the server's event stream and pulls on notice, and falls back to polling with
//! jitter while the stream is down. Every failure schedules another attempt with exponential
//! backoff and jitter, so the kiosk never stops trying and never hammers a recovering server.

use crate::net::{ClientError, Notice, ServerClient};
use crate::store::{self, Store, StoreError};
use futures_util::StreamExt;
use protocol::{ContentId, ErrorCode};
use rand::Rng;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, watch};

pub mod feed;
mod media;
mod outbox;
pub use media::MEDIA_AT_ONCE;

#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Largest the media cache may grow, in bytes (what current content needs is always kept).
    pub media_budget_bytes: u64,
    /// How often to poll while the event stream is down, and as a safety net while it is up.
    pub poll_interval: Duration,
    /// Longest wait between attempts after repeated failures.
    pub max_backoff: Duration,
    pub page_limit: u32,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            media_budget_bytes: 512 * 1024 * 1024,
            poll_interval: Duration::from_secs(60),
            max_backoff: Duration::from_secs(300),
            page_limit: 2000,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("this kiosk is not enrolled yet: run `kiosk enroll <enrollment string>`")]
    NotEnrolled,
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SyncError {
    /// The kiosk's own disk is full (see [`StoreError::is_disk_full`]).
    pub fn is_disk_full(&self) -> bool {
        matches!(self, SyncError::Store(e) if e.is_disk_full())
    }

    /// The server no longer accepts this kiosk (revoked, or its credentials are unknown).
    pub fn is_refused(&self) -> bool {
        matches!(
            self,
            SyncError::Client(e)
                if matches!(e.code(), Some(ErrorCode::KioskRevoked | ErrorCode::InvalidKioskCredentials))
        )
    }

    /// The server holds back this kiosk's content because its org is disabled: the cache
    /// keeps serving, and syncs go on (with backoff) until the org is enabled again.
    pub fn is_paused(&self) -> bool {
        matches!(self, SyncError::Client(e) if e.code() == Some(ErrorCode::OrgDisabled))
    }
}

/// Whether the server refuses a submission for good: sending the same bytes again can never
/// succeed, so it leaves the retry loop (kept, marked refused, shown by `kiosk doctor` and in
/// the status the admin panel reads). The answers are sealed and the receipt is already on the
/// employee's slip, so none of these can be fixed by the kiosk:
/// - `invalid_answers`: the answers break the form's rules (the server's validators are newer);
/// - `unknown_form_version`: the server holds no such published version, and versions never
///   change once published;
/// - `invalid_receipt`: the receipt does not carry this kiosk's prefix;
/// - `undecryptable`, `invalid_sealed`: the box cannot be opened with the server's key;
/// - `invalid_submission_id`, `submission_conflict`: the id or receipt belongs to another
///   submission.
///
/// Everything else (network faults, 5xx, 429, a revoked kiosk) is retried with backoff: it may
/// pass later, and a submission is never given up on while it may.
pub fn refused_for_good(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::InvalidAnswers
            | ErrorCode::UnknownFormVersion
            | ErrorCode::InvalidReceipt
            | ErrorCode::Undecryptable
            | ErrorCode::InvalidSealed
            | ErrorCode::InvalidSubmissionId
            | ErrorCode::SubmissionConflict
    )
}

/// What one catch-up did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Submissions the server confirmed and that left the outbox.
    pub delivered: usize,
    /// Submissions still waiting (delivery failed; retried with backoff).
    pub undelivered: usize,
    /// Submissions the server refused for good (kept, no longer sent).
    pub refused: usize,
    pub pages: usize,
    pub upserts: usize,
    pub deletes: usize,
    /// A resync from zero completed (the kiosk's scope changed).
    pub resynced: bool,
    /// Library items changed: the search index must be updated.
    pub library_changed: bool,
    /// Which library items changed, for updating the search index and the shelf in place.
    pub library: LibraryChanges,
    pub media_fetched: usize,
    /// Media that could not be fetched or failed verification; retried on the next sync.
    pub media_failed: usize,
    pub media_evicted: usize,
}

/// Which library items a sync added, changed or removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub enum LibraryChanges {
    #[default]
    None,
    /// These items, in the order the feed sent them (an item changed twice is named twice).
    Items(Vec<ContentId>),
    /// A resync replaced the cache, or more items changed than [`LibraryChanges::MAX_NAMED`]:
    /// only a whole rebuild is known to be right.
    All,
}

impl LibraryChanges {
    /// More changed items than this are not named one by one (the index is rebuilt whole well
    /// before: see `core::IN_PLACE_MAX`).
    pub const MAX_NAMED: usize = 10_000;

    /// Adds what one applied page changed.
    pub fn add(&mut self, applied: &crate::store::Applied) {
        if !applied.library_changed {
            return;
        }
        if applied.resyncing || applied.resync_dropped.is_some() {
            *self = LibraryChanges::All;
            return;
        }
        if *self == LibraryChanges::None {
            *self = LibraryChanges::Items(Vec::new());
        }
        if let LibraryChanges::Items(ids) = self {
            ids.extend(applied.library_ids.iter().cloned());
            if ids.len() > Self::MAX_NAMED {
                *self = LibraryChanges::All;
            }
        }
    }
}

/// Which waiting submissions a sync sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deliver {
    /// Those whose retry backoff has passed.
    Due,
    /// Every one, now, whatever its backoff says (branch IT's "sync now").
    All,
}

/// How far the sync under way has come, for a progress bar (the provisioning screen's first
/// sync): the feed position after each page, then the media it needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Pages applied in this sync.
    pub pages: usize,
    /// The feed position (`seq`) after the last page applied.
    pub seq: u64,
    /// The last page is applied: the content is complete.
    pub content_done: bool,
    /// Images current content needs, and how many of them are dealt with (cached, fetched, or
    /// failed and left for the next sync). Zero needed until the content is complete.
    pub media_needed: usize,
    pub media_done: usize,
}

/// What the screens hear from the engine.
#[derive(Debug, Clone)]
pub enum SyncEvent {
    /// Caught up; content may have changed.
    Synced(Summary),
    /// The server could not be reached or refused; the cache keeps serving.
    Failed { message: String, refused: bool },
}

/// What the event stream has brought, for observers (the fleet swarm bench): the newest
/// `changes` seq heard, how many `changes` notices arrived, and how many times a stream was
/// opened (more than once: it broke, and the engine polled until it was back).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Heard {
    pub seq: u64,
    pub notices: u64,
    pub streams: u64,
}

/// How often a kiosk reports itself at least (the server counts a kiosk online for two of these).
const HEARTBEAT_EVERY: Duration = Duration::from_secs(100);

#[derive(Clone)]
pub struct Engine {
    store: Arc<Mutex<Store>>,
    client: ServerClient,
    config: SyncConfig,
    events: broadcast::Sender<SyncEvent>,
    progress: Arc<watch::Sender<Progress>>,
    /// Poked when a submission is saved, so it is sent at once rather than at the next poll.
    outbox_changed: Arc<tokio::sync::Notify>,
    /// Screenshot commands for the app to answer (remote care; see `remote`).
    screenshots: broadcast::Sender<i64>,
    /// When the engine was made, for the heartbeat's uptime.
    started: std::time::Instant,
    last_heartbeat: Arc<Mutex<Option<std::time::Instant>>>,
    heard: Arc<watch::Sender<Heard>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Completes when `shutdown` turns true (or its sender is gone).
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is dropped here, so callers' futures stay `Send`.
    let _ = shutdown.wait_for(|down| *down).await;
}

/// Exponential backoff with full jitter: a wait drawn uniformly from zero to
/// `base · 2^(failures-1)`, capped at `max`. Kiosks that failed together (a server restart, a
/// shed herd) come back spread over the whole window rather than in step.
pub fn backoff(failures: u32, base: Duration, max: Duration) -> Duration {
    let exp = base.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    exp.min(max).mul_f64(rand::rng().random_range(0.0..=1.0))
}

/// The wait before trying again after `error`: [`backoff`], but never shorter than the
/// `Retry-After` a busy server asked for, bounded by `max` (a server cannot park a kiosk for
/// longer than its own longest backoff).
pub fn retry_delay(error: &SyncError, failures: u32, base: Duration, max: Duration) -> Duration {
    let asked = match error {
        SyncError::Client(e) => e.retry_after().map(|d| d.min(max)),
        _ => None,
    };
    backoff(failures, base, max).max(asked.unwrap_or(Duration::ZERO))
}

/// An event stream that stayed open this long was a good one: when it ends, the kiosk
/// reconnects soon and its backoff starts again. One that ends sooner counts as a failure, so a
/// server that accepts streams and drops them at once is not hammered.
const STEADY_STREAM: Duration = Duration::from_secs(30);

/// How `listen` ended.
enum Ended {
    /// The kiosk's scope changed (`reset`): reconnect now.
    Reset,
    /// The server ended the stream, or the kiosk is shutting down.
    Closed,
}

impl Engine {
    /// An engine for the enrolled kiosk whose store this is.
    pub fn new(store: Arc<Mutex<Store>>, config: SyncConfig) -> Result<Engine, SyncError> {
        let enrollment = store
            .lock()
            .expect("the store lock is never held across a panic")
            .enrollment()?
            .ok_or(SyncError::NotEnrolled)?;
        let client = ServerClient::with_pins(enrollment.server.clone(), enrollment.pins())?
            .with_credentials(&enrollment.kiosk_id, &enrollment.secret);
        let (events, _) = broadcast::channel(64);
        Ok(Engine {
            store,
            client,
            config,
            events,
            progress: Arc::new(watch::channel(Progress::default()).0),
            outbox_changed: Arc::new(tokio::sync::Notify::new()),
            screenshots: broadcast::channel(8).0,
            started: std::time::Instant::now(),
            last_heartbeat: Arc::default(),
            heard: Arc::new(watch::channel(Heard::default()).0),
        })
    }

    pub fn client(&self) -> &ServerClient {
        &self.client
    }

    pub fn subscribe(&self) -> broadcast::Receiver<SyncEvent> {
        self.events.subscribe()
    }

    pub(crate) fn store(&self) -> &Mutex<Store> {
        &self.store
    }

    /// Screenshot commands (their ids) for the app, which answers each one itself.
    pub fn screenshot_requests(&self) -> broadcast::Receiver<i64> {
        self.screenshots.subscribe()
    }

    /// Hands screenshot command `id` to the app; false when no app listens (`kiosk sync`).
    pub(crate) fn request_screenshot(&self, id: i64) -> bool {
        self.screenshots.send(id).is_ok()
    }

    /// What the event stream has brought so far, as it changes.
    pub fn heard(&self) -> watch::Receiver<Heard> {
        self.heard.subscribe()
    }

    /// The progress of the sync under way (or of the last one), as it changes.
    pub fn progress(&self) -> watch::Receiver<Progress> {
        self.progress.subscribe()
    }

    /// Delivers due submissions, pulls until caught up, then brings the media cache in line.
    /// Records the outcome.
    pub async fn sync_once(&self) -> Result<Summary, SyncError> {
        self.sync(Deliver::Due).await
    }

    /// As `sync_once`, but retries every waiting submission now, whatever its backoff says
    /// (branch IT's "sync now", `kiosk sync --once`).
    pub async fn sync_now(&self) -> Result<Summary, SyncError> {
        self.sync(Deliver::All).await
    }

    async fn sync(&self, deliver: Deliver) -> Result<Summary, SyncError> {
        let result = self.catch_up(deliver).await;
        match &result {
            Ok(summary) => {
                // A resync means the kiosk's scope changed (it, or its org, moved): its org's
                // name and ancestors did too. Read before the screens hear of the sync.
                if summary.resynced {
                    self.refresh_identity().await;
                }
                store::blocking(&self.store, |s| s.record_sync_ok()).await?;
                let _ = self.events.send(SyncEvent::Synced(summary.clone()));
                // A pull after a publish stays one request: when thousands of kiosks pull
                // together, a heartbeat and a key check after each would triple the herd
                // (BENCHMARKS.md, fleet scale). The heartbeat rides along when submissions
                // were delivered (the console's outbox column) and at least every
                // HEARTBEAT_EVERY; the announced key pins are read with it.
                if summary.delivered > 0 || self.heartbeat_due() {
                    self.heartbeat().await;
                    self.refresh_identity().await;
                }
            }
            Err(e) => {
                let message = e.to_string();
                let refused = e.is_refused();
                let paused = e.is_paused();
                let stored = message.clone();
                store::blocking(&self.store, move |s| {
                    if refused {
                        s.record_sync_refused(&stored)
                    } else if paused {
                        s.record_sync_paused(&stored)
                    } else {
                        s.record_sync_error(&stored)
                    }
                })
                .await?;
                let _ = self.events.send(SyncEvent::Failed { message, refused });
            }
        }
        result
    }

    /// No heartbeat was sent yet, or the last is `HEARTBEAT_EVERY` old.
    fn heartbeat_due(&self) -> bool {
        self.last_heartbeat
            .lock()
            .expect("the heartbeat lock is never held across a panic")
            .is_none_or(|t| t.elapsed() >= HEARTBEAT_EVERY)
    }

    /// Tells the server how this kiosk is (version, cursor, outbox, free disk, uptime, last good
    /// sync) and what people did here (`usage`). Best effort: a failed heartbeat changes
    /// nothing here, and its usage batch goes again with the next.
    async fn heartbeat(&self) {
        *self
            .last_heartbeat
            .lock()
            .expect("the heartbeat lock is never held across a panic") =
            Some(std::time::Instant::now());
        let started = self.started;
        let beat = store::blocking(&self.store, move |s| {
            Ok(protocol::workflow::Heartbeat {
                version: env!("CARGO_PKG_VERSION").to_owned(),
                cursor: s.cursor()?.map(|c| c.to_string()),
                outbox_depth: s.outbox_depth()?,
                free_disk_bytes: fs4::available_space(s.dir()).ok(),
                uptime_seconds: started.elapsed().as_secs(),
                last_sync_at: s.last_sync_ok()?,
                // Counts never cost the heartbeat: with the disk full (the case the console
                // most needs to hear of) the batch may not be writable.
                usage: s.usage_to_send().unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "cannot read the usage counts for a heartbeat");
                    None
                }),
            })
        })
        .await;
        match beat {
            Ok(beat) => match self.client.heartbeat(&beat).await {
                // The server has the usage batch: it is not sent again.
                Ok(()) => {
                    if let Some(batch) = beat.usage.map(|u| u.batch) {
                        let delivered =
                            store::blocking(&self.store, move |s| s.usage_delivered(batch)).await;
                        if let Err(e) = delivered {
                            tracing::warn!(error = %e, "cannot note the usage counts as sent");
                        }
                    }
                }
                Err(e) => tracing::debug!(error = %e, "heartbeat not delivered"),
            },
            Err(e) => tracing::warn!(error = %e, "cannot read the kiosk's state for a heartbeat"),
        }
    }

    /// Asks the server who this kiosk is (`GET /v1/kiosk`). Keeps its org as the server has
    /// it now (renamed or moved: the status bar's name, and whose home layout and hours are
    /// nearest). Keeps the keys the server answers under, so a key rotation the operator
    /// prepared does not cut this kiosk off; the new pins are taken only when they include the
    /// key this connection was verified with: an announcement can never lock the kiosk out of
    /// the server it is talking to. Best effort, like the heartbeat.
    async fn refresh_identity(&self) {
        let info = match self.client.me().await {
            Ok(info) => info,
            Err(e) => {
                tracing::debug!(error = %e, "org and key pins not refreshed");
                return;
            }
        };
        let org = info.org.clone();
        match store::blocking(&self.store, move |s| s.save_org(&org)).await {
            Ok(true) => tracing::info!(org = %info.org.id, "this kiosk's org changed"),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "cannot keep this kiosk's org"),
        }
        let announced = info.tls_pins;
        let Some(seen) = self.client.pins().last_seen() else {
            return;
        };
        if announced.is_empty() || !announced.contains(&seen) {
            // An older server announces nothing; keep what was pinned.
            return;
        }
        let pins = announced.clone();
        match store::blocking(&self.store, move |s| s.save_announced_pins(&pins)).await {
            Ok(changed) => {
                if changed {
                    tracing::info!(pins = ?announced, "the server announced its key pins");
                }
                self.client.pins().replace(announced);
            }
            Err(e) => tracing::warn!(error = %e, "cannot keep the server's key pins"),
        }
    }

    async fn catch_up(&self, deliver: Deliver) -> Result<Summary, SyncError> {
        let mut summary = Summary::default();
        self.progress.send_replace(Progress::default());
        self.deliver_outbox(deliver, &mut summary).await?;
        loop {
            let cursor = store::blocking(&self.store, |s| s.cursor()).await?;
            let page = self
                .client
                .changes(cursor, Some(self.config.page_limit))
                .await?;
            let (has_more, seq) = (page.has_more, page.cursor.seq);
            let applied = store::blocking(&self.store, move |s| s.apply(&page)).await?;
            summary.pages += 1;
            summary.upserts += applied.upserts;
            summary.deletes += applied.deletes;
            summary.resynced |= applied.resync_dropped.is_some();
            summary.library_changed |= applied.library_changed;
            summary.library.add(&applied);
            self.progress.send_modify(|p| {
                p.pages = summary.pages;
                p.seq = seq;
                p.content_done = !has_more;
            });
            if !has_more {
                break;
            }
        }
        self.sync_media(&mut summary).await?;
        Ok(summary)
    }

    /// Keeps the kiosk in step until `shutdown` turns true: catch up, then listen for notices;
    /// poll when the stream is down; back off after failures.
    pub async fn run(&self, mut shutdown: watch::Receiver<bool>) {
        let base = Duration::from_secs(1);
        let mut failures: u32 = 0;
        loop {
            let down = *shutdown.borrow();
            if down {
                return;
            }
            // A sync that works does not reset the backoff by itself: a server that answers
            // pulls but refuses streams is polled at growing intervals (up to poll_interval),
            // not asked for a stream every second.
            let wait = match self.sync_once().await {
                Ok(_) => {
                    let opened = std::time::Instant::now();
                    let ended = self.listen(&mut shutdown).await;
                    let steady = opened.elapsed() >= STEADY_STREAM;
                    if steady {
                        // However it ended, the stream worked: start the backoff again.
                        failures = 0;
                    }
                    match ended {
                        Ok(Ended::Reset) => {
                            failures = 0;
                            Duration::ZERO
                        }
                        Ok(Ended::Closed) if steady => backoff(1, base, base),
                        Ok(Ended::Closed) => {
                            failures += 1;
                            backoff(failures, base, self.config.poll_interval)
                        }
                        Err(e) => {
                            failures += 1;
                            tracing::info!(error = %e, "event stream lost; polling until it is back");
                            retry_delay(&e, failures, base, self.config.poll_interval)
                        }
                    }
                }
                Err(e) => {
                    failures += 1;
                    tracing::info!(error = %e, "sync failed; retrying later");
                    retry_delay(&e, failures, base, self.config.max_backoff)
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.outbox_changed.notified() => {}
                () = stopped(&mut shutdown) => {}
            }
        }
    }

    /// Follows the event stream, pulling when a notice is beyond the cursor, and polling now and
    /// then as a safety net. Work that fails while the stream is up (a pull, a delivery) does
    /// not end the stream: a server slow or shedding load under a herd still sends its notices,
    /// so the kiosk stays on push and tries again after a backoff (never sooner than the
    /// server's `Retry-After`), pulling once for every notice that came meanwhile. Only the
    /// stream's own end or failure ends this. Returns how the stream ended, or Err when it broke.
    async fn listen(&self, shutdown: &mut watch::Receiver<bool>) -> Result<Ended, SyncError> {
        let mut stream = Box::pin(self.client.events().await?);
        self.heard.send_modify(|h| h.streams += 1);
        let mut have = self.cursor_seq().await?;
        // When the next sync is due: at once for a notice beyond the cursor, after a backoff
        // when one failed, otherwise the safety-net poll.
        let mut due = tokio::time::Instant::now() + self.safety_poll();
        let mut failures: u32 = 0;
        loop {
            tokio::select! {
                notice = stream.next() => match notice {
                    Some(Ok(Notice::Changes(seq))) => {
                        self.heard.send_modify(|h| {
                            h.seq = h.seq.max(seq);
                            h.notices += 1;
                        });
                        // While a failed sync waits out its backoff, the notice waits with it.
                        if seq > have && failures == 0 {
                            due = tokio::time::Instant::now();
                        }
                    }
                    Some(Ok(Notice::Reset(_))) => {
                        // The kiosk moved, or its org was renamed or moved: read the org again
                        // before the sync tells the screens.
                        self.refresh_identity().await;
                        self.sync_once().await?;
                        return Ok(Ended::Reset);
                    }
                    Some(Ok(Notice::Command(command))) => crate::remote::handle(self, command).await,
                    Some(Err(e)) => return Err(e.into()),
                    None => return Ok(Ended::Closed),
                },
                () = tokio::time::sleep_until(due) => {
                    let synced = match self.sync_once().await {
                        Ok(_) => self.cursor_seq().await,
                        Err(e) => Err(e),
                    };
                    match synced {
                        Ok(seq) => {
                            have = seq;
                            failures = 0;
                            due = tokio::time::Instant::now() + self.safety_poll();
                        }
                        Err(e) => {
                            failures += 1;
                            due = self.retry_while_listening(&e, failures);
                        }
                    }
                }
                _ = self.outbox_changed.notified() => {
                    let mut summary = Summary::default();
                    if let Err(e) = self.deliver_outbox(Deliver::Due, &mut summary).await {
                        failures += 1;
                        due = self.retry_while_listening(&e, failures);
                    }
                }
                () = stopped(shutdown) => return Ok(Ended::Closed),
            }
        }
    }

    /// The feed position in the store (0 before the first page).
    async fn cursor_seq(&self) -> Result<u64, SyncError> {
        let cursor = store::blocking(&self.store, |s| s.cursor()).await?;
        Ok(cursor.map_or(0, |c| c.seq))
    }

    /// The safety-net poll while the stream is up: at most every 100 s, so the heartbeat that
    /// rides on a sync keeps the kiosk "online" in the fleet list (the server allows two 120 s
    /// intervals), jittered.
    fn safety_poll(&self) -> Duration {
        self.config
            .poll_interval
            .min(HEARTBEAT_EVERY)
            .mul_f64(rand::rng().random_range(0.8..1.2))
    }

    /// When to try again after `error`, the `failures`-th in a row, with the stream still up.
    fn retry_while_listening(&self, error: &SyncError, failures: u32) -> tokio::time::Instant {
        tracing::info!(error = %error, "sync failed while listening; the stream stays, trying again later");
        let wait = retry_delay(
            error,
            failures,
            Duration::from_secs(1),
            self.config.max_backoff,
        );
        tokio::time::Instant::now() + wait
    }
}

#[cfg(test)]
mod tests;
