//! The kiosk's watchdog as the packaged unit runs it: the app under `cage` (the harness's
//! headless cage, as a non-root user), so the process that talks to systemd is cage's child
//! and `WATCHDOG_PID` names another process. READY=1 and WATCHDOG=1 must still reach the notify
//! socket. The data dir is not enrolled, so the app shows its provisioning screen and needs no
//! server. (Without cage, under Xvfb: `kiosk/tests/watchdog.rs`.)

use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixDatagram;
use std::time::{Duration, Instant};

use tests::display::Cage;

/// Waits up to `limit` for a message on `socket` with the line `state`.
fn wait_for(socket: &UnixDatagram, state: &str, limit: Duration) -> bool {
    let end = Instant::now() + limit;
    let mut buf = [0u8; 4096];
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        socket
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .expect("read timeout");
        match socket.recv(&mut buf) {
            Ok(n)
                if String::from_utf8_lossy(&buf[..n])
                    .lines()
                    .any(|l| l == state) =>
            {
                return true;
            }
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return false;
            }
            Err(e) => panic!("notify socket: {e}"),
        }
    }
    false
}

#[tokio::test]
async fn under_cage_the_app_notifies_systemd_from_cages_child() {
    let data = tempfile::tempdir().expect("data dir");
    // The socket is reached by cage's (non-root) user: a directory it may enter, a socket it
    // may write to.
    let dir = tempfile::tempdir().expect("socket dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o711))
        .expect("chmod socket dir");
    let path = dir.path().join("notify");
    let socket = UnixDatagram::bind(&path).expect("bind the notify socket");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o722)).expect("chmod socket");
    let notify = path.display().to_string();
    let _cage = Cage::start(
        data.path(),
        false,
        &[
            ("NOTIFY_SOCKET", notify.as_str()),
            ("WATCHDOG_USEC", "2000000"),
            // systemd names its main process, cage: not the app.
            ("WATCHDOG_PID", "1"),
        ],
    )
    .await;
    let blocking = tokio::task::spawn_blocking(move || {
        let ready = wait_for(&socket, "READY=1", Duration::from_secs(60));
        let beats = (0..3)
            .filter(|_| wait_for(&socket, "WATCHDOG=1", Duration::from_secs(2)))
            .count();
        (ready, beats)
    });
    let (ready, beats) = blocking.await.expect("the socket reader");
    assert!(ready, "READY=1 from the app under cage within 60 s");
    assert_eq!(beats, 3, "a heartbeat within each period");
}
