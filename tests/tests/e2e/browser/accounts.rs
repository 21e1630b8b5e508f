//! Accounts and the audit log in a real browser: an administrator renames an org on its page,
//! resets a clerk's password to a temporary one on the clerk's page, disables the account from
//! the users table, reads the audit log (administration included), sends a task down that the
//! city acknowledges from its own console, and changes their own password on the account page.

use fantoccini::{Client, Locator};
use protocol::staff::{NewStaff, Org, Role, StaffInfo};
use tests::{ADMIN, PASSWORD, TestServer};

use super::{browser, click, shot, sign_in, text_of, type_into, wait_for};

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
    let _: StaffInfo = admin
        .post(
            "v1/staff/users",
            &NewStaff {
                username: "city_viewer".into(),
                password: PASSWORD.into(),
                display_name: "甲市值班员".into(),
                org_id: city.id,
                roles: Some(vec![Role::Viewer]),
            },
        )
        .await
        .expect("user");

    let profile = tempfile::tempdir().expect("profile");
    let (_driver, c) = browser(profile.path()).await;
    let base = server.url.as_str().trim_end_matches('/').to_owned();
    sign_in(&c, &base, ADMIN, PASSWORD).await;
    wait_for(&c, "div.tiles", "the dashboard").await;

    // The new pages at a laptop's 1366×768 (issue 17, part 7).
    c.set_window_size(1366, 768).await.expect("window size");
    // The org's page: renamed there.
    c.goto(&format!("{base}/console/orgs/{}", city.id))
        .await
        .expect("org page");
    wait_for(&c, "form[action$='/rename']", "the org page").await;
    let name = c
        .find(Locator::Css("form[action$='/rename'] input[name=name]"))
        .await
        .expect("name field");
    name.clear().await.expect("clear");
    name.send_keys("甲市分行工会（新）").await.expect("type");
    click(&c, "form[action$='/rename'] button[type=submit]").await;
    saved(&c).await;
    assert!(text_of(&c).await.contains("甲市分行工会（新）"));
    shot(&c, "org").await;

    // The clerk's page: a reset shows a temporary password once, which signs in.
    c.goto(&format!("{base}/console/users/{}", clerk.id))
        .await
        .expect("user page");
    let reset = format!("form[action='/console/users/{}/password']", clerk.id);
    wait_for(&c, &reset, "the user page").await;
    shot(&c, "user").await;
    click(&c, &format!("{reset} button[type=submit]")).await;
    wait_for(&c, "p.temporary code", "the temporary password").await;
    shot(&c, "temporary-password").await;
    let temporary = c
        .find(Locator::Css("p.temporary code"))
        .await
        .expect("shown")
        .text()
        .await
        .expect("text");
    server.login("clerk", temporary.trim()).await;

    // Then disable the account from the users table.
    c.goto(&format!("{base}/console/orgs")).await.expect("orgs");
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
    let audit = text_of(&c).await;
    assert!(
        audit.contains("管理操作") && audit.contains("单位改名") && audit.contains("重置密码"),
        "{audit}"
    );
    shot(&c, "audit").await;

    // A task sent down to the city (issue 17, part 6): its page says who has not answered.
    click(&c, "a[href='/console/tasks']").await;
    wait_for(&c, "form.editor[action='/console/tasks']", "the tasks page").await;
    type_into(&c, "input[name=title]", "周五前报送冬季送温暖名单").await;
    type_into(&c, "textarea[name=body]", "请报送本市困难职工名单。").await;
    click(&c, "form.editor button[type=submit]").await;
    wait_for(&c, "table.receipts", "the task's page").await;
    let task = text_of(&c).await;
    assert!(
        task.contains("甲市分行工会（新）") && task.contains("未确认"),
        "{task}"
    );
    shot(&c, "task").await;
    let task_page = c.current_url().await.expect("the task's address");
    click(&c, "a[href='/console/tasks']").await;
    wait_for(&c, "form.editor[action='/console/tasks']", "the tasks page").await;
    shot(&c, "tasks").await;

    // The city acknowledges it from its own console; the sender's page then says so.
    sign_in(&c, &base, "city_viewer", PASSWORD).await;
    click(&c, "a[href='/console/tasks']").await;
    wait_for(&c, "form[action$='/ack'] button", "the task to acknowledge").await;
    click(&c, "form[action$='/ack'] button").await;
    saved(&c).await;
    sign_in(&c, &base, ADMIN, PASSWORD).await;
    c.goto(task_page.as_str()).await.expect("the task's page");
    wait_for(&c, "table.receipts", "the task's page").await;
    let task = text_of(&c).await;
    assert!(
        task.contains("已确认") && !task.contains("未确认"),
        "{task}"
    );

    // One's own password.
    click(&c, "a[href='/console/account']").await;
    type_into(&c, "input[name=current_password]", PASSWORD).await;
    type_into(&c, "input[name=new_password]", "a-new-admin-password").await;
    click(&c, "form.editor button[type=submit]").await;
    saved(&c).await;
    shot(&c, "account").await;
    server.login(ADMIN, "a-new-admin-password").await;

    // The new pages read in English too.
    c.goto(&format!("{base}/console/lang/en"))
        .await
        .expect("english");
    for (path, name, says) in [
        (
            format!("/console/orgs/{}", city.id),
            "org-en",
            "Disable org",
        ),
        (
            format!("/console/users/{}", clerk.id),
            "user-en",
            "Display name",
        ),
        (
            "/console/tasks".to_owned(),
            "tasks-en",
            "Sent from your org and below",
        ),
        ("/console/audit".to_owned(), "audit-en", "Administration"),
    ] {
        c.goto(&format!("{base}{path}")).await.expect("page");
        wait_for(&c, "main h1", name).await;
        assert!(text_of(&c).await.contains(says), "{name}");
        shot(&c, name).await;
    }
    c.close().await.expect("browser closes");
}
