//! Orgs and accounts managed, not only created (issue 17, part 7): renaming, moving and
//! disabling an org as a real kiosk sees it, editing, disabling and resetting accounts, each
//! refused outside the administrator's role and subtree, and every change in the audit log.

use std::time::Duration;

use kiosk::sync::SyncConfig;
use protocol::staff::{
    EnrollmentTokenCreated, NewEnrollmentToken, NewStaff, PasswordChange, PasswordReset, Role,
    StaffInfo, TemporaryPassword,
};
use protocol::{ErrorCode, OrgId};
use reqwest::StatusCode;
use tests::console::Console;
use tests::{EnrolledKiosk, PASSWORD, Staff, TestServer, news};

/// Waits up to 20 s for `check` to hold, asking every 100 ms.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not in 20 s: {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What these tests ask of a kiosk beyond its news titles.
trait Held {
    fn org(&self) -> (String, Vec<String>);
    fn paused(&self) -> bool;
    async fn streams(&self, n: u64);
}

impl Held for EnrolledKiosk {
    /// The org the kiosk holds: its name and the names of its ancestors.
    fn org(&self) -> (String, Vec<String>) {
        let org = self
            .store
            .lock()
            .expect("lock")
            .enrollment()
            .expect("read")
            .expect("enrolled")
            .org;
        (org.name, org.path)
    }

    fn paused(&self) -> bool {
        self.store.lock().expect("lock").paused().expect("read")
    }

    /// Waits until the engine has opened its event stream `n` times.
    async fn streams(&self, n: u64) {
        let mut heard = self.engine.heard();
        tokio::time::timeout(Duration::from_secs(20), heard.wait_for(|h| h.streams >= n))
            .await
            .unwrap_or_else(|_| panic!("stream {n} not open in 20 s"))
            .expect("engine alive");
    }
}

async fn add_user(admin: &Staff, username: &str, org: OrgId, roles: &[Role]) -> i64 {
    let info: StaffInfo = admin
        .post(
            "v1/staff/users",
            &NewStaff {
                username: username.to_owned(),
                password: PASSWORD.to_owned(),
                display_name: String::new(),
                org_id: org,
                roles: Some(roles.to_vec()),
            },
        )
        .await
        .expect("user created");
    info.id
}

