//! The workers' library: reading lists and categories on the side, a cover grid over the whole
//! catalogue (or one category, or one list), and the way into search.
//!
//! The grid is windowed: rows have a fixed height, so only the rows near the viewport are built
//! (with spacers for the rest), and cover handles are made once, when a row first comes near.

use iced::widget::{Space, button, column, container, row, text};
use iced::{Alignment, Element, Fill, Length, Task};
use protocol::content::ReadingList;
use protocol::{ContentId, ContentItem};

use super::{Destination, Event, Screen, Stacked};
use crate::core::Core;
use crate::shelf::{CardView, Shelf};
use crate::ui::context::Context;
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

/// What the grid shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Shown {
    #[default]
    All,
    Category(String),
    /// A reading list, by its index in `lists`.
    List(usize),
}

pub struct Library {
    shown: Shown,
    offset: f32,
    side_offset: f32,
    lists: Vec<(ContentItem, ReadingList)>,
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

fn load_lists(core: &Core) -> Task<Message> {
    let core = core.clone();
    Task::perform(
        async move { core.reading_lists().await.unwrap_or_default() },
        Message::Lists,
    )
}

/// How many cards fit across `width`.
pub fn columns_for(width: f32) -> usize {
    (((width + GAP) / (CARD_WIDTH + GAP)).floor() as usize).max(1)
}

/// The gap between `columns` cards across `width`: what is left over is shared out between
/// them, so a row reaches both edges instead of leaving an empty strip on the right.
pub fn gap_for(width: f32, columns: usize) -> f32 {
    if columns < 2 {
        return GAP;
    }
    ((width - columns as f32 * CARD_WIDTH) / (columns - 1) as f32).max(GAP)
}

/// The grid's width: the screen less the side list and the padding.
fn grid_width(ctx: &Context) -> f32 {
    ctx.size.width - side_width(ctx) - 2.0 * 32.0
}

fn side_width(ctx: &Context) -> f32 {
    if ctx.portrait() { 300.0 } else { 380.0 }
}

/// How many cards fit across the grid.
fn columns(ctx: &Context) -> usize {
    columns_for(grid_width(ctx))
}

/// The grid's visible height, near enough for windowing (a screen of margin covers the rest).
fn grid_height(ctx: &Context) -> f32 {
    (ctx.size.height - 280.0).max(ROW_HEIGHT)
}

impl Library {
    /// The whole catalogue, and the task that loads the reading lists.
    pub fn new(ctx: &Context) -> (Library, Task<Message>) {
        let library = Library {
            shown: Shown::All,
            offset: 0.0,
            side_offset: 0.0,
            lists: Vec::new(),
        };
        (library, load_lists(&ctx.core))
    }

    /// The catalogue changed: a category that is gone falls back to everything, and the grid
    /// starts at the top.
    pub fn on_shelf_changed(&mut self, shelf: &Shelf) {
        if let Shown::Category(name) = &self.shown
            && shelf.len(Some(name)) == 0
        {
            self.shown = Shown::All;
        }
        self.offset = 0.0;
    }

    /// The cards of what is shown, by position.
    fn card_at<'a>(&self, shelf: &'a Shelf, index: usize) -> Option<CardView<'a>> {
        match &self.shown {
            Shown::All => shelf.get(None, index),
            Shown::Category(name) => shelf.get(Some(name), index),
            Shown::List(i) => {
                let (_, list) = self.lists.get(*i)?;
                shelf.card(list.items.get(index)?)
            }
        }
    }

    fn count(&self, shelf: &Shelf) -> usize {
        match &self.shown {
            Shown::All => shelf.len(None),
            Shown::Category(name) => shelf.len(Some(name)),
            Shown::List(i) => self.lists.get(*i).map_or(0, |(_, l)| {
                l.items.iter().filter(|id| shelf.card(id).is_some()).count()
            }),
        }
    }

    fn window(&self, ctx: &Context) -> Window {
        let rows = self.count(&ctx.shelf).div_ceil(columns(ctx));
        Window::of(rows, ROW_HEIGHT, self.offset, grid_height(ctx))
    }

    /// The covers of the rows about to be seen.
    fn covers_near(&self, ctx: &Context) -> Vec<(protocol::MediaHash, Fit)> {
        let cols = columns(ctx);
        let w = self.window(ctx);
        (w.first * cols..w.end * cols)
            .filter_map(|i| self.card_at(&ctx.shelf, i).and_then(|c| c.cover.cloned()))
            .map(|hash| (hash, Fit::COVER))
            .collect()
    }
}

impl Stacked for Library {
    type Message = Message;

