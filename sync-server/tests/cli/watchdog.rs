//! `serve` under systemd's notify protocol, against a real notify socket: READY=1 once it
//! listens, WATCHDOG=1 at half of WATCHDOG_USEC while the database writer answers, none while
//! another process holds SQLite's write lock (the writer hangs), again once it is released, and
//! STOPPING=1 on SIGTERM.

use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The period the test gives the server (`WATCHDOG_USEC`): heartbeats every second.
const PERIOD: Duration = Duration::from_secs(2);

struct NotifySocket {
    socket: UnixDatagram,
    path: std::path::PathBuf,
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

    /// The next message, if one arrives within `wait`.
    fn recv(&self, wait: Duration) -> Option<String> {
        self.socket
            .set_read_timeout(Some(wait.max(Duration::from_millis(1))))
            .expect("read timeout");
        let mut buf = [0u8; 4096];
        match self.socket.recv(&mut buf) {
            Ok(n) => Some(String::from_utf8_lossy(&buf[..n]).into_owned()),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                None
            }
            Err(e) => panic!("notify socket: {e}"),
        }
    }

    /// When messages containing `state` arrived within `span`.
    fn collect(&self, state: &str, span: Duration) -> Vec<Instant> {
        let end = Instant::now() + span;
        let mut seen = Vec::new();
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            if let Some(msg) = self.recv(left)
                && msg.lines().any(|l| l == state)
            {
                seen.push(Instant::now());
            }
        }
        seen
    }

    /// Waits up to `limit` for a message containing `state`.
    fn wait_for(&self, state: &str, limit: Duration) -> bool {
        let end = Instant::now() + limit;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            match self.recv(left) {
                Some(msg) if msg.lines().any(|l| l == state) => return true,
                Some(_) => {}
                None => return false,
            }
        }
        false
    }
}

#[test]
fn serve_is_ready_and_beats_only_while_its_database_writer_answers() {
    let dir = tempfile::tempdir().expect("data dir");
    let notify = NotifySocket::bind();
    let child = Command::new(env!("CARGO_BIN_EXE_sync-server"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("NOTIFY_SOCKET", &notify.path)
        .env("WATCHDOG_USEC", PERIOD.as_micros().to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut server = Server(child);

    assert!(
        notify.wait_for("READY=1", Duration::from_secs(60)),
        "READY=1 within 60 s"
    );
    let beats = notify.collect("WATCHDOG=1", PERIOD * 2);
    assert!(
        beats.len() >= 3,
        "heartbeats at half the period while healthy: {beats:?}"
    );

    // Hang the writer at some point between two heartbeats: hold SQLite's write lock for
    // longer than the period.
    let phase = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .subsec_millis();
    std::thread::sleep(Duration::from_millis(u64::from(phase) % 1000));
    let db = rusqlite::Connection::open(dir.path().join("server.db")).expect("open the database");
    db.busy_timeout(Duration::from_secs(10))
        .expect("busy timeout");
    db.execute_batch("BEGIN EXCLUSIVE")
        .expect("take the write lock");
    let hung = Instant::now();
    // A check that finished just before the lock may still beat within half a period.
    let late = notify.collect("WATCHDOG=1", PERIOD / 2 + Duration::from_millis(300));
    let during = notify.collect("WATCHDOG=1", PERIOD * 2);
    assert!(
        during.is_empty(),
        "no heartbeat while the writer is stuck: {} arrived",
        during.len()
    );
    // systemd acts one period after the last heartbeat, whether it came before or after the
    // hang began.
    let last = *late
        .last()
        .or(beats.last())
        .expect("a heartbeat before the hang");
    let restart = (last + PERIOD).saturating_duration_since(hung);
    eprintln!(
        "watchdog: last heartbeat {} ms {} the hang; with WatchdogSec = {} ms systemd would \
         restart the server {} ms after the hang",
        last.max(hung).duration_since(last.min(hung)).as_millis(),
        if last >= hung { "after" } else { "before" },
        PERIOD.as_millis(),
        restart.as_millis()
    );

    db.execute_batch("ROLLBACK")
        .expect("release the write lock");
    let released = Instant::now();
    assert!(
        notify.wait_for("WATCHDOG=1", PERIOD),
        "heartbeats resume within the period once the writer answers"
    );
    eprintln!(
        "watchdog: release → next heartbeat {} ms",
        released.elapsed().as_millis()
    );

    let status = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    assert!(
        notify.wait_for("STOPPING=1", Duration::from_secs(10)),
        "STOPPING=1 on SIGTERM"
    );
    let exit = server.wait(Duration::from_secs(20));
    assert!(exit.success(), "clean shutdown exits 0, got {exit}");
}

/// The server process, killed if the test fails before it stops.
struct Server(std::process::Child);

impl Server {
    fn wait(&mut self, limit: Duration) -> std::process::ExitStatus {
        let end = Instant::now() + limit;
        loop {
            if let Some(status) = self.0.try_wait().expect("wait on the server") {
                return status;
            }
            assert!(Instant::now() < end, "the server stops within {limit:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
