//! Ranking: how good a match is (its tier: title before author; whole, then start, then
//! inside), and the best page of matches, shorter titles first within a tier, then by id.

use protocol::ContentId;

use super::{Hit, Page, SearchIndex};

/// How good a match is; higher ranks first, 0 is no match.
pub(super) type Tier = u8;

/// Where in a field a match lies, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Position {
    Inside,
    Start,
    Whole,
}

impl Position {
    /// The position of characters `start..start + len` in a field of `field_len` characters.
    pub(super) fn of(start: usize, len: usize, field_len: usize) -> Self {
        match (start, len == field_len) {
            (0, true) => Position::Whole,
            (0, false) => Position::Start,
            _ => Position::Inside,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Title,
    Author,
}

impl Field {
    /// Titles outrank authors whatever the position.
    pub(super) fn tier(self, at: Position) -> Tier {
        let base = match self {
            Field::Author => 1,
            Field::Title => 4,
        };
        base + at as Tier
    }
}

/// The best tier: the whole title.
pub(super) const BEST: Tier = 6;
/// An ISBN matches as if it were the whole title (typed in full) or its beginning.
pub(super) const ISBN_WHOLE: Tier = BEST;
pub(super) const ISBN_PREFIX: Tier = BEST - 1;

impl SearchIndex {
    pub(super) fn rank(&self, tiers: &mut [Tier], offset: usize, limit: usize) -> Page {
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
                id: ContentId(self.index.id(slot as usize).to_owned()),
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
            .then_with(|| self.id(a.1 as usize).cmp(self.id(b.1 as usize)))
    }
}

pub(super) fn raise(tiers: &mut [Tier], slot: usize, tier: Tier) {
    let t = &mut tiers[slot];
    *t = (*t).max(tier);
}
