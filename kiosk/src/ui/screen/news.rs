//! News: category chips over a list of articles (pinned first) with covers.

use iced::widget::{button, column, container, row, text};
use iced::{Alignment, Element, Fill, Length, Task};
use protocol::ContentId;
use protocol::content::NewsCategory;

use super::{Destination, Event, Screen, Stacked};
use crate::core::Core;
use crate::sync::SyncEvent;
use crate::ui::context::Context;
use crate::ui::images::Fit;
use crate::ui::theme;
use crate::ui::touch::touch_scroll;
use crate::ui::widgets;

const ROW_HEIGHT: f32 = 200.0;

/// One article in the list.
struct Row {
    id: ContentId,
    title: String,
    summary: String,
    pinned: bool,
    updated_at: jiff::Timestamp,
    cover: Option<protocol::MediaHash>,
}

pub struct News {
    category: NewsCategory,
    /// `None` while loading.
    rows: Option<Vec<Row>>,
    offset: f32,
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

fn load(core: &Core, category: NewsCategory) -> Task<Message> {
    let core = core.clone();
    Task::perform(
        async move { core.news(category).await.unwrap_or_default() },
        move |list| Message::Loaded(category, list),
    )
}

impl News {
    /// The list of `category`, and the task that loads it.
    pub fn new(category: NewsCategory, ctx: &Context) -> (News, Task<Message>) {
        let news = News {
            category,
            rows: None,
            offset: 0.0,
        };
        (news, load(&ctx.core, category))
    }

    pub fn title(&self, ctx: &Context) -> &'static str {
        ctx.strings().category(self.category)
    }

    /// Content changed on a sync: the list loads again.
    pub fn on_sync(&self, event: &SyncEvent, ctx: &Context) -> Task<Message> {
        match event {
            SyncEvent::Synced(summary) if summary.upserts + summary.deletes > 0 => {
                load(&ctx.core, self.category)
            }
            _ => Task::none(),
        }
    }
}

impl Stacked for News {
    type Message = Message;

    fn find(screen: &mut Screen) -> Option<&mut News> {
        match screen {
            Screen::News(s) => Some(s),
            _ => None,
        }
    }

    fn update(&mut self, message: Message, ctx: &Context) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Loaded(category, list) => {
                let covers = list
                    .iter()
                    .filter_map(|(_, n)| n.cover.clone())
                    .map(|h| (h, Fit::THUMB))
                    .collect();
                if self.category == category {
                    self.rows = Some(
                        list.into_iter()
                            .map(|(item, news)| Row {
                                cover: news.cover,
                                id: item.id,
                                title: news.title,
                                summary: news.summary,
                                pinned: news.pinned,
                                updated_at: item.updated_at,
                            })
                            .collect(),
                    );
                }
                (Task::none(), Event::images(covers))
            }
            Message::Category(category) => {
                let (news, task) = News::new(category, ctx);
                *self = news;
                (task, None)
            }
            Message::Scrolled(offset) => {
                self.offset = offset;
                (Task::none(), None)
            }
            Message::Open(id) => (Task::none(), Some(Event::Open(Destination::Article(id)))),
        }
    }
}

fn row_view<'a>(ctx: &'a Context, r: &'a Row) -> Element<'a, Message> {
    let s = ctx.strings();
    let t = ctx.types();
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
            .font(theme::bold(ctx.font()))
            .wrapping(text::Wrapping::WordOrGlyph),
    );
    let body = column![
        title,
        text(r.summary.as_str()).size(t.body).color(theme::MUTED),
        text(crate::ui::i18n::fill(
            s.news_published,
            &[&widgets::when(s, r.updated_at)]
        ))
        .size(t.small)
        .color(theme::MUTED),
    ]
    .spacing(8)
    .width(Fill);
    let mut line = row![].spacing(24).align_y(Alignment::Center);
    if let Some(hash) = &r.cover {
        let handle = ctx.images.cached(hash, Fit::THUMB);
        line = line.push(widgets::cover(ctx, handle, &r.title, 220.0, 150.0));
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
    .on_press(Message::Open(r.id.clone()))
    .into()
}

impl News {
    pub fn view<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        let s = ctx.strings();
        let t = ctx.types();
        let chip = |category: NewsCategory| {
            button(
                container(text(s.category(category)).size(t.body))
                    .center_y(Length::Fixed(theme::TAP - 8.0)),
            )
            .padding([0, 20])
            .style(theme::chip(category == self.category))
            .on_press(Message::Category(category))
        };
        let chips: Element<'a, Message> = if ctx.portrait() {
            // Seven chips do not fit across a portrait screen: two rows.
            column![
                row(NewsCategory::ALL[..4].iter().map(|&c| chip(c).into())).spacing(12),
                row(NewsCategory::ALL[4..].iter().map(|&c| chip(c).into())).spacing(12),
            ]
            .spacing(12)
            .into()
        } else {
            row(NewsCategory::ALL.into_iter().map(|c| chip(c).into()))
                .spacing(12)
                .into()
        };
        let list: Element<'a, Message> = match &self.rows {
            None => widgets::message(ctx, s.loading),
            Some(rows) if rows.is_empty() => widgets::message(ctx, s.news_empty),
            Some(rows) => touch_scroll(
                column(rows.iter().map(|r| row_view(ctx, r)))
                    .spacing(20)
                    .padding([8, 40]),
                self.offset,
                |v| Message::Scrolled(v.offset),
            )
            .into(),
        };
        column![
            container(chips).padding([20, 40]),
            container(list).height(Fill)
        ]
        .into()
    }
}
