//! The admin panel for branch IT, behind five taps in the bottom-left corner and a PIN: sync
//! status, "sync now", outbox depth, version, kiosk id, and exit.

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use iced::widget::{button, column, container, row, text};
use iced::{Alignment, Element, Fill, Length, Task};

use crate::sync::SyncEvent;
use crate::ui::app::{App, Message as AppMessage, Screen};
use crate::ui::i18n::fill;
use crate::ui::theme;
use crate::ui::widgets;

const MAX_PIN: usize = 12;

pub enum Phase {
    Pin {
        entered: String,
        wrong: bool,
        checking: bool,
    },
    Panel(Panel),
}

#[derive(Default)]
pub struct Panel {
    pub kiosk_id: String,
    pub org: String,
    pub items: u64,
    pub sync: Option<String>,
}

pub struct State {
    pub phase: Phase,
    pub enabled: bool,
}

impl State {
    pub fn new(enabled: bool) -> State {
        State {
            phase: Phase::Pin {
                entered: String::new(),
                wrong: false,
                checking: false,
            },
            enabled,
        }
    }

    pub fn on_sync(&mut self, event: &SyncEvent) {
        if let Phase::Panel(panel) = &mut self.phase
            && panel.sync.is_some()
        {
            panel.sync = Some(match event {
                SyncEvent::Synced(_) => String::new(),
                SyncEvent::Failed { message, .. } => message.clone(),
            });
        }
    }
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
}

fn state(app: &mut App) -> Option<&mut State> {
    match app.stack.last_mut() {
        Some(Screen::Admin(s)) => Some(s),
        _ => None,
    }
}

