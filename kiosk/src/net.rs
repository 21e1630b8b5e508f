//! The kiosk's HTTPS client for the sync server. Trust is a pinned key from the enrollment
//! string (and the keys the server announced since), not a CA: see `pin`.

mod pin;

pub use pin::{PinSet, client_config as pinned_tls_config, spki_pin};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use protocol::ErrorCode;
use protocol::enroll::{EnrollRequest, EnrollResponse, kiosk_bearer};
use protocol::{
    ApiErrorBody, ChangesResponse, Cursor, FeedNotice, Fingerprint, KioskId, KioskInfo, MediaHash,
};
use reqwest::StatusCode;
use sha2::{Digest, Sha256};
use std::time::Duration;
use url::Url;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "the server's key does not match the pinned fingerprint: this is not the server the kiosk was enrolled with"
    )]
    PinMismatch,
    #[error("cannot reach the server: {0}")]
    Network(#[source] reqwest::Error),
    #[error("the server refused the request ({status}): {} ({})", .body.message, .body.error)]
    Server {
        status: StatusCode,
        body: ApiErrorBody,
        /// How long the server asked the kiosk to wait (`Retry-After`), when it said.
        retry_after: Option<Duration>,
    },
    #[error("media {0} arrived damaged (its content does not match its hash)")]
    Tampered(MediaHash),
    #[error("the server sent a response the kiosk cannot read: {0}")]
    Decode(String),
}

impl ClientError {
    /// The server's error code, when the server answered with one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Server { body, .. } => Some(body.error),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ClientError::Server { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The server is overloaded or shedding load (503, 429): nothing is wrong with the request,
    /// so the kiosk waits and tries again, and sends nothing more meanwhile.
    pub fn is_busy(&self) -> bool {
        matches!(
            self.status(),
            Some(StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS)
        )
    }

    /// The wait the server asked for (`Retry-After`), unbounded: the caller bounds it.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ClientError::Server { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    fn from_reqwest(e: reqwest::Error) -> ClientError {
        if pin::is_pin_mismatch(&e) {
            ClientError::PinMismatch
        } else {
            ClientError::Network(e)
        }
    }
}

/// The longest any request but the event stream may take, start to end.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A client bound to one server and its pinned keys; with credentials after enrollment.
///
/// One connection pool for everything: over HTTP/2 (negotiated by ALPN) the event stream and
/// every pull share one TLS connection, so a server holds one socket per kiosk, not two.
#[derive(Clone)]
pub struct ServerClient {
    http: reqwest::Client,
    base: Url,
    bearer: Option<String>,
    pins: PinSet,
    /// An event stream silent this many milliseconds (no event, no keepalive comment) is taken
    /// for dead. (A `u32`, not a `Duration`: the client is in every `Core`, kept small.)
    stream_silence_ms: u32,
}

/// How long an event stream may send nothing before the kiosk takes it for dead: a connection
/// cut without a word (a NAT that forgot it, a cable pulled between switches) otherwise looks
/// open for as long as TCP takes to notice. The server sends a keepalive comment every
/// `feed.keepalive_seconds` (15 by default), which must stay well below this.
pub const STREAM_SILENCE: Duration = Duration::from_secs(75);

impl ServerClient {
    pub fn new(base: Url, pin: Fingerprint) -> Result<ServerClient, ClientError> {
        ServerClient::with_pins(base, vec![pin])
    }

