//! Editing and revising published content from the console (issue 17): an edit is a new version
//! that a kiosk receives through the feed; the history lists every revision with its author;
//! a revision's changes show as a diff; restoring one is another new version the kiosk gets; a
//! stale editor is refused; and staff of another subtree, or without the publisher role, can
//! neither see nor restore it.

use protocol::ContentId;
use protocol::content::{ContentBody, HomeLayout, NewsArticle, NewsCategory, Tile, TileAction};
use protocol::staff::{ContentRecord, NewStaff, Role, StaffInfo};
use reqwest::StatusCode;
use tests::console::Console;
use tests::{ADMIN, PASSWORD, TestServer, write};

fn article(title: &str, body: &str) -> ContentBody {
    ContentBody::News(NewsArticle {
        title: title.to_owned(),
        summary: String::new(),
        body_markdown: body.to_owned(),
        cover: None,
        images: Vec::new(),
        category: NewsCategory::UnionNews,
        pinned: false,
        phone_link: None,
    })
}

/// Saves the news editor as a browser would; `image`: a file for the body, sent as a browser
/// without the script sends it.
async fn save_article_with(
    c: &Console,
    id: &ContentId,
    version: u32,
    body: &str,
    image: Option<Vec<u8>>,
) -> (StatusCode, String) {
    let mut form = reqwest::multipart::Form::new()
        .text("_csrf", c.csrf.clone())
        .text("version", version.to_string())
        .text("title", TITLE)
        .text("summary", "")
        .text("body", body.to_owned())
        .text("category", "union_news")
        .text("publish_at", "")
        .text("expire_at", "");
    if let Some(png) = image {
        let part = reqwest::multipart::Part::bytes(png)
            .file_name("photo.png")
            .mime_str("image/png")
            .expect("mime");
        form = form.part("body_image", part);
    }
    let resp = c
        .http
        .post(
            c.base
                .join(&format!("/console/news/{id}/edit"))
                .expect("url"),
        )
        .multipart(form)
        .send()
        .await
        .expect("the server answers");
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (resp.status(), location)
}

/// Saves the news editor as a browser would (multipart, with the page's CSRF token); returns
/// the status and where it sends the browser.
async fn save_article(
    c: &Console,
    id: &ContentId,
    version: u32,
    title: &str,
    body: &str,
) -> (StatusCode, String) {
    let form = reqwest::multipart::Form::new()
        .text("_csrf", c.csrf.clone())
        .text("version", version.to_string())
        .text("title", title.to_owned())
        .text("summary", "")
        .text("body", body.to_owned())
        .text("category", "union_news")
        .text("publish_at", "")
        .text("expire_at", "");
    let resp = c
        .http
        .post(
            c.base
                .join(&format!("/console/news/{id}/edit"))
                .expect("url"),
        )
        .multipart(form)
        .send()
        .await
        .expect("the server answers");
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (resp.status(), location)
}

const TITLE: &str = "关于开展春节送温暖活动的通知";
const FIRST: &str = "各基层工会：\n\n活动时间：2月1日上午九点。\n\n请按时参加。";
const EDITED: &str = "各基层工会：\n\n活动时间：2月3日上午九点。\n\n请按时参加。";