/// The audit log's administration lines, oldest first: (action, detail).
async fn admin_log(server: &TestServer) -> Vec<(String, String)> {
    server
        .state
        .db
        .read(|tx| {
            let rows = tx
                .prepare("SELECT action, detail FROM admin_log ORDER BY id")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
        .expect("audit log")
}

#[tokio::test]
async fn a_renamed_moved_and_disabled_org_reaches_its_kiosk_through_the_feed() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let admin = &tree.admin;
    for (org, title) in [
        (tree.province, "全省通知"),
        (tree.city_a, "甲市通知"),
        (tree.city_b, "乙市通知"),
    ] {
        admin.publish(org, news(title)).await.expect("published");
    }
    add_user(admin, "branch_clerk", tree.branch_a, &[Role::Viewer]).await;
    let clerk = server.login("branch_clerk", PASSWORD).await;
    let kiosk = EnrolledKiosk::enroll(admin, tree.branch_a, SyncConfig::default()).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let engine = kiosk.engine.clone();
    let running = tokio::spawn(async move { engine.run(stopped).await });
    kiosk.streams(1).await;
    assert_eq!(kiosk.news_titles(), ["全省通知", "甲市通知"]);

    // Renamed: the kiosk's stream ends with `reset`, and it reads its org again.
    let () = admin
        .put(
            &format!("v1/staff/orgs/{}", tree.branch_a),
            &serde_json::json!({"name": "甲市城东新区支行"}),
        )
        .await
        .expect("renamed");
    eventually("the kiosk holds the new name", || async {
        kiosk.org().0 == "甲市城东新区支行"
    })
    .await;
    kiosk.streams(2).await;

    // Moved under city B, with its kiosk and its staff: the kiosk resyncs city B's content
    // instead of city A's, keeps its name, and the staff member's session follows.
    let () = admin
        .put(
            &format!("v1/staff/orgs/{}", tree.branch_a),
            &serde_json::json!({"parent_id": tree.city_b}),
        )
        .await
        .expect("moved");
    eventually("the moved kiosk has city B's news", || async {
        kiosk.news_titles() == ["乙市通知", "全省通知"]
    })
    .await;
    eventually("the moved kiosk knows its new ancestors", || async {
        kiosk.org().1 == ["测试省分行工会", "乙市分行工会", "甲市城东新区支行"]
    })
    .await;
    kiosk.streams(3).await;
    let orgs: Vec<protocol::staff::Org> = clerk.get("v1/staff/orgs").await.expect("orgs");
    assert_eq!(orgs.len(), 1, "the clerk still sees only their branch");
    let city_b_orgs: Vec<protocol::staff::Org> = admin.get("v1/staff/orgs").await.expect("orgs");
    let moved = city_b_orgs
        .iter()
        .find(|o| o.id == tree.branch_a)
        .expect("listed");
    assert_eq!((moved.parent_id, moved.depth), (Some(tree.city_b), 2));

    // City B disabled: its kiosks (the moved one too) pause calmly and keep what they show,
    // its staff are signed out and cannot sign in, no kiosk enrolls there (with a new token or
    // one made before); nothing is deleted.
    let early = admin.enrollment_token(tree.city_b).await;
    admin
        .post::<_, ()>(
            &format!("v1/staff/orgs/{}/disable", tree.city_b),
            &serde_json::json!({}),
        )
        .await
        .expect("disabled");
    eventually("the kiosk says its updates are paused", || async {
        kiosk.paused()
    })
    .await;
    let refused = clerk
        .get::<StaffInfo>("v1/staff/me")
        .await
        .expect_err("signed out");
    assert_eq!(refused.status, 401);
    let login = reqwest_login(&server, "branch_clerk").await;
    assert_eq!(login.0, StatusCode::FORBIDDEN, "{}", login.1);
    assert!(login.1.contains("org_disabled"), "{}", login.1);
    let no_token = admin
        .post::<_, EnrollmentTokenCreated>(
            "v1/staff/enrollment-tokens",
            &NewEnrollmentToken {
                org_id: tree.branch_a,
                valid_minutes: None,
            },
        )
        .await
        .expect_err("no token for an org under a disabled one");
    assert_eq!(
        (no_token.status, no_token.body.error),
        (403, ErrorCode::OrgDisabled)
    );
    let dir = tempfile::tempdir().expect("dir");
    let mut second = kiosk::store::Store::open(dir.path()).expect("store opens");
    let refused = kiosk::admin::enroll(&mut second, &early.enrollment_string, "二楼")
        .await
        .expect_err("no enrollment at a disabled org");
    assert!(refused.to_string().contains("已停用"), "{refused}");
    admin
        .publish(tree.city_b, news("停用期间"))
        .await
        .expect("published while disabled");
    assert!(kiosk.paused());
    assert!(!kiosk.store.lock().expect("lock").refused().expect("read"));
    assert_eq!(kiosk.news_titles(), ["乙市通知", "全省通知"]);

    // Enabled again: the kiosk catches up and its staff sign in.
    admin
        .post::<_, ()>(
            &format!("v1/staff/orgs/{}/enable", tree.city_b),
            &serde_json::json!({}),
        )
        .await
        .expect("enabled");
    eventually("the kiosk catches up after the enable", || async {
        kiosk.news_titles() == ["乙市通知", "停用期间", "全省通知"]
    })
    .await;
    assert!(!kiosk.paused());
    server.login("branch_clerk", PASSWORD).await;
    kiosk::admin::enroll(&mut second, &early.enrollment_string, "二楼")
        .await
        .expect("the token made before the disable was not spent by the refusal");

    let log = admin_log(&server).await;
    let actions: Vec<&str> = log.iter().map(|(a, _)| a.as_str()).collect();
    assert!(
        actions.ends_with(&["org_renamed", "org_moved", "org_disabled", "org_enabled"]),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|(a, d)| a == "org_renamed" && d.contains("甲市城东新区支行"))
    );
    stop.send(true).expect("engine listening");
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("engine stops")
        .expect("engine task");
}

