//! Pinyin input: letters → ranked Chinese characters and words.
//!
//! The words and their frequencies are jieba's dictionary (`data/ime-words.txt`, made by
//! `scripts/ime-words.sh`: every GB2312 character and the 80,000 most frequent words of two to
//! four characters); the readings come from the `pinyin` crate, every reading of every character,
//! so 银行 is found under "yinhang" as well as the reading the crate lists first. Frequencies
//! rank what matches.
//!
//! [`Ime::candidates`] splits the letters into syllables (the last may be unfinished: "gongh"),
//! then offers, best first: words spelling all the letters, words for the first syllables
//! (longest first), words whose initials are the letters ("zg" → 中国), and characters for the
//! first syllable. Each candidate says how many letters it covers, so choosing 工 for "gonghui"
//! leaves "hui" to go on with.

use std::collections::HashMap;

use pinyin::ToPinyinMulti;

const WORDS: &str = include_str!("../data/ime-words.txt");

/// Most candidates returned for one input.
pub const MAX_CANDIDATES: usize = 200;
/// Readings tried per word: enough for common heteronyms, bounded for odd ones.
const MAX_READINGS: usize = 8;

/// A syllable, by its index in `Ime::syllables`.
type Syl = u16;

/// One thing to offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub text: String,
    /// How many of the input letters it covers, from the start.
    pub consumed: usize,
}

#[derive(Debug)]
struct Entry {
    text: Box<str>,
    freq: u32,
}

#[derive(Debug, Default)]
pub struct Ime {
    entries: Vec<Entry>,
    syllables: Vec<String>,
    ids: HashMap<String, Syl>,
    /// Entries (characters and words) by their syllables, most frequent first.
    by_syllables: HashMap<Vec<Syl>, Vec<u32>>,
    /// Words (two characters or more) by their initials, most frequent first.
    by_initials: HashMap<String, Vec<u32>>,
}

/// A reading as typed: plain letters, `v` for ü.
fn typed(reading: &str) -> String {
    reading.replace('ü', "v")
}

impl Ime {
    /// Loads the word list (tens of milliseconds in release: do it off the UI thread).
    pub fn new() -> Ime {
        let mut ime = Ime::default();
        for line in WORDS.lines() {
            if line.starts_with('#') {
                continue;
            }
            let Some((text, freq)) = line.split_once(' ') else {
                continue;
            };
            let freq: u32 = freq.trim().parse().unwrap_or(0);
            let mut readings: Vec<Vec<Syl>> = vec![Vec::new()];
            for c in text.chars() {
                let Some(multi) = c.to_pinyin_multi() else {
                    readings.clear();
                    break;
                };
                let options: Vec<Syl> = multi
                    .into_iter()
                    .map(|p| ime.syllable(&typed(p.plain())))
                    .collect();
                // A word takes each character's first reading, plus other readings while the
                // combinations stay few.
                let mut next = Vec::new();
                for r in &readings {
                    for (i, s) in options.iter().enumerate() {
                        if i > 0 && next.len() >= MAX_READINGS {
                            break;
                        }
                        let mut r = r.clone();
                        r.push(*s);
                        next.push(r);
                    }
                }
                next.dedup();
                readings = next;
            }
            if readings.is_empty() {
                continue;
            }
            let index = ime.entries.len() as u32;
            ime.entries.push(Entry {
                text: text.into(),
                freq,
            });
            let mut initials_seen = Vec::new();
            for r in readings {
                if r.len() > 1 {
                    let initials: String = r
                        .iter()
                        .filter_map(|&s| ime.syllables[s as usize].chars().next())
                        .collect();
                    if !initials_seen.contains(&initials) {
                        ime.by_initials
                            .entry(initials.clone())
                            .or_default()
                            .push(index);
                        initials_seen.push(initials);
                    }
                }
                let list = ime.by_syllables.entry(r).or_default();
                if list.last() != Some(&index) {
                    list.push(index);
                }
            }
        }
        // The list is most frequent first within characters and within words, but the two
        // halves interleave under one key: sort each list by frequency.
        let entries = &ime.entries;
        for list in ime
            .by_syllables
            .values_mut()
            .chain(ime.by_initials.values_mut())
        {
            list.sort_by(|a, b| entries[*b as usize].freq.cmp(&entries[*a as usize].freq));
        }
        ime
    }

