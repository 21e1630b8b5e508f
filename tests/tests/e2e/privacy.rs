//! Employees' personal data on the server: the CSV export cannot carry a formula into Excel,
//! the data dir and database are owner-only, every staff read of answers is audited (and only
//! the top org reads the audit log), and answers are erased after the retention period.

use protocol::submission::FormAnswers;
use tests::TestServer;

/// The demo loaded, a kiosk at its branch, and one membership application whose name is
/// `name`, delivered. Returns the admin's client and the submission id.
async fn one_application(server: &TestServer, name: &str) -> (tests::Staff, String) {
    let work = tempfile::tempdir().expect("dir");
    let loaded = sync_server::demo::load(
        &server.state,
        work.path(),
        20,
        &sync_server::import::catalog::Quiet,
    )
    .await
    .expect("demo loads");
    let admin = server
        .login(sync_server::demo::ADMIN, sync_server::demo::PASSWORD)
        .await;
    let (kiosk, _dir) = tests::kiosk_core(&admin, loaded.branch).await;
    let (form, _) = kiosk
        .forms()
        .await
        .expect("forms")
        .into_iter()
        .find(|(_, f)| f.title == "入会申请")
        .expect("the membership form");
    let answers = tests::membership_answers(name, "13800001234");
    let saved = kiosk
        .submit(form.id.clone(), form.version, FormAnswers { answers })
        .await
        .expect("saved");
    assert_eq!(kiosk.sync_now().await.expect("delivered").delivered, 1);
    (admin, saved.id)
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
    let server = TestServer::start().await;
    let formula = "=HYPERLINK(\"x\")";
    let (admin, _) = one_application(&server, formula).await;
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
    let server =
        TestServer::start_with(|c| c.data_dir = c.data_dir.take().map(|d| d.join("data"))).await;
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
