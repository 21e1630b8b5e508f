//! One kiosk's initial sync of a seed-size library (issue 15): about 60,000 books, 3,000
//! periodicals and 300 newspapers (the generator's mix over 63,300 rows) with 1,000 distinct
//! cover images, imported at the province; a freshly enrolled kiosk at a branch syncs it all
//! (content and images) over loopback TLS. Target ≤ 3 s.
//! Run: `cargo bench -p tests --bench seed_sync`.

use kiosk::store::Store;
use kiosk::sync::{Engine, SyncConfig};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tests::{ADMIN, PASSWORD, TestServer};

const ROWS: u64 = 63_300;
const COVERS: usize = 1_000;

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let server = TestServer::start().await;
        let province = server.init().await;
        let admin = server.login(ADMIN, PASSWORD).await;
        let branch = admin.create_org(province, "城东支行").await;
        let work = tempfile::tempdir().expect("dir");
        let csv = work.path().join("catalog.csv");
        sync_server::demo::catalog_gen::write_csv(
            std::fs::File::create(&csv).expect("csv"),
            ROWS,
            2026,
            &HashSet::new(),
        )
        .expect("csv written");
        // Covers for the first 1,000 books, named by ISBN as the import expects.
        let covers = work.path().join("covers");
        std::fs::create_dir(&covers).expect("covers dir");
        let mut kinds = std::collections::HashMap::<String, u64>::new();
        let mut made = 0;
        for record in csv::Reader::from_path(&csv).expect("csv").records() {
            let record = record.expect("row");
            *kinds.entry(record[5].to_owned()).or_default() += 1;
            let isbn = &record[4];
            if made < COVERS && !isbn.is_empty() {
                let png = sync_server::import::covers::generate(isbn, None, 300, 420);
                std::fs::write(covers.join(format!("{isbn}.png")), png).expect("cover");
                made += 1;
            }
        }
        let t = Instant::now();
        let report = sync_server::import::catalog::import(
            &server.state,
            sync_server::orgs::Actor::Operator,
            &csv,
            sync_server::import::catalog::Options {
                org: province,
                encoding: None,
                sheet: None,
                clc: None,
                skip_invalid: false,
                replace: false,
                covers: Some(covers),
            },
            &sync_server::import::catalog::Quiet,
        )
        .await
        .expect("import");
        assert!(report.imported, "the generated catalogue imports");
        println!(
            "{} rows ({kinds:?}), {made} covers, imported in {:.1} s",
            report.rows,
            t.elapsed().as_secs_f64()
        );
        let mut times = Vec::new();
        for run in 1..=3 {
            let dir = tempfile::tempdir().expect("dir");
            let mut store = Store::open(dir.path()).expect("store");
            let created = admin.enrollment_token(branch).await;
            kiosk::admin::enroll(&mut store, &created.enrollment_string, "bench")
                .await
                .expect("enroll");
            let engine =
                Engine::new(Arc::new(Mutex::new(store)), SyncConfig::default()).expect("engine");
            // When the last page is applied: the content is complete, the images follow.
            let mut progress = engine.progress();
            let content = tokio::spawn(async move {
                let t = Instant::now();
                let _ = progress.wait_for(|p| p.content_done).await;
                t.elapsed().as_secs_f64()
            });
            let t = Instant::now();
            let s = engine.sync_now().await.expect("sync");
            let secs = t.elapsed().as_secs_f64();
            let content = content.await.expect("content timer");
            times.push(secs);
            println!(
                "run {run}: {secs:.2} s (content {content:.2} s, then images) — {} pages, {} items, {} images",
                s.pages, s.upserts, s.media_fetched
            );
        }
        times.sort_by(f64::total_cmp);
        println!(
            "initial sync median {:.2} s (min {:.2}, max {:.2})",
            times[1], times[0], times[2]
        );
    });
}
