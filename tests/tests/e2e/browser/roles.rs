//! Roles in a real browser: each role's navigation offers only what it may open, and what it
//! may not is refused with a calm page in its language (issue 17). The administrator ticks a
//! role on the users table.

use fantoccini::{Client, Locator};
use protocol::staff::{NewStaff, Role, StaffInfo};
use tests::{ADMIN, PASSWORD, TestServer};

use super::{browser, click, shot, sign_in, text_of, wait_for};

/// The navigation's links.
async fn nav(c: &Client) -> Vec<String> {
    let mut hrefs = Vec::new();
    for a in c
        .find_all(Locator::Css("nav.side li a"))
        .await
        .expect("links")
    {
        hrefs.push(a.attr("href").await.expect("href").unwrap_or_default());
    }
    hrefs
}

async fn refused(c: &Client, base: &str, path: &str, needed: &str) {
    c.goto(&format!("{base}{path}")).await.expect("page");
    wait_for(c, "div.denied", "the refusal").await;
    let text = text_of(c).await;
    assert!(
        text.contains("没有权限") && text.contains(needed),
        "{path}: {text}"
    );
}

#[tokio::test]
async fn each_role_sees_only_its_pages_and_is_refused_the_rest_in_a_real_browser() {
    let server = TestServer::start().await;
    let province = server.init().await;
    let admin = server.login(ADMIN, PASSWORD).await;
    let mut ids = Vec::new();
    for (name, role) in [
        ("pub_b", Role::Publisher),
        ("case_b", Role::CaseHandler),
        ("view_b", Role::Viewer),
    ] {
        let made: StaffInfo = admin
            .post(
                "v1/staff/users",
                &NewStaff {
                    username: name.into(),
                    password: PASSWORD.into(),
                    display_name: name.into(),
                    org_id: province,
                    roles: Some(vec![role]),
                },
            )
            .await
            .expect("user");
        ids.push(made.id);
    }

    let profile = tempfile::tempdir().expect("profile");
    let (_driver, c) = browser(profile.path()).await;
    let base = server.url.as_str().trim_end_matches('/').to_owned();

    // Publisher: news offered, the inbox and the accounts not; the inbox refused.
    sign_in(&c, &base, "pub_b", PASSWORD).await;
    let links = nav(&c).await;
    assert!(links.iter().any(|h| h == "/console/news"), "{links:?}");
    assert!(
        !links
            .iter()
            .any(|h| h == "/console/submissions" || h == "/console/orgs"),
        "{links:?}"
    );
    refused(&c, &base, "/console/submissions", "事项办理").await;
    shot(&c, "denied-zh").await;

    // Case handler: the inbox offered, publishing not; news refused.
    sign_in(&c, &base, "case_b", PASSWORD).await;
    let links = nav(&c).await;
    assert!(
        links.iter().any(|h| h == "/console/submissions"),
        "{links:?}"
    );
    assert!(!links.iter().any(|h| h == "/console/news"), "{links:?}");
    refused(&c, &base, "/console/news", "内容发布").await;

    // Viewer: the fleet without its enrollment form; accounts refused, in English too.
    sign_in(&c, &base, "view_b", PASSWORD).await;
    c.goto(&format!("{base}/console/kiosks"))
        .await
        .expect("fleet");
    wait_for(&c, "main table", "the fleet").await;
    assert!(
        c.find(Locator::Css("form[action='/console/kiosks/token']"))
            .await
            .is_err(),
        "enrolling is not offered"
    );
    refused(&c, &base, "/console/orgs", "管理员").await;
    c.goto(&format!("{base}/console/lang/en"))
        .await
        .expect("English");
    c.goto(&format!("{base}/console/orgs")).await.expect("page");
    wait_for(&c, "div.denied", "the refusal").await;
    assert!(text_of(&c).await.contains("needs the Administrator role"));
    shot(&c, "denied-en").await;
    c.goto(&format!("{base}/console/lang/zh"))
        .await
        .expect("Chinese");

    // The administrator makes the viewer a publisher from the users table.
    sign_in(&c, &base, ADMIN, PASSWORD).await;
    c.goto(&format!("{base}/console/orgs"))
        .await
        .expect("users");
    let form = format!("form[action='/console/users/{}/roles']", ids[2]);
    click(&c, &format!("{form} input[name=role_publisher]")).await;
    click(&c, &format!("{form} button[type=submit]")).await;
    wait_for(&c, "p.ok", "roles saved").await;
    shot(&c, "users-roles").await;
    c.close().await.expect("browser closes");
    let users: Vec<protocol::staff::StaffAccount> =
        admin.get("v1/staff/users").await.expect("users");
    let viewer = users.iter().find(|u| u.info.id == ids[2]).expect("listed");
    assert_eq!(viewer.info.roles, vec![Role::Publisher, Role::Viewer]);
}
