//! Remote care: staff ask a kiosk from the console (screenshot, sync now, restart, doctor, logs);
//! the command travels on the kiosk's event stream and the kiosk answers it. Against the real
//! server: the console routes and their scope, the stream, the answer route and its checks; and
//! the real kiosk core carrying out commands.

use std::time::Duration;

use kiosk::net::{Notice, ServerClient};
use protocol::command::{CommandKind, CommandReport, CommandStatus, KioskCommand};
use protocol::{ErrorCode, KioskId};
use sync_server::commands::{self, CommandRecord};
use sync_server::orgs::Actor;
use tests::console::Console;
use tests::{ADMIN, PASSWORD, TestServer, next_notice};

/// The commands of `kiosk`, newest first, as the console lists them.
pub async fn commands_of(server: &TestServer, kiosk: &KioskId) -> Vec<CommandRecord> {
    commands::list(&server.state, Actor::Operator, kiosk.clone(), 50)
        .await
        .expect("commands list")
}

/// Waits until command `id` is no longer open, and returns it.
pub async fn finished(server: &TestServer, kiosk: &KioskId, id: i64) -> CommandRecord {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let c = commands_of(server, kiosk)
            .await
            .into_iter()
            .find(|c| c.id == id)
            .expect("the command is listed");
        if !c.status.is_open() {
            return c;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "command {id} still {:?} after 60 s",
            c.status
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Asks for `kind` on the kiosk's console page and returns the new command's id.
pub async fn ask(
    console: &mut Console,
    server: &TestServer,
    kiosk: &KioskId,
    kind: CommandKind,
) -> i64 {
    let page = format!("/console/kiosks/{kiosk}");
    console.get(&page).await;
    let sent = console
        .post(&format!("{page}/commands"), &[("kind", kind.as_str())])
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert!(
        sent.location.as_deref().is_some_and(|l| l.contains("?ok=")),
        "{:?}",
        sent.location
    );
    commands_of(server, kiosk)
        .await
        .first()
        .map(|c| c.id)
        .expect("a command was stored")
}

pub async fn signed_in(server: &TestServer, username: &str, password: &str) -> Console {
    let mut console = Console::new(server);
    let answer = console.login(username, password).await;
    assert_eq!(
        answer.location.as_deref(),
        Some("/console/"),
        "{username} signs in"
    );
    console
}

async fn kiosk_id(kiosk: &ServerClient) -> KioskId {
    kiosk.me().await.expect("who am I").kiosk_id
}

async fn command(
    stream: &mut (impl futures_util::Stream<Item = Result<Notice, kiosk::net::ClientError>> + Unpin),
) -> KioskCommand {
    loop {
        if let Notice::Command(c) = next_notice(stream).await {
            return c;
        }
    }
}

fn report(text: &str) -> CommandReport {
    CommandReport {
        ok: true,
        text: text.to_owned(),
    }
}

#[tokio::test]
async fn console_commands_travel_on_the_stream_and_answers_show() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let kiosk = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let id = kiosk_id(&kiosk).await;
    let mut console = signed_in(&server, ADMIN, PASSWORD).await;

    // Asked while the kiosk is away: pending, and sent once it connects (after the first notice).
    let doctor = ask(&mut console, &server, &id, CommandKind::Doctor).await;
    assert_eq!(
        commands_of(&server, &id).await[0].status,
        CommandStatus::Pending
    );
    // Asking again while it is on its way adds nothing.
    let again = console
        .post(
            &format!("/console/kiosks/{id}/commands"),
            &[("kind", "doctor")],
        )
        .await;
    assert!(
        again
            .location
            .as_deref()
            .is_some_and(|l| l.contains("?ok=")),
        "{:?}",
        again.location
    );
    assert_eq!(commands_of(&server, &id).await.len(), 1);
    let mut stream = Box::pin(kiosk.events().await.expect("stream"));
    assert!(matches!(next_notice(&mut stream).await, Notice::Changes(_)));
    assert_eq!(
        next_notice(&mut stream).await,
        Notice::Command(KioskCommand {
            id: doctor,
            kind: CommandKind::Doctor
        })
    );
    assert_eq!(
        commands_of(&server, &id).await[0].status,
        CommandStatus::Delivered
    );
    kiosk
        .command_report(doctor, &report("ok:      Enrolled as kiosk <test>"))
        .await
        .expect("answer accepted");

    // Asked while it listens: sent at once.
    let shot = ask(&mut console, &server, &id, CommandKind::Screenshot).await;
    assert_eq!(
        command(&mut stream).await,
        KioskCommand {
            id: shot,
            kind: CommandKind::Screenshot
        }
    );
    let png = tests::png(320, 200);
    kiosk
        .command_screenshot(shot, png.clone())
        .await
        .expect("screenshot accepted");
    let c = finished(&server, &id, shot).await;
    assert_eq!((c.status, c.has_screenshot), (CommandStatus::Done, true));

    // The kiosk page shows both, the image through the console.
    let page = console.get(&format!("/console/kiosks/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Enrolled as kiosk &lt;test&gt;"),
        "escaped report shown"
    );
    let src = format!("/console/kiosks/{id}/commands/{shot}/screenshot.png");
    assert!(page.body.contains(&src), "{}", page.body);
    let image = console
        .http
        .get(console.base.join(&src).expect("url"))
        .send()
        .await
        .expect("answers");
    assert_eq!(image.status(), 200);
    assert_eq!(
        image
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/png")
    );
    assert_eq!(image.bytes().await.expect("body").to_vec(), png);

    // Answered once only.
    let again = kiosk
        .command_report(doctor, &report("again"))
        .await
        .expect_err("refused");
    assert_eq!(again.code(), Some(ErrorCode::CommandFinished));

    // The screenshot is in the audit log, with the kiosk.
    let audit = console.get("/console/audit").await;
    assert!(
        audit.body.contains("终端截图") && audit.body.contains(&id.0),
        "audit entry"
    );
}

#[tokio::test]
async fn answers_are_checked() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let kiosk = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let other = server.kiosk_at(&tree.admin, tree.branch_b).await;
    let id = kiosk_id(&kiosk).await;
    let mut console = signed_in(&server, ADMIN, PASSWORD).await;
    let shot = ask(&mut console, &server, &id, CommandKind::Screenshot).await;
    let logs = ask(&mut console, &server, &id, CommandKind::Logs).await;

    // Another kiosk cannot answer this kiosk's command: it reads as unknown.
    let e = other
        .command_screenshot(shot, tests::png(64, 64))
        .await
        .expect_err("refused");
    assert_eq!(
        (e.status().map(|s| s.as_u16()), e.code()),
        (Some(404), Some(ErrorCode::NotFound))
    );
    let e = other
        .command_report(logs, &report("x"))
        .await
        .expect_err("refused");
    assert_eq!(e.code(), Some(ErrorCode::NotFound));
    // Not a PNG, a PNG that is cut short, sides out of range.
    let bad_pngs = [
        b"GIF89a not a png".to_vec(),
        tests::png(64, 64)[..200].to_vec(),
        tests::png(4100, 20),
        tests::png(8, 8),
    ];
    for bytes in bad_pngs {
        let e = kiosk
            .command_screenshot(shot, bytes)
            .await
            .expect_err("refused");
        assert_eq!(e.code(), Some(ErrorCode::InvalidScreenshot), "{e}");
    }
    // Over the size cap.
    let huge = vec![0u8; protocol::command::MAX_SCREENSHOT_BYTES + 128 * 1024];
    let e = kiosk
        .command_screenshot(shot, huge)
        .await
        .expect_err("refused");
    assert_eq!(e.code(), Some(ErrorCode::PayloadTooLarge));
    // A picture for a text command, a text saying "done" for a screenshot.
    let e = kiosk
        .command_screenshot(logs, tests::png(64, 64))
        .await
        .expect_err("refused");
    assert_eq!(e.code(), Some(ErrorCode::InvalidScreenshot));
    let e = kiosk
        .command_report(shot, &report("done"))
        .await
        .expect_err("refused");
    assert_eq!(e.code(), Some(ErrorCode::InvalidScreenshot));
    // A report over the cap.
    let long = report(&"x".repeat(protocol::command::MAX_REPORT_BYTES + 1));
    let e = kiosk
        .command_report(logs, &long)
        .await
        .expect_err("refused");
    assert_eq!(e.code(), Some(ErrorCode::PayloadTooLarge));
    // None of that changed anything; the kiosk may still say it could not.
    assert!(
        commands_of(&server, &id)
            .await
            .iter()
            .all(|c| c.status.is_open())
    );
    kiosk
        .command_report(
            shot,
            &CommandReport {
                ok: false,
                text: "no screen".into(),
            },
        )
        .await
        .expect("a failure is an answer");
    assert_eq!(
        finished(&server, &id, shot).await.status,
        CommandStatus::Failed
    );
    // No credentials, no answer.
    let e = server
        .client()
        .command_report(logs, &report("x"))
        .await
        .expect_err("refused");
    assert_eq!(e.code(), Some(ErrorCode::MissingCredentials));

    // A command nobody answered in time expires, and a late answer is refused.
    let old = jiff::Timestamp::now().as_millisecond()
        - i64::try_from(protocol::command::COMMAND_TTL_SECONDS * 1000 + 1000).expect("fits");
    server
        .state
        .db
        .write(move |tx| {
            tx.execute(
                "UPDATE kiosk_commands SET requested_at = ?1 WHERE id = ?2",
                [old, logs],
            )?;
            Ok(())
        })
        .await
        .expect("aged");
    assert_eq!(
        finished(&server, &id, logs).await.status,
        CommandStatus::Expired
    );
    let e = kiosk
        .command_report(logs, &report("late"))
        .await
        .expect_err("refused");
    assert_eq!(e.code(), Some(ErrorCode::CommandFinished));
}

