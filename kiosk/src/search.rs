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
/// Posting entries hold `slot << TIER_BITS | tier`.
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

/// The best tier: the whole title.
const BEST: Tier = 6;
/// An ISBN matches as if it were the whole title (typed in full) or its beginning.
const ISBN_WHOLE: Tier = BEST;
const ISBN_PREFIX: Tier = BEST - 1;

/// The search index; see the module documentation for how it works.
#[derive(Default)]
pub struct SearchIndex {
    glyphs: Glyphs,
    postings: Postings,
    /// Every slot's fields as glyph ids, each field followed by `FIELD_END`, title first.
    units: Vec<u32>,
    /// Per slot, where its fields start in `units`; they end where the next slot's start.
    starts: Vec<u32>,
    /// Per slot; a retired slot's id is emptied.
    ids: Vec<ContentId>,
    /// Per slot, in characters; ranking reads it for every match.
    title_lens: Vec<u16>,
    live: Vec<bool>,
    /// Per slot, the ISBN-13 as a number (0 for none); short enough to scan whole for prefixes.
    isbns: Vec<u64>,
    by_id: HashMap<ContentId, u32>,
    retired: usize,
}

impl fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchIndex")
            .field("items", &self.by_id.len())
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
        let mut tiers = vec![0; self.ids.len()];
        self.match_isbn(&query, &mut tiers);
        let candidates = match query.ascii_only() {
            Some(text) => self.match_spelled(text, &mut tiers),
            None => self.match_glyphs(&query, &mut tiers),
        };
        for slot in candidates {
            let slot = slot as usize;
            if self.live[slot] && tiers[slot] < BEST {
                raise(&mut tiers, slot, self.verify(slot, &query));
            }
        }
        self.rank(&mut tiers, offset, limit)
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

    fn push_slot(&mut self, id: ContentId, units: &[u32], isbn: u64) -> u32 {
        assert!(self.ids.len() < MAX_SLOTS, "catalogue too large to index");
        let slot = self.ids.len() as u32;
        let start = u32::try_from(self.units.len()).expect("catalogue text too large to index");
        self.units.extend_from_slice(units);
        let title_len = units.iter().take_while(|&&u| u != FIELD_END).count();
        self.starts.push(start);
        self.ids.push(id);
        self.title_lens
            .push(u16::try_from(title_len).unwrap_or(u16::MAX));
        self.live.push(true);
        self.isbns.push(isbn);
        self.postings.add(slot, &self.glyphs, units);
        slot
    }

    fn retire(&mut self, slot: usize) {
        self.live[slot] = false;
        self.ids[slot] = ContentId(String::new());
        self.retired += 1;
    }

    fn compact_if_needed(&mut self) {
        if self.retired >= COMPACT_AFTER && self.retired > self.by_id.len() {
            self.compact();
        }
    }

    /// Rebuilds the slots and postings from the live slots, in their current order.
    fn compact(&mut self) {
        let old = std::mem::take(self);
        self.glyphs = old.glyphs;
        self.by_id = old.by_id;
        for (slot, id) in old.ids.into_iter().enumerate() {
            if !old.live[slot] {
                continue;
            }
            let end = old
                .starts
                .get(slot + 1)
                .map_or(old.units.len(), |&end| end as usize);
            let units = &old.units[old.starts[slot] as usize..end];
            *self
                .by_id
                .get_mut(&id)
                .expect("every live slot is in by_id") = self.ids.len() as u32;
            self.push_slot(id, units, old.isbns[slot]);
        }
    }

    fn match_isbn(&self, q: &Query, tiers: &mut [Tier]) {
        let Some(text) = q.ascii_only() else { return };
        if text.len() < 4 {
            return;
        }
        // u64::MAX is no ISBN-13, so it stands for "no exact match".
        let exact = std::str::from_utf8(text)
            .ok()
            .and_then(isbn13)
            .unwrap_or(u64::MAX);
        // Empty ranges where a prefix does not apply.
        let (mut prefix, mut prefix10) = ((1, 0), (1, 0));
        if text.iter().all(u8::is_ascii_digit) {
            prefix = isbn_prefix_range(text).unwrap_or(prefix);
            // The beginning of an ISBN-10 is the beginning of its ISBN-13 after "978".
            if !text.starts_with(b"97") {
                prefix10 = isbn_prefix_range(&[b"978", text].concat()).unwrap_or(prefix10);
            }
        }
        if exact == u64::MAX && prefix.0 > prefix.1 && prefix10.0 > prefix10.1 {
            return;
        }
        for (tier, &isbn) in tiers.iter_mut().zip(&self.isbns) {
            let in_prefix = (prefix.0 <= isbn && isbn <= prefix.1)
                || (prefix10.0 <= isbn && isbn <= prefix10.1);
            let found = if isbn == exact {
                ISBN_WHOLE
            } else if in_prefix && isbn != 0 {
                ISBN_PREFIX
            } else {
                0
            };
            *tier = (*tier).max(found);
        }
    }

    /// Marks matches of an all-ASCII query that span one or two characters, and returns the
    /// slots that may hold a match spanning three or more, to be verified.
    fn match_spelled(&self, q: &[u8], tiers: &mut [Tier]) -> Vec<u32> {
        // One character's reading holds the whole query ("h", "hon", "zh").
        if let [letter] = q {
            self.mark(self.postings.initial(*letter), tiers);
        } else {
            for id in self.glyphs.starting_with(q).iter() {
                self.mark(self.postings.syllable(id), tiers);
            }
        }
        let mut candidates = Vec::new();
        for first in self.pieces(q, 0) {
            // Two characters: `first`, then one whose reading begins with the rest.
            let last = self.glyphs.starting_with(&q[first.len..]);
            for list in self.postings.pairs(&first.readings, &last) {
                self.mark(list, tiers);
            }
            // Three or more: the characters of the first two pieces are adjacent, and so are
            // the second and one with the third piece's initial.
            for second in self.pieces(q, first.len) {
                let third = first.len + second.len;
                let next = self.glyphs.starting_with(&q[third..=third]);
                let adjacent: Vec<_> = self
                    .postings
                    .pairs(&first.readings, &second.readings)
                    .collect();
                let then: Vec<_> = self.postings.pairs(&second.readings, &next).collect();
                self.in_both(&adjacent, &then, &mut candidates);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates
    }

    /// The ways a piece of `q` starting at `at` can spell one character and leave more query
    /// after it: by initial, by "zh"/"ch"/"sh", or as a whole syllable.
    fn pieces(&self, q: &[u8], at: usize) -> Vec<Piece> {
        let rest = &q[at..];
        let mut pieces = vec![Piece {
            len: 1,
            readings: self.glyphs.starting_with(&rest[..1]),
        }];
        if starts_with_double_initial(rest) {
            pieces.push(Piece {
                len: 2,
                readings: self.glyphs.starting_with(&rest[..2]),
            });
        }
        for (id, syllable) in self.glyphs.syllables.iter().enumerate() {
            let text = syllable.text();
            if text.len() >= 2 && rest.starts_with(text) {
                let mut readings = SyllableSet::default();
                readings.insert(id as u16);
                pieces.push(Piece {
                    len: text.len(),
                    readings,
                });
            }
        }
        pieces.retain(|p| p.len < rest.len());
        pieces
    }

    /// Appends the slots in some list of `a` and in some list of `b`, maybe more than once.
    fn in_both(&self, a: &[&PostingList], b: &[&PostingList], out: &mut Vec<u32>) {
        let size = |lists: &[&PostingList]| lists.iter().map(|l| l.bytes.len()).sum::<usize>();
        let (small, large) = if size(a) <= size(b) { (a, b) } else { (b, a) };
        if size(small) == 0 {
            return;
        }
        // A bit per slot (12.5 kB for 100,000) beats sorting unions of many lists.
        let mut seen = vec![0u64; self.ids.len().div_ceil(64)];
        for (slot, _) in small.iter().flat_map(|l| l.iter()) {
            seen[slot as usize / 64] |= 1 << (slot % 64);
        }
        for (slot, _) in large.iter().flat_map(|l| l.iter()) {
            if seen[slot as usize / 64] >> (slot % 64) & 1 == 1 {
                out.push(slot);
            }
        }
    }

    /// Marks the matches of a query with hanzi in it where the index alone can place them, and
    /// returns the other slots holding all of its hanzi, to be verified.
    fn match_glyphs(&self, q: &Query, tiers: &mut [Tier]) -> Vec<u32> {
        let lists: Vec<&GlyphList> = q
            .symbols
            .iter()
            .filter_map(|s| match s {
                Symbol::Glyph(g) => Some(self.postings.glyph(*g)),
                Symbol::Ascii(_) => None,
            })
            .collect();
        if let ([list], 1) = (&lists[..], q.symbols.len()) {
            self.mark(&list.slots, tiers);
            return Vec::new();
        }
        // The slots in every list, each with where each hanzi first occurs there.
        let n = lists.len();
        let Some(shortest) = (0..n).min_by_key(|&k| lists[k].slots.bytes.len()) else {
            return Vec::new();
        };
        let mut slots = Vec::new();
        let mut firsts = Vec::new();
        for (slot, first) in lists[shortest].entries() {
            slots.push(slot);
            firsts.extend((0..n).map(|k| if k == shortest { first } else { REPEATED }));
        }
        for (k, list) in lists.iter().enumerate() {
            if k == shortest {
                continue;
            }
            let mut entries = list.entries().peekable();
            let mut kept = 0;
            for i in 0..slots.len() {
                let slot = slots[i];
                while entries.next_if(|&(s, _)| s < slot).is_some() {}
                if let Some(&(s, first)) = entries.peek()
                    && s == slot
                {
                    slots[kept] = slot;
                    firsts.copy_within(i * n..(i + 1) * n, kept * n);
                    firsts[kept * n + k] = first;
                    kept += 1;
                }
            }
            slots.truncate(kept);
            firsts.truncate(kept * n);
        }
        let mut unplaced = Vec::new();
        for (slot, firsts) in slots.into_iter().zip(firsts.chunks_exact(n)) {
            match self.place(slot as usize, firsts, q) {
                Some(tier) => raise(tiers, slot as usize, tier),
                None => unplaced.push(slot),
            }
        }
        unplaced
    }

    /// The tier of a hanzi-only query in a slot, from where each of its characters first occurs
    /// there (0: no match); `None` when that cannot tell: a character occurs more than once, or
    /// the match is outside the title, or the query has letters too.
    fn place(&self, slot: usize, firsts: &[u8], q: &Query) -> Option<Tier> {
        if q.glyphs.is_none() || firsts.contains(&REPEATED) {
            return None;
        }
        if !firsts.windows(2).all(|w| w[0] + 1 == w[1]) {
            return Some(0);
        }
        let start = usize::from(firsts[0]);
        let title_len = usize::from(self.title_lens[slot]);
        (start + firsts.len() <= title_len)
            .then(|| Field::Title.tier(Position::of(start, firsts.len(), title_len)))
    }

    /// Records every slot in the list at the tier stored with it.
    fn mark(&self, list: &PostingList, tiers: &mut [Tier]) {
        for (slot, tier) in list.iter() {
            raise(tiers, slot as usize, tier);
        }
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
        if let Some(glyphs) = &q.glyphs {
            let (&head, tail) = glyphs.split_first()?;
            let last_start = field.len().checked_sub(glyphs.len())?;
            // The first start found is the best: whole or start come before inside.
            return (0..=last_start)
                .find(|&i| field[i] == head && field[i + 1..].iter().zip(tail).all(|(a, b)| a == b))
                .map(|i| Position::of(i, glyphs.len(), field.len()));
        }
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

    /// Advances the set of query positions reached (bit `p`: the first `p` symbols are typed)
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

    fn rank(&self, tiers: &mut [Tier], offset: usize, limit: usize) -> Page {
        // Retired slots may still be marked; clearing them in one pass that the compiler
        // vectorises is cheaper than testing each match.
        for (tier, &live) in tiers.iter_mut().zip(&self.live) {
            *tier *= Tier::from(live);
        }
        let mut best = Best::new(self, offset.saturating_add(limit));
        let words = tiers.chunks_exact(8);
        let rest = words.remainder();
        for (w, word) in words.enumerate() {
            let word = u64::from_le_bytes(word.try_into().expect("chunks of eight"));
            // One bit per matching slot (tiers fit in three bits). Most queries match few
            // slots, and the rest cluster, so this skips most slots eight at a time and
            // never branches on a slot that did not match.
            let mut matched = (word | word >> 1 | word >> 2) & 0x0101_0101_0101_0101;
            while matched != 0 {
                let i = matched.trailing_zeros() as usize / 8;
                matched &= matched - 1;
                best.offer(w * 8 + i, (word >> (i * 8)) as Tier);
            }
        }
        let base = tiers.len() - rest.len();
        for (i, &tier) in rest.iter().enumerate() {
            if tier != 0 {
                best.offer(base + i, tier);
            }
        }
        best.into_page(offset)
    }
}

/// The best matches seen so far, and how many matches there were.
struct Best<'a> {
    index: &'a SearchIndex,
    want: usize,
    /// (key, slot): keys order by tier, best first, then by title length; ids only break ties
    /// among the few matches that get in here.
    kept: Vec<(u32, u32)>,
    /// Keys above this are turned away.
    cutoff: u32,
    total: usize,
}

impl<'a> Best<'a> {
    fn new(index: &'a SearchIndex, want: usize) -> Self {
        Best {
            index,
            want,
            kept: Vec::new(),
            cutoff: u32::MAX,
            total: 0,
        }
    }

    fn offer(&mut self, slot: usize, tier: Tier) {
        self.total += 1;
        let key = u32::from(BEST - tier) << 16 | u32::from(self.index.title_lens[slot]);
        if key <= self.cutoff {
            self.keep(key, slot as u32);
        }
    }

    fn keep(&mut self, key: u32, slot: u32) {
        let want = self.want;
        if want == 0 {
            return;
        }
        self.kept.push((key, slot));
        // Cut back to the best `want` once twice that many are kept.
        if self.kept.len() >= want.saturating_mul(2).max(256) {
            self.kept
                .select_nth_unstable_by(want - 1, |a, b| self.index.order(*a, *b));
            self.kept.truncate(want);
            self.cutoff = self.kept[want - 1].0;
        }
    }

    fn into_page(mut self, offset: usize) -> Page {
        self.kept.sort_unstable_by(|a, b| self.index.order(*a, *b));
        self.kept.truncate(self.want);
        let hits = self
            .kept
            .into_iter()
            .skip(offset)
            .map(|(key, slot)| Hit {
                id: self.index.ids[slot as usize].clone(),
                score: (u32::from(BEST) << 16 | u32::from(u16::MAX)) - key,
            })
            .collect();
        Page {
            hits,
            total: self.total,
        }
    }
}

impl SearchIndex {
    /// Ranking order of two `Best::kept` entries.
    fn order(&self, a: (u32, u32), b: (u32, u32)) -> std::cmp::Ordering {
        a.0.cmp(&b.0)
            .then_with(|| self.ids[a.1 as usize].cmp(&self.ids[b.1 as usize]))
    }
}

/// A slot's fields: its units split at `FIELD_END`, without the empty piece after the last.
fn split_fields(units: &[u32]) -> impl Iterator<Item = &[u32]> {
    units[..units.len().saturating_sub(1)].split(|&u| u == FIELD_END)
}

fn raise(tiers: &mut [Tier], slot: usize, tier: Tier) {
    let t = &mut tiers[slot];
    *t = (*t).max(tier);
}

/// A way to type one character within a longer query.
struct Piece {
    len: usize,
    /// The readings the character may have.
    readings: SyllableSet,
}

/// A set of syllable ids.
#[derive(Default)]
struct SyllableSet(Vec<u64>);

impl SyllableSet {
    fn insert(&mut self, id: u16) {
        let word = usize::from(id / 64);
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << (id % 64);
    }

    fn contains(&self, id: u16) -> bool {
        self.0
            .get(usize::from(id / 64))
            .is_some_and(|w| w >> (id % 64) & 1 == 1)
    }

    fn iter(&self) -> impl Iterator<Item = u16> {
        self.0.iter().enumerate().flat_map(|(word, &bits)| {
            (0..64u16)
                .filter(move |b| bits >> b & 1 == 1)
                .map(move |b| word as u16 * 64 + b)
        })
    }
}

/// Slots in increasing order, each with a tier, stored as LEB128 varints of
/// `(slot - previous slot - 1) << TIER_BITS | tier`: most gaps are small, so most entries take
/// one byte instead of four.
#[derive(Default)]
struct PostingList {
    bytes: Vec<u8>,
    /// The last slot pushed, plus one.
    next: u32,
}

static EMPTY: PostingList = PostingList {
    bytes: Vec::new(),
    next: 0,
};

impl PostingList {
    fn push(&mut self, slot: u32, tier: Tier) {
        let mut value = (slot - self.next) << TIER_BITS | u32::from(tier);
        while value >= 0x80 {
            self.bytes.push(value as u8 | 0x80);
            value >>= 7;
        }
        self.bytes.push(value as u8);
        self.next = slot + 1;
    }

    fn iter(&self) -> impl Iterator<Item = (u32, Tier)> {
        let mut bytes = self.bytes.iter();
        let mut next = 0;
        std::iter::from_fn(move || {
            let mut value = 0u32;
            let mut shift = 0;
            loop {
                let byte = *bytes.next()?;
                value |= u32::from(byte & 0x7f) << shift;
                if byte < 0x80 {
                    break;
                }
                shift += 7;
            }
            let slot = next + (value >> TIER_BITS);
            next = slot + 1;
            Some((slot, (value & ((1 << TIER_BITS) - 1)) as Tier))
        })
    }
}

/// What posting lists are kept for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Gram {
    /// A character with a reading that starts with this letter (a bit of `letter_bit`).
    Initial(u8),
    /// A character with this reading (an index into `Glyphs::syllables`).
    Syllable(u16),
    /// Adjacent characters with these readings.
    Pair(u16, u16),
}