    /// A client that accepts the server under any of `pins`.
    pub fn with_pins(base: Url, pins: Vec<Fingerprint>) -> Result<ServerClient, ClientError> {
        let pins = PinSet::new(pins);
        // No overall timeout on the client: the event stream stays open; every other request
        // gets REQUEST_TIMEOUT in `send`.
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(pin::client_config_for(pins.clone()))
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("union-kiosk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ClientError::Network)?;
        Ok(ServerClient {
            http,
            base,
            bearer: None,
            pins,
            stream_silence_ms: STREAM_SILENCE.as_millis() as u32,
        })
    }

    /// The pins this client accepts; replacing them changes what new connections accept.
    pub fn pins(&self) -> &PinSet {
        &self.pins
    }

    /// The same client, authenticating as an enrolled kiosk.
    pub fn with_credentials(mut self, kiosk: &KioskId, secret: &str) -> ServerClient {
        self.bearer = Some(kiosk_bearer(kiosk, secret));
        self
    }

    /// The same client, taking an event stream silent for `limit` for dead (tests).
    pub fn with_stream_silence(mut self, limit: Duration) -> ServerClient {
        self.stream_silence_ms = u32::try_from(limit.as_millis()).unwrap_or(u32::MAX);
        self
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    fn url(&self, path: &str) -> Url {
        self.base
            .join(path)
            .expect("endpoint paths are valid relative URLs")
    }

    fn auth(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.bearer {
            Some(b) => req.header(reqwest::header::AUTHORIZATION, b),
            None => req,
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<reqwest::Response, ClientError> {
        self.send_open_ended(req.timeout(REQUEST_TIMEOUT)).await
    }

    /// As `send`, with no overall timeout (the event stream).
    async fn send_open_ended(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ClientError> {
        let resp = self
            .auth(req)
            .send()
            .await
            .map_err(ClientError::from_reqwest)?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, jiff::Timestamp::now()));
        let text = resp.text().await.map_err(ClientError::from_reqwest)?;
        let body = serde_json::from_str(&text).unwrap_or_else(|_| ApiErrorBody {
            error: ErrorCode::Unrecognised,
            message: text.chars().take(200).collect(),
        });
        Err(ClientError::Server {
            status,
            body,
            retry_after,
        })
    }

    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<T, ClientError> {
        let bytes = self
            .send(req)
            .await?
            .bytes()
            .await
            .map_err(ClientError::from_reqwest)?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// `GET /v1/health`: the server is up and the pin matches.
    pub async fn health(&self) -> Result<(), ClientError> {
        self.send(self.http.get(self.url("v1/health")))
            .await
            .map(drop)
    }

    /// `GET /v1/health`, and the server's clock from the response's `Date` header (`None` when
    /// the header is missing or unreadable): whole seconds, as HTTP sends it.
    pub async fn health_and_time(&self) -> Result<Option<jiff::Timestamp>, ClientError> {
        let resp = self.send(self.http.get(self.url("v1/health"))).await?;
        Ok(resp
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                jiff::fmt::rfc2822::DateTimeParser::new()
                    .parse_timestamp(v)
                    .ok()
            }))
    }

    pub async fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, ClientError> {
        self.json(self.http.post(self.url("v1/enroll")).json(req))
            .await
    }

    pub async fn me(&self) -> Result<KioskInfo, ClientError> {
        self.json(self.http.get(self.url("v1/kiosk"))).await
    }

    /// One page of the delta feed after `since` (from zero when `None`).
    pub async fn changes(
        &self,
        since: Option<Cursor>,
        limit: Option<u32>,
    ) -> Result<ChangesResponse, ClientError> {
        let mut url = self.url("v1/changes");
        {
            let mut q = url.query_pairs_mut();
            if let Some(c) = since {
                q.append_pair("since", &c.to_string());
            }
            if let Some(l) = limit {
                q.append_pair("limit", &l.to_string());
            }
        }
        // Read change by change: kinds a newer server has and this kiosk does not are skipped.
        let bytes = self
            .send(self.http.get(url))
            .await?
            .bytes()
            .await
            .map_err(ClientError::from_reqwest)?;
        let (page, skipped) = crate::sync::feed::decode_page(&bytes)
            .map_err(|e| ClientError::Decode(e.to_string()))?;
        crate::sync::feed::log_skipped(&skipped);
        Ok(page)
    }

    /// Uploads a submission; `Ok` only once the server has stored it durably (or had already).
    pub async fn submit(
        &self,
        upload: &protocol::submission::SubmissionUpload,
    ) -> Result<protocol::submission::SubmissionStored, ClientError> {
        self.json(self.http.post(self.url("v1/submissions")).json(upload))
            .await
    }

    /// The employee's status check (办理进度): receipt code and the phone's last four digits.
    pub async fn status_check(
        &self,
        query: &protocol::workflow::StatusQuery,
    ) -> Result<protocol::workflow::StatusAnswer, ClientError> {
        self.json(self.http.post(self.url("v1/status-check")).json(query))
            .await
    }

    /// The employee cancels a booking (limited places) with the same receipt code and digits;
    /// the answer is where it stands afterwards.
    pub async fn cancel_booking(
        &self,
        query: &protocol::workflow::StatusQuery,
    ) -> Result<protocol::workflow::StatusAnswer, ClientError> {
        self.json(self.http.post(self.url("v1/bookings/cancel")).json(query))
            .await
    }

    /// Tells the server how this kiosk is.
    pub async fn heartbeat(&self, beat: &protocol::workflow::Heartbeat) -> Result<(), ClientError> {
        self.send(self.http.post(self.url("v1/heartbeat")).json(beat))
            .await
            .map(drop)
    }

    /// Answers command `id` with a text report (remote care).
    pub async fn command_report(
        &self,
        id: i64,
        report: &protocol::command::CommandReport,
    ) -> Result<(), ClientError> {
        let url = self.url(&format!("v1/commands/{id}/result"));
        self.send(self.http.post(url).json(report)).await.map(drop)
    }

    /// Answers screenshot command `id` with a PNG.
    pub async fn command_screenshot(&self, id: i64, png: Vec<u8>) -> Result<(), ClientError> {
        let url = self.url(&format!("v1/commands/{id}/result"));
        let req = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "image/png")
            .body(png);
        self.send(req).await.map(drop)
    }

    /// A media file by hash, verified against the hash before it is returned.
    pub async fn media(&self, hash: &MediaHash) -> Result<Bytes, ClientError> {
        let resp = self
            .send(self.http.get(self.url(&format!("v1/media/{hash}"))))
            .await?;
        let bytes = resp.bytes().await.map_err(ClientError::from_reqwest)?;
        if MediaHash::from_digest(Sha256::digest(&bytes).into()) != *hash {
            return Err(ClientError::Tampered(hash.clone()));
        }
        Ok(bytes)
    }

    /// Opens `GET /v1/events?commands=1` (the console's commands included) and yields its
    /// notices until the server ends the stream.
    pub async fn events(
        &self,
    ) -> Result<impl Stream<Item = Result<Notice, ClientError>> + use<>, ClientError> {
        let req = self
            .http
            .get(self.url("v1/events?commands=1"))
            .header(reqwest::header::ACCEPT, "text/event-stream");
        let resp = self.send_open_ended(req).await?;
        let bytes = resp.bytes_stream();
        let silence = Duration::from_millis(u64::from(self.stream_silence_ms));
        Ok(futures_util::stream::unfold(
            (bytes, SseParser::default()),
            move |(mut bytes, mut parser)| async move {
                loop {
                    if let Some(n) = parser.next_notice() {
                        return Some((n, (bytes, parser)));
                    }
                    match tokio::time::timeout(silence, bytes.next()).await {
                        Ok(Some(Ok(chunk))) => parser.push(&chunk),
                        Ok(Some(Err(e))) => {
                            return Some((Err(ClientError::from_reqwest(e)), (bytes, parser)));
                        }
                        Ok(None) => return None,
                        Err(_) => {
                            let silent = ClientError::Decode(format!(
                                "the event stream sent nothing for {} s",
                                silence.as_secs_f32()
                            ));
                            return Some((Err(silent), (bytes, parser)));
                        }
                    }
                }
            },
        ))
    }
}

/// `Retry-After` as delay-seconds or as an HTTP date (the wait until it from `now`); `None`
/// when it is neither.
pub fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(value)
        .ok()?;
    Some(Duration::try_from(at.duration_since(now)).unwrap_or(Duration::ZERO))
}

