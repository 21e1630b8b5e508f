//! 名额预约: the offerings this kiosk holds, by category, each session with the places left as
//! of the last sync; for a venue or consultation service, a week of slots by day with the free
//! ones tappable. Choosing a session or slot opens its request form ([`crate::places`]) on the
//! form screen, which saves it to the outbox and shows the receipt like any form. The kiosk
//! never decides: the figures here are what the server last said.

use iced::widget::{Space, button, column, container, row, text};
use iced::{Alignment, Background, Border, Color, Element, Fill, Length, Task};
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use protocol::ContentId;
use protocol::content::hours::china_time;
use protocol::content::{FieldInput, FormDefinition};
use protocol::places::{Eligibility, OfferingCategory, Schedule, Slot};

use super::{Destination, Event, Screen, Stacked};
use crate::core::Core;
use crate::places::{Listed, request_form};
use crate::sync::SyncEvent;
use crate::ui::context::Context;
use crate::ui::i18n::{Lang, Strings, fill};
use crate::ui::theme;
use crate::ui::touch::touch_scroll;
use crate::ui::widgets;

/// Days in a resource's week of slots.
const WEEK: i32 = 7;

/// What the screen shows: every offering, or one resource's week of slots from a day.
#[derive(Debug, Clone, PartialEq)]
enum Mode {
    List,
    Week { offering: ContentId, from: Date },
}

pub struct Places {
    mode: Mode,
    /// `None` while loading.
    listed: Option<Vec<Listed>>,
    offset: f32,
}

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(Vec<Listed>),
    Scrolled(f32),
    /// A session or slot of an offering was tapped: its request form opens.
    Choose(ContentId, String),
    /// A resource's slots were asked for: its week opens (a new screen, so "back" returns).
    Times(ContentId),
    /// The week of slots from this day.
    Week(Date),
}

/// Whether a session or slot can be asked for, as of the last sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    Left(u32),
    FullWaitlist,
    Full,
    Closed,
    NotOpen,
}

impl Standing {
    fn of(listed: &Listed, slot: &Slot, now: Timestamp) -> Standing {
        let closed_early = listed
            .places
            .as_ref()
            .and_then(|p| p.sessions.get(&slot.key))
            .is_some_and(|s| s.closed);
        if listed.offering.opens_at.is_some_and(|o| now < o) {
            return Standing::NotOpen;
        }
        if closed_early || !listed.offering.window_open(slot, now) {
            return Standing::Closed;
        }
        match listed.left(slot) {
            0 if listed.offering.waitlist => Standing::FullWaitlist,
            0 => Standing::Full,
            n => Standing::Left(n),
        }
    }

    fn bookable(self) -> bool {
        matches!(self, Standing::Left(_) | Standing::FullWaitlist)
    }

    fn color(self) -> Color {
        match self {
            Standing::Left(_) => theme::GOOD,
            Standing::FullWaitlist => theme::CALM,
            _ => theme::MUTED,
        }
    }
}

fn load(core: &Core) -> Task<Message> {
    let core = core.clone();
    Task::perform(
        async move {
            core.offerings().await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot read the offerings");
                Vec::new()
            })
        },
        Message::Loaded,
    )
}

fn today(now: Timestamp) -> Date {
    china_time(now).date()
}

impl Places {
    /// Every offering, or (`Some`) one resource's week of slots from today; and the load.
    pub fn new(week_of: Option<ContentId>, ctx: &Context) -> (Places, Task<Message>) {
        let mode = match week_of {
            None => Mode::List,
            Some(offering) => Mode::Week {
                offering,
                from: today(Timestamp::now()),
            },
        };
        let places = Places {
            mode,
            listed: None,
            offset: 0.0,
        };
        (places, load(&ctx.core))
    }

    /// The figures change with every sync that brings any: the list loads again.
    pub fn on_sync(&self, event: &SyncEvent, ctx: &Context) -> Task<Message> {
        match event {
            SyncEvent::Synced(summary) if summary.upserts + summary.deletes > 0 => load(&ctx.core),
            _ => Task::none(),
        }
    }

    fn offering(&self, id: &ContentId) -> Option<&Listed> {
        self.listed.as_ref()?.iter().find(|l| l.item.id == *id)
    }
}

impl Stacked for Places {
    type Message = Message;

    fn find(screen: &mut Screen) -> Option<&mut Places> {
        match screen {
            Screen::Places(s) => Some(s),
            _ => None,
        }
    }

