//! Server configuration: built-in defaults, then a TOML file, then `SYNC_SERVER_*` environment
//! variables (nested keys joined with `__`, e.g. `SYNC_SERVER_MEDIA__MAX_UPLOAD_BYTES`).

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use url::Url;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The address kiosks use to reach this server; goes into enrollment strings.
    /// Default: `https://<listen address>` (with 127.0.0.1 for an unspecified address).
    pub public_url: Option<Url>,
    /// Where the database, media and generated certificate live. Default: the platform data dir.
    pub data_dir: Option<PathBuf>,
    /// The database: unset, the SQLite file `server.db` in the data dir; `"postgres://…"`, a
    /// PostgreSQL database shared by every instance (issue 20; docs/scale-out.md).
    pub database: Option<DatabaseUrl>,
    /// Where the generated TLS pair (`tls/`) and the submission key (`submission.key`) are.
    /// Default: the data dir. Every instance on one PostgreSQL database must have the same keys:
    /// point this at a directory they share, or copy the files to each (`secrets`).
    pub keys_dir: Option<PathBuf>,
    /// A connection that has not sent a whole request header this long after it began one (or
    /// after the TLS handshake) is closed, so slow or stalled clients cannot hold connections.
    pub header_read_timeout_seconds: u64,
    /// Addresses of load balancers that pass TLS through and send a PROXY protocol header
    /// (HAProxy's, v1 or v2: nginx stream's `proxy_protocol on`). A connection from one of them
    /// must begin with one, and the client address it names is the client's (sign-in limits);
    /// a connection from any other address is taken as it is. Empty (default): none.
    pub proxy_protocol_from: Vec<std::net::IpAddr>,
    /// Where to serve `/metrics` (Prometheus), `/healthz` and `/readyz` over plain HTTP, apart
    /// from the TLS port; e.g. `"127.0.0.1:9464"`. Unset: no metrics listener. Anyone who can
    /// reach it can read the metrics (counts, no personal data), so keep it on loopback or a
    /// private network.
    pub metrics_listen: Option<SocketAddr>,
    pub load: LoadConfig,
    pub tls: TlsConfig,
    pub media: MediaConfig,
    pub staff: StaffConfig,
    pub feed: FeedConfig,
    pub enrollment: EnrollmentConfig,
    pub retention: RetentionConfig,
    pub deadlines: DeadlinesConfig,
}

/// Load shedding: past these limits a request is answered `503 server_busy` with `Retry-After`
/// instead of queueing. 0 means no limit.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadConfig {
    /// Requests being handled at once (an event stream counts only while it is being opened).
    pub max_requests_in_flight: usize,
    /// Event streams open at once; a kiosk turned away polls until it gets one.
    pub max_event_streams: usize,
    /// `Retry-After` of a 503: between this and twice this many seconds, at random.
    pub retry_after_seconds: u64,
}

/// How long employees' answers are kept once their case is closed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Answers of a case closed (replied, approved or rejected) this many days ago are erased;
    /// the case, its status, reply and history stay.
    pub answers_days_after_closed: u32,
    /// How often the server looks for answers to erase.
    pub check_every_hours: u32,
}

/// Case deadlines (`deadlines`): the holiday calendar, how often overdue cases are escalated,
/// and the daily digest by e-mail (off unless `[deadlines.mail]` is set).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlinesConfig {
    /// A calendar file (the format of `assets/holidays/cn.txt`) replacing the built-in one:
    /// China's holidays and adjusted working days, kept up to date by staff. Unset: built in.
    pub holidays_file: Option<PathBuf>,
    /// How often overdue cases are looked for and escalated.
    pub check_every_minutes: u32,
    /// The daily digest by e-mail; unset (the default): no e-mail is ever sent.
    pub mail: Option<MailConfig>,
}

/// Where the daily digest is sent from. The message holds counts and a link to the console,
/// never an applicant's name, answers or receipt code. `Debug` hides the password.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// The SMTP server's host name (its TLS certificate is checked against it).
    pub smtp_host: String,
    /// 465 for implicit TLS, 587 for STARTTLS (`starttls = true`); 25 only with `tls = "none"`.
    pub smtp_port: u16,
    /// `"tls"` (implicit, the default), `"starttls"`, or `"none"` (a relay on this machine only).
    #[serde(default = "default_mail_tls")]
    pub tls: String,
    /// Sign-in to the SMTP server, if it wants one.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// The sender, e.g. `"工会服务平台 <noreply@union.example.cn>"`.
    pub from: String,
    /// The hour (China time, 0-23) after which each day's digest is sent.
    #[serde(default = "default_mail_hour")]
    pub send_after_hour: u8,
}

/// A PostgreSQL connection URL (`postgres://user:password@host/db`). Its `Debug` hides the
/// password, so a configuration printed to a log never carries it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(pub String);