/// A notice from the event stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Content in scope changed up to this seq: pull if behind.
    Changes(u64),
    /// The kiosk's scope changed (moved, or revoked): pull now; the stream ends.
    Reset(u64),
    /// Staff asked this kiosk to do something (remote care); answer it with
    /// [`ServerClient::command_report`] or [`ServerClient::command_screenshot`].
    Command(protocol::command::KioskCommand),
}

/// The longest event the parser waits for: the server's are a few dozen bytes. A stream that
/// sends more without ending an event is broken (or hostile) and is dropped.
pub const MAX_EVENT_BYTES: usize = 64 * 1024;

/// Splits an SSE byte stream into events (`event:` and `data:` lines, blank-line terminated).
/// Events it does not know are skipped, so a newer server can add some.
#[derive(Default)]
struct SseParser {
    buf: Vec<u8>,
}

impl SseParser {
    fn push(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    fn next_notice(&mut self) -> Option<Result<Notice, ClientError>> {
        let notice = self.next_known();
        if notice.is_none() && self.buf.len() > MAX_EVENT_BYTES {
            self.buf.clear();
            return Some(Err(ClientError::Decode(format!(
                "an event on the stream is over {MAX_EVENT_BYTES} bytes"
            ))));
        }
        notice
    }

    fn next_known(&mut self) -> Option<Result<Notice, ClientError>> {
        loop {
            // Events end with a blank line; a whole event is whole UTF-8.
            let (end, sep) = [&b"\n\n"[..], b"\r\n\r\n"]
                .iter()
                .filter_map(|sep| {
                    self.buf
                        .windows(sep.len())
                        .position(|w| w == *sep)
                        .map(|at| (at, sep.len()))
                })
                .min()?;
            let block = String::from_utf8_lossy(&self.buf[..end]).into_owned();
            self.buf.drain(..end + sep);
            let mut name = "message";
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim());
                }
            }
            if data.is_empty() {
                continue;
            }
            let decode = |e: serde_json::Error| ClientError::Decode(format!("event '{name}': {e}"));
            return Some(match name {
                "changes" | "message" => serde_json::from_str::<FeedNotice>(&data)
                    .map(|n| Notice::Changes(n.seq))
                    .map_err(decode),
                "reset" => serde_json::from_str::<FeedNotice>(&data)
                    .map(|n| Notice::Reset(n.seq))
                    .map_err(decode),
                "command" => serde_json::from_str(&data)
                    .map(Notice::Command)
                    .map_err(decode),
                _ => continue,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now: jiff::Timestamp = "2026-11-30T10:00:00Z".parse().expect("time");
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Mon, 30 Nov 2026 10:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Mon, 30 Nov 2026 09:59:00 GMT", now),
            Some(Duration::ZERO),
            "a date in the past: no wait"
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }

    #[test]
    fn sse_parser_handles_split_chunks_comments_and_crlf() {
        let mut p = SseParser::default();
        p.push(b": keep-alive\n\nevent: chan");
        assert!(p.next_notice().is_none());
        p.push(b"ges\r\ndata: {\"seq\":7}\r\n\r\nevent: reset\ndata: {\"seq\":9}\n\n");
        assert_eq!(
            p.next_notice().map(|r| r.ok()),
            Some(Some(Notice::Changes(7)))
        );
        assert_eq!(
            p.next_notice().map(|r| r.ok()),
            Some(Some(Notice::Reset(9)))
        );
        assert!(p.next_notice().is_none());
    }

    #[test]
    fn sse_parser_reads_commands_and_skips_unknown_events() {
        let mut p = SseParser::default();
        p.push(b"event: command\ndata: {\"id\":3,\"kind\":\"screenshot\"}\n\n");
        p.push(b"event: weather\ndata: {\"sun\":true}\n\nevent: changes\ndata: {\"seq\":4}\n\n");
        assert_eq!(
            p.next_notice().map(|r| r.ok()),
            Some(Some(Notice::Command(protocol::command::KioskCommand {
                id: 3,
                kind: protocol::command::CommandKind::Screenshot
            })))
        );
        assert_eq!(
            p.next_notice().map(|r| r.ok()),
            Some(Some(Notice::Changes(4))),
            "the unknown event was skipped"
        );
        assert!(p.next_notice().is_none());
    }

    #[test]
    fn sse_parser_buffer_is_capped() {
        let mut p = SseParser::default();
        let endless = vec![b'x'; 4096];
        let mut refused = false;
        for _ in 0..(MAX_EVENT_BYTES / endless.len() + 2) {
            p.push(&endless);
            if let Some(r) = p.next_notice() {
                assert!(r.is_err(), "no event in there");
                refused = true;
                break;
            }
        }
        assert!(refused, "an event that never ends is refused");
        assert!(p.buf.is_empty());
        p.push(b"event: changes\ndata: {\"seq\":1}\n\n");
        assert_eq!(
            p.next_notice().map(|r| r.ok()),
            Some(Some(Notice::Changes(1)))
        );
    }

    /// Every notice the parser yields after `chunks` are pushed one by one, as `Ok` values or
    /// `"error"`.
    fn notices(chunks: &[&[u8]]) -> Vec<Result<Notice, String>> {
        let mut p = SseParser::default();
        let mut out = Vec::new();
        for chunk in chunks {
            p.push(chunk);
            while let Some(n) = p.next_notice() {
                out.push(n.map_err(|_| "error".to_owned()));
            }
        }
        out
    }

    fn event() -> impl Strategy<Value = (String, Option<Notice>)> {
        let notice = (any::<bool>(), any::<u64>(), any::<bool>()).prop_map(|(reset, seq, crlf)| {
            let (name, notice) = if reset {
                ("reset", Notice::Reset(seq))
            } else {
                ("changes", Notice::Changes(seq))
            };
            let end = if crlf { "\r\n" } else { "\n" };
            (
                format!("event: {name}{end}data: {{\"seq\":{seq}}}{end}{end}"),
                Some(notice),
            )
        });
        let comment = "[a-z ]{0,20}".prop_map(|text| (format!(": {text}\n\n"), None));
        prop_oneof![3 => notice, 1 => comment]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// However the network splits the stream, the same notices come out, in order.
        #[test]
        fn notices_survive_any_chunking(
            events in prop::collection::vec(event(), 0..8),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
        ) {
            let stream: String = events.iter().map(|(text, _)| text.as_str()).collect();
            let expect: Vec<Result<Notice, String>> =
                events.iter().filter_map(|(_, n)| n.map(Ok)).collect();
            let bytes = stream.as_bytes();
            let mut at: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
            at.sort_unstable();
            let mut chunks = Vec::new();
            let mut from = 0;
            for to in at.into_iter().chain([bytes.len()]) {
                chunks.push(&bytes[from..to]);
                from = to;
            }
            prop_assert_eq!(notices(&chunks), expect);
        }

        /// Bytes from a broken or hostile stream give notices or errors, never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(
            chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..8),
        ) {
            let chunks: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
            let _ = notices(&chunks);
        }
    }
}
