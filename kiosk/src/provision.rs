//! Enrolling from the provisioning screen. What branch IT scanned or typed is checked step by
//! step — the string, the server's key, the kiosk's clock against the server's, then the
//! one-time token — and every way it can fail is one [`Failure`], which the screen says as a
//! sentence. The token is presented only after the server proved its key and the clocks agree,
//! so a fixable problem never spends it. Nothing here logs the string or its token.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use jiff::{SignedDuration, Timestamp};
use protocol::enroll::InvalidEnrollmentString;
use protocol::{EnrollmentString, ErrorCode};
use url::{Host, Url};

use crate::admin::{self, EnrollError};
use crate::net::{ClientError, Notice, ServerClient};
use crate::store::{Enrollment, Store};

/// How far the kiosk's clock may be from the server's before enrollment stops: beyond this,
/// dates on receipts, "last synced" and opening hours would be wrong on the glass.
pub const CLOCK_TOLERANCE: SignedDuration = SignedDuration::from_mins(5);

/// What an enrollment string starts with; a scan cut short is a prefix of it, or starts with it.
const SCHEME: &str = "unionkiosk://enroll";

/// Why enrolling did not work, in terms branch IT can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Not an enrollment string at all (another QR code, or other text).
    NotEnrollment,
    /// It starts as one but is incomplete or damaged: the scan was cut short, or a typo.
    Incomplete,
    /// The server answered with a key other than the one pinned in the string.
    WrongKey,
    TokenUsed,
    TokenExpired,
    /// The server knows no such token (mistyped, or withdrawn).
    TokenUnknown,
    /// No network interface besides loopback has an address.
    NetworkDown,
    /// The network is up but the server at `host` does not answer.
    ServerSilent {
        host: String,
    },
    /// The kiosk's clock is `off` from the server's (positive: the kiosk is ahead).
    ClockWrong {
        off: SignedDuration,
    },
    /// The server is busy (503, 429: shedding load, or its disk is full): nothing is wrong with
    /// the string; try again in a minute or two.
    ServerBusy,
    /// Anything else: try again, then ask the union office.
    Other,
}

impl Failure {
    /// How a string that does not parse failed: a cut-short scan still starts like an
    /// enrollment string (or is the start of one).
    fn malformed(text: &str, e: &InvalidEnrollmentString) -> Failure {
        let t = text.trim();
        let begun = t.starts_with("unionkiosk:") || (!t.is_empty() && SCHEME.starts_with(t));
        match e {
            InvalidEnrollmentString::Scheme if !begun => Failure::NotEnrollment,
            _ => Failure::Incomplete,
        }
    }

    /// A network client's error, on the way to `server`.
    fn of_client(e: &ClientError, server: &Url) -> Failure {
        match e {
            ClientError::PinMismatch => Failure::WrongKey,
            ClientError::Network(_) => unreachable(server),
            ClientError::Server { .. } if e.is_busy() => Failure::ServerBusy,
            ClientError::Server { .. } => match e.code() {
                Some(ErrorCode::EnrollmentTokenUsed) => Failure::TokenUsed,
                Some(ErrorCode::EnrollmentTokenExpired) => Failure::TokenExpired,
                Some(ErrorCode::EnrollmentTokenUnknown) => Failure::TokenUnknown,
                _ => other(e),
            },
            ClientError::Tampered(_) | ClientError::Decode(_) => other(e),
        }
    }
}

/// A failure without a sentence of its own: logged (never with the token), said generically.
fn other(e: &dyn std::fmt::Display) -> Failure {
    tracing::warn!(error = %e, "enrollment failed");
    Failure::Other
}

/// The server cannot be reached: the network is down, or the server is silent. A server on
/// this machine is reached over loopback, so the network's state does not matter for it.
fn unreachable(server: &Url) -> Failure {
    let local = match server.host() {
        Some(Host::Ipv4(a)) => a.is_loopback(),
        Some(Host::Ipv6(a)) => a.is_loopback(),
        Some(Host::Domain(d)) => d == "localhost",
        None => false,
    };
    if !local && !NetworkState::read().is_up() {
        Failure::NetworkDown
    } else {
        Failure::ServerSilent {
            host: host_of(server),
        }
    }
}

/// `host:port` of a server, as branch IT would recognise it.
pub fn host_of(server: &Url) -> String {
    match (server.host_str(), server.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => server.to_string(),
    }
}

/// The kiosk's network as the screen shows it: each interface other than loopback that is up
/// with an address that can reach beyond the link (link-local addresses come with any cable
/// and prove nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkState {
    /// (interface name, address), sorted.
    pub addresses: Vec<(String, IpAddr)>,
}

impl NetworkState {
    pub fn read() -> NetworkState {
        let mut addresses: Vec<(String, IpAddr)> = if_addrs::get_if_addrs()
            .unwrap_or_default()
            .into_iter()
            .filter(|i| !i.is_loopback() && !i.is_link_local())
            .filter(|i| i.oper_status != if_addrs::IfOperStatus::Down)
            .map(|i| {
                let ip = i.ip();
                (i.name, ip)
            })
            .collect();
        addresses.sort();
        addresses.dedup();
        NetworkState { addresses }
    }

