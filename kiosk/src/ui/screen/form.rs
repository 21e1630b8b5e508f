//! A form, from its definition: fields with their rules checked as the employee goes, the
//! on-screen keyboard for whatever field is being typed (pinyin for text, a digit pad for
//! numbers, phones, ID numbers and dates), a review screen, and the receipt.
//!
//! Answers live only in this screen's state: going idle drops the screen and them with it.
//! Submitting hands them to the core, which seals them before they touch the disk.

use std::collections::BTreeSet;

use iced::widget::{Space, button, column, container, qr_code, row, text};
use iced::{Alignment, Element, Fill, Length, Task};
use protocol::answers::{self, Answers};
use protocol::content::{FieldInput, FormDefinition, FormField};
use protocol::submission::SealedAnswers;
use protocol::{ContentId, ContentItem};
use serde_json::Value;

use crate::ui::app::{App, Message as AppMessage, Screen};
use crate::ui::i18n::{Lang, fill};
use crate::ui::ime::Composer;
use crate::ui::keyboard::{self, Key, Layout};
use crate::ui::theme;
use crate::ui::touch::touch_scroll;
use crate::ui::widgets;

pub enum Phase {
    Filling,
    Review(Answers),
    Saving,
    Receipt {
        id: String,
        receipt: String,
        qr: Option<qr_code::Data>,
        sent: bool,
    },
    Failed(String),
}

pub struct State {
    pub form_id: ContentId,
    pub version: u32,
    pub def: FormDefinition,
    pub answers: Answers,
    /// The field being typed, if any.
    pub focus: Option<String>,
    /// Fields whose problems are shown (left once, or everything after "check").
    pub touched: BTreeSet<String>,
    pub phase: Phase,
    pub offset: f32,
    pub layout: Layout,
    pub composer: Composer,
}

impl State {
    pub fn new(item: &ContentItem, def: FormDefinition) -> State {
        State {
            form_id: item.id.clone(),
            version: item.version,
            def,
            answers: Answers::new(),
            focus: None,
            touched: BTreeSet::new(),
            phase: Phase::Filling,
            offset: 0.0,
            layout: Layout::Letters,
            composer: Composer::default(),
        }
    }

    fn field(&self, key: &str) -> Option<&FormField> {
        self.def.field(key)
    }

