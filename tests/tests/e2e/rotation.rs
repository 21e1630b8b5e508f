//! The server's key over its life: kiosks pin the key, learn a prepared next key over the
//! pinned channel and follow the swap without enrolling again; kiosks enrolled with a
//! certificate pin keep working; a lost key that kiosks depend on stops the server's start.

use kiosk::admin;
use kiosk::net::ClientError;
use kiosk::store::Store;
use kiosk::sync::{Engine, SyncConfig, SyncError};
use protocol::{EnrollmentString, Fingerprint};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};
use sync_server::Application;
use tests::{Staff, TestServer};

/// A kiosk's data dir; each `engine()` is the kiosk started again on it.
struct Kiosk {
    store: Arc<Mutex<Store>>,
    _dir: tempfile::TempDir,
}

impl Kiosk {
    async fn enroll(enrollment_string: &str) -> Kiosk {
        let dir = tempfile::tempdir().expect("dir");
        let mut store = Store::open(dir.path()).expect("store opens");
        admin::enroll(&mut store, enrollment_string, "测试机")
            .await
            .expect("enrolls");
        Kiosk {
            store: Arc::new(Mutex::new(store)),
            _dir: dir,
        }
    }

    async fn at(staff: &Staff, org: protocol::OrgId) -> Kiosk {
        Kiosk::enroll(&staff.enrollment_token(org).await.enrollment_string).await
    }

    fn engine(&self) -> Engine {
        Engine::new(self.store.clone(), SyncConfig::default()).expect("engine")
    }

    fn pins(&self) -> Vec<Fingerprint> {
        self.store
            .lock()
            .expect("lock")
            .enrollment()
            .expect("read")
            .expect("enrolled")
            .pins()
    }
}

fn pin_mismatch(result: Result<kiosk::sync::Summary, SyncError>) -> bool {
    matches!(result, Err(SyncError::Client(ClientError::PinMismatch)))
}

#[tokio::test]
async fn a_prepared_key_rotation_keeps_the_fleet_without_enrolling_again() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let old_pin = server.fingerprint;
    let learned = Kiosk::at(&tree.admin, tree.branch_a).await;
    let offline_during_rotation = Kiosk::at(&tree.admin, tree.branch_a).await;
    learned.engine().sync_once().await.expect("first sync");
    assert_eq!(learned.pins(), vec![old_pin], "no rotation prepared yet");

    // The operator prepares the next key and restarts: kiosks that sync learn it.
    let stopped = server.stop_keeping_data().await;
    let next_pin =
        sync_server::tls::prepare_rotation(stopped.data_dir(), &[]).expect("rotation prepared");
    let server = stopped.start().await;
    assert_eq!(server.fingerprint, old_pin, "still serving the old key");
    learned
        .engine()
        .sync_once()
        .await
        .expect("sync with the old key");
    assert_eq!(learned.pins(), vec![old_pin, next_pin]);

    // The operator finishes the rotation: the server now answers with the next key only.
    let stopped = server.stop_keeping_data().await;
    sync_server::tls::finish_rotation(stopped.data_dir()).expect("rotation finished");
    let server = stopped.start().await;
    assert_eq!(server.fingerprint, next_pin);
    learned
        .engine()
        .sync_once()
        .await
        .expect("the kiosk that learned the next key syncs without enrolling again");
    assert_eq!(learned.pins(), vec![next_pin], "the retired key is dropped");
    assert!(
        pin_mismatch(offline_during_rotation.engine().sync_once().await),
        "a kiosk that never heard of the next key refuses the server"
    );
}

#[tokio::test]
async fn a_kiosk_enrolled_with_a_certificate_pin_keeps_working_and_moves_to_key_pins() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let created = tree.admin.enrollment_token(tree.branch_a).await;
    let mut string: EnrollmentString = created.enrollment_string.parse().expect("parses");
    let cert_path = server
        .state
        .config
        .data_dir()
        .expect("dir")
        .join("tls/cert.pem");
    let cert = CertificateDer::from_pem_file(&cert_path).expect("the server's certificate");
    let certificate_pin = Fingerprint(Sha256::digest(cert.as_ref()).into());
    assert_ne!(certificate_pin, server.fingerprint);
    string.fingerprint = certificate_pin;

    let kiosk = Kiosk::enroll(&string.to_string()).await;
    assert_eq!(kiosk.pins(), vec![certificate_pin]);
    kiosk
        .engine()
        .sync_once()
        .await
        .expect("syncs on the old pin");
    assert_eq!(
        kiosk.pins(),
        vec![server.fingerprint],
        "the server's announcement replaces the certificate pin with the key pin"
    );
    kiosk
        .engine()
        .sync_once()
        .await
        .expect("syncs on the key pin");
}

#[tokio::test]
async fn a_lost_key_that_kiosks_depend_on_stops_the_start() {
    for lost in ["tls/key.pem", "submission.key"] {
        let server = TestServer::start().await;
        let tree = server.org_tree().await;
        let _kiosk = Kiosk::at(&tree.admin, tree.branch_a).await;
        let stopped = server.stop_keeping_data().await;
        std::fs::remove_file(stopped.data_dir().join(lost)).expect("the key file is removed");

        let err = Application::build(stopped.config())
            .await
            .err()
            .expect("the server refuses to start");
        let message = format!("{err:#}");
        assert!(message.contains(lost), "{message}");
        assert!(message.contains("Restore"), "{message}");
        assert!(
            !stopped.data_dir().join(lost).exists(),
            "{lost} was not silently made again"
        );
    }
}

#[tokio::test]
async fn a_fresh_server_without_kiosks_makes_its_keys() {
    // On SQLite: on PostgreSQL a key whose public half the database records is never made
    // anew, kiosks or not (another instance may be serving it: e2e shared_storage).
    let server = TestServer::start_on_sqlite_with(|_| {}).await;
    let stopped = server.stop_keeping_data().await;
    std::fs::remove_file(stopped.data_dir().join("tls/key.pem")).expect("removed");
    std::fs::remove_file(stopped.data_dir().join("submission.key")).expect("removed");
    let again = stopped.start().await;
    again
        .client()
        .health()
        .await
        .expect("answers with a new key");
}