    fn update(&mut self, message: Message, ctx: &Context) -> (Task<Message>, Option<Event>) {
        let event = match message {
            Message::Loaded(listed) => {
                self.listed = Some(listed);
                None
            }
            Message::Scrolled(offset) => {
                self.offset = offset;
                None
            }
            Message::Times(id) => Some(Event::Open(Destination::Places(Some(id)))),
            Message::Week(from) => {
                if let Mode::Week { from: shown, .. } = &mut self.mode {
                    *shown = from;
                }
                None
            }
            Message::Choose(id, key) => {
                let chosen = self.offering(&id).and_then(|l| {
                    let slot = l.offering.slot(&key)?;
                    Standing::of(l, &slot, Timestamp::now())
                        .bookable()
                        .then_some((l, slot))
                });
                Some(match chosen {
                    Some((listed, slot)) => {
                        let label = slot_label(Lang::Zh.strings(), &slot);
                        let mut form = request_form(&listed.offering, &slot, &label);
                        english_label(&mut form, slot_label(Lang::En.strings(), &slot));
                        let preset = [("session".to_owned(), serde_json::Value::String(key))];
                        Event::Open(Destination::Request(Box::new((
                            listed.item.clone(),
                            form,
                            preset.into(),
                        ))))
                    }
                    None => Event::Notice(ctx.strings().places_closed.to_owned()),
                })
            }
        };
        (Task::none(), event)
    }
}

/// A session's day and time, and its place: `12月7日 星期一 09:00–12:00 · 培训室`.
fn slot_label(s: &Strings, slot: &Slot) -> String {
    let start = china_time(slot.starts_at);
    let end = china_time(slot.ends_at);
    let mut label = format!(
        "{} {} {}–{}",
        start.strftime(s.date_format),
        s.weekday(start.weekday()),
        start.strftime("%H:%M"),
        end.strftime("%H:%M"),
    );
    if !slot.place.is_empty() {
        label.push_str(" · ");
        label.push_str(&slot.place);
    }
    label
}

/// The chosen session in English on the request form (which has it in Chinese for both).
fn english_label(form: &mut FormDefinition, label: String) {
    for field in &mut form.fields {
        if let FieldInput::SingleChoice { options } = &mut field.input
            && field.key == "session"
        {
            for o in options {
                o.label_en = Some(label.clone());
            }
        }
    }
}

/// When the figures were last heard, on the status bar's clock: the time today, or the date
/// and time.
fn as_of(s: &Strings, at: Timestamp, now: Timestamp) -> String {
    let t = at.to_zoned(jiff::tz::TimeZone::system());
    let when = if t.date() == now.to_zoned(jiff::tz::TimeZone::system()).date() {
        t.strftime("%H:%M").to_string()
    } else {
        format!("{} {}", t.strftime(s.date_format), t.strftime("%H:%M"))
    };
    fill(s.places_as_of, &[&when])
}

/// "截至 10:42 尚余 3 个名额" / "3 places left as of 10:42", or why it cannot be asked for.
fn standing_text(
    ctx: &Context,
    standing: Standing,
    heard: Option<Timestamp>,
    now: Timestamp,
) -> String {
    let s = ctx.strings();
    match standing {
        Standing::Left(n) => {
            let left = if n == 1 {
                s.places_one_left.to_owned()
            } else {
                fill(s.places_left, &[&n])
            };
            match (heard, ctx.lang) {
                (None, _) => left,
                (Some(at), Lang::Zh) => format!("{} {left}", as_of(s, at, now)),
                (Some(at), Lang::En) => format!("{left} {}", as_of(s, at, now)),
            }
        }
        Standing::FullWaitlist => s.places_full_waitlist.to_owned(),
        Standing::Full => s.places_full.to_owned(),
        Standing::Closed => s.places_closed.to_owned(),
        Standing::NotOpen => s.places_not_open.to_owned(),
    }
}

/// When this kiosk last heard the figures: its last sync, or the figures' own time.
fn heard(ctx: &Context, listed: &Listed) -> Option<Timestamp> {
    ctx.status
        .last_synced
        .or_else(|| listed.places.as_ref().map(|p| p.as_of))
}

fn category_label(lang: Lang, c: OfferingCategory) -> &'static str {
    match lang {
        Lang::Zh => c.label_zh(),
        Lang::En => c.label_en(),
    }
}

