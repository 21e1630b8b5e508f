//! The demo pack loads, a branch kiosk's feed shows it, and loading it again changes nothing.

use protocol::{Change, ContentKind};
use std::collections::HashMap;
use sync_server::import::catalog::Quiet;
use tests::TestServer;

#[tokio::test]
async fn demo_pack_loads_and_reaches_a_branch_kiosk() {
    // Loaded by `sync_server::demo::load`, as `sync-server demo` does, once per test process.
    let (server, admin, loaded) = TestServer::demo().await;
    assert!(loaded.news >= 30, "{} articles", loaded.news);
    assert_eq!(loaded.forms, 5);
    assert!(loaded.catalog_items >= 340);

    let kiosk = server.kiosk_at(&admin, loaded.branch).await;
    let mut kinds: HashMap<ContentKind, usize> = HashMap::new();
    let mut cursor = None;
    loop {
        let page = kiosk.changes(cursor, None).await.expect("feed");
        for c in &page.changes {
            if let Change::Upsert { item, .. } = c {
                *kinds.entry(item.body.kind()).or_default() += 1;
            }
        }
        cursor = Some(page.cursor);
        if !page.has_more {
            break;
        }
    }
    assert_eq!(kinds.get(&ContentKind::Form), Some(&5));
    assert_eq!(kinds.get(&ContentKind::HomeLayout), Some(&1));
    assert_eq!(kinds.get(&ContentKind::ReadingList), Some(&2));
    assert!(kinds.get(&ContentKind::AttractSlide).copied().unwrap_or(0) >= 3);
    assert!(kinds.get(&ContentKind::LibraryItem).copied().unwrap_or(0) >= 340);
    let news = kinds.get(&ContentKind::News).copied().unwrap_or(0);
    assert!(
        news >= 15 && news <= loaded.news,
        "a branch sees its ancestors' news: {news}"
    );

    let head = server
        .state
        .db
        .read(sync_server::content::feed_head)
        .await
        .expect("head");
    let work = tempfile::tempdir().expect("dir");
    sync_server::demo::load(&server.state, work.path(), tests::demo::CATALOGUE, &Quiet)
        .await
        .expect("demo reloads");
    let again = server
        .state
        .db
        .read(sync_server::content::feed_head)
        .await
        .expect("head");
    assert_eq!(head, again, "reloading the demo changes nothing");
}
