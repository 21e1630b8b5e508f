//! The tables behind the input: syllables, words by their syllables (a trie), surnames, and how
//! common each character is in given names. Loaded from `data/ime-words.txt` and
//! `data/ime-names.txt` (made by `scripts/ime-words.sh`; sources and licences in
//! `data/LICENCES.md`).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::fuzzy;

const WORDS: &str = include_str!("../../data/ime-words.txt");
const NAMES: &str = include_str!("../../data/ime-names.txt");

/// A syllable, by its index in `Lexicon::syllables`.
pub(super) type Syl = u16;

/// The CJK Unified Ideographs block, where every character of the word list lies.
const CJK_START: u32 = 0x4E00;
const CJK_LEN: usize = 0x5200;

/// A one-character text's place in the CJK block.
fn cjk(text: &str) -> Option<usize> {
    let mut chars = text.chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    let at = (c as u32).checked_sub(CJK_START)? as usize;
    (at < CJK_LEN).then_some(at)
}

/// FNV-1a: syllables are a few letters, looked up some 200,000 times while loading, and come
/// from our own data or six typed letters at most, so a fast hash beats a keyed one.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

#[derive(Debug)]
pub(super) struct Entry {
    /// Borrowed from the word list compiled into the binary: no allocation per entry.
    pub text: &'static str,
    /// -ln of its probability: smaller is more likely.
    pub cost: f32,
}

#[derive(Debug, Default)]
pub(super) struct Node {
    /// Children by syllable, sorted by syllable.
    children: Vec<(Syl, u32)>,
    /// Entries spelled by the syllables that lead here, most likely first.
    pub entries: Vec<u32>,
}

/// Entries by their syllables.
#[derive(Debug)]
pub(super) struct Trie {
    pub entries: Vec<Entry>,
    nodes: Vec<Node>,
}

impl Trie {
    fn with_capacity(entries: usize, nodes: usize) -> Trie {
        let mut trie = Trie {
            entries: Vec::with_capacity(entries),
            nodes: Vec::with_capacity(nodes),
        };
        trie.nodes.push(Node::default());
        trie
    }

    pub const ROOT: u32 = 0;

    pub fn child(&self, node: u32, syl: Syl) -> Option<u32> {
        let children = &self.nodes[node as usize].children;
        children
            .binary_search_by_key(&syl, |&(s, _)| s)
            .ok()
            .map(|i| children[i].1)
    }

    /// A node's children, by syllable.
    pub fn children(&self, node: u32) -> &[(Syl, u32)] {
        &self.nodes[node as usize].children
    }

    pub fn node(&self, node: u32) -> &Node {
        &self.nodes[node as usize]
    }

    fn insert(&mut self, syls: &[Syl], entry: Entry) -> u32 {
        let mut node = Self::ROOT;
        for &s in syls {
            node = match self.child(node, s) {
                Some(n) => n,
                None => {
                    let n = self.nodes.len() as u32;
                    self.nodes.push(Node::default());
                    let children = &mut self.nodes[node as usize].children;
                    let at = children.partition_point(|&(c, _)| c < s);
                    children.insert(at, (s, n));
                    n
                }
            };
        }
        let index = self.entries.len() as u32;
        self.entries.push(entry);
        self.nodes[node as usize].entries.push(index);
        node
    }

    fn sort(&mut self) {
        let entries = &self.entries;
        for node in &mut self.nodes {
            node.entries.sort_by(|a, b| {
                entries[*a as usize]
                    .cost
                    .total_cmp(&entries[*b as usize].cost)
            });
            node.entries
                .dedup_by(|a, b| entries[*a as usize].text == entries[*b as usize].text);
        }
    }
}

#[derive(Debug)]
pub(super) struct Lexicon {
    pub syllables: Vec<Box<str>>,
    ids: FastMap<Box<str>, Syl>,
    /// Syllables by a proper start of theirs ("zh" → zhang, zhe, …; "g" → ga, gai, …).
    starts: HashMap<Box<str>, Vec<Syl>>,
    /// Syllables by the spellings the fuzzy pairs give them ("zang" → zhang).
    fuzzy: HashMap<Box<str>, Vec<Syl>>,
    pub words: Trie,
    pub surnames: Trie,
    /// By syllable: its characters as given names use them, most likely first (the cost,
    /// reading included, alongside the word entry).
    given: Vec<Vec<(u32, f32)>>,
}

