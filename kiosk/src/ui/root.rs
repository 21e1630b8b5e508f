//! The top of the app: a kiosk that is enrolled runs the [`App`]; one that is not shows the
//! [`Provision`] screen, which enrolls it, runs the first sync and hands over the open core,
//! and the app starts over it in the same process. The app loads behind the provisioning
//! screen's full progress bar until it knows its branch and home's layout, so nobody sees "not
//! enrolled" or the fallback tiles right after enrolling.

use std::path::PathBuf;
use std::time::Duration;

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

/// Ticks at most that the app loads behind the provisioning screen.
const START_WAIT: u64 = 10;

pub enum Root {
    /// The provisioning screen; `app` once enrolled and synced, loading behind it for at most
    /// `START_WAIT` ticks (`waited`).
    Provisioning {
        screen: Box<Provision>,
        app: Option<Box<App>>,
        waited: u64,
    },
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
                let root = Root::Provisioning {
                    screen: Box::new(screen),
                    app: None,
                    waited: 0,
                };
                (root, task.map(Message::Provision))
            }
        }
    }

    /// The running app, once the kiosk is enrolled.
    pub fn app(&self) -> Option<&App> {
        match self {
            Root::Running(app) => Some(app),
            Root::Provisioning { .. } => None,
        }
    }

    /// The provisioning screen, while it shows.
    pub fn provision(&self) -> Option<&Provision> {
        match self {
            Root::Provisioning { screen, .. } => Some(screen),
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
        match (&mut *self, message) {
            (Root::Running(app), Message::App(m)) => app.update(m).map(Message::App),
            (
                Root::Provisioning {
                    app: Some(app),
                    waited,
                    ..
                },
                Message::App(m),
            ) => {
                if matches!(m, app::Message::Tick(_)) {
                    *waited += 1;
                }
                let task = app.update(m).map(Message::App);
                let ready = app.loaded() || *waited >= START_WAIT;
                if ready
                    && let Root::Provisioning {
                        app: slot, screen, ..
                    } = self
                    && let Some(app) = slot.take()
                {
                    if let Some(sent) = screen.sent() {
                        tracing::info!(
                            millis = sent.elapsed().as_millis() as u64,
                            "enrolled: home shown"
                        );
                    }
                    *self = Root::Running(app);
                }
                task
            }
            (
                Root::Provisioning {
                    screen,
                    app: slot @ None,
                    ..
                },
                Message::Provision(m),
            ) => {
                let (task, ready) = screen.update(m);
                let Some(core) = ready else {
                    return task.map(Message::Provision);
                };
                // Enrolled and synced: the app starts over the core, in this window, at its
                // size and in the language branch IT was reading.
                let mut settings = screen.settings().clone();
                settings.size = screen.size();
                let (mut app, start) = App::with_sync_engine(core, settings);
                let mut then = vec![app.update(app::Message::Resized(screen.size()))];
                if screen.lang() != app.lang() {
                    then.push(app.update(app::Message::SwitchLanguage));
                }
                *slot = Some(Box::new(app));
                Task::batch([
                    task.map(Message::Provision),
                    start.map(Message::App),
                    Task::batch(then).map(Message::App),
                ])
            }
            // A late message for the half that is gone.
            _ => Task::none(),
        }
    }

    pub fn view(&self) -> Element<'_, Message> {
        match self {
            Root::Provisioning { screen, .. } => screen.view().map(Message::Provision),
            Root::Running(app) => app.view().map(Message::App),
        }
    }

    pub fn subscription(&self) -> Subscription<Message> {
        match self {
            Root::Running(app) | Root::Provisioning { app: Some(app), .. } => {
                app.subscription().map(Message::App)
            }
            Root::Provisioning { app: None, .. } => {
                let tick = iced::time::every(Duration::from_secs(1))
                    .map(|_| Message::Provision(provision::Message::Tick(Timestamp::now())));
                let input = event::listen_with(|event, _status, _window| window_event(&event));
                Subscription::batch([tick, input])
            }
        }
    }
}

/// What the provisioning screen hears from the window besides its widgets: its size. (Keys
/// are caught by a widget, `provision::scanner`: a subscription's queue can drop them.)
pub fn window_event(event: &Input) -> Option<Message> {
    match event {
        Input::Window(window::Event::Resized(size) | window::Event::Opened { size, .. }) => {
            Some(Message::Provision(provision::Message::Resized(*size)))
        }
        _ => None,
    }
}
