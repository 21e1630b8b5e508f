//! Home: the org's module tiles under a welcome line, or tiles made from what is cached when
//! the org has no layout. Home is always there, under the stack; it owns the layout and the
//! forms the tiles open.

use iced::widget::{Space, button, column, container, responsive, row, text};
use iced::{Alignment, Color, Element, Fill, Length, Size, Task};
use protocol::ContentItem;
use protocol::content::{FormDefinition, HomeLayout, NewsCategory, Tile, TileAction};

use super::{Destination, Event};
use crate::ui::context::Context;
use crate::ui::i18n::Lang;
use crate::ui::theme::{self, Type};
use crate::ui::touch::touch_scroll;

#[derive(Default)]
pub struct Home {
    layout: Option<HomeLayout>,
    forms: Vec<(ContentItem, FormDefinition)>,
    /// Whether any offering is cached (the tiles without a layout then include 名额预约).
    offerings: bool,
    offset: f32,
    /// Whether the layout has been read once (it is logged when it first arrives or changes).
    loaded: bool,
}

#[derive(Debug, Clone)]
pub enum Message {
    Layout(Option<HomeLayout>),
    Forms(Vec<(ContentItem, FormDefinition)>),
    Offerings(bool),
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
        let core = ctx.core.clone();
        let offerings = Task::perform(
            async move { core.offerings().await.is_ok_and(|o| !o.is_empty()) },
            Message::Offerings,
        );
        Task::batch([layout, forms, offerings])
    }

    /// Home with the org's layout (or that it has none) and the forms already read, as
    /// [`crate::core::Core::startup`] read them: its first frame shows the org's tiles.
    pub fn loaded_with(
        layout: Option<HomeLayout>,
        forms: Vec<(ContentItem, FormDefinition)>,
        offerings: bool,
    ) -> Home {
        let mut home = Home {
            forms,
            offerings,
            ..Home::default()
        };
        home.set_layout(layout);
        home
    }

    fn set_layout(&mut self, layout: Option<HomeLayout>) {
        if layout != self.layout || !self.loaded {
            match &layout {
                Some(l) => tracing::info!(tiles = l.tiles.len(), "home: the org's layout"),
                None => tracing::info!("home: no layout cached, tiles from the cache"),
            }
        }
        self.loaded = true;
        self.layout = layout;
    }

    /// Back at the top, for the next person.
    pub fn scroll_to_top(&mut self) {
        self.offset = 0.0;
    }

    /// Whether the org's layout (or that it has none) has been read once.
    pub fn loaded(&self) -> bool {
        self.loaded
    }

    /// The tiles: the org's layout, or one made from what is cached.
    pub fn tiles(&self) -> Vec<Tile> {
        if let Some(layout) = &self.layout {
            // A tile a newer server offers and this build cannot open is left out; a layout of
            // nothing but those is as good as none.
            let known: Vec<Tile> = layout.tiles.iter().filter_map(known).collect();
            if !known.is_empty() {
                return known;
            }
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
        if self.offerings {
            tiles.push(Tile {
                title: s.tile_places.to_owned(),
                title_en: Some(en.tile_places.to_owned()),
                icon: "places".into(),
                action: TileAction::Places,
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
                self.set_layout(layout);
                None
            }
            Message::Forms(forms) => {
                self.forms = forms;
                None
            }
            Message::Offerings(any) => {
                self.offerings = any;
                None
            }
            Message::Scrolled(offset) => {
                self.offset = offset;
                None
            }
            Message::Open(index) => self
                .tiles()
                .get(index)
                .map(|tile| open(tile, &self.forms, ctx)),
        };
        (Task::none(), event)
    }
}

/// The tile as this build can open it: `None` for a tile of a type it does not know (a newer
/// server's module), a group without those tiles (and none when nothing of it is left).
fn known(tile: &Tile) -> Option<Tile> {
    match &tile.action {
        TileAction::Unknown => None,
        TileAction::Group { tiles } => {
            let tiles: Vec<Tile> = tiles.iter().filter_map(known).collect();
            (!tiles.is_empty()).then(|| Tile {
                action: TileAction::Group { tiles },
                ..tile.clone()
            })
        }
        _ => Some(tile.clone()),
    }
}

/// What a tap on `tile` opens; `forms` are the cached forms a form tile may open.
pub(super) fn open(tile: &Tile, forms: &[(ContentItem, FormDefinition)], ctx: &Context) -> Event {
    let destination = match &tile.action {
        TileAction::News { category } => Destination::News(*category),
        TileAction::Library => Destination::Library,
        TileAction::Form { form_id } => match forms.iter().find(|(item, _)| item.id == *form_id) {
            Some(form) => Destination::Form(Box::new(form.clone())),
            None => return Event::Notice(ctx.strings().tile_unavailable.to_owned()),
        },
        TileAction::Group { .. } => Destination::Group(Box::new((tile.clone(), forms.to_vec()))),
        TileAction::StatusCheck => Destination::StatusCheck,
        TileAction::Places => Destination::Places(None),
        TileAction::BranchPage => Destination::BranchPage,
        TileAction::Competitions => Destination::Competitions,
        TileAction::Quiz => Destination::Quiz,
        TileAction::Proposals => Destination::Proposals,
        TileAction::Polls => Destination::Polls,
        TileAction::Unknown => {
            return Event::Notice(ctx.strings().tile_unavailable.to_owned());
        }
    };
    Event::Open(destination)
}

pub(super) fn tile_title(lang: Lang, tile: &Tile) -> &str {
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
        "places" => '约',
        "home" => '家',
        "democracy" => '民',
        "notice" => '公',
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
            TileAction::Places => '约',
            TileAction::BranchPage => '家',
            TileAction::Competitions => '赛',
            TileAction::Quiz => '答',
            TileAction::Proposals => '提',
            TileAction::Polls => '票',
            TileAction::Group { .. } => '众',
            TileAction::Unknown => '·',
        },
    }
}

