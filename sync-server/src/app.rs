//! Starting the server: the binary and the tests both go through `Application::build`, which
//! opens the database, loads the TLS identity and binds the listener, then `run_until`.

use crate::api;
use crate::config::Config;
use crate::content::{self, feed_head};
use crate::db::now_ms;
use crate::state::AppState;
use anyhow::Context;
use protocol::Fingerprint;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use url::Url;

pub struct Application {
    listener: std::net::TcpListener,
    /// `/metrics`, `/healthz`, `/readyz` over plain HTTP (`metrics_listen`), when configured.
    metrics_listener: Option<std::net::TcpListener>,
    tls: Arc<rustls::ServerConfig>,
    state: AppState,
    shutdown: watch::Sender<bool>,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let listener = std::net::TcpListener::bind(config.listen)
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        listener.set_nonblocking(true)?;
        let bound = listener.local_addr()?;
        let metrics_listener = match config.metrics_listen {
            Some(addr) => {
                let l = std::net::TcpListener::bind(addr)
                    .with_context(|| format!("cannot listen for metrics on {addr}"))?;
                l.set_nonblocking(true)?;
                Some(l)
            }
            None => None,
        };
        let (state, identity, shutdown) = AppState::open(config, bound)?;
        // A restart ends the console's catalogue imports that were running.
        crate::import::catalog_jobs::mark_interrupted(&state.db).await?;
        let tls = identity.server_config()?;
        Ok(Application {
            listener,
            metrics_listener,
            tls,
            state,
            shutdown,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Where `/metrics` is served, when `metrics_listen` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .map(|l| l.local_addr().expect("a bound listener has an address"))
    }

    pub fn public_url(&self) -> &Url {
        &self.state.public_url
    }

    pub fn fingerprint(&self) -> Fingerprint {
        self.state.fingerprint
    }

    /// Shared state, for tests and the demo to seed data through the same code the API uses.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `signal` completes, then stops taking requests, ends event streams and
    /// lets requests in flight finish (up to 10 s).
    pub async fn run_until(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let handle = axum_server::Handle::new();
        // On PostgreSQL, the other instances' hubs hear what this one hears, and this one theirs;
        // and one instance runs the periodic jobs.
        let (_relay, leader) = match &self.state.config.database {
            Some(url) => {
                let pg =
                    crate::pg_tls::Target::from_url(url.as_str()).context("the database URL")?;
                (
                    Some(crate::relay::start(&pg, &self.state.hub, &self.state.pages)),
                    crate::leader::Leader::start(&pg),
                )
            }
            None => (None, crate::leader::Leader::alone()),
        };
        // Behind a balancer that sends PROXY headers, the client it names is the request's.
        let router = api::router(self.state.clone()).layer(axum::middleware::map_request(
            crate::proxy_protocol::client_as_connect_info,
        ));
        let scheduler = tokio::spawn(run_scheduler(self.state.clone()));
        let watcher = tokio::spawn(watch_other_writers(self.state.clone()));
        let commands = self
            .state
            .config
            .database
            .is_some()
            .then(|| tokio::spawn(watch_commands(self.state.clone())));
        // Publish-at and expiry run on every instance: each run is one write transaction,
        // and writes run one at a time (the write lock on PostgreSQL), so a second finds
        // nothing left due. Retention and deadlines (which mails) run on the leader only.
        // Each counts itself in the metrics while it runs.
        let retention = tokio::spawn(leader.lead({
            let state = self.state.clone();
            move || {
                let state = state.clone();
                async move {
                    let _running = state.metrics.periodic_job_started();
                    crate::workflow::retention::run_periodically(state).await;
                }
            }
        }));
        let deadlines = tokio::spawn(leader.lead({
            let state = self.state.clone();
            move || {
                let state = state.clone();
                async move {
                    let _running = state.metrics.periodic_job_started();
                    crate::deadlines::run_periodically(state).await;
                }
            }
        }));
        let upkeep = tokio::spawn(metrics_upkeep(self.state.clone()));
        let checkpoints = tokio::spawn(checkpoint_when_wanted(self.state.clone()));
        let metrics = match self.metrics_listener {
            Some(listener) => Some(tokio::spawn(serve_metrics(listener, self.state.clone()))),
            None => None,
        };
        let shutdown = self.shutdown;
        let stopper = handle.clone();
        tokio::spawn(async move {
            signal.await;
            tracing::info!("shutting down");
            shutdown.send_replace(true);
            stopper.graceful_shutdown(Some(Duration::from_secs(10)));
        });
        let config = axum_server::tls_rustls::RustlsConfig::from_config(self.tls);
        // TCP_NODELAY (without it a feed page waits on delayed ACKs, ~40 ms a request) and the
        // listed balancers' PROXY headers, before the TLS handshake.
        let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(config)
            .handshake_timeout(Duration::from_secs(10))
            .acceptor(crate::proxy_protocol::Acceptor::new(
                &self.state.config.proxy_protocol_from,
            ));
        let mut server = axum_server::from_tcp(self.listener)?
            .acceptor(acceptor)
            .handle(handle);
        // A stalled client (half a request header, then nothing) is let go instead of being
        // held for as long as it likes. HTTP/1 only: HTTP/2 has its own keep-alive and limits.
        let header_timeout = Duration::from_secs(self.state.config.header_read_timeout_seconds);
        server
            .http_builder()
            .http1()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(header_timeout);
        server
            .serve(router.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .await
            .context("server failed")?;
        scheduler.abort();
        watcher.abort();
        if let Some(task) = commands {
            task.abort();
        }
        retention.abort();
        deadlines.abort();
        upkeep.abort();
        checkpoints.abort();
        if let Some(task) = metrics {
            task.abort();
        }
        Ok(())
    }
}

/// Serves the metrics router on its own plain-HTTP listener until the server stops.
async fn serve_metrics(listener: std::net::TcpListener, state: AppState) {
    if let Ok(address) = listener.local_addr() {
        tracing::info!(%address, "serving /metrics, /healthz and /readyz over plain HTTP");
    }
    let mut shutdown = state.shutdown.clone();
    let router = crate::metrics::router(state);
    let served = async {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = shutdown.wait_for(|down| *down).await;
            })
            .await
    };
    if let Err(e) = served.await {
        tracing::error!(error = %e, "the metrics listener failed");
    }
}

