//! The workers' library: reading lists and categories on the side, a cover grid over the whole
//! catalogue (or one category, or one list), and the way into search.
//!
//! The grid is windowed: rows have a fixed height, so only the rows near the viewport are built
//! (with spacers for the rest), and cover handles are made once, when a row first comes near.

use iced::widget::{Space, button, column, container, row, text};
use iced::{Alignment, Element, Fill, Length, Task};
use protocol::content::ReadingList;
use protocol::{ContentId, ContentItem};

use crate::core::Core;
use crate::shelf::{Card, Shelf};
use crate::ui::app::{App, Message as AppMessage, Screen};
use crate::ui::i18n::fill;
use crate::ui::images::Fit;
use crate::ui::theme;
use crate::ui::touch::{Window, touch_scroll};
use crate::ui::widgets;

pub const CARD_WIDTH: f32 = 200.0;
pub const COVER_HEIGHT: f32 = 270.0;
/// A grid row: cover, two lines of title, author, padding and the gap below.
pub const ROW_HEIGHT: f32 = COVER_HEIGHT + 150.0;
const GAP: f32 = 24.0;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Shown {
    #[default]
    All,
    Category(String),
    /// A reading list, by its index in `lists`.
    List(usize),
}

#[derive(Default)]
pub struct State {
    pub shown: Shown,
    pub offset: f32,
    pub side_offset: f32,
    pub lists: Vec<(ContentItem, ReadingList)>,
}

impl State {
    pub fn on_shelf_changed(&mut self, shelf: &Shelf) {
        if let Shown::Category(name) = &self.shown
            && shelf.len(Some(name)) == 0
        {
            self.shown = Shown::All;
        }
        self.offset = 0.0;
    }
}

#[derive(Debug, Clone)]
pub enum Message {
    Lists(Vec<(ContentItem, ReadingList)>),
    Show(Shown),
    Scrolled(f32),
    SideScrolled(f32),
    Open(ContentId),
    Search,
}

pub fn load_lists(core: &Core) -> Task<AppMessage> {
    let core = core.clone();
    Task::perform(
        async move { core.reading_lists().await.unwrap_or_default() },
        |lists| AppMessage::Library(Message::Lists(lists)),
    )
}

fn state(app: &mut App) -> Option<&mut State> {
    app.screen_mut(|s| match s {
        Screen::Library(l) => Some(l),
        _ => None,
    })
}

/// How many cards fit across the grid.
pub fn columns(app: &App) -> usize {
    columns_for(app.size.width - side_width(app) - 2.0 * 32.0)
}

/// How many cards fit across `width`.
pub fn columns_for(width: f32) -> usize {
    (((width + GAP) / (CARD_WIDTH + GAP)).floor() as usize).max(1)
}

fn side_width(app: &App) -> f32 {
    if app.portrait() { 300.0 } else { 380.0 }
}

/// The grid's visible height, near enough for windowing (a screen of margin covers the rest).
fn grid_height(app: &App) -> f32 {
    (app.size.height - 280.0).max(ROW_HEIGHT)
}

/// The cards of what is shown, by position.
fn card_at<'a>(app: &'a App, state: &State, index: usize) -> Option<&'a Card> {
    match &state.shown {
        Shown::All => app.shelf.get(None, index),
        Shown::Category(name) => app.shelf.get(Some(name), index),
        Shown::List(i) => {
            let (_, list) = state.lists.get(*i)?;
            app.shelf.card(list.items.get(index)?)
        }
    }
}

fn count(app: &App, state: &State) -> usize {
    match &state.shown {
        Shown::All => app.shelf.len(None),
        Shown::Category(name) => app.shelf.len(Some(name)),
        Shown::List(i) => state.lists.get(*i).map_or(0, |(_, l)| {
            l.items
                .iter()
                .filter(|id| app.shelf.card(id).is_some())
                .count()
        }),
    }
}

fn window(app: &App, state: &State) -> Window {
    let cols = columns(app);
    let rows = count(app, state).div_ceil(cols);
    Window::of(rows, ROW_HEIGHT, state.offset, grid_height(app))
}

/// Asks for the covers of the rows about to be seen.
fn prepare(app: &mut App) -> Task<AppMessage> {
    let Some(Screen::Library(state)) = app.stack.last() else {
        return Task::none();
    };
    let cols = columns(app);
    let w = window(app, state);
    let hashes: Vec<_> = (w.first * cols..w.end * cols)
        .filter_map(|i| card_at(app, state, i).and_then(|c| c.cover.clone()))
        .collect();
    let tasks: Vec<_> = hashes
        .iter()
        .map(|hash| app.images.want(&app.core, hash, Fit::COVER))
        .collect();
    Task::batch(tasks)
}

pub fn update(app: &mut App, message: Message) -> Task<AppMessage> {
    match message {
        Message::Lists(lists) => {
            if let Some(s) = state(app) {
                s.lists = lists;
            }
        }
        Message::Show(shown) => {
            if let Some(s) = state(app) {
                s.shown = shown;
                s.offset = 0.0;
            }
        }
        Message::Scrolled(offset) => {
            if let Some(s) = state(app) {
                s.offset = offset;
            }
        }
        Message::SideScrolled(offset) => {
            if let Some(s) = state(app) {
                s.side_offset = offset;
            }
        }
        Message::Open(id) => {
            app.push(Screen::Book(super::book::State::new(id.clone())));
            return super::book::load(&app.core, id);
        }
        Message::Search => {
            app.push(Screen::Search(super::search::State::default()));
            return Task::none();
        }
    }
    prepare(app)
}

