//! The kiosk core against the real server: enrollment, the offline cache, the sync engine.

use kiosk::admin;
use kiosk::net::ClientError;
use kiosk::store::Store;
use kiosk::sync::{SyncConfig, SyncEvent};
use protocol::staff::ContentRecord;
use protocol::{ContentBody, ContentKind};
use std::sync::Mutex;
use std::time::Duration;
use tests::{EnrolledKiosk, TestServer, news, write};

/// What the kiosk core tests ask of a kiosk beyond its news titles.
trait Counts {
    fn count(&self, kind: ContentKind) -> u64;
}

impl Counts for EnrolledKiosk {
    fn count(&self, kind: ContentKind) -> u64 {
        self.store
            .lock()
            .expect("lock")
            .count(Some(kind))
            .expect("count")
    }
}

#[tokio::test]
async fn enrollment_pins_the_certificate_and_refuses_a_wrong_one() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let created = tree.admin.enrollment_token(tree.branch_a).await;
    let mut impostor: protocol::EnrollmentString =
        created.enrollment_string.parse().expect("valid");
    impostor.fingerprint.0[0] ^= 0xff;
    let wrong = impostor.to_string();
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::open(dir.path()).expect("store");
    let err = admin::enroll(&mut store, &wrong, "")
        .await
        .expect_err("wrong pin");
    assert!(
        matches!(err, admin::EnrollError::Client(ClientError::PinMismatch)),
        "{err:?}"
    );
    assert!(
        store.enrollment().expect("read").is_none(),
        "nothing stored"
    );

    let enrolled = admin::enroll(&mut store, &created.enrollment_string, "一楼大厅")
        .await
        .expect("right pin enrolls");
    assert_eq!(enrolled.org.id, tree.branch_a);
    assert_eq!(store.enrollment().expect("read"), Some(enrolled));
    // Credentials survive a restart of the kiosk.
    drop(store);
    let reopened = Store::open(dir.path()).expect("reopen");
    assert!(reopened.enrollment().expect("read").is_some());
}

#[tokio::test]
async fn initial_sync_of_the_demo_pack_fills_the_cache() {
    let (_server, admin, loaded) = TestServer::demo().await;
    let config = SyncConfig {
        page_limit: 100,
        ..SyncConfig::default()
    };
    let kiosk = EnrolledKiosk::enroll(&admin, loaded.branch, config).await;
    let summary = kiosk.engine.sync_once().await.expect("syncs");
    assert!(summary.pages > 3, "paged: {summary:?}");
    assert_eq!(summary.media_failed, 0);
    assert!(summary.media_fetched >= 10, "{summary:?}");
    assert!(kiosk.count(ContentKind::LibraryItem) >= 340);
    assert_eq!(kiosk.count(ContentKind::Form), 5);
    assert_eq!(kiosk.count(ContentKind::HomeLayout), 1);
    {
        let store = kiosk.store.lock().expect("lock");
        for hash in store.needed_media().expect("needed") {
            assert!(store.has_media(&hash).expect("has"), "{hash} cached");
            let bytes = std::fs::read(store.media_path(&hash)).expect("file on disk");
            let digest = protocol::MediaHash::from_digest(
                <sha2::Sha256 as sha2::Digest>::digest(&bytes).into(),
            );
            assert_eq!(digest, hash);
        }
    }
    let checks = admin::doctor(&kiosk.store).await;
    assert!(checks.iter().all(|c| c.ok), "{checks:#?}");

    let again = kiosk.engine.sync_once().await.expect("syncs");
    assert_eq!(
        (again.pages, again.upserts, again.media_fetched),
        (1, 0, 0),
        "nothing new"
    );
}

#[tokio::test]
async fn incremental_sync_and_tombstones() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let kiosk = EnrolledKiosk::enroll(&tree.admin, tree.branch_a, SyncConfig::default()).await;
    let a = tree
        .admin
        .publish(tree.province, news("甲"))
        .await
        .expect("ok");
    kiosk.engine.sync_once().await.expect("sync");
    assert_eq!(kiosk.news_titles(), ["甲"]);
    tree.admin
        .publish(tree.city_a, news("乙"))
        .await
        .expect("ok");
    let _: ContentRecord = tree
        .admin
        .post(&format!("v1/staff/content/{}/unpublish", a.item.id), &())
        .await
        .expect("unpublish");
    let s = kiosk.engine.sync_once().await.expect("sync");
    assert_eq!((s.upserts, s.deletes), (1, 1));
    assert_eq!(kiosk.news_titles(), ["乙"]);
}

