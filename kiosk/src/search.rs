//! Library search: the in-memory index behind the kiosk's search screen, over the workers'
//! library catalogue (职工书屋). It owns how titles, authors and ISBNs are folded for matching
//! (`fold`), the posting lists (`postings`), how a query finds its matches (`matching`), and how
//! hits are ranked (`rank`). The catalogue itself lives in `store`, and the screen calls
//! `search` on every keystroke.
//!
//! `Core` builds the index from the cache a page of items at a time, off the UI thread, together
//! with the shelf, and swaps both in; after a sync that changed a few items it applies them with
//! `upsert` and `remove` in place (see `core::IN_PLACE_MAX` and BENCHMARKS.md).
//!
//! # Matching
//!
//! Text is folded the same way on both sides: traditional to simplified (fast2s), full-width
//! ASCII to ASCII, lowercase, and only letters and digits kept (punctuation and spaces are how
//! people separate words, not what they search for). A title, and each name in the author line,
//! becomes a sequence of characters. A query matches a run of consecutive characters of one
//! field: a hanzi in the query matches that hanzi; typed letters match a character through any of
//! its readings (every reading of a heteronym), spelled in full ("hong"), by its initial ("h", or
//! "zh"/"ch"/"sh"), or, at the end of the query only, by any beginning ("hon"). The forms mix
//! freely, so "hongloumeng", "hlm", "honglm" and "hong lou" all find 红楼梦. An ASCII letter or
//! digit in a title is a character whose only reading is itself, so "python" finds "Python编程".
//! Four or more digits also match the beginning of an ISBN (ISBN-10s are indexed as ISBN-13).
//!
//! With fuzzy pinyin on (the kiosk config's `fuzzy_pinyin`, default on), a spelled query's
//! whole syllables are also tried with the accent pairs swapped (z/zh, c/ch, s/sh, n/l, f/h,
//! in/ing, en/eng, an/ang): "zongguo" finds 中国. Such matches always rank after every exact
//! one.
//!
//! # Index
//!
//! Each item gets a slot. Posting lists say which slots hold a gram and where it sits at best
//! (its tier): one list per reading, per pair of readings on adjacent characters, and per hanzi.
//! Lists are in slot order, delta-encoded as varints. Any spelled query that covers at most two
//! characters ("h", "hl", "hong", "jingji", "luxun") or a single hanzi is answered from unions
//! of lists, tiers included, without looking at any item; that matters because such queries
//! match a large part of the catalogue. Longer spelled queries intersect the lists of their first
//! three characters, and hanzi queries those of their characters, to find candidates that a small
//! automaton over the query then checks exactly. Replacing or removing an item retires its slot;
//! once retired slots outnumber live ones the index is rebuilt from its own data, so each change
//! costs O(1) on average.
//!
//! # Ranking
//!
//! Exact title (or ISBN) first, then titles starting with the query, then titles containing it,
//! then the same three for authors; within a tier shorter titles first, then by id.

mod fold;
mod matching;
mod postings;
mod rank;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::collections::hash_map::Entry as Slot;
use std::fmt;
use std::hash::{Hash, Hasher};

use protocol::ContentId;
use protocol::content::LibraryKind;

use fold::{Glyphs, fold, isbn13};
use matching::Query;
use postings::{Postings, TIER_BITS};
use rank::{BEST, raise};

/// A catalogue item as the index sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: ContentId,
    pub title: String,
    /// One or more names; punctuation and spaces separate them ("曹雪芹、高鹗 著").
    pub author: String,
    /// ISBN-10 or ISBN-13, hyphens allowed. One that fails its checksum is not indexed: the
    /// server validates ISBNs, so it can only be noise.
    pub isbn: Option<String>,
    /// Carried for the caller; search neither matches nor ranks on it.
    pub kind: LibraryKind,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub id: ContentId,
    /// Higher is better: the match tier in the high bits, then shorter titles higher.
    pub score: u32,
}

/// One page of results, best first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    pub hits: Vec<Hit>,
    /// All matches, not just this page's.
    pub total: usize,
}

/// Queries longer than this (after folding) find nothing: the automaton's state is a 64-bit set
/// of query positions, and nobody types 64 letters on the on-screen keyboard.
const MAX_QUERY: usize = 63;
/// Ends each field in `SearchIndex::units`; a slot's fields are its title, then each author.
const FIELD_END: u32 = u32::MAX;
/// Retired slots are kept until they outnumber live ones and number at least this many, so a
/// small catalogue is not rebuilt on every change.
const COMPACT_AFTER: usize = 4096;