/// One book in a grid: fixed size, so the grid can be windowed.
pub fn card_view<'a>(
    app: &'a App,
    card: &'a Card,
    on_press: AppMessage,
) -> Element<'a, AppMessage> {
    let t = app.types();
    let handle = card
        .cover
        .as_ref()
        .and_then(|h| app.images.cached(h, Fit::COVER));
    button(
        column![
            widgets::cover(app, handle, &card.title, CARD_WIDTH - 24.0, COVER_HEIGHT),
            container(
                text(card.title.as_str())
                    .size(t.small)
                    .font(theme::bold(app.font()))
            )
            .height(Length::Fixed(t.small * 2.7))
            .clip(true),
            container(
                text(card.author.as_str())
                    .size(t.small * 0.85)
                    .color(theme::MUTED)
            )
            .height(Length::Fixed(t.small * 1.4))
            .clip(true),
        ]
        .spacing(6),
    )
    .width(Length::Fixed(CARD_WIDTH))
    .height(Length::Fixed(ROW_HEIGHT - GAP))
    .padding(12)
    .style(theme::tile)
    .on_press(on_press)
    .into()
}

fn side<'a>(app: &'a App, state: &'a State) -> Element<'a, AppMessage> {
    let s = app.strings();
    let t = app.types();
    let entry = |label: String, n: usize, shown: Shown| -> Element<'a, AppMessage> {
        let selected = state.shown == shown;
        button(
            container(
                row![
                    text(label).size(t.body).width(Fill),
                    text(n.to_string()).size(t.small)
                ]
                .align_y(Alignment::Center)
                .spacing(8),
            )
            .center_y(Fill),
        )
        .width(Fill)
        .height(Length::Fixed(theme::TAP))
        .padding([0, 16])
        .style(theme::chip(selected))
        .on_press(AppMessage::Library(Message::Show(shown)))
        .into()
    };
    let mut items = column![entry(
        s.library_all.to_owned(),
        app.shelf.len(None),
        Shown::All
    )]
    .spacing(10);
    if !state.lists.is_empty() {
        items = items.push(
            text(s.library_lists)
                .size(t.small)
                .color(theme::MUTED)
                .font(theme::bold(app.font())),
        );
        for (i, (_, list)) in state.lists.iter().enumerate() {
            items = items.push(entry(list.title.clone(), list.items.len(), Shown::List(i)));
        }
        items = items.push(Space::new().height(8));
    }
    for (name, n) in app.shelf.categories() {
        items = items.push(entry(name.to_owned(), n, Shown::Category(name.to_owned())));
    }
    touch_scroll(items.padding([16, 20]), state.side_offset, |v| {
        AppMessage::Library(Message::SideScrolled(v.offset))
    })
    .into()
}

pub fn view<'a>(app: &'a App, state: &'a State) -> Element<'a, AppMessage> {
    let s = app.strings();
    let t = app.types();
    let total = count(app, state);
    let cols = columns(app);
    let rows = total.div_ceil(cols);
    let w = window(app, state);
    let mut grid = column![Space::new().height(w.first as f32 * ROW_HEIGHT)];
    for r in w.first..w.end {
        let mut line = row![].spacing(GAP);
        for i in r * cols..((r + 1) * cols).min(total) {
            if let Some(card) = card_at(app, state, i) {
                line = line.push(card_view(
                    app,
                    card,
                    AppMessage::Library(Message::Open(card.id.clone())),
                ));
            }
        }
        grid = grid.push(container(line).height(Length::Fixed(ROW_HEIGHT)));
    }
    grid = grid.push(Space::new().height((rows - w.end.min(rows)) as f32 * ROW_HEIGHT));
    let heading = match &state.shown {
        Shown::All => s.library_all.to_owned(),
        Shown::Category(name) => name.clone(),
        Shown::List(i) => state
            .lists
            .get(*i)
            .map(|(_, l)| l.title.clone())
            .unwrap_or_default(),
    };
    let top = row![
        column![
            text(heading).size(t.heading).font(theme::bold(app.font())),
            text(fill(s.library_count, &[&total]))
                .size(t.small)
                .color(theme::MUTED),
        ]
        .width(Fill),
        widgets::action(
            app,
            s.library_search,
            Some(AppMessage::Library(Message::Search)),
            true
        ),
    ]
    .align_y(Alignment::Center)
    .padding([16, 32]);
    let body: Element<'a, AppMessage> = if app.shelf.is_empty() {
        widgets::message(app, s.loading)
    } else {
        touch_scroll(container(grid).padding([0, 32]), state.offset, |v| {
            AppMessage::Library(Message::Scrolled(v.offset))
        })
        .into()
    };
    column![
        widgets::title_bar(app, s.library_title, true),
        row![
            container(side(app, state))
                .width(Length::Fixed(side_width(app)))
                .height(Fill),
            column![top, container(body).height(Fill)].width(Fill)
        ]
        .height(Fill)
    ]
    .into()
}