impl Places {
    pub fn view<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        let s = ctx.strings();
        let Some(listed) = &self.listed else {
            return widgets::message(ctx, s.loading);
        };
        match &self.mode {
            Mode::List if listed.is_empty() => widgets::message(ctx, s.places_empty),
            Mode::List => self.list(ctx, listed),
            Mode::Week { offering, from } => match self.offering(offering) {
                Some(l) => touch_scroll(week(ctx, l, *from), self.offset, |v| {
                    Message::Scrolled(v.offset)
                })
                .into(),
                None => widgets::message(ctx, s.places_empty),
            },
        }
    }

    fn list<'a>(&'a self, ctx: &'a Context, listed: &'a [Listed]) -> Element<'a, Message> {
        let s = ctx.strings();
        let t = ctx.types();
        let now = Timestamp::now();
        let mut body = column![text(s.places_hint).size(t.body).color(theme::MUTED)].spacing(24);
        for category in OfferingCategory::ALL {
            let mut these = listed
                .iter()
                .filter(|l| l.offering.category == category)
                .peekable();
            if these.peek().is_none() {
                continue;
            }
            body = body.push(
                text(category_label(ctx.lang, category))
                    .size(t.title)
                    .font(theme::bold(ctx.font()))
                    .color(theme::RED),
            );
            for l in these {
                body = body.push(card(ctx, l, now));
            }
        }
        touch_scroll(body.padding([24, 40]), self.offset, |v| {
            Message::Scrolled(v.offset)
        })
        .into()
    }
}

/// One offering: its title, place and who may ask, then each session as a wide button with its
/// standing (a resource: how many free times this week, and a button to choose one).
fn card<'a>(ctx: &Context, l: &'a Listed, now: Timestamp) -> Element<'a, Message> {
    let s = ctx.strings();
    let t = ctx.types();
    let mut head = column![
        text(l.offering.title.as_str())
            .size(t.heading)
            .font(theme::bold(ctx.font()))
            .wrapping(text::Wrapping::WordOrGlyph),
    ]
    .spacing(6);
    if !l.offering.place.is_empty() {
        head = head.push(
            text(l.offering.place.as_str())
                .size(t.body)
                .color(theme::MUTED),
        );
    }
    if l.offering.eligibility == Eligibility::MembersOnly {
        head = head.push(text(s.places_members_only).size(t.body).color(theme::CALM));
    }
    if !l.offering.description.is_empty() {
        head = head.push(
            text(l.offering.description.as_str())
                .size(t.small)
                .color(theme::MUTED),
        );
    }
    let mut content = column![head].spacing(16);
    match &l.offering.schedule {
        Schedule::Sessions { .. } => {
            for slot in l.offering.slots(today(now), 0) {
                content = content.push(session_row(ctx, l, &slot, now));
            }
        }
        Schedule::Timetable(_) => {
            let free = l
                .offering
                .slots(today(now), WEEK)
                .iter()
                .filter(|slot| Standing::of(l, slot, now).bookable())
                .count();
            let line = row![
                text(fill(s.places_free_times, &[&free]))
                    .size(t.body)
                    .color(if free > 0 { theme::GOOD } else { theme::MUTED })
                    .width(Fill),
                widgets::primary(
                    ctx,
                    s.places_see_times,
                    Some(Message::Times(l.item.id.clone()))
                ),
            ]
            .spacing(16)
            .align_y(Alignment::Center);
            content = content.push(line);
        }
    }
    container(content)
        .padding(24)
        .width(Fill)
        .style(theme::card)
        .into()
}

/// A session: its day, time and place on the left, its standing on the right; tappable when a
/// place (or a place in line) can be asked for.
fn session_row<'a>(ctx: &Context, l: &Listed, slot: &Slot, now: Timestamp) -> Element<'a, Message> {
    let t = ctx.types();
    let standing = Standing::of(l, slot, now);
    let line: Element<'a, Message> = if ctx.portrait() {
        column![
            text(slot_label(ctx.strings(), slot)).size(t.body),
            text(standing_text(ctx, standing, heard(ctx, l), now))
                .size(t.body)
                .font(theme::bold(ctx.font()))
                .color(standing.color()),
        ]
        .spacing(6)
        .into()
    } else {
        row![
            text(slot_label(ctx.strings(), slot))
                .size(t.body)
                .width(Fill),
            text(standing_text(ctx, standing, heard(ctx, l), now))
                .size(t.body)
                .font(theme::bold(ctx.font()))
                .color(standing.color()),
        ]
        .spacing(16)
        .align_y(Alignment::Center)
        .into()
    };
    let inner = container(line).padding([16, 8]);
    let b = button(inner)
        .width(Fill)
        .padding([8, 16])
        .style(if standing.bookable() {
            theme::secondary
        } else {
            unavailable
        });
    if standing.bookable() {
        b.on_press(Message::Choose(l.item.id.clone(), slot.key.clone()))
            .into()
    } else {
        b.into()
    }
}

