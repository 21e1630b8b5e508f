//! The dashboard's charts in a real browser (issue 17, part 9), inside the main console session
//! (`staff_publish_answer_and_enroll_from_a_real_browser`), whose kiosk has sent a heartbeat and
//! whose employee's membership application has been approved, and to which a second one comes
//! and waits past its deadline at a branch renamed `<script>…`: the kiosks-online chart, the
//! membership form's weekly chart and the overdue-by-org chart are drawn as SVG with those
//! numbers in their tables, the org's name as text. Screenshots at 1366×768 in Chinese and
//! English.

use fantoccini::{Client, Locator};
use protocol::OrgId;
use protocol::submission::FormAnswers;
use protocol::workflow::Status;
use serde_json::Value;
use tests::TestServer;

/// An org name that would run if it were not escaped.
const HOSTILE: &str = "<script>document.title='injected'</script>";

/// A second application from the kiosk at `branch`, left open past its deadline; `branch`
/// renamed to [`HOSTILE`].
pub async fn overdue_case_at_a_hostile_named_org(
    server: &TestServer,
    core: &kiosk::core::Core,
    branch: OrgId,
) {
    let (form, _) = tests::membership_form(core).await;
    let answers = tests::membership_answers("李强", "13900001234");
    core.submit(form.id.clone(), form.version, FormAnswers { answers })
        .await
        .expect("saved");
    assert_eq!(core.sync_now().await.expect("delivered").delivered, 1);
    server
        .state
        .db
        .write(move |tx| {
            // Due an hour ago: what the deadline clock would say of it by then.
            let due = jiff::Timestamp::now().as_millisecond() - 3_600_000;
            tx.execute(
                "UPDATE submissions SET due_at = ?1 WHERE status = 'received'",
                [due],
            )?;
            tx.execute(
                "UPDATE orgs SET name = ?1 WHERE id = ?2",
                (HOSTILE, branch.0),
            )?;
            Ok(())
        })
        .await
        .expect("overdue, at a hostile name");
}

use super::{shot, wait_for};

/// Each chart's title and its data table's rows (cells' text), read from the page.
async fn charts(c: &Client) -> Vec<(String, Vec<Vec<String>>)> {
    let found = c
        .execute(
            "return [...document.querySelectorAll('figure.chart')].map(f => [
                f.querySelector('svg title').textContent,
                [...f.querySelectorAll('tbody tr')].map(r =>
                    [...r.cells].map(td => td.textContent.trim()))])",
            vec![],
        )
        .await
        .expect("the charts are read");
    serde_json::from_value(found).expect("titles and rows")
}

/// Checks the dashboard's charts, then screenshots it in both languages (ending in Chinese).
pub async fn charts_tell_the_test_data(c: &Client, base: &str) {
    c.set_window_size(1366, 768).await.expect("window size");
    c.goto(&format!("{base}/console/"))
        .await
        .expect("dashboard");
    wait_for(c, "figure.chart svg", "a chart").await;
    let found = charts(c).await;
    let (title, rows) = &found[0];
    assert!(title.contains("在线终端数"), "{title}");
    assert_eq!(rows.len(), 7 * 24, "an hour a row");
    let counts: Vec<u64> = rows
        .iter()
        .map(|r| r[1].parse().expect("a count"))
        .collect();
    assert_eq!(
        counts.iter().max(),
        Some(&1),
        "the one kiosk was online, in the latest hours: {:?}",
        &counts[counts.len() - 3..]
    );
    assert_eq!(
        counts[..counts.len() - 2].iter().sum::<u64>(),
        0,
        "and not before"
    );
    let (title, rows) = found
        .iter()
        .find(|(t, _)| t.starts_with("入会申请"))
        .expect("the membership form's chart");
    assert!(title.contains("每周提交"), "{title}");
    let headings: Value = c
        .execute(
            "return [...document.querySelectorAll('figure.chart')].find(f =>
                f.querySelector('svg title').textContent.startsWith('入会申请'))
                .querySelector('thead').textContent",
            vec![],
        )
        .await
        .expect("headings");
    let approved = Status::Approved.label_zh();
    assert!(
        headings.as_str().is_some_and(|h| h.contains(approved)),
        "{headings}"
    );
    let this_week = rows.last().expect("8 weeks");
    assert_eq!(rows.len(), 8);
    assert_eq!(
        this_week[1..],
        ["1".to_owned(), "1".to_owned()],
        "one received and one approved this week"
    );
    // The overdue case at its org, whose name is shown as text and never run.
    let (_, rows) = found
        .iter()
        .find(|(t, _)| t.starts_with("超期未办结事项"))
        .expect("the overdue chart");
    assert_eq!(rows, &[vec![HOSTILE.to_owned(), "1".to_owned()]]);
    assert!(!c.title().await.expect("title").contains("injected"));
    let drawn: Value = c
        .execute(
            "return [...document.querySelectorAll('figure.chart svg text')]
                .some(t => t.textContent.trim() === arguments[0])",
            vec![Value::from(HOSTILE)],
        )
        .await
        .expect("svg text");
    assert_eq!(drawn, Value::Bool(true), "the org's name is an axis label");
    // The SVG draws it: a bar, and the axis text in Chinese as <text> for the browser's fonts.
    let svg = c
        .find(Locator::Css("figure.chart:nth-of-type(1) svg"))
        .await
        .expect("svg")
        .html(false)
        .await
        .expect("markup");
    assert!(svg.contains("<polyline") || svg.contains("<path"), "a line");
    shot(c, "dashboard-charts-zh").await;
    c.execute("document.querySelector('.charts').scrollIntoView()", vec![])
        .await
        .expect("scrolled");
    shot(c, "dashboard-charts-forms-zh").await;
    c.goto(&format!("{base}/console/lang/en"))
        .await
        .expect("en");
    wait_for(c, "figure.chart svg", "a chart").await;
    let found = charts(c).await;
    assert!(found[0].0.contains("Kiosks online"), "{}", found[0].0);
    shot(c, "dashboard-charts-en").await;
    c.goto(&format!("{base}/console/lang/zh"))
        .await
        .expect("zh");
}
