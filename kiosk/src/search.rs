//! Library search: the in-memory index behind the kiosk's search screen, over the workers'
//! library catalogue (职工书屋). It owns how titles, authors and ISBNs are folded for matching,
//! how letters typed on the on-screen keyboard match hanzi, and how hits are ranked. The
//! catalogue itself lives in `store`; sync feeds changes in one at a time with `upsert` and
//! `remove`, and the screen calls `search` on every keystroke.
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
//! # Index
//!
//! Each item gets a slot. Posting lists, sorted by slot, say which slots contain a gram, and the
//! best place it occurs (a tier, packed into the entry's low bits): one list per initial letter,
//! per pair of initials on adjacent characters, per reading and per hanzi. One-character queries,
//! two-letter queries and queries inside one reading ("hong", "zh") are answered from these lists
//! alone, with their tiers, which matters because they match a large part of the catalogue.
//! Longer queries intersect a few lists per way of splitting their first letters into syllables
//! to get candidates, then check each candidate exactly with a small automaton over the query.
//! Replacing or removing an item retires its slot; the index is rebuilt from its own data once
//! retired slots outnumber live ones, so each change costs O(1) on average.
//!
//! # Ranking
//!
//! Exact title (or ISBN) first, then titles starting with the query, then titles containing it,
//! then the same three for authors; within a tier shorter titles first, then by id.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;

use pinyin::ToPinyinMulti;
use protocol::ContentId;
use protocol::content::LibraryKind;

#[cfg(test)]
mod tests;

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
/// Letters that can begin a reading: `a`–`z`, then `0`–`9`.
const LETTERS: u8 = 36;
/// Posting entries are `slot << TIER_BITS | tier`.
const TIER_BITS: u32 = 3;
/// Slots must leave room for the tier in a `u32` posting entry.
const MAX_SLOTS: usize = 1 << (32 - TIER_BITS);

/// How good a match is; higher ranks first, 0 is no match.
type Tier = u8;

/// Where in a field a match lies, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Position {
    Inside,
    Start,
    Whole,
}

impl Position {
    /// The position of characters `start..start + len` in a field of `field_len` characters.
    fn of(start: usize, len: usize, field_len: usize) -> Self {
        match (start, len == field_len) {
            (0, true) => Position::Whole,
            (0, false) => Position::Start,
            _ => Position::Inside,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Title,
    Author,
}

impl Field {
    /// Titles outrank authors whatever the position.
    fn tier(self, at: Position) -> Tier {
        let base = match self {
            Field::Author => 1,
            Field::Title => 4,
        };
        base + at as Tier
    }
}

/// An ISBN matches as if it were the whole title (typed in full) or its beginning.
const ISBN_WHOLE: Tier = 6;
const ISBN_PREFIX: Tier = 5;

/// The search index; see the module documentation for how it works.
#[derive(Default)]
pub struct SearchIndex {
    glyphs: Glyphs,
    postings: Postings,
    /// Every slot's fields as glyph ids, each field followed by `FIELD_END`, title first.
    units: Vec<u32>,
    slots: Vec<Slot>,
    /// Per slot; kept apart from `slots` because ranking reads them for every match.
    title_lens: Vec<u16>,
    live: Vec<bool>,
    /// Per slot, the ISBN-13 as a number (0 for none); short enough to scan whole for prefixes.
    isbns: Vec<u64>,
    by_id: HashMap<ContentId, u32>,
    retired: usize,
}

struct Slot {
    id: ContentId,
    /// Range of `SearchIndex::units`.
    start: u32,
    end: u32,
}

impl fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchIndex")
            .field("items", &self.by_id.len())
            .field("retired_slots", &self.retired)
            .field("characters", &self.glyphs.glyphs.len())
            .finish_non_exhaustive()
    }
}

impl SearchIndex {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Adds the entry, or replaces the one with the same id.
    pub fn upsert(&mut self, entry: Entry) {
        let units = self.fold_fields(&entry.title, &entry.author);
        let isbn = entry.isbn.as_deref().and_then(isbn13).unwrap_or(0);
        if let Some(&slot) = self.by_id.get(&entry.id) {
            let slot = slot as usize;
            // Sync re-sends items whose searchable text did not change; keeping their slot
            // saves index growth and compactions.
            if self.slot_units(slot) == units.as_slice() && self.isbns[slot] == isbn {
                return;
            }
            self.retire(slot);
        }
        let slot = self.push_slot(entry.id.clone(), &units, isbn);
        self.by_id.insert(entry.id, slot);
        self.compact_if_needed();
    }

