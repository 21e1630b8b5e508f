//! 办理进度: the employee types the receipt code and the last four digits of the phone given in
//! the form, and sees the status and the union's reply, asked of the server live. It needs the
//! network and says so calmly when there is none. A mistyped code is caught here by its check
//! character, before the server is asked. A booking (limited places) shows where it stands —
//! a place, the waiting list with its position, or why not — and can be cancelled here.

use iced::widget::{button, column, container, row, text};
use iced::{Alignment, Element, Fill, Length, Task};
use protocol::submission::receipt;

use super::{Event, Screen, Stacked};
use crate::core::StatusCheck as Answer;
use crate::ui::context::Context;
use crate::ui::i18n::{Lang, Strings, fill};
use crate::ui::keyboard::{self, Key, Layout};
use crate::ui::theme;
use crate::ui::widgets;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Field {
    #[default]
    Receipt,
    Phone,
}

#[derive(Default)]
pub struct StatusCheck {
    receipt: String,
    phone: String,
    focus: Field,
    layout: Layout,
    busy: bool,
    result: Option<Outcome>,
}

/// What the last check came to: the code did not read as a receipt, or the server's answer.
#[derive(Debug, Clone)]
enum Outcome {
    Mistyped,
    Answered(Answer),
}

/// The receipt as typed, grouped the way the slip prints it (`ABC-234-DEF`).
fn grouped(typed: &str) -> String {
    let mut shown = String::with_capacity(typed.len() + 2);
    for (i, c) in typed.chars().enumerate() {
        if i == receipt::PREFIX_LEN || i == receipt::PREFIX_LEN + 3 {
            shown.push('-');
        }
        shown.push(c);
    }
    shown
}

#[derive(Debug, Clone)]
pub enum Message {
    Focus(Field),
    Key(Key),
    Check,
    /// Give up the booking the last check found.
    Cancel,
    Checked(Answer),
}

fn digit_pad() -> Layout {
    Layout::Pad {
        dot: false,
        minus: false,
        x: false,
    }
}

impl StatusCheck {
    /// Whether both fields are filled and no check is under way.
    fn ready(&self) -> bool {
        !self.receipt.trim().is_empty() && self.phone.len() == 4 && !self.busy
    }
}

impl Stacked for StatusCheck {
    type Message = Message;

    fn find(screen: &mut Screen) -> Option<&mut StatusCheck> {
        match screen {
            Screen::StatusCheck(s) => Some(s),
            _ => None,
        }
    }

    fn update(&mut self, message: Message, ctx: &Context) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Focus(field) => {
                self.focus = field;
                self.layout = match field {
                    Field::Receipt => Layout::Letters,
                    Field::Phone => digit_pad(),
                };
            }
            Message::Key(Key::Layout) => {
                self.layout = match self.layout {
                    Layout::Letters => Layout::Digits,
                    _ => Layout::Letters,
                };
            }
            Message::Key(k) => {
                let done = match self.focus {
                    Field::Receipt => {
                        let k = match k {
                            Key::Char(c) => Key::Char(c.to_ascii_uppercase()),
                            other => other,
                        };
                        keyboard::edit(&mut self.receipt, k, receipt::LEN)
                    }
                    Field::Phone => match k {
                        Key::Char(c) if !c.is_ascii_digit() => false,
                        k => keyboard::edit(&mut self.phone, k, 4),
                    },
                };
                if done {
                    match self.focus {
                        Field::Receipt => {
                            self.focus = Field::Phone;
                            self.layout = digit_pad();
                        }
                        Field::Phone => return (Task::done(Message::Check), None),
                    }
                }
            }
            Message::Check => {
                if !self.ready() {
                    return (Task::none(), None);
                }
                let Ok(receipt) = receipt::parse(&self.receipt) else {
                    self.result = Some(Outcome::Mistyped);
                    return (Task::none(), None);
                };
                self.busy = true;
                self.result = None;
                let phone = self.phone.clone();
                let core = ctx.core.clone();
                let task = Task::perform(
                    async move { core.check_status(receipt, phone).await },
                    Message::Checked,
                );
                return (task, None);
            }
            Message::Cancel => {
                let Ok(receipt) = receipt::parse(&self.receipt) else {
                    return (Task::none(), None);
                };
                if self.busy {
                    return (Task::none(), None);
                }
                self.busy = true;
                let phone = self.phone.clone();
                let core = ctx.core.clone();
                let task = Task::perform(
                    async move { core.cancel_booking(receipt, phone).await },
                    Message::Checked,
                );
                return (task, None);
            }
            Message::Checked(result) => {
                self.busy = false;
                self.result = Some(Outcome::Answered(result));
            }
        }
        (Task::none(), None)
    }
}

