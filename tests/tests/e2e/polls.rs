//! 民主管理 polls (issue 19, part 3): votes travel through a real kiosk's outbox, sealed; the
//! server counts one per person, keeps nothing that ties an anonymous vote to its voter, tells
//! a refusal through 办理进度, and publishes the tallies to kiosks only while staff show them.

use jiff::{Timestamp, ToSpan};
use protocol::poll::{Poll, PollResults, VoteRefusal};
use protocol::staff::ContentRecord;
use protocol::submission::FormAnswers;
use protocol::workflow::StatusQuery;
use protocol::{ContentBody, ContentKind};
use tests::{EnrolledKiosk, Staff, TestServer, write};

fn poll(anonymous: bool, closes_at: Timestamp) -> Poll {
    serde_json::from_value(serde_json::json!({
        "title": "年度疗休养目的地投票",
        "title_en": "Where should this year's rest trip go?",
        "questions": [
            {"text": "您希望去哪里？", "type": "single",
             "choices": [{"label": "黄山"}, {"label": "千岛湖"}, {"label": "厦门"}]},
            {"text": "希望安排哪些活动？", "type": "multiple", "max": 2,
             "choices": [{"label": "登山"}, {"label": "温泉"}, {"label": "采摘"}]},
            {"text": "对去年的安排打分", "type": "rating"}
        ],
        "anonymous": anonymous,
        "closes_at": closes_at,
    }))
    .expect("poll")
}

fn phone(n: u32) -> String {
    format!("1391234{n:04}")
}

fn vote(q1: &str, q2: &[&str], stars: &str, n: u32, name: Option<&str>) -> FormAnswers {
    let mut answers = serde_json::json!({
        "q1": q1, "q2": q2, "q3": stars, "phone": phone(n)
    });
    if let Some(name) = name {
        answers["name"] = name.into();
    }
    FormAnswers {
        answers: serde_json::from_value(answers).expect("answers"),
    }
}

async fn publish(staff: &Staff, org: protocol::OrgId, p: &Poll) -> ContentRecord {
    staff
        .publish(org, ContentBody::Poll(p.clone()))
        .await
        .expect("poll published")
}

async fn replace(staff: &Staff, record: &ContentRecord, p: &Poll) -> Result<ContentRecord, String> {
    staff
        .put::<_, ContentRecord>(
            &format!("v1/staff/content/{}", record.item.id),
            &write(record.item.org_id, ContentBody::Poll(p.clone())),
        )
        .await
        .map_err(|e| format!("{e:?}"))
}

fn results_on(kiosk: &EnrolledKiosk) -> Vec<PollResults> {
    kiosk
        .store
        .lock()
        .expect("store")
        .items(ContentKind::PollResults)
        .expect("items")
        .into_iter()
        .filter_map(|i| match i.body {
            ContentBody::PollResults(r) => Some(r),
            _ => None,
        })
        .collect()
}

