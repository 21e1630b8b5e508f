//! Typed letters as pieces of pinyin: every way to split them into the fewest pieces, each
//! piece a whole syllable, an initial standing for a syllable ("knbf"), the unfinished start of
//! one at the end ("gongh"), or, when asked, a fuzzy spelling of one ("zang" for zhang).

use super::lexicon::{Lexicon, Syl, is_initial};

/// Longest syllable, in letters ("zhuang").
const MAX_SYLLABLE: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// The piece is the syllable.
    Exact,
    /// The piece is the syllable's start: an initial, or unfinished at the end.
    Start,
    /// The piece is a fuzzy spelling of the syllable.
    Fuzzy,
}

#[derive(Debug)]
pub(super) struct Piece {
    /// Where it ends (letters, separators left out).
    pub to: usize,
    pub syls: Vec<(Syl, Kind)>,
    /// What it counts for in "fewest pieces": 2 for zh, ch or sh standing for a syllable
    /// before the end, so "shbx" may also be s, h, b, x (社会保险).
    weight: usize,
    /// The same syllables as a bit set, to test a trie node's children against when they are
    /// fewer than `syls` (an initial stands for twenty syllables or so).
    bits: Vec<u64>,
}

impl Piece {
    /// How this piece spells `syl`, if it does.
    pub fn kind_of(&self, syl: Syl) -> Option<Kind> {
        let (word, bit) = (usize::from(syl / 64), syl % 64);
        if self.bits.get(word).is_none_or(|w| w >> bit & 1 == 0) {
            return None;
        }
        self.syls.iter().find(|(s, _)| *s == syl).map(|&(_, k)| k)
    }
}

#[derive(Debug)]
pub(super) struct Letters {
    /// Letters, separators left out.
    pub len: usize,
    /// Pieces by where they start: only those on a split into the fewest pieces.
    pub pieces: Vec<Vec<Piece>>,
    /// For each letter (and the end), its index in the input as typed.
    typed_at: Vec<usize>,
}

impl Letters {
    /// Splits lowercase letters (`'` forces a break); `None` when they are not pinyin.
    pub fn parse(lex: &Lexicon, input: &str, fuzzy: bool) -> Option<Letters> {
        let mut letters = String::new();
        let mut typed_at = Vec::new();
        let mut breaks = Vec::new();
        for (i, b) in input.bytes().enumerate() {
            match b {
                b'a'..=b'z' => {
                    letters.push(b as char);
                    typed_at.push(i);
                }
                b'\'' => breaks.push(letters.len()),
                _ => return None,
            }
        }
        let n = letters.len();
        typed_at.push(input.len());
        if n == 0 {
            return None;
        }
        let mut all: Vec<Vec<Piece>> = (0..n).map(|_| Vec::new()).collect();
        for (from, list) in all.iter_mut().enumerate() {
            for to in from + 1..=(from + MAX_SYLLABLE).min(n) {
                if breaks.iter().any(|&b| b > from && b < to) {
                    break;
                }
                let u = &letters[from..to];
                let mut syls = Vec::new();
                if let Some(id) = lex.id(u) {
                    syls.push((id, Kind::Exact));
                }
                if to == n || is_initial(u) {
                    syls.extend(lex.starting(u).iter().map(|&s| (s, Kind::Start)));
                }
                if fuzzy {
                    syls.extend(lex.fuzzy(u).iter().map(|&s| (s, Kind::Fuzzy)));
                }
                if !syls.is_empty() {
                    let mut bits = Vec::new();
                    for &(s, _) in &syls {
                        let word = usize::from(s / 64);
                        if bits.len() <= word {
                            bits.resize(word + 1, 0u64);
                        }
                        bits[word] |= 1 << (s % 64);
                    }
                    // At the end, "zh" is where a syllable starts, not two initials.
                    let weight = if to < n && matches!(u, "zh" | "ch" | "sh") {
                        2
                    } else {
                        1
                    };
                    list.push(Piece {
                        to,
                        syls,
                        weight,
                        bits,
                    });
                }
            }
        }
        // Fewest pieces from the start to each point, and from each point to the end.
        const NONE: usize = usize::MAX;
        let mut ahead = vec![NONE; n + 1];
        ahead[0] = 0;
        for from in 0..n {
            if ahead[from] == NONE {
                continue;
            }
            for p in &all[from] {
                ahead[p.to] = ahead[p.to].min(ahead[from] + p.weight);
            }
        }
        if ahead[n] == NONE {
            return None;
        }
        let mut behind = vec![NONE; n + 1];
        behind[n] = 0;
        for from in (0..n).rev() {
            for p in &all[from] {
                if behind[p.to] != NONE {
                    behind[from] = behind[from].min(behind[p.to] + p.weight);
                }
            }
        }
        for (from, list) in all.iter_mut().enumerate() {
            list.retain(|p| {
                ahead[from] != NONE
                    && behind[p.to] != NONE
                    && ahead[from] + p.weight + behind[p.to] == ahead[n]
            });
        }
        Some(Letters {
            len: n,
            pieces: all,
            typed_at,
        })
    }

    /// How many typed characters the letters up to `to` are, with a separator right after.
    pub fn typed(&self, to: usize) -> usize {
        self.typed_at[to]
    }
}
