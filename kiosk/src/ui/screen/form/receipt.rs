//! The receipt: the code to keep (large, and as a QR code), and whether the submission has
//! reached the union yet or waits in the outbox. Each sync asks again until it has.

use iced::widget::{column, container, qr_code, text};
use iced::{Alignment, Element, Fill, Task};

use super::{Form, Message, Phase};
use crate::core::Core;
use crate::ui::context::Context;
use crate::ui::theme;
use crate::ui::widgets;

/// A saved submission.
pub(super) struct Receipt {
    /// The submission's id in the outbox.
    id: String,
    /// The code the employee keeps.
    pub(super) code: String,
    qr: Option<qr_code::Data>,
    /// Whether it has reached the server.
    sent: bool,
}

/// Asks the core whether the submission `id` has been delivered.
fn delivered(core: &Core, id: String) -> Task<Message> {
    let core = core.clone();
    Task::perform(
        async move {
            let yes = core.delivered(id.clone()).await.unwrap_or(false);
            (id, yes)
        },
        |(id, yes)| Message::Delivered(id, yes),
    )
}

impl Form {
    /// The core saved the submission (or could not): the receipt, or the failure.
    pub(super) fn saved(
        &mut self,
        saved: Result<(String, String), super::SaveFailed>,
        ctx: &Context,
    ) -> Task<Message> {
        match saved {
            Ok((id, code)) => {
                self.phase = Phase::Receipt(Receipt {
                    qr: qr_code::Data::new(code.as_bytes()).ok(),
                    id: id.clone(),
                    code,
                    sent: false,
                });
                self.answers.clear();
                delivered(&ctx.core, id)
            }
            Err(e) => {
                self.phase = Phase::Failed(e);
                Task::none()
            }
        }
    }

    pub(super) fn delivered(&mut self, id: &str, yes: bool) {
        if let Phase::Receipt(receipt) = &mut self.phase
            && receipt.id == id
        {
            receipt.sent = yes;
        }
    }

    /// After a sync: was the receipt on screen delivered?
    pub fn on_sync(&self, ctx: &Context) -> Task<Message> {
        match &self.phase {
            Phase::Receipt(receipt) if !receipt.sent => delivered(&ctx.core, receipt.id.clone()),
            _ => Task::none(),
        }
    }
}

impl Receipt {
    pub(super) fn view<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        let s = ctx.strings();
        let t = ctx.types();
        let mut col = column![
            text(s.receipt_title)
                .size(t.title)
                .font(theme::bold(ctx.font()))
                .color(theme::GOOD),
            text(s.receipt_code).size(t.heading).color(theme::MUTED),
            text(self.code.as_str())
                .size(120)
                .font(theme::bold(ctx.font())),
        ]
        .spacing(24)
        .align_x(Alignment::Center)
        .max_width(1100);
        if let Some(qr) = &self.qr {
            col = col.push(widgets::qr(ctx, qr, s.receipt_scan));
        }
        col = col.push(
            text(if self.sent {
                s.receipt_sent
            } else {
                s.receipt_saved
            })
            .size(t.body)
            .align_x(Alignment::Center),
        );
        col = col.push(widgets::primary(ctx, s.receipt_done, Some(Message::Finish)));
        container(col).center(Fill).padding(40).into()
    }
}
