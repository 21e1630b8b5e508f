//! Home: the org's module tiles under a welcome line.

use iced::widget::{Space, button, column, container, row, text};
use iced::{Alignment, Color, Element, Fill, Length};
use protocol::content::{NewsCategory, Tile, TileAction};

use crate::ui::app::{App, Message};
use crate::ui::theme;
use crate::ui::widgets;

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

pub fn view(app: &App) -> Element<'_, Message> {
    let s = app.strings();
    let t = app.types();
    let tiles = app.tiles();
    let columns = if app.portrait() { 3 } else { 4 };
    let height = if app.portrait() { 300.0 } else { 230.0 };
    let mut grid = column![].spacing(24);
    for (r, chunk) in tiles.chunks(columns).enumerate() {
        let mut line = row![].spacing(24);
        for (c, tile) in chunk.iter().enumerate() {
            line = line.push(owned_tile(app, r * columns + c, tile.clone(), height));
        }
        for _ in chunk.len()..columns {
            line = line.push(Space::new().width(Fill));
        }
        grid = grid.push(line);
    }
    let welcome = column![
        text(s.home_welcome)
            .size(t.title)
            .font(theme::bold(app.font())),
        text(s.home_hint).size(t.body).color(theme::MUTED),
    ]
    .spacing(8);
    column![
        widgets::title_bar(app, s.app_name, false),
        container(crate::ui::touch::touch_scroll(
            column![welcome, grid].spacing(32).padding([32, 40]),
            app.home_offset,
            |v| Message::HomeScrolled(v.offset)
        ))
        .height(Fill)
    ]
    .into()
}

fn owned_tile(app: &App, index: usize, tile: Tile, height: f32) -> Element<'_, Message> {
    let t = app.types();
    let color = BADGES[index % BADGES.len()];
    let title = app.tile_title(&tile).to_owned();
    let badge = container(
        text(glyph(&tile).to_string())
            .size(48)
            .font(theme::bold(app.font()))
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
                    .font(theme::bold(app.font()))
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
    .on_press(Message::OpenTile(index))
    .into()
}
