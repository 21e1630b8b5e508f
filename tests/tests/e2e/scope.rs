//! Who sees what: kiosks see their org and its ancestors, never a sibling; staff act on their
//! subtree only.

use protocol::staff::ContentRecord;
use protocol::{Change, ChangesResponse, ContentBody};
use std::collections::BTreeSet;
use tests::{TestServer, news, write};

fn titles(resp: &ChangesResponse) -> BTreeSet<String> {
    resp.changes
        .iter()
        .filter_map(|c| match c {
            Change::Upsert { item, .. } => match &item.body {
                ContentBody::News(n) => Some(n.title.clone()),
                _ => None,
            },
            Change::Delete { .. } => None,
        })
        .collect()
}

#[tokio::test]
async fn branch_kiosk_sees_province_city_and_own_content_never_a_siblings() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    for (org, title) in [
        (tree.province, "省行通知"),
        (tree.city_a, "甲市通知"),
        (tree.city_b, "乙市通知"),
        (tree.branch_a, "城东支行通知"),
        (tree.branch_b, "城西支行通知"),
    ] {
        tree.admin
            .publish(org, news(title))
            .await
            .expect("published");
    }
    let kiosk_a = server.kiosk_at(&tree.admin, tree.branch_a).await;
    let seen = titles(&kiosk_a.changes(None, None).await.expect("feed"));
    let expected: BTreeSet<String> = ["省行通知", "甲市通知", "城东支行通知"]
        .map(String::from)
        .into();
    assert_eq!(seen, expected);

    let kiosk_city_b = server.kiosk_at(&tree.admin, tree.city_b).await;
    let seen = titles(&kiosk_city_b.changes(None, None).await.expect("feed"));
    let expected: BTreeSet<String> = ["省行通知", "乙市通知"].map(String::from).into();
    assert_eq!(
        seen, expected,
        "a city kiosk does not see its branches' content either"
    );
}

#[tokio::test]
async fn staff_cannot_act_above_or_beside_their_org() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let staff = &tree.city_staff;
    let province_item = tree
        .admin
        .publish(tree.province, news("省行通知"))
        .await
        .expect("ok");
    let sibling_item = tree
        .admin
        .publish(tree.city_b, news("乙市通知"))
        .await
        .expect("ok");

    // Publishing in its own subtree works.
    staff
        .publish(tree.city_a, news("甲市通知"))
        .await
        .expect("own org");
    staff
        .publish(tree.branch_a, news("城东通知"))
        .await
        .expect("own branch");

    // Naming an org the caller may not act in is refused as such.
    let outside = [
        staff.publish(tree.city_b, news("越权")).await.err(),
        staff.publish(tree.province, news("越权")).await.err(),
        staff
            .post::<_, serde_json::Value>(
                "v1/staff/orgs",
                &serde_json::json!({"parent_id": tree.city_b, "name": "偷建"}),
            )
            .await
            .err(),
        staff
            .post::<_, serde_json::Value>(
                "v1/staff/enrollment-tokens",
                &serde_json::json!({"org_id": tree.branch_b}),
            )
            .await
            .err(),
        // Moving own content to a sibling is acting beside, too.
        {
            let own = staff.publish(tree.city_a, news("本市")).await.expect("own");
            staff
                .put::<_, ContentRecord>(
                    &format!("v1/staff/content/{}", own.item.id),
                    &write(tree.city_b, news("挪到乙市")),
                )
                .await
                .err()
        },
    ];
    for (i, refusal) in outside.into_iter().enumerate() {
        let r = refusal.unwrap_or_else(|| panic!("action {i} must be refused"));
        assert_eq!(r.status, 403, "action {i}: {r:?}");
        assert_eq!(
            r.body.error,
            protocol::ErrorCode::OutsideYourOrg,
            "action {i}"
        );
        assert!(
            r.body.message.contains("管辖范围"),
            "action {i}: {}",
            r.body.message
        );
    }

    // An item above or beside reads exactly as an unknown id does, so the answer does not tell
    // whether another org has it.
    let unknown = "0192f0c0-0000-7000-8000-000000000000";
    let city_a = tree.city_a;
    let acts = |id: &str| {
        let id = id.to_owned();
        async move {
            [
                staff
                    .get::<ContentRecord>(&format!("v1/staff/content/{id}"))
                    .await
                    .err(),
                staff
                    .put::<_, ContentRecord>(
                        &format!("v1/staff/content/{id}"),
                        &write(city_a, news("改别人的")),
                    )
                    .await
                    .err(),
                staff
                    .post::<_, ContentRecord>(&format!("v1/staff/content/{id}/publish"), &())
                    .await
                    .err(),
                staff
                    .post::<_, ContentRecord>(&format!("v1/staff/content/{id}/unpublish"), &())
                    .await
                    .err(),
                staff.delete(&format!("v1/staff/content/{id}")).await.err(),
            ]
        }
    };
    let expected = acts(unknown).await.map(|r| {
        let r = r.expect("an unknown id is refused");
        assert_eq!(r.status, 404, "{r:?}");
        assert_eq!(r.body.error, protocol::ErrorCode::NotFound);
        r.body.message.replace(unknown, "<id>")
    });
    for item in [&province_item, &sibling_item] {
        let id = item.item.id.0.as_str();
        for (i, refusal) in acts(id).await.into_iter().enumerate() {
            let r = refusal.unwrap_or_else(|| panic!("action {i} on {id} must be refused"));
            assert_eq!(r.status, 404, "action {i}: {r:?}");
            assert_eq!(r.body.error, protocol::ErrorCode::NotFound, "action {i}");
            assert_eq!(
                r.body.message.replace(id, "<id>"),
                expected[i],
                "action {i}"
            );
        }
    }
    for item in [&province_item, &sibling_item] {
        let still: ContentRecord = tree
            .admin
            .get(&format!("v1/staff/content/{}", item.item.id))
            .await
            .expect("untouched");
        assert_eq!(&still, item, "nothing changed");
    }

    let listed: Vec<ContentRecord> = staff.get("v1/staff/content").await.expect("list");
    assert!(
        listed
            .iter()
            .all(|r| r.item.org_id == tree.city_a || r.item.org_id == tree.branch_a)
    );
    assert_eq!(listed.len(), 3);
    let orgs: Vec<protocol::staff::Org> = staff.get("v1/staff/orgs").await.expect("orgs");
    let ids: Vec<_> = orgs.iter().map(|o| o.id).collect();
    assert_eq!(ids, [tree.city_a, tree.branch_a]);
}
