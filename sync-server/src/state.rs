//! What every handler shares.

use crate::config::Config;
use crate::db::Db;
use crate::hub::Hub;
use crate::tls::Identity;
use anyhow::Context;
use protocol::Fingerprint;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::{Notify, watch};
use url::Url;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub hub: Arc<Hub>,
    pub config: Arc<Config>,
    /// Poked after a write that may change when the next publish-at / expire-at falls due.
    pub schedule_changed: Arc<Notify>,
    /// The address kiosks use, for enrollment strings.
    pub public_url: Url,
    pub fingerprint: Fingerprint,
    /// The key pins announced to kiosks: the current key's, then the next one's when prepared.
    pub tls_pins: Arc<[Fingerprint]>,
    /// Where media files are kept: a directory, or an S3-compatible bucket.
    pub media: Arc<crate::media::MediaStore>,
    /// Turns true when the server is shutting down; long-lived streams end on it.
    pub shutdown: watch::Receiver<bool>,
    /// Opens the sealed boxes kiosks put submissions in.
    pub submission_key: Arc<crypto_box::SecretKey>,
    /// Rate limit of status checks, per kiosk.
    pub checks: Arc<crate::workflow::status_check::CheckLimiter>,
    /// Sign-in attempts per username and address, and turns at checking a password.
    pub logins: Arc<crate::staff::guard::LoginGuard>,
    /// Heartbeats waiting to be stored together.
    pub heartbeats: Arc<crate::workflow::fleet::HeartbeatQueue>,
    /// Kiosks' last-seen times waiting to be stored together.
    pub seen: Arc<crate::kiosks::SeenQueue>,
    /// This server's operator metrics (`/metrics` on the metrics listener).
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Delta pages at the announced head, shared by the kiosks asking for the same one.
    pub pages: Arc<crate::feed::PageCache>,
    /// The working-day calendar case deadlines are counted with (`deadlines::calendar`).
    pub calendar: Arc<crate::deadlines::Calendar>,
    /// The progress of the catalogue imports this process runs for the console.
    pub imports: Arc<crate::import::catalog_jobs::Jobs>,
}

impl AppState {
    /// Opens the data dir (creating it), its database and TLS identity, for a serving
    /// instance. `bound` is the address the server listens on, for the default public URL. The
    /// sender turns shutdown on.
    pub fn open(
        config: Config,
        bound: SocketAddr,
    ) -> anyhow::Result<(AppState, Identity, watch::Sender<bool>)> {
        AppState::open_for(config, bound, crate::secrets::KeyUse::Serve)
    }

    /// [`AppState::open`] with the keys loaded for `keys` (an operator's command).
    pub fn open_for(
        config: Config,
        bound: SocketAddr,
        keys: crate::secrets::KeyUse,
    ) -> anyhow::Result<(AppState, Identity, watch::Sender<bool>)> {
        let dir = config.data_dir()?;
        crate::db::create_private_dir(&dir)
            .with_context(|| format!("cannot create data dir {}", dir.display()))?;
        let metrics = Arc::new(crate::metrics::Metrics::default());
        let db = match &config.database {
            Some(url) => {
                Db::open_postgres(url.as_str()).context("cannot open the PostgreSQL database")?
            }
            None => Db::open(&dir.join("server.db"))
                .with_context(|| format!("cannot open the database in {}", dir.display()))?,
        }
        .with_write_wait(metrics.db_write_wait());
        let crate::secrets::Keys {
            identity,
            submission,
        } = crate::secrets::load_keys(&config, &dir, keys)?;
        let logins = Arc::new(crate::staff::guard::LoginGuard::new(
            &config.staff,
            &submission.to_bytes(),
        ));
        let submission_key = Arc::new(submission);
        let (shutdown, shutdown_rx) = watch::channel(false);
        let calendar = Arc::new(crate::deadlines::load_calendar(&config.deadlines)?);
        let state = AppState {
            db,
            hub: Arc::new(Hub::default()),
            public_url: config.public_url_for(bound),
            fingerprint: identity.fingerprint,
            tls_pins: identity.pins().into(),
            media: Arc::new(crate::media::MediaStore::open(&config.media, &dir)?),
            config: Arc::new(config),
            schedule_changed: Arc::new(Notify::new()),
            shutdown: shutdown_rx,
            submission_key,
            checks: Arc::default(),
            logins,
            heartbeats: Arc::default(),
            seen: Arc::default(),
            metrics,
            pages: Arc::default(),
            calendar,
            imports: Arc::default(),
        };
        Ok((state, identity, shutdown))
    }
}
