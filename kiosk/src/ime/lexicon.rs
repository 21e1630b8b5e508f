//! The tables behind the input: syllables, words by their syllables (a trie), surnames, and how
//! common each character is in given names. Built at compile time by `kiosk/build.rs` from
//! `data/ime-words.txt` and `data/ime-names.txt` (made by `scripts/ime-words.sh`; sources and
//! licences in `data/LICENCES.md`) into flat arrays that are read in place.

use std::collections::HashMap;

use super::fuzzy;

/// A syllable, by its index in `Lexicon::syllables`.
pub(super) type Syl = u16;

/// A table that `build.rs` wrote to `OUT_DIR/ime/`.
macro_rules! table {
    ($($part:literal),+) => {
        include_bytes!(concat!(env!("OUT_DIR"), "/ime/", $($part),+))
    };
}

/// Little-endian u32s, as `build.rs` writes them (read by value: any machine's byte order).
#[derive(Debug, Clone, Copy)]
struct U32s(&'static [u8]);

impl U32s {
    fn get(self, i: usize) -> u32 {
        let b = &self.0[i * 4..i * 4 + 4];
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }

    fn len(self) -> usize {
        self.0.len() / 4
    }
}

/// Little-endian u16s.
#[derive(Debug, Clone, Copy)]
struct U16s(&'static [u8]);

impl U16s {
    fn get(self, i: usize) -> u16 {
        u16::from_le_bytes([self.0[i * 2], self.0[i * 2 + 1]])
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Entry {
    /// In the text compiled into the binary: no allocation per entry.
    pub text: &'static str,
    /// -ln of its probability: smaller is more likely.
    pub cost: f32,
}

/// Entries by their syllables: a trie in flat arrays compiled into the binary, nothing to
/// build or allocate at start. Node `n`'s children are `child_syls`/`child_nodes` from
/// `child_at[n]` to `child_at[n + 1]`, sorted by syllable; its entries (most likely first)
/// likewise through `entry_at`.
#[derive(Debug)]
pub(super) struct Trie {
    text: &'static str,
    ends: U32s,
    costs: U32s,
    child_at: U32s,
    child_syls: U16s,
    child_nodes: U32s,
    entry_at: U32s,
    entries: U32s,
}

macro_rules! trie {
    ($name:literal) => {
        Trie {
            text: include_str!(concat!(env!("OUT_DIR"), "/ime/", $name, ".text")),
            ends: U32s(table!($name, ".ends")),
            costs: U32s(table!($name, ".costs")),
            child_at: U32s(table!($name, ".child_at")),
            child_syls: U16s(table!($name, ".child_syls")),
            child_nodes: U32s(table!($name, ".child_nodes")),
            entry_at: U32s(table!($name, ".entry_at")),
            entries: U32s(table!($name, ".entries")),
        }
    };
}

impl Trie {
    pub const ROOT: u32 = 0;

    pub fn entry(&self, i: u32) -> Entry {
        let i = i as usize;
        let start = if i == 0 {
            0
        } else {
            self.ends.get(i - 1) as usize
        };
        Entry {
            text: &self.text[start..self.ends.get(i) as usize],
            cost: f32::from_bits(self.costs.get(i)),
        }
    }

    fn children_range(&self, node: u32) -> std::ops::Range<usize> {
        self.child_at.get(node as usize) as usize..self.child_at.get(node as usize + 1) as usize
    }

    pub fn child(&self, node: u32, syl: Syl) -> Option<u32> {
        let range = self.children_range(node);
        let (mut lo, mut hi) = (range.start, range.end);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.child_syls.get(mid).cmp(&syl) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(self.child_nodes.get(mid)),
            }
        }
        None
    }

    /// How many children a node has.
    pub fn child_count(&self, node: u32) -> usize {
        self.children_range(node).len()
    }

    /// A node's children as (syllable, node), by syllable.
    pub fn children(&self, node: u32) -> impl Iterator<Item = (Syl, u32)> + '_ {
        self.children_range(node)
            .map(|i| (self.child_syls.get(i), self.child_nodes.get(i)))
    }

    /// The entries spelled by the syllables that lead to `node`, most likely first.
    pub fn entries(&self, node: u32) -> impl Iterator<Item = u32> + '_ {
        let (from, to) = (
            self.entry_at.get(node as usize) as usize,
            self.entry_at.get(node as usize + 1) as usize,
        );
        (from..to).map(|i| self.entries.get(i))
    }

    pub fn has_entries(&self, node: u32) -> bool {
        self.entry_at.get(node as usize) != self.entry_at.get(node as usize + 1)
    }
}