/// Folds histogram samples into their buckets every few seconds, scraped or not.
async fn metrics_upkeep(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tick.tick().await;
        state.metrics.upkeep();
    }
}

/// How soon after an anonymous vote the WAL is emptied of its page images.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(2);

/// Empties the WAL (checkpoint, truncate to zero bytes) within [`CHECKPOINT_EVERY`] of a write
/// that asked for it (an anonymous vote), so a copy of the data dir holds at most the last
/// couple of seconds' commits page by page (`SECURITY.md`).
async fn checkpoint_when_wanted(state: AppState) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    loop {
        tick.tick().await;
        if let Err(e) = state.db.checkpoint_if_wanted().await {
            tracing::warn!(error = %e.chain(), "WAL checkpoint failed; retrying");
        }
    }
}

/// Applies publish-at / expire-at when they fall due: sleeps until the next one (at most a
/// minute), or until a write says the schedule changed.
async fn run_scheduler(state: AppState) {
    loop {
        let next = match content::apply_due(&state).await {
            Ok(next) => next,
            Err(e) => {
                tracing::error!(error = %e.chain(), "scheduled publishing failed; retrying");
                Some(now_ms() + 5_000)
            }
        };
        state.hub.prune();
        let wait_ms = next.map_or(60_000, |t| (t - now_ms()).clamp(0, 60_000));
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(wait_ms as u64)) => {}
            _ = state.schedule_changed.notified() => {}
        }
    }
}

