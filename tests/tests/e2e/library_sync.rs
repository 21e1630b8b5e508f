//! A sync that publishes, edits or deletes one catalogue item updates the kiosk's search index
//! and shelf in place, not by rebuilding them whole, and search finds the catalogue as it now is.

use kiosk::core::{Core, Reindexed};
use kiosk::sync::LibraryChanges;
use protocol::content::{LibraryItem, LibraryKind};
use protocol::staff::ContentRecord;
use protocol::{ContentBody, ContentId, OrgId};
use tests::TestServer;

fn book(title: &str) -> ContentBody {
    ContentBody::LibraryItem(LibraryItem {
        item_kind: LibraryKind::Book,
        title: title.to_owned(),
        author: "王建国".to_owned(),
        publisher: "工人出版社".to_owned(),
        year: Some(2025),
        isbn: None,
        external_id: None,
        category: "职工教育".to_owned(),
        cover: None,
        description: String::new(),
        location: String::new(),
        call_number: String::new(),
        responsibility: String::new(),
        read_online: None,
    })
}

/// The titles search finds for `query`, best first.
async fn found(core: &Core, query: &str) -> Vec<String> {
    let (hits, _) = core.search(query.to_owned(), 0, 20).await.expect("search");
    hits.into_iter().map(|(_, l)| l.title).collect()
}

/// Syncs and brings the index in step; the sync must have named exactly `id`.
async fn sync(core: &Core, id: &ContentId) -> Reindexed {
    let summary = core.sync_now().await.expect("sync");
    assert_eq!(summary.library, LibraryChanges::Items(vec![id.clone()]));
    core.follow_library(&summary.library).await.expect("index")
}

#[tokio::test]
async fn one_changed_item_is_indexed_in_place() {
    let (_server, admin, loaded) = TestServer::demo().await;
    let (core, _dir) = tests::kiosk_core(&admin, loaded.branch).await;
    let total = core.rebuild_search().await.expect("index");
    let org: OrgId = loaded.branch;

    // Published.
    let record: ContentRecord = admin
        .publish(org, book("星辰大海航海日志"))
        .await
        .expect("published");
    let id = record.item.id;
    assert_eq!(sync(&core, &id).await, Reindexed::InPlace(1));
    assert_eq!(found(&core, "xingchendahai").await, ["星辰大海航海日志"]);
    assert_eq!(found(&core, "星辰").await, ["星辰大海航海日志"]);
    let shelf = core.shelf();
    assert_eq!(shelf.len(None), total + 1);
    assert_eq!(shelf.card(&id).map(|c| c.title), Some("星辰大海航海日志"));
    assert!(
        shelf
            .categories()
            .any(|(name, len)| name == "职工教育" && len >= 1)
    );

    // Edited: the new title is found, the old one no longer.
    let _: ContentRecord = admin
        .put(
            &format!("v1/staff/content/{id}"),
            &tests::write(org, book("蓝鲸深潜考察手记")),
        )
        .await
        .expect("edited");
    assert_eq!(sync(&core, &id).await, Reindexed::InPlace(1));
    assert_eq!(found(&core, "lanjingshenqian").await, ["蓝鲸深潜考察手记"]);
    assert!(found(&core, "xingchendahai").await.is_empty());
    assert!(found(&core, "星辰大海").await.is_empty());
    let shelf = core.shelf();
    assert_eq!(shelf.len(None), total + 1);
    assert_eq!(shelf.card(&id).map(|c| c.title), Some("蓝鲸深潜考察手记"));

    // Deleted.
    admin
        .delete(&format!("v1/staff/content/{id}"))
        .await
        .expect("deleted");
    assert_eq!(sync(&core, &id).await, Reindexed::InPlace(1));
    assert!(found(&core, "lanjingshenqian").await.is_empty());
    assert_eq!(core.shelf().len(None), total);
    assert!(core.shelf().card(&id).is_none());

    // The rest of the catalogue is found as before.
    assert_eq!(found(&core, "hongloumeng").await[0], "红楼梦（全二册）");

    // A sync that changed nothing leaves the index alone.
    let summary = core.sync_now().await.expect("sync");
    assert_eq!(summary.library, LibraryChanges::None);
    assert_eq!(
        core.follow_library(&summary.library).await.expect("index"),
        Reindexed::Unchanged
    );
}
