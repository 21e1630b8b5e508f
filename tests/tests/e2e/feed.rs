//! The delta feed: paging, tombstones, schedules, versions, scope changes, wire size.

use kiosk::net::{Notice, ServerClient};
use protocol::staff::ContentRecord;
use protocol::{Change, ContentId, ContentItem, Cursor, OrgId};
use std::collections::{BTreeMap, BTreeSet};
use tests::{TestServer, news, next_notice, write};

/// A kiosk's view, built only from what the feed says.
#[derive(Default)]
struct Mirror {
    items: BTreeMap<ContentId, ContentItem>,
    cursor: Option<Cursor>,
    seqs: Vec<u64>,
}

impl Mirror {
    /// Pulls until caught up, `limit` per page.
    async fn pull(&mut self, kiosk: &ServerClient, limit: Option<u32>) {
        loop {
            let page = kiosk.changes(self.cursor, limit).await.expect("feed page");
            if page.reset {
                self.items.clear();
            }
            for change in page.changes {
                self.seqs.push(change.seq());
                match change {
                    Change::Upsert { item, .. } => {
                        self.items.insert(item.id.clone(), *item);
                    }
                    Change::Delete { id, .. } => {
                        self.items.remove(&id);
                    }
                }
            }
            self.cursor = Some(page.cursor);
            if !page.has_more {
                return;
            }
        }
    }

    fn titles(&self) -> BTreeSet<String> {
        self.items
            .values()
            .map(|i| match &i.body {
                protocol::ContentBody::News(n) => n.title.clone(),
                other => format!("{:?}", other.kind()),
            })
            .collect()
    }
}

#[tokio::test]
async fn paging_while_publishing_has_no_gap_and_no_duplicate() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let kiosk = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let mut ids = Vec::new();
    for i in 0..40 {
        let r = tree
            .admin
            .publish(tree.province, news(&format!("初始{i}")))
            .await
            .expect("ok");
        ids.push(r.item.id);
    }

    let mut mirror = Mirror::default();
    let mut round = 0;
    loop {
        let page = kiosk.changes(mirror.cursor, Some(7)).await.expect("page");
        for change in &page.changes {
            mirror.seqs.push(change.seq());
            match change {
                Change::Upsert { item, .. } => {
                    mirror.items.insert(item.id.clone(), (**item).clone());
                }
                Change::Delete { id, .. } => {
                    mirror.items.remove(id);
                }
            }
        }
        mirror.cursor = Some(page.cursor);
        // Between pages, staff keep publishing, editing and unpublishing.
        round += 1;
        if round <= 5 {
            tree.admin
                .publish(tree.city_a, news(&format!("新增{round}")))
                .await
                .expect("ok");
            let edited = &ids[round * 3];
            let _: ContentRecord = tree
                .admin
                .put(
                    &format!("v1/staff/content/{edited}"),
                    &write(tree.province, news(&format!("修改{round}"))),
                )
                .await
                .expect("edit");
            let _: ContentRecord = tree
                .admin
                .post(&format!("v1/staff/content/{}/unpublish", ids[round]), &())
                .await
                .expect("unpublish");
        }
        if !page.has_more {
            break;
        }
    }
    mirror.pull(&kiosk, Some(7)).await;

    let mut sorted = mirror.seqs.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), mirror.seqs.len(), "a seq was delivered twice");
    assert!(
        mirror.seqs.windows(2).all(|w| w[0] < w[1]),
        "seqs arrive in order"
    );

    // The mirror equals what is live on the server: nothing missed, nothing stale.
    let live: Vec<ContentRecord> = tree
        .admin
        .get("v1/staff/content?limit=1000")
        .await
        .expect("list");
    let expected: BTreeMap<_, _> = live
        .into_iter()
        .filter(|r| r.live)
        .map(|r| (r.item.id.clone(), r.item))
        .collect();
    assert_eq!(mirror.items.len(), 40 - 5 + 5);
    assert_eq!(mirror.items, expected);
}

