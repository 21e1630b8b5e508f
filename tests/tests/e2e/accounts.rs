//! Staff sign-in and accounts: password guessing is limited on every door (counted before the
//! slow check, so parallel guesses do not slip through), sign-in bodies are small, and accounts
//! can be disabled, have their passwords changed or reset and their sessions ended, each only
//! within the actor's own subtree.

use protocol::staff::{NewStaff, PasswordChange, PasswordReset, StaffAccount, StaffInfo};
use protocol::{ApiErrorBody, ErrorCode};
use reqwest::StatusCode;
use tests::console::Console;
use tests::{ADMIN, PASSWORD, TestServer};

fn raw_client(server: &TestServer) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_backend_preconfigured(kiosk::net::pinned_tls_config(server.fingerprint))
        .build()
        .expect("client builds")
}

async fn api_login(
    http: &reqwest::Client,
    server: &TestServer,
    user: &str,
    password: &str,
) -> (StatusCode, String) {
    let resp = http
        .post(server.url.join("v1/staff/login").expect("url"))
        .json(&serde_json::json!({ "username": user, "password": password }))
        .send()
        .await
        .expect("the server answers");
    (resp.status(), resp.text().await.expect("body"))
}

#[tokio::test]
async fn api_sign_in_is_limited_even_when_guesses_arrive_together() {
    let server = TestServer::start().await;
    server.init().await;
    let http = raw_client(&server);
    let guesses = (0..20).map(|i| {
        let http = http.clone();
        let server = &server;
        async move { api_login(&http, server, ADMIN, &format!("guess-{i}")).await }
    });
    let answers = futures_util::future::join_all(guesses).await;
    let checked = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::UNAUTHORIZED)
        .count();
    assert!(
        checked <= 5,
        "at most five guesses were checked: {answers:?}"
    );
    for (status, body) in answers
        .iter()
        .filter(|(s, _)| *s != StatusCode::UNAUTHORIZED)
    {
        assert_eq!(*status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        let body: ApiErrorBody = serde_json::from_str(body).expect("the JSON error body");
        assert_eq!(body.error, ErrorCode::TooManyLogins);
        assert!(body.message.contains("分钟后再试"), "{}", body.message);
    }
    let (status, _) = api_login(&http, &server, ADMIN, PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits out the window"
    );
}

