//! Accounts and the audit log in a real browser: an administrator resets a clerk's password
//! and disables the account from the users table, reads the audit log, and changes their own
//! password on the account page.

use fantoccini::{Client, Locator};
use protocol::staff::{NewStaff, Org, StaffInfo};
use tests::{ADMIN, PASSWORD, TestServer};

use super::{browser, click, shot, text_of, wait_for};

async fn type_into(c: &Client, css: &str, text: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .send_keys(text)
        .await
        .expect("type");
}

async fn saved(c: &Client) {
    wait_for(c, "p.ok", "a notice that it worked").await;
}

#[tokio::test]
async fn accounts_and_the_audit_log_from_a_real_browser() {
    let server = TestServer::start().await;
    let province = server.init().await;
    let admin = server.login(ADMIN, PASSWORD).await;
    let city: Org = admin
        .post(
            "v1/staff/orgs",
            &protocol::staff::NewOrg {
                parent_id: province,
                name: "甲市分行工会".into(),
            },
        )
        .await
        .expect("org");
    let clerk: StaffInfo = admin
        .post(
            "v1/staff/users",
            &NewStaff {
                username: "clerk".into(),
                password: "clerk-first-password".into(),
                display_name: "甲市干事".into(),
                org_id: city.id,
                roles: None,
            },
        )
        .await
        .expect("user");

    let profile = tempfile::tempdir().expect("profile");
    let (_driver, c) = browser(profile.path()).await;
    let base = server.url.as_str().trim_end_matches('/').to_owned();
    c.goto(&format!("{base}/console/login"))
        .await
        .expect("login page");
    type_into(&c, "input[name=username]", ADMIN).await;
    type_into(&c, "input[name=password]", PASSWORD).await;
    click(&c, "button[type=submit]").await;
    wait_for(&c, "div.tiles", "the dashboard").await;

    // Reset the clerk's password, then disable the account.
    c.goto(&format!("{base}/console/orgs")).await.expect("orgs");
    let reset = format!("form[action='/console/users/{}/password']", clerk.id);
    type_into(
        &c,
        &format!("{reset} input[name=new_password]"),
        "clerk-second-password",
    )
    .await;
    click(&c, &format!("{reset} button[type=submit]")).await;
    saved(&c).await;
    server.login("clerk", "clerk-second-password").await;
    click(
        &c,
        &format!(
            "form[action='/console/users/{}/disable'] button[type=submit]",
            clerk.id
        ),
    )
    .await;
    saved(&c).await;
    assert!(text_of(&c).await.contains("已停用"));
    shot(&c, "users").await;

    // The audit log is in the top org's menu.
    click(&c, "a[href='/console/audit']").await;
    wait_for(&c, "main table", "the audit log").await;
    assert!(text_of(&c).await.contains("审计日志"));
    shot(&c, "audit").await;

    // One's own password.
    click(&c, "a[href='/console/account']").await;
    type_into(&c, "input[name=current_password]", PASSWORD).await;
    type_into(&c, "input[name=new_password]", "a-new-admin-password").await;
    click(&c, "form.editor button[type=submit]").await;
    saved(&c).await;
    shot(&c, "account").await;
    server.login(ADMIN, "a-new-admin-password").await;
    c.close().await.expect("browser closes");
}
