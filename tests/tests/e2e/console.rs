//! The staff console over real HTTPS: sign-in, CSRF, the security headers, escaping, and that a
//! city's staff see and change only their own subtree on every page and action.

use protocol::content::{ContentBody, NewsCategory};
use protocol::staff::ContentRecord;
use reqwest::StatusCode;
use tests::console::Console;
use tests::{ADMIN, PASSWORD, TestServer, write};

fn news(title: &str) -> ContentBody {
    let ContentBody::News(mut n) = tests::news(title) else {
        unreachable!("tests::news makes news")
    };
    n.category = NewsCategory::UnionNews;
    ContentBody::News(n)
}

#[tokio::test]
async fn sign_in_csrf_headers_and_escaping() {
    let server = TestServer::start().await;
    server.init().await;
    let mut c = Console::new(&server);
    // Not signed in: every page sends to the login page.
    for page in [
        "/console/",
        "/console/news",
        "/console/submissions",
        "/console/kiosks",
        "/console/orgs",
    ] {
        let a = c.get(page).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(a.location.as_deref(), Some("/console/login"), "{page}");
    }
    let wrong = c.login(ADMIN, "wrong password").await;
    assert!(
        wrong
            .location
            .as_deref()
            .is_some_and(|l| l.contains("err="))
    );
    let ok = c.login(ADMIN, PASSWORD).await;
    assert_eq!(ok.location.as_deref(), Some("/console/"), "{ok:?}");
    let home = c.get("/console/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("概览"));
    let csp = home.csp.expect("a CSP on every page");
    assert!(csp.contains("default-src 'self'") && !csp.contains("unsafe-inline"));
    assert!(!home.body.contains("<script>"), "no inline scripts");

    // A forged POST (no token) is refused and changes nothing.
    let forged = c
        .post_without_csrf("/console/orgs", &[("parent", "1"), ("name", "伪造的单位")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(!c.get("/console/orgs").await.body.contains("伪造的单位"));

    // Output is escaped.
    let admin = server.login(ADMIN, PASSWORD).await;
    let province = admin.org;
    let _: ContentRecord = admin
        .post(
            "v1/staff/content",
            &write(province, news("<script>alert('x')</script>标题")),
        )
        .await
        .expect("published");
    let page = c.get("/console/news").await.body;
    assert!(page.contains("&lt;script&gt;alert"), "escaped");
    assert!(!page.contains("<script>alert"));

    // The Markdown preview is sanitised.
    let preview = c
        .post(
            "/console/preview",
            &[("body", "**粗** <img src=x onerror=alert(1)>")],
        )
        .await;
    assert!(preview.body.contains("<strong>粗</strong>"));
    assert!(!preview.body.contains("<img src=x"));

    // Logging out ends the session.
    let out = c.post("/console/logout", &[]).await;
    assert_eq!(out.location.as_deref(), Some("/console/login"));
    assert_eq!(c.get("/console/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sign_in_is_rate_limited() {
    let server = TestServer::start().await;
    server.init().await;
    let mut c = Console::new(&server);
    for _ in 0..5 {
        c.login(ADMIN, "nope").await;
    }
    let blocked = c.login(ADMIN, PASSWORD).await;
    let location = blocked.location.expect("back to the login page");
    assert!(location.starts_with("/console/login?err="), "{location}");
    let page = c.get(&location).await;
    assert!(page.body.contains("5 分钟"), "told to wait: {}", page.body);
    assert_eq!(
        c.get("/console/").await.status,
        StatusCode::SEE_OTHER,
        "not signed in"
    );
}

#[tokio::test]
async fn a_city_sees_and_changes_only_its_own_subtree() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let theirs: ContentRecord = tree
        .admin
        .post("v1/staff/content", &write(tree.city_b, news("乙市的文章")))
        .await
        .expect("published");
    let ours: ContentRecord = tree
        .admin
        .post("v1/staff/content", &write(tree.city_a, news("甲市的文章")))
        .await
        .expect("published");
    let kiosk_b = tree
        .admin
        .raw_kiosk_credentials(&server, tree.branch_b)
        .await;
    let _ = kiosk_b;

    let mut c = Console::new(&server);
    assert_eq!(
        c.login("city_a", PASSWORD).await.location.as_deref(),
        Some("/console/")
    );
    let news_page = c.get("/console/news").await.body;
    assert!(news_page.contains("甲市的文章"));
    assert!(
        !news_page.contains("乙市的文章"),
        "a sibling's content is not listed"
    );
    let orgs = c.get("/console/orgs").await.body;
    assert!(
        orgs.contains("甲市城东支行") && !orgs.contains("乙市"),
        "only its subtree"
    );
    let kiosks = c.get("/console/kiosks").await.body;
    assert!(!kiosks.contains(&tree.branch_b.0.to_string()) || !kiosks.contains("乙市"));

    // Acting on a sibling's things is refused, and nothing changes.
    let id = theirs.item.id.0.clone();
    let a = c
        .post(&format!("/console/content/{id}/unpublish"), &[])
        .await;
    assert!(
        a.status == StatusCode::FORBIDDEN || a.status == StatusCode::NOT_FOUND,
        "{a:?}"
    );
    let still: ContentRecord = tree
        .admin
        .get(&format!("v1/staff/content/{id}"))
        .await
        .expect("still there");
    assert!(still.live, "the sibling's article is still live");
    let a = c.get(&format!("/console/library/item/{id}")).await;
    assert!(a.status == StatusCode::FORBIDDEN || a.status == StatusCode::NOT_FOUND);
    let a = c
        .post(
            "/console/orgs",
            &[("parent", &tree.city_b.0.to_string()), ("name", "越权单位")],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = c
        .post(
            "/console/users",
            &[
                ("username", "intruder"),
                ("display_name", "x"),
                ("password", "long-enough-password"),
                ("org", &tree.city_b.0.to_string()),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = c
        .post(
            "/console/kiosks/token",
            &[("org", &tree.city_b.0.to_string())],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = c
        .post(
            "/console/submissions/nope",
            &[("status", "approved"), ("reply", "x")],
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);

    // Their own: allowed.
    let own = ours.item.id.0.clone();
    let a = c
        .post(&format!("/console/content/{own}/unpublish"), &[])
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{a:?}");
    let token = c
        .post(
            "/console/kiosks/token",
            &[("org", &tree.branch_a.0.to_string())],
        )
        .await;
    assert!(
        token.body.contains("unionkiosk://enroll?"),
        "an enrollment string"
    );
    assert!(token.body.contains("<svg"), "and its QR code");
}

/// The fleet page flags a kiosk whose disk runs low or is full (from its heartbeat), and asks
/// before revoking a kiosk that still holds undelivered submissions, saying how many.
#[tokio::test]
async fn the_fleet_shows_full_disks_and_warns_before_stranding_submissions() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let beat = |free: u64, outbox: u64| protocol::workflow::Heartbeat {
        version: "test".into(),
        cursor: None,
        outbox_depth: outbox,
        free_disk_bytes: Some(free),
        uptime_seconds: 1,
        last_sync_at: None,
        usage: None,
    };
    let full = server.kiosk_at(&tree.admin, tree.branch_a).await;
    full.heartbeat(&beat(3 * 1024 * 1024, 4))
        .await
        .expect("heartbeat");
    let roomy = server.kiosk_at(&tree.admin, tree.branch_b).await;
    roomy
        .heartbeat(&beat(8 * 1024 * 1024 * 1024, 0))
        .await
        .expect("heartbeat");

    let mut c = Console::new(&server);
    c.login(ADMIN, PASSWORD).await;
    let page = c.get("/console/kiosks").await.body;
    assert!(page.contains("3 MB") && page.contains("磁盘已满"), "{page}");
    assert!(page.contains("8.0 GB"), "{page}");
    assert!(!page.contains("磁盘将满"), "only the full one is flagged");
    assert!(
        page.contains("这台终端还有 4 份职工提交尚未送达"),
        "the revoke question counts what would be stranded"
    );
    assert_eq!(
        page.matches("停用后这台终端将无法同步，确定吗？").count(),
        1,
        "the kiosk with an empty outbox gets the plain question"
    );
}
