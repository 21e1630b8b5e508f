//! Employees' personal data on the server: the CSV export cannot carry a formula into Excel,
//! the data dir and database are owner-only, every staff read of answers is audited (and only
//! the top org reads the audit log), and answers are erased after the retention period.

use protocol::ErrorCode;
use protocol::staff::{AuditAction, AuditEntry, NewStaff, Org, StaffInfo};
use protocol::submission::FormAnswers;
use protocol::workflow::{Status, StatusChange, SubmissionDetail};
use reqwest::StatusCode;
use sync_server::workflow::retention::{self, Run};
use tests::TestServer;
use tests::console::Console;

/// A kiosk at the demo's branch, and one membership application from it whose name is `name`,
/// delivered. Returns the submission id.
async fn one_application(admin: &tests::Staff, branch: protocol::OrgId, name: &str) -> String {
    let (kiosk, _dir) = tests::kiosk_core(admin, branch).await;
    let (form, _) = tests::membership_form(&kiosk).await;
    let answers = tests::membership_answers(name, "13800001234");
    let saved = kiosk
        .submit(form.id.clone(), form.version, FormAnswers { answers })
        .await
        .expect("saved");
    assert_eq!(kiosk.sync_now().await.expect("delivered").delivered, 1);
    saved.id
}

async fn export(staff: &tests::Staff) -> (u16, String) {
    let resp = staff
        .authed(
            staff
                .http
                .get(staff.url("/v1/staff/submissions/export.csv")),
        )
        .send()
        .await
        .expect("export answers");
    let status = resp.status().as_u16();
    (status, resp.text().await.expect("body"))
}

#[tokio::test]
async fn the_csv_export_carries_no_formula_into_excel() {
    let (_server, admin, loaded) = TestServer::demo().await;
    let formula = "=HYPERLINK(\"x\")";
    one_application(&admin, loaded.branch, formula).await;
    let (status, csv) = export(&admin).await;
    assert_eq!(status, 200);
    assert!(
        csv.contains("'=HYPERLINK("),
        "the formula is text in Excel: {csv}"
    );
    assert!(
        !csv.lines().any(|line| line
            .split(',')
            .any(|cell| cell.trim_start_matches('"').starts_with('='))),
        "no cell starts with '=': {csv}"
    );
}

#[tokio::test]
async fn the_data_dir_and_the_database_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    // A data dir the server creates itself (the test's temp dir is made 0700 by tempfile).
    // SQLite only: the database files checked are SQLite's, in the data dir.
    let server = TestServer::start_on_sqlite_with(|c| {
        c.data_dir = c.data_dir.take().map(|d| d.join("data"))
    })
    .await;
    server.init().await;
    let dir = server
        .state
        .config
        .data_dir
        .clone()
        .expect("the test sets a data dir");
    let mode = |p: &std::path::Path| {
        std::fs::metadata(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&dir), 0o700, "the data dir");
    for file in ["server.db", "server.db-wal", "server.db-shm"] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
}

