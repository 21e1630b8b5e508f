//! The API the screens use. Every query runs on the blocking pool (the UI thread never waits on
//! SQLite), and sync progress arrives as events the UI subscribes to. One `Core` per kiosk
//! process: it owns the store and the sync engine.

use crate::store::{self, Saved, Store, StoreError};

mod library;
use crate::sync::{Engine, LibraryChanges, SyncConfig, SyncError, SyncEvent};
use jiff::Timestamp;
use library::Library;
pub use library::{IN_PLACE_MAX, Reindexed};
use protocol::content::{
    AttractSlide, FormDefinition, HomeLayout, NewsArticle, NewsCategory, OpeningHours, ReadingList,
};
use protocol::submission::FormAnswers;
use protocol::{
    ContentBody, ContentId, ContentItem, ContentKind, ErrorCode, MediaHash, OrgSummary,
};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, watch};

/// How the kiosk stands with the server, for the status bar and the admin panel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStatus {
    /// The branch name, from enrollment.
    pub org_name: String,
    pub last_synced: Option<Timestamp>,
    /// Set while syncs fail: since when the server has been unreachable.
    pub offline_since: Option<Timestamp>,
    /// The server refuses this kiosk (revoked): only branch IT can fix it.
    pub refused: bool,
    /// The kiosk's org is disabled: content updates are paused until it is enabled again.
    pub paused: bool,
    /// Submissions waiting for delivery.
    pub outbox_depth: u64,
    /// Submissions the server refused for good: kept on disk, no longer sent; branch IT reads
    /// them with `kiosk doctor` (and `Core::refused_submissions`).
    pub refused_submissions: u64,
    /// Free space under the data dir (below `store::DISK_FULL_BYTES` the disk counts as full).
    pub free_disk_bytes: Option<u64>,
}

/// What the first frame needs, read before the window opens ([`Core::startup`]).
#[derive(Debug, Clone, Default)]
pub struct Startup {
    pub status: SyncStatus,
    /// The org's home layout; `None`: none cached (home makes tiles from the cache).
    pub layout: Option<HomeLayout>,
    pub forms: Vec<(ContentItem, FormDefinition)>,
    /// Whether any offering (limited places) is cached: home without a layout shows 名额预约.
    pub offerings: bool,
    pub slides: Vec<AttractSlide>,
    /// `None`: always open.
    pub hours: Option<OpeningHours>,
}

/// What the status check (办理进度) found, ready for the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusCheck {
    Found(protocol::workflow::StatusAnswer),
    /// No such receipt code, or the phone digits do not match (the server does not say which).
    NotFound,
    /// Too many checks from this kiosk just now.
    TooMany,
    /// The server cannot be reached: the check needs the network.
    Offline,
}

/// An article with the local files of its images (`None` while an image is not cached yet).
#[derive(Debug, Clone)]
pub struct Article {
    pub item: ContentItem,
    pub news: NewsArticle,
    pub cover: Option<PathBuf>,
}

#[derive(Clone)]
pub struct Core {
    store: Arc<Mutex<Store>>,
    engine: Engine,
    /// The search index and the shelf.
    library: Arc<Library>,
    media_dir: PathBuf,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core").finish_non_exhaustive()
    }
}

fn bodies<T>(
    items: Vec<ContentItem>,
    pick: impl Fn(ContentBody) -> Option<T>,
) -> Vec<(ContentItem, T)> {
    items
        .into_iter()
        .filter_map(|i| pick(i.body.clone()).map(|b| (i, b)))
        .collect()
}

