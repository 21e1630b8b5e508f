//! 职代会提案 on the kiosk: the cached calls for proposals, each with the proposals the server
//! published for it (`protocol::proposal`), read from the feed cache. Writing one is the call's
//! form on the form screen, sent through the outbox like any form.

use protocol::proposal::{Proposal, ProposalCall};
use protocol::{ContentBody, ContentItem, ContentKind};

use crate::store::{Result, Store};

/// A call as the kiosk lists it, with its proposals by number.
#[derive(Debug, Clone)]
pub struct Listed {
    pub item: ContentItem,
    pub call: ProposalCall,
    pub proposals: Vec<Proposal>,
}

/// Every cached call, newest first, each with its proposals (first number first).
pub fn read(s: &Store) -> Result<Vec<Listed>> {
    let proposals: Vec<Proposal> = s
        .items(ContentKind::Proposal)?
        .into_iter()
        .filter_map(|i| match i.body {
            ContentBody::Proposal(p) => Some(p),
            _ => None,
        })
        .collect();
    let mut listed: Vec<Listed> = s
        .items(ContentKind::ProposalCall)?
        .into_iter()
        .filter_map(|item| match &item.body {
            ContentBody::ProposalCall(call) => {
                let mut mine: Vec<Proposal> = proposals
                    .iter()
                    .filter(|p| p.call == item.id)
                    .cloned()
                    .collect();
                mine.sort_by_key(|p| p.number);
                Some(Listed {
                    call: call.clone(),
                    proposals: mine,
                    item,
                })
            }
            _ => None,
        })
        .collect();
    listed.sort_by_key(|l| std::cmp::Reverse(l.item.updated_at));
    Ok(listed)
}