    pub fn remove(&mut self, id: &ContentId) {
        if let Some(slot) = self.by_id.remove(id) {
            self.retire(slot as usize);
            self.compact_if_needed();
        }
    }

    /// The `limit` best matches after skipping `offset`, and how many matches there are in all.
    /// A query with no letters or digits finds nothing.
    pub fn search(&self, query: &str, offset: usize, limit: usize) -> Page {
        let Some(query) = Query::parse(query, &self.glyphs) else {
            return Page::default();
        };
        let mut tiers = vec![0; self.slots.len()];
        self.match_isbn(&query, &mut tiers);
        self.match_text(&query, &mut tiers);
        self.rank(&tiers, offset, limit)
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
        let s = &self.slots[slot];
        &self.units[s.start as usize..s.end as usize]
    }

    fn fields(&self, slot: usize) -> impl Iterator<Item = &[u32]> {
        let units = self.slot_units(slot);
        // Every field ends with FIELD_END, so the last split piece is always empty.
        units[..units.len().saturating_sub(1)].split(|&u| u == FIELD_END)
    }

    fn push_slot(&mut self, id: ContentId, units: &[u32], isbn: u64) -> u32 {
        assert!(self.slots.len() < MAX_SLOTS, "catalogue too large to index");
        let slot = self.slots.len() as u32;
        let start = self.units.len();
        self.units.extend_from_slice(units);
        let end = u32::try_from(self.units.len()).expect("catalogue text too large to index");
        let title_len = units.iter().take_while(|&&u| u != FIELD_END).count();
        self.slots.push(Slot {
            id,
            start: start as u32,
            end,
        });
        self.title_lens
            .push(u16::try_from(title_len).unwrap_or(u16::MAX));
        self.live.push(true);
        self.isbns.push(isbn);
        let fields = units[..units.len() - 1].split(|&u| u == FIELD_END);
        self.postings.add(slot, &self.glyphs, fields);
        slot
    }

    fn retire(&mut self, slot: usize) {
        self.live[slot] = false;
        self.slots[slot].id = ContentId(String::new());
        self.retired += 1;
    }

    fn compact_if_needed(&mut self) {
        if self.retired >= COMPACT_AFTER && self.retired > self.by_id.len() {
            self.compact();
        }
    }

    /// Rebuilds the slots and postings from the live slots, in their current order.
    fn compact(&mut self) {
        let slots = std::mem::take(&mut self.slots);
        let units = std::mem::take(&mut self.units);
        let isbns = std::mem::take(&mut self.isbns);
        let live = std::mem::take(&mut self.live);
        self.title_lens.clear();
        self.postings = Postings::default();
        self.retired = 0;
        for (old, slot) in slots.into_iter().enumerate() {
            if !live[old] {
                continue;
            }
            let fields = &units[slot.start as usize..slot.end as usize];
            let new = self.push_slot(slot.id.clone(), fields, isbns[old]);
            *self
                .by_id
                .get_mut(&slot.id)
                .expect("every live slot is in by_id") = new;
        }
    }

    fn match_isbn(&self, q: &Query, tiers: &mut [Tier]) {
        let Some(text) = q.ascii_only() else { return };
        if text.len() < 4 {
            return;
        }
        let exact = std::str::from_utf8(text).ok().and_then(isbn13);
        let mut prefixes = Vec::new();
        if text.iter().all(u8::is_ascii_digit) {
            prefixes.extend(isbn_prefix_range(text));
            // The beginning of an ISBN-10 is the beginning of its ISBN-13 after "978".
            if !text.starts_with(b"97") {
                prefixes.extend(isbn_prefix_range(&[b"978", text].concat()));
            }
        }
        if exact.is_none() && prefixes.is_empty() {
            return;
        }
        for (slot, &isbn) in self.isbns.iter().enumerate() {
            if isbn == 0 {
                continue;
            }
            if exact == Some(isbn) {
                raise(tiers, slot, ISBN_WHOLE);
            } else if prefixes.iter().any(|range| range.contains(&isbn)) {
                raise(tiers, slot, ISBN_PREFIX);
            }
        }
    }

