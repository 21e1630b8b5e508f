//! How the server reaches PostgreSQL (issue 20): the `database` URL read as libpq reads it,
//! TLS included, so that a database on another machine is reached encrypted and, when asked,
//! verified. Every connection the server opens (the pools, the relay's listener, the leader's
//! lock, the key check, `migrate --to`) comes from [`Target`].
//!
//! `sslmode` means what it means to libpq (and psql):
//! - `disable`: no TLS;
//! - `prefer` (the default): TLS when the server offers it, otherwise plain; the certificate is
//!   not checked (encryption against eavesdropping only, as libpq does);
//! - `require`: TLS or no connection; the certificate is not checked unless `sslrootcert` is
//!   given, when it is checked as by `verify-ca` (libpq's rule);
//! - `verify-ca`: TLS, the certificate must chain to `sslrootcert`;
//! - `verify-full`: as `verify-ca`, and it must name the host connected to. **Use this one**
//!   when the database is on another machine.
//!
//! `sslrootcert=<file>` names the PEM file of the certificate authorities to trust. libpq's
//! default file (`~/.postgresql/root.crt`) is not read: `verify-ca` and `verify-full` need the
//! parameter.
//!
//! A dead link is noticed on both sides, unless the URL says otherwise: connecting gives up
//! after [`CONNECT_TIMEOUT`], the client sends TCP keepalives, and the server is asked (through
//! `options`) to probe its side too, so that a session whose instance vanished behind a network
//! partition ends within about a minute and the locks it held (the leader's) are released,
//! rather than after the kernel's two hours.

use anyhow::{Context, bail};
use rustls::DigitallySignedStruct;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres_rustls::MakeRustlsConnect;

/// How long connecting may take unless the URL's `connect_timeout` says.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The server's side of the keepalives, unless the URL passes `options` of its own: idle
/// seconds before the first probe, seconds between probes, probes lost before it gives up.
const SERVER_KEEPALIVES: &str =
    "-c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3";

/// A database to connect to: the client's configuration and the TLS to use.
#[derive(Clone)]
pub struct Target {
    pub config: postgres::Config,
    pub tls: MakeRustlsConnect,
}

impl Target {
    /// Reads a `postgres://…` URL, `sslmode` and `sslrootcert` as libpq does (module docs).
    /// Errors say what is wrong without repeating the URL (it may hold a password).
    pub fn from_url(url: &str) -> anyhow::Result<Target> {
        let mut parsed =
            url::Url::parse(url).context("the database URL is not a URL (postgres://…)")?;
        let mut mode = Mode::Prefer;
        let mut root = None;
        // The other parameters go on byte for byte (re-encoding would turn `%20` into `+`).
        let mut rest = Vec::new();
        for segment in parsed.query().unwrap_or("").split('&') {
            let Some((key, value)) = url::form_urlencoded::parse(segment.as_bytes()).next() else {
                continue;
            };
            match &*key {
                "sslmode" => mode = Mode::parse(&value)?,
                "sslrootcert" => root = Some(value.into_owned()),
                _ => rest.push(segment.to_owned()),
            }
        }
        parsed.set_query((!rest.is_empty()).then(|| rest.join("&")).as_deref());
        let mut config: postgres::Config = parsed
            .as_str()
            .parse()
            .context("the database URL is not one PostgreSQL accepts")?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.keepalives(true);
        if config.get_options().is_none() {
            config.options(SERVER_KEEPALIVES);
        }
        config.ssl_mode(match mode {
            Mode::Disable => postgres::config::SslMode::Disable,
            Mode::Prefer => postgres::config::SslMode::Prefer,
            Mode::Require | Mode::VerifyCa | Mode::VerifyFull => postgres::config::SslMode::Require,
        });
        let check = match (mode, root) {
            (Mode::VerifyCa | Mode::VerifyFull, None) => bail!(
                "the database URL asks for sslmode={} but names no sslrootcert=<file> holding \
                 the certificate authority to trust",
                mode.name()
            ),
            (Mode::VerifyFull, Some(file)) => Check::Full(roots(Path::new(&file))?),
            (Mode::VerifyCa | Mode::Require | Mode::Prefer, Some(file)) => {
                Check::Chain(roots(Path::new(&file))?)
            }
            (Mode::Disable | Mode::Prefer | Mode::Require, None) => Check::None,
            (Mode::Disable, Some(_)) => Check::None,
        };
        Ok(Target {
            config,
            tls: MakeRustlsConnect::new(client_config(check)?),
        })
    }

