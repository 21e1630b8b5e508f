//! The staff console in a real headless Chromium, driven over WebDriver: sign in, publish an
//! article with an image and see it reach a kiosk through sync, answer a submission and see the
//! answer at a kiosk, create an enrollment token. Screenshots of the main pages are written to
//! `target/console-screenshots/` for people to look at.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`scripts/test.sh` installs them).

mod accounts;
mod competitions;
mod dashboard;
mod deadlines;
mod editor;
mod forms;
mod hours;
mod import;
mod polls;
mod proposals;
mod quiz;
mod remote;
mod revisions;
mod roles;
mod usage;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use kiosk::core::StatusCheck;
use protocol::content::NewsCategory;
use protocol::submission::FormAnswers;
use protocol::workflow::Status;
use serde_json::json;
use tests::TestServer;
use tests::display::Process;

const CHROMIUM: &str = "/usr/bin/chromium";
const DRIVER: &str = "/usr/bin/chromedriver";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts chromedriver in a process group of its own, so that dropping the returned process
/// ends the Chromium it started too, even when a test fails before closing the session.
async fn browser(profile: &std::path::Path) -> (Process, Client) {
    assert!(
        std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(DRIVER).exists(),
        "the browser tests need Debian's chromium and chromium-driver (scripts/test.sh installs them)"
    );
    let port = free_port();
    let mut driver = Command::new(DRIVER);
    driver.arg(format!("--port={port}"));
    let driver = Process::spawn("chromedriver", driver);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--ignore-certificate-errors", "--window-size=1440,900", "--lang=zh-CN",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        if let Ok(client) = ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            return (driver, client);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not answer within 10 s");
}

fn shots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/console-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(shots().join(format!("{name}.png")), png).expect("write screenshot");
}

/// Clicks the first element matching `css`.
async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .expect("click");
}

/// Waits (at most 20 s) until an element matching `css` is on the page; `what` names it.
async fn wait_for(c: &Client, css: &str, what: &str) {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{what} ({css}): {e}"));
}

/// Types `text` into the field matching `css`, replacing what it held.
async fn type_into(c: &Client, css: &str, text: &str) {
    let field = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    field.clear().await.expect("clear");
    field.send_keys(text).await.expect("type");
}

/// Signs `username` (password `password`) in on the console's login page at `base`, first
/// signing out whoever was, and waits for the console's navigation.
async fn sign_in(c: &Client, base: &str, username: &str, password: &str) {
    c.delete_all_cookies().await.expect("signed out");
    c.goto(&format!("{base}/console/login"))
        .await
        .expect("login page");
    type_into(c, "input[name=username]", username).await;
    type_into(c, "input[name=password]", password).await;
    click(c, "button[type=submit]").await;
    wait_for(c, "nav.side", "the console").await;
}

async fn text_of(c: &Client) -> String {
    c.find(Locator::Css("main"))
        .await
        .expect("a main element")
        .text()
        .await
        .expect("text")
}

