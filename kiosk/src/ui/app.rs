//! The application: state, messages, and the screen stack.
//!
//! Home is the bottom of the stack; opening something pushes a screen, "back" pops it, and
//! going idle clears the stack, which is how a session's state is dropped. Time arrives as
//! `Tick` messages (one a second), so the idle rules are tested by sending ticks, not by
//! sleeping.

use std::sync::Arc;
use std::time::{Duration, Instant};

use iced::widget::{button, column, container, stack, text};
use iced::{Element, Event, Fill, Font, Length, Size, Subscription, Task, event, touch, window};
use jiff::Timestamp;
use protocol::ContentItem;
use protocol::MediaHash;
use protocol::content::{FormDefinition, HomeLayout, NewsCategory, Tile, TileAction};
use tokio::sync::watch;

use super::i18n::{Lang, Strings};
use super::images::{Decoded, Fit, Images};
use super::screen::{admin, article, attract, book, form, home, library, news, search, status};
use super::theme::{self, Type};
use crate::config::KioskConfig;
use crate::core::{Core, SyncStatus};
use crate::shelf::Shelf;
use crate::sync::SyncEvent;

/// Taps in the corner that open the admin PIN pad, and the time they must fall within.
const ADMIN_TAPS: usize = 5;
const ADMIN_WINDOW: Duration = Duration::from_secs(3);

/// What the app needs besides the core.
#[derive(Debug, Clone)]
pub struct Settings {
    pub idle_home: u64,
    pub idle_attract: u64,
    pub admin_pin_hash: Option<String>,
    pub version: &'static str,
    pub font: Font,
    /// A touchscreen shows no pointer; a development window does.
    pub hide_cursor: bool,
    /// The window's size until the window reports its own.
    pub size: Size,
}

impl Settings {
    pub fn from_config(config: &KioskConfig, font: Font) -> Settings {
        Settings {
            idle_home: config.idle_home_seconds.max(5),
            idle_attract: config.idle_attract_seconds,
            admin_pin_hash: config.admin_pin_hash.clone(),
            version: env!("CARGO_PKG_VERSION"),
            font,
            hide_cursor: false,
            size: Size::new(1920.0, 1080.0),
        }
    }
}

/// One screen on the stack. Screens live on the heap, so the stack is cheap to grow and drop.
#[allow(clippy::large_enum_variant)]
pub enum Screen {
    News(news::State),
    Article(article::State),
    Library(library::State),
    Book(book::State),
    Search(search::State),
    Admin(admin::State),
    Form(form::State),
    Status(status::State),
}

#[derive(Debug, Clone)]
pub enum Message {
    /// One second passed; carries the wall clock for the status bar.
    Tick(Timestamp),
    /// Any touch, click or key: the kiosk is in use.
    Touched,
    Resized(Size),
    Sync(SyncEvent),
    Status(SyncStatus),
    Layout(Option<HomeLayout>),
    Forms(Vec<(ContentItem, FormDefinition)>),
    Slides(Vec<protocol::content::AttractSlide>),
    /// An image finished decoding (`None`: missing or broken).
    Image(MediaHash, Fit, Option<Box<Decoded>>),
    SwitchLanguage,
    ToggleLargeText,
    Home,
    Back,
    OpenTile(usize),
    /// A transient sentence shown over the screen (cleared by the next touch after a while).
    Notice(String),
    CornerTap,
    HomeScrolled(f32),
    Wake,
    News(news::Message),
    Article(article::Message),
    Library(library::Message),
    Book(book::Message),
    Search(search::Message),
    Admin(admin::Message),
    Form(form::Message),
    Check(status::Message),
    /// The pinyin engine finished loading.
    ImeReady(super::ime::Engine),
    Exit,
}

pub struct App {
    pub(super) core: Core,
    pub(super) settings: Settings,
    pub lang: Lang,
    pub(super) large: bool,
    pub(super) size: Size,
    pub(super) now: Timestamp,
    /// Seconds since the last touch.
    pub(super) idle: u64,
    pub status: SyncStatus,
    pub(super) layout: Option<HomeLayout>,
    pub(super) forms: Vec<(ContentItem, FormDefinition)>,
    pub(super) slides: Vec<protocol::content::AttractSlide>,
    pub(super) shelf: Arc<Shelf>,
    pub(super) images: Images,
    pub stack: Vec<Screen>,
    pub(super) attract: Option<attract::State>,
    pub(super) notice: Option<(String, u64)>,
    pub(super) home_offset: f32,
    /// The pinyin engine, once loaded (it loads off the UI thread at start).
    pub(super) ime: Option<super::ime::Engine>,
    corner_taps: Vec<Instant>,
    shutdown: watch::Sender<bool>,
}