    pub fn is_up(&self) -> bool {
        !self.addresses.is_empty()
    }
}

/// Parses what was entered, or says why it is not an enrollment string.
pub fn parse(text: &str) -> Result<EnrollmentString, Failure> {
    text.parse()
        .map_err(|e: InvalidEnrollmentString| Failure::malformed(text, &e))
}

/// Asks the server in `parsed` whether it answers with the pinned key, without the token, and
/// compares its clock with the kiosk's: `local_now` is the kiosk's clock when the question
/// is sent (the screen's last tick).
pub async fn check_server(parsed: &EnrollmentString, local_now: Timestamp) -> Result<(), Failure> {
    let asked = Instant::now();
    let client = ServerClient::new(parsed.server.clone(), parsed.fingerprint)
        .map_err(|e| Failure::of_client(&e, &parsed.server))?;
    let server_time = client
        .health_and_time()
        .await
        .map_err(|e| Failure::of_client(&e, &parsed.server))?;
    if let Some(server_time) = server_time {
        let elapsed = SignedDuration::try_from(asked.elapsed()).unwrap_or(SignedDuration::ZERO);
        let local = local_now.saturating_add(elapsed).unwrap_or(local_now);
        let off = local.duration_since(server_time);
        if off.abs() > CLOCK_TOLERANCE {
            return Err(Failure::ClockWrong { off });
        }
    }
    Ok(())
}

/// Enrolls the kiosk whose data lives in `dir` with the entered `text`: parse, check the server
/// and the clock (see [`check_server`]), then spend the token and keep the credentials.
pub async fn enroll(
    dir: PathBuf,
    text: String,
    name: String,
    local_now: Timestamp,
) -> Result<Enrollment, Failure> {
    let parsed = parse(&text)?;
    check_server(&parsed, local_now).await?;
    let mut store = open_store(dir).await?;
    admin::enroll(&mut store, &text, &name)
        .await
        .map_err(|e| match e {
            EnrollError::Client(c) => Failure::of_client(&c, &parsed.server),
            EnrollError::Invalid(i) => Failure::malformed(&text, &i),
            EnrollError::Store(s) => other(&s),
        })
}

async fn open_store(dir: PathBuf) -> Result<Store, Failure> {
    tokio::task::spawn_blocking(move || Store::open(&dir))
        .await
        .expect("opening the store does not panic")
        .map_err(|e| other(&e))
}

/// The head of the feed as the server sees it now: the first notice of the event stream. The
/// first sync's progress is its position against this. `None` if the stream does not say
/// within a few seconds (the progress bar then counts pages only).
pub async fn feed_head(enrollment: &Enrollment) -> Option<u64> {
    let client = ServerClient::with_pins(enrollment.server.clone(), enrollment.pins())
        .ok()?
        .with_credentials(&enrollment.kiosk_id, &enrollment.secret);
    let first = async {
        let mut stream = Box::pin(client.events().await.ok()?);
        match stream.next().await {
            Some(Ok(Notice::Changes(seq) | Notice::Reset(seq))) => Some(seq),
            _ => None,
        }
    };
    tokio::time::timeout(Duration::from_secs(5), first)
        .await
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_server_is_said_apart_from_other_failures() {
        let server = Url::parse("https://union.example.cn:8443/").expect("url");
        let refusal = |status: u16, error: ErrorCode| ClientError::Server {
            status: reqwest::StatusCode::from_u16(status).expect("status"),
            body: protocol::ApiErrorBody {
                error,
                message: String::new(),
            },
            retry_after: None,
        };
        for (status, code) in [
            (503, ErrorCode::ServerBusy),
            (503, ErrorCode::StorageFull),
            (429, ErrorCode::TooManyChecks),
        ] {
            assert_eq!(
                Failure::of_client(&refusal(status, code), &server),
                Failure::ServerBusy,
                "{status} {code:?}"
            );
        }
        assert_eq!(
            Failure::of_client(&refusal(500, ErrorCode::Internal), &server),
            Failure::Other
        );
    }

    #[test]
    fn a_cut_short_scan_is_incomplete_and_other_text_is_not_an_enrollment_string() {
        let full = "unionkiosk://enroll?server=https%3A%2F%2Funion.example.cn%3A8443%2F&token=abcdefABCDEF-_123&fp=0707070707070707070707070707070707070707070707070707070707070707";
        assert!(parse(full).is_ok());
        for cut in [10, 19, 30, 60, 80, full.len() - 1] {
            assert_eq!(
                parse(&full[..cut]).map(drop),
                Err(Failure::Incomplete),
                "{cut}"
            );
        }
        for other in ["hello", "https://union.example.cn/", "12345", "WIFI:S:x;;"] {
            assert_eq!(
                parse(other).map(drop),
                Err(Failure::NotEnrollment),
                "{other}"
            );
        }
    }
}
