//! Roles within an org (issue 17): each role is refused what it may not do and allowed what it
//! may, on the staff API and in the console; an administrator gives roles only within their own
//! and never changes their own; and an account with no role is refused on every staff route
//! (the routes are read out of the router's source, so a new one cannot be left out of the walk).

use protocol::ErrorCode;
use protocol::staff::{ContentRecord, Role, RolesChange, StaffAccount, StaffInfo};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tests::console::Console;
use tests::{PASSWORD, Refused, Staff, TestServer, news, write};

/// Refused for lack of a role, the message naming the one needed.
fn role_refusal(r: Result<serde_json::Value, Refused>, needed: &str, what: &str) {
    let e = r.expect_err(what);
    assert_eq!(e.status, 403, "{what}: {e:?}");
    assert_eq!(e.body.error, ErrorCode::RoleRequired, "{what}: {e:?}");
    assert!(
        e.body.message.contains(needed),
        "{what}: {}",
        e.body.message
    );
}

/// A console page refused for lack of a role: a 403 page in the user's language, in the frame.
fn denied_page(a: &tests::console::Answer, needed: &str) {
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{a:?}");
    assert!(
        a.body.contains("没有权限") && a.body.contains(needed),
        "{}",
        a.body
    );
    assert!(
        a.body.contains("nav class=\"side\""),
        "inside the console's frame"
    );
}

async fn console_as(server: &TestServer, name: &str) -> Console {
    let mut c = Console::new(server);
    let a = c.login(name, PASSWORD).await;
    assert_eq!(a.location.as_deref(), Some("/console/"), "{name} signs in");
    c
}

