//! What operators run the server by: `/metrics` on its own listener (and not on the public
//! port), `/healthz` and `/readyz`, request ids on every log line a request causes, load
//! shedding; and a kiosk that keeps its place while the server is busy.

use kiosk::net::ClientError;
use kiosk::store::Store;
use kiosk::sync::{Engine, SyncConfig};
use protocol::EnrollmentString;
use protocol::submission::FormAnswers;
use reqwest::StatusCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tests::proxy::{Fault, Proxy};
use tests::{TestServer, news};

fn raw_client(server: &TestServer) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_backend_preconfigured(kiosk::net::pinned_tls_config(server.fingerprint))
        .build()
        .expect("client builds")
}

async fn with_metrics(tweak: impl FnOnce(&mut sync_server::Config)) -> TestServer {
    TestServer::start_with(|c| {
        c.metrics_listen = Some("127.0.0.1:0".parse().expect("address"));
        tweak(c);
    })
    .await
}

async fn scrape(server: &TestServer) -> String {
    let addr = server.metrics.expect("the metrics listener is on");
    let resp = raw_client(server)
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .expect("metrics answer");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .expect("ascii")
            .starts_with("text/plain; version=0.0.4")
    );
    resp.text().await.expect("text")
}

/// The value of the sample named exactly `series` (name and labels), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter_map(|l| l.strip_prefix(series))
        .filter_map(|rest| rest.strip_prefix(' '))
        .find_map(|v| v.trim().parse().ok())
}

#[tokio::test]
async fn metrics_count_streams_pushes_pulls_heartbeats_and_the_fleet() {
    let server = with_metrics(|_| {}).await;
    let tree = server.org_tree().await;
    let kiosk = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let mut stream = Box::pin(kiosk.events().await.expect("stream opens"));
    tests::next_notice(&mut stream).await;
    let before = scrape(&server).await;
    let org = format!(
        "union_sync_event_streams_open{{org=\"{}\"}}",
        tree.branch_a.0
    );
    assert_eq!(sample(&before, &org), Some(1.0), "{before}");

    let record = tree
        .admin
        .publish(tree.province, news("指标"))
        .await
        .expect("published");
    let kiosk::net::Notice::Changes(seq) = tests::next_notice(&mut stream).await else {
        panic!("a changes notice");
    };
    let page = kiosk.changes(None, None).await.expect("pull");
    assert!(page.changes.iter().any(|c| c.id() == &record.item.id));
    kiosk
        .heartbeat(&protocol::workflow::Heartbeat {
            version: "test".into(),
            cursor: Some(page.cursor.to_string()),
            outbox_depth: 0,
            free_disk_bytes: None,
            uptime_seconds: 5,
            last_sync_at: Some(jiff::Timestamp::now()),
            usage: None,
        })
        .await
        .expect("heartbeat");

    let text = scrape(&server).await;
    assert_eq!(sample(&text, "union_sync_feed_head_seq"), Some(seq as f64));
    assert_eq!(
        sample(&text, "union_sync_publish_to_event_seconds_count"),
        Some(1.0),
        "one notice of a publish (the stream's first notice is not a publish): {text}"
    );
    assert_eq!(
        sample(&text, "union_sync_feed_pulls_total{status=\"200\"}"),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "union_sync_feed_pull_duration_seconds_count"),
        Some(1.0)
    );
    assert_eq!(sample(&text, "union_sync_heartbeats_total"), Some(1.0));
    assert_eq!(
        sample(&text, "union_sync_kiosks{health=\"online\"}"),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "union_sync_kiosks{health=\"offline\"}"),
        Some(0.0)
    );
    assert!(
        sample(&text, "union_sync_db_write_wait_seconds_count").is_some_and(|n| n >= 3.0),
        "writes waited for the writer were timed: {text}"
    );
    assert!(
        text.contains(
            "union_sync_http_requests_total{route=\"/v1/staff/content\",status=\"201\"} 1"
        )
    );
    // Bounded labels: no kiosk id, no path as sent.
    let me = kiosk.me().await.expect("who am I");
    assert!(!text.contains(&me.kiosk_id.0), "a kiosk id in the metrics");

    drop(stream);
    tokio::time::timeout(Duration::from_secs(10), async {
        while sample(&scrape(&server).await, &org) != Some(0.0) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("a closed stream is no longer counted");
}

#[tokio::test]
async fn metrics_are_not_served_on_the_public_port_nor_by_default() {
    let server = with_metrics(|_| {}).await;
    let http = raw_client(&server);
    let resp = http
        .get(server.url.join("metrics").expect("url"))
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND, "no metrics over TLS");
    let addr = server.metrics.expect("on");
    assert!(addr.ip().is_loopback());

    let plain = TestServer::start().await;
    assert!(
        plain.metrics.is_none(),
        "no metrics listener unless configured"
    );
}