#[tokio::test]
async fn staff_publish_answer_and_enroll_from_a_real_browser() {
    let (server, admin, loaded) = TestServer::demo().await;
    let (core, _dir) = tests::kiosk_core(&admin, loaded.branch).await;
    // An employee's application, to be answered from the browser.
    let (form, _) = tests::membership_form(&core).await;
    let answers = tests::membership_answers("王芳", "13900005678");
    let saved = core
        .submit(form.id.clone(), form.version, FormAnswers { answers })
        .await
        .expect("saved");
    assert_eq!(core.sync_now().await.expect("delivered").delivered, 1);

    let profile = tempfile::tempdir().expect("profile");
    let (_driver, c) = browser(profile.path()).await;
    let base = server.url.as_str().trim_end_matches('/').to_owned();

    // Sign in.
    c.goto(&format!("{base}/console/login"))
        .await
        .expect("login page");
    shot(&c, "login").await;
    c.find(Locator::Css("input[name=username]"))
        .await
        .expect("field")
        .send_keys(sync_server::demo::ADMIN)
        .await
        .expect("type");
    c.find(Locator::Css("input[name=password]"))
        .await
        .expect("field")
        .send_keys(sync_server::demo::PASSWORD)
        .await
        .expect("type");
    click(&c, "button[type=submit]").await;
    wait_for(&c, "div.tiles", "the dashboard").await;
    assert!(text_of(&c).await.contains("待办理"));
    shot(&c, "dashboard").await;

    // Publish an article with a cover image.
    let work = tempfile::tempdir().expect("dir");
    let image = work.path().join("cover.png");
    std::fs::write(&image, tests::png(800, 450)).expect("image");
    c.goto(&format!("{base}/console/news")).await.expect("news");
    c.find(Locator::Css("details summary"))
        .await
        .expect("summary")
        .click()
        .await
        .expect("open");
    let title = "浏览器里发布的职工文化节通知";
    // Typed as Markdown in the source view (the toolbar's view is browser::editor's).
    click(&c, "form.editor button[data-cmd=source]").await;
    c.find(Locator::Css("input[name=title]"))
        .await
        .expect("title")
        .send_keys(title)
        .await
        .expect("type");
    c.find(Locator::Css("textarea[name=body]"))
        .await
        .expect("body")
        .send_keys("# 职工文化节\n\n本周六在**支行三楼**举行，欢迎报名。")
        .await
        .expect("type");
    c.find(Locator::Css("select[name=category]"))
        .await
        .expect("category")
        .select_by_value("union_news")
        .await
        .expect("choose");
    c.find(Locator::Css("input[name=image]"))
        .await
        .expect("file")
        .send_keys(image.to_str().expect("utf-8 path"))
        .await
        .expect("attach");
    wait_for(
        &c,
        "#preview strong",
        "the live preview renders the Markdown",
    )
    .await;
    shot(&c, "news-editor").await;
    click(&c, "form.editor button[type=submit]").await;
    wait_for(&c, "p.ok", "published").await;
    assert!(text_of(&c).await.contains(title));
    shot(&c, "news").await;

    // It reaches the kiosk, cover and all.
    core.sync_now().await.expect("sync");
    let news = core.news(NewsCategory::UnionNews).await.expect("news");
    let (item, article) = news
        .iter()
        .find(|(_, n)| n.title == title)
        .expect("the kiosk has it");
    assert!(article.cover.is_some());
    let full = core
        .article(item.id.clone())
        .await
        .expect("article")
        .expect("found");
    assert!(full.cover.expect("the cover is cached").exists());

    // Answer the submission.
    c.goto(&format!("{base}/console/submissions"))
        .await
        .expect("inbox");
    shot(&c, "submissions").await;
    c.find(Locator::LinkText(&saved.receipt))
        .await
        .expect("the receipt is listed")
        .click()
        .await
        .expect("open");
    wait_for(&c, "table.answers", "the detail").await;
    assert!(text_of(&c).await.contains("王芳"));
    c.find(Locator::Css("select[name=status]"))
        .await
        .expect("status")
        .select_by_value("approved")
        .await
        .expect("choose");
    let reply = "您的入会申请已通过，请到支行工会领取会员证。";
    c.find(Locator::Css("textarea[name=reply]"))
        .await
        .expect("reply")
        .send_keys(reply)
        .await
        .expect("type");
    click(&c, "form.editor button[type=submit]").await;
    wait_for(&c, "p.ok", "saved").await;
    shot(&c, "submission").await;
    let found = core
        .check_status(saved.receipt.clone(), "5678".into())
        .await;
    let StatusCheck::Found(answer) = found else {
        panic!("the kiosk finds the answer: {found:?}")
    };
    assert_eq!(answer.status, Status::Approved);
    assert_eq!(answer.reply.as_deref(), Some(reply));

    // Enroll another kiosk.
    c.goto(&format!("{base}/console/kiosks"))
        .await
        .expect("kiosks");
    shot(&c, "kiosks").await;
    click(&c, "form.card button[type=submit]").await;
    wait_for(&c, "div.qr svg", "a QR code").await;
    let string = c
        .find(Locator::Css("pre.string"))
        .await
        .expect("string")
        .text()
        .await
        .expect("text");
    assert!(string.starts_with("unionkiosk://enroll?"), "{string}");
    shot(&c, "enrollment-token").await;

    for (path, name) in [
        ("/console/library", "library"),
        ("/console/forms?edit=", "forms"),
        ("/console/orgs", "orgs"),
    ] {
        c.goto(&format!("{base}{path}")).await.expect("page");
        shot(&c, name).await;
    }
    // The dashboard's charts of this test's kiosk and submission; a catalogue import's job.
    dashboard::overdue_case_at_a_hostile_named_org(&server, &core, loaded.branch).await;
    dashboard::charts_tell_the_test_data(&c, &base).await;
    import::progress_reaches_the_report(&c, &base).await;
    usage::a_kiosk_reports_a_morning(&server, &admin, loaded.branch, &form.id.to_string()).await;
    usage::usage_page_tells_the_counts(&c, &base).await;
    quiz::a_kiosk_plays_a_round(&core).await;
    quiz::results_page_charts_the_round(&c, &base).await;
    let poll = polls::a_kiosk_votes(&core).await;
    polls::results_page_charts_the_votes(&c, &base, &poll).await;
    c.close().await.expect("browser closes");
}
