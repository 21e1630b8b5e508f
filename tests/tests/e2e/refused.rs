//! Submissions the server refuses for good leave the retry loop and are kept where branch IT
//! sees them; a kiosk with submissions waiting cannot be enrolled again over them.

use kiosk::admin::{self, EnrollError};
use kiosk::store::{Store, StoreError};
use kiosk::sync::{Engine, SyncConfig};
use protocol::ContentBody;
use protocol::submission::FormAnswers;
use std::sync::{Arc, Mutex};
use tests::TestServer;

fn form() -> ContentBody {
    serde_json::from_value(serde_json::json!({
        "kind": "form", "title": "金点子",
        "fields": [{"key": "idea", "label": "建议", "type": "text", "required": true}]
    }))
    .expect("form body")
}

fn idea(text: &str) -> FormAnswers {
    FormAnswers {
        answers: [("idea".to_owned(), serde_json::json!(text))].into(),
    }
}

#[tokio::test]
async fn a_submission_refused_for_good_is_kept_out_of_the_retry_loop_and_shown() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let form = tree
        .admin
        .publish(tree.province, form())
        .await
        .expect("form");
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::open(dir.path()).expect("store");
    let created = tree.admin.enrollment_token(tree.branch_a).await;
    admin::enroll(&mut store, &created.enrollment_string, "")
        .await
        .expect("enrolls");
    let store = Arc::new(Mutex::new(store));
    let engine = Engine::new(store.clone(), SyncConfig::default()).expect("engine");

    let good = engine
        .submit(
            form.item.id.clone(),
            form.item.version,
            idea("食堂延长开放时间"),
        )
        .await
        .expect("saved");
    let bad = engine
        .submit(
            form.item.id.clone(),
            form.item.version + 7,
            idea("无此版本"),
        )
        .await
        .expect("saved");

    let first = engine.sync_now().await.expect("sync");
    assert_eq!((first.delivered, first.refused), (1, 1));
    let again = engine.sync_now().await.expect("sync");
    assert_eq!(
        (again.delivered, again.refused, again.undelivered),
        (0, 0, 0),
        "the refused one is not sent again"
    );

    let (depth, refused) = {
        let s = store.lock().expect("lock");
        (
            s.outbox_depth().expect("depth"),
            s.refused_submissions().expect("refused"),
        )
    };
    assert_eq!(depth, 0, "nothing waits");
    assert_eq!(refused.len(), 1, "the refused one is kept");
    assert_eq!(refused[0].receipt, bad.receipt);
    assert_eq!(refused[0].code, "unknown_form_version");
    assert_ne!(refused[0].receipt, good.receipt);

    let checks = admin::doctor(&store).await;
    assert!(
        checks
            .iter()
            .any(|c| !c.ok && c.message.contains(&bad.receipt)),
        "{checks:#?}"
    );
}

#[tokio::test]
async fn enrolling_again_over_waiting_submissions_is_refused_before_the_token_is_spent() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let form = tree
        .admin
        .publish(tree.province, form())
        .await
        .expect("form");
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::open(dir.path()).expect("store");
    let first = tree.admin.enrollment_token(tree.branch_a).await;
    admin::enroll(&mut store, &first.enrollment_string, "")
        .await
        .expect("enrolls");
    let store = Arc::new(Mutex::new(store));
    let engine = Engine::new(store.clone(), SyncConfig::default()).expect("engine");
    engine
        .submit(form.item.id.clone(), form.item.version, idea("等待发送"))
        .await
        .expect("saved");

    drop(engine);
    let mut store = Arc::into_inner(store)
        .expect("the engine is gone")
        .into_inner()
        .expect("lock");
    let second = tree.admin.enrollment_token(tree.branch_b).await;
    let err = admin::enroll(&mut store, &second.enrollment_string, "")
        .await
        .expect_err("a waiting submission holds enrollment up");
    assert!(
        matches!(err, EnrollError::Store(StoreError::OutboxNotEmpty(1))),
        "{err}"
    );
    assert!(err.to_string().contains("kiosk sync --once"), "{err}");

    // The token was not spent: another kiosk can use it.
    let other = tempfile::tempdir().expect("dir");
    let mut other_store = Store::open(other.path()).expect("store");
    admin::enroll(&mut other_store, &second.enrollment_string, "")
        .await
        .expect("the token still works");
}
