//! The article reader: title, cover, the Markdown body with its images, a text-size toggle,
//! and a QR code for the phone link when the article has one.

use iced::widget::{Space, column, container, image, qr_code, rich_text, row, span, text};
use iced::{Alignment, ContentFit, Element, Fill, Length, Task};
use protocol::{ContentId, MediaHash};

use super::{Event, Screen, Stacked};
use crate::core::{Article, Core};
use crate::ui::context::Context;
use crate::ui::images::Fit;
use crate::ui::markdown::{self, Block};
use crate::ui::theme;
use crate::ui::touch::touch_scroll;
use crate::ui::widgets;

/// Reader text sizes, cycled by the toggle.
const SCALES: [f32; 3] = [1.0, 1.25, 1.5];

/// The reader of one article.
pub struct Reader {
    id: ContentId,
    loaded: Option<Loaded>,
    failed: bool,
    offset: f32,
    scale: usize,
}

struct Loaded {
    article: Article,
    cover: Option<MediaHash>,
    blocks: Vec<Block>,
    qr: Option<qr_code::Data>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(ContentId, Option<Box<Article>>),
    TextSize,
    Scrolled(f32),
}

fn load(core: &Core, id: ContentId) -> Task<Message> {
    let core = core.clone();
    Task::perform(
        async move {
            let article = core.article(id.clone()).await.ok().flatten();
            (id, article.map(Box::new))
        },
        |(id, article)| Message::Loaded(id, article),
    )
}

/// The images an article shows, each at the size it is drawn: the cover, and the body's.
fn images_of(cover: Option<&MediaHash>, blocks: &[Block]) -> Vec<(MediaHash, Fit)> {
    let body = blocks.iter().filter_map(|b| match b {
        Block::Image(hash, _) => Some((hash.clone(), Fit::ARTICLE)),
        _ => None,
    });
    cover
        .map(|h| (h.clone(), Fit::ARTICLE_COVER))
        .into_iter()
        .chain(body)
        .collect()
}

impl Reader {
    /// The reader of `id`, and the task that loads the article.
    pub fn new(id: ContentId, ctx: &Context) -> (Reader, Task<Message>) {
        let task = load(&ctx.core, id.clone());
        let reader = Reader {
            id,
            loaded: None,
            failed: false,
            offset: 0.0,
            scale: 0,
        };
        (reader, task)
    }

    /// The article's category once loaded.
    pub fn title(&self, ctx: &Context) -> &'static str {
        let s = ctx.strings();
        match &self.loaded {
            Some(loaded) => s.category(loaded.article.news.category),
            None => s.news_title,
        }
    }
}

impl Stacked for Reader {
    type Message = Message;

    fn find(screen: &mut Screen) -> Option<&mut Reader> {
        match screen {
            Screen::Article(s) => Some(s),
            _ => None,
        }
    }

    fn update(&mut self, message: Message, _: &Context) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Loaded(id, article) => {
                let mut wanted = Vec::new();
                let loaded = article.map(|article| {
                    let cover = article.news.cover.clone();
                    let blocks = markdown::parse(&article.news.body_markdown);
                    wanted = images_of(cover.as_ref(), &blocks);
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
                if self.id == id {
                    self.failed = loaded.is_none();
                    self.loaded = loaded;
                }
                (Task::none(), Event::images(wanted))
            }
            Message::TextSize => {
                self.scale = (self.scale + 1) % SCALES.len();
                (Task::none(), None)
            }
            Message::Scrolled(offset) => {
                self.offset = offset;
                (Task::none(), None)
            }
        }
    }
}

fn block_view<'a>(ctx: &'a Context, block: &'a Block, k: f32) -> Element<'a, Message> {
    let t = ctx.types();
    let font = ctx.font();
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
            if let Some(h) = ctx.images.cached(hash, Fit::ARTICLE) {
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

impl Reader {
    pub fn view<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        let s = ctx.strings();
        let t = ctx.types();
        let Some(loaded) = &self.loaded else {
            let body = if self.failed {
                s.load_failed
            } else {
                s.loading
            };
            return widgets::message(ctx, body);
        };
        let k = SCALES[self.scale];
        let news = &loaded.article.news;
        let mut body = column![
            text(news.title.as_str())
                .size(t.title * k)
                .font(theme::bold(ctx.font())),
            text(crate::ui::i18n::fill(
                s.news_published,
                &[&widgets::when(s, loaded.article.item.updated_at)]
            ))
            .size(t.small)
            .color(theme::MUTED),
        ]
        .spacing(24)
        .max_width(1100);
        if let Some(cover) = loaded
            .cover
            .as_ref()
            .and_then(|h| ctx.images.cached(h, Fit::ARTICLE_COVER))
        {
            body = body.push(
                image(cover)
                    .width(Fill)
                    .height(Length::Fixed(460.0))
                    .content_fit(ContentFit::Contain),
            );
        }
        for block in &loaded.blocks {
            body = body.push(block_view(ctx, block, k));
        }
        body = body.push(Space::new().height(80));
        let reader = container(touch_scroll(
            container(body).center_x(Fill).padding([32, 48]),
            self.offset,
            |v| Message::Scrolled(v.offset),
        ))
        .height(Fill)
        .width(Fill);
        let size_button = widgets::secondary(
            ctx,
            &format!("{} {}", s.news_text_size, ["A", "A+", "A++"][self.scale]),
            Some(Message::TextSize),
        );
        let side: Element<'a, Message> = {
            let mut side = column![size_button].spacing(32).align_x(Alignment::Center);
            if let Some(qr) = &loaded.qr {
                side = side.push(widgets::qr(ctx, qr, s.news_scan));
            }
            side.into()
        };
        let content: Element<'a, Message> = if ctx.portrait() {
            column![container(side).padding([16, 40]), reader].into()
        } else {
            row![
                reader,
                container(side).padding(32).width(Length::Fixed(340.0))
            ]
            .into()
        };
        container(content).height(Fill).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_is_wanted_at_the_size_each_place_draws_it() {
        let cover: MediaHash = "a".repeat(64).parse().expect("valid hash");
        let photo: MediaHash = "b".repeat(64).parse().expect("valid hash");
        let blocks = markdown::parse(&format!("![](media:{cover})\n\n![](media:{photo})"));
        assert_eq!(
            images_of(Some(&cover), &blocks),
            [
                (cover.clone(), Fit::ARTICLE_COVER),
                (cover, Fit::ARTICLE),
                (photo, Fit::ARTICLE),
            ],
            "the cover repeated in the body is wanted at the body's size too"
        );
    }
}
