//! Several instances on one PostgreSQL database (issue 20): they present one TLS identity and
//! open answers sealed to one submission key, kept in a keys dir they share; the database
//! records the public halves, and an instance whose keys differ refuses to start. They keep
//! media in one place: an image uploaded on one is served by the other, from a shared directory
//! or from an S3-compatible bucket (a throwaway moto server, the `sync-server` binary run with
//! the bucket's credentials in its environment).

use kiosk::sync::SyncConfig;
use protocol::ContentBody;
use protocol::submission::FormAnswers;
use std::path::{Path, PathBuf};
use sync_server::{Application, Config};
use tests::pg::TestDb;
use tests::{EnrolledKiosk, TestServer};

/// A config on `url` with its keys in `keys` (its data dir its own).
fn on(c: &mut Config, url: &str, keys: &Path) {
    c.database = Some(url.to_owned().into());
    c.keys_dir = Some(keys.to_path_buf());
}

/// Building a server on `url` with `keys_dir` (and a data dir of its own) fails: the message.
async fn refused(url: &str, keys_dir: Option<PathBuf>) -> String {
    let data = tempfile::tempdir().expect("temp dir");
    let config = Config {
        listen: "127.0.0.1:0".parse().expect("an address"),
        data_dir: Some(data.path().to_path_buf()),
        database: Some(url.to_owned().into()),
        keys_dir,
        ..Config::default()
    };
    match Application::build(config).await {
        Ok(_) => panic!("an instance with other keys started"),
        Err(e) => format!("{e:#}"),
    }
}

/// The public halves the database records, by name.
fn recorded(url: &str) -> Vec<(String, Vec<u8>)> {
    let url = url.to_owned();
    std::thread::spawn(move || {
        let mut pg = postgres::Client::connect(&url, postgres::NoTls).expect("connecting");
        pg.query("SELECT name, public FROM server_keys ORDER BY name", &[])
            .expect("server_keys")
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect()
    })
    .join()
    .expect("the query thread")
}

