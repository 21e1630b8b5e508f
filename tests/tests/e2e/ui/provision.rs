//! The provisioning screen of a kiosk that is not enrolled, against a real server: a string
//! scanned by a USB scanner (key events, then Enter) or typed on the on-screen keyboard enrolls
//! the kiosk, the first sync's progress runs to the end and the app's home shows the org's
//! content, in the same process. Every failure shows its sentence and keeps what was entered.
//!
//! The app's tasks run as the iced runtime would run them, concurrently (the sync engine's
//! never end), and their messages are handled one by one until the screen shows what a test
//! waits for.

use std::time::Duration;

use futures_util::StreamExt;
use iced::keyboard::{self, Key, Location, Modifiers, key};
use iced::{Size, Task};
use iced_test::simulator::Simulator;
use jiff::{SignedDuration, Timestamp};
use kiosk::provision::Failure;
use kiosk::sync::Progress;
use kiosk::ui::i18n::{Lang, Strings};
use kiosk::ui::provision::sentence;
use kiosk::ui::root::Message;
use kiosk::ui::{Boot, Root};
use protocol::{EnrollmentString, Fingerprint};
use tests::TestServer;
use tokio::sync::mpsc;

use super::harness::settings;

fn zh() -> &'static Strings {
    Lang::Zh.strings()
}

/// An unenrolled kiosk's app, with its tasks running.
struct Kiosk {
    root: Root,
    size: Size,
    tx: mpsc::UnboundedSender<Message>,
    rx: mpsc::UnboundedReceiver<Message>,
    /// Every progress report the first sync sent.
    progress: Vec<Progress>,
    _dir: tempfile::TempDir,
}

impl Kiosk {
    fn new() -> Kiosk {
        Kiosk::sized(Size::new(1920.0, 1080.0))
    }

    fn sized(size: Size) -> Kiosk {
        let dir = tempfile::tempdir().expect("dir");
        let mut settings = settings();
        settings.size = size;
        let (root, task) = Root::new(
            Boot::Unenrolled {
                dir: dir.path().to_path_buf(),
                sync: kiosk::sync::SyncConfig::default(),
                name: "一楼大厅".to_owned(),
            },
            settings,
        );
        let (tx, rx) = mpsc::unbounded_channel();
        let kiosk = Kiosk {
            root,
            size,
            tx,
            rx,
            progress: Vec::new(),
            _dir: dir,
        };
        kiosk.spawn(task);
        kiosk
    }

    /// Runs a task in the background; its messages queue up for [`Kiosk::until`].
    fn spawn(&self, task: Task<Message>) {
        let Some(mut stream) = iced_runtime::task::into_stream(task) else {
            return;
        };
        let tx = self.tx.clone();
        tokio::spawn(async move {
            while let Some(action) = stream.next().await {
                if let iced_runtime::Action::Output(m) = action
                    && tx.send(m).is_err()
                {
                    return;
                }
            }
        });
    }

    fn send(&mut self, message: Message) {
        if let Message::Provision(kiosk::ui::provision::Message::Progress(p)) = &message {
            self.progress.push(*p);
        }
        let task = self.root.update(message);
        self.spawn(task);
    }

    /// Handles messages as they come until `done` holds (at most 60 s).
    async fn until(&mut self, what: &str, done: impl Fn(&Kiosk) -> bool) {
        let wait = async {
            while !done(self) {
                let m = self.rx.recv().await.expect("the sender lives in self");
                self.send(m);
            }
        };
        tokio::time::timeout(Duration::from_secs(60), wait)
            .await
            .unwrap_or_else(|_| panic!("waited 60 s for {what}"));
    }

    /// Types `text` as a USB scanner does, a key event per character in one burst, and ends
    /// with Enter: through the screen's widgets, as the window delivers them.
    fn scan(&mut self, text: &str) {
        let press = |key: Key, text: Option<&str>| {
            iced::Event::Keyboard(keyboard::Event::KeyPressed {
                modified_key: key.clone(),
                key,
                physical_key: key::Physical::Unidentified(key::NativeCode::Unidentified),
                location: Location::Standard,
                modifiers: Modifiers::empty(),
                text: text.map(Into::into),
                repeat: false,
            })
        };
        let mut events: Vec<iced::Event> = text
            .chars()
            .map(|c| {
                let c = c.to_string();
                press(Key::Character(c.as_str().into()), Some(&c))
            })
            .collect();
        events.push(press(Key::Named(key::Named::Enter), Some("\r")));
        let mut ui = self.simulator();
        ui.simulate(events);
        let messages: Vec<Message> = ui.into_messages().collect();
        assert_eq!(
            messages.len(),
            text.chars().count() + 1,
            "every key reaches the screen"
        );
        for m in messages {
            self.send(m);
        }
    }