/// The body published nearest to the kiosk: at its own org, else at the closest ancestor; the
/// newest one where an org has several. Everything cached lies on the kiosk's path (its scope is
/// its org and its ancestors), so "nearest" is "deepest". Depth comes from the path's ids kept at
/// enrollment; when an item's org is not on that path (the kiosk was moved since, and its cache
/// resynced) or no ids were kept (an older server), a larger org id counts as deeper: an org is
/// always created after its parent, and orgs never move.
fn nearest<T>(org: Option<&OrgSummary>, items: Vec<(ContentItem, T)>) -> Option<T> {
    let path = org.map_or(&[][..], |o| o.ids.as_slice());
    let known = !path.is_empty() && items.iter().all(|(i, _)| path.contains(&i.org_id));
    items
        .into_iter()
        .max_by_key(|(item, _)| {
            let depth = known
                .then(|| path.iter().position(|id| *id == item.org_id))
                .flatten();
            (depth, item.org_id.0, item.updated_at)
        })
        .map(|(_, body)| body)
}

impl Core {
    /// Opens the enrolled kiosk's store in `dir`.
    pub fn open(dir: &Path, config: SyncConfig) -> Result<Core, SyncError> {
        let store = Arc::new(Mutex::new(Store::open(dir)?));
        let engine = Engine::new(store.clone(), config)?;
        Ok(Core {
            store,
            engine,
            library: Arc::default(),
            media_dir: dir.join("media"),
        })
    }

    /// The kiosk's identity for the admin panel: its id and org name, when enrolled.
    pub async fn identity(&self) -> Result<Option<(String, String)>, StoreError> {
        store::blocking(&self.store, |s| {
            Ok(s.enrollment()?
                .map(|e| (e.kiosk_id.to_string(), e.org.name)))
        })
        .await
    }

    /// How many items of each kind are cached, for the admin panel.
    pub async fn cached_items(&self) -> Result<u64, StoreError> {
        store::blocking(&self.store, |s| s.count(None)).await
    }

