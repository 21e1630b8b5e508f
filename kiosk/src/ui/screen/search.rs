//! Library search with the on-screen keyboard: results follow every key, using the core's
//! pinyin / initials / hanzi / ISBN search.

use iced::widget::{column, container, row, text};
use iced::{Alignment, Element, Fill, Length, Task};
use protocol::ContentId;

use super::{Destination, Event, Screen, Stacked, library};
use crate::shelf::Card;
use crate::ui::context::Context;
use crate::ui::i18n::fill;
use crate::ui::images::Fit;
use crate::ui::keyboard::{self, Key, Layout};
use crate::ui::theme;
use crate::ui::touch::touch_scroll;
use crate::ui::widgets;

/// Results shown for one query (the count says how many matched in all).
const LIMIT: usize = 120;
const MAX_QUERY: usize = 40;

#[derive(Default)]
pub struct Search {
    query: String,
    layout: Layout,
    results: Vec<Card>,
    total: usize,
    offset: f32,
    /// Which query the shown results answer; older answers are dropped.
    seq: u64,
    answered: u64,
}

#[derive(Debug, Clone)]
pub enum Message {
    Key(Key),
    Results(u64, Vec<Card>, usize),
    Scrolled(f32),
    Open(ContentId),
}

impl Search {
    /// A key on the on-screen keyboard: edit the query and search for it.
    fn key(&mut self, k: Key, ctx: &Context) -> Task<Message> {
        if k == Key::Layout {
            self.layout = match self.layout {
                Layout::Letters => Layout::Digits,
                _ => Layout::Letters,
            };
            return Task::none();
        }
        if keyboard::edit(&mut self.query, k, MAX_QUERY) {
            return Task::none();
        }
        self.seq += 1;
        self.offset = 0.0;
        let (seq, query) = (self.seq, self.query.clone());
        if query.trim().is_empty() {
            self.results.clear();
            self.total = 0;
            self.answered = seq;
            return Task::none();
        }
        let core = ctx.core.clone();
        Task::perform(
            async move {
                let (items, total) = core.search(query, 0, LIMIT).await.unwrap_or_default();
                let cards = items
                    .into_iter()
                    .map(|(item, l)| Card::new(item.id, &l))
                    .collect();
                (seq, cards, total)
            },
            |(seq, cards, total)| Message::Results(seq, cards, total),
        )
    }
}

impl Search {
    /// The query and whether it found nothing, once its results are in (none before).
    pub fn outcome(&self) -> Option<(&str, bool)> {
        let answered = self.answered == self.seq && !self.query.trim().is_empty();
        answered.then_some((self.query.as_str(), self.results.is_empty()))
    }
}

impl Stacked for Search {
    type Message = Message;

    fn find(screen: &mut Screen) -> Option<&mut Search> {
        match screen {
            Screen::Search(s) => Some(s),
            _ => None,
        }
    }

    fn update(&mut self, message: Message, ctx: &Context) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Key(k) => (self.key(k, ctx), None),
            Message::Results(seq, cards, total) => {
                let covers = cards
                    .iter()
                    .filter_map(|c| c.cover.clone())
                    .map(|hash| (hash, Fit::COVER))
                    .collect();
                if seq == self.seq {
                    self.results = cards;
                    self.total = total;
                    self.answered = seq;
                }
                (Task::none(), Event::images(covers))
            }
            Message::Scrolled(offset) => {
                self.offset = offset;
                (Task::none(), None)
            }
            Message::Open(id) => (Task::none(), Some(Event::Open(Destination::Book(id)))),
        }
    }
}

impl Search {
    pub fn view<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        let s = ctx.strings();
        let t = ctx.types();
        let query: Element<'a, Message> = if self.query.is_empty() {
            text(s.library_search_hint)
                .size(t.heading)
                .color(theme::MUTED)
                .into()
        } else {
            text(format!("{}▏", self.query.to_uppercase()))
                .size(t.title)
                .font(theme::bold(ctx.font()))
                .into()
        };
        let count: Element<'a, Message> = if self.query.trim().is_empty() {
            text("").into()
        } else {
            text(fill(s.library_results, &[&self.total]))
                .size(t.body)
                .color(theme::MUTED)
                .into()
        };
        let field = container(
            row![container(query).width(Fill), count]
                .align_y(Alignment::Center)
                .spacing(16),
        )
        .padding([0, 28])
        .center_y(Length::Fixed(100.0))
        .style(theme::card);
        let cols = library::columns_for(ctx.size.width - 64.0);
        let gap = library::gap_for(ctx.size.width - 64.0, cols);
        let results: Element<'a, Message> = if !self.query.trim().is_empty()
            && self.answered == self.seq
            && self.results.is_empty()
        {
            widgets::message(ctx, s.library_no_results)
        } else {
            let mut grid = column![].spacing(24);
            for chunk in self.results.chunks(cols) {
                let mut line = row![].spacing(gap);
                for card in chunk {
                    line = line.push(library::card_view(
                        ctx,
                        card.view(),
                        Message::Open(card.id.clone()),
                    ));
                }
                grid = grid.push(line);
            }
            touch_scroll(grid, self.offset, |v| Message::Scrolled(v.offset)).into()
        };
        column![
            container(field).padding([20, 32]),
            container(results).height(Fill).padding([0, 32]),
            keyboard::view(ctx, self.layout, Message::Key),
        ]
        .into()
    }
}
