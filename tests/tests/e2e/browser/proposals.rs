//! 职代会提案 in a real browser: a call written in the console's editor (a mistake named with
//! what was typed kept), a proposal sent from a real kiosk's outbox listed under its call, and
//! reviewed — 立案 with the department, then 办结 with the reply — in Chinese and English.

use fantoccini::Locator;
use protocol::staff::ContentRecord;
use protocol::submission::FormAnswers;
use serde_json::Value;
use tests::{ADMIN, EnrolledKiosk, PASSWORD, TestServer};

use super::{browser, click, shot, sign_in, text_of, type_into, wait_for};

fn proposal() -> FormAnswers {
    let pairs = [
        ("title", "延长职工食堂晚餐供应时间"),
        ("reasons", "季末加班较多，食堂 18:30 停止供应晚餐。"),
        ("measures", "季末前两周晚餐供应延长到 20:00。"),
        ("name", "吴刚"),
        ("department", "信贷管理部"),
        ("phone", "13800001234"),
        ("cosigner_1_name", "郑华"),
        ("cosigner_1_dept", "信贷管理部"),
        ("cosigner_2_name", "冯雪"),
        ("cosigner_2_dept", "风险管理部"),
    ];
    FormAnswers {
        answers: pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
            .collect(),
    }
}

#[tokio::test]
async fn a_call_is_written_and_a_proposal_reviewed_in_a_real_browser() {
    let server = TestServer::start().await;
    let province = server.init().await;
    let admin = server.login(ADMIN, PASSWORD).await;
    let profile = tempfile::tempdir().expect("profile");
    let (_driver, c) = browser(profile.path()).await;
    c.set_window_size(1366, 768).await.expect("window size");
    let base = server.url.as_str().trim_end_matches('/').to_owned();
    sign_in(&c, &base, ADMIN, PASSWORD).await;

    // The call, from the editor: too many co-signers asked for, then right.
    click(&c, "a[href='/console/proposals']").await;
    click(&c, "a[href='/console/proposals/calls/new']").await;
    wait_for(&c, "input[name=title]", "the call editor").await;
    type_into(&c, "input[name=title]", "2026年职代会提案征集").await;
    type_into(&c, "input[name=min_cosigners]", "12").await;
    c.execute(
        "document.querySelector('input[name=min_cosigners]').removeAttribute('max')",
        vec![],
    )
    .await
    .expect("the browser's own check set aside, to reach the server's");
    click(&c, "form.card button[type=submit]").await;
    wait_for(&c, "p.error", "the problem").await;
    assert!(text_of(&c).await.contains("附议人人数请填 0 到 8 的整数"));
    let kept = c
        .find(Locator::Css("input[name=title]"))
        .await
        .expect("title")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(
        kept.as_deref(),
        Some("2026年职代会提案征集"),
        "kept as typed"
    );
    type_into(&c, "input[name=min_cosigners]", "2").await;
    click(&c, "form.card button[type=submit]").await;
    wait_for(&c, "p.ok", "published").await;

    // A proposal from a real kiosk's outbox.
    let calls: Vec<ContentRecord> = admin
        .get("v1/staff/content?kind=proposal_call")
        .await
        .expect("calls");
    let call = &calls[0].item;
    let kiosk = EnrolledKiosk::enroll(&admin, province, Default::default()).await;
    kiosk
        .engine
        .submit(call.id.clone(), call.version, proposal())
        .await
        .expect("saved");
    let sent = kiosk.engine.sync_now().await.expect("delivered");
    assert_eq!(sent.delivered, 1);

    // Listed under its call, opened, accepted, then concluded with the reply.
    c.goto(&format!("{base}/console/proposals?call={}", call.id))
        .await
        .expect("the list");
    click(&c, "td:nth-child(2) > a").await;
    wait_for(&c, "select[name=status]", "the review form").await;
    type_into(&c, "input[name=department]", "行政后勤部").await;
    click(&c, "section.card form button[type=submit]").await;
    wait_for(&c, "p.ok", "accepted").await;
    let text = text_of(&c).await;
    assert!(
        text.contains("立案") && text.contains("行政后勤部"),
        "{text}"
    );
    let reply = "已与食堂协商，季末前两周晚餐供应延长到 20:00。";
    type_into(&c, "textarea[name=reply]", reply).await;
    shot(&c, "proposal-review-zh").await;
    click(&c, "section.card form button[type=submit]").await;
    wait_for(&c, "p.ok", "concluded").await;
    let text = text_of(&c).await;
    assert!(text.contains("办结") && text.contains(reply), "{text}");

    c.goto(&format!("{base}/console/lang/en"))
        .await
        .expect("en");
    c.goto(&format!("{base}/console/proposals"))
        .await
        .expect("the list");
    let text = text_of(&c).await;
    assert!(
        text.contains("Calls for proposals") && text.contains("Concluded"),
        "{text}"
    );
    shot(&c, "proposals-en").await;
    c.goto(&format!("{base}/console/lang/zh"))
        .await
        .expect("zh");
}