#[tokio::test]
async fn only_staff_above_the_kiosk_may_ask_or_look() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let kiosk = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let id = kiosk_id(&kiosk).await;
    let _: serde_json::Value = tree
        .admin
        .post(
            "v1/staff/users",
            &protocol::staff::NewStaff {
                username: "city_b".to_owned(),
                password: PASSWORD.to_owned(),
                display_name: "乙市工会干事".to_owned(),
                org_id: tree.city_b,
                roles: None,
            },
        )
        .await
        .expect("user created");
    // City A is above the kiosk's branch: it may.
    let mut city_a = signed_in(&server, "city_a", PASSWORD).await;
    let shot = ask(&mut city_a, &server, &id, CommandKind::Screenshot).await;
    kiosk
        .command_screenshot(shot, tests::png(64, 48))
        .await
        .expect("accepted");
    let page = format!("/console/kiosks/{id}");
    let image = format!("{page}/commands/{shot}/screenshot.png");
    assert_eq!(city_a.get(&image).await.status, 200);

    // City B is another branch of the tree: the kiosk does not exist for it.
    let mut city_b = signed_in(&server, "city_b", PASSWORD).await;
    let before = commands_of(&server, &id).await.len();
    assert_eq!(city_b.get(&page).await.status, 404);
    assert_eq!(city_b.get(&image).await.status, 404);
    city_b.get("/console/kiosks").await;
    let sent = city_b
        .post(&format!("{page}/commands"), &[("kind", "restart")])
        .await;
    assert_eq!(sent.status, 404);
    // Its page for an unknown kiosk answers the same.
    assert_eq!(
        city_b.get("/console/kiosks/no-such-kiosk").await.status,
        404
    );

    // No session: to the login page, nothing done.
    let mut nobody = Console::new(&server);
    for path in [&page, &image] {
        let answer = nobody.get(path).await;
        assert_eq!(answer.location.as_deref(), Some("/console/login"), "{path}");
    }
    let sent = nobody
        .post(&format!("{page}/commands"), &[("kind", "restart")])
        .await;
    assert_eq!(sent.location.as_deref(), Some("/console/login"));

    // A form without the session's CSRF token is refused.
    let sent = city_a
        .post_without_csrf(&format!("{page}/commands"), &[("kind", "restart")])
        .await;
    assert_eq!(sent.status, 403);
    // An unknown kind is refused with a sentence.
    let sent = city_a
        .post(&format!("{page}/commands"), &[("kind", "format_disk")])
        .await;
    assert!(
        sent.location
            .as_deref()
            .is_some_and(|l| l.contains("?err="))
    );
    assert_eq!(
        commands_of(&server, &id).await.len(),
        before,
        "nothing was queued"
    );
}

