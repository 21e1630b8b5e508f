//! The server's TLS identity: a configured PEM certificate, or a self-signed one generated on
//! first start and kept in the data dir. Kiosks pin its SHA-256 fingerprint, so no CA is needed.

use crate::config::TlsConfig;
use anyhow::Context;
use protocol::Fingerprint;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;

pub struct Identity {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    pub fingerprint: Fingerprint,
}

impl Identity {
    /// Loads the configured certificate, or the generated one from `data_dir/tls/`, creating it
    /// if it does not exist yet.
    pub fn load_or_create(config: &TlsConfig, data_dir: &Path) -> anyhow::Result<Identity> {
        let (cert_path, key_path) = match (&config.cert, &config.key) {
            (Some(c), Some(k)) => (c.clone(), k.clone()),
            (None, None) => {
                let dir = data_dir.join("tls");
                let cert = dir.join("cert.pem");
                let key = dir.join("key.pem");
                if !cert.exists() || !key.exists() {
                    generate(&dir, &cert, &key, &config.extra_names)?;
                }
                (cert, key)
            }
            _ => anyhow::bail!("tls.cert and tls.key must be set together"),
        };
        let chain = CertificateDer::pem_file_iter(&cert_path)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .with_context(|| format!("cannot read certificate {}", cert_path.display()))?;
        let leaf = chain
            .first()
            .with_context(|| format!("no certificate in {}", cert_path.display()))?;
        let fingerprint = fingerprint_of(leaf);
        let key = PrivateKeyDer::from_pem_file(&key_path)
            .with_context(|| format!("cannot read private key {}", key_path.display()))?;
        Ok(Identity {
            chain,
            key,
            fingerprint,
        })
    }

    pub fn server_config(&self) -> anyhow::Result<Arc<rustls::ServerConfig>> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), self.key.clone_key())
            .context("certificate and key do not match")?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

pub fn fingerprint_of(cert: &CertificateDer<'_>) -> Fingerprint {
    Fingerprint(Sha256::digest(cert.as_ref()).into())
}

fn generate(dir: &Path, cert_path: &Path, key_path: &Path, extra: &[String]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    names.extend(extra.iter().cloned());
    let mut params = rcgen::CertificateParams::new(names)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Union Kiosk sync server");
    // Kiosks pin this certificate: a long life spares branches a re-enrollment every year.
    params.not_before = rcgen::date_time_ymd(2024, 1, 1);
    params.not_after = rcgen::date_time_ymd(2074, 1, 1);
    let key = rcgen::KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    write_private(key_path, key.serialize_pem().as_bytes())?;
    std::fs::write(cert_path, cert.pem())
        .with_context(|| format!("cannot write {}", cert_path.display()))?;
    tracing::info!(cert = %cert_path.display(), "generated a self-signed certificate");
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_identity_is_kept_and_reused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = Identity::load_or_create(&TlsConfig::default(), dir.path()).expect("created");
        let again = Identity::load_or_create(&TlsConfig::default(), dir.path()).expect("loaded");
        assert_eq!(first.fingerprint, again.fingerprint);
        first.server_config().expect("usable by rustls");
    }

    #[test]
    fn configured_pem_is_used() {
        let dir = tempfile::tempdir().expect("temp dir");
        let generated = Identity::load_or_create(&TlsConfig::default(), dir.path()).expect("ok");
        let config = TlsConfig {
            cert: Some(dir.path().join("tls/cert.pem")),
            key: Some(dir.path().join("tls/key.pem")),
            extra_names: Vec::new(),
        };
        let other = tempfile::tempdir().expect("temp dir");
        let loaded = Identity::load_or_create(&config, other.path()).expect("configured");
        assert_eq!(loaded.fingerprint, generated.fingerprint);
        assert!(!other.path().join("tls").exists(), "nothing generated");
    }

    #[test]
    fn half_configured_tls_is_refused() {
        let config = TlsConfig {
            cert: Some("x.pem".into()),
            key: None,
            extra_names: Vec::new(),
        };
        assert!(Identity::load_or_create(&config, Path::new("/nonexistent")).is_err());
    }
}
