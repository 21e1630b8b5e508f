//! Folding: how catalogue text and queries become comparable characters (traditional to
//! simplified, full-width to ASCII, lowercase), each character's readings as typed in pinyin, and
//! ISBNs as numbers.

use std::collections::HashMap;

use pinyin::ToPinyinMulti;

/// A set of syllable ids.
#[derive(Default)]
pub(super) struct SyllableSet(Vec<u64>);

impl SyllableSet {
    pub(super) fn insert(&mut self, id: u16) {
        let word = usize::from(id / 64);
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        self.0[word] |= 1 << (id % 64);
    }

    pub(super) fn contains(&self, id: u16) -> bool {
        self.0
            .get(usize::from(id / 64))
            .is_some_and(|w| w >> (id % 64) & 1 == 1)
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = u16> {
        self.0.iter().enumerate().flat_map(|(word, &bits)| {
            (0..64u16)
                .filter(move |b| bits >> b & 1 == 1)
                .map(move |b| word as u16 * 64 + b)
        })
    }
}

/// Every distinct character in the catalogue, with its readings; fields refer to characters
/// by their index here ("glyph id"). Only grows, which is fine: it is bounded by the script.
#[derive(Default)]
pub(super) struct Glyphs {
    pub(super) ids: HashMap<char, u32>,
    pub(super) glyphs: Vec<Glyph>,
    /// Syllable ids of all glyphs' readings, sliced by `Glyph::readings`.
    readings: Vec<u16>,
    pub(super) syllables: Vec<Syllable>,
    syllable_ids: HashMap<Syllable, u16>,
}

pub(super) struct Glyph {
    pub(super) ch: char,
    /// Bit `letter(b)` set when some reading starts with `b`.
    pub(super) initials: u64,
    /// Range of `Glyphs::readings`.
    readings: (u32, u32),
}

impl Glyphs {
    pub(super) fn intern(&mut self, ch: char) -> u32 {
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

    pub(super) fn glyph(&self, id: u32) -> &Glyph {
        &self.glyphs[id as usize]
    }

    pub(super) fn reading_ids(&self, glyph: &Glyph) -> &[u16] {
        &self.readings[glyph.readings.0 as usize..glyph.readings.1 as usize]
    }

    pub(super) fn readings(&self, glyph: &Glyph) -> impl Iterator<Item = &Syllable> {
        self.reading_ids(glyph)
            .iter()
            .map(|&s| &self.syllables[usize::from(s)])
    }

    /// Whether some catalogue character reads `text`, or (`whole` false) a reading begins
    /// with it.
    pub(super) fn has_reading(&self, text: &[u8], whole: bool) -> bool {
        if whole {
            return Syllable::new(text.iter().map(|&b| char::from(b)))
                .is_some_and(|s| self.syllable_ids.contains_key(&s));
        }
        self.syllables.iter().any(|s| s.text().starts_with(text))
    }

    /// The readings that begin with `prefix`.
    pub(super) fn starting_with(&self, prefix: &[u8]) -> SyllableSet {
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
pub(super) struct Syllable {
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

    pub(super) fn text(&self) -> &[u8] {
        &self.text[..usize::from(self.len)]
    }
}

/// "zh", "ch" and "sh" are one initial, so "zhg" finds 中国.
pub(super) fn starts_with_double_initial(text: &[u8]) -> bool {
    matches!(text, [b'z' | b'c' | b's', b'h', ..])
}

/// Bit for an ASCII letter or digit: `a`–`z`, then `0`–`9`.
pub(super) fn letter_bit(b: u8) -> u64 {
    match b {
        b'a'..=b'z' => 1 << (b - b'a'),
        b'0'..=b'9' => 1 << (26 + b - b'0'),
        _ => unreachable!("queries and readings hold only lowercase ASCII letters and digits"),
    }
}

/// Folds text for matching: traditional to simplified, full-width ASCII to ASCII, lowercase.
/// Letters and digits come out as `Some`, anything else as `None` (a separator).
pub(super) fn fold(text: &str) -> Vec<Option<char>> {
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
pub(super) fn isbn13(raw: &str) -> Option<u64> {
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
pub(super) fn isbn_prefix_range(digits: &[u8]) -> Option<(u64, u64)> {
    let missing = 13usize.checked_sub(digits.len())?;
    let value = digits
        .iter()
        .fold(0u64, |v, b| v * 10 + u64::from(b - b'0'));
    let scale = 10u64.pow(missing as u32);
    Some((value * scale, (value + 1) * scale - 1))
}
