//! The attract carousel: full-screen slides while nobody uses the kiosk. It takes no input of
//! its own: the app wakes on any touch.

use iced::widget::{Space, column, container, image, row, stack, text};
use iced::{Alignment, Color, ContentFit, Element, Fill};
use protocol::MediaHash;
use protocol::content::AttractSlide;

use crate::ui::context::Context;
use crate::ui::images::Fit;
use crate::ui::theme;

/// Which slide is up, and for how long.
#[derive(Debug, Default)]
pub struct Attract {
    index: usize,
    elapsed: u32,
}

impl Attract {
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

    /// The slide that has just come up (none when the one up has been up a while).
    pub fn just_shown<'a>(&self, slides: &'a [AttractSlide]) -> Option<&'a AttractSlide> {
        if self.elapsed != 0 || slides.is_empty() {
            return None;
        }
        slides.get(self.index % slides.len())
    }

    /// The pictures of the slide that is up and of the next one.
    pub fn showing<'a>(&self, slides: &'a [AttractSlide]) -> Vec<&'a MediaHash> {
        if slides.is_empty() {
            return Vec::new();
        }
        let up = self.index % slides.len();
        let next = (up + 1) % slides.len();
        let mut hashes = vec![&slides[up].image];
        if next != up && slides[next].image != slides[up].image {
            hashes.push(&slides[next].image);
        }
        hashes
    }

    /// The slide that is up, over the whole screen.
    pub fn view<'a, M: 'a>(&self, ctx: &'a Context, slides: &'a [AttractSlide]) -> Element<'a, M> {
        let s = ctx.strings();
        let t = ctx.types();
        let mut layers = stack![].width(Fill).height(Fill);
        layers = layers.push(
            container(Space::new())
                .width(Fill)
                .height(Fill)
                .style(theme::bar),
        );
        if let Some(slide) = slides.get(self.index % slides.len().max(1)) {
            let fit = Fit::slide(ctx.size.width, ctx.size.height);
            if let Some(handle) = ctx.images.cached(&slide.image, fit) {
                layers = layers.push(
                    image(handle)
                        .width(Fill)
                        .height(Fill)
                        .content_fit(ContentFit::Contain),
                );
            }
            let mut dots = row![].spacing(14);
            for i in 0..slides.len() {
                let on = i == self.index % slides.len();
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
                    .font(theme::bold(ctx.font()))
                    .color(Color::WHITE),
                text(slide.subtitle.as_str())
                    .size(t.heading)
                    .color(Color::WHITE),
                dots,
            ]
            .spacing(20);
            layers = layers.push(
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
                        .font(theme::bold(ctx.font()))
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
        layers.into()
    }
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
        let mut s = Attract::default();
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
