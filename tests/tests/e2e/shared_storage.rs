//! Several instances on one PostgreSQL database (issue 20): they present one TLS identity and
//! open answers sealed to one submission key, kept in a keys dir they share; the database
//! records the public halves, and an instance whose keys differ refuses to start.

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
