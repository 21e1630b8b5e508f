//! 职代会提案: every call for proposals with its proposals (number, status chip and title; status
//! filter chips above), a proposal opened whole with its signers and the reply, and "write a
//! proposal", which opens the call's form on the form screen with the co-signer rule
//! (`protocol::proposal::cosigner_rule`) checked as the employee types. The form screen saves
//! it to the outbox and shows the receipt; idle drops it like any form.

use iced::widget::{Space, button, column, container, row, text};
use iced::{Alignment, Element, Fill, Length, Task};
use jiff::Timestamp;
use protocol::answers;
use protocol::proposal::{Proposal, ProposalStatus, Signer};

use super::{Destination, Event, Screen, Stacked};
use crate::proposals::Listed;
use crate::ui::context::Context;
use crate::ui::i18n::{Lang, Strings, fill};
use crate::ui::theme;
use crate::ui::touch::touch_scroll;
use crate::ui::widgets;

/// The 职代会提案 screen.
#[derive(Default)]
pub struct Proposals {
    calls: Option<Vec<Listed>>,
    failed: bool,
    /// Only proposals with this status (`None`: all).
    filter: Option<ProposalStatus>,
    /// The proposal shown whole: its call's place in the list and its number.
    open: Option<(usize, u32)>,
    offset: f32,
}

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(Option<Vec<Listed>>),
    Filter(Option<ProposalStatus>),
    Open(usize, u32),
    Close,
    /// "Write a proposal" for the call at this place.
    Write(usize),
    Scrolled(f32),
}

impl Proposals {
    /// The screen, and the task that reads the calls.
    pub fn new(ctx: &Context) -> (Proposals, Task<Message>) {
        let core = ctx.core.clone();
        let task = Task::perform(async move { core.proposals().await.ok() }, Message::Loaded);
        (Proposals::default(), task)
    }

    fn opened(&self) -> Option<(&Listed, &Proposal)> {
        let (i, number) = self.open?;
        let call = self.calls.as_ref()?.get(i)?;
        let p = call.proposals.iter().find(|p| p.number == number)?;
        Some((call, p))
    }
}

impl Stacked for Proposals {
    type Message = Message;

    fn find(screen: &mut Screen) -> Option<&mut Proposals> {
        match screen {
            Screen::Proposals(s) => Some(s),
            _ => None,
        }
    }

    fn update(&mut self, message: Message, ctx: &Context) -> (Task<Message>, Option<Event>) {
        let event = match message {
            Message::Loaded(calls) => {
                self.failed = calls.is_none();
                self.calls = calls;
                None
            }
            Message::Filter(filter) => {
                self.filter = filter;
                self.offset = 0.0;
                None
            }
            Message::Open(i, number) => {
                self.open = Some((i, number));
                self.offset = 0.0;
                None
            }
            Message::Close => {
                self.open = None;
                self.offset = 0.0;
                None
            }
            Message::Write(i) => {
                let call = self.calls.as_ref().and_then(|c| c.get(i));
                Some(match call {
                    Some(l) if l.call.open_at(Timestamp::now()) => Event::Open(
                        Destination::Proposal(Box::new((l.item.clone(), l.call.form()))),
                    ),
                    _ => Event::Notice(ctx.strings().proposal_closed.to_owned()),
                })
            }
            Message::Scrolled(offset) => {
                self.offset = offset;
                None
            }
        };
        (Task::none(), event)
    }
}

fn status_label(s: &Strings, status: ProposalStatus) -> &'static str {
    match status {
        ProposalStatus::Pending => s.proposal_pending,
        ProposalStatus::Accepted => s.proposal_accepted,
        ProposalStatus::Declined => s.proposal_declined,
        ProposalStatus::Done => s.proposal_done,
    }
}

fn status_color(status: ProposalStatus) -> iced::Color {
    match status {
        ProposalStatus::Pending => theme::MUTED,
        ProposalStatus::Accepted => theme::CALM,
        ProposalStatus::Declined => theme::RED_DARK,
        ProposalStatus::Done => theme::GOOD,
    }
}

fn number(lang: Lang, p: &Proposal) -> String {
    p.number_label(match lang {
        Lang::Zh => answers::Lang::Zh,
        Lang::En => answers::Lang::En,
    })
}

/// "王芳（营业部）", a signer as the list reads.
fn signer(lang: Lang, who: &Signer) -> String {
    match lang {
        Lang::Zh => format!("{}（{}）", who.name, who.department),
        Lang::En => format!("{} ({})", who.name, who.department),
    }
}