    fn match_text(&self, q: &Query, tiers: &mut [Tier]) {
        match q.symbols[..] {
            [Symbol::Ascii(b)] => return self.mark(Gram::Initial(letter(b)), tiers),
            [Symbol::Glyph(g)] => return self.mark(Gram::Glyph(g), tiers),
            _ => {}
        }
        let candidates = if let Some(text) = q.ascii_only() {
            // The whole query may be the beginning of one character's reading ("hon", "zh").
            for (id, syllable) in self.glyphs.syllables.iter().enumerate() {
                if syllable.text().starts_with(text) {
                    self.mark(Gram::Syllable(id as u16), tiers);
                }
            }
            if let [a, b] = text {
                // Otherwise it is two characters, each typed by its first letter.
                return self.mark(Gram::InitialPair(letter(*a), letter(*b)), tiers);
            }
            self.spelled_candidates(text)
        } else {
            let mut lists: Vec<&[u32]> = q
                .symbols
                .iter()
                .filter_map(|s| match s {
                    Symbol::Glyph(g) => Some(self.postings.list(Gram::Glyph(*g))),
                    Symbol::Ascii(_) => None,
                })
                .collect();
            intersect(&mut lists)
        };
        for slot in candidates {
            let slot = slot as usize;
            if self.live[slot] && tiers[slot] < Field::Title.tier(Position::Whole) {
                raise(tiers, slot, self.verify(slot, q));
            }
        }
    }

    /// Records every slot in the gram's posting list at the tier stored with it.
    fn mark(&self, gram: Gram, tiers: &mut [Tier]) {
        for &entry in self.postings.list(gram) {
            raise(tiers, (entry >> TIER_BITS) as usize, (entry & 7) as Tier);
        }
    }

