//! Filling in a form: each field drawn with its label, help and problem, choices and consent
//! answered by a tap, and "check" that shows every problem or moves on to the review.

use iced::widget::{Space, button, column, container, row, text};
use iced::{Alignment, Element, Fill, Length};
use protocol::answers;
use protocol::content::{FieldInput, FormField};
use serde_json::Value;

use super::{Form, Message, Phase, label_of};
use crate::ui::context::Context;
use crate::ui::i18n::{Lang, fill};
use crate::ui::keyboard::{self, Layout};
use crate::ui::theme;
use crate::ui::touch::touch_scroll;
use crate::ui::widgets;

impl Form {
    /// A single choice was tapped.
    pub(super) fn choose(&mut self, key: String, value: String) {
        self.leave_focus();
        self.answers.insert(key.clone(), Value::String(value));
        self.touched.insert(key);
    }

    /// One of several choices was tapped: on if it was off, off if it was on.
    pub(super) fn toggle(&mut self, key: String, value: String) {
        self.leave_focus();
        let mut chosen: Vec<Value> = match self.answers.remove(&key) {
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
            self.answers.insert(key.clone(), Value::Array(chosen));
        }
        self.touched.insert(key);
    }

    pub(super) fn consent(&mut self, key: String) {
        let on = matches!(self.answers.get(&key), Some(Value::Bool(true)));
        if on {
            self.answers.remove(&key);
        } else {
            self.answers.insert(key.clone(), Value::Bool(true));
        }
        self.touched.insert(key);
    }

    /// "Check": every problem shows; with none, the review.
    pub(super) fn check(&mut self) {
        self.leave_focus();
        self.composer.clear();
        self.touched
            .extend(self.def.fields.iter().map(|f| f.key.clone()));
        if let Ok(prepared) = self
            .def
            .prepare_answers(&self.answers, answers::china_today())
            && !self.rule_fails()
        {
            self.phase = Phase::Review(prepared);
            self.offset = 0.0;
        }
    }

    fn field_view<'a>(&'a self, ctx: &'a Context, field: &'a FormField) -> Element<'a, Message> {
        let t = ctx.types();
        let s = ctx.strings();
        let font = ctx.font();
        if matches!(field.input, FieldInput::Section) {
            let mut col = column![
                text(label_of(ctx.lang, field))
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
            text(label_of(ctx.lang, field))
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
        let focused = self.focus.as_deref() == Some(field.key.as_str());
        let problem = self.problem(&field.key, ctx.lang);
        let input: Element<'a, Message> = match &field.input {
            FieldInput::SingleChoice { options } | FieldInput::MultiChoice { options, .. } => {
                let multi = matches!(field.input, FieldInput::MultiChoice { .. });
                let chosen = |v: &str| match self.answers.get(&field.key) {
                    Some(Value::String(c)) => c == v,
                    Some(Value::Array(items)) => items.iter().any(|i| i.as_str() == Some(v)),
                    _ => false,
                };
                let mut rows = column![].spacing(12);
                for chunk in options.chunks(3) {
                    let mut r = row![].spacing(12);
                    for o in chunk {
                        let on = chosen(&o.value);
                        let label = match (ctx.lang, &o.label_en) {
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
                            .on_press(message),
                        );
                    }
                    rows = rows.push(r);
                }
                rows.into()
            }
            FieldInput::Consent => {
                let on = matches!(self.answers.get(&field.key), Some(Value::Bool(true)));
                button(
                    container(
                        text(format!("{} {}", if on { "☑" } else { "☐" }, s.form_consent))
                            .size(t.body),
                    )
                    .center_y(Length::Fixed(theme::TAP)),
                )
                .padding([0, 24])
                .style(theme::chip(on))
                .on_press(Message::Consent(key))
                .into()
            }
            _ => {
                let value = self.text_of(&field.key);
                let mut shown = value.clone();
                if focused {
                    shown.push_str(&self.composer.preedit());
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
                .on_press(Message::Focus(key))
                .into()
            }
        };
        col = col.push(input);
        if let Some(problem) = problem {
            col = col.push(text(problem).size(t.small).color(theme::RED));
        }
        col.into()
    }

    /// The fields, the count of problems, and the keyboard while a field is typed.
    pub(super) fn filling<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        let s = ctx.strings();
        let t = ctx.types();
        let mut fields = column![].spacing(28).padding([24, 48]).max_width(1200);
        if !self.def.description.is_empty() {
            fields = fields.push(
                text(self.def.description.as_str())
                    .size(t.body)
                    .color(theme::MUTED),
            );
        }
        for field in self.def.visible_fields(&self.answers) {
            fields = fields.push(self.field_view(ctx, field));
        }
        let problems = self
            .def
            .fields
            .iter()
            .filter(|f| self.touched.contains(&f.key))
            .filter(|f| {
                self.def
                    .check_field(&f.key, &self.answers, answers::china_today())
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
        bottom = bottom.push(widgets::primary(ctx, s.form_check, Some(Message::Check)));
        fields = fields.push(bottom);
        fields = fields.push(Space::new().height(40));
        let list = container(touch_scroll(
            container(fields).center_x(Fill),
            self.offset,
            |v| Message::Scrolled(v.offset),
        ))
        .height(Fill);
        let mut page = column![list];
        if self.focus.is_some() {
            if matches!(self.layout, Layout::Letters) && !self.composer.is_empty() {
                page = page.push(self.candidate_bar(ctx));
            }
            page = page.push(keyboard::view(ctx, self.layout, Message::Key));
        }
        page.into()
    }
}