    fn text_of(&self, key: &str) -> String {
        self.answers
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    fn set_text(&mut self, key: &str, value: String) {
        if value.is_empty() {
            self.answers.remove(key);
        } else {
            self.answers.insert(key.to_owned(), Value::String(value));
        }
    }

    /// The problem to show under a field, in the user's language.
    pub fn problem(&self, key: &str, lang: Lang) -> Option<String> {
        if !self.touched.contains(key) || self.focus.as_deref() == Some(key) {
            return None;
        }
        self.def
            .check_field(key, &self.answers, answers::china_today())
            .err()
            .map(|e| e.message(answer_lang(lang)))
    }
}

fn answer_lang(lang: Lang) -> answers::Lang {
    match lang {
        Lang::Zh => answers::Lang::Zh,
        Lang::En => answers::Lang::En,
    }
}

#[derive(Debug, Clone)]
pub enum Message {
    Focus(String),
    Key(Key),
    /// A pinyin candidate was tapped.
    Candidate(usize),
    CandidatePage(bool),
    Choose(String, String),
    Toggle(String, String),
    Consent(String),
    Check,
    Edit,
    Submit,
    Saved(Result<(String, String), String>),
    Delivered(String, bool),
    Scrolled(f32),
}

fn state(app: &mut App) -> Option<&mut State> {
    match app.stack.last_mut() {
        Some(Screen::Form(s)) => Some(s),
        _ => None,
    }
}

/// The keyboard a field is typed with.
fn layout_for(input: &FieldInput) -> Layout {
    match input {
        FieldInput::Number { integer, min, .. } => Layout::Pad {
            dot: !integer,
            minus: min.is_none_or(|m| m < 0.0),
            x: false,
        },
        FieldInput::Phone { .. } | FieldInput::Date { .. } => Layout::Pad {
            dot: false,
            minus: false,
            x: false,
        },
        FieldInput::ResidentId => Layout::Pad {
            dot: false,
            minus: false,
            x: true,
        },
        _ => Layout::Letters,
    }
}

/// How many characters a field may take from the keyboard.
fn max_chars(input: &FieldInput) -> usize {
    match input {
        FieldInput::Text { max_len, .. } => max_len.unwrap_or(answers::TEXT_DEFAULT_MAX) as usize,
        FieldInput::Multiline { max_len, .. } => {
            max_len.unwrap_or(answers::MULTILINE_DEFAULT_MAX) as usize
        }
        FieldInput::Phone { .. } => 11,
        FieldInput::ResidentId => 18,
        FieldInput::Date { .. } => 10,
        _ => 24,
    }
}

/// Typing a date: digits only, the dashes come by themselves (2024-01-05).
fn date_typed(current: &str, key: Key) -> String {
    let mut digits: String = current.chars().filter(char::is_ascii_digit).collect();
    match key {
        Key::Char(c) if c.is_ascii_digit() && digits.len() < 8 => digits.push(c),
        Key::Backspace => {
            digits.pop();
        }
        Key::Clear => digits.clear(),
        _ => {}
    }
    let mut out = String::with_capacity(10);
    for (i, c) in digits.chars().enumerate() {
        if i == 4 || i == 6 {
            out.push('-');
        }
        out.push(c);
    }
    out
}

pub fn update(app: &mut App, message: Message) -> Task<AppMessage> {
    let core = app.core.clone();
    let ime = app.ime.clone();
    let Some(s) = state(app) else {
        return Task::none();
    };
    match message {
        Message::Focus(key) => {
            if let Some(old) = s.focus.take() {
                s.touched.insert(old);
            }
            s.composer.clear();
            if let Some(field) = s.field(&key) {
                s.layout = layout_for(&field.input);
            }
            s.focus = Some(key);
        }
        Message::Key(k) => {
            let Some(key) = s.focus.clone() else {
                return Task::none();
            };
            let Some(input) = s.field(&key).map(|f| f.input.clone()) else {
                return Task::none();
            };
            if k == Key::Layout {
                s.layout = match s.layout {
                    Layout::Letters => Layout::Digits,
                    _ => Layout::Letters,
                };
                s.composer.clear();
                return Task::none();
            }
            // Letters go to the pinyin composer first; the composer hands back what to commit.
            if matches!(s.layout, Layout::Letters)
                && let Some(ime) = &ime
            {
                match s.composer.key(ime.as_ref(), k) {
                    crate::ui::ime::Outcome::Consumed => return Task::none(),
                    crate::ui::ime::Outcome::Commit(text) => {
                        let mut value = s.text_of(&key);
                        for c in text.chars() {
                            keyboard::edit(&mut value, Key::Char(c), max_chars(&input));
                        }
                        s.set_text(&key, value);
                        return Task::none();
                    }
                    crate::ui::ime::Outcome::Pass => {}
                }
            }
            let current = s.text_of(&key);
            let (value, done) = if matches!(input, FieldInput::Date { .. }) {
                (date_typed(&current, k), k == Key::Done)
            } else {
                let mut value = current;
                let done = keyboard::edit(&mut value, k, max_chars(&input));
                (value, done)
            };
            s.set_text(&key, value);
            if done {
                s.touched.insert(key);
                s.focus = None;
            }
        }
        Message::Candidate(i) => {
            if let (Some(key), Some(ime)) = (s.focus.clone(), &ime) {
                let max = s.field(&key).map(|f| max_chars(&f.input)).unwrap_or(0);
                if let Some(text) = s.composer.choose(ime.as_ref(), i) {
                    let mut value = s.text_of(&key);
                    for c in text.chars() {
                        keyboard::edit(&mut value, Key::Char(c), max);
                    }
                    s.set_text(&key, value);
                }
            }
        }
        Message::CandidatePage(forward) => s.composer.page(forward),
        Message::Choose(key, value) => {
            if let Some(old) = s.focus.take() {
                s.touched.insert(old);
            }
            s.answers.insert(key.clone(), Value::String(value));
            s.touched.insert(key);
        }
        Message::Toggle(key, value) => {
            if let Some(old) = s.focus.take() {
                s.touched.insert(old);
            }
            let mut chosen: Vec<Value> = match s.answers.remove(&key) {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            };
            let v = Value::String(value);
            if let Some(at) = chosen.iter().position(|c| *c == v) {
                chosen.remove(at);
            } else {
                chosen.push(v);
            }
            if !chosen.is_empty() {
                s.answers.insert(key.clone(), Value::Array(chosen));
            }
            s.touched.insert(key);
        }
        Message::Consent(key) => {
            let on = matches!(s.answers.get(&key), Some(Value::Bool(true)));
            if on {
                s.answers.remove(&key);
            } else {
                s.answers.insert(key.clone(), Value::Bool(true));
            }
            s.touched.insert(key);
        }
        Message::Check => {
            if let Some(old) = s.focus.take() {
                s.touched.insert(old);
            }
            s.composer.clear();
            s.touched.extend(s.def.fields.iter().map(|f| f.key.clone()));
            if let Ok(prepared) = s.def.prepare_answers(&s.answers, answers::china_today()) {
                s.phase = Phase::Review(prepared);
                s.offset = 0.0;
            }
        }
        Message::Edit => {
            s.phase = Phase::Filling;
        }
        Message::Submit => {
            let Phase::Review(prepared) = std::mem::replace(&mut s.phase, Phase::Saving) else {
                return Task::none();
            };
            let (form_id, version) = (s.form_id.clone(), s.version);
            return Task::perform(
                async move {
                    core.submit(form_id, version, SealedAnswers { answers: prepared })
                        .await
                        .map(|saved| (saved.id, saved.receipt))
                        .map_err(|e| e.to_string())
                },
                |r| AppMessage::Form(Message::Saved(r)),
            );
        }
        Message::Saved(Ok((id, receipt))) => {
            s.phase = Phase::Receipt {
                qr: qr_code::Data::new(receipt.as_bytes()).ok(),
                id: id.clone(),
                receipt,
                sent: false,
            };
            s.answers.clear();
            return delivered(&core, id);
        }
        Message::Saved(Err(e)) => {
            s.phase = Phase::Failed(e);
        }
        Message::Delivered(id, yes) => {
            if let Phase::Receipt {
                id: shown, sent, ..
            } = &mut s.phase
                && *shown == id
            {
                *sent = yes;
            }
        }
        Message::Scrolled(offset) => s.offset = offset,
    }
    Task::none()
}

fn delivered(core: &crate::core::Core, id: String) -> Task<AppMessage> {
    let core = core.clone();
    Task::perform(
        async move {
            let yes = core.delivered(id.clone()).await.unwrap_or(false);
            (id, yes)
        },
        |(id, yes)| AppMessage::Form(Message::Delivered(id, yes)),
    )
}

/// After a sync: was the receipt on screen delivered?
pub fn on_sync(app: &App) -> Task<AppMessage> {
    match app.stack.last() {
        Some(Screen::Form(State {
            phase: Phase::Receipt {
                id, sent: false, ..
            },
            ..
        })) => delivered(&app.core, id.clone()),
        _ => Task::none(),
    }
}

fn label_of<'a>(app: &App, field: &'a FormField) -> &'a str {
    match (app.lang, &field.label_en) {
        (Lang::En, Some(en)) => en,
        _ => &field.label,
    }
}