    fn find(screen: &mut Screen) -> Option<&mut Library> {
        match screen {
            Screen::Library(s) => Some(s),
            _ => None,
        }
    }

    fn update(&mut self, message: Message, ctx: &Context) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Lists(lists) => self.lists = lists,
            Message::Show(shown) => {
                self.shown = shown;
                self.offset = 0.0;
            }
            Message::Scrolled(offset) => self.offset = offset,
            Message::SideScrolled(offset) => self.side_offset = offset,
            Message::Open(id) => {
                return (Task::none(), Some(Event::Open(Destination::Book(id))));
            }
            Message::Search => {
                return (Task::none(), Some(Event::Open(Destination::Search)));
            }
        }
        (Task::none(), Event::images(self.covers_near(ctx)))
    }
}

/// One book in a grid: fixed size, so the grid can be windowed.
pub fn card_view<'a, M: Clone + 'a>(
    ctx: &'a Context,
    card: CardView<'a>,
    on_press: M,
) -> Element<'a, M> {
    let t = ctx.types();
    let handle = card.cover.and_then(|h| ctx.images.cached(h, Fit::COVER));
    button(
        column![
            widgets::cover(ctx, handle, card.title, CARD_WIDTH - 24.0, COVER_HEIGHT),
            container(text(card.title).size(t.small).font(theme::bold(ctx.font())))
                .height(Length::Fixed(t.small * 2.7))
                .clip(true),
            container(text(card.author).size(t.small * 0.85).color(theme::MUTED))
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

impl Library {
    fn side<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        let s = ctx.strings();
        let t = ctx.types();
        let entry = |label: String, n: usize, shown: Shown| -> Element<'a, Message> {
            let selected = self.shown == shown;
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
            .on_press(Message::Show(shown))
            .into()
        };
        let mut items = column![entry(
            s.library_all.to_owned(),
            ctx.shelf.len(None),
            Shown::All
        )]
        .spacing(10);
        if !self.lists.is_empty() {
            items = items.push(
                text(s.library_lists)
                    .size(t.small)
                    .color(theme::MUTED)
                    .font(theme::bold(ctx.font())),
            );
            for (i, (_, list)) in self.lists.iter().enumerate() {
                items = items.push(entry(list.title.clone(), list.items.len(), Shown::List(i)));
            }
            items = items.push(Space::new().height(8));
        }
        for (name, n) in ctx.shelf.categories() {
            items = items.push(entry(name.to_owned(), n, Shown::Category(name.to_owned())));
        }
        touch_scroll(items.padding([16, 20]), self.side_offset, |v| {
            Message::SideScrolled(v.offset)
        })
        .into()
    }

    pub fn view<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        let s = ctx.strings();
        let t = ctx.types();
        let total = self.count(&ctx.shelf);
        let cols = columns(ctx);
        let rows = total.div_ceil(cols);
        let w = self.window(ctx);
        let mut grid = column![Space::new().height(w.first as f32 * ROW_HEIGHT)];
        let gap = gap_for(grid_width(ctx), cols);
        for r in w.first..w.end {
            let mut line = row![].spacing(gap);
            for i in r * cols..((r + 1) * cols).min(total) {
                if let Some(card) = self.card_at(&ctx.shelf, i) {
                    line = line.push(card_view(ctx, card, Message::Open(card.content_id())));
                }
            }
            grid = grid.push(container(line).height(Length::Fixed(ROW_HEIGHT)));
        }
        grid = grid.push(Space::new().height((rows - w.end.min(rows)) as f32 * ROW_HEIGHT));
        let heading = match &self.shown {
            Shown::All => s.library_all.to_owned(),
            Shown::Category(name) => name.clone(),
            Shown::List(i) => self
                .lists
                .get(*i)
                .map(|(_, l)| l.title.clone())
                .unwrap_or_default(),
        };
        let top = row![
            column![
                text(heading).size(t.heading).font(theme::bold(ctx.font())),
                text(fill(s.library_count, &[&total]))
                    .size(t.small)
                    .color(theme::MUTED),
            ]
            .width(Fill),
            widgets::primary(ctx, s.library_search, Some(Message::Search)),
        ]
        .align_y(Alignment::Center)
        .padding([16, 32]);
        let body: Element<'a, Message> = if ctx.shelf.is_empty() {
            widgets::message(ctx, s.loading)
        } else {
            touch_scroll(container(grid).padding([0, 32]), self.offset, |v| {
                Message::Scrolled(v.offset)
            })
            .into()
        };
        row![
            container(self.side(ctx))
                .width(Length::Fixed(side_width(ctx)))
                .height(Fill),
            column![top, container(body).height(Fill)].width(Fill)
        ]
        .height(Fill)
        .into()
    }
}
