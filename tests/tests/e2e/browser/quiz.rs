//! 知识竞赛 / Quizzes in a real browser, inside the main console session: the demo branch's
//! kiosk plays a round of the demo quiz through its outbox, and the results page draws the
//! rounds per day and the hardest questions as SVG with those numbers. Screenshots at 1366×768
//! in Chinese and English.

use fantoccini::Client;
use protocol::quiz::{QuizRound, RoundAnswer};

use super::{click, shot, text_of, wait_for};

/// The kiosk plays one round of the demo quiz, every question answered with its first option,
/// and delivers it.
pub async fn a_kiosk_plays_a_round(core: &kiosk::core::Core) {
    let listed = core.quizzes().await.expect("store");
    let demo = &listed[0];
    let round = QuizRound {
        answers: kiosk::quiz::draw(&demo.quiz)
            .into_iter()
            .map(|i| {
                let q = &demo.quiz.questions[i];
                RoundAnswer {
                    question: q.key.clone(),
                    chosen: vec![q.options[0].key.clone()],
                }
            })
            .collect(),
        seconds: 95,
    };
    core.submit(demo.item.id.clone(), demo.item.version, round.to_answers())
        .await
        .expect("saved");
    let sent = core.sync_now().await.expect("delivered");
    assert_eq!(sent.delivered, 1, "{sent:?}");
}

/// The list, then the quiz's results with their charts, in both languages (ending in Chinese).
pub async fn results_page_charts_the_round(c: &Client, base: &str) {
    c.goto(&format!("{base}/console/quiz"))
        .await
        .expect("quiz list");
    click(c, "table a").await;
    wait_for(c, "figure.chart svg", "a quiz chart").await;
    let text = text_of(c).await;
    for expected in [
        "工会法与劳动法知识竞赛",
        "每天答题轮数",
        "最难的题",
        "每道题",
    ] {
        assert!(text.contains(expected), "{expected} in: {text}");
    }
    shot(c, "quiz-results-zh").await;
    c.execute(
        "document.querySelectorAll('figure')[1].scrollIntoView()",
        vec![],
    )
    .await
    .expect("scrolled");
    shot(c, "quiz-hardest-zh").await;
    // The bank in the editor: plain text, a block a question.
    let url = c.current_url().await.expect("url");
    c.goto(&format!(
        "{}/edit",
        url.as_str().split('?').next().expect("url")
    ))
    .await
    .expect("editor");
    wait_for(c, "textarea[name=questions]", "the bank's text").await;
    let bank = c
        .find(fantoccini::Locator::Css("textarea[name=questions]"))
        .await
        .expect("textarea")
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default();
    assert!(
        bank.contains("[union-25]") && bank.contains("*C. 二十五人"),
        "{bank}"
    );
    shot(c, "quiz-editor-zh").await;
    c.goto(url.as_str()).await.expect("results");
    let url = c.current_url().await.expect("url");
    c.goto(&format!("{base}/console/lang/en"))
        .await
        .expect("en");
    c.goto(url.as_str()).await.expect("results");
    wait_for(c, "figure.chart svg", "a quiz chart").await;
    let text = text_of(c).await;
    assert!(text.contains("Hardest questions"), "{text}");
    shot(c, "quiz-results-en").await;
    c.goto(&format!("{base}/console/lang/zh"))
        .await
        .expect("zh");
}
