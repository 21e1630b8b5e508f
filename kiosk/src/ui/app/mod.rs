//! The application: the screen stack, images, the idle rules, and carrying out what screens ask.
//!
//! Home is always there, under the stack; opening something pushes a screen, "back" pops it, and
//! going idle clears the stack, which is how a session's state is dropped. A screen's message
//! goes to the topmost screen of its type ([`Stacked::find`]), and the [`Event`] it hands back
//! is carried out here. Time arrives as `Tick` messages (one a second), so the idle rules are
//! tested by sending ticks, not by sleeping.

pub mod care;
mod view;

use std::time::{Duration, Instant};

use iced::{Event as Input, Size, Subscription, Task, event, touch, window};
use jiff::Timestamp;
use protocol::MediaHash;
use protocol::content::hours::china_time;
use protocol::content::{AttractSlide, OpeningHours, Tile};
use tokio::sync::watch;

use super::context::{Context, Settings};
use super::i18n::Lang;
use super::images::{Decoded, Fit};
use super::ime::Engine;
use super::screen::admin::{self, Admin};
use super::screen::article::{self, Reader};
use super::screen::attract::Attract;
use super::screen::book::{self, Book};
use super::screen::branch::{self, Branch};
use super::screen::closed::Closed;
use super::screen::competition::{self, Competitions};
use super::screen::form::{self, Form};
use super::screen::group::{self, Group};
use super::screen::home::{self, Home};
use super::screen::library::{self, Library};
use super::screen::news::{self, News};
use super::screen::places::{self, Places};
use super::screen::poll::{self, Polls};
use super::screen::proposal::{self, Proposals};
use super::screen::quiz::{self, QuizScreen};
use super::screen::search::{self, Search};
use super::screen::status::{self, StatusCheck};
use super::screen::{Destination, Event, Screen, Stacked};
use crate::core::{Core, SyncStatus};
use crate::sync::SyncEvent;
use crate::usage::Tally;
use protocol::usage::kind;

/// Taps in the corner that open the admin PIN pad, and the time they must fall within.
const ADMIN_TAPS: usize = 5;
const ADMIN_WINDOW: Duration = Duration::from_secs(3);
/// Seconds a notice stays up.
const NOTICE_SECONDS: u64 = 6;
/// How often the usage counts go to the store (and whenever the kiosk goes idle).
const USAGE_EVERY: u64 = 60;

#[derive(Debug, Clone)]
pub enum Message {
    /// One second passed; carries the wall clock for the status bar.
    Tick(Timestamp),
    /// Any touch, click or key: the kiosk is in use.
    Touched,
    Resized(Size),
    Sync(SyncEvent),
    SyncStatus(SyncStatus),
    Slides(Vec<AttractSlide>),
    /// An image finished decoding (`None`: missing or broken).
    Image(MediaHash, Fit, Option<Box<Decoded>>),
    SwitchLanguage,
    ToggleLargeText,
    /// The title bar's "home": the session ends.
    GoHome,
    Back,
    CornerTap,
    Wake,
    Home(home::Message),
    News(news::Message),
    Article(article::Message),
    Library(library::Message),
    Book(book::Message),
    Search(search::Message),
    Admin(admin::Message),
    Form(form::Message),
    StatusCheck(status::Message),
    Places(places::Message),
    Branch(branch::Message),
    Competitions(competition::Message),
    Quiz(quiz::Message),
    Proposals(proposal::Message),
    Polls(poll::Message),
    Group(group::Message),
    /// The opening hours the kiosk goes by (`None`: always open), loaded after each sync.
    Hours(Option<OpeningHours>),
    /// Remote care: the console's screenshot command (`care`).
    Care(care::Message),
}

