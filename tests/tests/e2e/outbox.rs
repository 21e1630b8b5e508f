//! Submissions go from the kiosk's outbox to the server exactly once, whatever the network or
//! the kiosk process does in between.

use kiosk::admin;
use kiosk::store::Store;
use kiosk::sync::{Engine, SyncConfig};
use protocol::submission::{FormAnswers, SubmissionUpload};
use protocol::{ContentBody, ContentId, EnrollmentString};
use std::path::Path;
use std::sync::{Arc, Mutex};
use tests::TestServer;
use tests::proxy::{Fault, Proxy};

fn membership_form() -> ContentBody {
    serde_json::from_value(serde_json::json!({
        "kind": "form", "title": "入会申请",
        "fields": [
            {"key": "name", "label": "姓名", "type": "text", "required": true},
            {"key": "phone", "label": "手机号码", "type": "phone", "required": true}
        ]
    }))
    .expect("form body")
}

fn answers(name: &str) -> FormAnswers {
    FormAnswers {
        answers: [
            ("name".to_owned(), serde_json::json!(name)),
            ("phone".to_owned(), serde_json::json!("13912345678")),
        ]
        .into(),
    }
}

async fn stored_receipts(server: &TestServer) -> Vec<(String, String, Option<String>)> {
    server
        .state
        .db
        .read(|tx| {
            let rows = tx
                .prepare("SELECT receipt, answers, phone_last4 FROM submissions ORDER BY receipt")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
        .expect("read submissions")
}

/// Enrolls a kiosk whose traffic goes through `proxy`.
async fn kiosk_behind(
    proxy: &Proxy,
    staff: &tests::Staff,
    org: protocol::OrgId,
    dir: &Path,
) -> Engine {
    let created = staff.enrollment_token(org).await;
    let mut via: EnrollmentString = created.enrollment_string.parse().expect("valid");
    via.server = proxy.url.clone();
    let mut store = Store::open(dir).expect("store");
    admin::enroll(&mut store, &via.to_string(), "")
        .await
        .expect("enrolls via proxy");
    Engine::new(Arc::new(Mutex::new(store)), SyncConfig::default()).expect("engine")
}

#[tokio::test]
async fn lost_requests_and_lost_responses_still_store_each_submission_once() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let form = tree
        .admin
        .publish(tree.province, membership_form())
        .await
        .expect("form");
    let proxy = Proxy::start(&server).await;
    let dir = tempfile::tempdir().expect("dir");
    let engine = kiosk_behind(&proxy, &tree.admin, tree.branch_a, dir.path()).await;

    // The request is lost before the server sees it.
    proxy.set(Fault::DropRequest);
    let saved = engine
        .submit(form.item.id.clone(), 1, answers("张三"))
        .await
        .expect("saved");
    assert!(
        protocol::submission::receipt::parse(&saved.receipt).as_ref() == Ok(&saved.receipt)
            && saved.receipt.len() == protocol::submission::receipt::LEN + 2,
        "{}",
        saved.receipt
    );
    let err = engine.sync_now().await.expect_err("network fault");
    assert!(!err.is_refused(), "{err}");
    assert!(stored_receipts(&server).await.is_empty());

    // The server stores it, but the answer is lost on the way back.
    proxy.set(Fault::DropResponse);
    engine.sync_now().await.expect_err("response lost");
    assert_eq!(
        stored_receipts(&server).await.len(),
        1,
        "stored once already"
    );

    // The network recovers: the resend is recognised, and the outbox empties.
    proxy.set(Fault::None);
    let summary = engine.sync_now().await.expect("delivered");
    assert_eq!(summary.delivered, 1);
    let stored = stored_receipts(&server).await;
    assert_eq!(stored.len(), 1, "exactly once");
    assert_eq!(stored[0].0, saved.receipt);
    assert!(stored[0].1.contains("张三"));
    assert_eq!(stored[0].2.as_deref(), Some("5678"));
    let again = engine.sync_now().await.expect("nothing left");
    assert_eq!(again.delivered, 0);

    // Nothing personal is on the kiosk's disk in plain text.
    for file in ["kiosk.db", "kiosk.db-wal"] {
        let path = dir.path().join(file);
        if let Ok(bytes) = std::fs::read(&path) {
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains("13912345678") && !text.contains("张三"),
                "{file} leaks personal data"
            );
        }
    }
}

