//! The real kiosk binary on real displays: Xvfb with no window manager, and Wayland under
//! `cage`'s headless backend as a non-root user. Screenshots of the whole screen check that the
//! app covers it: the title bar's red along the top edge, the status bar along the bottom.

use std::process::Command;
use std::time::Duration;

use kiosk::ui::theme;
use tests::display::{self, Cage, Process, Xvfb};

/// The line the kiosk logs when the home screen has the org's own layout.
const LAYOUT: &str = "home: the org's layout";

fn near(pixel: &image::Rgba<u8>, colour: iced::Color) -> bool {
    let [r, g, b, _] = colour.into_rgba8();
    pixel.0[..3]
        .iter()
        .zip([r, g, b])
        .all(|(&p, c)| p.abs_diff(c) <= 6)
}

/// Whether the home screen's chrome reaches every corner (top-left, top-right, bottom-left,
/// bottom-right): the red title bar at both top corners, the status bar at both bottom ones.
fn covered(corners: &[image::Rgba<u8>; 4]) -> bool {
    let [tl, tr, bl, br] = corners;
    near(tl, theme::RED)
        && near(tr, theme::RED)
        && near(bl, theme::STATUS)
        && near(br, theme::STATUS)
}

/// Started without `--windowed` on bare X (no window manager to honour a fullscreen request),
/// the app sizes itself to the monitor and shows the org's home layout.
#[tokio::test]
async fn fullscreen_without_a_window_manager_covers_the_screen() {
    let (_server, dir) = display::demo_kiosk().await;
    for (w, h) in [(1280, 1024), (1080, 1920)] {
        let x = Xvfb::start(w, h);
        let mut cmd = display::kiosk_command(dir.path());
        x.configure(&mut cmd);
        cmd.arg("run");
        let mut kiosk = Process::spawn("kiosk", cmd);
        kiosk.wait_for_stderr(LAYOUT, Duration::from_secs(60)).await;
        display::wait_until(
            &format!("the app covers the {w}×{h} screen"),
            Duration::from_secs(30),
            || covered(&x.corners(1)).then_some(()),
        )
        .await;
        let shot = x.screenshot();
        assert_eq!(shot.dimensions(), (w, h));
        assert!(covered(&display::corners(&shot, 1)));
        assert!(
            kiosk.stderr().contains("covering the monitor"),
            "{}",
            kiosk.stderr()
        );
    }
}

/// In a desktop session, where a window manager (openbox here) honours the fullscreen request:
/// the app covers the screen with no title bar or frame around it.
#[tokio::test]
async fn fullscreen_under_a_window_manager_covers_the_screen() {
    let (_server, dir) = display::demo_kiosk().await;
    display::require("openbox", "openbox");
    let x = Xvfb::start(1366, 768);
    let ready = tempfile::tempdir().expect("dir");
    let flag = ready.path().join("started");
    let mut wm = Command::new("openbox");
    wm.arg("--startup").arg(format!("touch {}", flag.display()));
    x.configure(&mut wm);
    let mut wm = Process::spawn("openbox", wm);
    display::wait_until(
        "openbox manages the screen",
        Duration::from_secs(30),
        || {
            if let Some(status) = wm.exited() {
                panic!(
                    "openbox exited ({status}); is it installed (`apt-get install -y openbox`)? {}",
                    wm.stderr()
                );
            }
            flag.exists().then_some(())
        },
    )
    .await;
    let mut cmd = display::kiosk_command(dir.path());
    x.configure(&mut cmd);
    cmd.arg("run");
    let mut kiosk = Process::spawn("kiosk", cmd);
    kiosk.wait_for_stderr(LAYOUT, Duration::from_secs(60)).await;
    display::wait_until(
        "the app covers the 1366×768 screen",
        Duration::from_secs(30),
        || covered(&x.corners(1)).then_some(()),
    )
    .await;
}

/// Under `cage` (headless, software rendering, a non-root user, a copy of an enrolled kiosk's
/// data dir), the app fills the output and shows the org's home layout. The output is turned a
/// quarter (720×1280): on the headless backend of Debian 12's wlroots 0.15, a client that covers
/// an unturned output exactly is "scanned out" directly and the output keeps showing its first
/// frame, whatever the client draws next (a real screen, on the DRM backend, refuses the shared
/// memory buffer and composites). A turned output is always composited.
#[tokio::test]
async fn under_cage_the_app_fills_the_output() {
    let (_server, dir) = display::demo_kiosk().await;
    let mut cage = Cage::start(dir.path(), true, &[]).await;
    cage.process
        .wait_for_stderr(LAYOUT, Duration::from_secs(60))
        .await;
    let shot = display::wait_until(
        "the app fills cage's output",
        Duration::from_secs(30),
        || Some(cage.screenshot()).filter(|shot| covered(&display::corners(shot, 1))),
    )
    .await;
    assert_eq!(shot.dimensions(), (720, 1280));
}
