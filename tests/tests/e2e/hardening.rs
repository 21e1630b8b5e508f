//! The smaller holes of the security pass (issue 12, item 9), each closed: deleted forms stay in
//! their org, out-of-scope items read as unknown, heartbeats are bounded, stalled connections
//! are let go, 414 and 416 carry the JSON body, imports stay in their folder.

use protocol::{ApiErrorBody, ContentBody, ErrorCode};
use sync_server::import::news;
use sync_server::orgs::Actor;
use tests::TestServer;

fn form() -> ContentBody {
    serde_json::from_value(serde_json::json!({
        "kind": "form", "title": "金点子",
        "fields": [{"key": "idea", "label": "建议", "type": "text", "required": true}]
    }))
    .expect("form body")
}

async fn refused(resp: reqwest::Response) -> (u16, ApiErrorBody) {
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    let body =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("JSON error body ({e}): {text:?}"));
    (status, body)
}

#[tokio::test]
async fn a_deleted_forms_versions_stay_in_its_org_and_a_siblings_read_as_unknown() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let deleted = tree.admin.publish(tree.city_b, form()).await.expect("form");
    let kept = tree.admin.publish(tree.city_b, form()).await.expect("form");
    tree.admin
        .delete(&format!("v1/staff/content/{}", deleted.item.id))
        .await
        .expect("deleted");

    let owner: ContentBody = tree
        .admin
        .get(&format!("v1/staff/forms/{}/versions/1", deleted.item.id))
        .await
        .expect("the form's org still reads its deleted form");
    assert!(matches!(owner, ContentBody::Form(_)));

    let unknown = uuid::Uuid::new_v4();
    for id in [
        deleted.item.id.to_string(),
        kept.item.id.to_string(),
        unknown.to_string(),
    ] {
        let r = tree
            .city_staff
            .get::<ContentBody>(&format!("v1/staff/forms/{id}/versions/1"))
            .await
            .expect_err("another city's form is not readable");
        assert_eq!((r.status, r.body.error), (404, ErrorCode::NotFound), "{id}");
    }
}

#[tokio::test]
async fn a_sibling_orgs_kiosk_reads_as_unknown() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let sibling = server.kiosk_at(&tree.admin, tree.branch_b).await;
    let sibling_id = sibling.me().await.expect("me").kiosk_id;
    for id in [sibling_id.to_string(), uuid::Uuid::new_v4().to_string()] {
        for action in ["revoke", "move"] {
            let r = tree
                .city_staff
                .post::<_, ()>(
                    &format!("v1/staff/kiosks/{id}/{action}"),
                    &serde_json::json!({"org_id": tree.city_a}),
                )
                .await
                .expect_err("not the caller's kiosk");
            assert_eq!(
                (r.status, r.body.error),
                (404, ErrorCode::NotFound),
                "{action} {id}"
            );
        }
    }
    sibling
        .me()
        .await
        .expect("the sibling's kiosk is untouched");
}

#[tokio::test]
async fn heartbeats_are_bounded() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let bearer = tree
        .admin
        .raw_kiosk_credentials(&server, tree.branch_a)
        .await;
    let http = &tree.admin.http;
    let beat = |version: String, cursor: String| {
        serde_json::json!({"version": version, "cursor": cursor, "outbox_depth": 0,
                           "uptime_seconds": 5})
    };
    let huge = http
        .post(server.url.join("v1/heartbeat").expect("url"))
        .header("authorization", &bearer)
        .json(&beat("9".repeat(2 << 20), "1.1".to_owned()))
        .send()
        .await
        .expect("answered");
    let (status, body) = refused(huge).await;
    assert_eq!((status, body.error), (413, ErrorCode::PayloadTooLarge));

    let long = http
        .post(server.url.join("v1/heartbeat").expect("url"))
        .header("authorization", &bearer)
        .json(&beat("版".repeat(300), "7".repeat(300)))
        .send()
        .await
        .expect("answered");
    assert_eq!(long.status().as_u16(), 204);
    let kiosks: Vec<protocol::staff::KioskRecord> =
        tree.admin.get("v1/staff/kiosks").await.expect("list");
    let heartbeat = kiosks
        .iter()
        .find_map(|k| k.heartbeat.as_ref())
        .expect("the heartbeat is stored");
    assert_eq!(heartbeat.version, "版".repeat(40));
    assert_eq!(heartbeat.cursor.as_deref(), Some("7".repeat(64).as_str()));
}