    /// Runs the sync engine in the background until `shutdown` turns true, and keeps the search
    /// index in step with the catalogue.
    pub fn start(&self, shutdown: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
        let core = self.clone();
        let mut events = self.engine.subscribe();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            match core.rebuild_search().await {
                Ok(items) => tracing::info!(
                    items,
                    ms = started.elapsed().as_millis() as u64,
                    "library: usable (search index and shelf built)"
                ),
                Err(e) => tracing::warn!(error = %e, "cannot build the search index"),
            }
            loop {
                let changes = match events.recv().await {
                    Ok(SyncEvent::Synced(summary)) => summary.library,
                    Ok(SyncEvent::Failed { .. }) => continue,
                    // Missed events: what they changed is unknown.
                    Err(broadcast::error::RecvError::Lagged(_)) => LibraryChanges::All,
                    Err(broadcast::error::RecvError::Closed) => break,
                };
                match core.follow_library(&changes).await {
                    Ok(Reindexed::Unchanged) => {}
                    Ok(done) => tracing::info!(?done, "search index updated"),
                    Err(e) => tracing::warn!(error = %e, "cannot update the search index"),
                }
            }
        });
        let engine = self.engine.clone();
        tokio::spawn(async move { engine.run(shutdown).await })
    }

    /// Sync progress and failures, as they happen.
    pub fn events(&self) -> broadcast::Receiver<SyncEvent> {
        self.engine.subscribe()
    }

    /// How far the sync under way has come (the provisioning screen's progress bar).
    pub fn progress(&self) -> watch::Receiver<crate::sync::Progress> {
        self.engine.progress()
    }

    /// Screenshot commands from the console (remote care), for the app to answer with
    /// [`Core::send_screenshot`] or [`Core::send_privacy_placeholder`].
    pub fn screenshot_requests(&self) -> broadcast::Receiver<i64> {
        self.engine.screenshot_requests()
    }

    /// Encodes the window's pixels (RGBA, `width`×`height`) as PNG off the UI thread and answers
    /// screenshot command `id` with it; an answer that cannot be made says why.
    pub async fn send_screenshot(&self, id: i64, rgba: bytes::Bytes, width: u32, height: u32) {
        let png = tokio::task::spawn_blocking(move || {
            let mut png = Vec::new();
            image::ImageEncoder::write_image(
                image::codecs::png::PngEncoder::new(&mut png),
                &rgba,
                width,
                height,
                image::ExtendedColorType::Rgba8,
            )
            .map(|()| png)
            .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|png| png);
        let client = self.engine.client();
        let sent = match png {
            Ok(png) => client.command_screenshot(id, png).await,
            Err(e) => {
                let report = protocol::command::CommandReport {
                    ok: false,
                    text: format!("the screenshot could not be encoded: {e}"),
                };
                client.command_report(id, &report).await
            }
        };
        if let Err(e) = sent {
            tracing::warn!(command = id, error = %e, "screenshot not delivered");
        }
    }

    /// Answers screenshot command `id` with the placeholder that says the screen was not
    /// captured (it could show personal data).
    pub async fn send_privacy_placeholder(&self, id: i64) {
        tracing::info!(
            command = id,
            "screenshot refused on a private screen; placeholder sent"
        );
        let png = crate::remote::PRIVACY_PLACEHOLDER.to_vec();
        if let Err(e) = self.engine.client().command_screenshot(id, png).await {
            tracing::warn!(command = id, error = %e, "screenshot placeholder not delivered");
        }
    }

    /// Sync now (the admin panel's button): deliver the outbox and pull, whatever the backoff.
    pub async fn sync_now(&self) -> Result<crate::sync::Summary, SyncError> {
        self.engine.sync_now().await
    }

    /// Adds usage counts to the store (`crate::usage`); the next heartbeats carry them.
    pub async fn record_usage(
        &self,
        counts: Vec<protocol::usage::Count>,
    ) -> Result<(), StoreError> {
        store::blocking(&self.store, move |s| s.add_usage(&counts)).await
    }

    /// The usage counts the next heartbeat carries (`None`: nothing counted).
    pub async fn usage_to_send(&self) -> Result<Option<protocol::usage::Usage>, StoreError> {
        store::blocking(&self.store, |s| s.usage_to_send()).await
    }

    pub async fn status(&self) -> Result<SyncStatus, StoreError> {
        store::blocking(&self.store, |s| read_status(s)).await
    }

    /// The home layout published nearest to the kiosk (its own org, else the closest ancestor).
    pub async fn home_layout(&self) -> Result<Option<HomeLayout>, StoreError> {
        store::blocking(&self.store, |s| read_home_layout(s)).await
    }

    /// 职代会提案: every cached call with its proposals (`crate::proposals`).
    pub async fn proposals(&self) -> Result<Vec<crate::proposals::Listed>, StoreError> {
        store::blocking(&self.store, |s| crate::proposals::read(s)).await
    }

    /// 职工之家: the kiosk's own org's page and its parent's (`crate::branch_page`).
    pub async fn branch_pages(&self) -> Result<crate::branch_page::Pages, StoreError> {
        store::blocking(&self.store, |s| crate::branch_page::read(s)).await
    }

    /// 民主管理: every cached poll with the results shown for it (`crate::polls`).
    pub async fn polls(&self) -> Result<Vec<crate::polls::Listed>, StoreError> {
        store::blocking(&self.store, |s| crate::polls::read(s)).await
    }

    /// 劳动竞赛: every cached competition, running ones first (`crate::competitions`).
    pub async fn competitions(&self) -> Result<crate::competitions::Board, StoreError> {
        let today = protocol::answers::china_today();
        store::blocking(&self.store, move |s| crate::competitions::read(s, today)).await
    }

    /// The opening hours set nearest to the kiosk (a branch's override its city's, which
    /// override the province's); `None`: no org on its path set any, so it is always open.
    pub async fn opening_hours(&self) -> Result<Option<OpeningHours>, StoreError> {
        store::blocking(&self.store, |s| read_opening_hours(s)).await
    }

    /// What the first frame shows (home's layout and forms, the status bar, the carousel's
    /// slides, the opening hours), read at once and on this thread: a few small reads, made
    /// before the window's first frame so that it is already the right one. Later changes
    /// arrive through the async loads above.
    pub fn startup(&self) -> Result<Startup, StoreError> {
        let s = self
            .store
            .lock()
            .expect("the store lock is never held across a panic");
        Ok(Startup {
            status: read_status(&s)?,
            layout: read_home_layout(&s)?,
            forms: read_forms(&s)?,
            offerings: !s.items(ContentKind::Offering)?.is_empty(),
            slides: read_slides(&s)?,
            hours: read_opening_hours(&s)?,
        })
    }

    /// Articles of a category, pinned first, newest first.
    pub async fn news(
        &self,
        category: NewsCategory,
    ) -> Result<Vec<(ContentItem, NewsArticle)>, StoreError> {
        store::blocking(&self.store, move |s| {
            let mut list = bodies(s.items(ContentKind::News)?, |b| match b {
                ContentBody::News(n) if n.category == category => Some(n),
                _ => None,
            });
            list.sort_by(|(a, an), (b, bn)| {
                bn.pinned
                    .cmp(&an.pinned)
                    .then(b.updated_at.cmp(&a.updated_at))
            });
            Ok(list)
        })
        .await
    }

    pub async fn article(&self, id: ContentId) -> Result<Option<Article>, StoreError> {
        store::blocking(&self.store, move |s| {
            let Some(item) = s.item(&id)? else {
                return Ok(None);
            };
            let ContentBody::News(news) = item.body.clone() else {
                return Ok(None);
            };
            let cover = match &news.cover {
                Some(h) => local_media(s, h)?,
                None => None,
            };
            Ok(Some(Article { item, news, cover }))
        })
        .await
    }

    /// Where a media file lives once cached (it may not be there yet).
    pub fn media_path(&self, hash: &MediaHash) -> PathBuf {
        self.media_dir.join(hash.as_str())
    }

    /// The local file of a cached image, marking it used; `None` if it is not cached (yet).
    pub async fn media(&self, hash: MediaHash) -> Result<Option<PathBuf>, StoreError> {
        store::blocking(&self.store, move |s| local_media(s, &hash)).await
    }

    pub async fn reading_lists(&self) -> Result<Vec<(ContentItem, ReadingList)>, StoreError> {
        store::blocking(&self.store, |s| {
            Ok(bodies(s.items(ContentKind::ReadingList)?, |b| match b {
                ContentBody::ReadingList(r) => Some(r),
                _ => None,
            }))
        })
        .await
    }

    pub async fn forms(&self) -> Result<Vec<(ContentItem, FormDefinition)>, StoreError> {
        store::blocking(&self.store, |s| read_forms(s)).await
    }

    /// The offerings this kiosk shows (limited places), each with the places left it last heard
    /// of from the server (`None` before any booking was made).
    pub async fn offerings(&self) -> Result<Vec<crate::places::Listed>, StoreError> {
        store::blocking(&self.store, |s| crate::places::read(s)).await
    }

    /// 知识竞赛: the quizzes this kiosk shows, each with the ranking it last heard of.
    pub async fn quizzes(&self) -> Result<Vec<crate::quiz::Listed>, StoreError> {
        store::blocking(&self.store, |s| crate::quiz::read(s)).await
    }

    /// The employee cancels a booking, with the receipt code and the phone's last four digits.
    pub async fn cancel_booking(&self, receipt: String, phone_last4: String) -> StatusCheck {
        let query = protocol::workflow::StatusQuery {
            receipt,
            phone_last4,
        };
        match self.engine.client().cancel_booking(&query).await {
            Ok(answer) => StatusCheck::Found(answer),
            Err(e) => match e.code() {
                Some(ErrorCode::NotFound) => StatusCheck::NotFound,
                Some(ErrorCode::TooManyChecks) => StatusCheck::TooMany,
                _ => StatusCheck::Offline,
            },
        }
    }

    /// The attract carousel's slides in order.
    pub async fn slides(&self) -> Result<Vec<AttractSlide>, StoreError> {
        store::blocking(&self.store, |s| read_slides(s)).await
    }

    /// Asks the server how an application stands: receipt code and the phone's last four digits.
    pub async fn check_status(&self, receipt: String, phone_last4: String) -> StatusCheck {
        let query = protocol::workflow::StatusQuery {
            receipt,
            phone_last4,
        };
        match self.engine.client().status_check(&query).await {
            Ok(answer) => StatusCheck::Found(answer),
            Err(e) => match e.code() {
                Some(ErrorCode::NotFound) => StatusCheck::NotFound,
                Some(ErrorCode::TooManyChecks) => StatusCheck::TooMany,
                _ => StatusCheck::Offline,
            },
        }
    }

    /// The submissions the server refused for good, oldest first, for the admin panel.
    pub async fn refused_submissions(&self) -> Result<Vec<store::Refused>, StoreError> {
        store::blocking(&self.store, |s| s.refused_submissions()).await
    }

    /// Whether the server has confirmed the submission (it left the outbox).
    pub async fn delivered(&self, id: String) -> Result<bool, StoreError> {
        store::blocking(&self.store, move |s| Ok(!s.in_outbox(&id)?)).await
    }

    /// Saves a submission (sealed, durable, with its receipt) and sends it as soon as it can.
    pub async fn submit(
        &self,
        form_id: ContentId,
        form_version: u32,
        answers: FormAnswers,
    ) -> Result<Saved, SyncError> {
        self.engine.submit(form_id, form_version, answers).await
    }
}

