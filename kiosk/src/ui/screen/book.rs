//! One library item: cover, details, description, where it is in the reading room, and a QR
//! code for reading online.

use iced::widget::{column, container, qr_code, row, text};
use iced::{Alignment, Element, Fill, Length, Task};
use protocol::content::LibraryItem;
use protocol::{ContentId, ContentItem};

use crate::core::Core;
use crate::ui::app::{App, Message as AppMessage, Screen};
use crate::ui::images::Fit;
use crate::ui::theme;
use crate::ui::touch::touch_scroll;
use crate::ui::widgets;

pub struct State {
    pub id: ContentId,
    pub loaded: Option<Loaded>,
    pub failed: bool,
    pub offset: f32,
}

pub struct Loaded {
    pub item: LibraryItem,
    pub cover: Option<protocol::MediaHash>,
    pub qr: Option<qr_code::Data>,
}

impl State {
    pub fn new(id: ContentId) -> State {
        State {
            id,
            loaded: None,
            failed: false,
            offset: 0.0,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(ContentId, Option<Box<(ContentItem, LibraryItem)>>),
    Scrolled(f32),
}

pub fn load(core: &Core, id: ContentId) -> Task<AppMessage> {
    let core = core.clone();
    Task::perform(
        async move {
            let item = core.library_item(id.clone()).await.ok().flatten();
            (id, item.map(Box::new))
        },
        |(id, item)| AppMessage::Book(Message::Loaded(id, item)),
    )
}

fn state(app: &mut App) -> Option<&mut State> {
    app.screen_mut(|s| match s {
        Screen::Book(b) => Some(b),
        _ => None,
    })
}

pub fn update(app: &mut App, message: Message) -> Task<AppMessage> {
    match message {
        Message::Loaded(id, found) => {
            let mut task = Task::none();
            let loaded = found.map(|b| {
                let (_, item) = *b;
                if let Some(h) = &item.cover {
                    task = app.images.want(&app.core, h, Fit::BOOK);
                }
                Loaded {
                    cover: item.cover.clone(),
                    qr: item
                        .read_online
                        .as_ref()
                        .and_then(|u| qr_code::Data::new(u.as_str()).ok()),
                    item,
                }
            });
            if let Some(s) = state(app)
                && s.id == id
            {
                s.failed = loaded.is_none();
                s.loaded = loaded;
            }
            return task;
        }
        Message::Scrolled(offset) => {
            if let Some(s) = state(app) {
                s.offset = offset;
            }
        }
    }
    Task::none()
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
            widgets::title_bar(app, s.library_title, true),
            widgets::message(app, body)
        ]
        .into();
    };
    let item = &loaded.item;
    let fact = |label: &'a str, value: String| -> Element<'a, AppMessage> {
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
            .font(theme::bold(app.font())),
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
    if !item.location.is_empty() {
        facts = facts.push(
            container(
                column![
                    text(s.library_location).size(t.small).color(theme::CALM),
                    text(item.location.as_str())
                        .size(t.heading)
                        .font(theme::bold(app.font()))
                ]
                .spacing(6),
            )
            .padding(20)
            .width(Fill)
            .style(theme::notice),
        );
    }
    let handle = loaded
        .cover
        .as_ref()
        .and_then(|h| app.images.cached(h, Fit::BOOK));
    let cover = widgets::cover(app, handle, &item.title, 320.0, 440.0);
    let mut aside = column![cover].spacing(32).align_x(Alignment::Center);
    if let Some(qr) = &loaded.qr {
        aside = aside.push(widgets::qr(app, qr, s.library_read_online));
    }
    let top: Element<'a, AppMessage> = row![aside, facts].spacing(48).into();
    let description = if item.description.is_empty() {
        s.library_no_description
    } else {
        item.description.as_str()
    };
    let body = column![top, text(description).size(t.body).line_height(1.6)]
        .spacing(40)
        .padding([40, 56])
        .max_width(1400);
    column![
        widgets::title_bar(app, s.library_title, true),
        container(touch_scroll(
            container(body).center_x(Fill),
            state.offset,
            |v| AppMessage::Book(Message::Scrolled(v.offset))
        ))
        .height(Fill)
    ]
    .into()
}