#[tokio::test]
async fn readyz_answers_503_while_the_database_writer_is_stuck_and_sheds_past_the_limit() {
    let server = with_metrics(|c| c.load.max_requests_in_flight = 1).await;
    let http = raw_client(&server);
    let metrics = server.metrics.expect("on");
    for url in [
        server.url.join("healthz").expect("url"),
        server.url.join("readyz").expect("url"),
        format!("http://{metrics}/healthz").parse().expect("url"),
        format!("http://{metrics}/readyz").parse().expect("url"),
    ] {
        let resp = http.get(url.clone()).send().await.expect("answer");
        assert_eq!(resp.status(), StatusCode::OK, "{url}");
    }

    // Hold the writer for 4 s, as a runaway transaction would.
    let db = server.state.db.clone();
    let held = tokio::spawn(async move {
        db.write(|_| {
            std::thread::sleep(Duration::from_secs(4));
            Ok(())
        })
        .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let probe = {
        let http = http.clone();
        let url = server.url.join("readyz").expect("url");
        tokio::spawn(async move { http.get(url).send().await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The probe is in flight (waiting for the writer): one more request is over the limit.
    let shed = http
        .get(server.url.join("v1/kiosk").expect("url"))
        .send()
        .await
        .expect("answer");
    assert_eq!(shed.status(), StatusCode::SERVICE_UNAVAILABLE);
    let after: u64 = shed.headers()[reqwest::header::RETRY_AFTER]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((5..=10).contains(&after), "{after}");
    let body: protocol::ApiErrorBody = shed.json().await.expect("error body");
    assert_eq!(body.error, protocol::ErrorCode::ServerBusy);

    let resp = probe.await.expect("probe task").expect("answer");
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["status"], "not_ready");
    assert!(
        body["problem"]
            .as_str()
            .is_some_and(|p| p.contains("writer")),
        "{body}"
    );
    // Liveness is not readiness: the process is alive all along.
    let alive = http
        .get(format!("http://{metrics}/healthz"))
        .send()
        .await
        .expect("answer");
    assert_eq!(alive.status(), StatusCode::OK);

    held.await.expect("task").expect("the held write commits");
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let resp = http
                .get(format!("http://{metrics}/readyz"))
                .send()
                .await
                .expect("answer");
            if resp.status() == StatusCode::OK {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("ready again once the writer is free");
    let text = scrape(&server).await;
    assert_eq!(
        sample(
            &text,
            "union_sync_requests_shed_total{limit=\"requests_in_flight\"}"
        ),
        Some(1.0),
        "{text}"
    );
}

#[tokio::test]
async fn event_streams_past_the_limit_are_turned_away_until_one_closes() {
    let server = TestServer::start_with(|c| c.load.max_event_streams = 1).await;
    let tree = server.org_tree().await;
    let first = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let second = server.kiosk_at(&tree.admin, tree.branch_b).await;
    let mut open = Box::pin(first.events().await.expect("the first stream opens"));
    tests::next_notice(&mut open).await;
    let refused = match second.events().await {
        Ok(_) => panic!("a second stream is over the limit"),
        Err(e) => e,
    };
    assert!(refused.is_busy(), "{refused}");
    assert_eq!(refused.code(), Some(protocol::ErrorCode::ServerBusy));
    assert!(
        refused
            .retry_after()
            .is_some_and(|d| (5..=10).contains(&d.as_secs())),
        "{refused:?}"
    );
    // Pulls are not streams: the turned-away kiosk still syncs.
    second.changes(None, None).await.expect("pulls still work");

    drop(open);
    let mut stream = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(stream) = second.events().await {
                return Box::pin(stream);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("a slot frees when the first stream closes");
    tests::next_notice(&mut stream).await;
}

/// A capture of the server's log, formatted as the binary formats it.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("capture lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn lines(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().expect("capture lock"))
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// Every line a request logs carries its id, work on the blocking pool included; at `info` a
/// request logs one line with its route template, never the path as sent; the id is echoed in
/// `x-request-id`.
#[test]
fn a_request_s_log_lines_all_carry_its_id() {
    let capture = Capture::default();
    let writer = capture.clone();
    // tracing-core caches each call site's interest. With a single registered dispatcher it
    // asks only the registering thread's default, so a call site first reached by another
    // test's thread (which logs nowhere) would be cached as never logging, for this
    // dispatcher too. A second registered dispatcher makes it ask every registered one.
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    let dispatch = tracing::Dispatch::new(
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "info,tower_http=warn,sync_server::db=debug",
            ))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish(),
    );
    // This runtime's every thread, the blocking pool's included, logs to the capture (the
    // global subscriber is left alone: other tests run in this process).
    let for_threads = dispatch.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(move || {
            std::mem::forget(tracing::dispatcher::set_default(&for_threads));
        })
        .build()
        .expect("runtime");
    let _main = tracing::dispatcher::set_default(&dispatch);
    let (enroll_id, media_id, hash) = runtime.block_on(async {
        let server = TestServer::start().await;
        let tree = server.org_tree().await;
        let created = tree.admin.enrollment_token(tree.branch_a).await;
        let parsed: EnrollmentString = created.enrollment_string.parse().expect("parses");
        let http = raw_client(&server);
        let resp = http
            .post(server.url.join("v1/enroll").expect("url"))
            .json(&protocol::enroll::EnrollRequest {
                token: parsed.token,
                name: "大厅一号机".into(),
                version: "test".into(),
            })
            .send()
            .await
            .expect("answer");
        assert_eq!(resp.status(), StatusCode::OK);
        let enroll_id = resp.headers()["x-request-id"]
            .to_str()
            .expect("ascii")
            .to_owned();
        let hash = "ab".repeat(32);
        let resp = http
            .get(server.url.join(&format!("v1/media/{hash}")).expect("url"))
            .send()
            .await
            .expect("answer");
        let media_id = resp.headers()["x-request-id"]
            .to_str()
            .expect("ascii")
            .to_owned();
        server.stop().await.expect("stops");
        (enroll_id, media_id, hash)
    });
    assert_ne!(enroll_id, media_id, "each request its own id");
    assert!(enroll_id.len() == 16 && enroll_id.chars().all(|c| c.is_ascii_hexdigit()));
    let lines = capture.lines();
    let tagged = |id: &str| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l.contains(&format!("request{{id={id}}}")))
            .cloned()
            .collect()
    };
    let enroll = tagged(&enroll_id);
    assert!(
        enroll.iter().any(|l| l.contains("kiosk enrolled")),
        "{enroll:#?} of {lines:#?}"
    );
    assert!(
        enroll.iter().any(|l| l.contains("database write")),
        "the write on the blocking pool carries the id: {enroll:#?}"
    );
    assert!(
        enroll
            .iter()
            .any(|l| l.contains("INFO") && l.contains("method=POST route=/v1/enroll status=200")),
        "{enroll:#?}"
    );
    for needle in ["kiosk enrolled", "route=/v1/enroll"] {
        for line in lines.iter().filter(|l| l.contains(needle)) {
            assert!(line.contains(&enroll_id), "a line without its id: {line}");
        }
    }
    let media = tagged(&media_id);
    let info: Vec<&String> = media.iter().filter(|l| l.contains(" INFO ")).collect();
    assert_eq!(info.len(), 1, "one line per request at info: {media:#?}");
    assert!(
        info[0].contains("route=/v1/media/{sha256} status=404"),
        "{}",
        info[0]
    );
    assert!(
        !lines.iter().any(|l| l.contains(&hash)),
        "the path as sent is never logged"
    );
}

/// A kiosk store enrolled at `org` through `proxy`; the temp dir holds it.
async fn kiosk_behind(
    proxy: &Proxy,
    staff: &tests::Staff,
    org: protocol::OrgId,
) -> (Arc<Mutex<Store>>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    let created = staff.enrollment_token(org).await;
    let mut via: EnrollmentString = created.enrollment_string.parse().expect("valid");
    via.server = proxy.url.clone();
    let mut store = Store::open(dir.path()).expect("store");
    kiosk::admin::enroll(&mut store, &via.to_string(), "")
        .await
        .expect("enrolls via proxy");
    (Arc::new(Mutex::new(store)), dir)
}

/// Short intervals, so recovery shows within a test's seconds.
fn quick() -> SyncConfig {
    SyncConfig {
        poll_interval: Duration::from_secs(2),
        max_backoff: Duration::from_secs(8),
        ..SyncConfig::default()
    }
}

async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    tokio::time::timeout(Duration::from_secs(30), async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{what} within 30 s"));
}

fn answers(name: &str) -> FormAnswers {
    FormAnswers {
        answers: [
            ("name".to_owned(), serde_json::json!(name)),
            ("phone".to_owned(), serde_json::json!("13912345678")),
        ]
        .into(),
    }
}

/// A kiosk behind a server that sheds load (503 with and without `Retry-After`, 429): it keeps
/// its cursor and its outbox, sends one request per attempt and backs off, and catches up, with
/// every submission stored once, when the server recovers.
#[tokio::test]
async fn a_kiosk_keeps_its_place_through_a_busy_server_and_catches_up() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let form: protocol::ContentBody = serde_json::from_value(serde_json::json!({
        "kind": "form", "title": "入会申请",
        "fields": [
            {"key": "name", "label": "姓名", "type": "text", "required": true},
            {"key": "phone", "label": "手机号码", "type": "phone", "required": true}
        ]
    }))
    .expect("form body");
    let form = tree.admin.publish(tree.province, form).await.expect("form");
    let proxy = Proxy::start(&server).await;
    let (store, _dir) = kiosk_behind(&proxy, &tree.admin, tree.branch_a).await;
    let config = quick();
    Engine::new(store.clone(), config.clone())
        .expect("engine")
        .sync_once()
        .await
        .expect("first sync");
    let cursor = |store: &Arc<Mutex<Store>>| store.lock().expect("store").cursor().expect("cursor");
    let depth =
        |store: &Arc<Mutex<Store>>| store.lock().expect("store").outbox_depth().expect("depth");
    let synced = cursor(&store).expect("a cursor after the first sync");

    // The server gets busy; meanwhile news is published and employees submit.
    proxy.set(Fault::Busy {
        status: 503,
        retry_after: Some(3),
    });
    let later = tree
        .admin
        .publish(tree.branch_a, news("繁忙时发布"))
        .await
        .expect("published");
    // A new engine: a new client, no connection kept from before the fault.
    let engine = Engine::new(store.clone(), config.clone()).expect("engine");
    for name in ["张三", "李四", "王五"] {
        engine
            .submit(form.item.id.clone(), 1, answers(name))
            .await
            .expect("saved");
    }
    let sent = proxy.requests();
    let err = engine.sync_now().await.expect_err("busy");
    assert!(!err.is_refused(), "busy is not refused: {err}");
    let kiosk::sync::SyncError::Client(client) = &err else {
        panic!("{err}");
    };
    assert!(client.is_busy());
    assert_eq!(client.retry_after(), Some(Duration::from_secs(3)));
    assert_eq!(
        proxy.requests() - sent,
        1,
        "one refused submission, then nothing more is sent to a busy server"
    );
    assert_eq!(cursor(&store), Some(synced), "the cursor is kept");
    assert_eq!(depth(&store), 3, "the outbox is kept");

    proxy.set(Fault::Busy {
        status: 429,
        retry_after: None,
    });
    let err = engine.sync_now().await.expect_err("busy");
    let kiosk::sync::SyncError::Client(client) = &err else {
        panic!("{err}");
    };
    assert!(
        client.is_busy() && client.retry_after().is_none(),
        "{client}"
    );
    assert!(matches!(client, ClientError::Server { status, .. } if status.as_u16() == 429));

    // The engine runs against the busy server for a while: it backs off, never hammers.
    proxy.set(Fault::Busy {
        status: 503,
        retry_after: None,
    });
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = {
        let engine = engine.clone();
        tokio::spawn(async move { engine.run(stopped).await })
    };
    let sent = proxy.requests();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let tries = proxy.requests() - sent;
    assert!(
        (1..=10).contains(&tries),
        "{tries} requests in 4 s: backoff from 1 s, growing"
    );
    assert_eq!(cursor(&store), Some(synced));
    assert_eq!(depth(&store), 3);

    // The server recovers: the kiosk catches up and empties its outbox, each submission once.
    proxy.set(Fault::None);
    let head = server
        .state
        .db
        .read(sync_server::content::feed_head)
        .await
        .expect("head");
    tokio::time::timeout(Duration::from_secs(30), async {
        while cursor(&store).is_none_or(|c| c.seq < head) || depth(&store) > 0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("caught up and delivered once the server recovered");
    let arrived = store
        .lock()
        .expect("store")
        .item(&later.item.id)
        .expect("read");
    assert!(arrived.is_some(), "the news published while busy arrived");
    let stored: i64 = server
        .state
        .db
        .read(|tx| Ok(tx.query_row("SELECT count(*) FROM submissions", [], |r| r.get(0))?))
        .await
        .expect("count");
    assert_eq!(stored, 3, "each submission stored once");
    stop.send_replace(true);
    running.await.expect("the engine stops");
}

/// The server goes away under a running kiosk (its stream ends, then nothing answers) and comes
/// back: the kiosk backs off instead of reconnecting in a loop, and catches up on what was
/// published after the restart.
#[tokio::test]
async fn a_kiosk_rides_out_a_server_restart_without_hammering() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let proxy = Proxy::start(&server).await;
    let (store, _dir) = kiosk_behind(&proxy, &tree.admin, tree.branch_a).await;
    let engine = Engine::new(store.clone(), quick()).expect("engine");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = {
        let engine = engine.clone();
        tokio::spawn(async move { engine.run(stopped).await })
    };
    let metrics = server.state.metrics.clone();
    eventually("the kiosk's event stream", || metrics.open_streams() == 1).await;

    let down = server.stop_keeping_data().await;
    let sent = proxy.requests();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let tries = proxy.requests() - sent;
    assert!(
        tries <= 10,
        "{tries} connection attempts in 4 s with the server down"
    );

    let server = down.start().await;
    let later = tree
        .admin
        .publish(tree.branch_a, news("重启后发布"))
        .await
        .expect("published after the restart");
    eventually("the kiosk has what was published after the restart", || {
        store
            .lock()
            .expect("store")
            .item(&later.item.id)
            .expect("read")
            .is_some()
    })
    .await;
    let metrics = server.state.metrics.clone();
    eventually("the kiosk listening again", || metrics.open_streams() == 1).await;
    stop.send_replace(true);
    running.await.expect("the engine stops");
}

/// A stream that goes silent (no event, no keepalive) is taken for dead, so a connection cut
/// without a word does not leave the kiosk deaf; keepalives keep a quiet stream alive.
#[tokio::test]
async fn a_silent_event_stream_is_taken_for_dead_and_keepalives_keep_one_alive() {
    use futures_util::StreamExt;
    let quiet = TestServer::start_with(|c| c.feed.keepalive_seconds = 60).await;
    let tree = quiet.org_tree().await;
    let kiosk = quiet
        .kiosk_at(&tree.admin, tree.branch_a)
        .await
        .with_stream_silence(Duration::from_secs(1));
    let mut stream = Box::pin(kiosk.events().await.expect("stream opens"));
    tests::next_notice(&mut stream).await;
    let next = tokio::time::timeout(Duration::from_secs(20), stream.next())
        .await
        .expect("the kiosk gives up on the silent stream");
    let err = next
        .expect("an error, not an end")
        .expect_err("silence is an error");
    assert!(err.to_string().contains("sent nothing"), "{err}");

    let chatty = TestServer::start_with(|c| c.feed.keepalive_seconds = 1).await;
    let tree = chatty.org_tree().await;
    let kiosk = chatty
        .kiosk_at(&tree.admin, tree.branch_a)
        .await
        .with_stream_silence(Duration::from_secs(4));
    let mut stream = Box::pin(kiosk.events().await.expect("stream opens"));
    tests::next_notice(&mut stream).await;
    assert!(
        tokio::time::timeout(Duration::from_secs(6), stream.next())
            .await
            .is_err(),
        "a stream with keepalives every second stays open past the 4 s silence limit"
    );
}

/// A pull that a busy server refuses while the kiosk's event stream is up does not cost the
/// kiosk its stream: it keeps listening, tries the pull again after the server's `Retry-After`,
/// and has the news once the server answers, on the stream it opened first (never polling).
#[tokio::test]
async fn a_refused_pull_keeps_the_event_stream() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let proxy = Proxy::start(&server).await;
    let (store, _dir) = kiosk_behind(&proxy, &tree.admin, tree.branch_a).await;
    let engine = Engine::new(store.clone(), quick()).expect("engine");
    let mut events = engine.subscribe();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = {
        let engine = engine.clone();
        tokio::spawn(async move { engine.run(stopped).await })
    };
    let metrics = server.state.metrics.clone();
    eventually("the kiosk's event stream", || metrics.open_streams() == 1).await;

    // The stream's connection is relayed whole; a pull needs a connection of its own (HTTP/1.1
    // through the proxy), which the busy proxy refuses.
    proxy.set(Fault::Busy {
        status: 503,
        retry_after: Some(1),
    });
    let later = tree
        .admin
        .publish(tree.branch_a, news("繁忙时发布"))
        .await
        .expect("published");
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Ok(kiosk::sync::SyncEvent::Failed { .. }) = events.recv().await {
                return;
            }
        }
    })
    .await
    .expect("the pull the notice caused was refused");
    proxy.set(Fault::None);
    eventually("the news once the server answers", || {
        store
            .lock()
            .expect("store")
            .item(&later.item.id)
            .expect("read")
            .is_some()
    })
    .await;
    assert_eq!(
        engine.heard().borrow().streams,
        1,
        "the first stream stayed open through the refused pull"
    );
    assert_eq!(metrics.open_streams(), 1);
    stop.send_replace(true);
    running.await.expect("the engine stops");
}
