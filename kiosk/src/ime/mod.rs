//! Pinyin input: letters → ranked Chinese characters, words and whole phrases.
//!
//! The tables (`lexicon`): jieba's words and frequencies with pypinyin's readings, a
//! character's frequency shared between its readings by how often it is read each way, so 长
//! counts fully under neither zhang nor chang and a rare reading (有 as wei) keeps a sliver; a
//! list of union words raised to common; surnames and given-name characters with their
//! frequencies. Sources and licences: `data/LICENCES.md`.
//!
//! The letters are split into the fewest pieces of pinyin (`letters`: whole syllables,
//! initials, an unfinished last syllable), words are found along every such split, and
//! [`Ime::candidates`] offers, best first:
//! 1. on a name field, names spelling all the letters: a surname, then one or two characters
//!    common in given names (`zhangwei` → 张伟);
//! 2. phrases spelling all the letters: the best ways through the words by their frequencies
//!    (a Viterbi pass keeping the few best paths), so `woyaoshenqingkunnanbangfu` gives
//!    我要申请困难帮扶 and initials of a phrase (`knbf`) give it too;
//! 3. the same by fuzzy pinyin (z/zh, c/ch, s/sh, n/l, f/h, in/ing, en/eng, an/ang) when it is
//!    on: after every exact reading of all the letters;
//! 4. words and characters for the first syllables, longest first (surnames first on a name
//!    field), then their fuzzy readings.
//!
//! Each candidate says how many letters it covers, so choosing 工 for "gonghui" leaves "hui".
//! What the employee chose earlier in the same form ([`Hints::learned`]) ranks first among what
//! covers as many letters; the engine keeps nothing between calls.

pub mod fuzzy;
mod letters;
mod lexicon;

use std::collections::HashSet;

use self::letters::{Kind, Letters};
use self::lexicon::{Lexicon, Trie};

/// Most candidates returned for one input.
pub const MAX_CANDIDATES: usize = 200;
/// Whole-input paths kept per point of the letters.
const BEAM: usize = 8;
/// The same for initials alone, which say least and so leave more good paths.
const INITIALS_BEAM: usize = 16;
/// Entries of one word slot tried on a path.
const PER_SLOT: usize = 3;
/// Longest word, in syllables.
const MAX_WORD: usize = 4;
/// Cost of a syllable typed only by its start ("k" for kun): keeps whole syllables first where
/// both fit.
const START_COST: f32 = 1.0;
/// Cost of a fuzzy syllable, among fuzzy candidates.
const FUZZY_COST: f32 = 0.5;
/// How much a word chosen earlier in the form gains: enough to lead what it competes with.
const LEARNED_GAIN: f32 = 30.0;
/// Phrases (the best paths) offered for all the letters, before the words that spell them.
const PHRASES: usize = 3;
/// Names offered for all the letters on a name field.
const NAMES: usize = 12;
/// Lifts surnames above other characters for the first syllable of a name.
const SURNAME_FIRST: f32 = 1000.0;
/// Names being built kept after each character.
const NAME_BEAM: usize = 48;
/// Given-name characters tried per syllable.
const GIVEN_PER_SYLLABLE: usize = 8;

/// One thing to offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub text: String,
    /// How many of the input letters it covers, from the start.
    pub consumed: usize,
}

/// What the field being typed says about what it wants.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hints<'a> {
    /// The field holds a person's name: surnames first, then given-name characters.
    pub name: bool,
    /// On a name field, the field has text already (the surname): given-name characters first.
    pub surname_typed: bool,
    /// What was chosen earlier in this form, as (letters it covered, text): offered first for
    /// the same letters again, and its words preferred in phrases.
    pub learned: &'a [(String, String)],
}

#[derive(Debug)]
pub struct Ime {
    lex: Lexicon,
    fuzzy: bool,
}

impl Default for Ime {
    fn default() -> Ime {
        Ime::new()
    }
}

/// A word found in the letters.
#[derive(Debug, Clone, Copy)]
struct Edge {
    from: usize,
    to: usize,
    node: u32,
    /// Syllables typed only by their start, and whether one was fuzzy.
    starts: u8,
    fuzzy: bool,
}

