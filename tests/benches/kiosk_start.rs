//! The kiosk's start on a real display: the time from exec to the home screen showing the org's
//! own layout, fullscreen under Xvfb with no window manager (1920×1080, and 720×1280 to compare
//! with cage) and under headless `cage` as a non-root user (its output turned to 720×1280, see
//! `tests/e2e/display.rs`). The demo pack with a 60,000-item catalogue, synced beforehand. Two
//! figures a run: when the app logged that the layout arrived, and when a screenshot first showed
//! the app covering the screen after that (when that screenshot was asked for; polled, so late
//! by up to one poll: a few ms under Xvfb, where only the corners are read; one `grim` under cage).
//!
//! Run: `cargo build --release -p kiosk && cargo bench -p tests --bench kiosk_start` (the release
//! kiosk next to the bench is the one timed), or, to spare a release build of the harness,
//! `KIOSK_BIN=$PWD/target/release/kiosk cargo test -p tests --bench kiosk_start`.

use std::time::{Duration, Instant};

use tests::display::{self, Cage, Process, Xvfb};

const RUNS: usize = 5;
const LAYOUT: &str = "home: the org's layout";

fn covered(corners: [image::Rgba<u8>; 4]) -> bool {
    let near = |p: &image::Rgba<u8>, c: iced::Color| {
        let [r, g, b, _] = c.into_rgba8();
        p.0[..3]
            .iter()
            .zip([r, g, b])
            .all(|(&p, c)| p.abs_diff(c) <= 6)
    };
    let [tl, tr, bl, br] = corners;
    let (red, status) = (kiosk::ui::theme::RED, kiosk::ui::theme::STATUS);
    near(&tl, red) && near(&tr, red) && near(&bl, status) && near(&br, status)
}

/// Seconds from `started` to when the screenshot that first showed the app covering the screen
/// was asked for.
async fn until_covered(started: Instant, corners: impl Fn() -> [image::Rgba<u8>; 4]) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let asked = Instant::now();
        if covered(corners()) {
            return (asked - started).as_secs_f64();
        }
        assert!(asked < deadline, "the app never covered the screen");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn report(name: &str, layout: Vec<f64>, shown: Vec<f64>) {
    let ms = |v: &[f64]| {
        v.iter()
            .map(|s| format!("{:.0}", s * 1000.0))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "{name}: layout logged {} ms (median {:.0}); covering the screen {} ms (median {:.0})",
        ms(&layout),
        median(layout.clone()) * 1000.0,
        ms(&shown),
        median(shown.clone()) * 1000.0
    );
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let server = tests::TestServer::start().await;
        let (admin, loaded) = server.load_demo(60_000).await;
        let dir = display::synced_kiosk_dir(&admin, loaded.branch).await;
        println!("kiosk binary: {}", display::kiosk_binary().display());

        for (w, h) in [(1920, 1080), (720, 1280)] {
            let (mut layout, mut shown) = (Vec::new(), Vec::new());
            for _ in 0..RUNS {
                let x = Xvfb::start(w, h);
                let mut cmd = display::kiosk_command(dir.path());
                x.configure(&mut cmd);
                cmd.arg("run");
                let mut kiosk = Process::spawn("kiosk", cmd);
                let logged = kiosk.wait_for_stderr(LAYOUT, Duration::from_secs(60)).await;
                shown.push(until_covered(kiosk.started, || x.corners(1)).await);
                layout.push(logged.as_secs_f64());
            }
            report(&format!("Xvfb {w}×{h}, no window manager"), layout, shown);
        }

        let (mut layout, mut shown) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            let mut cage = Cage::start(dir.path(), true, &[]).await;
            let logged = cage
                .process
                .wait_for_stderr(LAYOUT, Duration::from_secs(60))
                .await;
            shown.push(
                until_covered(cage.process.started, || {
                    display::corners(&cage.screenshot(), 1)
                })
                .await,
            );
            layout.push(logged.as_secs_f64());
        }
        report("cage headless, 720×1280, as a non-root user", layout, shown);
    });
}
