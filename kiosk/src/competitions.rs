//! 劳动竞赛 on the kiosk: the competitions in the cache, and the org path that says which
//! participant is this kiosk's own branch. Standings and history are computed from the cached
//! body (`protocol::competition`), so the screen works offline.

use protocol::competition::Competition;
use protocol::{ContentBody, ContentKind, OrgId};

use crate::store::{Result, Store};

/// What the competition screen shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Board {
    /// Running ones first (by first day, latest first), then the rest by last day, latest first.
    pub competitions: Vec<Competition>,
    /// The kiosk's org path, root first (just its own org from an older server).
    pub path: Vec<OrgId>,
}

/// Reads every cached competition, ordered for `today`.
pub fn read(s: &Store, today: jiff::civil::Date) -> Result<Board> {
    let path = match s.enrollment()?.map(|e| e.org) {
        Some(org) if org.ids.is_empty() => vec![org.id],
        Some(org) => org.ids,
        None => Vec::new(),
    };
    let mut competitions: Vec<Competition> = s
        .items(ContentKind::Competition)?
        .into_iter()
        .filter_map(|i| match i.body {
            ContentBody::Competition(c) => Some(c),
            _ => None,
        })
        .collect();
    competitions.sort_by(|a, b| {
        b.running_on(today)
            .cmp(&a.running_on(today))
            .then(b.last_day.cmp(&a.last_day))
            .then(b.first_day.cmp(&a.first_day))
    });
    Ok(Board { competitions, path })
}
