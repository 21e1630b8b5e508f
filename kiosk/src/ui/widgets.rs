//! Pieces every screen uses, for any screen's message type: big buttons, covers, QR codes,
//! calm sentences, and dates as people read them.

use iced::widget::{button, column, container, image, qr_code, stack, text};
use iced::{Alignment, ContentFit, Element, Fill, Length, Shrink};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::context::Context;
use super::i18n::Strings;
use super::theme;

/// The big red button of a screen: what it is for. `None` draws it disabled.
pub fn primary<'a, M: Clone + 'a>(
    ctx: &Context,
    label: &str,
    message: Option<M>,
) -> Element<'a, M> {
    action(ctx, label, message, theme::primary)
}

/// A big plain button beside the primary one.
pub fn secondary<'a, M: Clone + 'a>(
    ctx: &Context,
    label: &str,
    message: Option<M>,
) -> Element<'a, M> {
    action(ctx, label, message, theme::secondary)
}

fn action<'a, M: Clone + 'a>(
    ctx: &Context,
    label: &str,
    message: Option<M>,
    style: fn(&iced::Theme, button::Status) -> button::Style,
) -> Element<'a, M> {
    let label = text(label.to_owned())
        .size(ctx.types().body)
        .font(theme::bold(ctx.font()));
    let mut b = button(
        container(label)
            .center(Shrink)
            .height(Length::Fixed(theme::TAP)),
    )
    .padding([0, 32])
    .style(style);
    if let Some(message) = message {
        b = b.on_press(message);
    }
    b.into()
}

/// Local date and time for people ("11月22日 09:30").
pub fn when(strings: &Strings, at: Timestamp) -> String {
    let zoned = at.to_zoned(TimeZone::system());
    let date = zoned.strftime(strings.date_format).to_string();
    format!("{date} {}", zoned.strftime("%H:%M"))
}

/// A cover at a fixed size: the image over a tinted card with the title, so a missing or
/// still-downloading image still looks like a book.
pub fn cover<'a, M: 'a>(
    ctx: &Context,
    handle: Option<image::Handle>,
    title: &str,
    width: f32,
    height: f32,
) -> Element<'a, M> {
    let seed = title.chars().map(|c| c as u64).sum::<u64>();
    let back = container(
        text(title.chars().take(12).collect::<String>())
            .size((width / 7.0).clamp(18.0, 30.0))
            .font(theme::bold(ctx.font()))
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
pub fn qr<'a, M: 'a>(ctx: &Context, data: &'a qr_code::Data, caption: &str) -> Element<'a, M> {
    column![
        container(qr_code(data).cell_size(6))
            .padding(12)
            .style(theme::card),
        text(caption.to_owned())
            .size(ctx.types().small)
            .width(Length::Fixed(260.0))
            .align_x(Alignment::Center),
    ]
    .spacing(8)
    .align_x(Alignment::Center)
    .into()
}

/// A calm centred sentence (empty list, loading, failure).
pub fn message<'a, M: 'a>(ctx: &Context, sentence: &str) -> Element<'a, M> {
    container(
        text(sentence.to_owned())
            .size(ctx.types().heading)
            .color(theme::MUTED),
    )
    .center(Fill)
    .padding(40)
    .into()
}