#[tokio::test]
async fn every_read_of_answers_is_audited_and_only_the_top_org_reads_the_log() {
    let (server, admin, loaded) = TestServer::demo().await;
    let id = one_application(&admin, loaded.branch, "李明").await;
    let detail: SubmissionDetail = admin
        .get(&format!("v1/staff/submissions/{id}"))
        .await
        .expect("detail");
    let receipt = detail.summary.receipt.clone();
    assert_eq!(export(&admin).await.0, 200);
    let mut c = Console::new(&server);
    c.login(sync_server::demo::ADMIN, sync_server::demo::PASSWORD)
        .await;
    assert_eq!(
        c.get(&format!("/console/submissions/{id}")).await.status,
        StatusCode::OK
    );

    let log: Vec<AuditEntry> = admin
        .get("v1/staff/audit")
        .await
        .expect("the top org reads it");
    let actions: Vec<AuditAction> = log.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [AuditAction::View, AuditAction::Export, AuditAction::View],
        "newest first: {log:?}"
    );
    for entry in &log {
        assert_eq!(entry.receipts, std::slice::from_ref(&receipt), "{entry:?}");
        assert!(
            entry.staff_name.contains(sync_server::demo::ADMIN),
            "{entry:?}"
        );
        assert!(entry.staff_id.is_some());
    }
    let page = c.get("/console/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&receipt) && page.body.contains("导出"));

    // Staff below the top org: refused, on the API and in the console.
    let orgs: Vec<Org> = admin.get("v1/staff/orgs").await.expect("orgs");
    let city = orgs.iter().find(|o| o.depth == 1).expect("a city");
    let _: StaffInfo = admin
        .post(
            "v1/staff/users",
            &NewStaff {
                username: "city_clerk".into(),
                password: "city-clerk-password".into(),
                display_name: "市工会干事".into(),
                org_id: city.id,
                roles: None,
            },
        )
        .await
        .expect("user");
    let clerk = server.login("city_clerk", "city-clerk-password").await;
    let refused = clerk
        .get::<Vec<AuditEntry>>("v1/staff/audit")
        .await
        .expect_err("not the top org");
    assert_eq!(
        (refused.status, refused.body.error),
        (403, ErrorCode::TopOrgOnly)
    );
    let mut c = Console::new(&server);
    c.login("city_clerk", "city-clerk-password").await;
    let home = c.get("/console/").await;
    assert!(!home.body.contains("/console/audit"), "no link to it");
    assert_eq!(c.get("/console/audit").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn answers_are_erased_after_the_retention_period_and_the_case_stays() {
    let (server, admin, loaded) =
        TestServer::demo_with(|c| c.retention.answers_days_after_closed = 30).await;
    let id = one_application(&admin, loaded.branch, "王芳").await;
    let day = 86_400_000;
    let now = jiff::Timestamp::now().as_millisecond();
    let due = |at: i64, run: Run| {
        let state = server.state.clone();
        async move {
            retention::run(&state, at, run)
                .await
                .expect("retention runs")
                .receipts
        }
    };
    assert!(
        due(now + 400 * day, Run::DryRun).await.is_empty(),
        "an open case keeps its answers"
    );
    let reply = "已受理，请到支行工会领取会员证。";
    let approved: SubmissionDetail = admin
        .post(
            &format!("v1/staff/submissions/{id}/status"),
            &StatusChange {
                status: Status::Approved,
                reply: Some(reply.into()),
            },
        )
        .await
        .expect("approved");
    let receipt = approved.summary.receipt.clone();
    assert!(due(now + 29 * day, Run::DryRun).await.is_empty(), "not yet");
    assert_eq!(
        due(now + 31 * day, Run::DryRun).await,
        std::slice::from_ref(&receipt)
    );
    let still: SubmissionDetail = admin
        .get(&format!("v1/staff/submissions/{id}"))
        .await
        .expect("detail");
    assert!(
        still.answers.iter().any(|a| a.value == "王芳"),
        "a dry run erases nothing"
    );

    assert_eq!(
        due(now + 31 * day, Run::Erase).await,
        std::slice::from_ref(&receipt)
    );
    let erased: SubmissionDetail = admin
        .get(&format!("v1/staff/submissions/{id}"))
        .await
        .expect("the case is still there");
    assert!(erased.answers.is_empty(), "{:?}", erased.answers);
    assert_eq!(erased.summary.status, Status::Approved);
    assert_eq!(erased.reply.as_deref(), Some(reply));
    assert_eq!(erased.history.len(), 1, "the history stays");
    assert!(!export(&admin).await.1.contains("王芳"));
    let log: Vec<AuditEntry> = admin.get("v1/staff/audit").await.expect("log");
    assert!(
        log.iter().any(|e| e.action == AuditAction::Erase
            && e.staff_id.is_none()
            && e.receipts == [receipt.clone()]),
        "{log:?}"
    );
    assert!(due(now + 31 * day, Run::Erase).await.is_empty(), "once");
}
