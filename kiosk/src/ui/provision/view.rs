//! How the provisioning screen looks: instructions, what was entered, why the last try failed,
//! the network, and the first sync's progress. Landscape puts the network beside the rest;
//! portrait stacks it.

use iced::widget::{Column, Space, button, column, container, progress_bar, row, text};
use iced::{Alignment, Background, Border, Color, Element, Fill, FillPortion, Length, Shrink};
use jiff::SignedDuration;

use super::{Message, Provision, Server, Stage};
use crate::provision::Failure;
use crate::sync::Progress;
use crate::ui::i18n::{Strings, fill};
use crate::ui::keyboard::{self, Layout, Look};
use crate::ui::outer::outer;
use crate::ui::theme::{self, TextSize, Type};

impl Provision {
    pub fn view(&self) -> Element<'_, Message> {
        let s = self.lang.strings();
        let t = Type::new(TextSize::Normal);
        let portrait = self.size.height > self.size.width;
        let main: Element<'_, Message> = match &self.stage {
            Stage::Syncing {
                org,
                head,
                progress,
                ..
            } => self.syncing(s, t, org, *head, progress),
            _ => self.entering(s, t, portrait),
        };
        let network = self.network_card(s, t);
        let body: Element<'_, Message> = if portrait {
            column![main, network].spacing(24).into()
        } else {
            row![
                container(main).width(FillPortion(3)),
                container(network).width(FillPortion(2))
            ]
            .spacing(32)
            .into()
        };
        let mut page = column![
            self.title_bar(s, t),
            container(body).padding([24, 32]).width(Fill).height(Fill),
        ];
        if let (Some(page_keys), Stage::Waiting) = (self.keyboard, &self.stage) {
            let look = Look {
                strings: s,
                types: t,
                portrait,
            };
            page = page.push(keyboard::view_with(
                look,
                Layout::Code(page_keys),
                Message::Key,
            ));
        }
        outer(container(page).style(theme::page).width(Fill).height(Fill))
            .on_key(super::scanner::key_message)
            .hide_cursor(self.settings.hide_cursor)
            .into()
    }

    fn title_bar(&self, s: &'static Strings, t: Type) -> Element<'_, Message> {
        let font = theme::bold(self.settings.font);
        container(
            row![
                text(s.prov_title).size(t.title).font(font),
                Space::new().width(Fill),
                button(
                    container(text(s.switch_language).size(t.body))
                        .center_y(Length::Fixed(theme::TAP - 16.0))
                )
                .padding([4, 22])
                .style(theme::on_bar)
                .on_press(Message::SwitchLanguage),
            ]
            .align_y(Alignment::Center),
        )
        .padding([14, 24])
        .style(theme::bar)
        .width(Fill)
        .into()
    }

    /// Instructions, what was entered, why it failed, and the buttons.
    fn entering(&self, s: &'static Strings, t: Type, portrait: bool) -> Element<'_, Message> {
        let waiting = matches!(self.stage, Stage::Waiting);
        let mut col = Column::new().spacing(20);
        // With the keyboard up in landscape, the instructions make room for it.
        if self.keyboard.is_none() || portrait {
            col = col.push(
                container(
                    column![
                        step(t, "1", s.prov_scan),
                        step(t, "2", s.prov_type),
                        step(t, "3", s.prov_after),
                    ]
                    .spacing(16),
                )
                .padding(24)
                .width(Fill)
                .style(theme::card),
            );
        }
        let entered: Element<'_, Message> = if self.text.is_empty() {
            text(s.prov_nothing_yet)
                .size(t.heading)
                .color(theme::MUTED)
                .into()
        } else {
            text(self.text.as_str())
                .size(t.body)
                .wrapping(text::Wrapping::Glyph)
                .into()
        };
        let mut about = column![
            text(fill(s.prov_entered, &[&self.text.chars().count()]))
                .size(t.small)
                .color(theme::MUTED)
        ];
        if let Ok(parsed) = crate::provision::parse(&self.text) {
            about = about.push(
                text(fill(
                    s.prov_server_in_string,
                    &[&crate::provision::host_of(&parsed.server)],
                ))
                .size(t.small)
                .color(theme::MUTED),
            );
        }
        let field = button(
            container(column![entered, about].spacing(10))
                .padding(20)
                .width(Fill),
        )
        .padding(0)
        .width(Fill)
        .style(theme::input(
            self.keyboard.is_some(),
            self.failure.is_some(),
        ))
        .on_press_maybe(waiting.then_some(Message::ToggleKeyboard));
        col = col.push(field);
        if let Some(failure) = &self.failure {
            col = col.push(
                container(
                    text(sentence(s, failure))
                        .size(t.body)
                        .font(theme::bold(self.settings.font)),
                )
                .padding(20)
                .width(Fill)
                .style(problem),
            );
        }
        if matches!(self.stage, Stage::Enrolling) {
            col = col.push(text(s.prov_enrolling).size(t.heading));
        }
        let has_text = !self.text.trim().is_empty();
        let keyboard_label = if self.keyboard.is_some() {
            s.prov_hide_keyboard
        } else {
            s.prov_show_keyboard
        };
        col = col.push(
            row![
                action(
                    self,
                    t,
                    s.prov_enroll,
                    theme::primary,
                    (waiting && has_text).then_some(Message::Submit)
                ),
                action(
                    self,
                    t,
                    keyboard_label,
                    theme::secondary,
                    waiting.then_some(Message::ToggleKeyboard)
                ),
                action(
                    self,
                    t,
                    s.key_clear,
                    theme::secondary,
                    (waiting && has_text).then_some(Message::Key(keyboard::Key::Clear))
                ),
            ]
            .spacing(20),
        );
        col.into()
    }

    /// Enrolled: the first sync's progress, content by feed position, then images by count.
    fn syncing(
        &self,
        s: &'static Strings,
        t: Type,
        org: &str,
        head: Option<u64>,
        progress: &Progress,
    ) -> Element<'_, Message> {
        let content = if progress.content_done {
            1.0
        } else {
            match head {
                Some(head) if head > 0 => (progress.seq as f32 / head as f32).min(1.0),
                _ => 0.0,
            }
        };
        let content_label = match head {
            Some(_) => format!("{} {}%", s.prov_content, (content * 100.0).round()),
            None => format!(
                "{} · {}",
                s.prov_content,
                fill(s.prov_content_pages, &[&progress.pages])
            ),
        };
        let images = if progress.media_needed == 0 {
            if progress.content_done { 1.0 } else { 0.0 }
        } else {
            progress.media_done as f32 / progress.media_needed as f32
        };
        let images_label = fill(
            s.prov_images,
            &[&progress.media_done, &progress.media_needed],
        );
        let mut col = column![
            text(fill(s.prov_enrolled, &[&org]))
                .size(t.heading)
                .font(theme::bold(self.settings.font)),
            bar(t, content_label, content),
            bar(t, images_label, images),
        ]
        .spacing(28);
        if let Some(failure) = &self.failure {
            col = col.push(
                container(text(sentence(s, failure)).size(t.body))
                    .padding(20)
                    .width(Fill)
                    .style(problem),
            );
        }
        container(col)
            .padding(32)
            .width(Fill)
            .style(theme::card)
            .into()
    }

    /// The kiosk's addresses, or that there is no network; and how the server answered.
    fn network_card(&self, s: &'static Strings, t: Type) -> Element<'_, Message> {
        let mut col = column![
            text(s.prov_network)
                .size(t.heading)
                .font(theme::bold(self.settings.font))
        ]
        .spacing(12);
        if self.network.is_up() {
            for (name, ip) in &self.network.addresses {
                col = col.push(
                    row![dot(theme::GOOD), text(format!("{name}  {ip}")).size(t.body)]
                        .spacing(12)
                        .align_y(Alignment::Center),
                );
            }
        } else {
            col = col.push(
                row![dot(theme::GOLD), text(s.prov_net_down).size(t.body)]
                    .spacing(12)
                    .align_y(Alignment::Center),
            );
        }
        if let Some((host, state)) = &self.server {
            let (colour, template) = match state {
                Server::Asking => (theme::MUTED, s.prov_server_checking),
                Server::Answers => (theme::GOOD, s.prov_server_ok),
                Server::Silent => (theme::GOLD, s.prov_server_silent),
                Server::WrongKey => (theme::RED, s.prov_server_wrong_key),
            };
            col = col.push(
                row![dot(colour), text(fill(template, &[host])).size(t.body)]
                    .spacing(12)
                    .align_y(Alignment::Center),
            );
        }
        container(col)
            .padding(24)
            .width(Fill)
            .style(theme::card)
            .into()
    }
}