fn option_label(app: &App, field: &FormField, value: &str) -> String {
    let options = match &field.input {
        FieldInput::SingleChoice { options } | FieldInput::MultiChoice { options, .. } => options,
        _ => return value.to_owned(),
    };
    options
        .iter()
        .find(|o| o.value == value)
        .map(|o| match (app.lang, &o.label_en) {
            (Lang::En, Some(en)) => en.clone(),
            _ => o.label.clone(),
        })
        .unwrap_or_else(|| value.to_owned())
}

/// An answer as a person reads it.
fn shown_answer(app: &App, field: &FormField, value: Option<&Value>) -> String {
    let s = app.strings();
    match value {
        None => s.form_empty.to_owned(),
        Some(Value::Bool(true)) => s.form_yes.to_owned(),
        Some(Value::Bool(false)) => s.form_no.to_owned(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(|v| option_label(app, field, v))
            .collect::<Vec<_>>()
            .join("、"),
        Some(Value::String(v)) => match field.input {
            FieldInput::SingleChoice { .. } => option_label(app, field, v),
            _ => v.clone(),
        },
        Some(other) => other.to_string(),
    }
}

fn field_view<'a>(app: &'a App, state: &'a State, field: &'a FormField) -> Element<'a, AppMessage> {
    let t = app.types();
    let s = app.strings();
    let font = app.font();
    if matches!(field.input, FieldInput::Section) {
        let mut col = column![
            text(label_of(app, field))
                .size(t.heading)
                .font(theme::bold(font))
        ]
        .spacing(6);
        if let Some(help) = &field.help {
            col = col.push(text(help.as_str()).size(t.small).color(theme::MUTED));
        }
        return container(col).padding([16, 0]).into();
    }
    let mut label = row![
        text(label_of(app, field))
            .size(t.body)
            .font(theme::bold(font))
    ]
    .spacing(6);
    if field.required {
        label = label.push(text("*").size(t.body).color(theme::RED));
    }
    let mut col = column![label].spacing(10);
    if let Some(help) = &field.help {
        col = col.push(text(help.as_str()).size(t.small).color(theme::MUTED));
    }
    let key = field.key.clone();
    let focused = state.focus.as_deref() == Some(field.key.as_str());
    let problem = state.problem(&field.key, app.lang);
    let input: Element<'a, AppMessage> = match &field.input {
        FieldInput::SingleChoice { options } | FieldInput::MultiChoice { options, .. } => {
            let multi = matches!(field.input, FieldInput::MultiChoice { .. });
            let chosen = |v: &str| match state.answers.get(&field.key) {
                Some(Value::String(c)) => c == v,
                Some(Value::Array(items)) => items.iter().any(|i| i.as_str() == Some(v)),
                _ => false,
            };
            let mut rows = column![].spacing(12);
            for chunk in options.chunks(3) {
                let mut r = row![].spacing(12);
                for o in chunk {
                    let on = chosen(&o.value);
                    let label = match (app.lang, &o.label_en) {
                        (Lang::En, Some(en)) => en.as_str(),
                        _ => o.label.as_str(),
                    };
                    let mark = match (multi, on) {
                        (true, true) => "☑ ",
                        (true, false) => "☐ ",
                        (false, true) => "● ",
                        (false, false) => "○ ",
                    };
                    let message = if multi {
                        Message::Toggle(key.clone(), o.value.clone())
                    } else {
                        Message::Choose(key.clone(), o.value.clone())
                    };
                    r = r.push(
                        button(
                            container(text(format!("{mark}{label}")).size(t.body))
                                .center_y(Length::Fixed(theme::TAP)),
                        )
                        .padding([0, 20])
                        .style(theme::chip(on))
                        .on_press(AppMessage::Form(message)),
                    );
                }
                rows = rows.push(r);
            }
            rows.into()
        }
        FieldInput::Consent => {
            let on = matches!(state.answers.get(&field.key), Some(Value::Bool(true)));
            button(
                container(
                    text(format!("{} {}", if on { "☑" } else { "☐" }, s.form_consent)).size(t.body),
                )
                .center_y(Length::Fixed(theme::TAP)),
            )
            .padding([0, 24])
            .style(theme::chip(on))
            .on_press(AppMessage::Form(Message::Consent(key)))
            .into()
        }
        _ => {
            let value = state.text_of(&field.key);
            let mut shown = value.clone();
            if focused {
                shown.push_str(&state.composer.preedit());
                shown.push('▏');
            }
            let (content, color) = if shown.is_empty() {
                (s.form_tap_to_type.to_owned(), theme::MUTED)
            } else {
                (shown, theme::INK)
            };
            let height = if matches!(field.input, FieldInput::Multiline { .. }) {
                180.0
            } else {
                theme::TAP + 8.0
            };
            button(
                container(text(content).size(t.body).color(color))
                    .padding([10, 18])
                    .height(Length::Fixed(height))
                    .align_y(if height > 100.0 {
                        Alignment::Start
                    } else {
                        Alignment::Center
                    }),
            )
            .width(Fill)
            .padding(0)
            .style(theme::input(focused, problem.is_some()))
            .on_press(AppMessage::Form(Message::Focus(key)))
            .into()
        }
    };
    col = col.push(input);
    if let Some(problem) = problem {
        col = col.push(text(problem).size(t.small).color(theme::RED));
    }
    col.into()
}

