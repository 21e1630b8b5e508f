//! Submission identity and receipts: an id and a receipt are one pair; receipt prefixes and
//! codes give nothing away; old-format receipts still in outboxes are accepted; a receipt is
//! locked after a few wrong status checks whichever kiosk asks; and what the server decides about
//! forms out of scope, deleted forms, clocks running ahead and answers to hidden fields.

use kiosk::admin;
use kiosk::net::ServerClient;
use kiosk::store::{Enrollment, Store};
use protocol::submission::{FormAnswers, SubmissionUpload, receipt};
use protocol::workflow::StatusQuery;
use protocol::{ContentBody, ContentId, ErrorCode, OrgId};
use tests::{TestServer, Tree};

fn form() -> ContentBody {
    serde_json::from_value(serde_json::json!({
        "kind": "form", "title": "困难帮扶申请",
        "fields": [
            {"key": "name", "label": "姓名", "type": "text", "required": true},
            {"key": "phone", "label": "手机号码", "type": "phone", "required": true},
            {"key": "agree", "label": "需要上门", "type": "consent"},
            {"key": "address", "label": "住址", "type": "text",
             "visible_if": {"field": "agree", "equals": "true"}}
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

/// A kiosk's store and a client with its credentials.
struct Booth {
    store: Store,
    client: ServerClient,
    enrolled: Enrollment,
    _dir: tempfile::TempDir,
}

async fn booth(tree: &Tree, org: OrgId) -> Booth {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::open(dir.path()).expect("store");
    let created = tree.admin.enrollment_token(org).await;
    let enrolled = admin::enroll(&mut store, &created.enrollment_string, "")
        .await
        .expect("enrolls");
    let client = ServerClient::new(enrolled.server.clone(), enrolled.fingerprint)
        .expect("client")
        .with_credentials(&enrolled.kiosk_id, &enrolled.secret);
    Booth {
        store,
        client,
        enrolled,
        _dir: dir,
    }
}

impl Booth {
    fn pending(&mut self, form: &ContentId, answers: &FormAnswers) -> SubmissionUpload {
        let saved = self.store.enqueue(form, 1, answers).expect("saved");
        self.store
            .all_pending()
            .expect("pending")
            .into_iter()
            .find(|p| p.upload.id == saved.id)
            .expect("in the outbox")
            .upload
    }
}

async fn stored(server: &TestServer) -> Vec<(String, String, i64, i64, String)> {
    server
        .state
        .db
        .read(|tx| {
            let rows = tx
                .prepare(
                    "SELECT id, receipt, submitted_at, received_at, answers
                     FROM submissions ORDER BY received_at",
                )?
                .query_map([], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
        .expect("read submissions")
}

fn index(prefix: &str) -> u64 {
    prefix.bytes().fold(0, |n, b| {
        n * 31
            + receipt::ALPHABET
                .iter()
                .position(|&a| a == b)
                .expect("alphabet") as u64
    })
}

#[tokio::test]
async fn receipt_prefixes_are_drawn_at_random_not_counted() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let mut prefixes = Vec::new();
    for _ in 0..4 {
        prefixes.push(booth(&tree, tree.branch_a).await.enrolled.receipt_prefix);
    }
    let indexes: Vec<u64> = prefixes.iter().map(|p| index(p)).collect();
    assert!(
        indexes.windows(2).any(|w| w[1] != w[0] + 1),
        "prefixes {prefixes:?} count the fleet"
    );
    let mut unique = prefixes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), prefixes.len(), "{prefixes:?}");
}

#[tokio::test]
async fn an_id_and_a_receipt_are_one_pair() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let form = tree
        .admin
        .publish(tree.province, form())
        .await
        .expect("form");
    let mut b = booth(&tree, tree.branch_a).await;
    let first = b.pending(&form.item.id, &answers("甲"));
    let second = b.pending(&form.item.id, &answers("乙"));
    let stored_first = b.client.submit(&first).await.expect("stored");
    assert!(!stored_first.duplicate);
    assert!(b.client.submit(&first).await.expect("a resend").duplicate);

    let new_id = SubmissionUpload {
        id: uuid::Uuid::new_v4().to_string(),
        ..first.clone()
    };
    let err = b
        .client
        .submit(&new_id)
        .await
        .expect_err("a new id, an old receipt");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(409));
    assert_eq!(err.code(), Some(ErrorCode::SubmissionConflict));
    let other_receipt = SubmissionUpload {
        receipt: second.receipt.clone(),
        ..first.clone()
    };
    let err = b
        .client
        .submit(&other_receipt)
        .await
        .expect_err("an old id, a new receipt");
    assert_eq!(err.code(), Some(ErrorCode::SubmissionConflict));
    let rows = stored(&server).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str()),
        (first.id.as_str(), first.receipt.as_str())
    );
    assert!(
        !b.client
            .submit(&second)
            .await
            .expect("its own pair")
            .duplicate
    );
}

#[tokio::test]
async fn receipts_from_before_the_check_character_are_still_accepted() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let form = tree
        .admin
        .publish(tree.province, form())
        .await
        .expect("form");
    let mut b = booth(&tree, tree.branch_a).await;
    let upload = b.pending(&form.item.id, &answers("甲"));
    let old = SubmissionUpload {
        receipt: format!("{}-222B", b.enrolled.receipt_prefix),
        ..upload
    };
    let stored = b.client.submit(&old).await.expect("an old receipt is kept");
    assert_eq!(stored.receipt, old.receipt);
    let found = b
        .client
        .status_check(&StatusQuery {
            receipt: old.receipt.to_lowercase().replace('-', ""),
            phone_last4: "5678".into(),
        })
        .await
        .expect("an old receipt can be checked");
    assert_eq!(found.receipt, old.receipt);
}

