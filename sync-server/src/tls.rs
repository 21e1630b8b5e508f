//! The server's TLS identity: a configured PEM certificate, or a self-signed one generated on
//! first start and kept in the data dir. Kiosks pin the SHA-256 of its public key (the
//! SubjectPublicKeyInfo), so no CA is needed and a certificate renewed on the same key changes
//! nothing for them.
//!
//! Rotating to a new key without re-enrolling the fleet: the operator prepares the next
//! certificate and key (`tls.next_cert` / `tls.next_key`, or `next-cert.pem` / `next-key.pem`
//! beside the generated pair), the server announces the next key's pin to every kiosk over the
//! pinned channel (`GET /v1/kiosk`), and once the kiosks have it the operator swaps the next
//! pair in as the current one.

use crate::config::TlsConfig;
use anyhow::Context;
use protocol::Fingerprint;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct Identity {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    /// The pin of the current key: what enrollment strings carry.
    pub fingerprint: Fingerprint,
    /// The pin of the key prepared for the next rotation, announced to kiosks ahead of it.
    pub next: Option<Fingerprint>,
}

/// Where a certificate and its key are.
struct Pair {
    cert: PathBuf,
    key: PathBuf,
}

/// The generated pair's files in `data_dir/tls/`, and the next pair's beside them.
pub fn generated_paths(data_dir: &Path) -> [PathBuf; 4] {
    let dir = data_dir.join("tls");
    [
        dir.join("cert.pem"),
        dir.join("key.pem"),
        dir.join("next-cert.pem"),
        dir.join("next-key.pem"),
    ]
}

impl Identity {
    /// Loads the configured certificate, or the generated one from `data_dir/tls/`, creating it
    /// if it does not exist yet; and the next pair, when one is prepared.
    pub fn load_or_create(config: &TlsConfig, data_dir: &Path) -> anyhow::Result<Identity> {
        Identity::load(config, data_dir, false)
    }

    /// [`Identity::load_or_create`] for a keys dir several instances may share and start on at
    /// once: the generated pair is made only if no instance has made it yet, and an instance
    /// that lost the race loads the winner's (see [`generate_once`]).
    pub fn load_or_create_shared(config: &TlsConfig, keys_dir: &Path) -> anyhow::Result<Identity> {
        Identity::load(config, keys_dir, true)
    }

    fn load(config: &TlsConfig, data_dir: &Path, shared: bool) -> anyhow::Result<Identity> {
        let [gen_cert, gen_key, gen_next_cert, gen_next_key] = generated_paths(data_dir);
        let current = match (&config.cert, &config.key) {
            (Some(cert), Some(key)) => Pair {
                cert: cert.clone(),
                key: key.clone(),
            },
            (None, None) => {
                if shared {
                    generate_once(&gen_cert, &gen_key, &config.extra_names)?;
                } else if !gen_cert.exists() || !gen_key.exists() {
                    generate(&gen_cert, &gen_key, &config.extra_names)?;
                }
                Pair {
                    cert: gen_cert,
                    key: gen_key,
                }
            }
            _ => anyhow::bail!("tls.cert and tls.key must be set together"),
        };
        let next = match (&config.next_cert, &config.next_key) {
            (Some(cert), Some(key)) => Some(Pair {
                cert: cert.clone(),
                key: key.clone(),
            }),
            (None, None) if config.cert.is_none() && gen_next_cert.exists() => Some(Pair {
                cert: gen_next_cert,
                key: gen_next_key,
            }),
            (None, None) => None,
            _ => anyhow::bail!("tls.next_cert and tls.next_key must be set together"),
        };
        let (chain, key, fingerprint) = load_pair(&current)?;
        let next = match next {
            Some(pair) => {
                let (next_chain, next_key, pin) = load_pair(&pair)?;
                server_config(next_chain, next_key).with_context(|| {
                    format!(
                        "the next certificate {} and key {} cannot be served",
                        pair.cert.display(),
                        pair.key.display()
                    )
                })?;
                Some(pin).filter(|pin| *pin != fingerprint)
            }
            None => None,
        };
        Ok(Identity {
            chain,
            key,
            fingerprint,
            next,
        })
    }

    /// Every pin kiosks should accept: the current key's, then the next one's.
    pub fn pins(&self) -> Vec<Fingerprint> {
        std::iter::once(self.fingerprint).chain(self.next).collect()
    }

    pub fn server_config(&self) -> anyhow::Result<Arc<rustls::ServerConfig>> {
        server_config(self.chain.clone(), self.key.clone_key())
    }
}

fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("certificate and key do not match")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The certificate chain, the key, and the pin of the leaf's public key.
fn load_pair(
    pair: &Pair,
) -> anyhow::Result<(
    Vec<CertificateDer<'static>>,
    PrivateKeyDer<'static>,
    Fingerprint,
)> {
    let chain = CertificateDer::pem_file_iter(&pair.cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("cannot read certificate {}", pair.cert.display()))?;
    let leaf = chain
        .first()
        .with_context(|| format!("no certificate in {}", pair.cert.display()))?;
    let pin = spki_pin(leaf)
        .with_context(|| format!("cannot read the certificate in {}", pair.cert.display()))?;
    let key = PrivateKeyDer::from_pem_file(&pair.key)
        .with_context(|| format!("cannot read private key {}", pair.key.display()))?;
    Ok((chain, key, pin))
}