impl Edge {
    fn penalty(&self) -> f32 {
        f32::from(self.starts) * START_COST + if self.fuzzy { FUZZY_COST } else { 0.0 }
    }
}

/// One reading of the letters (exact, or with fuzzy syllables) and the words found in it.
struct Pass {
    letters: Letters,
    words: Vec<Edge>,
    surnames: Vec<Edge>,
}

/// A step of a path through the letters, in an arena: the entry taken and the step before.
#[derive(Debug, Clone, Copy)]
struct Step {
    prev: u32,
    entry: u32,
    cost: f32,
}

/// The output list: no text twice, no more than [`MAX_CANDIDATES`].
struct Out {
    list: Vec<Candidate>,
    seen: HashSet<String>,
}

impl Out {
    fn push(&mut self, text: &str, consumed: usize) {
        if self.list.len() < MAX_CANDIDATES && !self.seen.contains(text) {
            self.seen.insert(text.to_owned());
            self.list.push(Candidate {
                text: text.to_owned(),
                consumed,
            });
        }
    }
}

impl Ime {
    /// The engine over the tables compiled into the binary (well under a millisecond: a few
    /// maps over the 400-odd syllables), with fuzzy pinyin as the config says
    /// ([`fuzzy::enabled`]).
    pub fn new() -> Ime {
        Ime {
            lex: Lexicon::load(),
            fuzzy: fuzzy::enabled(),
        }
    }

    /// Turns fuzzy pinyin on or off for this engine.
    pub fn with_fuzzy(mut self, on: bool) -> Ime {
        self.fuzzy = on;
        self
    }