/// The sentence that says what went wrong and what to do.
pub fn sentence(s: &Strings, failure: &Failure) -> String {
    match failure {
        Failure::NotEnrollment => s.prov_fail_not_enrollment.to_owned(),
        Failure::Incomplete => s.prov_fail_incomplete.to_owned(),
        Failure::WrongKey => s.prov_fail_wrong_key.to_owned(),
        Failure::TokenUsed => s.prov_fail_used.to_owned(),
        Failure::TokenExpired => s.prov_fail_expired.to_owned(),
        Failure::TokenUnknown => s.prov_fail_unknown.to_owned(),
        Failure::NetworkDown => s.prov_fail_network_down.to_owned(),
        Failure::ServerSilent { host } => fill(s.prov_fail_server_silent, &[host]),
        Failure::ClockWrong { off } => {
            let template = if off.is_negative() {
                s.prov_fail_clock_behind
            } else {
                s.prov_fail_clock_ahead
            };
            fill(template, &[&how_long(s, *off)])
        }
        Failure::ServerBusy => s.prov_fail_busy.to_owned(),
        Failure::Other => s.prov_fail_other.to_owned(),
    }
}

/// A clock's error as people say it: minutes, hours and minutes, or days and hours.
pub fn how_long(s: &Strings, off: SignedDuration) -> String {
    let minutes = (off.as_secs().unsigned_abs() + 30) / 60;
    let (hours, days) = (minutes / 60, minutes / (24 * 60));
    if minutes < 60 {
        fill(s.prov_minutes, &[&minutes])
    } else if days == 0 {
        fill(s.prov_hours, &[&hours, &(minutes % 60)])
    } else {
        fill(s.prov_days, &[&days, &(hours % 24)])
    }
}

