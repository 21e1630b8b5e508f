//! The attract carousel: full-screen slides while nobody uses the kiosk; any touch wakes it.

use iced::widget::{Space, button, column, container, image, row, stack, text};
use iced::{Alignment, Color, ContentFit, Element, Fill, Length};
use protocol::content::AttractSlide;

use crate::ui::app::{App, Message};
use crate::ui::images::Fit;
use crate::ui::theme;

#[derive(Debug, Default)]
pub struct State {
    pub index: usize,
    pub elapsed: u32,
}

impl State {
    /// One second passed: move on when the slide has been up long enough.
    pub fn tick(&mut self, slides: &[AttractSlide]) {
        if slides.is_empty() {
            return;
        }
        self.index %= slides.len();
        self.elapsed += 1;
        if self.elapsed >= slides[self.index].seconds.max(3) {
            self.elapsed = 0;
            self.index = (self.index + 1) % slides.len();
        }
    }
}

pub fn view<'a>(app: &'a App, state: &'a State) -> Element<'a, Message> {
    let s = app.strings();
    let t = app.types();
    let mut layers = stack![].width(Fill).height(Fill);
    layers = layers.push(
        container(Space::new())
            .width(Fill)
            .height(Fill)
            .style(theme::bar),
    );
    if let Some(slide) = app.slides.get(state.index % app.slides.len().max(1)) {
        let fit = Fit::slide(app.size.width, app.size.height);
        if let Some(handle) = app.images.cached(&slide.image, fit) {
            layers = layers.push(
                image(handle)
                    .width(Fill)
                    .height(Fill)
                    .content_fit(ContentFit::Contain),
            );
        }
        let mut dots = row![].spacing(14);
        for i in 0..app.slides.len() {
            let on = i == state.index % app.slides.len();
            dots = dots.push(
                container(Space::new().width(if on { 36 } else { 14 }).height(14)).style(
                    move |_: &iced::Theme| container::Style {
                        background: Some(iced::Background::Color(if on {
                            Color::WHITE
                        } else {
                            Color::from_rgba8(255, 255, 255, 0.5)
                        })),
                        border: iced::Border {
                            radius: 7.0.into(),
                            ..iced::Border::default()
                        },
                        ..container::Style::default()
                    },
                ),
            );
        }
        let caption = column![
            text(slide.title.as_str())
                .size(t.display)
                .font(theme::bold(app.font()))
                .color(Color::WHITE),
            text(slide.subtitle.as_str())
                .size(t.heading)
                .color(Color::WHITE),
            dots,
        ]
        .spacing(20);
        layers =
            layers.push(
                container(container(caption).padding([48, 72]).width(Fill).style(
                    |_: &iced::Theme| container::Style {
                        background: Some(iced::Background::Color(Color::from_rgba8(0, 0, 0, 0.55))),
                        ..container::Style::default()
                    },
                ))
                .align_bottom(Fill),
            );
    }
    layers = layers.push(
        container(
            container(
                text(s.attract_touch)
                    .size(t.heading)
                    .font(theme::bold(app.font()))
                    .color(Color::WHITE),
            )
            .padding([18, 40])
            .style(|_: &iced::Theme| container::Style {
                background: Some(iced::Background::Color(theme::RED)),
                border: iced::Border {
                    radius: 40.0.into(),
                    ..iced::Border::default()
                },
                ..container::Style::default()
            }),
        )
        .align_x(Alignment::End)
        .align_top(Fill)
        .width(Fill)
        .padding(48),
    );
    button(layers)
        .padding(0)
        .width(Fill)
        .height(Length::Fill)
        .style(theme::invisible)
        .on_press(Message::Wake)
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slide(seconds: u32) -> AttractSlide {
        AttractSlide {
            title: "t".into(),
            subtitle: String::new(),
            image: "0".repeat(64).parse().expect("valid hash"),
            order: 0,
            seconds,
        }
    }

    #[test]
    fn slides_advance_after_their_seconds_and_wrap() {
        let slides = [slide(3), slide(5)];
        let mut s = State::default();
        for _ in 0..3 {
            s.tick(&slides);
        }
        assert_eq!(s.index, 1);
        for _ in 0..4 {
            s.tick(&slides);
        }
        assert_eq!(s.index, 1);
        s.tick(&slides);
        assert_eq!(s.index, 0);
    }
}