    /// Slots that may match a query of three or more letters spanning two or more characters.
    /// The query is split into its first two or three pieces every way that spells readings
    /// (an initial, or a whole syllable); the pieces' first letters must be initials of
    /// adjacent characters, and a whole syllable must be a reading somewhere in the item.
    fn spelled_candidates(&self, q: &[u8]) -> Vec<u32> {
        let mut found = Vec::new();
        for first in self.pieces(q, 0) {
            let second = first.len;
            let mut lists = vec![
                self.postings
                    .list(Gram::InitialPair(letter(q[0]), letter(q[second]))),
            ];
            lists.extend(
                first
                    .syllable
                    .map(|id| self.postings.list(Gram::Syllable(id))),
            );
            if self.ends_query(&q[second..]) {
                found.extend(intersect(&mut lists.clone()));
            }
            for next in self.pieces(q, second) {
                let third = second + next.len;
                let mut lists = lists.clone();
                lists.push(
                    self.postings
                        .list(Gram::InitialPair(letter(q[second]), letter(q[third]))),
                );
                lists.extend(
                    next.syllable
                        .map(|id| self.postings.list(Gram::Syllable(id))),
                );
                found.extend(intersect(&mut lists));
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    /// The ways a piece of `q` starting at `at` can spell one character and leave more query
    /// after it: an initial, "zh"/"ch"/"sh", or a whole syllable of two or more letters.
    fn pieces(&self, q: &[u8], at: usize) -> Vec<Piece> {
        let rest = &q[at..];
        let mut pieces = vec![Piece {
            len: 1,
            syllable: None,
        }];
        if starts_with_double_initial(rest) {
            pieces.push(Piece {
                len: 2,
                syllable: None,
            });
        }
        for (id, syllable) in self.glyphs.syllables.iter().enumerate() {
            let text = syllable.text();
            if text.len() >= 2 && rest.starts_with(text) {
                pieces.push(Piece {
                    len: text.len(),
                    syllable: Some(id as u16),
                });
            }
        }
        pieces.retain(|p| p.len < rest.len());
        pieces
    }

    /// Whether `rest` can be the last piece of a query: the beginning of some reading.
    fn ends_query(&self, rest: &[u8]) -> bool {
        rest.len() == 1
            || self
                .glyphs
                .syllables
                .iter()
                .any(|s| s.text().starts_with(rest))
    }

    /// The best tier at which the query matches the slot's title or authors, 0 if none.
    fn verify(&self, slot: usize, q: &Query) -> Tier {
        let mut fields = self.fields(slot);
        let title = fields.next().unwrap_or_default();
        if let Some(at) = self.find(title, q) {
            return Field::Title.tier(at);
        }
        fields
            .filter_map(|name| self.find(name, q))
            .max()
            .map_or(0, |at| Field::Author.tier(at))
    }

    /// Where the query matches the field, preferring the whole field, then its start.
    fn find(&self, field: &[u32], q: &Query) -> Option<Position> {
        let done = 1u64 << q.symbols.len();
        let (&first, rest) = field.split_first()?;
        // From the first character; a match still open at the last character is whole.
        let mut states = self.step(first, 1, q);
        let mut found = None;
        for &unit in rest {
            if states & done != 0 {
                found = Some(Position::Start);
                states &= !done;
            }
            if states == 0 {
                break;
            }
            states = self.step(unit, states, q);
        }
        if states & done != 0 {
            return Some(Position::Whole);
        }
        if found.is_some() {
            return found;
        }
        // From any later character: a fresh start joins before each one.
        let mut states = 0;
        for &unit in rest {
            states = self.step(unit, states | 1, q);
            if states & done != 0 {
                return Some(Position::Inside);
            }
        }
        None
    }

    /// Advances the set of query positions reached (bit `p` = the first `p` symbols typed)
    /// over one character.
    fn step(&self, unit: u32, states: u64, q: &Query) -> u64 {
        let glyph = self.glyphs.glyph(unit);
        let end = q.symbols.len();
        let mut next = 0;
        let mut pending = states;
        while pending != 0 {
            let at = pending.trailing_zeros() as usize;
            pending &= pending - 1;
            match q.symbols[at] {
                Symbol::Glyph(g) => {
                    if g == unit {
                        next |= 2 << at;
                    }
                }
                Symbol::Ascii(b) => {
                    if glyph.initials & letter_bit(b) == 0 {
                        continue;
                    }
                    let typed = &q.ascii[at..];
                    for syllable in self.glyphs.readings(glyph) {
                        let text = syllable.text();
                        if text[0] != b {
                            continue;
                        }
                        // Typed by its initial.
                        next |= 2 << at;
                        let common = text.iter().zip(typed).take_while(|(a, b)| a == b).count();
                        if common == text.len() {
                            next |= 1 << (at + common);
                        } else if at + common == end {
                            // The query ends partway through this reading.
                            next |= 1 << end;
                        }
                        if common >= 2 && starts_with_double_initial(text) {
                            next |= 4 << at;
                        }
                    }
                }
            }
        }
        next
    }

    fn rank(&self, tiers: &[Tier], offset: usize, limit: usize) -> Page {
        let want = offset.saturating_add(limit);
        let order = |a: &Ranked, b: &Ranked| {
            b.tier.cmp(&a.tier).then(a.len.cmp(&b.len)).then_with(|| {
                self.slots[a.slot as usize]
                    .id
                    .cmp(&self.slots[b.slot as usize].id)
            })
        };
        // Keeps at most about 2 * want candidates, cutting back to the best `want` when full,
        // so most matches are turned away by comparing tier and length with the cut-off.
        let mut kept: Vec<Ranked> = Vec::new();
        let mut cutoff: Option<Ranked> = None;
        let mut total = 0;
        for (slot, &tier) in tiers.iter().enumerate() {
            if tier == 0 || !self.live[slot] {
                continue;
            }
            total += 1;
            let ranked = Ranked {
                tier,
                len: self.title_lens[slot],
                slot: slot as u32,
            };
            if want == 0 || cutoff.is_some_and(|c| order(&ranked, &c) != Ordering::Less) {
                continue;
            }
            kept.push(ranked);
            if kept.len() >= want.saturating_mul(2).max(256) {
                kept.select_nth_unstable_by(want - 1, order);
                kept.truncate(want);
                cutoff = kept.last().copied();
            }
        }
        kept.sort_unstable_by(order);
        kept.truncate(want);
        let hits = kept
            .into_iter()
            .skip(offset)
            .map(|r| Hit {
                id: self.slots[r.slot as usize].id.clone(),
                score: u32::from(r.tier) << 16 | u32::from(u16::MAX - r.len),
            })
            .collect();
        Page { hits, total }
    }
}

fn raise(tiers: &mut [Tier], slot: usize, tier: Tier) {
    let t = &mut tiers[slot];
    *t = (*t).max(tier);
}

#[derive(Debug, Clone, Copy)]
struct Ranked {
    tier: Tier,
    len: u16,
    slot: u32,
}

/// A way to type one character within a longer query.
struct Piece {
    len: usize,
    /// Set when the piece is a whole syllable rather than an initial.
    syllable: Option<u16>,
}

/// Slots present in every list (entries are `slot << TIER_BITS | tier`, sorted by slot),
/// starting from the shortest list and galloping through the longer ones.
fn intersect(lists: &mut [&[u32]]) -> Vec<u32> {
    lists.sort_unstable_by_key(|l| l.len());
    let Some((first, others)) = lists.split_first() else {
        return Vec::new();
    };
    let mut slots: Vec<u32> = first.iter().map(|e| e >> TIER_BITS).collect();
    for list in others {
        let mut rest = *list;
        slots.retain(|&slot| {
            let mut bound = 1;
            while bound < rest.len() && rest[bound] >> TIER_BITS < slot {
                bound *= 2;
            }
            let skip = rest[..bound.min(rest.len())].partition_point(|e| e >> TIER_BITS < slot);
            rest = &rest[skip..];
            rest.first().is_some_and(|e| e >> TIER_BITS == slot)
        });
        if slots.is_empty() {
            break;
        }
    }
    slots
}

/// What posting lists are kept for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Gram {
    /// A character with a reading starting with this letter (see `letter`).
    Initial(u8),
    /// Two adjacent characters with readings starting with these letters.
    InitialPair(u8, u8),
    /// A character with this reading (an index into `Glyphs::syllables`).
    Syllable(u16),
    /// This character, for characters other than ASCII letters and digits.
    Glyph(u32),
}

#[derive(Default)]
struct Postings {
    initials: Vec<Vec<u32>>,
    initial_pairs: Vec<Vec<u32>>,
    syllables: Vec<Vec<u32>>,
    glyphs: Vec<Vec<u32>>,
}

impl Postings {
    fn list(&self, gram: Gram) -> &[u32] {
        let (lists, i) = match gram {
            Gram::Initial(a) => (&self.initials, usize::from(a)),
            Gram::InitialPair(a, b) => (
                &self.initial_pairs,
                usize::from(a) * usize::from(LETTERS) + usize::from(b),
            ),
            Gram::Syllable(s) => (&self.syllables, usize::from(s)),
            Gram::Glyph(g) => (&self.glyphs, g as usize),
        };
        lists.get(i).map_or(&[], Vec::as_slice)
    }

    fn list_mut(&mut self, gram: Gram) -> &mut Vec<u32> {
        let (lists, i) = match gram {
            Gram::Initial(a) => (&mut self.initials, usize::from(a)),
            Gram::InitialPair(a, b) => (
                &mut self.initial_pairs,
                usize::from(a) * usize::from(LETTERS) + usize::from(b),
            ),
            Gram::Syllable(s) => (&mut self.syllables, usize::from(s)),
            Gram::Glyph(g) => (&mut self.glyphs, g as usize),
        };
        if lists.len() <= i {
            lists.resize_with(i + 1, Vec::new);
        }
        &mut lists[i]
    }

    /// Appends `slot` (the highest so far) to the lists of every gram in its fields, each with
    /// the best tier it occurs at.
    fn add<'a>(&mut self, slot: u32, glyphs: &Glyphs, fields: impl Iterator<Item = &'a [u32]>) {
        let mut grams = Vec::new();
        for (i, field) in fields.enumerate() {
            let kind = if i == 0 { Field::Title } else { Field::Author };
            for (j, &unit) in field.iter().enumerate() {
                let glyph = glyphs.glyph(unit);
                let tier = kind.tier(Position::of(j, 1, field.len()));
                grams.extend(letters(glyph.initials).map(|a| (Gram::Initial(a), tier)));
                grams.extend(
                    glyphs.readings[glyph.readings.0 as usize..glyph.readings.1 as usize]
                        .iter()
                        .map(|&s| (Gram::Syllable(s), tier)),
                );
                if !glyph.ch.is_ascii() {
                    grams.push((Gram::Glyph(unit), tier));
                }
                if let Some(&next) = field.get(j + 1) {
                    let tier = kind.tier(Position::of(j, 2, field.len()));
                    let next = glyphs.glyph(next).initials;
                    for a in letters(glyph.initials) {
                        grams.extend(letters(next).map(|b| (Gram::InitialPair(a, b), tier)));
                    }
                }
            }
        }
        // Best tier first within each gram, so dedup keeps it.
        grams.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        grams.dedup_by_key(|g| g.0);
        for (gram, tier) in grams {
            self.list_mut(gram)
                .push(slot << TIER_BITS | u32::from(tier));
        }
    }
}

/// Every distinct character in the catalogue, with its readings; fields refer to characters
/// by their index here ("glyph id"). Only grows, which is fine: it is bounded by the script.
#[derive(Default)]
struct Glyphs {
    ids: HashMap<char, u32>,
    glyphs: Vec<Glyph>,
    /// Syllable ids of all glyphs' readings, sliced by `Glyph::readings`.
    readings: Vec<u16>,
    syllables: Vec<Syllable>,
    syllable_ids: HashMap<Syllable, u16>,
}

struct Glyph {
    ch: char,
    /// Bit `letter(b)` set when some reading starts with `b`.
    initials: u64,
    /// Range of `Glyphs::readings`.
    readings: (u32, u32),
}

impl Glyphs {
    fn intern(&mut self, ch: char) -> u32 {
        if let Some(&id) = self.ids.get(&ch) {
            return id;
        }
        let start = self.readings.len();
        let mut initials = 0;
        for syllable in readings_of(ch) {
            let next = u16::try_from(self.syllables.len()).expect("pinyin has few syllables");
            let id = *self.syllable_ids.entry(syllable).or_insert(next);
            if usize::from(id) == self.syllables.len() {
                self.syllables.push(syllable);
            }
            if !self.readings[start..].contains(&id) {
                self.readings.push(id);
                initials |= letter_bit(syllable.text()[0]);
            }
        }
        let id = self.glyphs.len() as u32;
        self.glyphs.push(Glyph {
            ch,
            initials,
            readings: (start as u32, self.readings.len() as u32),
        });
        self.ids.insert(ch, id);
        id
    }