impl App {
    /// The app over `core`, and the work to start: the sync engine, the first loads, and the
    /// stream of sync events. `start_sync` is false in tests that drive sync themselves.
    pub fn new(core: Core, settings: Settings, start_sync: bool) -> (App, Task<Message>) {
        let (shutdown, shutdown_rx) = watch::channel(false);
        let app = App {
            shelf: core.shelf(),
            core,
            size: settings.size,
            settings,
            lang: Lang::Zh,
            large: false,
            now: Timestamp::now(),
            idle: 0,
            status: SyncStatus::default(),
            layout: None,
            forms: Vec::new(),
            slides: Vec::new(),
            images: Images::default(),
            stack: Vec::new(),
            attract: None,
            notice: None,
            home_offset: 0.0,
            ime: None,
            corner_taps: Vec::new(),
            shutdown,
        };
        let ime = Task::perform(
            async {
                tokio::task::spawn_blocking(|| {
                    std::sync::Arc::new(crate::ime::Ime::new()) as super::ime::Engine
                })
                .await
                .expect("loading the word list does not panic")
            },
            Message::ImeReady,
        );
        let mut tasks = vec![app.reload(), ime];
        if start_sync {
            let core = app.core.clone();
            let events = tokio_stream::wrappers::BroadcastStream::new(core.events());
            tasks.push(Task::run(
                futures_util::StreamExt::filter_map(events, |e| async move { e.ok() }),
                Message::Sync,
            ));
            tasks.push(
                Task::future(async move {
                    core.start(shutdown_rx);
                })
                .discard(),
            );
        }
        (app, Task::batch(tasks))
    }

    /// Seconds without a touch before the attract carousel starts.
    pub fn idle_limit(&self) -> u64 {
        self.settings.idle_home + self.settings.idle_attract
    }

    /// Whether the pinyin engine has loaded.
    pub fn has_ime(&self) -> bool {
        self.ime.is_some()
    }