#[derive(Default)]
struct Postings {
    /// By bit of `letter_bit`: the same slots as the lists of all readings starting with that
    /// letter, in one list, because one-letter queries are the commonest of all.
    initials: Vec<PostingList>,
    syllables: Vec<PostingList>,
    /// By first reading: (second reading, list), sorted by second reading.
    pairs: Vec<Vec<(u16, PostingList)>>,
    /// By glyph id, for characters other than ASCII letters and digits.
    glyphs: Vec<GlyphList>,
}

/// Where a glyph does not occur exactly once within the first 255 units of a slot.
const REPEATED: u8 = u8::MAX;

/// The slots holding a glyph, and where it first occurs in each, so that most hanzi queries
/// are placed without reading the items.
#[derive(Default)]
struct GlyphList {
    slots: PostingList,
    /// Per entry, the glyph's position among the slot's units, or `REPEATED`.
    firsts: Vec<u8>,
}

static NO_GLYPH: GlyphList = GlyphList {
    slots: PostingList {
        bytes: Vec::new(),
        next: 0,
    },
    firsts: Vec::new(),
};

impl GlyphList {
    fn entries(&self) -> impl Iterator<Item = (u32, u8)> {
        self.slots
            .iter()
            .zip(&self.firsts)
            .map(|((slot, _), &first)| (slot, first))
    }
}