/// Every row of every table, as text: what an operator with the database file can read.
async fn whole_database(server: &TestServer) -> String {
    server
        .state
        .db
        .read(|tx| {
            let tables: Vec<String> = tx
                .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let mut out = String::new();
            for t in tables {
                let columns: Vec<String> = tx
                    .prepare(&format!("SELECT name FROM pragma_table_info('{t}')"))?
                    .query_map([], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                let row = columns
                    .iter()
                    .map(|c| format!("quote(\"{c}\")"))
                    .collect::<Vec<_>>()
                    .join(" || '|' || ");
                let rows: Vec<String> = tx
                    .prepare(&format!("SELECT {row} FROM \"{t}\""))?
                    .query_map([], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                out.push_str(&rows.join("\n"));
            }
            Ok(out)
        })
        .await
        .expect("database read")
}

#[tokio::test]
async fn one_vote_per_person_nothing_links_an_anonymous_vote_and_results_show_only_when_chosen() {
    // SQLite only: PostgreSQL refuses anonymous polls (pg_server), and this reads SQLite's file.
    let server = TestServer::start_on_sqlite_with(|_| {}).await;
    let tree = server.org_tree().await;
    let open = poll(true, Timestamp::now() + 48.hours());
    let record = publish(&tree.admin, tree.city_a, &open).await;
    let id = record.item.id.clone();
    let named = publish(
        &tree.admin,
        tree.city_a,
        &Poll {
            title: "食堂满意度（实名）".into(),
            ..poll(false, Timestamp::now() + 48.hours())
        },
    )
    .await;
    let closed = publish(
        &tree.admin,
        tree.city_a,
        &poll(true, Timestamp::now() - 1.hours()),
    )
    .await;

    let kiosk = EnrolledKiosk::enroll(&tree.admin, tree.branch_a, Default::default()).await;
    kiosk.engine.sync_now().await.expect("first sync");
    let listed = kiosk::polls::read(&kiosk.store.lock().expect("store")).expect("polls");
    assert_eq!(listed.len(), 3, "the kiosk holds the polls");
    assert!(
        !listed.last().expect("polls").open(Timestamp::now()),
        "the closed poll is listed last"
    );

    // A poll reshaped before anyone voted (its last question dropped, version 2): a vote the
    // kiosk cast on version 1 would land on the wrong questions, so it is refused.
    let shifting = publish(&tree.admin, tree.city_a, &open).await;
    let mut fewer = open.clone();
    fewer.questions.pop();
    let reshaped = replace(&tree.admin, &shifting, &fewer)
        .await
        .expect("no votes yet: the shape may change");
    assert_eq!(reshaped.item.version, 2);

    // Three people vote; the first tries twice with another choice; one votes after closing.
    let casts = [
        (&id, vote("0", &["0", "1"], "5", 1, None)),
        (&id, vote("1", &["2"], "1", 1, None)),
        (&id, vote("0", &["1"], "4", 2, None)),
        (&id, vote("2", &["1"], "4", 3, None)),
        (&closed.item.id, vote("0", &["0"], "3", 4, None)),
        (&named.item.id, vote("1", &["0"], "2", 5, Some("王秀英"))),
        (&shifting.item.id, vote("0", &["0"], "5", 6, None)),
    ];
    let mut receipts = Vec::new();
    for (poll_id, answers) in casts {
        let saved = kiosk
            .engine
            .submit(poll_id.clone(), 1, answers)
            .await
            .expect("saved in the outbox");
        receipts.push(saved.receipt);
    }
    let done = kiosk.engine.sync_now().await.expect("delivered");
    assert_eq!(done.delivered, 7);

    // The anonymous votes' page images (the tallies before and after each) leave the WAL within
    // seconds: the server checkpoints it and truncates it to nothing.
    let wal = server
        .state
        .config
        .data_dir
        .clone()
        .expect("a data dir")
        .join("server.db-wal");
    let emptied = async {
        while std::fs::metadata(&wal).map_or(true, |m| m.len() > 0) {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), emptied)
        .await
        .expect("the WAL is emptied after anonymous votes");

    // Where each stands, under 办理进度 on another kiosk.
    let other = server.kiosk_at(&tree.admin, tree.branch_b).await;
    let mut seen = Vec::new();
    for (receipt, n) in receipts.iter().zip([1, 1, 2, 3, 4, 5, 6]) {
        let answer = other
            .status_check(&StatusQuery {
                receipt: receipt.clone(),
                phone_last4: phone(n)[7..].to_owned(),
            })
            .await
            .expect("checked");
        let vote = answer.vote.expect("a vote");
        assert!(answer.form_title.contains("投票") || answer.form_title.contains("食堂"));
        seen.push(vote.refusal);
    }
    assert_eq!(
        seen,
        [
            None,
            Some(VoteRefusal::AlreadyVoted),
            None,
            None,
            Some(VoteRefusal::Closed),
            None,
            Some(VoteRefusal::Changed)
        ]
    );
    let uncounted: i64 = server
        .state
        .db
        .read({
            let id = shifting.item.id.0.clone();
            move |tx| {
                Ok(tx.query_row(
                    "SELECT count(*) FROM poll_tallies WHERE poll_id = ?1",
                    [id],
                    |r| r.get(0),
                )?)
            }
        })
        .await
        .expect("tallies");
    assert_eq!(uncounted, 0, "the vote on the old shape is not counted");

    // The tallies: three counted votes; the second try of the first voter is not among them.
    let tallies: Vec<(i64, i64, i64)> = server
        .state
        .db
        .read({
            let id = id.0.clone();
            move |tx| {
                Ok(tx
                    .prepare(
                        "SELECT question, bucket, votes FROM poll_tallies WHERE poll_id = ?1
                         ORDER BY question, bucket",
                    )?
                    .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<Result<_, _>>()?)
            }
        })
        .await
        .expect("tallies");
    assert_eq!(
        tallies,
        [
            (0, 0, 2),
            (0, 2, 1),
            (1, 0, 1),
            (1, 1, 3),
            (2, 3, 2),
            (2, 4, 1)
        ]
    );

    // What an operator with the database can read: no phone number anywhere; the anonymous
    // poll's submissions keep no answers; nothing beside a submission id says what it chose.
    let db = whole_database(&server).await;
    for n in [1, 2, 3, 4, 6] {
        assert!(!db.contains(&phone(n)[3..]), "phone {n} is stored nowhere");
    }
    assert!(
        db.contains("王秀英") && db.contains(&phone(5)),
        "a named vote is kept with its name and phone"
    );
    let anonymous_rows: Vec<String> = server
        .state
        .db
        .read({
            let ids = [id.0.clone(), closed.item.id.0.clone()];
            move |tx| {
                Ok(tx
                    .prepare("SELECT answers FROM submissions WHERE form_id IN (?1, ?2)")?
                    .query_map(ids, |r| r.get(0))?
                    .collect::<Result<_, _>>()?)
            }
        })
        .await
        .expect("rows");
    assert_eq!(anonymous_rows, vec!["{}".to_owned(); 5]);
    let columns = |table: &'static str| {
        server.state.db.read(move |tx| {
            Ok(tx
                .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?)
        })
    };
    assert_eq!(
        columns("poll_voters").await.expect("cols"),
        ["poll_id", "voter"]
    );
    assert_eq!(
        columns("poll_ballots").await.expect("cols"),
        ["submission_id", "poll_id", "refusal"]
    );
    assert_eq!(
        columns("poll_tallies").await.expect("cols"),
        ["poll_id", "question", "bucket", "votes"]
    );

    // Results reach kiosks only once staff show them, and leave when they stop.
    kiosk.engine.sync_now().await.expect("synced");
    assert!(results_on(&kiosk).is_empty(), "not shown until chosen");
    let shown = replace(
        &tree.admin,
        &record,
        &Poll {
            show_results: true,
            ..open.clone()
        },
    )
    .await
    .expect("results shown");
    kiosk.engine.sync_now().await.expect("synced");
    let results = results_on(&kiosk);
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].poll, id);
    assert_eq!(results[0].votes, 3);
    assert_eq!(
        results[0].counts,
        [vec![2, 0, 1], vec![1, 3, 0], vec![0, 0, 0, 2, 1]]
    );
    let listed = kiosk::polls::read(&kiosk.store.lock().expect("store")).expect("polls");
    assert!(
        listed
            .iter()
            .any(|l| l.item.id == id && l.results.is_some()),
        "the kiosk lists the poll with its results"
    );

    // Once voted on, the questions cannot change shape; the wording and the close can.
    let mut reshaped = open.clone();
    reshaped.questions.pop();
    let refused = replace(&tree.admin, &shown, &reshaped).await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("InvalidContent")),
        "{refused:?}"
    );
    let hidden = replace(&tree.admin, &shown, &open)
        .await
        .expect("hidden again");
    kiosk.engine.sync_now().await.expect("synced");
    assert!(results_on(&kiosk).is_empty(), "withdrawn from kiosks");
    assert_eq!(hidden.item.version, 3);

    // A kiosk outside the poll's org sees neither the poll nor its votes count there.
    let elsewhere = EnrolledKiosk::enroll(&tree.admin, tree.branch_b, Default::default()).await;
    elsewhere.engine.sync_now().await.expect("synced");
    assert!(
        kiosk::polls::read(&elsewhere.store.lock().expect("store"))
            .expect("polls")
            .is_empty()
    );
}

