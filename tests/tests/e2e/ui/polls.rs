//! 民主管理 · 投票问卷 on the glass, walked in a demo kiosk shared with the rest of 民主管理 (ui::layout):
//! the demo's polls listed with their closing time and whether they are anonymous, the canteen
//! survey's results as bars, in both languages and both orientations, a screenshot of each;
//! once, a vote cast through the vote form (stars, two choices, the phone on the pad) goes
//! through the outbox, and after a sync the results say one vote and 办理进度 says it counted.

use kiosk::ui::Message;
use kiosk::ui::i18n::Lang;
use kiosk::ui::screen::{Screen, poll};
use protocol::content::{Tile, TileAction};

use super::harness::{Harness, SHAPES};

fn title(lang: Lang, tile: &Tile) -> String {
    match lang {
        Lang::En => tile.title_en.clone().unwrap_or_else(|| tile.title.clone()),
        Lang::Zh => tile.title.clone(),
    }
}

/// The taps that open 投票问卷 from home: its tile, or its group's tile and then its own.
fn path_to(h: &Harness) -> Option<(Tile, Option<Tile>)> {
    h.app.tiles().into_iter().find_map(|t| match &t.action {
        TileAction::Polls => Some((t.clone(), None)),
        TileAction::Group { tiles } => tiles
            .iter()
            .find(|i| i.action == TileAction::Polls)
            .map(|i| (t.clone(), Some(i.clone()))),
        _ => None,
    })
}

async fn open(h: &mut Harness, lang: Lang, path: &(Tile, Option<Tile>)) {
    h.tap(&title(lang, &path.0)).await;
    if let Some(inner) = &path.1 {
        h.tap(&title(lang, inner)).await;
    }
}

/// Opens 投票问卷 in each language and orientation, checks what it shows, and votes once.
pub(super) async fn lists_votes_and_shows_results(h: &mut Harness) {
    let polls = h.core.polls().await.expect("store");
    let canteen = polls
        .iter()
        .position(|l| l.poll.anonymous && l.results.is_some())
        .expect("the demo's canteen survey, its results shown");
    let trip = polls
        .iter()
        .find(|l| !l.poll.anonymous)
        .expect("the demo's named vote");
    let path = path_to(h).expect("the demo layout offers 投票问卷 (at home or in 民主管理)");
    for (size, shape) in SHAPES {
        for lang in [Lang::Zh, Lang::En] {
            h.home_at(size, lang).await;
            open(h, lang, &path).await;
            let s = lang.strings();
            let (survey, named) = match lang {
                Lang::Zh => (&polls[canteen].poll.title, &trip.poll.title),
                Lang::En => (&polls[canteen].poll.title_en, &trip.poll.title_en),
            };
            let results = kiosk::ui::i18n::fill(s.polls_results, &[&0]);
            for shown in [
                survey.as_str(),
                named.as_str(),
                s.polls_anonymous,
                s.polls_named,
                s.polls_vote,
                results.as_str(),
            ] {
                assert!(h.shows(shown), "{shape} {lang:?}: {shown:?} is not shown");
            }
            h.shot(&format!("polls-{shape}-{}", lang.code()));
        }
    }

    // A vote, once: five stars, two things to improve, the phone on the pad.
    h.home_at(SHAPES[0].0, Lang::Zh).await;
    open(h, Lang::Zh, &path).await;
    let zh = Lang::Zh.strings();
    h.send(Message::Polls(poll::Message::Vote(canteen))).await;
    assert!(h.shows("您对食堂饭菜的总体评价"), "the vote form");
    h.tap("○ 5 星").await;
    h.tap("☐ 口味").await;
    h.tap("☐ 排队时间").await;
    h.tap(zh.form_tap_to_type).await;
    for d in "13912340077".chars() {
        h.tap(&d.to_string()).await;
    }
    h.tap(zh.key_done).await;
    h.shot("polls-vote-form-landscape-zh");
    h.tap(zh.form_check).await;
    assert!(h.shows(zh.form_review_title), "no problems: the review");
    h.tap(zh.form_submit).await;
    let receipt = match h.app.screens().last() {
        Some(Screen::Form(form)) => form.receipt().map(str::to_owned),
        _ => None,
    }
    .expect("the receipt is on screen");
    assert_eq!(h.core.sync_now().await.expect("sent").delivered, 1);
    h.core.sync_now().await.expect("synced");
    h.tap(zh.receipt_done).await;

    // The results came back with the sync.
    open(h, Lang::Zh, &path).await;
    let one = kiosk::ui::i18n::fill(zh.polls_results, &[&1]);
    assert!(h.shows(&one), "the results count the vote");
    h.shot("polls-results-landscape-zh");

    // 办理进度: counted.
    let kiosk::core::StatusCheck::Found(answer) =
        h.core.check_status(receipt, "0077".to_owned()).await
    else {
        panic!("the vote is not found under 办理进度");
    };
    let vote = answer.vote.expect("a vote");
    assert!(vote.counted(), "{vote:?}");
    h.send(Message::GoHome).await;
}
