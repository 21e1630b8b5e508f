//! The admin panel for branch IT, behind five taps in the bottom-left corner and a PIN: sync
//! status, "sync now", outbox depth and submissions refused for good, version, kiosk id, and
//! exit. Wrong PINs lock the pad for a while (`admin::pin::PinGuard`, kept in the context).

use std::time::{Duration, Instant};

use iced::widget::{button, column, container, row, text};
use iced::{Alignment, Element, Fill, Length, Task};

use super::{Event, Screen, Stacked};
use crate::admin::pin::{self, MAX_DIGITS, MIN_DIGITS};
use crate::sync::SyncEvent;
use crate::ui::context::Context;
use crate::ui::i18n::fill;
use crate::ui::theme;
use crate::ui::widgets;

enum Phase {
    Pin {
        entered: String,
        refusal: Option<Refusal>,
        checking: bool,
    },
    Panel(Panel),
}

/// Why the last PIN did not open the panel.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    /// Wrong; this many tries are left before the pad locks.
    Wrong { tries_left: u32 },
    /// Too many wrong tries: nothing is checked for this long.
    Locked(Duration),
}

#[derive(Default)]
struct Panel {
    kiosk_id: String,
    org: String,
    items: u64,
    sync: Option<SyncNow>,
}

/// How the panel's "sync now" stands.
enum SyncNow {
    /// Asked for (by the button, or a sync came while the panel was open).
    Started,
    Done,
    Failed(String),
}

/// The panel, and the PIN pad in front of it.
pub struct Admin {
    phase: Phase,
    /// The PIN's argon2 hash from the config; without one the panel does not open.
    pin_hash: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Message {
    Digit(char),
    Backspace,
    Enter,
    Checked(bool),
    Info(Option<(String, String)>, u64),
    SyncNow,
    Synced(Result<(), String>),
    Close,
    Exit,
}

impl Admin {
    pub fn new(pin_hash: Option<String>) -> Admin {
        Admin {
            phase: Phase::Pin {
                entered: String::new(),
                refusal: None,
                checking: false,
            },
            pin_hash,
        }
    }

    /// A sync that ends while "sync now" is shown says how it went.
    pub fn on_sync(&mut self, event: &SyncEvent) {
        if let Phase::Panel(panel) = &mut self.phase
            && panel.sync.is_some()
        {
            panel.sync = Some(match event {
                SyncEvent::Synced(_) => SyncNow::Started,
                SyncEvent::Failed { message, .. } => SyncNow::Failed(message.clone()),
            });
        }
    }
}

impl Stacked for Admin {
    type Message = Message;

    fn find(screen: &mut Screen) -> Option<&mut Admin> {
        match screen {
            Screen::Admin(s) => Some(s),
            _ => None,
        }
    }

    fn update(&mut self, message: Message, ctx: &Context) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Digit(d) => {
                if let Phase::Pin {
                    entered, refusal, ..
                } = &mut self.phase
                    && entered.len() < MAX_DIGITS
                {
                    entered.push(d);
                    if matches!(refusal, Some(Refusal::Wrong { .. })) {
                        *refusal = None;
                    }
                }
            }
            Message::Backspace => {
                if let Phase::Pin { entered, .. } = &mut self.phase {
                    entered.pop();
                }
            }
            Message::Enter => {
                if let (
                    Phase::Pin {
                        entered,
                        checking: checking @ false,
                        refusal,
                    },
                    Some(hash),
                ) = (&mut self.phase, self.pin_hash.clone())
                {
                    let pin = std::mem::take(entered);
                    let guard = ctx
                        .pin_guard
                        .lock()
                        .expect("the PIN guard is never poisoned");
                    if let Err(locked) = guard.check(Instant::now()) {
                        *refusal = Some(Refusal::Locked(locked.remaining));
                        return (Task::none(), None);
                    }
                    *checking = true;
                    let task = Task::perform(
                        async move {
                            tokio::task::spawn_blocking(move || pin::verify(&hash, &pin))
                                .await
                                .unwrap_or(false)
                        },
                        Message::Checked,
                    );
                    return (task, None);
                }
            }
            Message::Checked(true) => {
                ctx.pin_guard
                    .lock()
                    .expect("the PIN guard is never poisoned")
                    .record(true, Instant::now());
                self.phase = Phase::Panel(Panel::default());
                let core = ctx.core.clone();
                let task = Task::perform(
                    async move {
                        (
                            core.identity().await.ok().flatten(),
                            core.cached_items().await.unwrap_or(0),
                        )
                    },
                    |(id, n)| Message::Info(id, n),
                );
                return (task, None);
            }
            Message::Checked(false) => {
                let mut guard = ctx
                    .pin_guard
                    .lock()
                    .expect("the PIN guard is never poisoned");
                let refusal = match guard.record(false, Instant::now()) {
                    Some(locked) => Refusal::Locked(locked.remaining),
                    None => Refusal::Wrong {
                        tries_left: guard.tries_left(),
                    },
                };
                self.phase = Phase::Pin {
                    entered: String::new(),
                    refusal: Some(refusal),
                    checking: false,
                };
            }
            Message::Info(identity, items) => {
                if let Phase::Panel(panel) = &mut self.phase {
                    if let Some((id, org)) = identity {
                        panel.kiosk_id = id;
                        panel.org = org;
                    }
                    panel.items = items;
                }
            }
            Message::SyncNow => {
                if let Phase::Panel(panel) = &mut self.phase {
                    panel.sync = Some(SyncNow::Started);
                    let core = ctx.core.clone();
                    let task = Task::perform(
                        async move { core.sync_now().await.map(|_| ()).map_err(|e| e.to_string()) },
                        Message::Synced,
                    );
                    return (task, None);
                }
            }
            Message::Synced(result) => {
                if let Phase::Panel(panel) = &mut self.phase {
                    panel.sync = Some(match result {
                        Ok(()) => SyncNow::Done,
                        Err(e) => SyncNow::Failed(e),
                    });
                }
                return (Task::none(), Some(Event::RefreshStatus));
            }
            Message::Close => return (Task::none(), Some(Event::Back)),
            Message::Exit => return (Task::none(), Some(Event::Exit)),
        }
        (Task::none(), None)
    }
}