    fn tick(&mut self, now: Timestamp) {
        self.send(Message::Provision(kiosk::ui::provision::Message::Tick(now)));
    }

    fn simulator(&self) -> Simulator<'_, Message> {
        let settings = iced::Settings {
            fonts: vec![kiosk::fonts::REGULAR.into(), kiosk::fonts::BOLD.into()],
            default_font: kiosk::ui::font(),
            ..iced::Settings::default()
        };
        Simulator::with_size(settings, self.size, self.root.view())
    }

    fn shows(&self, label: &str) -> bool {
        self.simulator().find(label).is_ok()
    }

    fn tap(&mut self, label: &str) {
        let mut ui = self.simulator();
        ui.click(label)
            .unwrap_or_else(|_| panic!("{label:?} is not on the screen"));
        let messages: Vec<Message> = ui.into_messages().collect();
        for m in messages {
            self.send(m);
        }
    }

    fn failure(&self) -> Option<Failure> {
        self.root.provision().and_then(|p| p.failure().cloned())
    }

    /// Waits for the try under way to fail, and checks the screen says `failure` and still
    /// shows `entered`.
    async fn fails_with(&mut self, failure: Failure, entered: &str) {
        self.until("a failure", |k| k.failure().is_some()).await;
        assert_eq!(self.failure(), Some(failure.clone()));
        let said = sentence(zh(), &failure);
        assert!(self.shows(&said), "the sentence is on the screen: {said}");
        assert!(
            self.shows(entered),
            "what was entered is still there after {failure:?}"
        );
        assert_eq!(self.root.provision().map(|p| p.text()), Some(entered));
    }

    /// Waits until the app runs and its home shows the demo org's own tiles.
    async fn reaches_demo_home(&mut self) {
        self.until("the app's home with the demo layout", |k| {
            k.root.app().is_some() && k.shows("金点子")
        })
        .await;
        let app = self.root.app().expect("running");
        assert!(app.screens().is_empty(), "home, with nothing over it");
        self.until("the status bar's branch", |k| {
            k.root
                .app()
                .is_some_and(|a| a.status().org_name == "临江市城东支行工会")
        })
        .await;
    }
}

/// The demo server and an enrollment string for its 临江市城东支行 branch.
async fn demo_server() -> (TestServer, tests::Staff, String) {
    let (server, admin, loaded) = TestServer::demo().await;
    let string = admin
        .enrollment_token(loaded.branch)
        .await
        .enrollment_string;
    (server, admin, string)
}

#[tokio::test]
async fn a_scanned_string_enrolls_and_the_first_sync_runs_to_home() {
    let (_server, _admin, string) = demo_server().await;
    let mut k = Kiosk::new();
    assert!(k.shows(zh().prov_title) && k.shows(zh().prov_scan));
    assert!(k.shows(zh().prov_nothing_yet));
    // The network panel has looked (this machine has at least loopback, which it leaves out).
    k.until("the network panel", |k| k.shows(zh().prov_network))
        .await;

    k.scan(&string);
    k.reaches_demo_home().await;
    let last = k.progress.last().copied().expect("progress was reported");
    assert!(last.content_done && last.pages >= 1, "{last:?}");
    assert!(last.media_needed > 0, "the demo's images: {last:?}");
    assert_eq!(last.media_done, last.media_needed, "{last:?}");
    assert!(
        k.progress.windows(2).all(|w| w[0].seq <= w[1].seq),
        "the feed position only moves forward"
    );
}

/// Which page of the code keyboard holds `c`: digits are on every page.
fn page_of(c: char) -> Option<&'static str> {
    if c.is_ascii_digit() {
        None
    } else if c.is_ascii_lowercase() {
        Some(zh().prov_key_lower)
    } else if c.is_ascii_uppercase() {
        Some(zh().prov_key_upper)
    } else {
        Some(zh().prov_key_symbols)
    }
}

#[tokio::test]
async fn a_string_typed_on_the_screen_keyboard_enrolls() {
    let (_server, _admin, string) = demo_server().await;
    let mut k = Kiosk::new();
    k.tap(zh().prov_show_keyboard);
    // A slip, cleared; and a wrong character, deleted.
    k.tap("q");
    k.tap("w");
    assert!(k.shows("qw"));
    k.tap(zh().key_clear);
    assert!(k.shows(zh().prov_nothing_yet));
    let mut page = zh().prov_key_lower;
    for (i, c) in string.chars().enumerate() {
        if let Some(wanted) = page_of(c)
            && wanted != page
        {
            k.tap(wanted);
            page = wanted;
        }
        k.tap(&c.to_string());
        if i == 20 {
            // A wrong key, then the delete key.
            k.tap("9");
            k.tap(zh().key_backspace);
        }
    }
    assert!(k.shows(&string), "the whole string is shown as typed");
    k.tap(zh().key_done);
    k.reaches_demo_home().await;
}

