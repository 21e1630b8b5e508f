//! Posting lists: for every reading, pair of readings on adjacent characters, and hanzi, the
//! slots that hold it and the best tier it sits at there, delta-encoded as varints.

use super::fold::{Glyphs, SyllableSet, letter_bit};
use super::rank::{Field, Position, Tier};
use super::split_fields;

/// Posting entries hold `slot << TIER_BITS | tier`.
pub(super) const TIER_BITS: u32 = 3;

/// Slots in increasing order, each with a tier, stored as LEB128 varints of
/// `(slot - previous slot - 1) << TIER_BITS | tier`: most gaps are small, so most entries take
/// one byte instead of four.
#[derive(Default)]
pub(super) struct PostingList {
    bytes: Vec<u8>,
    /// The last slot pushed, plus one.
    next: u32,
}

static EMPTY: PostingList = PostingList {
    bytes: Vec::new(),
    next: 0,
};

impl PostingList {
    pub(super) fn push(&mut self, slot: u32, tier: Tier) {
        let mut value = (slot - self.next) << TIER_BITS | u32::from(tier);
        while value >= 0x80 {
            self.bytes.push(value as u8 | 0x80);
            value >>= 7;
        }
        self.bytes.push(value as u8);
        self.next = slot + 1;
    }

    /// How many bytes the list takes: a cheap stand-in for its length.
    pub(super) fn size(&self) -> usize {
        self.bytes.len()
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (u32, Tier)> {
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
pub(super) struct Postings {
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
pub(super) const REPEATED: u8 = u8::MAX;

/// The slots holding a glyph, and where it first occurs in each, so that most hanzi queries
/// are placed without reading the items.
#[derive(Default)]
pub(super) struct GlyphList {
    pub(super) slots: PostingList,
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
    pub(super) fn entries(&self) -> impl Iterator<Item = (u32, u8)> {
        self.slots
            .iter()
            .zip(&self.firsts)
            .map(|((slot, _), &first)| (slot, first))
    }
}

impl Postings {
    pub(super) fn initial(&self, letter: u8) -> &PostingList {
        let bit = letter_bit(letter).trailing_zeros() as usize;
        self.initials.get(bit).unwrap_or(&EMPTY)
    }

    pub(super) fn syllable(&self, id: u16) -> &PostingList {
        self.syllables.get(usize::from(id)).unwrap_or(&EMPTY)
    }

    pub(super) fn glyph(&self, id: u32) -> &GlyphList {
        self.glyphs.get(id as usize).unwrap_or(&NO_GLYPH)
    }

    /// The lists of adjacent characters read from `first` then from `second`.
    pub(super) fn pairs<'a>(
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
    pub(super) fn add(&mut self, slot: u32, glyphs: &Glyphs, units: &[u32]) {
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
