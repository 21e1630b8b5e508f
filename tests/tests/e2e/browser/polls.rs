//! 投票问卷 in a real browser (issue 19, part 3a), inside the main console session: a kiosk of
//! the demo branch votes in the demo's canteen survey through its outbox, and the poll's results
//! page draws a bar chart per question as SVG with that vote in it. Screenshots at 1366×768 in
//! Chinese and English.

use fantoccini::Client;
use kiosk::core::Core;
use protocol::submission::FormAnswers;

use super::{shot, text_of, wait_for};

/// The demo's canteen survey: its id, after one vote (5 stars; taste and queues) from `core`.
pub async fn a_kiosk_votes(core: &Core) -> String {
    let polls = core.polls().await.expect("polls");
    let canteen = polls
        .iter()
        .find(|l| l.poll.title == "职工食堂满意度调查")
        .expect("the demo's canteen survey");
    let mut answers = serde_json::json!({
        "q1": "5", "q2": ["1", "3"], "phone": "13900004321"
    });
    // Named on PostgreSQL, which refuses anonymous polls (the demo's survey is anonymous on
    // SQLite only): a named vote also gives the voter's name.
    if !canteen.poll.anonymous {
        answers[protocol::poll::NAME_KEY] = serde_json::json!("王芳");
    }
    let answers = serde_json::from_value(answers).expect("answers");
    core.submit(
        canteen.item.id.clone(),
        canteen.item.version,
        FormAnswers { answers },
    )
    .await
    .expect("saved");
    assert_eq!(core.sync_now().await.expect("delivered").delivered, 1);
    canteen.item.id.to_string()
}

/// The results page: a chart per question with the vote counted, in both languages (ending in
/// Chinese).
pub async fn results_page_charts_the_votes(c: &Client, base: &str, poll: &str) {
    c.goto(&format!("{base}/console/polls"))
        .await
        .expect("polls page");
    let text = text_of(c).await;
    assert!(text.contains("职工食堂满意度调查"), "listed: {text}");
    assert!(text.contains("发起投票或问卷"), "the editor: {text}");
    shot(c, "polls-zh").await;
    c.execute(
        "document.querySelector('textarea[name=questions]').scrollIntoView()",
        vec![],
    )
    .await
    .expect("scrolled");
    shot(c, "polls-editor-zh").await;
    c.goto(&format!("{base}/console/polls/{poll}"))
        .await
        .expect("results page");
    wait_for(c, "figure.chart svg", "a results chart").await;
    let charts = c
        .find_all(fantoccini::Locator::Css("figure.chart svg"))
        .await
        .expect("charts");
    assert_eq!(charts.len(), 2, "a chart per question");
    let text = text_of(c).await;
    for expected in ["您对食堂饭菜的总体评价", "有效票：1", "5 星", "排队时间"]
    {
        assert!(text.contains(expected), "{expected} in: {text}");
    }
    shot(c, "poll-results-zh").await;
    c.execute(
        "document.querySelectorAll('figure.chart')[1].scrollIntoView()",
        vec![],
    )
    .await
    .expect("scrolled");
    shot(c, "poll-results-chart-zh").await;
    c.goto(&format!("{base}/console/lang/en"))
        .await
        .expect("en");
    c.goto(&format!("{base}/console/polls/{poll}"))
        .await
        .expect("results page");
    wait_for(c, "figure.chart svg", "a results chart").await;
    let text = text_of(c).await;
    for expected in [
        "Staff canteen survey",
        "Votes counted: 1",
        "Overall, how do you rate the food?",
        "Queues",
    ] {
        assert!(text.contains(expected), "{expected} in: {text}");
    }
    shot(c, "poll-results-en").await;
    c.goto(&format!("{base}/console/lang/zh"))
        .await
        .expect("zh");
}