pub struct App {
    ctx: Context,
    now: Timestamp,
    /// Seconds since the last touch.
    idle: u64,
    slides: Vec<AttractSlide>,
    home: Home,
    stack: Vec<Screen>,
    attract: Option<Attract>,
    /// The slides' pictures asked for while the carousel runs.
    slide_images: Vec<(MediaHash, Fit)>,
    /// The nearest org's opening hours; `None` is always open.
    hours: Option<OpeningHours>,
    /// Shown outside opening hours once the kiosk is idle; a touch wakes it.
    closed: Option<Closed>,
    /// A sentence over the screen, and for how many seconds it has been up.
    notice: Option<(String, u64)>,
    corner_taps: Vec<Instant>,
    shutdown: watch::Sender<bool>,
    /// What people did, counted (`crate::usage`), until it goes to the store.
    usage: Tally,
}

impl App {
    /// The app over `core`, and its first loads (what home shows, if it could not be read at
    /// once). Sync is left to the caller: the tests drive it and send `Message::Sync`
    /// themselves.
    ///
    /// What the first frame shows (home's layout, the branch and sync status, the opening
    /// hours) is read here, at once ([`Core::startup`]: a few small reads), so that the first
    /// frame is already the org's home and not the fallback tiles under "not enrolled"; later
    /// changes arrive with each sync's reload.
    pub fn new(core: Core, settings: Settings) -> (App, Task<Message>) {
        let first = core.startup();
        let (shutdown, _) = watch::channel(false);
        let mut app = App {
            ctx: Context::new(core, settings),
            now: Timestamp::now(),
            idle: 0,
            slides: Vec::new(),
            home: Home::default(),
            stack: Vec::new(),
            attract: None,
            slide_images: Vec::new(),
            hours: None,
            closed: None,
            notice: None,
            corner_taps: Vec::new(),
            shutdown,
            usage: Tally::default(),
        };
        // The pinyin tables are compiled in (kiosk/build.rs): the engine is ready in well under
        // a millisecond, before the first frame. scripts/footprint.sh times this line from exec.
        app.ctx.ime = Some(std::sync::Arc::new(crate::ime::Ime::new()) as Engine);
        tracing::info!("ime: ready");
        let first_loads = match first {
            Ok(first) => {
                app.ctx.status = first.status;
                app.home = Home::loaded_with(first.layout, first.forms, first.offerings);
                app.hours = first.hours;
                // The slides' images decode off the UI thread.
                Task::done(Message::Slides(first.slides))
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot read what home shows; loading it again");
                app.reload()
            }
        };
        (app, first_loads)
    }

    /// The app as the kiosk runs it: [`App::new`], with the sync engine started and its events
    /// followed. Leaving the app (the admin panel's "exit") stops the engine.
    pub fn with_sync_engine(core: Core, settings: Settings) -> (App, Task<Message>) {
        let (app, task) = App::new(core, settings);
        let core = app.ctx.core.clone();
        let events = tokio_stream::wrappers::BroadcastStream::new(core.events());
        let follow = Task::run(
            futures_util::StreamExt::filter_map(events, |e| async move { e.ok() }),
            Message::Sync,
        );
        let shutdown = app.shutdown.subscribe();
        let engine = Task::future(async move {
            core.start(shutdown);
        })
        .discard();
        let care = care::requests(&app.ctx.core);
        (app, Task::batch([task, follow, engine, care]))
    }

    /// Seconds without a touch before the attract carousel starts.
    pub fn idle_limit(&self) -> u64 {
        self.ctx.settings.idle_home + self.ctx.settings.idle_attract
    }

    /// Whether the pinyin engine has loaded.
    pub fn has_ime(&self) -> bool {
        self.ctx.ime.is_some()
    }

    pub fn lang(&self) -> Lang {
        self.ctx.lang
    }

    /// How sync stands, as the status bar shows it.
    pub fn status(&self) -> &SyncStatus {
        &self.ctx.status
    }

    /// The screens over home, the top one last (none: home is showing).
    pub fn screens(&self) -> &[Screen] {
        &self.stack
    }

    /// The home screen's tiles.
    pub fn tiles(&self) -> Vec<Tile> {
        self.home.tiles()
    }

