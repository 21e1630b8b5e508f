//! A short swarm: 300 kiosks, each the real sync engine and store over its own TLS connections
//! and event stream, spread over a province's cities and branches. Every publish reaches every
//! kiosk's stream and store, none fails and none falls back to polling. (Timings are the fleet
//! bench's business: `cargo bench -p tests --bench swarm`, BENCHMARKS.md.)

use std::collections::HashSet;
use std::time::Duration;
use tests::swarm::{self, Fleet, now_nanos};
use tests::{ADMIN, PASSWORD, TestServer, news};

const KIOSKS: usize = 300;

#[tokio::test(flavor = "multi_thread")]
async fn every_kiosk_of_a_swarm_receives_every_publish() {
    let server = TestServer::start().await;
    let province = server.init().await;
    let admin = server.login(ADMIN, PASSWORD).await;
    let orgs = swarm::org_tree(&admin, province, 4, 3).await;
    let strings = swarm::enrollments(&admin, &orgs.branches(), KIOSKS, 16).await;
    let dir = swarm::store_dir();
    let fleet = Fleet::start(strings, dir.path(), 32)
        .await
        .expect("every kiosk enrolls");
    assert_eq!(fleet.len(), KIOSKS);
    assert!(
        fleet.ready(Duration::from_secs(60)).await,
        "every kiosk synced and opened its stream"
    );

    for round in 0..2 {
        let t0 = now_nanos();
        let record = admin
            .publish(province, news(&format!("全省通知 {round}")))
            .await
            .expect("published");
        let seq = server.state.hub.announced();
        let outcome = fleet.measure(seq, t0, None, Duration::from_secs(60)).await;
        assert_eq!(outcome.kiosks, KIOSKS);
        assert_eq!(
            outcome.heard_ms.len(),
            KIOSKS,
            "round {round}: every kiosk heard {} on its stream",
            record.item.id.0
        );
        assert_eq!(
            outcome.stored_ms.len(),
            KIOSKS,
            "round {round}: every kiosk has {} in its store",
            record.item.id.0
        );
        assert_eq!(outcome.failures, 0, "round {round}: no sync failed");
        assert_eq!(outcome.polled, 0, "round {round}: every stream stayed open");
    }

    // A city's notice reaches the kiosks of its branches.
    let (city, branches) = orgs.cities[1].clone();
    let t0 = now_nanos();
    admin
        .publish(city, news("市级通知"))
        .await
        .expect("published");
    let seq = server.state.hub.announced();
    let in_city: HashSet<_> = branches.into_iter().collect();
    let outcome = fleet
        .measure(seq, t0, Some(&in_city), Duration::from_secs(60))
        .await;
    assert_eq!(
        outcome.kiosks,
        KIOSKS / 4,
        "a quarter of the kiosks are in the city"
    );
    assert_eq!(outcome.stored_ms.len(), outcome.kiosks);
    assert_eq!(outcome.failures, 0);
    fleet.stop().await;
}