/// Slots must leave room for the tier in a `u32` posting entry.
const MAX_SLOTS: usize = 1 << (32 - TIER_BITS);

/// The search index; see the module documentation for how it works.
pub struct SearchIndex {
    glyphs: Glyphs,
    postings: Postings,
    /// Every slot's fields as glyph ids, each field followed by `FIELD_END`, title first.
    units: Vec<u32>,
    /// Per slot, where its fields start in `units`; they end where the next slot's start.
    starts: Vec<u32>,
    /// Every slot's id, back to back (a retired slot's stays until the next compaction):
    /// one allocation instead of one per id.
    id_text: String,
    /// Per slot, where its id ends in `id_text` (it starts where the previous slot's ends).
    id_ends: Vec<u32>,
    /// Per slot, in characters; ranking reads it for every match.
    title_lens: Vec<u16>,
    live: Vec<bool>,
    /// Per slot, the ISBN-13 as a number (0 for none); short enough to scan whole for prefixes.
    isbns: Vec<u64>,
    /// Live slots by a 64-bit hash of their item's id, checked against `id_text`: no second
    /// copy of every id (a 36-letter UUID, 60,000 of them).
    by_hash: HashMap<u64, u32>,
    /// The live slots whose id's hash another live id had first (practically never).
    collided: HashMap<String, u32>,
    retired: usize,
    /// What `by_hash` is keyed by: [`id_hash`] (a test makes every id collide).
    hash: fn(&str) -> u64,
}

impl Default for SearchIndex {
    fn default() -> SearchIndex {
        SearchIndex {
            glyphs: Glyphs::default(),
            postings: Postings::default(),
            units: Vec::new(),
            starts: Vec::new(),
            id_text: String::new(),
            id_ends: Vec::new(),
            title_lens: Vec::new(),
            live: Vec::new(),
            isbns: Vec::new(),
            by_hash: HashMap::new(),
            collided: HashMap::new(),
            retired: 0,
            hash: id_hash,
        }
    }
}

impl fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchIndex")
            .field("items", &self.len())
            .field("retired_slots", &self.retired)
            .field("characters", &self.glyphs.glyphs.len())
            .field("readings", &self.glyphs.syllables.len())
            .finish_non_exhaustive()
    }
}

impl SearchIndex {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.by_hash.len() + self.collided.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many slots there are, live and retired.
    fn slots(&self) -> usize {
        self.id_ends.len()
    }

    /// The id of the item in `slot` (or that was, for a retired slot).
    fn id(&self, slot: usize) -> &str {
        let start = match slot {
            0 => 0,
            _ => self.id_ends[slot - 1] as usize,
        };
        &self.id_text[start..self.id_ends[slot] as usize]
    }

    /// The live slot of `id`.
    fn slot_of(&self, id: &ContentId) -> Option<u32> {
        self.by_hash
            .get(&(self.hash)(&id.0))
            .copied()
            .filter(|&slot| self.id(slot as usize) == id.0)
            .or_else(|| self.collided.get(&id.0).copied())
    }

    /// Finds the item of `slot` by its id from now on.
    fn map(&mut self, slot: u32) {
        let hash = (self.hash)(self.id(slot as usize));
        if let Slot::Vacant(place) = self.by_hash.entry(hash) {
            place.insert(slot);
        } else {
            let id = self.id(slot as usize).to_owned();
            self.collided.insert(id, slot);
        }
    }

    /// Forgets where the item of `slot` is.
    fn unmap(&mut self, slot: u32) {
        let hash = (self.hash)(self.id(slot as usize));
        if self.by_hash.get(&hash) == Some(&slot) {
            self.by_hash.remove(&hash);
        } else {
            let id = self.id(slot as usize).to_owned();
            self.collided.remove(&id);
        }
    }

    /// Adds the entry, or replaces the one with the same id.
    pub fn upsert(&mut self, entry: Entry) {
        let units = self.fold_fields(&entry.title, &entry.author);
        let isbn = entry.isbn.as_deref().and_then(isbn13).unwrap_or(0);
        if let Some(slot) = self.slot_of(&entry.id) {
            // An item re-sent with the same searchable text keeps its slot, which saves index
            // growth and compactions.
            if self.slot_units(slot as usize) == units.as_slice()
                && self.isbns[slot as usize] == isbn
            {
                return;
            }
            self.retire(slot);
        }
        let slot = self.push_slot(&entry.id.0, &units, isbn);
        self.map(slot);
        self.compact_if_needed();
    }

