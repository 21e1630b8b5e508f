//! The content cache: every item in the kiosk's scope as the feed last sent it, the cursor after
//! the last applied page, and resyncs from zero that replace the cache only once complete.

use super::meta::{self, MetaKey};
use super::{Result, Store};
use protocol::content::LibraryItem;
use protocol::{Change, ChangesResponse, ContentBody, ContentId, ContentItem, ContentKind, Cursor};
use rusqlite::{Connection, OptionalExtension, params};

/// How a page changed the cache.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    pub upserts: usize,
    pub deletes: usize,
    /// A resync from zero finished with this page; this many stale items were dropped.
    pub resync_dropped: Option<usize>,
    /// A library item was added, changed or removed (the search index needs updating).
    pub library_changed: bool,
    /// The library items this page added, changed or removed, outside a resync (a resync's
    /// pages replace the cache: the index is rebuilt after it).
    pub library_ids: Vec<ContentId>,
    /// This page is part of a resync from zero.
    pub resyncing: bool,
}

/// One page of the library catalogue ([`Store::library_page`]).
#[derive(Debug, Default)]
pub struct LibraryPage {
    pub items: Vec<(ContentId, LibraryItem)>,
    /// Where the next page starts (`None`: this was the last).
    pub next: Option<ContentId>,
}

/// Empties the cache and forgets the cursor: the next pull starts from zero.
pub(super) fn clear(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM items", [])?;
    meta::remove(
        conn,
        &[
            MetaKey::Cursor,
            MetaKey::ResyncGeneration,
            MetaKey::Resyncing,
        ],
    )
}

impl Store {
    pub fn cursor(&self) -> Result<Option<Cursor>> {
        Ok(meta::get(&self.conn, MetaKey::Cursor)?.and_then(|c| c.parse().ok()))
    }

    fn generation(&self) -> Result<i64> {
        Ok(meta::get(&self.conn, MetaKey::ResyncGeneration)?
            .and_then(|g| g.parse().ok())
            .unwrap_or(0))
    }

    /// Applies one feed page and stores its cursor, in one transaction.
    pub fn apply(&mut self, page: &ChangesResponse) -> Result<Applied> {
        let mut generation = self.generation()?;
        let mut resyncing = meta::get(&self.conn, MetaKey::Resyncing)?.is_some();
        let tx = self.conn.transaction()?;
        if page.reset {
            // Keep showing the old cache; mark what the resync brings, drop the rest at its end.
            generation += 1;
            resyncing = true;
            meta::set(&tx, MetaKey::ResyncGeneration, &generation.to_string())?;
            meta::set(&tx, MetaKey::Resyncing, "1")?;
        }
        let mut applied = Applied {
            resyncing,
            ..Applied::default()
        };
        for change in &page.changes {
            match change {
                Change::Upsert { item, .. } => {
                    tx.prepare_cached(
                        "INSERT OR REPLACE INTO items (id, kind, org_id, version, item, gen)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )?
                    .execute(params![
                        item.id.0,
                        item.body.kind().as_str(),
                        item.org_id.0,
                        item.version,
                        serde_json::to_string(item)?,
                        generation
                    ])?;
                    applied.upserts += 1;
                    if item.body.kind() == ContentKind::LibraryItem {
                        applied.library_changed = true;
                        if !resyncing {
                            applied.library_ids.push(item.id.clone());
                        }
                    }
                }
                Change::Delete { id, kind, .. } => {
                    if *kind == ContentKind::LibraryItem {
                        applied.library_changed = true;
                        if !resyncing {
                            applied.library_ids.push(id.clone());
                        }
                    }
                    tx.prepare_cached("DELETE FROM items WHERE id = ?1")?
                        .execute([&id.0])?;
                    applied.deletes += 1;
                }
            }
        }
        if resyncing && !page.has_more {
            let dropped = tx.execute("DELETE FROM items WHERE gen < ?1", [generation])?;
            applied.library_changed |= dropped > 0;
            meta::remove(&tx, &[MetaKey::Resyncing])?;
            applied.resync_dropped = Some(dropped);
        }
        meta::set(&tx, MetaKey::Cursor, &page.cursor.to_string())?;
        tx.commit()?;
        Ok(applied)
    }

    /// Every cached item of `kind`.
    pub fn items(&self, kind: ContentKind) -> Result<Vec<ContentItem>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT item FROM items WHERE kind = ?1")?;
        let rows = stmt.query_map([kind.as_str()], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(serde_json::from_str(&row?)?);
        }
        Ok(out)
    }

    /// Up to `limit` cached library items in id order, those after `after` (from the first for
    /// `None`): the catalogue a page at a time, so that building the search index and the shelf
    /// never holds every item at once. Paging by id (the primary key) sees an item rewritten
    /// between two pages once, as it was or as it is; the sync that rewrote it reports it.
    pub fn library_page(&self, after: Option<&ContentId>, limit: usize) -> Result<LibraryPage> {
        // `+kind` keeps SQLite on the primary key's index (a range scan in id order) instead of
        // `items_kind`, which would sort the whole catalogue for every page.
        let kind = ContentKind::LibraryItem.as_str();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let row = |r: &rusqlite::Row<'_>| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?));
        let rows: Vec<(String, String)> = match after {
            Some(id) => self
                .conn
                .prepare_cached(
                    "SELECT id, item FROM items WHERE id > ?1 AND +kind = ?2 ORDER BY id LIMIT ?3",
                )?
                .query_map(params![id.0, kind, limit], row)?
                .collect::<rusqlite::Result<_>>()?,
            None => self
                .conn
                .prepare_cached("SELECT id, item FROM items WHERE +kind = ?1 ORDER BY id LIMIT ?2")?
                .query_map(params![kind, limit], row)?
                .collect::<rusqlite::Result<_>>()?,
        };
        let next = match rows.last() {
            Some((id, _)) if rows.len() as i64 == limit => Some(ContentId(id.clone())),
            _ => None,
        };
        let mut items = Vec::with_capacity(rows.len());
        for (_, text) in rows {
            let item: ContentItem = serde_json::from_str(&text)?;
            if let ContentBody::LibraryItem(l) = item.body {
                items.push((item.id, l));
            }
        }
        Ok(LibraryPage { items, next })
    }

    pub fn item(&self, id: &ContentId) -> Result<Option<ContentItem>> {
        let text: Option<String> = self
            .conn
            .prepare_cached("SELECT item FROM items WHERE id = ?1")?
            .query_row([&id.0], |r| r.get(0))
            .optional()?;
        Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
    }

    /// How many items are cached: of one kind, or of every kind for `None`.
    pub fn count(&self, kind: Option<ContentKind>) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM items WHERE ?1 IS NULL OR kind = ?1",
            [kind.map(|k| k.as_str())],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as u64)
    }
}