impl DatabaseUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for DatabaseUrl {
    fn from(url: String) -> DatabaseUrl {
        DatabaseUrl(url)
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match Url::parse(&self.0) {
            Ok(mut url) if url.password().is_some() => {
                url.set_password(Some("<redacted>"))
                    .map_err(|()| std::fmt::Error)?;
                write!(f, "{:?}", url.as_str())
            }
            Ok(url) => write!(f, "{:?}", url.as_str()),
            Err(_) => f.write_str("\"<not a URL: redacted>\""),
        }
    }
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .field("send_after_hour", &self.send_after_hour)
            .finish()
    }
}

fn default_mail_tls() -> String {
    "tls".to_owned()
}

fn default_mail_hour() -> u8 {
    8
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain. With `key`, used instead of the generated self-signed certificate.
    pub cert: Option<PathBuf>,
    /// PEM private key.
    pub key: Option<PathBuf>,
    /// The certificate (PEM) and key the server will move to at the next rotation. While set,
    /// the server announces the next key's pin to kiosks, so they keep trusting it after the
    /// swap. With the generated certificate, `tls/next-cert.pem` and `tls/next-key.pem` in the
    /// data dir play this part (`sync-server tls prepare-rotation` writes them).
    pub next_cert: Option<PathBuf>,
    pub next_key: Option<PathBuf>,
    /// Extra DNS names or IPs for the generated certificate.
    pub extra_names: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaConfig {
    pub max_upload_bytes: usize,
    pub display_max_edge: u32,
    pub thumbnail_max_edge: u32,
    /// Decoding refuses images wider or taller than this (decompression bombs).
    pub max_source_edge: u32,
    /// The directory media files are kept in, by hash. Default: `<data dir>/media`. Several
    /// instances on one database share one (NFS, …) or a bucket (`s3`).
    pub dir: Option<PathBuf>,
    /// An S3-compatible bucket instead of a directory (`media::storage`).
    pub s3: Option<S3Config>,
}

/// Where media is kept in an S3-compatible store. Credentials come from the environment only
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), never from this file:
/// a key named here is refused as unknown.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    pub bucket: String,
    /// The store's region, e.g. `"cn-north-1"`; for a store that has none, any name it accepts.
    pub region: String,
    /// The store's address, for one that is not AWS itself (MinIO, Ceph, a cloud's S3-compatible
    /// service), e.g. `"https://s3.example.cn"`. `http://` is allowed (a store on a private
    /// network). Unset: AWS.
    #[serde(default)]
    pub endpoint: Option<Url>,
    /// Objects are named `<prefix>/<sha256>.<ext>`; empty: `<sha256>.<ext>`.
    #[serde(default)]
    pub prefix: String,
    /// Address the bucket as `https://<bucket>.<endpoint host>/` rather than
    /// `https://<endpoint host>/<bucket>/`, for stores that want it.
    #[serde(default)]
    pub virtual_hosted_style: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffConfig {
    pub session_hours: u32,
    /// Largest JSON body the staff API accepts.
    pub max_json_bytes: usize,
    /// A session unused for this long ends, whatever `session_hours` says.
    pub session_idle_minutes: u32,
    /// Sign-in attempts allowed per username, and per client address, in `login_window_seconds`
    /// (counted before the password is checked; a successful one is given back).
    pub login_attempts_per_user: usize,
    pub login_attempts_per_address: usize,
    pub login_window_seconds: u64,
    /// Passwords checked at once (argon2 is slow and memory-hungry on purpose).
    pub max_concurrent_password_checks: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    pub default_limit: u32,
    pub max_limit: u32,
    pub keepalive_seconds: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollmentConfig {
    pub default_valid_minutes: u32,
    pub max_valid_minutes: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([0, 0, 0, 0], 8443)),
            public_url: None,
            data_dir: None,
            database: None,
            keys_dir: None,
            header_read_timeout_seconds: 10,
            proxy_protocol_from: Vec::new(),
            metrics_listen: None,
            load: LoadConfig {
                max_requests_in_flight: 0,
                max_event_streams: 0,
                retry_after_seconds: 5,
            },
            tls: TlsConfig::default(),
            media: MediaConfig {
                max_upload_bytes: 20 * 1024 * 1024,
                display_max_edge: 1920,
                thumbnail_max_edge: 480,
                max_source_edge: 12_000,
                dir: None,
                s3: None,
            },
            staff: StaffConfig {
                session_hours: 12,
                max_json_bytes: 2 * 1024 * 1024,
                session_idle_minutes: 30,
                login_attempts_per_user: 5,
                login_attempts_per_address: 20,
                login_window_seconds: 300,
                max_concurrent_password_checks: 2,
            },
            feed: FeedConfig {
                default_limit: 500,
                max_limit: 2000,
                keepalive_seconds: 15,
            },
            enrollment: EnrollmentConfig {
                default_valid_minutes: 24 * 60,
                max_valid_minutes: 30 * 24 * 60,
            },
            retention: RetentionConfig {
                answers_days_after_closed: 365,
                check_every_hours: 24,
            },
            deadlines: DeadlinesConfig {
                holidays_file: None,
                check_every_minutes: 10,
                mail: None,
            },
        }
    }
}