fn filling<'a>(app: &'a App, state: &'a State) -> Element<'a, AppMessage> {
    let s = app.strings();
    let t = app.types();
    let mut fields = column![].spacing(28).padding([24, 48]).max_width(1200);
    if !state.def.description.is_empty() {
        fields = fields.push(
            text(state.def.description.as_str())
                .size(t.body)
                .color(theme::MUTED),
        );
    }
    for field in state.def.visible_fields(&state.answers) {
        fields = fields.push(field_view(app, state, field));
    }
    let problems = state
        .def
        .fields
        .iter()
        .filter(|f| state.touched.contains(&f.key))
        .filter(|f| {
            state
                .def
                .check_field(&f.key, &state.answers, answers::china_today())
                .is_err()
        })
        .count();
    let mut bottom = row![].spacing(24).align_y(Alignment::Center);
    if problems > 0 {
        bottom = bottom.push(
            text(fill(s.form_errors, &[&problems]))
                .size(t.body)
                .color(theme::RED)
                .width(Fill),
        );
    } else {
        bottom = bottom.push(Space::new().width(Fill));
    }
    bottom = bottom.push(widgets::action(
        app,
        s.form_check,
        Some(AppMessage::Form(Message::Check)),
        true,
    ));
    fields = fields.push(bottom);
    fields = fields.push(Space::new().height(40));
    let list = container(touch_scroll(
        container(fields).center_x(Fill),
        state.offset,
        |v| AppMessage::Form(Message::Scrolled(v.offset)),
    ))
    .height(Fill);
    let mut page = column![list];
    if state.focus.is_some() {
        if matches!(state.layout, Layout::Letters) && !state.composer.is_empty() {
            page = page.push(candidate_bar(app, state));
        }
        page = page.push(keyboard::view(app, state.layout, |k| {
            AppMessage::Form(Message::Key(k))
        }));
    }
    page.into()
}

