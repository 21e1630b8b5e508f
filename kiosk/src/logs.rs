//! The app's recent log lines, kept in memory for the console's "recent log lines" (remote
//! care): a `tracing` layer that writes each event as one line into a small ring.
//!
//! What reaches the ring is what the kiosk logs anyway, and the kiosk never logs personal data:
//! answers are sealed before they touch anything, and log lines carry receipts, ids, hashes and
//! error sentences only. Keep it that way: a new log line must not carry what an employee typed.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::Context;

/// Lines kept; older ones fall off.
pub const KEPT_LINES: usize = 300;
/// The longest line kept, in characters (a longer one is cut).
pub const MAX_LINE_CHARS: usize = 400;

fn ring() -> &'static Mutex<VecDeque<String>> {
    static RING: OnceLock<Mutex<VecDeque<String>>> = OnceLock::new();
    RING.get_or_init(|| Mutex::new(VecDeque::with_capacity(KEPT_LINES)))
}

/// Adds a line to the ring (cut to [`MAX_LINE_CHARS`]).
pub fn push(line: String) {
    let line = if line.chars().count() > MAX_LINE_CHARS {
        let mut cut: String = line.chars().take(MAX_LINE_CHARS).collect();
        cut.push('…');
        cut
    } else {
        line
    };
    let mut ring = ring()
        .lock()
        .expect("the log ring is never held across a panic");
    if ring.len() == KEPT_LINES {
        ring.pop_front();
    }
    ring.push_back(line);
}

/// The most recent lines, oldest first.
pub fn recent() -> Vec<String> {
    ring()
        .lock()
        .expect("the log ring is never held across a panic")
        .iter()
        .cloned()
        .collect()
}

/// The layer that feeds the ring; add it to the subscriber with the level it should keep.
pub fn layer() -> RingLayer {
    RingLayer
}

pub struct RingLayer;

struct Line(String);

impl Visit for Line {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value}");
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
}

impl<S: Subscriber> tracing_subscriber::Layer<S> for RingLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let now = jiff::Timestamp::now()
            .round(jiff::Unit::Second)
            .unwrap_or_default();
        let mut line = Line(format!("{now} {:>5} {}:", meta.level(), meta.target()));
        event.record(&mut line);
        push(line.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn events_become_capped_lines_and_old_ones_fall_off() {
        let subscriber = tracing_subscriber::registry().with(layer());
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(command = 7, "ring test line");
            tracing::warn!("{}", "y".repeat(MAX_LINE_CHARS * 2));
        });
        let lines = recent();
        let mine = lines
            .iter()
            .find(|l| l.contains("ring test line"))
            .expect("the event is kept");
        assert!(
            mine.contains("INFO") && mine.contains("command=7"),
            "{mine}"
        );
        assert!(
            lines
                .iter()
                .all(|l| l.chars().count() <= MAX_LINE_CHARS + 1)
        );
        for i in 0..KEPT_LINES {
            push(format!("filler {i}"));
        }
        let lines = recent();
        assert_eq!(lines.len(), KEPT_LINES);
        assert!(!lines.iter().any(|l| l.contains("ring test line")));
        assert_eq!(lines.last().map(String::as_str), Some("filler 299"));
    }
}