/// Starts an instance on `url` with its keys in `keys`, on a task of its own.
fn spawn_instance(url: &str, keys: &Path) -> tokio::task::JoinHandle<TestServer> {
    let (url, keys) = (url.to_owned(), keys.to_path_buf());
    tokio::spawn(async move { TestServer::start_with(|c| on(c, &url, &keys)).await })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_on_one_database_present_one_identity_and_open_each_others_answers() {
    let db = TestDb::create();
    let url = db.url().to_owned();
    let keys = tempfile::tempdir().expect("temp dir");
    // Two instances starting at once on an empty database and an empty shared keys dir.
    let (a, b) = (
        spawn_instance(&url, keys.path()),
        spawn_instance(&url, keys.path()),
    );
    let (a, b) = (a.await.expect("a starts"), b.await.expect("b starts"));
    assert_eq!(a.fingerprint, b.fingerprint, "one TLS identity");
    let record = recorded(&url);
    let names: Vec<&str> = record.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["submission", "tls_pin"]);
    assert_eq!(record[1].1, a.fingerprint.0.to_vec(), "the pin recorded");
    assert_eq!(
        record[0].1,
        a.state.submission_key.public_key().as_bytes().to_vec()
    );
    assert_eq!(
        a.state.submission_key.to_bytes(),
        b.state.submission_key.to_bytes(),
        "one submission key"
    );

    // An instance with keys of its own: refused, whether it has none yet or other ones.
    let message = refused(&url, None).await;
    assert!(
        message.contains("submission.key") && message.contains("other instances"),
        "{message}"
    );
    let other = tempfile::tempdir().expect("temp dir");
    sync_server::submissions::load_or_create_key(other.path()).expect("a key of its own");
    sync_server::tls::Identity::load_or_create(&Default::default(), other.path())
        .expect("a pair of its own");
    let message = refused(&url, Some(other.path().to_path_buf())).await;
    assert!(message.contains("is not the key"), "{message}");
    assert_eq!(recorded(&url), record, "the record is unchanged");

    // A kiosk enrolled on A seals an answer to A's key; A stops and an instance that never
    // met the kiosk takes A's address: the kiosk's pin check passes and its answer is opened.
    let tree = a.org_tree().await;
    let form: ContentBody = serde_json::from_value(serde_json::json!({
        "kind": "form", "title": "入会申请",
        "fields": [{"key": "name", "label": "姓名", "type": "text", "required": true}]
    }))
    .expect("form body");
    let form = tree
        .admin
        .publish(tree.branch_a, form)
        .await
        .expect("form published");
    let kiosk = EnrolledKiosk::enroll(&tree.admin, tree.branch_a, SyncConfig::default()).await;
    kiosk.engine.sync_now().await.expect("first sync");
    let answers = FormAnswers {
        answers: [("name".to_owned(), serde_json::json!("张三"))].into(),
    };
    let saved = kiosk
        .engine
        .submit(form.item.id.clone(), 1, answers)
        .await
        .expect("saved in the outbox");
    let address = a.stop_keeping_data().await.config().listen;
    let c = TestServer::start_with(|c| {
        on(c, &url, keys.path());
        c.listen = address;
    })
    .await;
    assert_eq!(c.fingerprint, b.fingerprint);
    let sent = kiosk
        .engine
        .sync_now()
        .await
        .expect("sent to the other instance");
    assert_eq!(sent.delivered, 1, "{sent:?}");
    let inbox: Vec<protocol::workflow::SubmissionSummary> = tree
        .admin
        .get("/v1/staff/submissions")
        .await
        .expect("the inbox");
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].receipt, saved.receipt);

    // With a kiosk enrolled, a lost key is refused as on SQLite.
    let message = refused(&url, None).await;
    assert!(message.contains("Restore"), "{message}");
    b.stop().await.expect("b stops");
    c.stop().await.expect("c stops");
}

