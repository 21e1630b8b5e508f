//! 劳动竞赛 over real HTTPS: a publisher defines a competition in the console (branches ticked,
//! teams and metrics a line each), enters a day's scores in the table and imports more from CSV
//! — a file with a bad line refused by line and column with nothing applied and its text kept,
//! then a good one — and a kiosk at a participating branch holds the standings, with its own
//! branch known. A viewer, and a publisher of a sibling city, are refused every route.

use protocol::staff::Role;
use reqwest::StatusCode;
use tests::console::Console;
use tests::{ADMIN, PASSWORD, TestServer};

const NEW: &str = "/console/competitions/new";

fn as_refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test]
async fn a_competition_is_defined_scored_imported_and_ranked_on_the_kiosk() {
    let server = TestServer::start().await;
    let tree = server.org_tree().await;
    let (city_a, branch_a) = (tree.city_a.0.to_string(), tree.branch_a.0.to_string());
    let mut c = Console::new(&server);
    c.login(ADMIN, PASSWORD).await;
    let form = c.get(NEW).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("甲市城东支行"), "branches to tick");

    let metrics = "技能积分 | Skill | 分 | 高 | 累计\n差错 | Errors | 笔 | 低 | 累计";
    let define = |title: &'static str| {
        vec![
            ("org", city_a.clone()),
            ("title", title.to_owned()),
            ("first_day", "2026-11-01".to_owned()),
            ("last_day", "2026-12-31".to_owned()),
            ("branch", branch_a.clone()),
            ("teams", "营业部一组 | Team 1".to_owned()),
            ("metrics", metrics.to_owned()),
        ]
    };
    let bad = define("");
    let refused = c.post(NEW, &as_refs(&bad)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("名称：不能为空"), "{}", refused.body);
    assert!(
        refused.body.contains("营业部一组 | Team 1"),
        "kept as typed"
    );

    let good = define("岗位技能大比武");
    let made = c.post(NEW, &as_refs(&good)).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{made:?}");
    let here = made.location.expect("to the competition");
    let here = here.split('?').next().expect("path").to_owned();

    // A day's table: p1 is the ticked branch, p2 the typed team; m1 skill, m2 errors.
    let saved = c
        .post(
            &format!("{here}/scores"),
            &[
                ("base", "1"),
                ("day", "2026-11-06"),
                ("v.p1.m1", "90"),
                ("v.p2.m1", "85.5"),
                ("v.p1.m2", "2"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{saved:?}");

    // A file with bad cells on line 3: refused by line and column, its text kept, nothing saved.
    let bad_csv = "日期,参赛单位,指标,成绩\n\
                   2026-11-13,甲市城东支行,技能积分,10\n\
                   2026-11-13,乙市城西支行,技能积分,十\n";
    let refused = c
        .upload(
            &format!("{here}/import"),
            &[("base", "2")],
            ("file", "scores.csv", bad_csv.as_bytes().to_vec()),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    for sentence in [
        "第 3 行第 2 列（参赛单位）：没有参赛者“乙市城西支行”",
        "第 3 行第 4 列（成绩）：“十”不是数字",
        "2026-11-13,乙市城西支行,技能积分,十",
    ] {
        assert!(
            refused.body.contains(sentence),
            "{sentence}: {}",
            refused.body
        );
    }
    let page = c.get(&here).await.body;
    assert!(page.contains("第 2 版"), "nothing applied: {page}");

    // The good file, a column per metric: the branch gains a week, the team overtakes it.
    let good_csv = "\u{feff}日期,参赛单位,技能积分,差错\n\
                    2026-11-13,甲市城东支行,5,0\n\
                    2026-11-13,Team 1,20,1\n";
    let imported = c
        .upload(
            &format!("{here}/import"),
            &[("base", "2")],
            ("file", "scores.csv", good_csv.as_bytes().to_vec()),
        )
        .await;
    assert_eq!(imported.status, StatusCode::SEE_OTHER, "{imported:?}");
    let page = c.get(&here).await.body;
    assert!(page.contains("第 3 版"), "{page}");

    // The kiosk at branch A: standings from its cache, its own branch found.
    let (kiosk, _dir) = tests::kiosk_core(&tree.admin, tree.branch_a).await;
    let board = kiosk.competitions().await.expect("store");
    assert_eq!(board.competitions.len(), 1);
    let competition = &board.competitions[0];
    assert_eq!(competition.scores.len(), 7);
    let own = competition.own_participant(&board.path);
    assert_eq!(own, Some(0), "branch A is p1");
    let skill: Vec<(usize, Option<f64>, Option<u32>)> = competition
        .standings("m1")
        .into_iter()
        .map(|s| (s.participant, s.value, s.rank))
        .collect();
    assert_eq!(skill, [(1, Some(105.5), Some(1)), (0, Some(95.0), Some(2))]);
    let errors: Vec<usize> = competition
        .standings("m2")
        .iter()
        .map(|s| s.participant)
        .collect();
    assert_eq!(errors, [1, 0], "fewer errors ranks first");
    let (days, lines) = competition.history("m1");
    assert_eq!(days.len(), 2);
    assert_eq!(lines[1], [Some(85.5), Some(105.5)]);

    // Refusals: a viewer of city A, and a publisher of city B (a sibling).
    server
        .user(&tree.admin, "view_a", tree.city_a, &[Role::Viewer])
        .await;
    server
        .user(&tree.admin, "pub_b", tree.city_b, &[Role::Publisher])
        .await;
    // The viewer is refused by role (403); to the sibling's publisher the competition is not
    // there at all (404, as for any item outside one's subtree: its existence is not told).
    for (who, refused) in [
        ("view_a", StatusCode::FORBIDDEN),
        ("pub_b", StatusCode::NOT_FOUND),
    ] {
        let mut other = Console::new(&server);
        other.login(who, PASSWORD).await;
        other.get("/console/").await;
        let listed = other.get("/console/competitions").await;
        if who == "pub_b" {
            assert_eq!(listed.status, StatusCode::OK);
            assert!(
                !listed.body.contains("岗位技能大比武"),
                "not in their subtree"
            );
        } else {
            assert_eq!(listed.status, StatusCode::FORBIDDEN);
        }
        for path in [here.clone(), format!("{here}/edit")] {
            assert_eq!(other.get(&path).await.status, refused, "{who} {path}");
        }
        let edit = other.post(&format!("{here}/edit"), &as_refs(&good)).await;
        assert_eq!(edit.status, refused, "{who} edit");
        let scores = other
            .post(
                &format!("{here}/scores"),
                &[("base", "3"), ("day", "2026-11-06"), ("v.p1.m1", "999")],
            )
            .await;
        assert_eq!(scores.status, refused, "{who} scores");
        let import = other
            .upload(
                &format!("{here}/import"),
                &[("base", "3")],
                ("file", "s.csv", good_csv.as_bytes().to_vec()),
            )
            .await;
        assert_eq!(import.status, refused, "{who} import");
    }
    let page = c.get(&here).await.body;
    assert!(
        page.contains("第 3 版") && !page.contains("999"),
        "nothing changed"
    );
    // Branch B's kiosk never receives city A's competition.
    let (kiosk_b, _dir) = tests::kiosk_core(&tree.admin, tree.branch_b).await;
    assert!(
        kiosk_b
            .competitions()
            .await
            .expect("store")
            .competitions
            .is_empty()
    );
}
