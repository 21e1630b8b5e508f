//! systemd's notify protocol for the touchscreen app: `READY=1` once the window is open and the
//! UI has handled its first one-second tick (on the home screen, or on the provisioning screen of
//! a kiosk not enrolled yet), then `WATCHDOG=1` heartbeats at half the period
//! systemd gives in `WATCHDOG_USEC`. Outside systemd (`NOTIFY_SOCKET` unset) nothing is sent.
//!
//! The calls come from `ui::Root::update` on the UI thread, which is also where iced lays out
//! and draws every frame: if the UI hangs (in an update, a view, layout or drawing) the ticks
//! stop, the heartbeats with them, and systemd restarts the kiosk session one period after the
//! last heartbeat.
//!
//! The packaged unit runs the app under `cage`, so systemd's main process is cage and the app is
//! its child: systemd's `WATCHDOG_PID` names cage, not this process. The unit therefore has
//! `NotifyAccess=all`, and here `WATCHDOG_USEC` is read whatever `WATCHDOG_PID` says (the
//! `sd-notify` crate's `watchdog_enabled` would ignore it). The app starts no children of its own
//! that could inherit the variable and beat in its place.

use sd_notify::NotifyState;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The process's one watchdog: the UI's root feeds it from the provisioning screen and, after
/// enrollment, from the app, without it being handed over between the two.
static WATCHDOG: Mutex<Option<Watchdog>> = Mutex::new(None);

fn with(f: impl FnOnce(&mut Watchdog)) {
    let mut watchdog = WATCHDOG.lock().unwrap_or_else(PoisonError::into_inner);
    f(watchdog.get_or_insert_with(Watchdog::from_env));
}

/// The UI's window has opened (iced reported its size). Call from the UI thread.
pub fn on_window_opened() {
    with(Watchdog::window_opened);
}

/// The UI's one-second tick ran. Call from the UI's update, on the UI thread.
pub fn on_tick() {
    with(Watchdog::tick);
}

/// How often the UI's tick arrives: a heartbeat is sent on the tick that would otherwise leave
/// more than half the period since the last one.
const TICK: Duration = Duration::from_secs(1);

#[derive(Debug, Default)]
pub struct Watchdog {
    /// Half of `WATCHDOG_USEC`, when systemd asks for heartbeats.
    interval: Option<Duration>,
    window_open: bool,
    ready: bool,
    last_beat: Option<Instant>,
}

impl Watchdog {
    /// Reads `WATCHDOG_USEC` from the environment systemd started the session with.
    pub fn from_env() -> Watchdog {
        Watchdog {
            interval: interval(std::env::var("WATCHDOG_USEC").ok().as_deref()),
            ..Watchdog::default()
        }
    }

    /// The window has opened (iced reported its size).
    pub fn window_opened(&mut self) {
        self.window_open = true;
    }

    /// One UI tick: ready on the first after the window opened, then heartbeats.
    pub fn tick(&mut self) {
        if !self.window_open {
            return;
        }
        if !self.ready {
            self.ready = true;
            send(&[NotifyState::Ready, NotifyState::Status("showing")]);
        }
        let Some(interval) = self.interval else {
            return;
        };
        let due = self
            .last_beat
            .is_none_or(|last| last.elapsed() + TICK >= interval);
        if due {
            self.last_beat = Some(Instant::now());
            send(&[NotifyState::Watchdog]);
        }
    }
}

/// Half the period in a `WATCHDOG_USEC` value (microseconds); none when unset or not a
/// positive number.
fn interval(watchdog_usec: Option<&str>) -> Option<Duration> {
    watchdog_usec
        .and_then(|usec| usec.trim().parse::<u64>().ok())
        .filter(|usec| *usec > 0)
        .map(|usec| Duration::from_micros(usec) / 2)
}

fn send(states: &[NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeats_come_at_half_the_period_systemd_gives() {
        assert_eq!(interval(Some("20000000")), Some(Duration::from_secs(10)));
        assert_eq!(
            interval(Some("3000000\n")),
            Some(Duration::from_millis(1500))
        );
        for off in [None, Some(""), Some("0"), Some("-5"), Some("twenty")] {
            assert_eq!(interval(off), None, "{off:?}");
        }
    }

    #[test]
    fn ready_only_once_the_window_is_open_and_a_tick_ran() {
        let mut w = Watchdog {
            interval: Some(Duration::from_secs(10)),
            ..Watchdog::default()
        };
        w.tick();
        assert!(!w.ready && w.last_beat.is_none(), "no window yet");
        w.window_opened();
        w.tick();
        assert!(
            w.ready && w.last_beat.is_some(),
            "ready and a first heartbeat"
        );
        let first = w.last_beat;
        w.tick();
        assert_eq!(w.last_beat, first, "the next one waits for half the period");
    }
}
