//! 知识竞赛 (issue 19 part 2): a kiosk plays a round from its cached bank and sends it through
//! its real outbox; the server scores it again from the bank (a forged score or a question not in
//! the bank is refused), an entry to the ranking reaches another kiosk with the name masked and
//! no phone, and staff's figures count only their own subtree's rounds.

use protocol::ContentBody;
use protocol::quiz::{ENTRY_CONSENT, ENTRY_NAME, ENTRY_PHONE, ENTRY_ROUND, QuizRound, RoundAnswer};
use protocol::staff::Role;
use protocol::submission::FormAnswers;
use reqwest::StatusCode;
use tests::console::Console;
use tests::{ADMIN, EnrolledKiosk, PASSWORD, TestServer};

fn bank() -> ContentBody {
    serde_json::from_value(serde_json::json!({
        "kind": "quiz", "title": "工会知识竞赛", "per_round": 2, "seconds": 60,
        "questions": [
            {"key": "q1", "stem": "工会会费是工资的多少？", "answer": ["A"],
             "options": [{"key": "A", "text": "0.5%"}, {"key": "B", "text": "5%"}]},
            {"key": "q2", "stem": "哪些是劳动合同必备条款？", "multiple": true, "answer": ["A", "B"],
             "options": [{"key": "A", "text": "期限"}, {"key": "B", "text": "报酬"},
                         {"key": "C", "text": "爱好"}]},
            {"key": "q3", "stem": "仲裁时效多长？", "answer": ["B"],
             "options": [{"key": "A", "text": "半年"}, {"key": "B", "text": "一年"}]}
        ]
    }))
    .expect("quiz body")
}

fn round(answers: &[(&str, &[&str])], seconds: u32) -> FormAnswers {
    QuizRound {
        answers: answers
            .iter()
            .map(|(q, chosen)| RoundAnswer {
                question: (*q).to_owned(),
                chosen: chosen.iter().map(|c| (*c).to_owned()).collect(),
            })
            .collect(),
        seconds,
    }
    .to_answers()
}

fn entry(round: &str, name: &str, phone: &str) -> FormAnswers {
    FormAnswers {
        answers: [
            (ENTRY_ROUND, round.into()),
            (ENTRY_NAME, name.into()),
            (ENTRY_PHONE, phone.into()),
            (ENTRY_CONSENT, true.into()),
        ]
        .into_iter()
        .map(|(k, v): (&str, serde_json::Value)| (k.to_owned(), v))
        .collect(),
    }
}

/// Posts a console form of owned values.
async fn post(c: &mut Console, path: &str, fields: &[(&str, String)]) -> tests::console::Answer {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post(path, &refs).await
}