    fn syllable(&mut self, s: &str) -> Syl {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.syllables.len() as Syl;
        self.syllables.push(s.to_owned());
        self.ids.insert(s.to_owned(), id);
        id
    }

    /// Splits letters into syllables, preferring long ones; the last piece may be the start of
    /// a syllable. `'` forces a break. Returns (syllable ids, letters each covers, unfinished
    /// last piece's syllables).
    fn segment(&self, letters: &str) -> Option<Segments> {
        let mut pieces = Vec::new();
        let mut lens = Vec::new();
        let bytes = letters.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            if bytes[at] == b'\'' {
                at += 1;
                if let Some(l) = lens.last_mut() {
                    *l += 1;
                }
                continue;
            }
            let end = bytes[at..]
                .iter()
                .position(|&b| b == b'\'')
                .map_or(bytes.len(), |p| at + p);
            // The longest syllable here whose remainder still splits (or is a prefix).
            let mut found = None;
            for len in (1..=(end - at).min(6)).rev() {
                let piece = &letters[at..at + len];
                if let Some(&id) = self.ids.get(piece)
                    && (at + len == end || self.splits(&letters[at + len..end]))
                {
                    found = Some((id, len));
                    break;
                }
            }
            match found {
                Some((id, len)) => {
                    pieces.push(id);
                    lens.push(len);
                    at += len;
                }
                None => {
                    // An unfinished last syllable.
                    let rest = &letters[at..end];
                    let partial: Vec<Syl> = self
                        .syllables
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| s.starts_with(rest))
                        .map(|(i, _)| i as Syl)
                        .collect();
                    if partial.is_empty() || end != bytes.len() {
                        return None;
                    }
                    lens.push(rest.len());
                    return Some(Segments {
                        full: pieces,
                        lens,
                        partial,
                    });
                }
            }
        }
        Some(Segments {
            full: pieces,
            lens,
            partial: Vec::new(),
        })
    }

    /// Whether `letters` split into whole syllables, or whole syllables and a prefix.
    fn splits(&self, letters: &str) -> bool {
        if letters.is_empty() {
            return true;
        }
        (1..=letters.len().min(6))
            .rev()
            .any(|len| self.ids.contains_key(&letters[..len]) && self.splits(&letters[len..]))
            || (letters.len() <= 5 && self.syllables.iter().any(|s| s.starts_with(letters)))
    }

    /// Ranked candidates for lowercase letters (`v` for ü, `'` to separate syllables).
    pub fn candidates(&self, letters: &str) -> Vec<Candidate> {
        let letters = letters.trim().to_ascii_lowercase();
        if letters.is_empty()
            || !letters
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'\'')
        {
            return Vec::new();
        }
        let mut out: Vec<Candidate> = Vec::new();
        let mut seen: HashMap<u32, ()> = HashMap::new();
        let mut push = |out: &mut Vec<Candidate>, list: &[u32], consumed: usize, limit: usize| {
            let mut taken = 0;
            for &i in list {
                if out.len() >= MAX_CANDIDATES || taken >= limit {
                    break;
                }
                if seen.insert(i, ()).is_none() {
                    out.push(Candidate {
                        text: self.entries[i as usize].text.to_string(),
                        consumed,
                    });
                    taken += 1;
                }
            }
        };
        let Some(seg) = self.segment(&letters) else {
            // Not pinyin: perhaps initials ("zg").
            if let Some(list) = self.by_initials.get(&letters) {
                push(&mut out, list, letters.len(), MAX_CANDIDATES);
            }
            return out;
        };
        let total = letters.len();
        let prefix_len = |n: usize| seg.lens[..n].iter().sum::<usize>();
        // All the letters: whole syllables, or with the unfinished last one.
        if seg.partial.is_empty() {
            if seg.full.len() > 1
                && let Some(list) = self.by_syllables.get(&seg.full)
            {
                push(&mut out, list, total, MAX_CANDIDATES);
            }
        } else if !seg.full.is_empty() {
            let mut merged: Vec<u32> = Vec::new();
            for &p in &seg.partial {
                let mut key = seg.full.clone();
                key.push(p);
                if let Some(list) = self.by_syllables.get(&key) {
                    merged.extend(list);
                }
            }
            merged.sort_by(|a, b| {
                self.entries[*b as usize]
                    .freq
                    .cmp(&self.entries[*a as usize].freq)
            });
            push(&mut out, &merged, total, 40);
        }
        // Initials, when the letters could be them ("zg", "gh").
        if letters.len() >= 2
            && let Some(list) = self.by_initials.get(&letters)
        {
            push(&mut out, list, total, 10);
        }
        // Words for the first syllables, longest first.
        for n in (2..seg.full.len()).rev() {
            if let Some(list) = self.by_syllables.get(&seg.full[..n]) {
                push(&mut out, list, prefix_len(n), 20);
            }
        }
        // Characters for the first syllable (or the unfinished only one).
        match seg.full.first() {
            Some(&first) => {
                if let Some(list) = self.by_syllables.get(&vec![first]) {
                    push(&mut out, list, seg.lens[0], MAX_CANDIDATES);
                }
            }
            None => {
                let mut merged: Vec<u32> = seg
                    .partial
                    .iter()
                    .filter_map(|p| self.by_syllables.get(&vec![*p]))
                    .flatten()
                    .copied()
                    .collect();
                merged.sort_by(|a, b| {
                    self.entries[*b as usize]
                        .freq
                        .cmp(&self.entries[*a as usize].freq)
                });
                push(&mut out, &merged, total, MAX_CANDIDATES);
            }
        }
        out
    }
}