#[tokio::test]
async fn unpublish_delete_and_republish_reach_the_kiosk() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let kiosk = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let a = tree
        .admin
        .publish(tree.province, news("甲"))
        .await
        .expect("ok")
        .item
        .id;
    let b = tree
        .admin
        .publish(tree.city_a, news("乙"))
        .await
        .expect("ok")
        .item
        .id;
    let mut mirror = Mirror::default();
    mirror.pull(&kiosk, None).await;
    assert_eq!(mirror.titles(), ["乙", "甲"].map(String::from).into());

    let _: ContentRecord = tree
        .admin
        .post(&format!("v1/staff/content/{a}/unpublish"), &())
        .await
        .expect("ok");
    tree.admin
        .delete(&format!("v1/staff/content/{b}"))
        .await
        .expect("deleted");
    let page = kiosk.changes(mirror.cursor, None).await.expect("page");
    let deleted: BTreeSet<_> = page
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::Delete { id, .. } => Some(id.clone()),
            Change::Upsert { .. } => None,
        })
        .collect();
    assert_eq!(deleted, [a.clone(), b.clone()].into());
    mirror.pull(&kiosk, None).await;
    assert!(mirror.items.is_empty());

    let back: ContentRecord = tree
        .admin
        .post(&format!("v1/staff/content/{a}/publish"), &())
        .await
        .expect("ok");
    assert!(back.live);
    mirror.pull(&kiosk, None).await;
    assert_eq!(mirror.titles(), ["甲"].map(String::from).into());

    // A fresh kiosk starting from zero gets no tombstones at all.
    let fresh = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let first = fresh.changes(None, None).await.expect("page");
    assert!(
        first
            .changes
            .iter()
            .all(|c| matches!(c, Change::Upsert { .. }))
    );
    assert_eq!(first.changes.len(), 1);
}

#[tokio::test]
async fn moving_content_to_another_org_tombstones_it_where_it_was() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let kiosk_a = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let kiosk_b = server.kiosk_at(&tree.admin, tree.branch_b).await;
    let item = tree
        .admin
        .publish(tree.city_a, news("通知"))
        .await
        .expect("ok")
        .item
        .id;
    let (mut ma, mut mb) = (Mirror::default(), Mirror::default());
    ma.pull(&kiosk_a, None).await;
    mb.pull(&kiosk_b, None).await;
    assert_eq!((ma.items.len(), mb.items.len()), (1, 0));

    let _: ContentRecord = tree
        .admin
        .put(
            &format!("v1/staff/content/{item}"),
            &write(tree.city_b, news("通知")),
        )
        .await
        .expect("moved");
    ma.pull(&kiosk_a, None).await;
    mb.pull(&kiosk_b, None).await;
    assert_eq!((ma.items.len(), mb.items.len()), (0, 1));
}

#[tokio::test]
async fn publish_at_and_expire_at_take_effect_by_themselves() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let kiosk = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let now = jiff::Timestamp::now();
    let mut later = write(tree.province, news("定时发布"));
    later.publish_at = Some(now + jiff::SignedDuration::from_millis(1500));
    let mut expiring = write(tree.province, news("即将下线"));
    expiring.expire_at = Some(now + jiff::SignedDuration::from_millis(1500));
    let later: ContentRecord = tree
        .admin
        .post("v1/staff/content", &later)
        .await
        .expect("ok");
    let _: ContentRecord = tree
        .admin
        .post("v1/staff/content", &expiring)
        .await
        .expect("ok");
    assert!(!later.live);

    let mut mirror = Mirror::default();
    mirror.pull(&kiosk, None).await;
    assert_eq!(mirror.titles(), ["即将下线"].map(String::from).into());

    let mut events = Box::pin(kiosk.events().await.expect("stream"));
    let Notice::Changes(head) = next_notice(&mut events).await else {
        panic!("first notice is the current head");
    };
    // Both transitions fall due together; wait for notices until the kiosk has seen them.
    let mut seen = head;
    while mirror.titles() != ["定时发布"].map(String::from).into() {
        if let Notice::Changes(seq) = next_notice(&mut events).await {
            assert!(seq > seen, "notices move forward");
            seen = seq;
        }
        mirror.pull(&kiosk, None).await;
    }
}

