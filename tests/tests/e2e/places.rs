//! Limited places (issue 18): booking requests travel through real kiosks' outboxes and are
//! allocated by the server, in arrival order, without ever giving a place twice; the outcome and
//! a cancellation go through the status check; staff see and change each session's people.

use futures_util::future::join_all;
use jiff::{Timestamp, ToSpan};
use kiosk::admin;
use kiosk::store::Store;
use kiosk::sync::{Engine, SyncConfig};
use protocol::places::{BookingRequest, BookingStatus, Refusal, Roster};
use protocol::staff::Role;
use protocol::workflow::{StatusAnswer, StatusQuery};
use protocol::{ContentBody, ContentId, OrgId};
use std::sync::{Arc, Mutex};
use tests::{PASSWORD, Staff, TestServer};

fn course(capacity: u32, extra: serde_json::Value) -> ContentBody {
    let start = Timestamp::now() + (7 * 24).hours();
    let mut body = serde_json::json!({
        "kind": "offering", "title": "班组长培训班", "category": "course",
        "place": "市总工会三楼", "waitlist": true, "per_person": 1,
        "schedule": {"type": "sessions", "sessions": [
            {"key": "s1", "starts_at": start, "ends_at": start + 3.hours(), "capacity": capacity},
            {"key": "s2", "starts_at": start + (7 * 24).hours(), "ends_at": start + (7 * 24 + 3).hours(),
             "capacity": capacity}
        ]}
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    serde_json::from_value(body).expect("offering body")
}

fn request(session: &str, n: u32, member: bool) -> protocol::submission::FormAnswers {
    BookingRequest {
        session: session.to_owned(),
        name: format!("职工{n}"),
        phone: phone(n),
        member,
    }
    .to_answers()
}

fn phone(n: u32) -> String {
    format!("139{n:08}")
}

/// A real kiosk: its own store and sync engine, enrolled at `org`.
struct Kiosk {
    engine: Engine,
    store: Arc<Mutex<Store>>,
    _dir: tempfile::TempDir,
}

async fn kiosk(staff: &Staff, org: OrgId) -> Kiosk {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::open(dir.path()).expect("store");
    let created = staff.enrollment_token(org).await;
    admin::enroll(&mut store, &created.enrollment_string, "")
        .await
        .expect("enrolls");
    let store = Arc::new(Mutex::new(store));
    let engine = Engine::new(store.clone(), SyncConfig::default()).expect("engine");
    Kiosk {
        engine,
        store,
        _dir: dir,
    }
}

impl Kiosk {
    /// What the kiosk lists for `offering`, with the places left it last heard of.
    fn listed(&self, offering: &ContentId) -> kiosk::places::Listed {
        let store = self.store.lock().expect("store");
        kiosk::places::read(&store)
            .expect("offerings")
            .into_iter()
            .find(|l| &l.item.id == offering)
            .expect("the offering is listed")
    }
}

/// Every booking in arrival order: receipt, status, received and submitted (ms).
async fn allocation(server: &TestServer) -> Vec<(String, String, String, i64, i64)> {
    server
        .state
        .db
        .read(|tx| {
            Ok(tx
                .prepare(
                    "SELECT s.receipt, b.session_key, b.status, s.received_at, s.submitted_at
                     FROM bookings b JOIN submissions s ON s.id = b.submission_id ORDER BY b.id",
                )?
                .query_map([], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })?
                .collect::<Result<Vec<_>, _>>()?)
        })
        .await
        .expect("bookings")
}

fn query(receipt: &str, n: u32) -> StatusQuery {
    StatusQuery {
        receipt: receipt.to_owned(),
        phone_last4: phone(n)[7..].to_owned(),
    }
}

#[tokio::test]
async fn the_last_places_go_in_arrival_order_across_many_kiosks_and_a_cancellation_promotes_one() {
    const CAPACITY: usize = 5;
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let offering = tree
        .admin
        .publish(
            tree.province,
            course(CAPACITY as u32, serde_json::json!({})),
        )
        .await
        .expect("published");
    let id = offering.item.id.clone();
    let orgs = [tree.branch_a, tree.branch_b, tree.city_a, tree.city_b];
    let online = join_all(orgs.iter().map(|o| kiosk(&tree.admin, *o))).await;
    let offline = join_all(orgs[..2].iter().map(|o| kiosk(&tree.admin, *o))).await;

    // Two kiosks are offline: their employees ask first, but the requests wait in the outbox.
    let mut who = std::collections::HashMap::new();
    let mut n = 0;
    let mut late = Vec::new();
    for k in &offline {
        for _ in 0..3 {
            n += 1;
            let saved = k.engine.submit(id.clone(), 1, request("s1", n, true)).await;
            let receipt = saved.expect("saved").receipt;
            who.insert(receipt.clone(), n);
            late.push(receipt);
        }
    }
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    for k in &online {
        for _ in 0..4 {
            n += 1;
            let saved = k.engine.submit(id.clone(), 1, request("s1", n, true)).await;
            who.insert(saved.expect("saved").receipt, n);
        }
    }
    // The online kiosks deliver all at once, then the offline ones come back.
    for done in join_all(online.iter().map(|k| k.engine.sync_now())).await {
        assert_eq!(done.expect("delivered").delivered, 4);
    }
    for done in join_all(offline.iter().map(|k| k.engine.sync_now())).await {
        assert_eq!(done.expect("delivered").delivered, 3);
    }

    let rows = allocation(&server).await;
    assert_eq!(rows.len(), 22, "every request is allocated once");
    let statuses: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    let mut expected = vec!["confirmed"; CAPACITY];
    expected.extend(vec!["waitlisted"; 22 - CAPACITY]);
    assert_eq!(
        statuses, expected,
        "places first, then the line, by arrival"
    );
    assert!(
        rows.windows(2).all(|w| w[0].3 <= w[1].3),
        "booking order is the order requests reached the server"
    );
    let arrived_last: Vec<&String> = rows[16..].iter().map(|r| &r.0).collect();
    for receipt in &late {
        assert!(arrived_last.contains(&receipt), "{receipt} came late");
    }
    let earliest_online = rows[..16].iter().map(|r| r.4).min().expect("rows");
    assert!(
        rows[16..].iter().all(|r| r.4 < earliest_online),
        "the late ones were asked first, and still wait behind those who reached the server first"
    );

    // Another kiosk learns the figures through the feed.
    let watcher = &online[0];
    watcher.engine.sync_now().await.expect("synced");
    let listed = watcher.listed(&id);
    let s1 = listed.offering.slot("s1").expect("s1");
    assert_eq!(listed.left(&s1), 0);
    let figures = listed.places.expect("places left synced").sessions["s1"];
    assert_eq!((figures.taken, figures.waiting), (5, 17));

    // Outcomes under 办理进度, from a kiosk that took none of the requests.
    let other = server.kiosk_at(&tree.admin, tree.branch_b).await;
    let check = |a: StatusAnswer| a.booking.expect("a booking");
    let first_waiting = &rows[CAPACITY].0;
    let seen = check(
        other
            .status_check(&query(first_waiting, who[first_waiting]))
            .await
            .expect("checked"),
    );
    assert_eq!(seen.status, BookingStatus::Waitlisted);
    assert_eq!(seen.position, Some(1));
    assert_eq!(seen.offering_title, "班组长培训班");
    let last = &rows[21].0;
    let seen = check(
        other
            .status_check(&query(last, who[last]))
            .await
            .expect("checked"),
    );
    assert_eq!(seen.position, Some(17));

    // One confirmed person cancels: exactly the first in line gets the place.
    let leaving = &rows[2].0;
    let cancelled = check(
        other
            .cancel_booking(&query(leaving, who[leaving]))
            .await
            .expect("cancelled"),
    );
    assert_eq!(cancelled.status, BookingStatus::Cancelled);
    assert!(!cancelled.cancellable());
    let again = check(
        other
            .cancel_booking(&query(leaving, who[leaving]))
            .await
            .expect("a second cancel changes nothing"),
    );
    assert_eq!(again.status, BookingStatus::Cancelled);
    let after = allocation(&server).await;
    let changed: Vec<usize> = (0..22).filter(|&i| after[i].2 != rows[i].2).collect();
    assert_eq!(
        changed,
        [2, CAPACITY],
        "the canceller and the first in line, nobody else"
    );
    assert_eq!(after[CAPACITY].2, "confirmed");
    assert_eq!(
        after.iter().filter(|r| r.2 == "confirmed").count(),
        CAPACITY,
        "capacity never exceeded"
    );
    let second = &rows[CAPACITY + 1].0;
    let seen = check(
        other
            .status_check(&query(second, who[second]))
            .await
            .expect("checked"),
    );
    assert_eq!(seen.position, Some(1), "the line moved up by one");
    watcher.engine.sync_now().await.expect("synced");
    let s1 = watcher.listed(&id).places.expect("places").sessions["s1"];
    assert_eq!((s1.taken, s1.waiting), (5, 16));
}

#[tokio::test]
async fn refusals_name_their_reason_and_staff_routes_check_role_and_scope() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let tomorrow = protocol::answers::china_date(Timestamp::now()) + 1.day();
    let venue: ContentBody = serde_json::from_value(serde_json::json!({
        "kind": "offering", "title": "职工活动室", "category": "venue", "per_person": 1,
        "schedule": {"type": "timetable", "from": tomorrow, "until": tomorrow + 20.days(),
            "capacity": 1, "closed": [tomorrow + 2.days()],
            "week": vec![vec![serde_json::json!({"open": "09:00", "close": "10:00"})]; 7]}
    }))
    .expect("venue");
    let venue = tree.admin.publish(tree.city_a, venue).await.expect("venue");
    let members = tree
        .admin
        .publish(
            tree.city_a,
            course(2, serde_json::json!({"eligibility": "members_only"})),
        )
        .await
        .expect("course");
    let shut = tree
        .admin
        .publish(
            tree.city_a,
            course(
                2,
                serde_json::json!({"closes_at": Timestamp::now() - 1.hour()}),
            ),
        )
        .await
        .expect("closed course");
    let k = kiosk(&tree.admin, tree.branch_a).await;
    let slot = |d: i64| format!("{} 09:00", tomorrow + d.days());
    let asks = [
        (&venue, slot(0), 1, true),
        (&venue, slot(0), 2, true),
        (&venue, slot(1), 1, true),
        (&venue, slot(2), 3, true),
        (&members, "s1".to_owned(), 4, false),
        (&shut, "s1".to_owned(), 5, true),
        (&members, "s1".to_owned(), 6, true),
        (&members, "s1".to_owned(), 7, true),
    ];
    let mut receipts = Vec::new();
    for (offering, session, n, member) in &asks {
        let ContentBody::Offering(body) = &offering.item.body else {
            panic!("an offering")
        };
        // Filled in on the kiosk's request form, as an employee would.
        let slot = body
            .slot(session)
            .unwrap_or_else(|| body.slots(tomorrow, 1)[0].clone());
        let form = kiosk::places::request_form(body, &slot, "明天 09:00");
        let mut typed = request(&slot.key, *n, *member).answers;
        typed.insert("member".into(), if *member { "yes" } else { "no" }.into());
        typed.insert("session".into(), session.as_str().into());
        let answers = if body.slot(session).is_some() {
            let prepared = form.prepare_answers(&typed, tomorrow);
            protocol::submission::FormAnswers {
                answers: prepared.expect("the request form takes the answers"),
            }
        } else {
            // A slot the timetable does not have (a holiday): sent as typed, the server decides.
            protocol::submission::FormAnswers { answers: typed }
        };
        let saved = k
            .engine
            .submit(offering.item.id.clone(), 1, answers)
            .await
            .expect("saved");
        receipts.push(saved.receipt);
    }
    assert_eq!(k.engine.sync_now().await.expect("sync").delivered, 8);
    let checker = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let expected = [
        Ok(BookingStatus::Confirmed),
        Err(Refusal::SlotTaken),
        Err(Refusal::OverLimit),
        Err(Refusal::NoSuchSession),
        Err(Refusal::MembersOnly),
        Err(Refusal::WindowClosed),
        Ok(BookingStatus::Confirmed),
        Ok(BookingStatus::Confirmed),
    ];
    for ((receipt, (_, _, n, _)), want) in receipts.iter().zip(&asks).zip(expected) {
        let b = checker
            .status_check(&query(receipt, *n))
            .await
            .expect("checked")
            .booking
            .expect("booking");
        let got = match b.refusal {
            Some(r) => Err(r),
            None => Ok(b.status),
        };
        assert_eq!(got, want, "request of 职工{n}");
    }

    // Staff: case handlers in scope see the people; other roles and other branches do not.
    let path = format!("v1/staff/offerings/{}/bookings", members.item.id);
    let rosters: Vec<Roster> = tree.admin.get(&path).await.expect("roster");
    let s1 = rosters.iter().find(|r| r.key == "s1").expect("s1");
    let names: Vec<&str> = s1.people.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["职工4", "职工6", "职工7"]);
    assert_eq!(s1.people[1].phone, phone(6));
    let publisher = server
        .user(&tree.admin, "pub", tree.city_a, &[Role::Publisher])
        .await;
    let refused = publisher
        .get::<Vec<Roster>>(&path)
        .await
        .expect_err("no role");
    assert_eq!(refused.status, 403);
    assert_eq!(refused.body.error, protocol::ErrorCode::RoleRequired);
    let elsewhere = server
        .user(&tree.admin, "cases_b", tree.city_b, &[Role::CaseHandler])
        .await;
    let refused = elsewhere
        .get::<Vec<Roster>>(&path)
        .await
        .expect_err("scope");
    assert_eq!(
        refused.status, 404,
        "another city's offering reads as unknown"
    );
    let close = format!("v1/staff/offerings/{}/sessions/s2/close", members.item.id);
    let refused = elsewhere
        .post::<_, ()>(&close, &())
        .await
        .expect_err("scope");
    assert_eq!(refused.status, 404);
    let booking = s1.people[1].booking_id;
    let moving = format!("v1/staff/bookings/{booking}/move");
    let refused = publisher
        .post::<_, serde_json::Value>(&moving, &serde_json::json!({"session": "s2"}))
        .await
        .expect_err("no role");
    assert_eq!(refused.status, 403);
    let refused = elsewhere
        .post::<_, ()>(
            &format!("v1/staff/bookings/{booking}/attended"),
            &serde_json::json!({"attended": true}),
        )
        .await
        .expect_err("scope");
    assert_eq!(refused.status, 404);

    // A case handler in scope closes s2, moves 职工6 there, ticks 职工7 as come.
    let handler = server
        .user(&tree.admin, "cases_a", tree.city_a, &[Role::CaseHandler])
        .await;
    let moved: serde_json::Value = handler
        .post(&moving, &serde_json::json!({"session": "s2"}))
        .await
        .expect("moved");
    assert_eq!(moved["status"], "confirmed");
    let () = handler
        .post(
            &format!("v1/staff/bookings/{}/attended", s1.people[2].booking_id),
            &serde_json::json!({"attended": true}),
        )
        .await
        .expect("ticked");
    let () = handler.post(&close, &()).await.expect("closed");
    let late = k
        .engine
        .submit(members.item.id.clone(), 1, request("s2", 8, true))
        .await
        .expect("saved");
    k.engine.sync_now().await.expect("delivered");
    let b = checker
        .status_check(&query(&late.receipt, 8))
        .await
        .expect("checked")
        .booking
        .expect("booking");
    assert_eq!(b.refusal, Some(Refusal::SessionClosed));
    let rosters: Vec<Roster> = handler.get(&path).await.expect("roster");
    let s2 = rosters.iter().find(|r| r.key == "s2").expect("s2");
    assert!(s2.closed);
    assert_eq!(s2.people[0].name, "职工6");
    assert_eq!(s2.people[0].status, BookingStatus::Confirmed);
    let s1 = rosters.iter().find(|r| r.key == "s1").expect("s1");
    assert!(s1.people.iter().any(|p| p.name == "职工7" && p.attended));

    // The console: the people per session, the sign-in sheet, attendance; not for a publisher.
    let mut console = tests::console::Console::new(&server);
    console.login("cases_a", PASSWORD).await;
    let here = format!("/console/places/{}", members.item.id);
    let page = console.get(&here).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("职工6") && page.body.contains("签到表 CSV"));
    let sheet = console.get(&format!("{here}/sheet.csv?session=s2")).await;
    assert_eq!(sheet.status, 200);
    assert!(
        sheet.body.starts_with('\u{feff}'),
        "a byte-order mark for Excel"
    );
    assert!(
        sheet.body.contains(&format!("职工6,{}", phone(6))),
        "{}",
        sheet.body
    );
    let printable = console.get(&format!("{here}/sheet?session=s1")).await;
    assert!(printable.body.contains("职工7") && !printable.body.contains("职工4"));
    let six = s2.people[0].booking_id.to_string();
    let ticked = console
        .post(
            &format!("{here}/attended"),
            &[("booking", &six), ("attended", "true")],
        )
        .await;
    assert_eq!(ticked.status, 303, "{:?}", ticked.location);
    let rosters: Vec<Roster> = handler.get(&path).await.expect("roster");
    let s2 = rosters.iter().find(|r| r.key == "s2").expect("s2");
    assert!(s2.people[0].attended, "ticked from the console");
    let mut theirs = tests::console::Console::new(&server);
    theirs.login("pub", PASSWORD).await;
    assert_eq!(theirs.get(&here).await.status, 403);
    let mut other = tests::console::Console::new(&server);
    other.login("cases_b", PASSWORD).await;
    assert_eq!(
        other.get(&here).await.status,
        404,
        "another city's offering"
    );
}

