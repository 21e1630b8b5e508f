//! The provisioning screen: what a kiosk that is not enrolled shows instead of home. Branch IT
//! scans the enrollment QR code with a USB scanner (it types like a keyboard, fast, and ends
//! with Enter: `scanner` catches the keys around the whole screen and hands them over as
//! [`Message::Typed`] and [`Message::Enter`], with no text field to focus) or types the string on the on-screen
//! keyboard. The screen shows the network, enrolls (`crate::provision`), runs the first sync
//! with a progress bar, and then hands the open [`Core`] back so the app starts over it.
//!
//! Time comes from `Tick`s, as everywhere in the app: the clock check compares the server's
//! clock with the last tick's, which is how the tests set a wrong clock.

mod scanner;
mod view;

pub use scanner::key_message;
pub use view::{how_long, sentence};

use std::path::PathBuf;
use std::time::Instant;

use futures_util::StreamExt;
use iced::{Size, Task};
use jiff::Timestamp;

use super::context::Settings;
use super::i18n::Lang;
use super::keyboard::{self, CodeKeys, Key, Layout};
use crate::core::Core;
use crate::provision::{self as enroll, Failure, NetworkState};
use crate::store::Enrollment;
use crate::sync::{Progress, SyncConfig};

/// The longest text kept (an enrollment string is about 170 characters).
const MAX_TEXT: usize = 1000;
/// Seconds between looks at the network.
const NETWORK_EVERY: u64 = 5;

#[derive(Debug, Clone)]
pub enum Message {
    /// One second passed: the kiosk's clock now.
    Tick(Timestamp),
    Resized(Size),
    /// Text from a USB scanner or a keyboard.
    Typed(String),
    /// Enter from a scanner (the end of a scan) or a keyboard.
    Enter,
    /// Backspace on a keyboard.
    Erase,
    /// A key of the on-screen keyboard.
    Key(Key),
    ToggleKeyboard,
    SwitchLanguage,
    Submit,
    Network(NetworkState),
    /// The server in the entered string was asked (without its token) whether it answers.
    Checked(String, Result<(), Failure>),
    Enrolled(Result<Box<Enrollment>, Failure>),
    /// The core is open after enrolling, with the feed's head (when the server said).
    Opened(Result<(Box<Core>, Option<u64>), String>),
    Progress(Progress),
    /// The first sync ended (the engine keeps trying if it failed).
    Synced,
}

/// How the server in the entered string answered the last question.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Server {
    Asking,
    Answers,
    Silent,
    WrongKey,
}

#[derive(Debug)]
enum Stage {
    /// Waiting for a string (and showing why the last one failed, if it did).
    Waiting,
    Enrolling,
    /// Enrolled at `org`; the first sync runs.
    Syncing {
        org: String,
        head: Option<u64>,
        progress: Progress,
    },
}

pub struct Provision {
    dir: PathBuf,
    /// The kiosk's name for the fleet list (from the config).
    name: String,
    sync: SyncConfig,
    settings: Settings,
    lang: Lang,
    size: Size,
    now: Timestamp,
    seconds: u64,
    text: String,
    /// The text was tried and nothing was typed on a keyboard since: a new scan replaces it.
    tried: bool,
    /// The on-screen keyboard's page, when it is open.
    keyboard: Option<CodeKeys>,
    network: NetworkState,
    /// The server last asked about (`host:port`) and how it answered.
    server: Option<(String, Server)>,
    stage: Stage,
    /// The core, open once enrolled: handed over when the first sync ends.
    core: Option<Core>,
    /// When the string that worked was sent, for the log line that times enrolling.
    sent: Option<Instant>,
    failure: Option<Failure>,
}

