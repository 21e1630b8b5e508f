//! The media cache index: which verified files are in `media/`, their sizes and when they were
//! last used, and least-recently-used eviction that never removes what cached content needs.

use super::{Result, Store, StoreError, now_ms};
use protocol::{ContentItem, MediaHash};
use rusqlite::params;
use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

impl Store {
    /// Every media hash the cached content refers to.
    pub fn needed_media(&self) -> Result<HashSet<MediaHash>> {
        let mut stmt = self.conn.prepare(
            "SELECT item FROM items WHERE kind IN ('news', 'attract_slide', 'reading_list', 'branch_page')
                 OR (kind = 'library_item' AND item LIKE '%\"cover\"%')",
        )?;
        let mut needed = HashSet::new();
        for row in stmt.query_map([], |r| r.get::<_, String>(0))? {
            let item: ContentItem = serde_json::from_str(&row?)?;
            needed.extend(item.body.media().into_iter().cloned());
        }
        Ok(needed)
    }

    pub fn media_path(&self, hash: &MediaHash) -> PathBuf {
        self.dir.join("media").join(hash.as_str())
    }

    pub fn has_media(&self, hash: &MediaHash) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM media WHERE sha256 = ?1)")?
            .query_row([hash.as_str()], |r| r.get(0))?)
    }

    /// Writes a verified media file and then records it. The file and the folder entry are
    /// flushed to disk before the row commits, so after a power cut a recorded image is never
    /// missing or cut short; a file without a row is only wasted space, overwritten next time.
    pub fn save_media(&self, hash: &MediaHash, bytes: &[u8]) -> Result<()> {
        let path = self.media_path(hash);
        write_durably(&path, bytes).map_err(|source| StoreError::Io {
            path: path.clone(),
            source,
        })?;
        self.add_media(hash, bytes.len() as u64)
    }

    /// Writes a verified media file durably into the media folder `media_dir` without the store
    /// (so several downloads can be flushed at once); record it with [`Store::add_media_many`]
    /// afterwards. A file without a row is only wasted space, overwritten next time.
    pub fn write_media_file(media_dir: &Path, hash: &MediaHash, bytes: &[u8]) -> Result<()> {
        let path = media_dir.join(hash.as_str());
        write_durably(&path, bytes).map_err(|source| StoreError::Io { path, source })
    }

    /// Records media files already written (and verified), in one transaction.
    pub fn add_media_many(&self, files: &[(MediaHash, u64)]) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        for (hash, bytes) in files {
            self.add_media(hash, *bytes)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Records a media file already written (and verified) at `media_path(hash)`.
    pub fn add_media(&self, hash: &MediaHash, bytes: u64) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO media (sha256, bytes, last_used) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![hash.as_str(), bytes as i64, now_ms()])?;
        Ok(())
    }

    /// Marks a media file as just used (for least-recently-used eviction).
    pub fn touch_media(&self, hash: &MediaHash) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE media SET last_used = ?2 WHERE sha256 = ?1")?
            .execute(params![hash.as_str(), now_ms()])?;
        Ok(())
    }

    pub fn media_bytes(&self) -> Result<u64> {
        Ok(self
            .conn
            .query_row("SELECT coalesce(sum(bytes), 0) FROM media", [], |r| {
                r.get::<_, i64>(0)
            })? as u64)
    }

    /// Evicts least-recently-used media until the cache fits `budget` bytes, never a file in
    /// `keep` (what current content needs). Returns how many files were removed.
    pub fn evict_media(&self, budget: u64, keep: &HashSet<MediaHash>) -> Result<usize> {
        let mut total = self.media_bytes()?;
        if total <= budget {
            return Ok(0);
        }
        let candidates: Vec<(String, i64)> = self
            .conn
            .prepare("SELECT sha256, bytes FROM media ORDER BY last_used")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<std::result::Result<_, _>>()?;
        let mut removed = 0;
        for (hash, bytes) in candidates {
            if total <= budget {
                break;
            }
            let Ok(parsed) = hash.parse::<MediaHash>() else {
                continue;
            };
            if keep.contains(&parsed) {
                continue;
            }
            // The row goes first: a file without a row is only wasted space, a row without a
            // file would be a broken image.
            self.conn
                .execute("DELETE FROM media WHERE sha256 = ?1", [&hash])?;
            let _ = std::fs::remove_file(self.media_path(&parsed));
            total = total.saturating_sub(bytes as u64);
            removed += 1;
        }
        Ok(removed)
    }
}

/// Writes `bytes` to a temporary file beside `path`, flushes it, renames it into place and
/// flushes the folder, so the new name survives a power cut too.
fn write_durably(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)?;
    let dir = path
        .parent()
        .expect("a media file is inside the media folder");
    std::fs::File::open(dir)?.sync_all()
}
