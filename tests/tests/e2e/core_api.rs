//! The screens' API over a synced demo kiosk: online, then offline.

use kiosk::core::Core;
use kiosk::sync::{SyncConfig, SyncEvent};
use protocol::content::NewsCategory;
use protocol::submission::FormAnswers;
use std::time::Duration;
use tests::TestServer;

#[tokio::test]
async fn the_screens_get_what_they_need_online_and_offline() {
    let (server, admin, loaded) = TestServer::demo().await;
    let dir = tempfile::tempdir().expect("dir");
    {
        let mut store = kiosk::store::Store::open(dir.path()).expect("store");
        let created = admin.enrollment_token(loaded.branch).await;
        kiosk::admin::enroll(&mut store, &created.enrollment_string, "")
            .await
            .expect("enroll");
    }
    let core = Core::open(dir.path(), SyncConfig::default()).expect("core");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut events = core.events();
    let running = core.start(stopped);
    let first = tokio::time::timeout(Duration::from_secs(30), events.recv()).await;
    assert!(matches!(first, Ok(Ok(SyncEvent::Synced(_)))), "{first:?}");

    let status = core.status().await.expect("status");
    assert_eq!(status.org_name, loaded.branch_name);
    assert!(status.last_synced.is_some() && status.offline_since.is_none());
    let home = core.home_layout().await.expect("home").expect("a layout");
    assert!(home.tiles.len() >= 8);
    let policy = core.news(NewsCategory::Policy).await.expect("news");
    assert!(!policy.is_empty());
    let first_unpinned = policy
        .iter()
        .position(|(_, n)| !n.pinned)
        .unwrap_or(policy.len());
    assert!(
        policy[first_unpinned..].iter().all(|(_, n)| !n.pinned),
        "pinned first"
    );
    let with_cover = policy
        .iter()
        .find(|(_, n)| n.cover.is_some())
        .expect("an article with a cover");
    let article = core
        .article(with_cover.0.id.clone())
        .await
        .expect("article")
        .expect("found");
    assert!(article.cover.expect("cover cached").exists());
    let (page, total) = core.library(0, 50).await.expect("library");
    assert_eq!(page.len(), 50);
    assert!(total >= 240);
    assert!(page.windows(2).all(|w| w[0].1.title <= w[1].1.title));
    assert_eq!(core.forms().await.expect("forms").len(), 5);
    assert_eq!(core.reading_lists().await.expect("lists").len(), 2);
    assert!(core.rebuild_search().await.expect("index") >= 240);
    for query in ["hlm", "hongloumeng", "紅樓夢", "曹雪芹", "9787029269496"] {
        let (hits, total) = core.search(query.to_owned(), 0, 10).await.expect("search");
        assert!(total >= 1, "{query}");
        assert_eq!(hits[0].1.title, "红楼梦（全二册）", "{query}");
    }
    let slides = core.slides().await.expect("slides");
    assert!(slides.windows(2).all(|w| w[0].order <= w[1].order));

    // The server goes away: everything still answers, and a submission is saved with a receipt.
    let _stopped = server.stop_keeping_data().await;
    core.sync_now().await.expect_err("offline");
    let status = core.status().await.expect("status");
    assert!(status.offline_since.is_some(), "{status:?}");
    assert_eq!(core.forms().await.expect("forms").len(), 5);
    let (form_item, form) = core
        .forms()
        .await
        .expect("forms")
        .into_iter()
        .next()
        .expect("a form");
    let phone = form
        .fields
        .iter()
        .find(|f| matches!(f.input, protocol::content::FieldInput::Phone { .. }))
        .expect("a phone field");
    let saved = core
        .submit(
            form_item.id.clone(),
            form_item.version,
            FormAnswers {
                answers: [(phone.key.clone(), serde_json::json!("13800001234"))].into(),
            },
        )
        .await
        .expect("saved offline");
    assert!(!saved.receipt.is_empty());
    assert_eq!(core.status().await.expect("status").outbox_depth, 1);

    stop.send(true).expect("engine running");
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("engine stops")
        .expect("task");
}