impl Provision {
    /// The screen for the kiosk whose data lives in `dir`, and its first look at the network.
    pub fn new(
        dir: PathBuf,
        name: String,
        sync: SyncConfig,
        settings: Settings,
    ) -> (Provision, Task<Message>) {
        let screen = Provision {
            dir,
            name,
            sync,
            size: settings.size,
            settings,
            lang: Lang::Zh,
            now: Timestamp::now(),
            seconds: 0,
            text: String::new(),
            tried: false,
            keyboard: None,
            network: NetworkState::default(),
            server: None,
            stage: Stage::Waiting,
            core: None,
            sent: None,
            failure: None,
        };
        (screen, look_at_network())
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    pub fn size(&self) -> Size {
        self.size
    }

    /// What was entered, as the screen shows it.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Why the last try failed, while the screen says so.
    pub fn failure(&self) -> Option<&Failure> {
        self.failure.as_ref()
    }

    /// Handles a message; the core comes back once the kiosk is enrolled and the first sync
    /// ended, and the app takes over.
    pub fn update(&mut self, message: Message) -> (Task<Message>, Option<Core>) {
        let task = match message {
            Message::Tick(now) => {
                self.now = now;
                self.seconds += 1;
                if self.seconds.is_multiple_of(NETWORK_EVERY) {
                    look_at_network()
                } else {
                    Task::none()
                }
            }
            Message::Resized(size) => {
                self.size = size;
                Task::none()
            }
            Message::Typed(typed) => self.typed(&typed),
            Message::Enter => self.submit(),
            Message::Erase => {
                self.tried = false;
                self.edit(Key::Backspace)
            }
            Message::Key(Key::To(Layout::Code(page))) => {
                self.keyboard = Some(page);
                Task::none()
            }
            Message::Key(Key::Done) => self.submit(),
            Message::Key(key) => self.edit(key),
            Message::ToggleKeyboard => {
                self.keyboard = match self.keyboard {
                    Some(_) => None,
                    None => Some(CodeKeys::default()),
                };
                Task::none()
            }
            Message::SwitchLanguage => {
                self.lang = self.lang.other();
                Task::none()
            }
            Message::Submit => self.submit(),
            Message::Network(network) => {
                self.network = network;
                Task::none()
            }
            Message::Checked(host, result) => {
                if let Some(state) = answered(&result)
                    && self.server.as_ref().is_some_and(|(h, _)| *h == host)
                {
                    self.server = Some((host, state));
                }
                Task::none()
            }
            Message::Enrolled(result) => return (self.enrolled(result), None),
            Message::Opened(result) => self.opened(result),
            Message::Progress(p) => {
                if let Stage::Syncing { progress, .. } = &mut self.stage {
                    *progress = p;
                }
                Task::none()
            }
            Message::Synced => {
                if let Some(sent) = self.sent {
                    tracing::info!(
                        millis = sent.elapsed().as_millis() as u64,
                        "enrolled and synced the first time: opening home"
                    );
                }
                return (Task::none(), self.core.take());
            }
        };
        (task, None)
    }

    /// Keys from a scanner or keyboard. A scan after a tried string is a new string.
    fn typed(&mut self, typed: &str) -> Task<Message> {
        if !matches!(self.stage, Stage::Waiting) {
            return Task::none();
        }
        if self.tried {
            self.text.clear();
            self.failure = None;
            self.server = None;
            self.tried = false;
        }
        for c in typed.chars().filter(|c| !c.is_control()) {
            keyboard::edit(&mut self.text, Key::Char(c), MAX_TEXT);
        }
        self.ask_server()
    }

    fn edit(&mut self, key: Key) -> Task<Message> {
        if !matches!(self.stage, Stage::Waiting) {
            return Task::none();
        }
        keyboard::edit(&mut self.text, key, MAX_TEXT);
        if self.text.is_empty() {
            self.server = None;
        }
        self.ask_server()
    }

    /// Once the text is a whole enrollment string, asks its server whether it answers (without
    /// the token), so the network panel can say so before anyone presses "enroll".
    fn ask_server(&mut self) -> Task<Message> {
        let Ok(parsed) = enroll::parse(&self.text) else {
            return Task::none();
        };
        let host = enroll::host_of(&parsed.server);
        if self.server.as_ref().is_some_and(|(h, _)| *h == host) {
            return Task::none();
        }
        self.server = Some((host.clone(), Server::Asking));
        let now = self.now;
        Task::perform(
            async move { enroll::check_server(&parsed, now).await },
            move |result| Message::Checked(host.clone(), result),
        )
    }

    fn submit(&mut self) -> Task<Message> {
        if !matches!(self.stage, Stage::Waiting) || self.text.trim().is_empty() {
            return Task::none();
        }
        self.tried = true;
        if let Err(failure) = enroll::parse(&self.text) {
            self.failure = Some(failure);
            return Task::none();
        }
        self.failure = None;
        self.stage = Stage::Enrolling;
        self.sent = Some(Instant::now());
        Task::perform(
            enroll::enroll(
                self.dir.clone(),
                self.text.clone(),
                self.name.clone(),
                self.now,
            ),
            |result| Message::Enrolled(result.map(Box::new)),
        )
    }

    fn enrolled(&mut self, result: Result<Box<Enrollment>, Failure>) -> Task<Message> {
        let host = enroll::parse(&self.text)
            .ok()
            .map(|p| enroll::host_of(&p.server));
        let enrollment = match result {
            Ok(e) => e,
            Err(failure) => {
                if let (Some(host), Some(state)) = (host, answered(&Err(failure.clone()))) {
                    self.server = Some((host, state));
                }
                self.failure = Some(failure);
                self.stage = Stage::Waiting;
                return Task::none();
            }
        };
        if let Some(host) = host {
            self.server = Some((host, Server::Answers));
        }
        // The token is spent: the string has done its work and is not kept on the glass.
        self.text.clear();
        self.keyboard = None;
        self.stage = Stage::Syncing {
            org: enrollment.org.path.join(" / "),
            head: None,
            progress: Progress::default(),
        };
        let (dir, sync) = (self.dir.clone(), self.sync.clone());
        Task::perform(
            async move {
                let core = tokio::task::spawn_blocking(move || Core::open(&dir, sync))
                    .await
                    .expect("opening the core does not panic")
                    .map_err(|e| e.to_string())?;
                let head = enroll::feed_head(&enrollment).await;
                Ok((Box::new(core), head))
            },
            Message::Opened,
        )
    }

    fn opened(&mut self, result: Result<(Box<Core>, Option<u64>), String>) -> Task<Message> {
        let Stage::Syncing { head, .. } = &mut self.stage else {
            return Task::none();
        };
        let (opened, feed_head) = match result {
            Ok(r) => r,
            Err(e) => {
                // Enrolled, but the local store would not open: nothing on this screen can
                // fix that, so say the generic sentence; a restart tries again.
                tracing::error!(error = %e, "cannot open the kiosk's store after enrolling");
                self.failure = Some(Failure::Other);
                return Task::none();
            }
        };
        *head = feed_head;
        self.core = Some((*opened).clone());
        first_sync(*opened)
    }

    /// When the string that enrolled the kiosk was sent (Enter, or the button).
    pub fn sent(&self) -> Option<Instant> {
        self.sent
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

/// What an answer says about the server, for the network panel (`None`: it says nothing).
fn answered(result: &Result<(), Failure>) -> Option<Server> {
    match result {
        Ok(()) | Err(Failure::ClockWrong { .. }) => Some(Server::Answers),
        Err(Failure::WrongKey) => Some(Server::WrongKey),
        Err(Failure::ServerSilent { .. } | Failure::NetworkDown) => Some(Server::Silent),
        Err(_) => None,
    }
}

fn look_at_network() -> Task<Message> {
    Task::perform(
        async {
            tokio::task::spawn_blocking(NetworkState::read)
                .await
                .unwrap_or_default()
        },
        Message::Network,
    )
}

/// The first sync, with its progress as it goes, then `Synced`.
fn first_sync(core: Core) -> Task<Message> {
    enum Step {
        Progress(Progress),
        Done,
    }
    let progress = tokio_stream::wrappers::WatchStream::new(core.progress()).map(Step::Progress);
    let done = futures_util::stream::once(async move {
        if let Err(e) = core.sync_now().await {
            tracing::warn!(error = %e, "the first sync failed; the engine keeps trying");
        }
        Step::Done
    });
    let steps = futures_util::stream::select(progress, done).scan(false, |ended, step| {
        let item = if *ended {
            None
        } else {
            *ended = matches!(step, Step::Done);
            Some(match step {
                Step::Progress(p) => Message::Progress(p),
                Step::Done => Message::Synced,
            })
        };
        std::future::ready(item)
    });
    Task::run(steps, |m| m)
}
