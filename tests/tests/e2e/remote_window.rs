//! Remote care end to end with the real kiosk binary in a real window (Xvfb, no window manager):
//! staff ask for a screenshot on the console, the app renders its window to PNG and uploads it;
//! staff ask for a restart, the kiosk acknowledges, starts afresh, reconnects and answers again.

use std::time::Duration;

use protocol::KioskId;
use protocol::command::{CommandKind, CommandStatus};
use tests::display::{self, Process, Xvfb};

use crate::remote::{ask, finished, signed_in};

/// The line the kiosk logs when the home screen has the org's own layout.
const LAYOUT: &str = "home: the org's layout";
/// The line every start of the kiosk logs.
const STARTED: &str = "kiosk started";

/// The screenshot of command `id`, decoded, as the console serves it.
async fn screenshot(
    console: &tests::console::Console,
    kiosk: &KioskId,
    id: i64,
) -> image::RgbaImage {
    let url = console
        .base
        .join(&format!(
            "/console/kiosks/{kiosk}/commands/{id}/screenshot.png"
        ))
        .expect("url");
    let resp = console.http.get(url).send().await.expect("answers");
    assert_eq!(resp.status(), 200);
    let bytes = resp.bytes().await.expect("body");
    image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .expect("a PNG that decodes")
        .to_rgba8()
}

/// Distinct colours in a sample of the picture: a blank screen has one or two.
fn colours(shot: &image::RgbaImage) -> usize {
    let mut seen = std::collections::HashSet::new();
    for (x, y, p) in shot.enumerate_pixels() {
        if x % 7 == 0 && y % 7 == 0 {
            seen.insert(p.0);
        }
    }
    seen.len()
}

/// The id the kiosk in `dir` enrolled as.
fn enrolled_as(dir: &tempfile::TempDir) -> KioskId {
    kiosk::store::Store::open(dir.path())
        .expect("store")
        .enrollment()
        .expect("read")
        .expect("enrolled")
        .kiosk_id
}

async fn admin_console(server: &tests::TestServer) -> tests::console::Console {
    signed_in(
        server,
        sync_server::demo::ADMIN,
        sync_server::demo::PASSWORD,
    )
    .await
}

/// A demo server, the real kiosk app on a fresh Xvfb showing the org's home, and the demo
/// administrator's console.
/// (Bind every field: what a pattern leaves out is dropped at once, the display with it.)
struct Started {
    server: tests::TestServer,
    kiosk: KioskId,
    app: Process,
    console: tests::console::Console,
    _x: Xvfb,
    _dir: tempfile::TempDir,
}

async fn start_on_xvfb(width: u32, height: u32, env: &[(&str, &str)]) -> Started {
    let (server, dir) = display::demo_kiosk().await;
    let kiosk = enrolled_as(&dir);
    let x = Xvfb::start(width, height);
    let mut cmd = display::kiosk_command(dir.path());
    x.configure(&mut cmd);
    cmd.envs(env.iter().copied()).arg("run");
    let mut app = Process::spawn("kiosk", cmd);
    app.wait_for_stderr(LAYOUT, Duration::from_secs(60)).await;
    let console = admin_console(&server).await;
    Started {
        server,
        kiosk,
        app,
        console,
        _x: x,
        _dir: dir,
    }
}

#[tokio::test]
async fn screenshot_and_restart_round_trip_through_the_real_server() {
    let Started {
        server,
        kiosk,
        mut app,
        mut console,
        _x,
        _dir,
    } = start_on_xvfb(1280, 720, &[]).await;

    // A screenshot of the home screen: the window's own pixels, the screen's size, not blank,
    // the title bar's red at the top.
    let asked = std::time::Instant::now();
    let shot = ask(&mut console, &server, &kiosk, CommandKind::Screenshot).await;
    let c = finished(&server, &kiosk, shot).await;
    let screenshot_took = asked.elapsed();
    assert_eq!(
        c.status,
        CommandStatus::Done,
        "{:?}\n{}",
        c.text,
        app.stderr()
    );
    let home = screenshot(&console, &kiosk, shot).await;
    assert_eq!(home.dimensions(), (1280, 720));
    assert!(colours(&home) > 20, "the screenshot shows something");
    let [r, g, b, _] = kiosk::ui::theme::RED.into_rgba8();
    let top = home.get_pixel(640, 2).0;
    assert!(
        top[..3]
            .iter()
            .zip([r, g, b])
            .all(|(&p, c)| p.abs_diff(c) <= 6),
        "the title bar is at the top: {top:?}"
    );

    // A restart: acknowledged first, then the kiosk starts afresh (same process id when no
    // service manager runs it: it replaced itself) and is back on its stream.
    let pid = app.id();
    let asked = std::time::Instant::now();
    let restart = ask(&mut console, &server, &kiosk, CommandKind::Restart).await;
    let c = finished(&server, &kiosk, restart).await;
    assert_eq!(c.status, CommandStatus::Done);
    let text = c.text.expect("an acknowledgement");
    assert!(
        text.contains(&format!("restarting (process {pid}")),
        "{text}"
    );
    display::wait_until("the kiosk starts again", Duration::from_secs(60), || {
        (app.stderr().matches(STARTED).count() >= 2).then_some(())
    })
    .await;
    assert!(app.exited().is_none(), "{}", app.stderr());

    // The new run answers: its log lines start afresh (the old run's are gone with it), and
    // its window takes screenshots again.
    let logs = ask(&mut console, &server, &kiosk, CommandKind::Logs).await;
    let c = finished(&server, &kiosk, logs).await;
    let answering_again = asked.elapsed();
    assert_eq!(c.status, CommandStatus::Done);
    let lines = c.text.expect("log lines");
    assert!(lines.contains(STARTED), "{lines}");
    assert!(!lines.contains("kind=restart"), "a new run's log:\n{lines}");
    display::wait_until("the home screen is back", Duration::from_secs(60), || {
        (app.stderr().matches(LAYOUT).count() >= 2).then_some(())
    })
    .await;
    let again = ask(&mut console, &server, &kiosk, CommandKind::Screenshot).await;
    let c = finished(&server, &kiosk, again).await;
    assert_eq!(c.status, CommandStatus::Done, "{:?}", c.text);
    assert_eq!(
        screenshot(&console, &kiosk, again).await.dimensions(),
        (1280, 720)
    );
    // Figures for RELIABILITY.md (never asserted).
    eprintln!(
        "remote care: screenshot asked → PNG stored {} ms; restart asked → the new run answered {} ms",
        screenshot_took.as_millis(),
        answering_again.as_millis()
    );
}

