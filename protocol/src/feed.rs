//! The delta feed (`GET /v1/changes`) and live notices (`GET /v1/events`).

use crate::content::{ContentItem, ContentKind};
use crate::enroll::Fingerprint;
use crate::ids::{ContentId, KioskId, OrgId};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a kiosk is in the feed: `<epoch>.<seq>`. `seq` is the server's change sequence; `epoch`
/// is the kiosk's scope generation, which grows when the kiosk moves to another org. A cursor from
/// an older epoch makes the server start a resync from zero (`ChangesResponse::reset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Cursor {
    pub epoch: u32,
    pub seq: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid cursor '{0}': expected '<epoch>.<seq>', as returned by the server")]
pub struct InvalidCursor(pub String);

impl FromStr for Cursor {
    type Err = InvalidCursor;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || InvalidCursor(s.chars().take(40).collect());
        let (e, q) = s.split_once('.').ok_or_else(bad)?;
        Ok(Cursor {
            epoch: e.parse().map_err(|_| bad())?,
            seq: q.parse().map_err(|_| bad())?,
        })
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.epoch, self.seq)
    }
}

impl Serialize for Cursor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cursor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One entry of the feed: the item's current state, or that it is gone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    Upsert {
        seq: u64,
        item: Box<ContentItem>,
    },
    /// Unpublished, deleted, expired, or moved out of the kiosk's scope: drop it.
    Delete {
        seq: u64,
        id: ContentId,
        kind: ContentKind,
    },
}

impl Change {
    pub fn seq(&self) -> u64 {
        match self {
            Change::Upsert { seq, .. } | Change::Delete { seq, .. } => *seq,
        }
    }

    pub fn id(&self) -> &ContentId {
        match self {
            Change::Upsert { item, .. } => &item.id,
            Change::Delete { id, .. } => id,
        }
    }
}

/// `GET /v1/changes?since=<cursor>&limit=<n>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangesResponse {
    /// In ascending `seq` order.
    pub changes: Vec<Change>,
    /// Pass as `since` next time.
    pub cursor: Cursor,
    /// More changes are waiting: ask again at once.
    pub has_more: bool,
    /// This page starts a resync from zero. Keep showing the old cache, collect pages until
    /// `has_more` is false, then drop every item the resync did not mention.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reset: bool,
}

/// An org unit in brief, with the names of its ancestors from the root down (for status bars).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSummary {
    pub id: OrgId,
    pub name: String,
    pub path: Vec<String>,
    /// The ids of `path`, from the root down to this org: what a kiosk needs to pick what was
    /// published nearest to it (its own org first, then each ancestor). Absent from older
    /// servers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<OrgId>,
}

/// `GET /v1/kiosk`: who the server thinks this kiosk is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskInfo {
    pub kiosk_id: KioskId,
    pub name: String,
    pub org: OrgSummary,
    /// The key pins (SHA-256 of the SubjectPublicKeyInfo) this server answers under: its current
    /// key first, then the next one when the operator has prepared a rotation. A kiosk keeps
    /// them, so it still trusts the server after the rotation. Absent from older servers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tls_pins: Vec<Fingerprint>,
}

/// The data of an SSE `changes` event: content in the kiosk's scope changed up to `seq`.
/// A kiosk whose cursor is behind pulls `/v1/changes`. An SSE `reset` event carries the same
/// shape and means the kiosk's scope changed: pull at once, the server will start a resync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedNotice {
    pub seq: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_junk() {
        let c = Cursor { epoch: 3, seq: 42 };
        assert_eq!(c.to_string().parse::<Cursor>(), Ok(c));
        for bad in ["", "3", "3.", ".4", "a.b", "-1.2", "1.2.3"] {
            assert!(bad.parse::<Cursor>().is_err(), "{bad:?}");
        }
    }
}
