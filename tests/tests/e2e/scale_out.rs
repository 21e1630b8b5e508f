//! Two instances on one PostgreSQL database (issue 20): two real servers over real TLS, with the
//! same keys, on a fresh database of the test cluster. A publish on one wakes a kiosk's stream
//! held by the other, and a revoke there ends it (`relay`: LISTEN/NOTIFY).

use kiosk::net::Notice;
use protocol::command::CommandKind;
use std::time::{Duration, Instant};
use tests::pg::TestDb;
use tests::{ADMIN, PASSWORD, TestServer, news, next_notice};

/// A second instance on `first`'s database, presenting the same TLS key and submission key:
/// the key files of `first`'s data dir are copied into its own before it starts.
async fn second_instance(
    first: &TestServer,
    url: &str,
    tweak: impl FnOnce(&mut sync_server::Config),
) -> TestServer {
    let from = first.state.config.data_dir().expect("a data dir");
    let url = url.to_owned();
    TestServer::start_with(move |c| {
        c.database = Some(url.into());
        let to = c.data_dir().expect("a data dir");
        for file in ["submission.key", "tls/cert.pem", "tls/key.pem"] {
            let target = to.join(file);
            std::fs::create_dir_all(target.parent().expect("a parent")).expect("key dir");
            std::fs::copy(from.join(file), target).expect("key file copied");
        }
        tweak(c);
    })
    .await
}

/// The stream's next notice that is not `changes` (those of the publishes before may still
/// come), within 10 s.
async fn next_other_than_changes(
    events: &mut (impl futures_util::Stream<Item = Result<Notice, kiosk::net::ClientError>> + Unpin),
) -> Notice {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match next_notice(events).await {
                Notice::Changes(_) => {}
                other => return other,
            }
        }
    })
    .await
    .expect("A's stream hears it within 10 s")
}

