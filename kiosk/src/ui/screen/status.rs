//! 办理进度: the employee types the receipt code and the last four digits of the phone given in
//! the form, and sees the status and the union's reply, asked of the server live. It needs the
//! network and says so calmly when there is none.

use iced::widget::{button, column, container, row, text};
use iced::{Alignment, Element, Fill, Length, Task};

use crate::core::StatusCheck;
use crate::ui::app::{App, Message as AppMessage, Screen};
use crate::ui::i18n::{Lang, fill};
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
pub struct State {
    pub receipt: String,
    pub phone: String,
    pub focus: Field,
    pub layout: Layout,
    pub busy: bool,
    pub result: Option<StatusCheck>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Focus(Field),
    Key(Key),
    Check,
    Checked(StatusCheck),
}

fn state(app: &mut App) -> Option<&mut State> {
    match app.stack.last_mut() {
        Some(Screen::Status(s)) => Some(s),
        _ => None,
    }
}

fn digit_pad() -> Layout {
    Layout::Pad {
        dot: false,
        minus: false,
        x: false,
    }
}

pub fn update(app: &mut App, message: Message) -> Task<AppMessage> {
    let core = app.core.clone();
    let Some(s) = state(app) else {
        return Task::none();
    };
    match message {
        Message::Focus(field) => {
            s.focus = field;
            s.layout = match field {
                Field::Receipt => Layout::Letters,
                Field::Phone => digit_pad(),
            };
        }
        Message::Key(Key::Layout) => {
            s.layout = match s.layout {
                Layout::Letters => Layout::Digits,
                _ => Layout::Letters,
            };
        }
        Message::Key(k) => {
            let done = match s.focus {
                Field::Receipt => {
                    let k = match k {
                        Key::Char(c) => Key::Char(c.to_ascii_uppercase()),
                        other => other,
                    };
                    keyboard::edit(&mut s.receipt, k, 9)
                }
                Field::Phone => match k {
                    Key::Char(c) if !c.is_ascii_digit() => false,
                    k => keyboard::edit(&mut s.phone, k, 4),
                },
            };
            if done {
                match s.focus {
                    Field::Receipt => {
                        s.focus = Field::Phone;
                        s.layout = digit_pad();
                    }
                    Field::Phone => return Task::done(AppMessage::Check(Message::Check)),
                }
            }
        }
        Message::Check => {
            if s.receipt.trim().is_empty() || s.phone.len() != 4 || s.busy {
                return Task::none();
            }
            s.busy = true;
            s.result = None;
            let (receipt, phone) = (s.receipt.clone(), s.phone.clone());
            return Task::perform(
                async move { core.check_status(receipt, phone).await },
                |r| AppMessage::Check(Message::Checked(r)),
            );
        }
        Message::Checked(result) => {
            s.busy = false;
            s.result = Some(result);
        }
    }
    Task::none()
}

fn input<'a>(
    app: &App,
    label: &'a str,
    value: &str,
    focused: bool,
    field: Field,
) -> Element<'a, AppMessage> {
    let t = app.types();
    let mut shown = value.to_owned();
    if focused {
        shown.push('▏');
    }
    column![
        text(label).size(t.body).font(theme::bold(app.font())),
        button(
            container(text(shown).size(t.title))
                .padding([0, 20])
                .center_y(Length::Fixed(theme::TAP + 16.0)),
        )
        .width(Length::Fixed(460.0))
        .padding(0)
        .style(theme::input(focused, false))
        .on_press(AppMessage::Check(Message::Focus(field))),
    ]
    .spacing(10)
    .into()
}

fn result<'a>(app: &'a App, found: &'a StatusCheck) -> Element<'a, AppMessage> {
    let s = app.strings();
    let t = app.types();
    match found {
        StatusCheck::Found(answer) => {
            let status = match app.lang {
                Lang::Zh => answer.status.label_zh(),
                Lang::En => answer.status.label_en(),
            };
            let reply = answer.reply.as_deref().unwrap_or(s.check_no_reply);
            container(
                column![
                    text(answer.form_title.as_str())
                        .size(t.heading)
                        .font(theme::bold(app.font())),
                    text(fill(
                        s.check_submitted,
                        &[&widgets::when(app, answer.submitted_at)]
                    ))
                    .size(t.small)
                    .color(theme::MUTED),
                    row![
                        text(s.check_status).size(t.body).color(theme::MUTED),
                        text(status)
                            .size(t.title)
                            .font(theme::bold(app.font()))
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
                StatusCheck::NotFound => s.check_not_found,
                StatusCheck::TooMany => s.check_too_many,
                _ => s.check_offline,
            };
            container(text(sentence).size(t.body))
                .padding(24)
                .width(Fill)
                .style(theme::notice)
                .into()
        }
    }
}

pub fn view<'a>(app: &'a App, state: &'a State) -> Element<'a, AppMessage> {
    let s = app.strings();
    let fields = row![
        input(
            app,
            s.check_receipt,
            &state.receipt,
            state.focus == Field::Receipt,
            Field::Receipt
        ),
        input(
            app,
            s.check_phone,
            &state.phone,
            state.focus == Field::Phone,
            Field::Phone
        ),
    ]
    .spacing(40)
    .align_y(Alignment::End);
    let ready = !state.receipt.trim().is_empty() && state.phone.len() == 4 && !state.busy;
    let go = widgets::action(
        app,
        if state.busy { s.check_busy } else { s.check_go },
        ready.then_some(AppMessage::Check(Message::Check)),
        true,
    );
    let mut body = column![row![fields, go].spacing(40).align_y(Alignment::End)]
        .spacing(32)
        .padding([32, 48])
        .max_width(1400);
    if let Some(found) = &state.result {
        body = body.push(result(app, found));
    }
    column![
        widgets::title_bar(app, s.check_title, true),
        container(body).center_x(Fill).height(Fill),
        keyboard::view(app, state.layout, |k| AppMessage::Check(Message::Key(k))),
    ]
    .into()
}
