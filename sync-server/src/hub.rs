//! Live-push fan-out. A publish wakes every open event stream in the affected orgs' scope
//! without touching the database: each org has a `watch` channel holding the newest feed seq,
//! and a stream subscribes to the channels of its kiosk's org and ancestors (a handful).
//! One publish is therefore one `send` per affected org, however many kiosks listen.
//!
//! On PostgreSQL every instance's hub also hears what the others' hubs heard: what this
//! process's modules tell it goes out as a [`Note`] to `relay` (NOTIFY, after the commit), and
//! what the other instances' relays sent comes back in through [`Hub::heard_through_relay`],
//! which applies it here without sending it on.

use protocol::{KioskId, OrgId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, mpsc};
use tokio::sync::{Notify, watch};

/// What one hub tells the others (`relay`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// Content in `orgs` changed; the feed reaches `seq` (committed).
    Content { orgs: Vec<OrgId>, seq: u64 },
    /// The kiosk was moved or revoked, or its org renamed, moved or disabled.
    Kiosk(KioskId),
    /// Staff queued a command for the kiosk.
    Command(KioskId),
}

#[derive(Default)]
pub struct Hub {
    orgs: Mutex<HashMap<OrgId, watch::Sender<u64>>>,
    kiosks: Mutex<HashMap<KioskId, watch::Sender<u64>>>,
    /// Per kiosk: bumped when staff queue a command for it (remote care).
    commands: Mutex<HashMap<KioskId, watch::Sender<u64>>>,
    /// Per org: the newest feed seq announced for it (every org written, listened to or not),
    /// for the delta pages kept in memory (`feed::PageCache`).
    changed: Mutex<HashMap<OrgId, u64>>,
    /// The newest feed seq announced so far.
    announced: AtomicU64,
    /// When recent feed positions were announced (the publish → event metric).
    pub published: crate::metrics::PublishClock,
    /// Where this process's notes go for the other instances (PostgreSQL's `relay`; unset on
    /// SQLite, where there are none).
    relay: OnceLock<mpsc::Sender<Note>>,
    /// Poked when the feed must be read again past what this instance last read from it
    /// (`app::watch_other_writers`): a note too long to send, or notes that may have been lost.
    pub rescan: Notify,
    /// Notes heard from the other instances through the relay, by kind (content, kiosk,
    /// command): what tells a note that came by NOTIFY from one the watchers read back.
    relayed: [AtomicU64; 3],
}

/// How many notes of each kind this hub heard through the relay ([`Hub::relayed`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relayed {
    pub content: u64,
    pub kiosk: u64,
    pub command: u64,
}

impl Hub {
    pub fn announced(&self) -> u64 {
        self.announced.load(Ordering::SeqCst)
    }

    /// From now on, what this process's modules tell the hub is also sent to `relay`.
    pub fn relay_to(&self, relay: mpsc::Sender<Note>) {
        if self.relay.set(relay).is_err() {
            tracing::warn!("the hub already had a relay; the second is ignored");
        }
    }

    /// Tells the other instances (a no-op without a relay). A closed relay (the server is
    /// stopping) drops the note.
    fn tell(&self, note: Note) {
        if let Some(relay) = self.relay.get() {
            let _ = relay.send(note);
        }
    }

    /// Applies a note another instance's relay sent (counted in [`Hub::relayed`]), without
    /// sending it on.
    pub fn heard_through_relay(&self, note: Note) {
        let kind = match note {
            Note::Content { .. } => 0,
            Note::Kiosk(_) => 1,
            Note::Command(_) => 2,
        };
        self.relayed[kind].fetch_add(1, Ordering::SeqCst);
        self.heard(note);
    }

    /// The notes heard through the relay so far.
    pub fn relayed(&self) -> Relayed {
        let [content, kiosk, command] = &self.relayed;
        Relayed {
            content: content.load(Ordering::SeqCst),
            kiosk: kiosk.load(Ordering::SeqCst),
            command: command.load(Ordering::SeqCst),
        }
    }

    /// Applies what another instance's hub heard (read back from the database, or through the
    /// relay), without sending it on.
    pub fn heard(&self, note: Note) {
        match note {
            Note::Content { orgs, seq } => self.apply_content(&orgs, seq),
            Note::Kiosk(kiosk) => self.apply_kiosk(&kiosk),
            Note::Command(kiosk) => self.apply_command(&kiosk),
        }
    }

