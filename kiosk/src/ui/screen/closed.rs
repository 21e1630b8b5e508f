//! The closed screen: outside the org's opening hours the kiosk shows a calm clock — the time,
//! the date, "closed" and when it opens again, in Chinese and English at once (nobody has
//! picked a language yet) — or nothing at all, as the kiosk's config says. It takes no input of
//! its own: the app wakes on any touch. Times are China time, as the hours are.

use iced::widget::{Space, column, container, text};
use iced::{Alignment, Color, Element, Fill};
use jiff::Timestamp;
use jiff::civil::DateTime;
use protocol::content::OpeningHours;
use protocol::content::hours::china_time;

use crate::config::ClosedScreen;
use crate::ui::context::Context;
use crate::ui::i18n::{Lang, Strings, fill};
use crate::ui::theme;

const NIGHT: Color = Color::from_rgb8(0x12, 0x12, 0x14);
const SOFT: Color = Color::from_rgb8(0xD8, 0xD4, 0xCC);
const DIM: Color = Color::from_rgb8(0x8C, 0x88, 0x80);

/// When the kiosk opens again, worked out once a tick while it is closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    next_opening: Option<DateTime>,
}

impl Closed {
    pub fn new(hours: &OpeningHours, now: Timestamp) -> Closed {
        Closed {
            next_opening: hours.next_opening(china_time(now)),
        }
    }

    /// The clock over the whole screen, or black.
    pub fn view<'a, M: 'a>(
        &self,
        ctx: &'a Context,
        now: Timestamp,
        mode: ClosedScreen,
    ) -> Element<'a, M> {
        let night = move |_: &iced::Theme| container::Style {
            background: Some(iced::Background::Color(if mode == ClosedScreen::Blank {
                Color::BLACK
            } else {
                NIGHT
            })),
            ..container::Style::default()
        };
        if mode == ClosedScreen::Blank {
            return container(Space::new())
                .width(Fill)
                .height(Fill)
                .style(night)
                .into();
        }
        let (zh, en) = (Lang::Zh.strings(), Lang::En.strings());
        let at = china_time(now);
        // The clock scales with the window: a fifth of its shorter side.
        let short = ctx.size.width.min(ctx.size.height);
        let t = ctx.types();
        let bold = theme::bold(ctx.font());
        let line = |s: String, size: f32, color: Color| text(s).size(size).color(color);
        let mut lines = column![
            line(at.strftime("%H:%M").to_string(), short * 0.22, SOFT).font(bold),
            line(date_line(zh, at), t.heading, SOFT),
            line(date_line(en, at), t.body, DIM),
            Space::new().height(short * 0.05),
            line(zh.closed_title.to_owned(), t.display, SOFT).font(bold),
            line(en.closed_title.to_owned(), t.heading, DIM),
        ]
        .spacing(14)
        .align_x(Alignment::Center);
        if let Some(next) = self.next_opening {
            lines = lines
                .push(line(opens(zh, at, next), t.title, SOFT))
                .push(line(opens(en, at, next), t.body, DIM));
        }
        lines = lines
            .push(Space::new().height(short * 0.05))
            .push(line(zh.closed_touch.to_owned(), t.body, DIM))
            .push(line(en.closed_touch.to_owned(), t.small, DIM));
        container(lines).center(Fill).style(night).into()
    }
}

fn date_line(s: &Strings, at: DateTime) -> String {
    format!(
        "{}  {}",
        at.strftime(s.date_format),
        s.weekday(at.weekday())
    )
}

/// "Opens today at 09:00", "… tomorrow …", or on a date further on.
fn opens(s: &Strings, now: DateTime, next: DateTime) -> String {
    let time = next.strftime("%H:%M").to_string();
    if next.date() == now.date() {
        fill(s.closed_opens_today, &[&time])
    } else if now.date().tomorrow().ok() == Some(next.date()) {
        fill(s.closed_opens_tomorrow, &[&time])
    } else {
        fill(s.closed_opens_on, &[&date_line(s, next), &time])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn when_it_opens_is_said_plainly() {
        let (zh, en) = (Lang::Zh.strings(), Lang::En.strings());
        let now = date(2026, 9, 28).at(18, 0, 0, 0);
        let today = date(2026, 9, 28).at(19, 30, 0, 0);
        let tomorrow = date(2026, 9, 29).at(9, 0, 0, 0);
        let later = date(2026, 10, 8).at(9, 0, 0, 0);
        assert_eq!(opens(zh, now, today), "今天 19:30 开放");
        assert_eq!(opens(en, now, tomorrow), "Opens tomorrow at 09:00");
        assert_eq!(opens(zh, now, later), "2026年10月8日  星期四 09:00 开放");
    }
}
