//! Live push: a publish in scope reaches an open event stream; one beside it does not.

use futures_util::StreamExt;
use kiosk::net::Notice;
use std::time::Duration;
use tests::{TestServer, news, next_notice};

#[tokio::test]
async fn publish_in_scope_notifies_an_open_stream() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let kiosk = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let mut events = Box::pin(kiosk.events().await.expect("stream opens"));
    let Notice::Changes(head) = next_notice(&mut events).await else {
        panic!("the first notice is the current head");
    };

    // A sibling's publish must not wake this kiosk: the next notice is for the in-scope one.
    tree.admin
        .publish(tree.branch_b, news("城西"))
        .await
        .expect("ok");
    tree.admin
        .publish(tree.city_b, news("乙市"))
        .await
        .expect("ok");
    tree.admin
        .publish(tree.province, news("全省"))
        .await
        .expect("ok");
    let page = kiosk.changes(None, None).await.expect("feed");
    let in_scope_seq = page.cursor.seq;
    assert!(in_scope_seq > head);
    assert_eq!(
        next_notice(&mut events).await,
        Notice::Changes(in_scope_seq)
    );
}

#[tokio::test]
async fn shutdown_ends_streams_and_stops_cleanly() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let kiosk = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let mut events = Box::pin(kiosk.events().await.expect("stream opens"));
    next_notice(&mut events).await;
    let stopping = tokio::spawn(server.stop());
    let ended = tokio::time::timeout(Duration::from_secs(15), async {
        while let Some(Ok(_)) = StreamExt::next(&mut events).await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream ends on shutdown");
    tokio::time::timeout(Duration::from_secs(15), stopping)
        .await
        .expect("server stops")
        .expect("task joins")
        .expect("clean shutdown");
}

#[tokio::test]
async fn writes_by_another_process_reach_open_streams() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let kiosk = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let mut events = Box::pin(kiosk.events().await.expect("stream opens"));
    let Notice::Changes(head) = next_notice(&mut events).await else {
        panic!("the first notice is the current head");
    };
    // What `sync-server content put` does while the server runs: its own connection and hub.
    let mut config = (*server.state.config).clone();
    config.listen = "127.0.0.1:0".parse().expect("address");
    let (cli, _identity, _stop) =
        sync_server::AppState::open(config, server.state.config.listen).expect("opens");
    sync_server::content::create(
        &cli,
        sync_server::orgs::Actor::Operator,
        tests::write(tree.city_a, news("命令行")),
    )
    .await
    .expect("created by the other writer");
    let Notice::Changes(seq) = next_notice(&mut events).await else {
        panic!("expected a changes notice");
    };
    assert!(seq > head);
    let page = kiosk.changes(None, None).await.expect("feed");
    assert_eq!(page.changes.len(), 1);
}

/// A burst of publishes is not told one notice per publish: after a notice the stream holds the
/// next ones for a moment and then sends the newest, so a kiosk pulling meanwhile is not woken
/// for each, and the last publish is always told.
#[tokio::test]
async fn a_burst_of_publishes_is_told_in_fewer_notices_ending_at_the_last() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let kiosk = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let mut events = Box::pin(kiosk.events().await.expect("stream opens"));
    next_notice(&mut events).await;
    tree.admin
        .publish(tree.branch_a, news("第一条"))
        .await
        .expect("ok");
    let first = server.state.hub.announced();
    assert_eq!(
        next_notice(&mut events).await,
        Notice::Changes(first),
        "the first publish after a quiet spell is told at once"
    );
    const BURST: usize = 20;
    for i in 0..BURST {
        tree.admin
            .publish(tree.branch_a, news(&format!("成批 {i}")))
            .await
            .expect("ok");
    }
    let last = server.state.hub.announced();
    let mut told = 0;
    loop {
        let Notice::Changes(seq) = next_notice(&mut events).await else {
            panic!("only changes notices here");
        };
        told += 1;
        if seq >= last {
            assert_eq!(seq, last);
            break;
        }
    }
    assert!(told < BURST, "{told} notices for {BURST} publishes");
}