    pub fn remove(&mut self, id: &ContentId) {
        if let Some(slot) = self.slot_of(id) {
            self.retire(slot);
            self.compact_if_needed();
        }
    }

    /// The `limit` best matches after skipping `offset`, and how many matches there are in all.
    /// A query with no letters or digits finds nothing. Fuzzy pinyin as the kiosk config says
    /// ([`crate::ime::fuzzy::enabled`]).
    pub fn search(&self, query: &str, offset: usize, limit: usize) -> Page {
        self.search_with(query, offset, limit, crate::ime::fuzzy::enabled())
    }

    /// The matches of a parsed query, as a tier per slot (0: none).
    fn tiers(&self, query: &Query) -> Vec<rank::Tier> {
        let mut tiers = vec![0; self.slots()];
        self.match_isbn(query, &mut tiers);
        let candidates = match query.ascii_only() {
            Some(text) => self.match_spelled(text, &mut tiers),
            None => self.match_glyphs(query, &mut tiers),
        };
        for slot in candidates {
            let slot = slot as usize;
            if self.live[slot] && tiers[slot] < BEST {
                raise(&mut tiers, slot, self.verify(slot, query));
            }
        }
        tiers
    }

    /// Glyph ids of the title, then of each author, each followed by `FIELD_END`.
    fn fold_fields(&mut self, title: &str, author: &str) -> Vec<u32> {
        let mut units: Vec<u32> = fold(title)
            .into_iter()
            .flatten()
            .map(|c| self.glyphs.intern(c))
            .collect();
        units.push(FIELD_END);
        let mut in_name = false;
        for c in fold(author) {
            match c {
                Some(c) => {
                    units.push(self.glyphs.intern(c));
                    in_name = true;
                }
                None if in_name => {
                    units.push(FIELD_END);
                    in_name = false;
                }
                None => {}
            }
        }
        if in_name {
            units.push(FIELD_END);
        }
        units
    }

    fn slot_units(&self, slot: usize) -> &[u32] {
        let end = self
            .starts
            .get(slot + 1)
            .map_or(self.units.len(), |&end| end as usize);
        &self.units[self.starts[slot] as usize..end]
    }

    fn fields(&self, slot: usize) -> impl Iterator<Item = &[u32]> {
        split_fields(self.slot_units(slot))
    }

    fn push_slot(&mut self, id: &str, units: &[u32], isbn: u64) -> u32 {
        assert!(self.slots() < MAX_SLOTS, "catalogue too large to index");
        let slot = self.slots() as u32;
        let start = u32::try_from(self.units.len()).expect("catalogue text too large to index");
        self.units.extend_from_slice(units);
        let title_len = units.iter().take_while(|&&u| u != FIELD_END).count();
        self.starts.push(start);
        self.id_text.push_str(id);
        self.id_ends
            .push(u32::try_from(self.id_text.len()).expect("ids under 4 GiB in all"));
        self.title_lens
            .push(u16::try_from(title_len).unwrap_or(u16::MAX));
        self.live.push(true);
        self.isbns.push(isbn);
        self.postings.add(slot, &self.glyphs, units);
        slot
    }

    fn retire(&mut self, slot: u32) {
        self.unmap(slot);
        let slot = slot as usize;
        self.live[slot] = false;
        self.retired += 1;
    }

    fn compact_if_needed(&mut self) {
        if self.retired >= COMPACT_AFTER && self.retired > self.len() {
            self.compact();
        }
    }

    /// Rebuilds the slots and postings from the live slots, in their current order.
    fn compact(&mut self) {
        let mut old = std::mem::take(self);
        self.glyphs = std::mem::take(&mut old.glyphs);
        self.hash = old.hash;
        for slot in 0..old.slots() {
            if !old.live[slot] {
                continue;
            }
            let end = old
                .starts
                .get(slot + 1)
                .map_or(old.units.len(), |&end| end as usize);
            let units = &old.units[old.starts[slot] as usize..end];
            let slot = self.push_slot(old.id(slot), units, old.isbns[slot]);
            self.map(slot);
        }
    }
}

/// The hash `SearchIndex::by_hash` files an id under (SipHash with fixed keys: the same in every
/// run, and collisions are handled, so nothing depends on it being unpredictable).
fn id_hash(id: &str) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    id.hash(&mut hasher);
    hasher.finish()
}

/// A slot's fields: its units split at `FIELD_END`, without the empty piece after the last.
fn split_fields(units: &[u32]) -> impl Iterator<Item = &[u32]> {
    units[..units.len().saturating_sub(1)].split(|&u| u == FIELD_END)
}