/// Whether `pin` matches the argon2 `hash` from the config.
pub fn verify(hash: &str, pin: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(pin.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

pub fn update(app: &mut App, message: Message) -> Task<AppMessage> {
    let hash = app.settings.admin_pin_hash.clone();
    let core = app.core.clone();
    let Some(s) = state(app) else {
        return Task::none();
    };
    match message {
        Message::Digit(d) => {
            if let Phase::Pin { entered, wrong, .. } = &mut s.phase
                && entered.len() < MAX_PIN
            {
                entered.push(d);
                *wrong = false;
            }
        }
        Message::Backspace => {
            if let Phase::Pin { entered, .. } = &mut s.phase {
                entered.pop();
            }
        }
        Message::Enter => {
            if let (
                Phase::Pin {
                    entered, checking, ..
                },
                Some(hash),
            ) = (&mut s.phase, hash)
            {
                *checking = true;
                let pin = std::mem::take(entered);
                return Task::perform(
                    async move {
                        tokio::task::spawn_blocking(move || verify(&hash, &pin))
                            .await
                            .unwrap_or(false)
                    },
                    |ok| AppMessage::Admin(Message::Checked(ok)),
                );
            }
        }
        Message::Checked(ok) => {
            if ok {
                s.phase = Phase::Panel(Panel::default());
                return Task::perform(
                    async move {
                        (
                            core.identity().await.ok().flatten(),
                            core.cached_items().await.unwrap_or(0),
                        )
                    },
                    |(id, n)| AppMessage::Admin(Message::Info(id, n)),
                );
            }
            s.phase = Phase::Pin {
                entered: String::new(),
                wrong: true,
                checking: false,
            };
        }
        Message::Info(identity, items) => {
            if let Phase::Panel(panel) = &mut s.phase {
                if let Some((id, org)) = identity {
                    panel.kiosk_id = id;
                    panel.org = org;
                }
                panel.items = items;
            }
        }
        Message::SyncNow => {
            if let Phase::Panel(panel) = &mut s.phase {
                panel.sync = Some(String::new());
                return Task::perform(
                    async move { core.sync_now().await.map(|_| ()).map_err(|e| e.to_string()) },
                    |r| AppMessage::Admin(Message::Synced(r)),
                );
            }
        }
        Message::Synced(result) => {
            if let Phase::Panel(panel) = &mut s.phase {
                panel.sync = Some(match result {
                    Ok(()) => "ok".into(),
                    Err(e) => e,
                });
            }
            let core = app.core.clone();
            return Task::perform(
                async move { core.status().await.unwrap_or_default() },
                AppMessage::Status,
            );
        }
    }
    Task::none()
}

fn pad_key<'a>(app: &App, label: &str, message: AppMessage) -> Element<'a, AppMessage> {
    button(container(text(label.to_owned()).size(app.types().title)).center(Fill))
        .width(Length::Fixed(130.0))
        .height(Length::Fixed(96.0))
        .style(theme::key)
        .on_press(message)
        .into()
}

pub fn view<'a>(app: &'a App, state: &'a State) -> Element<'a, AppMessage> {
    let s = app.strings();
    let t = app.types();
    let body: Element<'a, AppMessage> = match &state.phase {
        _ if !state.enabled => widgets::message(app, s.admin_pin_unset),
        Phase::Pin { entered, wrong, .. } => {
            let mut pad = column![].spacing(12).align_x(Alignment::Center);
            for line in ["123", "456", "789"] {
                let mut r = row![].spacing(12);
                for d in line.chars() {
                    r = r.push(pad_key(
                        app,
                        &d.to_string(),
                        AppMessage::Admin(Message::Digit(d)),
                    ));
                }
                pad = pad.push(r);
            }
            pad = pad.push(
                row![
                    pad_key(app, s.key_backspace, AppMessage::Admin(Message::Backspace)),
                    pad_key(app, "0", AppMessage::Admin(Message::Digit('0'))),
                    pad_key(app, s.admin_enter, AppMessage::Admin(Message::Enter)),
                ]
                .spacing(12),
            );
            let mut col = column![
                text(s.admin_pin_prompt).size(t.heading),
                text(
                    "●".repeat(entered.len())
                        + "○".repeat(4usize.saturating_sub(entered.len())).as_str()
                )
                .size(t.title),
            ]
            .spacing(24)
            .align_x(Alignment::Center);
            if *wrong {
                col = col.push(text(s.admin_pin_wrong).size(t.body).color(theme::RED));
            }
            container(col.push(pad)).center(Fill).into()
        }
        Phase::Panel(panel) => {
            let status = &app.status;
            let line = |label: &'a str, value: String| -> Element<'a, AppMessage> {
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
                Some(m) if m.is_empty() => s.admin_sync_started.to_owned(),
                Some(m) if m == "ok" => s.admin_sync_done.to_owned(),
                Some(m) => fill(s.admin_sync_failed, &[m]),
            };
            column![
                line(s.admin_org, panel.org.clone()),
                line(s.admin_kiosk_id, panel.kiosk_id.clone()),
                line(s.admin_version, app.settings.version.to_owned()),
                line(
                    s.admin_last_sync,
                    status
                        .last_synced
                        .map(|t| widgets::when(app, t))
                        .unwrap_or(never.clone())
                ),
                line(
                    s.admin_offline_since,
                    status
                        .offline_since
                        .map(|t| widgets::when(app, t))
                        .unwrap_or(never)
                ),
                line(s.admin_outbox, status.outbox_depth.to_string()),
                line(s.admin_items, panel.items.to_string()),
                text(sync_line).size(t.body).color(theme::CALM),
                row![
                    widgets::action(
                        app,
                        s.admin_sync_now,
                        Some(AppMessage::Admin(Message::SyncNow)),
                        true
                    ),
                    widgets::action(app, s.admin_close, Some(AppMessage::Back), false),
                    widgets::action(app, s.admin_exit, Some(AppMessage::Exit), false),
                ]
                .spacing(24),
            ]
            .spacing(20)
            .padding(56)
            .into()
        }
    };
    column![
        widgets::title_bar(app, s.admin_title, true),
        container(body).height(Fill).width(Fill)
    ]
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordHasher;
    use argon2::password_hash::SaltString;

    #[test]
    fn pins_verify_against_their_hash_only() {
        let salt = SaltString::encode_b64(b"kiosk-test-salt!").expect("valid salt");
        let hash = Argon2::default()
            .hash_password(b"2468", &salt)
            .expect("hashing works")
            .to_string();
        assert!(verify(&hash, "2468"));
        assert!(!verify(&hash, "1357"));
        assert!(!verify("not a hash", "2468"));
    }
}
