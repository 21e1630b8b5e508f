//! Matching: a query parsed into typed letters and hanzi, the matches the posting lists place
//! on their own, and the automaton that checks the remaining candidates against an item's text.

use super::fold::{
    Glyphs, SyllableSet, fold, isbn_prefix_range, isbn13, letter_bit, starts_with_double_initial,
};
use super::postings::{GlyphList, PostingList, REPEATED};
use super::rank::{Field, ISBN_PREFIX, ISBN_WHOLE, Position, Tier, raise};
use super::{MAX_QUERY, Page, SearchIndex};

/// Fuzzy spellings tried for one query, at most.
const MAX_FUZZY_SPELLINGS: usize = 8;

impl SearchIndex {
    /// [`SearchIndex::search`], with fuzzy pinyin on or off: the exact matches ranked as ever,
    /// then the slots only a fuzzy spelling of the query finds, ranked the same way among
    /// themselves, with scores below every exact one.
    pub fn search_with(&self, query: &str, offset: usize, limit: usize, fuzzy: bool) -> Page {
        let Some(parsed) = Query::parse(query, &self.glyphs) else {
            return Page::default();
        };
        let mut tiers = self.tiers(&parsed);
        let spellings = match parsed.ascii_only() {
            Some(text) if fuzzy => self.fuzzy_spellings(text),
            _ => Vec::new(),
        };
        if spellings.is_empty() {
            return self.rank(&mut tiers, offset, limit);
        }
        let mut fuzzy_tiers = vec![0; tiers.len()];
        for spelling in spellings {
            let Some(q) = Query::parse(&spelling, &self.glyphs) else {
                continue;
            };
            for ((f, t), exact) in fuzzy_tiers.iter_mut().zip(self.tiers(&q)).zip(&tiers) {
                if *exact == 0 {
                    *f = (*f).max(t);
                }
            }
        }
        let mut page = self.rank(&mut tiers, offset, limit);
        let skip = offset.saturating_sub(page.total);
        let more = self.rank(&mut fuzzy_tiers, skip, limit - page.hits.len());
        page.total += more.total;
        // Below every exact score (those have the tier, at least 1, above bit 16).
        page.hits.extend(more.hits.into_iter().map(|mut hit| {
            hit.score >>= 3;
            hit
        }));
        page
    }

    /// Other spellings of an all-letter query under the fuzzy pairs: its whole syllables each
    /// as typed or swapped, where the catalogue has the swapped reading. Empty when the query is
    /// not pinyin.
    fn fuzzy_spellings(&self, text: &[u8]) -> Vec<String> {
        if !text.iter().all(u8::is_ascii_lowercase) {
            return Vec::new();
        }
        let Ok(text) = std::str::from_utf8(text) else {
            return Vec::new();
        };
        // Split into the fewest whole syllables the catalogue reads as typed or swapped, the
        // last maybe unfinished.
        let swapped = |piece: &str| !self.swaps(piece).is_empty();
        let n = text.len();
        let mut best: Vec<Option<(usize, usize)>> = vec![None; n + 1];
        best[0] = Some((0, 0));
        for from in 0..n {
            let Some((count, _)) = best[from] else {
                continue;
            };
            for to in from + 1..=(from + 6).min(n) {
                let piece = &text[from..to];
                let fits = self.glyphs.has_reading(piece.as_bytes(), true)
                    || (to == n && self.glyphs.has_reading(piece.as_bytes(), false))
                    || swapped(piece);
                if fits && best[to].is_none_or(|(c, _)| count + 1 < c) {
                    best[to] = Some((count + 1, from));
                }
            }
        }
        let mut pieces = Vec::new();
        let mut at = n;
        while at > 0 {
            let Some((_, from)) = best[at] else {
                return Vec::new();
            };
            pieces.push(&text[from..at]);
            at = from;
        }
        pieces.reverse();
        let mut spellings = vec![String::new()];
        for piece in pieces {
            let mut options = vec![piece.to_owned()];
            options.extend(self.swaps(piece));
            spellings = spellings
                .iter()
                .flat_map(|s| options.iter().map(move |o| format!("{s}{o}")))
                .take(MAX_FUZZY_SPELLINGS + 1)
                .collect();
        }
        spellings.retain(|s| s != text);
        spellings
    }

    /// The fuzzy spellings of a syllable that the catalogue reads. Only syllables of two
    /// letters or more, into the same: a lone letter is an initial, or an ASCII letter in a
    /// title, and "h" is not "f".
    fn swaps(&self, piece: &str) -> Vec<String> {
        if piece.len() < 2 {
            return Vec::new();
        }
        crate::ime::fuzzy::variants(piece)
            .into_iter()
            .filter(|v| v.len() >= 2 && self.glyphs.has_reading(v.as_bytes(), true))
            .collect()
    }

    pub(super) fn match_isbn(&self, q: &Query, tiers: &mut [Tier]) {
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
    pub(super) fn match_spelled(&self, q: &[u8], tiers: &mut [Tier]) -> Vec<u32> {
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
        let size = |lists: &[&PostingList]| lists.iter().map(|l| l.size()).sum::<usize>();
        let (small, large) = if size(a) <= size(b) { (a, b) } else { (b, a) };
        if size(small) == 0 {
            return;
        }
        // A bit per slot (12.5 kB for 100,000) beats sorting unions of many lists.
        let mut seen = vec![0u64; self.slots().div_ceil(64)];
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
    pub(super) fn match_glyphs(&self, q: &Query, tiers: &mut [Tier]) -> Vec<u32> {
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
        let Some(shortest) = (0..n).min_by_key(|&k| lists[k].slots.size()) else {
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
    pub(super) fn verify(&self, slot: usize, q: &Query) -> Tier {
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
}

/// A way to type one character within a longer query.
struct Piece {
    len: usize,
    /// The readings the character may have.
    readings: SyllableSet,
}

/// A query, folded like the catalogue.
pub(super) struct Query {
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
    pub(super) fn parse(text: &str, glyphs: &Glyphs) -> Option<Query> {
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
    pub(super) fn ascii_only(&self) -> Option<&[u8]> {
        (!self.ascii.contains(&0)).then_some(self.ascii.as_slice())
    }
}