    fn glyph(&self, id: u32) -> &Glyph {
        &self.glyphs[id as usize]
    }

    fn readings(&self, glyph: &Glyph) -> impl Iterator<Item = &Syllable> {
        self.readings[glyph.readings.0 as usize..glyph.readings.1 as usize]
            .iter()
            .map(|&s| &self.syllables[usize::from(s)])
    }
}

/// How a character can be typed: an ASCII letter or digit as itself, a hanzi by each of its
/// readings without tones ("ü" both as "v", as pinyin keyboards take it, and as "u").
fn readings_of(ch: char) -> Vec<Syllable> {
    if ch.is_ascii_alphanumeric() {
        return Syllable::new([ch]).into_iter().collect();
    }
    let Some(multi) = ch.to_pinyin_multi() else {
        return Vec::new();
    };
    let mut readings = Vec::new();
    for reading in multi {
        let plain = reading.plain();
        let spell = |u: char| {
            Syllable::new(plain.chars().map(|c| match c {
                'ü' => u,
                'ê' => 'e',
                c => c,
            }))
        };
        readings.extend(spell('v'));
        if plain.contains('ü') {
            readings.extend(spell('u'));
        }
    }
    readings
}

/// A reading as typed: up to 7 lowercase ASCII letters or digits (the longest pinyin syllable,
/// "zhuang", has 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Syllable {
    text: [u8; 7],
    len: u8,
}

