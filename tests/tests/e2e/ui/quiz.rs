//! 知识竞赛 on the glass, walked in a demo kiosk shared with 劳动竞赛 (ui::layout):
//! the home tile (or its group) opens the demo quiz's start page with the rules and the ranking;
//! a round draws ten questions from the cached bank with a countdown that the app's ticks move.
//! Landscape in Chinese is played by taps (single choice one tap, multiple choice ticked and
//! confirmed) to the score and every question's right answer and explanation, and entering the
//! ranking opens the entry form; portrait in English lets the clock run out, which ends the
//! round with the questions not answered counted wrong; the other two show a question. A
//! screenshot of each.

use kiosk::ui::Message;
use kiosk::ui::i18n::{Lang, fill};
use kiosk::ui::screen::{Screen, quiz};
use protocol::content::TileAction;

use super::harness::{Harness, SHAPES};

/// The quiz screen on top of the stack.
fn on_top(h: &Harness) -> &quiz::QuizScreen {
    match h.app.screens().last() {
        Some(Screen::Quiz(s)) => s,
        _ => panic!("the quiz screen is not on top"),
    }
}

/// Opens 知识竞赛 from home: its own tile, or the group tile that holds it.
async fn open(h: &mut Harness, lang: Lang) {
    let title = |t: &protocol::content::Tile| match lang {
        Lang::En => t.title_en.clone().unwrap_or_else(|| t.title.clone()),
        Lang::Zh => t.title.clone(),
    };
    let tiles = h.app.tiles();
    if let Some(tile) = tiles.iter().find(|t| t.action == TileAction::Quiz) {
        return h.tap(&title(tile)).await;
    }
    let (group, inner) = tiles
        .iter()
        .find_map(|g| match &g.action {
            TileAction::Group { tiles } => tiles
                .iter()
                .find(|t| t.action == TileAction::Quiz)
                .map(|t| (title(g), title(t))),
            _ => None,
        })
        .expect("the demo home offers 知识竞赛, on its own or in a group");
    h.tap(&group).await;
    h.tap(&inner).await;
}

/// Plays the quiz in each language and orientation and checks what it shows.
pub(super) async fn plays_a_round_to_the_score_and_explanations(h: &mut Harness) {
    let quiz = h.core.quizzes().await.expect("store");
    let bank = quiz[0].quiz.clone();
    for (size, shape) in SHAPES {
        for lang in [Lang::Zh, Lang::En] {
            h.home_at(size, lang).await;
            let s = lang.strings();
            let case = format!("{shape}-{}", lang.code());
            open(h, lang).await;
            let quiz_title = match lang {
                Lang::En => bank.title_en.as_deref().expect("an English title"),
                Lang::Zh => bank.title.as_str(),
            };
            for shown in [quiz_title, s.quiz_start, s.quiz_ranking] {
                assert!(h.shows(shown), "{case}: {shown:?} is not shown");
            }
            if case == "landscape-zh" {
                h.shot(&format!("quiz-start-{case}"));
            }
            h.tap(s.quiz_start).await;
            let total = 10;
            assert!(
                h.shows(&fill(s.quiz_progress, &[&1, &total])),
                "{case}: the first of ten questions"
            );
            assert!(h.shows(&fill(s.quiz_time_left, &[&"05:00"])), "{case}");
            h.send(Message::Tick(jiff::Timestamp::now())).await;
            assert!(
                h.shows(&fill(s.quiz_time_left, &[&"04:59"])),
                "{case}: the countdown moves with the app's ticks"
            );
            match (shape, lang) {
                ("landscape", Lang::Zh) => play_by_taps(h, total).await,
                ("portrait", Lang::En) => {
                    // Nobody answers: a touch now and then keeps the kiosk from going home,
                    // and the clock ends the round.
                    for second in 1..bank.seconds {
                        if second % 20 == 0 {
                            h.send(Message::Touched).await;
                        }
                        h.send(Message::Tick(jiff::Timestamp::now())).await;
                    }
                    assert!(h.shows(&fill(s.quiz_score, &[&0, &total])), "{case}");
                    assert!(h.shows(s.quiz_time_up), "{case}: the time ran out");
                    assert!(
                        h.shows(&fill(s.quiz_your_answer, &[&s.quiz_unanswered])),
                        "{case}"
                    );
                    h.shot(&format!("quiz-timeout-{case}"));
                }
                _ => h.shot(&format!("quiz-question-{case}")),
            }
        }
    }
    h.send(Message::GoHome).await;
    // The two finished rounds (tapped, and timed out) went to the outbox; the server takes
    // both (it scores them again from the bank).
    let sent = h.core.sync_now().await.expect("sent");
    assert_eq!((sent.delivered, sent.refused), (2, 0), "{sent:?}");
}

/// Answers every question by tapping its first option (and confirming a multiple choice),
/// then checks the score page and the way into the ranking.
async fn play_by_taps(h: &mut Harness, total: usize) {
    let s = Lang::Zh.strings();
    let mut right = 0;
    let mut multiple_shot = false;
    for n in 1..=total {
        let q = on_top(h).question().expect("a question on screen").clone();
        assert!(
            h.shows(&fill(s.quiz_progress, &[&n, &total])),
            "question {n}"
        );
        assert!(h.shows(&q.stem), "question {n}'s stem");
        let option = &q.options[0];
        h.tap(&format!("{}. {}", option.key, option.text)).await;
        if q.multiple {
            assert!(h.shows(s.quiz_multiple), "a multiple choice says so");
            if !multiple_shot {
                h.shot("quiz-multiple-landscape-zh");
                multiple_shot = true;
            }
            h.tap(s.quiz_confirm).await;
        }
        if q.is_right(std::slice::from_ref(&option.key)) {
            right += 1;
        }
    }
    assert!(
        h.shows(&fill(s.quiz_score, &[&right, &total])),
        "the score the bank gives: {right} right"
    );
    assert!(h.shows(s.quiz_enter) && h.shows(s.quiz_done));
    h.shot("quiz-result-landscape-zh");
    // Further down: each question with the right answer and why.
    h.send(Message::Quiz(quiz::Message::Scrolled(900.0))).await;
    assert!(h.shows(s.quiz_right) || h.shows(s.quiz_wrong));
    h.shot("quiz-explanations-landscape-zh");
    h.send(Message::Quiz(quiz::Message::Scrolled(0.0))).await;
    // The round is in the outbox: entering the ranking opens the entry form.
    h.tap(s.quiz_enter).await;
    assert!(
        matches!(h.app.screens().last(), Some(Screen::Form(_))),
        "the entry form (name, phone, consent)"
    );
    assert!(h.shows("姓名") && h.shows("手机号码"));
    h.shot("quiz-entry-landscape-zh");
}
