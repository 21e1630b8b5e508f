//! The identity on temp dirs: generated and configured pairs, the pin of the key rather than of
//! the certificate, and a prepared rotation.

use super::*;
use rcgen::PublicKeyData;

fn generated(dir: &Path) -> Identity {
    Identity::load_or_create(&TlsConfig::default(), dir).expect("generated identity loads")
}

#[test]
fn generated_identity_is_kept_and_reused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = generated(dir.path());
    let again = generated(dir.path());
    assert_eq!(first.fingerprint, again.fingerprint);
    assert_eq!(
        first.pins(),
        vec![first.fingerprint],
        "no rotation prepared"
    );
    first.server_config().expect("usable by rustls");
}

#[test]
fn configured_pem_is_used() {
    let dir = tempfile::tempdir().expect("temp dir");
    let generated = generated(dir.path());
    let config = TlsConfig {
        cert: Some(dir.path().join("tls/cert.pem")),
        key: Some(dir.path().join("tls/key.pem")),
        ..TlsConfig::default()
    };
    let other = tempfile::tempdir().expect("temp dir");
    let loaded = Identity::load_or_create(&config, other.path()).expect("configured");
    assert_eq!(loaded.fingerprint, generated.fingerprint);
    assert!(!other.path().join("tls").exists(), "nothing generated");
}

#[test]
fn half_configured_tls_is_refused() {
    let cases = [
        TlsConfig {
            cert: Some("x.pem".into()),
            ..TlsConfig::default()
        },
        TlsConfig {
            next_key: Some("next.pem".into()),
            ..TlsConfig::default()
        },
    ];
    for config in cases {
        assert!(
            Identity::load_or_create(&config, Path::new("/nonexistent")).is_err(),
            "{config:?}"
        );
    }
}

/// The pin is the SHA-256 of the SubjectPublicKeyInfo: a certificate re-issued on the same key
/// keeps it, and it is not the hash of the certificate itself.
#[test]
fn the_pin_is_the_public_key_not_the_certificate() {
    let key = rcgen::KeyPair::generate().expect("a key");
    let cert = |name: &str| {
        let params = rcgen::CertificateParams::new(vec![name.to_owned()]).expect("params");
        params.self_signed(&key).expect("self-signed").der().clone()
    };
    let (a, b) = (cert("a.example"), cert("b.example"));
    assert_ne!(a, b);
    let pin = spki_pin(&a).expect("pin");
    assert_eq!(pin, spki_pin(&b).expect("pin"), "same key, same pin");
    assert_eq!(
        pin,
        Fingerprint(Sha256::digest(key.subject_public_key_info()).into())
    );
    assert_ne!(pin, Fingerprint(Sha256::digest(a.as_ref()).into()));
}

#[test]
fn a_prepared_rotation_is_announced_then_finished() {
    let dir = tempfile::tempdir().expect("temp dir");
    let old = generated(dir.path()).fingerprint;
    let next = prepare_rotation(dir.path(), &[]).expect("prepared");
    assert_ne!(next, old);
    assert_eq!(
        prepare_rotation(dir.path(), &[]).expect("prepared again"),
        next,
        "preparing twice keeps the first"
    );
    assert_eq!(generated(dir.path()).pins(), vec![old, next]);

    assert_eq!(finish_rotation(dir.path()).expect("finished"), next);
    let after = generated(dir.path());
    assert_eq!(after.pins(), vec![next]);
    assert!(
        dir.path().join("tls/previous-key.pem").exists(),
        "old key kept"
    );
    assert!(
        finish_rotation(dir.path()).is_err(),
        "nothing left to finish"
    );
}

#[test]
fn configured_next_pair_is_announced() {
    let dir = tempfile::tempdir().expect("temp dir");
    let next = prepare_rotation(dir.path(), &[]).expect("prepared");
    let other = tempfile::tempdir().expect("temp dir");
    let config = TlsConfig {
        next_cert: Some(dir.path().join("tls/next-cert.pem")),
        next_key: Some(dir.path().join("tls/next-key.pem")),
        ..TlsConfig::default()
    };
    let identity = Identity::load_or_create(&config, other.path()).expect("loads");
    assert_eq!(identity.pins(), vec![identity.fingerprint, next]);

    let mismatched = TlsConfig {
        next_key: Some(other.path().join("tls/key.pem")),
        ..config
    };
    let err = Identity::load_or_create(&mismatched, other.path())
        .err()
        .expect("a next certificate without its key is refused");
    assert!(format!("{err:#}").contains("next certificate"), "{err:#}");
}

/// Instances starting together on one shared keys dir make one pair between them: each loads
/// the same key, and no temporary file is left behind.
#[test]
fn instances_sharing_a_keys_dir_make_one_pair() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pins: Vec<Fingerprint> = std::thread::scope(|s| {
        let starts: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    Identity::load_or_create_shared(&TlsConfig::default(), dir.path())
                        .expect("loads")
                        .fingerprint
                })
            })
            .collect();
        starts
            .into_iter()
            .map(|t| t.join().expect("joins"))
            .collect()
    });
    assert!(pins.iter().all(|pin| *pin == pins[0]), "{pins:?}");
    let mut files: Vec<String> = std::fs::read_dir(dir.path().join("tls"))
        .expect("tls dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["cert.pem", "key.pem"]);
    assert_eq!(generated(dir.path()).fingerprint, pins[0]);
}
