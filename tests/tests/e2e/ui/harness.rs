//! A kiosk app over a real synced core, and ways to poke it: tap a text, inject events, send
//! messages, and run the tasks they start until everything settles.

use futures_util::StreamExt;
use iced::{Event, Size, Task};
use iced_test::simulator::Simulator;
use kiosk::core::Core;
use kiosk::ui::{App, Message, Settings};
use tests::TestServer;

pub struct Harness {
    pub app: App,
    pub core: Core,
    pub size: Size,
    pub server: Option<TestServer>,
    /// The org the kiosk is enrolled at.
    pub branch: protocol::OrgId,
    _dir: tempfile::TempDir,
}

pub const PIN: &str = "246813";

/// The two shapes a lobby screen comes in, at the design's size, with a name for screenshots.
pub const SHAPES: [(Size, &str); 2] = [
    (Size::new(1920.0, 1080.0), "landscape"),
    (Size::new(1080.0, 1920.0), "portrait"),
];

pub fn settings() -> Settings {
    use argon2::PasswordHasher;
    let salt = argon2::password_hash::SaltString::encode_b64(b"ui-test-salt-123").expect("salt");
    let hash = argon2::Argon2::default()
        .hash_password(PIN.as_bytes(), &salt)
        .expect("hash")
        .to_string();
    Settings {
        idle_home: 30,
        idle_attract: 20,
        admin_pin_hash: Some(hash),
        version: "test",
        font: kiosk::ui::font(),
        hide_cursor: true,
        size: iced::Size::new(1920.0, 1080.0),
        closed_screen: kiosk::config::ClosedScreen::Clock,
    }
}

impl Harness {
    /// A server with the demo pack (a small catalogue), a kiosk enrolled at its branch and
    /// synced once, and the app over it at 1920×1080.
    pub async fn demo() -> Harness {
        let (server, admin, loaded) = TestServer::demo().await;
        let mut h = Harness::at(&admin, loaded.branch).await;
        h.server = Some(server);
        h
    }

    /// [`Harness::demo`] on SQLite whatever `UNION_TEST_BACKEND` says.
    pub async fn demo_on_sqlite() -> Harness {
        let (server, admin, loaded) = TestServer::demo_on_sqlite().await;
        let mut h = Harness::at(&admin, loaded.branch).await;
        h.server = Some(server);
        h
    }

    /// Another kiosk's app, enrolled at the same org of the same server (which stays with
    /// `self`), synced once, at 1920×1080.
    pub async fn another(&self) -> Harness {
        let server = self
            .server
            .as_ref()
            .expect("a demo harness holds its server");
        let admin = server
            .login(sync_server::demo::ADMIN, sync_server::demo::PASSWORD)
            .await;
        Harness::at(&admin, self.branch).await
    }

    async fn at(admin: &tests::Staff, branch: protocol::OrgId) -> Harness {
        let (core, dir) = tests::kiosk_core(admin, branch).await;
        core.rebuild_search().await.expect("index");
        let (app, task) = App::new(core.clone(), settings());
        let mut h = Harness {
            app,
            core,
            size: Size::new(1920.0, 1080.0),
            server: None,
            branch,
            _dir: dir,
        };
        h.settle(task).await;
        h.send(Message::Resized(h.size)).await;
        // The shelf is picked up on a tick.
        h.send(Message::Tick(jiff::Timestamp::now())).await;
        h
    }

    /// Runs a task and everything its messages start, to the end.
    pub async fn settle(&mut self, task: Task<Message>) {
        let mut pending = vec![task];
        let mut steps = 0;
        while let Some(task) = pending.pop() {
            let Some(mut stream) = iced_runtime::task::into_stream(task) else {
                continue;
            };
            while let Some(action) = stream.next().await {
                if let iced_runtime::Action::Output(message) = action {
                    steps += 1;
                    assert!(steps < 1000, "tasks keep producing messages");
                    pending.push(self.app.update(message));
                }
            }
        }
    }

    pub async fn send(&mut self, message: Message) {
        let task = self.app.update(message);
        self.settle(task).await;
    }

    /// Home, on a screen of `size`, in `lang`: where each screen's walk in every shape and
    /// language ([`SHAPES`]) starts.
    pub async fn home_at(&mut self, size: Size, lang: kiosk::ui::i18n::Lang) {
        self.size = size;
        self.send(Message::Resized(size)).await;
        self.send(Message::GoHome).await;
        if self.app.lang() != lang {
            self.send(Message::SwitchLanguage).await;
        }
    }

