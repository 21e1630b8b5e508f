//! A form's whole life: filled in while the server is down, delivered exactly once when it is
//! back, answered by staff through the API, and checked on at another kiosk with the receipt
//! code and the phone's last four digits — while codes cannot be probed, and a sibling city's
//! staff never see it.

use kiosk::core::StatusCheck;
use protocol::staff::{KioskRecord, NewStaff, Org};
use protocol::submission::FormAnswers;
use protocol::workflow::{Health, Status, StatusChange, SubmissionDetail, SubmissionSummary};
use tests::TestServer;

#[tokio::test]
async fn submitted_offline_delivered_once_answered_and_checked_elsewhere() {
    let (server, admin, loaded) = TestServer::demo().await;
    let (here, _here_dir) = tests::kiosk_core(&admin, loaded.branch).await;
    let (there, _there_dir) = tests::kiosk_core(&admin, loaded.branch).await;

    let (form_item, _) = tests::membership_form(&here).await;
    let answers = tests::membership_answers("李明", "13800001234");

    // The server is down: the form is saved with its receipt all the same.
    let stopped = server.stop_keeping_data().await;
    let saved = here
        .submit(
            form_item.id.clone(),
            form_item.version,
            FormAnswers { answers },
        )
        .await
        .expect("saved offline");
    assert!(here.sync_now().await.is_err());
    assert!(!here.delivered(saved.id.clone()).await.expect("outbox"));

    // Back: delivered, once.
    let server = stopped.start().await;
    let summary = here.sync_now().await.expect("online again");
    assert_eq!(summary.delivered, 1);
    assert_eq!(here.sync_now().await.expect("again").delivered, 0);
    assert!(here.delivered(saved.id.clone()).await.expect("outbox"));
    let admin = server
        .login(sync_server::demo::ADMIN, sync_server::demo::PASSWORD)
        .await;
    let inbox: Vec<SubmissionSummary> = admin.get("/v1/staff/submissions").await.expect("inbox");
    assert_eq!(inbox.len(), 1, "stored exactly once");
    assert_eq!(inbox[0].receipt, saved.receipt);
    assert_eq!(inbox[0].status, Status::Received);
    let waiting: Vec<SubmissionSummary> = admin
        .get("/v1/staff/submissions?status=received")
        .await
        .expect("filtered");
    assert_eq!(waiting.len(), 1);

    // Not answered yet: the other kiosk says so.
    let early = there
        .check_status(saved.receipt.to_lowercase(), "1234".into())
        .await;
    assert!(
        matches!(&early, StatusCheck::Found(a) if a.status == Status::Received && a.reply.is_none()),
        "{early:?}"
    );

    // Staff take it up and answer.
    let path = format!("/v1/staff/submissions/{}/status", saved.id);
    let _: SubmissionDetail = admin
        .post(
            &path,
            &StatusChange {
                status: Status::Processing,
                reply: None,
            },
        )
        .await
        .expect("processing");
    let refused = admin
        .post::<_, SubmissionDetail>(
            &path,
            &StatusChange {
                status: Status::Replied,
                reply: None,
            },
        )
        .await
        .expect_err("a reply needs text");
    assert_eq!(refused.status, 400);
    let reply = "您的入会申请已收到，请于周五到支行工会领取会员证。";
    let detail: SubmissionDetail = admin
        .post(
            &path,
            &StatusChange {
                status: Status::Approved,
                reply: Some(reply.into()),
            },
        )
        .await
        .expect("approved");
    assert_eq!(detail.reply.as_deref(), Some(reply));
    assert_eq!(
        detail.history.len(),
        2,
        "every change is kept: {:?}",
        detail.history
    );
    assert_eq!(detail.history[1].from, Status::Processing);
    assert_eq!(detail.history[1].to, Status::Approved);
    assert!(
        detail
            .answers
            .iter()
            .any(|a| a.label == "姓名" && a.value == "李明")
    );
    assert!(
        detail
            .answers
            .iter()
            .any(|a| a.label == "性别" && a.value == "女")
    );

    let found = there
        .check_status(saved.receipt.clone(), "1234".into())
        .await;
    let StatusCheck::Found(answer) = found else {
        panic!("the other kiosk finds it: {found:?}")
    };
    assert_eq!(answer.status, Status::Approved);
    assert_eq!(answer.reply.as_deref(), Some(reply));
    assert_eq!(answer.form_title, "入会申请");

    // Wrong digits look exactly like an unknown code; and probing runs into the limit.
    assert_eq!(
        there
            .check_status(saved.receipt.clone(), "4321".into())
            .await,
        StatusCheck::NotFound
    );
    assert_eq!(
        there.check_status("ZZZ-ZZZZ".into(), "1234".into()).await,
        StatusCheck::NotFound
    );
    let raw = reqwest_probe(&server, &admin, loaded.branch, &saved.receipt).await;
    assert_eq!(
        raw.0, raw.1,
        "same status and body for a wrong pair and an unknown code"
    );
    let mut limited = false;
    for _ in 0..12 {
        if there
            .check_status(saved.receipt.clone(), "0000".into())
            .await
            == StatusCheck::TooMany
        {
            limited = true;
            break;
        }
    }
    assert!(limited, "a kiosk cannot ask without limit");

    // CSV for Excel.
    let csv = admin
        .authed(
            admin
                .http
                .get(admin.url("/v1/staff/submissions/export.csv")),
        )
        .send()
        .await
        .expect("export")
        .bytes()
        .await
        .expect("body");
    assert!(
        csv.starts_with(b"\xEF\xBB\xBF"),
        "a byte-order mark for Excel"
    );
    let text = String::from_utf8(csv[3..].to_vec()).expect("utf-8");
    assert!(text.contains(&saved.receipt) && text.contains("李明") && text.contains("已通过"));

    // A sibling city's staff see nothing of it.
    let orgs: Vec<Org> = admin.get("/v1/staff/orgs").await.expect("orgs");
    let qingshan = orgs
        .iter()
        .find(|o| o.name == "青山市分行工会")
        .expect("a sibling city");
    let _: serde_json::Value = admin
        .post(
            "/v1/staff/users",
            &NewStaff {
                username: "qingshan".into(),
                password: "qingshan-password-1".into(),
                display_name: "青山市工会".into(),
                org_id: qingshan.id,
                roles: None,
            },
        )
        .await
        .expect("user");
    let sibling = server.login("qingshan", "qingshan-password-1").await;
    let theirs: Vec<SubmissionSummary> = sibling.get("/v1/staff/submissions").await.expect("inbox");
    assert!(theirs.is_empty());
    let get = sibling
        .get::<SubmissionDetail>(&format!("/v1/staff/submissions/{}", saved.id))
        .await
        .expect_err("not theirs");
    assert_eq!(get.status, 404);
    let change = sibling
        .post::<_, SubmissionDetail>(
            &path,
            &StatusChange {
                status: Status::Rejected,
                reply: Some("x".into()),
            },
        )
        .await
        .expect_err("not theirs");
    assert_eq!(change.status, 404);
    let csv = sibling
        .authed(
            sibling
                .http
                .get(sibling.url("/v1/staff/submissions/export.csv")),
        )
        .send()
        .await
        .expect("export")
        .text()
        .await
        .expect("body");
    assert!(!csv.contains(&saved.receipt));

    // The kiosks' heartbeats make the fleet list true.
    let fleet: Vec<KioskRecord> = admin.get("/v1/staff/kiosks").await.expect("fleet");
    let me = fleet
        .iter()
        .find(|k| k.health == Health::Online)
        .expect("an online kiosk");
    let beat = me.heartbeat.as_ref().expect("a heartbeat");
    assert_eq!(beat.outbox_depth, 0);
    assert!(beat.cursor.is_some() && beat.last_sync_at.is_some());
    assert!(beat.free_disk_bytes.is_some_and(|b| b > 0));
}

/// The raw answers to a wrong pair and to an unknown code, from a fresh kiosk (so the limit
/// does not interfere): (status, body) each.
async fn reqwest_probe(
    server: &TestServer,
    staff: &tests::Staff,
    org: protocol::OrgId,
    receipt: &str,
) -> ((u16, String), (u16, String)) {
    let credentials = staff.raw_kiosk_credentials(server, org).await;
    let ask = |receipt: String, last4: &str| {
        let req = staff
            .http
            .post(staff.url("/v1/status-check"))
            .bearer_auth(&credentials)
            .json(&protocol::workflow::StatusQuery {
                receipt,
                phone_last4: last4.into(),
            });
        async move {
            let resp = req.send().await.expect("answer");
            (resp.status().as_u16(), resp.text().await.expect("body"))
        }
    };
    (
        ask(receipt.to_owned(), "4321").await,
        ask("ZZZ-ZZZZ".into(), "1234").await,
    )
}
