//! The event stream against a real database in a temporary directory.

use super::*;
use crate::config::Config;
use crate::orgs::{Actor, create_in};
use protocol::EnrollmentString;
use protocol::staff::NewEnrollmentToken;

/// A server state in `dir` with one org and a kiosk enrolled there, authenticated.
async fn enrolled_kiosk(dir: &std::path::Path) -> (AppState, kiosks::Kiosk) {
    let config = Config {
        listen: "127.0.0.1:0".parse().expect("an address"),
        data_dir: Some(dir.to_path_buf()),
        ..Config::default()
    };
    let (state, _, _) =
        AppState::open(config, "127.0.0.1:1".parse().expect("an address")).expect("state opens");
    let org = state
        .db
        .write(|tx| create_in(tx, None, "测试省分行工会"))
        .await
        .expect("root org");
    let token = kiosks::create_token(
        &state,
        Actor::Operator,
        NewEnrollmentToken {
            org_id: org.id,
            valid_minutes: None,
        },
    )
    .await
    .expect("token");
    let parsed: EnrollmentString = token.enrollment_string.parse().expect("parses");
    let creds = kiosks::enroll(
        &state,
        EnrollRequest {
            token: parsed.token,
            name: String::new(),
            version: String::new(),
        },
    )
    .await
    .expect("enrolls");
    let kiosk = kiosks::authenticate(&state, &format!("{}.{}", creds.kiosk_id, creds.secret))
        .await
        .expect("authenticates");
    (state, kiosk)
}

#[tokio::test]
async fn a_revoke_between_authentication_and_subscription_still_ends_the_stream() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (state, kiosk) = enrolled_kiosk(dir.path()).await;
    // The revoke lands after the stream's authentication, before it subscribes: nobody hears
    // the hub's wake.
    kiosks::revoke(&state, Actor::Operator, kiosk.id.clone())
        .await
        .expect("revoked");
    let asks = super::Query(super::EventsQuery { commands: 1 });
    let sse = events(State(state), KioskAuth(kiosk), asks)
        .await
        .expect("authenticated before the revoke");
    let body = tokio::time::timeout(
        Duration::from_secs(20),
        axum::body::to_bytes(sse.into_response().into_body(), usize::MAX),
    )
    .await
    .expect("the stream ends instead of staying open")
    .expect("the body reads");
    let text = String::from_utf8(body.to_vec()).expect("UTF-8");
    assert!(text.starts_with("event: reset"), "{text}");
}