impl Syllable {
    fn new(chars: impl IntoIterator<Item = char>) -> Option<Self> {
        let mut text = [0; 7];
        let mut len = 0;
        for c in chars {
            if !c.is_ascii_alphanumeric() || len == text.len() {
                return None;
            }
            text[len] = c.to_ascii_lowercase() as u8;
            len += 1;
        }
        (len > 0).then_some(Syllable {
            text,
            len: len as u8,
        })
    }

    fn text(&self) -> &[u8] {
        &self.text[..usize::from(self.len)]
    }
}

/// "zh", "ch" and "sh" are one initial, so "zhg" finds 中国.
fn starts_with_double_initial(text: &[u8]) -> bool {
    matches!(text, [b'z' | b'c' | b's', b'h', ..])
}

/// Index of an ASCII letter or digit among the `LETTERS`.
fn letter(b: u8) -> u8 {
    match b {
        b'a'..=b'z' => b - b'a',
        b'0'..=b'9' => 26 + b - b'0',
        _ => unreachable!("queries and readings hold only ASCII letters and digits here"),
    }
}

fn letter_bit(b: u8) -> u64 {
    1 << letter(b)
}

fn letters(mask: u64) -> impl Iterator<Item = u8> {
    (0..LETTERS).filter(move |&i| mask >> i & 1 == 1)
}