/// The offering's id, found by its title in the server's database.
async fn offering_id(server: &TestServer, title: &str) -> ContentId {
    let title = title.to_owned();
    server
        .state
        .db
        .read(move |tx| {
            let sql = format!(
                "SELECT id FROM content WHERE kind = 'offering' AND {} = ?1",
                tx.json_text("body", "title")
            );
            Ok(tx.query_row(&sql, [title], |r| r.get::<_, String>(0))?)
        })
        .await
        .map(ContentId)
        .expect("the offering is stored")
}

/// Published and edited from the console's form (no JSON), at the publisher's org only; an edit
/// never takes a place (refused with the reason, what was typed kept), more places go to those
/// waiting with members first; unpublished, kiosks drop its places-left figures too.
#[tokio::test]
async fn an_offering_from_the_console_form_keeps_every_place_through_edits() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    for (name, org, roles) in [
        ("pub_a", tree.city_a, &[Role::Publisher][..]),
        ("pub_b", tree.city_b, &[Role::Publisher][..]),
        ("viewer_a", tree.city_a, &[Role::Viewer][..]),
        ("cases_a", tree.city_a, &[Role::CaseHandler][..]),
    ] {
        tree.admin.create_user(name, org, roles).await;
    }
    let day = (protocol::answers::china_date(Timestamp::now()) + 7.days()).to_string();
    let city_a = tree.city_a.0.to_string();
    let title = "育儿知识讲座";
    let fields = vec![
        ("category", "course"),
        ("title", title),
        ("place", "职工之家二楼"),
        ("eligibility", "everyone"),
        ("per_person", "1"),
        ("waitlist", "1"),
        ("members_first", "1"),
        ("rows", "2"),
        ("s.0.date", day.as_str()),
        ("s.0.start", "09:00"),
        ("s.0.end", "11:00"),
        ("s.0.capacity", "1"),
        ("org", city_a.as_str()),
        ("op", "save"),
    ];

    // Only publishers, and only at their own org and below.
    let mut viewer = tests::console::Console::new(&server);
    viewer.login("viewer_a", PASSWORD).await;
    assert_eq!(viewer.get("/console/places").await.status, 200);
    let refused = viewer.post("/console/places/new", &fields).await;
    assert_eq!(refused.status, 403, "a viewer may not publish");
    assert!(refused.body.contains("角色"), "{}", refused.body);
    let mut other = tests::console::Console::new(&server);
    other.login("pub_b", PASSWORD).await;
    assert_eq!(other.get("/console/places/new").await.status, 200);
    let refused = other.post("/console/places/new", &fields).await;
    assert_eq!(refused.status, 422, "another city's org");
    assert!(
        refused.body.contains("value=\"育儿知识讲座\""),
        "what was typed is kept"
    );
    let mut publisher = tests::console::Console::new(&server);
    publisher.login("pub_a", PASSWORD).await;
    let form = publisher.get("/console/places/new?category=course").await;
    assert!(form.body.contains("新建培训课程"), "{}", form.body);
    let untitled: Vec<(&str, &str)> = fields.iter().filter(|f| f.0 != "title").copied().collect();
    let refused = publisher.post("/console/places/new", &untitled).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("请填写名称") && refused.body.contains("职工之家二楼"));
    let done = publisher.post("/console/places/new", &fields).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let id = offering_id(&server, title).await;
    assert_eq!(
        other
            .get(&format!("/console/places/{id}/edit"))
            .await
            .status,
        404
    );

    // At a kiosk: a non-member takes the one place; a non-member, then a member, wait.
    let k = kiosk(&tree.admin, tree.branch_a).await;
    k.engine.sync_now().await.expect("synced");
    let listed = k.listed(&id);
    let first = listed
        .offering
        .slot("第1场")
        .expect("the session has a key");
    assert_eq!(listed.left(&first), 1);
    let mut receipts = Vec::new();
    for (n, member) in [(1, false), (2, false), (3, true)] {
        let saved = k
            .engine
            .submit(id.clone(), 1, request("第1场", n, member))
            .await;
        receipts.push(saved.expect("saved").receipt);
    }
    assert_eq!(k.engine.sync_now().await.expect("sync").delivered, 3);
    let checker = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let outcome = |i: usize| {
        let q = query(&receipts[i], i as u32 + 1);
        let checker = &checker;
        async move {
            checker
                .status_check(&q)
                .await
                .expect("checked")
                .booking
                .expect("a booking")
        }
    };
    assert_eq!(outcome(0).await.status, BookingStatus::Confirmed);
    assert_eq!(outcome(1).await.position, Some(2), "members first");
    assert_eq!(
        outcome(2).await.position,
        Some(1),
        "the member is first in line"
    );

    // The inbox names the offering.
    let mut handler = tests::console::Console::new(&server);
    handler.login("cases_a", PASSWORD).await;
    let inbox = handler.get("/console/submissions").await;
    assert!(
        inbox.body.contains("育儿知识讲座（预约）"),
        "{}",
        inbox.body
    );

    // An edit that drops the booked session is refused, naming it, with what was typed kept.
    let edit = format!("/console/places/{id}/edit");
    let page = publisher.get(&edit).await;
    assert!(page.body.contains("value=\"第1场\""), "{}", page.body);
    let later = (protocol::answers::china_date(Timestamp::now()) + 8.days()).to_string();
    let mut moved: Vec<(&str, &str)> = fields
        .iter()
        .filter(|f| !f.0.starts_with("s.0") && f.0 != "org")
        .copied()
        .collect();
    moved.extend([
        ("version", "1"),
        ("s.1.date", later.as_str()),
        ("s.1.start", "14:00"),
        ("s.1.end", "16:00"),
        ("s.1.capacity", "5"),
    ]);
    let refused = publisher.post(&edit, &moved).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused
            .body
            .contains("场次“第1场”已有 1 人约上、2 人候补，不能删除"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains(&format!("value=\"{later}\"")));

    // Two places: the member waiting gets the new one, at once.
    let mut more: Vec<(&str, &str)> = fields
        .iter()
        .filter(|f| f.0 != "s.0.capacity" && f.0 != "org")
        .copied()
        .collect();
    more.extend([
        ("version", "1"),
        ("s.0.key", "第1场"),
        ("s.0.capacity", "2"),
    ]);
    let saved = publisher.post(&edit, &more).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(outcome(2).await.status, BookingStatus::Confirmed);
    assert_eq!(outcome(1).await.position, Some(1));
    let mut fewer = more.clone();
    fewer.retain(|f| f.0 != "s.0.capacity" && f.0 != "version");
    fewer.extend([("version", "2"), ("s.0.capacity", "1")]);
    let refused = publisher.post(&edit, &fewer).await;
    assert!(refused.body.contains("名额不能少于 2"), "{}", refused.body);
    k.engine.sync_now().await.expect("synced");
    let figures = k.listed(&id).places.expect("places left").sessions["第1场"];
    assert_eq!(
        (figures.capacity, figures.taken, figures.waiting),
        (2, 2, 1)
    );

    // Unpublished: kiosks drop the offering and its figures; the bookings stay.
    let gone = publisher
        .post(&format!("/console/places/{id}/unpublish"), &[])
        .await;
    assert_eq!(gone.status, 303);
    k.engine.sync_now().await.expect("synced");
    let held = |kind| {
        let store = k.store.lock().expect("store");
        store.items(kind).expect("items").len()
    };
    assert_eq!(held(protocol::ContentKind::Offering), 0);
    assert_eq!(
        held(protocol::ContentKind::PlacesLeft),
        0,
        "the places-left figures leave with the offering"
    );
    assert_eq!(allocation(&server).await.len(), 3);
}