/// The real kiosk core carries out sync now, doctor and logs, and says it cannot take a
/// screenshot without its screen.
#[tokio::test]
async fn the_kiosk_core_answers_commands() {
    let (server, admin, loaded) = TestServer::demo().await;
    let (core, _dir) = tests::kiosk_core(&admin, loaded.branch).await;
    let (id, _) = core.identity().await.expect("identity").expect("enrolled");
    let id = KioskId(id);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let engine = core.start(stopped);
    let mut console = signed_in(
        &server,
        sync_server::demo::ADMIN,
        sync_server::demo::PASSWORD,
    )
    .await;

    let sync = ask(&mut console, &server, &id, CommandKind::SyncNow).await;
    let c = finished(&server, &id, sync).await;
    assert_eq!(c.status, CommandStatus::Done, "{:?}", c.text);
    assert!(
        c.text.as_deref().is_some_and(|t| t.starts_with("synced:")),
        "{:?}",
        c.text
    );

    let doctor = ask(&mut console, &server, &id, CommandKind::Doctor).await;
    let c = finished(&server, &id, doctor).await;
    let text = c.text.expect("a report");
    assert_eq!(c.status, CommandStatus::Done);
    assert!(
        text.contains(&format!("Enrolled as kiosk {}", id.0)),
        "{text}"
    );
    assert!(text.contains("answers with a pinned key"), "{text}");

    kiosk::logs::push("a line the console should see".to_owned());
    let logs = ask(&mut console, &server, &id, CommandKind::Logs).await;
    let c = finished(&server, &id, logs).await;
    assert_eq!(c.status, CommandStatus::Done);
    assert!(
        c.text
            .as_deref()
            .is_some_and(|t| t.contains("a line the console should see")),
        "{:?}",
        c.text
    );

    let shot = ask(&mut console, &server, &id, CommandKind::Screenshot).await;
    let c = finished(&server, &id, shot).await;
    assert_eq!((c.status, c.has_screenshot), (CommandStatus::Failed, false));

    let _ = stop.send(true);
    engine.await.expect("the engine stops");
}

