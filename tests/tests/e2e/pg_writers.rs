//! The feed stays gap-free with many writers on several instances (issue 20, Deliver 2): two
//! server instances on one PostgreSQL database; staff on both publish, edit and unpublish at
//! once (four writers, two on each instance), while four kiosks, two on each instance, page the
//! changes three at a time throughout. Once the writers stop, the fault harness's oracle judges:
//! each kiosk holds exactly what a kiosk enrolled afresh at its org receives (the same ids at the
//! same versions), and its cursor is at the same head. A kiosk that had read past a seq whose
//! transaction committed later would miss that item for ever, and fail here.

use kiosk::sync::SyncConfig;
use protocol::staff::ContentRecord;
use protocol::{ContentKind, OrgId};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tests::pg::TestDb;
use tests::{ADMIN, EnrolledKiosk, PASSWORD, Staff, TestServer, news, write};

/// Items each writer publishes; it edits every third and unpublishes every fourth.
const PER_WRITER: usize = 12;

/// Every item in a kiosk's store: (kind, id, version).
fn held(kiosk: &EnrolledKiosk) -> BTreeSet<(String, String, u32)> {
    let store = kiosk.store.lock().expect("store lock");
    ContentKind::ALL
        .into_iter()
        .flat_map(|kind| {
            store
                .items(kind)
                .expect("items read")
                .into_iter()
                .map(move |i| (format!("{kind:?}"), i.id.to_string(), i.version))
        })
        .collect()
}

fn cursor_seq(kiosk: &EnrolledKiosk) -> u64 {
    let store = kiosk.store.lock().expect("store lock");
    store.cursor().expect("cursor reads").expect("synced").seq
}

/// Publishes `PER_WRITER` items at `orgs` in turn, editing and unpublishing as it goes.
async fn writer(staff: Arc<Staff>, name: String, orgs: Vec<OrgId>) {
    let mut mine = Vec::new();
    for i in 0..PER_WRITER {
        let org = orgs[i % orgs.len()];
        let record = staff
            .publish(org, news(&format!("{name}-{i}")))
            .await
            .expect("published");
        mine.push((record.item.id, org));
        if i % 3 == 2 {
            let (id, org) = &mine[i - 1];
            let _: ContentRecord = staff
                .put(
                    &format!("v1/staff/content/{id}"),
                    &write(*org, news(&format!("{name}-{i} 修改"))),
                )
                .await
                .expect("edited");
        }
        if i % 4 == 3 {
            let (id, _) = &mine[i - 3];
            let _: ContentRecord = staff
                .post(&format!("v1/staff/content/{id}/unpublish"), &())
                .await
                .expect("unpublished");
        }
    }
}

#[tokio::test]
async fn kiosks_paging_through_concurrent_writers_on_two_instances_miss_nothing() {
    let db = TestDb::create();
    let url = db.url().to_owned();
    // Every instance of one deployment has the same keys (docs/scale-out.md): one keys dir.
    let keys = tempfile::tempdir().expect("keys dir");
    let instance = |c: &mut sync_server::config::Config| {
        c.database = Some(url.clone().into());
        c.keys_dir = Some(keys.path().to_path_buf());
    };
    let a = TestServer::start_with(instance).await;
    let b = TestServer::start_with(instance).await;
    let tree = a.org_tree().await;
    let on_a = Arc::new(tree.admin);
    let on_b = Arc::new(b.login(ADMIN, PASSWORD).await);
    let orgs = vec![
        tree.province,
        tree.city_a,
        tree.branch_a,
        tree.city_b,
        tree.branch_b,
    ];

    let small_pages = || SyncConfig {
        page_limit: 3,
        ..SyncConfig::default()
    };
    let mut kiosks = Vec::new();
    for (staff, org) in [
        (&on_a, tree.branch_a),
        (&on_a, tree.branch_b),
        (&on_b, tree.branch_a),
        (&on_b, tree.city_b),
    ] {
        let kiosk = Arc::new(EnrolledKiosk::enroll(staff, org, small_pages()).await);
        kiosk.engine.sync_now().await.expect("first sync");
        kiosks.push((kiosk, org));
    }

    let writing = Arc::new(AtomicBool::new(true));
    let pagers: Vec<_> = kiosks
        .iter()
        .map(|(kiosk, _)| {
            let (kiosk, writing) = (kiosk.clone(), writing.clone());
            tokio::spawn(async move {
                let mut syncs = 0;
                while writing.load(Ordering::SeqCst) {
                    kiosk
                        .engine
                        .sync_now()
                        .await
                        .expect("sync while writers write");
                    syncs += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
                syncs
            })
        })
        .collect();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let staff = if w % 2 == 0 { &on_a } else { &on_b };
            tokio::spawn(writer(staff.clone(), format!("写者{w}"), orgs.clone()))
        })
        .collect();
    for w in writers {
        w.await.expect("writer");
    }
    writing.store(false, Ordering::SeqCst);
    for p in pagers {
        let syncs = p.await.expect("pager");
        assert!(
            syncs > 1,
            "a kiosk paged only {syncs} times while writers wrote"
        );
    }

    for (kiosk, org) in &kiosks {
        kiosk.engine.sync_now().await.expect("last sync");
        let fresh = EnrolledKiosk::enroll(&on_a, *org, SyncConfig::default()).await;
        fresh.engine.sync_now().await.expect("fresh sync");
        let (have, want) = (held(kiosk), held(&fresh));
        let news = want.iter().filter(|(k, ..)| k == "News").count();
        assert!(news >= 10, "the fresh kiosk holds {news} news");
        assert_eq!(
            have.difference(&want).collect::<Vec<_>>(),
            Vec::<&(String, String, u32)>::new(),
            "held but not live at {org:?}"
        );
        assert_eq!(
            want.difference(&have).collect::<Vec<_>>(),
            Vec::<&(String, String, u32)>::new(),
            "missed at {org:?}"
        );
        assert_eq!(cursor_seq(kiosk), cursor_seq(&fresh), "cursor at the head");
    }
    a.stop().await.expect("a stops");
    b.stop().await.expect("b stops");
}
