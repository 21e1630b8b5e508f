//! Revise and restore in a real browser: a published article corrected in the editor with an
//! image placed at the cursor, the history with both revisions, the correction shown as a diff, the first revision restored
//! (after the confirmation), and a kiosk holding the restored body as a new version.

use fantoccini::Locator;
use protocol::content::{ContentBody, NewsArticle, NewsCategory};
use protocol::staff::ContentRecord;
use tests::{ADMIN, PASSWORD, TestServer, write};

use super::{browser, click, shot, sign_in, text_of, type_into, wait_for};

#[tokio::test]
async fn revise_and_restore_from_a_real_browser() {
    let server = TestServer::start().await;
    let province = server.init().await;
    let admin = server.login(ADMIN, PASSWORD).await;
    let first = "各基层工会：\n\n报名截止：12月5日。";
    let published: ContentRecord = admin
        .post(
            "v1/staff/content",
            &write(
                province,
                ContentBody::News(NewsArticle {
                    title: "职工书画比赛报名通知".into(),
                    summary: String::new(),
                    body_markdown: first.into(),
                    cover: None,
                    images: Vec::new(),
                    category: NewsCategory::Activities,
                    pinned: false,
                    phone_link: None,
                }),
            ),
        )
        .await
        .expect("published");
    let id = published.item.id;
    let (kiosk, _dir) = tests::kiosk_core(&admin, province).await;

    let profile = tempfile::tempdir().expect("profile");
    let (_driver, c) = browser(profile.path()).await;
    c.set_window_size(1366, 768).await.expect("window size");
    let base = server.url.as_str().trim_end_matches('/').to_owned();
    sign_in(&c, &base, ADMIN, PASSWORD).await;
    wait_for(&c, "div.tiles", "the dashboard").await;

    // Correct the date in the editor, opened from the news list.
    c.goto(&format!("{base}/console/news")).await.expect("news");
    click(&c, &format!("a[href='/console/news/{id}/edit']")).await;
    wait_for(&c, "input[name=version]", "the editor").await;
    // The Markdown source, as an expert edits it (the toolbar's view is browser::editor's).
    click(&c, "button[data-cmd=source]").await;
    type_into(
        &c,
        "textarea[name=body]",
        "各基层工会：\n\n报名截止：12月8日。",
    )
    .await;
    // An image placed at the cursor, here the start of the body.
    let work = tempfile::tempdir().expect("dir");
    let photo = work.path().join("photo.png");
    std::fs::write(&photo, tests::png(640, 360)).expect("image");
    c.execute(
        "document.getElementById('body').setSelectionRange(0, 0)",
        Vec::new(),
    )
    .await
    .expect("the cursor moves");
    c.find(Locator::Css("#body-image"))
        .await
        .expect("the image field")
        .send_keys(photo.to_str().expect("utf-8 path"))
        .await
        .expect("attach");
    wait_for(&c, "#preview img", "the image in the preview").await;
    let typed = c
        .find(Locator::Css("textarea[name=body]"))
        .await
        .expect("body")
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default();
    assert!(typed.starts_with("![](media:"), "{typed}");
    assert!(typed.ends_with("报名截止：12月8日。"), "{typed}");
    // The live preview follows what was typed.
    let mut preview = String::new();
    for _ in 0..50 {
        preview = c
            .find(Locator::Css("#preview"))
            .await
            .expect("the preview")
            .text()
            .await
            .expect("text");
        if preview.contains("12月8日") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(preview.contains("12月8日"), "{preview}");
    shot(&c, "news-edit").await;
    click(&c, "form.editor button[type=submit]").await;
    wait_for(&c, "table.history", "the history").await;
    let history = text_of(&c).await;
    assert!(history.contains("已保存为第 2 版"), "{history}");
    assert!(history.contains("修改了正文") && history.contains("省工会管理员"));
    shot(&c, "history").await;

    // The change, marked.
    click(&c, &format!("a[href='/console/content/{id}/history/2']")).await;
    wait_for(&c, "table.diff", "the diff").await;
    let marked: Vec<String> = {
        let mut out = Vec::new();
        for m in c
            .find_all(Locator::Css("table.diff mark"))
            .await
            .expect("marks")
        {
            out.push(m.text().await.expect("text"));
        }
        out
    };
    assert_eq!(marked, ["5", "8"]);
    let removed = c
        .find_all(Locator::Css("table.diff tr.del"))
        .await
        .expect("rows");
    assert_eq!(
        removed.len(),
        1,
        "only the changed line, not the whole body"
    );
    shot(&c, "revision-diff").await;

    // Restore the first version from the history, confirming when asked.
    click(&c, "a[href$='/history']").await;
    wait_for(&c, "table.history", "the history").await;
    click(
        &c,
        &format!("form[action='/console/content/{id}/restore/1'] button"),
    )
    .await;
    c.accept_alert()
        .await
        .expect("the confirmation is accepted");
    wait_for(&c, "p.ok", "restored").await;
    assert!(text_of(&c).await.contains("已恢复第 1 版，保存为第 3 版"));

    kiosk.sync_now().await.expect("sync");
    let seen = kiosk.article(id).await.expect("store").expect("kept");
    assert_eq!(
        (seen.item.version, seen.news.body_markdown.as_str()),
        (3, first)
    );

    // The diff page reads in English too.
    c.goto(&format!("{base}/console/lang/en"))
        .await
        .expect("english");
    c.goto(&format!(
        "{base}/console/content/{}/history/3",
        seen.item.id
    ))
    .await
    .expect("diff");
    wait_for(&c, "table.diff", "the diff").await;
    assert!(text_of(&c).await.contains("Restored version 1"));
    shot(&c, "revision-diff-en").await;
    for (path, name) in [
        (
            format!("/console/content/{}/history", seen.item.id),
            "history-en",
        ),
        (
            format!("/console/news/{}/edit", seen.item.id),
            "news-edit-en",
        ),
    ] {
        c.goto(&format!("{base}{path}")).await.expect("page");
        wait_for(&c, "main h1", name).await;
        shot(&c, name).await;
    }
    c.close().await.expect("browser closes");
}