    pub fn strings(&self) -> &'static Strings {
        self.lang.strings()
    }

    pub fn types(&self) -> Type {
        Type::new(self.large)
    }

    pub fn font(&self) -> Font {
        self.settings.font
    }

    pub fn portrait(&self) -> bool {
        self.size.height > self.size.width
    }

    /// Reloads what the home screen and status bar show.
    fn reload(&self) -> Task<Message> {
        let core = self.core.clone();
        let status = {
            let core = core.clone();
            Task::perform(
                async move { core.status().await.unwrap_or_default() },
                Message::Status,
            )
        };
        let layout = {
            let core = core.clone();
            Task::perform(
                async move { core.home_layout().await.ok().flatten() },
                Message::Layout,
            )
        };
        let forms = {
            let core = core.clone();
            Task::perform(
                async move { core.forms().await.unwrap_or_default() },
                Message::Forms,
            )
        };
        let slides = Task::perform(
            async move { core.slides().await.unwrap_or_default() },
            Message::Slides,
        );
        Task::batch([status, layout, forms, slides])
    }

    /// The tiles of the home screen: the org's layout, or one made from what is cached.
    pub fn tiles(&self) -> Vec<Tile> {
        if let Some(layout) = &self.layout {
            return layout.tiles.clone();
        }
        let s = Lang::Zh.strings();
        let en = Lang::En.strings();
        let mut tiles: Vec<Tile> = NewsCategory::ALL
            .iter()
            .map(|&category| Tile {
                title: s.category(category).to_owned(),
                title_en: Some(en.category(category).to_owned()),
                icon: String::new(),
                action: TileAction::News { category },
            })
            .collect();
        tiles.insert(
            1,
            Tile {
                title: s.library_title.to_owned(),
                title_en: Some(en.library_title.to_owned()),
                icon: "book".into(),
                action: TileAction::Library,
            },
        );
        for (item, form) in &self.forms {
            tiles.push(Tile {
                title: form.title.clone(),
                title_en: form.title_en.clone(),
                icon: String::new(),
                action: TileAction::Form {
                    form_id: item.id.clone(),
                },
            });
        }
        tiles.push(Tile {
            title: s.tile_status_check.to_owned(),
            title_en: Some(en.tile_status_check.to_owned()),
            icon: "status".into(),
            action: TileAction::StatusCheck,
        });
        tiles
    }

    pub fn tile_title<'a>(&self, tile: &'a Tile) -> &'a str {
        match (self.lang, &tile.title_en) {
            (Lang::En, Some(en)) => en,
            _ => &tile.title,
        }
    }

    /// Forgets the session: every screen, half-typed search or form, the admin panel.
    fn go_home(&mut self) {
        self.stack.clear();
        self.notice = None;
        self.home_offset = 0.0;
    }

    fn open(&mut self, screen: Screen) {
        self.stack.push(screen);
    }

    pub fn update(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Tick(now) => {
                self.now = now;
                self.idle += 1;
                if let Some((_, shown)) = &mut self.notice {
                    *shown += 1;
                    if *shown > 6 {
                        self.notice = None;
                    }
                }
                let shelf = self.core.shelf();
                if !Arc::ptr_eq(&shelf, &self.shelf) {
                    self.shelf = shelf;
                    self.on_shelf_changed();
                }
                if let Some(attract) = &mut self.attract {
                    attract.tick(&self.slides);
                } else if self.idle >= self.settings.idle_home && !self.stack.is_empty() {
                    self.go_home();
                } else if self.idle >= self.settings.idle_home + self.settings.idle_attract
                    && !self.slides.is_empty()
                    && self.stack.is_empty()
                {
                    self.notice = None;
                    self.attract = Some(attract::State::default());
                }
                // The clock moves and "offline since" ages: refresh the status each minute.
                if self.idle.is_multiple_of(60) {
                    let core = self.core.clone();
                    return Task::perform(
                        async move { core.status().await.unwrap_or_default() },
                        Message::Status,
                    );
                }
                Task::none()
            }
            Message::Touched => {
                self.idle = 0;
                Task::none()
            }
            Message::Wake => {
                self.idle = 0;
                self.attract = None;
                self.go_home();
                Task::none()
            }
            Message::Resized(size) => {
                self.size = size;
                Task::none()
            }
            Message::Sync(event) => {
                self.images.retry_failed();
                let mut tasks = vec![self.reload()];
                if let SyncEvent::Synced(summary) = &event
                    && summary.upserts + summary.deletes > 0
                {
                    for screen in &mut self.stack {
                        if let Screen::News(state) = screen {
                            tasks.push(news::load(&self.core, state.category));
                        }
                    }
                }
                if let Some(Screen::Admin(state)) = self.stack.last_mut() {
                    state.on_sync(&event);
                }
                tasks.push(form::on_sync(self));
                Task::batch(tasks)
            }
            Message::Status(status) => {
                self.status = status;
                Task::none()
            }
            Message::Layout(layout) => {
                self.layout = layout;
                Task::none()
            }
            Message::Forms(forms) => {
                self.forms = forms;
                Task::none()
            }
            Message::Slides(slides) => {
                let tasks: Vec<_> = slides
                    .iter()
                    .map(|s| {
                        let fit = Fit::slide(self.size.width, self.size.height);
                        self.images.want(&self.core, &s.image, fit)
                    })
                    .collect();
                self.slides = slides;
                Task::batch(tasks)
            }
            Message::Image(hash, fit, decoded) => {
                self.images.arrived(hash, fit, decoded);
                Task::none()
            }
            Message::SwitchLanguage => {
                self.lang = self.lang.other();
                Task::none()
            }
            Message::ToggleLargeText => {
                self.large = !self.large;
                Task::none()
            }
            Message::Home => {
                self.go_home();
                Task::none()
            }
            Message::Back => {
                self.stack.pop();
                Task::none()
            }
            Message::Notice(text) => {
                self.notice = Some((text, 0));
                Task::none()
            }
            Message::OpenTile(index) => {
                let Some(tile) = self.tiles().get(index).cloned() else {
                    return Task::none();
                };
                self.open_tile(tile.action)
            }
            Message::HomeScrolled(offset) => {
                self.home_offset = offset;
                Task::none()
            }
            Message::CornerTap => {
                let now = Instant::now();
                self.corner_taps
                    .retain(|t| now.duration_since(*t) <= ADMIN_WINDOW);
                self.corner_taps.push(now);
                if self.corner_taps.len() >= ADMIN_TAPS {
                    self.corner_taps.clear();
                    if !matches!(self.stack.last(), Some(Screen::Admin(_))) {
                        self.open(Screen::Admin(admin::State::new(
                            self.settings.admin_pin_hash.is_some(),
                        )));
                    }
                }
                Task::none()
            }
            Message::News(m) => news::update(self, m),
            Message::Article(m) => article::update(self, m),
            Message::Library(m) => library::update(self, m),
            Message::Book(m) => book::update(self, m),
            Message::Search(m) => search::update(self, m),
            Message::Admin(m) => admin::update(self, m),
            Message::Form(m) => form::update(self, m),
            Message::Check(m) => status::update(self, m),
            Message::ImeReady(engine) => {
                self.ime = Some(engine);
                Task::none()
            }
            Message::Exit => {
                let _ = self.shutdown.send(true);
                iced::exit()
            }
        }
    }

    fn open_tile(&mut self, action: TileAction) -> Task<Message> {
        match action {
            TileAction::News { category } => {
                self.open(Screen::News(news::State::new(category)));
                news::load(&self.core, category)
            }
            TileAction::Library => {
                self.open(Screen::Library(library::State::default()));
                library::load_lists(&self.core)
            }
            TileAction::Form { form_id } => {
                match self.forms.iter().find(|(item, _)| item.id == form_id) {
                    Some((item, def)) => {
                        let state = form::State::new(item, def.clone());
                        self.open(Screen::Form(state));
                    }
                    None => self.notice = Some((self.strings().tile_unavailable.to_owned(), 0)),
                }
                Task::none()
            }
            TileAction::StatusCheck => {
                self.open(Screen::Status(status::State::default()));
                Task::none()
            }
        }
    }

    fn on_shelf_changed(&mut self) {
        for screen in &mut self.stack {
            if let Screen::Library(state) = screen {
                state.on_shelf_changed(&self.shelf);
            }
        }
    }

    pub(super) fn push(&mut self, screen: Screen) {
        self.open(screen);
    }

    pub(super) fn screen_mut<T>(
        &mut self,
        pick: impl Fn(&mut Screen) -> Option<&mut T>,
    ) -> Option<&mut T> {
        self.stack.iter_mut().rev().find_map(pick)
    }

    pub fn subscription(&self) -> Subscription<Message> {
        let tick =
            iced::time::every(Duration::from_secs(1)).map(|_| Message::Tick(Timestamp::now()));
        let input = event::listen_with(|event, _status, _window| match event {
            Event::Touch(touch::Event::FingerPressed { .. })
            | Event::Mouse(iced::mouse::Event::ButtonPressed(_))
            | Event::Mouse(iced::mouse::Event::WheelScrolled { .. })
            | Event::Keyboard(iced::keyboard::Event::KeyPressed { .. }) => Some(Message::Touched),
            Event::Window(window::Event::Resized(size))
            | Event::Window(window::Event::Opened { size, .. }) => Some(Message::Resized(size)),
            _ => None,
        });
        Subscription::batch([tick, input])
    }

    pub fn view(&self) -> Element<'_, Message> {
        if let Some(state) = &self.attract {
            return attract::view(self, state);
        }
        let screen: Element<'_, Message> = match self.stack.last() {
            None => home::view(self),
            Some(Screen::News(s)) => news::view(self, s),
            Some(Screen::Article(s)) => article::view(self, s),
            Some(Screen::Library(s)) => library::view(self, s),
            Some(Screen::Book(s)) => book::view(self, s),
            Some(Screen::Search(s)) => search::view(self, s),
            Some(Screen::Admin(s)) => admin::view(self, s),
            Some(Screen::Form(s)) => form::view(self, s),
            Some(Screen::Status(s)) => status::view(self, s),
        };
        let body = column![
            container(screen).height(Fill).width(Fill),
            super::widgets::status_bar(self)
        ];
        // The admin gesture's corner: bottom left, over the branch name in the status bar,
        // where nothing else takes a tap.
        let corner = button(text(""))
            .width(Length::Fixed(96.0))
            .height(Length::Fixed(80.0))
            .style(theme::invisible)
            .on_press(Message::CornerTap);
        let mut layers = stack![
            container(body).style(theme::page).width(Fill).height(Fill),
            container(corner).align_bottom(Fill)
        ];
        if let Some((notice, _)) = &self.notice {
            layers = layers.push(
                container(
                    container(text(notice.as_str()).size(self.types().body))
                        .padding(24)
                        .style(theme::notice),
                )
                .center_x(Fill)
                .align_bottom(Fill)
                .padding(120),
            );
        }
        if self.settings.hide_cursor {
            iced::widget::mouse_area(layers)
                .interaction(iced::mouse::Interaction::Hidden)
                .into()
        } else {
            layers.into()
        }
    }
}