/// What a raw event stream sends within `wait` (its first bytes at once, then whatever comes).
async fn stream_text(server: &TestServer, bearer: &str, path: &str, wait: Duration) -> String {
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(kiosk::net::pinned_tls_config(server.fingerprint))
        .build()
        .expect("client");
    let mut resp = http
        .get(server.url.join(path).expect("url"))
        .header("authorization", bearer)
        .send()
        .await
        .expect("answers");
    assert_eq!(resp.status(), 200);
    let deadline = tokio::time::Instant::now() + wait;
    let mut text = String::new();
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline, resp.chunk()).await {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    text
}

/// A kiosk that does not ask for commands (an older build, whose stream parser would choke on
/// them) is never sent one; they wait for it and expire.
#[tokio::test]
async fn only_streams_that_ask_are_sent_commands() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let bearer = tree
        .admin
        .raw_kiosk_credentials(&server, tree.branch_a)
        .await;
    let id = KioskId(
        bearer
            .trim_start_matches("Bearer ")
            .split('.')
            .next()
            .expect("an id")
            .to_owned(),
    );
    let mut console = signed_in(&server, ADMIN, PASSWORD).await;
    let doctor = ask(&mut console, &server, &id, CommandKind::Doctor).await;

    let old = stream_text(&server, &bearer, "v1/events", Duration::from_millis(1500)).await;
    assert!(old.contains("event: changes"), "{old}");
    assert!(!old.contains("command"), "{old}");
    assert_eq!(
        commands_of(&server, &id).await[0].status,
        CommandStatus::Pending
    );

    let new = stream_text(
        &server,
        &bearer,
        "v1/events?commands=1",
        Duration::from_millis(1500),
    )
    .await;
    assert!(
        new.contains(&format!(
            "event: command\ndata: {{\"id\":{doctor},\"kind\":\"doctor\"}}"
        )),
        "{new}"
    );
}