    /// A new connection.
    pub fn connect(&self) -> Result<postgres::Client, postgres::Error> {
        self.config.connect(self.tls.clone())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl Mode {
    fn parse(value: &str) -> anyhow::Result<Mode> {
        Ok(match value {
            "disable" => Mode::Disable,
            "prefer" => Mode::Prefer,
            "require" => Mode::Require,
            "verify-ca" => Mode::VerifyCa,
            "verify-full" => Mode::VerifyFull,
            // libpq's `allow` tries plain first: nothing here wants that.
            other => bail!(
                "sslmode={other:?} in the database URL is not one of disable, prefer, require, \
                 verify-ca, verify-full"
            ),
        })
    }

    fn name(self) -> &'static str {
        match self {
            Mode::Disable => "disable",
            Mode::Prefer => "prefer",
            Mode::Require => "require",
            Mode::VerifyCa => "verify-ca",
            Mode::VerifyFull => "verify-full",
        }
    }
}

/// What is checked of the database server's certificate.
enum Check {
    /// Nothing (libpq's `prefer` and `require` without a root file): encryption only.
    None,
    /// That it chains to these roots, whatever host it names.
    Chain(Arc<rustls::RootCertStore>),
    /// That it chains to these roots and names the host connected to.
    Full(Arc<rustls::RootCertStore>),
}

fn roots(file: &Path) -> anyhow::Result<Arc<rustls::RootCertStore>> {
    use rustls::pki_types::pem::PemObject;
    let mut store = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(file)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("reading sslrootcert {}", file.display()))?;
    for cert in certs {
        store
            .add(cert)
            .with_context(|| format!("a certificate in sslrootcert {}", file.display()))?;
    }
    if store.is_empty() {
        bail!("sslrootcert {} holds no certificate", file.display());
    }
    Ok(Arc::new(store))
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn client_config(check: Check) -> anyhow::Result<rustls::ClientConfig> {
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .context("TLS versions for the database")?;
    let verifier: Arc<dyn ServerCertVerifier> = match check {
        Check::None => Arc::new(Relaxed {
            chain: None,
            provider: provider(),
        }),
        Check::Full(roots) => WebPkiServerVerifier::builder_with_provider(roots, provider())
            .build()
            .context("the database's certificate check")?,
        Check::Chain(roots) => Arc::new(Relaxed {
            chain: Some(
                WebPkiServerVerifier::builder_with_provider(roots, provider())
                    .build()
                    .context("the database's certificate check")?,
            ),
            provider: provider(),
        }),
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// libpq's `prefer`/`require` without a root file (`chain: None`: any certificate is taken) and
/// `verify-ca` (the chain is checked, the name in the certificate is not). Either way the
/// handshake's signatures are checked, so the session is encrypted to whoever holds the
/// presented key.
#[derive(Debug)]
struct Relaxed {
    chain: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Relaxed {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_parameters_are_taken_out_of_the_url() {
        let t = Target::from_url(
            "postgres://union:s3cret@db.example:5433/union?sslmode=require&application_name=kiosk",
        )
        .expect("a valid URL");
        assert_eq!(t.config.get_ssl_mode(), postgres::config::SslMode::Require);
        assert_eq!(t.config.get_dbname(), Some("union"));
        assert_eq!(t.config.get_application_name(), Some("kiosk"));
        assert_eq!(t.config.get_connect_timeout(), Some(&CONNECT_TIMEOUT));
        assert!(t.config.get_keepalives());
        assert_eq!(t.config.get_options(), Some(SERVER_KEEPALIVES));
        let own = Target::from_url(
            "postgres://u@h/d?options=-c%20search_path%3Dunion&sslmode=require&connect_timeout=3",
        )
        .expect("a valid URL");
        assert_eq!(own.config.get_options(), Some("-c search_path=union"));
        assert_eq!(
            own.config.get_connect_timeout(),
            Some(&Duration::from_secs(3))
        );
        let plain = Target::from_url("postgres://u@h/d").expect("a valid URL");
        assert_eq!(
            plain.config.get_ssl_mode(),
            postgres::config::SslMode::Prefer
        );
        let off = Target::from_url("postgres://u@h/d?sslmode=disable").expect("a valid URL");
        assert_eq!(
            off.config.get_ssl_mode(),
            postgres::config::SslMode::Disable
        );
    }

    #[test]
    fn verification_without_a_root_file_or_with_a_bad_mode_is_refused_without_the_password() {
        for url in [
            "postgres://u:pw-123@h/d?sslmode=verify-full",
            "postgres://u:pw-123@h/d?sslmode=verify-ca",
            "postgres://u:pw-123@h/d?sslmode=allow",
            "postgres://u:pw-123@h/d?sslmode=require&sslrootcert=/nonexistent/ca.pem",
        ] {
            let e = format!("{:#}", Target::from_url(url).err().expect("refused"));
            assert!(!e.contains("pw-123"), "{e}");
            assert!(e.contains("sslrootcert") || e.contains("sslmode"), "{e}");
        }
    }
}
