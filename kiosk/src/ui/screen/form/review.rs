//! The review before sending: every visible answer as a person reads it, "edit" back to the
//! fields, and "submit", which hands the prepared answers to the core.

use iced::widget::{column, container, row, text};
use iced::{Element, Fill, Length, Task};
use protocol::answers::Answers;
use protocol::content::{FieldInput, FormField};
use protocol::submission::FormAnswers;
use serde_json::Value;

use super::{Form, Message, Phase, SaveFailed, label_of};
use crate::ui::context::Context;
use crate::ui::i18n::Lang;
use crate::ui::theme;
use crate::ui::touch::touch_scroll;
use crate::ui::widgets;

fn option_label(lang: Lang, field: &FormField, value: &str) -> String {
    let options = match &field.input {
        FieldInput::SingleChoice { options } | FieldInput::MultiChoice { options, .. } => options,
        _ => return value.to_owned(),
    };
    options
        .iter()
        .find(|o| o.value == value)
        .map(|o| match (lang, &o.label_en) {
            (Lang::En, Some(en)) => en.clone(),
            _ => o.label.clone(),
        })
        .unwrap_or_else(|| value.to_owned())
}

/// An answer as a person reads it.
fn shown_answer(ctx: &Context, field: &FormField, value: Option<&Value>) -> String {
    let s = ctx.strings();
    match value {
        None => s.form_empty.to_owned(),
        Some(Value::Bool(true)) => s.form_yes.to_owned(),
        Some(Value::Bool(false)) => s.form_no.to_owned(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(|v| option_label(ctx.lang, field, v))
            .collect::<Vec<_>>()
            .join("、"),
        Some(Value::String(v)) => match field.input {
            FieldInput::SingleChoice { .. } => option_label(ctx.lang, field, v),
            _ => v.clone(),
        },
        Some(other) => other.to_string(),
    }
}

impl Form {
    /// "Submit": the answers under review go to the core, which seals and queues them.
    pub(super) fn submit(&mut self, ctx: &Context) -> Task<Message> {
        let Phase::Review(prepared) = std::mem::replace(&mut self.phase, Phase::Saving) else {
            return Task::none();
        };
        let (core, form_id, version) = (ctx.core.clone(), self.form_id.clone(), self.version);
        Task::perform(
            async move {
                core.submit(form_id, version, FormAnswers { answers: prepared })
                    .await
                    .map(|saved| (saved.id, saved.receipt))
                    .map_err(|e| {
                        tracing::warn!(error = %e, "a form could not be saved");
                        if e.is_disk_full() {
                            SaveFailed::DiskFull
                        } else {
                            SaveFailed::Other
                        }
                    })
            },
            Message::Saved,
        )
    }

    pub(super) fn review<'a>(
        &'a self,
        ctx: &'a Context,
        prepared: &'a Answers,
    ) -> Element<'a, Message> {
        let s = ctx.strings();
        let t = ctx.types();
        let mut rows = column![
            text(s.form_review_title)
                .size(t.heading)
                .font(theme::bold(ctx.font()))
        ]
        .spacing(20)
        .padding([24, 48])
        .max_width(1200);
        for field in self.def.visible_fields(prepared) {
            if matches!(field.input, FieldInput::Section) {
                continue;
            }
            rows = rows.push(
                row![
                    text(label_of(ctx.lang, field))
                        .size(t.body)
                        .color(theme::MUTED)
                        .width(Length::Fixed(360.0)),
                    text(shown_answer(ctx, field, prepared.get(&field.key)))
                        .size(t.body)
                        .width(Fill)
                ]
                .spacing(24),
            );
        }
        rows = rows.push(
            row![
                widgets::secondary(ctx, s.form_edit, Some(Message::Edit)),
                widgets::primary(ctx, s.form_submit, Some(Message::Submit)),
            ]
            .spacing(24),
        );
        touch_scroll(container(rows).center_x(Fill), self.offset, |v| {
            Message::Scrolled(v.offset)
        })
        .into()
    }
}