#[derive(Debug)]
struct Segments {
    full: Vec<Syl>,
    /// Letters each piece covers (the unfinished one last), separators included.
    lens: Vec<usize>,
    /// Syllables the unfinished last piece may become (empty: none unfinished).
    partial: Vec<Syl>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn ime() -> &'static Ime {
        static IME: OnceLock<Ime> = OnceLock::new();
        IME.get_or_init(Ime::new)
    }

    fn texts(letters: &str) -> Vec<String> {
        ime()
            .candidates(letters)
            .into_iter()
            .map(|c| c.text)
            .collect()
    }

    fn rank(letters: &str, text: &str) -> Option<usize> {
        texts(letters).iter().position(|t| t == text)
    }

    #[test]
    fn whole_pinyin_offers_the_word_and_characters() {
        // (letters, expected, at most this rank)
        let cases = [
            ("zhong", "中", 2),
            ("gonghui", "工会", 0),
            ("zhongguo", "中国", 0),
            ("yinhang", "银行", 2),
            ("lv", "绿", 5),
            ("xian", "先", 8),
            ("xi'an", "西安", 3),
            ("zhigong", "职工", 1),
        ];
        for (letters, want, at_most) in cases {
            let r = rank(letters, want);
            assert!(
                r.is_some_and(|r| r <= at_most),
                "{letters}: {want} at {r:?}, first {:?}",
                &texts(letters)[..texts(letters).len().min(10)]
            );
        }
    }

    #[test]
    fn unfinished_syllables_initials_and_leftovers() {
        assert!(
            rank("gongh", "工会").is_some_and(|r| r < 5),
            "{:?}",
            texts("gongh")
        );
        assert!(
            rank("zg", "中国").is_some_and(|r| r < 5),
            "{:?}",
            texts("zg")
        );
        let gong = ime()
            .candidates("gonghui")
            .into_iter()
            .find(|c| c.text == "工")
            .expect("the first syllable's character is offered");
        assert_eq!(gong.consumed, 4, "工 covers gong, leaving hui");
        assert!(rank("hui", "会").is_some_and(|r| r < 3));
        let word = ime()
            .candidates("gonghuihuiyuan")
            .into_iter()
            .find(|c| c.text == "工会")
            .expect("a word for the first syllables");
        assert_eq!(word.consumed, 7);
    }

    #[test]
    fn nonsense_gives_nothing_and_every_candidate_covers_something() {
        assert!(texts("").is_empty());
        assert!(texts("123").is_empty());
        for letters in ["zhongguorenmin", "a", "xqz", "shangh"] {
            for c in ime().candidates(letters) {
                assert!(
                    c.consumed >= 1 && c.consumed <= letters.len(),
                    "{letters}: {c:?}"
                );
            }
        }
        assert!(texts("zhong").len() <= MAX_CANDIDATES);
    }
}