#[tokio::test]
async fn each_role_is_refused_what_it_may_not_do_and_allowed_what_it_may() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let city = tree.city_a;
    let publisher = server
        .user(&tree.admin, "pub_a", city, &[Role::Publisher])
        .await;
    let handler = server
        .user(&tree.admin, "case_a", city, &[Role::CaseHandler])
        .await;
    let viewer = server
        .user(&tree.admin, "view_a", city, &[Role::Viewer])
        .await;
    let city_admin = server
        .user(&tree.admin, "admin_a", city, &[Role::Admin, Role::Viewer])
        .await;
    let me: StaffInfo = viewer.get("v1/staff/me").await.expect("me");
    assert_eq!(me.roles, vec![Role::Viewer], "the roles are reported");
    let new_user = |name: &str| json!({"username": name, "password": PASSWORD, "org_id": city});

    // Publisher: publishes; cannot see submissions nor manage accounts.
    let article: ContentRecord = publisher
        .post("v1/staff/content", &write(city, news("发布员的通知")))
        .await
        .expect("a publisher publishes");
    let id = article.item.id.0.clone();
    role_refusal(
        publisher.get("v1/staff/submissions").await,
        "事项办理",
        "publisher: submissions",
    );
    role_refusal(
        publisher.post("v1/staff/users", &new_user("by_pub")).await,
        "管理员",
        "publisher: create a user",
    );

    // Case handler: reads the inbox; cannot publish or unpublish.
    let _: serde_json::Value = handler
        .get("v1/staff/submissions")
        .await
        .expect("a case handler reads the inbox");
    role_refusal(
        handler
            .post("v1/staff/content", &write(city, news("不该发出")))
            .await,
        "内容发布",
        "case handler: publish",
    );
    role_refusal(
        handler
            .post(&format!("v1/staff/content/{id}/unpublish"), &json!({}))
            .await,
        "内容发布",
        "case handler: unpublish",
    );
    role_refusal(
        handler.post("v1/staff/users", &new_user("by_case")).await,
        "管理员",
        "case handler: create a user",
    );

    // Viewer: reads content and the fleet; changes nothing.
    let _: ContentRecord = viewer
        .get(&format!("v1/staff/content/{id}"))
        .await
        .expect("a viewer reads content");
    let _: serde_json::Value = viewer.get("v1/staff/kiosks").await.expect("and the fleet");
    role_refusal(
        viewer
            .put(
                &format!("v1/staff/content/{id}"),
                &write(city, news("改掉")),
            )
            .await,
        "内容发布",
        "viewer: edit",
    );
    role_refusal(
        viewer
            .post("v1/staff/enrollment-tokens", &json!({"org_id": city}))
            .await,
        "管理员",
        "viewer: enroll a kiosk",
    );
    role_refusal(
        viewer
            .post(
                "v1/staff/submissions/x/status",
                &json!({"status": "approved"}),
            )
            .await,
        "事项办理",
        "viewer: answer a case",
    );
    role_refusal(
        viewer.post("v1/staff/users", &new_user("by_viewer")).await,
        "管理员",
        "viewer: create a user",
    );
    let still: ContentRecord = tree
        .admin
        .get(&format!("v1/staff/content/{id}"))
        .await
        .expect("still there");
    assert!(still.live, "nothing the refused calls asked for happened");

    // An administrator manages accounts of their subtree, granting only what they hold.
    let accounts: Vec<StaffAccount> = city_admin.get("v1/staff/users").await.expect("users");
    let of = |name: &str| {
        accounts
            .iter()
            .find(|a| a.info.username == name)
            .unwrap_or_else(|| panic!("{name} listed"))
            .info
            .clone()
    };
    assert_eq!(of("case_a").roles, vec![Role::CaseHandler]);
    let made: StaffInfo = city_admin
        .post("v1/staff/users", &new_user("by_admin"))
        .await
        .expect("an administrator creates a user");
    assert_eq!(
        made.roles,
        vec![Role::Admin, Role::Viewer],
        "no roles named: the creator's own"
    );
    let roles = |r: &[Role]| RolesChange { roles: r.to_vec() };
    let e = city_admin
        .post::<_, serde_json::Value>(
            "v1/staff/users",
            &json!({"username": "by_admin2", "password": PASSWORD, "org_id": city, "roles": ["publisher"]}),
        )
        .await
        .expect_err("a role the creator lacks");
    assert_eq!(e.body.error, ErrorCode::RoleNotGrantable, "{e:?}");
    let viewer_id = of("view_a").id;
    let e = city_admin
        .put::<_, serde_json::Value>(
            &format!("v1/staff/users/{viewer_id}/roles"),
            &roles(&[Role::Viewer, Role::Publisher]),
        )
        .await
        .expect_err("granting a role one lacks");
    assert_eq!(e.body.error, ErrorCode::RoleNotGrantable, "{e:?}");
    let own = of("admin_a").id;
    let e = city_admin
        .put::<_, serde_json::Value>(&format!("v1/staff/users/{own}/roles"), &roles(&[]))
        .await
        .expect_err("one's own roles");
    assert_eq!(e.body.error, ErrorCode::RoleNotGrantable, "{e:?}");
    let province_admin: StaffInfo = tree.admin.get("v1/staff/me").await.expect("me");
    let e = city_admin
        .put::<_, serde_json::Value>(
            &format!("v1/staff/users/{}/roles", province_admin.id),
            &roles(&[Role::Viewer]),
        )
        .await
        .expect_err("above the city");
    assert_eq!(e.status, 404, "out of the subtree reads as unknown");
    // The province's administrator makes the viewer a publisher: their next request may publish.
    let _: serde_json::Value = tree
        .admin
        .put(
            &format!("v1/staff/users/{viewer_id}/roles"),
            &roles(&[Role::Publisher]),
        )
        .await
        .expect("roles set");
    let _: ContentRecord = viewer
        .post("v1/staff/content", &write(city, news("新发布员的通知")))
        .await
        .expect("the new role applies at once");
}