/// `sync-server <args>` as an operator runs it on a host of its own: its data dir `data`, the
/// database `url`, its keys dir `keys`. The output, and whether it succeeded.
fn operator(data: &Path, url: &str, keys: &Path, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(server_binary())
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("SYNC_SERVER_DATABASE", url)
        .env("SYNC_SERVER_KEYS_DIR", keys)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("sync-server runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The files in `dir`, recursively.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a readable dir") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            found.extend(files_in(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// The operator's commands on PostgreSQL never make or record keys (review #13): `init` from a
/// workstation on a fresh database leaves its keys dir empty and the database's record too, so
/// the first instance's keys become the deployment's; `fingerprint` hands out a pin only from
/// keys the database records, refused elsewhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_commands_on_postgresql_neither_make_nor_record_keys() {
    let db = TestDb::create();
    let url = db.url().to_owned();
    let (workstation, data, keys) = (
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
    );
    let (ok, out) = operator(
        data.path(),
        &url,
        workstation.path(),
        &[
            "init",
            "--org",
            "工会",
            "--admin",
            "admin",
            "--password",
            "pw-12345678",
        ],
    );
    assert!(ok, "{out}");
    assert_eq!(
        files_in(workstation.path()),
        Vec::<PathBuf>::new(),
        "no key made"
    );
    assert_eq!(recorded(&url), vec![], "no key recorded");
    let (ok, out) = operator(data.path(), &url, workstation.path(), &["fingerprint"]);
    assert!(!ok && out.contains("no instance has recorded"), "{out}");

    let instance = TestServer::start_with(|c| on(c, &url, keys.path())).await;
    let record = recorded(&url);
    assert_eq!(record.len(), 2, "the instance records its keys");
    let (ok, out) = operator(data.path(), &url, workstation.path(), &["org", "list"]);
    assert!(ok && out.contains("工会"), "{out}");
    assert_eq!(
        files_in(workstation.path()),
        Vec::<PathBuf>::new(),
        "no key made"
    );
    let (ok, out) = operator(data.path(), &url, workstation.path(), &["fingerprint"]);
    assert!(!ok && out.contains("is missing"), "{out}");
    let (ok, out) = operator(data.path(), &url, keys.path(), &["fingerprint"]);
    assert!(ok, "{out}");
    let printed = out
        .lines()
        .next()
        .expect("the pin, on standard output first");
    assert_eq!(printed, instance.fingerprint.to_string());
    // A workstation with keys of its own: refused, and the record stays the instance's.
    sync_server::submissions::load_or_create_key(workstation.path()).expect("a key of its own");
    sync_server::tls::Identity::load_or_create(&Default::default(), workstation.path())
        .expect("a pair of its own");
    let (ok, out) = operator(data.path(), &url, workstation.path(), &["fingerprint"]);
    assert!(!ok && out.contains("is not the key"), "{out}");
    assert_eq!(recorded(&url), record, "the record is unchanged");
    instance.stop().await.expect("the instance stops");
}

/// Copies the key files of `from` to `to`.
fn copy_keys(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.join("tls")).expect("tls dir");
    for file in ["submission.key", "tls/cert.pem", "tls/key.pem"] {
        std::fs::copy(from.join(file), to.join(file)).expect("a key file copied");
    }
}

/// After `tls prepare-rotation` every instance announces the same pins (review #6): the first
/// with the next key records its pin, one without it or with another next key is refused, and
/// the finished rotation records the new pin and drops the next one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_agree_on_the_next_key_of_a_prepared_rotation() {
    let db = TestDb::create();
    let url = db.url().to_owned();
    let (keys, copied) = (
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
    );
    let first = TestServer::start_with(|c| on(c, &url, keys.path())).await;
    let current = first.fingerprint;
    copy_keys(keys.path(), copied.path());
    let next = sync_server::tls::prepare_rotation(keys.path(), &[]).expect("prepared");
    let second = TestServer::start_with(|c| on(c, &url, keys.path())).await;
    assert_eq!(second.state.tls_pins.to_vec(), vec![current, next]);
    let names = |record: Vec<(String, Vec<u8>)>| -> Vec<(String, Vec<u8>)> {
        record
            .into_iter()
            .filter(|(n, _)| n != "submission")
            .collect()
    };
    assert_eq!(
        names(recorded(&url)),
        vec![
            ("tls_next_pin".to_owned(), next.0.to_vec()),
            ("tls_pin".to_owned(), current.0.to_vec()),
        ]
    );

    // A copy of the keys made before the rotation was prepared: refused.
    let message = refused(&url, Some(copied.path().to_path_buf())).await;
    assert!(message.contains("announce a next TLS key"), "{message}");
    // The same keys with a next key of their own: refused.
    sync_server::tls::prepare_rotation(copied.path(), &[]).expect("another next key");
    let message = refused(&url, Some(copied.path().to_path_buf())).await;
    assert!(message.contains("is not the one"), "{message}");

    // The rotation finished: the new key's pin is recorded and the next one dropped.
    first.stop().await.expect("first stops");
    second.stop().await.expect("second stops");
    sync_server::tls::finish_rotation(keys.path()).expect("finished");
    let third = TestServer::start_with(|c| on(c, &url, keys.path())).await;
    assert_eq!(third.state.tls_pins.to_vec(), vec![next]);
    assert_eq!(
        names(recorded(&url)),
        vec![("tls_pin".to_owned(), next.0.to_vec())]
    );
    third.stop().await.expect("third stops");
}

