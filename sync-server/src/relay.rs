//! Push across instances on PostgreSQL (issue 20): what one instance's hub hears reaches every
//! other instance's hub through `LISTEN/NOTIFY` on one channel, with no broker.
//!
//! Two threads per instance, each with a connection of its own (the synchronous `postgres`
//! client, which must not block the async workers):
//! - the **publisher** takes the hub's [`Note`]s (told after their write committed) and sends
//!   them with `pg_notify`, a batch per round trip. Each carries this instance's random id, so
//!   its own listener ignores it. A note longer than PostgreSQL's 8000-byte payload limit (a
//!   publish to many orgs) is sent as "read the feed again", never refused. If sending fails, the
//!   notes are lost: once connected again it sends "everything" (below) first.
//! - the **listener** `LISTEN`s and hands each other instance's note to its hub
//!   ([`Hub::heard_through_relay`], never sent on; counted in [`Hub::relayed`]). A connection
//!   that drops (or stops answering the probe every few seconds) is opened again with backoff;
//!   whatever was sent meanwhile is lost, so after every reconnect it does "everything": every
//!   kiosk's stream ends with `reset` (the kiosk reads its org again and reconnects), every
//!   command stream reads its open commands, the page cache is emptied and the feed is read
//!   again past this instance's own position (`app::watch_other_writers`, which also does that
//!   once a second whatever happens, so a committed feed row reaches every instance's hub even
//!   when its note never came).

use crate::feed::PageCache;
use crate::hub::{Hub, Note};
use postgres::fallible_iterator::FallibleIterator;
use protocol::{KioskId, OrgId};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak, mpsc};
use std::time::Duration;

/// The one channel every instance listens on.
const CHANNEL: &str = "union_hub";
/// PostgreSQL refuses a payload of 8000 bytes or more.
const PAYLOAD_MAX: usize = 7_999;
/// How often the listener checks that its connection still answers (and the stop flag).
const PROBE_EVERY: Duration = Duration::from_secs(5);
/// How long the threads wait at most before looking at the stop flag.
const TURN: Duration = Duration::from_millis(500);
/// `application_name` of the relay's connections, as `pg_stat_activity` shows them.
pub const LISTENER_NAME: &str = "union-sync relay listener";
const PUBLISHER_NAME: &str = "union-sync relay publisher";

