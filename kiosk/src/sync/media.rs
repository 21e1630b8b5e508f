//! The engine's media step: fetch what cached content needs, several at a time.

use super::{Engine, Summary, SyncError};
use crate::net::ClientError;
use crate::store::{self, Store};
use futures_util::StreamExt;
use protocol::MediaHash;

/// Images fetched at once during a sync: their requests share the kiosk's one HTTP/2
/// connection, and their durable writes (a flush of the file and of the folder each) overlap.
/// One at a time, a seed-size library's 1,000 covers took most of its initial sync
/// (BENCHMARKS.md, fleet scale).
pub const MEDIA_AT_ONCE: usize = 8;

impl Engine {
    /// Fetches the images cached content needs and does not have, [`MEDIA_AT_ONCE`] at a time
    /// (each verified against its hash and written durably on the blocking pool), records what
    /// arrived in one transaction, then evicts what the budget does not allow.
    pub(super) async fn sync_media(&self, summary: &mut Summary) -> Result<(), SyncError> {
        let (needed, missing, media_dir) = store::blocking(&self.store, |s| {
            let needed = s.needed_media()?;
            let mut missing = Vec::new();
            for hash in &needed {
                if !s.has_media(hash)? {
                    missing.push(hash.clone());
                }
            }
            Ok((needed, missing, s.dir().join("media")))
        })
        .await?;
        let have = needed.len() - missing.len();
        self.progress.send_modify(|p| {
            p.media_needed = needed.len();
            p.media_done = have;
        });
        let fetch = |hash: MediaHash| {
            let media_dir = media_dir.clone();
            async move {
                let bytes = match self.client.media(&hash).await {
                    Ok(bytes) => bytes,
                    Err(e) => return (hash, Err(SyncError::from(e))),
                };
                let len = bytes.len() as u64;
                let h = hash.clone();
                let written = tokio::task::spawn_blocking(move || {
                    Store::write_media_file(&media_dir, &h, &bytes)
                })
                .await
                .expect("writing a media file does not panic");
                (hash, written.map(|()| len).map_err(SyncError::from))
            }
        };
        let mut arrivals = futures_util::stream::iter(missing)
            .map(fetch)
            .buffer_unordered(MEDIA_AT_ONCE);
        let mut written = Vec::new();
        let mut stopped = None;
        while let Some((hash, result)) = arrivals.next().await {
            match result {
                Ok(len) => {
                    written.push((hash, len));
                    summary.media_fetched += 1;
                }
                Err(SyncError::Client(
                    e @ (ClientError::Tampered(_) | ClientError::Server { .. }),
                )) if !e.is_busy() => {
                    tracing::warn!(%hash, error = %e, "media not cached; will retry");
                    summary.media_failed += 1;
                }
                Err(e) => {
                    // A dead network, a busy server or a full disk: stop asking, keep what
                    // arrived, and try again on the next sync.
                    stopped = Some(e);
                    break;
                }
            }
            let done = have + written.len() + summary.media_failed;
            self.progress.send_modify(|p| p.media_done = done);
        }
        drop(arrivals);
        if !written.is_empty() {
            store::blocking(&self.store, move |s| s.add_media_many(&written)).await?;
        }
        if let Some(e) = stopped {
            return Err(e);
        }
        self.progress.send_modify(|p| p.media_done = needed.len());
        let budget = self.config.media_budget_bytes;
        summary.media_evicted =
            store::blocking(&self.store, move |s| s.evict_media(budget, &needed)).await?;
        Ok(())
    }
}
