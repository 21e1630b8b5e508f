//! The kiosk app under systemd's notify protocol, against a real notify socket: the real binary
//! in a real X display (Xvfb through `xvfb-run`, no window manager) on a
//! data dir that is not enrolled, so it shows the provisioning screen and needs no server. It
//! must say READY=1 once its window is up and then send WATCHDOG=1 from its UI loop at half of
//! WATCHDOG_USEC. (The server's side, including heartbeats stopping while its database writer
//! hangs, is tested in sync-server/tests/cli/watchdog.rs.)

use std::os::unix::net::UnixDatagram;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The period the test gives the app (`WATCHDOG_USEC`).
const PERIOD: Duration = Duration::from_secs(2);

/// Messages on a notify socket bound in a temp dir.
struct NotifySocket {
    socket: UnixDatagram,
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl NotifySocket {
    fn bind() -> NotifySocket {
        let dir = tempfile::tempdir().expect("socket dir");
        let path = dir.path().join("notify");
        let socket = UnixDatagram::bind(&path).expect("bind the notify socket");
        NotifySocket {
            socket,
            path,
            _dir: dir,
        }
    }

    /// Waits up to `limit` for a message with the line `state`; when it came.
    fn wait_for(&self, state: &str, limit: Duration) -> Option<Instant> {
        let end = Instant::now() + limit;
        let mut buf = [0u8; 4096];
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            self.socket
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .expect("read timeout");
            match self.socket.recv(&mut buf) {
                Ok(n)
                    if String::from_utf8_lossy(&buf[..n])
                        .lines()
                        .any(|l| l == state) =>
                {
                    return Some(Instant::now());
                }
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return None;
                }
                Err(e) => panic!("notify socket: {e}"),
            }
        }
        None
    }
}

/// xvfb-run and everything it started (Xvfb, the kiosk), killed together as one process group.
struct Session(Child);

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.wait();
    }
}

#[test]
fn the_app_is_ready_once_its_window_shows_and_beats_from_its_ui_loop() {
    let data = tempfile::tempdir().expect("data dir");
    let notify = NotifySocket::bind();
    let started = Instant::now();
    let child = Command::new("xvfb-run")
        .args([
            "--auto-servernum",
            "--server-args=-screen 0 1280x720x24 -nolisten tcp",
        ])
        .arg(env!("CARGO_BIN_EXE_kiosk"))
        .arg("--data-dir")
        .arg(data.path())
        .arg("run")
        .env("ICED_BACKEND", "tiny-skia")
        .env("NOTIFY_SOCKET", &notify.path)
        .env("WATCHDOG_USEC", PERIOD.as_micros().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("xvfb-run starts (apt-get install xvfb)");
    let _session = Session(child);

    let ready = notify
        .wait_for("READY=1", Duration::from_secs(60))
        .expect("READY=1 within 60 s of starting");
    eprintln!(
        "kiosk watchdog: READY=1 {} ms after the start",
        ready.duration_since(started).as_millis()
    );
    let mut beats = Vec::new();
    for _ in 0..3 {
        beats.push(
            notify
                .wait_for("WATCHDOG=1", PERIOD)
                .expect("a heartbeat within each period"),
        );
    }
    let gaps: Vec<u128> = beats
        .windows(2)
        .map(|w| w[1].duration_since(w[0]).as_millis())
        .collect();
    assert!(
        gaps.iter().all(|g| *g >= 500),
        "heartbeats come with the one-second ticks, not in a burst: {gaps:?} ms"
    );
}
