//! Opening hours over real HTTPS: staff set them in the console (validated with sentences),
//! only for their own subtree; kiosks receive them through the feed and go by the nearest org's.

use protocol::content::hours::TimeRange;
use protocol::content::{ContentBody, OpeningHours};
use reqwest::StatusCode;
use tests::console::Console;
use tests::{ADMIN, PASSWORD, TestServer, write};

/// Weekday fields of the console form, Monday to Friday the same, the weekend closed.
fn weekdays(org: &str, range: &'static str) -> Vec<(&'static str, String)> {
    let mut f = vec![("org", org.to_owned())];
    for day in ["d0", "d1", "d2", "d3", "d4"] {
        f.push((day, range.to_owned()));
    }
    f
}

async fn save(c: &mut Console, fields: &[(&'static str, String)]) -> tests::console::Answer {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post("/console/hours", &fields).await
}

/// The hours the kiosk goes by now (it has some).
async fn hours_of(kiosk: &kiosk::core::Core) -> OpeningHours {
    kiosk.opening_hours().await.expect("store").expect("hours")
}

fn first_range(h: &OpeningHours) -> String {
    h.week[0][0].to_string()
}

#[tokio::test]
async fn staff_set_hours_and_each_kiosk_follows_its_nearest_org() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let mut c = Console::new(&server);
    c.login(ADMIN, PASSWORD).await;
    let province = tree.province.0.to_string();
    let city_a = tree.city_a.0.to_string();
    let branch_a = tree.branch_a.0.to_string();

    let page = c.get(&format!("/console/hours?org={province}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("终端全天开放"), "nothing set yet");

    // The province sets weekdays with a holiday week and a working Saturday.
    let mut fields = weekdays(&province, "08:30-17:30");
    fields.push(("closed", "2099-10-01~2099-10-07".to_owned()));
    fields.push(("special", "2099-10-10 09:00-12:00".to_owned()));
    let saved = save(&mut c, &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{saved:?}");
    let location = saved.location.expect("back to the page");
    assert!(location.starts_with(&format!("/console/hours?org={province}&ok=")));
    let page = c.get(&location).await.body;
    assert!(page.contains("已保存"), "{page}");
    assert!(page.contains("2099-10-01~2099-10-07") && page.contains("2099-10-10 09:00-12:00"));
    // Saving the same again changes nothing.
    let again = save(&mut c, &fields).await;
    let page = c.get(&again.location.expect("redirect")).await.body;
    assert!(page.contains("开放时间没有变化"));

    // The city overrides it; a city page shows what its kiosks follow before that.
    let page = c.get(&format!("/console/hours?org={city_a}")).await.body;
    assert!(
        page.contains("上级单位“"),
        "inherits the province's: {page}"
    );
    let saved = save(&mut c, &weekdays(&city_a, "09:00-12:00, 13:30-18:00")).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{saved:?}");

    // Kiosks: branch A (under city A) follows the city; branch B follows the province.
    let (kiosk_a, _dir_a) = tests::kiosk_core(&tree.admin, tree.branch_a).await;
    let (kiosk_b, _dir_b) = tests::kiosk_core(&tree.admin, tree.branch_b).await;
    let hours_a = hours_of(&kiosk_a).await;
    assert_eq!(hours_a.week[0].len(), 2);
    assert_eq!(first_range(&hours_a), "09:00-12:00");
    let hours_b = hours_of(&kiosk_b).await;
    assert_eq!(first_range(&hours_b), "08:30-17:30");
    assert_eq!(hours_b.closed_dates.len(), 7);
    assert_eq!(hours_b.special_days.len(), 1);

    // The branch sets its own: it wins over its city, through the feed.
    save(&mut c, &weekdays(&branch_a, "10:00-16:00")).await;
    kiosk_a.sync_now().await.expect("sync");
    let hours_a = hours_of(&kiosk_a).await;
    assert_eq!(first_range(&hours_a), "10:00-16:00");

    // Removing the branch's hours falls back to the city's; the city's, to the province's.
    let cleared = c
        .post("/console/hours/clear", &[("org", branch_a.as_str())])
        .await;
    assert_eq!(cleared.status, StatusCode::SEE_OTHER, "{cleared:?}");
    c.post("/console/hours/clear", &[("org", city_a.as_str())])
        .await;
    kiosk_a.sync_now().await.expect("sync");
    let hours_a = hours_of(&kiosk_a).await;
    assert_eq!(first_range(&hours_a), "08:30-17:30");
    c.post("/console/hours/clear", &[("org", province.as_str())])
        .await;
    kiosk_a.sync_now().await.expect("sync");
    assert_eq!(
        kiosk_a.opening_hours().await.expect("store"),
        None,
        "no hours anywhere: always open"
    );
}

#[tokio::test]
async fn what_was_typed_wrong_is_named_and_kept() {
    let server = TestServer::start().await;
    let province = server.init().await.0.to_string();
    let mut c = Console::new(&server);
    c.login(ADMIN, PASSWORD).await;
    c.get("/console/hours").await;
    let mut fields = weekdays(&province, "09:00-12:00, 11:00-14:00");
    fields.push(("d5", "9点到5点".to_owned()));
    fields.push(("closed", "2001-01-01\n2099-13-01".to_owned()));
    let refused = save(&mut c, &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    for sentence in [
        "没有保存",
        "周六：“9点到5点”不是开放时间段",
        "休息日第 1 行：2001-01-01 已经过去了",
        "休息日第 2 行：“2099-13-01”不是日期",
    ] {
        assert!(
            refused.body.contains(sentence),
            "{sentence}: {}",
            refused.body
        );
    }
    assert!(
        refused.body.contains("9点到5点"),
        "the form keeps what was typed"
    );
    // Parsed, but overlapping: the protocol's check speaks.
    let refused = save(&mut c, &weekdays(&province, "09:00-12:00, 11:00-14:00")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("周一 09:00-12:00 与 11:00-14:00 重叠")
    );
    // A week closed every day is refused too: that is "remove the hours".
    let refused = save(&mut c, &[("org", province.clone())]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("每周至少要有一天开放"));
    let page = c.get(&format!("/console/hours?org={province}")).await.body;
    assert!(page.contains("终端全天开放"), "nothing was stored");
}

#[tokio::test]
async fn only_the_org_and_its_ancestors_staff_may_see_or_change_its_hours() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let (city_b, province, branch_a) = (
        tree.city_b.0.to_string(),
        tree.province.0.to_string(),
        tree.branch_a.0.to_string(),
    );

    // No session: sent to sign in, nothing stored.
    let mut anon = Console::new(&server);
    let a = anon.get(&format!("/console/hours?org={city_b}")).await;
    assert_eq!(a.location.as_deref(), Some("/console/login"));
    let a = save(&mut anon, &weekdays(&city_b, "09:00-17:00")).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(a.location.as_deref(), Some("/console/login"));

    // City A's staff: not city B (a sibling) nor the province (above them).
    let mut c = Console::new(&server);
    c.login("city_a", PASSWORD).await;
    let page = c.get("/console/hours").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("乙市"), "a sibling is not offered");
    for org in [&city_b, &province] {
        let a = c.get(&format!("/console/hours?org={org}")).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "see {org}");
        let a = save(&mut c, &weekdays(org, "09:00-17:00")).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "set {org}");
        let a = c
            .post("/console/hours/clear", &[("org", org.as_str())])
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "clear {org}");
    }
    // A forged form (no CSRF token) for their own branch is refused.
    let forged = c
        .post_without_csrf(
            "/console/hours",
            &[("org", branch_a.as_str()), ("d0", "09:00-17:00")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // The staff API cannot go around the console either.
    let hours = OpeningHours {
        week: vec![
            vec![TimeRange {
                open: "09:00".parse().expect("t"),
                close: "17:00".parse().expect("t"),
            }];
            7
        ],
        closed_dates: Vec::new(),
        special_days: Vec::new(),
    };
    let refused = tree
        .city_staff
        .publish(tree.city_b, ContentBody::OpeningHours(hours.clone()))
        .await
        .expect_err("outside the city's subtree");
    assert_eq!(refused.status, 403);
    let (kiosk_b, _dir) = tests::kiosk_core(&tree.admin, tree.branch_b).await;
    assert_eq!(kiosk_b.opening_hours().await.expect("store"), None);

    // Their own branch: allowed; and one set of hours per org, whichever way it is written.
    let a = save(&mut c, &weekdays(&branch_a, "09:00-17:00")).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{a:?}");
    let second = tree
        .admin
        .post::<_, serde_json::Value>(
            "v1/staff/content",
            &write(tree.branch_a, ContentBody::OpeningHours(hours)),
        )
        .await
        .expect_err("a second set at one org");
    assert_eq!(second.status, 409);
}

#[tokio::test]
async fn a_kiosk_moved_to_another_branch_follows_its_new_orgs_hours() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let mut c = Console::new(&server);
    c.login(ADMIN, PASSWORD).await;
    c.get("/console/hours").await;
    for (org, range) in [
        (tree.province, "08:00-16:00"),
        (tree.city_a, "09:00-17:00"),
        (tree.city_b, "10:00-18:00"),
    ] {
        let saved = save(&mut c, &weekdays(&org.0.to_string(), range)).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{saved:?}");
    }
    let (kiosk, _dir) = tests::kiosk_core(&tree.admin, tree.branch_a).await;
    let hours = hours_of(&kiosk).await;
    assert_eq!(first_range(&hours), "09:00-17:00");
    // Moved to city B's branch: the path kept at enrollment is stale now, the cache is not.
    let (kiosk_id, _) = kiosk.identity().await.expect("store").expect("enrolled");
    let _: serde_json::Value = tree
        .admin
        .post(
            &format!("v1/staff/kiosks/{kiosk_id}/move"),
            &serde_json::json!({ "org_id": tree.branch_b }),
        )
        .await
        .expect("moved");
    kiosk.sync_now().await.expect("resync");
    let hours = hours_of(&kiosk).await;
    assert_eq!(
        first_range(&hours),
        "10:00-18:00",
        "city B's, not the province's"
    );
}