/// A session or slot that cannot be asked for: grey, flat.
fn unavailable(_: &iced::Theme, _: button::Status) -> button::Style {
    button::Style {
        background: Some(Background::Color(Color::from_rgb8(0xEC, 0xE9, 0xE4))),
        text_color: theme::MUTED,
        border: Border {
            color: theme::LINE,
            width: 1.0,
            radius: 14.0.into(),
        },
        ..button::Style::default()
    }
}

/// A resource's week: a column a day, its slots under it, free ones tappable.
fn week<'a>(ctx: &Context, l: &'a Listed, from: Date) -> iced::widget::Column<'a, Message> {
    let s = ctx.strings();
    let t = ctx.types();
    let now = Timestamp::now();
    let first = today(now);
    let slots = l.offering.slots(from, WEEK);
    let last_day = match &l.offering.schedule {
        Schedule::Timetable(tt) => tt.until,
        Schedule::Sessions { .. } => from,
    };
    let prev = from
        .checked_sub(WEEK.days())
        .ok()
        .filter(|_| from > first)
        .map(|d| Message::Week(d.max(first)));
    let next = from
        .checked_add(WEEK.days())
        .ok()
        .filter(|d| *d <= last_day)
        .map(Message::Week);
    let to = from.checked_add((WEEK - 1).days()).unwrap_or(from);
    let range = format!(
        "{} – {}",
        from.strftime(s.date_format),
        to.strftime(s.date_format)
    );
    // A week that cannot be reached has no button (a disabled one looks like the others).
    let turn = |label: &str, to: Option<Message>| -> Element<'a, Message> {
        match to {
            Some(to) => widgets::secondary(ctx, label, Some(to)),
            None => Space::new().into(),
        }
    };
    let nav = row![
        turn(s.places_prev_week, prev),
        container(text(range).size(t.heading).font(theme::bold(ctx.font()))).center_x(Fill),
        turn(s.places_next_week, next),
    ]
    .spacing(16)
    .align_y(Alignment::Center);
    let heard = heard(ctx, l);
    let mut days = row![].spacing(10);
    for d in 0..WEEK {
        let Ok(date) = from.checked_add(d.days()) else {
            continue;
        };
        let prefix = date.to_string();
        let mut col = column![
            text(s.weekday(date.weekday()))
                .size(t.small)
                .font(theme::bold(ctx.font())),
            text(date.strftime("%m-%d").to_string()).size(t.small),
        ]
        .spacing(8)
        .align_x(Alignment::Center)
        .width(Fill);
        let mut any = false;
        for slot in slots.iter().filter(|x| x.key.starts_with(&prefix)) {
            any = true;
            let standing = Standing::of(l, slot, now);
            let time = china_time(slot.starts_at).strftime("%H:%M").to_string();
            let face = container(text(time).size(t.body)).center(Length::Fill);
            let b = button(face)
                .width(Fill)
                .height(Length::Fixed(theme::TAP))
                .padding(0);
            col = col.push(if standing.bookable() {
                b.style(theme::secondary)
                    .on_press(Message::Choose(l.item.id.clone(), slot.key.clone()))
            } else {
                b.style(unavailable)
            });
        }
        if !any {
            col = col.push(text(s.places_day_closed).size(t.small).color(theme::MUTED));
        }
        days = days.push(col);
    }
    let mut head = column![
        text(l.offering.title.as_str())
            .size(t.heading)
            .font(theme::bold(ctx.font())),
    ]
    .spacing(6);
    if !l.offering.place.is_empty() {
        head = head.push(
            text(l.offering.place.as_str())
                .size(t.body)
                .color(theme::MUTED),
        );
    }
    let hint = match (heard, ctx.lang) {
        (None, _) => s.places_week_hint.to_owned(),
        (Some(at), Lang::Zh) => format!("{}（{}）", s.places_week_hint, as_of(s, at, now)),
        (Some(at), Lang::En) => format!("{} ({})", s.places_week_hint, as_of(s, at, now)),
    };
    column![
        head,
        text(hint).size(t.body).color(theme::MUTED),
        nav,
        days,
        Space::new().height(24),
    ]
    .spacing(20)
    .padding([24, 40])
}
