//! The library side of [`Core`]: the search index and the shelf, built from the cache off the
//! UI thread and kept in step with each sync, and the catalogue reads the library screens make.

use super::{Core, bodies};
use crate::search::{Entry, SearchIndex};
use crate::shelf::{Card, CardView, Shelf, ShelfBuilder};
use crate::store::{self, StoreError};
use crate::sync::LibraryChanges;
use protocol::content::LibraryItem;
use protocol::{ContentBody, ContentId, ContentItem, ContentKind};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// What the library screens read, kept in step with the cache.
#[derive(Default)]
pub(super) struct Library {
    /// Built off the UI thread, then updated in place after a sync that changes a few library
    /// items (under the write lock, for microseconds), or rebuilt whole and swapped in after
    /// many; a search reads it under the read lock.
    search: RwLock<SearchIndex>,
    /// The browsable catalogue, built and updated with the search index; the screens hold the
    /// one they show, so an update makes a new one (sharing the cards).
    shelf: RwLock<Arc<Shelf>>,
    /// Whether the index was built once: until then, changes cannot be applied in place.
    indexed: AtomicBool,
}

impl Core {
    /// Rebuilds the search index and the shelf from the cache (on the blocking pool) and swaps
    /// them in. The catalogue is read [`LIBRARY_PAGE`] items at a time, each page going into
    /// both before the next is read: the whole catalogue is never in memory as items, and the
    /// store is free between pages.
    pub async fn rebuild_search(&self) -> Result<usize, StoreError> {
        let store = self.store.clone();
        let (index, shelf) = tokio::task::spawn_blocking(move || {
            let mut index = SearchIndex::new();
            let mut shelf = ShelfBuilder::default();
            let mut after = None;
            loop {
                let page = store
                    .lock()
                    .expect("the store lock is never held across a panic")
                    .library_page(after.as_ref(), LIBRARY_PAGE)?;
                for (id, item) in page.items {
                    shelf.push(CardView::of(&id, &item));
                    index.upsert(entry(id, item));
                }
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            Ok::<_, StoreError>((index, shelf.finish()))
        })
        .await
        .expect("building the index does not panic")?;
        let len = index.len();
        let old = std::mem::replace(
            &mut *self
                .library
                .search
                .write()
                .expect("the index lock is never held across a panic"),
            index,
        );
        drop(old);
        *self
            .library
            .shelf
            .write()
            .expect("the shelf lock is never held across a panic") = Arc::new(shelf);
        self.library.indexed.store(true, Ordering::Release);
        Ok(len)
    }

    /// Brings the search index and the shelf in step with what a sync changed in the library:
    /// in place when it named a few items ([`IN_PLACE_MAX`]), else by a whole rebuild. Searches
    /// meanwhile find the catalogue as before or as after, never half of a change to one item.
    pub async fn follow_library(&self, changes: &LibraryChanges) -> Result<Reindexed, StoreError> {
        let ids: Vec<ContentId> = match changes {
            LibraryChanges::None => return Ok(Reindexed::Unchanged),
            LibraryChanges::Items(ids)
                if ids.len() <= IN_PLACE_MAX && self.library.indexed.load(Ordering::Acquire) =>
            {
                let mut seen = HashSet::with_capacity(ids.len());
                ids.iter().filter(|id| seen.insert(*id)).cloned().collect()
            }
            LibraryChanges::Items(_) | LibraryChanges::All => {
                return Ok(Reindexed::Rebuilt(self.rebuild_search().await?));
            }
        };
        let count = ids.len();
        let items = store::blocking(&self.store, move |s| {
            ids.into_iter()
                .map(|id| {
                    let item = s.item(&id)?.and_then(|i| match i.body {
                        ContentBody::LibraryItem(l) => Some(l),
                        _ => None,
                    });
                    Ok((id, item))
                })
                .collect::<Result<Vec<_>, StoreError>>()
        })
        .await?;
        let core = self.clone();
        tokio::task::spawn_blocking(move || core.apply_in_place(items))
            .await
            .expect("updating the index does not panic");
        Ok(Reindexed::InPlace(count))
    }

    /// Applies changed library items (`None`: removed) to the index and the shelf.
    fn apply_in_place(&self, items: Vec<(ContentId, Option<LibraryItem>)>) {
        let changed: HashSet<ContentId> = items.iter().map(|(id, _)| id.clone()).collect();
        let added: Vec<Card> = items
            .iter()
            .filter_map(|(id, item)| item.as_ref().map(|l| Card::new(id.clone(), l)))
            .collect();
        let shelf = self.shelf().updated(&changed, added);
        {
            let mut index = self
                .library
                .search
                .write()
                .expect("the index lock is never held across a panic");
            for (id, item) in items {
                match item {
                    Some(item) => index.upsert(entry(id, item)),
                    None => index.remove(&id),
                }
            }
        }
        *self
            .library
            .shelf
            .write()
            .expect("the shelf lock is never held across a panic") = Arc::new(shelf);
    }

    /// The browsable catalogue as last built (empty until the first build finishes).
    pub fn shelf(&self) -> Arc<Shelf> {
        self.library
            .shelf
            .read()
            .expect("the shelf lock is never held across a panic")
            .clone()
    }

    /// One library item in full, for its detail screen.
    pub async fn library_item(
        &self,
        id: ContentId,
    ) -> Result<Option<(ContentItem, LibraryItem)>, StoreError> {
        store::blocking(&self.store, move |s| {
            Ok(s.item(&id)?.and_then(|item| match item.body.clone() {
                ContentBody::LibraryItem(l) => Some((item, l)),
                _ => None,
            }))
        })
        .await
    }

    /// The catalogue, a page at a time, by title.
    pub async fn library(
        &self,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<(ContentItem, LibraryItem)>, usize), StoreError> {
        store::blocking(&self.store, move |s| {
            let mut all = bodies(s.items(ContentKind::LibraryItem)?, |b| match b {
                ContentBody::LibraryItem(l) => Some(l),
                _ => None,
            });
            all.sort_by(|(_, a), (_, b)| a.title.cmp(&b.title));
            let total = all.len();
            Ok((all.into_iter().skip(offset).take(limit).collect(), total))
        })
        .await
    }

    /// Library search as the employee types: pinyin, initials, hanzi, author, ISBN; ranked and
    /// paged. Returns the page of items and how many matched in all.
    pub async fn search(
        &self,
        text: String,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<(ContentItem, LibraryItem)>, usize), StoreError> {
        let page = self
            .library
            .search
            .read()
            .expect("the index lock is never held across a panic")
            .search(&text, offset, limit);
        store::blocking(&self.store, move |s| {
            let mut items = Vec::with_capacity(page.hits.len());
            for hit in page.hits {
                if let Some(item) = s.item(&hit.id)?
                    && let ContentBody::LibraryItem(l) = item.body.clone()
                {
                    items.push((item, l));
                }
            }
            Ok((items, page.total))
        })
        .await
    }
}

/// Library changes up to this many are applied to the search index and the shelf in place;
/// more are rebuilt whole. At 100,000 items (`UPDATES=1 cargo bench -p kiosk --bench search`,
/// BENCHMARKS.md) one change takes about 2.5 ms in place and 1,000 about 31 ms, against about
/// 1 s for a whole rebuild (more with reading the catalogue from SQLite); in place still wins at
/// 10,000 (about 180 ms), but searches wait while the index is written (about 0.01 ms per
/// item), so large batches are rebuilt beside it and swapped in.
pub const IN_PLACE_MAX: usize = 1000;

/// How many library items [`Core::rebuild_search`] reads from the store at once.
const LIBRARY_PAGE: usize = 2000;

/// How the search index followed a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reindexed {
    /// No library item changed.
    Unchanged,
    /// This many changed items were applied in place.
    InPlace(usize),
    /// Rebuilt whole; this many items are indexed.
    Rebuilt(usize),
}

fn entry(id: ContentId, item: LibraryItem) -> Entry {
    Entry {
        id,
        title: item.title,
        author: item.author,
        isbn: item.isbn,
        kind: item.item_kind,
    }
}