fn candidate_bar<'a>(app: &'a App, state: &'a State) -> Element<'a, AppMessage> {
    let s = app.strings();
    let t = app.types();
    let mut bar = row![
        container(
            text(state.composer.letters())
                .size(t.body)
                .color(theme::MUTED)
        )
        .width(Length::Fixed(200.0))
    ]
    .spacing(10)
    .align_y(Alignment::Center);
    for (i, candidate) in state.composer.page_items().into_iter().enumerate() {
        bar = bar.push(
            button(container(text(candidate).size(t.heading)).center_y(Length::Fixed(theme::TAP)))
                .padding([0, 18])
                .style(theme::key)
                .on_press(AppMessage::Form(Message::Candidate(i))),
        );
    }
    bar = bar.push(Space::new().width(Fill));
    if state.composer.has_prev() {
        bar = bar.push(widgets::action(
            app,
            s.key_prev,
            Some(AppMessage::Form(Message::CandidatePage(false))),
            false,
        ));
    }
    if state.composer.has_next() {
        bar = bar.push(widgets::action(
            app,
            s.key_more,
            Some(AppMessage::Form(Message::CandidatePage(true))),
            false,
        ));
    }
    container(bar)
        .padding([8, 16])
        .width(Fill)
        .style(theme::card)
        .into()
}

