//! 民主管理 · 投票问卷: the polls the kiosk holds, open ones first, each a card with its closing
//! time, whether it is anonymous, a "vote" button while it is open (the vote is the poll's vote
//! form on the `Form` screen, sent through the outbox), and its results as bar charts while
//! staff show them.

use iced::widget::{Space, column, container, row, text};
use iced::{Alignment, Element, Fill, Task};
use jiff::Timestamp;
use protocol::poll::{Poll, PollResults};

use super::{Destination, Event, Screen, Stacked};
use crate::polls::Listed;
use crate::sync::SyncEvent;
use crate::ui::chart::{Bar, BarChart};
use crate::ui::context::Context;
use crate::ui::i18n::{Lang, fill};
use crate::ui::theme;
use crate::ui::touch::touch_scroll;
use crate::ui::widgets;

/// The 投票问卷 screen.
#[derive(Default)]
pub struct Polls {
    polls: Option<Vec<Listed>>,
    failed: bool,
    offset: f32,
}

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(Option<Vec<Listed>>),
    Vote(usize),
    Scrolled(f32),
}

fn load(ctx: &Context) -> Task<Message> {
    let core = ctx.core.clone();
    Task::perform(async move { core.polls().await.ok() }, Message::Loaded)
}

impl Polls {
    /// The screen, and the task that reads the polls.
    pub fn new(ctx: &Context) -> (Polls, Task<Message>) {
        (Polls::default(), load(ctx))
    }

    /// New polls or results arrived: read them again.
    pub fn on_sync(&mut self, event: &SyncEvent, ctx: &Context) -> Task<Message> {
        match event {
            SyncEvent::Synced(summary) if summary.upserts + summary.deletes > 0 => load(ctx),
            _ => Task::none(),
        }
    }
}

impl Stacked for Polls {
    type Message = Message;

    fn find(screen: &mut Screen) -> Option<&mut Polls> {
        match screen {
            Screen::Polls(s) => Some(s),
            _ => None,
        }
    }