fn read_status(s: &Store) -> Result<SyncStatus, StoreError> {
    Ok(SyncStatus {
        org_name: s.enrollment()?.map(|e| e.org.name).unwrap_or_default(),
        last_synced: s.last_sync_ok()?,
        offline_since: s.offline_since()?,
        refused: s.refused()?,
        paused: s.paused()?,
        outbox_depth: s.outbox_depth()?,
        refused_submissions: s.refused_count()?,
        free_disk_bytes: s.free_disk_bytes(),
    })
}

fn read_home_layout(s: &Store) -> Result<Option<HomeLayout>, StoreError> {
    let org = s.enrollment()?.map(|e| e.org);
    let layouts = bodies(s.items(ContentKind::HomeLayout)?, |b| match b {
        ContentBody::HomeLayout(h) => Some(h),
        _ => None,
    });
    Ok(nearest(org.as_ref(), layouts))
}

fn read_opening_hours(s: &Store) -> Result<Option<OpeningHours>, StoreError> {
    let org = s.enrollment()?.map(|e| e.org);
    let hours = bodies(s.items(ContentKind::OpeningHours)?, |b| match b {
        ContentBody::OpeningHours(h) => Some(h),
        _ => None,
    });
    Ok(nearest(org.as_ref(), hours))
}

fn read_forms(s: &Store) -> Result<Vec<(ContentItem, FormDefinition)>, StoreError> {
    Ok(bodies(s.items(ContentKind::Form)?, |b| match b {
        ContentBody::Form(f) => Some(f),
        _ => None,
    }))
}

fn read_slides(s: &Store) -> Result<Vec<AttractSlide>, StoreError> {
    let mut slides: Vec<AttractSlide> = bodies(s.items(ContentKind::AttractSlide)?, |b| match b {
        ContentBody::AttractSlide(a) => Some(a),
        _ => None,
    })
    .into_iter()
    .map(|(_, a)| a)
    .collect();
    slides.sort_by_key(|a| a.order);
    Ok(slides)
}

fn local_media(s: &Store, hash: &MediaHash) -> Result<Option<PathBuf>, StoreError> {
    if !s.has_media(hash)? {
        return Ok(None);
    }
    s.touch_media(hash)?;
    Ok(Some(s.media_path(hash)))
}