/// A string for `server` whose pin is `fingerprint`, with the token of `valid`.
fn altered(valid: &str, server: Option<url::Url>, fingerprint: Option<Fingerprint>) -> String {
    let mut e: EnrollmentString = valid.parse().expect("valid");
    if let Some(server) = server {
        e.server = server;
    }
    if let Some(fp) = fingerprint {
        e.fingerprint = fp;
    }
    e.to_string()
}

/// A new enrollment string for branch A.
async fn fresh(tree: &tests::Tree) -> String {
    tree.admin
        .enrollment_token(tree.branch_a)
        .await
        .enrollment_string
}

#[tokio::test]
async fn every_failure_says_what_to_do_and_keeps_the_string() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let mut k = Kiosk::new();

    // Not an enrollment string: another QR code.
    k.scan("https://weixin.qq.com/r/abc");
    k.fails_with(Failure::NotEnrollment, "https://weixin.qq.com/r/abc")
        .await;

    // Cut short by the scanner; the next scan replaces it.
    let good = fresh(&tree).await;
    let cut = &good[..good.len() - 20];
    k.scan(cut);
    k.fails_with(Failure::Incomplete, cut).await;

    // The server answers with another key than the string pins.
    let wrong_key = altered(&good, None, Some(Fingerprint([0x42; 32])));
    k.scan(&wrong_key);
    k.fails_with(Failure::WrongKey, &wrong_key).await;

    // Nothing listens where the string points.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let nowhere = altered(
        &good,
        Some(format!("https://127.0.0.1:{port}/").parse().expect("url")),
        None,
    );
    k.scan(&nowhere);
    k.fails_with(
        Failure::ServerSilent {
            host: format!("127.0.0.1:{port}"),
        },
        &nowhere,
    )
    .await;

    // The kiosk's clock is three hours fast: stopped before the token is spent.
    k.tick(Timestamp::now() + SignedDuration::from_hours(3));
    k.scan(&good);
    k.until("a failure", |k| k.failure().is_some()).await;
    let Some(Failure::ClockWrong { off }) = k.failure() else {
        panic!("a clock failure, not {:?}", k.failure());
    };
    assert!(
        (off - SignedDuration::from_hours(3)).abs() < SignedDuration::from_secs(30),
        "{off:?}"
    );
    assert!(k.shows(&good));
    assert!(k.shows(&sentence(zh(), &Failure::ClockWrong { off })));
    assert!(
        sentence(zh(), &Failure::ClockWrong { off }).contains("快了 3 小时 0 分钟"),
        "says how far off"
    );

    // The token is used by another kiosk meanwhile (the string was kept and still parses).
    server
        .client()
        .enroll(&protocol::EnrollRequest {
            token: good.parse::<EnrollmentString>().expect("valid").token,
            name: String::new(),
            version: String::new(),
        })
        .await
        .expect("the token was not spent by the kiosk with the wrong clock");
    k.tick(Timestamp::now());
    k.tap(zh().prov_enroll);
    k.fails_with(Failure::TokenUsed, &good).await;

    // An expired token: its expiry moved into the past on the server.
    let expiring = fresh(&tree).await;
    server
        .state
        .db
        .write(|tx| {
            tx.execute(
                "UPDATE enrollment_tokens SET expires_at = 0 WHERE used_at IS NULL",
                [],
            )?;
            Ok(())
        })
        .await
        .expect("expire token");
    k.scan(&expiring);
    k.fails_with(Failure::TokenExpired, &expiring).await;

    // A token the server never issued (mistyped, or withdrawn).
    let mut unknown: EnrollmentString = fresh(&tree).await.parse().expect("valid");
    unknown.token = "x".repeat(32);
    let unknown = unknown.to_string();
    k.scan(&unknown);
    k.fails_with(Failure::TokenUnknown, &unknown).await;

    // And a good string still enrolls after all that.
    let last = fresh(&tree).await;
    k.scan(&last);
    k.until("the app", |k| k.root.app().is_some()).await;
}

#[tokio::test]
async fn the_screen_fits_portrait_and_speaks_english() {
    let mut k = Kiosk::sized(Size::new(1080.0, 1920.0));
    k.tap(zh().switch_language);
    let en = Lang::En.strings();
    assert!(k.shows(en.prov_title) && k.shows(en.prov_scan));
    k.tap(en.prov_show_keyboard);
    assert!(k.shows(en.prov_key_symbols), "the code keyboard is up");
    k.scan("not a code");
    k.until("a failure", |k| k.failure().is_some()).await;
    assert!(k.shows(&sentence(en, &Failure::NotEnrollment)));
}
