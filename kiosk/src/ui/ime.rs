//! The pinyin composer behind the on-screen keyboard: letters typed into a text field gather
//! here, a candidate bar offers characters and words for them (most likely first, a page at a
//! time), and tapping one commits it and keeps the letters it did not cover.

use std::sync::Arc;

use super::keyboard::Key;
pub use crate::ime::Hints;

/// Where candidates come from: ranked texts for the letters, each with how many of the letters
/// it covers (a word may cover all of "gonghui", a character only "gong").
pub trait Candidates: Send + Sync + std::fmt::Debug {
    fn candidates(&self, letters: &str, hints: &Hints<'_>) -> Vec<(String, usize)>;
}

pub type Engine = Arc<dyn Candidates>;

impl Candidates for crate::ime::Ime {
    fn candidates(&self, letters: &str, hints: &Hints<'_>) -> Vec<(String, usize)> {
        crate::ime::Ime::candidates(self, letters, hints)
            .into_iter()
            .map(|c| (c.text, c.consumed))
            .collect()
    }
}

/// Candidates shown at once.
pub const PAGE: usize = 8;
/// Choices remembered within one form.
const MAX_LEARNED: usize = 64;

/// What a key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The composer took it (letters changed).
    Consumed,
    /// Text to put into the field.
    Commit(String),
    /// Not for the composer: the field handles it as usual.
    Pass,
}

#[derive(Debug, Default)]
pub struct Composer {
    letters: String,
    candidates: Vec<(String, usize)>,
    page: usize,
    /// The field being typed holds a person's name.
    name: bool,
    /// The field has text already (on a name field: the surname).
    has_text: bool,
    /// What was chosen so far in this form, ranked first again while the form lasts. The
    /// composer lives and dies with its form: nothing is kept for the next employee.
    learned: Vec<(String, String)>,
}

impl Composer {
    pub fn is_empty(&self) -> bool {
        self.letters.is_empty()
    }

    pub fn letters(&self) -> &str {
        &self.letters
    }

    /// What the field shows after its text while composing.
    pub fn preedit(&self) -> String {
        self.letters.clone()
    }

    /// Forgets the letters (not what was chosen: that lasts as long as the form).
    pub fn clear(&mut self) {
        self.letters.clear();
        self.candidates.clear();
        self.page = 0;
    }

    /// Says what the field being typed holds: a person's name or not, and whether it has text
    /// already (a name's surname typed, given-name characters next).
    pub fn set_field(&mut self, name: bool, has_text: bool) {
        self.name = name;
        self.has_text = has_text;
    }

    fn refresh(&mut self, engine: &dyn Candidates) {
        self.candidates = if self.letters.is_empty() {
            Vec::new()
        } else {
            let hints = Hints {
                name: self.name,
                surname_typed: self.has_text,
                learned: &self.learned,
            };
            engine.candidates(&self.letters, &hints)
        };
        self.page = 0;
    }

    pub fn page_items(&self) -> Vec<String> {
        self.candidates
            .iter()
            .skip(self.page * PAGE)
            .take(PAGE)
            .map(|(t, _)| t.clone())
            .collect()
    }

    pub fn has_prev(&self) -> bool {
        self.page > 0
    }

    pub fn has_next(&self) -> bool {
        (self.page + 1) * PAGE < self.candidates.len()
    }

    pub fn next_page(&mut self) {
        if self.has_next() {
            self.page += 1;
        }
    }

    pub fn prev_page(&mut self) {
        if self.has_prev() {
            self.page -= 1;
        }
    }

    /// Takes the `index`th candidate of the page shown: returns its text and keeps the letters it
    /// did not cover.
    pub fn choose(&mut self, engine: &dyn Candidates, index: usize) -> Option<String> {
        let (text, used) = self.candidates.get(self.page * PAGE + index)?.clone();
        let used = used.clamp(1, self.letters.len());
        let letters: String = self.letters.drain(..used).collect();
        self.learned.retain(|(l, _)| *l != letters);
        if self.learned.len() < MAX_LEARNED {
            self.learned.push((letters, text.clone()));
        }
        self.has_text = true;
        self.refresh(engine);
        Some(text)
    }

