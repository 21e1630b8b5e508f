//! Bad input gets the right 4xx with a JSON body, and nothing is stored half-way.

use protocol::staff::ContentRecord;
use tests::{ADMIN, PASSWORD, TestServer, news};

async fn raw(req: reqwest::RequestBuilder) -> (u16, protocol::ApiErrorBody) {
    let resp = req.send().await.expect("reaches server");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    let body =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("JSON error body ({e}): {text:?}"));
    (status, body)
}

#[tokio::test]
async fn malformed_requests_get_json_errors() {
    let server = TestServer::start_with(|c| c.staff.max_json_bytes = 64 * 1024).await;
    let tree = server.org_tree().await;
    let s = &tree.admin;
    let content = s.url("v1/staff/content");

    let cases = [
        (
            s.authed(
                s.http
                    .post(content.clone())
                    .header("content-type", "application/json")
                    .body("{\"org_id\": "),
            ),
            400,
            "malformed_json",
        ),
        (
            s.authed(
                s.http
                    .post(content.clone())
                    .header("content-type", "application/json")
                    .body("{\"org_id\": 1}"),
            ),
            422,
            "invalid_json_fields",
        ),
        (
            s.authed(s.http.post(content.clone()).body("hello")),
            415,
            "expected_json",
        ),
        (
            s.authed(
                s.http
                    .post(content.clone())
                    .header("content-type", "application/json")
                    .body(format!("{{\"pad\": \"{}\"}}", "x".repeat(100_000))),
            ),
            413,
            "payload_too_large",
        ),
        (
            s.http.post(content.clone()).json(&serde_json::json!({})),
            401,
            "missing_credentials",
        ),
        (
            s.http.get(content.clone()).bearer_auth("forged"),
            401,
            "invalid_session",
        ),
        (
            s.authed(s.http.get(s.url("v1/nothing-here"))),
            404,
            "no_such_endpoint",
        ),
        (
            s.authed(s.http.delete(s.url("v1/staff/orgs"))),
            405,
            "method_not_allowed",
        ),
        (
            s.authed(s.http.get(s.url("v1/staff/content?kind=poetry"))),
            400,
            "invalid_query",
        ),
        (
            s.authed(s.http.get(s.url("v1/staff/content/nope"))),
            404,
            "not_found",
        ),
    ];
    for (i, (req, status, code)) in cases.into_iter().enumerate() {
        let (got, body) = raw(req).await;
        assert_eq!(
            (got, body.error.as_str()),
            (status, code),
            "case {i}: {}",
            body.message
        );
    }

    let wrong = s
        .http
        .post(s.url("v1/staff/login"))
        .json(&serde_json::json!({"username": ADMIN, "password": "wrong password"}));
    assert_eq!(raw(wrong).await.0, 401);
    let nobody = s
        .http
        .post(s.url("v1/staff/login"))
        .json(&serde_json::json!({"username": "nobody", "password": PASSWORD}));
    let (status, body) = raw(nobody).await;
    assert_eq!((status, body.error.as_str()), (401, "invalid_credentials"));
}

#[tokio::test]
async fn invalid_content_is_refused_and_not_stored() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let err = tree
        .admin
        .publish(tree.province, news("  "))
        .await
        .expect_err("empty title");
    assert_eq!(
        (err.status, err.body.error.as_str()),
        (422, "invalid_content")
    );
    assert!(err.body.message.contains("title"), "{}", err.body.message);

    let item = tree
        .admin
        .publish(tree.province, news("正常"))
        .await
        .expect("ok");
    let slide: protocol::ContentBody = serde_json::from_value(serde_json::json!({
        "kind": "home_layout", "tiles": [{"title": "新闻", "action": {"type": "library"}}]
    }))
    .expect("layout");
    let mismatch = tree
        .admin
        .put::<_, ContentRecord>(
            &format!("v1/staff/content/{}", item.item.id),
            &tests::write(tree.province, slide),
        )
        .await
        .expect_err("kind change");
    assert_eq!(
        (mismatch.status, mismatch.body.error.as_str()),
        (409, "kind_mismatch")
    );

    let mut bad_schedule = tests::write(tree.province, news("排期错误"));
    let now = jiff::Timestamp::now();
    bad_schedule.publish_at = Some(now);
    bad_schedule.expire_at = Some(now - jiff::SignedDuration::from_secs(60));
    let err = tree
        .admin
        .post::<_, ContentRecord>("v1/staff/content", &bad_schedule)
        .await
        .expect_err("expire before publish");
    assert_eq!(err.body.error, protocol::ErrorCode::InvalidSchedule);

    let listed: Vec<ContentRecord> = tree.admin.get("v1/staff/content").await.expect("list");
    assert_eq!(listed.len(), 1, "only the valid item was stored");
    assert_eq!(listed[0].item.version, 1, "the refused edit left no trace");

    let err = server
        .client()
        .changes(None, None)
        .await
        .expect_err("no credentials");
    assert_eq!(err.code(), Some(protocol::ErrorCode::MissingCredentials));
}

#[tokio::test]
async fn a_bad_cursor_is_a_400() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let s = &tree.admin;
    // The kiosk client only sends well-formed cursors; send a bad one by hand with its token.
    let bearer = s.raw_kiosk_credentials(&server, tree.branch_a).await;
    let req = s
        .http
        .get(s.url("v1/changes?since=banana"))
        .header("authorization", bearer);
    let (status, body) = raw(req).await;
    assert_eq!((status, body.error.as_str()), (400, "invalid_cursor"));
}