    fn update(&mut self, message: Message, ctx: &Context) -> (Task<Message>, Option<Event>) {
        let event = match message {
            Message::Loaded(polls) => {
                self.failed = polls.is_none();
                self.polls = polls;
                None
            }
            Message::Vote(i) => {
                let chosen = self.polls.as_ref().and_then(|p| p.get(i));
                Some(match chosen {
                    Some(l) if l.open(Timestamp::now()) => Event::Open(Destination::Form(
                        Box::new((l.item.clone(), l.poll.vote_form())),
                    )),
                    _ => Event::Notice(ctx.strings().polls_closed.to_owned()),
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

/// Chinese, or English where the poll has it.
fn pick<'a>(lang: Lang, zh: &'a str, en: &'a str) -> &'a str {
    if lang == Lang::En && !en.is_empty() {
        en
    } else {
        zh
    }
}

/// One question's tally as bars: each choice (or star) with its votes and share (short, to fit
/// after the bar: `12 · 40%`), the leading choice highlighted once anyone voted.
pub fn bars(poll: &Poll, results: &PollResults, question: usize, lang: Lang) -> Vec<Bar> {
    let Some(q) = poll.questions.get(question) else {
        return Vec::new();
    };
    let counts = results.counts.get(question);
    let total: u32 = counts.map(|c| c.iter().sum()).unwrap_or(0);
    let most = counts.and_then(|c| c.iter().max()).copied().unwrap_or(0);
    (0..q.buckets())
        .map(|b| {
            let n = counts.and_then(|c| c.get(b)).copied().unwrap_or(0);
            let share = if total == 0 {
                0
            } else {
                (f64::from(n) * 100.0 / f64::from(total)).round() as u32
            };
            Bar {
                label: q.bucket_label(b, lang == Lang::En),
                value: f64::from(n),
                value_label: format!("{n} · {share}%"),
                highlight: n > 0 && n == most,
            }
        })
        .collect()
}

impl Polls {
    fn card<'a>(&'a self, ctx: &'a Context, i: usize, l: &'a Listed) -> Element<'a, Message> {
        let s = ctx.strings();
        let t = ctx.types();
        let bold = theme::bold(ctx.font());
        let p = &l.poll;
        let open = l.open(Timestamp::now());
        let mut card = column![
            text(pick(ctx.lang, &p.title, &p.title_en))
                .size(t.heading)
                .font(bold)
        ]
        .spacing(16);
        let description = pick(ctx.lang, &p.description, &p.description_en);
        if !description.is_empty() {
            card = card.push(text(description).size(t.body).line_height(1.5));
        }
        let when = if open {
            fill(s.polls_closes, &[&widgets::when(s, p.closes_at)])
        } else {
            s.polls_closed.to_owned()
        };
        let privacy = if p.anonymous {
            s.polls_anonymous
        } else {
            s.polls_named
        };
        card = card.push(
            column![
                text(when)
                    .size(t.body)
                    .color(if open { theme::RED } else { theme::MUTED }),
                text(privacy).size(t.small).color(theme::MUTED),
            ]
            .spacing(6),
        );
        if open {
            card = card.push(
                row![
                    widgets::primary(ctx, s.polls_vote, Some(Message::Vote(i))),
                    text(s.polls_hint).size(t.small).color(theme::MUTED),
                ]
                .spacing(24)
                .align_y(Alignment::Center),
            );
        }
        if let Some(results) = &l.results {
            card = card.push(
                text(fill(s.polls_results, &[&results.votes]))
                    .size(t.title)
                    .font(bold),
            );
            for (qi, q) in p.questions.iter().enumerate() {
                card = card.push(text(pick(ctx.lang, &q.text, &q.text_en)).size(t.body));
                card = card.push(
                    BarChart {
                        bars: bars(p, results, qi, ctx.lang),
                        font: ctx.font(),
                        text_size: t.small,
                    }
                    .view(),
                );
            }
        }
        container(card)
            .padding(32)
            .width(Fill)
            .style(theme::card)
            .into()
    }

    pub fn view<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        let s = ctx.strings();
        let Some(polls) = &self.polls else {
            return widgets::message(
                ctx,
                if self.failed {
                    s.load_failed
                } else {
                    s.loading
                },
            );
        };
        if polls.is_empty() {
            return widgets::message(ctx, s.polls_empty);
        }
        let mut body = column![].spacing(28).max_width(1300);
        for (i, l) in polls.iter().enumerate() {
            body = body.push(self.card(ctx, i, l));
        }
        body = body.push(Space::new().height(80));
        container(touch_scroll(
            container(body).center_x(Fill).padding([32, 48]),
            self.offset,
            |v| Message::Scrolled(v.offset),
        ))
        .height(Fill)
        .width(Fill)
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::ContentId;

    #[test]
    fn each_choice_is_a_bar_with_its_votes_and_share() {
        let poll: Poll = serde_json::from_value(serde_json::json!({
            "title": "t", "anonymous": true, "closes_at": "2030-01-01T00:00:00Z",
            "questions": [
                {"text": "去哪里", "type": "single",
                 "choices": [{"label": "黄山", "label_en": "Huangshan"}, {"label": "厦门"}]},
                {"text": "评分", "type": "rating"}
            ]
        }))
        .expect("poll");
        let results = PollResults {
            poll: ContentId("p".into()),
            as_of: Timestamp::UNIX_EPOCH,
            votes: 4,
            counts: vec![vec![3, 1], vec![0, 0, 0, 1, 3]],
        };
        let zh = bars(&poll, &results, 0, Lang::Zh);
        assert_eq!(zh.len(), 2);
        assert_eq!(zh[0].label, "黄山");
        assert_eq!(zh[0].value, 3.0);
        assert_eq!(zh[0].value_label, "3 · 75%");
        assert!(zh[0].highlight && !zh[1].highlight, "the leading choice");
        let en = bars(&poll, &results, 0, Lang::En);
        assert_eq!(en[0].label, "Huangshan");
        assert_eq!(en[1].label, "厦门", "no English label: the Chinese one");
        assert_eq!(en[1].value_label, "1 · 25%");
        let stars = bars(&poll, &results, 1, Lang::Zh);
        assert_eq!(stars.len(), 5);
        assert_eq!(stars[4].label, "5 星");
        assert!(bars(&poll, &results, 2, Lang::Zh).is_empty());
    }
}
