//! 职工之家 on the kiosk: its own org's page and its parent's (the city's for a branch), each
//! with the opening hours that org's kiosks go by, read from the cached feed.

use protocol::branch_page::BranchPage;
use protocol::content::OpeningHours;
use protocol::{ContentBody, ContentItem, ContentKind, OrgId};

use crate::store::{Result, Store};

/// One org's page as the kiosk shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub org_name: String,
    pub page: BranchPage,
    /// The hours set nearest to that org (its own, else an ancestor's); `None`: always open.
    pub hours: Option<OpeningHours>,
}

/// The kiosk's own org's page and its parent's, when they have one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pages {
    pub own: Option<Shown>,
    pub parent: Option<Shown>,
}

/// Reads both pages. The org path kept at enrollment says which org is the parent; a kiosk
/// enrolled with an older server (no ids kept) shows its own page only.
pub fn read(s: &Store) -> Result<Pages> {
    let Some(org) = s.enrollment()?.map(|e| e.org) else {
        return Ok(Pages::default());
    };
    let pages: Vec<(OrgId, BranchPage)> = s
        .items(ContentKind::BranchPage)?
        .into_iter()
        .filter_map(|i| match i.body {
            ContentBody::BranchPage(p) => Some((i.org_id, p)),
            _ => None,
        })
        .collect();
    let hours: Vec<ContentItem> = s.items(ContentKind::OpeningHours)?;
    // The path's ids from the root down (just the kiosk's own org from an older server); the
    // parent is the one before the kiosk's own org.
    let ids = if org.ids.is_empty() {
        vec![org.id]
    } else {
        org.ids.clone()
    };
    let shown = |depth: usize, name: &str| {
        pages
            .iter()
            .find(|(o, _)| *o == ids[depth])
            .map(|(_, page)| Shown {
                org_name: name.to_owned(),
                page: page.clone(),
                hours: hours_at(&hours, &ids[..=depth]),
            })
    };
    let own = shown(ids.len() - 1, &org.name);
    let parent = ids
        .len()
        .checked_sub(2)
        .and_then(|i| shown(i, org.path.get(i).map_or("", String::as_str)));
    Ok(Pages { own, parent })
}

/// The hours set deepest on `path` (root first).
fn hours_at(items: &[ContentItem], path: &[OrgId]) -> Option<OpeningHours> {
    path.iter().rev().find_map(|org| {
        items.iter().find_map(|i| match &i.body {
            ContentBody::OpeningHours(h) if i.org_id == *org => Some(h.clone()),
            _ => None,
        })
    })
}