/// A TLS connection speaking HTTP/1.1 to the server.
async fn http1(server: &TestServer) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let mut config = kiosk::net::pinned_tls_config(server.fingerprint);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let addr = format!("127.0.0.1:{}", server.url.port().expect("port"));
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    connector.connect(name, tcp).await.expect("handshake")
}

#[tokio::test]
async fn half_a_request_header_does_not_hold_the_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = TestServer::start_with(|c| c.header_read_timeout_seconds = 1).await;
    let mut tls = http1(&server).await;
    tls.write_all(b"GET /v1/health HTTP/1.1\r\nHost: loc")
        .await
        .expect("send half a header");
    tls.flush().await.expect("flush");
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        tls.read_to_end(&mut rest),
    )
    .await;
    assert!(closed.is_ok(), "the server closes a stalled connection");
    server.client().health().await.expect("still serving");
}

#[tokio::test]
async fn a_too_long_address_and_an_unsatisfiable_range_answer_json() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let http = &tree.admin.http;
    let long = http
        .get(
            server
                .url
                .join(&format!("v1/health?pad={}", "a".repeat(9000)))
                .expect("url"),
        )
        .send()
        .await
        .expect("answered");
    let (status, body) = refused(long).await;
    assert_eq!((status, body.error), (414, ErrorCode::UriTooLong));

    let image = tree
        .admin
        .upload(tests::png(40, 30), "a.png")
        .await
        .expect("uploaded");
    let resp = http
        .get(
            server
                .url
                .join(&format!("v1/media/{}", image.display.sha256))
                .expect("url"),
        )
        .header("range", "bytes=99999999-")
        .send()
        .await
        .expect("answered");
    let range = resp
        .headers()
        .get("content-range")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (status, body) = refused(resp).await;
    assert_eq!((status, body.error), (416, ErrorCode::RangeNotSatisfiable));
    assert_eq!(range, Some(format!("bytes */{}", image.display.bytes)));
}

#[tokio::test]
async fn an_article_cannot_publish_files_from_outside_its_folder() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let root = tempfile::tempdir().expect("dir");
    let dir = root.path().join("articles");
    std::fs::create_dir(&dir).expect("folder");
    let secret = root.path().join("secret.png");
    std::fs::write(&secret, tests::png(20, 20)).expect("outside file");
    std::os::unix::fs::symlink(&secret, dir.join("link.png")).expect("link");
    let article = |cover: &str, body: &str| {
        format!(
            "+++\ntitle = \"通知\"\ncategory = \"policy\"\norg = \"甲市分行工会\"\ncover = \"{cover}\"\n+++\n\n{body}\n"
        )
    };
    std::fs::write(dir.join("ok.png"), tests::png(20, 20)).expect("inside file");
    for text in [
        article("../secret.png", "正文。"),
        article(&secret.display().to_string(), "正文。"),
        article("link.png", "正文。"),
        article("ok.png", "![图](../secret.png)"),
        article("ok.png", &format!("![图]({})", secret.display())),
    ] {
        let err = news::publish_text(
            &server.state,
            Actor::Operator,
            &text,
            &dir.join("a.md"),
            None,
        )
        .await
        .expect_err("a file outside the folder is refused");
        assert_eq!(err.code, ErrorCode::MissingImage, "{text}");
        assert!(
            err.message.contains("不在导入的文件夹里"),
            "{}",
            err.message
        );
    }
    let kiosk = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let page = kiosk.changes(None, None).await.expect("feed");
    assert!(page.changes.is_empty(), "nothing published");
}