    /// Ranked candidates for lowercase letters (`v` for ü, `'` to separate syllables).
    pub fn candidates(&self, letters: &str, hints: &Hints<'_>) -> Vec<Candidate> {
        let letters = letters.trim().to_ascii_lowercase();
        let learned: HashSet<&str> = hints.learned.iter().map(|(_, t)| t.as_str()).collect();
        let exact = Letters::parse(&self.lex, &letters, false);
        let fuzzy = if self.fuzzy {
            Letters::parse(&self.lex, &letters, true)
        } else {
            None
        };
        let mut out = Out {
            list: Vec::new(),
            seen: HashSet::new(),
        };
        let passes: Vec<Pass> = [exact, fuzzy]
            .into_iter()
            .flatten()
            .map(|l| Pass {
                words: self.edges(&self.lex.words, &l, MAX_WORD, false),
                surnames: if hints.name && !hints.surname_typed {
                    self.edges(&self.lex.surnames, &l, 2, true)
                } else {
                    Vec::new()
                },
                letters: l,
            })
            .collect();
        if passes.is_empty() {
            return Vec::new();
        }
        // Chosen before for these very letters.
        for (typed, text) in hints.learned {
            if *typed == letters {
                out.push(text, letters.len());
            }
        }
        // All the letters: names, then phrases (fewer on a name field); exact before fuzzy.
        for pass in &passes {
            let l = &pass.letters;
            if hints.name {
                for (text, _) in self.names(l, &pass.surnames, hints.surname_typed, &learned) {
                    out.push(&text, l.typed(l.len));
                }
            }
            // Initials alone ("knbf") say least: show more of the ways through them.
            let initials = !letters.contains(['a', 'e', 'i', 'o', 'u', 'v']);
            let (width, phrases) = if initials {
                (INITIALS_BEAM, BEAM)
            } else {
                (BEAM, PHRASES)
            };
            for (text, _) in self
                .paths(l, &pass.words, width, &learned)
                .iter()
                .take(phrases)
            {
                out.push(text, l.typed(l.len));
            }
            // Every word spelling all the letters.
            let mut whole: Vec<(f32, &str)> = Vec::new();
            for e in pass.words.iter().filter(|e| e.from == 0 && e.to == l.len) {
                for i in self.lex.words.entries(e.node) {
                    let entry = self.lex.words.entry(i);
                    let cost = entry.cost + e.penalty() - learned_gain(&learned, entry.text);
                    whole.push((cost, entry.text));
                }
            }
            whole.sort_by(|a, b| a.0.total_cmp(&b.0));
            for (_, text) in whole {
                out.push(text, l.typed(l.len));
            }
        }
        // Chosen before for the first of these letters, longest first.
        let mut earlier: Vec<&(String, String)> = hints
            .learned
            .iter()
            .filter(|(typed, _)| typed.len() < letters.len() && letters.starts_with(typed.as_str()))
            .collect();
        earlier.sort_by_key(|(typed, _)| std::cmp::Reverse(typed.len()));
        for (typed, text) in earlier {
            out.push(text, typed.len());
        }
        // The first syllables: longest first, surnames first on a name field.
        for pass in &passes {
            let l = &pass.letters;
            let mut first: Vec<(usize, f32, &str)> = Vec::new();
            if hints.name && hints.surname_typed {
                // Given-name characters first for the syllable after a surname.
                for piece in &l.pieces[0] {
                    for &(syl, _) in &piece.syls {
                        for (i, c) in self.lex.given(syl) {
                            let text = self.lex.words.entry(i).text;
                            first.push((piece.to, c - SURNAME_FIRST, text));
                        }
                    }
                }
            }
            for (trie, edges, bonus) in [
                (&self.lex.surnames, &pass.surnames, SURNAME_FIRST),
                (&self.lex.words, &pass.words, 0.0),
            ] {
                for e in edges.iter().filter(|e| e.from == 0 && e.to < l.len) {
                    let limit = if e.to - e.from > 1 {
                        20
                    } else {
                        MAX_CANDIDATES
                    };
                    for i in trie.entries(e.node).take(limit) {
                        let entry = trie.entry(i);
                        let cost =
                            entry.cost + e.penalty() - bonus - learned_gain(&learned, entry.text);
                        first.push((e.to, cost, entry.text));
                    }
                }
            }
            first.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.total_cmp(&b.1)));
            for (to, _, text) in first {
                out.push(text, l.typed(to));
            }
        }
        out.list
    }

    /// Every word in the letters, from every point where a piece starts.
    fn edges(&self, trie: &Trie, l: &Letters, max_depth: usize, at_start: bool) -> Vec<Edge> {
        let mut out = Vec::new();
        let starts: Vec<usize> = if at_start {
            vec![0]
        } else {
            (0..l.len).filter(|&p| !l.pieces[p].is_empty()).collect()
        };
        let mut stack = Vec::new();
        for from in starts {
            stack.push((Trie::ROOT, from, 0usize, 0u8, false));
            while let Some((node, pos, depth, starts, fuzzy)) = stack.pop() {
                if depth > 0 && trie.has_entries(node) {
                    out.push(Edge {
                        from,
                        to: pos,
                        node,
                        starts,
                        fuzzy,
                    });
                }
                if depth == max_depth || pos == l.len {
                    continue;
                }
                for piece in &l.pieces[pos] {
                    let mut step = |child: u32, kind: Kind| {
                        stack.push((
                            child,
                            piece.to,
                            depth + 1,
                            starts + u8::from(kind == Kind::Start),
                            fuzzy || kind == Kind::Fuzzy,
                        ));
                    };
                    // Whichever is fewer: the piece's syllables, or the node's children.
                    if piece.syls.len() <= trie.child_count(node) {
                        for &(syl, kind) in &piece.syls {
                            if let Some(child) = trie.child(node, syl) {
                                step(child, kind);
                            }
                        }
                    } else {
                        for (syl, child) in trie.children(node) {
                            if let Some(kind) = piece.kind_of(syl) {
                                step(child, kind);
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// The best ways through all the letters word by word (a Viterbi pass that keeps the
    /// `width` best paths to each point), best first, each text once.
    fn paths(
        &self,
        l: &Letters,
        edges: &[Edge],
        width: usize,
        learned: &HashSet<&str>,
    ) -> Vec<(String, f32)> {
        let words = &self.lex.words;
        let mut arena: Vec<Step> = vec![Step {
            prev: u32::MAX,
            entry: u32::MAX,
            cost: 0.0,
        }];
        let mut beams: Vec<Vec<u32>> = vec![Vec::new(); l.len + 1];
        beams[0].push(0);
        let mut by_from: Vec<Vec<&Edge>> = vec![Vec::new(); l.len];
        for e in edges {
            by_from[e.from].push(e);
        }
        for from in 0..l.len {
            let here = std::mem::take(&mut beams[from]);
            for &step in &here {
                let base = arena[step as usize].cost;
                for e in &by_from[from] {
                    for i in words.entries(e.node).take(PER_SLOT) {
                        let entry = words.entry(i);
                        let cost =
                            base + entry.cost + e.penalty() - learned_gain(learned, entry.text);
                        let beam = &beams[e.to];
                        if beam.len() >= width
                            && beam.last().is_some_and(|&w| arena[w as usize].cost <= cost)
                        {
                            // The slot's entries come cheapest first: none after this one gets
                            // in either, unless one was chosen earlier in the form.
                            if learned.is_empty() {
                                break;
                            }
                            continue;
                        }
                        arena.push(Step {
                            prev: step,
                            entry: i,
                            cost,
                        });
                        let index = (arena.len() - 1) as u32;
                        let beam = &mut beams[e.to];
                        let at = beam.partition_point(|&w| arena[w as usize].cost <= cost);
                        beam.insert(at, index);
                        beam.truncate(width);
                    }
                }
            }
            beams[from] = here;
        }
        let mut found: Vec<(String, f32)> = Vec::new();
        for &end in &beams[l.len] {
            let mut parts = Vec::new();
            let mut at = end;
            while at != 0 {
                let step = arena[at as usize];
                parts.push(words.entry(step.entry).text);
                at = step.prev;
            }
            parts.reverse();
            let text = parts.concat();
            let cost = arena[end as usize].cost - learned_gain(learned, &text);
            if !found.iter().any(|(t, _)| *t == text) {
                found.push((text, cost));
            }
        }
        found.sort_by(|a, b| a.1.total_cmp(&b.1));
        found
    }

    /// Names spelling all the letters: a surname, then none, one or two given-name characters;
    /// best first.
    fn names(
        &self,
        l: &Letters,
        edges: &[Edge],
        surname_typed: bool,
        learned: &HashSet<&str>,
    ) -> Vec<(String, f32)> {
        let surnames = &self.lex.surnames;
        let words = &self.lex.words;
        // Names being built, best first: where they have got to, their text and cost.
        let mut states: Vec<(usize, String, f32)> = if surname_typed {
            vec![(0, String::new(), 0.0)]
        } else {
            edges
                .iter()
                .flat_map(|e| {
                    surnames.entries(e.node).take(PER_SLOT).map(move |i| {
                        let entry = surnames.entry(i);
                        (e.to, entry.text.to_owned(), entry.cost + e.penalty())
                    })
                })
                .collect()
        };
        let mut found: Vec<(String, f32)> = Vec::new();
        // Then one given-name character, then another: the best few kept at each step.
        for step in 0..=2 {
            let mut next: Vec<(usize, usize, u32, f32)> = Vec::new();
            for (s, (at, text, cost)) in states.iter().enumerate() {
                if *at == l.len {
                    found.push((text.clone(), cost - learned_gain(learned, text)));
                    continue;
                }
                if step == 2 {
                    continue;
                }
                for piece in &l.pieces[*at] {
                    for &(syl, kind) in &piece.syls {
                        let penalty = match kind {
                            Kind::Exact => 0.0,
                            Kind::Start => START_COST,
                            Kind::Fuzzy => FUZZY_COST,
                        };
                        for (i, c) in self.lex.given(syl).take(GIVEN_PER_SYLLABLE) {
                            next.push((s, piece.to, i, cost + c + penalty));
                        }
                    }
                }
            }
            next.sort_by(|a, b| a.3.total_cmp(&b.3));
            next.truncate(NAME_BEAM);
            states = next
                .into_iter()
                .map(|(s, to, i, cost)| {
                    let text = format!("{}{}", states[s].1, words.entry(i).text);
                    (to, text, cost)
                })
                .collect();
        }
        found.sort_by(|a, b| a.1.total_cmp(&b.1));
        let mut seen = HashSet::new();
        found.retain(|(t, _)| seen.insert(t.clone()));
        found.truncate(NAMES);
        found
    }
}

fn learned_gain(learned: &HashSet<&str>, text: &str) -> f32 {
    if learned.contains(text) {
        LEARNED_GAIN
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests;
