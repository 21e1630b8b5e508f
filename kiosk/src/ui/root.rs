//! The top of the app: a kiosk that is enrolled runs the [`App`]; one that is not shows the
//! [`Provision`] screen, which enrolls it, runs the first sync and hands over the open core,
//! and the app starts over it in the same process.

use std::path::PathBuf;
use std::time::Duration;

use iced::keyboard::{self, key::Named};
use iced::{Element, Event as Input, Subscription, Task, event, window};
use jiff::Timestamp;

use super::app::{self, App};
use super::context::Settings;
use super::provision::{self, Provision};
use crate::core::Core;
use crate::sync::SyncConfig;

/// What the kiosk starts from.
#[derive(Debug, Clone)]
pub enum Boot {
    Enrolled(Core),
    /// Not enrolled yet: its data dir, sync settings and name (from the config).
    Unenrolled {
        dir: PathBuf,
        sync: SyncConfig,
        name: String,
    },
}

#[derive(Debug, Clone)]
pub enum Message {
    Provision(provision::Message),
    App(app::Message),
}

pub enum Root {
    Provisioning(Box<Provision>),
    Running(Box<App>),
}

impl Root {
    /// The app over an enrolled kiosk (with its sync engine), or the provisioning screen.
    pub fn new(boot: Boot, settings: Settings) -> (Root, Task<Message>) {
        match boot {
            Boot::Enrolled(core) => {
                let (app, task) = App::with_sync_engine(core, settings);
                (Root::Running(Box::new(app)), task.map(Message::App))
            }
            Boot::Unenrolled { dir, sync, name } => {
                let (screen, task) = Provision::new(dir, name, sync, settings);
                (
                    Root::Provisioning(Box::new(screen)),
                    task.map(Message::Provision),
                )
            }
        }
    }

    /// The running app, once the kiosk is enrolled.
    pub fn app(&self) -> Option<&App> {
        match self {
            Root::Running(app) => Some(app),
            Root::Provisioning(_) => None,
        }
    }

    /// The provisioning screen, while it shows.
    pub fn provision(&self) -> Option<&Provision> {
        match self {
            Root::Provisioning(p) => Some(p),
            Root::Running(_) => None,
        }
    }

    pub fn update(&mut self, message: Message) -> Task<Message> {
        // systemd's watchdog (`crate::watchdog`), fed on the UI thread whichever half runs.
        match &message {
            Message::App(app::Message::Tick(_))
            | Message::Provision(provision::Message::Tick(_)) => crate::watchdog::on_tick(),
            Message::App(app::Message::Resized(_))
            | Message::Provision(provision::Message::Resized(_)) => {
                crate::watchdog::on_window_opened()
            }
            _ => {}
        }
        let (task, core, screen_settings, lang) = match (&mut *self, message) {
            (Root::Running(app), Message::App(m)) => return app.update(m).map(Message::App),
            (Root::Provisioning(screen), Message::Provision(m)) => match screen.update(m) {
                (task, None) => return task.map(Message::Provision),
                (task, Some(core)) => {
                    let mut settings = screen.settings().clone();
                    settings.size = screen.size();
                    (task, core, settings, screen.lang())
                }
            },
            // A message for the other half (a late task of the provisioning screen).
            _ => return Task::none(),
        };
        // Enrolled and synced: the app starts over the core, in this window, at its size and
        // in the language branch IT was reading.
        let size = screen_settings.size;
        let (mut app, start) = App::with_sync_engine(core, screen_settings);
        let mut then = vec![app.update(app::Message::Resized(size))];
        if lang != app.lang() {
            then.push(app.update(app::Message::SwitchLanguage));
        }
        *self = Root::Running(Box::new(app));
        Task::batch([
            task.map(Message::Provision),
            start.map(Message::App),
            Task::batch(then).map(Message::App),
        ])
    }

    pub fn view(&self) -> Element<'_, Message> {
        match self {
            Root::Provisioning(screen) => screen.view().map(Message::Provision),
            Root::Running(app) => app.view().map(Message::App),
        }
    }

    pub fn subscription(&self) -> Subscription<Message> {
        match self {
            Root::Running(app) => app.subscription().map(Message::App),
            Root::Provisioning(_) => {
                let tick = iced::time::every(Duration::from_secs(1))
                    .map(|_| Message::Provision(provision::Message::Tick(Timestamp::now())));
                let input = event::listen_with(|event, _status, _window| input(&event));
                Subscription::batch([tick, input])
            }
        }
    }
}

/// What the provisioning screen hears from a keyboard or a USB scanner (which types like one):
/// the characters typed, Enter, Backspace; and the window's size. No text field has to have
/// the focus (the window must have the keyboard's, which the compositor gives it).
pub fn input(event: &Input) -> Option<Message> {
    let m = match event {
        Input::Keyboard(keyboard::Event::KeyPressed { key, text, .. }) => match key {
            keyboard::Key::Named(Named::Enter) => provision::Message::Enter,
            keyboard::Key::Named(Named::Backspace) => provision::Message::Erase,
            _ => {
                let typed: String = text
                    .as_deref()?
                    .chars()
                    .filter(|c| !c.is_control())
                    .collect();
                if typed.is_empty() {
                    return None;
                }
                provision::Message::Typed(typed)
            }
        },
        Input::Window(window::Event::Resized(size) | window::Event::Opened { size, .. }) => {
            provision::Message::Resized(*size)
        }
        _ => return None,
    };
    Some(Message::Provision(m))
}
