//! One library item: cover, details, description, where it is in the reading room, and a QR
//! code for reading online.

use iced::widget::{column, container, qr_code, row, text};
use iced::{Alignment, Element, Fill, Length, Task};
use protocol::content::LibraryItem;
use protocol::{ContentId, ContentItem};

use super::{Event, Screen, Stacked};
use crate::core::Core;
use crate::ui::context::Context;
use crate::ui::images::Fit;
use crate::ui::theme;
use crate::ui::touch::touch_scroll;
use crate::ui::widgets;

pub struct Book {
    id: ContentId,
    loaded: Option<Loaded>,
    failed: bool,
    offset: f32,
}

struct Loaded {
    item: LibraryItem,
    cover: Option<protocol::MediaHash>,
    qr: Option<qr_code::Data>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(ContentId, Option<Box<(ContentItem, LibraryItem)>>),
    Scrolled(f32),
}

fn load(core: &Core, id: ContentId) -> Task<Message> {
    let core = core.clone();
    Task::perform(
        async move {
            let item = core.library_item(id.clone()).await.ok().flatten();
            (id, item.map(Box::new))
        },
        |(id, item)| Message::Loaded(id, item),
    )
}

impl Book {
    /// The page of `id`, and the task that loads it.
    pub fn new(id: ContentId, ctx: &Context) -> (Book, Task<Message>) {
        let task = load(&ctx.core, id.clone());
        let book = Book {
            id,
            loaded: None,
            failed: false,
            offset: 0.0,
        };
        (book, task)
    }
}

impl Stacked for Book {
    type Message = Message;

    fn find(screen: &mut Screen) -> Option<&mut Book> {
        match screen {
            Screen::Book(s) => Some(s),
            _ => None,
        }
    }

    fn update(&mut self, message: Message, _: &Context) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Loaded(id, found) => {
                let mut wanted = Vec::new();
                let loaded = found.map(|b| {
                    let (_, item) = *b;
                    wanted.extend(item.cover.iter().map(|h| (h.clone(), Fit::BOOK)));
                    Loaded {
                        cover: item.cover.clone(),
                        qr: item
                            .read_online
                            .as_ref()
                            .and_then(|u| qr_code::Data::new(u.as_str()).ok()),
                        item,
                    }
                });
                if self.id == id {
                    self.failed = loaded.is_none();
                    self.loaded = loaded;
                }
                (Task::none(), Event::images(wanted))
            }
            Message::Scrolled(offset) => {
                self.offset = offset;
                (Task::none(), None)
            }
        }
    }
}

impl Book {
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
        let item = &loaded.item;
        let fact = |label: &'a str, value: String| -> Element<'a, Message> {
            row![
                text(label)
                    .size(t.body)
                    .color(theme::MUTED)
                    .width(Length::Fixed(t.body * 7.0)),
                text(value).size(t.body).width(Fill)
            ]
            .spacing(16)
            .into()
        };
        let mut facts = column![
            text(item.title.as_str())
                .size(t.title)
                .font(theme::bold(ctx.font())),
            text(s.kind(item.item_kind))
                .size(t.small)
                .color(theme::MUTED),
        ]
        .spacing(14)
        .width(Fill);
        if !item.author.is_empty() {
            facts = facts.push(fact(s.library_author, item.author.clone()));
        }
        if !item.publisher.is_empty() {
            facts = facts.push(fact(s.library_publisher, item.publisher.clone()));
        }
        if let Some(year) = item.year {
            facts = facts.push(fact(s.library_year, year.to_string()));
        }
        if let Some(isbn) = &item.isbn {
            facts = facts.push(fact(s.library_isbn, isbn.clone()));
        }
        if !item.location.is_empty() || !item.call_number.is_empty() {
            let mut place =
                column![text(s.library_location).size(t.small).color(theme::CALM)].spacing(6);
            if !item.location.is_empty() {
                place = place.push(
                    text(item.location.as_str())
                        .size(t.heading)
                        .font(theme::bold(ctx.font())),
                );
            }
            if !item.call_number.is_empty() {
                place = place.push(
                    row![
                        text(s.library_call_number).size(t.body).color(theme::CALM),
                        text(item.call_number.as_str())
                            .size(t.heading)
                            .font(theme::bold(ctx.font())),
                    ]
                    .spacing(16)
                    .align_y(Alignment::Center),
                );
            }
            facts = facts.push(
                container(place)
                    .padding(20)
                    .width(Fill)
                    .style(theme::notice),
            );
        }
        let handle = loaded
            .cover
            .as_ref()
            .and_then(|h| ctx.images.cached(h, Fit::BOOK));
        let cover = widgets::cover(ctx, handle, &item.title, 320.0, 440.0);
        let mut aside = column![cover].spacing(32).align_x(Alignment::Center);
        if let Some(qr) = &loaded.qr {
            aside = aside.push(widgets::qr(ctx, qr, s.library_read_online));
        }
        let top: Element<'a, Message> = row![aside, facts].spacing(48).into();
        let description = if item.description.is_empty() {
            s.library_no_description
        } else {
            item.description.as_str()
        };
        let body = column![top, text(description).size(t.body).line_height(1.6)]
            .spacing(40)
            .padding([40, 56])
            .max_width(1400);
        container(touch_scroll(
            container(body).center_x(Fill),
            self.offset,
            |v| Message::Scrolled(v.offset),
        ))
        .height(Fill)
        .into()
    }
}
