//! Cases with deadlines (issue 17, part 5), end to end on the demo: a form's deadline set by a
//! publisher, cases from a real kiosk given their due times, the inbox by urgency (the assignee
//! first, then by deadline) and its due filters, assignment refused out of scope, an overdue case
//! escalated one org up (once per deadline passed, audited), the digest, and the employee's
//! status check saying by when the answer is expected. The server's escalation run is called
//! with a future `now`, the same function its periodic task calls.

use protocol::staff::{AuditEntry, Org, Role, StaffInfo};
use protocol::submission::FormAnswers;
use protocol::workflow::{
    Assign, CaseEventKind, Status, StatusChange, SubmissionDetail, SubmissionSummary,
};
use serde_json::json;
use sync_server::deadlines::{self, escalate};
use tests::{Staff, TestServer};

fn feedback_answers() -> protocol::answers::Answers {
    [
        ("category", json!("workplace")),
        ("subject", json!("电梯故障")),
        ("content", json!("三号电梯经常停运，上下班很不方便。")),
        ("anonymous", json!("yes")),
        ("phone", json!("13700002222")),
        ("consent", json!(true)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

async fn org_named(admin: &Staff, name: &str) -> Org {
    let orgs: Vec<Org> = admin.get("/v1/staff/orgs").await.expect("orgs");
    orgs.into_iter()
        .find(|o| o.name == name)
        .unwrap_or_else(|| panic!("no org {name}"))
}

async fn inbox(staff: &Staff, query: &str) -> Vec<String> {
    let rows: Vec<SubmissionSummary> = staff
        .get(&format!("/v1/staff/submissions?{query}"))
        .await
        .expect("inbox");
    rows.into_iter().map(|r| r.receipt).collect()
}

#[tokio::test]
async fn deadlines_order_the_inbox_and_an_overdue_case_goes_one_org_up() {
    let (server, admin, loaded) = TestServer::demo().await;
    let city = org_named(&admin, "临江市分行工会").await;
    let sibling = org_named(&admin, "青山市分行工会").await;
    assert_eq!(
        org_named(&admin, &loaded.branch_name).await.parent_id,
        Some(city.id)
    );
    let (kiosk, _dir) = tests::kiosk_core(&admin, loaded.branch).await;
    let (membership, _) = tests::membership_form(&kiosk).await;
    let forms = kiosk.forms().await.expect("forms");
    let (feedback, _) = forms
        .iter()
        .find(|(_, f)| f.title == "职工诉求")
        .expect("the feedback form")
        .clone();

    // A publisher sets the feedback form's deadline to 24 hours; a case handler may not.
    let handler = server
        .user(&admin, "li_city", city.id, &[Role::CaseHandler])
        .await;
    let path = format!("/v1/staff/forms/{}/deadline", feedback.id.0);
    let denied = handler
        .put::<_, serde_json::Value>(&path, &json!({"unit": "hours", "amount": 24}))
        .await
        .expect_err("not a publisher");
    assert_eq!(denied.status, 403);
    let wrong = admin
        .put::<_, serde_json::Value>(&path, &json!({"unit": "hours", "amount": 0}))
        .await
        .expect_err("out of range");
    assert_eq!(wrong.body.error, protocol::ErrorCode::InvalidDeadline);
    admin
        .put::<_, serde_json::Value>(&path, &json!({"unit": "hours", "amount": 24}))
        .await
        .expect("set");
    let unknown = admin
        .put::<_, serde_json::Value>(
            "/v1/staff/forms/no-such-form/deadline",
            &json!({"unit": "hours", "amount": 24}),
        )
        .await
        .expect_err("unknown form");
    assert_eq!(unknown.status, 404);

    // Three cases: two applications (three working days by default), then feedback (24 h).
    let submit = |form: &protocol::ContentItem, answers| {
        let (id, version) = (form.id.clone(), form.version);
        let kiosk = &kiosk;
        async move {
            kiosk
                .submit(id, version, FormAnswers { answers })
                .await
                .expect("saved")
        }
    };
    let first = submit(
        &membership,
        tests::membership_answers("李明", "13800001234"),
    )
    .await;
    let second = submit(
        &membership,
        tests::membership_answers("王芳", "13900005678"),
    )
    .await;
    let third = submit(&feedback, feedback_answers()).await;
    assert_eq!(kiosk.sync_now().await.expect("delivered").delivered, 3);

    // The first is assigned to the city's case handler; a sibling city's staff cannot be given
    // it (they cannot see it), nor can someone without the case-handler role.
    let me: StaffInfo = handler.get("/v1/staff/me").await.expect("me");
    let stranger = server
        .user(&admin, "wu_qs", sibling.id, &[Role::CaseHandler])
        .await;
    let viewer = server
        .user(&admin, "zhao_city", city.id, &[Role::Viewer])
        .await;
    let zhao: StaffInfo = viewer.get("/v1/staff/me").await.expect("me");
    let stranger_info: StaffInfo = stranger.get("/v1/staff/me").await.expect("me");
    let assign = |id: &str| format!("/v1/staff/submissions/{id}/assign");
    for (to, why) in [
        (
            Assign {
                staff_id: Some(stranger_info.id),
                org_id: None,
            },
            "cannot see it",
        ),
        (
            Assign {
                staff_id: Some(zhao.id),
                org_id: None,
            },
            "not a case handler",
        ),
        (
            Assign {
                staff_id: None,
                org_id: Some(sibling.id),
            },
            "a sibling org",
        ),
        (
            Assign {
                staff_id: None,
                org_id: None,
            },
            "nobody",
        ),
    ] {
        let refused = admin
            .post::<_, SubmissionDetail>(&assign(&first.id), &to)
            .await
            .expect_err(why);
        assert_eq!(
            refused.body.error,
            protocol::ErrorCode::InvalidAssignee,
            "{why}"
        );
    }
    let out_of_scope = stranger
        .post::<_, SubmissionDetail>(
            &assign(&first.id),
            &Assign {
                staff_id: Some(stranger_info.id),
                org_id: None,
            },
        )
        .await
        .expect_err("a case outside one's org");
    assert_eq!(out_of_scope.status, 404);
    let no_role = viewer
        .post::<_, SubmissionDetail>(
            &assign(&first.id),
            &Assign {
                staff_id: Some(me.id),
                org_id: None,
            },
        )
        .await
        .expect_err("the role");
    assert_eq!(no_role.status, 403);
    let assigned: SubmissionDetail = admin
        .post(
            &assign(&first.id),
            &Assign {
                staff_id: Some(me.id),
                org_id: None,
            },
        )
        .await
        .expect("assigned");
    assert_eq!(assigned.events.len(), 1);
    assert_eq!(assigned.events[0].kind, CaseEventKind::Assigned);
    assert_eq!(
        assigned
            .summary
            .assigned_to
            .as_ref()
            .map(|a| a.name.as_str()),
        Some("li_city")
    );

    // In the console: the sibling city's handler ticks the case in a bulk action and nothing is
    // done to it; a case handler may not open the closing days (administrators only); a city
    // administrator may not close a day of the sibling city.
    let mut wu = tests::console::Console::new(&server);
    wu.login("wu_qs", tests::PASSWORD).await;
    wu.get("/console/submissions").await;
    let bulk = wu
        .post(
            "/console/submissions/bulk",
            &[
                ("do", "status"),
                ("status", "processing"),
                ("reply", ""),
                ("id", &first.id),
            ],
        )
        .await;
    let told = bulk.location.expect("back to the inbox");
    assert!(told.contains("err="), "{told}");
    let mut li = tests::console::Console::new(&server);
    li.login("li_city", tests::PASSWORD).await;
    assert_eq!(li.get("/console/closing-days").await.status, 403);
    let _city_admin = server
        .user(&admin, "qian_city", city.id, &[Role::Admin])
        .await;
    let mut qian = tests::console::Console::new(&server);
    qian.login("qian_city", tests::PASSWORD).await;
    assert_eq!(qian.get("/console/closing-days").await.status, 200);
    let sibling_id = sibling.id.0.to_string();
    let refused = qian
        .post(
            "/console/closing-days",
            &[
                ("org", &sibling_id),
                ("day", "2026-12-24"),
                ("note", "x"),
                ("remove", ""),
            ],
        )
        .await;
    assert!(
        refused
            .location
            .as_deref()
            .is_some_and(|l| l.contains("err=")),
        "{refused:?}"
    );
    let city_id = city.id.0.to_string();
    let added = qian
        .post(
            "/console/closing-days",
            &[
                ("org", &city_id),
                ("day", "2026-12-24"),
                ("note", "搬迁"),
                ("remove", ""),
            ],
        )
        .await;
    assert!(
        added.location.as_deref().is_some_and(|l| l.contains("ok=")),
        "{added:?}"
    );
    assert!(
        qian.get("/console/closing-days")
            .await
            .body
            .contains("搬迁")
    );

    // By urgency: the assignee's case first, then by deadline: the 24-hour feedback before the
    // second application's three working days (newest first would put the feedback first).
    assert_eq!(
        inbox(&handler, "sort=urgency").await,
        [
            first.receipt.clone(),
            third.receipt.clone(),
            second.receipt.clone()
        ]
    );
    assert_eq!(
        inbox(&handler, "due=mine").await,
        std::slice::from_ref(&first.receipt)
    );
    assert_eq!(inbox(&handler, "due=overdue").await, Vec::<String>::new());
    assert_eq!(inbox(&handler, "due=new").await.len(), 3);
    let bad = handler
        .get::<Vec<SubmissionSummary>>("/v1/staff/submissions?due=someday")
        .await
        .expect_err("unknown filter");
    assert_eq!(bad.status, 400);

    // The due times: 24 hours for the feedback, three working days for the application.
    let rows: Vec<SubmissionSummary> = admin
        .get("/v1/staff/submissions?sort=urgency")
        .await
        .expect("inbox");
    let due_of = |receipt: &str| {
        rows.iter()
            .find(|r| r.receipt == receipt)
            .and_then(|r| r.due_at)
            .expect("a due time")
            .as_millisecond()
    };
    let received = rows
        .iter()
        .find(|r| r.receipt == third.receipt)
        .expect("third")
        .submitted_at
        .as_millisecond();
    assert!((due_of(&third.receipt) - received - 24 * 3_600_000).abs() < 60_000);
    let calendar = server.state.calendar.clone();
    let today = deadlines::china_date(sync_server::db::now_ms());
    let promised = calendar.add_working_days(today, 3, &Default::default());
    assert_eq!(deadlines::due_date(due_of(&second.receipt)), promised);

    // The employee's status check says by when.
    let answer = match kiosk
        .check_status(second.receipt.clone(), "5678".into())
        .await
    {
        kiosk::core::StatusCheck::Found(a) => a,
        other => panic!("{other:?}"),
    };
    assert_eq!(answer.expected_by, Some(promised));
    let sentence =
        kiosk::ui::screen::status::expected(kiosk::ui::i18n::Lang::Zh.strings(), &answer)
            .expect("a sentence");
    assert_eq!(
        sentence,
        format!(
            "受理中，预计 {}月{}日 前答复",
            promised.month(),
            promised.day()
        )
    );

    // Past the feedback's 24 hours (and before the applications' deadline): it, and only it,
    // goes one org up, from the branch to the city; once.
    let overdue_at = due_of(&third.receipt) + 1;
    assert!(overdue_at < due_of(&second.receipt));
    let report = escalate::run(&server.state, overdue_at).await.expect("run");
    assert_eq!(report.escalated, 1);
    assert_eq!(
        escalate::run(&server.state, overdue_at)
            .await
            .expect("again")
            .escalated,
        0,
        "idempotent"
    );
    let escalated: SubmissionDetail = handler
        .get(&format!("/v1/staff/submissions/{}", third.id))
        .await
        .expect("the case");
    assert_eq!(escalated.summary.escalation_level, 1);
    assert_eq!(
        escalated
            .summary
            .escalated_to
            .as_ref()
            .and_then(|e| e.org_id),
        Some(city.id)
    );
    assert!(
        escalated
            .events
            .iter()
            .any(|e| e.kind == CaseEventKind::Escalated && e.level == 1 && e.to == city.name)
    );
    assert_eq!(
        inbox(&handler, "due=escalated").await,
        std::slice::from_ref(&third.receipt)
    );
    let audit: Vec<AuditEntry> = admin.get("/v1/staff/audit").await.expect("audit");
    assert!(
        audit
            .iter()
            .any(|a| a.action == protocol::staff::AuditAction::Escalate
                && a.receipts == [third.receipt.clone()])
    );

    // The city handler's digest at that moment: the overdue case escalated to their org and
    // their assigned one; none new (all three arrived just over 24 hours before).
    let city_actor = sync_server::staff::authenticate(&server.state, &handler.token)
        .await
        .expect("signed in")
        .1;
    let digest = deadlines::digest::of(&server.state, city_actor, overdue_at)
        .await
        .expect("digest");
    let counts = digest.counts();
    assert_eq!(
        (counts.overdue, counts.escalated, counts.mine, counts.new),
        (1, 1, 1, 0)
    );
    assert_eq!(digest.overdue[0].receipt, third.receipt);

    // Another 24 hours on: one more level, to the province, which is the top.
    let later = overdue_at + 24 * 3_600_000;
    assert_eq!(
        escalate::run(&server.state, later)
            .await
            .expect("run")
            .escalated,
        1,
        "the second level (the applications are not due yet)"
    );
    let top: SubmissionDetail = admin
        .get(&format!("/v1/staff/submissions/{}", third.id))
        .await
        .expect("the case");
    assert_eq!(top.summary.escalation_level, 2);
    assert_eq!(
        top.summary.escalated_to.and_then(|e| e.org_id),
        Some(loaded.root)
    );
    assert_eq!(
        escalate::run(&server.state, later + 10 * 86_400_000)
            .await
            .expect("run")
            .escalated,
        3,
        "the top org keeps the feedback; the application assigned to the city's handler goes \
         to the province, the other from the branch to the city and the province"
    );

    // The digest by e-mail, through a minimal SMTP receiver in this process: counts and a link,
    // nobody's details, once a day. (At the real time now: the application assigned to the
    // city's handler, and three cases new.)
    let set = li
        .post(
            "/console/digest/email",
            &[("email", "li@branch.example.cn")],
        )
        .await;
    assert!(
        set.location.as_deref().is_some_and(|l| l.contains("ok=")),
        "{set:?}"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let port = listener.local_addr().expect("address").port();
    let received = tokio::spawn(smtp_once(listener));
    let config = sync_server::config::MailConfig {
        smtp_host: "127.0.0.1".into(),
        smtp_port: port,
        tls: "none".into(),
        username: None,
        password: None,
        from: "工会服务平台 <noreply@union.example.cn>".into(),
        send_after_hour: 0,
    };
    let now = sync_server::db::now_ms();
    assert_eq!(
        deadlines::mail::send_due(&server.state, &config, now)
            .await
            .expect("sent"),
        1
    );
    let raw = received.await.expect("the receiver");
    assert!(raw.contains("li@branch.example.cn"), "{raw}");
    let body = decoded_body(&raw);
    assert!(body.contains("分派给我：1 件"), "{body}");
    assert!(body.contains("新收到（24 小时内）：3 件"), "{body}");
    assert!(body.contains("/console/digest"), "{body}");
    for private in [
        first.receipt.as_str(),
        second.receipt.as_str(),
        third.receipt.as_str(),
        "李明",
        "王芳",
        "13800001234",
        "电梯",
    ] {
        assert!(
            !raw.contains(private) && !body.contains(private),
            "{private} in the e-mail"
        );
    }
    assert_eq!(
        deadlines::mail::send_due(&server.state, &config, now + 60_000)
            .await
            .expect("run"),
        0,
        "once a day"
    );

    // A case answered in time and opened again weeks later gets a new deadline from then: the
    // weeks it was closed are not overdue, so it is not escalated for them.
    let fourth = submit(&feedback, feedback_answers()).await;
    assert_eq!(kiosk.sync_now().await.expect("delivered").delivered, 1);
    let status = format!("/v1/staff/submissions/{}/status", fourth.id);
    let change = |status: Status, reply: Option<&str>| StatusChange {
        status,
        reply: reply.map(str::to_owned),
    };
    let _: SubmissionDetail = handler
        .post(&status, &change(Status::Replied, Some("已答复")))
        .await
        .expect("answered");
    let weeks_ago = sync_server::db::now_ms() - 21 * 86_400_000;
    let id = fourth.id.clone();
    server
        .state
        .db
        .write(move |tx| {
            tx.execute(
                "UPDATE submissions SET received_at = ?2, due_at = ?3,
                     next_escalation_at = ?3 WHERE id = ?1",
                (id, weeks_ago, weeks_ago + 86_400_000),
            )?;
            Ok(())
        })
        .await
        .expect("the case made three weeks old");
    let reopened: SubmissionDetail = handler
        .post(&status, &change(Status::Processing, None))
        .await
        .expect("opened again");
    let now = sync_server::db::now_ms();
    assert!(
        reopened
            .summary
            .due_at
            .is_some_and(|d| d.as_millisecond() > now),
        "a new deadline: {:?}",
        reopened.summary.due_at
    );
    escalate::run(&server.state, now).await.expect("run");
    let after: SubmissionDetail = handler
        .get(&format!("/v1/staff/submissions/{}", fourth.id))
        .await
        .expect("the case");
    assert_eq!(after.summary.escalation_level, 0, "not escalated");
}

/// Takes one SMTP session on `listener` and returns the message (its lines joined by `\n`).
async fn smtp_once(listener: tokio::net::TcpListener) -> String {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let (socket, _) = listener.accept().await.expect("a connection");
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 test ESMTP\r\n").await.expect("greet");
    let (mut message, mut in_data) = (String::new(), false);
    while let Some(line) = lines.next_line().await.expect("a line") {
        if in_data {
            if line == "." {
                in_data = false;
                write.write_all(b"250 queued\r\n").await.expect("queued");
            } else {
                message.push_str(line.strip_prefix('.').unwrap_or(&line));
                message.push('\n');
            }
            continue;
        }
        let command = line.to_ascii_uppercase();
        let answer: &[u8] = if command.starts_with("EHLO") {
            b"250-test\r\n250 8BITMIME\r\n"
        } else if command.starts_with("DATA") {
            in_data = true;
            b"354 go on\r\n"
        } else if command.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").await.expect("bye");
            break;
        } else {
            b"250 ok\r\n"
        };
        write.write_all(answer).await.expect("answer");
    }
    message
}

/// The body of a one-part message, undoing base64 if it is so encoded.
fn decoded_body(raw: &str) -> String {
    use base64::Engine;
    let (head, body) = raw.split_once("\n\n").expect("headers end");
    if head.contains("Content-Transfer-Encoding: base64") {
        let joined: String = body.split_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(joined)
            .expect("base64");
        String::from_utf8(bytes).expect("utf-8")
    } else {
        body.to_owned()
    }
}
