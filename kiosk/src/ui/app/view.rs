//! What the app draws around the screen on top: the title bar, the status bar, the admin
//! gesture's corner and the notice; and the attract carousel over everything when idle, or the
//! closed screen outside opening hours.

use iced::widget::{Row, Space, button, column, container, row, stack, text};
use iced::{Alignment, Element, Fill, Length};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::{App, Message};
use crate::ui::context::Context;
use crate::ui::i18n::fill;
use crate::ui::outer::outer;
use crate::ui::theme::{self, TextSize};
use crate::ui::widgets::when;

impl App {
    pub fn view(&self) -> Element<'_, Message> {
        let ctx = &self.ctx;
        // The closed screen or the carousel covers everything; a touch anywhere wakes it. Not a
        // button: over a button the pointer would show even where the cursor is hidden.
        let cover = match (&self.closed, &self.attract) {
            (Some(closed), _) => Some(closed.view(ctx, self.now, ctx.settings.closed_screen)),
            (None, Some(attract)) => Some(attract.view(ctx, &self.slides)),
            (None, None) => None,
        };
        if let Some(cover) = cover {
            let wake = iced::widget::mouse_area(container(cover).width(Fill).height(Fill))
                .on_press(Message::Wake);
            return without_cursor(ctx, wake.into());
        }
        let (bar, screen) = match self.stack.last() {
            None => (home_bar(ctx), self.home.view(ctx).map(Message::Home)),
            Some(screen) => (screen_bar(ctx, screen.title(ctx)), screen.view(ctx)),
        };
        let body = column![
            bar,
            container(screen).height(Fill).width(Fill),
            status_bar(ctx, self.now)
        ];
        // The admin gesture's corner: bottom left, over the branch name in the status bar,
        // where nothing else takes a tap.
        let corner = button(text(""))
            .width(Length::Fixed(96.0))
            .height(Length::Fixed(80.0))
            .style(theme::invisible)
            .on_press(Message::CornerTap);
        let mut layers = stack![
            container(body).style(theme::page).width(Fill).height(Fill),
            container(corner).align_bottom(Fill)
        ];
        if let Some((notice, _)) = &self.notice {
            layers = layers.push(
                container(
                    container(text(notice.as_str()).size(ctx.types().body))
                        .padding(24)
                        .style(theme::notice),
                )
                .center_x(Fill)
                .align_bottom(Fill)
                .padding(120),
            );
        }
        without_cursor(ctx, layers.into())
    }
}

/// A touchscreen shows no pointer, over the app and over the covers alike, buttons included.
fn without_cursor<'a>(ctx: &Context, content: Element<'a, Message>) -> Element<'a, Message> {
    outer(content).hide_cursor(ctx.settings.hide_cursor).into()
}

/// Home's title bar: the app's name, language and text size.
fn home_bar(ctx: &Context) -> Element<'_, Message> {
    title_bar(ctx, ctx.strings().app_name, row![])
}

/// A screen's title bar: back and home on the left of its title.
fn screen_bar<'a>(ctx: &'a Context, title: &'a str) -> Element<'a, Message> {
    let s = ctx.strings();
    let left = row![
        bar_button(ctx, format!("‹ {}", s.back), Message::Back),
        bar_button(ctx, s.home.to_owned(), Message::GoHome),
    ];
    title_bar(ctx, title, left)
}

/// The red bar across the top: `left`, the title, language and text size.
fn title_bar<'a>(ctx: &'a Context, title: &'a str, left: Row<'a, Message>) -> Element<'a, Message> {
    let s = ctx.strings();
    let t = ctx.types();
    let size_label = match ctx.text_size {
        TextSize::Normal => s.larger_text,
        TextSize::Large => s.normal_text,
    };
    let right = row![
        bar_button(ctx, size_label.to_owned(), Message::ToggleLargeText),
        bar_button(ctx, s.switch_language.to_owned(), Message::SwitchLanguage),
    ]
    .spacing(16);
    container(
        row![
            left.spacing(16).align_y(Alignment::Center),
            container(
                text(title)
                    .size(t.title)
                    .font(theme::bold(ctx.font()))
                    .wrapping(text::Wrapping::None)
            )
            .center_x(Fill)
            .clip(true),
            right
        ]
        .spacing(16)
        .align_y(Alignment::Center),
    )
    .padding([14, 24])
    .style(theme::bar)
    .width(Fill)
    .into()
}

fn bar_button<'a>(ctx: &Context, label: String, message: Message) -> Element<'a, Message> {
    button(container(text(label).size(ctx.types().body)).center_y(Length::Fixed(theme::TAP - 16.0)))
        .padding([4, 22])
        .style(theme::on_bar)
        .on_press(message)
        .into()
}

/// The dark strip at the bottom: branch, clock, and a sentence on how sync stands.
fn status_bar(ctx: &Context, now: Timestamp) -> Element<'_, Message> {
    let s = ctx.strings();
    let t = ctx.types();
    let zoned = now.to_zoned(TimeZone::system());
    let clock = format!(
        "{}  {}  {}",
        zoned.strftime(s.date_format),
        s.weekday(zoned.weekday()),
        zoned.strftime("%H:%M")
    );
    let status = &ctx.status;
    let (dot, sentence) = if status.refused {
        (theme::RED, s.status_refused.to_owned())
    } else if status.org_name.is_empty() {
        (theme::GOLD, s.status_not_enrolled.to_owned())
    } else if status.paused {
        (theme::GOLD, s.status_paused.to_owned())
    } else if let Some(since) = status.offline_since {
        (
            theme::GOLD,
            fill(s.status_offline_since, &[&when(s, since)]),
        )
    } else if let Some(last) = status.last_synced {
        (theme::GOOD, fill(s.status_last_synced, &[&when(s, last)]))
    } else {
        (theme::GOLD, s.status_never_synced.to_owned())
    };
    let mut sync = row![
        container(Space::new().width(14).height(14)).style(move |_: &iced::Theme| {
            container::Style {
                background: Some(iced::Background::Color(dot)),
                border: iced::Border {
                    radius: 7.0.into(),
                    ..iced::Border::default()
                },
                ..container::Style::default()
            }
        }),
        text(sentence).size(t.small),
    ]
    .spacing(12)
    .align_y(Alignment::Center);
    if status.outbox_depth > 0 {
        sync = sync.push(
            text(format!(
                " · {}",
                fill(s.status_outbox, &[&status.outbox_depth])
            ))
            .size(t.small),
        );
    }
    let org = text(status.org_name.clone()).size(t.small);
    let lines: Element<'_, Message> = if ctx.portrait() {
        column![
            row![org, Space::new().width(Fill), text(clock).size(t.small)],
            sync
        ]
        .spacing(6)
        .into()
    } else {
        row![
            org,
            text(clock).size(t.small),
            Space::new().width(Fill),
            sync
        ]
        .spacing(32)
        .align_y(Alignment::Center)
        .into()
    };
    container(lines)
        .padding([12, 24])
        .width(Fill)
        .style(theme::status_bar)
        .into()
}