#[tokio::test]
async fn an_edit_reaches_kiosks_and_restoring_a_revision_is_a_new_version() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    // Written by the city's staff member; edited and restored by the province's admin.
    let first: ContentRecord = tree
        .city_staff
        .post(
            "v1/staff/content",
            &write(tree.city_a, article(TITLE, FIRST)),
        )
        .await
        .expect("published");
    let id = first.item.id.clone();
    let (kiosk, _dir) = tests::kiosk_core(&tree.admin, tree.branch_a).await;
    let seen = kiosk
        .article(id.clone())
        .await
        .expect("store")
        .expect("the kiosk has it");
    assert_eq!(
        (seen.item.version, seen.news.body_markdown.as_str()),
        (1, FIRST)
    );

    let mut c = Console::new(&server);
    c.login(ADMIN, PASSWORD).await;
    let editor = c.get(&format!("/console/news/{id}/edit")).await;
    assert_eq!(editor.status, StatusCode::OK);
    assert!(editor.body.contains(TITLE) && editor.body.contains("2月1日"));
    let (status, to) = save_article(&c, &id, 1, TITLE, EDITED).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        to.starts_with(&format!("/console/content/{id}/history?ok=")),
        "{to}"
    );

    // The kiosk gets the edit as version 2 through the ordinary feed.
    kiosk.sync_now().await.expect("sync");
    let seen = kiosk
        .article(id.clone())
        .await
        .expect("store")
        .expect("kept");
    assert_eq!(
        (seen.item.version, seen.news.body_markdown.as_str()),
        (2, EDITED)
    );

    // The history names both authors; the diff marks just the changed character.
    let history = c.get(&format!("/console/content/{id}/history")).await;
    assert_eq!(history.status, StatusCode::OK);
    for expected in ["甲市工会干事", "省工会管理员", "最初的版本", "修改了正文"]
    {
        assert!(
            history.body.contains(expected),
            "{expected}: {}",
            history.body
        );
    }
    let diff = c.get(&format!("/console/content/{id}/history/2")).await;
    assert_eq!(diff.status, StatusCode::OK);
    assert!(diff.body.contains("<mark>1</mark>") && diff.body.contains("<mark>3</mark>"));
    assert!(diff.body.contains("正文"), "the field is named");

    // An editor opened on version 1 is refused now, and changes nothing.
    let (status, to) = save_article(&c, &id, 1, TITLE, "过时的修改").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(to.contains("err="), "{to}");

    // Restoring version 1 is version 3, and the kiosk gets it.
    let restored = c
        .post(&format!("/console/content/{id}/restore/1"), &[])
        .await;
    assert_eq!(restored.status, StatusCode::SEE_OTHER, "{restored:?}");
    kiosk.sync_now().await.expect("sync");
    let seen = kiosk
        .article(id.clone())
        .await
        .expect("store")
        .expect("kept");
    assert_eq!(
        (seen.item.version, seen.news.body_markdown.as_str()),
        (3, FIRST)
    );
    let history = c.get(&format!("/console/content/{id}/history")).await;
    assert!(history.body.contains("恢复第 1 版"));
}

#[tokio::test]
async fn another_subtree_can_neither_see_nor_restore_the_history() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let theirs: ContentRecord = tree
        .admin
        .post(
            "v1/staff/content",
            &write(tree.city_b, article(TITLE, FIRST)),
        )
        .await
        .expect("published");
    let id = theirs.item.id.clone();
    let _: ContentRecord = tree
        .admin
        .put(
            &format!("v1/staff/content/{id}"),
            &write(tree.city_b, article(TITLE, EDITED)),
        )
        .await
        .expect("edited");

    let mut c = Console::new(&server);
    c.login("city_a", PASSWORD).await;
    c.get("/console/news").await;
    for page in [
        format!("/console/content/{id}/history"),
        format!("/console/content/{id}/history/1"),
        format!("/console/news/{id}/edit"),
    ] {
        let a = c.get(&page).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{page}");
        assert!(!a.body.contains("2月1日"), "{page} shows nothing of it");
    }
    let a = c
        .post(&format!("/console/content/{id}/restore/1"), &[])
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let (status, _) = save_article(&c, &id, 2, TITLE, "越权的修改").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let still: ContentRecord = tree
        .admin
        .get(&format!("v1/staff/content/{id}"))
        .await
        .expect("still there");
    assert_eq!(still.item.version, 2, "nothing was restored or saved");
    assert_eq!(still.item.body, article(TITLE, EDITED));

    // Within the subtree, an account without the publisher role is refused too.
    let ours: ContentRecord = tree
        .admin
        .post(
            "v1/staff/content",
            &write(tree.city_a, article(TITLE, FIRST)),
        )
        .await
        .expect("published");
    let id = ours.item.id;
    let _: StaffInfo = tree
        .admin
        .post(
            "v1/staff/users",
            &NewStaff {
                username: "viewer_a".to_owned(),
                password: PASSWORD.to_owned(),
                display_name: "甲市查看员".to_owned(),
                org_id: tree.city_a,
                roles: Some(vec![Role::Viewer]),
            },
        )
        .await
        .expect("user created");
    let mut v = Console::new(&server);
    v.login("viewer_a", PASSWORD).await;
    v.get("/console/").await;
    let a = v.get(&format!("/console/content/{id}/history")).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(!a.body.contains("2月1日"));
    let a = v
        .post(&format!("/console/content/{id}/restore/1"), &[])
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
}

