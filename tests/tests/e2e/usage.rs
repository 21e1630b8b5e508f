//! Usage insight (issue 19, part 5): a real kiosk's counts reach the server with a real
//! heartbeat, kept on the kiosk through a heartbeat the server failed to store, are stored per
//! org and hour, and the console's 使用情况 page and CSV show them to
//! a viewer of that org and nothing of them to a viewer of another org. A batch resent (its
//! answer lost) is counted once.

use jiff::Timestamp;
use kiosk::sync::SyncConfig;
use kiosk::usage::Tally;
use protocol::content::ContentBody;
use protocol::staff::Role;
use protocol::usage::{Count, Usage, kind};
use tests::console::Console;
use tests::{EnrolledKiosk, PASSWORD, TestServer};

async fn viewer(server: &TestServer, name: &str) -> Console {
    let mut c = Console::new(server);
    let a = c.login(name, PASSWORD).await;
    assert_eq!(a.location.as_deref(), Some("/console/"), "{name} signs in");
    c
}

#[tokio::test]
async fn kiosk_counts_reach_the_console_once_and_only_for_their_org() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let kiosk = EnrolledKiosk::enroll(&tree.admin, tree.branch_a, SyncConfig::default()).await;

    // What the kiosk's app counts as people use it, kept in the kiosk's store.
    let now = Timestamp::now();
    let mut tally = Tally::default();
    for _ in 0..3 {
        tally.one(now, kind::VIEW, "library");
    }
    tally.one(now, kind::VIEW, "news");
    tally.one(now, kind::TAP, "职工书屋");
    tally.one(now, kind::SEARCH, "");
    let lost = protocol::usage::failed_search_key("  Rust   编程 ").expect("kept");
    tally.one(now, kind::FAILED_SEARCH, &lost);
    tally.add(now, kind::SECONDS, "library", 95);
    tally.one(now, kind::SLIDE, "工会活动周");
    kiosk
        .store
        .lock()
        .expect("lock")
        .add_usage(&tally.take())
        .expect("counted");

    // The first sync's heartbeat carries them, but the server fails to store it: the kiosk
    // keeps the batch, and what it counts meanwhile waits for the next one.
    server
        .state
        .db
        .write(|tx| {
            Ok(tx.execute_batch(if tx.is_postgres() {
                "CREATE FUNCTION fail_usage() RETURNS trigger LANGUAGE plpgsql
                     AS $$ BEGIN RAISE EXCEPTION 'the disk is full'; END $$;
                 CREATE TRIGGER fail_usage BEFORE INSERT ON usage_batches
                     FOR EACH ROW EXECUTE FUNCTION fail_usage()"
            } else {
                "CREATE TRIGGER fail_usage BEFORE INSERT ON usage_batches
                     BEGIN SELECT RAISE(ABORT, 'the disk is full'); END"
            })?)
        })
        .await
        .expect("trigger");
    kiosk.engine.sync_once().await.expect("syncs");
    let kept = kiosk
        .store
        .lock()
        .expect("lock")
        .usage_to_send()
        .expect("read")
        .expect("the batch is kept after a failed heartbeat");
    assert_eq!(kept.counts.len(), 7, "{kept:?}");
    let mut later = Tally::default();
    later.one(now, kind::VIEW, "places");
    kiosk
        .store
        .lock()
        .expect("lock")
        .add_usage(&later.take())
        .expect("counted");
    server
        .state
        .db
        .write(|tx| {
            Ok(tx.execute_batch(if tx.is_postgres() {
                "DROP TRIGGER fail_usage ON usage_batches; DROP FUNCTION fail_usage()"
            } else {
                "DROP TRIGGER fail_usage"
            })?)
        })
        .await
        .expect("trigger dropped");

    // The kiosk restarts (a new engine over its store): its first sync's heartbeat carries the
    // kept batch again, unchanged, and it is acknowledged; only the later count is left.
    let engine =
        kiosk::sync::Engine::new(kiosk.store.clone(), SyncConfig::default()).expect("engine");
    engine.sync_once().await.expect("syncs");
    let next = kiosk
        .store
        .lock()
        .expect("lock")
        .usage_to_send()
        .expect("read")
        .expect("the later count");
    assert_ne!(next.batch, kept.batch);
    let added: i64 = server
        .state
        .db
        .read(|tx| Ok(tx.query_row("SELECT batch FROM usage_batches", [], |r| r.get(0))?))
        .await
        .expect("read");
    assert_eq!(
        added, kept.batch,
        "the kept batch is the one the server added"
    );
    assert_eq!(next.counts.len(), 1, "{next:?}");
    assert_eq!(next.counts[0].key, "places");

    // A viewer of branch A sees them.
    tree.admin
        .create_user("a-viewer", tree.branch_a, &[Role::Viewer])
        .await;
    let mut a = viewer(&server, "a-viewer").await;
    let page = a.get("/console/usage").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("各模块打开次数"), "the views chart");
    assert!(
        page.body.contains("rust 编程"),
        "the failed search, normalised"
    );
    assert!(
        page.body.contains("共检索 1 次，其中 1 次没有结果"),
        "{}",
        page.body
    );
    assert!(page.body.contains("工会活动周"), "the slide shown");
    let csv = a.get("/console/usage.csv?days=30").await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.contains("view,library,3"), "{}", csv.body);
    assert!(csv.body.contains("seconds,library,95"), "{}", csv.body);
    assert!(
        csv.body.contains("failed_search,rust 编程,1"),
        "{}",
        csv.body
    );

    // Narrowed to an org: within the viewer's subtree only; another org is refused.
    let branch_b = tree.branch_b.0;
    let refused = a.get(&format!("/console/usage?org={branch_b}")).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let refused = a.get(&format!("/console/usage.csv?org={branch_b}")).await;
    assert_eq!(refused.status, 403);
    let mut admin = viewer(&server, tests::ADMIN).await;
    let branch_a = tree.branch_a.0;
    let own = admin
        .get(&format!("/console/usage?org={branch_a}&days=30"))
        .await;
    assert!(own.body.contains("rust 编程"), "{}", own.body);
    let other = admin.get(&format!("/console/usage?org={branch_b}")).await;
    assert_eq!(other.status, 200);
    assert!(!other.body.contains("rust 编程"), "branch B's subtree only");

    // A viewer of branch B sees none of branch A's counts.
    tree.admin
        .create_user("b-viewer", tree.branch_b, &[Role::Viewer])
        .await;
    let mut b = viewer(&server, "b-viewer").await;
    let page = b.get("/console/usage").await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("rust 编程"), "another org's search");
    assert!(page.body.contains("还没有使用记录"), "nothing of A's");
    let csv = b.get("/console/usage.csv").await;
    assert!(!csv.body.contains("library"), "{}", csv.body);

    // A batch sent again (its answer lost on the way) is added once; a new one is added.
    let client = server.kiosk_at(&tree.admin, tree.branch_b).await;
    let hour = now.as_millisecond().div_euclid(3_600_000);
    let batch = |batch: i64| Usage {
        batch,
        counts: vec![Count {
            hour,
            kind: kind::VIEW.to_owned(),
            key: "places".to_owned(),
            n: 2,
        }],
    };
    let beat = |usage: Usage| protocol::workflow::Heartbeat {
        version: "test".into(),
        cursor: None,
        outbox_depth: 0,
        free_disk_bytes: None,
        uptime_seconds: 1,
        last_sync_at: None,
        usage: Some(usage),
    };
    for number in [7, 7, 8] {
        client
            .heartbeat(&beat(batch(number)))
            .await
            .expect("heartbeat");
    }
    let csv = b.get("/console/usage.csv").await;
    assert!(csv.body.contains("view,places,4"), "{}", csv.body);

    // Forms are listed by title when the viewer's kiosks can show them (published at the
    // province, above branch B); a form id of a sibling org's form, which a kiosk could send,
    // stays an id: its title is not B's to read.
    let form = |title: &str| match tests::fault::form() {
        ContentBody::Form(mut f) => {
            f.title = title.to_owned();
            ContentBody::Form(f)
        }
        _ => unreachable!("the harness's form is a form"),
    };
    let ours = tree
        .admin
        .publish(tree.province, form("会员意见箱"))
        .await
        .expect("published")
        .item
        .id;
    let theirs = tree
        .admin
        .publish(tree.branch_a, form("甲支行内部表单"))
        .await
        .expect("published")
        .item
        .id;
    let started = |id: &str| Count {
        hour,
        kind: kind::FORM_STARTED.to_owned(),
        key: id.to_owned(),
        n: 1,
    };
    let usage = Usage {
        batch: 9,
        counts: vec![started(&ours.to_string()), started(&theirs.to_string())],
    };
    client.heartbeat(&beat(usage)).await.expect("heartbeat");
    let page = b.get("/console/usage").await;
    assert!(page.body.contains("会员意见箱"), "{}", page.body);
    assert!(!page.body.contains("甲支行内部表单"), "{}", page.body);
    assert!(page.body.contains(&theirs.to_string()), "{}", page.body);
    // The kiosks' rows keep their last heartbeat without the counts.
    let stored: String = server
        .state
        .db
        .read(|tx| {
            Ok(
                tx.query_row("SELECT string_agg(heartbeat, ',') FROM kiosks", [], |r| {
                    r.get(0)
                })?,
            )
        })
        .await
        .expect("read");
    assert!(stored.contains("\"version\""), "{stored}");
    assert!(!stored.contains("usage"), "{stored}");
}
