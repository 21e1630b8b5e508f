//! Kiosk enrollment: happy path, reused, expired, unknown, wrong pin, revoked.

use kiosk::net::{ClientError, ServerClient};
use protocol::enroll::EnrollRequest;
use protocol::{EnrollmentString, Fingerprint};
use tests::TestServer;

fn request(token: &str) -> EnrollRequest {
    EnrollRequest {
        token: token.to_owned(),
        name: "一楼大厅".to_owned(),
        version: "0.1.0".to_owned(),
    }
}

#[tokio::test]
async fn enrollment_string_enrolls_exactly_once() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let created = tree.admin.enrollment_token(tree.branch_a).await;
    let parsed: EnrollmentString = created.enrollment_string.parse().expect("valid string");
    assert_eq!(parsed.fingerprint, server.fingerprint);
    assert_eq!(parsed.server, server.url);

    let client = ServerClient::new(parsed.server.clone(), parsed.fingerprint).expect("client");
    let creds = client
        .enroll(&request(&parsed.token))
        .await
        .expect("first use enrolls");
    assert_eq!(creds.org.id, tree.branch_a);
    assert_eq!(
        creds.org.path,
        ["测试省分行工会", "甲市分行工会", "甲市城东支行"]
    );

    let kiosk = client
        .clone()
        .with_credentials(&creds.kiosk_id, &creds.secret);
    let me = kiosk.me().await.expect("credentials work");
    assert_eq!(me.kiosk_id, creds.kiosk_id);
    assert_eq!(me.name, "一楼大厅");

    let again = client
        .enroll(&request(&parsed.token))
        .await
        .expect_err("token is spent");
    assert_eq!(again.status().map(|s| s.as_u16()), Some(410));
    assert_eq!(again.code(), Some(protocol::ErrorCode::EnrollmentTokenUsed));

    let unknown = client
        .enroll(&request("made-up-token"))
        .await
        .expect_err("unknown token");
    assert_eq!(unknown.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(
        unknown.code(),
        Some(protocol::ErrorCode::EnrollmentTokenUnknown)
    );
}

#[tokio::test]
async fn expired_token_is_refused() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let created = tree.admin.enrollment_token(tree.branch_a).await;
    let parsed: EnrollmentString = created.enrollment_string.parse().expect("valid string");
    // Arrange an expired token without waiting a minute: move its expiry into the past.
    server
        .state
        .db
        .write(|tx| {
            tx.execute("UPDATE enrollment_tokens SET expires_at = 0", [])?;
            Ok(())
        })
        .await
        .expect("expire token");
    let err = server
        .client()
        .enroll(&request(&parsed.token))
        .await
        .expect_err("expired");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(410));
    assert_eq!(
        err.code(),
        Some(protocol::ErrorCode::EnrollmentTokenExpired)
    );
    assert!(!err.to_string().is_empty());
}

#[tokio::test]
async fn wrong_fingerprint_is_refused_before_anything_is_sent() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let created = tree.admin.enrollment_token(tree.branch_a).await;
    let parsed: EnrollmentString = created.enrollment_string.parse().expect("valid string");
    let impostor_pin = Fingerprint([0x42; 32]);
    let client = ServerClient::new(parsed.server.clone(), impostor_pin).expect("client");
    let err = client
        .enroll(&request(&parsed.token))
        .await
        .expect_err("pin mismatch");
    assert!(matches!(err, ClientError::PinMismatch), "{err:?}");
    // The token was never presented, so the real server still accepts it.
    server
        .client()
        .enroll(&request(&parsed.token))
        .await
        .expect("token still good");
}

#[tokio::test]
async fn revoked_kiosk_is_refused_everywhere() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let kiosk = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let me = kiosk.me().await.expect("works before revoke");
    kiosk
        .changes(None, None)
        .await
        .expect("feed works before revoke");

    let _: () = tree
        .admin
        .post(&format!("v1/staff/kiosks/{}/revoke", me.kiosk_id), &())
        .await
        .expect("revoked");
    for err in [
        kiosk.me().await.expect_err("me refused"),
        kiosk.changes(None, None).await.expect_err("feed refused"),
    ] {
        assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
        assert_eq!(err.code(), Some(protocol::ErrorCode::KioskRevoked));
    }
    let events = kiosk.events().await.err().expect("events refused");
    assert_eq!(events.code(), Some(protocol::ErrorCode::KioskRevoked));
}

#[tokio::test]
async fn a_wrong_secret_is_refused() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let kiosk = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let me = kiosk.me().await.expect("works");
    let forged = server
        .client()
        .with_credentials(&me.kiosk_id, "not-the-secret");
    let err = forged.changes(None, None).await.expect_err("forged secret");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(
        err.code(),
        Some(protocol::ErrorCode::InvalidKioskCredentials)
    );
}
