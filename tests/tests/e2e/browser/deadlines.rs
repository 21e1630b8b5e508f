//! Cases with deadlines in a real browser (issue 17, part 5): an overdue case escalated from a
//! branch to its city shows in the city case handler's digest (今日待办) and inbox marked 已升级
//! and 已超期, with the escalation in its history; the handler assigns it to themself and
//! moves two cases on at once (bulk). Screenshots of the inbox and the digest at 1366×768 in
//! Chinese and English.
//!
//! The overdue case is a feedback (24-hour deadline) made to look as if it had arrived 30 hours
//! ago, before deadlines existed (received time moved back, no due time): the server's own run
//! (`deadlines::escalate::run`, at the real time) gives it its due time and escalates it.

use fantoccini::{Client, Locator};
use protocol::staff::{Org, Role, StaffInfo};
use protocol::submission::FormAnswers;
use serde_json::json;
use tests::{PASSWORD, TestServer};

use super::{browser, click, shot, text_of, type_into, wait_for};

async fn tile(c: &Client, due: &str) -> String {
    c.find(Locator::Css(&format!(
        "a.tile[href='/console/submissions?due={due}'] strong"
    )))
    .await
    .unwrap_or_else(|e| panic!("the {due} tile: {e}"))
    .text()
    .await
    .expect("text")
}

