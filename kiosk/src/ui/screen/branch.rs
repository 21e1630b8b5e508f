//! 职工之家: the kiosk's own org's page and its parent's (the city's), one at a time behind two
//! large choices: the introduction, the opening hours that org goes by, facilities, contacts
//! (each link as a QR code) and photos, in one touch-scrolled column.

use iced::widget::{Space, button, column, container, image, qr_code, row, text};
use iced::{Alignment, ContentFit, Element, Fill, Length, Task};
use protocol::MediaHash;
use protocol::content::OpeningHours;
use protocol::content::hours::WEEKDAYS;

use super::{Event, Screen, Stacked};
use crate::branch_page::{Pages, Shown};
use crate::ui::context::Context;
use crate::ui::i18n::{Strings, fill};
use crate::ui::images::Fit;
use crate::ui::theme;
use crate::ui::touch::touch_scroll;
use crate::ui::widgets;

/// Which org's page is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Own,
    Parent,
}

/// The 职工之家 screen.
#[derive(Default)]
pub struct Branch {
    loaded: Option<Loaded>,
    failed: bool,
    offset: f32,
}

struct Loaded {
    pages: Pages,
    showing: Which,
    /// Each contact's QR code, for the page shown (`None`: the contact has no link).
    qrs: Vec<Option<qr_code::Data>>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(Option<Box<Pages>>),
    Show(Which),
    Scrolled(f32),
}

/// The photos of both pages, at the size they are drawn.
fn photos_of(pages: &Pages) -> Vec<(MediaHash, Fit)> {
    [&pages.own, &pages.parent]
        .into_iter()
        .flatten()
        .flat_map(|p| p.page.photos.iter().cloned())
        .map(|h| (h, Fit::ARTICLE_COVER))
        .collect()
}

impl Loaded {
    fn shown(&self) -> Option<&Shown> {
        match self.showing {
            Which::Own => self.pages.own.as_ref(),
            Which::Parent => self.pages.parent.as_ref(),
        }
    }

    fn show(&mut self, which: Which) {
        self.showing = which;
        self.qrs = self
            .shown()
            .map(|p| {
                p.page
                    .contacts
                    .iter()
                    .map(|c| {
                        c.qr_url
                            .as_ref()
                            .and_then(|u| qr_code::Data::new(u.as_str()).ok())
                    })
                    .collect()
            })
            .unwrap_or_default();
    }
}

impl Branch {
    /// The screen, and the task that reads both pages.
    pub fn new(ctx: &Context) -> (Branch, Task<Message>) {
        let core = ctx.core.clone();
        let task = Task::perform(
            async move { core.branch_pages().await.ok().map(Box::new) },
            Message::Loaded,
        );
        (Branch::default(), task)
    }
}

impl Stacked for Branch {
    type Message = Message;

    fn find(screen: &mut Screen) -> Option<&mut Branch> {
        match screen {
            Screen::Branch(s) => Some(s),
            _ => None,
        }
    }

    fn update(&mut self, message: Message, _: &Context) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Loaded(pages) => {
                let Some(pages) = pages else {
                    self.failed = true;
                    return (Task::none(), None);
                };
                let wanted = photos_of(&pages);
                let showing = if pages.own.is_none() && pages.parent.is_some() {
                    Which::Parent
                } else {
                    Which::Own
                };
                let mut loaded = Loaded {
                    pages: *pages,
                    showing,
                    qrs: Vec::new(),
                };
                loaded.show(showing);
                self.loaded = Some(loaded);
                (Task::none(), Event::images(wanted))
            }
            Message::Show(which) => {
                if let Some(loaded) = &mut self.loaded {
                    loaded.show(which);
                    self.offset = 0.0;
                }
                (Task::none(), None)
            }
            Message::Scrolled(offset) => {
                self.offset = offset;
                (Task::none(), None)
            }
        }
    }
}

/// The week's hours, a line a day ("星期一  09:00-12:00, 13:30-17:30").
fn hours_lines(s: &Strings, hours: Option<&OpeningHours>) -> Vec<String> {
    let Some(hours) = hours else {
        return vec![s.branch_always_open.to_owned()];
    };
    WEEKDAYS
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let ranges = hours.week.get(i).map(Vec::as_slice).unwrap_or_default();
            let text = if ranges.is_empty() {
                s.branch_closed_day.to_owned()
            } else {
                ranges
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!("{}  {text}", s.weekday(*day))
        })
        .collect()
}