#[tokio::test]
async fn a_round_is_scored_by_the_server_and_an_entry_reaches_every_kiosk_masked() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let published = tree
        .admin
        .publish(tree.province, bank())
        .await
        .expect("published");
    let id = published.item.id.clone();
    let config = kiosk::sync::SyncConfig::default();
    let here = EnrolledKiosk::enroll(&tree.admin, tree.branch_a, config.clone()).await;
    let there = EnrolledKiosk::enroll(&tree.admin, tree.branch_b, config).await;
    here.engine.sync_now().await.expect("synced");
    let cached = {
        let store = here.store.lock().expect("store");
        kiosk::quiz::read(&store).expect("quizzes")
    };
    assert_eq!(cached.len(), 1, "the kiosk holds the bank");
    assert_eq!(
        kiosk::quiz::draw(&cached[0].quiz).len(),
        2,
        "a round of per_round questions"
    );

    // One right (q1), one half right (q2: a multiple choice needs every right option).
    let played = here
        .engine
        .submit(id.clone(), 1, round(&[("q1", &["A"]), ("q2", &["A"])], 41))
        .await
        .expect("saved");
    // A forged score rides along, and a question that is not in the bank.
    let mut forged = round(&[("q1", &["B"]), ("q3", &["A"])], 20);
    forged.answers.insert("score".to_owned(), 2.into());
    here.engine
        .submit(id.clone(), 1, forged)
        .await
        .expect("saved");
    here.engine
        .submit(id.clone(), 1, round(&[("q1", &["A"]), ("q9", &["A"])], 20))
        .await
        .expect("saved");
    // The player enters the ranking at once; the outbox holds the round back (its backoff), so
    // the entry reaches the server first: a 409 the kiosk retries, never a refusal for good.
    here.engine
        .submit(id.clone(), 1, entry(&played.id, "张三明", "13800138000"))
        .await
        .expect("saved");
    here.store
        .lock()
        .expect("store")
        .failed(
            &played.id,
            "held back",
            std::time::Duration::from_secs(3600),
        )
        .expect("held back");
    let early = here.engine.sync_once().await.expect("synced");
    assert_eq!(
        (early.delivered, early.refused, early.undelivered),
        (0, 2, 1),
        "the entry before its round waits: {early:?}"
    );
    let sent = here.engine.sync_now().await.expect("delivered");
    assert_eq!(
        (sent.delivered, sent.refused),
        (2, 0),
        "the round, then its entry: {sent:?}"
    );
    let rounds: Vec<(u32, u32, u32)> = server
        .state
        .db
        .read(|tx| {
            Ok(tx
                .prepare("SELECT score, total, seconds FROM quiz_rounds")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()?)
        })
        .await
        .expect("rounds");
    assert_eq!(rounds, [(1, 2, 41)], "scored by the server from the bank");

    // The entry is stored closed (retention erases it; no open case in the inbox), and the
    // person is a keyed hash: not the plain SHA-256 of the quiz and the phone.
    let (status, person): (String, Vec<u8>) = server
        .state
        .db
        .read(|tx| {
            Ok(tx.query_row(
                "SELECT s.status, r.person FROM quiz_rounds r JOIN submissions s ON s.id = r.entry_id",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .await
        .expect("the entry");
    assert_eq!(status, "approved", "an entry is closed at once");
    let unkeyed = {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(id.0.as_bytes());
        h.update([0]);
        h.update(b"13800138000");
        h.finalize().to_vec()
    };
    assert_eq!(person.len(), 32);
    assert_ne!(person, unkeyed, "keyed from the submission key");

    // Another kiosk cannot enter this kiosk's round: refused for good.
    there
        .engine
        .submit(id.clone(), 1, entry(&played.id, "李四", "13900000001"))
        .await
        .expect("saved");
    let stolen = there.engine.sync_now().await.expect("synced");
    assert_eq!(stolen.refused, 1, "another kiosk's round");

    // The ranking reaches the other kiosk: the name masked, the branch, never the phone.
    there.engine.sync_now().await.expect("synced");
    let listed = {
        let store = there.store.lock().expect("store");
        kiosk::quiz::read(&store).expect("quizzes")
    };
    let ranking = listed[0].ranking.clone().expect("the ranking synced");
    assert_eq!(ranking.entries.len(), 1);
    let first = &ranking.entries[0];
    assert_eq!(
        (first.name.as_str(), first.score, first.total, first.seconds),
        ("张*明", 1, 2, 41)
    );
    let org_a: String = server
        .state
        .db
        .read(move |tx| {
            Ok(tx.query_row(
                "SELECT name FROM orgs WHERE id = ?1",
                [tree.branch_a.0],
                |r| r.get(0),
            )?)
        })
        .await
        .expect("org");
    assert_eq!(first.org, org_a);
    let json = serde_json::to_string(&ranking).expect("json");
    assert!(!json.contains("138") && !json.contains("张三明"), "{json}");

    // Staff's figures: the province sees the round, the other city none of it.
    let quiz = match bank() {
        ContentBody::Quiz(q) => q,
        _ => unreachable!("a quiz body"),
    };
    let paths: Vec<String> = {
        let (a, b) = (tree.province.0, tree.city_b.0);
        server
            .state
            .db
            .read(move |tx| {
                let path = |id: i64| {
                    tx.query_row("SELECT path FROM orgs WHERE id = ?1", [id], |r| r.get(0))
                };
                Ok(vec![path(a)?, path(b)?])
            })
            .await
            .expect("paths")
    };
    let (q, qid) = (quiz.clone(), id.0.clone());
    let (all, other) = server
        .state
        .db
        .read(move |tx| {
            Ok((
                sync_server::quiz::figures(tx, &q, &qid, &paths[0])?,
                sync_server::quiz::figures(tx, &q, &qid, &paths[1])?,
            ))
        })
        .await
        .expect("figures");
    assert_eq!((all.rounds, all.entered, all.mean_tenths), (1, 1, 10));
    assert_eq!(
        all.hardest[0].key, "q2",
        "the question answered wrong first"
    );
    assert_eq!(all.hardest[0].wrong_percent(), 100);
    assert_eq!(all.per_day.len(), 1);
    assert_eq!(other.rounds, 0, "another city's staff count none of it");

    // The console's results: the province's charts and table; another city's viewer sees the
    // province's quiz with none of these rounds, and a branch's own quiz of city A not at all.
    let mut admin = Console::new(&server);
    admin.login(ADMIN, PASSWORD).await;
    let list = admin.get("/console/quiz").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("工会知识竞赛"), "{}", list.body);
    let page = admin.get(&format!("/console/quiz/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for shown in [
        "<svg",
        "每天答题轮数",
        "答错率",
        "哪些是劳动合同必备条款？",
        "100%",
    ] {
        assert!(page.body.contains(shown), "{shown} in {}", page.body);
    }
    // A publisher writes a quiz in the editor (no JSON): a line that is neither an option nor
    // an explanation is refused with what was typed kept; then it is published and edited.
    let branch_a = tree.branch_a.0.to_string();
    let typed = "[q1] 工会会费是工资的多少？\n*A. 0.5%\nB. 5%\n解析：章程规定。\n\n\
                 [q2] 哪些是劳动合同必备条款？\n*A. 期限\n*B. 报酬\nC. 爱好";
    let fields = |questions: &'static str| {
        vec![
            ("org", branch_a.clone()),
            ("base", "0".to_owned()),
            ("title", "支行知识竞赛".to_owned()),
            ("title_en", String::new()),
            ("intro", String::new()),
            ("per_round", "2".to_owned()),
            ("seconds", "60".to_owned()),
            ("questions", questions.to_owned()),
        ]
    };
    admin.get("/console/quiz/new").await;
    let refused = post(&mut admin, "/console/quiz/new", &fields("[q1] 题\n随便写")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("随便写") && refused.body.contains("既不是选项"),
        "{}",
        refused.body
    );
    let created = post(&mut admin, "/console/quiz/new", &fields(typed)).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let at = created.location.expect("to the quiz's page");
    let own_id = at
        .trim_start_matches("/console/quiz/")
        .split('?')
        .next()
        .expect("id")
        .to_owned();
    let record: protocol::staff::ContentRecord = tree
        .admin
        .get(&format!("v1/staff/content/{own_id}"))
        .await
        .expect("stored");
    let ContentBody::Quiz(written) = &record.item.body else {
        panic!("a quiz: {record:?}")
    };
    assert_eq!(written.questions[1].answer, ["A", "B"]);
    assert!(
        written.questions[1].multiple,
        "two right options: multiple choice"
    );
    let edit_at = format!("/console/quiz/{own_id}/edit");
    let form = admin.get(&edit_at).await;
    assert!(
        form.body.contains("*B. 报酬"),
        "the bank as text: {}",
        form.body
    );
    let mut again = fields(typed);
    again[1].1 = "1".to_owned();
    again[6].1 = "90".to_owned();
    let saved = post(&mut admin, &edit_at, &again).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let own: protocol::staff::ContentRecord = tree
        .admin
        .get(&format!("v1/staff/content/{own_id}"))
        .await
        .expect("stored");
    assert_eq!(own.item.version, 2);
    server
        .user(&tree.admin, "quiz_view_b", tree.city_b, &[Role::Viewer])
        .await;
    let mut viewer = Console::new(&server);
    viewer.login("quiz_view_b", PASSWORD).await;
    let theirs = viewer.get(&format!("/console/quiz/{id}")).await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(theirs.body.contains("还没有人答题"), "{}", theirs.body);
    let sibling = viewer.get(&format!("/console/quiz/{}", own.item.id)).await;
    assert_eq!(
        sibling.status,
        StatusCode::NOT_FOUND,
        "a sibling's quiz is unknown"
    );
    // Unpublished, the province's quiz is a draft above the city: not the city viewer's to see,
    // and its ranking leaves the kiosks; published again it comes back; deleted, it goes.
    let ranking_live = || {
        let ranking = protocol::quiz::QuizRanking::id_for(&id).0;
        let db = server.state.db.clone();
        async move {
            db.read(move |tx| {
                Ok(tx
                    .prepare("SELECT item IS NOT NULL FROM feed WHERE content_id = ?1")?
                    .query_map([ranking], |r| r.get(0))?
                    .collect::<Result<Vec<bool>, _>>()?)
            })
            .await
            .expect("feed")
        }
    };
    assert_eq!(ranking_live().await, [true]);
    let _: protocol::staff::ContentRecord = tree
        .admin
        .post(&format!("v1/staff/content/{id}/unpublish"), &())
        .await
        .expect("unpublished");
    assert_eq!(ranking_live().await, [false], "unpublished: tombstoned");
    assert_eq!(
        viewer.get(&format!("/console/quiz/{id}")).await.status,
        StatusCode::NOT_FOUND,
        "an org above's draft"
    );
    let listed = viewer.get("/console/quiz").await;
    assert!(!listed.body.contains("工会知识竞赛"), "{}", listed.body);
    let _: protocol::staff::ContentRecord = tree
        .admin
        .post(&format!("v1/staff/content/{id}/publish"), &())
        .await
        .expect("published again");
    assert_eq!(ranking_live().await, [true], "published again: back");
    tree.admin
        .delete(&format!("v1/staff/content/{id}"))
        .await
        .expect("deleted");
    assert_eq!(ranking_live().await, [false], "deleted: tombstoned");
    there.engine.sync_now().await.expect("synced");
    let gone = {
        let store = there.store.lock().expect("store");
        kiosk::quiz::read(&store).expect("quizzes")
    };
    assert!(gone.is_empty(), "{gone:?}");

    server
        .user(&tree.admin, "quiz_nobody", tree.city_b, &[])
        .await;
    let mut nobody = Console::new(&server);
    nobody.login("quiz_nobody", PASSWORD).await;
    assert_eq!(
        nobody.get("/console/quiz").await.status,
        StatusCode::FORBIDDEN,
        "no role, no figures"
    );
}