#[tokio::test]
async fn the_console_offers_each_role_only_its_pages_and_refuses_the_rest_calmly() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let city = tree.city_a;
    server
        .user(&tree.admin, "pub_a", city, &[Role::Publisher])
        .await;
    server
        .user(&tree.admin, "case_a", city, &[Role::CaseHandler])
        .await;
    server
        .user(&tree.admin, "view_a", city, &[Role::Viewer])
        .await;
    let nobody = server.user(&tree.admin, "none_a", city, &[]).await;
    let article: ContentRecord = tree
        .admin
        .post("v1/staff/content", &write(city, news("甲市通知")))
        .await
        .expect("published");
    let id = article.item.id.0.clone();
    let link = |href: &str| format!("href=\"{href}\"");

    // Publisher: the news page, no inbox nor accounts in the navigation, and both refused.
    let mut c = console_as(&server, "pub_a").await;
    let page = c.get("/console/news").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains(&link("/console/submissions")),
        "inbox not offered"
    );
    assert!(
        !page.body.contains(&link("/console/orgs")),
        "accounts not offered"
    );
    denied_page(&c.get("/console/submissions").await, "事项办理");
    denied_page(
        &c.post(
            "/console/users",
            &[
                ("username", "x_by_pub"),
                ("display_name", "x"),
                ("password", PASSWORD),
                ("org", &city.0.to_string()),
            ],
        )
        .await,
        "管理员",
    );

    // Case handler: the inbox, and the dashboard's charts of cases; publishing is neither
    // offered nor allowed.
    let mut c = console_as(&server, "case_a").await;
    let home = c.get("/console/").await;
    assert!(
        home.body.contains("最近 8 周没有收到办理事项"),
        "weekly cases charted"
    );
    assert!(
        home.body.contains("没有超期未办结的事项"),
        "overdue cases charted"
    );
    let page = c.get("/console/submissions").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains(&link("/console/news")),
        "news not offered"
    );
    denied_page(&c.get("/console/news").await, "内容发布");
    denied_page(
        &c.post(&format!("/console/content/{id}/unpublish"), &[])
            .await,
        "内容发布",
    );

    // Viewer: the dashboard and the fleet, without its enrollment form; in English too.
    let mut c = console_as(&server, "view_a").await;
    let home = c.get("/console/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        !home.body.contains("最近 8 周") && !home.body.contains("超期未办结"),
        "no chart of cases for a viewer"
    );
    let fleet = c.get("/console/kiosks").await;
    assert_eq!(fleet.status, StatusCode::OK);
    assert!(
        !fleet.body.contains("/console/kiosks/token"),
        "enrolling not offered"
    );
    denied_page(
        &c.post("/console/kiosks/token", &[("org", &city.0.to_string())])
            .await,
        "管理员",
    );
    c.get("/console/lang/en").await;
    let en = c.get("/console/orgs").await;
    assert_eq!(en.status, StatusCode::FORBIDDEN);
    assert!(
        en.body.contains("Not allowed") && en.body.contains("needs the Administrator role"),
        "{}",
        en.body
    );
    let still: ContentRecord = tree
        .admin
        .get(&format!("v1/staff/content/{id}"))
        .await
        .expect("still there");
    assert!(still.live, "the refused unpublish did nothing");

    // No role at all: the dashboard says so; one's own account still opens.
    let mut c = console_as(&server, "none_a").await;
    let home = c.get("/console/").await;
    assert_eq!(home.status, StatusCode::FORBIDDEN);
    assert!(home.body.contains("还没有任何角色"), "{}", home.body);
    assert_eq!(c.get("/console/account").await.status, StatusCode::OK);

    // An administrator ticks roles in the users table.
    let mut c = console_as(&server, tests::ADMIN).await;
    let users = c.get("/console/orgs").await;
    let none_id = nobody_id(&tree.admin).await;
    let action = format!("/console/users/{none_id}/roles");
    assert!(users.body.contains(&action), "a roles form per user");
    let a = c
        .post(
            &action,
            &[("role_case_handler", "on"), ("role_viewer", "on")],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{a:?}");
    let me: StaffInfo = nobody.get("v1/staff/me").await.expect("me");
    assert_eq!(me.roles, vec![Role::CaseHandler, Role::Viewer]);
    let _: serde_json::Value = nobody
        .get("v1/staff/submissions")
        .await
        .expect("the new role opens the inbox");
}

async fn nobody_id(admin: &Staff) -> i64 {
    let users: Vec<StaffAccount> = admin.get("v1/staff/users").await.expect("users");
    users
        .into_iter()
        .find(|u| u.info.username == "none_a")
        .expect("listed")
        .info
        .id
}