#[tokio::test]
async fn a_notice_on_the_event_stream_triggers_a_pull() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let kiosk = EnrolledKiosk::enroll(
        &tree.admin,
        tree.branch_a,
        SyncConfig {
            // Polling far apart: only the stream can explain a prompt pull.
            poll_interval: Duration::from_secs(3600),
            ..SyncConfig::default()
        },
    )
    .await;
    let mut events = kiosk.engine.subscribe();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let engine = kiosk.engine.clone();
    let running = tokio::spawn(async move { engine.run(stopped).await });
    // The first catch-up, then the stream is open (its first notice changes nothing).
    let first = tokio::time::timeout(Duration::from_secs(20), events.recv()).await;
    assert!(matches!(first, Ok(Ok(SyncEvent::Synced(_)))), "{first:?}");

    tree.admin
        .publish(tree.province, news("实时推送"))
        .await
        .expect("ok");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while kiosk.news_titles() != ["实时推送"] {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("pulled within 20 s of the publish")
            .expect("engine running");
        assert!(matches!(event, SyncEvent::Synced(_)), "{event:?}");
    }
    stop.send(true).expect("engine listening");
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("engine stops")
        .expect("engine task");
}

#[tokio::test]
async fn tampered_media_is_not_cached() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let up = tree
        .admin
        .upload(tests::png(640, 480), "c.png")
        .await
        .expect("upload");
    let mut body = news("带封面");
    if let ContentBody::News(n) = &mut body {
        n.cover = Some(up.display.sha256.clone());
    }
    tree.admin.publish(tree.province, body).await.expect("ok");
    // Someone (or a disk fault) changes the stored file on the server.
    let file = server
        .state
        .media
        .dir()
        .expect("media in a directory")
        .join(format!("{}.jpg", up.display.sha256));
    std::fs::write(&file, tests::png(10, 10)).expect("tamper");

    let kiosk = EnrolledKiosk::enroll(&tree.admin, tree.branch_a, SyncConfig::default()).await;
    let s = kiosk.engine.sync_once().await.expect("sync still succeeds");
    assert_eq!((s.media_fetched, s.media_failed), (0, 1));
    let store = kiosk.store.lock().expect("lock");
    assert!(!store.has_media(&up.display.sha256).expect("has"));
    assert!(!store.media_path(&up.display.sha256).exists());
    drop(store);
    assert_eq!(
        kiosk.news_titles(),
        ["带封面"],
        "the article itself is cached"
    );
}

#[tokio::test]
async fn offline_the_cache_serves_and_online_it_catches_up() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let kiosk = EnrolledKiosk::enroll(&tree.admin, tree.branch_a, SyncConfig::default()).await;
    tree.admin
        .publish(tree.province, news("断网前"))
        .await
        .expect("ok");
    kiosk.engine.sync_once().await.expect("sync");

    let stopped = server.stop_keeping_data().await;
    let err = kiosk.engine.sync_once().await.expect_err("server is down");
    assert!(
        matches!(err, kiosk::sync::SyncError::Client(ClientError::Network(_))),
        "{err:?}"
    );
    assert_eq!(kiosk.news_titles(), ["断网前"], "the cache still serves");
    let checks = admin::doctor(&kiosk.store).await;
    assert!(
        checks
            .iter()
            .any(|c| !c.ok && c.message.contains("cannot be reached")),
        "{checks:#?}"
    );

    // Staff publish from the command line while the server is down.
    let offline = stopped.offline_state();
    sync_server::content::create(
        &offline,
        sync_server::orgs::Actor::Operator,
        write(tree.city_a, news("断网期间")),
    )
    .await
    .expect("created offline");
    drop(offline);
    let _server = stopped.start().await;
    kiosk.engine.sync_once().await.expect("back online");
    assert_eq!(kiosk.news_titles(), ["断网前", "断网期间"]);
}

#[tokio::test]
async fn a_moved_kiosk_resyncs_without_emptying_its_cache_first() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    tree.admin
        .publish(tree.province, news("全省"))
        .await
        .expect("ok");
    tree.admin
        .publish(tree.city_a, news("甲市"))
        .await
        .expect("ok");
    tree.admin
        .publish(tree.city_b, news("乙市"))
        .await
        .expect("ok");
    let kiosk = EnrolledKiosk::enroll(
        &tree.admin,
        tree.branch_a,
        SyncConfig {
            page_limit: 1,
            ..SyncConfig::default()
        },
    )
    .await;
    kiosk.engine.sync_once().await.expect("sync");
    assert_eq!(kiosk.news_titles(), ["全省", "甲市"]);

    let id = kiosk
        .store
        .lock()
        .expect("lock")
        .enrollment()
        .expect("read")
        .expect("enrolled")
        .kiosk_id;
    let _: () = tree
        .admin
        .post(
            &format!("v1/staff/kiosks/{id}/move"),
            &serde_json::json!({"org_id": tree.branch_b}),
        )
        .await
        .expect("moved");
    // Apply the resync page by page: until it completes, the old items stay visible.
    let client = kiosk.engine.client().clone();
    let mut saw_old_midway = false;
    loop {
        let cursor = kiosk.store.lock().expect("lock").cursor().expect("cursor");
        let page = client.changes(cursor, Some(1)).await.expect("page");
        let more = page.has_more;
        kiosk
            .store
            .lock()
            .expect("lock")
            .apply(&page)
            .expect("apply");
        if more {
            saw_old_midway |= kiosk.news_titles().contains(&"甲市".to_owned());
        } else {
            break;
        }
    }
    assert!(
        saw_old_midway,
        "the old cache stays until the resync completes"
    );
    assert_eq!(kiosk.news_titles(), ["乙市", "全省"]);
}

