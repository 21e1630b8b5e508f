//! Home: the org's module tiles under a welcome line, or tiles made from what is cached when
//! the org has no layout. Home is always there, under the stack; it owns the layout and the
//! forms the tiles open.

use iced::widget::{Space, button, column, container, row, text};
use iced::{Alignment, Color, Element, Fill, Length, Task};
use protocol::ContentItem;
use protocol::content::{FormDefinition, HomeLayout, NewsCategory, Tile, TileAction};

use super::{Destination, Event};
use crate::ui::context::Context;
use crate::ui::i18n::Lang;
use crate::ui::theme;
use crate::ui::touch::touch_scroll;

#[derive(Default)]
pub struct Home {
    layout: Option<HomeLayout>,
    forms: Vec<(ContentItem, FormDefinition)>,
    offset: f32,
    /// Whether the layout has been read once (it is logged when it first arrives or changes).
    loaded: bool,
}

#[derive(Debug, Clone)]
pub enum Message {
    Layout(Option<HomeLayout>),
    Forms(Vec<(ContentItem, FormDefinition)>),
    /// A tile, by its place in [`Home::tiles`].
    Open(usize),
    Scrolled(f32),
}

impl Home {
    /// Loads (again) the org's layout and the forms.
    pub fn load(ctx: &Context) -> Task<Message> {
        let layout = {
            let core = ctx.core.clone();
            Task::perform(
                async move {
                    core.home_layout().await.unwrap_or_else(|e| {
                        tracing::warn!(error = %e, "cannot read the home layout");
                        None
                    })
                },
                Message::Layout,
            )
        };
        let core = ctx.core.clone();
        let forms = Task::perform(
            async move { core.forms().await.unwrap_or_default() },
            Message::Forms,
        );
        Task::batch([layout, forms])
    }

    /// Back at the top, for the next person.
    pub fn scroll_to_top(&mut self) {
        self.offset = 0.0;
    }

    /// The tiles: the org's layout, or one made from what is cached.
    pub fn tiles(&self) -> Vec<Tile> {
        if let Some(layout) = &self.layout {
            return layout.tiles.clone();
        }
        let s = Lang::Zh.strings();
        let en = Lang::En.strings();
        let mut tiles: Vec<Tile> = NewsCategory::ALL
            .iter()
            .map(|&category| Tile {
                title: s.category(category).to_owned(),
                title_en: Some(en.category(category).to_owned()),
                icon: String::new(),
                action: TileAction::News { category },
            })
            .collect();
        tiles.insert(
            1,
            Tile {
                title: s.library_title.to_owned(),
                title_en: Some(en.library_title.to_owned()),
                icon: "book".into(),
                action: TileAction::Library,
            },
        );
        for (item, form) in &self.forms {
            tiles.push(Tile {
                title: form.title.clone(),
                title_en: form.title_en.clone(),
                icon: String::new(),
                action: TileAction::Form {
                    form_id: item.id.clone(),
                },
            });
        }
        tiles.push(Tile {
            title: s.tile_status_check.to_owned(),
            title_en: Some(en.tile_status_check.to_owned()),
            icon: "status".into(),
            action: TileAction::StatusCheck,
        });
        tiles
    }

    pub fn update(&mut self, message: Message, ctx: &Context) -> (Task<Message>, Option<Event>) {
        let event = match message {
            Message::Layout(layout) => {
                if layout != self.layout || !self.loaded {
                    match &layout {
                        Some(l) => tracing::info!(tiles = l.tiles.len(), "home: the org's layout"),
                        None => tracing::info!("home: no layout cached, tiles from the cache"),
                    }
                }
                self.loaded = true;
                self.layout = layout;
                None
            }
            Message::Forms(forms) => {
                self.forms = forms;
                None
            }
            Message::Scrolled(offset) => {
                self.offset = offset;
                None
            }
            Message::Open(index) => self
                .tiles()
                .get(index)
                .map(|tile| self.open(&tile.action, ctx)),
        };
        (Task::none(), event)
    }

