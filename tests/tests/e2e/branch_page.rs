//! 职工之家 over real HTTPS: an org's publishers edit its page in the console (saving again
//! makes a new version of the one page, photos through the media pipeline), only within their
//! subtree and only with the publisher role; a kiosk at a branch receives its own page and its
//! city's, each with the opening hours that org goes by.

use protocol::ContentBody;
use protocol::branch_page::BranchPage;
use protocol::staff::Role;
use reqwest::StatusCode;
use tests::console::Console;
use tests::{ADMIN, PASSWORD, TestServer, png, write};

const PAGE: &str = "/console/branch-page";

async fn save(c: &mut Console, org: &str, intro: &str, contacts: &str) -> tests::console::Answer {
    c.post(
        PAGE,
        &[
            ("org", org),
            ("intro", intro),
            (
                "facilities",
                "职工书屋：一楼 105\n健身房：三楼，跑步机 4 台",
            ),
            ("contacts", contacts),
        ],
    )
    .await
}

#[tokio::test]
async fn a_branch_edits_its_page_and_its_kiosk_shows_it_with_the_citys() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let (city_a, branch_a, city_b) = (
        tree.city_a.0.to_string(),
        tree.branch_a.0.to_string(),
        tree.city_b.0.to_string(),
    );
    let mut c = Console::new(&server);
    c.login(ADMIN, PASSWORD).await;
    let page = c.get(&format!("{PAGE}?org={branch_a}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("还没有职工之家页面"), "{}", page.body);
    assert!(page.body.contains("甲市分行工会"), "names the parent");

    // Mistakes are named by line, and what was typed is kept.
    let refused = save(
        &mut c,
        &branch_a,
        "",
        "王芳 | 主席 | 打电话\n李强 | | | 网址",
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    for sentence in [
        "没有保存",
        "联系人第 2 行：“网址”不是链接",
        "联系人第 1 行：电话只能包含数字",
    ] {
        assert!(
            refused.body.contains(sentence),
            "{sentence}: {}",
            refused.body
        );
    }
    assert!(refused.body.contains("打电话"), "kept as typed");

    let contacts = "王芳 | 工会主席 | 0311-8888 6666 | https://example.cn/card/wang";
    for (org, intro) in [
        (&city_a, "甲市职工之家"),
        (&branch_a, "城东支行职工之家位于一楼。"),
    ] {
        let saved = save(&mut c, org, intro, contacts).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{saved:?}");
    }
    // A photo through the media pipeline (a real image, scaled and stored by hash).
    let added = c
        .upload(
            &format!("{PAGE}/photo"),
            &[("org", branch_a.as_str())],
            ("photo", "room.png", png(64, 48)),
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{added:?}");
    let page = c.get(&added.location.expect("back")).await.body;
    assert!(
        page.contains("照片已添加") && page.contains("/console/media/"),
        "{page}"
    );
    // Saving the text again keeps the photo and makes a new version of the same page.
    let saved = save(
        &mut c,
        &branch_a,
        "城东支行职工之家位于一楼东侧。",
        contacts,
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{saved:?}");

    // The staff API keeps to one page per org.
    let second = tree
        .admin
        .post::<_, serde_json::Value>(
            "v1/staff/content",
            &write(
                tree.branch_a,
                ContentBody::BranchPage(BranchPage {
                    intro: "第二份".to_owned(),
                    ..BranchPage::default()
                }),
            ),
        )
        .await
        .expect_err("a second page at one org");
    assert_eq!(second.status, 409);

    // The kiosk at branch A: its own page (with the photo stored) and city A's.
    let (kiosk, _dir) = tests::kiosk_core(&tree.admin, tree.branch_a).await;
    let pages = kiosk.branch_pages().await.expect("store");
    let own = pages.own.expect("own page");
    assert_eq!(own.org_name, "甲市城东支行");
    assert_eq!(own.page.intro, "城东支行职工之家位于一楼东侧。");
    assert_eq!(own.page.facilities.len(), 2);
    assert_eq!(own.page.photos.len(), 1);
    assert_eq!(
        own.page.contacts[0].qr_url.as_ref().map(|u| u.as_str()),
        Some("https://example.cn/card/wang")
    );
    let photo = own.page.photos[0].clone();
    assert!(
        kiosk.media(photo).await.expect("store").is_some(),
        "photo fetched"
    );
    let parent = pages.parent.expect("city page");
    assert_eq!(parent.org_name, "甲市分行工会");
    assert_eq!(parent.page.intro, "甲市职工之家");

    // City B's page never reaches branch A's kiosk; branch B's kiosk sees no page.
    save(&mut c, &city_b, "乙市职工之家", contacts).await;
    kiosk.sync_now().await.expect("sync");
    let pages = kiosk.branch_pages().await.expect("store");
    assert_eq!(pages.parent.expect("city").page.intro, "甲市职工之家");

    // Removing the photo is a new version the kiosk follows.
    let page = c.get(&format!("{PAGE}?org={branch_a}")).await.body;
    assert!(page.contains("name=\"hash\""));
    let removed = c
        .post(
            &format!("{PAGE}/photo/remove"),
            &[
                ("org", branch_a.as_str()),
                ("hash", own.page.photos[0].as_str()),
            ],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{removed:?}");
    kiosk.sync_now().await.expect("sync");
    let own = kiosk.branch_pages().await.expect("store").own.expect("own");
    assert!(own.page.photos.is_empty());
}

#[tokio::test]
async fn only_publishers_of_the_org_or_above_may_edit_its_page() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let (city_b, province, branch_a) = (
        tree.city_b.0.to_string(),
        tree.province.0.to_string(),
        tree.branch_a.0.to_string(),
    );
    // A viewer at city A: refused the page and the save, even for their own branch.
    server
        .user(&tree.admin, "view_a", tree.city_a, &[Role::Viewer])
        .await;
    let mut viewer = Console::new(&server);
    viewer.login("view_a", PASSWORD).await;
    viewer.get("/console/").await;
    let a = viewer.get(&format!("{PAGE}?org={branch_a}")).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = save(&mut viewer, &branch_a, "简介", "").await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);

    // A publisher at city A: not city B (a sibling) nor the province (above them).
    server
        .user(&tree.admin, "pub_a", tree.city_a, &[Role::Publisher])
        .await;
    let mut c = Console::new(&server);
    c.login("pub_a", PASSWORD).await;
    assert_eq!(c.get(PAGE).await.status, StatusCode::OK, "their own org");
    for org in [&city_b, &province] {
        let a = c.get(&format!("{PAGE}?org={org}")).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "see {org}");
        let a = save(&mut c, org, "简介", "").await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "save {org}");
        assert!(
            !a.body.contains("表单已过期"),
            "refused for the org, not the form"
        );
        let a = c
            .upload(
                &format!("{PAGE}/photo"),
                &[("org", org.as_str())],
                ("photo", "p.png", png(8, 8)),
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "photo {org}");
    }
    // A forged form (no CSRF token) for their own branch is refused.
    let forged = c
        .post_without_csrf(PAGE, &[("org", branch_a.as_str()), ("intro", "简介")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // Their own branch: allowed; nothing of the refusals reached branch B's or the province's.
    let a = save(&mut c, &branch_a, "简介", "").await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{a:?}");
    let (kiosk_b, _dir) = tests::kiosk_core(&tree.admin, tree.branch_b).await;
    assert_eq!(
        kiosk_b.branch_pages().await.expect("store"),
        Default::default()
    );
}
