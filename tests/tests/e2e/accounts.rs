//! Staff sign-in and accounts: password guessing is limited on every door (counted before the
//! slow check, so parallel guesses do not slip through), sign-in bodies are small, and accounts
//! can be disabled, have their passwords changed or reset and their sessions ended, each only
//! within the actor's own subtree.

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