    /// Whether the first loads are in: the branch (status) and home's layout, or that there is
    /// none (the provisioning screen hands over once they are).
    pub fn loaded(&self) -> bool {
        !self.ctx.status.org_name.is_empty() && self.home.loaded()
    }

    /// Whether the closed screen is up (outside opening hours, idle).
    pub fn is_closed(&self) -> bool {
        self.closed.is_some()
    }

    /// Reloads what the home screen, the status bar, the carousel and the opening hours show.
    fn reload(&self) -> Task<Message> {
        let core = self.ctx.core.clone();
        let slides = Task::perform(
            async move { core.slides().await.unwrap_or_default() },
            Message::Slides,
        );
        let core = self.ctx.core.clone();
        let hours = Task::perform(
            async move { core.opening_hours().await.ok().flatten() },
            Message::Hours,
        );
        Task::batch([
            self.refresh_status(),
            Home::load(&self.ctx).map(Message::Home),
            slides,
            hours,
        ])
    }

    fn refresh_status(&self) -> Task<Message> {
        let core = self.ctx.core.clone();
        Task::perform(
            async move { core.status().await.unwrap_or_default() },
            Message::SyncStatus,
        )
    }

    /// Forgets the session: every screen, half-typed search or form, the admin panel.
    fn go_home(&mut self) {
        for screen in std::mem::take(&mut self.stack) {
            self.count_left(&screen);
        }
        self.notice = None;
        self.home.scroll_to_top();
    }