impl Postings {
    fn initial(&self, letter: u8) -> &PostingList {
        let bit = letter_bit(letter).trailing_zeros() as usize;
        self.initials.get(bit).unwrap_or(&EMPTY)
    }

    fn syllable(&self, id: u16) -> &PostingList {
        self.syllables.get(usize::from(id)).unwrap_or(&EMPTY)
    }

    fn glyph(&self, id: u32) -> &GlyphList {
        self.glyphs.get(id as usize).unwrap_or(&NO_GLYPH)
    }

    /// The lists of adjacent characters read from `first` then from `second`.
    fn pairs<'a>(
        &'a self,
        first: &'a SyllableSet,
        second: &'a SyllableSet,
    ) -> impl Iterator<Item = &'a PostingList> {
        first
            .iter()
            .filter_map(|s| self.pairs.get(usize::from(s)))
            .flatten()
            .filter(|(t, _)| second.contains(*t))
            .map(|(_, list)| list)
    }

    fn list_mut(&mut self, gram: Gram) -> &mut PostingList {
        match gram {
            Gram::Initial(bit) => at_least(&mut self.initials, usize::from(bit)),
            Gram::Syllable(s) => at_least(&mut self.syllables, usize::from(s)),
            Gram::Pair(s, t) => {
                let row = at_least(&mut self.pairs, usize::from(s));
                let i = match row.binary_search_by_key(&t, |(t, _)| *t) {
                    Ok(i) => i,
                    Err(i) => {
                        row.insert(i, (t, PostingList::default()));
                        i
                    }
                };
                &mut row[i].1
            }
        }
    }

    /// Appends `slot` (the highest so far) to the list of every gram in its units, each with
    /// the best tier it occurs at.
    fn add(&mut self, slot: u32, glyphs: &Glyphs, units: &[u32]) {
        let mut grams = Vec::new();
        // (glyph id, tier, position among the units)
        let mut hanzi = Vec::new();
        let mut field_start = 0;
        for (i, field) in split_fields(units).enumerate() {
            let kind = if i == 0 { Field::Title } else { Field::Author };
            for (j, &unit) in field.iter().enumerate() {
                let glyph = glyphs.glyph(unit);
                let readings = glyphs.reading_ids(glyph);
                let tier = kind.tier(Position::of(j, 1, field.len()));
                grams.extend(readings.iter().map(|&s| (Gram::Syllable(s), tier)));
                grams.extend(
                    (0..64)
                        .filter(|bit| glyph.initials >> bit & 1 == 1)
                        .map(|bit| (Gram::Initial(bit), tier)),
                );
                if !glyph.ch.is_ascii() {
                    hanzi.push((unit, tier, field_start + j));
                }
                if let Some(&next) = field.get(j + 1) {
                    let tier = kind.tier(Position::of(j, 2, field.len()));
                    for &t in glyphs.reading_ids(glyphs.glyph(next)) {
                        grams.extend(readings.iter().map(|&s| (Gram::Pair(s, t), tier)));
                    }
                }
            }
            field_start += field.len() + 1;
        }
        // Best tier first within each gram, so the first of each run is the one to keep.
        grams.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        grams.dedup_by_key(|g| g.0);
        for (gram, tier) in grams {
            self.list_mut(gram).push(slot, tier);
        }
        hanzi.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        for run in hanzi.chunk_by(|a, b| a.0 == b.0) {
            let (unit, tier, at) = run[0];
            let list = at_least(&mut self.glyphs, unit as usize);
            list.slots.push(slot, tier);
            list.firsts.push(match run {
                [_] => u8::try_from(at).unwrap_or(REPEATED),
                _ => REPEATED,
            });
        }
    }
}