const BADGES: [Color; 4] = [
    theme::RED,
    Color::from_rgb8(0xC6, 0x6A, 0x10),
    Color::from_rgb8(0x1F, 0x6F, 0x8B),
    Color::from_rgb8(0x3D, 0x7A, 0x3A),
];

/// How tiles share the area they are given (home's, under the welcome line, or a group's
/// screen): as many rows as fit without scrolling, each tile as tall as the area allows (up to
/// a fifth over the 1080p design's size), more columns on a short screen. When the badge over
/// the title does not fit (many tiles on a short screen) the badge goes beside the title in
/// body type, which still reads from a metre away. Only when even that cannot fit (a very small
/// window, the larger text on a short screen) do the tiles keep a readable size and scroll.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    pub columns: usize,
    pub rows: usize,
    /// One tile's size.
    pub tile: Size,
    pub spacing: f32,
    /// The round badge's diameter.
    pub badge: f32,
    /// The badge beside the title rather than over it.
    pub inline: bool,
    /// The titles' type size.
    pub title: f32,
    /// Whether the tiles need scrolling to be reached.
    pub scrolls: bool,
}

/// Inside a tile: padding around its content and the gap between badge and title.
const TILE_PADDING: f32 = 16.0;
const BADGE_GAP: f32 = 12.0;
const MIN_BADGE: f32 = 56.0;
/// Lines a title may take (an English title wraps).
const TITLE_LINES: f32 = 2.0;

impl Grid {
    /// The grid for `tiles` tiles in `area`, at the window's `scale` with the window's type
    /// sizes. A tile has room for its badge and two lines of title.
    pub fn fit(area: Size, tiles: usize, portrait: bool, scale: f32, t: &Type) -> Grid {
        let tiles = tiles.max(1);
        let spacing = (24.0 * scale).max(12.0).round();
        // Up to a fifth taller than the 1080p design, so the tiles use a tall or short screen.
        let max_height = if portrait { 300.0 } else { 230.0 } * scale.max(1.0) * 1.2;
        let base = if portrait { 3 } else { 4 };
        let shape = |columns: usize| {
            let rows = tiles.div_ceil(columns);
            let height = (area.height - (rows - 1) as f32 * spacing) / rows as f32;
            let width = (area.width - (columns - 1) as f32 * spacing) / columns as f32;
            (rows, width, height)
        };
        let lines = |size: f32| TITLE_LINES * size * 1.3;
        // Badge over the title, in heading type.
        let stacked = (
            (MIN_BADGE + BADGE_GAP + lines(t.heading) + 2.0 * TILE_PADDING).ceil(),
            4.0 * t.heading + 2.0 * TILE_PADDING,
        );
        // Badge beside the title, in body type: a title of five characters beside it.
        let inline_badge = (1.8 * t.body).round();
        let inline = (
            (inline_badge.max(lines(t.body)) + 2.0 * TILE_PADDING).ceil(),
            inline_badge + BADGE_GAP + 5.0 * t.body + 2.0 * TILE_PADDING,
        );
        let fits = [(false, stacked), (true, inline)].into_iter().find_map(
            |(is_inline, (min_height, min_width))| {
                (base..=base + 3).find_map(|columns| {
                    let (rows, width, height) = shape(columns);
                    (height >= min_height && width >= min_width)
                        .then_some((is_inline, columns, rows, width, height))
                })
            },
        );
        let (inline, columns, rows, width, height, scrolls) = match fits {
            Some((inline, columns, rows, width, height)) => (
                inline,
                columns,
                rows,
                width,
                height.min(max_height).floor(),
                false,
            ),
            None => {
                let (rows, width, _) = shape(base);
                (false, base, rows, width, stacked.0, true)
            }
        };
        let (badge, title) = if inline {
            let room = (height - 2.0 * TILE_PADDING).min(width / 3.0);
            ((72.0 * scale).min(room).max(inline_badge).round(), t.body)
        } else {
            let room = height - 2.0 * TILE_PADDING - BADGE_GAP - lines(t.heading);
            ((96.0 * scale).min(room).max(MIN_BADGE).round(), t.heading)
        };
        Grid {
            columns,
            rows,
            tile: Size::new(width.floor(), height),
            spacing,
            badge,
            inline,
            title,
            scrolls,
        }
    }