impl Config {
    /// Defaults, then `file` if given, then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.exists() {
                anyhow::bail!("config file {} does not exist", path.display());
            }
            fig = fig.merge(Toml::file(path));
        }
        fig.merge(Env::prefixed("SYNC_SERVER_").split("__"))
            .extract()
            .context("invalid configuration")
    }

    pub fn data_dir(&self) -> anyhow::Result<PathBuf> {
        if let Some(dir) = &self.data_dir {
            return Ok(dir.clone());
        }
        let dirs = directories::ProjectDirs::from("cn", "UnionKiosk", "sync-server")
            .context("no home directory to put the data in; pass --data-dir")?;
        Ok(dirs.data_dir().to_path_buf())
    }

    /// Where the keys are: `keys_dir`, or the data dir.
    pub fn keys_dir(&self) -> anyhow::Result<PathBuf> {
        match &self.keys_dir {
            Some(dir) => Ok(dir.clone()),
            None => self.data_dir(),
        }
    }

    /// `public_url`, or one made from the bound address.
    pub fn public_url_for(&self, bound: SocketAddr) -> Url {
        if let Some(url) = &self.public_url {
            return url.clone();
        }
        let ip = if bound.ip().is_unspecified() {
            "127.0.0.1".to_owned()
        } else if bound.is_ipv6() {
            format!("[{}]", bound.ip())
        } else {
            bound.ip().to_string()
        };
        Url::parse(&format!("https://{ip}:{}/", bound.port()))
            .expect("an IP address and port make a valid URL")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[expect(
        clippy::result_large_err,
        reason = "figment::Jail fixes the closure's error type"
    )]
    fn toml_overrides_defaults_and_env_overrides_toml() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("server.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\n[media]\nmax_upload_bytes = 1000\n",
        )
        .expect("write config");
        figment::Jail::expect_with(|jail| {
            jail.set_env("SYNC_SERVER_MEDIA__THUMBNAIL_MAX_EDGE", "200");
            let c = Config::load(Some(&file)).expect("config loads");
            assert_eq!(c.listen, SocketAddr::from(([127, 0, 0, 1], 9000)));
            assert_eq!(c.media.max_upload_bytes, 1000);
            assert_eq!(c.media.thumbnail_max_edge, 200);
            assert_eq!(c.media.display_max_edge, 1920);
            Ok(())
        });
    }

    /// The database URL's password never reaches a printed configuration.
    #[test]
    fn a_printed_config_hides_the_database_password() {
        let config = Config {
            database: Some(
                "postgres://union:s3cret-pw@db.example:5432/union"
                    .to_owned()
                    .into(),
            ),
            ..Config::default()
        };
        let printed = format!("{config:?}");
        assert!(!printed.contains("s3cret-pw"), "{printed}");
        assert!(
            printed.contains("postgres://union:%3Credacted%3E@db.example:5432/union"),
            "{printed}"
        );
        let bare = DatabaseUrl("not a url s3cret-pw".to_owned());
        assert!(!format!("{bare:?}").contains("s3cret-pw"));
    }

    #[test]
    fn unknown_keys_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("server.toml");
        std::fs::write(&file, "lisen = \"127.0.0.1:9000\"\n").expect("write config");
        let err = Config::load(Some(&file)).expect_err("typo must be refused");
        assert!(format!("{err:#}").contains("lisen"), "{err:#}");
    }

    #[test]
    #[expect(
        clippy::result_large_err,
        reason = "figment::Jail fixes the closure's error type"
    )]
    fn example_config_loads_and_matches_the_defaults() {
        let example = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../config/sync-server.example.toml"
        );
        // In a jail: another test sets SYNC_SERVER_* variables inside one.
        figment::Jail::expect_with(|_| {
            let loaded = Config::load(Some(Path::new(example))).expect("example is valid");
            assert_eq!(
                serde_json::to_value(&loaded).expect("serialises"),
                serde_json::to_value(Config::default()).expect("serialises"),
                "the example documents the defaults"
            );
            Ok(())
        });
    }

    #[test]
    fn public_url_defaults_to_bound_address() {
        let c = Config::default();
        let url = c.public_url_for(SocketAddr::from(([0, 0, 0, 0], 8443)));
        assert_eq!(url.as_str(), "https://127.0.0.1:8443/");
    }
}