/// Others write to the same database while the server runs: the CLI (`content put`, imports)
/// and, on PostgreSQL, the other instances. What they write reaches the feed but not always this
/// process's hub (the CLI never tells it; another instance's note can be lost with the relay's
/// connection, or with an instance that died between its commit and its note), so once a second,
/// and at once when the relay asks ([`crate::hub::Hub::rescan`]), the feed is read past the
/// position this watcher read up to last time, and the orgs of every row found are announced.
/// Its own position, not the hub's announced head: a later write announced first (this
/// process's, or another instance's note) must not hide an earlier row nobody announced. Feed
/// seqs commit in order (`docs/scale-out.md`), so every row up to the head read is visible in
/// the same snapshot, and each is found once.
async fn watch_other_writers(state: AppState) {
    let mut read_to = match state.db.read(feed_head).await {
        Ok(head) => {
            state.hub.content_changed(&[], head);
            head
        }
        Err(_) => 0,
    };
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = state.hub.rescan.notified() => {}
        }
        let from = read_to;
        let found = state
            .db
            .read(move |tx| {
                let head = feed_head(tx)?;
                if head <= from {
                    return Ok(None);
                }
                // Each org at its own newest row: announced at the head, an org whose rows this
                // process announced already would wake its streams again for nothing.
                let orgs = tx
                    .prepare(
                        "SELECT org_id, max(seq) FROM feed WHERE seq > ?1 AND seq <= ?2
                         GROUP BY org_id ORDER BY 2",
                    )?
                    .query_map([from as i64, head as i64], |r| {
                        Ok((protocol::OrgId(r.get(0)?), r.get::<_, i64>(1)? as u64))
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Some((orgs, head)))
            })
            .await;
        match found {
            Ok(Some((orgs, head))) => {
                read_to = head;
                let unheard = head > state.hub.announced();
                // Applied here only: every instance reads the feed for itself. Each org's
                // change is recorded before the head is announced.
                for (org, seq) in orgs {
                    state.hub.heard(crate::hub::Note::Content {
                        orgs: vec![org],
                        seq,
                    });
                }
                state.hub.heard(crate::hub::Note::Content {
                    orgs: Vec::new(),
                    seq: head,
                });
                if unheard {
                    state.schedule_changed.notify_one();
                }
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e.chain(), "cannot check for changes by other writers")
            }
        }
    }
}

/// On PostgreSQL, commands another instance queued reach this one's hub by its note; should the
/// note be lost (that instance died between its commit and the note, or a relay connection
/// dropped), this finds them: once a second, the commands queued past the highest id read last
/// time wake their kiosks' streams. Ids are taken inside write transactions, which run one at a
/// time (the write lock), so they become visible in id order and each is found once.
async fn watch_commands(state: AppState) {
    let highest = |tx: &crate::store::Tx<'_>| -> crate::error::AppResult<i64> {
        Ok(
            tx.query_row("SELECT coalesce(max(id), 0) FROM kiosk_commands", [], |r| {
                r.get(0)
            })?,
        )
    };
    let mut read_to = state.db.read(highest).await.unwrap_or(0);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let from = read_to;
        let found = state
            .db
            .read(move |tx| {
                let to = highest(tx)?;
                if to <= from {
                    return Ok((Vec::new(), to));
                }
                let kiosks = tx
                    .prepare(
                        "SELECT DISTINCT kiosk_id FROM kiosk_commands WHERE id > ?1 AND id <= ?2",
                    )?
                    .query_map([from, to], |r| r.get(0).map(protocol::KioskId))?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((kiosks, to))
            })
            .await;
        match found {
            Ok((kiosks, to)) => {
                read_to = read_to.max(to);
                for kiosk in kiosks {
                    state.hub.heard(crate::hub::Note::Command(kiosk));
                }
            }
            Err(e) => tracing::warn!(error = %e.chain(), "cannot check for queued commands"),
        }
    }
}

/// Listens for SIGTERM and Ctrl-C (SIGINT) from the moment it is called; the returned future
/// completes on either. Call it before announcing readiness, so no early signal is missed.
pub fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}