    /// Notes may have been lost (the relay's connection dropped): every stream of a kiosk ends
    /// with `reset` (so a kiosk moved or revoked meanwhile is not left listening), and every
    /// stream that takes commands reads its open ones again. Content is not guessed here: the
    /// feed is read again past what this instance last read ([`Hub::rescan`]).
    pub fn wake_everything(&self) {
        for map in [&self.kiosks, &self.commands] {
            for tx in map
                .lock()
                .expect("hub lock is never held across a panic")
                .values()
            {
                tx.send_modify(|v| *v += 1);
            }
        }
        self.rescan.notify_one();
    }

    /// Content in `orgs` changed; the feed now reaches `seq`. The orgs' change is recorded
    /// before the seq is announced and before any stream is woken: a pull that either caused
    /// sees it.
    pub fn content_changed(&self, orgs: &[OrgId], seq: u64) {
        self.apply_content(orgs, seq);
        if !orgs.is_empty() {
            self.tell(Note::Content {
                orgs: orgs.to_vec(),
                seq,
            });
        }
    }

    fn apply_content(&self, orgs: &[OrgId], seq: u64) {
        {
            let mut changed = self
                .changed
                .lock()
                .expect("hub lock is never held across a panic");
            for org in orgs {
                let at = changed.entry(*org).or_default();
                *at = (*at).max(seq);
            }
        }
        self.published.announce(seq);
        self.announced.fetch_max(seq, Ordering::SeqCst);
        let map = self
            .orgs
            .lock()
            .expect("hub lock is never held across a panic");
        for org in orgs {
            if let Some(tx) = map.get(org) {
                tx.send_if_modified(|cur| {
                    let newer = seq > *cur;
                    if newer {
                        *cur = seq;
                    }
                    newer
                });
            }
        }
    }

    /// Whether the hub heard of a change in any of `orgs` after feed position `seq`.
    pub fn changed_after(&self, orgs: &[OrgId], seq: u64) -> bool {
        let changed = self
            .changed
            .lock()
            .expect("hub lock is never held across a panic");
        orgs.iter()
            .any(|org| changed.get(org).is_some_and(|at| *at > seq))
    }

    /// The kiosk was moved or revoked: its open stream must end so it reconnects and re-reads.
    pub fn kiosk_changed(&self, kiosk: &KioskId) {
        self.apply_kiosk(kiosk);
        self.tell(Note::Kiosk(kiosk.clone()));
    }

    fn apply_kiosk(&self, kiosk: &KioskId) {
        let map = self
            .kiosks
            .lock()
            .expect("hub lock is never held across a panic");
        if let Some(tx) = map.get(kiosk) {
            tx.send_modify(|v| *v += 1);
        }
    }

    pub fn subscribe_org(&self, org: OrgId, current: u64) -> watch::Receiver<u64> {
        let mut map = self
            .orgs
            .lock()
            .expect("hub lock is never held across a panic");
        map.entry(org)
            .or_insert_with(|| watch::channel(current).0)
            .subscribe()
    }

    pub fn subscribe_kiosk(&self, kiosk: &KioskId) -> watch::Receiver<u64> {
        let mut map = self
            .kiosks
            .lock()
            .expect("hub lock is never held across a panic");
        map.entry(kiosk.clone())
            .or_insert_with(|| watch::channel(0).0)
            .subscribe()
    }

    /// Staff queued a command for the kiosk: its open stream (if any) sends it.
    pub fn command_queued(&self, kiosk: &KioskId) {
        self.apply_command(kiosk);
        self.tell(Note::Command(kiosk.clone()));
    }

    fn apply_command(&self, kiosk: &KioskId) {
        let map = self
            .commands
            .lock()
            .expect("hub lock is never held across a panic");
        if let Some(tx) = map.get(kiosk) {
            tx.send_modify(|v| *v += 1);
        }
    }

    pub fn subscribe_commands(&self, kiosk: &KioskId) -> watch::Receiver<u64> {
        let mut map = self
            .commands
            .lock()
            .expect("hub lock is never held across a panic");
        map.entry(kiosk.clone())
            .or_insert_with(|| watch::channel(0).0)
            .subscribe()
    }

