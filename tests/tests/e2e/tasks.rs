//! Tasks down the hierarchy (issue 17, part 6), in the console: the province sends a task with
//! a due date to the cities; each city's staff see it, acknowledge it and mark it done; the
//! province sees which city has not; nobody answers for another org or reads another's tasks.

use protocol::OrgId;
use protocol::staff::{NewStaff, Role, StaffInfo};
use reqwest::StatusCode;
use tests::console::Console;
use tests::{ADMIN, PASSWORD, Staff, TestServer};

async fn add_user(admin: &Staff, username: &str, org: OrgId, roles: &[Role]) {
    let _: StaffInfo = admin
        .post(
            "v1/staff/users",
            &NewStaff {
                username: username.to_owned(),
                password: PASSWORD.to_owned(),
                display_name: format!("{username}干事"),
                org_id: org,
                roles: Some(roles.to_vec()),
            },
        )
        .await
        .expect("user created");
}

async fn console_as(server: &TestServer, username: &str) -> Console {
    let mut c = Console::new(server);
    let signed = c.login(username, PASSWORD).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{signed:?}");
    c.get("/console/tasks").await;
    c
}

#[tokio::test]
async fn a_task_sent_down_is_acknowledged_and_done_and_the_sender_sees_who_has_not() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    add_user(&tree.admin, "city_b_viewer", tree.city_b, &[Role::Viewer]).await;
    add_user(
        &tree.admin,
        "branch_a_viewer",
        tree.branch_a,
        &[Role::Viewer],
    )
    .await;

    // The province sends a task to the cities.
    let mut province = console_as(&server, ADMIN).await;
    let sent = province
        .post(
            "/console/tasks",
            &[
                ("org", &tree.province.0.to_string()),
                ("kind", "task"),
                ("title", "周五前报送冬季送温暖名单"),
                ("body", "请各市报送本市困难职工名单。"),
                ("due", "2026-12-04"),
            ],
        )
        .await;
    let at = sent.location.clone().expect("to the task's page");
    assert!(at.starts_with("/console/tasks/"), "{sent:?}");
    let id: i64 = at
        .trim_start_matches("/console/tasks/")
        .split('?')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("task id");
    let page = province.get(&format!("/console/tasks/{id}")).await;
    assert!(page.body.contains("2026-12-04 23:59"), "due in China time");
    assert_eq!(page.body.matches("未确认").count(), 2, "{}", page.body);

    // City A acknowledges and marks it done; city B only acknowledges.
    let mut city_a = console_as(&server, "city_a").await;
    let list = city_a.get("/console/tasks").await;
    assert!(list.body.contains("周五前报送冬季送温暖名单"));
    let a = city_a.post(&format!("/console/tasks/{id}/ack"), &[]).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{a:?}");
    let a = city_a.post(&format!("/console/tasks/{id}/done"), &[]).await;
    assert!(a.location.is_some_and(|l| l.contains("ok=")));
    let mut city_b = console_as(&server, "city_b_viewer").await;
    assert!(city_b.get("/console/tasks").await.body.contains("确认收到"));
    let a = city_b.post(&format!("/console/tasks/{id}/ack"), &[]).await;
    assert!(a.location.is_some_and(|l| l.contains("ok=")));

    // The sender sees who has not finished.
    let page = province.get(&format!("/console/tasks/{id}")).await;
    assert!(page.body.contains("已完成"), "{}", page.body);
    assert!(page.body.contains("已确认，未完成"));
    assert!(!page.body.contains("未确认"));
    let waiting = page.body.find("p class=\"waiting\"").expect("the count");
    assert!(
        page.body[waiting..].contains("<strong>1</strong> / 2"),
        "{}",
        page.body
    );

    // Refused: a viewer sends nothing; a branch answers only its own org's tasks; a city reads
    // only what its subtree sent, and sends only from it.
    let mut viewer = console_as(&server, "branch_a_viewer").await;
    let a = viewer
        .post(
            "/console/tasks",
            &[
                ("org", &tree.branch_a.0.to_string()),
                ("kind", "task"),
                ("title", "越权"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{a:?}");
    assert!(
        !viewer
            .get("/console/tasks")
            .await
            .body
            .contains("冬季送温暖")
    );
    let a = viewer.post(&format!("/console/tasks/{id}/ack"), &[]).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{a:?}");
    let a = city_a.get(&format!("/console/tasks/{id}")).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{a:?}");
    let a = city_a
        .post(
            "/console/tasks",
            &[
                ("org", &tree.province.0.to_string()),
                ("kind", "notice"),
                ("title", "越权"),
            ],
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{a:?}");
}
