//! Opening hours in a real browser: a week typed into the form, a mistake named in a sentence
//! with what was typed kept, corrected and saved, and the hours reaching a kiosk.

use fantoccini::{Client, Locator};
use tests::{ADMIN, PASSWORD, TestServer};

use super::{browser, click, shot, sign_in, text_of, type_into, wait_for};

async fn value_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default()
}

#[tokio::test]
async fn opening_hours_from_a_real_browser() {
    let server = TestServer::start().await;
    let province = server.init().await;
    let admin = server.login(ADMIN, PASSWORD).await;
    let profile = tempfile::tempdir().expect("profile");
    let (_driver, c) = browser(profile.path()).await;
    let base = server.url.as_str().trim_end_matches('/').to_owned();
    sign_in(&c, &base, ADMIN, PASSWORD).await;
    wait_for(&c, "div.tiles", "the dashboard").await;

    click(&c, "a[href='/console/hours']").await;
    wait_for(&c, "form.hours", "the hours form").await;
    assert!(text_of(&c).await.contains("终端全天开放"));
    for day in ["d0", "d1", "d2", "d3"] {
        type_into(
            &c,
            &format!("input[name={day}]"),
            "09:00-12:00, 13:30-17:30",
        )
        .await;
    }
    type_into(&c, "input[name=d4]", "9点到5点").await;
    type_into(&c, "textarea[name=closed]", "2099-10-01~2099-10-07").await;
    type_into(&c, "textarea[name=special]", "2099-10-10 09:00-17:00").await;
    click(&c, "form.hours button[type=submit]").await;
    wait_for(&c, "p.error", "the problems").await;
    assert!(text_of(&c).await.contains("周五：“9点到5点”不是开放时间段"));
    assert_eq!(
        value_of(&c, "input[name=d4]").await,
        "9点到5点",
        "kept as typed"
    );
    assert_eq!(
        value_of(&c, "textarea[name=closed]").await,
        "2099-10-01~2099-10-07"
    );
    shot(&c, "hours-problems").await;

    type_into(&c, "input[name=d4]", "09:00-16:00").await;
    click(&c, "form.hours button[type=submit]").await;
    wait_for(&c, "p.ok", "a notice that it worked").await;
    assert!(text_of(&c).await.contains("本单位已设置开放时间"));
    assert_eq!(value_of(&c, "input[name=d4]").await, "09:00-16:00");
    shot(&c, "hours").await;

    let (kiosk, _dir) = tests::kiosk_core(&admin, province).await;
    let hours = kiosk.opening_hours().await.expect("store").expect("hours");
    assert_eq!(hours.week[4][0].to_string(), "09:00-16:00");
    assert_eq!(hours.closed_dates.len(), 7);
    c.close().await.expect("browser closes");
}
