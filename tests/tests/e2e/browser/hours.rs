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

    // 职工之家 in the same session (issue 19 part 4): typed a line each, saved, read in both
    // languages, its link to these opening hours kept.
    click(&c, "a[href='/console/branch-page']").await;
    wait_for(&c, "textarea[name=intro]", "the branch page form").await;
    type_into(&c, "textarea[name=intro]", "职工之家位于办公楼一层东侧。").await;
    type_into(
        &c,
        "textarea[name=facilities]",
        "职工书屋：一楼 105 室\n健身房：一楼 108 室",
    )
    .await;
    type_into(
        &c,
        "textarea[name=contacts]",
        "王芳 | 工会主席 | 0571-8888 6601 | https://example.cn/w",
    )
    .await;
    click(&c, "form.card button[type=submit]").await;
    wait_for(&c, "p.ok", "a notice that it worked").await;
    let page = text_of(&c).await;
    assert!(page.contains("本单位的职工之家页面"), "{page}");
    assert!(page.contains("添加照片"), "photos once saved");
    assert_eq!(
        value_of(&c, "textarea[name=facilities]").await,
        "职工书屋：一楼 105 室\n健身房：一楼 108 室"
    );
    shot(&c, "branch-page-zh").await;
    c.goto(&format!("{base}/console/lang/en"))
        .await
        .expect("en");
    c.goto(&format!("{base}/console/branch-page"))
        .await
        .expect("the page");
    wait_for(&c, "textarea[name=intro]", "the branch page in English").await;
    assert!(text_of(&c).await.contains("This org's page"));
    shot(&c, "branch-page-en").await;
    c.goto(&format!("{base}/console/lang/zh"))
        .await
        .expect("zh");
    let pages = tests::kiosk_core(&admin, province).await;
    let own = pages
        .0
        .branch_pages()
        .await
        .expect("store")
        .own
        .expect("own");
    assert_eq!(own.page.facilities.len(), 2);
    c.close().await.expect("browser closes");
}