#[tokio::test]
async fn edited_forms_keep_every_published_version() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let form = |title: &str| -> protocol::ContentBody {
        serde_json::from_value(serde_json::json!({
            "kind": "form", "title": title,
            "fields": [{"key": "name", "label": "姓名", "type": "text", "required": true}]
        }))
        .expect("form body")
    };
    let v1 = tree
        .admin
        .publish(tree.province, form("入会申请"))
        .await
        .expect("ok");
    assert_eq!(v1.item.version, 1);
    let v2: ContentRecord = tree
        .admin
        .put(
            &format!("v1/staff/content/{}", v1.item.id),
            &write(tree.province, form("入会申请（新版）")),
        )
        .await
        .expect("ok");
    assert_eq!(v2.item.version, 2);
    let old: protocol::ContentBody = tree
        .admin
        .get(&format!("v1/staff/forms/{}/versions/1", v1.item.id))
        .await
        .expect("version 1 kept");
    assert_eq!(old, form("入会申请"));
    let missing = tree
        .admin
        .get::<protocol::ContentBody>(&format!("v1/staff/forms/{}/versions/3", v1.item.id))
        .await
        .expect_err("no version 3");
    assert_eq!(missing.status, 404);

    let kiosk = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let mut mirror = Mirror::default();
    mirror.pull(&kiosk, None).await;
    let item = mirror.items.get(&v1.item.id).expect("form reaches kiosk");
    assert_eq!(item.version, 2);
}

#[tokio::test]
async fn moving_a_kiosk_resyncs_it_from_zero() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    tree.admin
        .publish(tree.city_a, news("甲市"))
        .await
        .expect("ok");
    tree.admin
        .publish(tree.city_b, news("乙市"))
        .await
        .expect("ok");
    let kiosk = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let mut mirror = Mirror::default();
    mirror.pull(&kiosk, None).await;
    assert_eq!(mirror.titles(), ["甲市"].map(String::from).into());

    let mut events = Box::pin(kiosk.events().await.expect("stream"));
    next_notice(&mut events).await;
    let me = kiosk.me().await.expect("me");
    let _: () = tree
        .admin
        .post(
            &format!("v1/staff/kiosks/{}/move", me.kiosk_id),
            &serde_json::json!({"org_id": tree.branch_b}),
        )
        .await
        .expect("moved");
    assert!(matches!(next_notice(&mut events).await, Notice::Reset(_)));
    let page = kiosk.changes(mirror.cursor, None).await.expect("page");
    assert!(page.reset, "an old-scope cursor starts a resync");
    mirror.pull(&kiosk, None).await;
    assert_eq!(mirror.titles(), ["乙市"].map(String::from).into());
}

/// Sends one HTTP/1.1 request over pinned TLS and returns every byte of the response.
async fn raw_exchange(server: &TestServer, request: String) -> Vec<u8> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut config = kiosk::net::pinned_tls_config(server.fingerprint);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let addr = format!("127.0.0.1:{}", server.url.port().expect("port"));
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let mut tls = connector.connect(name, tcp).await.expect("handshake");
    tls.write_all(request.as_bytes()).await.expect("send");
    let mut out = Vec::new();
    tls.read_to_end(&mut out).await.ok();
    out
}