    fn simulator(&self) -> Simulator<'_, Message> {
        let settings = iced::Settings {
            fonts: vec![kiosk::fonts::REGULAR.into(), kiosk::fonts::BOLD.into()],
            default_font: kiosk::ui::font(),
            ..iced::Settings::default()
        };
        Simulator::with_size(settings, self.size, self.app.view())
    }

    /// Messages that tapping (clicking) the text produces, and whether it was there at all.
    pub fn messages_of_click(&self, label: &str) -> Option<Vec<Message>> {
        let mut ui = self.simulator();
        ui.click(label).ok()?;
        Some(ui.into_messages().collect())
    }

    /// Taps the text and handles what follows, like a finger would: the app hears of the touch
    /// first (its event subscription), then of what was tapped. Panics if the text is not on
    /// screen.
    pub async fn tap(&mut self, label: &str) {
        self.send(Message::Touched).await;
        let messages = self
            .messages_of_click(label)
            .unwrap_or_else(|| panic!("{label:?} is not on the screen"));
        for m in messages {
            self.send(m).await;
        }
    }

    /// Whether the text is on the screen now.
    pub fn shows(&self, label: &str) -> bool {
        self.simulator().find(label).is_ok()
    }

    /// Where the text is on the screen.
    pub fn position_of(&self, label: &str) -> iced::Point {
        let target = self
            .simulator()
            .find(label)
            .unwrap_or_else(|_| panic!("{label:?} is not on the screen"));
        target
            .visible_bounds()
            .unwrap_or_else(|| panic!("{label:?} is not visible"))
            .center()
    }

    /// Where the text is laid out, and the part of that not clipped away (by a scrolling
    /// list, say).
    pub fn bounds_of(&self, label: &str) -> (iced::Rectangle, Option<iced::Rectangle>) {
        let target = self
            .simulator()
            .find(label)
            .unwrap_or_else(|_| panic!("{label:?} is not on the screen"));
        (target.bounds(), target.visible_bounds())
    }

    /// Draws the screen twice, as the window would on two frames: a screen that cannot be
    /// drawn (a broken image, say) fails here rather than on the glass.
    pub fn draw(&self) {
        let mut ui = self.simulator();
        for _ in 0..2 {
            ui.snapshot(&iced::Theme::Light).expect("the screen draws");
        }
    }

    /// Draws the screen and writes it to `target/kiosk-screenshots/<name>.png`, for people to
    /// look at.
    pub fn shot(&self, name: &str) {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../target/kiosk-screenshots");
        let path = dir.join(format!("{name}.png"));
        // The snapshot writes a file that is not there (and compares with one that is), named
        // after the renderer.
        let _ = std::fs::remove_file(dir.join(format!("{name}-tiny-skia.png")));
        let mut ui = self.simulator();
        ui.snapshot(&iced::Theme::Light).expect("the screen draws");
        ui.snapshot(&iced::Theme::Light)
            .expect("the screen draws")
            .matches_image(&path)
            .expect("the screenshot is written");
    }

    /// Injects raw events and returns the messages they produced (not yet handled).
    pub fn inject(&self, events: Vec<Event>) -> Vec<Message> {
        let mut ui = self.simulator();
        ui.simulate(events);
        ui.into_messages().collect()
    }

    /// Injects raw events with the mouse cursor at `at`.
    pub fn inject_at(&self, at: iced::Point, events: Vec<Event>) -> Vec<Message> {
        let mut ui = self.simulator();
        ui.point_at(at);
        ui.simulate(events);
        ui.into_messages().collect()
    }

    /// The pointer the window would show with the mouse at `at` (what winit is told to draw).
    pub async fn pointer_at(&self, at: iced::Point) -> iced::mouse::Interaction {
        use iced_runtime::core::renderer::Headless;
        use iced_runtime::user_interface::{Cache, State, UserInterface};
        // The simulator loads the app's fonts into the shared font system first.
        drop(self.simulator());
        let mut renderer =
            <iced::Renderer as Headless>::new(kiosk::ui::font(), iced::Pixels(16.0), None)
                .await
                .expect("a headless renderer");
        let mut ui =
            UserInterface::build(self.app.view(), self.size, Cache::default(), &mut renderer);
        let (state, _) = ui.update(
            &[],
            iced::mouse::Cursor::Available(at),
            &mut renderer,
            &mut iced_runtime::core::clipboard::Null,
            &mut Vec::new(),
        );
        match state {
            State::Updated {
                mouse_interaction, ..
            } => mouse_interaction,
            State::Outdated => panic!("a fresh interface is never outdated"),
        }
    }

    pub async fn handle(&mut self, messages: Vec<Message>) {
        for m in messages {
            self.send(m).await;
        }
    }
}