    /// The grid for `tiles` in `area` on this window.
    pub fn for_window(ctx: &Context, area: Size, tiles: usize) -> Grid {
        Grid::fit(area, tiles, ctx.portrait(), ctx.scale(), &ctx.types())
    }
}

impl Home {
    pub fn view<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        let s = ctx.strings();
        let t = ctx.types();
        let k = ctx.scale();
        let welcome = column![
            text(s.home_welcome)
                .size(t.title)
                .font(theme::bold(ctx.font())),
            text(s.home_hint).size(t.body).color(theme::MUTED),
        ]
        .spacing(8);
        let grid = responsive(move |area| {
            tiles_view(
                ctx,
                self.tiles(),
                area,
                self.offset,
                Message::Open,
                Message::Scrolled,
            )
        });
        column![welcome, grid]
            .spacing((32.0 * k).round())
            .padding([(32.0 * k).round(), (40.0 * k).round()])
            .into()
    }
}

/// `tiles` laid out in `area` as [`Grid`] says, each tap `open(its index)`.
pub(super) fn tiles_view<'a, M: Clone + 'a>(
    ctx: &Context,
    tiles: Vec<Tile>,
    area: Size,
    offset: f32,
    open: fn(usize) -> M,
    scrolled: fn(f32) -> M,
) -> Element<'a, M> {
    let g = Grid::for_window(ctx, area, tiles.len());
    let mut grid = column![].spacing(g.spacing);
    for (r, chunk) in tiles.chunks(g.columns).enumerate() {
        let mut line = row![].spacing(g.spacing);
        for (c, tile) in chunk.iter().enumerate() {
            let index = r * g.columns + c;
            line = line.push(tile_view(ctx, index, tile, &g, open(index)));
        }
        for _ in chunk.len()..g.columns {
            line = line.push(Space::new().width(Fill));
        }
        grid = grid.push(line);
    }
    if g.scrolls {
        touch_scroll(grid, offset, move |v| scrolled(v.offset)).into()
    } else {
        grid.into()
    }
}

fn tile_view<'a, M: Clone + 'a>(
    ctx: &Context,
    index: usize,
    tile: &Tile,
    grid: &Grid,
    on_press: M,
) -> Element<'a, M> {
    let color = BADGES[index % BADGES.len()];
    let radius = grid.badge / 2.0;
    let badge = container(
        text(glyph(tile).to_string())
            .size(radius.round())
            .font(theme::bold(ctx.font()))
            .color(Color::WHITE),
    )
    .center(Length::Fixed(grid.badge))
    .style(move |_: &iced::Theme| container::Style {
        background: Some(iced::Background::Color(color)),
        border: iced::Border {
            radius: radius.into(),
            ..iced::Border::default()
        },
        ..container::Style::default()
    });
    let title = text(tile_title(ctx.lang, tile).to_owned())
        .size(grid.title)
        .font(theme::bold(ctx.font()));
    let content: Element<'a, M> = if grid.inline {
        row![badge, title.width(Fill)]
            .spacing(BADGE_GAP)
            .align_y(Alignment::Center)
            .into()
    } else {
        column![badge, title.align_x(Alignment::Center)]
            .spacing(BADGE_GAP)
            .align_x(Alignment::Center)
            .width(Fill)
            .into()
    };
    button(container(content).center_y(Fill))
        .width(Fill)
        .height(Length::Fixed(grid.tile.height))
        .padding(TILE_PADDING)
        .style(theme::tile)
        .on_press(on_press)
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tile_from_a_newer_server_is_left_out_and_the_rest_show() {
        let layout: HomeLayout = serde_json::from_str(
            r#"{"tiles":[
                {"title":"健步走","action":{"type":"walking_challenge","challenge_id":"w1"}},
                {"title":"职工书屋","action":{"type":"library"}},
                {"title":"办理进度","action":{"type":"status_check"}}
            ]}"#,
        )
        .expect("a layout with a tile type this build does not know still reads");
        let home = Home::loaded_with(Some(layout), Vec::new(), false);
        let titles: Vec<String> = home.tiles().into_iter().map(|t| t.title).collect();
        assert_eq!(titles, ["职工书屋", "办理进度"]);

        let only_new: HomeLayout = serde_json::from_str(
            r#"{"tiles":[{"title":"健步走","action":{"type":"walking_challenge","challenge_id":"w1"}}]}"#,
        )
        .expect("reads");
        let home = Home::loaded_with(Some(only_new), Vec::new(), false);
        let tiles = home.tiles();
        assert!(
            tiles.iter().any(|t| t.action == TileAction::StatusCheck),
            "the built-in tiles, not an empty home: {tiles:?}"
        );
    }
}