#[tokio::test]
async fn a_no_change_pull_is_one_small_response() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    for i in 0..20 {
        tree.admin
            .publish(tree.province, news(&format!("通知{i}")))
            .await
            .expect("ok");
    }
    let kiosk = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let mut mirror = Mirror::default();
    mirror.pull(&kiosk, None).await;
    let cursor = mirror.cursor.expect("cursor");
    let bearer = tree
        .admin
        .raw_kiosk_credentials(&server, tree.branch_a)
        .await;
    let request = format!(
        "GET /v1/changes?since={cursor} HTTP/1.1\r\nHost: localhost\r\nAuthorization: {bearer}\r\nAccept-Encoding: zstd, gzip\r\nConnection: close\r\n\r\n"
    );
    let response = raw_exchange(&server, request).await;
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("\"changes\":[]"), "{text}");
    assert!(response.len() <= 1024, "{} bytes: {text}", response.len());

    // A full page is compressed as the client asks.
    for (accept, expect) in [("zstd", "zstd"), ("gzip", "gzip")] {
        let full = format!(
            "GET /v1/changes HTTP/1.1\r\nHost: localhost\r\nAuthorization: {bearer}\r\nAccept-Encoding: {accept}\r\nConnection: close\r\n\r\n"
        );
        let response = raw_exchange(&server, full).await;
        let text = String::from_utf8_lossy(&response).to_lowercase();
        assert!(
            text.contains(&format!("content-encoding: {expect}")),
            "{accept}"
        );
    }
}

/// The body of a raw HTTP/1.1 response (after its headers).
fn body_of(response: &[u8]) -> &[u8] {
    let at = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("the headers end");
    &response[at + 4..]
}

/// Kiosks in one scope at one cursor are sent the same bytes, made once (the delta page served
/// from memory); a kiosk in another scope at the same cursor gets its own page, with only its
/// own scope's changes.
#[tokio::test]
async fn kiosks_at_one_cursor_share_one_page() {
    let server = TestServer::start_with(|c| {
        c.metrics_listen = Some("127.0.0.1:0".parse().expect("address"));
    })
    .await;
    let tree = server.org_tree().await;
    tree.admin
        .publish(tree.province, news("全省通知"))
        .await
        .expect("ok");
    let mut bearers = Vec::new();
    for org in [tree.branch_a, tree.branch_a, tree.branch_b] {
        bearers.push(tree.admin.raw_kiosk_credentials(&server, org).await);
    }
    let pull = |bearer: &str, since: Option<Cursor>| {
        let since = since.map_or(String::new(), |c| format!("?since={c}"));
        raw_exchange(
            &server,
            format!(
                "GET /v1/changes{since} HTTP/1.1\r\nHost: localhost\r\nAuthorization: {bearer}\r\nConnection: close\r\n\r\n"
            ),
        )
    };
    let first = pull(&bearers[0], None).await;
    let page: protocol::ChangesResponse = serde_json::from_slice(body_of(&first)).expect("a page");
    assert_eq!(page.changes.len(), 1, "{page:?}");
    let cursor = page.cursor;

    tree.admin
        .publish(tree.branch_a, news("甲支行通知"))
        .await
        .expect("ok");
    tree.admin
        .publish(tree.branch_b, news("乙支行通知"))
        .await
        .expect("ok");
    let made = server.state.pages.made();
    let a1 = pull(&bearers[0], Some(cursor)).await;
    let a2 = pull(&bearers[1], Some(cursor)).await;
    assert_eq!(
        server.state.pages.made(),
        made + 1,
        "the second kiosk got the first one's page"
    );
    assert_eq!(body_of(&a1), body_of(&a2), "the same bytes");
    let b = pull(&bearers[2], Some(cursor)).await;
    assert_eq!(
        server.state.pages.made(),
        made + 2,
        "another scope, another page"
    );

    let titles = |body: &[u8]| -> Vec<String> {
        let page: protocol::ChangesResponse = serde_json::from_slice(body).expect("a page");
        assert!(!page.has_more && !page.reset);
        assert_eq!(page.cursor.epoch, cursor.epoch);
        page.changes
            .into_iter()
            .map(|c| match c {
                Change::Upsert { item, .. } => match item.body {
                    protocol::ContentBody::News(n) => n.title,
                    other => format!("{:?}", other.kind()),
                },
                Change::Delete { id, .. } => id.0,
            })
            .collect()
    };
    assert_eq!(titles(body_of(&a1)), ["甲支行通知"]);
    assert_eq!(titles(body_of(&b)), ["乙支行通知"]);

    // Operators see how many pages were made, beside the pulls.
    let addr = server.metrics.expect("the metrics listener is on");
    let text = reqwest::Client::builder()
        .tls_backend_preconfigured(kiosk::net::pinned_tls_config(server.fingerprint))
        .build()
        .expect("client builds")
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .expect("metrics answer")
        .text()
        .await
        .expect("text");
    let made = format!(
        "union_sync_feed_pages_made_total {}",
        server.state.pages.made()
    );
    assert!(text.lines().any(|l| l == made), "{made} in:\n{text}");
}