    pub fn update(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Tick(now) => return self.tick(now),
            Message::Touched => self.idle = 0,
            Message::Wake => {
                self.idle = 0;
                self.attract = None;
                self.closed = None;
                self.go_home();
            }
            Message::Resized(size) => self.ctx.size = size,
            Message::Sync(event) => {
                self.ctx.images.retry_failed();
                let mut tasks = vec![self.reload()];
                for screen in &mut self.stack {
                    tasks.push(screen.on_sync(&event, &self.ctx));
                }
                return Task::batch(tasks);
            }
            Message::SyncStatus(status) => self.ctx.status = status,
            // Their pictures are decoded when the carousel runs (`slide_images`).
            Message::Slides(slides) => self.slides = slides,
            Message::Image(hash, fit, decoded) => self.ctx.images.arrived(hash, fit, decoded),
            Message::SwitchLanguage => self.ctx.lang = self.ctx.lang.other(),
            Message::ToggleLargeText => self.ctx.text_size = self.ctx.text_size.other(),
            Message::GoHome => self.go_home(),
            Message::Back => self.pop(),
            Message::CornerTap => self.corner_tap(),
            Message::Home(m) => {
                if let home::Message::Open(i) = &m
                    && let Some(tile) = self.home.tiles().get(*i)
                {
                    self.usage.one(self.now, kind::TAP, &tile.title);
                }
                let (task, event) = self.home.update(m, &self.ctx);
                return self.then(task.map(Message::Home), event);
            }
            Message::News(m) => return self.route::<News>(m, Message::News),
            Message::Article(m) => return self.route::<Reader>(m, Message::Article),
            Message::Library(m) => return self.route::<Library>(m, Message::Library),
            Message::Book(m) => return self.route::<Book>(m, Message::Book),
            Message::Search(m) => return self.route::<Search>(m, Message::Search),
            Message::Admin(m) => return self.route::<Admin>(m, Message::Admin),
            Message::Form(m) => {
                if matches!(m, form::Message::Saved(Ok(_)))
                    && let Some(form) = self.stack.iter_mut().rev().find_map(Form::find)
                {
                    let id = form.form_id().to_string();
                    self.usage.one(self.now, kind::FORM_SUBMITTED, &id);
                }
                return self.route::<Form>(m, Message::Form);
            }
            Message::StatusCheck(m) => return self.route::<StatusCheck>(m, Message::StatusCheck),
            // Fresh figures are for every 名额预约 screen open (the list under a week of
            // slots too), not only the topmost.
            Message::Places(m @ super::screen::places::Message::Loaded(_)) => {
                for screen in self.stack.iter_mut().filter_map(Places::find) {
                    let _ = screen.update(m.clone(), &self.ctx);
                }
            }
            Message::Places(m) => return self.route::<Places>(m, Message::Places),
            Message::Branch(m) => return self.route::<Branch>(m, Message::Branch),
            Message::Competitions(m) => {
                return self.route::<Competitions>(m, Message::Competitions);
            }
            Message::Quiz(m) => return self.route::<QuizScreen>(m, Message::Quiz),
            Message::Proposals(m) => return self.route::<Proposals>(m, Message::Proposals),
            Message::Polls(m) => return self.route::<Polls>(m, Message::Polls),
            Message::Group(m) => {
                if let group::Message::Open(i) = &m
                    && let Some(tile) = self
                        .stack
                        .iter_mut()
                        .rev()
                        .find_map(Group::find)
                        .and_then(|g| g.tiles().get(*i))
                {
                    self.usage.one(self.now, kind::TAP, &tile.title);
                }
                return self.route::<Group>(m, Message::Group);
            }
            Message::Hours(hours) => self.hours = hours,
            Message::Care(m) => return self.care(m),
        }
        Task::none()
    }

    fn tick(&mut self, now: Timestamp) -> Task<Message> {
        self.now = now;
        self.idle += 1;
        if let Some((_, shown)) = &mut self.notice {
            *shown += 1;
            if *shown > NOTICE_SECONDS {
                self.notice = None;
            }
        }
        let shelf = self.ctx.core.shelf();
        if !std::sync::Arc::ptr_eq(&shelf, &self.ctx.shelf) {
            self.ctx.shelf = shelf;
            for screen in &mut self.stack {
                screen.on_shelf_changed(&self.ctx.shelf);
            }
        }
        // Outside opening hours the clock comes up once the kiosk is idle as long as it takes to
        // end a session anyway, so nobody's half-filled form vanishes at closing time; a touch
        // wakes it, and it returns after the same idle time. Sync runs on regardless.
        let shut = self.hours.as_ref().filter(|h| !h.is_open(china_time(now)));
        match shut.map(|hours| Closed::new(hours, now)) {
            None => self.closed = None,
            Some(closed) if self.closed.is_some() || self.idle >= self.ctx.settings.idle_home => {
                if self.closed.is_none() {
                    self.go_home();
                    self.attract = None;
                }
                self.closed = Some(closed);
            }
            Some(_) => {}
        }
        if self.closed.is_some() {
            // The clock is up: no carousel, and nothing left to go home from.
        } else if let Some(attract) = &mut self.attract {
            attract.tick(&self.slides);
        } else if self.idle >= self.ctx.settings.idle_home && !self.stack.is_empty() {
            self.go_home();
        } else if self.idle >= self.idle_limit() && !self.slides.is_empty() && self.stack.is_empty()
        {
            self.notice = None;
            self.attract = Some(Attract::default());
        }
        self.count_second();
        let screens: Vec<_> = self
            .stack
            .iter_mut()
            .map(|s| s.on_tick(&self.ctx))
            .collect();
        let slides = Task::batch(screens.into_iter().chain([self.slide_images()]));
        let usage =
            if self.idle.is_multiple_of(USAGE_EVERY) || self.idle == self.ctx.settings.idle_home {
                self.store_usage()
            } else {
                Task::none()
            };
        // The clock moves and "offline since" ages: refresh the status each minute.
        if self.idle.is_multiple_of(60) {
            return Task::batch([slides, usage, self.refresh_status()]);
        }
        Task::batch([slides, usage])
    }

    /// A second of use for the module up (while someone is at the kiosk), or a slide's
    /// impression as it comes up.
    fn count_second(&mut self) {
        if self.closed.is_some() {
            return;
        }
        if let Some(attract) = &self.attract {
            if let Some(slide) = attract.just_shown(&self.slides) {
                self.usage.one(self.now, kind::SLIDE, &slide.title);
            }
        } else if self.idle < self.ctx.settings.idle_home {
            let module = self.stack.last().map_or("home", Screen::usage_name);
            self.usage.one(self.now, kind::SECONDS, module);
        }
    }

    /// Hands the usage counts to the store (the heartbeats take them from there).
    fn store_usage(&mut self) -> Task<Message> {
        if self.usage.is_empty() {
            return Task::none();
        }
        let counts = self.usage.take();
        let core = self.ctx.core.clone();
        Task::future(async move {
            if let Err(e) = core.record_usage(counts).await {
                tracing::warn!(error = %e, "cannot keep the usage counts");
            }
        })
        .discard()
    }

    /// The top screen leaves.
    fn pop(&mut self) {
        if let Some(screen) = self.stack.pop() {
            self.count_left(&screen);
        }
    }

    /// A screen left the stack: a search counts once, with what it ended on.
    fn count_left(&mut self, screen: &Screen) {
        if let Screen::Search(search) = screen
            && let Some((query, found_nothing)) = search.outcome()
        {
            self.usage.one(self.now, kind::SEARCH, "");
            if found_nothing {
                let key = protocol::usage::failed_search_key(query).unwrap_or_default();
                self.usage.one(self.now, kind::FAILED_SEARCH, &key);
            }
        }
    }

    /// The slides' pictures (7.9 MiB each at 1920×1080) are decoded only while the carousel
    /// runs, the one up and the next so that it is ready in time; the others are let go, and
    /// all of them once the carousel stops.
    fn slide_images(&mut self) -> Task<Message> {
        let fit = Fit::slide(self.ctx.size.width, self.ctx.size.height);
        let wanted: Vec<(MediaHash, Fit)> = match &self.attract {
            Some(attract) if self.closed.is_none() => attract
                .showing(&self.slides)
                .into_iter()
                .map(|hash| (hash.clone(), fit))
                .collect(),
            _ => Vec::new(),
        };
        for (hash, fit) in std::mem::take(&mut self.slide_images) {
            if !wanted.contains(&(hash.clone(), fit)) {
                self.ctx.images.forget(&hash, fit);
            }
        }
        self.slide_images.clone_from(&wanted);
        self.want_images(wanted)
    }

    /// Five taps within three seconds open the admin PIN pad (once).
    fn corner_tap(&mut self) {
        let now = Instant::now();
        self.corner_taps
            .retain(|t| now.duration_since(*t) <= ADMIN_WINDOW);
        self.corner_taps.push(now);
        if self.corner_taps.len() >= ADMIN_TAPS {
            self.corner_taps.clear();
            if !matches!(self.stack.last(), Some(Screen::Admin(_))) {
                let pin_hash = self.ctx.settings.admin_pin_hash.clone();
                self.stack.push(Screen::Admin(Admin::new(pin_hash)));
            }
        }
    }

    /// Hands `message` to the topmost screen of its type, and carries out what it asks.
    fn route<S: Stacked>(
        &mut self,
        message: S::Message,
        wrap: fn(S::Message) -> Message,
    ) -> Task<Message> {
        let Some(screen) = self.stack.iter_mut().rev().find_map(S::find) else {
            return Task::none();
        };
        let (task, event) = screen.update(message, &self.ctx);
        self.then(task.map(wrap), event)
    }

    /// A screen's task, and then what its event asks for.
    fn then(&mut self, task: Task<Message>, event: Option<Event>) -> Task<Message> {
        match event {
            None => task,
            Some(event) => Task::batch([task, self.carry_out(event)]),
        }
    }

    fn carry_out(&mut self, event: Event) -> Task<Message> {
        match event {
            Event::Open(destination) => return self.open(destination),
            Event::Back => self.pop(),
            Event::Home => self.go_home(),
            Event::Images(wanted) => return self.want_images(wanted),
            Event::Notice(sentence) => self.notice = Some((sentence, 0)),
            Event::RefreshStatus => return self.refresh_status(),
            Event::Exit => {
                let _ = self.shutdown.send(true);
                return iced::exit();
            }
        }
        Task::none()
    }

    fn open(&mut self, destination: Destination) -> Task<Message> {
        let ctx = &self.ctx;
        let (screen, task) = match destination {
            Destination::News(category) => {
                let (screen, task) = News::new(category, ctx);
                (Screen::News(screen), task.map(Message::News))
            }
            Destination::Article(id) => {
                let (screen, task) = Reader::new(id, ctx);
                (Screen::Article(screen), task.map(Message::Article))
            }
            Destination::Library => {
                let (screen, task) = Library::new(ctx);
                (Screen::Library(screen), task.map(Message::Library))
            }
            Destination::Book(id) => {
                let (screen, task) = Book::new(id, ctx);
                (Screen::Book(screen), task.map(Message::Book))
            }
            Destination::Search => (Screen::Search(Search::default()), Task::none()),
            Destination::Form(form) => {
                let (item, def) = *form;
                (Screen::Form(Form::new(&item, def)), Task::none())
            }
            Destination::Request(form) => {
                let (item, def, answers) = *form;
                let form = Form::new(&item, def).with_answers(answers);
                (Screen::Form(form), Task::none())
            }
            Destination::Places(week_of) => {
                let (screen, task) = Places::new(week_of, ctx);
                (Screen::Places(screen), task.map(Message::Places))
            }
            Destination::StatusCheck => (Screen::StatusCheck(StatusCheck::default()), Task::none()),
            Destination::BranchPage => {
                let (screen, task) = Branch::new(ctx);
                (Screen::Branch(screen), task.map(Message::Branch))
            }
            Destination::Competitions => {
                let (screen, task) = Competitions::new(ctx);
                (
                    Screen::Competitions(screen),
                    task.map(Message::Competitions),
                )
            }
            Destination::Quiz => {
                let (screen, task) = QuizScreen::new(ctx);
                (Screen::Quiz(screen), task.map(Message::Quiz))
            }
            Destination::Proposals => {
                let (screen, task) = Proposals::new(ctx);
                (Screen::Proposals(screen), task.map(Message::Proposals))
            }
            Destination::Proposal(form) => {
                let (item, def) = *form;
                let form = Form::new(&item, def).with_rule(protocol::proposal::cosigner_rule);
                (Screen::Form(form), Task::none())
            }
            Destination::Polls => {
                let (screen, task) = Polls::new(ctx);
                (Screen::Polls(screen), task.map(Message::Polls))
            }
            Destination::Group(group) => {
                let (tile, forms) = *group;
                (Screen::Group(Group::new(tile, forms)), Task::none())
            }
        };
        self.usage.one(self.now, kind::VIEW, screen.usage_name());
        if let Screen::Form(form) = &screen {
            let id = form.form_id().to_string();
            self.usage.one(self.now, kind::FORM_STARTED, &id);
        }
        self.stack.push(screen);
        task
    }

    fn want_images(&mut self, wanted: Vec<(MediaHash, Fit)>) -> Task<Message> {
        let tasks: Vec<_> = wanted
            .iter()
            .map(|(hash, fit)| self.ctx.images.want(&self.ctx.core, hash, *fit))
            .collect();
        Task::batch(tasks)
    }

    pub fn subscription(&self) -> Subscription<Message> {
        let tick =
            iced::time::every(Duration::from_secs(1)).map(|_| Message::Tick(Timestamp::now()));
        let input = event::listen_with(|event, _status, _window| match event {
            Input::Touch(touch::Event::FingerPressed { .. })
            | Input::Mouse(iced::mouse::Event::ButtonPressed(_))
            | Input::Mouse(iced::mouse::Event::WheelScrolled { .. })
            | Input::Keyboard(iced::keyboard::Event::KeyPressed { .. }) => Some(Message::Touched),
            Input::Window(window::Event::Resized(size))
            | Input::Window(window::Event::Opened { size, .. }) => Some(Message::Resized(size)),
            _ => None,
        });
        Subscription::batch([tick, input])
    }
}
