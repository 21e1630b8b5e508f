//! Key pinning: the server is trusted when the SHA-256 of its leaf certificate's public key
//! (SubjectPublicKeyInfo, DER) is one of the kiosk's pins — the one from the enrollment string,
//! or those the server announced since. A pin in the older form, the SHA-256 of the whole leaf
//! certificate, is accepted too, so kiosks enrolled before key pinning keep working. Handshake
//! signatures are still verified normally, with the same certificate parse as the pin check.

use protocol::Fingerprint;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};
use std::sync::{Arc, RwLock};

/// The pins a client accepts, shared by its connections, so pins announced by the server take
/// effect without building a new client. Also remembers the key the last handshake presented.
#[derive(Debug, Clone)]
pub struct PinSet {
    inner: Arc<RwLock<PinState>>,
}

#[derive(Debug)]
struct PinState {
    pins: Vec<Fingerprint>,
    last_seen: Option<Fingerprint>,
}

impl PinSet {
    pub fn new(pins: Vec<Fingerprint>) -> PinSet {
        PinSet {
            inner: Arc::new(RwLock::new(PinState {
                pins,
                last_seen: None,
            })),
        }
    }

    /// Replaces the accepted pins (connections already open stay as they are).
    pub fn replace(&self, pins: Vec<Fingerprint>) {
        self.inner
            .write()
            .expect("the pin lock is never held across a panic")
            .pins = pins;
    }

    /// The key pin (SPKI form) of the server in the last handshake that passed.
    pub fn last_seen(&self) -> Option<Fingerprint> {
        self.inner
            .read()
            .expect("the pin lock is never held across a panic")
            .last_seen
    }

    /// Whether `cert` matches a pin, by its key or (older pins) by the whole certificate; a
    /// match is remembered as `last_seen`.
    fn admits(&self, cert: &CertificateDer<'_>) -> bool {
        let Some(key) = spki_pin(cert) else {
            return false;
        };
        let whole = Fingerprint(Sha256::digest(cert.as_ref()).into());
        let mut state = self
            .inner
            .write()
            .expect("the pin lock is never held across a panic");
        let ok = state.pins.iter().any(|p| *p == key || *p == whole);
        if ok {
            state.last_seen = Some(key);
        }
        ok
    }
}

/// The SHA-256 of the certificate's SubjectPublicKeyInfo, as read by the same parser that
/// rustls verifies handshake signatures with; `None` for what is not a certificate.
pub fn spki_pin(cert: &CertificateDer<'_>) -> Option<Fingerprint> {
    let parsed = webpki::EndEntityCert::try_from(cert).ok()?;
    Some(Fingerprint(
        Sha256::digest(parsed.subject_public_key_info().as_ref()).into(),
    ))
}

#[derive(Debug)]
struct PinnedVerifier {
    pins: PinSet,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self.pins.admits(end_entity) {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A TLS client config that trusts only a server matching `pin`.
pub fn client_config(pin: Fingerprint) -> rustls::ClientConfig {
    client_config_for(PinSet::new(vec![pin]))
}

/// A TLS client config that trusts only a server matching one of `pins`.
pub fn client_config_for(pins: PinSet) -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(PinnedVerifier {
        pins,
        provider: provider.clone(),
    });
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("the ring provider supports the default TLS versions")
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config
}

/// Whether a request failed because the certificate did not match the pin.
pub fn is_pin_mismatch(e: &reqwest::Error) -> bool {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = next {
        if let Some(rustls::Error::InvalidCertificate(
            CertificateError::ApplicationVerificationFailure,
        )) = err.downcast_ref::<rustls::Error>()
        {
            return true;
        }
        // An io::Error's source() skips the error it wraps, so step into that one instead.
        next = match err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    false
}
