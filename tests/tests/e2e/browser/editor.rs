//! Word in and the editor's toolbar in a real browser: a `.docx` uploaded on the news page opens
//! as a draft in the formatted view with the report of what was left out; the toolbar makes text
//! bold and places a picture at the cursor, paste from Word keeps bold and lists, the source
//! view shows the Markdown; saved, the draft is listed as such. Then the publishing calendar
//! with a scheduled and an expired item. Screenshots at 1366×768 in both languages.

use std::time::Duration;

use fantoccini::{Client, Locator};
use protocol::staff::ContentRecord;
use tests::{ADMIN, PASSWORD, TestServer};

use super::{browser, click, shot, sign_in, text_of, wait_for};

async fn body_source(c: &Client) -> String {
    c.find(Locator::Css("textarea[name=body]"))
        .await
        .expect("the textarea")
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default()
}

/// Waits (at most 10 s) until the Markdown the form sends contains `what`.
async fn source_has(c: &Client, what: &str) -> String {
    let mut source = String::new();
    for _ in 0..100 {
        source = body_source(c).await;
        if source.contains(what) {
            return source;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the body never held {what:?}: {source}");
}

async fn displayed(c: &Client, css: &str) -> bool {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .is_displayed()
        .await
        .expect("displayed")
}

#[tokio::test]
async fn a_word_document_edited_with_the_toolbar_and_the_calendar() {
    let server = TestServer::start().await;
    let province = server.init().await;
    let admin = server.login(ADMIN, PASSWORD).await;
    let work = tempfile::tempdir().expect("dir");
    let file = work.path().join("冬季运动会通知.docx");
    std::fs::write(&file, tests::docx::notice(&tests::png(640, 400))).expect("docx");
    let photo = work.path().join("photo.png");
    std::fs::write(&photo, tests::png(320, 200)).expect("photo");

    let profile = tempfile::tempdir().expect("profile");
    let (_driver, c) = browser(profile.path()).await;
    c.set_window_size(1366, 768).await.expect("window size");
    let base = server.url.as_str().trim_end_matches('/').to_owned();
    sign_in(&c, &base, ADMIN, PASSWORD).await;

    // Upload the Word document.
    c.goto(&format!("{base}/console/news")).await.expect("news");
    click(&c, "details#word summary").await;
    c.find(Locator::Css("input[name=docx]"))
        .await
        .expect("the file field")
        .send_keys(file.to_str().expect("utf-8 path"))
        .await
        .expect("attach");
    shot(&c, "news-word").await;
    click(&c, "details#word button[type=submit]").await;
    wait_for(&c, "#visual h1", "the draft in the formatted view").await;
    let page = text_of(&c).await;
    assert!(page.contains("2 个文本框、1 个公式未导入"), "{page}");
    assert!(page.contains("关于举办2026年职工冬季运动会的通知"));
    assert!(displayed(&c, "#toolbar").await && displayed(&c, "#visual").await);
    assert!(
        !displayed(&c, "textarea[name=body]").await,
        "no Markdown unless asked for"
    );
    wait_for(&c, "#visual img", "the document's picture").await;
    wait_for(&c, "#visual strong", "its bold").await;
    wait_for(&c, "#visual li", "its lists").await;
    shot(&c, "editor-draft").await;

    // Bold from the toolbar: a new line typed at the end, selected, made bold.
    c.find(Locator::Css("#visual"))
        .await
        .expect("the view")
        .send_keys("\u{E007}报名请联系工会办公室")
        .await
        .expect("type");
    c.execute(
        "const v = document.getElementById('visual');
         const w = document.createTreeWalker(v, NodeFilter.SHOW_TEXT);
         let n; while ((n = w.nextNode()) && !n.data.includes('报名请联系')) {}
         const r = document.createRange(); r.selectNodeContents(n);
         const s = getSelection(); s.removeAllRanges(); s.addRange(r);",
        Vec::new(),
    )
    .await
    .expect("the text is selected");
    click(&c, "button[data-cmd=bold]").await;
    source_has(&c, "**报名请联系工会办公室**").await;
    // And made a list item.
    click(&c, "button[data-cmd=list]").await;
    source_has(&c, "\n\n- **报名请联系工会办公室**").await;

    // A picture at the cursor, here the start of the body, through the media upload.
    c.execute(
        "const v = document.getElementById('visual'); v.focus();
         const r = document.createRange(); r.setStart(v, 0); r.collapse(true);
         const s = getSelection(); s.removeAllRanges(); s.addRange(r);",
        Vec::new(),
    )
    .await
    .expect("the cursor moves");
    c.find(Locator::Css("#visual-image"))
        .await
        .expect("the toolbar's file field")
        .send_keys(photo.to_str().expect("utf-8 path"))
        .await
        .expect("attach");
    let source = {
        let mut source = String::new();
        for _ in 0..100 {
            source = body_source(&c).await;
            if source.matches("](media:").count() == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        source
    };
    assert!(source.starts_with("![](media:"), "{source}");
    assert_eq!(source.matches("](media:").count(), 2, "{source}");
    assert!(
        source.contains("1. 填写报名表\n1. 交所在单位工会"),
        "{source}"
    );

    // A picture pasted on its own (a screenshot) is uploaded and placed where it was pasted.
    c.execute(
        "const v = document.getElementById('visual');
         fetch(v.querySelector('img').src).then((r) => r.blob()).then((b) => {
           v.focus();
           const r = document.createRange(); r.selectNodeContents(v); r.collapse(false);
           const s = getSelection(); s.removeAllRanges(); s.addRange(r);
           const dt = new DataTransfer();
           dt.items.add(new File([b], 'screenshot.jpg', { type: 'image/jpeg' }));
           v.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
         });",
        Vec::new(),
    )
    .await
    .expect("a picture pasted");
    let mut source = String::new();
    for _ in 0..100 {
        source = body_source(&c).await;
        if source.matches("](media:").count() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(source.matches("](media:").count(), 3, "{source}");
    assert!(
        source.trim_end().ends_with(')'),
        "at the end, where it was pasted: {source}"
    );

    // Paste from Word: its bold and its list paragraphs kept; its local picture reported.
    c.execute(
        "const v = document.getElementById('visual'); v.focus();
         const line = document.createElement('p'); line.append(document.createElement('br')); v.append(line);
         const r = document.createRange(); r.setStart(line, 0); r.collapse(true);
         const s = getSelection(); s.removeAllRanges(); s.addRange(r);
         const dt = new DataTransfer();
         dt.setData('text/html', `<html><head><style>p.MsoNormal{margin:0}</style></head><body>
           <p class=MsoNormal><b><span lang=ZH-CN>粘贴的粗体</span></b><span>和正文<o:p></o:p></span></p>
           <p class=MsoListParagraph style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if !supportLists]><span style='mso-list:Ignore'>·<span>&nbsp;&nbsp;</span></span><![endif]>粘贴的列表项</p>
           <p class=MsoNormal><img width=100 src=\"file:///C:/Users/a/clip_image001.png\"></p>
           <b style='font-weight:normal' id='docs-internal-guid-1'><p>谷歌文档第一段</p><p>谷歌文档第二段</p></b></body></html>`);
         v.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));",
        Vec::new(),
    )
    .await
    .expect("pasted");
    let source = source_has(&c, "- 粘贴的列表项").await;
    assert!(source.contains("**粘贴的粗体**和正文"), "{source}");
    assert!(
        source.contains("谷歌文档第一段\n\n谷歌文档第二段"),
        "{source}"
    );
    assert!(
        !source.contains("MsoNormal") && !source.contains("file:"),
        "{source}"
    );
    assert!(text_of(&c).await.contains("1 张图片无法直接粘贴"));
    shot(&c, "editor-toolbar").await;

    // Experts: the source and its preview.
    click(&c, "button[data-cmd=source]").await;
    assert!(displayed(&c, "textarea[name=body]").await && displayed(&c, "#preview").await);
    wait_for(&c, "#preview strong", "the preview").await;
    shot(&c, "editor-source").await;
    click(&c, "button[data-cmd=source]").await;
    wait_for(&c, "#visual li", "the formatted view again").await;

    // Saved, and still a draft.
    click(&c, "form.editor button[type=submit]:not([name])").await;
    wait_for(&c, "table.history", "the history").await;
    assert!(text_of(&c).await.contains("已保存为第 2 版"));
    let records: Vec<ContentRecord> = admin.get("v1/staff/content?kind=news").await.expect("list");
    let [draft] = records.as_slice() else {
        panic!("one article: {records:?}");
    };
    let protocol::ContentBody::News(article) = &draft.item.body else {
        panic!("news");
    };
    assert!(article.body_markdown.contains("**报名请联系工会办公室**"));
    assert_eq!(article.body_markdown.matches("](media:").count(), 3);
    for (at, _) in article.body_markdown.match_indices("](media:") {
        let hash = &article.body_markdown[at + "](media:".len()..][..64];
        assert!(
            article.images.iter().any(|h| h.to_string() == hash),
            "{hash} is listed in {:?}",
            article.images
        );
    }
    c.goto(&format!("{base}/console/news")).await.expect("news");
    let list = text_of(&c).await;
    assert!(
        list.contains("关于举办2026年职工冬季运动会的通知") && list.contains("草稿"),
        "{list}"
    );

    // In English.
    c.goto(&format!("{base}/console/lang/en"))
        .await
        .expect("en");
    c.goto(&format!("{base}/console/news/{}/edit", draft.item.id))
        .await
        .expect("editor");
    wait_for(&c, "#visual h1", "the formatted view").await;
    assert!(text_of(&c).await.contains("Save and publish"));
    shot(&c, "editor-toolbar-en").await;
    c.goto(&format!("{base}/console/news")).await.expect("news");
    click(&c, "details#word summary").await;
    assert!(text_of(&c).await.contains("Import as a draft"));
    shot(&c, "news-word-en").await;

    // The calendar: one item going live later this month or next, one that expired.
    let now = jiff::Timestamp::now();
    let mut later = tests::write(province, tests::news("冬训营报名（定时发布）"));
    later.publish_at = Some(now + jiff::SignedDuration::from_hours(2));
    let mut gone = tests::write(province, tests::news("秋季读书月（已结束）"));
    gone.publish_at = Some(now - jiff::SignedDuration::from_hours(3));
    gone.expire_at = Some(now - jiff::SignedDuration::from_hours(2));
    let later: ContentRecord = admin.post("v1/staff/content", &later).await.expect("later");
    let _: ContentRecord = admin.post("v1/staff/content", &gone).await.expect("gone");
    let month = |t: jiff::Timestamp| {
        t.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
            .strftime("%Y-%m")
            .to_string()
    };
    c.goto(&format!(
        "{base}/console/calendar?month={}",
        month(now + jiff::SignedDuration::from_hours(2))
    ))
    .await
    .expect("calendar");
    wait_for(&c, "table.month", "the month").await;
    assert!(text_of(&c).await.contains("Goes live"));
    shot(&c, "calendar-en").await;
    c.goto(&format!("{base}/console/lang/zh"))
        .await
        .expect("zh");
    c.goto(&format!(
        "{base}/console/calendar?month={}",
        month(now - jiff::SignedDuration::from_hours(2))
    ))
    .await
    .expect("calendar");
    wait_for(&c, "table.month", "the month").await;
    assert!(text_of(&c).await.contains("已过期"));
    shot(&c, "calendar").await;
    c.goto(&format!(
        "{base}/console/calendar?month={}",
        month(now + jiff::SignedDuration::from_hours(2))
    ))
    .await
    .expect("calendar");
    click(
        &c,
        &format!("table.month a[href='/console/news/{}/edit']", later.item.id),
    )
    .await;
    wait_for(&c, "input[name=publish_at]", "its editor").await;
    c.close().await.expect("browser closes");
}
