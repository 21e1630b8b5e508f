//! The on-screen keyboard: the kiosk has no other. Keys are app buttons that send [`Key`]s; the
//! screen that shows the keyboard owns the text being edited.

use iced::widget::{button, column, container, row, text};
use iced::{Element, Fill, Length};

use super::context::Context;
use super::i18n::Strings;
use super::theme::{self, Type};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Space,
    Backspace,
    Clear,
    Done,
    /// Switch between the letter and digit layouts.
    Layout,
    /// Switch to this layout (the keyboard for codes has several pages).
    To(Layout),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    #[default]
    Letters,
    Digits,
    /// A digit pad for numbers, phones, ID numbers and dates, with the extra keys the field
    /// takes.
    Pad {
        dot: bool,
        minus: bool,
        x: bool,
    },
    /// For web addresses and codes (the enrollment string): every character one can hold.
    Code(CodeKeys),
}

/// The pages of [`Layout::Code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CodeKeys {
    #[default]
    Lower,
    Upper,
    /// Digits and the punctuation of addresses.
    Symbols,
}

/// What the keyboard needs to draw itself: the app's [`Context`] has it, and so does the
/// provisioning screen, which runs before there is a core.
#[derive(Debug, Clone, Copy)]
pub struct Look {
    pub strings: &'static Strings,
    pub types: Type,
    pub portrait: bool,
}

impl Look {
    pub fn of(ctx: &Context) -> Look {
        Look {
            strings: ctx.strings(),
            types: ctx.types(),
            portrait: ctx.portrait(),
        }
    }
}

const LETTERS: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];
const DIGITS: [&str; 4] = ["123", "456", "789", "-0X"];
const CODE_LOWER: [&str; 4] = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"];
const CODE_UPPER: [&str; 4] = ["1234567890", "QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM"];
const CODE_SYMBOLS: [&str; 3] = ["1234567890", ":/?=&%", ".-_~+#@"];

fn key<'a, M: Clone + 'a>(
    look: Look,
    label: String,
    k: Key,
    on_key: fn(Key) -> M,
    width: f32,
) -> Element<'a, M> {
    button(container(text(label).size(look.types.heading)).center(Fill))
        .width(Length::Fixed(width))
        .height(Length::Fixed(84.0))
        .style(theme::key)
        .on_press(on_key(k))
        .into()
}

/// The keyboard in `layout`; `on_key` wraps a key into the screen's message.
pub fn view<'a, M: Clone + 'a>(
    ctx: &Context,
    layout: Layout,
    on_key: fn(Key) -> M,
) -> Element<'a, M> {
    view_with(Look::of(ctx), layout, on_key)
}

/// [`view`] for a screen without a [`Context`].
pub fn view_with<'a, M: Clone + 'a>(
    look: Look,
    layout: Layout,
    on_key: fn(Key) -> M,
) -> Element<'a, M> {
    let s = look.strings;
    let unit = if look.portrait { 96.0 } else { 112.0 };
    if let Layout::Pad { dot, minus, x } = layout {
        let extra: Vec<char> = [(x, 'X'), (dot, '.'), (minus, '-')]
            .into_iter()
            .filter_map(|(on, c)| on.then_some(c))
            .collect();
        return pad(look, &extra, on_key);
    }
    if let Layout::Code(page) = layout {
        return code(look, page, on_key);
    }
    let rows: &[&str] = match layout {
        Layout::Letters => &LETTERS,
        _ => &DIGITS,
    };
    let mut keys = column![].spacing(10).align_x(iced::Alignment::Center);
    for (i, line) in rows.iter().enumerate() {
        let mut r = row![].spacing(10);
        for c in line.chars() {
            let label = match layout {
                Layout::Letters => c.to_ascii_uppercase().to_string(),
                _ => c.to_string(),
            };
            r = r.push(key(look, label, Key::Char(c), on_key, unit));
        }
        if i == rows.len() - 1 {
            r = r.push(key(
                look,
                s.key_backspace.to_owned(),
                Key::Backspace,
                on_key,
                unit * 1.6,
            ));
        }
        keys = keys.push(r);
    }
    let switch = match layout {
        Layout::Letters => s.key_digits,
        _ => s.key_letters,
    };
    keys = keys.push(
        row![
            key(look, switch.to_owned(), Key::Layout, on_key, unit * 1.5),
            key(look, s.key_clear.to_owned(), Key::Clear, on_key, unit * 1.5),
            key(look, s.key_space.to_owned(), Key::Space, on_key, unit * 3.5),
            key(look, s.key_done.to_owned(), Key::Done, on_key, unit * 1.5),
        ]
        .spacing(10),
    );
    tray(keys)
}