    /// Drops channels nobody listens to any more; called from time to time.
    pub fn prune(&self) {
        self.orgs
            .lock()
            .expect("hub lock is never held across a panic")
            .retain(|_, tx| tx.receiver_count() > 0);
        self.kiosks
            .lock()
            .expect("hub lock is never held across a panic")
            .retain(|_, tx| tx.receiver_count() > 0);
        self.commands
            .lock()
            .expect("hub lock is never held across a panic")
            .retain(|_, tx| tx.receiver_count() > 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_subscribed_orgs_are_woken() {
        let hub = Hub::default();
        let mut province = hub.subscribe_org(OrgId(1), 0);
        let sibling = hub.subscribe_org(OrgId(3), 0);
        hub.content_changed(&[OrgId(1)], 7);
        province.changed().await.expect("sender alive");
        assert_eq!(*province.borrow_and_update(), 7);
        assert!(!sibling.has_changed().expect("sender alive"));
        hub.content_changed(&[OrgId(1)], 5);
        assert!(
            !province.has_changed().expect("sender alive"),
            "older seq ignored"
        );
    }

    #[test]
    fn changes_are_remembered_per_org() {
        let hub = Hub::default();
        hub.content_changed(&[OrgId(1), OrgId(2)], 5);
        hub.content_changed(&[OrgId(2)], 8);
        hub.content_changed(&[OrgId(1)], 3);
        assert!(!hub.changed_after(&[OrgId(1)], 5), "3 is older than 5");
        assert!(hub.changed_after(&[OrgId(1)], 4));
        assert!(hub.changed_after(&[OrgId(3), OrgId(2)], 7));
        assert!(!hub.changed_after(&[OrgId(3)], 0), "never written");
        assert_eq!(hub.announced(), 8);
    }

    #[test]
    fn prune_keeps_live_channels() {
        let hub = Hub::default();
        let kept = hub.subscribe_org(OrgId(1), 0);
        drop(hub.subscribe_org(OrgId(2), 0));
        hub.prune();
        assert_eq!(hub.orgs.lock().expect("lock").len(), 1);
        drop(kept);
    }

    /// What this process's modules tell the hub goes to the relay; what another instance's
    /// relay sent is applied here and never sent on (no echo between instances).
    #[tokio::test]
    async fn local_changes_are_told_and_heard_ones_are_not() {
        let hub = Hub::default();
        let (tx, rx) = mpsc::channel();
        hub.relay_to(tx);
        let kiosk = KioskId("k-1".to_owned());
        let mut stream = hub.subscribe_kiosk(&kiosk);
        let mut commands = hub.subscribe_commands(&kiosk);
        hub.content_changed(&[OrgId(4)], 9);
        hub.content_changed(&[], 10);
        hub.kiosk_changed(&kiosk);
        hub.command_queued(&kiosk);
        let told: Vec<Note> = rx.try_iter().collect();
        assert_eq!(
            told,
            vec![
                Note::Content {
                    orgs: vec![OrgId(4)],
                    seq: 9
                },
                Note::Kiosk(kiosk.clone()),
                Note::Command(kiosk.clone()),
            ],
            "an announcement without orgs tells nobody"
        );
        stream.changed().await.expect("sender alive");
        commands.changed().await.expect("sender alive");
        hub.heard_through_relay(Note::Content {
            orgs: vec![OrgId(5)],
            seq: 12,
        });
        hub.heard_through_relay(Note::Kiosk(kiosk.clone()));
        hub.heard(Note::Command(kiosk.clone()));
        assert_eq!(rx.try_iter().count(), 0, "heard notes are not sent on");
        assert_eq!(
            hub.relayed(),
            Relayed {
                content: 1,
                kiosk: 1,
                command: 0
            },
            "only what came through the relay is counted as relayed"
        );
        assert!(hub.changed_after(&[OrgId(5)], 11));
        assert_eq!(hub.announced(), 12);
        assert!(stream.has_changed().expect("sender alive"));
        assert!(commands.has_changed().expect("sender alive"));
        stream.borrow_and_update();
        commands.borrow_and_update();
        hub.wake_everything();
        assert!(stream.has_changed().expect("sender alive"));
        assert!(commands.has_changed().expect("sender alive"));
    }
}
