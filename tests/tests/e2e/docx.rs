//! Word in (issue 17 part 2) and the publishing calendar (part 1), through the console over real
//! TLS: a `.docx` made in the test becomes a draft article with its structure, its picture
//! through the media pipeline and a report of what was left out; hostile and wrong files are
//! refused with a sentence; both routes refuse the wrong role and stay inside the org subtree.

use protocol::content::ContentBody;
use protocol::staff::{ContentRecord, ContentState, Role};
use protocol::{Change, ContentId};
use tests::console::{Answer, Console};
use tests::{ADMIN, PASSWORD, TestServer, docx};

fn decoded(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The query parameter `name` of a redirect's location, decoded.
fn param(answer: &Answer, name: &str) -> Option<String> {
    let location = answer.location.as_deref()?;
    let query = location.split_once('?')?.1;
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| decoded(v))
    })
}

async fn import(console: &mut Console, org: i64, bytes: Vec<u8>) -> Answer {
    console.get("/console/news").await;
    console
        .upload(
            "/console/news/import",
            &[("org", &org.to_string()), ("category", "policy")],
            ("docx", "通知.docx", bytes),
        )
        .await
}

#[tokio::test]
async fn a_word_document_becomes_a_draft_with_its_structure_pictures_and_a_report() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let mut console = Console::new(&server);
    console.login(ADMIN, PASSWORD).await;

    let answer = import(
        &mut console,
        tree.city_a.0,
        docx::notice(&tests::png(640, 400)),
    )
    .await;
    let location = answer.location.clone().expect("a redirect to the draft");
    assert!(location.starts_with("/console/news/"), "{answer:?}");
    assert_eq!(
        param(&answer, "dropped").as_deref(),
        Some("2 个文本框、1 个公式未导入。"),
        "{location}"
    );
    let id = location
        .trim_start_matches("/console/news/")
        .split('/')
        .next()
        .expect("an id")
        .to_owned();

    let record: ContentRecord = tree
        .admin
        .get(&format!("v1/staff/content/{id}"))
        .await
        .expect("the draft");
    assert_eq!(record.state, ContentState::Draft);
    assert_eq!(record.item.org_id, tree.city_a);
    let ContentBody::News(article) = &record.item.body else {
        panic!("a news article: {record:?}");
    };
    assert_eq!(article.title, "关于举办2026年职工冬季运动会的通知");
    let [picture] = article.images.as_slice() else {
        panic!("one picture: {article:?}");
    };
    assert_eq!(
        article.body_markdown,
        format!(
            "# 一、比赛项目\n\n\
             请各单位于“**12月5日前**”报名，详见[全总通知](https://www.acftu.org/notice?id=1)。\n\n\
             - 拔河\n- 跳绳\n\n\
             ## 二、报名方式\n\n\
             1. 填写报名表\n1. 交所在单位工会\n\n\
             项目 ｜ 人数 ｜ 地点\n\n拔河 ｜ 12 ｜ 体育馆\n\n\
             ![](media:{picture})\n\n\
             \\*这不是强调\\* \\#也不是标题\n"
        )
    );
    // The picture went through the media pipeline: decoded and re-encoded (an opaque PNG is
    // stored as JPEG), bounded like any upload.
    let image = console
        .http
        .get(
            console
                .base
                .join(&format!("/console/media/{picture}"))
                .expect("url"),
        )
        .send()
        .await
        .expect("served");
    assert_eq!(
        image.headers().get("content-type").map(|v| v.as_bytes()),
        Some(&b"image/jpeg"[..])
    );

    // The editor opens the draft with the report and a way to publish it.
    let editor = console.get(&location).await;
    assert!(editor.body.contains("2 个文本框、1 个公式未导入"));
    assert!(editor.body.contains("保存并发布") && editor.body.contains("草稿"));

    // A draft reaches no kiosk.
    let kiosk = server.kiosk_at(&tree.admin, tree.city_a).await;
    let page = kiosk.changes(None, None).await.expect("feed");
    assert!(
        !page
            .changes
            .iter()
            .any(|c| matches!(c, Change::Upsert { item, .. } if item.id == ContentId(id.clone()))),
        "{:?}",
        page.changes
    );

    // Published from its editor (保存并发布), it reaches the kiosk, picture and all.
    let saved = console
        .upload(
            &format!("/console/news/{id}/edit"),
            &[
                ("version", "1"),
                ("title", &article.title),
                ("summary", ""),
                ("body", &article.body_markdown),
                ("category", "policy"),
                ("publish", "1"),
            ],
            ("image", "", Vec::new()),
        )
        .await;
    assert!(
        param(&saved, "ok").is_some_and(|m| m.contains("已保存并发布")),
        "{saved:?}"
    );
    let page = kiosk.changes(None, None).await.expect("feed");
    let arrived = page.changes.iter().find_map(|c| match c {
        Change::Upsert { item, .. } if item.id == ContentId(id.clone()) => Some(item),
        _ => None,
    });
    let Some(ContentBody::News(seen)) = arrived.map(|i| &i.body) else {
        panic!("the kiosk has the article: {:?}", page.changes);
    };
    assert_eq!(seen.body_markdown, article.body_markdown);
    kiosk.media(picture).await.expect("its picture is served");

    // A picture the media pipeline cannot read is left out and counted.
    let broken = docx::document(
        &format!("{}{}", docx::para("只有正文"), docx::picture("rId10")),
        &[("image1.png", b"not a picture at all")],
    );
    let answer = import(&mut console, tree.city_a.0, broken).await;
    assert_eq!(
        param(&answer, "dropped").as_deref(),
        Some("1 张无法读取的图片（如 EMF/WMF 格式或已损坏）未导入。"),
        "{answer:?}"
    );
}