/// The keys on their tray.
fn tray<'a, M: 'a>(keys: iced::widget::Column<'a, M>) -> Element<'a, M> {
    container(keys)
        .padding(16)
        .center_x(Fill)
        .style(|_: &iced::Theme| container::Style {
            background: Some(iced::Background::Color(iced::Color::from_rgb8(
                0xE4, 0xDE, 0xD4,
            ))),
            ..container::Style::default()
        })
        .into()
}

/// The code keyboard: digits on top of every page, letters in either case or the punctuation
/// of addresses, and keys to switch page; no space (codes have none).
fn code<'a, M: Clone + 'a>(look: Look, page: CodeKeys, on_key: fn(Key) -> M) -> Element<'a, M> {
    let s = look.strings;
    let unit = if look.portrait { 90.0 } else { 112.0 };
    let rows: &[&str] = match page {
        CodeKeys::Lower => &CODE_LOWER,
        CodeKeys::Upper => &CODE_UPPER,
        CodeKeys::Symbols => &CODE_SYMBOLS,
    };
    let mut keys = column![].spacing(10).align_x(iced::Alignment::Center);
    for (i, line) in rows.iter().enumerate() {
        let mut r = row![].spacing(10);
        for c in line.chars() {
            r = r.push(key(look, c.to_string(), Key::Char(c), on_key, unit));
        }
        if i == rows.len() - 1 {
            r = r.push(key(
                look,
                s.key_backspace.to_owned(),
                Key::Backspace,
                on_key,
                unit * 1.6,
            ));
        }
        keys = keys.push(r);
    }
    let mut bottom = row![].spacing(10);
    for (label, to) in [
        (s.prov_key_lower, CodeKeys::Lower),
        (s.prov_key_upper, CodeKeys::Upper),
        (s.prov_key_symbols, CodeKeys::Symbols),
    ] {
        if to != page {
            bottom = bottom.push(key(
                look,
                label.to_owned(),
                Key::To(Layout::Code(to)),
                on_key,
                unit * 2.0,
            ));
        }
    }
    bottom = bottom
        .push(key(
            look,
            s.key_clear.to_owned(),
            Key::Clear,
            on_key,
            unit * 1.5,
        ))
        .push(key(
            look,
            s.key_done.to_owned(),
            Key::Done,
            on_key,
            unit * 2.0,
        ));
    tray(keys.push(bottom))
}

/// The digit pad, with `extra` keys before the 0 (X for ID numbers, the dot, the minus).
fn pad<'a, M: Clone + 'a>(look: Look, extra: &[char], on_key: fn(Key) -> M) -> Element<'a, M> {
    let s = look.strings;
    let unit = 150.0;
    let mut keys = column![].spacing(10).align_x(iced::Alignment::Center);
    for line in ["123", "456", "789"] {
        let mut r = row![].spacing(10);
        for c in line.chars() {
            r = r.push(key(look, c.to_string(), Key::Char(c), on_key, unit));
        }
        keys = keys.push(r);
    }
    let mut last = row![].spacing(10);
    for &c in extra {
        last = last.push(key(look, c.to_string(), Key::Char(c), on_key, unit));
    }
    last = last.push(key(look, "0".into(), Key::Char('0'), on_key, unit));
    last = last.push(key(
        look,
        s.key_backspace.to_owned(),
        Key::Backspace,
        on_key,
        unit,
    ));
    keys = keys.push(last);
    keys = keys.push(
        row![
            key(look, s.key_clear.to_owned(), Key::Clear, on_key, unit),
            key(
                look,
                s.key_done.to_owned(),
                Key::Done,
                on_key,
                unit * 2.0 + 10.0
            ),
        ]
        .spacing(10),
    );
    tray(keys)
}

/// Applies a key to `text` (at most `max` characters); returns true for Done.
pub fn edit(text: &mut String, key: Key, max: usize) -> bool {
    match key {
        Key::Char(c) => {
            if text.chars().count() < max {
                text.push(c);
            }
        }
        Key::Space => {
            if text.chars().count() < max && !text.is_empty() && !text.ends_with(' ') {
                text.push(' ');
            }
        }
        Key::Backspace => {
            text.pop();
        }
        Key::Clear => text.clear(),
        Key::Done => return true,
        Key::Layout | Key::To(_) => {}
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editing_respects_the_limit_and_keeps_spaces_single() {
        let mut t = String::new();
        for c in "abc".chars() {
            edit(&mut t, Key::Char(c), 4);
        }
        edit(&mut t, Key::Space, 4);
        edit(&mut t, Key::Space, 4);
        assert_eq!(t, "abc ");
        edit(&mut t, Key::Char('d'), 4);
        assert_eq!(t, "abc ");
        edit(&mut t, Key::Backspace, 4);
        assert_eq!(t, "abc");
        assert!(edit(&mut t, Key::Done, 4));
        edit(&mut t, Key::Clear, 4);
        assert!(t.is_empty());
    }
}