fn review<'a>(app: &'a App, state: &'a State, prepared: &'a Answers) -> Element<'a, AppMessage> {
    let s = app.strings();
    let t = app.types();
    let mut rows = column![
        text(s.form_review_title)
            .size(t.heading)
            .font(theme::bold(app.font()))
    ]
    .spacing(20)
    .padding([24, 48])
    .max_width(1200);
    for field in state.def.visible_fields(prepared) {
        if matches!(field.input, FieldInput::Section) {
            continue;
        }
        rows = rows.push(
            row![
                text(label_of(app, field))
                    .size(t.body)
                    .color(theme::MUTED)
                    .width(Length::Fixed(360.0)),
                text(shown_answer(app, field, prepared.get(&field.key)))
                    .size(t.body)
                    .width(Fill)
            ]
            .spacing(24),
        );
    }
    rows = rows.push(
        row![
            widgets::action(
                app,
                s.form_edit,
                Some(AppMessage::Form(Message::Edit)),
                false
            ),
            widgets::action(
                app,
                s.form_submit,
                Some(AppMessage::Form(Message::Submit)),
                true
            ),
        ]
        .spacing(24),
    );
    touch_scroll(container(rows).center_x(Fill), state.offset, |v| {
        AppMessage::Form(Message::Scrolled(v.offset))
    })
    .into()
}

fn receipt<'a>(
    app: &'a App,
    code: &'a str,
    qr: &'a Option<qr_code::Data>,
    sent: bool,
) -> Element<'a, AppMessage> {
    let s = app.strings();
    let t = app.types();
    let mut col = column![
        text(s.receipt_title)
            .size(t.title)
            .font(theme::bold(app.font()))
            .color(theme::GOOD),
        text(s.receipt_code).size(t.heading).color(theme::MUTED),
        text(code).size(120).font(theme::bold(app.font())),
    ]
    .spacing(24)
    .align_x(Alignment::Center)
    .max_width(1100);
    if let Some(qr) = qr {
        col = col.push(widgets::qr(app, qr, s.receipt_scan));
    }
    col = col.push(
        text(if sent {
            s.receipt_sent
        } else {
            s.receipt_saved
        })
        .size(t.body)
        .align_x(Alignment::Center),
    );
    col = col.push(widgets::action(
        app,
        s.receipt_done,
        Some(AppMessage::Home),
        true,
    ));
    container(col).center(Fill).padding(40).into()
}

pub fn view<'a>(app: &'a App, state: &'a State) -> Element<'a, AppMessage> {
    let s = app.strings();
    let title = match (app.lang, &state.def.title_en) {
        (Lang::En, Some(en)) => en.as_str(),
        _ => state.def.title.as_str(),
    };
    let body: Element<'a, AppMessage> = match &state.phase {
        Phase::Filling => filling(app, state),
        Phase::Review(prepared) => review(app, state, prepared),
        Phase::Saving => widgets::message(app, s.form_sending),
        Phase::Receipt {
            receipt: code,
            qr,
            sent,
            ..
        } => receipt(app, code, qr, *sent),
        Phase::Failed(e) => column![
            widgets::message(app, &fill(s.form_failed, &[e])),
            container(widgets::action(
                app,
                s.form_edit,
                Some(AppMessage::Form(Message::Edit)),
                true
            ))
            .center_x(Fill)
            .padding(40)
        ]
        .into(),
    };
    column![
        widgets::title_bar(app, title, true),
        container(body).height(Fill)
    ]
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_get_their_dashes_as_digits_are_typed() {
        let mut v = String::new();
        for c in "20240105".chars() {
            v = date_typed(&v, Key::Char(c));
        }
        assert_eq!(v, "2024-01-05");
        assert_eq!(
            date_typed(&v, Key::Char('9')),
            "2024-01-05",
            "eight digits at most"
        );
        assert_eq!(date_typed(&v, Key::Backspace), "2024-01-0");
        assert_eq!(date_typed("2024-0", Key::Backspace), "2024");
        assert_eq!(date_typed(&v, Key::Char('X')), "2024-01-05");
        assert_eq!(date_typed(&v, Key::Clear), "");
    }
}