#[tokio::test]
async fn a_receipt_is_locked_after_a_few_wrong_tries_whichever_kiosk_asks() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let form = tree
        .admin
        .publish(tree.province, form())
        .await
        .expect("form");
    let mut b = booth(&tree, tree.branch_a).await;
    let upload = b.pending(&form.item.id, &answers("甲"));
    b.client.submit(&upload).await.expect("stored");
    let ask = |receipt: &str, last4: &str| StatusQuery {
        receipt: receipt.to_owned(),
        phone_last4: last4.to_owned(),
    };

    // A typo is caught by the check character, before any lookup or count.
    let mut typo = upload.receipt.clone().into_bytes();
    let at = typo.len() - 2;
    typo[at] = if typo[at] == b'2' { b'3' } else { b'2' };
    let typo = String::from_utf8(typo).expect("ascii");
    let err = b
        .client
        .status_check(&ask(&typo, "5678"))
        .await
        .expect_err("typo");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(err.code(), Some(ErrorCode::InvalidReceipt));

    // Five wrong tries spread over three kiosks (each well inside its own allowance)...
    let mut others = Vec::new();
    for _ in 0..3 {
        others.push(booth(&tree, tree.branch_b).await);
    }
    for (i, guess) in ["0000", "1111", "2222", "3333", "4444"].iter().enumerate() {
        let err = others[i % 3]
            .client
            .status_check(&ask(&upload.receipt, guess))
            .await
            .expect_err("wrong digits");
        assert_eq!(err.code(), Some(ErrorCode::NotFound));
    }
    // ...and the receipt is locked, for the right digits too, from a kiosk that never asked.
    let err = b
        .client
        .status_check(&ask(&upload.receipt, "5678"))
        .await
        .expect_err("locked");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(err.code(), Some(ErrorCode::TooManyChecks));
}

#[tokio::test]
async fn forms_out_of_scope_deleted_forms_clocks_ahead_and_hidden_answers() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let ours = tree
        .admin
        .publish(tree.province, form())
        .await
        .expect("form");
    let sibling = tree
        .admin
        .publish(tree.branch_b, form())
        .await
        .expect("form");
    let mut b = booth(&tree, tree.branch_a).await;

    // A sibling branch's form reads as unknown, as it does on this kiosk's screens.
    let upload = b.pending(&ours.item.id, &answers("甲"));
    let elsewhere = SubmissionUpload {
        form_id: sibling.item.id.clone(),
        ..upload.clone()
    };
    let err = b.client.submit(&elsewhere).await.expect_err("out of scope");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(422));
    assert_eq!(err.code(), Some(ErrorCode::UnknownFormVersion));
    assert!(stored(&server).await.is_empty(), "nothing half-stored");

    // A clock running ahead: stored as received, not in the future.
    let ahead = SubmissionUpload {
        submitted_at: jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 30),
        ..upload
    };
    b.client.submit(&ahead).await.expect("stored");
    let rows = stored(&server).await;
    assert!(
        rows[0].2 <= rows[0].3,
        "submitted_at {} after receipt {}",
        rows[0].2,
        rows[0].3
    );

    // Answers to a field the employee could not see are dropped, not stored.
    let mut hidden = answers("乙");
    hidden
        .answers
        .insert("agree".into(), serde_json::json!(false));
    hidden
        .answers
        .insert("address".into(), serde_json::json!("不该保存的地址"));
    let upload = b.pending(&ours.item.id, &hidden);
    b.client.submit(&upload).await.expect("stored");

    // A form deleted after the employee filled it in still takes the submission.
    let late = b.pending(&ours.item.id, &answers("丙"));
    tree.admin
        .delete(&format!("v1/staff/content/{}", ours.item.id))
        .await
        .expect("deleted");
    b.client.submit(&late).await.expect("filled in good faith");

    let rows = stored(&server).await;
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter().all(|r| !r.4.contains("不该保存的地址")),
        "{rows:?}"
    );
}