/// An instance's `/v1/media/{hash}` with `range`: status, `Content-Range`, body.
async fn get_media(
    server: &url::Url,
    pin: protocol::Fingerprint,
    hash: &str,
    range: Option<&str>,
) -> (u16, Option<String>, Vec<u8>) {
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(kiosk::net::pinned_tls_config(pin))
        .build()
        .expect("a client");
    let mut req = http.get(server.join(&format!("v1/media/{hash}")).expect("a URL"));
    if let Some(range) = range {
        req = req.header("range", range);
    }
    let resp = req.send().await.expect("the server answers");
    let status = resp.status().as_u16();
    let content_range = resp
        .headers()
        .get("content-range")
        .map(|v| v.to_str().expect("ASCII").to_owned());
    (
        status,
        content_range,
        resp.bytes().await.expect("a body").to_vec(),
    )
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[tokio::test]
async fn an_image_uploaded_on_one_instance_is_served_by_the_other_from_a_shared_dir() {
    let db = TestDb::create();
    let url = db.url().to_owned();
    let (keys, media) = (
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
    );
    let instance = |c: &mut Config| {
        on(c, &url, keys.path());
        c.media.dir = Some(media.path().to_path_buf());
    };
    let a = TestServer::start_with(instance).await;
    let b = TestServer::start_with(instance).await;
    a.init().await;
    let admin = a.login(tests::ADMIN, tests::PASSWORD).await;
    let up = admin
        .upload(tests::png(1200, 800), "photo.png")
        .await
        .expect("uploaded on A");
    let hash = up.display.sha256.to_string();
    let (status, _, bytes) = get_media(&b.url, b.fingerprint, &hash, None).await;
    assert_eq!(status, 200);
    assert_eq!(sha256_hex(&bytes), hash, "B serves A's image");
    let thumb = up.thumbnail.sha256.to_string();
    let (status, _, bytes) = get_media(&b.url, b.fingerprint, &thumb, None).await;
    assert_eq!((status, sha256_hex(&bytes)), (200, thumb.clone()));
    // In the shared dir, not in either instance's data dir.
    assert!(media.path().join(format!("{hash}.jpg")).exists());
    for server in [&a, &b] {
        let own = server.state.config.data_dir().expect("a data dir");
        assert!(!own.join("media").exists(), "nothing in {}", own.display());
    }
    // The same image uploaded on B: the same file, written once, no temporary left.
    let admin_b = b.login(tests::ADMIN, tests::PASSWORD).await;
    let again = admin_b
        .upload(tests::png(1200, 800), "photo.png")
        .await
        .expect("uploaded on B");
    assert_eq!(again.display.sha256, up.display.sha256);
    let mut files: Vec<String> = std::fs::read_dir(media.path())
        .expect("the media dir")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    files.sort();
    let mut expected = vec![format!("{hash}.jpg"), format!("{thumb}.jpg")];
    expected.sort();
    assert_eq!(files, expected);
    a.stop().await.expect("a stops");
    b.stop().await.expect("b stops");
}

/// A throwaway S3-compatible server: moto (Python, `python3 -m moto.server`) on a free port,
/// with one empty bucket; ended when dropped.
struct Moto {
    child: std::process::Child,
    endpoint: String,
}

const BUCKET: &str = "union-media";

impl Moto {
    async fn start() -> Moto {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = std::process::Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 runs");
        let moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let http = plain_http();
        for _ in 0..300 {
            // moto takes requests unsigned: this makes the bucket.
            let made = http.put(format!("{}/{BUCKET}", moto.endpoint)).send().await;
            if made.is_ok_and(|r| r.status().is_success()) {
                return moto;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("moto did not start in 30 s (pip install 'moto[server]')");
    }

    /// The bucket's listing (moto lists a bucket made unsigned to anyone; its objects, written
    /// with credentials, it keeps private).
    async fn listing(&self) -> String {
        plain_http()
            .get(format!("{}/{BUCKET}", self.endpoint))
            .send()
            .await
            .expect("moto answers")
            .text()
            .await
            .expect("a listing")
    }
}

/// A client for moto's plain HTTP (reqwest wants a TLS provider all the same: ring's).
fn plain_http() -> reqwest::Client {
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .build()
        .expect("a client")
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `sync-server` binary beside the test binary (`cargo test --all-targets`, or
/// `cargo build -p sync-server`, builds it).
fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test executable is in target/<profile>/deps")
        .join("sync-server");
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build -p sync-server`",
        bin.display()
    );
    bin
}

/// `sync-server` with its data dir, on the database `url`, keys in `keys`, media in moto's
/// bucket, and the bucket's credentials in its environment (where only they may come from).
fn server_command(data: &Path, url: &str, keys: &Path, moto: &Moto) -> std::process::Command {
    let mut command = std::process::Command::new(server_binary());
    command
        .arg("--data-dir")
        .arg(data)
        .env("SYNC_SERVER_DATABASE", url)
        .env("SYNC_SERVER_KEYS_DIR", keys)
        .env("SYNC_SERVER_MEDIA__S3__BUCKET", BUCKET)
        .env("SYNC_SERVER_MEDIA__S3__REGION", "us-east-1")
        .env("SYNC_SERVER_MEDIA__S3__ENDPOINT", &moto.endpoint)
        .env("SYNC_SERVER_MEDIA__S3__PREFIX", "media")
        .env("AWS_ACCESS_KEY_ID", "union-test")
        .env("AWS_SECRET_ACCESS_KEY", "union-test-secret")
        .stdin(std::process::Stdio::null());
    command
}

/// A child process, killed when dropped.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn an_image_added_by_one_process_is_served_by_another_from_an_s3_bucket() {
    let moto = Moto::start().await;
    let db = TestDb::create();
    let url = db.url().to_owned();
    let (keys, one, two) = (
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
    );
    let image = one.path().join("photo.png");
    std::fs::write(&image, tests::png(640, 480)).expect("an image file");
    let added = server_command(one.path(), &url, keys.path(), &moto)
        .arg("media-add")
        .arg(&image)
        .output()
        .expect("sync-server media-add runs");
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let stored: protocol::staff::MediaUploaded =
        serde_json::from_slice(&added.stdout).expect("the hashes, as JSON");
    let hash = stored.display.sha256.to_string();
    let listing = moto.listing().await;
    for rendition in [&stored.display, &stored.thumbnail] {
        let key = format!("<Key>media/{}.jpg</Key>", rendition.sha256);
        assert!(listing.contains(&key), "{key} in {listing}");
    }
    assert!(!one.path().join("media").exists(), "nothing on local disk");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let _serving = Running(
        server_command(two.path(), &url, keys.path(), &moto)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("sync-server serve starts"),
    );
    let pin = sync_server::tls::Identity::load_or_create(&Default::default(), keys.path())
        .expect("the shared keys")
        .fingerprint;
    let base: url::Url = format!("https://127.0.0.1:{port}/").parse().expect("a URL");
    let client = kiosk::net::ServerClient::new(base.clone(), pin).expect("a client");
    for _ in 0..300 {
        if client.health().await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (status, _, whole) = get_media(&base, pin, &hash, None).await;
    assert_eq!(
        (status, sha256_hex(&whole)),
        (200, hash.clone()),
        "streamed whole"
    );
    let (status, range, part) = get_media(&base, pin, &hash, Some("bytes=10-109")).await;
    assert_eq!(status, 206);
    assert_eq!(
        range.as_deref(),
        Some(format!("bytes 10-109/{}", whole.len()).as_str())
    );
    assert_eq!(part, whole[10..110]);
    let (status, _, tail) = get_media(&base, pin, &hash, Some("bytes=-7")).await;
    assert_eq!((status, tail.as_slice()), (206, &whole[whole.len() - 7..]));
    let past = format!("bytes={}-", whole.len());
    let (status, range, _) = get_media(&base, pin, &hash, Some(&past)).await;
    assert_eq!(status, 416);
    assert_eq!(range, Some(format!("bytes */{}", whole.len())));
}