impl StatusCheck {
    fn input<'a>(&self, ctx: &Context, label: &'a str, field: Field) -> Element<'a, Message> {
        let t = ctx.types();
        let focused = self.focus == field;
        let mut shown = match field {
            Field::Receipt => grouped(&self.receipt),
            Field::Phone => self.phone.clone(),
        };
        if focused {
            shown.push('▏');
        }
        column![
            text(label).size(t.body).font(theme::bold(ctx.font())),
            button(
                container(text(shown).size(t.title))
                    .padding([0, 20])
                    .center_y(Length::Fixed(theme::TAP + 16.0)),
            )
            .width(Length::Fixed(460.0))
            .padding(0)
            .style(theme::input(focused, false))
            .on_press(Message::Focus(field)),
        ]
        .spacing(10)
        .into()
    }
}

fn result<'a>(ctx: &'a Context, found: &'a Outcome) -> Element<'a, Message> {
    let s = ctx.strings();
    let t = ctx.types();
    match found {
        Outcome::Answered(Answer::Found(answer)) if answer.booking.is_some() => {
            booking(ctx, answer)
        }
        Outcome::Answered(Answer::Found(answer)) if answer.vote.is_some() => vote(ctx, answer),
        Outcome::Answered(Answer::Found(answer)) => {
            let status = expected(s, answer).unwrap_or_else(|| {
                match ctx.lang {
                    Lang::Zh => answer.status.label_zh(),
                    Lang::En => answer.status.label_en(),
                }
                .to_owned()
            });
            let reply = answer.reply.as_deref().unwrap_or(s.check_no_reply);
            container(
                column![
                    text(answer.form_title.as_str())
                        .size(t.heading)
                        .font(theme::bold(ctx.font())),
                    text(fill(
                        s.check_submitted,
                        &[&widgets::when(s, answer.submitted_at)]
                    ))
                    .size(t.small)
                    .color(theme::MUTED),
                    row![
                        text(s.check_status).size(t.body).color(theme::MUTED),
                        text(status)
                            .size(t.title)
                            .font(theme::bold(ctx.font()))
                            .color(theme::RED),
                    ]
                    .spacing(24)
                    .align_y(Alignment::Center),
                    text(s.check_reply).size(t.body).color(theme::MUTED),
                    text(reply).size(t.body),
                ]
                .spacing(16),
            )
            .padding(32)
            .width(Fill)
            .style(theme::card)
            .into()
        }
        other => {
            let sentence = match other {
                Outcome::Mistyped => s.check_mistyped,
                Outcome::Answered(Answer::NotFound) => s.check_not_found,
                Outcome::Answered(Answer::TooMany) => s.check_too_many,
                Outcome::Answered(_) => s.check_offline,
            };
            container(text(sentence).size(t.body))
                .padding(24)
                .width(Fill)
                .style(theme::notice)
                .into()
        }
    }
}

/// While a case is open with a day promised: "受理中，预计 12月3日 前答复" / "In progress,
/// answer expected by 3 Dec" (the server sends the day only while it is ahead).
pub fn expected(s: &Strings, answer: &protocol::workflow::StatusAnswer) -> Option<String> {
    use protocol::workflow::Status;
    let day = answer.expected_by?;
    matches!(answer.status, Status::Received | Status::Processing).then(|| {
        fill(
            s.check_expected,
            &[&day.strftime(s.check_expected_date).to_string()],
        )
    })
}

/// A vote (民主管理): counted, or why not.
fn vote<'a>(
    ctx: &'a Context,
    answer: &'a protocol::workflow::StatusAnswer,
) -> Element<'a, Message> {
    let s = ctx.strings();
    let t = ctx.types();
    let why = answer.vote.as_ref().and_then(|v| v.refusal);
    let status = match (why, ctx.lang) {
        (None, _) => s.vote_counted,
        (Some(r), Lang::Zh) => r.label_zh(),
        (Some(r), Lang::En) => r.label_en(),
    };
    container(
        column![
            text(answer.form_title.as_str())
                .size(t.heading)
                .font(theme::bold(ctx.font())),
            text(fill(
                s.check_submitted,
                &[&widgets::when(s, answer.submitted_at)]
            ))
            .size(t.small)
            .color(theme::MUTED),
            text(s.check_status).size(t.body).color(theme::MUTED),
            // A refusal is a sentence: on its own line, where it can wrap.
            text(status)
                .size(t.title)
                .font(theme::bold(ctx.font()))
                .color(theme::RED),
        ]
        .spacing(16),
    )
    .padding(32)
    .width(Fill)
    .style(theme::card)
    .into()
}