/// A query, folded like the catalogue.
struct Query {
    symbols: Vec<Symbol>,
    /// The ASCII symbols as bytes, 0 where a symbol is a glyph, for comparing with readings.
    ascii: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Symbol {
    Ascii(u8),
    Glyph(u32),
}

impl Query {
    /// `None` when the query cannot match anything: no letters or digits, too long, or a
    /// character that appears nowhere in the catalogue.
    fn parse(text: &str, glyphs: &Glyphs) -> Option<Query> {
        // Folding keeps one character per letter or digit, so overlong input is rejected
        // before paying for it.
        if text
            .chars()
            .filter(|c| c.is_alphanumeric())
            .nth(MAX_QUERY)
            .is_some()
        {
            return None;
        }
        let mut symbols = Vec::new();
        for c in fold(text).into_iter().flatten() {
            symbols.push(if c.is_ascii() {
                Symbol::Ascii(c as u8)
            } else {
                Symbol::Glyph(*glyphs.ids.get(&c)?)
            });
        }
        if symbols.is_empty() || symbols.len() > MAX_QUERY {
            return None;
        }
        let ascii = symbols
            .iter()
            .map(|s| match s {
                Symbol::Ascii(b) => *b,
                Symbol::Glyph(_) => 0,
            })
            .collect();
        Some(Query { symbols, ascii })
    }

    /// The query's bytes, if it is all ASCII letters and digits.
    fn ascii_only(&self) -> Option<&[u8]> {
        (!self.ascii.contains(&0)).then_some(self.ascii.as_slice())
    }
}

/// Folds text for matching: traditional to simplified, full-width ASCII to ASCII, lowercase.
/// Letters and digits come out as `Some`, anything else as `None` (a separator).
fn fold(text: &str) -> Vec<Option<char>> {
    fast2s::convert(text)
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .flat_map(char::to_lowercase)
        .map(|c| c.is_alphanumeric().then_some(c))
        .collect()
}

/// An ISBN-10 or ISBN-13 with a valid checksum, as the number of its ISBN-13.
fn isbn13(raw: &str) -> Option<u64> {
    let digits = protocol::isbn::normalize(raw)?;
    let digits = match digits.len() {
        10 => {
            let body = format!("978{}", &digits[..9]);
            let sum: u32 = body
                .bytes()
                .enumerate()
                .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
                .sum();
            format!("{body}{}", (10 - sum % 10) % 10)
        }
        _ => digits,
    };
    digits.parse().ok()
}

/// The ISBN-13 numbers starting with `digits`, if it could begin one.
fn isbn_prefix_range(digits: &[u8]) -> Option<std::ops::RangeInclusive<u64>> {
    let missing = 13usize.checked_sub(digits.len())?;
    let value = digits
        .iter()
        .fold(0u64, |v, b| v * 10 + u64::from(b - b'0'));
    let scale = 10u64.pow(missing as u32);
    Some(value * scale..=(value + 1) * scale - 1)
}