/// Kiosks of one scope pulling in a loop (so that they share pages) while staff publish one item
/// after another each end with every item of their scope, each seq once, and nothing of another
/// scope: a page served from memory never skips an item committed before it.
#[tokio::test(flavor = "multi_thread")]
async fn shared_pages_never_miss_a_publish() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let mut kiosks = Vec::new();
    for org in [tree.branch_a, tree.branch_a, tree.branch_a, tree.branch_b] {
        kiosks.push((org, server.kiosk_at(&tree.admin, org).await));
    }
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let pullers: Vec<_> = kiosks
        .into_iter()
        .map(|(org, kiosk)| {
            let done = done.clone();
            tokio::spawn(async move {
                let mut mirror = Mirror::default();
                while !done.load(std::sync::atomic::Ordering::SeqCst) {
                    mirror.pull(&kiosk, Some(2)).await;
                }
                mirror.pull(&kiosk, Some(2)).await;
                (org, mirror)
            })
        })
        .collect();
    let targets = [tree.province, tree.branch_a, tree.city_b, tree.branch_b];
    let mut published = BTreeMap::<OrgId, Vec<String>>::new();
    for i in 0..24 {
        let org = targets[i % targets.len()];
        let title = format!("通知{i}");
        tree.admin.publish(org, news(&title)).await.expect("ok");
        published.entry(org).or_default().push(title);
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let in_scope = |org: OrgId| -> BTreeSet<String> {
        let scope = if org == tree.branch_a {
            [tree.province, tree.branch_a].to_vec()
        } else {
            [tree.province, tree.city_b, tree.branch_b].to_vec()
        };
        scope
            .iter()
            .flat_map(|o| published.get(o).cloned().unwrap_or_default())
            .collect()
    };
    for puller in pullers {
        let (org, mirror) = puller.await.expect("the puller ran");
        assert_eq!(mirror.titles(), in_scope(org), "kiosk at {org:?}");
        assert!(
            mirror.seqs.windows(2).all(|w| w[0] < w[1]),
            "each seq once, in order: {:?}",
            mirror.seqs
        );
    }
    assert!(server.state.pages.made() > 0, "pages came from the cache");
}

/// A write by another process (the CLI) is committed a moment before this server announces it;
/// a kiosk whose stream opens in that moment is told the database's head, finds nothing new in
/// the pages (they end at the announced seq), and is woken again when the write is announced:
/// it gets the item without anybody publishing again.
#[tokio::test]
async fn a_write_not_yet_announced_still_reaches_a_kiosk_connecting_then() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let kiosk = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let mut mirror = Mirror::default();
    mirror.pull(&kiosk, None).await;
    let mut config = (*server.state.config).clone();
    config.listen = "127.0.0.1:0".parse().expect("address");
    let (cli, _identity, _stop) =
        sync_server::AppState::open(config, server.state.config.listen).expect("opens");
    sync_server::content::create(
        &cli,
        sync_server::orgs::Actor::Operator,
        write(tree.city_a, news("命令行")),
    )
    .await
    .expect("created by the other writer");
    let mut events = Box::pin(kiosk.events().await.expect("stream opens"));
    loop {
        let Notice::Changes(seq) = next_notice(&mut events).await else {
            panic!("expected a changes notice");
        };
        mirror.pull(&kiosk, None).await;
        if mirror.titles().contains("命令行") {
            break;
        }
        assert!(
            mirror.cursor.is_some_and(|c| c.seq < seq),
            "a page short of the notice leaves the kiosk behind, to be woken again"
        );
    }
}
