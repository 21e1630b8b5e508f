//! publish-news: Markdown with front matter, images uploaded, re-publishing updates in place.

use protocol::content::NewsCategory;
use protocol::{Change, ContentBody};
use sync_server::content::Upserted;
use sync_server::import::news;
use sync_server::orgs::Actor;
use tests::TestServer;

#[tokio::test]
async fn publishing_a_markdown_file_twice_updates_the_same_article() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("cover.png"), tests::png(1600, 900)).expect("cover");
    std::fs::write(dir.path().join("photo.png"), tests::png(800, 600)).expect("photo");
    let article = |title: &str| {
        format!(
            "+++\ntitle = \"{title}\"\ncategory = \"activities\"\nsummary = \"摘要\"\norg = \"甲市分行工会\"\npinned = true\ncover = \"cover.png\"\nphone_link = \"https://m.example.org/a\"\n+++\n\n## 活动安排\n\n现场照片：\n\n![现场](photo.png)\n\n- 第一项\n- **第二项**\n"
        )
    };
    let file = dir.path().join("winter-walk.md");
    std::fs::write(&file, article("冬季健步走")).expect("write");

    let (first, id) = news::publish(&server.state, Actor::Operator, &file, None)
        .await
        .expect("publish");
    assert_eq!(first, Upserted::Created);
    let (again, same_id) = news::publish(&server.state, Actor::Operator, &file, None)
        .await
        .expect("again");
    assert_eq!((again, &same_id), (Upserted::Unchanged, &id));
    std::fs::write(&file, article("冬季健步走（改期）")).expect("write");
    let (edited, edited_id) = news::publish(&server.state, Actor::Operator, &file, None)
        .await
        .expect("edit");
    assert_eq!((edited, &edited_id), (Upserted::Updated, &id));

    let kiosk = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let page = kiosk.changes(None, None).await.expect("feed");
    let [Change::Upsert { item, .. }] = page.changes.as_slice() else {
        panic!("exactly one article: {:?}", page.changes);
    };
    assert_eq!(item.version, 2);
    assert_eq!(item.org_id, tree.city_a);
    let ContentBody::News(n) = &item.body else {
        panic!("a news item");
    };
    assert_eq!(n.title, "冬季健步走（改期）");
    assert_eq!(n.category, NewsCategory::Activities);
    assert!(n.pinned);
    let cover = n.cover.as_ref().expect("cover uploaded");
    kiosk.media(cover).await.expect("cover is served");
    assert_eq!(n.images.len(), 1);
    assert!(
        n.body_markdown
            .contains(&format!("](media:{})", n.images[0])),
        "{}",
        n.body_markdown
    );
    kiosk
        .media(&n.images[0])
        .await
        .expect("body image is served");
}

#[tokio::test]
async fn articles_without_an_org_or_with_missing_images_are_refused() {
    let server = TestServer::start().await;
    server.init().await;
    let dir = tempfile::tempdir().expect("dir");
    let no_org = dir.path().join("a.md");
    std::fs::write(
        &no_org,
        "+++\ntitle = \"无单位\"\ncategory = \"policy\"\n+++\n正文",
    )
    .expect("write");
    let err = news::publish(&server.state, Actor::Operator, &no_org, None)
        .await
        .expect_err("no org");
    assert!(err.message.contains("发布单位"), "{}", err.message);

    let missing = dir.path().join("b.md");
    std::fs::write(
        &missing,
        "+++\ntitle = \"缺图\"\ncategory = \"policy\"\norg = 1\ncover = \"nope.jpg\"\n+++\n正文",
    )
    .expect("write");
    let err = news::publish(&server.state, Actor::Operator, &missing, None)
        .await
        .expect_err("no image");
    assert!(err.message.contains("nope.jpg"), "{}", err.message);
    let count: i64 = server
        .state
        .db
        .read(|tx| Ok(tx.query_row("SELECT count(*) FROM content", [], |r| r.get(0))?))
        .await
        .expect("count");
    assert_eq!(count, 0);
}
