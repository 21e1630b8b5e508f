//! The on-screen keyboard: the kiosk has no other. Keys are app buttons that send [`Key`]s; the
//! screen that shows the keyboard owns the text being edited.

use iced::widget::{button, column, container, row, text};
use iced::{Element, Fill, Length};

use super::context::Context;
use super::theme;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Space,
    Backspace,
    Clear,
    Done,
    /// Switch between the letter and digit layouts.
    Layout,
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
}

const LETTERS: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];
const DIGITS: [&str; 4] = ["123", "456", "789", "-0X"];

fn key<'a, M: Clone + 'a>(
    ctx: &Context,
    label: String,
    k: Key,
    on_key: fn(Key) -> M,
    width: f32,
) -> Element<'a, M> {
    button(container(text(label).size(ctx.types().heading)).center(Fill))
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
    let s = ctx.strings();
    let unit = if ctx.portrait() { 96.0 } else { 112.0 };
    if let Layout::Pad { dot, minus, x } = layout {
        let extra: Vec<char> = [(x, 'X'), (dot, '.'), (minus, '-')]
            .into_iter()
            .filter_map(|(on, c)| on.then_some(c))
            .collect();
        return pad(ctx, &extra, on_key);
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
            r = r.push(key(ctx, label, Key::Char(c), on_key, unit));
        }
        if i == rows.len() - 1 {
            r = r.push(key(
                ctx,
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
            key(ctx, switch.to_owned(), Key::Layout, on_key, unit * 1.5),
            key(ctx, s.key_clear.to_owned(), Key::Clear, on_key, unit * 1.5),
            key(ctx, s.key_space.to_owned(), Key::Space, on_key, unit * 3.5),
            key(ctx, s.key_done.to_owned(), Key::Done, on_key, unit * 1.5),
        ]
        .spacing(10),
    );
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

/// The digit pad, with `extra` keys before the 0 (X for ID numbers, the dot, the minus).
fn pad<'a, M: Clone + 'a>(ctx: &Context, extra: &[char], on_key: fn(Key) -> M) -> Element<'a, M> {
    let s = ctx.strings();
    let unit = 150.0;
    let mut keys = column![].spacing(10).align_x(iced::Alignment::Center);
    for line in ["123", "456", "789"] {
        let mut r = row![].spacing(10);
        for c in line.chars() {
            r = r.push(key(ctx, c.to_string(), Key::Char(c), on_key, unit));
        }
        keys = keys.push(r);
    }
    let mut last = row![].spacing(10);
    for &c in extra {
        last = last.push(key(ctx, c.to_string(), Key::Char(c), on_key, unit));
    }
    last = last.push(key(ctx, "0".into(), Key::Char('0'), on_key, unit));
    last = last.push(key(
        ctx,
        s.key_backspace.to_owned(),
        Key::Backspace,
        on_key,
        unit,
    ));
    keys = keys.push(last);
    keys = keys.push(
        row![
            key(ctx, s.key_clear.to_owned(), Key::Clear, on_key, unit),
            key(
                ctx,
                s.key_done.to_owned(),
                Key::Done,
                on_key,
                unit * 2.0 + 10.0
            ),
        ]
        .spacing(10),
    );
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
        Key::Layout => {}
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
