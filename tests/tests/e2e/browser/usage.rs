//! The 使用情况 / Usage page in a real browser (issue 19, part 5), inside the main console
//! session: a kiosk of the demo branch sends a heartbeat with usage counts, and the page draws
//! its charts as SVG with those numbers and lists the failed search. Screenshots at 1366×768 in
//! Chinese and English.

use fantoccini::Client;
use protocol::OrgId;
use protocol::usage::{Count, Usage, kind};
use tests::{Staff, TestServer};

use super::{shot, text_of, wait_for};

/// Counts a library-heavy morning at `branch`'s kiosk, sent with a heartbeat; `form` is the
/// demo's membership form's id.
pub async fn a_kiosk_reports_a_morning(
    server: &TestServer,
    admin: &Staff,
    branch: OrgId,
    form: &str,
) {
    let client = server.kiosk_at(admin, branch).await;
    let hour = jiff::Timestamp::now()
        .as_millisecond()
        .div_euclid(3_600_000);
    let count = |hour: i64, kind: &str, key: &str, n: u64| Count {
        hour,
        kind: kind.to_owned(),
        key: key.to_owned(),
        n,
    };
    let counts = vec![
        count(hour, kind::VIEW, "library", 14),
        count(hour - 1, kind::VIEW, "news", 9),
        count(hour - 2, kind::VIEW, "form", 4),
        count(hour, kind::TAP, "职工书屋", 12),
        count(hour, kind::TAP, "信息资讯", 7),
        count(hour, kind::SECONDS, "library", 1_500),
        count(hour, kind::SECONDS, "home", 600),
        count(hour, kind::SEARCH, "", 6),
        count(hour, kind::FAILED_SEARCH, "三体 全集", 3),
        count(hour, kind::FAILED_SEARCH, "", 1),
        count(hour, kind::FORM_STARTED, form, 4),
        count(hour, kind::FORM_SUBMITTED, form, 3),
        count(hour, kind::SLIDE, "工会活动周", 40),
    ];
    client
        .heartbeat(&protocol::workflow::Heartbeat {
            version: "test".into(),
            cursor: None,
            outbox_depth: 0,
            free_disk_bytes: None,
            uptime_seconds: 1,
            last_sync_at: None,
            usage: Some(Usage { batch: 1, counts }),
        })
        .await
        .expect("heartbeat");
}

/// The page's charts and tables, then screenshots in both languages (ending in Chinese).
pub async fn usage_page_tells_the_counts(c: &Client, base: &str) {
    c.goto(&format!("{base}/console/usage"))
        .await
        .expect("usage page");
    wait_for(c, "figure.chart svg", "a usage chart").await;
    let text = text_of(c).await;
    for expected in [
        "各模块打开次数",
        "职工书屋",
        "三体 全集",
        "繁忙时段",
        "工会活动周",
        "入会申请",
    ] {
        assert!(text.contains(expected), "{expected} in: {text}");
    }
    shot(c, "usage-zh").await;
    c.execute(
        "document.querySelectorAll('h2')[0].scrollIntoView()",
        vec![],
    )
    .await
    .expect("scrolled");
    shot(c, "usage-searches-zh").await;
    c.goto(&format!("{base}/console/lang/en"))
        .await
        .expect("en");
    c.goto(&format!("{base}/console/usage"))
        .await
        .expect("usage page");
    wait_for(c, "figure.chart svg", "a usage chart").await;
    let text = text_of(c).await;
    assert!(text.contains("Screens opened per module"), "{text}");
    shot(c, "usage-en").await;
    c.goto(&format!("{base}/console/lang/zh"))
        .await
        .expect("zh");
}
