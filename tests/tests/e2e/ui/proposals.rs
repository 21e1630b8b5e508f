//! 职代会提案 on the glass, walked in a demo kiosk shared with the rest of 民主管理 (ui::layout):
//! the demo's call with its proposals (the concluded one opened whole with its reply, the
//! pending one by number only), the status filter, and writing a proposal: the co-signer
//! minimum and the "not the proposer" rule shown under the fields, in both languages and both
//! orientations, a screenshot of each.

use iced::Size;
use kiosk::ui::Message;
use kiosk::ui::i18n::Lang;
use kiosk::ui::screen::{form, proposal};
use protocol::content::{Tile, TileAction};
use protocol::proposal::ProposalStatus;

use super::harness::Harness;

fn title(lang: Lang, tile: &Tile) -> String {
    match lang {
        Lang::En => tile.title_en.clone().unwrap_or_else(|| tile.title.clone()),
        Lang::Zh => tile.title.clone(),
    }
}

/// The taps that open 职代会提案 from home: its tile, or its group's tile and then its own.
fn path_to(h: &Harness) -> Vec<(Tile, Option<Tile>)> {
    h.app
        .tiles()
        .into_iter()
        .filter_map(|t| match &t.action {
            TileAction::Proposals => Some((t.clone(), None)),
            TileAction::Group { tiles } => tiles
                .iter()
                .find(|i| i.action == TileAction::Proposals)
                .map(|i| (t.clone(), Some(i.clone()))),
            _ => None,
        })
        .collect()
}

/// Opens 职代会提案 from home in each language and orientation and checks what it shows.
pub(super) async fn lists_opens_and_writes_a_proposal(h: &mut Harness) {
    let calls = h.core.proposals().await.expect("store");
    let call = calls.first().expect("the demo has a call for proposals");
    let done = call
        .proposals
        .iter()
        .find(|p| p.status == ProposalStatus::Done)
        .expect("the demo has a concluded proposal");
    let accepted = call
        .proposals
        .iter()
        .find(|p| p.status == ProposalStatus::Accepted)
        .expect("the demo has an accepted proposal");
    let pending = call
        .proposals
        .iter()
        .find(|p| p.status == ProposalStatus::Pending)
        .expect("the demo has a pending proposal");
    let (outer, inner) = path_to(h)
        .pop()
        .expect("the demo layout offers 职代会提案 (at home or in 民主管理)");
    for (w, ht, shape) in [(1920.0, 1080.0, "landscape"), (1080.0, 1920.0, "portrait")] {
        h.size = Size::new(w, ht);
        h.send(Message::Resized(h.size)).await;
        for lang in [Lang::Zh, Lang::En] {
            h.send(Message::GoHome).await;
            if h.app.lang() != lang {
                h.send(Message::SwitchLanguage).await;
            }
            let s = lang.strings();
            h.tap(&title(lang, &outer)).await;
            if let Some(inner) = &inner {
                h.tap(&title(lang, inner)).await;
            }
            let call_title = match lang {
                Lang::En => call.call.title_en.as_deref().unwrap_or(&call.call.title),
                Lang::Zh => &call.call.title,
            };
            for shown in [
                call_title,
                s.proposal_write,
                s.proposal_done,
                s.proposal_accepted,
                done.title.as_str(),
                accepted.title.as_str(),
            ] {
                assert!(h.shows(shown), "{shape} {lang:?}: {shown:?} is not shown");
            }
            // A pending proposal: its number only, its text kept until it is reviewed.
            let number = pending.number_label(match lang {
                Lang::Zh => protocol::answers::Lang::Zh,
                Lang::En => protocol::answers::Lang::En,
            });
            assert!(h.shows(&number), "{shape} {lang:?}: {number:?} is listed");
            assert!(pending.title.is_empty(), "the feed holds no pending text");
            // A screenshot costs a second or two of the suite: each shape and language is
            // written once, on one of the three screens.
            if (shape, lang) == ("landscape", Lang::Zh) || (shape, lang) == ("portrait", Lang::En) {
                h.shot(&format!("proposals-{shape}-{}", lang.code()));
            }

            // The status filter: only the concluded one.
            h.tap(s.proposal_done).await;
            assert!(h.shows(&done.title) && !h.shows(&accepted.title));
            h.send(Message::Proposals(proposal::Message::Filter(None)))
                .await;

            // The concluded proposal, whole, with its reply.
            h.tap(&done.title).await;
            for shown in [s.proposal_reasons, s.proposal_reply, done.reply.as_str()] {
                assert!(
                    h.shows(shown),
                    "{shape} {lang:?}: {shown:?} in the proposal"
                );
            }
            if (shape, lang) == ("landscape", Lang::En) {
                h.shot(&format!("proposal-done-{shape}-{}", lang.code()));
            }
            h.tap(s.proposal_back).await;

            // Writing one: the form, the co-signer rows and the minimum.
            h.tap(s.proposal_write).await;
            let required = match lang {
                Lang::Zh => "附议人2 姓名",
                Lang::En => "Co-signer 2: name",
            };
            assert!(h.shows(required), "{shape} {lang:?}: the co-signer rows");
            // "Check" is under the last row: scrolled to, tapped, then back to the top.
            h.send(Message::Form(form::Message::Scrolled(100_000.0)))
                .await;
            h.tap(s.form_check).await;
            h.send(Message::Form(form::Message::Scrolled(0.0))).await;
            let missing = protocol::answers::AnswerError::Required.message(match lang {
                Lang::Zh => protocol::answers::Lang::Zh,
                Lang::En => protocol::answers::Lang::En,
            });
            assert!(
                h.shows(&missing),
                "{shape} {lang:?}: the required co-signers are asked for"
            );
            if (shape, lang) == ("landscape", Lang::Zh) {
                // The proposer named again as a co-signer: said under the field at once.
                for key in ["name", "cosigner_1_name"] {
                    h.send(Message::Form(form::Message::Focus(key.to_owned())))
                        .await;
                    for letter in ["W", "A", "N", "G"] {
                        h.tap(letter).await;
                    }
                    // The first candidate (王; the typed name above would also match a
                    // tap by its text).
                    h.send(Message::Form(form::Message::Candidate(0))).await;
                    h.tap(s.key_done).await;
                }
                assert!(
                    h.shows("提案人本人不能作为附议人"),
                    "the co-signer rule is checked as the employee types"
                );
            }
            if (shape, lang) == ("portrait", Lang::Zh) {
                h.shot(&format!("proposal-form-{shape}-{}", lang.code()));
            }
        }
    }
    h.send(Message::GoHome).await;
}