/// A kind without a page of its own (the home layout) is edited as JSON: a mistake keeps what
/// was typed and says why, the kind cannot change, and a good save reaches the kiosk.
#[tokio::test]
async fn a_home_layout_is_edited_as_json_and_reaches_kiosks() {
    let server = TestServer::start().await;
    let province = server.init().await;
    let admin = server.login(ADMIN, PASSWORD).await;
    let layout = |title: &str| {
        ContentBody::HomeLayout(HomeLayout {
            tiles: vec![Tile {
                title: title.to_owned(),
                title_en: None,
                icon: "news".to_owned(),
                action: TileAction::Library,
            }],
        })
    };
    let first: ContentRecord = admin
        .post("v1/staff/content", &write(province, layout("职工书屋")))
        .await
        .expect("published");
    let id = first.item.id;
    let (kiosk, _dir) = tests::kiosk_core(&admin, province).await;

    let mut c = Console::new(&server);
    c.login(ADMIN, PASSWORD).await;
    let history = c.get(&format!("/console/content/{id}/history")).await;
    assert!(
        history
            .body
            .contains(&format!("/console/content/{id}/edit")),
        "an edit link"
    );
    let editor = c.get(&format!("/console/content/{id}/edit")).await;
    assert!(editor.body.contains("职工书屋"));
    let broken = c
        .post(
            &format!("/console/content/{id}/edit"),
            &[
                ("version", "1"),
                ("json", "{\"kind\": \"home_layout\", \"tiles\": ["),
            ],
        )
        .await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(broken.body.contains("JSON 格式不对") && broken.body.contains("&quot;tiles&quot;: ["));
    let other_kind = serde_json::to_string(&article(TITLE, FIRST)).expect("json");
    let refused = c
        .post(
            &format!("/console/content/{id}/edit"),
            &[("version", "1"), ("json", &other_kind)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let good = serde_json::to_string(&layout("书香工会")).expect("json");
    let saved = c
        .post(
            &format!("/console/content/{id}/edit"),
            &[("version", "1"), ("json", &good)],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{saved:?}");
    kiosk.sync_now().await.expect("sync");
    let shown = kiosk.home_layout().await.expect("store").expect("a layout");
    assert_eq!(shown.tiles[0].title, "书香工会");
    let history = c.get(&format!("/console/content/{id}/history")).await;
    assert!(history.body.contains("修改了模块"));
}

/// An image placed in the body: uploaded as the editor's script does (the answer is the
/// Markdown it inserts at the cursor), or sent with the form without the script (added at the
/// end); either way the article lists it and the kiosk caches it.
#[tokio::test]
async fn images_placed_in_the_body_reach_kiosks() {
    let server = TestServer::start().await;
    let province = server.init().await;
    let admin = server.login(ADMIN, PASSWORD).await;
    let first: ContentRecord = admin
        .post("v1/staff/content", &write(province, article(TITLE, FIRST)))
        .await
        .expect("published");
    let id = first.item.id;
    let (kiosk, _dir) = tests::kiosk_core(&admin, province).await;
    let mut c = Console::new(&server);
    c.login(ADMIN, PASSWORD).await;
    c.get(&format!("/console/news/{id}/edit")).await;

    let form = reqwest::multipart::Form::new()
        .text("_csrf", c.csrf.clone())
        .part(
            "image",
            reqwest::multipart::Part::bytes(tests::png(640, 360))
                .file_name("a.png")
                .mime_str("image/png")
                .expect("mime"),
        );
    let resp = c
        .http
        .post(c.base.join("/console/news/image").expect("url"))
        .multipart(form)
        .send()
        .await
        .expect("answers");
    assert_eq!(resp.status(), StatusCode::OK);
    let inserted = resp.text().await.expect("text");
    let hash = inserted
        .strip_prefix("![](media:")
        .and_then(|h| h.strip_suffix(')'))
        .unwrap_or_else(|| panic!("the Markdown for the image: {inserted}"))
        .to_owned();
    let forged = c
        .http
        .post(c.base.join("/console/news/image").expect("url"))
        .multipart(reqwest::multipart::Form::new().text("_csrf", "forged"))
        .send()
        .await
        .expect("answers");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    let body = format!("各基层工会：\n\n{inserted}\n\n活动时间：2月1日上午九点。");
    let (status, _) = save_article_with(&c, &id, 1, &body, None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    kiosk.sync_now().await.expect("sync");
    let seen = kiosk
        .article(id.clone())
        .await
        .expect("store")
        .expect("kept");
    assert_eq!(seen.news.body_markdown, body);
    let listed: Vec<String> = seen.news.images.iter().map(ToString::to_string).collect();
    assert_eq!(listed, std::slice::from_ref(&hash));
    let diff = c.get(&format!("/console/content/{id}/history/2")).await;
    assert!(
        diff.body.contains(&format!(
            "<img class=\"thumb\" src=\"/console/media/{hash}\""
        )),
        "the diff shows the image itself: {}",
        diff.body
    );
    let cached = kiosk
        .media(seen.news.images[0].clone())
        .await
        .expect("store")
        .expect("the kiosk cached the image");
    assert!(cached.exists());

    // Without the script: the file goes with the form and lands at the end of the body.
    let (status, _) = save_article_with(&c, &id, 2, &body, Some(tests::png(300, 200))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    kiosk.sync_now().await.expect("sync");
    let seen = kiosk.article(id).await.expect("store").expect("kept");
    assert_eq!(seen.news.images.len(), 2);
    assert!(
        seen.news
            .body_markdown
            .ends_with(&format!("![](media:{})\n", seen.news.images[1]))
    );
}

/// The forms editor saves from the version it was opened on: a stale save is refused with the
/// text kept; a good one is a new version with a revision naming what changed.
#[tokio::test]
async fn a_form_saved_from_an_old_version_is_refused() {
    let server = TestServer::start().await;
    let province = server.init().await;
    let admin = server.login(ADMIN, PASSWORD).await;
    let form = |title: &str| {
        serde_json::json!({
            "kind": "form", "title": title,
            "fields": [{"key": "text", "label": "您的意见", "type": "text", "required": true}]
        })
    };
    let body: ContentBody = serde_json::from_value(form("意见建议")).expect("a form");
    let first: ContentRecord = admin
        .post("v1/staff/content", &write(province, body))
        .await
        .expect("published");
    let id = first.item.id.0;
    let mut c = Console::new(&server);
    c.login(ADMIN, PASSWORD).await;
    let editor = c.get(&format!("/console/forms?edit={id}")).await;
    assert!(editor.body.contains("name=\"version\" value=\"1\""));
    let json = form("意见与建议").to_string();
    let saved = c
        .post(
            "/console/forms",
            &[
                ("id", &id),
                ("version", "1"),
                ("json", &json),
                ("op", "publish"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{saved:?}");
    let stale = form("过时的修改").to_string();
    let refused = c
        .post(
            "/console/forms",
            &[
                ("id", &id),
                ("version", "1"),
                ("json", &stale),
                ("op", "publish"),
            ],
        )
        .await;
    assert!(
        refused.body.contains("已有人保存了第 2 版"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("过时的修改"),
        "what was typed is kept"
    );
    let now: ContentRecord = admin
        .get(&format!("v1/staff/content/{id}"))
        .await
        .expect("the form");
    assert_eq!(now.item.version, 2);
    let history = c.get(&format!("/console/content/{id}/history")).await;
    assert!(history.body.contains("修改了标题"), "{}", history.body);
}