/// The SHA-256 of the certificate's SubjectPublicKeyInfo (DER): what kiosks pin.
pub fn spki_pin(cert: &CertificateDer<'_>) -> anyhow::Result<Fingerprint> {
    let parsed = webpki::EndEntityCert::try_from(cert)
        .map_err(|e| anyhow::anyhow!("not an X.509 certificate: {e}"))?;
    Ok(Fingerprint(
        Sha256::digest(parsed.subject_public_key_info().as_ref()).into(),
    ))
}

/// Writes a fresh self-signed pair for the next rotation beside the generated one
/// (`tls/next-cert.pem`, `tls/next-key.pem`), unless one is already prepared; returns its pin.
pub fn prepare_rotation(data_dir: &Path, extra_names: &[String]) -> anyhow::Result<Fingerprint> {
    let [_, _, next_cert, next_key] = generated_paths(data_dir);
    if !next_cert.exists() || !next_key.exists() {
        generate(&next_cert, &next_key, extra_names)?;
    }
    Ok(load_pair(&Pair {
        cert: next_cert,
        key: next_key,
    })?
    .2)
}

/// The pin of the pair [`finish_rotation`] moved aside (`tls/previous-*.pem`), if there is one.
pub fn previous_pin(data_dir: &Path) -> Option<Fingerprint> {
    let dir = data_dir.join("tls");
    let pair = Pair {
        cert: dir.join("previous-cert.pem"),
        key: dir.join("previous-key.pem"),
    };
    load_pair(&pair).ok().map(|(_, _, pin)| pin)
}

/// Makes the prepared next pair the current one; the old pair is kept as `previous-*.pem`.
pub fn finish_rotation(data_dir: &Path) -> anyhow::Result<Fingerprint> {
    let [cert, key, next_cert, next_key] = generated_paths(data_dir);
    if !next_cert.exists() || !next_key.exists() {
        anyhow::bail!(
            "no rotation is prepared: {} does not exist (run `sync-server tls prepare-rotation` first)",
            next_cert.display()
        );
    }
    let pin = load_pair(&Pair {
        cert: next_cert.clone(),
        key: next_key.clone(),
    })?
    .2;
    let dir = data_dir.join("tls");
    for (from, to) in [
        (&cert, dir.join("previous-cert.pem")),
        (&key, dir.join("previous-key.pem")),
        (&next_cert, cert.clone()),
        (&next_key, key.clone()),
    ] {
        if from.exists() {
            std::fs::rename(from, &to)
                .with_context(|| format!("cannot move {} to {}", from.display(), to.display()))?;
        }
    }
    Ok(pin)
}

fn generate(cert_path: &Path, key_path: &Path, extra: &[String]) -> anyhow::Result<()> {
    let (cert, key) = self_signed(cert_path, extra)?;
    write_private(key_path, key.as_bytes())?;
    std::fs::write(cert_path, cert)
        .with_context(|| format!("cannot write {}", cert_path.display()))?;
    tracing::info!(cert = %cert_path.display(), "generated a self-signed certificate");
    Ok(())
}

/// Makes the generated pair unless another process (an instance on a shared keys dir) has:
/// the key is written to a file of this process's own and put in place as `key.pem` only if
/// there is none ([`crate::secrets::place_once`]); the winner then moves its certificate in. A
/// loser waits for the winner's certificate. Both files already there: nothing to do.
fn generate_once(cert_path: &Path, key_path: &Path, extra: &[String]) -> anyhow::Result<()> {
    if !key_path.exists() {
        let (cert, key) = self_signed(cert_path, extra)?;
        let suffix = crate::secrets::random_token(9);
        let tmp_key = key_path.with_extension(format!("pem.{suffix}.tmp"));
        let tmp_cert = cert_path.with_extension(format!("pem.{suffix}.tmp"));
        write_private(&tmp_key, key.as_bytes())?;
        let placed = crate::secrets::place_once(&tmp_key, key_path)
            .with_context(|| format!("cannot write {}", key_path.display()))?;
        if placed {
            std::fs::write(&tmp_cert, cert)
                .with_context(|| format!("cannot write {}", tmp_cert.display()))?;
            std::fs::rename(&tmp_cert, cert_path)
                .with_context(|| format!("cannot write {}", cert_path.display()))?;
            tracing::info!(cert = %cert_path.display(), "generated a self-signed certificate");
            return Ok(());
        }
    }
    // Up to 30 s: NFS may keep saying the name is missing from a cached lookup for that long.
    for _ in 0..600 {
        if cert_path.exists() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    anyhow::bail!(
        "{} is there but {} is not (another instance did not finish making them within 30 s): \
         if no kiosk has been enrolled yet, remove {} and start again",
        key_path.display(),
        cert_path.display(),
        key_path.display()
    )
}

/// A fresh self-signed certificate and its key (both PEM), for the host names this server
/// answers to.
fn self_signed(cert_path: &Path, extra: &[String]) -> anyhow::Result<(String, String)> {
    let dir = cert_path
        .parent()
        .expect("a generated certificate's path has a folder");
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
    // Kiosks pin the key, but a long life spares the operator renewals all the same.
    params.not_before = rcgen::date_time_ymd(2024, 1, 1);
    params.not_after = rcgen::date_time_ymd(2074, 1, 1);
    let key = rcgen::KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    Ok((cert.pem(), key.serialize_pem()))
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
mod tests;
