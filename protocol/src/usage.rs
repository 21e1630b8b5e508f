//! Usage counts a kiosk sends up with its heartbeat (issue 19, part 5): how often each screen
//! was opened, each home tile tapped, each attract slide shown, how many searches found
//! nothing, how many forms were started and sent, and seconds spent per module — counts per
//! hour and nothing else: no session, no person, no answer, no time finer than the hour.
//!
//! The one piece of text people typed that is kept is a library search that found nothing
//! (the library team's "what did people look for that we do not have"): normalised
//! ([`failed_search_key`]: trimmed, lower-case, spaces collapsed, cut to
//! [`MAX_KEY_CHARS`]), and dropped outright when it holds a run of digits long enough to be a
//! phone or ID number. Hashing it would make it useless to the library team; a title or an
//! author someone looked for is not personal data once detached from who and when to the
//! minute.
//!
//! A batch is sent until the server acknowledges it (the same `batch` number each time), so
//! the server counts it once ([`Usage::batch`]); counts made meanwhile wait for the next.

use serde::{Deserialize, Serialize};

/// The most counts one heartbeat carries; the rest wait for the next heartbeat.
pub const MAX_ROWS: usize = 200;
/// The longest key kept (characters): a form's id (36) fits.
pub const MAX_KEY_CHARS: usize = 40;
/// A run of this many digits in a search makes it personal-looking: it is not kept as text.
const DIGIT_RUN: usize = 6;

/// What is counted. Unknown kinds (from a newer kiosk) are ignored by the server.
pub mod kind {
    /// A screen opened; key: the screen's name ("news", "library", "form", …).
    pub const VIEW: &str = "view";
    /// A home tile tapped; key: the tile's title.
    pub const TAP: &str = "tap";
    /// A library search left with a query; key: empty.
    pub const SEARCH: &str = "search";
    /// A library search that found nothing; key: the normalised query (see the module doc).
    pub const FAILED_SEARCH: &str = "failed_search";
    /// A form opened; key: the form's content id.
    pub const FORM_STARTED: &str = "form_started";
    /// A form saved for sending; key: the form's content id.
    pub const FORM_SUBMITTED: &str = "form_submitted";
    /// Seconds someone spent on a module; key: the screen's name ("home" for home).
    pub const SECONDS: &str = "seconds";
    /// An attract slide shown; key: the slide's title.
    pub const SLIDE: &str = "slide";
    /// Every kind the server keeps.
    pub const ALL: [&str; 8] = [
        VIEW,
        TAP,
        SEARCH,
        FAILED_SEARCH,
        FORM_STARTED,
        FORM_SUBMITTED,
        SECONDS,
        SLIDE,
    ];
}

/// A batch of counts (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Names this batch: a resent batch carries the same number, and the server adds a
    /// kiosk's batch only when its number differs from the last one it added.
    pub batch: i64,
    pub counts: Vec<Count>,
}

/// How many times `kind`/`key` happened in an hour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    /// Hours since the Unix epoch (UTC).
    pub hour: i64,
    pub kind: String,
    pub key: String,
    pub n: u64,
}

/// A key cut to [`MAX_KEY_CHARS`], without control characters.
pub fn clean_key(key: &str) -> String {
    key.chars()
        .filter(|c| !c.is_control())
        .take(MAX_KEY_CHARS)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// What a failed search is kept as: trimmed, lower-case, inner spaces collapsed, cut to
/// [`MAX_KEY_CHARS`]; `None` when empty or when it holds six digits in a row (a phone or ID
/// number typed into the search box is not kept).
pub fn failed_search_key(query: &str) -> Option<String> {
    let mut run = 0;
    for c in query.chars() {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        if run >= DIGIT_RUN {
            return None;
        }
    }
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    let key = clean_key(&words.join(" "));
    (!key.is_empty()).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_searches_are_normalised_and_numbers_dropped() {
        assert_eq!(
            failed_search_key("  Rust   PROGRAMMING "),
            Some("rust programming".to_owned())
        );
        assert_eq!(failed_search_key("三体"), Some("三体".to_owned()));
        assert_eq!(failed_search_key("   "), None);
        assert_eq!(failed_search_key("13812345678"), None);
        assert_eq!(failed_search_key("isbn 978711"), None);
        assert_eq!(
            failed_search_key("2024 年鉴"),
            Some("2024 年鉴".to_owned()),
            "a year is not personal"
        );
        let long = "长".repeat(100);
        assert_eq!(
            failed_search_key(&long).map(|k| k.chars().count()),
            Some(MAX_KEY_CHARS)
        );
        assert_eq!(clean_key("a\u{7}b\nc"), "abc");
    }

    #[test]
    fn a_heartbeat_without_usage_reads_as_before() {
        let old = r#"{"version":"1","cursor":null,"outbox_depth":0,"free_disk_bytes":null,"uptime_seconds":5,"last_sync_at":null}"#;
        let beat: crate::workflow::Heartbeat = serde_json::from_str(old).expect("old heartbeat");
        assert_eq!(beat.usage, None);
        let json = serde_json::to_string(&beat).expect("serialises");
        assert!(!json.contains("usage"), "{json}");
    }
}
