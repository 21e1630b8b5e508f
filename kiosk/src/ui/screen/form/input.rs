//! Typing into a form's fields: which keyboard a field gets, how many characters it takes,
//! letters through the pinyin composer and its candidate bar, dates that get their dashes as
//! digits are typed.

use iced::widget::{Space, button, container, row, text};
use iced::{Alignment, Element, Fill, Length};
use protocol::answers;
use protocol::content::FieldInput;

use super::{Form, Message};
use crate::ui::context::Context;
use crate::ui::ime::Outcome;
use crate::ui::keyboard::{self, Key, Layout};
use crate::ui::theme;
use crate::ui::widgets;

/// The keyboard a field is typed with.
fn layout_for(input: &FieldInput) -> Layout {
    match input {
        FieldInput::Number { integer, min, .. } => Layout::Pad {
            dot: !integer,
            minus: min.is_none_or(|m| m < 0.0),
            x: false,
        },
        FieldInput::Phone { .. } | FieldInput::Date { .. } => Layout::Pad {
            dot: false,
            minus: false,
            x: false,
        },
        FieldInput::ResidentId => Layout::Pad {
            dot: false,
            minus: false,
            x: true,
        },
        _ => Layout::Letters,
    }
}

/// Whether a field holds a person's name (the pinyin input offers surnames first).
fn holds_name(input: &FieldInput) -> bool {
    matches!(
        input,
        FieldInput::Text {
            person_name: true,
            ..
        }
    )
}

/// How many characters a field may take from the keyboard.
fn max_chars(input: &FieldInput) -> usize {
    match input {
        FieldInput::Text { max_len, .. } => max_len.unwrap_or(answers::TEXT_DEFAULT_MAX) as usize,
        FieldInput::Multiline { max_len, .. } => {
            max_len.unwrap_or(answers::MULTILINE_DEFAULT_MAX) as usize
        }
        FieldInput::Phone { .. } => 11,
        FieldInput::ResidentId => 18,
        FieldInput::Date { .. } => 10,
        _ => 24,
    }
}

/// Typing a date: digits only, the dashes come by themselves (2024-01-05).
fn date_typed(current: &str, key: Key) -> String {
    let mut digits: String = current.chars().filter(char::is_ascii_digit).collect();
    match key {
        Key::Char(c) if c.is_ascii_digit() && digits.len() < 8 => digits.push(c),
        Key::Backspace => {
            digits.pop();
        }
        Key::Clear => digits.clear(),
        _ => {}
    }
    let mut out = String::with_capacity(10);
    for (i, c) in digits.chars().enumerate() {
        if i == 4 || i == 6 {
            out.push('-');
        }
        out.push(c);
    }
    out
}

impl Form {
    /// Starts typing into the field `key`, with the keyboard it takes.
    pub(super) fn focus(&mut self, key: String) {
        self.leave_focus();
        self.composer.clear();
        if let Some(input) = self.field(&key).map(|f| f.input.clone()) {
            self.layout = layout_for(&input);
            let has_text = !self.text_of(&key).is_empty();
            self.composer.set_field(holds_name(&input), has_text);
        }
        self.focus = Some(key);
    }

    /// A key on the on-screen keyboard, for the field being typed.
    pub(super) fn key(&mut self, k: Key, ctx: &Context) {
        let Some(key) = self.focus.clone() else {
            return;
        };
        let Some(input) = self.field(&key).map(|f| f.input.clone()) else {
            return;
        };
        if k == Key::Layout {
            self.layout = match self.layout {
                Layout::Letters => Layout::Digits,
                _ => Layout::Letters,
            };
            self.composer.clear();
            return;
        }
        // Letters go to the pinyin composer first; the composer hands back what to commit.
        // Starting afresh, it learns whether the field has text yet (a name's surname).
        if self.composer.is_empty() {
            let has_text = !self.text_of(&key).is_empty();
            self.composer.set_field(holds_name(&input), has_text);
        }
        if matches!(self.layout, Layout::Letters)
            && let Some(ime) = &ctx.ime
        {
            match self.composer.key(ime.as_ref(), k) {
                Outcome::Consumed => return,
                Outcome::Commit(text) => {
                    self.append(&key, &text, max_chars(&input));
                    return;
                }
                Outcome::Pass => {}
            }
        }
        let current = self.text_of(&key);
        let (value, done) = if matches!(input, FieldInput::Date { .. }) {
            (date_typed(&current, k), k == Key::Done)
        } else {
            let mut value = current;
            let done = keyboard::edit(&mut value, k, max_chars(&input));
            (value, done)
        };
        self.set_text(&key, value);
        if done {
            self.touched.insert(key);
            self.focus = None;
        }
    }

    /// A pinyin candidate was tapped: its text goes into the field.
    pub(super) fn candidate(&mut self, index: usize, ctx: &Context) {
        let (Some(key), Some(ime)) = (self.focus.clone(), &ctx.ime) else {
            return;
        };
        let max = self.field(&key).map(|f| max_chars(&f.input)).unwrap_or(0);
        if let Some(text) = self.composer.choose(ime.as_ref(), index) {
            self.append(&key, &text, max);
        }
    }

    /// Adds `text` to the field `key`, as far as its `max` characters allow.
    fn append(&mut self, key: &str, text: &str, max: usize) {
        let mut value = self.text_of(key);
        for c in text.chars() {
            keyboard::edit(&mut value, Key::Char(c), max);
        }
        self.set_text(key, value);
    }

    /// The candidate bar over the keyboard: the letters typed and what they could be.
    pub(super) fn candidate_bar<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        let s = ctx.strings();
        let t = ctx.types();
        let mut bar = row![
            container(
                text(self.composer.letters())
                    .size(t.body)
                    .color(theme::MUTED)
            )
            .width(Length::Fixed(200.0))
        ]
        .spacing(10)
        .align_y(Alignment::Center);
        for (i, candidate) in self.composer.page_items().into_iter().enumerate() {
            bar = bar.push(
                button(
                    container(text(candidate).size(t.heading)).center_y(Length::Fixed(theme::TAP)),
                )
                .padding([0, 18])
                .style(theme::key)
                .on_press(Message::Candidate(i)),
            );
        }
        bar = bar.push(Space::new().width(Fill));
        if self.composer.has_prev() {
            bar = bar.push(widgets::secondary(
                ctx,
                s.key_prev,
                Some(Message::PrevCandidates),
            ));
        }
        if self.composer.has_next() {
            bar = bar.push(widgets::secondary(
                ctx,
                s.key_more,
                Some(Message::NextCandidates),
            ));
        }
        container(bar)
            .padding([8, 16])
            .width(Fill)
            .style(theme::card)
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_get_their_dashes_as_digits_are_typed() {
        let mut v = String::new();
        for c in "20240105".chars() {
            v = date_typed(&v, Key::Char(c));
        }
        assert_eq!(v, "2024-01-05");
        assert_eq!(
            date_typed(&v, Key::Char('9')),
            "2024-01-05",
            "eight digits at most"
        );
        assert_eq!(date_typed(&v, Key::Backspace), "2024-01-0");
        assert_eq!(date_typed("2024-0", Key::Backspace), "2024");
        assert_eq!(date_typed(&v, Key::Char('X')), "2024-01-05");
        assert_eq!(date_typed(&v, Key::Clear), "");
    }
}