#[tokio::test]
async fn the_console_starts_a_poll_from_plain_text_and_checks_role_and_scope() {
    use protocol::staff::Role;
    use reqwest::StatusCode;
    use tests::PASSWORD;
    use tests::console::Console;

    // SQLite only: it starts an anonymous poll, which PostgreSQL refuses (pg_server).
    let server = TestServer::start_on_sqlite_with(|_| {}).await;
    let tree = server.org_tree().await;
    let mut c = Console::new(&server);
    c.login("city_a", PASSWORD).await;
    c.get("/console/polls").await;
    let city = tree.city_a.0.to_string();
    let questions =
        "单选：您最想去哪里？ / Where to?\n黄山 / Huangshan\n千岛湖\n\n评分：去年的安排";
    let form = |questions: &'static str| {
        vec![
            ("org", city.clone()),
            ("title", "年度疗休养目的地投票".to_owned()),
            ("questions", questions.to_owned()),
            ("anonymous", "on".to_owned()),
            ("closes_at", "2099-01-01T17:00".to_owned()),
        ]
    };
    let bad = form("问答：你好");
    let fields: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = c.post("/console/polls", &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("第 1 题"), "{}", refused.body);
    assert!(
        refused.body.contains("问答：你好"),
        "what was typed is kept"
    );

    let good = form(questions);
    let fields: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let made = c.post("/console/polls", &fields).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let page = made
        .location
        .expect("to the poll")
        .replace("?ok=", "#")
        .split('#')
        .next()
        .expect("path")
        .to_owned();
    let shown = c.get(&page).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains("<svg"), "a chart per question");
    assert!(shown.body.contains("Huangshan") || shown.body.contains("黄山"));
    assert!(
        !shown.body.contains("/console/submissions?form="),
        "an anonymous poll has no votes to read"
    );
    let named = publish(
        &tree.city_staff,
        tree.city_a,
        &poll(false, Timestamp::now() + 48.hours()),
    )
    .await;
    let named_page = c.get(&format!("/console/polls/{}", named.item.id)).await;
    assert!(
        named_page
            .body
            .contains(&format!("/console/submissions?form={}", named.item.id)),
        "a named poll's votes are read through the audited inbox"
    );
    let csv = c.get(&format!("{page}/tallies.csv")).await;
    assert!(csv.body.contains("千岛湖,0"), "{}", csv.body);

    // The kiosk-results switch and close now: a new version each.
    let version = |body: &str| {
        let at = body.find("name=\"base\" value=\"").expect("base") + 19;
        body[at..at + body[at..].find('"').expect("end")].to_owned()
    };
    let base = version(&shown.body);
    let toggled = c
        .post(
            &format!("{page}/results"),
            &[("base", &base), ("show", "true")],
        )
        .await;
    assert_eq!(toggled.status, StatusCode::SEE_OTHER);
    let shown = c.get(&page).await;
    assert!(shown.body.contains("停止在终端公布结果"), "{}", shown.body);
    let base = version(&shown.body);
    c.post(&format!("{page}/close"), &[("base", &base)]).await;
    assert!(c.get(&page).await.body.contains("已截止"));

    // A viewer reads the results but changes nothing; a sibling city's staff see nothing.
    tree.admin
        .create_user("viewer_a", tree.city_a, &[Role::Viewer])
        .await;
    tree.admin
        .create_user("publisher_b", tree.city_b, &[Role::Publisher, Role::Viewer])
        .await;
    let mut viewer = Console::new(&server);
    viewer.login("viewer_a", PASSWORD).await;
    assert_eq!(viewer.get(&page).await.status, StatusCode::OK);
    let denied = viewer
        .post(
            &format!("{page}/results"),
            &[("base", "3"), ("show", "false")],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let mut sibling = Console::new(&server);
    sibling.login("publisher_b", PASSWORD).await;
    sibling.get("/console/polls").await;
    assert_eq!(sibling.get(&page).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        sibling.get(&format!("{page}/tallies.csv")).await.status,
        StatusCode::NOT_FOUND
    );
    let closed = sibling
        .post(
            &format!("{page}/results"),
            &[("base", "3"), ("show", "false")],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "answered on the page");
    assert!(
        closed.location.is_some_and(|l| l.contains("err=")),
        "refused as unknown"
    );
    assert!(
        !sibling
            .get("/console/polls")
            .await
            .body
            .contains("年度疗休养"),
        "not listed for a sibling"
    );
    let still = c.get(&page).await;
    assert!(
        still.body.contains("停止在终端公布结果"),
        "the sibling changed nothing"
    );
}