#[tokio::test]
async fn a_kiosk_killed_between_save_and_send_delivers_after_restart() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let form = tree
        .admin
        .publish(tree.province, membership_form())
        .await
        .expect("form");
    let dir = tempfile::tempdir().expect("dir");
    let receipt = {
        let mut store = Store::open(dir.path()).expect("store");
        let created = tree.admin.enrollment_token(tree.branch_a).await;
        admin::enroll(&mut store, &created.enrollment_string, "")
            .await
            .expect("enrolls");
        // Saved durably, then the process dies before any delivery was attempted.
        let saved = store
            .enqueue(&form.item.id, 1, &answers("李四"))
            .expect("saved");
        saved.receipt
    };
    let store = Store::open(dir.path()).expect("the kiosk starts again");
    assert_eq!(store.outbox_depth().expect("depth"), 1);
    let engine = Engine::new(Arc::new(Mutex::new(store)), SyncConfig::default()).expect("engine");
    assert_eq!(engine.sync_once().await.expect("sync").delivered, 1);
    let stored = stored_receipts(&server).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].0, receipt);
}

#[tokio::test]
async fn receipts_are_unique_and_a_changed_resend_is_a_conflict() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let form = tree
        .admin
        .publish(tree.province, membership_form())
        .await
        .expect("form");
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::open(dir.path()).expect("store");
    let created = tree.admin.enrollment_token(tree.branch_a).await;
    let enrolled = admin::enroll(&mut store, &created.enrollment_string, "")
        .await
        .expect("enrolls");
    let a = store
        .enqueue(&form.item.id, 1, &answers("甲"))
        .expect("saved");
    let b = store
        .enqueue(&form.item.id, 1, &answers("乙"))
        .expect("saved");
    assert_ne!(a.receipt, b.receipt);
    assert!(a.receipt.starts_with(&enrolled.receipt_prefix));

    let pending = store.all_pending().expect("pending");
    let client = kiosk::net::ServerClient::new(enrolled.server.clone(), enrolled.fingerprint)
        .expect("client")
        .with_credentials(&enrolled.kiosk_id, &enrolled.secret);
    let first = client.submit(&pending[0].upload).await.expect("stored");
    assert!(!first.duplicate);
    let resend = client
        .submit(&pending[0].upload)
        .await
        .expect("resend is fine");
    assert!(resend.duplicate);
    let changed = SubmissionUpload {
        sealed: pending[1].upload.sealed.clone(),
        ..pending[0].upload.clone()
    };
    let err = client.submit(&changed).await.expect_err("changed content");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(409));
    assert_eq!(err.code(), Some(protocol::ErrorCode::SubmissionConflict));

    let unknown_form = SubmissionUpload {
        form_id: ContentId("no-such-form".to_owned()),
        ..pending[1].upload.clone()
    };
    let err = client
        .submit(&unknown_form)
        .await
        .expect_err("unknown form");
    assert_eq!(err.code(), Some(protocol::ErrorCode::UnknownFormVersion));
    let forged = SubmissionUpload {
        receipt: "ZZZ-2222".to_owned(),
        ..pending[1].upload.clone()
    };
    let err = client
        .submit(&forged)
        .await
        .expect_err("another kiosk's receipt");
    assert_eq!(err.code(), Some(protocol::ErrorCode::InvalidReceipt));
    assert_eq!(stored_receipts(&server).await.len(), 1);
}