impl Branch {
    pub fn view<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        let s = ctx.strings();
        let t = ctx.types();
        let bold = theme::bold(ctx.font());
        let Some(loaded) = &self.loaded else {
            return widgets::message(
                ctx,
                if self.failed {
                    s.load_failed
                } else {
                    s.loading
                },
            );
        };
        let Some(shown) = loaded.shown() else {
            return widgets::message(ctx, s.branch_empty);
        };
        let heading = |label: &str| text(label.to_owned()).size(t.heading).font(bold);
        let mut body = column![text(shown.org_name.as_str()).size(t.title).font(bold)]
            .spacing(24)
            .max_width(1100);
        for paragraph in shown
            .page
            .intro
            .split("\n\n")
            .filter(|p| !p.trim().is_empty())
        {
            body = body.push(text(paragraph.trim()).size(t.body).line_height(1.6));
        }
        body = body.push(heading(s.branch_hours));
        let hours = hours_lines(s, shown.hours.as_ref());
        body = body.push(column(hours.into_iter().map(|l| text(l).size(t.body).into())).spacing(6));
        if !shown.page.facilities.is_empty() {
            body = body.push(heading(s.branch_facilities));
            for f in &shown.page.facilities {
                body = body.push(
                    container(
                        column![
                            text(f.name.as_str()).size(t.body).font(bold),
                            text(f.description.as_str())
                                .size(t.body)
                                .color(theme::MUTED),
                        ]
                        .spacing(6),
                    )
                    .padding(20)
                    .width(Fill)
                    .style(theme::card),
                );
            }
        }
        if !shown.page.contacts.is_empty() {
            body = body.push(heading(s.branch_contacts));
            for (c, qr) in shown.page.contacts.iter().zip(&loaded.qrs) {
                let mut who = column![text(c.name.as_str()).size(t.body).font(bold)].spacing(6);
                if !c.role.is_empty() {
                    who = who.push(text(c.role.as_str()).size(t.body).color(theme::MUTED));
                }
                if !c.phone.is_empty() {
                    who = who.push(text(fill(s.branch_phone, &[&c.phone])).size(t.body));
                }
                let mut line = row![container(who).width(Fill)]
                    .spacing(24)
                    .align_y(Alignment::Center);
                if let Some(qr) = qr {
                    line = line.push(widgets::qr(ctx, qr, s.branch_scan));
                }
                body = body.push(container(line).padding(20).width(Fill).style(theme::card));
            }
        }
        let photos: Vec<_> = shown
            .page
            .photos
            .iter()
            .filter_map(|h| ctx.images.cached(h, Fit::ARTICLE_COVER))
            .collect();
        if !photos.is_empty() {
            body = body.push(heading(s.branch_photos));
            for handle in photos {
                body = body.push(
                    image(handle)
                        .width(Fill)
                        .height(Length::Fixed(460.0))
                        .content_fit(ContentFit::Cover),
                );
            }
        }
        body = body.push(Space::new().height(80));
        let page = container(touch_scroll(
            container(body).center_x(Fill).padding([32, 48]),
            self.offset,
            |v| Message::Scrolled(v.offset),
        ))
        .height(Fill)
        .width(Fill);
        let pages = &loaded.pages;
        let (Some(own), Some(parent)) = (&pages.own, &pages.parent) else {
            return page.into();
        };
        let choice = |which: Which, name: &str| {
            button(
                container(text(name.to_owned()).size(t.body).font(bold))
                    .center_y(Length::Fixed(theme::TAP)),
            )
            .padding([0, 28])
            .style(theme::chip(loaded.showing == which))
            .on_press(Message::Show(which))
        };
        let choices = row![
            choice(Which::Own, &own.org_name),
            choice(Which::Parent, &parent.org_name)
        ]
        .spacing(16);
        column![container(choices).padding([16, 48]), page].into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::i18n::Lang;
    use protocol::content::hours::TimeRange;

    #[test]
    fn the_week_is_a_line_a_day_and_no_hours_is_always_open() {
        let s = Lang::Zh.strings();
        assert_eq!(hours_lines(s, None), [s.branch_always_open]);
        let range = TimeRange {
            open: "09:00".parse().expect("time"),
            close: "17:00".parse().expect("time"),
        };
        let mut week = vec![vec![range]; 5];
        week.extend([Vec::new(), Vec::new()]);
        let hours = OpeningHours {
            week,
            closed_dates: Vec::new(),
            special_days: Vec::new(),
        };
        let lines = hours_lines(s, Some(&hours));
        assert_eq!(lines.len(), 7);
        assert_eq!(lines[0], "星期一  09:00-17:00");
        assert_eq!(lines[6], format!("星期日  {}", s.branch_closed_day));
    }
}