/// The running relay; dropping it stops both threads (within [`TURN`]).
pub struct Relay {
    stop: Arc<AtomicBool>,
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Starts relaying `hub`'s notes through the database at `config`, and emptying `pages` when
/// notes may have been lost.
pub fn start(config: &crate::pg_tls::Target, hub: &Arc<Hub>, pages: &Arc<PageCache>) -> Relay {
    let instance = format!("{:016x}", rand::random::<u64>());
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel();
    hub.relay_to(tx);
    let mut publisher = config.clone();
    publisher.config.application_name(PUBLISHER_NAME);
    let mut listener = config.clone();
    listener.config.application_name(LISTENER_NAME);
    let (id, flag) = (instance.clone(), stop.clone());
    std::thread::Builder::new()
        .name("relay-publish".into())
        .spawn(move || publish(&publisher, &rx, &id, &flag))
        .expect("a thread can be started");
    let (hub, pages, flag) = (Arc::downgrade(hub), Arc::downgrade(pages), stop.clone());
    std::thread::Builder::new()
        .name("relay-listen".into())
        .spawn(move || listen(&listener, &hub, &pages, &instance, &flag))
        .expect("a thread can be started");
    Relay { stop }
}

/// The wait after `failures` failed attempts in a row: 100 ms doubling, at most 5 s.
fn backoff(failures: u32) -> Duration {
    Duration::from_millis(100u64 << failures.min(6)).min(Duration::from_secs(5))
}

/// A note as sent: `<instance> c <seq> <org>,<org>…`, `<instance> k <kiosk>`,
/// `<instance> q <kiosk>`; a content note too long to send is `<instance> c <seq> *`.
fn encode(instance: &str, note: &Note) -> String {
    let text = match note {
        Note::Content { orgs, seq } => {
            let orgs: Vec<String> = orgs.iter().map(|o| o.0.to_string()).collect();
            format!("{instance} c {seq} {}", orgs.join(","))
        }
        Note::Kiosk(k) => format!("{instance} k {k}"),
        Note::Command(k) => format!("{instance} q {k}"),
    };
    if text.len() <= PAYLOAD_MAX {
        return text;
    }
    match note {
        Note::Content { seq, .. } => format!("{instance} c {seq} *"),
        // Kiosk ids are UUIDs; one this long cannot be told, so everything is.
        Note::Kiosk(_) | Note::Command(_) => everything(instance),
    }
}

/// "Notes may have been lost": every other instance wakes everything.
fn everything(instance: &str) -> String {
    format!("{instance} *")
}

/// What a received payload asks of this instance.
#[derive(Debug, PartialEq, Eq)]
enum Heard {
    /// Sent by this instance (or unreadable): nothing.
    Nothing,
    Note(Note),
    /// Read the feed again past this instance's position.
    Rescan,
    Everything,
}

fn decode(instance: &str, payload: &str) -> Heard {
    let mut parts = payload.splitn(3, ' ');
    let (Some(from), Some(kind)) = (parts.next(), parts.next()) else {
        return Heard::Nothing;
    };
    if from == instance {
        return Heard::Nothing;
    }
    let rest = parts.next().unwrap_or_default();
    match kind {
        "*" => Heard::Everything,
        "k" => Heard::Note(Note::Kiosk(KioskId(rest.to_owned()))),
        "q" => Heard::Note(Note::Command(KioskId(rest.to_owned()))),
        "c" => {
            let Some((seq, orgs)) = rest.split_once(' ') else {
                return Heard::Rescan;
            };
            let orgs: Option<Vec<OrgId>> =
                orgs.split(',').map(|o| o.parse().ok().map(OrgId)).collect();
            match (seq.parse(), orgs) {
                (Ok(seq), Some(orgs)) => Heard::Note(Note::Content { orgs, seq }),
                _ => Heard::Rescan,
            }
        }
        _ => Heard::Nothing,
    }
}

/// The publisher's loop: until the hub (the sender) is gone or the relay stopped.
fn publish(
    config: &crate::pg_tls::Target,
    notes: &mpsc::Receiver<Note>,
    instance: &str,
    stop: &AtomicBool,
) {
    let mut client: Option<postgres::Client> = None;
    let (mut lost, mut failures) = (false, 0u32);
    while !stop.load(Ordering::SeqCst) {
        let mut batch: Vec<String> = match notes.recv_timeout(TURN) {
            Ok(note) => vec![encode(instance, &note)],
            Err(mpsc::RecvTimeoutError::Timeout) if lost => Vec::new(),
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        batch.extend(notes.try_iter().map(|n| encode(instance, &n)));
        if lost {
            batch.insert(0, everything(instance));
        }
        let sent = match client.as_mut() {
            Some(c) => Ok(c),
            None => config.connect().map(|c| client.insert(c)),
        }
        .and_then(|c| {
            c.execute(
                "SELECT pg_notify($1, n) FROM unnest($2::text[]) AS n",
                &[&CHANNEL, &batch],
            )
        });
        match sent {
            Ok(_) => (lost, failures) = (false, 0),
            Err(e) => {
                if !lost {
                    tracing::warn!(error = %e, "cannot tell the other instances; reconnecting");
                }
                client = None;
                lost = true;
                failures += 1;
                std::thread::sleep(backoff(failures));
            }
        }
    }
}

/// The listener's loop: until the hub is gone or the relay stopped.
fn listen(
    config: &crate::pg_tls::Target,
    hub: &Weak<Hub>,
    pages: &Weak<PageCache>,
    instance: &str,
    stop: &AtomicBool,
) {
    let (mut failures, mut listened) = (0u32, false);
    loop {
        if stop.load(Ordering::SeqCst) || hub.strong_count() == 0 {
            return;
        }
        let connected = config.connect().and_then(|mut c| {
            c.batch_execute(&format!("LISTEN {CHANNEL}"))?;
            Ok(c)
        });
        let mut client = match connected {
            Ok(c) => c,
            Err(e) => {
                if failures == 0 {
                    tracing::warn!(error = %e, "cannot listen to the other instances; retrying");
                }
                failures += 1;
                std::thread::sleep(backoff(failures));
                continue;
            }
        };
        if failures > 0 {
            tracing::info!("listening to the other instances again");
        }
        failures = 0;
        // Whatever was sent since the last connection ended is lost to this one: everything is
        // woken. Before the first, this instance was starting: the feed is read again (and the
        // queued commands are read each second anyway), but its streams are not ended: only
        // one opened in the moment before this LISTEN could have missed a move or revoke, and
        // a revoked kiosk is refused at its next request.
        if let (Some(hub), Some(pages)) = (hub.upgrade(), pages.upgrade()) {
            if listened {
                pages.clear();
                hub.wake_everything();
            } else {
                hub.rescan.notify_one();
            }
        }
        listened = true;
        let ended = follow(&mut client, hub, pages, instance, stop);
        if let Err(e) = ended {
            tracing::warn!(error = %e, "lost the connection listening to the other instances");
            failures = 1;
            std::thread::sleep(backoff(failures));
        }
    }
}

/// Hands notifications to the hub until the connection fails (`Err`), the hub is gone or the
/// relay stopped (`Ok`).
fn follow(
    client: &mut postgres::Client,
    hub: &Weak<Hub>,
    pages: &Weak<PageCache>,
    instance: &str,
    stop: &AtomicBool,
) -> Result<(), postgres::Error> {
    let mut probed = std::time::Instant::now();
    loop {
        if stop.load(Ordering::SeqCst) {
            return Ok(());
        }
        let next = client.notifications().timeout_iter(TURN).next()?;
        let Some(hub) = hub.upgrade() else {
            return Ok(());
        };
        match next {
            Some(n) => match decode(instance, n.payload()) {
                Heard::Nothing => {}
                Heard::Note(note) => hub.heard_through_relay(note),
                Heard::Rescan => hub.rescan.notify_one(),
                Heard::Everything => {
                    if let Some(pages) = pages.upgrade() {
                        pages.clear();
                    }
                    hub.wake_everything();
                }
            },
            // A connection the server closed ends the wait quietly: the probe says why.
            None if client.is_closed() || probed.elapsed() >= PROBE_EVERY => {
                client.is_valid(PROBE_EVERY)?;
                probed = std::time::Instant::now();
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_read_back_as_sent_and_ones_own_are_ignored() {
        let notes = [
            Note::Content {
                orgs: vec![OrgId(1), OrgId(42)],
                seq: 77,
            },
            Note::Kiosk(KioskId("0b8e6c1e-93ad-4a37-9d5e-2f0d4b0f8a11".to_owned())),
            Note::Command(KioskId("k2".to_owned())),
        ];
        for note in notes {
            let sent = encode("aa", &note);
            assert_eq!(decode("bb", &sent), Heard::Note(note), "{sent}");
            assert_eq!(decode("aa", &sent), Heard::Nothing, "{sent}");
        }
        assert_eq!(decode("bb", &everything("aa")), Heard::Everything);
        assert_eq!(decode("bb", "aa c 5 x,1"), Heard::Rescan, "unreadable orgs");
        assert_eq!(decode("bb", "nonsense"), Heard::Nothing);
    }

    /// A publish to more orgs than a payload can name is sent as "read the feed again".
    #[test]
    fn a_note_too_long_degrades_to_a_rescan() {
        let orgs: Vec<OrgId> = (1_000_000..1_002_000).map(OrgId).collect();
        let sent = encode("aa", &Note::Content { orgs, seq: 9 });
        assert!(sent.len() <= PAYLOAD_MAX);
        assert_eq!(decode("bb", &sent), Heard::Rescan);
        let long = Note::Kiosk(KioskId("x".repeat(9_000)));
        assert_eq!(decode("bb", &encode("aa", &long)), Heard::Everything);
    }

    #[test]
    fn backoff_grows_to_five_seconds() {
        assert_eq!(backoff(1), Duration::from_millis(200));
        assert_eq!(backoff(30), Duration::from_secs(5));
    }
}