/// The routers' source: the walk below reads the routes out of it, so a route added later is
/// walked too, without anyone remembering to list it.
const API_SOURCE: &str = include_str!("../../../sync-server/src/api.rs");
const CONSOLE_SOURCE: &str = include_str!("../../../sync-server/src/console/mod.rs");

/// Every `.route("<path>", get(..).post(..))` in `source` whose path starts with `prefix`, as
/// (method, path) pairs; routes named by a constant are not seen (the caller adds those).
fn routes_in(source: &str, prefix: &str) -> Vec<(Method, String)> {
    let mut out = Vec::new();
    for chunk in source.split(".route(").skip(1) {
        let chunk = chunk.split(';').next().unwrap_or_default();
        let Some((before, rest)) = chunk.split_once('"') else {
            continue;
        };
        let Some((path, handlers)) = rest.split_once('"') else {
            continue;
        };
        if !before.trim().is_empty() || !path.starts_with(prefix) {
            continue;
        }
        for (name, method) in [
            ("get(", Method::GET),
            ("post(", Method::POST),
            ("put(", Method::PUT),
            ("delete(", Method::DELETE),
        ] {
            let called = handlers.match_indices(name).any(|(at, _)| {
                !handlers[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            });
            if called {
                out.push((method, path.to_owned()));
            }
        }
    }
    out
}

/// A path with each `{param}` filled in (the role check comes before the path is read).
fn filled(path: &str) -> String {
    path.split('/')
        .map(|seg| if seg.starts_with('{') { "1" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn an_account_without_roles_is_refused_on_every_staff_route() {
    let server = TestServer::start().await;
    let province = server.init().await;
    let admin = server.login(tests::ADMIN, PASSWORD).await;
    let nobody = server.user(&admin, "none_p", province, &[]).await;

    // The staff API: every route but the account's own answers 403 role_required.
    let own = [
        "/v1/staff/login",
        "/v1/staff/logout",
        "/v1/staff/me",
        "/v1/staff/me/password",
    ];
    let api = routes_in(API_SOURCE, "/v1/staff/");
    assert!(api.len() > 25, "the routes were read: {api:?}");
    for (method, path) in api.iter().filter(|(_, p)| !own.contains(&p.as_str())) {
        let url = nobody.url(filled(path).trim_start_matches('/'));
        let resp = nobody
            .authed(nobody.http.request(method.clone(), url))
            .json(&json!({}))
            .send()
            .await
            .expect("answers");
        let status = resp.status();
        let body: protocol::ApiErrorBody = resp.json().await.expect("a JSON error");
        assert_eq!(
            (status, body.error),
            (StatusCode::FORBIDDEN, ErrorCode::RoleRequired),
            "{method} {path}"
        );
    }
    let me: StaffInfo = nobody
        .get("v1/staff/me")
        .await
        .expect("one's own account opens");
    assert!(me.roles.is_empty());

    // The console: every page and action but signing in and out, the language switch, the
    // stylesheet and script, and one's own account, answers the 403 page.
    let open = [
        "/console",
        "/console/login",
        "/console/logout",
        "/console/lang/{lang}",
        "/console/static/app.css",
        "/console/static/app.js",
        "/console/static/editor.js",
        "/console/account",
    ];
    let mut console = routes_in(CONSOLE_SOURCE, "/console");
    assert!(console.len() > 30, "the routes were read: {console:?}");
    // Routed by a constant (`audit::HERE`, `hours::HERE`).
    console.extend([
        (Method::GET, "/console/audit".to_owned()),
        (Method::GET, "/console/hours".to_owned()),
        (Method::POST, "/console/hours".to_owned()),
    ]);
    let mut c = console_as(&server, "none_p").await;
    let csrf = c.csrf.clone();
    for (method, path) in console.iter().filter(|(_, p)| !open.contains(&p.as_str())) {
        let resp = c
            .http
            .request(method.clone(), c.base.join(&filled(path)).expect("url"))
            .form(&[("_csrf", csrf.as_str())])
            .send()
            .await
            .expect("answers");
        let status = resp.status();
        let body = resp.text().await.expect("a page");
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
        assert!(body.contains("没有权限"), "{method} {path}: {body}");
    }
    assert_eq!(c.get("/console/account").await.status, StatusCode::OK);
}