#[derive(Debug)]
pub(super) struct Lexicon {
    syllables: Vec<&'static str>,
    ids: HashMap<&'static str, Syl>,
    /// Syllables by a proper start of theirs ("zh" → zhang, zhe, …; "g" → ga, gai, …).
    starts: HashMap<Box<str>, Vec<Syl>>,
    /// Syllables by the spellings the fuzzy pairs give them ("zang" → zhang).
    fuzzy: HashMap<Box<str>, Vec<Syl>>,
    pub words: Trie,
    pub surnames: Trie,
    /// By syllable (`given_at[syl]..given_at[syl + 1]`): its characters as given names use
    /// them, most likely first, as word entries with their cost, reading included.
    given_at: U32s,
    given_entries: U32s,
    given_costs: U32s,
}

/// Initials a syllable may be typed as in the middle of the letters (any start of a syllable
/// may stand for it at the end); a, e and o stand for the syllables without an initial (安 an
/// in "aqsc").
pub(super) fn is_initial(s: &str) -> bool {
    matches!(s, "zh" | "ch" | "sh") || (s.len() == 1 && "bpmfdtnlgkhjqxrzcsywaeo".contains(s))
}

impl Lexicon {
    /// The tables compiled into the binary, and the few small maps over the 400-odd syllables
    /// that are quicker to make than to store (well under a millisecond).
    pub fn load() -> Lexicon {
        let syllables: Vec<&'static str> = include_str!(concat!(env!("OUT_DIR"), "/ime/syllables"))
            .split('\n')
            .collect();
        let mut lex = Lexicon {
            ids: HashMap::with_capacity(syllables.len()),
            starts: HashMap::new(),
            fuzzy: HashMap::new(),
            syllables,
            words: trie!("words"),
            surnames: trie!("surnames"),
            given_at: U32s(table!("given.at")),
            given_entries: U32s(table!("given.entries")),
            given_costs: U32s(table!("given.costs")),
        };
        for (i, s) in lex.syllables.iter().enumerate() {
            lex.ids.insert(s, i as Syl);
            for end in 1..s.len() {
                lex.starts
                    .entry(s[..end].into())
                    .or_default()
                    .push(i as Syl);
            }
            for v in fuzzy::variants(s) {
                lex.fuzzy.entry(v.into()).or_default().push(i as Syl);
            }
        }
        lex
    }

    /// The characters read `syl` as given names use them (word entry, cost), most likely first.
    pub fn given(&self, syl: Syl) -> impl Iterator<Item = (u32, f32)> + '_ {
        let syl = usize::from(syl);
        let (from, to) = if syl + 1 < self.given_at.len() {
            (
                self.given_at.get(syl) as usize,
                self.given_at.get(syl + 1) as usize,
            )
        } else {
            (0, 0)
        };
        (from..to).map(|i| {
            (
                self.given_entries.get(i),
                f32::from_bits(self.given_costs.get(i)),
            )
        })
    }

    pub fn id(&self, s: &str) -> Option<Syl> {
        self.ids.get(s).copied()
    }

    /// Syllables that `s` is a proper start of.
    pub fn starting(&self, s: &str) -> &[Syl] {
        self.starts.get(s).map_or(&[], Vec::as_slice)
    }

    /// Syllables that `s` is a fuzzy spelling of.
    pub fn fuzzy(&self, s: &str) -> &[Syl] {
        self.fuzzy.get(s).map_or(&[], Vec::as_slice)
    }
}