impl Proposals {
    pub fn view<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        let s = ctx.strings();
        let Some(calls) = &self.calls else {
            return widgets::message(
                ctx,
                if self.failed {
                    s.load_failed
                } else {
                    s.loading
                },
            );
        };
        if calls.is_empty() {
            return widgets::message(ctx, s.proposal_empty);
        }
        let body = match self.opened() {
            Some((_, p)) => self.whole(ctx, p),
            None => self.list(ctx, calls),
        };
        container(touch_scroll(
            container(body).center_x(Fill).padding([32, 48]),
            self.offset,
            |v| Message::Scrolled(v.offset),
        ))
        .height(Fill)
        .width(Fill)
        .into()
    }

    fn list<'a>(&'a self, ctx: &'a Context, calls: &'a [Listed]) -> Element<'a, Message> {
        let s = ctx.strings();
        let t = ctx.types();
        let bold = theme::bold(ctx.font());
        let chip = |label: &str, filter: Option<ProposalStatus>| {
            button(
                container(text(label.to_owned()).size(t.body).font(bold))
                    .center_y(Length::Fixed(theme::TAP)),
            )
            .padding([0, 24])
            .style(theme::chip(self.filter == filter))
            .on_press(Message::Filter(filter))
        };
        let mut chips = row![chip(s.proposal_all, None)].spacing(12);
        for status in ProposalStatus::ALL {
            chips = chips.push(chip(status_label(s, status), Some(status)));
        }
        let mut body = column![chips.wrap()].spacing(24).max_width(1100);
        let now = Timestamp::now();
        for (i, l) in calls.iter().enumerate() {
            let title = match (ctx.lang, &l.call.title_en) {
                (Lang::En, Some(en)) => en.as_str(),
                _ => l.call.title.as_str(),
            };
            let mut about = column![text(title).size(t.title).font(bold)].spacing(10);
            if !l.call.description.is_empty() {
                about = about.push(text(l.call.description.as_str()).size(t.body));
            }
            let min = l.call.min_cosigners.to_string();
            let mut terms = fill(s.proposal_min_cosigners, &[&min]);
            if let Some(closes) = l.call.closes_at {
                terms.push_str(" · ");
                terms.push_str(&fill(s.proposal_closes, &[&widgets::when(s, closes)]));
            }
            about = about.push(text(terms).size(t.small).color(theme::MUTED));
            let write = l.call.open_at(now).then_some(Message::Write(i));
            let head = row![
                container(about).width(Fill),
                widgets::primary(ctx, s.proposal_write, write)
            ]
            .spacing(24)
            .align_y(Alignment::Center);
            body = body.push(container(head).padding(24).width(Fill).style(theme::card));
            let shown: Vec<&Proposal> = l
                .proposals
                .iter()
                .filter(|p| self.filter.is_none_or(|f| p.status == f))
                .collect();
            if shown.is_empty() {
                body = body.push(text(s.proposal_none).size(t.body).color(theme::MUTED));
            }
            for p in shown {
                let subject = if p.status == ProposalStatus::Pending {
                    fill(
                        s.proposal_pending_line,
                        &[&p.received_on.strftime(s.date_format).to_string()],
                    )
                } else {
                    p.title.clone()
                };
                let line = row![
                    text(number(ctx.lang, p)).size(t.body).font(bold),
                    text(status_label(s, p.status))
                        .size(t.body)
                        .font(bold)
                        .color(status_color(p.status)),
                    text(subject).size(t.body).width(Fill),
                ]
                .spacing(24)
                .align_y(Alignment::Center);
                body = body.push(
                    button(container(line).center_y(Length::Fixed(theme::TAP)))
                        .padding([4, 24])
                        .width(Fill)
                        .style(theme::tile)
                        .on_press(Message::Open(i, p.number)),
                );
            }
        }
        body.push(Space::new().height(80)).into()
    }

    fn whole<'a>(&'a self, ctx: &'a Context, p: &'a Proposal) -> Element<'a, Message> {
        let s = ctx.strings();
        let t = ctx.types();
        let bold = theme::bold(ctx.font());
        let heading = |label: &str| text(label.to_owned()).size(t.heading).font(bold);
        let para = |body: &str| text(body.to_owned()).size(t.body).line_height(1.6);
        let mut col = column![
            widgets::secondary(ctx, s.proposal_back, Some(Message::Close)),
            row![
                text(number(ctx.lang, p)).size(t.title).font(bold),
                text(status_label(s, p.status))
                    .size(t.title)
                    .font(bold)
                    .color(status_color(p.status)),
            ]
            .spacing(24),
        ]
        .spacing(20)
        .max_width(1100);
        if p.status == ProposalStatus::Pending {
            col = col.push(para(&fill(
                s.proposal_pending_line,
                &[&p.received_on.strftime(s.date_format).to_string()],
            )));
            return col.into();
        }
        col = col.push(text(p.title.as_str()).size(t.title).font(bold));
        if let Some(who) = &p.proposer {
            col = col.push(para(&fill(s.proposal_by, &[&signer(ctx.lang, who)])));
        }
        let names: Vec<String> = p.cosigners.iter().map(|c| signer(ctx.lang, c)).collect();
        let sep = if ctx.lang == Lang::Zh { "、" } else { ", " };
        col = col.push(para(&fill(s.proposal_cosigned, &[&names.join(sep)])));
        col = col.push(heading(s.proposal_reasons)).push(para(&p.reasons));
        col = col
            .push(heading(s.proposal_measures))
            .push(para(&p.measures));
        let answer = |label: &str, body: &str| {
            container(column![heading(label), para(body)].spacing(10))
                .padding(24)
                .width(Fill)
                .style(theme::card)
        };
        if !p.department.is_empty() {
            col = col.push(answer(s.proposal_department, &p.department));
        }
        if !p.reason.is_empty() {
            col = col.push(answer(s.proposal_reason, &p.reason));
        }
        if !p.reply.is_empty() {
            col = col.push(answer(s.proposal_reply, &p.reply));
        }
        col.push(Space::new().height(80)).into()
    }
}