#[tokio::test]
async fn the_media_cache_evicts_least_recently_used_but_never_what_content_needs() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let kiosk = EnrolledKiosk::enroll(
        &tree.admin,
        tree.branch_a,
        SyncConfig {
            media_budget_bytes: 1,
            ..SyncConfig::default()
        },
    )
    .await;
    let mut ids = Vec::new();
    for (i, size) in [(0, 300), (1, 400)] {
        let up = tree
            .admin
            .upload(tests::png(size, size), "c.png")
            .await
            .expect("upload");
        let mut body = news(&format!("封面{i}"));
        if let ContentBody::News(n) = &mut body {
            n.cover = Some(up.display.sha256.clone());
        }
        ids.push((
            tree.admin
                .publish(tree.province, body)
                .await
                .expect("ok")
                .item
                .id,
            up.display.sha256,
        ));
    }
    let s = kiosk.engine.sync_once().await.expect("sync");
    assert_eq!(
        (s.media_fetched, s.media_evicted),
        (2, 0),
        "needed media is kept over budget"
    );

    tree.admin
        .delete(&format!("v1/staff/content/{}", ids[0].0))
        .await
        .expect("deleted");
    let s = kiosk.engine.sync_once().await.expect("sync");
    assert_eq!(s.media_evicted, 1);
    let store = kiosk.store.lock().expect("lock");
    assert!(!store.has_media(&ids[0].1).expect("has"));
    assert!(store.has_media(&ids[1].1).expect("has"));
}

/// A kiosk whose disk fills up refuses to save a form (saying the disk is full, so the screen
/// can tell the employee and branch IT), reports it in its status and `kiosk doctor`, keeps its
/// cache, and saves and delivers again by itself once space is freed.
#[tokio::test]
async fn a_full_disk_refuses_new_forms_says_so_and_recovers_by_itself() {
    use tests::fault::{Tmpfs, fill_disk, free_disk};
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let form = tree
        .admin
        .publish(tree.branch_a, tests::fault::form())
        .await
        .expect("form published");
    let root = tempfile::tempdir().expect("dir");
    let _disk = Tmpfs::mount(root.path(), 8);
    let dir = root.path().join("kiosk");
    {
        let mut store = Store::open(&dir).expect("store");
        let created = tree.admin.enrollment_token(tree.branch_a).await;
        admin::enroll(&mut store, &created.enrollment_string, "")
            .await
            .expect("enroll");
    }
    let core = kiosk::core::Core::open(&dir, SyncConfig::default()).expect("core");
    core.sync_now().await.expect("first sync");
    let cached = core.cached_items().await.expect("count");
    let answers = |note: &str| protocol::submission::FormAnswers {
        answers: [
            ("name".to_owned(), serde_json::json!("李明")),
            ("phone".to_owned(), serde_json::json!("13912345678")),
            ("note".to_owned(), serde_json::json!(note)),
        ]
        .into(),
    };

    let ballast = root.path().join("ballast");
    fill_disk(&ballast);
    let refused = core
        .submit(form.item.id.clone(), 1, answers("满"))
        .await
        .expect_err("nothing can be saved on a full disk");
    assert!(refused.is_disk_full(), "{refused}");
    let status = core.status().await.expect("status reads on a full disk");
    assert!(
        status.free_disk_bytes.expect("free space known") < kiosk::store::DISK_FULL_BYTES,
        "{status:?}"
    );
    assert_eq!(
        core.cached_items().await.expect("count"),
        cached,
        "the cache stays"
    );
    let checks = admin::doctor(&Mutex::new(Store::open(&dir).expect("store"))).await;
    assert!(
        checks
            .iter()
            .any(|c| !c.ok && c.message.starts_with("The disk is full")),
        "{checks:?}"
    );

    free_disk(&ballast);
    let saved = core
        .submit(form.item.id.clone(), 1, answers("空间已腾出"))
        .await
        .expect("saved once there is room");
    core.sync_now().await.expect("sync delivers");
    assert!(core.delivered(saved.id).await.expect("outbox reads"));
}