#[tokio::test]
async fn hostile_and_wrong_files_are_refused_with_a_sentence() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let mut console = Console::new(&server);
    console.login(ADMIN, PASSWORD).await;
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("zip bomb", docx::bomb(40), "解压后过大"),
        ("too many entries", docx::many_entries(2_100), "解压后过大"),
        ("old .doc", docx::old_doc(), "旧版 Word（.doc）"),
        (
            "renamed workbook",
            docx::renamed_workbook(),
            "这不是 Word 文档",
        ),
        ("renamed picture", tests::png(20, 20), "这不是 Word 文档"),
    ];
    for (what, bytes, said) in cases {
        let answer = import(&mut console, tree.city_a.0, bytes).await;
        let err = param(&answer, "err").unwrap_or_default();
        assert!(err.contains(said), "{what}: {answer:?}");
    }
    // In English too.
    console.get("/console/lang/en").await;
    let answer = import(&mut console, tree.city_a.0, docx::old_doc()).await;
    assert!(
        param(&answer, "err")
            .unwrap_or_default()
            .contains("old Word (.doc) file"),
        "{answer:?}"
    );
    let news: Vec<ContentRecord> = tree
        .admin
        .get("v1/staff/content?kind=news")
        .await
        .expect("list");
    assert!(news.is_empty(), "nothing was created: {news:?}");
}

#[tokio::test]
async fn word_import_and_the_calendar_refuse_the_wrong_role_and_other_orgs() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let scheduled = "冬训营报名（定时发布）";
    let expired = "秋季读书月（已结束）";
    let ts = |s: &str| s.parse::<jiff::Timestamp>().expect("time");
    let mut later = tests::write(tree.city_a, tests::news(scheduled));
    later.publish_at = Some(ts("2030-03-10T02:00:00Z"));
    let mut gone = tests::write(tree.city_a, tests::news(expired));
    gone.publish_at = Some(ts("2025-01-05T02:00:00Z"));
    gone.expire_at = Some(ts("2025-01-20T10:00:00Z"));
    let later: ContentRecord = tree
        .admin
        .post("v1/staff/content", &later)
        .await
        .expect("scheduled");
    let gone: ContentRecord = tree
        .admin
        .post("v1/staff/content", &gone)
        .await
        .expect("expired");

    // The publisher at the province sees both, each on its day, linking to its editor.
    let mut admin = Console::new(&server);
    admin.login(ADMIN, PASSWORD).await;
    let march = admin.get("/console/calendar?month=2030-03").await;
    assert!(march.status.is_success(), "{march:?}");
    // Its row in the list: what happens, then the title linking to its editor.
    let row = |class: &str, label: &str, r: &ContentRecord, title: &str| {
        format!(
            "<td><span class=\"ev {class}\">{label}</span></td><td><a href=\"/console/news/{}/edit\">{title}</a></td>",
            r.item.id
        )
    };
    assert!(
        march
            .body
            .contains(&row("scheduled", "定时发布", &later, scheduled)),
        "{}",
        march.body
    );
    let january = admin.get("/console/calendar?month=2025-01").await;
    assert!(
        january
            .body
            .contains(&row("published", "已上线", &gone, expired))
    );
    assert!(
        january
            .body
            .contains(&row("expired", "已过期", &gone, expired))
    );
    assert!(!january.body.contains(scheduled));

    // A publisher of the other city sees neither, and cannot import into city A.
    tree.admin
        .create_user("yi-publisher", tree.city_b, &[Role::Publisher])
        .await;
    let mut other = Console::new(&server);
    other.login("yi-publisher", PASSWORD).await;
    let march = other.get("/console/calendar?month=2030-03").await;
    assert!(march.status.is_success(), "{march:?}");
    assert!(!march.body.contains(scheduled));
    let answer = import(&mut other, tree.city_a.0, docx::notice(&tests::png(64, 64))).await;
    assert!(
        param(&answer, "err").is_some_and(|e| !e.is_empty()),
        "refused outside the subtree: {answer:?}"
    );

    // A case handler has neither page.
    tree.admin
        .create_user("case-handler", tree.province, &[Role::CaseHandler])
        .await;
    let mut cases = Console::new(&server);
    cases.login("case-handler", PASSWORD).await;
    assert_eq!(cases.get("/console/calendar").await.status, 403);
    cases.get("/console/submissions").await;
    let answer = cases
        .upload(
            "/console/news/import",
            &[
                ("org", &tree.province.0.to_string()),
                ("category", "policy"),
            ],
            ("docx", "通知.docx", docx::notice(&tests::png(64, 64))),
        )
        .await;
    assert_eq!(answer.status, 403, "{answer:?}");
    let news: Vec<ContentRecord> = tree
        .admin
        .get("v1/staff/content?kind=news")
        .await
        .expect("list");
    assert_eq!(news.len(), 2, "no draft was made by the refused imports");
}
