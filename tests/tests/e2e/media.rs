//! Media: upload is decoded and scaled, served by hash with caching and Range; junk is refused.

use kiosk::net::ClientError;
use protocol::MediaHash;
use sha2::{Digest, Sha256};
use tests::{TestServer, png};

#[tokio::test]
async fn images_are_scaled_stored_by_hash_and_served_with_range() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let up = tree
        .admin
        .upload(png(2400, 1200), "cover.png")
        .await
        .expect("uploaded");
    assert_eq!((up.display.width, up.display.height), (1920, 960));
    assert!(up.thumbnail.width <= 480 && up.thumbnail.height <= 480);
    assert_ne!(up.display.sha256, up.thumbnail.sha256);

    let kiosk = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let bytes = kiosk
        .media(&up.display.sha256)
        .await
        .expect("served and verified");
    assert_eq!(bytes.len() as u64, up.display.bytes);
    let decoded = image::load_from_memory(&bytes).expect("a real image");
    assert_eq!(decoded.width(), 1920);

    let url = server
        .url
        .join(&format!("v1/media/{}", up.display.sha256))
        .expect("url");
    let full = tree.admin.http.get(url.clone()).send().await.expect("get");
    assert_eq!(full.status(), 200);
    let cache = full.headers()["cache-control"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        cache.contains("immutable") && cache.contains("max-age=31536000"),
        "{cache}"
    );
    assert_eq!(full.headers()["content-type"], "image/jpeg");
    let etag = full.headers()["etag"].clone();

    let part = tree
        .admin
        .http
        .get(url.clone())
        .header("range", "bytes=10-19")
        .send()
        .await
        .expect("range");
    assert_eq!(part.status(), 206);
    let range = part.headers()["content-range"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!(range, format!("bytes 10-19/{}", bytes.len()));
    assert_eq!(part.bytes().await.expect("body")[..], bytes[10..20]);

    let cached = tree
        .admin
        .http
        .get(url)
        .header("if-none-match", etag)
        .send()
        .await
        .expect("conditional");
    assert_eq!(cached.status(), 304);

    // The hash names the bytes: the stored file is exactly what the hash says.
    let digest = MediaHash::from_digest(Sha256::digest(&bytes).into());
    assert_eq!(digest, up.display.sha256);
}

#[tokio::test]
async fn content_referring_to_unknown_media_is_refused() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let mut body = tests::news("带图新闻");
    if let protocol::ContentBody::News(n) = &mut body {
        n.cover = Some("ab".repeat(32).parse().expect("hash"));
    }
    let err = tree
        .admin
        .publish(tree.province, body)
        .await
        .expect_err("unknown media");
    assert_eq!(
        (err.status, err.body.error.as_str()),
        (400, "unknown_media")
    );
}

#[tokio::test]
async fn non_images_broken_images_and_oversized_uploads_are_refused() {
    let server = TestServer::start_with(|c| c.media.max_upload_bytes = 200_000).await;
    let tree = server.org_tree().await;
    let pdf = tree
        .admin
        .upload(b"%PDF-1.7 not an image at all".to_vec(), "x.png")
        .await;
    let pdf = pdf.expect_err("not an image");
    assert_eq!((pdf.status, pdf.body.error.as_str()), (415, "not_an_image"));

    let mut truncated = png(300, 300);
    truncated.truncate(truncated.len() / 3);
    let broken = tree
        .admin
        .upload(truncated, "broken.png")
        .await
        .expect_err("broken");
    assert_eq!(
        (broken.status, broken.body.error.as_str()),
        (415, "broken_image")
    );

    let big = tree
        .admin
        .upload(vec![0u8; 400_000], "big.png")
        .await
        .expect_err("too big");
    assert_eq!(
        (big.status, big.body.error.as_str()),
        (413, "payload_too_large")
    );

    let count: i64 = server
        .state
        .db
        .read(|tx| Ok(tx.query_row("SELECT count(*) FROM media", [], |r| r.get(0))?))
        .await
        .expect("count");
    assert_eq!(count, 0, "nothing stored half-way");
    let dir = server.state.media.dir().expect("media in a directory");
    let files = std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(files, 0);
}

#[tokio::test]
async fn bad_and_unknown_hashes() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let kiosk = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let unknown: MediaHash = "cd".repeat(32).parse().expect("hash");
    let err = kiosk.media(&unknown).await.expect_err("unknown");
    assert!(matches!(err, ClientError::Server { .. }));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));

    for (path, status) in [
        ("v1/media/not-a-hash", 400),
        ("v1/media/..%2F..%2Fserver.db", 400),
        ("v1/media/..%2F..%2Ftls%2Fkey.pem", 400),
        ("v1/media/../../tls/key.pem", 404),
    ] {
        let resp = tree
            .admin
            .http
            .get(server.url.join(path).expect("url"))
            .send()
            .await
            .expect("get");
        assert_eq!(resp.status().as_u16(), status, "{path}");
        let body: protocol::ApiErrorBody = resp.json().await.expect("JSON error body");
        assert!(!body.message.is_empty());
    }
}