    fn open(&self, action: &TileAction, ctx: &Context) -> Event {
        let destination = match action {
            TileAction::News { category } => Destination::News(*category),
            TileAction::Library => Destination::Library,
            TileAction::Form { form_id } => {
                match self.forms.iter().find(|(item, _)| item.id == *form_id) {
                    Some(form) => Destination::Form(Box::new(form.clone())),
                    None => return Event::Notice(ctx.strings().tile_unavailable.to_owned()),
                }
            }
            TileAction::StatusCheck => Destination::StatusCheck,
        };
        Event::Open(destination)
    }
}

fn tile_title(lang: Lang, tile: &Tile) -> &str {
    match (lang, &tile.title_en) {
        (Lang::En, Some(en)) => en,
        _ => &tile.title,
    }
}

/// The glyph drawn in a tile's badge, from the tile's icon name (or what it opens).
fn glyph(tile: &Tile) -> char {
    match tile.icon.as_str() {
        "news" => '讯',
        "policy" => '法',
        "book" => '书',
        "join" => '会',
        "heart" => '助',
        "bulb" => '策',
        "activity" => '动',
        "training" => '学',
        "women" => '女',
        "feedback" => '言',
        "award" | "awards" => '优',
        "status" => '查',
        _ => match &tile.action {
            TileAction::News { category } => match category {
                NewsCategory::Policy => '法',
                NewsCategory::UnionNews => '讯',
                NewsCategory::Activities => '动',
                NewsCategory::Training => '学',
                NewsCategory::WomenWorkers => '女',
                NewsCategory::Awards => '优',
                NewsCategory::DemocraticManagement => '言',
            },
            TileAction::Library => '书',
            TileAction::Form { .. } => '表',
            TileAction::StatusCheck => '查',
        },
    }
}

const BADGES: [Color; 4] = [
    theme::RED,
    Color::from_rgb8(0xC6, 0x6A, 0x10),
    Color::from_rgb8(0x1F, 0x6F, 0x8B),
    Color::from_rgb8(0x3D, 0x7A, 0x3A),
];

impl Home {
    pub fn view<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        let s = ctx.strings();
        let t = ctx.types();
        let tiles = self.tiles();
        let columns = if ctx.portrait() { 3 } else { 4 };
        let height = if ctx.portrait() { 300.0 } else { 230.0 };
        let mut grid = column![].spacing(24);
        for (r, chunk) in tiles.chunks(columns).enumerate() {
            let mut line = row![].spacing(24);
            for (c, tile) in chunk.iter().enumerate() {
                line = line.push(tile_view(ctx, r * columns + c, tile, height));
            }
            for _ in chunk.len()..columns {
                line = line.push(Space::new().width(Fill));
            }
            grid = grid.push(line);
        }
        let welcome = column![
            text(s.home_welcome)
                .size(t.title)
                .font(theme::bold(ctx.font())),
            text(s.home_hint).size(t.body).color(theme::MUTED),
        ]
        .spacing(8);
        touch_scroll(
            column![welcome, grid].spacing(32).padding([32, 40]),
            self.offset,
            |v| Message::Scrolled(v.offset),
        )
        .into()
    }
}

fn tile_view<'a>(ctx: &Context, index: usize, tile: &Tile, height: f32) -> Element<'a, Message> {
    let t = ctx.types();
    let color = BADGES[index % BADGES.len()];
    let title = tile_title(ctx.lang, tile).to_owned();
    let badge = container(
        text(glyph(tile).to_string())
            .size(48)
            .font(theme::bold(ctx.font()))
            .color(Color::WHITE),
    )
    .center(Length::Fixed(96.0))
    .style(move |_: &iced::Theme| container::Style {
        background: Some(iced::Background::Color(color)),
        border: iced::Border {
            radius: 48.0.into(),
            ..iced::Border::default()
        },
        ..container::Style::default()
    });
    button(
        container(
            column![
                badge,
                text(title)
                    .size(t.heading)
                    .font(theme::bold(ctx.font()))
                    .align_x(Alignment::Center)
            ]
            .spacing(18)
            .align_x(Alignment::Center)
            .width(Fill),
        )
        .center_y(Fill),
    )
    .width(Fill)
    .height(Length::Fixed(height))
    .padding(16)
    .style(theme::tile)
    .on_press(Message::Open(index))
    .into()
}
