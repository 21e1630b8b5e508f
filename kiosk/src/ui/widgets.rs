//! Pieces every screen uses: the title bar, the status bar, covers, QR codes, big buttons.

use iced::widget::{Space, button, column, container, image, qr_code, row, stack, text};
use iced::{Alignment, ContentFit, Element, Fill, Length, Shrink};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::app::{App, Message};
use super::i18n::fill;
use super::theme;

/// The red bar across the top: back (when not home), the title, language and text size.
pub fn title_bar<'a>(app: &'a App, title: &'a str, back: bool) -> Element<'a, Message> {
    let s = app.strings();
    let t = app.types();
    let mut left = row![].spacing(16).align_y(Alignment::Center);
    if back {
        left = left.push(bar_button(app, format!("‹ {}", s.back), Message::Back));
        left = left.push(bar_button(app, s.home.to_owned(), Message::Home));
    }
    let right = row![
        bar_button(
            app,
            if app.large {
                s.normal_text
            } else {
                s.larger_text
            }
            .to_owned(),
            Message::ToggleLargeText
        ),
        bar_button(app, s.switch_language.to_owned(), Message::SwitchLanguage),
    ]
    .spacing(16);
    container(
        row![
            left,
            container(
                text(title)
                    .size(t.title)
                    .font(theme::bold(app.font()))
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

fn bar_button<'a>(app: &App, label: String, message: Message) -> Element<'a, Message> {
    button(container(text(label).size(app.types().body)).center_y(Length::Fixed(theme::TAP - 16.0)))
        .padding([4, 22])
        .style(theme::on_bar)
        .on_press(message)
        .into()
}

/// A big, plain button.
pub fn action<'a>(
    app: &App,
    label: &str,
    message: Option<Message>,
    primary: bool,
) -> Element<'a, Message> {
    let label = text(label.to_owned())
        .size(app.types().body)
        .font(theme::bold(app.font()));
    let mut b = button(
        container(label)
            .center(Shrink)
            .height(Length::Fixed(theme::TAP)),
    )
    .padding([0, 32])
    .style(if primary {
        theme::primary
    } else {
        theme::secondary
    });
    if let Some(message) = message {
        b = b.on_press(message);
    }
    b.into()
}

/// Local date and time for people ("11月22日 09:30").
pub fn when(app: &App, at: Timestamp) -> String {
    let zoned = at.to_zoned(TimeZone::system());
    let date = zoned.strftime(app.strings().date_format).to_string();
    format!("{date} {}", zoned.strftime("%H:%M"))
}

/// The dark strip at the bottom: branch, clock, and a sentence on how sync stands.
pub fn status_bar(app: &App) -> Element<'_, Message> {
    let s = app.strings();
    let t = app.types();
    let zoned = app.now.to_zoned(TimeZone::system());
    let clock = format!(
        "{}  {}  {}",
        zoned.strftime(s.date_format),
        s.weekday(zoned.weekday()),
        zoned.strftime("%H:%M")
    );
    let status = &app.status;
    let (dot, sentence) = if status.refused {
        (theme::RED, s.status_refused.to_owned())
    } else if status.org_name.is_empty() {
        (theme::GOLD, s.status_not_enrolled.to_owned())
    } else if let Some(since) = status.offline_since {
        (
            theme::GOLD,
            fill(s.status_offline_since, &[&when(app, since)]),
        )
    } else if let Some(last) = status.last_synced {
        (theme::GOOD, fill(s.status_last_synced, &[&when(app, last)]))
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
    let lines: Element<'_, Message> = if app.portrait() {
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

/// A cover at a fixed size: the image over a tinted card with the title, so a missing or
/// still-downloading image still looks like a book.
pub fn cover<'a>(
    app: &App,
    handle: Option<image::Handle>,
    title: &str,
    width: f32,
    height: f32,
) -> Element<'a, Message> {
    let seed = title.chars().map(|c| c as u64).sum::<u64>();
    let back = container(
        text(title.chars().take(12).collect::<String>())
            .size((width / 7.0).clamp(18.0, 30.0))
            .font(theme::bold(app.font()))
            .align_x(Alignment::Center),
    )
    .padding(12)
    .center(Fill)
    .style(theme::placeholder(seed));
    let mut layers = stack![back].width(width).height(height);
    if let Some(handle) = handle {
        layers = layers.push(
            image(handle)
                .width(Fill)
                .height(Fill)
                .content_fit(ContentFit::Contain),
        );
    }
    layers.into()
}

/// A QR code with a caption under it.
pub fn qr<'a>(app: &App, data: &'a qr_code::Data, caption: &str) -> Element<'a, Message> {
    column![
        container(qr_code(data).cell_size(6))
            .padding(12)
            .style(theme::card),
        text(caption.to_owned())
            .size(app.types().small)
            .width(Length::Fixed(260.0))
            .align_x(Alignment::Center),
    ]
    .spacing(8)
    .align_x(Alignment::Center)
    .into()
}

/// A calm centred sentence (empty list, loading, failure).
pub fn message<'a>(app: &App, sentence: &str) -> Element<'a, Message> {
    container(
        text(sentence.to_owned())
            .size(app.types().heading)
            .color(theme::MUTED),
    )
    .center(Fill)
    .padding(40)
    .into()
}