/// Signs in over plain JSON: the status and the body.
async fn reqwest_login(server: &TestServer, username: &str) -> (StatusCode, String) {
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(kiosk::net::pinned_tls_config(server.fingerprint))
        .build()
        .expect("client");
    let resp = http
        .post(server.url.join("v1/staff/login").expect("url"))
        .json(&serde_json::json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .expect("answer");
    (resp.status(), resp.text().await.expect("body"))
}

#[tokio::test]
async fn managing_orgs_and_users_is_refused_outside_role_and_subtree() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let admin = &tree.admin;
    // `city_a` is an administrator of city A (it holds its creator's roles).
    let city = &tree.city_staff;
    add_user(admin, "publisher_a", tree.city_a, &[Role::Publisher]).await;
    let publisher = server.login("publisher_a", PASSWORD).await;
    let sibling = add_user(admin, "city_b_user", tree.city_b, &[Role::Viewer]).await;
    let below = add_user(admin, "branch_a_user", tree.branch_a, &[Role::Viewer]).await;

    // A publisher manages no org.
    let e = publisher
        .put::<_, ()>(
            &format!("v1/staff/orgs/{}", tree.branch_a),
            &serde_json::json!({"name": "改名"}),
        )
        .await
        .expect_err("publisher");
    assert_eq!((e.status, e.body.error), (403, ErrorCode::RoleRequired));
    let e = publisher
        .post::<_, ()>(
            &format!("v1/staff/orgs/{}/disable", tree.branch_a),
            &serde_json::json!({}),
        )
        .await
        .expect_err("publisher");
    assert_eq!(e.body.error, ErrorCode::RoleRequired);

    // City A's administrator: not city B's branch, nor anything outside city A.
    for (path, body) in [
        (
            format!("v1/staff/orgs/{}", tree.branch_b),
            serde_json::json!({"name": "改名"}),
        ),
        (
            format!("v1/staff/orgs/{}", tree.branch_b),
            serde_json::json!({"parent_id": tree.city_a}),
        ),
        (
            format!("v1/staff/orgs/{}", tree.branch_a),
            serde_json::json!({"parent_id": tree.city_b}),
        ),
    ] {
        let e = city
            .put::<_, ()>(&path, &body)
            .await
            .expect_err("outside city A");
        assert_eq!(
            (e.status, e.body.error),
            (403, ErrorCode::OutsideYourOrg),
            "{path} {body}"
        );
    }
    let e = city
        .post::<_, ()>(
            &format!("v1/staff/orgs/{}/disable", tree.branch_b),
            &serde_json::json!({}),
        )
        .await
        .expect_err("outside city A");
    assert_eq!((e.status, e.body.error), (403, ErrorCode::OutsideYourOrg));
    // Not its own org, and nothing under itself.
    let e = city
        .post::<_, ()>(
            &format!("v1/staff/orgs/{}/disable", tree.city_a),
            &serde_json::json!({}),
        )
        .await
        .expect_err("own org");
    assert_eq!((e.status, e.body.error), (409, ErrorCode::OwnOrg));
    let deeper = admin.create_org(tree.branch_a, "城东网点").await;
    let e = admin
        .put::<_, ()>(
            &format!("v1/staff/orgs/{}", tree.branch_a),
            &serde_json::json!({"parent_id": deeper}),
        )
        .await
        .expect_err("under its own sub-org");
    assert_eq!((e.status, e.body.error), (400, ErrorCode::InvalidMove));
    let e = admin
        .put::<_, ()>(
            &format!("v1/staff/orgs/{}", tree.province),
            &serde_json::json!({"parent_id": tree.city_a}),
        )
        .await
        .expect_err("the root");
    assert_eq!(e.body.error, ErrorCode::InvalidMove);
    let e = admin
        .put::<_, ()>(
            &format!("v1/staff/orgs/{}", tree.city_b),
            &serde_json::json!({"name": "甲市分行工会"}),
        )
        .await
        .expect_err("a sibling's name");
    assert_eq!((e.status, e.body.error), (409, ErrorCode::NameTaken));

    // City B's accounts are unknown to city A's administrator, whatever the action.
    let e = city
        .put::<_, ()>(
            &format!("v1/staff/users/{sibling}"),
            &serde_json::json!({"display_name": "改名"}),
        )
        .await
        .expect_err("sibling");
    assert_eq!(e.status, 404);
    let e = city
        .post::<_, TemporaryPassword>(
            &format!("v1/staff/users/{sibling}/password"),
            &PasswordReset::default(),
        )
        .await
        .expect_err("sibling");
    assert_eq!(e.status, 404);
    let e = publisher
        .post::<_, TemporaryPassword>(
            &format!("v1/staff/users/{below}/password"),
            &PasswordReset::default(),
        )
        .await
        .expect_err("publisher");
    assert_eq!(e.body.error, ErrorCode::RoleRequired);

    // Below it: edited, roles changed, reset to a temporary password the account must change
    // before anything else.
    let branch_session = server.login("branch_a_user", PASSWORD).await;
    let () = city
        .put(
            &format!("v1/staff/users/{below}"),
            &serde_json::json!({"display_name": "城东干事"}),
        )
        .await
        .expect("edited");
    let () = city
        .put(
            &format!("v1/staff/users/{below}/roles"),
            &serde_json::json!({"roles": ["publisher", "viewer"]}),
        )
        .await
        .expect("roles");
    let temporary: TemporaryPassword = city
        .post(
            &format!("v1/staff/users/{below}/password"),
            &PasswordReset::default(),
        )
        .await
        .expect("reset");
    let temporary = temporary.temporary_password;
    assert!(temporary.len() >= 10, "{temporary}");
    let e = branch_session
        .get::<StaffInfo>("v1/staff/me")
        .await
        .expect_err("sessions ended");
    assert_eq!(e.status, 401);
    let fresh = server.login("branch_a_user", &temporary).await;
    let me: StaffInfo = fresh.get("v1/staff/me").await.expect("its own account");
    assert_eq!(me.display_name, "城东干事");
    let e = fresh
        .get::<serde_json::Value>("v1/staff/content")
        .await
        .expect_err("must change first");
    assert_eq!(
        (e.status, e.body.error),
        (403, ErrorCode::PasswordChangeRequired)
    );
    let () = fresh
        .post(
            "v1/staff/me/password",
            &PasswordChange {
                current_password: temporary.clone(),
                new_password: "my-own-long-password".into(),
            },
        )
        .await
        .expect("changed");
    let _: serde_json::Value = fresh
        .get("v1/staff/content")
        .await
        .expect("a publisher now");

    // The console refuses the same, by role and by subtree.
    let mut c = Console::new(&server);
    c.login("publisher_a", PASSWORD).await;
    let page = c.get(&format!("/console/orgs/{}", tree.branch_a)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let mut c = Console::new(&server);
    c.login("city_a", PASSWORD).await;
    let page = c.get(&format!("/console/orgs/{}", tree.branch_b)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    c.get(&format!("/console/orgs/{}", tree.branch_a)).await;
    let a = c
        .post(
            &format!("/console/orgs/{}/rename", tree.branch_b),
            &[("name", "改名")],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{a:?}");
    let a = c
        .post(&format!("/console/users/{sibling}/password"), &[])
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{a:?}");
    // A reset in the console shows the temporary password once, in no address.
    c.get(&format!("/console/users/{below}")).await;
    let a = c
        .post(&format!("/console/users/{below}/password"), &[])
        .await;
    assert_eq!(a.status, StatusCode::OK, "{a:?}");
    assert!(
        a.body.contains("临时密码") && a.body.contains("<code>"),
        "{}",
        a.body
    );
    let shown = a.body.split("<code>").nth(1).expect("shown");
    let shown = &shown[..shown.find("</code>").expect("closed")];
    let mut theirs = Console::new(&server);
    theirs.login("branch_a_user", shown).await;
    let first = theirs.get("/console/").await;
    assert!(
        first
            .location
            .as_deref()
            .is_some_and(|l| l.starts_with("/console/account?err=")),
        "a temporary password leads to changing it: {first:?}"
    );

    let log = admin_log(&server).await;
    let actions: Vec<&str> = log.iter().map(|(a, _)| a.as_str()).collect();
    assert!(
        actions.ends_with(&[
            "user_edited",
            "roles_changed",
            "password_reset",
            "password_reset"
        ]),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|(a, d)| a == "roles_changed" && d.ends_with("→ publisher,viewer")),
        "{log:?}"
    );
    assert!(
        !log.iter().any(|(_, d)| d.contains(&temporary)),
        "no password in the log"
    );
}