/// `lists[i]`, growing `lists` if needed.
fn at_least<T: Default>(lists: &mut Vec<T>, i: usize) -> &mut T {
    if lists.len() <= i {
        lists.resize_with(i + 1, T::default);
    }
    &mut lists[i]
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
            if id == next {
                self.syllables.push(syllable);
            }
            if !self.readings[start..].contains(&id) {
                self.readings.push(id);
                initials |= letter_bit(syllable.text()[0]);
            }
        }
        let id = u32::try_from(self.glyphs.len()).expect("fewer characters than u32::MAX");
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

    fn reading_ids(&self, glyph: &Glyph) -> &[u16] {
        &self.readings[glyph.readings.0 as usize..glyph.readings.1 as usize]
    }

    fn readings(&self, glyph: &Glyph) -> impl Iterator<Item = &Syllable> {
        self.reading_ids(glyph)
            .iter()
            .map(|&s| &self.syllables[usize::from(s)])
    }

    /// The readings that begin with `prefix`.
    fn starting_with(&self, prefix: &[u8]) -> SyllableSet {
        let mut set = SyllableSet::default();
        for (id, syllable) in self.syllables.iter().enumerate() {
            if syllable.text().starts_with(prefix) {
                set.insert(id as u16);
            }
        }
        set
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

/// Bit for an ASCII letter or digit: `a`–`z`, then `0`–`9`.
fn letter_bit(b: u8) -> u64 {
    match b {
        b'a'..=b'z' => 1 << (b - b'a'),
        b'0'..=b'9' => 1 << (26 + b - b'0'),
        _ => unreachable!("queries and readings hold only lowercase ASCII letters and digits"),
    }
}

/// A query, folded like the catalogue.
struct Query {
    symbols: Vec<Symbol>,
    /// The ASCII symbols as bytes, 0 where a symbol is a glyph, for comparing with readings.
    ascii: Vec<u8>,
    /// The glyph ids, if every symbol is a glyph: such queries match literally.
    glyphs: Option<Vec<u32>>,
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
        // Folding keeps about one character per letter or digit, so overlong input is turned
        // away before paying for it.
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
        let glyphs = symbols
            .iter()
            .map(|s| match s {
                Symbol::Glyph(g) => Some(*g),
                Symbol::Ascii(_) => None,
            })
            .collect();
        Some(Query {
            symbols,
            ascii,
            glyphs,
        })
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

/// The first and last ISBN-13 numbers starting with `digits`, if it could begin one.
fn isbn_prefix_range(digits: &[u8]) -> Option<(u64, u64)> {
    let missing = 13usize.checked_sub(digits.len())?;
    let value = digits
        .iter()
        .fold(0u64, |v, b| v * 10 + u64::from(b - b'0'));
    let scale = 10u64.pow(missing as u32);
    Some((value * scale, (value + 1) * scale - 1))
}