/// Waits up to 10 s for `server`'s hub to have heard `what` through the relay.
async fn relayed_to(
    server: &TestServer,
    what: &str,
    heard: impl Fn(sync_server::hub::Relayed) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !heard(server.state.hub.relayed()) {
        assert!(
            Instant::now() < deadline,
            "{what} heard through the relay within 10 s: {:?}",
            server.state.hub.relayed()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_publish_on_one_instance_wakes_a_stream_on_the_other() {
    let db = TestDb::create();
    let a = TestServer::start_with(|c| c.database = Some(db.url().to_owned().into())).await;
    let b = second_instance(&a, db.url(), |_| {}).await;
    assert_eq!(a.fingerprint, b.fingerprint, "one key for both");
    let tree = a.org_tree().await;
    let kiosk = a.kiosk_at(&tree.admin, tree.branch_a).await;
    let mut events = Box::pin(kiosk.events().await.expect("stream opens on A"));
    let Notice::Changes(head) = next_notice(&mut events).await else {
        panic!("the first notice is the current head");
    };
    let mut cursor = kiosk.changes(None, None).await.expect("caught up").cursor;
    assert_eq!(cursor.seq, head);
    // Staff signed in on A are known on B: sessions are in the database.
    let on_b = tests::Staff {
        http: tree.admin.http.clone(),
        base: b.url.clone(),
        token: tree.admin.token.clone(),
        org: tree.admin.org,
    };
    // A's stream is woken by each publish on B, and A serves the item. The note came through
    // the relay (the watchers, which read the feed each second, would wake the stream too).
    for title in ["乙机发布一", "乙机发布二"] {
        let before = a.state.hub.relayed();
        on_b.publish(tree.province, news(title))
            .await
            .expect("published on B");
        relayed_to(&a, "the publish's note", |r| r.content > before.content).await;
        let notice = tokio::time::timeout(Duration::from_secs(10), next_notice(&mut events))
            .await
            .expect("A's stream is woken within 10 s");
        let Notice::Changes(seq) = notice else {
            panic!("a changes notice, not {notice:?}");
        };
        assert!(seq > cursor.seq, "{seq} after {}", cursor.seq);
        let page = kiosk
            .changes(Some(cursor), None)
            .await
            .expect("pulled from A");
        assert_eq!(page.cursor.seq, seq, "A serves up to the seq it announced");
        let titles: Vec<String> = page
            .changes
            .iter()
            .filter_map(|c| match c {
                protocol::Change::Upsert { item, .. } => match &item.body {
                    protocol::ContentBody::News(n) => Some(n.title.clone()),
                    _ => None,
                },
                protocol::Change::Delete { .. } => None,
            })
            .collect();
        assert_eq!(titles, [title], "the item B published is on A's page");
        cursor = page.cursor;
    }
    // The figure: from sending a publish to B until A's hub announces its seq, beside the
    // publish's own answer (a stream then sends its notice at once, or after the gap it keeps
    // between two notices).
    let (mut heard, mut answered) = (Vec::new(), Vec::new());
    for i in 0..10 {
        let sent = Instant::now();
        on_b.publish(tree.city_a, news(&format!("计时{i}")))
            .await
            .expect("published on B");
        answered.push(sent.elapsed());
        let seq = b.state.hub.announced();
        while a.state.hub.announced() < seq {
            assert!(
                sent.elapsed() < Duration::from_secs(10),
                "A hears within 10 s"
            );
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        heard.push(sent.elapsed());
    }
    heard.sort();
    answered.sort();
    eprintln!(
        "scale_out, 10 publishes sent to B: announced on A after min {:?} median {:?} max {:?}; \
         B answered after min {:?} median {:?} max {:?}",
        heard[0], heard[5], heard[9], answered[0], answered[5], answered[9]
    );

    // A command queued on B is sent on A's stream; a revoke on B ends it.
    let me = kiosk.me().await.expect("the kiosk");
    let mut console = crate::remote::signed_in(&b, ADMIN, PASSWORD).await;
    let before = a.state.hub.relayed();
    let id = crate::remote::ask(&mut console, &b, &me.kiosk_id, CommandKind::SyncNow).await;
    match next_other_than_changes(&mut events).await {
        Notice::Command(command) => assert_eq!(command.id, id),
        other => panic!("the command, not {other:?}"),
    }
    relayed_to(&a, "the command's note", |r| r.command > before.command).await;
    let (): () = on_b
        .post(&format!("v1/staff/kiosks/{}/revoke", me.kiosk_id), &())
        .await
        .expect("revoked on B");
    relayed_to(&a, "the revoke's note", |r| r.kiosk > before.kiosk).await;
    let ended = next_other_than_changes(&mut events).await;
    assert!(matches!(ended, Notice::Reset(_)), "{ended:?}");

    b.stop().await.expect("B stops");
    a.stop().await.expect("A stops");
}

/// `POST /v1/staff/login` on `server` as `user`: the status and the error code, if any.
async fn sign_in(
    server: &TestServer,
    user: &str,
    password: &str,
) -> (u16, Option<protocol::ErrorCode>) {
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(kiosk::net::pinned_tls_config(server.fingerprint))
        .build()
        .expect("client builds");
    let resp = http
        .post(server.url.join("v1/staff/login").expect("url"))
        .json(&serde_json::json!({ "username": user, "password": password }))
        .send()
        .await
        .expect("the server answers");
    let status = resp.status().as_u16();
    let code = resp
        .json::<protocol::ApiErrorBody>()
        .await
        .ok()
        .map(|b| b.error);
    (status, code)
}

#[tokio::test]
async fn sign_in_failures_on_one_instance_count_on_the_other() {
    let db = TestDb::create();
    let a = TestServer::start_with(|c| c.database = Some(db.url().to_owned().into())).await;
    let b = second_instance(&a, db.url(), |_| {}).await;
    a.init().await;
    let allowed = a.state.config.staff.login_attempts_per_user;
    for i in 0..allowed {
        let (status, _) = sign_in(&a, ADMIN, &format!("guess-{i}")).await;
        assert_eq!(status, 401, "guess {i} is checked on A");
    }
    let (status, code) = sign_in(&b, ADMIN, "one-more-guess").await;
    assert_eq!(
        (status, code),
        (429, Some(protocol::ErrorCode::TooManyLogins)),
        "B counts A's failures"
    );
    let (status, _) = sign_in(&b, ADMIN, PASSWORD).await;
    assert_eq!(
        status, 429,
        "even the right password waits out the window on B"
    );
    b.stop().await.expect("B stops");
    a.stop().await.expect("A stops");
}

/// The sessions holding the periodic jobs' leader lock on `url`'s database.
fn leaders(url: &str) -> Vec<i32> {
    let url = url.to_owned();
    std::thread::spawn(move || {
        let mut pg = postgres::Client::connect(&url, postgres::NoTls).expect("connecting");
        pg.query(
            "SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = $1
               AND a.datname = current_database()",
            &[&sync_server::leader::CONNECTION_NAME],
        )
        .expect("pg_locks")
        .iter()
        .map(|r| r.get(0))
        .collect()
    })
    .join()
    .expect("the query thread")
}

/// Waits up to 10 s for exactly one leader other than `not`, and returns it.
async fn one_leader(url: &str, not: Option<i32>) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let found = leaders(url);
        if let [one] = found[..]
            && Some(one) != not
        {
            return one;
        }
        assert!(
            Instant::now() < deadline,
            "one leader within 10 s: {found:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits up to 10 s for `server` to run `jobs` periodic jobs.
async fn jobs_running(server: &TestServer, jobs: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.state.metrics.periodic_jobs() != jobs {
        assert!(
            Instant::now() < deadline,
            "{jobs} periodic jobs running within 10 s, not {}",
            server.state.metrics.periodic_jobs()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Retention and deadlines run on the instance holding the leader lock, and when it stops
/// another instance takes the lock over.
#[tokio::test]
async fn one_instance_leads_and_another_takes_over_when_it_stops() {
    let db = TestDb::create();
    let a = TestServer::start_with(|c| c.database = Some(db.url().to_owned().into())).await;
    let first = one_leader(db.url(), None).await;
    let b = second_instance(&a, db.url(), |_| {}).await;
    jobs_running(&a, 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(leaders(db.url()), [first], "A still leads, alone");
    assert_eq!(
        a.state.metrics.periodic_jobs(),
        2,
        "A runs retention and deadlines"
    );
    assert_eq!(b.state.metrics.periodic_jobs(), 0, "B runs neither");
    a.stop().await.expect("A stops");
    let stopped = Instant::now();
    one_leader(db.url(), Some(first)).await;
    jobs_running(&b, 2).await;
    eprintln!(
        "scale_out: B took the lead {:?} after A stopped",
        stopped.elapsed()
    );
    b.stop().await.expect("B stops");
}

/// Waits up to 20 s for `done`.
async fn wait_for(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "{what} within 20 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A kiosk reaches the instances through a TCP balancer (TLS end to end). Its instance stops:
/// it reconnects through the balancer to the other, and loses nothing: what was published on
/// the other during the outage arrives, and a submission saved while its instance was stopping
/// is stored exactly once.
#[tokio::test]
async fn a_kiosk_behind_a_balancer_moves_to_the_other_instance_and_loses_nothing() {
    let db = TestDb::create();
    let a = TestServer::start_with(|c| c.database = Some(db.url().to_owned().into())).await;
    let b = second_instance(&a, db.url(), |_| {}).await;
    let balancer = tests::balancer::Balancer::start().await;
    let backend = |s: &TestServer| {
        std::net::SocketAddr::from(([127, 0, 0, 1], s.url.port().expect("a port")))
    };
    balancer.set_backends(vec![backend(&a), backend(&b)]);
    let tree = a.org_tree().await;
    let on_b = tests::Staff {
        http: tree.admin.http.clone(),
        base: b.url.clone(),
        token: tree.admin.token.clone(),
        org: tree.admin.org,
    };
    let form: protocol::ContentBody = serde_json::from_value(serde_json::json!({
        "kind": "form", "title": "入会申请",
        "fields": [{"key": "name", "label": "姓名", "type": "text", "required": true}]
    }))
    .expect("form body");
    let form = tree
        .admin
        .publish(tree.branch_a, form)
        .await
        .expect("form published");

    // Enrolled through the balancer: the enrollment string names it, not an instance.
    let created = tree.admin.enrollment_token(tree.branch_a).await;
    let mut string: protocol::enroll::EnrollmentString =
        created.enrollment_string.parse().expect("parses");
    string.server = format!("https://{}/", balancer.addr())
        .parse()
        .expect("url");
    let dir = tempfile::tempdir().expect("dir");
    let mut store = kiosk::store::Store::open(dir.path()).expect("store opens");
    kiosk::admin::enroll(&mut store, &string.to_string(), "一楼大厅")
        .await
        .expect("enrolls through the balancer");
    let store = std::sync::Arc::new(std::sync::Mutex::new(store));
    let engine = kiosk::sync::Engine::new(
        store.clone(),
        kiosk::sync::SyncConfig {
            poll_interval: Duration::from_secs(2),
            ..kiosk::sync::SyncConfig::default()
        },
    )
    .expect("engine");
    let titles = || -> Vec<String> {
        let items = store
            .lock()
            .expect("lock")
            .items(protocol::ContentKind::News)
            .expect("news");
        let mut titles: Vec<String> = items
            .into_iter()
            .filter_map(|i| match i.body {
                protocol::ContentBody::News(n) => Some(n.title),
                _ => None,
            })
            .collect();
        titles.sort();
        titles
    };
    let heard = engine.heard();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn({
        let engine = engine.clone();
        async move { engine.run(stopped).await }
    });
    on_b.publish(tree.province, news("停机前"))
        .await
        .expect("published on B");
    wait_for("the first item, through A", || titles() == ["停机前"]).await;
    assert_eq!(heard.borrow().streams, 1, "one stream, on A");

    // A stops while the kiosk saves a submission; B publishes during the outage.
    let stopping = tokio::spawn(a.stop());
    let answers = protocol::submission::FormAnswers {
        answers: [("name".to_owned(), serde_json::json!("李四"))].into(),
    };
    let saved = engine
        .submit(form.item.id.clone(), 1, answers)
        .await
        .expect("saved in the outbox");
    on_b.publish(tree.province, news("停机中"))
        .await
        .expect("published on B during the outage");
    stopping.await.expect("joins").expect("A stops");
    on_b.publish(tree.city_a, news("停机后"))
        .await
        .expect("published on B after A stopped");
    let depth = || store.lock().expect("lock").outbox_depth().expect("depth");
    wait_for("every item, through B", || {
        titles() == ["停机中", "停机前", "停机后"]
    })
    .await;
    wait_for("the submission delivered", || depth() == 0).await;
    wait_for("the stream reopened, on B", || heard.borrow().streams >= 2).await;
    let url = db.url().to_owned();
    let receipts = std::thread::spawn(move || {
        let mut pg = postgres::Client::connect(&url, postgres::NoTls).expect("connecting");
        pg.query("SELECT receipt FROM submissions", &[])
            .expect("submissions")
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect::<Vec<_>>()
    })
    .join()
    .expect("the query thread");
    assert_eq!(receipts, [saved.receipt], "stored exactly once");
    stop.send(true).expect("engine running");
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("the engine stops")
        .expect("joins");
    b.stop().await.expect("B stops");
}

/// Ends the sessions on `url`'s database whose `application_name` is `name`; how many.
fn terminate(url: &str, name: &'static str) -> usize {
    let url = url.to_owned();
    std::thread::spawn(move || {
        let mut pg = postgres::Client::connect(&url, postgres::NoTls).expect("connecting");
        pg.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE application_name = $1 AND datname = current_database()",
            &[&name],
        )
        .expect("terminated")
        .len()
    })
    .join()
    .expect("the query thread")
}

/// A stream is woken by what is in its scope only, whichever instance wrote it and however many
/// times it is heard of. An instance whose listening connection is cut listens again, and since
/// it may have missed notes meanwhile, ends every kiosk stream it holds (the kiosk reconnects and pulls); a
/// publish on the other instance then wakes the new stream.
#[tokio::test]
async fn a_cut_listener_listens_again_and_ends_its_streams() {
    let db = TestDb::create();
    let a = TestServer::start_with(|c| c.database = Some(db.url().to_owned().into())).await;
    let b = second_instance(&a, db.url(), |_| {}).await;
    let tree = a.org_tree().await;
    let kiosk = a.kiosk_at(&tree.admin, tree.branch_a).await;
    let mut events = Box::pin(kiosk.events().await.expect("stream opens on A"));
    next_notice(&mut events).await;
    let on_b = tests::Staff {
        http: tree.admin.http.clone(),
        base: b.url.clone(),
        token: tree.admin.token.clone(),
        org: tree.admin.org,
    };
    // A write in scope on A wakes the stream with its seq, once; a write beside it on B, read
    // back from the feed by both instances' watchers (each second) with A's, wakes it no more.
    tree.admin
        .publish(tree.branch_a, news("本支行"))
        .await
        .expect("published on A");
    let mine = a.state.hub.announced();
    on_b.publish(tree.branch_b, news("别的支行"))
        .await
        .expect("published on B");
    assert_eq!(next_notice(&mut events).await, Notice::Changes(mine));
    let quiet = tokio::time::timeout(Duration::from_millis(2500), next_notice(&mut events)).await;
    assert!(
        quiet.is_err(),
        "no notice for a write out of scope: {quiet:?}"
    );

    let listeners = terminate(db.url(), sync_server::relay::LISTENER_NAME);
    assert_eq!(listeners, 2, "A's and B's listeners");
    let ended = next_other_than_changes(&mut events).await;
    assert!(matches!(ended, Notice::Reset(_)), "{ended:?}");

    let mut events = Box::pin(kiosk.events().await.expect("the stream opens again"));
    let Notice::Changes(head) = next_notice(&mut events).await else {
        panic!("the first notice is the current head");
    };
    on_b.publish(tree.province, news("重连之后"))
        .await
        .expect("published on B");
    let notice = tokio::time::timeout(Duration::from_secs(10), next_notice(&mut events))
        .await
        .expect("A's new stream is woken within 10 s");
    assert!(
        matches!(notice, Notice::Changes(seq) if seq > head),
        "{notice:?} after {head}"
    );
    b.stop().await.expect("B stops");
    a.stop().await.expect("A stops");
}

/// A server alone (SQLite, or the only instance on PostgreSQL) leads: it runs retention and the
/// deadlines' run (once, a closed channel ended both at once on SQLite).
#[tokio::test]
async fn a_lone_server_runs_the_periodic_jobs() {
    let server = TestServer::start().await;
    jobs_running(&server, 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        server.state.metrics.periodic_jobs(),
        2,
        "both jobs still run"
    );
    server.stop().await.expect("stops");
}
