//! A module of several parts (民主管理: polls, proposals and its news), opened from its home
//! tile: the group's own tiles, laid out as home lays out its own, each opening what it would
//! open on home.

use iced::widget::{column, responsive};
use iced::{Element, Task};
use protocol::ContentItem;
use protocol::content::{FormDefinition, Tile, TileAction};

use super::home::{open, tiles_view};
use super::{Event, Screen, Stacked};
use crate::ui::context::Context;

/// A group's screen.
pub struct Group {
    /// The group's tile on home: its title is the screen's.
    group: Tile,
    tiles: Vec<Tile>,
    /// The cached forms a form tile of the group may open.
    forms: Vec<(ContentItem, FormDefinition)>,
    offset: f32,
}

#[derive(Debug, Clone)]
pub enum Message {
    /// A tile, by its place in [`Group::tiles`].
    Open(usize),
    Scrolled(f32),
}

impl Group {
    pub fn new(group: Tile, forms: Vec<(ContentItem, FormDefinition)>) -> Group {
        let tiles = match &group.action {
            TileAction::Group { tiles } => tiles.clone(),
            _ => vec![group.clone()],
        };
        Group {
            group,
            tiles,
            forms,
            offset: 0.0,
        }
    }

    /// The group's title in the kiosk's language.
    pub fn title<'a>(&'a self, ctx: &Context) -> &'a str {
        super::home::tile_title(ctx.lang, &self.group)
    }

    /// The group's tiles, in order.
    pub fn tiles(&self) -> &[Tile] {
        &self.tiles
    }

    pub fn view<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        let k = ctx.scale();
        column![responsive(move |area| {
            tiles_view(
                ctx,
                self.tiles.clone(),
                area,
                self.offset,
                Message::Open,
                Message::Scrolled,
            )
        })]
        .padding([(32.0 * k).round(), (40.0 * k).round()])
        .into()
    }
}

impl Stacked for Group {
    type Message = Message;

    fn find(screen: &mut Screen) -> Option<&mut Group> {
        match screen {
            Screen::Group(s) => Some(s),
            _ => None,
        }
    }

    fn update(&mut self, message: Message, ctx: &Context) -> (Task<Message>, Option<Event>) {
        let event = match message {
            Message::Open(index) => self
                .tiles
                .get(index)
                .map(|tile| open(tile, &self.forms, ctx)),
            Message::Scrolled(offset) => {
                self.offset = offset;
                None
            }
        };
        (Task::none(), event)
    }
}