#[tokio::test]
async fn the_console_and_the_api_share_one_limit() {
    let server = TestServer::start().await;
    server.init().await;
    let http = raw_client(&server);
    for i in 0..5 {
        let (status, _) = api_login(&http, &server, ADMIN, &format!("guess-{i}")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let mut c = Console::new(&server);
    let blocked = c.login(ADMIN, PASSWORD).await;
    let location = blocked.location.expect("back to the login page");
    assert!(location.starts_with("/console/login?err="), "{location}");
    assert_eq!(c.get("/console/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sign_in_bodies_are_small() {
    let server = TestServer::start().await;
    server.init().await;
    let http = raw_client(&server);
    let (status, body) = api_login(&http, &server, ADMIN, &"x".repeat(100_000)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let body: ApiErrorBody = serde_json::from_str(&body).expect("the JSON error body");
    assert_eq!(body.error, ErrorCode::PayloadTooLarge);

    let mut c = Console::new(&server);
    c.get("/console/login").await;
    let big = "y".repeat(100_000);
    let a = c
        .post("/console/login", &[("username", ADMIN), ("password", &big)])
        .await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE, "{a:?}");
}

async fn add_user(admin: &tests::Staff, username: &str, org: protocol::OrgId) -> i64 {
    let created: StaffInfo = admin
        .post(
            "v1/staff/users",
            &NewStaff {
                username: username.to_owned(),
                password: PASSWORD.to_owned(),
                display_name: username.to_owned(),
                org_id: org,
                roles: None,
            },
        )
        .await
        .expect("user created");
    created.id
}

/// `GET /v1/staff/me` with this session: its status.
async fn me(staff: &tests::Staff) -> u16 {
    match staff.get::<StaffInfo>("v1/staff/me").await {
        Ok(_) => 200,
        Err(refused) => {
            assert_eq!(refused.body.error, ErrorCode::InvalidSession);
            refused.status
        }
    }
}

fn reset(password: &str) -> PasswordReset {
    PasswordReset {
        new_password: Some(password.to_owned()),
    }
}

#[tokio::test]
async fn a_city_admin_manages_accounts_in_its_subtree_and_nowhere_else() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let city = &tree.city_staff;
    let sibling = add_user(&tree.admin, "city_b_user", tree.city_b).await;
    let below = add_user(&tree.admin, "branch_a_user", tree.branch_a).await;
    let sibling_session = server.login("city_b_user", PASSWORD).await;

    // A sibling city's account: not found, whatever the action, and nothing changes.
    for path in [
        format!("v1/staff/users/{sibling}/disable"),
        format!("v1/staff/users/{sibling}/enable"),
    ] {
        let refused = city
            .post::<_, ()>(&path, &serde_json::json!({}))
            .await
            .expect_err("not theirs");
        assert_eq!(refused.status, 404, "{path}");
    }
    let refused = city
        .post::<_, ()>(
            &format!("v1/staff/users/{sibling}/password"),
            &reset("taken-over-password"),
        )
        .await
        .expect_err("not theirs");
    assert_eq!(refused.status, 404);
    let refused = city
        .delete(&format!("v1/staff/users/{sibling}/sessions"))
        .await
        .expect_err("not theirs");
    assert_eq!(refused.status, 404);
    assert_eq!(me(&sibling_session).await, 200, "the sibling is untouched");
    server.login("city_b_user", PASSWORD).await;

    // Not one's own account.
    let own = city
        .post::<_, ()>(
            &format!("v1/staff/users/{}/disable", me_id(city).await),
            &serde_json::json!({}),
        )
        .await
        .expect_err("not oneself");
    assert_eq!((own.status, own.body.error), (409, ErrorCode::OwnAccount));

    // Below it: disabled, the session ends, signing in is refused (but a wrong password
    // still reads as a wrong password); enabled again, it signs in.
    let below_session = server.login("branch_a_user", PASSWORD).await;
    city.post::<_, ()>(
        &format!("v1/staff/users/{below}/disable"),
        &serde_json::json!({}),
    )
    .await
    .expect("disabled");
    assert_eq!(me(&below_session).await, 401);
    let http = raw_client(&server);
    let (status, body) = api_login(&http, &server, "branch_a_user", PASSWORD).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body.contains("account_disabled") && body.contains("已停用"),
        "{body}"
    );
    let (status, _) = api_login(&http, &server, "branch_a_user", "not-the-password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let listed: Vec<StaffAccount> = city.get("v1/staff/users").await.expect("users");
    assert!(listed.iter().any(|u| u.info.id == below && u.disabled));
    assert!(
        listed.iter().all(|u| u.info.id != sibling),
        "a sibling's accounts are not listed"
    );
    city.post::<_, ()>(
        &format!("v1/staff/users/{below}/enable"),
        &serde_json::json!({}),
    )
    .await
    .expect("enabled");
    let below_session = server.login("branch_a_user", PASSWORD).await;

    // A reset ends the sessions and the old password.
    let temporary: protocol::staff::TemporaryPassword = city
        .post(
            &format!("v1/staff/users/{below}/password"),
            &reset("a-brand-new-password"),
        )
        .await
        .expect("reset");
    assert_eq!(temporary.temporary_password, "a-brand-new-password");
    assert_eq!(me(&below_session).await, 401);
    let (status, _) = api_login(&http, &server, "branch_a_user", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let below_session = server.login("branch_a_user", "a-brand-new-password").await;

    // Ending the sessions.
    city.delete(&format!("v1/staff/users/{below}/sessions"))
        .await
        .expect("ended");
    assert_eq!(me(&below_session).await, 401);
}

async fn me_id(staff: &tests::Staff) -> i64 {
    staff
        .get::<StaffInfo>("v1/staff/me")
        .await
        .expect("signed in")
        .id
}

#[tokio::test]
async fn changing_ones_own_password_needs_the_current_one_and_ends_other_sessions() {
    let server = TestServer::start().await;
    server.init().await;
    let here = server.login(ADMIN, PASSWORD).await;
    let elsewhere = server.login(ADMIN, PASSWORD).await;
    let wrong = here
        .post::<_, ()>(
            "v1/staff/me/password",
            &PasswordChange {
                current_password: "not-my-password".into(),
                new_password: "my-new-long-password".into(),
            },
        )
        .await
        .expect_err("the current password is wrong");
    assert_eq!(
        (wrong.status, wrong.body.error),
        (403, ErrorCode::WrongPassword)
    );
    let weak = here
        .post::<_, ()>(
            "v1/staff/me/password",
            &PasswordChange {
                current_password: PASSWORD.into(),
                new_password: "short".into(),
            },
        )
        .await
        .expect_err("too short");
    assert_eq!(weak.body.error, ErrorCode::WeakPassword);
    here.post::<_, ()>(
        "v1/staff/me/password",
        &PasswordChange {
            current_password: PASSWORD.into(),
            new_password: "my-new-long-password".into(),
        },
    )
    .await
    .expect("changed");
    assert_eq!(me(&here).await, 200, "the session that changed it stays");
    assert_eq!(me(&elsewhere).await, 401, "other sessions end");
    server.login(ADMIN, "my-new-long-password").await;
}

/// Moves every session's last use `minutes` into the past: the clock, as the sessions see it.
async fn idle_for(server: &TestServer, minutes: i64) {
    server
        .state
        .db
        .write(move |tx| {
            tx.execute(
                "UPDATE staff_sessions SET last_used_at = last_used_at - ?1",
                [minutes * 60_000],
            )?;
            Ok(())
        })
        .await
        .expect("sessions aged");
}

#[tokio::test]
async fn a_session_ends_when_idle_and_use_keeps_it_alive() {
    let server = TestServer::start_with(|c| c.staff.session_idle_minutes = 30).await;
    server.init().await;
    let staff = server.login(ADMIN, PASSWORD).await;
    idle_for(&server, 29).await;
    assert_eq!(me(&staff).await, 200, "used within the idle time");
    idle_for(&server, 29).await;
    assert_eq!(
        me(&staff).await,
        200,
        "the last use restarted the idle clock"
    );
    idle_for(&server, 31).await;
    assert_eq!(me(&staff).await, 401, "idle for longer than allowed");
}

#[tokio::test]
async fn the_console_manages_accounts_within_its_subtree_only() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let sibling = add_user(&tree.admin, "city_b_user", tree.city_b).await;
    let below = add_user(&tree.admin, "branch_a_user", tree.branch_a).await;
    let mut c = Console::new(&server);
    c.login("city_a", PASSWORD).await;
    let page = c.get("/console/orgs").await;
    assert!(
        page.body
            .contains(&format!("/console/users/{below}/disable"))
    );
    let own = me_id(&tree.city_staff).await;
    assert!(
        !page.body.contains(&format!("/console/users/{own}/disable")),
        "no button to disable oneself"
    );

    let a = c
        .post(&format!("/console/users/{sibling}/disable"), &[])
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{a:?}");
    let a = c
        .post(
            &format!("/console/users/{sibling}/password"),
            &[("new_password", "taken-over-password")],
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{a:?}");
    server.login("city_b_user", PASSWORD).await;

    let a = c
        .post(&format!("/console/users/{below}/disable"), &[])
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{a:?}");
    assert!(c.get("/console/orgs").await.body.contains("已停用"));
    let mut theirs = Console::new(&server);
    let refused = theirs.login("branch_a_user", PASSWORD).await;
    assert!(
        refused.location.is_some_and(|l| l.contains("err=")),
        "a disabled account cannot sign in to the console"
    );

    // One's own password, on the account page.
    c.get("/console/account").await;
    let a = c
        .post(
            "/console/account",
            &[
                ("current_password", "wrong"),
                ("new_password", "new-long-password"),
            ],
        )
        .await;
    assert!(a.location.is_some_and(|l| l.contains("err=")));
    let a = c
        .post(
            "/console/account",
            &[
                ("current_password", PASSWORD),
                ("new_password", "new-long-password"),
            ],
        )
        .await;
    assert!(a.location.is_some_and(|l| l.contains("ok=")), "changed");
    assert_eq!(
        c.get("/console/").await.status,
        StatusCode::OK,
        "still signed in"
    );
}