fn step<'a>(t: Type, number: &'static str, sentence: &'static str) -> Element<'a, Message> {
    row![
        container(text(number).size(t.heading).color(Color::WHITE))
            .center(Length::Fixed(52.0))
            .style(|_: &iced::Theme| container::Style {
                background: Some(Background::Color(theme::RED)),
                border: Border {
                    radius: 26.0.into(),
                    ..Border::default()
                },
                ..container::Style::default()
            }),
        text(sentence).size(t.body).width(Fill),
    ]
    .spacing(20)
    .align_y(Alignment::Center)
    .into()
}

fn action<'a>(
    screen: &Provision,
    t: Type,
    label: &'static str,
    style: fn(&iced::Theme, button::Status) -> button::Style,
    message: Option<Message>,
) -> Element<'a, Message> {
    button(
        container(
            text(label)
                .size(t.body)
                .font(theme::bold(screen.settings.font)),
        )
        .center(Shrink)
        .height(Length::Fixed(theme::TAP)),
    )
    .padding([0, 32])
    .style(move |theme, status| {
        let mut look = style(theme, status);
        if status == button::Status::Disabled {
            look.background = Some(Background::Color(theme::LINE));
            look.text_color = theme::MUTED;
        }
        look
    })
    .on_press_maybe(message)
    .into()
}

fn bar<'a>(t: Type, label: String, value: f32) -> Element<'a, Message> {
    column![
        text(label).size(t.body),
        progress_bar(0.0..=1.0, value)
            .girth(Length::Fixed(28.0))
            .style(|_: &iced::Theme| progress_bar::Style {
                background: Background::Color(theme::LINE),
                bar: Background::Color(theme::RED),
                border: Border {
                    radius: 14.0.into(),
                    ..Border::default()
                },
            }),
    ]
    .spacing(10)
    .into()
}

fn dot<'a>(colour: Color) -> Element<'a, Message> {
    container(Space::new().width(16).height(16))
        .style(move |_: &iced::Theme| container::Style {
            background: Some(Background::Color(colour)),
            border: Border {
                radius: 8.0.into(),
                ..Border::default()
            },
            ..container::Style::default()
        })
        .into()
}

/// A failure's box: pale red with a red border, dark red text.
fn problem(_: &iced::Theme) -> container::Style {
    container::Style {
        background: Some(Background::Color(Color::from_rgb8(0xFD, 0xEC, 0xEA))),
        text_color: Some(theme::RED_DARK),
        border: Border {
            color: theme::RED,
            width: 2.0,
            radius: 12.0.into(),
        },
        ..container::Style::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::i18n::Lang;

    #[test]
    fn a_clock_error_reads_in_minutes_hours_or_days() {
        let zh = Lang::Zh.strings();
        assert_eq!(how_long(zh, SignedDuration::from_mins(7)), "7 分钟");
        assert_eq!(
            how_long(zh, SignedDuration::from_mins(-(3 * 60 + 2))),
            "3 小时 2 分钟"
        );
        assert_eq!(
            how_long(zh, SignedDuration::from_hours(24 * 400 + 5)),
            "400 天 5 小时"
        );
        let behind = sentence(
            zh,
            &Failure::ClockWrong {
                off: SignedDuration::from_hours(-2),
            },
        );
        assert!(behind.contains("慢了 2 小时 0 分钟"), "{behind}");
    }
}
