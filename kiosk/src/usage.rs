//! Usage counts as the UI makes them (issue 19, part 5; `protocol::usage` says what is
//! counted and why nothing in it is personal). The app adds to a [`Tally`] in memory as things
//! happen and hands it to the store once the kiosk has been left alone for a minute (and every
//! minute after) or goes back home, so a crash loses at most the session under way; the
//! heartbeat takes them from the store.

use std::collections::HashMap;

use jiff::Timestamp;
use protocol::usage::{Count, clean_key};

const HOUR_MS: i64 = 3_600_000;

/// Counts not yet in the store, per hour, kind and key.
#[derive(Debug, Default)]
pub struct Tally {
    counts: HashMap<(i64, &'static str, String), u64>,
}

impl Tally {
    /// Adds `n` to `kind`/`key` in the hour holding `now`.
    pub fn add(&mut self, now: Timestamp, kind: &'static str, key: &str, n: u64) {
        if n == 0 {
            return;
        }
        let hour = now.as_millisecond().div_euclid(HOUR_MS);
        *self.counts.entry((hour, kind, clean_key(key))).or_default() += n;
    }

    /// One more of `kind`/`key` now.
    pub fn one(&mut self, now: Timestamp, kind: &'static str, key: &str) {
        self.add(now, kind, key, 1);
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Everything counted so far, leaving the tally empty.
    pub fn take(&mut self) -> Vec<Count> {
        let mut counts: Vec<Count> = self
            .counts
            .drain()
            .map(|((hour, kind, key), n)| Count {
                hour,
                kind: kind.to_owned(),
                key,
                n,
            })
            .collect();
        counts.sort_by(|a, b| (a.hour, &a.kind, &a.key).cmp(&(b.hour, &b.kind, &b.key)));
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::usage::kind;

    #[test]
    fn counts_gather_per_hour_and_key() {
        let mut tally = Tally::default();
        let at = |s: i64| Timestamp::from_second(s).expect("a time");
        tally.one(at(7200), kind::VIEW, "news");
        tally.one(at(7300), kind::VIEW, "news");
        tally.add(at(10_900), kind::SECONDS, "home", 5);
        tally.add(at(10_900), kind::SECONDS, "home", 0);
        let counts = tally.take();
        assert!(tally.is_empty());
        assert_eq!(counts.len(), 2);
        assert_eq!((counts[0].hour, counts[0].n), (2, 2));
        assert_eq!(
            (counts[1].hour, counts[1].kind.as_str(), counts[1].n),
            (3, "seconds", 5)
        );
    }
}
