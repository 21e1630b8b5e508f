//! The article reader: title, cover, the Markdown body with its images, a text-size toggle,
//! and a QR code for the phone link when the article has one.

use iced::widget::{Space, column, container, image, qr_code, rich_text, row, span, text};
use iced::{Alignment, ContentFit, Element, Fill, Length, Task};
use protocol::ContentId;

use crate::core::{Article, Core};
use crate::ui::app::{App, Message as AppMessage, Screen};
use crate::ui::images::Fit;
use crate::ui::markdown::{self, Block};
use crate::ui::theme;
use crate::ui::touch::touch_scroll;
use crate::ui::widgets;

/// Reader text sizes, cycled by the toggle.
const SCALES: [f32; 3] = [1.0, 1.25, 1.5];

pub struct State {
    pub id: ContentId,
    pub loaded: Option<Loaded>,
    pub failed: bool,
    pub offset: f32,
    pub scale: usize,
}

pub struct Loaded {
    pub article: Article,
    pub cover: Option<protocol::MediaHash>,
    pub blocks: Vec<Block>,
    pub qr: Option<qr_code::Data>,
}

impl State {
    pub fn new(id: ContentId) -> State {
        State {
            id,
            loaded: None,
            failed: false,
            offset: 0.0,
            scale: 0,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(ContentId, Option<Box<Article>>),
    TextSize,
    Scrolled(f32),
}

pub fn load(core: &Core, id: ContentId) -> Task<AppMessage> {
    let core = core.clone();
    Task::perform(
        async move {
            let article = core.article(id.clone()).await.ok().flatten();
            (id, article.map(Box::new))
        },
        |(id, article)| AppMessage::Article(Message::Loaded(id, article)),
    )
}

fn state(app: &mut App) -> Option<&mut State> {
    app.screen_mut(|s| match s {
        Screen::Article(a) => Some(a),
        _ => None,
    })
}

pub fn update(app: &mut App, message: Message) -> Task<AppMessage> {
    match message {
        Message::Loaded(id, article) => {
            let mut tasks = Vec::new();
            let loaded = article.map(|article| {
                let cover = article.news.cover.clone();
                let blocks = markdown::parse(&article.news.body_markdown);
                for hash in cover.iter().chain(blocks.iter().filter_map(|b| match b {
                    Block::Image(hash, _) => Some(hash),
                    _ => None,
                })) {
                    let fit = if Some(hash) == cover.as_ref() {
                        Fit::ARTICLE_COVER
                    } else {
                        Fit::ARTICLE
                    };
                    tasks.push(app.images.want(&app.core, hash, fit));
                }
                let qr = article
                    .news
                    .phone_link
                    .as_ref()
                    .and_then(|u| qr_code::Data::new(u.as_str()).ok());
                Loaded {
                    article: *article,
                    cover,
                    blocks,
                    qr,
                }
            });
            if let Some(s) = state(app)
                && s.id == id
            {
                s.failed = loaded.is_none();
                s.loaded = loaded;
            }
            Task::batch(tasks)
        }
        Message::TextSize => {
            if let Some(s) = state(app) {
                s.scale = (s.scale + 1) % SCALES.len();
            }
            Task::none()
        }
        Message::Scrolled(offset) => {
            if let Some(s) = state(app) {
                s.offset = offset;
            }
            Task::none()
        }
    }
}

fn block_view<'a>(app: &'a App, block: &'a Block, k: f32) -> Element<'a, AppMessage> {
    let t = app.types();
    let font = app.font();
    let spans_of = |spans: &'a [markdown::Span]| {
        let spans: Vec<text::Span<'a, (), iced::Font>> = spans
            .iter()
            .map(|s| {
                let mut sp = span(s.text.as_str());
                if s.bold {
                    sp = sp.font(theme::bold(font));
                }
                if s.link {
                    sp = sp.underline(true).color(theme::RED_DARK);
                }
                sp
            })
            .collect();
        rich_text(spans)
            .size(t.body * k)
            .line_height(1.6)
            .width(Fill)
    };
    match block {
        Block::Heading(level, title) => text(title.as_str())
            .size(
                match level {
                    1 => t.title,
                    2 => t.heading * 1.1,
                    _ => t.heading,
                } * k,
            )
            .font(theme::bold(font))
            .into(),
        Block::Paragraph(spans) => spans_of(spans).into(),
        Block::Item(marker, spans) => row![
            text(marker.as_str())
                .size(t.body * k)
                .width(Length::Fixed(48.0 * k)),
            spans_of(spans)
        ]
        .into(),
        Block::Image(hash, caption) => {
            let mut col = column![].spacing(8).align_x(Alignment::Center);
            if let Some(h) = app.images.cached(hash, Fit::ARTICLE) {
                col = col.push(
                    image(h)
                        .width(Fill)
                        .height(Length::Fixed(520.0))
                        .content_fit(ContentFit::Contain),
                );
            }
            if !caption.is_empty() {
                col = col.push(text(caption.as_str()).size(t.small).color(theme::MUTED));
            }
            col.into()
        }
    }
}

pub fn view<'a>(app: &'a App, state: &'a State) -> Element<'a, AppMessage> {
    let s = app.strings();
    let t = app.types();
    let Some(loaded) = &state.loaded else {
        let body = if state.failed {
            s.load_failed
        } else {
            s.loading
        };
        return column![
            widgets::title_bar(app, s.news_title, true),
            widgets::message(app, body)
        ]
        .into();
    };
    let k = SCALES[state.scale];
    let news = &loaded.article.news;
    let mut body = column![
        text(news.title.as_str())
            .size(t.title * k)
            .font(theme::bold(app.font())),
        text(crate::ui::i18n::fill(
            s.news_published,
            &[&widgets::when(app, loaded.article.item.updated_at)]
        ))
        .size(t.small)
        .color(theme::MUTED),
    ]
    .spacing(24)
    .max_width(1100);
    if let Some(cover) = loaded
        .cover
        .as_ref()
        .and_then(|h| app.images.cached(h, Fit::ARTICLE_COVER))
    {
        body = body.push(
            image(cover)
                .width(Fill)
                .height(Length::Fixed(460.0))
                .content_fit(ContentFit::Contain),
        );
    }
    for block in &loaded.blocks {
        body = body.push(block_view(app, block, k));
    }
    body = body.push(Space::new().height(80));
    let reader = container(touch_scroll(
        container(body).center_x(Fill).padding([32, 48]),
        state.offset,
        |v| AppMessage::Article(Message::Scrolled(v.offset)),
    ))
    .height(Fill)
    .width(Fill);
    let size_button = widgets::action(
        app,
        &format!("{} {}", s.news_text_size, ["A", "A+", "A++"][state.scale]),
        Some(AppMessage::Article(Message::TextSize)),
        false,
    );
    let side: Element<'a, AppMessage> = {
        let mut side = column![size_button].spacing(32).align_x(Alignment::Center);
        if let Some(qr) = &loaded.qr {
            side = side.push(widgets::qr(app, qr, s.news_scan));
        }
        side.into()
    };
    let content: Element<'a, AppMessage> = if app.portrait() {
        column![container(side).padding([16, 40]), reader].into()
    } else {
        row![
            reader,
            container(side).padding(32).width(Length::Fixed(340.0))
        ]
        .into()
    };
    let title = s.category(news.category);
    column![
        widgets::title_bar(app, title, true),
        container(content)
            .height(Fill)
            .style(|_: &iced::Theme| container::Style::default())
    ]
    .into()
}
