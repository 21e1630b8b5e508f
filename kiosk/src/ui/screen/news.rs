//! News: category chips over a list of articles (pinned first) with covers.

use iced::widget::{button, column, container, row, text};
use iced::{Alignment, Element, Fill, Length, Task};
use protocol::ContentId;
use protocol::content::NewsCategory;

use crate::core::Core;
use crate::ui::app::{App, Message as AppMessage, Screen};
use crate::ui::images::Fit;
use crate::ui::theme;
use crate::ui::touch::touch_scroll;
use crate::ui::widgets;

const ROW_HEIGHT: f32 = 200.0;

pub struct Row {
    pub id: ContentId,
    pub title: String,
    pub summary: String,
    pub pinned: bool,
    pub updated_at: jiff::Timestamp,
    pub cover: Option<protocol::MediaHash>,
}

pub struct State {
    pub category: NewsCategory,
    /// `None` while loading.
    pub rows: Option<Vec<Row>>,
    pub offset: f32,
}

impl State {
    pub fn new(category: NewsCategory) -> State {
        State {
            category,
            rows: None,
            offset: 0.0,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(
        NewsCategory,
        Vec<(protocol::ContentItem, protocol::content::NewsArticle)>,
    ),
    Category(NewsCategory),
    Open(ContentId),
    Scrolled(f32),
}

pub fn load(core: &Core, category: NewsCategory) -> Task<AppMessage> {
    let core = core.clone();
    Task::perform(
        async move { core.news(category).await.unwrap_or_default() },
        move |list| AppMessage::News(Message::Loaded(category, list)),
    )
}

fn state(app: &mut App) -> Option<&mut State> {
    app.screen_mut(|s| match s {
        Screen::News(n) => Some(n),
        _ => None,
    })
}

pub fn update(app: &mut App, message: Message) -> Task<AppMessage> {
    match message {
        Message::Loaded(category, list) => {
            let tasks: Vec<_> = list
                .iter()
                .filter_map(|(_, n)| n.cover.as_ref())
                .map(|h| app.images.want(&app.core, h, Fit::THUMB))
                .collect();
            let rows: Vec<Row> = list
                .into_iter()
                .map(|(item, news)| Row {
                    cover: news.cover,
                    id: item.id,
                    title: news.title,
                    summary: news.summary,
                    pinned: news.pinned,
                    updated_at: item.updated_at,
                })
                .collect();
            if let Some(s) = state(app)
                && s.category == category
            {
                s.rows = Some(rows);
            }
            Task::batch(tasks)
        }
        Message::Category(category) => {
            if let Some(s) = state(app) {
                *s = State::new(category);
            }
            load(&app.core, category)
        }
        Message::Scrolled(offset) => {
            if let Some(s) = state(app) {
                s.offset = offset;
            }
            Task::none()
        }
        Message::Open(id) => {
            app.push(Screen::Article(super::article::State::new(id.clone())));
            super::article::load(&app.core, id)
        }
    }
}

fn row_view<'a>(app: &'a App, r: &'a Row) -> Element<'a, AppMessage> {
    let s = app.strings();
    let t = app.types();
    let mut title = row![].spacing(12).align_y(Alignment::Center);
    if r.pinned {
        title = title.push(
            container(text(s.news_pinned).size(t.small).color(iced::Color::WHITE))
                .padding([2, 10])
                .style(|_: &iced::Theme| container::Style {
                    background: Some(iced::Background::Color(theme::RED)),
                    border: iced::Border {
                        radius: 6.0.into(),
                        ..iced::Border::default()
                    },
                    ..container::Style::default()
                }),
        );
    }
    title = title.push(
        text(r.title.as_str())
            .size(t.heading)
            .font(theme::bold(app.font()))
            .wrapping(text::Wrapping::WordOrGlyph),
    );
    let body = column![
        title,
        text(r.summary.as_str()).size(t.body).color(theme::MUTED),
        text(crate::ui::i18n::fill(
            s.news_published,
            &[&widgets::when(app, r.updated_at)]
        ))
        .size(t.small)
        .color(theme::MUTED),
    ]
    .spacing(8)
    .width(Fill);
    let mut line = row![].spacing(24).align_y(Alignment::Center);
    if let Some(hash) = &r.cover {
        let handle = app.images.cached(hash, Fit::THUMB);
        line = line.push(widgets::cover(app, handle, &r.title, 220.0, 150.0));
    }
    line = line.push(body);
    button(
        container(line)
            .clip(true)
            .height(Length::Fixed(ROW_HEIGHT - 40.0)),
    )
    .width(Fill)
    .padding(20)
    .style(theme::tile)
    .on_press(AppMessage::News(Message::Open(r.id.clone())))
    .into()
}

pub fn view<'a>(app: &'a App, state: &'a State) -> Element<'a, AppMessage> {
    let s = app.strings();
    let t = app.types();
    let mut chips = row![].spacing(12);
    for category in NewsCategory::ALL {
        chips = chips.push(
            button(
                container(text(s.category(category)).size(t.body))
                    .center_y(Length::Fixed(theme::TAP - 8.0)),
            )
            .padding([0, 20])
            .style(theme::chip(category == state.category))
            .on_press(AppMessage::News(Message::Category(category))),
        );
    }
    let chips: Element<'a, AppMessage> = if app.portrait() {
        // Seven chips do not fit across a portrait screen: two rows.
        let mut top = row![].spacing(12);
        let mut bottom = row![].spacing(12);
        for (i, category) in NewsCategory::ALL.into_iter().enumerate() {
            let chip = button(
                container(text(s.category(category)).size(t.body))
                    .center_y(Length::Fixed(theme::TAP - 8.0)),
            )
            .padding([0, 20])
            .style(theme::chip(category == state.category))
            .on_press(AppMessage::News(Message::Category(category)));
            if i < 4 {
                top = top.push(chip);
            } else {
                bottom = bottom.push(chip);
            }
        }
        column![top, bottom].spacing(12).into()
    } else {
        chips.into()
    };
    let list: Element<'a, AppMessage> = match &state.rows {
        None => widgets::message(app, s.loading),
        Some(rows) if rows.is_empty() => widgets::message(app, s.news_empty),
        Some(rows) => touch_scroll(
            column(rows.iter().map(|r| row_view(app, r)))
                .spacing(20)
                .padding([8, 40]),
            state.offset,
            |v| AppMessage::News(Message::Scrolled(v.offset)),
        )
        .into(),
    };
    column![
        widgets::title_bar(app, s.category(state.category), true),
        container(chips).padding([20, 40]),
        container(list).height(Fill)
    ]
    .into()
}