#[tokio::test]
async fn an_overdue_case_escalates_to_the_city_in_a_real_browser() {
    let (server, admin, loaded) = TestServer::demo().await;
    let orgs: Vec<Org> = admin.get("/v1/staff/orgs").await.expect("orgs");
    let city = orgs
        .iter()
        .find(|o| o.name == "临江市分行工会")
        .expect("the city")
        .clone();
    let (kiosk, _dir) = tests::kiosk_core(&admin, loaded.branch).await;
    let forms = kiosk.forms().await.expect("forms");
    let (feedback, _) = forms
        .iter()
        .find(|(_, f)| f.title == "职工诉求")
        .expect("the feedback form")
        .clone();
    let _: serde_json::Value = admin
        .put(
            &format!("/v1/staff/forms/{}/deadline", feedback.id.0),
            &json!({"unit": "hours", "amount": 24}),
        )
        .await
        .expect("24 hours");
    let answers = [
        ("category", json!("workplace")),
        ("subject", json!("电梯故障")),
        ("content", json!("三号电梯经常停运，上下班很不方便。")),
        ("anonymous", json!("yes")),
        ("phone", json!("13700002222")),
        ("consent", json!(true)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let old = kiosk
        .submit(
            feedback.id.clone(),
            feedback.version,
            FormAnswers { answers },
        )
        .await
        .expect("saved");
    let (membership, _) = tests::membership_form(&kiosk).await;
    let fresh = kiosk
        .submit(
            membership.id.clone(),
            membership.version,
            FormAnswers {
                answers: tests::membership_answers("李明", "13800001234"),
            },
        )
        .await
        .expect("saved");
    assert_eq!(kiosk.sync_now().await.expect("delivered").delivered, 2);
    let id = old.id.clone();
    server
        .state
        .db
        .write(move |tx| {
            tx.execute(
                "UPDATE submissions SET received_at = received_at - 30 * 3600000,
                     due_at = NULL, next_escalation_at = NULL WHERE id = ?1",
                [&id],
            )?;
            Ok(())
        })
        .await
        .expect("an older case");
    let report = sync_server::deadlines::escalate::run(&server.state, sync_server::db::now_ms())
        .await
        .expect("the server's run");
    assert_eq!((report.filled_in, report.escalated), (1, 1));

    let handler = server
        .user(&admin, "li_city", city.id, &[Role::CaseHandler])
        .await;
    let me: StaffInfo = handler.get("/v1/staff/me").await.expect("me");
    let profile = tempfile::tempdir().expect("profile");
    let (_driver, c) = browser(profile.path()).await;
    c.set_window_size(1366, 768).await.expect("window size");
    let base = server.url.as_str().trim_end_matches('/').to_owned();
    // Signed in by hand: the page after signing in (the dashboard) is not what this is about.
    c.goto(&format!("{base}/console/login"))
        .await
        .expect("login page");
    type_into(&c, "input[name=username]", "li_city").await;
    type_into(&c, "input[name=password]", PASSWORD).await;
    click(&c, "button[type=submit]").await;
    c.wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_url(&url::Url::parse(&format!("{base}/console/")).expect("url"))
        .await
        .expect("signed in");

    // The digest: one overdue, escalated to the city.
    c.goto(&format!("{base}/console/digest"))
        .await
        .expect("digest");
    wait_for(&c, "div.tiles", "the digest's counts").await;
    assert_eq!(tile(&c, "overdue").await, "1");
    assert_eq!(tile(&c, "escalated").await, "1");
    assert_eq!(
        tile(&c, "new").await,
        "1",
        "the application; the other is 30 h old"
    );
    let text = text_of(&c).await;
    assert!(
        text.contains(&old.receipt) && text.contains("已升级"),
        "{text}"
    );
    shot(&c, "digest-zh").await;

    // The inbox by urgency: the overdue, escalated case first.
    click(&c, "a.tile[href='/console/submissions?due=overdue']").await;
    wait_for(&c, "table.inbox", "the inbox").await;
    c.goto(&format!("{base}/console/submissions"))
        .await
        .expect("inbox");
    wait_for(&c, "span.escalated", "the escalated mark").await;
    let first_row = c
        .find(Locator::Css("table.inbox tbody tr"))
        .await
        .expect("a row")
        .text()
        .await
        .expect("text");
    assert!(
        first_row.contains(&old.receipt)
            && first_row.contains("已超期")
            && first_row.contains("已升级 → 临江市分行工会"),
        "{first_row}"
    );
    shot(&c, "inbox-zh").await;

    // The case: its escalation in the history; assigned to the handler themself.
    click(&c, &format!("a[href='/console/submissions/{}']", old.id)).await;
    wait_for(&c, "form.assign", "the assignment form").await;
    assert!(text_of(&c).await.contains("超期升级"));
    click(&c, &format!("select[name=to] option[value='s:{}']", me.id)).await;
    click(&c, "form.assign button[type=submit]").await;
    wait_for(&c, "p.ok", "assigned").await;
    assert!(text_of(&c).await.contains("分派给 li_city"));
    shot(&c, "case-zh").await;

    // Both cases moved on at once.
    c.goto(&format!("{base}/console/submissions"))
        .await
        .expect("inbox");
    wait_for(&c, "table.inbox", "the inbox").await;
    for tick in c
        .find_all(Locator::Css("table.inbox input[name=id]"))
        .await
        .expect("boxes")
    {
        tick.click().await.expect("ticked");
    }
    click(&c, "div.bulkbar button[value=status]").await;
    wait_for(&c, "p.ok", "done").await;
    assert!(text_of(&c).await.contains("已处理 2 件"));
    for case in [&old.id, &fresh.id] {
        let d: protocol::workflow::SubmissionDetail = handler
            .get(&format!("/v1/staff/submissions/{case}"))
            .await
            .expect("case");
        assert_eq!(d.summary.status, protocol::workflow::Status::Processing);
    }

    c.goto(&format!("{base}/console/lang/en"))
        .await
        .expect("en");
    c.goto(&format!("{base}/console/submissions"))
        .await
        .expect("inbox");
    wait_for(&c, "span.escalated", "the escalated mark").await;
    assert!(text_of(&c).await.contains("Escalated"));
    shot(&c, "inbox-en").await;
    c.goto(&format!("{base}/console/digest"))
        .await
        .expect("digest");
    wait_for(&c, "div.tiles", "the digest").await;
    assert!(text_of(&c).await.contains("Overdue"));
    shot(&c, "digest-en").await;

    // The administrator's side: a form's deadline on its builder page (Chinese), and the
    // closing days (English).
    super::sign_in(
        &c,
        &base,
        sync_server::demo::ADMIN,
        sync_server::demo::PASSWORD,
    )
    .await;
    c.goto(&format!("{base}/console/forms?edit={}", feedback.id.0))
        .await
        .expect("the builder");
    wait_for(&c, "form.deadline", "the deadline setting").await;
    assert!(text_of(&c).await.contains("当前：24 小时"));
    shot(&c, "form-deadline-zh").await;
    c.goto(&format!("{base}/console/lang/en"))
        .await
        .expect("en");
    c.goto(&format!("{base}/console/closing-days"))
        .await
        .expect("closing days");
    wait_for(&c, "form.editor", "the closing days").await;
    assert!(
        text_of(&c)
            .await
            .contains("The holiday data covers up to 2026")
    );
    shot(&c, "closing-days-en").await;
    c.close().await.expect("browser closes");
}