/// As the kiosk runs in the field: under `cage` (Wayland, headless backend, a non-root user),
/// a screenshot asked on the console is the app's own window, at the output's size, and a
/// restart brings the app back inside the same cage session.
#[tokio::test]
async fn a_screenshot_under_cage() {
    let (server, dir) = display::demo_kiosk().await;
    let kiosk = enrolled_as(&dir);
    let mut cage = display::Cage::start(dir.path(), true, &[]).await;
    cage.process
        .wait_for_stderr(LAYOUT, Duration::from_secs(60))
        .await;
    let mut console = admin_console(&server).await;
    // cage sizes the window to its output once it has shown it: on a slow machine the first
    // frames can still be the window's default 1024×768, so staff would ask again a moment
    // later, and so does the test (at most three times).
    let mut home = None;
    for _ in 0..3 {
        let shot = ask(&mut console, &server, &kiosk, CommandKind::Screenshot).await;
        let c = finished(&server, &kiosk, shot).await;
        assert_eq!(
            c.status,
            CommandStatus::Done,
            "{:?}\n{}",
            c.text,
            cage.process.stderr()
        );
        let image = screenshot(&console, &kiosk, shot).await;
        let sized = image.dimensions() == (720, 1280);
        home = Some(image);
        if sized {
            break;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let home = home.expect("a screenshot was taken");
    assert_eq!(
        home.dimensions(),
        (720, 1280),
        "the screenshot is the output's size"
    );
    assert!(colours(&home) > 20, "the screenshot shows something");

    // A restart under cage: the app replaces itself, so cage keeps its client and stays up.
    let restart = ask(&mut console, &server, &kiosk, CommandKind::Restart).await;
    assert_eq!(
        finished(&server, &kiosk, restart).await.status,
        CommandStatus::Done
    );
    display::wait_until("the kiosk starts again", Duration::from_secs(60), || {
        (cage.process.stderr().matches(STARTED).count() >= 2).then_some(())
    })
    .await;
    let logs = ask(&mut console, &server, &kiosk, CommandKind::Logs).await;
    assert_eq!(
        finished(&server, &kiosk, logs).await.status,
        CommandStatus::Done
    );
    assert!(cage.process.exited().is_none(), "{}", cage.process.stderr());
}

/// Under a service manager (systemd sets `INVOCATION_ID`), a restart is acknowledged and the
/// app exits cleanly for the manager to start it again (`Restart=always`).
#[tokio::test]
async fn under_a_service_manager_a_restart_exits_for_it() {
    let Started {
        server,
        kiosk,
        mut app,
        mut console,
        _x,
        _dir,
    } = start_on_xvfb(
        1024,
        768,
        &[("INVOCATION_ID", "0123456789abcdef0123456789abcdef")],
    )
    .await;
    let restart = ask(&mut console, &server, &kiosk, CommandKind::Restart).await;
    let c = finished(&server, &kiosk, restart).await;
    assert_eq!(c.status, CommandStatus::Done);
    assert!(
        c.text
            .as_deref()
            .is_some_and(|t| t.contains("the service manager starts it again")),
        "{:?}",
        c.text
    );
    let status =
        display::wait_until("the app exits", Duration::from_secs(30), || app.exited()).await;
    assert!(status.success(), "{status}\n{}", app.stderr());
    assert_eq!(
        app.stderr().matches(STARTED).count(),
        1,
        "it did not start itself"
    );
}