    pub fn key(&mut self, engine: &dyn Candidates, key: Key) -> Outcome {
        match key {
            Key::Char(c) if c.is_ascii_lowercase() || (c == '\'' && !self.letters.is_empty()) => {
                if self.letters.len() < 40 {
                    self.letters.push(c);
                    self.refresh(engine);
                }
                Outcome::Consumed
            }
            Key::Backspace if !self.letters.is_empty() => {
                self.letters.pop();
                self.refresh(engine);
                Outcome::Consumed
            }
            Key::Clear if !self.letters.is_empty() => {
                self.clear();
                Outcome::Consumed
            }
            // Space or Done with letters pending: the best candidate, or the letters themselves
            // when nothing matches (a Latin name, say).
            Key::Space | Key::Done if !self.letters.is_empty() => match self.choose(engine, 0) {
                Some(text) => Outcome::Commit(text),
                None => {
                    let letters = std::mem::take(&mut self.letters);
                    self.clear();
                    Outcome::Commit(letters)
                }
            },
            _ => Outcome::Pass,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny table standing in for the real engine, which has its own tests.
    #[derive(Debug)]
    struct Table;

    impl Candidates for Table {
        fn candidates(&self, letters: &str, hints: &Hints<'_>) -> Vec<(String, usize)> {
            let mut out = Vec::new();
            if hints.name && !hints.surname_typed && letters.starts_with("zhang") {
                out.push(("张".to_owned(), 5));
            }
            if hints.surname_typed && letters.starts_with("wei") {
                out.push(("伟".to_owned(), 3));
            }
            // What was chosen before comes first, as the real engine ranks it.
            for (l, t) in hints.learned {
                if letters.starts_with(l.as_str()) {
                    out.push((t.clone(), l.len()));
                }
            }
            if letters.starts_with("gonghui") {
                out.push(("工会".to_owned(), 7));
            }
            if letters.starts_with("gong") {
                out.push(("工".to_owned(), 4));
                out.push(("公".to_owned(), 4));
            }
            if letters.starts_with("hui") {
                out.push(("会".to_owned(), 3));
            }
            for i in 0..10 {
                out.push((format!("候选{i}"), 1));
            }
            out
        }
    }

    fn typed(c: &mut Composer, letters: &str) {
        for ch in letters.chars() {
            assert_eq!(c.key(&Table, Key::Char(ch)), Outcome::Consumed);
        }
    }

    #[test]
    fn choosing_a_character_keeps_the_rest_of_the_letters() {
        let mut c = Composer::default();
        typed(&mut c, "gonghui");
        assert_eq!(c.page_items()[0], "工会");
        assert_eq!(c.choose(&Table, 1), Some("工".to_owned()));
        assert_eq!(c.letters(), "hui");
        assert_eq!(c.page_items()[0], "会");
        assert_eq!(c.key(&Table, Key::Space), Outcome::Commit("会".to_owned()));
        assert!(c.is_empty());
        assert_eq!(
            c.key(&Table, Key::Space),
            Outcome::Pass,
            "an empty composer passes space on"
        );
    }

    #[test]
    fn pages_backspace_and_clear() {
        let mut c = Composer::default();
        typed(&mut c, "gong");
        assert!(c.has_next() && !c.has_prev());
        c.next_page();
        assert!(c.has_prev());
        assert_eq!(c.page_items().len(), 12 - PAGE);
        assert_eq!(c.key(&Table, Key::Backspace), Outcome::Consumed);
        assert_eq!(c.letters(), "gon");
        assert!(!c.has_prev(), "new letters start at the first page");
        assert_eq!(c.key(&Table, Key::Clear), Outcome::Consumed);
        assert!(c.is_empty());
        assert_eq!(c.key(&Table, Key::Backspace), Outcome::Pass);
        assert_eq!(c.key(&Table, Key::Char('7')), Outcome::Pass);
    }

    #[test]
    fn the_composer_passes_what_the_field_wants_and_what_was_chosen() {
        let mut c = Composer::default();
        c.set_field(true, false);
        typed(&mut c, "zhangwei");
        assert_eq!(c.page_items()[0], "张", "a name field asks for names");
        assert_eq!(c.choose(&Table, 0), Some("张".to_owned()));
        assert_eq!(c.page_items()[0], "伟", "after the surname, given names");
        c.clear();
        c.set_field(false, false);
        typed(&mut c, "gong");
        assert_eq!(c.page_items()[0], "工");
        assert_eq!(c.choose(&Table, 1), Some("公".to_owned()));
        // Clearing the letters (a new field) keeps what this form chose.
        c.clear();
        typed(&mut c, "gong");
        assert_eq!(c.page_items()[0], "公", "chosen before, first now");
        // A new form (a new composer) knows nothing of it.
        let mut fresh = Composer::default();
        typed(&mut fresh, "gong");
        assert_eq!(fresh.page_items()[0], "工");
    }
}
