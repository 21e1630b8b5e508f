//! Library search with the on-screen keyboard: results follow every key, using the core's
//! pinyin / initials / hanzi / ISBN search.

use iced::widget::{column, container, row, text};
use iced::{Alignment, Element, Fill, Length, Task};
use protocol::ContentId;

use crate::shelf::Card;
use crate::ui::app::{App, Message as AppMessage, Screen};
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
pub struct State {
    pub query: String,
    pub layout: Layout,
    pub results: Vec<Card>,
    pub total: usize,
    pub offset: f32,
    /// Which query the shown results answer; older answers are dropped.
    pub seq: u64,
    pub answered: u64,
}

#[derive(Debug, Clone)]
pub enum Message {
    Key(Key),
    Results(u64, Vec<Card>, usize),
    Scrolled(f32),
    Open(ContentId),
}

fn state(app: &mut App) -> Option<&mut State> {
    app.screen_mut(|s| match s {
        Screen::Search(x) => Some(x),
        _ => None,
    })
}

fn key_message(k: Key) -> AppMessage {
    AppMessage::Search(Message::Key(k))
}

pub fn update(app: &mut App, message: Message) -> Task<AppMessage> {
    match message {
        Message::Key(k) => {
            let core = app.core.clone();
            let Some(s) = state(app) else {
                return Task::none();
            };
            if k == Key::Layout {
                s.layout = match s.layout {
                    Layout::Letters => Layout::Digits,
                    _ => Layout::Letters,
                };
                return Task::none();
            }
            if keyboard::edit(&mut s.query, k, MAX_QUERY) {
                return Task::none();
            }
            s.seq += 1;
            s.offset = 0.0;
            let (seq, query) = (s.seq, s.query.clone());
            if query.trim().is_empty() {
                s.results.clear();
                s.total = 0;
                s.answered = seq;
                return Task::none();
            }
            Task::perform(
                async move {
                    let (items, total) = core.search(query, 0, LIMIT).await.unwrap_or_default();
                    let cards = items
                        .into_iter()
                        .map(|(item, l)| Card::new(item.id, &l))
                        .collect();
                    (seq, cards, total)
                },
                |(seq, cards, total)| AppMessage::Search(Message::Results(seq, cards, total)),
            )
        }
        Message::Results(seq, cards, total) => {
            let tasks: Vec<_> = cards
                .iter()
                .filter_map(|c| c.cover.as_ref())
                .map(|hash| app.images.want(&app.core, hash, Fit::COVER))
                .collect();
            if let Some(s) = state(app)
                && seq == s.seq
            {
                s.results = cards;
                s.total = total;
                s.answered = seq;
            }
            Task::batch(tasks)
        }
        Message::Scrolled(offset) => {
            if let Some(s) = state(app) {
                s.offset = offset;
            }
            Task::none()
        }
        Message::Open(id) => {
            app.push(Screen::Book(super::book::State::new(id.clone())));
            super::book::load(&app.core, id)
        }
    }
}

pub fn view<'a>(app: &'a App, state: &'a State) -> Element<'a, AppMessage> {
    let s = app.strings();
    let t = app.types();
    let query: Element<'a, AppMessage> = if state.query.is_empty() {
        text(s.library_search_hint)
            .size(t.heading)
            .color(theme::MUTED)
            .into()
    } else {
        text(format!("{}▏", state.query.to_uppercase()))
            .size(t.title)
            .font(theme::bold(app.font()))
            .into()
    };
    let count: Element<'a, AppMessage> = if state.query.trim().is_empty() {
        text("").into()
    } else {
        text(fill(s.library_results, &[&state.total]))
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
    let cols = super::library::columns_for(app.size.width - 64.0);
    let results: Element<'a, AppMessage> = if !state.query.trim().is_empty()
        && state.answered == state.seq
        && state.results.is_empty()
    {
        widgets::message(app, s.library_no_results)
    } else {
        let mut grid = column![].spacing(24);
        for chunk in state.results.chunks(cols) {
            let mut line = row![].spacing(24);
            for card in chunk {
                line = line.push(super::library::card_view(
                    app,
                    card,
                    AppMessage::Search(Message::Open(card.id.clone())),
                ));
            }
            grid = grid.push(line);
        }
        touch_scroll(grid, state.offset, |v| {
            AppMessage::Search(Message::Scrolled(v.offset))
        })
        .into()
    };
    column![
        widgets::title_bar(app, s.library_search, true),
        container(field).padding([20, 32]),
        container(results).height(Fill).padding([0, 32]),
        keyboard::view(app, state.layout, key_message),
    ]
    .into()
}
