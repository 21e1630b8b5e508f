//! 民主管理 on the kiosk: the polls it holds, each with the results staff chose to show as of the
//! last sync. The kiosk never counts: a vote goes through the outbox, sealed, as the poll's vote
//! form (`Poll::vote_form`), and whether it was counted is read under 办理进度.

use jiff::Timestamp;
use protocol::poll::{Poll, PollResults};
use protocol::{ContentBody, ContentItem, ContentKind};

use crate::store::{Result, Store};

/// A poll as the kiosk lists it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub item: ContentItem,
    pub poll: Poll,
    /// The tallies, while staff show them on kiosks.
    pub results: Option<PollResults>,
}

impl Listed {
    /// Whether a vote cast now would be taken.
    pub fn open(&self, now: Timestamp) -> bool {
        self.poll.is_open(now)
    }
}

/// Every cached poll: open ones first (closing soonest first), then closed ones (latest first).
pub fn read(s: &Store) -> Result<Vec<Listed>> {
    let results: Vec<PollResults> = s
        .items(ContentKind::PollResults)?
        .into_iter()
        .filter_map(|i| match i.body {
            ContentBody::PollResults(r) => Some(r),
            _ => None,
        })
        .collect();
    let mut listed: Vec<Listed> = s
        .items(ContentKind::Poll)?
        .into_iter()
        .filter_map(|item| match &item.body {
            ContentBody::Poll(p) => Some(Listed {
                poll: p.clone(),
                results: results.iter().find(|r| r.poll == item.id).cloned(),
                item,
            }),
            _ => None,
        })
        .collect();
    let now = Timestamp::now();
    listed.sort_by_key(|l| {
        let open = l.open(now);
        (
            !open,
            if open {
                l.poll.closes_at.as_millisecond()
            } else {
                -l.poll.closes_at.as_millisecond()
            },
        )
    });
    Ok(listed)
}
