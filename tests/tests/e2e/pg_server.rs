//! The server on PostgreSQL (issue 20): a real server whose `database` is a fresh database on
//! the test cluster, migrated on open. Staff sign in and build orgs, publish news and a form; a
//! kiosk enrolls, pages the changes to the head and holds the news; a second publish reaches it;
//! a submission from its outbox is stored once, in PostgreSQL, and listed in the inbox; an
//! anonymous poll is refused (PostgreSQL cannot keep it anonymous yet); the pools' connections
//! carry the statement timeout; a kept statement a schema change made stale is prepared again.

use kiosk::sync::SyncConfig;
use protocol::ContentBody;
use protocol::submission::FormAnswers;
use tests::pg::TestDb;
use tests::{EnrolledKiosk, TestServer};

fn news(title: &str) -> ContentBody {
    serde_json::from_value(serde_json::json!({
        "kind": "news", "title": title, "body_markdown": "正文", "category": "policy"
    }))
    .expect("news body")
}

#[tokio::test]
async fn a_server_on_postgres_syncs_a_kiosk_and_stores_its_submission_once() {
    let db = TestDb::create();
    let url = db.url().to_owned();
    let server = TestServer::start_with(|c| c.database = Some(url.clone().into())).await;
    let tree = server.org_tree().await;
    tree.admin
        .publish(tree.province, news("省工会通知"))
        .await
        .expect("news published");
    let form: ContentBody = serde_json::from_value(serde_json::json!({
        "kind": "form", "title": "入会申请",
        "fields": [{"key": "name", "label": "姓名", "type": "text", "required": true}]
    }))
    .expect("form body");
    let form = tree
        .admin
        .publish(tree.branch_a, form)
        .await
        .expect("form published");

    let kiosk = EnrolledKiosk::enroll(&tree.admin, tree.branch_a, SyncConfig::default()).await;
    let first = kiosk.engine.sync_now().await.expect("first sync");
    assert!(first.upserts >= 2, "{first:?}");
    assert_eq!(kiosk.news_titles(), ["省工会通知"]);

    tree.city_staff
        .publish(tree.city_a, news("市工会活动"))
        .await
        .expect("second news");
    kiosk.engine.sync_now().await.expect("second sync");
    assert_eq!(kiosk.news_titles(), ["市工会活动", "省工会通知"]);

    let answers = FormAnswers {
        answers: [("name".to_owned(), serde_json::json!("张三"))].into(),
    };
    let saved = kiosk
        .engine
        .submit(form.item.id.clone(), 1, answers)
        .await
        .expect("saved in the outbox");
    let sent = kiosk.engine.sync_now().await.expect("sent");
    assert_eq!(sent.delivered, 1, "{sent:?}");
    assert_eq!(kiosk.engine.sync_now().await.expect("again").delivered, 0);

    let receipts = std::thread::spawn(move || {
        let mut pg = postgres::Client::connect(&url, postgres::NoTls).expect("connecting");
        pg.query("SELECT receipt FROM submissions", &[])
            .expect("submissions")
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect::<Vec<_>>()
    })
    .join()
    .expect("the query thread");
    assert_eq!(receipts, [saved.receipt], "stored once, in PostgreSQL");
    // The inbox's query: fourteen parameters, some of which its text leaves untyped.
    let inbox: Vec<protocol::workflow::SubmissionSummary> = tree
        .admin
        .get("/v1/staff/submissions")
        .await
        .expect("the inbox");
    assert_eq!(inbox.len(), 1);

    // An anonymous poll cannot be kept anonymous on PostgreSQL yet: refused, nothing written.
    let anonymous: ContentBody = serde_json::from_value(serde_json::json!({
        "kind": "poll", "title": "年度疗休养目的地投票", "anonymous": true,
        "closes_at": jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24),
        "questions": [{"text": "您希望去哪里？", "type": "single",
                       "choices": [{"label": "黄山"}, {"label": "千岛湖"}]}]
    }))
    .expect("poll body");
    let refused = tree
        .admin
        .publish(tree.province, anonymous)
        .await
        .expect_err("refused on PostgreSQL");
    assert_eq!(refused.status, 422);
    assert!(refused.body.message.contains("匿名"), "{refused:?}");

    // Every pooled connection cancels a statement that runs past 30 s.
    for kiosk_side in [false, true] {
        let read = |tx: &sync_server::store::Tx<'_>| -> sync_server::error::AppResult<String> {
            Ok(
                tx.query_row("SELECT current_setting('statement_timeout')", [], |r| {
                    r.get(0)
                })?,
            )
        };
        let timeout = if kiosk_side {
            server.state.db.read_kiosk(read).await
        } else {
            server.state.db.write(read).await
        };
        assert_eq!(timeout.expect("the setting"), "30s");
    }
    server.stop().await.expect("stops");
}

/// A statement a connection keeps prepared, whose result a schema change then alters
/// ("cached plan must not change result type"), fails once on that connection and is prepared
/// again: the next reads answer, with the new column.
#[tokio::test]
async fn a_kept_statement_is_prepared_again_after_a_schema_change() {
    let db = TestDb::create();
    let url = db.url().to_owned();
    let server = TestServer::start_with(|c| c.database = Some(url.clone().into())).await;
    let root = server.init().await;
    // The root org's id and, when asked, column `col` as text.
    let read = |col: Option<usize>| {
        server.state.db.read(move |tx| {
            let mut stmt = tx.prepare("SELECT * FROM orgs ORDER BY id LIMIT 1")?;
            let mut rows = stmt.query([])?;
            let row = rows.next()?.expect("the root org");
            let text = match col {
                Some(c) => row.get::<_, Option<String>>(c)?,
                None => None,
            };
            Ok((row.get::<_, i64>(0)?, text))
        })
    };
    for _ in 0..10 {
        read(None).await.expect("read before the change");
    }
    let columns: i64 = server
        .state
        .db
        .read(|tx| {
            Ok(tx.query_row(
                "SELECT count(*) FROM information_schema.columns
                     WHERE table_name = 'orgs' AND table_schema = current_schema()",
                [],
                |r| r.get(0),
            )?)
        })
        .await
        .expect("the columns");
    std::thread::spawn(move || {
        let mut pg = postgres::Client::connect(&url, postgres::NoTls).expect("connecting");
        pg.batch_execute("ALTER TABLE orgs ADD COLUMN note text")
            .expect("the column added");
    })
    .join()
    .expect("the schema thread");
    let note = usize::try_from(columns).expect("a count");
    let mut outcomes = Vec::new();
    for _ in 0..20 {
        outcomes.push(read(Some(note)).await.ok());
    }
    let failed = outcomes.iter().filter(|o| o.is_none()).count();
    assert!(
        failed <= 5,
        "at most once per staff connection: {outcomes:?}"
    );
    assert!(
        outcomes[10..].iter().all(|o| *o == Some((root.0, None))),
        "prepared again, with the new column: {outcomes:?}"
    );
    server.stop().await.expect("stops");
}
