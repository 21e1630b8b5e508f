//! Live-push fan-out. A publish wakes every open event stream in the affected orgs' scope
//! without touching the database: each org has a `watch` channel holding the newest feed seq,
//! and a stream subscribes to the channels of its kiosk's org and ancestors (a handful).
//! One publish is therefore one `send` per affected org, however many kiosks listen.

use protocol::{KioskId, OrgId};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::watch;

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
}

impl Hub {
    pub fn announced(&self) -> u64 {
        self.announced.load(Ordering::SeqCst)
    }

    /// Content in `orgs` changed; the feed now reaches `seq`. The orgs' change is recorded
    /// before the seq is announced and before any stream is woken: a pull that either caused
    /// sees it.
    pub fn content_changed(&self, orgs: &[OrgId], seq: u64) {
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
}