/// A booking's outcome: the session, where it stands, and "cancel" while it holds a place or a
/// place in line.
fn booking<'a>(
    ctx: &'a Context,
    answer: &'a protocol::workflow::StatusAnswer,
) -> Element<'a, Message> {
    let s = ctx.strings();
    let t = ctx.types();
    let Some(b) = answer.booking.as_deref() else {
        return column![].into();
    };
    let (status, why) = match ctx.lang {
        Lang::Zh => (b.status.label_zh(), b.refusal.map(|r| r.label_zh())),
        Lang::En => (b.status.label_en(), b.refusal.map(|r| r.label_en())),
    };
    let mut session = b.session.clone();
    // A session's time in China time, as the offering states it and 名额预约 lists it.
    if let Some(at) = b.starts_at
        && !session.contains(':')
    {
        let at = protocol::content::hours::china_time(at);
        session = format!(
            "{session} · {} {}",
            at.strftime(s.date_format),
            at.strftime("%H:%M")
        );
    }
    if !b.place.is_empty() {
        session = format!("{session} · {}", b.place);
    }
    let mut state = row![
        text(s.check_status).size(t.body).color(theme::MUTED),
        text(status)
            .size(t.title)
            .font(theme::bold(ctx.font()))
            .color(theme::RED),
    ]
    .spacing(24)
    .align_y(Alignment::Center);
    if let Some(n) = b.position {
        state = state.push(text(fill(s.booking_position, &[&n])).size(t.title));
    }
    if b.cancellable() {
        state = state.push(widgets::secondary(
            ctx,
            s.booking_cancel,
            Some(Message::Cancel),
        ));
    }
    let mut col = column![
        text(answer.form_title.as_str())
            .size(t.heading)
            .font(theme::bold(ctx.font())),
        text(fill(s.booking_session, &[&session])).size(t.body),
        state,
    ]
    .spacing(16);
    if let Some(why) = why {
        col = col.push(text(why).size(t.body));
    }
    container(col)
        .padding(32)
        .width(Fill)
        .style(theme::card)
        .into()
}

impl StatusCheck {
    pub fn view<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        let s = ctx.strings();
        let fields = row![
            self.input(ctx, s.check_receipt, Field::Receipt),
            self.input(ctx, s.check_phone, Field::Phone),
        ]
        .spacing(40)
        .align_y(Alignment::End);
        let go = widgets::primary(
            ctx,
            if self.busy { s.check_busy } else { s.check_go },
            self.ready().then_some(Message::Check),
        );
        let mut body = column![row![fields, go].spacing(40).align_y(Alignment::End)]
            .spacing(32)
            .padding([32, 48])
            .max_width(1400);
        if let Some(found) = &self.result {
            body = body.push(result(ctx, found));
        }
        column![
            container(body).center_x(Fill).height(Fill),
            keyboard::view(ctx, self.layout, Message::Key),
        ]
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::expected;
    use crate::ui::i18n::Lang;
    use protocol::workflow::{Status, StatusAnswer};

    fn answer(status: Status, expected_by: Option<jiff::civil::Date>) -> StatusAnswer {
        StatusAnswer {
            receipt: "K7QX-2P4M".into(),
            form_title: "入会申请".into(),
            status,
            reply: None,
            submitted_at: jiff::Timestamp::UNIX_EPOCH,
            updated_at: jiff::Timestamp::UNIX_EPOCH,
            booking: None,
            vote: None,
            expected_by,
        }
    }

    #[test]
    fn an_open_case_says_by_when_it_will_be_answered() {
        let day = Some(jiff::civil::date(2026, 12, 3));
        assert_eq!(
            expected(Lang::Zh.strings(), &answer(Status::Received, day)).as_deref(),
            Some("受理中，预计 12月3日 前答复")
        );
        assert_eq!(
            expected(Lang::En.strings(), &answer(Status::Processing, day)).as_deref(),
            Some("In progress, answer expected by 3 Dec")
        );
        assert_eq!(
            expected(Lang::Zh.strings(), &answer(Status::Replied, day)),
            None,
            "an answered case shows its status"
        );
        assert_eq!(
            expected(Lang::Zh.strings(), &answer(Status::Received, None)),
            None,
            "an older server sends no day"
        );
    }
}