/// Initials a syllable may be typed as in the middle of the letters (any start of a syllable
/// may stand for it at the end); a, e and o stand for the syllables without an initial (安 an
/// in "aqsc").
pub(super) fn is_initial(s: &str) -> bool {
    matches!(s, "zh" | "ch" | "sh") || (s.len() == 1 && "bpmfdtnlgkhjqxrzcsywaeo".contains(s))
}

impl Lexicon {
    pub fn load() -> Lexicon {
        let mut lex = Lexicon {
            syllables: Vec::new(),
            ids: FastMap::default(),
            starts: HashMap::new(),
            fuzzy: HashMap::new(),
            // About what the word list needs: no regrowing while loading.
            words: Trie::with_capacity(90_000, 80_000),
            surnames: Trie::with_capacity(128, 160),
            given: Vec::new(),
        };
        let rows: Vec<(&str, &str, f64)> = WORDS
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let mut parts = l.split(' ');
                let (text, reading, freq) = (parts.next()?, parts.next()?, parts.next()?);
                Some((text, reading, freq.parse::<f64>().ok()?.max(1.0)))
            })
            .collect();
        let total: f64 = rows.iter().map(|r| r.2).sum();
        let mut char_totals = vec![0.0f64; CJK_LEN];
        for &(text, _, freq) in &rows {
            if let Some(at) = cjk(text) {
                char_totals[at] += freq;
            }
        }
        // Characters by their place in the block, each with its (reading, entry, reading
        // cost), for given names.
        let mut chars: Vec<Vec<(Syl, u32, f32)>> = vec![Vec::new(); CJK_LEN];
        let mut syls = Vec::new();
        for &(text, reading, freq) in &rows {
            syls.clear();
            for s in reading.split('\'') {
                syls.push(lex.syllable(s));
            }
            let at = cjk(text);
            let reading_cost = at.map_or(0.0, |at| (char_totals[at] / freq).ln() as f32);
            let index = lex.words.entries.len() as u32;
            lex.words.insert(
                &syls,
                Entry {
                    text,
                    cost: (total / freq).ln() as f32,
                },
            );
            if let (Some(at), [syl]) = (at, &syls[..]) {
                chars[at].push((*syl, index, reading_cost));
            }
        }
        lex.load_names(&chars);
        lex.words.sort();
        lex.surnames.sort();
        for (i, s) in lex.syllables.iter().enumerate() {
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

    fn load_names(&mut self, chars: &[Vec<(Syl, u32, f32)>]) {
        let mut surnames = Vec::new();
        let mut given = Vec::new();
        for line in NAMES.lines().filter(|l| !l.starts_with('#')) {
            let parts: Vec<&str> = line.split(' ').collect();
            match parts[..] {
                ["S", text, reading, weight] => {
                    surnames.push((text, reading, weight.parse::<f64>().unwrap_or(1.0)));
                }
                ["G", text, weight] => given.push((text, weight.parse::<f64>().unwrap_or(1.0))),
                _ => {}
            }
        }
        let total: f64 = surnames.iter().map(|s| s.2).sum();
        for (text, reading, weight) in surnames {
            let syls: Vec<Syl> = reading.split('\'').map(|s| self.syllable(s)).collect();
            self.surnames.insert(
                &syls,
                Entry {
                    text,
                    cost: (total / weight).ln() as f32,
                },
            );
        }
        let total: f64 = given.iter().map(|g| g.1).sum();
        self.given = vec![Vec::new(); self.syllables.len()];
        for (text, weight) in given {
            let cost = (total / weight).ln() as f32;
            let found = cjk(text).map_or(&[][..], |at| chars[at].as_slice());
            for &(syl, entry, reading_cost) in found {
                self.given[usize::from(syl)].push((entry, cost + reading_cost));
            }
        }
        for list in &mut self.given {
            list.sort_by(|a, b| a.1.total_cmp(&b.1));
        }
    }

    fn syllable(&mut self, s: &str) -> Syl {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.syllables.len() as Syl;
        self.syllables.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    /// The characters read `syl` as given names use them, most likely first.
    pub fn given(&self, syl: Syl) -> &[(u32, f32)] {
        self.given.get(usize::from(syl)).map_or(&[], Vec::as_slice)
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