fn pad_key<'a>(ctx: &Context, label: &str, message: Message) -> Element<'a, Message> {
    button(container(text(label.to_owned()).size(ctx.types().title)).center(Fill))
        .width(Length::Fixed(130.0))
        .height(Length::Fixed(96.0))
        .style(theme::key)
        .on_press(message)
        .into()
}

impl Admin {
    pub fn view<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        let s = ctx.strings();
        let t = ctx.types();
        match &self.phase {
            _ if self.pin_hash.is_none() => widgets::message(ctx, s.admin_pin_unset),
            Phase::Pin {
                entered, refusal, ..
            } => {
                let mut pad = column![].spacing(12).align_x(Alignment::Center);
                for line in ["123", "456", "789"] {
                    let mut r = row![].spacing(12);
                    for d in line.chars() {
                        r = r.push(pad_key(ctx, &d.to_string(), Message::Digit(d)));
                    }
                    pad = pad.push(r);
                }
                pad = pad.push(
                    row![
                        pad_key(ctx, s.key_backspace, Message::Backspace),
                        pad_key(ctx, "0", Message::Digit('0')),
                        pad_key(ctx, s.admin_enter, Message::Enter),
                    ]
                    .spacing(12),
                );
                let mut col = column![
                    text(s.admin_pin_prompt).size(t.heading),
                    text(
                        "●".repeat(entered.len())
                            + "○"
                                .repeat(MIN_DIGITS.saturating_sub(entered.len()))
                                .as_str()
                    )
                    .size(t.title),
                ]
                .spacing(24)
                .align_x(Alignment::Center);
                let refused = match refusal {
                    None => None,
                    Some(Refusal::Wrong { tries_left }) => {
                        Some(fill(s.admin_pin_wrong, &[&tries_left.to_string()]))
                    }
                    Some(Refusal::Locked(remaining)) => {
                        let minutes = remaining.as_secs().div_ceil(60).max(1);
                        Some(fill(s.admin_pin_locked, &[&minutes.to_string()]))
                    }
                };
                if let Some(sentence) = refused {
                    col = col.push(text(sentence).size(t.body).color(theme::RED));
                }
                container(col.push(pad)).center(Fill).into()
            }
            Phase::Panel(panel) => {
                let status = &ctx.status;
                let line = |label: &'a str, value: String| -> Element<'a, Message> {
                    row![
                        text(label)
                            .size(t.body)
                            .color(theme::MUTED)
                            .width(Length::Fixed(320.0)),
                        text(value).size(t.body)
                    ]
                    .into()
                };
                let never = "—".to_owned();
                let sync_line = match &panel.sync {
                    None => String::new(),
                    Some(SyncNow::Started) => s.admin_sync_started.to_owned(),
                    Some(SyncNow::Done) => s.admin_sync_done.to_owned(),
                    Some(SyncNow::Failed(m)) => fill(s.admin_sync_failed, &[m]),
                };
                column![
                    line(s.admin_org, panel.org.clone()),
                    line(s.admin_kiosk_id, panel.kiosk_id.clone()),
                    line(s.admin_version, ctx.settings.version.to_owned()),
                    line(
                        s.admin_last_sync,
                        status
                            .last_synced
                            .map(|t| widgets::when(s, t))
                            .unwrap_or(never.clone())
                    ),
                    line(
                        s.admin_offline_since,
                        status
                            .offline_since
                            .map(|t| widgets::when(s, t))
                            .unwrap_or(never)
                    ),
                    line(s.admin_outbox, status.outbox_depth.to_string()),
                    line(s.admin_refused, status.refused_submissions.to_string()),
                    line(s.admin_items, panel.items.to_string()),
                    line(
                        s.admin_disk,
                        status
                            .free_disk_bytes
                            .map(|b| format!("{:.0} MB", b as f64 / 1024.0 / 1024.0))
                            .unwrap_or_else(|| "—".to_owned())
                    ),
                    text(
                        if status
                            .free_disk_bytes
                            .is_some_and(|b| b < crate::store::DISK_FULL_BYTES)
                        {
                            s.admin_disk_full
                        } else {
                            ""
                        }
                    )
                    .size(t.body)
                    .color(theme::RED),
                    text(sync_line).size(t.body).color(theme::CALM),
                    row![
                        widgets::primary(ctx, s.admin_sync_now, Some(Message::SyncNow)),
                        widgets::secondary(ctx, s.admin_close, Some(Message::Close)),
                        widgets::secondary(ctx, s.admin_exit, Some(Message::Exit)),
                    ]
                    .spacing(24),
                ]
                .spacing(20)
                .padding(56)
                .into()
            }
        }
    }
}
